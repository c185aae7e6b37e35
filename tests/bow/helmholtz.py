"""helmholtz.py WAV F0 VB BETA A [VTOL]: a bowed string's Helmholtz motion
(Raman), checked from the bow point's displacement (channel 1) over the
last half of the render:
  - the period (the mean interval between slip onsets) is 1/f0 within 1 %;
  - the bow point sticks (|v - vb| below 1/sqrt(2a), the left of the
    friction curve's peak) a fraction 1 - beta of the time within 4 %;
  - while it slips it moves at -vb (1 - beta) / beta within 5 % (VTOL);
v the centred difference of the displacement.  Prints ok or why."""
import os
import sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import wavio  # noqa: E402

path = sys.argv[1]
f0, vb, beta, a = (float(s) for s in sys.argv[2:6])
# the slip velocity's tolerance (VTOL, a 7th argument): 5 %, more where a
# coarse grid quantises the slip to whole samples
vtol = float(sys.argv[6]) if len(sys.argv) > 6 else 0.05
rate, bits, y = wavio.read(path)
if not np.all(np.isfinite(y)):
    print("the output is not finite")
    sys.exit(0)
ub = y[y.shape[0] // 2:, 1]
v = (ub[2:] - ub[:-2]) * rate / 2
rel = v - vb
stick = np.abs(rel) < 1 / np.sqrt(2 * a)
# slip onsets: v falls below half the slip velocity, the first time in
# a quarter of a period (the edges of a slip ripple)
want = -vb * (1 - beta) / beta
slipping = v < want / 2
on = []
for j in np.nonzero(~slipping[:-1] & slipping[1:])[0]:
    if not on or j - on[-1] > rate / f0 / 4:
        on.append(j)
on = np.array(on)
why = []
if len(on) < 10:
    why.append("%d slips in the last half" % len(on))
else:
    per = np.mean(np.diff(on)) / rate
    if abs(per * f0 - 1) > 0.01:
        why.append("period %.6g s against 1/f0 = %.6g s" % (per, 1 / f0))
    if np.max(np.diff(on)) - np.min(np.diff(on)) > 3:
        why.append("slip intervals from %d to %d samples: not one slip a period"
                   % (np.min(np.diff(on)), np.max(np.diff(on))))
fs = np.mean(stick)
if abs(fs / (1 - beta) - 1) > 0.04:
    why.append("sticks %.4f of the time against 1 - beta = %.4f" % (fs, 1 - beta))
core = rel[slipping]
vs = np.median(v[slipping]) if len(core) else 0
if abs(vs / want - 1) > vtol:
    why.append("slips at %.4g against -vb (1 - beta) / beta = %.4g" % (vs, want))
print("; ".join(why) if why else "ok")
sys.stderr.write("period %s, stick %.4f (1 - beta %.4f), slip velocity %.4g (%.4g)\n"
                 % ("%.6g" % (np.mean(np.diff(on)) / rate) if len(on) > 1 else "-", fs, 1 - beta, vs, want))
