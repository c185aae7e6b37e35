"""eig.py -- modes of the continuous problems of tests/conservative, by
Rayleigh-Ritz, independent of dpmc's finite differences.

  bar:  (EI u'')'' = w^2 rhoA u on [0, L], free-free (natural conditions:
        nothing imposed), Legendre polynomials of degree < NB as the basis.
  horn: (S p')' = -(w/c)^2 S p on [0, L], p'(0) = 0 (closed), p(L) = 0
        (open), basis cos((j + 1/2) pi x / L), j < NB.
Stiffness and mass by Gauss-Legendre quadrature, then the generalised
symmetric eigenproblem by Cholesky.  Used as a module by check.py."""
import numpy as np
from numpy.polynomial import legendre as leg


def _geneig(K, M):
    C = np.linalg.cholesky(M)
    Ci = np.linalg.inv(C)
    return np.sort(np.linalg.eigvalsh(Ci @ K @ Ci.T))


def bar(EI, rhoA, L, nb=40):
    """Frequencies (Hz) of the free-free bar's flexural modes (rigid ones dropped)."""
    xi, w = leg.leggauss(4 * nb)
    x = 0.5 * L * (xi + 1)
    B = np.zeros((nb, xi.size))
    B2 = np.zeros((nb, xi.size))
    for n in range(nb):
        c = np.zeros(n + 1)
        c[n] = 1
        # orthonormal-ish scaling keeps M well conditioned
        s = np.sqrt(n + 0.5)
        B[n] = s * leg.legval(xi, c)
        B2[n] = s * leg.legval(xi, leg.legder(c, 2)) * (2 / L) ** 2
    jw = 0.5 * L * w
    K = (B2 * (EI(x) * jw)) @ B2.T
    M = (B * (rhoA(x) * jw)) @ B.T
    lam = _geneig(K, M)
    lam = lam[2:]            # the two rigid-body modes
    return np.sqrt(np.abs(lam)) / (2 * np.pi)


def horn(S, c, L, nb=80):
    """Frequencies (Hz) of a horn closed at x = 0 and open at x = L."""
    xi, w = leg.leggauss(4 * nb)
    x = 0.5 * L * (xi + 1)
    jw = 0.5 * L * w
    k = (np.arange(nb) + 0.5) * np.pi / L
    B = np.cos(np.outer(k, x))
    B1 = -k[:, None] * np.sin(np.outer(k, x))
    K = (B1 * (S(x) * jw)) @ B1.T
    M = (B * (S(x) * jw)) @ B.T
    lam = _geneig(K, M)
    return c * np.sqrt(lam) / (2 * np.pi)
