/* out.c — every file dpmc (and an executable it builds) writes goes
 * through here: whole or not at all, never through a planted link, and
 * never left half written when the program is stopped.
 * requires: POSIX only: built executables link it.
 * A regular file, or a new one, is written under a name mkstemp makes
 * beside it (O_CREAT|O_EXCL: a symlink planted there cannot redirect the
 * write) and renamed onto it.  Anything else — a device, a FIFO, "-" for
 * stdout — is written in place: renaming onto /dev/null would replace the
 * device with a file.  Temporary names live in a table that SIGINT,
 * SIGTERM, SIGHUP and exit() clear. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE    /* syscall */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "rt.h"

/* ---- the table of temporary names ---- */

enum { NTMP = 32, TMPLEN = 4096 };
enum { FREE, TAKEN, LIVE_FILE, LIVE_SCRATCH, LIVE_DIR };

/* A slot goes FREE -> TAKEN (its path being copied) -> LIVE -> FREE; the
 * handler reads only LIVE slots, so it never sees half a path. */
static struct {
	atomic_int state;
	char path[TMPLEN];
} tmps[NTMP];
static atomic_int at_exit_set;
static volatile sig_atomic_t child;    /* a cc writing into our temporary folder */

void
rt_tmp_child(pid_t pid)
{
	child = (sig_atomic_t)pid;
}

/* The files in folder path, one level down, by raw getdents64 where
 * there is one (opendir may call malloc, which a signal handler must
 * not): the temps a C compiler made there under names we never saw. */
static void
empty_dir(const char *path)
{
#ifdef SYS_getdents64
	char buf[4096], *p;
	unsigned short reclen;
	long got;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

	if (fd < 0)
		return;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		for (p = buf; p < buf + got; p += reclen) {
			/* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
			memcpy(&reclen, p + 16, sizeof reclen);
			if (strcmp(p + 19, ".") && strcmp(p + 19, ".."))
				unlinkat(fd, p + 19, 0);
		}
	close(fd);
#else
	(void)path;
#endif
}

/* Async-signal-safe: unlink, rmdir and raw folder reads only.  Files
 * first, so the folders that held them are empty when their turn comes. */
static void
clear_tmps(void)
{
	int i, pass;

	for (pass = LIVE_FILE; pass <= LIVE_DIR; pass++)
		for (i = 0; i < NTMP; i++)
			if (atomic_load(&tmps[i].state) == pass) {
				if (pass == LIVE_FILE)
					unlink(tmps[i].path);
				else {
					if (pass == LIVE_SCRATCH)
						empty_dir(tmps[i].path);
					rmdir(tmps[i].path);
				}
			}
}

void
rt_tmp_die(int sig)
{
	struct sigaction sa;
	pid_t pid = (pid_t)child;

	/* the child first: it could still create files in a folder we remove */
	if (pid > 0 && (kill(-pid, sig) == 0 || kill(pid, sig) == 0))
		waitpid(pid, NULL, 0);
	clear_tmps();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	/* pending until the handler returns (the signal is blocked in it);
	 * then the default action: the shell sees 128 + sig */
	raise(sig);
}

static void
on_signal(int sig)
{
	rt_tmp_die(sig);
}

/* Our handler on each signal still at its default: a handler of the
 * program's own (fit's, the REPL's) stays, and calls rt_tmp_die. */
static void
watch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, cur;
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], NULL, &cur) != 0 || cur.sa_handler != SIG_DFL)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
	if (!atomic_exchange(&at_exit_set, 1))
		atexit(clear_tmps);
}

static int
add(const char *path, int kind)
{
	int i, want;

	watch_signals();
	if (strlen(path) >= TMPLEN)
		return -1;
	for (i = 0; i < NTMP; i++) {
		want = FREE;
		if (atomic_compare_exchange_strong(&tmps[i].state, &want, TAKEN)) {
			strcpy(tmps[i].path, path);
			atomic_store(&tmps[i].state, kind);
			return i;
		}
	}
	return -1;
}

int
rt_tmp_add(const char *path)
{
	return add(path, LIVE_FILE);
}

int
rt_tmp_add_dir(const char *path)
{
	return add(path, LIVE_DIR);
}

int
rt_tmp_add_scratch(const char *path)
{
	return add(path, LIVE_SCRATCH);
}

void
rt_tmp_clear_scratch(const char *path)
{
	empty_dir(path);
	rmdir(path);
}

void
rt_tmp_del(int slot)
{
	if (slot >= 0 && slot < NTMP)
		atomic_store(&tmps[slot].state, FREE);
}

/* mkstemps and the table entry with the signals held, so no signal comes
 * between the file's creation and its entry; the template's last
 * `suffix` characters are kept. */
