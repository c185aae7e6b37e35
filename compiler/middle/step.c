/* step.c — the time step as a program of ops over a table of arrays
 * (step.h): built from the Loops, checked, printed, walked.
 *
 * requires: Loops from lower() (forward and adjoint regions).
 * leaves:   a Step whose forward ops are time, sweep, scatter, gather,
 *           rotate per field, and whose adjoint ops are their transposes
 *           in reverse order, checked by step_check. */
#include <stdio.h>
#include <string.h>

#include "step.h"

static const char *const op_names[OP_NKIND] = {
	"time", "sweep", "scatter", "gather", "rotate",
	"read", "lump", "hold", "solve", "sav",
	"adj_sweep", "adj_gather", "adj_sums", "adj_time",
	"adj_pscatter", "adj_lump", "adj_read", "adj_hold", "adj_solve", "adj_sav",
};

const char *
step_op_name(OpKind k)
{
	return k >= 0 && k < OP_NKIND ? op_names[k] : "?";
}

typedef struct Build {
	Step *st;
	Arena *a;
	int cap, capop[2];
} Build;

static int
add_array(Build *b, const char *name, ArrayKind kind, int field, int level, int len)
{
	Step *st = b->st;
	StepArray *ar;

	if (st->narr == b->cap) {
		StepArray *n = arena_alloc(b->a, (size_t)(b->cap * 2 + 8) * sizeof *n);
		if (st->narr)
			memcpy(n, st->arr, (size_t)st->narr * sizeof *n);
		st->arr = n;
		b->cap = b->cap * 2 + 8;
	}
	ar = &st->arr[st->narr];
	ar->name = name;
	ar->kind = kind;
	ar->field = field;
	ar->level = level;
	ar->len = len;
	return st->narr++;
}

