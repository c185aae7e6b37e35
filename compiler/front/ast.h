/* ast.h — the syntax tree of a .dpm model and the front-end entry point.
 *
 * The parser (parser.y, lexer.l) builds Decls and Asts with one builder
 * call per grammar action; sema.c checks them and fills the Model's index
 * fields.  After model_load returns non-NULL every invariant listed below
 * holds, and the later stages never re-check user input. */
#ifndef AST_H
#define AST_H

#include "dpm.h"

/* ---- expressions ---- */
typedef enum {
	AX_NUM,        /* num */
	AX_NAME,       /* name: a const, param, let, field, coordinate, t, pi */
	AX_CALL,       /* name(args): builtin, fn, let with arguments, lap, bilap, delta */
	AX_UNARY,      /* op a: '-' or '!' */
	AX_BINARY,     /* a op b */
	AX_DERIV,      /* a.letters: u.xxt, lap(u).t; a is AX_NAME or AX_CALL */
	AX_INDEX,      /* a[b]: output b of a net's call a; sema folds b into num */
	AX_NAMED,      /* name = a: an option of mlp(...), `act = tanh` */
} AstKind;

typedef enum {     /* AX_BINARY operators, loosest first */
	OP_OR, OP_AND,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV,
	OP_POW,
	OP_NEG, OP_NOT,  /* AX_UNARY */
} AstOp;

typedef struct Ast Ast;
struct Ast {
	AstKind kind;
	Loc loc;               /* the whole expression (for a call: name to ')') */
	double num;            /* AX_NUM */
	const char *name;      /* AX_NAME, AX_CALL */
	Loc name_loc;          /* AX_CALL: the callee's name */
	AstOp op;              /* AX_UNARY, AX_BINARY */
	Ast *a, *b;            /* operands; AX_DERIV: a is the differentiated expr */
	Ast **args;            /* AX_CALL */
	int nargs;
	const char *letters;   /* AX_DERIV: the letters after the dot, "xxt" */
	int depth;             /* nesting depth (a leaf is 1); sema refuses deep trees */
	int paren;             /* AX_DERIV: of a bracketed expression, (E).x
	                        * (language.md section 10: a conservative form) */
	int spring;            /* AX_CALL delta: a linear spring's force at its
	                        * read (sema_spring.c), whose place the read's
	                        * own check says outside the domain */
	int back;              /* AX_DERIV z.t of a lumped object: at step n,
	                        * (z[n] - z[n-1]) / k, even in z's own pde (a
	                        * chain's u.xxt, as the grid field takes it) */
	int shared;            /* a chain's read at a place of params
	                        * (sema_chain.c rw_call_read): one tree in
	                        * every point's pde, converted once (discretise.c) */
};

/* ---- statements ---- */
typedef enum {
	D_IMPORT, D_CONST, D_PARAM, D_LET, D_FN, D_RATE, D_DOMAIN, D_FIELD,
	D_PDE, D_BOUNDARY, D_INIT, D_OUTPUT, D_NET,
	D_POTENTIAL,   /* potential NAME = E (language.md 12) */
} DeclKind;

/* The kind sema gives each named thing. */
typedef enum {
	K_NONE,
	K_CONST,       /* const: folded at compile time */
	K_PARAM,       /* param */
	K_SCALAR,      /* let NAME = E, from consts and params */
	K_TIME,        /* let NAME(t) = E */
	K_SPACE,       /* let NAME(x) / NAME(x, y) = E */
	K_FN,          /* fn NAME(A, ...) = E */
	K_FIELD,       /* field u(x) */
	K_NET,         /* net NAME = mlp(...) */
	K_LUMP,        /* field z [mass M]: a lumped object (no coordinates) */
} NameKind;

/* ---- neural parameter maps (language.md section 13) ----
 * net NAME = mlp(IN, H1, ..., OUT [, act = A] [, seed = N]): its weights
 * are params of the model, after the declared ones, layer by layer (L
 * from 1): W[j][i] row by row (unit j, input i), then b[j], named
 * NAME.L.W.j.i and NAME.L.b.j. */
typedef enum { ACT_TANH, ACT_RELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_SIN, NACT } Act;

typedef struct Net {
	int *sizes;            /* IN, H1, ..., OUT: nsizes >= 2 (sema: folded) */
	int nsizes;
	Act act;
	double seed;           /* a whole number in [0, 2^53] */
	int first;             /* index in Model.params of its first weight */
	int nweights;
} Net;

