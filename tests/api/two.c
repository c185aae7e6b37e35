/* two.c — two models' shared objects in one process, both in the global
 * scope (RTLD_GLOBAL, as a plugin host or Python's ctypes may load them):
 * each one's dpm_* must call its own, not the first loaded's.
 *   two A.so B.so      for each: its name, then the sum of squares of
 *                      2000 frames of dpm_render, in the order loaded */
#include <dlfcn.h>
#include <stdio.h>

typedef struct dpm_model dpm_model;

int
main(int argc, char **argv)
{
	int i;
	void *h[2];

	if (argc != 3)
		return 2;
	for (i = 0; i < 2; i++)
		if (!(h[i] = dlopen(argv[1 + i], RTLD_NOW | RTLD_GLOBAL))) {
			fprintf(stderr, "two: %s\n", dlerror());
			return 1;
		}
	for (i = 0; i < 2; i++) {
		dpm_model *(*mk)(double);
		const char *(*name)(const dpm_model *);
		long (*render)(dpm_model *, float *, long);
		int (*nout)(const dpm_model *);
		void (*del)(dpm_model *);
		static float y[2000 * 8];
		dpm_model *m;
		double s = 0;
		long k;

		*(void **)&mk = dlsym(h[i], "dpm_new");
		*(void **)&name = dlsym(h[i], "dpm_name");
		*(void **)&render = dlsym(h[i], "dpm_render");
		*(void **)&nout = dlsym(h[i], "dpm_noutputs");
		*(void **)&del = dlsym(h[i], "dpm_free");
		if (!mk || !name || !render || !nout || !del || !(m = mk(0)) || nout(m) > 8) {
			fprintf(stderr, "two: %s: no model\n", argv[1 + i]);
			return 1;
		}
		if (render(m, y, 2000) != 2000) {
			fprintf(stderr, "two: %s: dpm_render failed\n", argv[1 + i]);
			return 1;
		}
		for (k = 0; k < 2000L * nout(m); k++)
			s += (double)y[k] * y[k];
		printf("%s %.17g\n", name(m), s);
		del(m);
	}
	return 0;
}
