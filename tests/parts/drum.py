"""drum.py NX C K M XM YM RHO RATE [any] < PEAKS: the partials of a render of
drum.dpm (lines "freq amp" from tests/tools/peaks) against the discrete
system's own modes, found here independently: the 5-point Laplacian of
the membrane on an NX x NX grid of [0, 0.3]^2 with fixed edges, the
mass's row, and the spring between them read and spread by bilinear
weights at (XM, YM), as one matrix A (u'' = A u); leapfrog turns each
eigenvalue -w^2 into the frequency asin(k w / 2) 2 / k.  Every measured
partial must lie within 2e-4 of one (the peaks' resolution on 2 s), and
the lowest mode must be measured (unless `any`: an output that hardly
moves in it).  Prints "ok" or what failed."""
import sys
import numpy as np

nx = int(sys.argv[1])
c, K, M, xm, ym, rho, rate = (float(a) for a in sys.argv[2:9])
L = 0.3
h = L / nx
k = 1 / rate
n1 = nx - 1                       # interior points per axis
npt = n1 * n1
A = np.zeros((npt + 1, npt + 1))


def idx(i, j):                    # grid point (i, j), 1..nx-1, or None on an edge
    if 1 <= i <= nx - 1 and 1 <= j <= nx - 1:
        return (i - 1) + (j - 1) * n1
    return None


for j in range(1, nx):
    for i in range(1, nx):
        p = idx(i, j)
        A[p, p] = -4 * c * c / (h * h)
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            q = idx(i + di, j + dj)
            if q is not None:
                A[p, q] += c * c / (h * h)
# bilinear weights of (xm, ym)
a, b = xm / h, ym / h
i0, j0 = int(np.floor(a)), int(np.floor(b))
a -= i0
b -= j0
w = {}
for (di, dj, wt) in ((0, 0, (1 - a) * (1 - b)), (1, 0, a * (1 - b)), (0, 1, (1 - a) * b), (1, 1, a * b)):
    q = idx(i0 + di, j0 + dj)
    if q is not None:
        w[q] = w.get(q, 0) + wt
z = npt
# membrane: + K (z - r.u) w / (rho h^2); mass: -K (z - r.u) / M
for p, wp in w.items():
    A[p, z] += K * wp / (rho * h * h)
    for q, wq in w.items():
        A[p, q] -= K * wp * wq / (rho * h * h)
    A[z, p] += K * wp / M
A[z, z] -= K / M
ev = np.linalg.eigvals(A)
om = np.sqrt(np.maximum(-ev.real, 0))
f = np.sort(2 / k * np.arcsin(np.minimum(k * om / 2, 1)) / (2 * np.pi))
peaks = [float(l.split()[0]) for l in sys.stdin if l.strip()]
bad = []
for pk in peaks:
    e = np.min(np.abs(f - pk)) / pk
    if e > 2e-4:
        bad.append("%.3f Hz (%.2g off the nearest mode)" % (pk, e))
if len(sys.argv) < 10 and not any(abs(pk - f[0]) / f[0] < 2e-4 for pk in peaks):
    bad.append("the lowest mode %.3f Hz not measured (peaks %s)" % (f[0], peaks[:4]))
print("ok" if not bad else "; ".join(bad) + " [modes %s]" % np.round(f[:6], 3))