static Op *
add_op(Build *b, int which, OpKind kind, int field)
{
	Op **ops = which == ST_FWD ? &b->st->fwd : &b->st->adj;
	int *n = which == ST_FWD ? &b->st->nfwd : &b->st->nadj;
	Op *o;

	if (*n == b->capop[which]) {
		Op *m = arena_alloc(b->a, (size_t)(*n * 2 + 8) * sizeof *m);
		if (*n)
			memcpy(m, *ops, (size_t)*n * sizeof *m);
		*ops = m;
		b->capop[which] = *n * 2 + 8;
	}
	o = &(*ops)[(*n)++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->field = field;
	o->dst = o->src[0] = o->src[1] = o->aux = -1;
	o->of = -1;
	return o;
}

/* The adjoint: the forward ops in reverse order, each transposed.  The
 * sweep's transpose makes lambda[n+1] (it writes, the others add to it),
 * so it runs first; the rotation stays last.  Lags: see step.h.
 *
 * Several parts: step n+1's forces between parts, lumped objects and
 * reads (lag 1) follow the sweep's transpose: they take lambda[n+2],
 * complete, at the forward state of step n+1 (u[n+1], u[n], which the
 * backward has), and write or add to lambda[n+1] (the reads' seeds of
 * step n+2, which also read u[n+1], wait in a ring).  The attached ends'
 * transpose (lag 0) comes once everything has added to lambda[n+1]. */
static void
transpose_parts(Build *b, const int *adj, int rd)
{
	Step *st = b->st;
	const Scheme *s = st->l->s;
	int i;
	Op *o;

	for (i = st->nfwd - 1; i >= 0; i--) {
		const Op *f = &st->fwd[i];
		/* the forces between parts, and the coefficients that read
		 * the state (with no such force, at the time op): @__apsc */
		if ((f->kind == OP_SCATTER && s->nstate_src)
		    || (f->kind == OP_TIME && s->nstate_coef && !s->nstate_src)) {
			o = add_op(b, ST_ADJ, OP_ADJ_PSCATTER, f->field);
			o->src[0] = adj[0];
			o->aux = f->kind == OP_TIME ? -1 : f->aux;
			o->first = f->first;
			o->count = f->count;
		} else if (f->kind == OP_LUMP) {
			o = add_op(b, ST_ADJ, OP_ADJ_LUMP, f->field);
			o->dst = adj[2];
			o->src[0] = adj[0];
			o->src[1] = adj[1];
			o->aux = rd;
			o->first = f->first;
			o->count = f->count;
		} else if (f->kind == OP_READ) {
			o = add_op(b, ST_ADJ, OP_ADJ_READ, f->field);
			o->dst = adj[2];
			o->aux = rd;
			o->first = f->first;
			o->count = f->count;
		} else {
			continue;
		}
		o->of = i;
		o->lag = 1;
	}
}

/* each attached end takes its object's new position (OP_HOLD); with a
 * potential after OP_SAV, which moves the object (emit_sav.c: the end's
 * share of dV/dq is the object's) */
static void
add_holds(Build *b, const Scheme *s, int dst)
{
	Op *o;
	int i;

	for (i = 0; i < 4; i++)
		if (s->attach[i / 2][i % 2] >= 0 && i / 2 < s->ndim) {
			o = add_op(b, ST_FWD, OP_HOLD, 0);
			o->dst = dst;
			o->first = s->attach[i / 2][i % 2];
			o->aux = i;       /* axis * 2 + side */
			o->count = 1;
		}
}

static void
transpose(Build *b, const int *adj, int rd)
{
	Step *st = b->st;
	int i, scattered = 0;
	Op *o;

	for (i = 0; i < st->nfwd; i++)
		if (st->fwd[i].kind == OP_SWEEP) {
			o = add_op(b, ST_ADJ, OP_ADJ_SWEEP, st->fwd[i].field);
			o->dst = adj[2];
			o->src[0] = adj[0];
			o->src[1] = adj[1];
			o->of = i;
			o->lag = 1;
		}
	if (st->parts)
		transpose_parts(b, adj, rd);
	for (i = st->nfwd - 1; i >= 0; i--) {
		const Op *f = &st->fwd[i];
		switch (f->kind) {
		case OP_HOLD:
			o = add_op(b, ST_ADJ, OP_ADJ_HOLD, f->field);
			o->dst = adj[2];
			o->first = f->first;
			o->aux = f->aux;
			o->count = 1;
			break;
		case OP_SOLVE:     /* once lambda[n+1] is complete, before the
		                    * scatter's and the sweep's transposes use it */
			o = add_op(b, ST_ADJ, OP_ADJ_SOLVE, f->field);
			o->src[0] = adj[2];
			o->aux = f->aux;
			o->first = f->first;
			o->count = 1;
			break;
		case OP_SAV:       /* once lambda[n+1] is complete, before the bows' */
			o = add_op(b, ST_ADJ, OP_ADJ_SAV, f->field);
			o->src[0] = adj[2];
			o->aux = f->aux;
			break;
		case OP_GATHER:
			o = add_op(b, ST_ADJ, OP_ADJ_GATHER, f->field);
			o->dst = adj[2];
			o->aux = f->aux;
			o->first = f->first;
			o->count = f->count;
			break;
		case OP_SCATTER:
			o = add_op(b, ST_ADJ, OP_ADJ_SUMS, f->field);
			o->src[0] = adj[2];
			o->aux = f->aux;
			o->first = f->first;
			o->count = f->count;
			scattered = 1;
			break;
		case OP_SWEEP:     /* its params' part, when no scatter took it */
			if (scattered)
				continue;
			o = add_op(b, ST_ADJ, OP_ADJ_SUMS, f->field);
			o->src[0] = adj[2];
			break;
		case OP_TIME:
			o = add_op(b, ST_ADJ, OP_ADJ_TIME, f->field);
			o->lag = 2;
			break;
		default:
			continue;
		}
		o->of = i;
	}
	for (i = 0; i < st->nfwd; i++)
		if (st->fwd[i].kind == OP_ROTATE) {
			o = add_op(b, ST_ADJ, OP_ROTATE, st->fwd[i].field);
			o->dst = adj[2];
			o->src[0] = adj[0];
			o->src[1] = adj[1];
			o->of = i;
		}
}

Step *
step_build(Arena *a, const Loops *l)
{
	const Scheme *s = l->s;
	Build b = {0};
	int u[3], adj[3], pts_src = -1, pts_out = -1, y, rd = -1, i;
	char err[200];
	Op *o;

	b.a = a;
	b.st = arena_alloc(a, sizeof *b.st);
	memset(b.st, 0, sizeof *b.st);
	b.st->l = l;
	u[0] = add_array(&b, "u", AK_STATE, 0, 0, -1);
	u[1] = add_array(&b, "up", AK_STATE, 0, 1, -1);
	u[2] = add_array(&b, "un", AK_STATE, 0, 2, -1);
	adj[0] = add_array(&b, "la", AK_ADJ, 0, 0, -1);
	adj[1] = add_array(&b, "lb", AK_ADJ, 0, 1, -1);
	adj[2] = add_array(&b, "ln", AK_ADJ, 0, 2, -1);
	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].cls == CO_SPACE) {
			char *nm = arena_alloc(a, 16);
			snprintf(nm, 16, "a%d", l->coefs[i].slot);
			add_array(&b, nm, AK_COEF, 0, l->coefs[i].slot, -1);
		}
	if (s->nsrc)
		pts_src = add_array(&b, "src", AK_POINT, 0, 0, s->nsrc);
	if (s->nout)
		pts_out = add_array(&b, "out", AK_POINT, 0, 0, s->nout);
	y = add_array(&b, "y", AK_OUT, 0, 0, s->nout);
	add_array(&b, "grad", AK_SUM, 0, 0, s->nparams);
	b.st->parts = s->nlump || s->nrd || s->nstate_src;
	for (i = 0; i < s->nout; i++) {
		b.st->energy |= s->out[i].energy;
		b.st->exprout |= s->out[i].expr != NULL;
	}
	if (s->nrd)
		rd = add_array(&b, "rd", AK_READ, 0, 0, s->nrd);

	/* the reads first: a coefficient of time may read them */
	if (s->nrd) {
		o = add_op(&b, ST_FWD, OP_READ, 0);
		o->dst = rd;
		o->src[0] = u[0];
		o->src[1] = u[1];
		o->count = s->nrd;
	}
	add_op(&b, ST_FWD, OP_TIME, 0);
	if (s->nlump) {
		o = add_op(&b, ST_FWD, OP_LUMP, 0);
		o->dst = u[2];
		o->src[0] = u[0];
		o->src[1] = u[1];
		o->aux = rd;
		o->count = s->nlump;
	}
	o = add_op(&b, ST_FWD, OP_SWEEP, 0);
	o->dst = u[2];
	o->src[0] = u[0];
	o->src[1] = u[1];
	o->aux = l->force_coef;
	if (!s->npot)
		add_holds(&b, s, u[2]);
	if (s->nsrc) {
		o = add_op(&b, ST_FWD, OP_SCATTER, 0);
		o->dst = u[2];
		o->aux = pts_src;
		o->count = s->nsrc;
	}
	for (i = 0; s->nimplicit && i < s->nsrc; i++)
		if (s->src[i].implicit >= 0) {
			o = add_op(&b, ST_FWD, OP_SOLVE, 0);
			o->dst = u[2];
			o->src[0] = u[0];
			o->src[1] = u[1];
			o->aux = pts_src;
			o->first = i;
			o->count = 1;
		}
	if (s->npot) {
		o = add_op(&b, ST_FWD, OP_SAV, 0);
		o->dst = u[2];
		o->src[0] = u[0];
		o->src[1] = u[1];
		o->aux = rd;
		add_holds(&b, s, u[2]);    /* after SAV's correction of the objects */
	}
	if (s->nout) {
		o = add_op(&b, ST_FWD, OP_GATHER, 0);
		o->dst = y;
		o->src[0] = u[2];
		o->src[1] = u[0];
		o->aux = pts_out;
		o->count = s->nout;
	}
	o = add_op(&b, ST_FWD, OP_ROTATE, 0);
	o->dst = u[2];
	o->src[0] = u[0];
	o->src[1] = u[1];
	if (l->nadj)
		transpose(&b, adj, rd);
	if (step_check(b.st, err, sizeof err) < 0)
		die("step: %s", err);
	return b.st;
}

