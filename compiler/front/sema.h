/* sema.h — what the passes of the front end's checks share (sema.c; the
 * nets' checks in sema_net.c, the boundary conditions' in sema_bc.c).
 * Internal to the front end: ast.h is its interface. */
#ifndef SEMA_H
#define SEMA_H

#include "ast.h"

/* ---- the name table ---- */

typedef struct Entry Entry;
struct Entry {
	const char *name;
	Decl *decl;
	Entry **deps;          /* the named decls its value refers to */
	int ndeps, cap;
	int mark;              /* dependency sort: 0 new, 1 on the path, 2 placed */
	int bad;               /* an error was reported about it */
	int folded;            /* const: decl->num holds its value */
	int in_cycle;
};

typedef struct Sema {
	Model *m;
	Diag *d;
	Arena *a;
	Entry **tab;           /* open addressing, cap a power of two */
	int cap;
	Entry **ents;          /* in decl order */
	int nents;
	int ndim;
	const char *coord[2];
	Decl *field;
	int space_order;
	int domain_ok;         /* bounds folded */
	int pde_bad;           /* space_order unknown */
	int uneven;            /* a pde term odd in x or y, or wider than u.xxyy */
	Loc uneven_loc;
	/* calls of nets, checked once their sizes are folded */
	struct NetUse { Ast *call, *index; Entry *net; } *uses;
	int nuses, capuses;
	int lump;              /* boundaries: the current one's attached object */
	int too_deep;          /* a chain of definitions past DEPTH_MAX, said once */
} Sema;

/* ---- what an expression may use where it stands ---- */

enum {
	A_PARAM = 1,           /* params */
	A_SCALAR = 2,          /* lets without arguments */
	A_FN = 4,              /* fns */
	A_TIME = 8,            /* t and time signals */
	A_SPACE = 16,          /* coordinates and coefficients */
	A_FIELD = 32,          /* the field, its derivatives, lap, bilap, delta */
	A_STATE = 64,          /* point reads: u(X), u.t(X), u.x(X), lumped z, z.t */
};

typedef struct Ctx {
	unsigned allow;
	const char *what;      /* "a const" */
	const char *rule;      /* what it may use */
	Entry *owner;          /* whose dependencies these are */
	const Decl *fn;        /* a fn whose arguments are in scope */
	int netarg;            /* the arguments of a net's call: not the field */
} Ctx;

extern const Ctx C_FIXED;      /* constant: numbers, pi, builtins and consts */

/* sema.c */
Arena *sema_arena(Sema *s);
Entry *sema_lookup(Sema *s, const char *name);
int sema_coord_index(Sema *s, const char *name);
int sema_lump_index(const Model *m, const char *name);
const char *sema_plural(int n);
void sema_cannot(Sema *s, Loc loc, const Ctx *c, const char *desc, const char *name);
void sema_check_expr(Sema *s, Ast *e, const Ctx *c);
int sema_expr_in(Sema *s, Ast *e, const Ctx *tmpl, Entry *owner, const Decl *fn,
                 const char *what);
/* a constant expression's value; NaN after a message */
double sema_fold(Sema *s, const Ast *e, const char *what, const char *name);

/* sema_net.c: the nets (language.md section 13) */
void sema_unknown_net(Sema *s, const Ast *e);
void sema_check_net_call(Sema *s, Ast *e, Ast *ix, Entry *en, const Ctx *c);
int sema_check_net(Sema *s, Decl *d, Entry *en);
void sema_fold_nets(Sema *s);
void sema_net_params(Sema *s, int *np);

/* sema_bc.c: the boundary conditions (language.md sections 6 and 11.1) */
void sema_boundaries(Sema *s);

/* sema_fields.c: the fields not on the grid with coordinates, as chains
 * of lumped objects (before the checks); 0, or 1 after diagnostics. */
int sema_fields(Model *m, Diag *d);

/* sema_spring.c: a potential that is a quadratic form of point reads and
 * lumped objects becomes the explicit forces it implies, added to the
 * pdes; the potential is marked lowered (checked as the others, not carried
 * by SAV: discretise.c).  Before sema_fields. */
void sema_springs(Model *m);

#endif
