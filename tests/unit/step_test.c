/* step_test.c — unit tests of the step program (compiler/middle/step.c): the
 * program built for a stub of Loops (one field, sources and outputs) has
 * the ops in the order step.h promises, its adjoint is their transpose
 * in reverse, and step_check refuses each kind of broken program. */
#include <stdio.h>
#include <string.h>

#include "step.h"

static int nfail;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); nfail++; } } while (0)

static Step *
built(Arena *a, Loops *l, Scheme *s, int nsrc, int nout)
{
	static Output out[4];

	memset(s, 0, sizeof *s);
	memset(l, 0, sizeof *l);
	s->nsrc = nsrc;
	s->nout = nout;
	s->out = out;
	s->nparams = 3;
	l->s = s;
	l->force_coef = -1;
	l->nreg = 3;
	l->nadj = 7;
	return step_build(a, l);
}

/* a copy of st's ops to break */
static Step
copy(const Step *st, Op *f, Op *ad)
{
	Step c = *st;

	memcpy(f, st->fwd, (size_t)st->nfwd * sizeof *f);
	memcpy(ad, st->adj, (size_t)st->nadj * sizeof *ad);
	c.fwd = f;
	c.adj = ad;
	return c;
}

static int
refused(const Step *st)
{
	char err[200];

	return step_check(st, err, sizeof err) < 0 && err[0];
}

int
main(void)
{
	static const OpKind fwd[] = {OP_TIME, OP_SWEEP, OP_SCATTER, OP_GATHER, OP_ROTATE};
	static const OpKind adj[] = {OP_ADJ_SWEEP, OP_ADJ_GATHER, OP_ADJ_SUMS, OP_ADJ_TIME, OP_ROTATE};
	Arena *a = arena_new();
	Scheme s;
	Loops l;
	Step *st = built(a, &l, &s, 2, 1), c;
	Op f[16], ad[16], t;
	char err[200];
	int i;

	CHECK(step_check(st, err, sizeof err) == 0);
	CHECK(st->nfwd == 5 && st->nadj == 5);
	for (i = 0; i < 5 && i < st->nfwd; i++)
		CHECK(st->fwd[i].kind == fwd[i]);
	for (i = 0; i < 5 && i < st->nadj; i++)
		CHECK(st->adj[i].kind == adj[i]);
	/* each adjoint op names the forward op it transposes, with its lag */
	CHECK(st->adj[0].of == 1 && st->adj[0].lag == 1);
	CHECK(st->adj[1].of == 3 && st->adj[1].lag == 0);
	CHECK(st->adj[2].of == 2 && st->adj[3].of == 0 && st->adj[3].lag == 2);
	CHECK(st->fwd[2].count == 2 && st->fwd[3].count == 1);

	/* without sources the sweep's params part is the sums' */
	st = built(a, &l, &s, 0, 2);
	CHECK(st->nfwd == 4 && st->nadj == 5);
	CHECK(st->adj[2].kind == OP_ADJ_SUMS && st->adj[2].of == 1);

	st = built(a, &l, &s, 2, 1);
	/* broken programs: each must be refused with a message */
	c = copy(st, f, ad);
	c.nfwd--;                                  /* no rotation */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	t = f[1]; f[1] = f[2]; f[2] = t;           /* scatter before the sweep */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	f[1].dst = f[1].src[0];                    /* the sweep writes u[n] */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	f[4].dst = f[4].src[1];                    /* rotates what it did not write */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	f[0] = f[1]; f[1].kind = OP_TIME;          /* time after the sweep */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	f[3].src[0] = f[3].src[1];                 /* outputs read u[n] */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	f[2].count = 3;                            /* more sources than points */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	c.nadj--;
	ad[3] = ad[4];                             /* a forward op not transposed */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	t = ad[0]; ad[0] = ad[1]; ad[1] = t;       /* adjoint sweep not first */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	ad[1].of = 2;                              /* scatter transposed twice */
	CHECK(refused(&c));
	c = copy(st, f, ad);
	f[2].kind = OP_ADJ_TIME;                   /* an adjoint op forward */
	CHECK(refused(&c));

	arena_free(a);
	printf("%s step_program\n", nfail ? "FAIL" : "PASS");
	return nfail != 0;
}
