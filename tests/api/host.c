/* host.c — a host of the dpm_* interface (../shared/spec/api.md), linked
 * with a model's .c or .so: whatever the model, the same calls.
 *   host info
 *   host render SECONDS OUT.f32 [NAME=VALUE...]   dpm_set each, dpm_render
 *   host process SECONDS OUT.f32 [NAME=VALUE...]  dpm_new's state, dpm_process in blocks of 64
 *   host grad TARGET.f32 LOSS [NAME=VALUE...]     dpm_grad: JSON on stdout
 *   host vjp TARGET.f32 [NAME=VALUE...]           dpm_forward + dpm_backward of mse: JSON
 *   host set NAME=VALUE...                        each dpm_set's status, dpm_get, dpm_error
 *   host wav IN.wav OUT.f32                       the samples of a 32-bit float WAV (dpmc render --raw)
 * .f32 files: raw 32-bit floats, frames interleaved by output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static int
die(dpm_model *m, const char *what)
{
	fprintf(stderr, "host: %s: %s\n", what, dpm_error(m));
	return 1;
}

/* NAME=VALUE arguments through dpm_set: the status of each on stdout
 * when verbose, else a failure that is not "another grid" stops */
static int
sets(dpm_model *m, int argc, char **argv, int verbose)
{
	int i, p, st;
	char name[256], *eq;

	for (i = 0; i < argc; i++) {
		if (!(eq = strchr(argv[i], '=')) || eq - argv[i] >= (int)sizeof name)
			return fprintf(stderr, "host: expected NAME=VALUE: %s\n", argv[i]), -1;
		memcpy(name, argv[i], (size_t)(eq - argv[i]));
		name[eq - argv[i]] = 0;
		p = dpm_param_index(m, name);
		st = dpm_set(m, p, strtod(eq + 1, NULL));
		if (verbose)
			printf("set %s %d %.17g [%s]\n", argv[i], st, p >= 0 ? dpm_get(m, p) : NAN, dpm_error(m));
		else if (st != 0 && !strstr(dpm_error(m), "next dpm_reset"))
			return die(m, argv[i]), -1;
	}
	return 0;
}

static float *
readf32(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	float *b = NULL;
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)
	    || !(b = malloc((size_t)len + 4)) || fread(b, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "host: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*n = len / (long)sizeof(float);
	return b;
}

static void
print_grad(dpm_model *m, double loss, const double *g)
{
	int i;

	printf("{\"loss\": %.17g, \"grad\": {", loss);
	for (i = 0; i < dpm_nparams(m); i++)
		printf("%s\"%s\": %.17g", i ? ", " : "", dpm_param_name(m, i), g[i]);
	printf("}}\n");
}

