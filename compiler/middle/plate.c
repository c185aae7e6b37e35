/* plate.c — the rows of a plate's free edges (NSS 12.2), as stencils
 * per energy term on a virtual grid: what lower.c multiplies by the pde's
 * coefficients for the grid field, and sema_chain.c for a 2D chain.
 *
 * requires: the four edges' conditions, one of them free.
 * leaves:   rows symmetric in the trapezoid-weighted inner product, so
 *           the grid field and a chain give the same operator. */
#include <string.h>

#include "plate.h"
#include "dpm.h"

/* A free edge of a 2D fourth-order field does not fit the ghost points
 * (lower.c; sema_chain.c pt2 for a chain): its conditions, u_nn + nu u_tt
 * = 0 and u_nnn + (2 - nu) u_ntt = 0, couple the two axes, and at a
 * corner two of them meet.  Its rows come instead from a discrete
 * energy, so that the operator is symmetric
 * (in the inner product with trapezoid weights: 1/2 at an edge point,
 * 1/4 at a corner), nonnegative, and zero on exactly the rigid-body
 * motions a + b x + c y.  The pde's taps are split per level into
 *   c_I u + c_xx Dxx u + c_yy Dyy u + c_x4 Dxxxx u + c_y4 Dyyyy u
 *   + c_xxyy Dxxyy u
 * (Dxx = [1, -2, 1] and so on, the 1/h factors inside the c's), and each
 * operator is replaced near the edges by M^-1 grad E for an energy E:
 *   Dxx, Dyy:  -1/2 sum over links of (D+ u)^2, trapezoid weights along
 *              the other axis (the second-order free edge, u_n = 0);
 *   Dxxxx:     1/2 sum over points of w a^2, a = Dxx u at the point;
 *   Dyyyy:     the same with b = Dyy u;
 *   Dxxyy:     nu/2 * (sum of w 2 a b) + (1 - nu) * 1/2 sum over cells
 *              of (Dx+ Dy+ u)^2,
 * w the trapezoid weight of the point.  At a point of a free edge, the
 * difference across it (b on an edge y = C) reaches a ghost point that no
 * other term reaches: minimising the energy over it gives b = -nu a (the
 * condition u_nn + nu u_tt = 0) and leaves (1 - nu^2) a^2 there, nothing
 * at a free corner; the third-order condition comes out of the rows.  At a
 * held end a is the ghost points' difference (clamped: 2 u[1], simply
 * supported: 0), which reproduces the ghost-point rows of a held edge, so
 * edges of every kind mix.  Far from the edges (2 points in) the rows are
 * the 13-point bilap.  This holds for an isotropic plate (c_x4 hx^4 =
 * c_y4 hy^4 = c_xxyy hx^2 hy^2 / 2, as bilap gives), with Poisson's ratio
 * PLATE_NU.  The largest eigenvalue of the boundary rows' operator stays
 * below the interior's (checked in tests/freeplate), so the interior's von
 * Neumann condition still gives the grid. */

typedef struct VVec {       /* a combination of points of the virtual grid */
	int n;
	int i[4], j[4];
	double w[4];
} VVec;

/* the energy term of each stencil: the basis operator it belongs to and
 * its factor there (the free edge's (1 - nu^2), Dxxyy's split by nu) */
const PlateTerm plate_terms[K_NK] = {
	[K_I] = {P_I, 1}, [K_XX] = {P_XX, 1}, [K_YY] = {P_YY, 1},
	[K_A] = {P_X4, 1}, [K_AE] = {P_X4, 1 - PLATE_NU * PLATE_NU},
	[K_B] = {P_Y4, 1}, [K_BE] = {P_Y4, 1 - PLATE_NU * PLATE_NU},
	[K_N] = {P_XXYY, PLATE_NU / 2}, [K_T] = {P_XXYY, 1 - PLATE_NU},
};

static int
vheld(const BcKind bc[2][2], int i, int j)
{
	return (i == 0 && bc[0][0] != BC_FREE) || (i == PLATE_VN && bc[0][1] != BC_FREE)
	       || (j == 0 && bc[1][0] != BC_FREE) || (j == PLATE_VN && bc[1][1] != BC_FREE);
}

static double
vweight(int i)
{
	return i == 0 || i == PLATE_VN ? 0.5 : 1;
}

static void
vadd(const BcKind bc[2][2], VVec *v, int i, int j, double w)
{
	if (vheld(bc, i, j))
		return;
	v->i[v->n] = i;
	v->j[v->n] = j;
	v->w[v->n++] = w;
}

/* The second difference along axis ax at point (i, j); 0 when it reaches
 * a ghost point beyond a free edge (left to the energy's minimum). */
