/* sema_net.c — the checks of neural parameter maps (language.md section
 * 13): `net NAME = mlp(...)`, their calls NAME(args)[J], the sizes folded,
 * and their weights made params after the declared ones (sema.h). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sema.h"

/* A call of a net, checked against its sizes once they are folded. */
static void
net_use(Sema *s, Ast *call, Ast *index, Entry *net)
{
	if (s->nuses == s->capuses) {
		struct NetUse *v;
		s->capuses = s->capuses ? 2 * s->capuses : 8;
		v = arena_alloc(sema_arena(s), (size_t)s->capuses * sizeof *v);
		if (s->nuses)
			memcpy(v, s->uses, (size_t)s->nuses * sizeof *v);
		s->uses = v;
	}
	s->uses[s->nuses].call = call;
	s->uses[s->nuses].index = index;
	s->uses[s->nuses].net = net;
	s->nuses++;
}

/* unknown net 'tne'; did you mean 'tone'? */
void
sema_unknown_net(Sema *s, const Ast *e)
{
	const char **v = arena_alloc(sema_arena(s), (size_t)(s->nents + 1) * sizeof *v);
	const char *best;
	int i, n = 0;

	for (i = 0; i < s->nents; i++)
		if (s->ents[i]->decl->kind == D_NET)
			v[n++] = s->ents[i]->name;
	if ((best = closest_name(e->name, v, n)))
		diag_error(s->d, e->name_loc, "unknown net '%s'; did you mean '%s'?", e->name, best);
	else
		diag_error(s->d, e->name_loc, "unknown net '%s'; declare it with "
		           "`net %s = mlp(IN, H1, ..., OUT)`", e->name, e->name);
}

/* NET(args)[J]: the arguments may be of params, t or the coordinates,
 * never of the field; J a constant. */
void
sema_check_net_call(Sema *s, Ast *e, Ast *ix, Entry *en, const Ctx *c)
{
	Ctx cn = *c, cf = C_FIXED;
	int i;

	if (!(c->allow & A_PARAM)) {
		sema_cannot(s, e->name_loc, c, "the net", e->name);
		return;
	}
	net_use(s, e, ix, en);
	cn.netarg = 1;
	/* what the call's place refuses, its own words say (a plain let's
	 * `drive(t)` was told t is refused and then that it may use t); the
	 * net's only where the place takes the field */
	if (c->allow & A_FIELD) {
		cn.allow &= ~(unsigned)A_FIELD;
		cn.what = "a net's argument";
		cn.rule = "it may use params, t, the coordinates, lets, fns and builtin functions, "
		          "not the field";
	}
	for (i = 0; i < e->nargs; i++)
		sema_check_expr(s, e->args[i], &cn);
	if (ix) {
		cf.what = "a net's output number";
		cf.owner = c->owner;
		sema_check_expr(s, ix->b, &cf);
	}
}

/* ---- nets (language.md section 13) ---- */

const char *const net_act_names[NACT] = {"tanh", "relu", "sigmoid", "softplus", "sin"};

/* net NAME = mlp(IN, H1, ..., OUT [, act = A] [, seed = N]): the sizes
 * and the seed constant expressions (folded with the consts, in
 * fold_nets), the options after the sizes, each once.  1 on an error. */
