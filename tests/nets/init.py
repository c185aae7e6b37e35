# init.py — the default weights of a net, computed independently of dpmc
# from language.md section 13 and sema_net.c's description of the draw:
# SplitMix64 from the seed, hidden layers Glorot-uniform row by row, the
# biases and the last layer zero.  Reads `dpmc info --json` on stdin and
# checks every weight of net NAME (sizes and seed given on the command
# line) bit for bit.
#   python3 init.py NAME SEED IN H1 ... OUT < info.json
import json, math, sys

M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


name, seed, sizes = sys.argv[1], int(sys.argv[2]), [int(a) for a in sys.argv[3:]]
want = {}
x = seed
for L in range(1, len(sizes)):
    n_in, n_out = sizes[L - 1], sizes[L]
    a = math.sqrt(6.0 / (n_in + n_out))
    for j in range(n_out):
        for i in range(n_in):
            if L < len(sizes) - 1:
                x, r = splitmix64(x)
                u = (r >> 11) * 2.0 ** -53
                want["%s.%d.W.%d.%d" % (name, L, j, i)] = a * (2 * u - 1)
            else:
                want["%s.%d.W.%d.%d" % (name, L, j, i)] = 0.0
        want["%s.%d.b.%d" % (name, L, j)] = 0.0
info = json.load(sys.stdin)
got = {}
for net, v in info.get("nets", {}).items():
    for L, layer in enumerate(v["layers"], 1):
        for j, row in enumerate(layer["W"]):
            for i, w in enumerate(row):
                got["%s.%d.W.%d.%d" % (net, L, j, i)] = w
        for j, b in enumerate(layer["b"]):
            got["%s.%d.b.%d" % (net, L, j)] = b
for k, v in info["params"].items():
    if "." in k:
        got[k] = v["value"]
bad = [k for k in want if k not in got or got[k] != want[k]]
extra = [k for k in got if k.startswith(name + ".") and k not in want]
if bad or extra:
    k = (bad + extra)[0]
    print("weight %s: dpmc %r, expected %r (%d wrong, %d extra)" % (k, got.get(k), want.get(k), len(bad), len(extra)))
    sys.exit(1)
print("%d weights" % len(want))
