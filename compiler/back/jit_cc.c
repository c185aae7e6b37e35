/* jit_cc.c — the system C compiler backend: the model's C text built into
 * a shared object, cached by content and CPU, and dlopen'd.  Slower to
 * start than TinyCC on a miss, but the code is what `cc -O3 -march=native`
 * makes of it.
 * requires: C text defining the API of scheme.h under `prefix`.
 * leaves: a Kernel whose pointers call into the dlopen'd object; the
 * object stays in the cache ($XDG_CACHE_HOME/dpm, else ~/.cache/dpm,
 * else /tmp/dpm-cache-UID).
 * An object in the cache runs inside dpmc, so the cache must be the
 * user's alone (cache_dir) and what is loaded is exactly the file checked
 * (load_checked); a folder that fails the checks is not used: the object
 * is built in a private temporary folder, loaded and removed, with a
 * warning that says how to fix the folder. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE            /* mkstemps */
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dpm.h"
#include "jit.h"
#include "../runtime/rt.h"

extern char **environ;

/* -ffp-contract=off: no fused multiply-adds, so the numbers match the
 * TinyCC backend's (and the built executables') bit for bit. */
static const char *const cc_flags[] = {
	"-O3", "-march=native", "-ffp-contract=off", "-fno-tree-slp-vectorize", "-fPIC", "-shared", "-pthread", NULL
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
	return jit_run(NULL, args, err, errsz);
}

