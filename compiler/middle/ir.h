/* ir.h — the scheme and loop IR shared by discretise.c, lower.c and the
 * backends' emitters.  Internal to the compiler; scheme.h is the API. */
#ifndef IR_H
#define IR_H

#include "scheme.h"

/* One term of the update: coef * u[level](i + dx, j + dy). */
typedef struct Tap {
	int level;             /* 0: u[n], 1: u[n-1] */
	int dx, dy;
	Expr *coef;            /* of params, k, hx, hy, and maybe t, x, y */
} Tap;

typedef struct Source {    /* S * delta(x - X [, y - Y]) */
	Expr *strength;        /* S, already times k^2 (of params, k, t); over
	                        * den when den varies in time (Scheme.tden) */
	Expr *bare;            /* S as written, times k^2 (its work, an attached
	                        * end's share): strength, or strength * den */
	Expr *pos[2];          /* X, Y: of params */
	Loc loc;
	int state;             /* S reads the state (DEP_STATE): a force between
	                        * parts, evaluated every step (language.md 11) */
	int implicit;          /* -1, or the read (RD_CVEL) of the field's own
	                        * velocity at X that S depends on: a bow,
	                        * solved by Newton each step (language.md 12) */
} Source;

typedef struct Output {
	const char *name;
	Expr *pos[2];
	int velocity;          /* u.t(X) */
	int lump;              /* -1, or the lumped object it reads (z, z.t) */
	int energy;            /* the discrete energy (language.md 12.1) */
	Expr *expr;            /* NULL, or an expression output (docs/language.md
	                        * 18) of params, t and the outputs' reads
	                        * (Scheme.ord r as param nparams + r), made
	                        * from u[n+1] and u[n] as y[n] reads them */
	Loc loc;               /* its declaration, for messages */
} Output;

/* A value read from the state at step n (language.md section 11): in
 * expressions it is param number Scheme.nparams + its index (DEP_STATE). */
typedef enum {
	RD_VAL,                /* u(X): linear interpolation, as outputs read */
	RD_VEL,                /* u.t(X): (u[n](X) - u[n-1](X)) / k */
	RD_DX,                 /* u.x(X): (u[i+1] - u[i]) / h in the cell of X */
	RD_DX3,                /* u.xxx(B) at an end B of a fourth-order field
	                        * with u.xx = 0 there: (u[2] - 2 u[1] + u[0]) / h^3
	                        * at the lower end, -(u[N] - 2 u[N-1] + u[N-2]) / h^3
	                        * at the upper (the shear's one-sided difference) */
	RD_LUMP,               /* z[n] */
	RD_LUMP_VEL,           /* (z[n] - z[n-1]) / k */
	RD_CVEL,               /* u.t(X) centred, (u[n+1](X) - u[n-1](X)) / (2k),
	                        * in a bow's own strength: OP_SOLVE's unknown */
	RD_INT,                /* integral(E) over the field's domain (language.md
	                        * 12): E = ig of u (trapezoid over the points) or,
	                        * with lump = 1 (2), of u.x (u.y) by forward
	                        * differences along x (y), one per interval, the
	                        * trapezoid across; with lump = 3, 4, 5, of u.xx,
	                        * u.yy, lap(u) by the second differences at the
	                        * points (at an end, the next point's), trapezoid;
	                        * u or its derivative is SYM_THX in ig */
} ReadKind;

typedef struct Read {
	ReadKind kind;
	int lump;              /* RD_LUMP*: which; RD_INT: 0 of u, 1 of u.x, 2 of u.y,
	                        * 3 of u.xx, 4 of u.yy, 5 of lap(u) */
	Expr *pos;             /* RD_VAL, RD_VEL, RD_DX: X, of params */
	Expr *pos2;            /* 2D (RD_VAL, RD_VEL): Y, of params; else NULL */
	Expr *ig;              /* RD_INT: the integrand, of SYM_THX, x and params */
	Loc loc;               /* the first read so, for messages */
} Read;

/* A lumped object z: z.tt = ct z.t + rest, z.t centred, the rest at step n:
 *   z[n+1] = (2 z[n] - (1 + ct k/2) z[n-1] + k^2 rest) / (1 - ct k/2) */
typedef struct Lump {
	const char *name;
	Expr *ct;              /* of params */
	Expr *rest;            /* of params, t and reads */
	Expr *init, *init_t;   /* of params */
	Expr *mass;
} Lump;

typedef struct Param {
	const char *name;
	double def, lo, hi;    /* lo/hi: -inf/+inf without a range */
	int is_log;
} Param;

