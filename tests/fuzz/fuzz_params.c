/* fuzz_params.c — libFuzzer entry for the --params JSON reader
 * (compiler/cli/cli_params.c), against a kernel with three params.
 *
 *   make fuzz && ./tests/fuzz/fuzz_params -max_total_time=60 /tmp/dpmfz-json tests/fuzz/json
 *
 * Each input is written to a file and read as --params; diagnostics go
 * to /dev/null.  A file that is accepted must leave every value finite
 * and inside its range. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "f0", "B", "T60lo" };
static const double lo[] = { 20, 0, 0.05 }, hi[] = { 4000, 1e-3, 30 };

static int np(void) { return 3; }
static const char *pname(int i) { return names[i]; }
static double pdef(int i) { return lo[i]; }
static double pmin(int i) { return lo[i]; }
static double pmax(int i) { return hi[i]; }

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static FILE *null;
	static Opts o;
	Kernel k;
	Arena *a;
	Diag d;
	double v[3];
	int i;
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/dpmfz-json.%ld.json", (long)getpid());
		null = fopen("/dev/null", "w");
	}
	if (!(f = fopen(path, "wb")))
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	memset(&k, 0, sizeof k);
	k.nparams = np;
	k.param_name = pname;
	k.param_default = pdef;
	k.param_min = pmin;
	k.param_max = pmax;
	o.params_file = path;
	a = arena_new();
	d.nerr = 0;
	d.out = null;
	if (cli_params(&k, &o, a, &d, v) == 0)
		for (i = 0; i < 3; i++)
			if (!(v[i] >= lo[i] && v[i] <= hi[i]))
				abort();
	arena_free(a);
	unlink(path);
	return 0;
}
