/* plate.h — the rows of a plate's free edges (plate.c), shared by the grid
 * field (lower.c) and a 2D chain (sema_chain.c), so both take the same
 * operator. */
#ifndef PLATE_H
#define PLATE_H

#include "ast.h"

#define PLATE_NU 0.3           /* Poisson's ratio */
#define PLATE_VN 8             /* intervals of the virtual grid per axis */
#define PLATE_DEEP 2           /* rows of an end's own, from it: the stencil's half-width */

/* the pde's linear terms as six operators' coefficients */
enum { P_I, P_XX, P_YY, P_X4, P_Y4, P_XXYY, P_NBASIS };
/* the stencils of a row: one per energy term */
enum { K_I, K_XX, K_YY, K_A, K_AE, K_B, K_BE, K_N, K_T, K_NK };

typedef struct PlateTerm {
	int basis;                 /* P_*: the operator whose coefficient multiplies it */
	double f;                  /* and by how much */
} PlateTerm;

extern const PlateTerm plate_terms[K_NK];

/* The row of point (pi, pj) of the virtual grid, per energy term, for the
 * edges' conditions bc[axis][end]; st[k][2 + dx][2 + dy] multiplies
 * u[pi + dx, pj + dy], over the point's mass weight. */
void plate_row(const BcKind bc[2][2], int pi, int pj, double st[K_NK][5][5]);
/* the virtual grid's point of point i of an axis of n intervals */
int plate_vpoint(int i, int n);

#endif
