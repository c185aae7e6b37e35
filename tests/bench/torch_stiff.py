"""torch_stiff.py — the stiff string of stiff.dpm through PyTorch autograd.

    python3 torch_stiff.py [SECONDS] [RUNS]

The same scheme as ref_stiff.c and dpmc's generated code (NSS 7.3, as
docs/language.md section 5 discretises it): simply supported ends, the
raised-cosine force spread linearly at xe, the output read linearly at xo,
on the grid the default params choose, held fixed.  The loss is
L = 0.5 sum_n y_n^2 (what bench_grad.c differentiates), and the gradient
is that of all six params, by reverse mode over the whole time loop, one
thread.  Prints one line: "torch SECONDS GRAD_MS LOSS G_f0 G_B ...", the
best of RUNS of forward plus backward.  Written the way one would write it
for autograd: a vector update per step, no hand-written adjoint.
"""
import math
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

RATE = 44100.0
DEFAULTS = [110.0, 1e-4, 6.0, 2.0, 0.13, 0.77]  # f0 B T60lo T60hi xe xo


def zeta(g, K, w):
    return 2 * w * w / (g * g + torch.sqrt(g ** 4 + 4 * K * K * w * w))


def grid_for(p):
    """N from the stability limit at the default params (not differentiated)."""
    f0, B, T1, T2 = p[0], p[1], p[2], p[3]
    g = 2 * f0
    K = math.sqrt(B) * g / math.pi
    k = 1 / RATE

    def z(w):
        return 2 * w * w / (g * g + math.sqrt(g ** 4 + 4 * K * K * w * w))
    z1, z2 = z(2 * math.pi * 100), z(2 * math.pi * 2000)
    s1 = 3 * math.log(10) * (1 / T2 - 1 / T1) / (z2 - z1)
    a = g * g * k * k + 4 * s1 * k
    hmin = math.sqrt((a + math.sqrt(a * a + 16 * K * K * k * k)) / 2)
    return int(math.floor(1 / hmin))


def loss_and_grad(values, N, n):
    p = [torch.tensor(v, requires_grad=True) for v in values]
    f0, B, T1, T2, xe, xo = p
    k = 1 / RATE
    h = 1.0 / N
    g = 2 * f0
    K = torch.sqrt(B) * g / math.pi
    z1 = zeta(g, K, 2 * math.pi * 100)
    z2 = zeta(g, K, 2 * math.pi * 2000)
    s0 = 3 * math.log(10) * (z2 / T1 - z1 / T2) / (z2 - z1)
    s1 = 3 * math.log(10) * (1 / T2 - 1 / T1) / (z2 - z1)
    l2 = g * g * k * k / (h * h)
    m2 = K * K * k * k / h ** 4
    S = 2 * s1 * k / (h * h)
    den = 1 + s0 * k
    c0 = (2 - 2 * l2 - 6 * m2 - 2 * S) / den
    c1 = (l2 + 4 * m2 + S) / den
    c2 = -m2 / den
    d0 = (s0 * k - 1 + 2 * S) / den
    d1 = -S / den
    fk = k * k / den
    # the force spread and the pickup: linear weights, differentiable in
    # xe and xo inside their cells
    ie = int(math.floor(values[4] / h))
    ae = xe / h - ie
    J = torch.zeros(N + 1)
    J = J.index_put((torch.tensor([ie, ie + 1]),),
                    torch.stack([(1 - ae) / h, ae / h]))
    J[0] = 0
    J[N] = 0
    io = int(math.floor(values[5] / h))
    ao = xo / h - io
    u = torch.zeros(N + 1)
    u1 = torch.zeros(N + 1)
    zero = torch.zeros(1)
    ys = []
    for s in range(n):
        t = s * k
        F = 0.5 * (1 - math.cos(2 * math.pi * t / 0.001)) if t < 0.001 else 0.0
        # ghosts u[-1] = -u[1], u[N+1] = -u[N-1]
        ue = torch.cat([-u[1:2], u, -u[N - 1:N]])
        i = ue[2:N + 1]          # u[l], l = 1..N-1
        nb1 = ue[3:N + 2] + ue[1:N]
        nb2 = ue[4:N + 3] + ue[0:N - 1]
        v = u1[1:N]
        vb = u1[2:N + 1] + u1[0:N - 1]
        inner = c0 * i + c1 * nb1 + c2 * nb2 + d0 * v + d1 * vb
        u2 = torch.cat([zero, inner, zero])
        if F != 0.0:
            u2 = u2 + (fk * F) * J
        ys.append((1 - ao) * u2[io] + ao * u2[io + 1])
        u1, u = u, u2
    y = torch.stack(ys)
    L = 0.5 * torch.sum(y * y)
    L.backward()
    return L.item(), [q.grad.item() for q in p]


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    N = grid_for(DEFAULTS)
    n = int(secs * RATE)
    best = math.inf
    for _ in range(runs):
        t = time.perf_counter()
        L, g = loss_and_grad(DEFAULTS, N, n)
        best = min(best, (time.perf_counter() - t) * 1e3)
    print("torch %g %.3f %.17g %s" % (secs, best, L,
                                      " ".join("%.17g" % x for x in g)))


if __name__ == "__main__":
    main()