/* The update solved for u[n+1] (spec section 5):
 *   u[n+1](p) = ( sum_taps coef * u[level](p + off)
 *               + force(p) + sum_sources spread(S) ) / den(p)
 * The interior taps carry /den already; force and sources carry k^2 and
 * are divided by den where they land.  The boundary conditions are applied
 * by lower.c through ghost points. */
struct Scheme {
	const Model *m;
	ExprPool *pool;
	int ndim;
	int w[2];                  /* stencil half-width per axis */
	double from[2], to[2];
	int grid[2];               /* forced by `grid`, else 0 */
	double rate;
	BcKind bc[2][2];
	int space_order;

	Param *params; int nparams;
	const char **param_names;  /* for printing */

	Tap *taps; int ntaps;      /* interior, one per (level, offset), /den applied */
	Tap *stab; int nstab;      /* the taps for the von Neumann analysis: taps
	                            * itself, but with a conservative form's
	                            * symmetrised (discretise.c, tap_cons) */
	Expr *den;                 /* 1 - ct k / 2, may depend on x */
	/* the loss terms c D u.t (D = 1, d2/dx2, ...), each as the rate it
	 * takes energy away at, s = -c (-1)^m for D of order 2m: < 0 gains
	 * energy (t60_sigma1 with T2 > T1); what names the term */
	Expr **damp; const char **damp_what; int ndamp;
	Loc damp_loc;
	Expr *force;               /* k^2 f(x, y, t), NULL if none */
	Source *src; int nsrc;
	Expr *init_u, *init_ut;    /* of x, y, params; NULL = 0 */
	Output *out; int nout;
	/* several parts (language.md section 11) */
	Read *rd; int nrd;
	Read *ord; int nord;       /* the reads of the expression outputs */
	Lump *lump; int nlump;
	int attach[2][2];          /* BC_ATTACHED ends: the lumped object held there */
	int nstate_src;            /* sources with Source.state */
	int nstate_coef;           /* coefficients of the taps that read the state
	                            * (of time, level 0; stab has them at rest) */
	Expr *density;             /* the field's, of params and x, y (1 when not given) */
	Expr *edensity;            /* the energy output's weight per point: density,
	                            * or a Webster pde's S(x) (discretise.c
	                            * build_edensity) */
	Expr *mden;                /* den * density: what a point force's share
	                            * of a grid point is divided by (times h) */
	Expr *wden;                /* what the sources' weights divide by: mden,
	                            * or the density when den varies in time (the
	                            * strengths then divide by den, every step) */
	int tden;                  /* den varies in time (discretise.c time_den) */
	int nimplicit;             /* sources with Source.implicit >= 0 */
	Expr **lump_stiff;         /* [j]: k^2 w^2 of lumped object j's explicit
	                            * step, stable below 4 (of params, k, hx) */
	/* potentials (language.md 12), discretised by SAV (sav.c) */
	int npot;
	Expr *pot;                 /* V: their sum, of params and reads */
	Expr *pot0;                /* the lowered potentials' (sema_spring.c) value
	                            * with the state's reads at 0: the energy adds
	                            * it, to be the potentials as written (an
	                            * offset spring's K d^2 / 2); NULL: none */
	Loc pot_loc;               /* the first one, for messages */
	int pot_stab;              /* stab taps read the state: @__sav_bound */
	int stab_pot;              /* stab[stab_pot..]: the potentials' stiffness
	                            * (sav.c), counted where the grid is planned,
	                            * not where one is forced or kept (language.md
	                            * 12: "grid still forces one") */
	Expr **pot_vrr;            /* [r]: d^2 V / d rd_r^2 of a point read of the
	                            * grid field whose stiffness is in stab (its
	                            * bound searched both ways), else NULL */
};

/* sav.c: the stability taps of the stiffness potentials add (after
 * build_coupling_stab); sets pot_stab when it adds some */
void sav_stab(Arena *a, Scheme *s);

/* ---- loop IR (lower.c) ----
 * A bound along an axis is anchor + off: anchor 0 = the axis start (index
 * 0), 1 = the axis end (index N).  A region is a box of points that share
 * one set of coefficients; the interior region of every model comes first,
 * then the boundary strips.  The regions together cover exactly the points
 * that are updated (not held by a boundary condition). */
typedef struct Bound { int anchor, off; } Bound;

typedef enum {
	CO_CONST,      /* of params, k, h: computed when params are set */
	CO_TIME,       /* also of t: computed once per step */
	CO_SPACE,      /* also of x, y: an array computed when params are set */
	CO_SPACETIME,  /* of x, y and t: computed inline in the loop */
} CoefClass;

