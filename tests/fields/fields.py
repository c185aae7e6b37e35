"""fields.py MODEL N1 N2 C RHO K XA XB RATE [M KB] < PEAKS: the partials of
a render (lines "freq amp" from tests/tools/peaks) against the discrete
system's own modes, found here independently.  MODEL spring: two strings
on [0, 1] with fixed ends (N1, N2 intervals, wave speed C, density RHO)
joined by a spring K between u(XA) and w(XB); MODEL bridge: both tied by
springs K at XA, XB to a bridge mass M on a spring KB.  Reads are linear
interpolation, forces their transpose over RHO h: one matrix A (q'' = A
q); leapfrog turns each eigenvalue -W^2 into asin(k W / 2) 2 / k.  Every
measured partial must lie within 2e-4 of one, and the lowest mode must be
measured.  Prints "ok" or what failed."""
import sys
import numpy as np

model = sys.argv[1]
n1, n2 = int(sys.argv[2]), int(sys.argv[3])
c, rho, K, xa, xb, rate = (float(a) for a in sys.argv[4:10])
h1, h2, k = 1.0 / n1, 1.0 / n2, 1.0 / rate
m1, m2 = n1 - 1, n2 - 1               # interior points
bridge = model == "bridge"
n = m1 + m2 + (1 if bridge else 0)
A = np.zeros((n, n))


def lap(off, m, h):
    for i in range(m):
        A[off + i, off + i] = -2 * c * c / (h * h)
        if i > 0:
            A[off + i, off + i - 1] = c * c / (h * h)
        if i < m - 1:
            A[off + i, off + i + 1] = c * c / (h * h)


def weights(off, m, h, x):          # linear interpolation at x: {row: weight}
    i = int(np.floor(x / h))
    a = x / h - i
    w = {}
    for j, wt in ((i, 1 - a), (i + 1, a)):
        if 1 <= j <= m:
            w[off + j - 1] = w.get(off + j - 1, 0) + wt
    return w


lap(0, m1, h1)
lap(m1, m2, h2)
wa, wb = weights(0, m1, h1, xa), weights(m1, m2, h2, xb)
if not bridge:
    # u: + K (w(xb) - u(xa)) wa / (rho h1); w: - K (...) wb / (rho h2)
    for p, wp in wa.items():
        for q, wq in wb.items():
            A[p, q] += K * wp * wq / (rho * h1)
            A[q, p] += K * wp * wq / (rho * h2)
        for q, wq in wa.items():
            A[p, q] -= K * wp * wq / (rho * h1)
    for p, wp in wb.items():
        for q, wq in wb.items():
            A[p, q] -= K * wp * wq / (rho * h2)
else:
    M, KB = float(sys.argv[10]), float(sys.argv[11])
    z = n - 1
    for w, h in ((wa, h1), (wb, h2)):
        for p, wp in w.items():
            A[p, z] += K * wp / (rho * h)
            for q, wq in w.items():
                A[p, q] -= K * wp * wq / (rho * h)
            A[z, p] += K * wp / M
        A[z, z] -= K / M
    A[z, z] -= KB / M
ev = np.linalg.eigvals(A)
om = np.sqrt(np.maximum(-ev.real, 0))
f = np.sort(2 / k * np.arcsin(np.minimum(k * om / 2, 1)) / (2 * np.pi))
peaks = [float(l.split()[0]) for l in sys.stdin if l.strip()]
bad = []
for pk in peaks:
    e = np.min(np.abs(f - pk)) / pk
    if e > 2e-4:
        bad.append("%.3f Hz (%.2g off the nearest mode)" % (pk, e))
if not any(abs(pk - f[0]) / f[0] < 2e-4 for pk in peaks):
    bad.append("the lowest mode %.3f Hz not measured (peaks %s)" % (f[0], peaks[:4]))
print("ok" if not bad else "; ".join(bad) + " [modes %s]" % np.round(f[:12], 3))
