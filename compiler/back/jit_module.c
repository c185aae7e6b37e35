/* jit_module.c — the LLVM backend's loader: dpmc-llvm.so (jit_llvm.c and
 * jit_llvm_adj.c, linked with libLLVM) dlopen'd on the first use of
 * --backend llvm.  dpmc itself is not linked with libLLVM, which with the
 * z3 and ICU it pulls in mapped ~150 MB at every start: under `ulimit -v
 * 170000` every command failed in the loader.
 * requires: dpmc-llvm.so beside the executable (the build tree), in
 *           ../lib/dpm from it (an install), or in DPM_LIBDIR.
 * leaves:   the module loaded until exit (LLVM is never unloaded), and
 *           jit_load_llvm's Kernel made by it. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dpm.h"
#include "ir.h"
#include "jit.h"

#ifndef DPM_LIBDIR
#define DPM_LIBDIR "/usr/local/lib/dpm"
#endif

#define MODULE "dpmc-llvm.so"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const JitModule *mod;

/* The first of the places that has the module, in where[result]; else -1
 * with them all named in err. */
static int
find(char where[3][4200], char *err, int errsz)
{
	char exe[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	int i, k = 0;

	if (n > 0) {
		exe[n] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		snprintf(where[k++], sizeof where[0], "%s/" MODULE, exe);
		snprintf(where[k++], sizeof where[0], "%s/../lib/dpm/" MODULE, exe);
	}
	snprintf(where[k++], sizeof where[0], "%s/" MODULE, DPM_LIBDIR);
	for (i = 0; i < k; i++)
		if (access(where[i], F_OK) == 0)
			return i;
	n = snprintf(err, (size_t)errsz, "the llvm backend needs %s, which is not in", MODULE);
	for (i = 0; i < k && n >= 0 && n < errsz; i++)
		n += snprintf(err + n, (size_t)(errsz - n), "%s '%.*s'", i ? (i == k - 1 ? " nor" : ",") : "",
		              (int)strlen(where[i]) - (int)strlen("/" MODULE), where[i]);
	if (n >= 0 && n < errsz)
		snprintf(err + n, (size_t)(errsz - n), "; build it (make) or install it "
		         "(make install), or use --backend tcc or cc");
	return -1;
}

static const JitModule *
load_module(char *err, int errsz)
{
	const JitModule *m;
	char where[3][4200], *path;
	void *dl;
	int i;

	if (mod)
		return mod;
	if ((i = find(where, err, errsz)) < 0)
		return NULL;
	path = where[i];
	if (!(dl = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, (size_t)errsz, "cannot load the llvm backend '%s': %s", path, dlerror());
		return NULL;
	}
	m = dlsym(dl, "jit_llvm_module");
	if (!m) {
		snprintf(err, (size_t)errsz, "'%s' is not dpmc's llvm backend (it has no "
		         "jit_llvm_module)", path);
		dlclose(dl);
		return NULL;
	}
	/* structs laid out by another build would be read wrong */
	if (strcmp(m->version, DPM_VERSION) || m->kernel_size != sizeof(Kernel)
	    || m->loops_size != sizeof(Loops)) {
		snprintf(err, (size_t)errsz, "'%s' is the llvm backend of another build of dpmc "
		         "(version %.20s, this is %s); rebuild (make) or reinstall (make install) "
		         "both", path, m->version, DPM_VERSION);
		dlclose(dl);
		return NULL;
	}
	return mod = m;
}

int
jit_load_llvm(Kernel *k, const Loops *l, const char *ctext, const char *prefix, char *err,
              int errsz)
{
	const JitModule *m;

	memset(k, 0, sizeof *k);
	pthread_mutex_lock(&lock);
	m = load_module(err, errsz);
	pthread_mutex_unlock(&lock);
	return m ? m->load(k, l, ctext, prefix, err, errsz) : -1;
}

int
jit_llvm_ready(char *err, int errsz)
{
	char where[3][4200];
	const JitModule *m;

	pthread_mutex_lock(&lock);
	if (!mod && find(where, err, errsz) < 0) {
		pthread_mutex_unlock(&lock);
		return 1;
	}
	m = load_module(err, errsz);
	pthread_mutex_unlock(&lock);
	return m ? 0 : -1;
}