/* ---- the checker ---- */

static int
arr_is(const Step *st, int i, ArrayKind k)
{
	return i >= 0 && i < st->narr && st->arr[i].kind == k;
}

#define BAD(...) do { snprintf(err, (size_t)errsz, __VA_ARGS__); return -1; } while (0)

static int
check_fwd(const Step *st, char *err, int errsz)
{
	int i, written = -1, rotated = 0, read = 0, lumped = 0, scattered = 0;

	for (i = 0; i < st->nfwd; i++) {
		const Op *o = &st->fwd[i];
		if (rotated)
			BAD("op %d (%s) after the rotation", i, step_op_name(o->kind));
		switch (o->kind) {
		case OP_TIME:
			if (written >= 0)
				BAD("op %d: time coefficients after the sweep", i);
			break;
		case OP_SWEEP:
			if (!arr_is(st, o->dst, AK_STATE) || !arr_is(st, o->src[0], AK_STATE) ||
			    !arr_is(st, o->src[1], AK_STATE))
				BAD("op %d: a sweep over arrays that are not states", i);
			if (st->arr[o->dst].level != 2 || st->arr[o->src[0]].level != 0 ||
			    st->arr[o->src[1]].level != 1)
				BAD("op %d: a sweep must write u[n+1] from u[n], u[n-1]", i);
			if (written >= 0)
				BAD("op %d: the field's next state written twice", i);
			written = o->dst;
			break;
		case OP_SCATTER:
			if (o->dst != written)
				BAD("op %d: a scatter into a state no sweep wrote", i);
			if (!arr_is(st, o->aux, AK_POINT) || o->first < 0 || o->count < 1 ||
			    o->first + o->count > st->arr[o->aux].len)
				BAD("op %d: a scatter's points", i);
			scattered = 1;
			break;
		case OP_SOLVE:
			if (o->dst != written || !scattered)
				BAD("op %d: a bow's solve before the sweep and the scatter", i);
			if (!arr_is(st, o->aux, AK_POINT) || o->first < 0 || o->first >= st->arr[o->aux].len)
				BAD("op %d: a solve's points", i);
			break;
		case OP_SAV:
			if (o->dst != written || !read || !arr_is(st, o->aux, AK_READ))
				BAD("op %d: a potential's correction before the sweep or the reads", i);
			break;
		case OP_GATHER:
			if (o->src[0] != written || !arr_is(st, o->dst, AK_OUT))
				BAD("op %d: a gather must read the state written this step into y", i);
			if (!arr_is(st, o->aux, AK_POINT) || o->first + o->count > st->arr[o->aux].len)
				BAD("op %d: a gather's points", i);
			break;
		case OP_ROTATE:
			if (o->dst != written)
				BAD("op %d: a rotation of states the step did not write", i);
			rotated = 1;
			break;
		case OP_READ:
			if (written >= 0 || lumped)
				BAD("op %d: the state read after the step began writing it", i);
			if (!arr_is(st, o->dst, AK_READ))
				BAD("op %d: a read into an array that is not for reads", i);
			read = 1;
			break;
		case OP_LUMP:
			if (written >= 0)
				BAD("op %d: the lumped objects after the sweep", i);
			if (o->aux >= 0 && !read)
				BAD("op %d: the lumped objects before the reads they use", i);
			lumped = 1;
			break;
		case OP_HOLD:
			if (o->dst != written || !lumped)
				BAD("op %d: an attached end before the sweep or the lumped objects", i);
			break;
		default:
			BAD("op %d: %s in the forward step", i, step_op_name(o->kind));
		}
	}
	if (!rotated)
		BAD("the forward step never rotates its states");
	return 0;
}

