/* build_lv2.c — `dpmc build -o X.lv2`: the model as an LV2 instrument, a
 * bundle folder X.lv2 holding manifest.ttl, NAME.ttl and NAME.so (NAME
 * the model's name; the plugin's URI urn:dpm:NAME).
 * requires: the model's C text (emit_c.c) with the dpm_* interface of
 * spec/api.md; cc (jit_cc_run).
 * The .so is the C text and the wrapper of compiler/back/lv2.tmpl, compiled
 * by cc as `build -o X.so` is.  The .ttl files are written from the
 * built .so itself (dlopen: its params, ranges, defaults and outputs),
 * so they describe the binary beside them.  The bundle is made in a
 * temporary folder beside X.lv2 and renamed onto it whole: a failure or
 * a signal leaves nothing, and a bundle replaced (only one dpmc wrote:
 * an older build) is swapped in one rename. */
#define _GNU_SOURCE        /* renameat2, flock */
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* the wrapper, one string per line (ISO C caps a literal's length) */
static const char *const lv2_text[] = {
#include "lv2_text.h"
	NULL
};

/* The dpm_* interface, as the wrapper's .so exports it. */
typedef struct Api {
	void *(*new_)(double);
	void (*free_)(void *);
	int (*nparams)(const void *), (*noutputs)(const void *), (*param_log)(const void *, int);
	const char *(*param_name)(const void *, int), *(*output_name)(const void *, int);
	const char *(*name)(const void *);
	double (*param_min)(const void *, int), (*param_max)(const void *, int);
	double (*param_default)(const void *, int);
	const char *const *(*descriptor)(unsigned);   /* its first field: the URI */
} Api;

static int
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* -o without its trailing slashes, into b; 0, or -1 with a message. */
static int
bundle_path(const char *out, Buf *b, char *err, int errsz)
{
	size_t n = strlen(out);
	const char *base;

	while (n > 1 && out[n - 1] == '/')
		n--;
	buf_printf(b, "%.*s", (int)n, out);
	base = strrchr(b->s, '/');
	base = base ? base + 1 : b->s;
	if (!ends_with(b->s, ".lv2") || strlen(base) <= 4) {
		snprintf(err, (size_t)errsz, "-o %s: an LV2 bundle is a folder named NAME.lv2", out);
		return -1;
	}
	return 0;
}

/* The folder path is in ("." for a bare name), into b. */
static void
parent(const char *path, Buf *b)
{
	const char *s = strrchr(path, '/');

	if (!s)
		buf_puts(b, ".");
	else if (s == path)
		buf_puts(b, "/");
	else
		buf_printf(b, "%.*s", (int)(s - path), path);
}

/* A file of a bundle dpmc wrote: manifest.ttl, NAME.ttl, NAME.so. */
static int
bundle_file(const char *name)
{
	return ends_with(name, ".ttl") || ends_with(name, ".so");
}

/* Whether path can take the bundle: missing (its folder writable), an
 * empty folder, or a bundle dpmc wrote (regular .ttl and .so files, a
 * manifest naming urn:dpm:).  *exists: it is there now.  0, or -1 with
 * a message that names the fix. */
static int
bundle_target(const char *path, int *exists, char *err, int errsz)
{
	struct stat st;
	struct dirent *e;
	Buf dir = {0}, man = {0};
	DIR *d;
	FILE *f;
	char line[512];
	int r = -1, ours = 0, any = 0;

	*exists = 0;
	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			snprintf(err, (size_t)errsz, "cannot write '%s': %s", path, strerror(errno));
			return -1;
		}
		parent(path, &dir);
		if (stat(dir.s, &st) != 0 || !S_ISDIR(st.st_mode))
			snprintf(err, (size_t)errsz, "cannot write '%s': the folder '%s' %s", path, dir.s,
			         errno == ENOENT ? "does not exist; create it first" : "is not a folder");
		else if (access(dir.s, W_OK | X_OK) != 0)
			snprintf(err, (size_t)errsz, "cannot write '%s': the folder '%s' is not writable (%s)",
			         path, dir.s, strerror(errno));
		else
			r = 0;
		buf_free(&dir);
		return r;
	}
	*exists = 1;
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, (size_t)errsz, "-o %s: it is a symbolic link; give the bundle's own path", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, (size_t)errsz, "-o %s: it exists and is not a folder (an LV2 bundle is one); "
		         "remove it or name another bundle", path);
		return -1;
	}
	if (!(d = opendir(path))) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		any = 1;
		if (!bundle_file(e->d_name) || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
		    || !S_ISREG(st.st_mode)) {
			snprintf(err, (size_t)errsz, "-o %s: the folder holds '%s', so it is not a bundle dpmc "
			         "wrote; remove it or name another bundle", path, e->d_name);
			r = -1;
		}
	}
	closedir(d);
	if (r == 0 && any) {
		buf_printf(&man, "%s/manifest.ttl", path);
		if ((f = fopen(man.s, "r"))) {
			while (!ours && fgets(line, sizeof line, f))
				ours = strstr(line, "<urn:dpm:") != NULL;
			fclose(f);
		}
		if (!ours) {
			snprintf(err, (size_t)errsz, "-o %s: the folder is not a bundle dpmc wrote (its "
			         "manifest.ttl names no urn:dpm: plugin); remove it or name another bundle", path);
			r = -1;
		}
		buf_free(&man);
	}
	if (r == 0 && access(path, W_OK | X_OK) != 0) {
		snprintf(err, (size_t)errsz, "cannot write '%s': %s", path, strerror(errno));
		r = -1;
	}
	return r;
}

