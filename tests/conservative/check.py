"""check.py -- the numbers tests/conservative judges, against eig.py.

  check.py modes bar|horn COARSE FINE [key=value ...]
      COARSE, FINE: `peaks` output of renders on grids N and 2N at rates
      r and 4r (bar: h^2/k fixed) or r and 2r (horn: h/k fixed), so the
      scheme's error, O(h^2), falls by 4 from COARSE to FINE.  For each
      mode eig.py predicts: the peak nearest it in each file; the error
      must fall by a factor 3..5.5 (second order), and the Richardson
      value (4 FINE - COARSE) / 3 must match eig.py to 0.3 %.  eig.py
      itself is first checked converged (two basis sizes agree to 1e-6).
  check.py stab bar|horn N RATE [key=value ...]
      N: the grid dpmc chose.  Builds the scheme's matrix (the taps of
      language.md section 10 with lower.c's ghost points) and finds, by
      its eigenvalues, the largest N* with k^2 max|lambda| <= 4: N must be
      stable (N <= N*) and not much coarser than needed (N >= 0.8 N*).
Prints PASS/FAIL lines (the name given by the first two arguments)."""
import sys
import numpy as np
import eig

BAR = dict(f1=200.0, depth=0.606, width=0.2325, L=0.4)
HORN = dict(c=343.0, flare=2.0, L=0.5)


def args(d, kv):
    d = dict(d)
    for a in kv:
        k, v = a.split('=')
        d[k] = float(v)
    return d


def bar_fns(p):
    L = p['L']
    kappa = p['f1'] * L ** 2 / 1.31841651
    tau = lambda x: 1 - p['depth'] * np.exp(-((x - L / 2) / (p['width'] * L)) ** 4)
    return (lambda x: kappa ** 2 * tau(x) ** 3), tau, L


def horn_fns(p):
    L = p['L']
    return (lambda x: (1 + p['flare'] * x / L) ** 2), L


def predict(kind, p, nb):
    if kind == 'bar':
        EI, rA, L = bar_fns(p)
        return eig.bar(EI, rA, L, nb)[:3]
    S, L = horn_fns(p)
    return eig.horn(S, p['c'], L, nb)[:5]


def peaks(path):
    return np.array([float(l.split()[0]) for l in open(path) if l.strip()])


def modes(kind, coarse, fine, kv):
    name = 'modes_' + kind
    p = args(BAR if kind == 'bar' else HORN, kv)
    nb = (40, 60) if kind == 'bar' else (80, 160)
    f, f2 = predict(kind, p, nb[0]), predict(kind, p, nb[1])
    conv = np.max(np.abs(f2 / f - 1))
    # converged well below the 3e-3 asked of the extrapolation below; more
    # basis functions do not help past ~1e-6, the Legendre Gram matrix's
    # conditioning (Debian's reference LAPACK: 1.3e-6 between 40 and 60)
    if conv > 1e-5:
        print('FAIL %s: eig.py not converged (%g between %d and %d basis functions)'
              % (name, conv, nb[0], nb[1]))
        return
    pc, pf = peaks(coarse), peaks(fine)
    bad = []
    rows = []
    for i, fe in enumerate(f):
        c = pc[np.argmin(np.abs(pc - fe))]
        d = pf[np.argmin(np.abs(pf - fe))]
        rich = (4 * d - c) / 3
        ec, ef = abs(c - fe), abs(d - fe)
        ratio = ec / ef if ef > 0 else np.inf
        rows.append('%.2f: %.2f %.2f -> %.3f (x%.1f)' % (fe, c, d, rich, ratio))
        if abs(c / fe - 1) > 0.15:
            bad.append('mode %d (%.1f Hz) not found (nearest %.1f)' % (i + 1, fe, c))
        elif not 3 <= ratio <= 5.5 and ec > 1e-4 * fe:
            bad.append('mode %d: error falls by %.2f, not ~4' % (i + 1, ratio))
        elif abs(rich / fe - 1) > 3e-3:
            bad.append('mode %d: %.3f Hz extrapolated, eig.py %.3f' % (i + 1, rich, fe))
    if bad:
        print('FAIL %s: %s [%s]' % (name, '; '.join(bad), '; '.join(rows)))
    else:
        print('PASS %s (eig.py Hz: coarse fine -> extrapolated: %s)' % (name, '; '.join(rows)))


GHOST = {  # (bc, half-width, g) -> [(distance inward, factor)]: lower.c
    ('free', 1, 1): [(1, 1)],
    ('free', 2, 1): [(0, 2), (1, -1)],
    ('free', 2, 2): [(2, 1), (1, -4), (0, 4)],
}


def mirrored(f, L):
    """f with its argument mirrored into [0, L], as discretise.c takes a
    coefficient beyond an end (the field's mirror image at a free end)."""
    return lambda x: f(L - abs(L - abs(x)))


def matrix(kind, p, N):
    """The scheme's spatial operator k^-2 (taps) as a matrix on the updated points."""
    if kind == 'bar':
        EI, rA, L = bar_fns(p)
        EI = mirrored(EI, L)
        h = L / N
        taps = lambda x: [(-2, -EI(x - h)), (-1, 2 * (EI(x - h) + EI(x))),
                          (0, -(EI(x - h) + 4 * EI(x) + EI(x + h))),
                          (1, 2 * (EI(x) + EI(x + h))), (2, -EI(x + h))]
        scale = lambda x: 1 / (rA(x) * h ** 4)
        bc, w = ('free', 'free'), 2
    else:
        S, L = horn_fns(p)
        S = mirrored(S, L)
        h = L / N
        c2 = p['c'] ** 2
        taps = lambda x: [(-1, S(x - h / 2)), (0, -S(x - h / 2) - S(x + h / 2)), (1, S(x + h / 2))]
        scale = lambda x: c2 / (S(x) * h ** 2)
        bc, w = ('free', 'fixed'), 1
    A = np.zeros((N + 1, N + 1))
    keep = [i for i in range(N + 1)
            if not ((i == 0 and bc[0] != 'free') or (i == N and bc[1] != 'free'))]
    for i in keep:
        x = i * h
        for d, cf in taps(x):
            j = i + d
            cf *= scale(x)
            if 0 <= j <= N:
                A[i, j] += cf
                continue
            lower = j < 0
            g = -j if lower else j - N
            side = bc[0] if lower else bc[1]
            for dist, f in GHOST[(side, w, g)]:
                A[i, dist if lower else N - dist] += f * cf
    return A[np.ix_(keep, keep)]


def stable(kind, p, N, k):
    lam = np.linalg.eigvals(matrix(kind, p, N))
    return k * k * np.max(np.abs(lam)) <= 4 * (1 + 1e-9)


def stab(kind, N, rate, kv):
    name = 'stability_' + kind
    p = args(BAR if kind == 'bar' else HORN, kv)
    k = 1 / rate
    if not stable(kind, p, N, k):
        print('FAIL %s: the chosen grid N = %d is unstable (its matrix has k^2 |lambda| > 4)'
              % (name, N))
        return
    M = N
    while stable(kind, p, M + 1, k) and M < 4 * N + 10:
        M += 1
    if N < 0.8 * M:
        print('FAIL %s: chose N = %d, but N* = %d is stable: too coarse' % (name, N, M))
    else:
        print('PASS %s (chose N = %d; the largest stable N by the matrix is %d)' % (name, N, M))


if __name__ == '__main__':
    if sys.argv[1] == 'modes':
        modes(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        stab(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5:])
