# gradjson.py — `dpmc grad`'s JSON for a model with nets, checked against
# central differences of the mse of `dpmc render --raw` renders.
#   python3 gradjson.py GRAD.json SIZES_JSON ACT NAME H LP.wav LM.wav [LP2.wav LM2.wav]
# GRAD.json: the output of dpmc grad (mse against T.wav, which the caller
# rendered); NAME a weight NET.L.W.j.i or NET.L.b.j; LP/LM the renders
# with NAME at v + H and v - H (LP2/LM2 at v +- 2H), T.wav beside them.
# Checks the shape ("grad" holds the declared params, "nets" the net in
# the params file's shape, every layer whole) and that the weight's
# gradient matches (4 D(H) - D(2H)) / 3 to 1e-5 relative.
import json, os, struct, sys


def wav(path):
    b = open(path, "rb").read()
    assert b[:4] == b"RIFF" and b[8:12] == b"WAVE"
    i, fmt, data = 12, None, None
    while i + 8 <= len(b):
        tag, n = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
        if tag == b"fmt ":
            fmt = struct.unpack("<HHIIHH", b[i + 8:i + 24])
        elif tag == b"data":
            data = b[i + 8:i + 8 + n]
        i += 8 + n + (n & 1)
    assert fmt and fmt[5] == 32 and data is not None, "not a 32-bit float WAV"
    return struct.unpack("<%df" % (len(data) // 4), data)


def mse(y, t):
    return sum((a - b) ** 2 for a, b in zip(y, t)) / len(t)


g = json.load(open(sys.argv[1]))
sizes, act, name, h = json.loads(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
net, L, kind = name.split(".")[0], int(name.split(".")[1]), name.split(".")[2]
n = g["nets"][net]
if n["sizes"] != sizes or n["act"] != act or len(n["layers"]) != len(sizes) - 1:
    sys.exit("the net's shape in grad's JSON: %r" % n)
for l, layer in enumerate(n["layers"], 1):
    if len(layer["W"]) != sizes[l] or any(len(r) != sizes[l - 1] for r in layer["W"]) or len(layer["b"]) != sizes[l]:
        sys.exit("layer %d of grad's JSON is not %d x %d" % (l, sizes[l], sizes[l - 1]))
if any("." in k for k in g["grad"]):
    sys.exit("a weight under \"grad\"")
idx = [int(x) for x in name.split(".")[3:]]
got = n["layers"][L - 1][kind][idx[0]][idx[1]] if kind == "W" else n["layers"][L - 1]["b"][idx[0]]
t = wav(os.path.join(os.path.dirname(sys.argv[6]), "T.wav"))
d1 = (mse(wav(sys.argv[6]), t) - mse(wav(sys.argv[7]), t)) / (2 * h)
d2 = (mse(wav(sys.argv[8]), t) - mse(wav(sys.argv[9]), t)) / (4 * h)
fd = (4 * d1 - d2) / 3
rel = abs(got - fd) / abs(fd)
if not rel < 1e-5:
    sys.exit("dL/d%s: dpmc grad %.10g, central differences %.10g (relative %.1e)" % (name, got, fd, rel))
print("dL/d%s %.8g, differences %.8g, relative %.1e" % (name, got, fd, rel))
