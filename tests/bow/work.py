"""work.py WAV FB VB A TR: a lossless bowed field's energy (channel 0)
against the bow's work (the bow point's displacement on channel 1):
each step, E(n+1) - E(n) = k F(v) v with v = (u[n+1] - u[n-1]) / 2k at
the bow point, the root Newton found, and F = -Fb r phi(v - vb r),
r = min(t / tr, 1), t = n k (language.md 12 and 12.1: the scheme's
inner product makes the linear part conserve E exactly).  Prints "ERR
WORK STICK SLIPS": ERR the largest |dE - k F v| over the largest E (its
rounding), WORK the largest |k F v| over it (what ERR is small against),
STICK the fraction of steps the bow point sticks, |v - vb| < 1/sqrt(2a),
SLIPS how many times it starts to slip; or why it cannot."""
import os
import sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import wavio  # noqa: E402

path = sys.argv[1]
fb, vb, a, tr = (float(s) for s in sys.argv[2:6])
rate, bits, y = wavio.read(path)
if bits != 64:
    print("want --raw --double, got %d bits" % bits)
    sys.exit(0)
if not np.all(np.isfinite(y)):
    print("the output is not finite")
    sys.exit(0)
k = 1.0 / rate
E, ub = y[:, 0], y[:, 1]          # sample j: step j's u[j+1]
j = np.arange(2, len(E))
v = (ub[j] - ub[j - 2]) / (2 * k)
r = np.minimum(j * k / tr, 1)
s = v - vb * r
F = -fb * r * np.sqrt(2 * a) * s * np.exp(-a * s * s + 0.5)
W = k * F * v
dE = E[j] - E[j - 1]
top = np.max(np.abs(E))
err = np.max(np.abs(dE - W)) / top
stick = np.abs(s) < 1 / np.sqrt(2 * a)
slips = int(np.sum(stick[:-1] & ~stick[1:]))
print("%.3g %.3g %.3f %d" % (err, np.max(np.abs(W)) / top, np.mean(stick), slips))