int
cli_build_lv2_check(const Opts *o)
{
	Buf b = {0};
	char err[2048];
	int exists, r;

	r = bundle_path(o->out, &b, err, sizeof err);
	if (r == 0)
		r = bundle_target(b.s, &exists, err, sizeof err);
	if (r < 0)
		fprintf(stderr, "dpmc: error: %s\n", err);
	buf_free(&b);
	return r;
}

/* ---- the .ttl files ---- */

/* A Turtle string's body: " and \ escaped, controls dropped. */
static void
ttl_str(Buf *b, const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			buf_printf(b, "%c", *s);
}

/* A number as Turtle reads it back exactly (cli_fmt: 110, 0.2, 3e-05). */
static void
ttl_num(Buf *b, double v)
{
	char s[64];

	buf_puts(b, cli_fmt(v, s, sizeof s));
	/* a whole number past an int's range as a decimal: as an integer
	 * literal lilv read it into 32 bits (Kh's default 4500000000 was
	 * 205032704 in lv2info) */
	if (fabs(v) >= 2147483648.0 && !strpbrk(s, ".eEn"))
		buf_puts(b, ".0");
}

/* A port symbol for name: a C identifier, unique among the used ones. */
static char *
port_symbol(const char *name, char **used, int nused)
{
	Buf b = {0};
	size_t base;
	int i, k = 1, clash;

	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		buf_puts(&b, "p_");
	for (; *name; name++)
		buf_printf(&b, "%c", isalnum((unsigned char)*name) ? *name : '_');
	base = b.len;
	do {
		clash = !strcmp(b.s, "midi");
		for (i = 0; i < nused && !clash; i++)
			clash = !strcmp(used[i], b.s);
		if (clash) {
			b.len = base;
			buf_printf(&b, "_%d", ++k);
		}
	} while (clash);
	return b.s;
}

/* The slider's range of a param: its own; where an end is open, one
 * that holds the default with room either way (a decade each side of a
 * nonzero default, [-1, 1] about 0). */
static void
display_range(double d, double lo, double hi, double *a, double *b)
{
	double m = fabs(d) > 0 ? fabs(d) : 1;

	*a = isfinite(lo) ? lo : d > 0 ? d / 10 : d < 0 ? d * 10 : -m;
	*b = isfinite(hi) ? hi : d > 0 ? d * 10 : d < 0 ? d / 10 : m;
	if (*b <= *a)     /* one open end on the wrong side of the default */
		*b = *a + (fabs(*a) > 0 ? 10 * fabs(*a) : 1);
	if (isfinite(hi) && !isfinite(lo) && *a >= hi)
		*a = hi - (fabs(hi) > 0 ? 10 * fabs(hi) : 1);
}

