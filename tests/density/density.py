"""density.py — the modes of parts of varying density (language.md 11),
found here independently of dpmc, against a render's partials.

  density.py string N T RHO0 A K M XS RATE < PEAKS
      a string on [0, 1], fixed ends, density RHO0 (1 + A x), pde
      u.tt = T / rho(x) u.xx + K (z - u(XS)) delta(x - XS), joined to a
      mass M (z.tt = -K (z - u(XS)) / M).  The discrete system of N
      intervals: q'' = A q, the read at XS linear interpolation, the force
      its transpose over rho(x_i) h at each point it reaches; leapfrog
      turns each eigenvalue -W^2 into 2 asin(k W / 2) / k.  Every measured
      partial within 2e-4 of one; then the four lowest modes of the
      continuous problem (below) within TOL of the discrete ones.
  density.py membrane NX NY LX LY C2 RHO0 A B K M XM YM RATE < PEAKS
      a membrane [0, LX] x [0, LY], fixed edges, density RHO0 (1 + A x)
      (1 + B y), u.tt = C2 / rho * lap(u) + K (z - u(XM, YM)) delta(...),
      a mass M on the spring: the discrete system's modes (5-point
      Laplacian, bilinear read and spread), every partial within 2e-4.
  density.py chain N1 N2 T RHO1 RHO0 A K XA XB RATE < PEAKS
      two strings on [0, 1] with fixed ends under tension T: u of density
      RHO1 on N1 intervals, w (a chain, sema_fields.c) of density RHO0 (1 +
      A x) on N2, joined by a spring K between u(XA) and w(XB); every
      partial within 2e-4 of the discrete system's modes.
  density.py cont T RHO0 A K M XS F1 F2 ...
      the continuous string's modes by shooting (RK4 from x = 0 with
      u = 0, u' = 1 to XS, the jump T [u'] = -K (z - u) with z = K u /
      (K - M w^2), on to x = 1; u(1) = 0 by bisection), at 1000 and 2000
      steps, which must agree to 1e-8 (converged); each F must lie within
      5e-4 of one (the discrete scheme's own error at 200 intervals and
      44.1 kHz: 1e-4 .. 3e-4 for the lowest six).
Prints "ok" or what failed."""
import sys
import numpy as np


def leapfrog(A, k):
    w2 = -np.linalg.eigvals(A).real
    w2 = w2[w2 > 0]
    return np.sort(2 * np.arcsin(np.minimum(1, k * np.sqrt(w2) / 2)) / k / (2 * np.pi))


def weights(n, h, x):               # linear interpolation: {point: weight}
    i = int(np.floor(x / h))
    a = x / h - i
    return {j: w for j, w in ((i, 1 - a), (i + 1, a)) if 1 <= j <= n - 1 and w != 0}


def string_modes(n, T, rho0, a, K, M, xs, rate):
    h, k = 1.0 / n, 1.0 / rate
    m = n - 1                          # interior points 1..n-1, then z
    A = np.zeros((m + 1, m + 1))
    rho = lambda i: rho0 * (1 + a * i * h)
    for i in range(1, n):
        A[i - 1, i - 1] = -2 * T / (rho(i) * h * h)
        if i > 1:
            A[i - 1, i - 2] = T / (rho(i) * h * h)
        if i < n - 1:
            A[i - 1, i] = T / (rho(i) * h * h)
    w = weights(n, h, xs)
    for p, wp in w.items():            # K (z - u(xs)) wp / (rho_p h)
        A[p - 1, m] += K * wp / (rho(p) * h)
        for q, wq in w.items():
            A[p - 1, q - 1] -= K * wp * wq / (rho(p) * h)
    A[m, m] = -K / M
    for q, wq in w.items():
        A[m, q - 1] += K * wq / M
    return leapfrog(A, k)


def membrane_modes(nx, ny, lx, ly, c2, rho0, a, b, K, M, xm, ym, rate):
    hx, hy, k = lx / nx, ly / ny, 1.0 / rate
    idx = lambda i, j: (i - 1) + (j - 1) * (nx - 1)
    m = (nx - 1) * (ny - 1)
    A = np.zeros((m + 1, m + 1))
    rho = lambda i, j: rho0 * (1 + a * i * hx) * (1 + b * j * hy)
    for j in range(1, ny):
        for i in range(1, nx):
            p, c = idx(i, j), c2 / rho(i, j)
            A[p, p] = -2 * c / hx**2 - 2 * c / hy**2
            for di, dj, hh in ((1, 0, hx), (-1, 0, hx), (0, 1, hy), (0, -1, hy)):
                if 1 <= i + di <= nx - 1 and 1 <= j + dj <= ny - 1:
                    A[p, idx(i + di, j + dj)] = c / hh**2
    i0, j0 = int(np.floor(xm / hx)), int(np.floor(ym / hy))
    ax, ay = xm / hx - i0, ym / hy - j0
    w = {}
    for di, dj, wt in ((0, 0, (1 - ax) * (1 - ay)), (1, 0, ax * (1 - ay)),
                       (0, 1, (1 - ax) * ay), (1, 1, ax * ay)):
        i, j = i0 + di, j0 + dj
        if 1 <= i <= nx - 1 and 1 <= j <= ny - 1 and wt != 0:
            w[(i, j)] = wt
    for (i, j), wp in w.items():
        p = idx(i, j)
        A[p, m] += K * wp / (rho(i, j) * hx * hy)
        for (i2, j2), wq in w.items():
            A[p, idx(i2, j2)] -= K * wp * wq / (rho(i, j) * hx * hy)
    A[m, m] = -K / M
    for (i, j), wq in w.items():
        A[m, idx(i, j)] += K * wq / M
    return leapfrog(A, k)


