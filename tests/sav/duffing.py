"""duffing.py OUT RATE C ALPHA A [TOL [2]]: the pitch of a Kirchhoff-Carrier
string's first mode against the exact Duffing period (with 2: of a unit
square membrane's (1, 1) mode).

With u = a(t) sin(pi x / L) on a string of unit density and length L = 1
fixed at both ends, rho u.tt = c^2 u.xx - dV/du, V = alpha/4 (int u_x^2)^2,
the mode stays a mode: int u_x^2 = a^2 k^2 L / 2 (k = pi / L) and
    a'' + w0^2 a + beta a^3 = 0,   w0 = c k,   beta = alpha k^4 L / 2.
On the unit square membrane fixed at its edges, u = a sin(pi x) sin(pi y),
V = alpha/4 (int |grad u|^2)^2, int |grad u|^2 = a^2 pi^2 / 2 and the
mode's mass 1/4: w0 = sqrt(2) pi c, beta = alpha pi^4.
Released at rest from a = A, its period is, with a = A sin(theta),
    T = 4 int_0^{pi/2} dtheta / sqrt(w0^2 + beta A^2 (1 + sin^2 theta) / 2).
The render's period: the mean interval between the upward zero crossings
of u(L/2) (channel 0), linearly interpolated.  Prints ok or why; on stderr
the two frequencies."""
import sys
import numpy as np

path, rate, c, alpha, A = sys.argv[1], *(float(s) for s in sys.argv[2:6])
tol = float(sys.argv[6]) if len(sys.argv) > 6 else 2e-4
L = 1.0
k = np.pi / L
w0, beta = c * k, alpha * k ** 4 * L / 2
if len(sys.argv) > 7 and sys.argv[7] == "2":
    w0, beta = np.sqrt(2) * np.pi * c, alpha * np.pi ** 4
th = (np.arange(200000) + 0.5) * (np.pi / 2) / 200000
T = 4 * np.sum(1 / np.sqrt(w0 ** 2 + beta * A ** 2 * (1 + np.sin(th) ** 2) / 2)) * (np.pi / 2) / 200000
y = np.loadtxt(path)[:, 0]
up = np.nonzero((y[:-1] < 0) & (y[1:] >= 0))[0]
if len(up) < 3:
    print("fewer than 3 periods")
    sys.exit(0)
tz = (up + y[up] / (y[up] - y[up + 1])) / rate
Tr = (tz[-1] - tz[0]) / (len(tz) - 1)
lin = 2 * np.pi / w0
print("exact %.9g Hz, render %.9g Hz, linear %.9g Hz" % (1 / T, 1 / Tr, 1 / lin), file=sys.stderr)
if abs(Tr / T - 1) > tol:
    print("period %.9g s, Duffing's %.9g s (relative %.2e)" % (Tr, T, Tr / T - 1))
elif A > 0 and abs(T / lin - 1) < 10 * tol:
    print("the amplitude does not move the pitch enough to test")
else:
    print("ok")