int
jit_run(const char *prog, const char *const *args, char *err, int errsz)
{
	char *words, *w, *argv[256], logname[] = "/tmp/dpmc-cc-XXXXXX", scratch[4096], *tmpdir;
	char **envp;
	const char *t = getenv("TMPDIR");
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int n = 0, i, fd, status, r = -1, slot, sslot = -1;
	pid_t pid;
	ssize_t got;

	words = mem_strdup(prog ? prog : cc_name());
	for (w = strtok(words, " \t"); w && n < 200; w = strtok(NULL, " \t"))
		argv[n++] = w;
	for (i = 0; args[i] && n < 255; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;

	/* cc's own temporary files go to a folder of ours (its TMPDIR), so
	 * a signal that stops cc halfway can clear what it left */
	snprintf(scratch, sizeof scratch, "%s/dpmc-cc-XXXXXX", t && *t == '/' ? t : "/tmp");
	if ((fd = rt_tmp_make(logname, &slot)) < 0 || !rt_tmp_make_dir(scratch, &sslot)) {
		snprintf(err, (size_t)errsz, "cannot create a temporary file: %s", strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(logname);
			rt_tmp_del(slot);
		}
		mem_free(words);
		return -1;
	}
	rt_tmp_del(sslot);
	sslot = rt_tmp_add_scratch(scratch);
	for (i = 0; environ[i]; i++)
		;
	envp = mem_alloc(sizeof *envp * (size_t)(i + 2));
	for (n = 0, i = 0; environ[i]; i++)
		if (strncmp(environ[i], "TMPDIR=", 7))
			envp[n++] = environ[i];
	tmpdir = mem_alloc(strlen(scratch) + 8);
	sprintf(tmpdir, "TMPDIR=%s", scratch);
	envp[n++] = tmpdir;
	envp[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	/* a group of its own: a signal to dpmc reaches cc and whatever cc
	 * runs (rt_tmp_die), so they stop before our files are cleared */
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	if ((errno = posix_spawnp(&pid, argv[0], &fa, &at, argv, envp)) != 0) {
		snprintf(err, (size_t)errsz, "cannot run the C compiler '%s': %s%s",
		         argv[0], strerror(errno), prog ? "" : "; set CC");
		goto out;
	}
	rt_tmp_child(pid);    /* a signal stops cc before it clears our files */
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
		/* it said nothing (CC=false): how it ended, and the fix */
		if (got <= 0)
			snprintf(err + n - 1, (size_t)(errsz - n + 1), " %s %d, and said nothing; check it "
			         "compiles C (set CC to one that does, such as cc)",
			         WIFSIGNALED(status) ? "killed by signal" : "exit status",
			         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
out:
	rt_tmp_child(0);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	unlink(logname);
	rt_tmp_del(slot);
	rt_tmp_clear_scratch(scratch);
	rt_tmp_del(sslot);
	mem_free(envp);
	mem_free(tmpdir);
	mem_free(words);
	return r;
}

/* mkdir -p, each folder it makes the user's alone */
static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Why st, a folder's or a file's, must not be trusted with code: not the
 * user's, or others may write it; "" when it may be. */
static const char *
untrusted(const struct stat *st, char *why, int whysz)
{
	why[0] = 0;
	if (st->st_uid != geteuid())
		snprintf(why, (size_t)whysz, "it belongs to uid %ld, not to you (uid %ld)",
		         (long)st->st_uid, (long)geteuid());
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, (size_t)whysz, "the group or others can write it (mode %04o)",
		         (unsigned)(st->st_mode & 07777));
	return why;
}

/* The cache folder in dir, made if missing; 0 if it can hold code, else
 * -1 with the reason and the fix in why.  A symbolic link (a user's
 * ~/.cache on another disk) is followed only if it is the user's own:
 * /tmp/dpm-cache-UID, made by someone else, must not point anywhere. */
static int
cache_dir(char *dir, int dirsz, char *why, int whysz)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char r[256];
	struct stat st;

	if (xdg && *xdg == '/')
		snprintf(dir, (size_t)dirsz, "%s/dpm", xdg);
	else if (home && *home)
		snprintf(dir, (size_t)dirsz, "%s/.cache/dpm", home);
	else
		snprintf(dir, (size_t)dirsz, "/tmp/dpm-cache-%ld", (long)getuid());
	if (mkdirs(dir) != 0 || lstat(dir, &st) != 0) {
		snprintf(why, (size_t)whysz, "cannot create it: %s", strerror(errno));
		return -1;
	}
	/* (a link's own mode is always 0777: only its owner counts) */
	if (S_ISLNK(st.st_mode) && st.st_uid != geteuid()) {
		snprintf(why, (size_t)whysz, "it is a symbolic link of uid %ld, not yours (uid %ld); "
		         "remove it", (long)st.st_uid, (long)geteuid());
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, (size_t)whysz, "it is not a folder; remove it");
		return -1;
	}
	if (*untrusted(&st, r, sizeof r)) {
		if (st.st_uid == geteuid())
			snprintf(why, (size_t)whysz, "%s; run chmod go-w '%s'", r, dir);
		else
			snprintf(why, (size_t)whysz, "%s; remove it, or set XDG_CACHE_HOME to a "
			         "folder of yours", r);
		return -1;
	}
	return 0;
}

/* A loaded object: its handle, and the descriptor it was loaded through,
 * open while it is loaded.  dlopen takes a name it has loaded before for
 * that object, so a second kernel loaded through the same
 * /proc/self/fd/N as a live one would be the live one (a fit that
 * compiles its model again, main.c): while the first's descriptor is
 * open, N names it alone. */
typedef struct CcObj {
	void *dl;
	int fd;
} CcObj;

/* Is the open file a whole ELF object: its headers and every segment
 * within its size?  dlopen maps a cut one and the process dies of SIGBUS
 * where a page past its end is touched (a cache entry cut short by a
 * full disk or a copy: exit 135, no word; a probe's).  0, or 1 with the
 * reason in why. */
static int
elf_cut(int fd, off_t size, char *why, int whysz)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG)
	    || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof ph) {
		snprintf(why, (size_t)whysz, "it is not a whole 64-bit ELF object");
		return 1;
	}
	if ((off_t)eh.e_phoff + (off_t)eh.e_phnum * (off_t)sizeof ph > size
	    || (off_t)eh.e_shoff + (off_t)eh.e_shnum * (off_t)eh.e_shentsize > size) {
		snprintf(why, (size_t)whysz, "it is cut short (%lld bytes, its headers reach past them)",
		         (long long)size);
		return 1;
	}
	for (i = 0; i < eh.e_phnum; i++)
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof ph)) != (ssize_t)sizeof ph
		    || (off_t)ph.p_offset + (off_t)ph.p_filesz > size) {
			snprintf(why, (size_t)whysz, "it is cut short (%lld bytes, a segment reaches past them)",
			         (long long)size);
			return 1;
		}
	return 0;
}