extern const char *const net_act_names[NACT];   /* "tanh", "relu", ... */
/* The offset from Net.first of W[j][i] of layer L (1-based), and of b[j]
 * (i = -1). */
int net_weight(const Net *n, int L, int j, int i);
/* The default weights (language.md section 13): hidden layers
 * Glorot-uniform, the last layer and every bias zero, from the seed by
 * SplitMix64 (sema.c documents the draw), into w[nweights]. */
void net_init(const Net *n, double *w);

typedef enum { BC_NONE, BC_FIXED, BC_CLAMPED, BC_SS, BC_FREE, BC_ATTACHED } BcKind;

typedef struct Decl Decl;
struct Decl {
	DeclKind kind;
	Loc loc;               /* the whole statement */
	const char *name;      /* const/param/let/fn/field/output name; import path */
	const char *resolved;  /* import: the file it read (NULL: none found) */
	Loc name_loc;
	Ast *value;            /* const/param/let/fn body, rate, pde rhs, init rhs */
	const char **args;     /* let NAME(args), fn NAME(args), field u(coords) */
	int nargs;
	/* param */
	Ast *lo, *hi;          /* NULL when no range */
	int is_log;
	/* domain: one or two coordinates */
	int ndim;
	const char *coord[2];
	Ast *from[2], *to[2];  /* domain x in [from, to] */
	Ast *grid[2];          /* NULL when no `grid` */
	/* pde: `pde FIELD.LETTERS = value`; init: `init FIELD[.t] = value` */
	const char *field;
	const char *lhs_letters;  /* pde: "tt"; init: "" or "t"; output: "" or "t" */
	/* boundary: `boundary WHERE, WHERE...: COND` */
	int nwhere;
	struct Where {
		const char *coord;     /* NULL for `edges` */
		Ast *at;               /* x = AT */
		Loc loc;
	} *where;
	const char *cond;         /* the condition's word as written */
	Loc cond_loc;
	BcKind bc;                /* sema: resolved condition */
	const char *attach;       /* `attached Z`: the lumped object Z */
	Loc attach_loc;
	/* field: its options `on DOMAIN`, `density E`, `mass E` as written
	 * (sema resolves them into on, density, mass); boundary and field:
	 * field names the boundary's field (`boundary u at x = 0: ...`) */
	struct FieldOpt { const char *word; Loc loc; Ast *v; } *opts;
	int nopts;
	Ast *density, *mass;
	int lump;                 /* sema: the lumped object's number */
	int lowered;              /* potential: a linear spring, its forces in the
	                           * pdes (sema_spring.c), not carried by SAV */
	Ast *sav;                 /* potential: the part SAV carries when its
	                           * quadratic terms were lowered (sema_spring.c);
	                           * NULL: the whole value */
	const Ast *sav_warn;      /* potential: its term not >= 0 by its shape
	                           * that kept its quadratic terms with SAV (the
	                           * warning, discretise.c) */
	int gridpt;               /* field: a lumped object that is a point of
	                           * another field's grid, 1 + its index in
	                           * Model.chains (sema_fields.c); else 0 */
	int energy;               /* output: `output E = energy` (language.md 12.1) */
	/* output: `output NAME = FIELD[.t](at[0], at[1])`, or (field NULL
	 * after sema) an expression of the state, value (docs/language.md 18) */
	Ast *at[2];
	int nat;
	/* sema */
	NameKind nkind;
	const Src *src;           /* the file this statement came from */
	/* added: locations of the parts, for messages */
	Loc *arg_locs;            /* one per args[i] */
	Loc coord_loc[2];         /* domain: the coordinates' names */
	Loc lhs_loc;              /* pde/init/output: FIELD[.LETTERS] */
	/* net: sizes, activation, seed (sema); value is the mlp(...) call */
	Net *net;
	/* added: values sema folded (constant expressions) */
	double num;               /* const: its value; param: default; rate: rate */
	double lo_num, hi_num;    /* param: range, -inf/+inf when none */
	double from_num[2], to_num[2];  /* domain */
	long grid_num[2];         /* domain: intervals per dim, 0 when no `grid` */
};

