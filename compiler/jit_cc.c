/* jit_cc.c — the system C compiler backend: the model's C text built into
 * a shared object, cached by content, and dlopen'd.  Slower to start than
 * TinyCC on a miss, but the code is what `cc -O3 -march=native` makes of it.
 * requires: C text defining the API of scheme.h under `prefix`.
 * leaves: a Kernel whose pointers call into the dlopen'd object; the
 * object stays in the cache ($XDG_CACHE_HOME/dpm, else ~/.cache/dpm). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dpm.h"
#include "jit.h"

extern char **environ;

/* -ffp-contract=off: no fused multiply-adds, so the numbers match the
 * TinyCC backend's (and the built executables') bit for bit. */
static const char *const cc_flags[] = {
	"-O3", "-march=native", "-ffp-contract=off", "-fPIC", "-shared", NULL
};

static uint64_t
fnv1a(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static const char *
cc_name(void)
{
	const char *cc = getenv("CC");
	return cc && *cc ? cc : "cc";
}

int
jit_cc_run(const char *const *args, char *err, int errsz)
{
	char *words, *w, *argv[256], logname[] = "/tmp/dpmc-cc-XXXXXX";
	posix_spawn_file_actions_t fa;
	int n = 0, i, fd, status, r = -1;
	pid_t pid;
	ssize_t got;

	words = mem_strdup(cc_name());
	for (w = strtok(words, " \t"); w && n < 200; w = strtok(NULL, " \t"))
		argv[n++] = w;
	for (i = 0; args[i] && n < 255; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	if ((fd = mkstemp(logname)) < 0) {
		snprintf(err, (size_t)errsz, "cannot create a temporary file: %s", strerror(errno));
		mem_free(words);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	if ((errno = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) != 0) {
		snprintf(err, (size_t)errsz, "cannot run the C compiler '%s': %s; set CC",
		         argv[0], strerror(errno));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, (size_t)errsz, "waiting for '%s': %s", argv[0], strerror(errno));
			goto out;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = 0;
		goto out;
	}
	n = snprintf(err, (size_t)errsz, "the C compiler '%s' failed:\n", argv[0]);
	if (n >= 0 && n < errsz - 1) {
		lseek(fd, 0, SEEK_SET);
		got = read(fd, err + n, (size_t)(errsz - 1 - n));
		err[n + (got > 0 ? got : 0)] = 0;
	}
out:
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	unlink(logname);
	mem_free(words);
	return r;
}

/* mkdir -p */
static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int
write_all(const char *path, const char *s, char *err, int errsz)
{
	FILE *f = fopen(path, "wb");
	size_t n = strlen(s);

	if (!f || fwrite(s, 1, n, f) != n || fclose(f) != 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", path, strerror(errno));
		if (f)
			fclose(f);
		unlink(path);
		return -1;
	}
	return 0;
}

static void *
cc_look(void *impl, const char *sym)
{
	return dlsym(impl, sym);
}

int
jit_cc_load(Kernel *k, const char *ctext, const char *prefix, char *err, int errsz)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	uint64_t h = 14695981039346656037ULL;
	char dir[4096], so[4200], tmpc[4300], tmpso[4300];
	const char *args[16];
	int i, n;
	void *dl;

	h = fnv1a(h, ctext, strlen(ctext) + 1);
	h = fnv1a(h, cc_name(), strlen(cc_name()) + 1);
	for (i = 0; cc_flags[i]; i++)
		h = fnv1a(h, cc_flags[i], strlen(cc_flags[i]) + 1);

	if (xdg && *xdg == '/')
		snprintf(dir, sizeof dir, "%s/dpm", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.cache/dpm", home);
	else
		snprintf(dir, sizeof dir, "/tmp/dpm-cache-%ld", (long)getuid());
	if (mkdirs(dir) != 0) {
		snprintf(err, (size_t)errsz, "cannot create the cache folder '%s': %s", dir, strerror(errno));
		return -1;
	}
	/* the hash covers the whole name (it is in the text); the file name
	 * keeps 64 characters of it, under NAME_MAX with the suffixes */
	snprintf(so, sizeof so, "%s/%.64s-%016llx.so", dir, prefix, (unsigned long long)h);

	/* A hit: someone (maybe another dpmc) built this exact text already. */
	if (access(so, R_OK) == 0 && (dl = dlopen(so, RTLD_NOW | RTLD_LOCAL)))
		goto bind;

	/* A miss: build under names no other process uses, then rename, so a
	 * concurrent reader never sees half an object. */
	snprintf(tmpc, sizeof tmpc, "%s.%ld.c", so, (long)getpid());
	snprintf(tmpso, sizeof tmpso, "%s.%ld.tmp", so, (long)getpid());
	if (write_all(tmpc, ctext, err, errsz) != 0)
		return -1;
	n = 0;
	for (i = 0; cc_flags[i]; i++)
		args[n++] = cc_flags[i];
	args[n++] = "-o";
	args[n++] = tmpso;
	args[n++] = tmpc;
	args[n++] = "-lm";
	args[n] = NULL;
	if (jit_cc_run(args, err, errsz) != 0) {
		unlink(tmpc);
		unlink(tmpso);
		return -1;
	}
	unlink(tmpc);
	if (rename(tmpso, so) != 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", so, strerror(errno));
		unlink(tmpso);
		return -1;
	}
	if (!(dl = dlopen(so, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, (size_t)errsz, "cannot load '%s': %s", so, dlerror());
		return -1;
	}
bind:
	k->impl = dl;
	if (jit_bind(k, cc_look, prefix, err, errsz) != 0) {
		dlclose(dl);
		k->impl = NULL;
		return -1;
	}
	return 0;
}

void
jit_cc_unload(Kernel *k)
{
	dlclose(k->impl);
	k->impl = NULL;
}