/* An entry ends in a trailer of 16 bytes: SUM_MAGIC and sum_file() of
 * every byte before it.  A cut file is caught by elf_cut, but one of the
 * right size with pages lost (zeroed by a crash of the disk's cache, a
 * bad copy) was mapped and run: SIGSEGV, no word (a probe's).  The sum
 * is checked on the descriptor dlopen then maps, so what runs is what
 * was summed.  Words of 8 bytes in the host's order (the cache is the
 * CPU's own), the last padded with zeros, FNV-style, then the length. */
#define SUM_MAGIC "dpmcsum1"

static int
sum_file(int fd, off_t n, uint64_t *sum)
{
	enum { BUF = 1 << 16 };
	unsigned char *buf = mem_alloc(BUF);
	uint64_t h = 14695981039346656037ULL, w;
	off_t at = 0;
	ssize_t got;
	size_t i, m;
	int r = 0;

	while (at < n && !r) {
		m = n - at < BUF ? (size_t)(n - at) : BUF;
		if ((got = pread(fd, buf, m, at)) <= 0) {
			r = -1;
			break;
		}
		m = (size_t)got;
		for (i = m; i % 8; i++)
			buf[i] = 0;
		for (i = 0; i < m; i += 8) {
			memcpy(&w, buf + i, 8);
			h = (h ^ w) * 1099511628211ULL;
			h ^= h >> 29;
		}
		at += got;
		if (m % 8 && at < n)    /* a short read inside the file: pad only at its end */
			r = -1;
	}
	mem_free(buf);
	*sum = (h ^ (uint64_t)n) * 1099511628211ULL;
	return r;
}

/* Does the open file end in its own sum?  0, or 1 with the reason in
 * why: "" for an entry without one, an older dpmc's, built again as a
 * miss is (an upgrade warned once for every model). */
static int
sum_bad(int fd, off_t size, char *why, int whysz)
{
	char tail[16];
	uint64_t want, got;

	if (size < 16 || pread(fd, tail, 16, size - 16) != 16 || memcmp(tail, SUM_MAGIC, 8)) {
		why[0] = 0;
		return 1;
	}
	memcpy(&want, tail + 8, 8);
	if (sum_file(fd, size - 16, &got) != 0 || got != want) {
		snprintf(why, (size_t)whysz, "its checksum does not match its %lld bytes (the file was "
		         "damaged)", (long long)size);
		return 1;
	}
	return 0;
}

/* Append the trailer to a new object at path; 0, or -1 with err set. */
static int
sum_append(const char *path, char *err, int errsz)
{
	struct stat st;
	char tail[16];
	uint64_t h;
	int fd, r = -1;

	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0)
		snprintf(err, (size_t)errsz, "cannot read '%s': %s", path, strerror(errno));
	else if (sum_file(fd, st.st_size, &h) != 0)
		snprintf(err, (size_t)errsz, "cannot read '%s'", path);
	else {
		memcpy(tail, SUM_MAGIC, 8);
		memcpy(tail + 8, &h, 8);
		if (pwrite(fd, tail, 16, st.st_size) != 16)
			snprintf(err, (size_t)errsz, "cannot write '%s': %s", path,
			         strerror(errno ? errno : ENOSPC));
		else
			r = 0;
	}
	if (fd >= 0 && close(fd) != 0 && r == 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", path, strerror(errno));
		r = -1;
	}
	return r;
}