int
sema_check_net(Sema *s, Decl *d, Entry *en)
{
	Ast *call = d->value;
	const char *best;
	int i, npos = 0, named = 0, act = 0, seed = 0, nerr = s->d->nerr;

	d->net = arena_alloc(sema_arena(s), sizeof *d->net);
	d->net->act = ACT_TANH;
	if (strcmp(call->name, "mlp") != 0) {
		static const char *const kinds[] = {"mlp"};
		best = closest_name(call->name, kinds, 1);
		diag_error(s->d, call->name_loc, "unknown kind of net '%s'%s%s%s; a net is "
		           "mlp(IN, H1, ..., OUT [, act = tanh] [, seed = N])", call->name,
		           best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		return 1;
	}
	for (i = 0; i < call->nargs; i++) {
		Ast *a = call->args[i];
		if (a->kind != AX_NAMED) {
			if (named) {
				diag_error(s->d, a->loc, "the sizes come first: mlp(IN, H1, ..., OUT, "
				           "act = ..., seed = ...)");
				break;
			}
			sema_expr_in(s, a, &C_FIXED, en, NULL, "a net's size");
			npos++;
			continue;
		}
		named = 1;
		if (!strcmp(a->name, "act")) {
			int k;
			if (act++) {
				diag_error(s->d, a->name_loc, "act is given twice");
				continue;
			}
			for (k = 0; a->a->kind == AX_NAME && k < NACT; k++)
				if (!strcmp(a->a->name, net_act_names[k]))
					break;
			if (a->a->kind == AX_NAME && k < NACT) {
				d->net->act = (Act)k;
				continue;
			}
			best = a->a->kind == AX_NAME ? closest_name(a->a->name, net_act_names, NACT) : NULL;
			if (best)
				diag_error(s->d, a->a->loc, "unknown activation '%s'; did you mean '%s'?",
				           a->a->name, best);
			else
				diag_error(s->d, a->a->loc, "unknown activation; use act = tanh, relu, "
				           "sigmoid, softplus or sin");
		} else if (!strcmp(a->name, "seed")) {
			if (seed++)
				diag_error(s->d, a->name_loc, "seed is given twice");
			else
				sema_expr_in(s, a->a, &C_FIXED, en, NULL, "a net's seed");
		} else {
			static const char *const opts[] = {"act", "seed"};
			best = closest_name(a->name, opts, 2);
			diag_error(s->d, a->name_loc, "unknown option '%s' of mlp%s%s%s; the options "
			           "are act = tanh|relu|sigmoid|softplus|sin and seed = N", a->name,
			           best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		}
	}
	if (npos < 2 && s->d->nerr == nerr)
		diag_error(s->d, call->loc, "mlp needs at least two sizes, its inputs and its "
		           "outputs: mlp(IN, OUT) or mlp(IN, H1, ..., OUT)");
	return s->d->nerr > nerr;
}

/* ---- pass 5b: the nets' sizes, then their calls ---- */

enum { NET_MAXSIZE = 65536, NET_MAXWEIGHTS = 100000 };

void
sema_fold_nets(Sema *s)
{
	Model *m = s->m;
	double v;
	int i, j;

	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		Entry *en;
		Net *n = d->net;
		double total = 0;
		int ok = 1;

		if (d->kind != D_NET || !(en = sema_lookup(s, d->name)) || en->decl != d || en->bad)
			continue;
		n->sizes = arena_alloc(sema_arena(s), (size_t)(d->value->nargs + 1) * sizeof *n->sizes);
		for (j = 0; j < d->value->nargs; j++) {
			Ast *a = d->value->args[j];
			if (a->kind == AX_NAMED) {
				if (strcmp(a->name, "seed") != 0)
					continue;
				v = sema_fold(s, a->a, "the seed of", d->name);
				if (isnan(v))
					ok = 0;
				else if (v != floor(v) || v < 0 || v > 9007199254740992.0) {
					diag_error(s->d, a->a->loc, "a net's seed is a whole number from 0 "
					           "to 2^53, not %g", v);
					ok = 0;
				} else {
					n->seed = v;
				}
				continue;
			}
			v = sema_fold(s, a, "a size of", d->name);
			if (isnan(v)) {
				ok = 0;
			} else if (v != floor(v) || v < 1 || v > NET_MAXSIZE) {
				diag_error(s->d, a->loc, "a net's size is a whole number of units from 1 "
				           "to %d, not %g", NET_MAXSIZE, v);
				ok = 0;
			} else {
				n->sizes[n->nsizes] = (int)v;
			}
			n->nsizes++;
		}
		for (j = 1; ok && j < n->nsizes; j++)
			total += ((double)n->sizes[j - 1] + 1) * n->sizes[j];
		if (ok && total > NET_MAXWEIGHTS) {
			diag_error(s->d, d->name_loc, "net '%s' has %.0f weights; at most %d are "
			           "supported", d->name, total, NET_MAXWEIGHTS);
			ok = 0;
		}
		n->nweights = ok ? (int)total : 0;
		if (!ok)
			en->bad = 1;
		/* a net no expression calls: its weights change nothing, and a
		 * fit or train of them would move nothing (their gradient 0) */
		for (j = 0; j < s->nuses && s->uses[j].net->decl != d; j++)
			;
		if (ok && j == s->nuses && !s->d->nerr)
			diag_warning(s->d, d->name_loc, "net '%s' is never called: its %d weights change "
			             "nothing (call it as %s(...) in a let, pde, init or output, or remove it)",
			             d->name, n->nweights, d->name);
	}
	/* the calls: IN arguments, and one output chosen */
	for (i = 0; i < s->nuses; i++) {
		struct NetUse *u = &s->uses[i];
		const Net *n = u->net->decl->net;
		int in, out;
		if (u->net->bad || !n->nweights)
			continue;
		in = n->sizes[0];
		out = n->sizes[n->nsizes - 1];
		if (u->call->nargs != in)
			diag_error(s->d, u->call->loc, "net '%s' takes %d input%s, not %d",
			           u->call->name, in, sema_plural(in), u->call->nargs);
		if (u->index) {
			v = sema_fold(s, u->index->b, "the output number", NULL);
			if (isnan(v))
				continue;
			if (v != floor(v) || v < 0 || v >= out)
				diag_error(s->d, u->index->b->loc, "net '%s' has %d output%s: J runs "
				           "from 0 to %d, not %g", u->call->name, out, sema_plural(out), out - 1, v);
			else
				u->index->num = v;
		} else if (out > 1) {
			diag_error(s->d, u->call->loc, "net '%s' has %d outputs; choose one with "
			           "%s(...)[J], J from 0 to %d", u->call->name, out, u->call->name,
			           out - 1);
		}
	}
}

int
net_weight(const Net *n, int L, int j, int i)
{
	int l, off = 0;

	for (l = 1; l < L; l++)
		off += (n->sizes[l - 1] + 1) * n->sizes[l];
	return off + (i < 0 ? n->sizes[L] * n->sizes[L - 1] + j : j * n->sizes[L - 1] + i);
}

/* SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): the state advances by 0x9e3779b97f4a7c15 and
 * each output is that state mixed.  Integer arithmetic only, so every
 * machine draws the same numbers. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* The state starts at the seed; hidden layer L takes its draws after
 * layer L - 1's, row by row (unit j, then input i): u = (x >> 11) 2^-53,
 * uniform on [0, 1) with 53 bits, and W[j][i] = a (2u - 1) with
 * a = sqrt(6 / (IN_L + OUT_L)) (Glorot and Bengio 2010).  2u - 1 is exact,
 * a and the product each one correctly rounded IEEE operation: the same
 * weights on every machine.  Biases and the last layer are zero, so an
 * untrained net outputs exactly 0. */
void
net_init(const Net *n, double *w)
{
	uint64_t x = (uint64_t)n->seed;
	int L, j, i;

	memset(w, 0, (size_t)n->nweights * sizeof *w);
	for (L = 1; L < n->nsizes - 1; L++) {
		double a = sqrt(6.0 / ((double)n->sizes[L - 1] + n->sizes[L]));
		for (j = 0; j < n->sizes[L]; j++)
			for (i = 0; i < n->sizes[L - 1]; i++) {
				double u = (double)(splitmix64(&x) >> 11) * 0x1p-53;
				w[net_weight(n, L, j, i)] = a * (2 * u - 1);
			}
	}
}

/* The weights of every net, as params after the declared ones (api.md:
 * NET.L.W.j.i, NET.L.b.j), in the range [-1e3, 1e3]. */
void
sema_net_params(Sema *s, int *np)
{
	Model *m = s->m;
	int i, L, j, k, w;

	for (i = 0; i < m->nnets; i++) {
		Decl *nd = m->nets[i];
		Net *n = nd->net;
		double *v = mem_alloc((size_t)(n->nweights + 1) * sizeof *v);
		Loc at = nd->name_loc;
		n->first = *np;
		net_init(n, v);
		for (L = 1; L < n->nsizes; L++)
			for (j = 0; j < n->sizes[L]; j++)
				for (k = -1; k < n->sizes[L - 1]; k++) {
					Decl *p = arena_alloc(sema_arena(s), sizeof *p);
					Buf b = {0};
					w = net_weight(n, L, j, k);
					if (k < 0)
						buf_printf(&b, "%s.%d.b.%d", nd->name, L, j);
					else
						buf_printf(&b, "%s.%d.W.%d.%d", nd->name, L, j, k);
					p->kind = D_PARAM;
					p->nkind = K_PARAM;
					p->loc = nd->loc;
					p->src = nd->src;
					p->name = arena_strdup(sema_arena(s), b.s);
					p->name_loc = at;
					p->num = v[w];
					p->value = ast_num(sema_arena(s), v[w], at);
					p->lo_num = -1e3;
					p->hi_num = 1e3;
					p->lo = ast_num(sema_arena(s), -1e3, at);
					p->hi = ast_num(sema_arena(s), 1e3, at);
					m->params[n->first + w] = p;
					buf_free(&b);
				}
		*np += n->nweights;
		mem_free(v);
	}
}