static int
vsecond(const BcKind bc[2][2], int ax, int i, int j, VVec *v)
{
	int c = ax ? j : i, di = !ax, dj = ax;
	BcKind b;

	v->n = 0;
	if (c > 0 && c < PLATE_VN) {
		vadd(bc, v, i - di, j - dj, 1);
		vadd(bc, v, i, j, -2);
		vadd(bc, v, i + di, j + dj, 1);
		return 1;
	}
	b = bc[ax][c == PLATE_VN];
	if (b == BC_FREE)
		return vheld(bc, i, j);     /* on a held edge across: u = 0 along it */
	if (b == BC_CLAMPED) {        /* u[-1] = u[1], u[0] = 0 */
		if (c == 0)
			vadd(bc, v, i + di, j + dj, 2);
		else
			vadd(bc, v, i - di, j - dj, 2);
	}
	return 1;                      /* simply supported: u[-1] = -u[1]: 0 */
}

/* st[q - p] += w * u[p] * v[q]: the gradient at p of w u.v (u = v: of
 * w (u.x)^2 / 2). */
static void
vouter(double st[5][5], const VVec *u, const VVec *v, double w, int pi, int pj)
{
	int e, f, dx, dy;

	for (e = 0; e < u->n; e++) {
		if (u->i[e] != pi || u->j[e] != pj)
			continue;
		for (f = 0; f < v->n; f++) {
			dx = v->i[f] - pi;
			dy = v->j[f] - pj;
			if (dx < -2 || dx > 2 || dy < -2 || dy > 2)
				die("a plate row reaches (%d, %d)", dx, dy);
			st[dx + 2][dy + 2] += w * u->w[e] * v->w[f];
		}
	}
}

void
plate_row(const BcKind bc[2][2], int pi, int pj, double st[K_NK][5][5])
{
	double m = (pi == 0 || pi == PLATE_VN ? 0.5 : 1) * (pj == 0 || pj == PLATE_VN ? 0.5 : 1), w;
	VVec a, b, c;
	int i, j, da, db, k, x, y;

	memset(st, 0, sizeof(double) * K_NK * 25);
	st[K_I][2][2] = m;
	for (i = pi - 1; i <= pi + 1; i++)
		for (j = pj - 1; j <= pj + 1; j++) {
			if (i < 0 || i > PLATE_VN || j < 0 || j > PLATE_VN)
				continue;
			w = vweight(i) * vweight(j);
			da = vsecond(bc, 0, i, j, &a);
			db = vsecond(bc, 1, i, j, &b);
			if (da && db) {
				vouter(st[K_A], &a, &a, w, pi, pj);
				vouter(st[K_B], &b, &b, w, pi, pj);
				vouter(st[K_N], &a, &b, w, pi, pj);
				vouter(st[K_N], &b, &a, w, pi, pj);
			} else if (da) {
				vouter(st[K_AE], &a, &a, w, pi, pj);
			} else if (db) {
				vouter(st[K_BE], &b, &b, w, pi, pj);
			}
		}
	for (i = pi - 1; i <= pi; i++)
		for (j = pj - 1; j <= pj; j++) {
			if (i < 0 || i >= PLATE_VN || j < 0 || j >= PLATE_VN)
				continue;
			c.n = 0;
			vadd(bc, &c, i, j, 1);
			vadd(bc, &c, i + 1, j, -1);
			vadd(bc, &c, i, j + 1, -1);
			vadd(bc, &c, i + 1, j + 1, 1);
			vouter(st[K_T], &c, &c, 1, pi, pj);
		}
	/* the second-order terms: links along x in row pj, along y in column pi */
	for (i = pi - 1; i <= pi; i++) {
		if (i < 0 || i >= PLATE_VN)
			continue;
		c.n = 0;
		vadd(bc, &c, i + 1, pj, 1);
		vadd(bc, &c, i, pj, -1);
		vouter(st[K_XX], &c, &c, -vweight(pj), pi, pj);
	}
	for (j = pj - 1; j <= pj; j++) {
		if (j < 0 || j >= PLATE_VN)
			continue;
		c.n = 0;
		vadd(bc, &c, pi, j + 1, 1);
		vadd(bc, &c, pi, j, -1);
		vouter(st[K_YY], &c, &c, -vweight(pi), pi, pj);
	}
	for (k = 0; k < K_NK; k++)
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				st[k][x][y] /= m;
}

/* The virtual grid's point of point i of an axis of n intervals: the
 * rows within PLATE_DEEP of an end are its own, the rest the interior's. */
int
plate_vpoint(int i, int n)
{
	return i < PLATE_DEEP ? i : n - i < PLATE_DEEP ? PLATE_VN - (n - i) : PLATE_VN / 2;
}