int
rt_tmp_makes(char *tmpl, int suffix, int *slot)
{
	sigset_t all, old;
	int fd, e;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((fd = mkstemps(tmpl, suffix)) >= 0)
		*slot = rt_tmp_add(tmpl);
	else
		*slot = -1;
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return fd;
}

int
rt_tmp_make(char *tmpl, int *slot)
{
	return rt_tmp_makes(tmpl, 0, slot);
}

char *
rt_tmp_make_dir(char *tmpl, int *slot)
{
	sigset_t all, old;
	char *r;
	int e;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((r = mkdtemp(tmpl)))
		*slot = rt_tmp_add_dir(tmpl);
	else
		*slot = -1;
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

/* ---- output files ---- */

void
rt_seterr(char *err, int errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsz <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, (size_t)errsz, fmt, ap);
	va_end(ap);
}

/* The descriptor a name stands for: "-", /dev/stdout, /dev/fd/N...  Opening
 * /dev/stdout anew would start at offset 0 of a file opened for appending
 * and lose its flags; a dup keeps them.  -1 for any other name. */
static int
std_fd(const char *path)
{
	const char *n = NULL;
	char *end;
	long fd;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	if (!strncmp(path, "/dev/fd/", 8))
		n = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		n = path + 14;
	if (!n || !*n)
		return -1;
	fd = strtol(n, &end, 10);
	return *end || fd < 0 || fd > INT_MAX ? -1 : (int)fd;
}

/* The folder of path, malloc'd ("." for a bare name). */
static char *
folder(const char *path)
{
	const char *s = strrchr(path, '/');
	size_t n = s ? (size_t)(s - path) : 1;
	char *d = malloc(n + 2);

	if (!d)
		return NULL;
	if (!s)
		strcpy(d, ".");
	else if (n == 0)
		strcpy(d, "/");
	else {
		memcpy(d, path, n);
		d[n] = 0;
	}
	return d;
}

/* Is st the executable of this process? */
static int
is_self(const struct stat *st)
{
	struct stat me;

	return stat("/proc/self/exe", &me) == 0 && me.st_dev == st->st_dev && me.st_ino == st->st_ino;
}

/* Where a temporary name for path goes and what it is renamed onto: the
 * target of a symlink, so the link stays.  *inplace set for what is not
 * a regular file.  NULL with a message in err when path cannot be
 * written. */
static char *
resolve(const char *path, int *inplace, char *err, int errsz)
{
	struct stat st, lst;
	char *real = NULL, *dir;
	const char *target = path;

	*inplace = 0;
	if (!*path) {
		rt_seterr(err, errsz, "an empty file name");
		return NULL;
	}
	if (std_fd(path) >= 0) {
		*inplace = 1;
		return strdup(path);
	}
	if (lstat(path, &lst) == 0) {
		if (stat(path, &st) != 0) {
			rt_seterr(err, errsz, "cannot write '%s': it is a symbolic link to a missing file; "
			       "remove the link or name another file", path);
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			rt_seterr(err, errsz, "cannot write '%s': it is a folder; give a file name", path);
			return NULL;
		}
		if (!S_ISREG(st.st_mode)) {
			if (S_ISSOCK(st.st_mode) || access(path, W_OK) != 0) {
				rt_seterr(err, errsz, "cannot write '%s': %s", path,
				       S_ISSOCK(st.st_mode) ? "it is a socket" : strerror(errno));
				return NULL;
			}
			*inplace = 1;
			return strdup(path);
		}
		/* the program running (dpmc, a built executable): the rename
		 * would leave a WAV where it was */
		if (is_self(&st)) {
			rt_seterr(err, errsz, "cannot write '%s': it is this program, the one running; "
			       "name another file", path);
			return NULL;
		}
		/* a write-protected file is kept (the rename would replace it
		 * all the same); by its mode bits too, which access() does not
		 * read for root */
		if (access(path, W_OK) != 0 || !(st.st_mode & 0222)) {
			rt_seterr(err, errsz, "cannot write '%s': %s; make it writable (chmod u+w) or name "
			       "another file", path, !(st.st_mode & 0222) || errno == EACCES ? "it is write-protected"
			       : strerror(errno));
			return NULL;
		}
		if (S_ISLNK(lst.st_mode)) {
			if (!(real = realpath(path, NULL))) {
				rt_seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
				return NULL;
			}
			target = real;
		}
	} else if (errno != ENOENT) {
		rt_seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
		return NULL;
	}
	/* a new or regular file: its folder takes the temporary name */
	if (!(dir = folder(target))) {
		free(real);
		rt_seterr(err, errsz, "out of memory");
		return NULL;
	}
	errno = 0;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rt_seterr(err, errsz, "cannot write '%s': %s: the folder '%s' %s", path, strerror(errno ? errno : ENOTDIR),
		       dir, errno == ENOENT ? "does not exist; create it first" : "is not a folder");
		goto bad;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		rt_seterr(err, errsz, "cannot write '%s': the folder '%s' is not writable (%s)",
		       path, dir, strerror(errno));
		goto bad;
	}
	free(dir);
	return real ? real : strdup(path);
