"""pert.py N C RHO K XA XB RATE < PEAKS: two identical strings on [0, 1]
(fixed ends, N intervals, wave speed C, density RHO) joined by a weak
spring K between u(XA) and w(XB).  With the mass-normalised fundamental
phi(x) = sqrt(2 / RHO) sin(pi x) of each (int RHO phi^2 = 1) and u = q1
phi, w = q2 phi, the spring's energy K/2 (q1 phi(XA) - q2 phi(XB))^2 adds
K [[phi_a^2, -phi_a phi_b], [-phi_a phi_b, phi_b^2]] to W0^2 I: first
order perturbation theory splits the fundamental into W0^2 (in phase,
(phi_b, phi_a): the spring does not stretch) and W0^2 + K (phi_a^2 +
phi_b^2) (anti-phase).  W0 is the discrete string's own, (2 C / h)
sin(pi h / 2); a measured f is turned back into W = (2 / k) sin(pi f k)
(the leapfrog's map).  Checks: the two partials nearest the fundamental,
the lower one at W0 (within 2 % of the splitting), the splitting within
2.5 % of K (phi_a^2 + phi_b^2) (second order adds -1.8 % at K = 50 on
this pair: the check is made at K = 25 and 50).  Prints "ok" or what failed."""
import sys
import math

n = int(sys.argv[1])
c, rho, K, xa, xb, rate = (float(a) for a in sys.argv[2:8])
h, k = 1.0 / n, 1.0 / rate
w0 = 2 * c / h * math.sin(math.pi * h / 2)
f0 = 2 / k * math.asin(k * w0 / 2) / (2 * math.pi)
pa2 = 2 / rho * math.sin(math.pi * xa) ** 2
pb2 = 2 / rho * math.sin(math.pi * xb) ** 2
pred = K * (pa2 + pb2)
peaks = sorted((float(l.split()[0]) for l in sys.stdin if l.strip()), key=lambda p: abs(p - f0))[:2]
if len(peaks) < 2:
    print("fewer than two partials: %s" % peaks)
    sys.exit(0)
lo, hi = sorted(peaks)
W = [2 / k * math.sin(math.pi * p * k) for p in (lo, hi)]
split = W[1] ** 2 - W[0] ** 2
bad = []
if abs(W[0] ** 2 - w0 ** 2) > 0.025 * pred:
    bad.append("in-phase %.4f Hz, the string alone %.4f Hz" % (lo, f0))
if abs(split - pred) > 0.025 * pred:
    bad.append("splitting %.1f rad^2/s^2 (%.3f Hz), perturbation theory %.1f (%.2g off)"
               % (split, hi - lo, pred, split / pred - 1))
print("ok" if not bad else "; ".join(bad))
