/* sema_fields.h — what sema_fields.c (the layout of several fields, their
 * grids) and sema_chain.c (a chain's expressions written out point by
 * point) share; private to the two. */
#include "sema.h"

/* the most intervals a chain holds: its step is code per point */
#define MAXN 4000
#define MAXN_S "4000"
/* the most points a 2D chain holds, held edges counted: a drum's second
 * head at 44.1 kHz is 7000-15000 (16000 points: 4 MB of C, TinyCC 3 s,
 * cc about a minute, a 0.05 s gradient 200 MB) */
#define MAXP 16000
#define MAXP_S "16000"

typedef struct Fld {
	Decl *f, *dom;             /* the field and its domain */
	const char *coord;
	int n;                     /* intervals */
	double from, to, h;
	Ast *density;              /* NULL: 1 */
	int bc[2];                 /* BC_FIXED, BC_CLAMPED, BC_SS or BC_FREE */
	Loc bc_loc[2];
	const char *att[2];        /* BC_ATTACHED: the lumped object at that end */
	int order;                 /* in space: 2, or 4 (w.xxxx in its pde) */
	Decl *pde, *init, *init_t;
	int planned;               /* n is the finest stable grid, not `grid N` */
	int stable;                /* `grid N` in 1D: the grid the planner gives, stable */
	AstList *deps;             /* planned: the names of the params its planning
	                            * read (grid_deps); NULL: none */
	int alldeps;               /* any param may change it (it reads a net) */
	const char **pt;           /* [i]: the lumped object of point i, NULL at a fixed end;
	                            * 2D: [i (ny + 1) + j], NULL on a held edge */
	/* a 2D field (nd 2): its second axis, the fields above being its first */
	int nd;
	const char *ycoord;
	int ny;
	double yfrom, yto, hy;
	int bcy[2];
	Loc bcy_loc[2];
} Fld;

typedef struct FS {
	Model *m;
	Diag *d;
	Arena *a;
	Fld *fl; int nfl;          /* the fields turned into chains */
	Decl *main, *maindom;
	unsigned char *drop;       /* [decl]: taken out of the model */
	int nerr;
	int depth;                 /* lets of the coordinates inlined by rw */
	int in_pot;                /* rw of a potential */
	Ast *to_mass;              /* rw of an attached end's share: a 1D delta
	                            * is hat_i(X) / this (the object's mass) */
	int mute;                  /* a chain's pde is rewritten once per point:
	                            * its errors are reported at the first */
	/* 2D reads at a place of params (sema_chain.c rw_call_read): each
	 * expanded once, the same tree in every point's pde */
	struct ReadMemo { const Ast *b; const void *own; int vel; Ast *r; } *memo;
	int nmemo, capmemo;
} FS;

/* an error of a rewritten expression, once however many points it is
 * rewritten for */
#define RERR(s, ...) do { if (!(s)->mute) diag_error((s)->d, __VA_ARGS__); (s)->nerr++; } while (0)

/* linked as sf_NAME: short names inside, no clash outside */
#define fold(...) sf_fold(__VA_ARGS__)
#define num(...) sf_num(__VA_ARGS__)
#define bin(...) sf_bin(__VA_ARGS__)
#define chain(...) sf_chain(__VA_ARGS__)
#define rw(...) sf_rw(__VA_ARGS__)
#define mentions(...) sf_mentions(__VA_ARGS__)
#define state_in(...) sf_state_in(__VA_ARGS__)
#define xorder(...) sf_xorder(__VA_ARGS__)
#define slope_at(...) sf_slope_at(__VA_ARGS__)
#define cons_kind(...) sf_cons_kind(__VA_ARGS__)
#define cons_letters(...) sf_cons_letters(__VA_ARGS__)
#define dletters(...) sf_dletters(__VA_ARGS__)
#define free_plate(...) sf_free_plate(__VA_ARGS__)
#define plate_check(...) sf_plate_check(__VA_ARGS__)

int fold(const Model *m, const Ast *e, double *v, int depth);
Ast *num(FS *s, double v, Loc l);
Ast *bin(FS *s, AstOp op, Ast *a, Ast *b);
Fld *chain(FS *s, const char *name);
int slope_at(FS *s, const Fld *f, const Ast *b, double *v);
int mentions(const Ast *e, const char *v);
Ast *sf_bare_calls(FS *s, const Fld *own, Ast *e);   /* bare coefficient lets as calls c(x) */
const Ast *state_in(const Model *m, const Ast *e, int depth);
/* how cons_kind takes a term of a conservative form's bracket */
enum { C_BAD, C_COMMUTE, C_HALF, C_DXX };
int cons_kind(FS *s, const Fld *own, const Ast *e, Ast *t, Ast **coef, Ast **d, Ast **g);
/* the axis of a conservative form (E).L: 0 (.x, .xx), 1 (a 2D field's .y, .yy), else -1 */
int cons_letters(const Fld *f, const char *L);
/* are a 1D field's derivative letters L those of W, W written with x
 * for the field's coordinate (w.yy of a field of y is "xx")? */
int dletters(const Fld *f, const char *L, const char *W);
int letters2(FS *s, const Fld *f, const char *L, Loc l, int *qx, int *qy, int *qt);
Ast *lap_call(FS *s, const Fld *f, Ast *e);
Ast *rw(FS *s, const Fld *own, int i, Ast *X, Ast *e);
int xorder(const Fld *f, const Ast *e);
/* a 2D chain of fourth order with a free edge: the free plate's rows
 * (plate.c), for an isotropic plate (plate_check refuses others) */
int free_plate(const Fld *f);
void plate_check(FS *s, const Fld *f);
