"""wavdiff.py A.wav B.wav TOL: two renders of `--raw --double` (64-bit
float WAVs) against each other: every channel of A within TOL of B's peak
on that channel, sample by sample, and as long.  Prints "ok" or the worst."""
import struct
import sys


def frames(path):
    b = open(path, "rb").read()
    i, nch, data = 12, 0, None
    while i + 8 <= len(b):
        tag, n = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
        if tag == b"fmt ":
            nch = struct.unpack("<H", b[i + 10:i + 12])[0]
        elif tag == b"data":
            data = struct.unpack("<%dd" % (n // 8), b[i + 8:i + 8 + n])
        i += 8 + n + (n & 1)
    return nch, data


na, a = frames(sys.argv[1])
nb, b = frames(sys.argv[2])
tol = float(sys.argv[3])
if na != nb or len(a) != len(b) or not a:
    print("shapes differ: %d x %d, %d x %d" % (na, len(a) // max(na, 1), nb, len(b) // max(nb, 1)))
    sys.exit(0)
worst = []
for ch in range(na):
    x, y = a[ch::na], b[ch::na]
    peak = max(abs(v) for v in y)
    d = max(abs(p - q) for p, q in zip(x, y))
    if not peak > 0 or d > tol * peak:
        worst.append("channel %d: %.3g of its peak %.3g" % (ch, d / peak if peak else d, peak))
print("; ".join(worst) if worst else "ok")