static int
check_adj(const Step *st, char *err, int errsz)
{
	unsigned char seen[64] = {0};
	int i, n = 0;

	if (st->nfwd > (int)sizeof seen)
		BAD("%d forward ops", st->nfwd);
	for (i = 0; i < st->nadj; i++) {
		const Op *o = &st->adj[i];
		if (o->of < 0 || o->of >= st->nfwd)
			BAD("adjoint op %d transposes forward op %d, which is not there", i, o->of);
		if (seen[o->of]++ && !(st->fwd[o->of].kind == OP_SWEEP && o->kind == OP_ADJ_SUMS)
		    && !(st->fwd[o->of].kind == OP_SCATTER && o->kind == OP_ADJ_SUMS)
		    && !(st->fwd[o->of].kind == OP_TIME && st->l->s->nstate_coef))
			BAD("adjoint op %d: forward op %d transposed twice", i, o->of);
		if (i == 0 && o->kind != OP_ADJ_SWEEP)
			BAD("the adjoint step must start with the sweep's transpose");
		if (o->kind == OP_ROTATE && i != st->nadj - 1)
			BAD("adjoint op %d: the rotation must be last", i);
		if ((o->kind == OP_ADJ_LUMP || o->kind == OP_ADJ_READ) && o->lag != 1)
			BAD("adjoint op %d: the parts' transposes take step n+1", i);
		if (o->kind == OP_ADJ_HOLD && i + 1 < st->nadj && st->adj[i + 1].kind != OP_ADJ_SUMS
		    && st->adj[i + 1].kind != OP_ADJ_TIME && st->adj[i + 1].kind != OP_ADJ_HOLD
		    && st->adj[i + 1].kind != OP_ADJ_SAV && st->adj[i + 1].kind != OP_ROTATE)
			BAD("adjoint op %d: an attached end handed on before lambda is complete", i);
		if ((o->kind == OP_ADJ_SWEEP || o->kind == OP_ROTATE) &&
		    (!arr_is(st, o->dst, AK_ADJ) || !arr_is(st, o->src[0], AK_ADJ)))
			BAD("adjoint op %d: not over adjoint states", i);
		n++;
	}
	for (i = 0; i < st->nfwd; i++)
		if (!seen[i] && st->nadj)
			BAD("forward op %d (%s) has no transpose", i, step_op_name(st->fwd[i].kind));
	(void)n;
	return 0;
}