/* dlopen the object at path if it can be trusted: opened without
 * following a link, checked on the open file (a regular file, the user's,
 * that nobody else may write), and loaded through /proc/self/fd, so the
 * file loaded is the file checked.  The handle and its descriptor (-1:
 * loaded by path), or NULL with the reason in why, or with why "" when
 * there is no such file. */
static CcObj *
load_checked(const char *path, char *why, int whysz)
{
	CcObj *o;
	char fdpath[64], r[256];
	struct stat st;
	void *dl = NULL;
	int fd;

	why[0] = 0;
	/* lstat first: a FIFO or a device is not even opened */
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT)
			snprintf(why, (size_t)whysz, "%s", strerror(errno));
		return NULL;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, (size_t)whysz, "it is a symbolic link");
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, (size_t)whysz, "it is not a regular file");
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(why, (size_t)whysz, "%s", errno == ELOOP ? "it is a symbolic link"
		         : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0)
		snprintf(why, (size_t)whysz, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, (size_t)whysz, "it is not a regular file");
	else if (*untrusted(&st, r, sizeof r))
		snprintf(why, (size_t)whysz, "%s", r);
	else if (elf_cut(fd, st.st_size, why, whysz) || sum_bad(fd, st.st_size, why, whysz))
		;
	else {
		/* without /proc (not Linux) the path: the folder is checked to
		 * be the user's alone, so only the user could swap the file */
		int byfd;
		snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
		byfd = access(fdpath, F_OK) == 0;
		dl = dlopen(byfd ? fdpath : path, RTLD_NOW | RTLD_LOCAL);
		if (!dl)
			snprintf(why, (size_t)whysz, "%s", dlerror());
		else if (byfd) {
			o = mem_alloc(sizeof *o);
			o->dl = dl;
			o->fd = fd;
			return o;
		}
	}
	close(fd);
	if (!dl)
		return NULL;
	o = mem_alloc(sizeof *o);
	o->dl = dl;
	o->fd = -1;
	return o;
}

static void
unload(CcObj *o)
{
	dlclose(o->dl);
	if (o->fd >= 0)
		close(o->fd);
	mem_free(o);
}

/* What -march=native compiles for, as a hash: the CPU's identity and
 * features from /proc/cpuinfo (its first processor), read once per
 * process.  A cache shared by machines (an NFS home) so never hands one
 * CPU's code to another.  Without /proc/cpuinfo, the host's name. */
static const char *const cpu_keys[] = {
	"vendor_id", "cpu family", "model", "model name", "stepping", "flags",   /* x86 */
	"CPU implementer", "CPU architecture", "CPU variant", "CPU part",       /* arm */
	"CPU revision", "Features", "isa", "uarch", "cpu", NULL                 /* riscv, ppc */
};
static uint64_t cpu_hash;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void
cpu_init(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192], *colon, *end;
	int i, n = 0;

	cpu_hash = 14695981039346656037ULL;
	while (f && fgets(line, sizeof line, f) && line[0] != '\n') {
		if (!(colon = strchr(line, ':')))
			continue;
		for (end = colon; end > line && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		for (i = 0; cpu_keys[i]; i++)
			if ((size_t)(end - line) == strlen(cpu_keys[i])
			    && !strncmp(line, cpu_keys[i], (size_t)(end - line))) {
				cpu_hash = fnv1a(cpu_hash, line, strlen(line));
				n++;
			}
	}
	if (f)
		fclose(f);
	if (!n) {
		gethostname(line, sizeof line - 1);
		line[sizeof line - 1] = 0;
		cpu_hash = fnv1a(cpu_hash, line, strlen(line));
	}
}

/* Write s to a new file made from the template (mkstemps, `suffix`
 * characters kept) and entered in rt_tmp's table before a byte is
 * written, so a signal while writing clears it; 0 with *slot set, or -1
 * with err set and nothing left behind. */
