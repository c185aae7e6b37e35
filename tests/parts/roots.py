"""roots.py MODEL [K=V ...] < PEAKS: the partials of a dpm render (lines
"freq amp" from tests/tools/peaks) against the modes of the continuous
problem, found here independently as the roots of its frequency equation
(sign changes of an analytic function of beta on a fine grid, refined by
bisection).  Prints one line: "ok" or what failed.

bridge:  a string, fixed at 0, whose end L rests on a mass M and spring K:
         sin(bL) (K - M w^2) + T b cos(bL) = 0
spring:  a string fixed at both ends, tied to the ground by a spring K at a:
         T b sin(bL) + K sin(ba) sin(b(L-a)) = 0
stiff:   a stiff string (EI u'''' - T u'' = rho w^2 u) pinned at 0, its end L
         pinned on a mass M and spring K (u''(L) = 0, (K - M w^2) u(L) +
         T u'(L) - EI u'''(L) = 0): u = A sin(al x) + C sinh(be x), al^2, be^2
         = (-+T + sqrt(T^2 + 4 EI rho w^2)) / 2 EI, the determinant of the
         two end conditions in A and C (C's column over cosh(be L))
coupled: the same with a mass M on a spring Kc at a instead of the spring
         (its force on the string -Keff u(a), Keff = -Kc M w^2 / (Kc - M w^2)):
         T b sin(bL) (Kc - M w^2) - Kc M w^2 sin(ba) sin(b(L-a)) = 0
Every measured partial must lie within TOL (relative) of a root, and the
lowest root must be measured (unless lowest=0: an output near its node)."""
import sys
import numpy as np

kind = sys.argv[1]
p = dict(a.split("=") for a in sys.argv[2:])
p = {k: float(v) for k, v in p.items()}
tol = p.get("tol", 1e-3)
rho, L = p["rho"], p["L"]
T = p["T"]
c = np.sqrt(T / rho)


def h(b):
    w = b * c
    if kind == "bridge":
        return np.sin(b * L) * (p["K"] - p["M"] * w * w) + T * b * np.cos(b * L)
    if kind == "stiff":
        EI, m = p["EI"], p["K"] - p["M"] * w * w
        r = np.sqrt(T * T + 4 * EI * rho * w * w)
        al, be = np.sqrt((r - T) / (2 * EI)), np.sqrt((r + T) / (2 * EI))
        sa, ca, th = np.sin(al * L), np.cos(al * L), np.tanh(be * L)
        return (-al * al * sa * (m * th + T * be - EI * be ** 3)
                - be * be * th * (m * sa + (T * al + EI * al ** 3) * ca))
    a = p["a"]
    s = np.sin(b * a) * np.sin(b * (L - a))
    if kind == "spring":
        return T * b * np.sin(b * L) + p["K"] * s
    return T * b * np.sin(b * L) * (p["Kc"] - p["M"] * w * w) - p["Kc"] * p["M"] * w * w * s


fmax = p.get("fmax", 2000.0)
bs = np.linspace(1e-6, 2 * np.pi * fmax / c, 400000)
v = h(bs)
roots = []
for i in np.nonzero(np.sign(v[:-1]) != np.sign(v[1:]))[0]:
    lo, hi = bs[i], bs[i + 1]
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.sign(h(mid)) == np.sign(h(lo)):
            lo = mid
        else:
            hi = mid
    roots.append((lo + hi) / 2 * c / (2 * np.pi))
roots = np.array(roots)
if kind == "stiff":    # its determinant also vanishes as w -> 0 (al -> 0)
    roots = roots[roots > 1.0]
meas = [float(l.split()[0]) for l in sys.stdin if l.strip()]
bad = []
for f in meas:
    r = roots[np.argmin(abs(roots - f))]
    if abs(f - r) > tol * r:
        bad.append("%.4f (nearest root %.4f)" % (f, r))
if not meas or (p.get("lowest", 1) and min(abs(np.array(meas) - roots[0])) > tol * roots[0]):
    bad.append("the lowest root %.4f is not among %s" % (roots[0], meas))
print("ok" if not bad else "partials off the roots " + str(roots[:6]) + ": " + "; ".join(bad))
