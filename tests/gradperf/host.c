/* host.c — the gradient's threads and memory, seen from inside: the
 * model's C is included whole (-DMODEL=NAME -DMODEL_C='"m.c"'), so the
 * plan in its struct can be read.
 *
 *   host bits SECS MEM REPS [THREADS]   REPS gradients of L = sum y^2 / 2
 *     + r y (r fixed, random) over SECS, on the threads the machine gives
 *     (P_set_threads THREADS, 0 by default) and on one (P_set_threads 1), with P_set_memory(MEM MB) (0: the
 *     default): the bits of one thread and the default budget every
 *     time.  Prints "bits SOLO TWO ONE BLOCKS": how many backwards were
 *     held up (and finished on one thread), how many forwards planned for
 *     two threads and for one, and of the two-thread plans how many had
 *     blocks.
 *   host mem SECS HOG MB      after taking and touching HOG MB (what a
 *     JIT or a caller holds), a forward of SECS with the default budget
 *     (or --memory MB when MB > 0): prints "mem PEAK_MB CK_MB", the
 *     process's peak resident size and what the checkpoints took. */
#include MODEL_C   /* first: its feature macros (sched_getaffinity) */

#include <sys/resource.h>

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)

static double
peak_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

static F(model) *
make(void)
{
	char err[256];
	F(model) *m = F(create)(NULL, 44100, NULL, err, sizeof err);

	if (!m) {
		printf("FAIL create: %s\n", err);
		exit(1);
	}
	return m;
}

static void
gradient(F(model) *m, long n, const double *r, double *y, double *dl, double *g)
{
	char err[256];
	long i;

	if (F(forward)(m, n, y, err, sizeof err)) {
		printf("forward: %s\n", err);
		exit(1);
	}
	for (i = 0; i < n * F(noutputs)(); i++)
		dl[i] = y[i] + r[i];
	if (F(backward)(m, dl, g, err, sizeof err)) {
		printf("backward: %s\n", err);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	long n, i;
	int k, rep, reps, solo = 0, plans[2] = {0, 0}, blocks = 0, np = F(nparams)();
	double *y, *dl, *r, g0[64], g[64];
	F(model) *m[2];
	unsigned long long s = 88172645463325252ULL;

	if (argc < 5)
		return 2;
	n = (long)(atof(argv[2]) * 44100);
	if (!strcmp(argv[1], "mem")) {
		double hog = atof(argv[3]) * 1e6, mb = atof(argv[4]), ck;
		char *h = malloc((size_t)hog + 1), err[256];

		m[0] = make();
		y = malloc(sizeof *y * (size_t)n * (size_t)F(noutputs)());
		if (!h || !y)
			return 1;
		memset(h, 1, (size_t)hog + 1);
		F(set_memory)(m[0], mb * 1e6);
		if (F(forward)(m[0], n, y, err, sizeof err)) {
			printf("forward: %s\n", err);
			return 1;
		}
		ck = ((double)m[0]->ck_cap + (double)m[0]->seg_cap) * sizeof(double) / 1e6;
		printf("mem %.1f %.1f\n", peak_mb(), ck);
		k = h[0] != 1;
		F(destroy)(m[0]);
		free(h);
		free(y);
		return k;
	}
	reps = atoi(argv[4]);
	y = malloc(sizeof *y * (size_t)n * (size_t)F(noutputs)());
	dl = malloc(sizeof *dl * (size_t)n * (size_t)F(noutputs)());
	r = malloc(sizeof *r * (size_t)n * (size_t)F(noutputs)());
	if (!y || !dl || !r || np > 64)
		return 1;
	for (i = 0; i < n * F(noutputs)(); i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		r[i] = 1e-3 * ((double)(s >> 11) / 9007199254740992.0 - 0.5);
	}
	for (k = 0; k < 2; k++) {
		m[k] = make();
		F(set_memory)(m[k], atof(argv[3]) * 1e6);
	}
	F(set_threads)(m[0], argc > 5 ? atoi(argv[5]) : 0);
	F(set_threads)(m[1], 1);
	{
		/* the reference: one thread, the default budget */
		F(model) *ref = make();

		F(set_threads)(ref, 1);
		gradient(ref, n, r, y, dl, g0);
		F(destroy)(ref);
	}
	for (rep = 0; rep < reps; rep++)
		for (k = 0; k < 2; k++) {
			int pre = m[k]->ck_skip;

			gradient(m[k], n, r, y, dl, g);
			if (memcmp(g, g0, sizeof(double) * (size_t)np)) {
				printf("FAIL: gradient %d on %s has other bits (d/d%s: %.17g vs %.17g)\n",
				       rep, k ? "one thread" : "two threads", F(param_name)(0), g[0], g0[0]);
				return 1;
			}
			if (!k) {
				plans[m[k]->ck_two]++;
				blocks += m[k]->ck_two && m[k]->ck_b > 1;
				solo += !pre && m[k]->ck_two && m[k]->ck_skip > 0;
			}
		}
	printf("bits %d %d %d %d\n", solo, plans[1], plans[0], blocks);
	for (k = 0; k < 2; k++)
		F(destroy)(m[k]);
	free(y);
	free(dl);
	free(r);
	return 0;
}
