"""partials.py F0 B TOL [N] < PEAKS: the partials of a render (lines "freq
amp" from tests/tools/peaks) against the closed form of a string, f_n =
n F0 sqrt(1 + B n^2) (B = 0: the ideal string, n c / 2L).  Every measured
partial must lie within TOL (relative) of one f_n, n <= 40, and f_1 must
be measured; with N, at least N partials.  Prints "ok" or what failed."""
import sys

f0, B, tol = (float(a) for a in sys.argv[1:4])
want = int(sys.argv[4]) if len(sys.argv) > 4 else 1
fn = [n * f0 * (1 + B * n * n) ** 0.5 for n in range(1, 41)]
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
