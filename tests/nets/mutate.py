# mutate.py — N broken variants of a params file with nets (bytes cut,
# doubled, swapped, replaced with JSON's own characters), for a reader
# that must refuse or accept each without crashing.
#   python3 mutate.py GOOD.json OUTDIR N
import os, random, sys

good = open(sys.argv[1], "rb").read()
out, n = sys.argv[2], int(sys.argv[3])
rng = random.Random(10)
chars = b'{}[]",:0123456789.-eE \\ntrufalsenul'
for i in range(n):
    b = bytearray(good)
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(len(b))
        op = rng.randrange(5)
        if op == 0:
            del b[k:k + rng.randint(1, 20)]
        elif op == 1:
            b[k:k] = b[k:k + rng.randint(1, 40)]
        elif op == 2:
            b[k] = chars[rng.randrange(len(chars))]
        elif op == 3:
            j = rng.randrange(len(b))
            b[k], b[j] = b[j], b[k]
        else:
            b[k:k] = b'[' * rng.randint(1, 200)
    open(os.path.join(out, "m%03d.json" % i), "wb").write(bytes(b))