static int
write_new(char *tmpl, int suffix, const char *s, int *slot, char *err, int errsz)
{
	size_t n = strlen(s), done = 0;
	ssize_t w = 0;
	int fd = rt_tmp_makes(tmpl, suffix, slot);

	if (fd >= 0)
		while (done < n && (w = write(fd, s + done, n - done)) > 0)
			done += (size_t)w;
	if (fd < 0 || done < n || close(fd) != 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", tmpl,
		         strerror(w == 0 ? ENOSPC : errno));
		if (fd >= 0) {
			unlink(tmpl);
			rt_tmp_del(*slot);
		}
		return -1;
	}
	return 0;
}

/* The cache does not grow without end.  An entry's mtime is its last
 * use (a hit touches it).  After a new entry: entries unused for 30
 * days go, then the least recently used until the rest is under the
 * limit (DPM_CACHE_MB, default 512 MB; a third less, so that the next
 * misses do not trim again), and temporaries a killed build left (a day
 * old).  Only regular files of ours named as entries or their temps
 * are removed; a process that has one loaded keeps its mapping. */
typedef struct {
	char name[256];
	time_t t;
	off_t size;
} Entry;

static int
entry_cmp(const void *a, const void *b)
{
	const Entry *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/* NAME-HHHHHHHHHHHHHHHH.so (an entry: 2) or that and a suffix (a temp: 1) */
static int
entry_kind(const char *n)
{
	const char *so = strstr(n, ".so"), *p;
	int i;

	while (so && strstr(so + 1, ".so"))
		so = strstr(so + 1, ".so");
	if (!so || so - n < 18 || so[-17] != '-')
		return 0;
	for (p = so - 16, i = 0; i < 16; i++)
		if (!strchr("0123456789abcdef", p[i]))
			return 0;
	return so[3] ? 1 : 2;
}

static void
trim_cache(const char *dir)
{
	const char *mb = getenv("DPM_CACHE_MB");
	double limit = 512e6, total = 0, v;
	time_t now = time(NULL);
	Entry *e = NULL, *t;
	size_t n = 0, cap = 0, i;
	char path[4400];
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int kind;

	if (mb && *mb) {
		char *end;
		v = strtod(mb, &end);
		if (end != mb && !*end && v > 0 && v < 1e9)
			limit = v * 1e6;
		else
			fprintf(stderr, "dpmc: warning: DPM_CACHE_MB='%.40s' is not a size in "
			        "megabytes (a number above 0, such as 512); the cache is kept "
			        "within the default 512 MB\n", mb);
	}
	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		if (!(kind = entry_kind(d->d_name)) || strlen(d->d_name) >= sizeof e->name)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if ((kind == 1 && now - st.st_mtime > 86400) || (kind == 2 && now - st.st_mtime > 30 * 86400)) {
			unlink(path);
			continue;
		}
		if (kind == 1)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(t = realloc(e, cap * sizeof *e)))
				break;
			e = t;
		}
		snprintf(e[n].name, sizeof e[n].name, "%s", d->d_name);
		e[n].t = st.st_mtime;
		e[n].size = st.st_size;
		total += (double)st.st_size;
		n++;
	}
	closedir(dp);
	if (total > limit) {
		qsort(e, n, sizeof *e, entry_cmp);
		for (i = 0; i < n && total > limit * 2 / 3; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, e[i].name);
			if (unlink(path) == 0)
				total -= (double)e[i].size;
		}
	}
	free(e);
}

static void *
cc_look(void *impl, const char *sym)
{
	return dlsym(((CcObj *)impl)->dl, sym);
}