/* ---- a checked model ---- */
typedef struct Model {
	const char *name;         /* from `model NAME` */
	Loc name_loc;
	const Src *src;           /* the main file */
	Decl **decls;             /* every statement, imports' definitions too */
	int ndecls;

	/* Filled by sema.  Named decls are in dependency order: each one's
	 * value only refers to names earlier in `order`. */
	Decl **order;  int norder;
	Decl **params; int nparams;    /* in source order, then the nets' weights */
	int nuser;                     /* the declared params: params[0 .. nuser-1] */
	Decl **nets; int nnets;        /* in source order */
	Decl *rate;                    /* NULL: 44100 */
	Decl *domain;
	Decl *field;
	Decl *pde;
	Decl *init_u, *init_ut;        /* NULL when absent */
	/* lumped objects (language.md section 11): fields without
	 * coordinates, each with its pde and inits (NULL when absent) */
	Decl **lumps; int nlumps;
	Decl **lump_pde, **lump_init, **lump_init_t;
	/* fields after the grid one (sema_fields.c): chains of lumped objects
	 * NAME[i], i = 0..n (fixed ends left out) on [from, to]; a 2D one
	 * (ny > 0) NAME[i,j], its interior points, y in [yfrom, yto] */
	struct Chain {
		const char *name, *coord;
		int n;
		double from, to;
		int planned;          /* n is the finest stable grid, not `grid N` */
		int stable;           /* `grid N` in 1D: the planned grid, stable (0: none) */
		const char **deps;    /* planned: the params its planning read, so the
		                       * only ones whose values may change n */
		int ndeps, alldeps;   /* alldeps: any param may (it reads a net) */
		Loc grid_loc;         /* `grid N`: where */
		const char *ycoord;   /* 2D: its second axis, else NULL and ny 0 */
		int ny;
		double yfrom, yto;
	} *chains;
	int nchains;
	const struct GridPlanner *planner;  /* NULL: every such domain needs `grid N` */
	const char *stdlib_dir;        /* where `import` looks last (NULL: none) */
	const char **files; int nfiles;  /* the files loaded: the model's, then its imports' */
	Decl **outputs; int noutputs;  /* in source order */
	Decl **potentials; int npotentials;  /* in source order (language.md 12) */
	int ndim;                      /* 1 or 2 */
	int space_order;               /* highest spatial derivative order in the pde: 2 or 4 */
	int lumped_only;               /* no field with coordinates: sema gave it one at rest */
	int as_points;                 /* a field alone, to be written out as lumped points
	                                  (sema_fields.c): planned by their plain rows */
	BcKind bc[2][2];               /* [dim][0 = lower end, 1 = upper end] */
	int attach[2][2];              /* BC_ATTACHED: the lumped object's number */
	Loc bc_loc[2][2];
	Arena *arena;             /* added: where the model lives; sema allocates its index there */
	struct DeclIndex *index;  /* model_lookup's, made for one (decls, ndecls) */
} Model;

/* How a field after the grid one gets its grid when its domain has no
 * `grid` (language.md 11, sema_fields.c): plan() is given the model
 * `alone`, checked, whose one field is that field (its pde with the other
 * parts held still, its ends, the params, consts, lets and fns in the same
 * order), and plans that field's grid as the grid field's, for the params
 * and rate in force; 0 with n set (n[1]: a 2D field's second axis), or
 * -1 with why filled. */
typedef struct GridPlanner {
	int (*plan)(void *ctx, struct Model *alone, int n[2], char *why, int whysz);
	void *ctx;
} GridPlanner;

/* Parse `path`, resolve its imports (the importing file's folder, then each
 * of incdirs, then $DPM_PATH, then stdlib_dir), check it.  Returns NULL
 * after printing diagnostics to d. */
Model *model_load(Arena *a, Diag *d, const char *path,
                  const char *const *incdirs, int nincdirs,
                  const char *stdlib_dir);
/* The same, with a planner for the grids of fields not on the grid. */
Model *model_load_planned(Arena *a, Diag *d, const char *path,
                          const char *const *incdirs, int nincdirs,
                          const char *stdlib_dir, const GridPlanner *gp);
/* The same from text in memory (tests, fuzzing, the REPL). */
Model *model_load_string(Arena *a, Diag *d, const char *path, const char *text,
                         const char *const *incdirs, int nincdirs,
                         const char *stdlib_dir);

/* The named decl (const, param, let, fn, field), or NULL. */
Decl *model_lookup(const Model *m, const char *name);
Decl *model_pde(const Model *m, const char *field);   /* its pde, or NULL (before sema too) */
int ast_same(const Ast *a, const Ast *b);   /* the same expression, as written */