def chain_modes(n1, n2, T, rho1, rho0, a, K, xa, xb, rate):
    k, m1 = 1.0 / rate, n1 - 1
    A = np.zeros((m1 + n2 - 1, m1 + n2 - 1))
    parts = ((0, n1, lambda i: rho1), (m1, n2, lambda i: rho0 * (1 + a * i / n2)))
    for off, n, rho in parts:
        h = 1.0 / n
        for i in range(1, n):
            A[off + i - 1, off + i - 1] = -2 * T / (rho(i) * h * h)
            if i > 1:
                A[off + i - 1, off + i - 2] = T / (rho(i) * h * h)
            if i < n - 1:
                A[off + i - 1, off + i] = T / (rho(i) * h * h)
    ends = [(off, n, rho, weights(n, 1.0 / n, x)) for (off, n, rho), x in zip(parts, (xa, xb))]
    for s, (off, n, rho, w) in zip((1, -1), ends):   # u: + K (w(xb) - u(xa)); w: minus that
        for p, wp in w.items():
            for sq, (offq, nq, rq, wq) in zip((1, -1), ends):
                for q, wqq in wq.items():
                    A[off + p - 1, offq + q - 1] += -s * sq * K * wp * wqq / (rho(p) / n)
    return leapfrog(A, k)


def shoot(w, T, rho0, a, K, M, xs, n):
    """u(1) for each angular frequency in w, RK4 in n steps over [0, 1]"""
    def f(x, y):
        return np.array([y[1], -rho0 * (1 + a * x) * w * w / T * y[0]])

    def run(x0, x1, y, steps):
        h = (x1 - x0) / steps
        for s in range(steps):
            x = x0 + s * h
            k1 = f(x, y)
            k2 = f(x + h / 2, y + h / 2 * k1)
            k3 = f(x + h / 2, y + h / 2 * k2)
            k4 = f(x + h, y + h * k3)
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y

    n1 = max(1, int(round(n * xs)))
    y = run(0.0, xs, np.array([np.zeros_like(w), np.ones_like(w)]), n1)
    z = K * y[0] / (K - M * w * w)
    y[1] -= K * (z - y[0]) / T        # T (u'+ - u'-) + K (z - u) = 0
    return run(xs, 1.0, y, n - n1)[0]


def cont_modes(T, rho0, a, K, M, xs, fmax, n):
    """the roots of u(1) in (1, fmax] Hz, bisected all at once"""
    grid = np.linspace(1.0, fmax, 600)
    v = shoot(2 * np.pi * grid, T, rho0, a, K, M, xs, n)
    wz = np.sqrt(K / M) / (2 * np.pi)   # z's pole: u(1) changes sign there
    br = [i for i in range(len(grid) - 1)
          if v[i] * v[i + 1] <= 0 and not grid[i] <= wz <= grid[i + 1]]
    lo, hi, vlo = grid[br], grid[[i + 1 for i in br]], v[br]
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        vm = shoot(2 * np.pi * mid, T, rho0, a, K, M, xs, n)
        up = vm * vlo > 0
        lo, vlo, hi = np.where(up, mid, lo), np.where(up, vm, vlo), np.where(up, hi, mid)
    return 0.5 * (lo + hi)


def against(meas, modes, tol, what):
    if len(meas) == 0:
        return "no partials measured"
    for f in meas:
        d = np.min(np.abs(modes - f)) / f
        if d > tol:
            return "%s: partial %.4f Hz is %.2e from the nearest mode (%s)" % (
                what, f, d, ", ".join("%.3f" % x for x in modes[:8]))
    if abs(min(meas) - modes[0]) / modes[0] > tol:
        return "%s: the lowest mode %.4f Hz is not measured (lowest %.4f)" % (what, modes[0], min(meas))
    return None


def peaks():
    return [float(l.split()[0]) for l in sys.stdin if l.strip()]


def main():
    kind, v = sys.argv[1], sys.argv[2:]
    if kind == "string":
        n = int(v[0])
        T, rho0, a, K, M, xs, rate = (float(x) for x in v[1:8])
        r = against(peaks(), string_modes(n, T, rho0, a, K, M, xs, rate), 2e-4, "discrete")
    elif kind == "chain":
        n1, n2 = int(v[0]), int(v[1])
        rest = [float(x) for x in v[2:]]
        r = against(peaks(), chain_modes(n1, n2, *rest), 2e-4, "discrete")
    elif kind == "membrane":
        nx, ny = int(v[0]), int(v[1])
        rest = [float(x) for x in v[2:]]
        r = against(peaks(), membrane_modes(nx, ny, *rest), 2e-4, "discrete")
    else:
        T, rho0, a, K, M, xs = (float(x) for x in v[:6])
        fs = np.array([float(x) for x in v[6:]])
        c1 = cont_modes(T, rho0, a, K, M, xs, 1.2 * max(fs), 1000)
        c2 = cont_modes(T, rho0, a, K, M, xs, 1.2 * max(fs), 2000)
        if len(c1) != len(c2) or np.max(np.abs(c1 - c2) / c2) > 1e-8:
            r = "the shooting did not converge: %s against %s" % (c1, c2)
        else:
            r = against(fs, c2, 5e-4, "continuous")
    print(r or "ok")


main()