int
jit_cc_load(Kernel *k, const char *ctext, const char *prefix, char *err, int errsz)
{
	uint64_t h = 14695981039346656037ULL;
	char dir[4096], so[4200], tmpc[4300], tmpso[4300], why[4800];
	const char *args[16], *tmp;
	int i, n, fd, private = 0, sd = -1, sc = -1, sso = -1, hc = 0, hso = 0;
	CcObj *dl;

	pthread_once(&cpu_once, cpu_init);
	h = fnv1a(h, ctext, strlen(ctext) + 1);
	h = fnv1a(h, cc_name(), strlen(cc_name()) + 1);
	for (i = 0; cc_flags[i]; i++)
		h = fnv1a(h, cc_flags[i], strlen(cc_flags[i]) + 1);
	h = fnv1a(h, (const char *)&cpu_hash, sizeof cpu_hash);

	if (cache_dir(dir, sizeof dir, why, sizeof why) != 0) {
		fprintf(stderr, "dpmc: warning: not using the cache folder '%s': %s; "
		        "the object is built in a private folder and not kept\n", dir, why);
		tmp = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/dpmc-cc-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
		if (!rt_tmp_make_dir(dir, &sd)) {
			snprintf(err, (size_t)errsz, "cannot create a temporary folder '%s': %s", dir,
			         strerror(errno));
			return -1;
		}
		private = 1;
	}
	/* the hash covers the whole name (it is in the text); the file name
	 * keeps 64 characters of it, under NAME_MAX with the suffixes */
	snprintf(so, sizeof so, "%s/%.64s-%016llx.so", dir, prefix, (unsigned long long)h);

	/* A hit: someone (maybe another dpmc) built this exact text already. */
	if (!private) {
		if ((dl = load_checked(so, why, sizeof why))) {
			utimensat(AT_FDCWD, so, NULL, AT_SYMLINK_NOFOLLOW);    /* its last use, for trim_cache */
			goto bind;
		}
		if (why[0])
			fprintf(stderr, "dpmc: warning: not loading the cached object '%s': %s; "
			        "building it again\n", so, why);
	}

	/* A miss: build under names no other process uses (mkstemp), then
	 * rename over the entry (a link or a stranger's file is replaced, not
	 * followed), so a concurrent reader never sees half an object.  The
	 * temps are in rt_tmp's table: a signal or an exit clears them. */
	snprintf(tmpc, sizeof tmpc, "%s.XXXXXX.c", so);
	snprintf(tmpso, sizeof tmpso, "%s.XXXXXX", so);
	if (write_new(tmpc, 2, ctext, &sc, err, errsz) != 0)
		goto fail;
	hc = 1;
	if ((fd = rt_tmp_make(tmpso, &sso)) < 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", tmpso, strerror(errno));
		goto fail;
	}
	close(fd);
	hso = 1;
	n = 0;
	for (i = 0; cc_flags[i]; i++)
		args[n++] = cc_flags[i];
	args[n++] = "-o";
	args[n++] = tmpso;
	args[n++] = tmpc;
	args[n++] = "-lm";
	args[n] = NULL;
	if (jit_cc_run(args, err, errsz) != 0)
		goto fail;
	unlink(tmpc);
	rt_tmp_del(sc);
	hc = 0;
	if (sum_append(tmpso, err, errsz) != 0)
		goto fail;
	/* the linker's mode follows the umask; the cache's entries are the
	 * user's alone, as load_checked wants them */
	if (chmod(tmpso, 0700) != 0 || rename(tmpso, so) != 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", so, strerror(errno));
		goto fail;
	}
	rt_tmp_del(sso);
	hso = 0;
	dl = load_checked(so, why, sizeof why);
	if (!private)
		trim_cache(dir);
	if (private) {
		unlink(so);
		rmdir(dir);
		rt_tmp_del(sd);
	}
	if (!dl) {
		snprintf(err, (size_t)errsz, "cannot load '%s': %s", so, why);
		return -1;
	}
bind:
	k->impl = dl;
	if (jit_bind(k, cc_look, prefix, err, errsz) != 0) {
		unload(dl);
		k->impl = NULL;
		return -1;
	}
	return 0;
fail:
	if (hc) {
		unlink(tmpc);
		rt_tmp_del(sc);
	}
	if (hso) {
		unlink(tmpso);
		rt_tmp_del(sso);
	}
	if (private) {
		rmdir(dir);
		rt_tmp_del(sd);
	}
	return -1;
}

void
jit_cc_unload(Kernel *k)
{
	unload(k->impl);
	k->impl = NULL;
}