int
step_check(const Step *st, char *err, int errsz)
{
	if (check_fwd(st, err, errsz) < 0)
		return -1;
	return check_adj(st, err, errsz);
}

/* ---- walking and printing ---- */

void
step_walk(const Step *st, int which, const StepTarget *t, void *ctx)
{
	const Op *ops = which == ST_FWD ? st->fwd : st->adj;
	int i, n = which == ST_FWD ? st->nfwd : st->nadj;

	for (i = 0; i < n; i++)
		if (t->op[ops[i].kind])
			t->op[ops[i].kind](ctx, st, &ops[i]);
}

static const char *
aname(const Step *st, int i)
{
	return i >= 0 ? st->arr[i].name : "-";
}

static void
print_op(const Step *st, const Op *o, FILE *f)
{
	const Loops *l = st->l;

	fprintf(f, "  %-13s ", step_op_name(o->kind));
	switch (o->kind) {
	case OP_TIME:
		fprintf(f, "%d coefficients of t", l->nclass[CO_TIME]);
		break;
	case OP_SWEEP:
		fprintf(f, "%s = regions 0..%d over (%s, %s)", aname(st, o->dst), l->nreg - 1,
		        aname(st, o->src[0]), aname(st, o->src[1]));
		if (o->aux >= 0)
			fprintf(f, " + c%d", o->aux);
		break;
	case OP_SCATTER:
		fprintf(f, "%s += S w at %s %d..%d", aname(st, o->dst), aname(st, o->aux), o->first,
		        o->first + o->count - 1);
		break;
	case OP_GATHER:
		fprintf(f, "%s[%d..%d] = W %s at %s", aname(st, o->dst), o->first, o->first + o->count - 1,
		        aname(st, o->src[0]), aname(st, o->aux));
		break;
	case OP_ROTATE:
		fprintf(f, "%s <- %s <- %s", aname(st, o->src[1]), aname(st, o->src[0]), aname(st, o->dst));
		break;
	case OP_READ:
		fprintf(f, "%s[0..%d] = reads of (%s, %s)", aname(st, o->dst), o->count - 1,
		        aname(st, o->src[0]), aname(st, o->src[1]));
		break;
	case OP_LUMP:
		fprintf(f, "%s[lumped 0..%d] from (%s, %s)%s%s", aname(st, o->dst), o->count - 1,
		        aname(st, o->src[0]), aname(st, o->src[1]), o->aux >= 0 ? " and " : "",
		        o->aux >= 0 ? aname(st, o->aux) : "");
		break;
	case OP_HOLD:
		fprintf(f, "%s at %c = %s := lumped %d", aname(st, o->dst), "xy"[o->aux / 2],
		        o->aux % 2 ? "B" : "A", o->first);
		break;
	case OP_SOLVE:
		fprintf(f, "%s += S(v) w at %s %d, v = (R %s - R %s) / 2k by Newton", aname(st, o->dst),
		        aname(st, o->aux), o->first, aname(st, o->dst), aname(st, o->src[1]));
		break;
	case OP_SAV:
		fprintf(f, "%s -= b mu(psi), b = k^2 g / (m den), g = dV/dq (%s) / sqrt(2V + eps): "
		        "SAV, one rank-one correction", aname(st, o->dst), aname(st, o->aux));
		break;
	case OP_ADJ_SWEEP:
		fprintf(f, "%s = A^T %s + B^T %s (adjoint regions 0..%d), riding sums", aname(st, o->dst),
		        aname(st, o->src[0]), aname(st, o->src[1]), l->nadj - 1);
		break;
	case OP_ADJ_GATHER:
		fprintf(f, "ln += W^T dL/dy[%d..%d] at %s", o->first, o->first + o->count - 1,
		        aname(st, o->aux));
		break;
	case OP_ADJ_SUMS:
		if (o->aux >= 0)
			fprintf(f, "grad += %s . dS/dp w at %s, %s . dc/dp taps", aname(st, o->src[0]),
			        aname(st, o->aux), aname(st, o->src[0]));
		else
			fprintf(f, "grad += %s . dc/dp taps", aname(st, o->src[0]));
		fprintf(f, " (coefficients that do not ride)");
		break;
	case OP_ADJ_TIME:
		fprintf(f, "grad += seeds . d tc/dp");
		break;
	case OP_ADJ_PSCATTER:
		if (o->aux >= 0)
			fprintf(f, "rs += dS/drd %s . w at %s %d..%d, grad += dS/dp, S %s (forces between parts)",
			        aname(st, o->src[0]), aname(st, o->aux), o->first, o->first + o->count - 1,
			        aname(st, o->src[0]));
		if (st->l->s->nstate_coef)
			fprintf(f, "%srs += seeds . d tc/drd, grad += seeds . d tc/dp (coefficients that "
			        "read the state)", o->aux >= 0 ? "; " : "");
		break;
	case OP_ADJ_LUMP:
		fprintf(f, "%s[lumped 0..%d] = lumped rows of A^T %s + B^T %s, rs += drest/drd, "
		        "grad += dct/dp, drest/dp", aname(st, o->dst), o->count - 1, aname(st, o->src[0]),
		        aname(st, o->src[1]));
		break;
	case OP_ADJ_READ:
		fprintf(f, "%s += R^T rs (steps n+1, n+2) of %s[0..%d], grad += rs dR/dX u",
		        aname(st, o->dst), aname(st, o->aux), o->count - 1);
		break;
	case OP_ADJ_HOLD:
		fprintf(f, "%s[lumped %d] += %s at %c = %s; that one = 0", aname(st, o->dst), o->first,
		        aname(st, o->dst), "xy"[o->aux / 2], o->aux % 2 ? "B" : "A");
		break;
	case OP_ADJ_SOLVE:
		fprintf(f, "%s += R^T mu dS/dv / 2k, mu = (w . %s) / (1 - c dS/dv) at %s %d, "
		        "rs, grad += mu dS/drd, dS/dp", aname(st, o->src[0]), aname(st, o->src[0]),
		        aname(st, o->aux), o->first);
		break;
	case OP_ADJ_SAV:
		fprintf(f, "%s += the waiting seeds, then the adjoint before SAV's correction; "
		        "u[n], u[n-1], psi's seeds wait, grad through V(%s), g, the masses",
		        aname(st, o->src[0]), aname(st, o->aux));
		break;
	default:
		break;
	}
	if (o->of >= 0)
		fprintf(f, "    ; transposes %d (%s) of step n%s%.0d", o->of,
		        step_op_name(st->fwd[o->of].kind), o->lag ? "+" : "", o->lag);
	fprintf(f, "\n");
}

void
step_print(const Step *st, FILE *f)
{
	static const char *const kind[] = {"state", "adjoint", "coef", "points", "out", "sum", "reads"};
	int i;

	fprintf(f, "# %s: %d arrays, %d ops forward, %d adjoint\n", st->l->s->m->name, st->narr,
	        st->nfwd, st->nadj);
	for (i = 0; i < st->narr; i++) {
		const StepArray *a = &st->arr[i];
		fprintf(f, "array %-5s %-8s field %d", a->name, kind[a->kind], a->field);
		if (a->kind == AK_STATE || a->kind == AK_ADJ || a->kind == AK_COEF)
			fprintf(f, " %s %d", a->kind == AK_COEF ? "slot" : "level", a->level);
		if (a->len < 0)
			fprintf(f, " [grid]\n");
		else
			fprintf(f, " [%d]\n", a->len);
	}
	fprintf(f, "step n:\n");
	for (i = 0; i < st->nfwd; i++)
		print_op(st, &st->fwd[i], f);
	if (st->nadj)
		fprintf(f, "adjoint step n (n from the last down to 0):\n");
	for (i = 0; i < st->nadj; i++)
		print_op(st, &st->adj[i], f);
}
