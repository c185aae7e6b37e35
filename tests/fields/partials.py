"""partials.py F0 B TOL N [NI RATE] < PEAKS: the partials of a render (lines
"freq amp" from tests/tools/peaks) against the closed form of a string on
[0, L] with fixed or simply supported ends, f_n = n F0 sqrt(1 + B n^2)
(B = 0: the ideal string, n c / 2L).  With NI and RATE, against the same
closed form for the scheme on NI intervals at RATE: sin(n pi x / L) is
then an exact mode of the discrete operator, whose eigenvalue is
W^2 = c^2 s / h^2 + kappa^2 s^2 / h^4, s = 4 sin^2(n pi / 2 NI), and
leapfrog turns W into 2 asin(k W / 2) / k (c = 2 L F0, kappa^2 = B c^2
L^2 / pi^2, h = L / NI, k = 1 / RATE; L drops out: taken 1).  Every
measured partial must lie within TOL (relative) of one f_n, n <= 40, f_1
must be measured, and at least N partials.  Prints "ok" or what failed."""
import math
import sys

f0, B, tol = (float(a) for a in sys.argv[1:4])
want = int(sys.argv[4])
fn = []
for n in range(1, 41):
    if len(sys.argv) > 6:
        ni, k = int(sys.argv[5]), 1.0 / float(sys.argv[6])
        c, h = 2 * f0, 1.0 / ni
        kap2 = B * c * c / (math.pi ** 2)
        s = 4 * math.sin(n * math.pi / (2 * ni)) ** 2
        W = math.sqrt(c * c * s / (h * h) + kap2 * s * s / h ** 4)
        fn.append(2 * math.asin(min(1.0, k * W / 2)) / k / (2 * math.pi))
    else:
        fn.append(n * f0 * math.sqrt(1 + B * n * n))
peaks = [float(l.split()[0]) for l in sys.stdin if l.strip()]
bad = []
for f in peaks:
    r = min(abs(f - g) / g for g in fn)
    if r > tol:
        bad.append("%.3f Hz is %.2g from the nearest partial" % (f, r))
if not any(abs(f - fn[0]) / fn[0] <= tol for f in peaks):
    bad.append("f1 = %.3f Hz not measured (peaks %s)" % (fn[0], peaks))
if len(peaks) < want:
    bad.append("%d partials measured, want %d" % (len(peaks), want))
print("; ".join(bad) if bad else "ok")