typedef struct Coef {
	Expr *e;
	CoefClass cls;
	int slot;                  /* index among the coefficients of its class */
} Coef;

typedef struct Group {     /* coef * (sum of its taps' values) */
	int coef;                  /* index into Loops.coefs */
	int fwd;                   /* adjoint groups: the forward coefficient whose
	                            * taps these transpose (at level 1, shifted to
	                            * t + k), or -1; forward groups: -1 */
	int ntap;
	struct { int level, dx, dy; } tap[32];
} Group;

typedef struct Region {
	Bound lo[2], hi[2];        /* inclusive; unused axes are 0..0 */
	Group *groups; int ngroups;
	int den_coef;              /* -1: den is folded into the taps */
	int interior;
} Region;

struct Loops {
	const Scheme *s;
	Arena *arena;
	Coef *coefs; int ncoefs, capcoefs;
	int nclass[4];             /* coefficients per class */
	Region *reg; int nreg;
	Region *adj; int nadj;     /* the transposed step (lower_adjoint) */
	int fuse;                  /* every adjoint group has its fwd coefficient */
	int nrow[2];               /* forward row classes per axis */
	int force_coef;            /* -1 if none; force divided by den */
	int den_coef;              /* the den as a coefficient (for sources) */
	int first[2], last_off[2]; /* updated points per axis: first..N+last_off */
	int min_n[2];              /* the coarsest grid the regions allow */
	int adj_min_n[2];          /* ... and the adjoint's */
	Tap *stab; int nstab;      /* interior taps for the von Neumann analysis */
	struct Step *step;         /* the step as a program (step.c) */

	/* gradients (lower_grad).  The adjoint accumulates dL/dc for each
	 * coefficient c with a derivative (its seed), then one reverse sweep
	 * through the coefficients' expressions, nets included, gives
	 * dL/dparam (a vector-Jacobian product, emit_loop.c): once for the
	 * constant ones, once per step for those of t, once per grid point
	 * for those of x, y.  Only a coefficient of both x and t keeps a
	 * derivative per param, computed inline where it is used. */
	int nfwd;                  /* coefficients used by the forward step */
	unsigned char *hasd;       /* [c < nfwd]: c has a derivative */
	int *dcoef;                /* [c * np + p]: coefficient number of dc/dp,
	                            * for CO_SPACETIME coefficients only; else -1 */
	unsigned char *srcd;       /* [s]: the strength S has a derivative */
	int *tseed, nts;           /* [c]: c's seed among those of one time step, -1 */
	int *cseed, ncs;           /* [c]: a constant source strength's seed, -1 */
	int *sseed, nss;           /* [c]: c's array of seeds over the grid, -1 */
	Expr **dsrcpos;            /* [(s * 2 + axis) * np + p]: dX/dp */
	Expr **doutpos;            /* [(o * 2 + axis) * np + p] */
	Expr **dden;               /* [p] */
	int *src_coef;             /* [s]: coef number of the strength S */
};

/* lower.c: the coefficient number of e (added when new). */
int loops_coef(Loops *l, Expr *e);
/* lower.c: the transposed step, as regions of a gather over the adjoint
 * state (level 0: lambda[m+1], level 1: lambda[m+2]), into l->adj. */
void lower_adjoint(Loops *l);
/* lower.c: the derivative tables of Loops (requires lower_adjoint's
 * coefficients to be registered after it: call it first). */
void lower_grad(Loops *l);
/* lower.c: can the step's regions be one function of arrays (no
 * coefficient varies in both space and time)? */
int loops_sweepable(const Loops *l);
/* lower.c: can a plate with a free edge take the scheme's taps? */
int plate_taps_ok(const Scheme *s);
int loops_in_time(const Loops *l);
int loops_in_step(const Loops *l, int c);

/* lower.c: the gradient's sums that ride along with the adjoint step.
 * loops_rides: forward coefficient c neither varies in space nor is left
 * to @__gacc; loops_sum_key: the sum adjoint group gr adds T * u[m] to, C
 * for a constant coefficient C with a derivative, nfwd + 2 C + level for
 * a time-varying one, -1 for none; loops_sum_slots: slot[key] (3 nfwd
 * keys) in the adjoint sweep's sums[], the constant ones first, -1 for
 * keys no group has, and the number of slots; region_one_column: a
 * region one column wide (its rows add straight into the sums). */
int loops_rides(const Loops *l, int c);
int loops_has_deriv(const Loops *l, int c);
int loops_sum_key(const Loops *l, const Group *gr);
int loops_sum_slots(const Loops *l, int *slot);
int region_one_column(const Region *rg);

#endif