/* manifest.ttl and the plugin's .ttl, from the model's .so. */
static int
write_ttl(const Api *a, const char *dir, const char *name, char *err, int errsz)
{
	static const char prefixes[] =
		"@prefix atom: <http://lv2plug.in/ns/ext/atom#> .\n"
		"@prefix doap: <http://usefulinc.com/ns/doap#> .\n"
		"@prefix log: <http://lv2plug.in/ns/ext/log#> .\n"
		"@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
		"@prefix midi: <http://lv2plug.in/ns/ext/midi#> .\n"
		"@prefix pprops: <http://lv2plug.in/ns/ext/port-props#> .\n"
		"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
		"@prefix urid: <http://lv2plug.in/ns/ext/urid#> .\n"
		"@prefix work: <http://lv2plug.in/ns/ext/worker#> .\n\n";
	const char *uri = *a->descriptor(0);
	void *m = a->new_(0);
	Buf man = {0}, ttl = {0}, path = {0};
	char **used = NULL;
	int np, nout, i, port = 0, nused = 0, st = -1, fd;
	double lo, hi, d;

	if (!m) {
		snprintf(err, (size_t)errsz, "the built model cannot start (dpm_new failed)");
		return -1;
	}
	np = a->nparams(m);
	nout = a->noutputs(m);
	used = mem_alloc(sizeof *used * (size_t)(np + nout + 1));
	buf_puts(&man, prefixes);
	buf_printf(&man, "<%s>\n\ta lv2:Plugin , lv2:InstrumentPlugin ;\n\tlv2:binary <%s.so> ;\n"
	           "\trdfs:seeAlso <%s.ttl> .\n", uri, name, name);

	buf_puts(&ttl, prefixes);
	buf_printf(&ttl, "<%s>\n\ta lv2:Plugin , lv2:InstrumentPlugin ;\n\tdoap:name \"", uri);
	ttl_str(&ttl, a->name(m));
	buf_puts(&ttl, "\" ;\n\trdfs:comment \"The physical model '");
	ttl_str(&ttl, a->name(m));
	buf_puts(&ttl, "' built by dpmc: a note-on sets its params note and vel (when it has them) "
	         "and restarts it from its initial state.\" ;\n"
	         "\tlv2:minorVersion 0 ;\n\tlv2:microVersion 1 ;\n"
	         "\tlv2:requiredFeature urid:map ;\n"
	         "\tlv2:optionalFeature lv2:hardRTCapable , work:schedule , log:log ;\n"
	         "\tlv2:extensionData work:interface ;\n"
	         "\tlv2:port [\n"
	         "\t\ta lv2:InputPort , atom:AtomPort ;\n"
	         "\t\tatom:bufferType atom:Sequence ;\n"
	         "\t\tatom:supports midi:MidiEvent ;\n"
	         "\t\tlv2:designation lv2:control ;\n"
	         "\t\tlv2:index 0 ;\n\t\tlv2:symbol \"midi\" ;\n\t\tlv2:name \"MIDI in\"\n\t]");
	for (i = 0; i < nout; i++) {
		used[nused] = port_symbol(a->output_name(m, i), used, nused);
		buf_printf(&ttl, " , [\n\t\ta lv2:OutputPort , lv2:AudioPort ;\n\t\tlv2:index %d ;\n"
		           "\t\tlv2:symbol \"%s\" ;\n\t\tlv2:name \"", ++port, used[nused]);
		ttl_str(&ttl, a->output_name(m, i));
		buf_puts(&ttl, "\"\n\t]");
		nused++;
	}
	for (i = 0; i < np; i++) {
		d = a->param_default(m, i);
		display_range(d, a->param_min(m, i), a->param_max(m, i), &lo, &hi);
		used[nused] = port_symbol(a->param_name(m, i), used, nused);
		buf_printf(&ttl, " , [\n\t\ta lv2:InputPort , lv2:ControlPort ;\n\t\tlv2:index %d ;\n"
		           "\t\tlv2:symbol \"%s\" ;\n\t\tlv2:name \"", ++port, used[nused]);
		ttl_str(&ttl, a->param_name(m, i));
		buf_puts(&ttl, "\" ;\n\t\tlv2:default ");
		ttl_num(&ttl, d);
		buf_puts(&ttl, " ;\n\t\tlv2:minimum ");
		ttl_num(&ttl, lo);
		buf_puts(&ttl, " ;\n\t\tlv2:maximum ");
		ttl_num(&ttl, hi);
		if (a->param_log(m, i) && lo > 0)
			buf_puts(&ttl, " ;\n\t\tlv2:portProperty pprops:logarithmic");
		buf_puts(&ttl, "\n\t]");
		nused++;
	}
	buf_puts(&ttl, " .\n");

	buf_printf(&path, "%s/manifest.ttl", dir);
	for (i = 0; i < 2; i++) {
		const Buf *t = i ? &ttl : &man;
		if ((fd = open(path.s, O_WRONLY | O_CREAT | O_EXCL, 0666)) < 0
		    || write(fd, t->s, t->len) != (ssize_t)t->len || fsync(fd) != 0) {
			snprintf(err, (size_t)errsz, "cannot write '%s': %s", path.s, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if (close(fd) != 0) {
			snprintf(err, (size_t)errsz, "cannot write '%s': %s", path.s, strerror(errno));
			goto out;
		}
		path.len = 0;
		buf_printf(&path, "%s/%s.ttl", dir, name);
	}
	st = 0;
out:
	a->free_(m);
	for (i = 0; i < nused; i++)
		mem_free(used[i]);
	mem_free(used);
	buf_free(&man);
	buf_free(&ttl);
	buf_free(&path);
	return st;
}

/* The dpm_* functions of the .so at path into a; the handle, or NULL
 * with a message. */
static void *
load_api(const char *path, Api *a, char *err, int errsz)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const char *miss = NULL;

	if (!dl) {
		snprintf(err, (size_t)errsz, "cannot load the built plugin: %s", dlerror());
		return NULL;
	}
#define SYM(f, s) if (!(*(void **)&a->f = dlsym(dl, s)) && !miss) miss = s
	SYM(new_, "dpm_new");
	SYM(free_, "dpm_free");
	SYM(nparams, "dpm_nparams");
	SYM(noutputs, "dpm_noutputs");
	SYM(param_log, "dpm_param_log");
	SYM(param_name, "dpm_param_name");
	SYM(output_name, "dpm_output_name");
	SYM(name, "dpm_name");
	SYM(param_min, "dpm_param_min");
	SYM(param_max, "dpm_param_max");
	SYM(param_default, "dpm_param_default");
	SYM(descriptor, "lv2_descriptor");
#undef SYM
	if (miss) {
		snprintf(err, (size_t)errsz, "the built plugin lacks %s (an internal error)", miss);
		dlclose(dl);
		return NULL;
	}
	return dl;
}

/* Remove the files of folder dir (a bundle's: no subfolders), then it. */
static void
remove_bundle(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/* tmp onto path: a rename when path is missing or empty, an exchange
 * when it holds an older bundle (then removed).  Under a lock on their
 * folder, so two builds to one bundle take turns. */
static int
commit(const char *tmp, const char *path, char *err, int errsz)
{
	Buf dir = {0};
	int lk, exists, r = -1;

	parent(path, &dir);
	if ((lk = open(dir.s, O_RDONLY | O_DIRECTORY)) >= 0)
		while (flock(lk, LOCK_EX) != 0 && errno == EINTR)
			;
	/* again: the folder may have changed while cc ran */
	if (bundle_target(path, &exists, err, errsz) == 0) {
		if (rename(tmp, path) == 0) {
			r = 0;
		} else if (errno == ENOTEMPTY || errno == EEXIST) {
			if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
				remove_bundle(tmp);    /* the older bundle, now there */
				r = 0;
			} else {
				snprintf(err, (size_t)errsz, "cannot replace '%s': %s", path, strerror(errno));
			}
		} else {
			snprintf(err, (size_t)errsz, "cannot write '%s': %s", path, strerror(errno));
		}
	}
	if (lk >= 0)
		close(lk);
	buf_free(&dir);
	return r;
}

int
cli_build_lv2(const Opts *o, const char *ctext, const char *prefix)
{
	const char *tmpdir = NULL;
	Buf out = {0}, dir = {0}, c = {0}, so = {0}, text = {0};
	const char *args[16];
	char err[8192], *name;
	int n = 0, st = -1, sdir = -1, fd, i;
	mode_t um;
	void *dl = NULL;
	Api a;

	err[0] = 0;
	if (bundle_path(o->out, &out, err, sizeof err) != 0)
		goto fail;
	buf_printf(&dir, "%s.tmpXXXXXX", out.s);
	if (!(tmpdir = rt_tmp_make_dir(dir.s, &sdir))) {
		snprintf(err, sizeof err, "cannot write '%s': %s", out.s, strerror(errno));
		goto fail;
	}
	/* a signal clears the folder and whatever is in it */
	rt_tmp_del(sdir);
	sdir = rt_tmp_add_scratch(dir.s);

	buf_printf(&text, "%s\n#define DPM_P(x) %s_##x\n", ctext, prefix);
	for (i = 0; lv2_text[i]; i++)
		buf_puts(&text, lv2_text[i]);
	buf_printf(&c, "%s/model.c", dir.s);
	if ((fd = open(c.s, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0
	    || write(fd, text.s, text.len) != (ssize_t)text.len || close(fd) != 0) {
		snprintf(err, sizeof err, "cannot write '%s': %s", c.s, strerror(errno));
		goto fail;
	}
	/* the .so's name: the model's, known once built; model.so until then */
	buf_printf(&so, "%s/model.so", dir.s);
	args[n++] = "-O2";
	args[n++] = "-ffp-contract=off";   /* the same numbers as `dpmc render` */
	args[n++] = "-fPIC";
	args[n++] = "-shared";
	/* a host may instantiate plugins from several threads: the model's
	 * one-time tables then come through pthread_once (no lock in run():
	 * only a gradient, never called here, takes one) */
	args[n++] = "-pthread";
	/* its own dpm_* first, whatever else the host has loaded */
	args[n++] = "-Wl,-Bsymbolic";
	args[n++] = "-o";
	args[n++] = so.s;
	args[n++] = c.s;
	args[n++] = "-lm";
	args[n] = NULL;
	if (jit_cc_run(args, err, sizeof err) != 0)
		goto fail;
	unlink(c.s);
	if (!(dl = load_api(so.s, &a, err, sizeof err)))
		goto fail;
	/* model names are identifiers: a safe file name */
	name = mem_strdup(*a.descriptor(0) + strlen("urn:dpm:"));
	c.len = 0;
	buf_printf(&c, "%s/%s.so", dir.s, name);
	if (rename(so.s, c.s) != 0) {
		snprintf(err, sizeof err, "cannot write '%s': %s", c.s, strerror(errno));
		mem_free(name);
		goto fail;
	}
	st = write_ttl(&a, dir.s, name, err, sizeof err);
	mem_free(name);
	if (st != 0)
		goto fail;
	st = -1;
	/* mkdtemp made it 0700: a bundle is read by whoever runs the host */
	um = umask(0);
	umask(um);
	if (chmod(dir.s, 0777 & ~um) != 0 || commit(dir.s, out.s, err, sizeof err) != 0) {
		if (!err[0])
			snprintf(err, sizeof err, "cannot write '%s': %s", out.s, strerror(errno));
		goto fail;
	}
	st = 0;
	rt_tmp_del(sdir);
	sdir = -1;
	goto out;
fail:
	fprintf(stderr, "dpmc: error: %s\n", err);
	if (tmpdir)
		remove_bundle(dir.s);
out:
	if (dl)
		dlclose(dl);
	rt_tmp_del(sdir);
	buf_free(&out);
	buf_free(&dir);
	buf_free(&c);
	buf_free(&so);
	buf_free(&text);
	return st;
}
