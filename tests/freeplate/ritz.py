"""ritz.py — the modes of a free Kirchhoff plate, by Rayleigh-Ritz.

    ritz.py A B NU M [COUNT [ss]]

prints the COUNT lowest nonzero values of omega / kappa (kappa^2 = D / rho h)
of a free rectangular plate [0, A] x [0, B] with Poisson's ratio NU (with
`ss`: its edges y = 0 and y = B simply supported instead), from
the energy
    U = D/2 int (w_xx^2 + w_yy^2 + 2 nu w_xx w_yy + 2 (1 - nu) w_xy^2),
    T = rho h/2 int w_t^2
on the basis P_m(xi) P_n(eta), m, n < M, of Legendre polynomials (no
boundary condition is imposed: the free edge is the natural one); along y
for `ss`, sin(n pi (eta + 1) / 2), n = 1 .. M, which meet w = w_yy = 0.  An
independent answer for tests/freeplate: no finite differences in it."""
import sys
import numpy as np
from numpy.polynomial import legendre as L


def mats(M, q, ss=False):
    """1D matrices on [-1, 1] of the normalised Legendre (or sine) basis."""
    x, w = L.leggauss(q)
    V = np.zeros((3, M, len(x)))
    for m in range(M):
        if ss:
            b = (m + 1) * np.pi / 2
            V[0, m] = np.sin(b * (x + 1))
            V[1, m] = b * np.cos(b * (x + 1))
            V[2, m] = -b * b * np.sin(b * (x + 1))
            continue
        c = np.zeros(m + 1)
        c[m] = np.sqrt((2 * m + 1) / 2.0)
        V[0, m] = L.legval(x, c)
        V[1, m] = L.legval(x, L.legder(c, 1))
        V[2, m] = L.legval(x, L.legder(c, 2))
    E = {}
    for i in range(3):
        for j in range(3):
            E[i, j] = (V[i] * w) @ V[j].T
    return E


def modes(A, B, nu, M, ss=False):
    E = mats(M, 2 * M + 4)
    F = mats(M, 4 * M + 8, ss)
    sx, sy = 2.0 / A, 2.0 / B           # d/dx = sx d/dxi
    I = np.kron
    K = (sx ** 4 * I(E[2, 2], F[0, 0]) + sy ** 4 * I(E[0, 0], F[2, 2])
         + nu * sx ** 2 * sy ** 2 * (I(E[2, 0], F[0, 2]) + I(E[0, 2], F[2, 0]))
         + 2 * (1 - nu) * sx ** 2 * sy ** 2 * I(E[1, 1], F[1, 1]))
    Mm = I(E[0, 0], F[0, 0])
    C = np.linalg.cholesky(Mm)
    Ci = np.linalg.inv(C)
    ev = np.linalg.eigvalsh(Ci @ K @ Ci.T)
    ev = np.sort(ev)[0 if ss else 3:]    # the three rigid-body motions
    return np.sqrt(np.abs(ev))


if __name__ == "__main__":
    A, B, nu, M = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    ss = len(sys.argv) > 6 and sys.argv[6] == "ss"
    for v in modes(A, B, nu, M, ss)[:n]:
        print("%.10g" % v)