/* Parse only: the decls of one file, or NULL after diagnostics (parser.y). */
Decl **parse_file(Arena *a, Diag *d, const Src *src, int *ndecls,
                  const char **model_name, Loc *model_loc);

/* Check and index the model (sema.c); 0 on success. */
int sema_check(Model *m, Diag *d);

/* ---- builders (ast.c): one call per grammar action of parser.y ---- */
typedef struct AstList { void **v; int n, cap; } AstList;
AstList *ast_list(Arena *a, AstList *l, void *x);   /* l NULL: a new list */

Ast *ast_num(Arena *a, double v, Loc loc);
Ast *ast_name(Arena *a, const char *name, Loc loc);
Ast *ast_call(Arena *a, const char *name, Loc name_loc, AstList *args, Loc loc);
Ast *ast_unary(Arena *a, AstOp op, Ast *x, Loc loc);
Ast *ast_binary(Arena *a, AstOp op, Ast *x, Ast *y, Loc loc);
Ast *ast_deriv(Arena *a, Ast *x, const char *letters, Loc loc);
Ast *ast_paren_deriv(Arena *a, Ast *x, const char *letters, Loc loc);  /* (E).x */
Ast *ast_index(Arena *a, Ast *call, Ast *index, Loc loc);
Ast *ast_named(Arena *a, const char *name, Loc nloc, Ast *v, Loc loc);

Decl *ast_import(Arena *a, const char *path, Loc path_loc, Loc loc);
Decl *ast_const(Arena *a, const char *name, Loc nloc, Ast *v, Loc loc);
Decl *ast_param(Arena *a, const char *name, Loc nloc, Ast *v, AstList *range,
                int is_log, Loc loc);
/* args: AstList of Ast names (AX_NAME); NULL for `let NAME = E` */
Decl *ast_let(Arena *a, const char *name, Loc nloc, AstList *args, Ast *v, Loc loc);
Decl *ast_fn(Arena *a, const char *name, Loc nloc, AstList *args, Ast *v, Loc loc);
/* net NAME = call; call is the AX_CALL mlp(...) */
Decl *ast_net(Arena *a, const char *name, Loc nloc, Ast *call, Loc loc);
Decl *ast_rate(Arena *a, Ast *v, Loc loc);
/* c2 NULL for a 1D domain; grid: AstList of Ast, NULL without `grid` */
/* name: NULL, or the domain's name (`domain NAME: x in ...`) */
Decl *ast_domain(Arena *a, const char *name, Loc nameloc, const char *c1, Loc c1loc, Ast *from1, Ast *to1,
                 const char *c2, Loc c2loc, Ast *from2, Ast *to2,
                 AstList *grid, Loc loc);
/* coords NULL: a lumped object; opts: AstList of struct FieldOpt */
Decl *ast_field(Arena *a, const char *name, Loc nloc, AstList *coords, AstList *opts, Loc loc);
struct FieldOpt *ast_field_opt(Arena *a, const char *word, Loc wloc, Ast *v);
Decl *ast_pde(Arena *a, const char *field, Loc floc, const char *letters, Loc lhs, Ast *v, Loc loc);
Decl *ast_init(Arena *a, const char *field, Loc floc, const char *letters, Loc lhs, Ast *v, Loc loc);
/* output NAME = e: a point read's parts in field, lhs_letters, at[] */
Decl *ast_output(Arena *a, const char *name, Loc nloc, Ast *e, Loc loc);
Decl *ast_potential(Arena *a, const char *name, Loc nloc, Ast *v, Loc loc);
/* a boundary WHERE: `coord = at`, or a bare word (at NULL; "edges" -> coord NULL) */
struct Where *ast_where(Arena *a, const char *coord, Ast *at, Loc loc);
/* field: NULL, or the field named by `boundary FIELD at ...`; attach:
 * the object of `attached Z` (cond is then "attached"), else NULL */
Decl *ast_boundary(Arena *a, const char *field, Loc floc, AstList *wheres, const char *cond,
                   Loc cond_loc, const char *attach, Loc attach_loc, Loc loc);

/* `dpmc emit --stage ast`: an S-expression dump that reads back. */
void ast_dump(const Model *m, FILE *f);
const char *bc_name(BcKind bc);   /* as the language spells it */

/* The builtin functions and their arity (sema.c), for both sema and the
 * later stages: sin cos tan exp log sqrt abs tanh sigmoid softplus (1),
 * min max pow (2), step (1), select (3). */
int builtin_arity(const char *name);   /* -1: not a builtin */

#endif