bad:
	free(dir);
	free(real);
	return NULL;
}

int
rt_out_check(const char *path, char *err, int errsz)
{
	int inplace;
	char *p = resolve(path, &inplace, err, errsz);

	free(p);
	return p ? 0 : -1;
}

int
rt_out_is_std(const char *path)
{
	return std_fd(path) >= 0;
}

int
rt_out_open(RtOut *o, const char *path, int mode, char *err, int errsz)
{
	struct stat st;
	mode_t mask;
	const char *base;
	int fd;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->slot = -1;
	o->name = path;
	if (!(o->path = resolve(path, &o->inplace, err, errsz)))
		return -1;
	if (o->inplace) {
		fflush(NULL);    /* what stdio holds for stdout goes first */
		fd = std_fd(path);
		o->fd = fd >= 0 ? dup(fd) : open(path, O_WRONLY | O_NOCTTY);
		if (o->fd < 0) {
			rt_seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
			free(o->path);
			o->path = NULL;
			return -1;
		}
		return 0;
	}
	if (!(o->tmp = malloc(strlen(o->path) + 16))) {
		rt_seterr(err, errsz, "out of memory");
		free(o->path);
		o->path = NULL;
		return -1;
	}
	/* NAME.tmpXXXXXX beside it, or .dpmXXXXXX in its folder where that
	 * would pass the longest name a folder takes (255 bytes) */
	base = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
	if (strlen(base) + 10 <= 255)
		sprintf(o->tmp, "%s.tmpXXXXXX", o->path);
	else
		sprintf(o->tmp, "%.*s.dpmXXXXXX", (int)(base - o->path), o->path);
	if ((o->fd = rt_tmp_make(o->tmp, &o->slot)) < 0) {
		rt_seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return -1;
	}
	/* mkstemp makes the file 0600; give it the mode of the file it
	 * replaces (a program's execute bits added), or the one a plain
	 * creat would */
	mask = umask(0);
	umask(mask);
	if (stat(o->path, &st) == 0 && S_ISREG(st.st_mode))
		fchmod(o->fd, (st.st_mode & 07777) | ((mode_t)mode & 0111 & ~mask));
	else
		fchmod(o->fd, (mode_t)mode & ~mask);
	return 0;
}

int
rt_out_write(RtOut *o, const void *p, size_t n, char *err, int errsz)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(o->fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			rt_seterr(err, errsz, "cannot write '%s': %s", o->name, strerror(errno));
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
release(RtOut *o)
{
	rt_tmp_del(o->slot);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	o->slot = -1;
	o->fd = -1;
}

void
rt_out_abort(RtOut *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}

int
rt_out_close(RtOut *o, char *err, int errsz)
{
	int bad = 0;

	/* fsync: a rename may reach the disk before the data it names */
	if (!o->inplace && fsync(o->fd) != 0)
		bad = errno;
	if (close(o->fd) != 0 && !bad)
		bad = errno;
	o->fd = -1;
	if (!bad && o->tmp && rename(o->tmp, o->path) != 0)
		bad = errno;
	if (bad) {
		rt_seterr(err, errsz, "cannot write '%s': %s", o->name, strerror(bad));
		rt_out_abort(o);
		return -1;
	}
	release(o);
	return 0;
}

int
rt_out_commit_file(RtOut *o, const char *src, char *err, int errsz)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if (!o->inplace) {
		/* src (in the same folder) takes the place of the empty temp */
		if (rename(src, o->tmp) != 0) {
			rt_seterr(err, errsz, "cannot write '%s': %s", o->name, strerror(errno));
			rt_out_abort(o);
			return -1;
		}
		return rt_out_close(o, err, errsz);
	}
	if ((fd = open(src, O_RDONLY)) < 0) {
		rt_seterr(err, errsz, "cannot read '%s': %s", src, strerror(errno));
		rt_out_abort(o);
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || rt_out_write(o, buf, (size_t)n, err, errsz) != 0) {
			if (n < 0)
				rt_seterr(err, errsz, "cannot read '%s': %s", src, strerror(errno));
			close(fd);
			rt_out_abort(o);
			return -1;
		}
	}
	close(fd);
	return rt_out_close(o, err, errsz);
}
