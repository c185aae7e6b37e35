"""board.py NX NY NS K XS XB YB RATE [any] < PEAKS: the partials of a
render of board.dpm (lines "freq amp" from tests/tools/peaks) against the
discrete system's own modes, found here independently: the 5-point
Laplacian of the board (wave speed 60, [0, 0.4] x [0, 0.3], fixed edges,
NX x NY intervals, density 0.5), the string's 3-point one (T 80, density
0.005, [0, 0.65], fixed ends, NS intervals) and the spring K between the
string at XS (linear weights) and the board at (XB, YB) (bilinear), each
side's force spread by the transpose of its read over density times cell,
as one matrix A (q'' = A q); leapfrog turns each eigenvalue -W^2 into
asin(k W / 2) 2 / k.  Every measured partial must lie within 2e-4 of one,
and the lowest mode must be measured (unless `any`).  Prints "ok" or
what failed."""
import sys
import numpy as np

nx, ny, ns = (int(a) for a in sys.argv[1:4])
K, xs, xb, yb, rate = (float(a) for a in sys.argv[4:9])
cb, rhoH, T, rhoA, Ls = 60.0, 0.5, 80.0, 0.005, 0.65
hx, hy, hs, k = 0.4 / nx, 0.3 / ny, Ls / ns, 1 / rate
mx, my, ms = nx - 1, ny - 1, ns - 1
nb = mx * my
A = np.zeros((nb + ms, nb + ms))


def bi(i, j):
    return (i - 1) + (j - 1) * mx if 1 <= i <= mx and 1 <= j <= my else None


for j in range(1, ny):
    for i in range(1, nx):
        p = bi(i, j)
        A[p, p] = -2 * cb * cb / (hx * hx) - 2 * cb * cb / (hy * hy)
        for di, dj, h in ((1, 0, hx), (-1, 0, hx), (0, 1, hy), (0, -1, hy)):
            q = bi(i + di, j + dj)
            if q is not None:
                A[p, q] += cb * cb / (h * h)
for i in range(ms):
    A[nb + i, nb + i] = -2 * T / rhoA / (hs * hs)
    if i > 0:
        A[nb + i, nb + i - 1] = T / rhoA / (hs * hs)
    if i < ms - 1:
        A[nb + i, nb + i + 1] = T / rhoA / (hs * hs)
# the reads: board bilinear at (xb, yb), string linear at xs
a, b = xb / hx, yb / hy
i0, j0 = int(np.floor(a)), int(np.floor(b))
a -= i0
b -= j0
wb = {}
for di, dj, wt in ((0, 0, (1 - a) * (1 - b)), (1, 0, a * (1 - b)), (0, 1, (1 - a) * b), (1, 1, a * b)):
    q = bi(i0 + di, j0 + dj)
    if q is not None:
        wb[q] = wb.get(q, 0) + wt
s = xs / hs
s0 = int(np.floor(s))
s -= s0
ws = {}
for d, wt in ((0, 1 - s), (1, s)):
    if 1 <= s0 + d <= ms:
        ws[nb + s0 + d - 1] = wt
# r = w(b) - u(xs); string += K r ws / (rhoA hs); board -= K r wb / (rhoH hx hy)
r = dict(wb)
for q, wt in ws.items():
    r[q] = r.get(q, 0) - wt
for p, wp in ws.items():
    for q, rq in r.items():
        A[p, q] += K * wp * rq / (rhoA * hs)
for p, wp in wb.items():
    for q, rq in r.items():
        A[p, q] -= K * wp * rq / (rhoH * hx * hy)
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
print("ok" if not bad else "; ".join(bad) + " [modes %s]" % np.round(f[:8], 3))