/* the data chunk of a RIFF WAV, as it is */
static int
wav_data(const char *in, const char *out)
{
	FILE *f = fopen(in, "rb"), *o;
	unsigned char h[12], c[8];
	unsigned long len;
	char *b;

	if (!f || fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		return fprintf(stderr, "host: %s: not a WAV\n", in), 1;
	while (fread(c, 1, 8, f) == 8) {
		len = c[4] | c[5] << 8 | (unsigned long)c[6] << 16 | (unsigned long)c[7] << 24;
		if (memcmp(c, "data", 4)) {
			fseek(f, (long)(len + (len & 1)), SEEK_CUR);
			continue;
		}
		if (!(b = malloc(len + 1)) || fread(b, 1, len, f) != len || !(o = fopen(out, "wb"))
		    || fwrite(b, 1, len, o) != len || fclose(o))
			return fprintf(stderr, "host: %s: cannot copy the data\n", in), 1;
		free(b);
		fclose(f);
		return 0;
	}
	return fprintf(stderr, "host: %s: no data chunk\n", in), 1;
}

int
main(int argc, char **argv)
{
	dpm_model *m;
	int nout, np, i;
	long n, got, k;
	float *y, *t;
	double *g, *yd, *dl, loss;
	FILE *f;

	if (argc == 4 && !strcmp(argv[1], "wav"))
		return wav_data(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "new")) {    /* new RATE: dpm_error(NULL) after dpm_new */
		m = dpm_new(atof(argv[2]));
		printf("%s [%s]\n", m ? "model" : "null", dpm_error(NULL));
		dpm_free(m);
		return 0;
	}
	if (!(m = dpm_new(0)))
		return die(m, "dpm_new");
	nout = dpm_noutputs(m);
	np = dpm_nparams(m);
	if (argc < 2)
		return fprintf(stderr, "usage: host info|render|process|grad|vjp|set|span|badgrid|keepwhy|stale|"
		               "silent|halfgrid ...\n"), 2;
	if (!strcmp(argv[1], "info")) {
		printf("name %s rate %g outputs %d params %d ndim %d\n", dpm_name(m), dpm_rate(m), nout, np,
		       dpm_ndim(m));
		for (i = 0; i < np; i++)
			printf("param %d %s %.17g [%.17g, %.17g] log %d index %d\n", i, dpm_param_name(m, i),
			       dpm_get(m, i), dpm_param_min(m, i), dpm_param_max(m, i), dpm_param_log(m, i),
			       dpm_param_index(m, dpm_param_name(m, i)));
		for (i = 0; i < nout; i++)
			printf("output %d %s\n", i, dpm_output_name(m, i));
		printf("bad %d %d %s %s %d\n", dpm_param_index(m, "no such"), dpm_param_index(m, NULL),
		       dpm_param_name(m, np) ? "name" : "null", dpm_output_name(m, -1) ? "name" : "null",
		       isnan(dpm_param_min(m, -1)));
	} else if (!strcmp(argv[1], "render") || !strcmp(argv[1], "process")) {
		if (argc < 4)
			return 2;
		n = (long)floor(atof(argv[2]) * dpm_rate(m) + 0.5);
		if (!(y = malloc(sizeof(float) * (size_t)(n * nout + 1))))
			return 1;
		if (sets(m, argc - 4, argv + 4, 0))
			return 1;
		if (!strcmp(argv[1], "render")) {
			if (dpm_render(m, y, n) != n)
				return die(m, "dpm_render");
		} else {
			for (k = 0; k < n; k += got)
				if ((got = dpm_process(m, y + k * nout, n - k < 64 ? n - k : 64)) < 1)
					return die(m, "dpm_process");
		}
		if (!(f = fopen(argv[3], "wb")) || fwrite(y, sizeof(float), (size_t)(n * nout), f) != (size_t)(n * nout)
		    || fclose(f))
			return fprintf(stderr, "host: cannot write %s\n", argv[3]), 1;
		free(y);
	} else if (!strcmp(argv[1], "grad") || !strcmp(argv[1], "vjp")) {
		int vjp = !strcmp(argv[1], "vjp");
		if (argc < 3 + !vjp)
			return 2;
		t = readf32(argv[2], &n);
		n /= nout;
		if (sets(m, argc - 3 - !vjp, argv + 3 + !vjp, 0))
			return 1;
		g = calloc((size_t)np + 1, sizeof(double));
		if (!vjp) {
			if (dpm_grad(m, t, n, argv[3], &loss, g) != 0)
				return die(m, "dpm_grad");
		} else {
			yd = malloc(sizeof(double) * (size_t)(n * nout));
			dl = malloc(sizeof(double) * (size_t)(n * nout));
			if (dpm_forward(m, yd, n) != n)
				return die(m, "dpm_forward");
			for (loss = 0, k = 0; k < n * nout; k++) {
				double e = yd[k] - t[k];
				loss += e * e;
				dl[k] = 2 * e / (double)(n * nout);
			}
			loss /= (double)(n * nout);
			if (dpm_backward(m, dl, g) != 0)
				return die(m, "dpm_backward");
			free(yd);
			free(dl);
		}
		print_grad(m, loss, g);
		free(g);
		free(t);
	} else if (!strcmp(argv[1], "badgrid")) {
		/* a grid too fine to be stable: the reset fails, and
		 * dpm_process refuses the old instance until one succeeds */
		int fine[2] = {100000, 100000}, none[2] = {0, 0};
		float b[64];
		long p1;
		if (dpm_set_grid(m, fine) != 0)
			return die(m, "dpm_set_grid");
		i = dpm_reset(m);
		p1 = dpm_process(m, b, 64 / nout);
		printf("reset %d process %ld [%s]\n", i, p1, dpm_error(m));
		if (dpm_set_grid(m, none) != 0)
			return die(m, "dpm_set_grid");
		i = dpm_reset(m);
		printf("reset %d process %ld\n", i, dpm_process(m, b, 64 / nout));
	} else if (!strcmp(argv[1], "keepwhy")) {
		/* after a failed reset, a dpm_set that works keeps the
		 * message dpm_process refuses with (it was emptied) */
		int fine[2] = {100000, 100000};
		float b[64];
		long p1;
		if (dpm_set_grid(m, fine) != 0)
			return die(m, "dpm_set_grid");
		i = dpm_reset(m);
		printf("reset %d set %d", i, dpm_set(m, 0, dpm_get(m, 0)));
		p1 = dpm_process(m, b, 64 / nout);
		printf(" process %ld [%s]\n", p1, dpm_error(m));
	} else if (!strcmp(argv[1], "stale")) {
		/* a call that fails, then one that works: dpm_error is "" */
		float b[64];
		long p0 = dpm_process(m, NULL, 5), p1;
		printf("process %ld [%s]", p0, dpm_error(m));
		p1 = dpm_process(m, b, 64 / nout);
		printf(" process %ld [%s]\n", p1, dpm_error(m));
	} else if (!strcmp(argv[1], "silent") && argc >= 3) {
		/* silent LOSS [FRAMES]: dpm_grad against a target of zeros */
		long nz = argc > 3 ? atol(argv[3]) : 1024;
		float *z = calloc((size_t)(nz * nout), sizeof(float));
		g = calloc((size_t)np + 1, sizeof(double));
		i = dpm_grad(m, z, nz, argv[2], &loss, g);
		printf("grad %d [%s]\n", i, dpm_error(m));
		free(z);
		free(g);
	} else if (!strcmp(argv[1], "halfgrid")) {
		/* a fixed grid with an axis left 0: refused by dpm_set_grid */
		int half[2] = {100, 0};
		i = dpm_set_grid(m, half);
		printf("set_grid %d [%s]", i, dpm_error(m));
		printf(" reset %d\n", dpm_reset(m));
	} else if (!strcmp(argv[1], "span") && argc >= 3) {
		/* span SECONDS NAME=V...: the span asked for, a reset, sets */
		i = dpm_set_span(m, atof(argv[2]));
		printf("span %d reset %d [%s]\n", i, dpm_reset(m), dpm_error(m));
		if (sets(m, argc - 3, argv + 3, 1))
			return 1;
	} else if (!strcmp(argv[1], "set")) {
		if (sets(m, argc - 2, argv + 2, 1))
			return 1;
		printf("reset %d [%s]\n", dpm_reset(m), dpm_error(m));
		for (i = 0; i < np; i++)
			printf("get %s %.17g\n", dpm_param_name(m, i), dpm_get(m, i));
	}
	dpm_free(m);
	return 0;
}
