"""hertz.py OUT RATE M K P V0 [TOL]: a mass M at speed v0 against a rigid
stop through a felt V = K/(p+1) max(0, z)^(p+1), from its position
(channel 0) and velocity (channel 1):
  - the contact time (z > 0, crossings linearly interpolated) against
    Hertz's T = 2 (eta_max / v0) sqrt(pi) Gamma(1 + 1/(p+1)) /
    Gamma(1/2 + 1/(p+1)), eta_max = ((p+1) M v0^2 / (2K))^(1/(p+1)),
    within TOL (default 1e-3);
  - the deepest compression against eta_max, within TOL;
  - the rebound speed (the last sample's) against v0, within 1e-6 (what
    is left of psi after the contact, psi^2/2 of the energy, is not
    returned to the mass: about 1e-7 of it here).
Prints ok or why; on stderr the numbers."""
import sys
from math import gamma, pi, sqrt
import numpy as np

path = sys.argv[1]
rate, M, K, p, v0 = (float(s) for s in sys.argv[2:7])
tol = float(sys.argv[7]) if len(sys.argv) > 7 else 1e-3
y = np.loadtxt(path)
z, v = y[:, 0], y[:, 1]
a = 1 / (p + 1)
eta = ((p + 1) * M * v0 ** 2 / (2 * K)) ** a
T = 2 * (eta / v0) * sqrt(pi) * gamma(1 + a) / gamma(0.5 + a)
on = np.nonzero((z[:-1] <= 0) & (z[1:] > 0))[0]
off = np.nonzero((z[:-1] > 0) & (z[1:] <= 0))[0]
if len(on) != 1 or len(off) != 1 or off[0] < on[0]:
    print("not one contact (%d onsets, %d ends)" % (len(on), len(off)))
    sys.exit(0)
t0 = (on[0] + z[on[0]] / (z[on[0]] - z[on[0] + 1])) / rate
t1 = (off[0] + z[off[0]] / (z[off[0]] - z[off[0] + 1])) / rate
Tr, er, vr = t1 - t0, z.max(), -v[-1]
print("contact %.9g s (Hertz %.9g), depth %.6g (%.6g), rebound %.12g (v0 %g)" % (Tr, T, er, eta, vr, v0),
      file=sys.stderr)
if abs(Tr / T - 1) > tol:
    print("contact time %.9g s, Hertz's %.9g s (relative %.2e)" % (Tr, T, Tr / T - 1))
elif abs(er / eta - 1) > tol:
    print("compression %.6g, Hertz's %.6g" % (er, eta))
elif abs(vr / v0 - 1) > 1e-6:
    print("rebound speed %.15g, approach %.15g" % (vr, v0))
else:
    print("ok")
