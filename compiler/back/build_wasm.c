/* build_wasm.c — `dpmc build -o OUT.wasm` and `-o OUT.html`: the model's C
 * interface (api.md, dpm_*) as a WebAssembly module, and a page that
 * plays it through an AudioWorklet.
 * requires: the C text of emit_c.c, which defines dpm_* and compiled with
 * -DDPM_NO_THREADS needs only ISO C and libm; clang-14 with wasi-libc,
 * lld-14 (wasm-ld) and compiler-rt's wasm32 builtins.
 * leaves: OUT.wasm, a WASI reactor (no main; _initialize runs the
 * constructors) exporting dpm_*, malloc and free; for OUT.html, the page
 * and OUT.wasm beside it with the same base name.  Both are written
 * under temporary names and renamed, so a failure leaves neither.
 * The page's text is compiler/back/wasm_page.tmpl, one string per line in
 * wasm_page_text.h (Makefile), with @DPM_WASM@ the .wasm's file name. */
#define _DEFAULT_SOURCE    /* realpath, flock */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "jit.h"
#include "../runtime/rt.h"

static const char *const page_text[] = {
#include "wasm_page_text.h"
	NULL
};

/* What a host may call: the interface of api.md and API.md's extensions,
 * and the allocator, so JavaScript can hand dpm_process a buffer. */
static const char *const wasm_exports[] = {
	"dpm_new", "dpm_free", "dpm_error", "dpm_nparams", "dpm_param_name", "dpm_param_min",
	"dpm_param_max", "dpm_param_index", "dpm_set", "dpm_get", "dpm_noutputs", "dpm_output_name",
	"dpm_reset", "dpm_process", "dpm_grad", "dpm_name", "dpm_rate", "dpm_param_default",
	"dpm_param_log", "dpm_ndim", "dpm_grid", "dpm_set_grid", "dpm_forward", "dpm_backward",
	"dpm_set_threads", "dpm_set_span", "dpm_render", "malloc", "free", NULL
};

/* The Debian packages of the tool chain, named in every message about it */
#define WASM_PACKAGES "clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32"

/* Where the tools are, found by wasm_tools (each a Buf's string) */
typedef struct Tools {
	Buf cc;         /* clang ($DPM_CLANG, else clang-14 on PATH) */
	Buf sysroot;    /* wasi-libc: SYSROOT/lib/wasm32-wasi/libc.a */
	Buf inc;        /* its headers (stdlib.h) */
	int ldprintf;   /* it has libc-printscan-long-double.a */
} Tools;

static int
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static int
is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* name as execvp would find it (a path when it has a slash), into out */
static int
on_path(const char *name, Buf *out)
{
	const char *p = getenv("PATH"), *e;

	out->len = 0;
	if (strchr(name, '/')) {
		buf_puts(out, name);
		return access(out->s, X_OK) == 0 && is_file(out->s);
	}
	for (p = p ? p : "/usr/bin:/bin"; ; p = e + 1) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		out->len = 0;
		buf_printf(out, "%.*s/%s", (int)(e - p), e == p ? "." : p, name);
		if (access(out->s, X_OK) == 0 && is_file(out->s))
			return 1;
		if (!*e)
			return 0;
	}
}

static void
tools_free(Tools *t)
{
	buf_free(&t->cc);
	buf_free(&t->sysroot);
	buf_free(&t->inc);
}

/* Find clang, wasm-ld, wasi-libc and the builtins; 0, or -1 after a
 * message that names what is missing and the packages to install.
 * clang runs wasm-ld from its own folder, else from PATH, and links
 * RESOURCE/lib/wasi/libclang_rt.builtins-wasm32.a, RESOURCE being
 * ../lib/clang/VERSION beside its binary. */
static int
wasm_tools(Tools *t, const char *out)
{
	const char *cc = getenv("DPM_CLANG"), *sr = getenv("DPM_WASI_SYSROOT");
	Buf miss = {0}, p = {0}, h = {0};
	char *real, *slash;
	glob_t g;
	int n, libc, hdr;

	memset(t, 0, sizeof *t);
	if (!cc || !*cc)
		cc = "clang-14";
	if (!on_path(cc, &t->cc))
		buf_printf(&miss, "\n  - the C compiler '%s'%s", cc,
		           strcmp(cc, "clang-14") ? " (DPM_CLANG)" : " (package clang-14)");
	else if ((real = realpath(t->cc.s, NULL))) {
		if ((slash = strrchr(real, '/')))
			*slash = 0;
		buf_printf(&p, "%s/wasm-ld", real);
		if (!is_file(p.s) && !on_path("wasm-ld", &p))
			buf_printf(&miss, "\n  - the linker wasm-ld (package lld-14), neither in %s nor on PATH", real);
		if ((slash = strrchr(real, '/')))
			*slash = 0;
		p.len = 0;
		buf_printf(&p, "%s/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a", real);
		n = glob(p.s, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
		if (n == 0)
			buf_printf(&miss, "\n  - compiler-rt's wasm32 builtins, %s (package libclang-rt-14-dev-wasm32)", p.s);
		globfree(&g);
		free(real);
	}
	/* wasi-sdk's layout (/usr/share/wasi-sysroot), else Debian's multiarch one under /usr */
	if (!sr || !*sr)
		sr = is_file("/usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a") ? "/usr/share/wasi-sysroot" : "/usr";
	buf_puts(&t->sysroot, sr);
	p.len = 0;
	buf_printf(&p, "%s/lib/wasm32-wasi/libc.a", sr);
	buf_printf(&t->inc, "%s/include/wasm32-wasi", sr);
	buf_printf(&h, "%s/stdlib.h", t->inc.s);
	if (!is_file(h.s)) {
		t->inc.len = h.len = 0;
		buf_printf(&t->inc, "%s/include", sr);
		buf_printf(&h, "%s/stdlib.h", t->inc.s);
	}
	libc = is_file(p.s);
	hdr = is_file(h.s);
	p.len = 0;
	buf_printf(&p, "%s/lib/wasm32-wasi/libc-printscan-long-double.a", sr);
	t->ldprintf = is_file(p.s);
	p.len = 0;
	buf_printf(&p, "%s/lib/wasm32-wasi/libc.a", sr);
	if (!libc || !hdr)
		buf_printf(&miss, "\n  - wasi-libc (package wasi-libc): no %s%s%s", libc ? "" : p.s,
		           libc || hdr ? "" : " and no ", hdr ? "" : h.s);
	buf_free(&p);
	buf_free(&h);
	if (!miss.len)
		return 0;
	fprintf(stderr, "dpmc: error: -o %s: building WebAssembly needs clang-14, lld-14, wasi-libc and "
	        "compiler-rt's wasm32 builtins; missing:%s\n"
	        "  install them (Debian, as root): apt-get install " WASM_PACKAGES
	        "; or set DPM_CLANG and DPM_WASI_SYSROOT\n", out, miss.s);
	buf_free(&miss);
	tools_free(t);
	return -1;
}

/* OUT.wasm for OUT.html (or OUT.wasm itself), malloc'd by the Buf */
static void
wasm_path(const char *out, Buf *b)
{
	if (ends_with(out, ".html"))
		buf_printf(b, "%.*s.wasm", (int)strlen(out) - 5, out);
	else
		buf_puts(b, out);
}

int
cli_build_wasm_check(const char *out)
{
	Tools t;
	Buf w = {0};
	char err[2048];
	int r = 0;

	if (ends_with(out, ".html")) {
		wasm_path(out, &w);
		if (rt_out_check(w.s, err, sizeof err) != 0) {
			fprintf(stderr, "dpmc: error: %s (the page's module, written beside it)\n", err);
			r = -1;
		}
		buf_free(&w);
	}
	if (r == 0 && (r = wasm_tools(&t, out)) == 0)
		tools_free(&t);
	return r;
}

/* The page, with the module's file name in a JavaScript string: a JSON
 * string whose <, >, & and non-ASCII bytes are escaped, so no name can
 * end the script or the string. */
static void
page(const char *wasm, Buf *b)
{
	const char *base = strrchr(wasm, '/'), *s, *at;
	Buf name = {0};
	int i;

	base = base ? base + 1 : wasm;
	for (s = base; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(&name, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&')
			buf_printf(&name, "\\x%02x", c);
		else
			buf_printf(&name, "%c", c);
	}
	for (i = 0; page_text[i]; i++) {
		if ((at = strstr(page_text[i], "@DPM_WASM@")))
			buf_printf(b, "%.*s%s%s", (int)(at - page_text[i]), page_text[i], name.s,
			           at + strlen("@DPM_WASM@"));
		else
			buf_puts(b, page_text[i]);
	}
	buf_free(&name);
}

/* clang the text into `to` (a file in a private folder). */
static int
compile(const Tools *t, const char *text, const char *dir, const char *to, const char *out)
{
	const char *args[96];
	Buf tc = {0}, sys = {0}, ex = {0};
	char err[16384];
	int n = 0, i, fd, sc, st = -1;
	size_t len = strlen(text), k;

	buf_printf(&tc, "%s/model.c", dir);
	sc = rt_tmp_add(tc.s);
	if ((fd = open(tc.s, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0
	    || write(fd, text, len) != (ssize_t)len || close(fd) != 0) {
		fprintf(stderr, "dpmc: error: cannot write '%s': %s\n", tc.s, strerror(errno));
		goto out;
	}
	buf_printf(&sys, "--sysroot=%s", t->sysroot.s);
	args[n++] = "--target=wasm32-wasi";
	args[n++] = sys.s;
	/* wasi-libc's headers only: the host's /usr/include is no place for wasm32 */
	args[n++] = "-nostdlibinc";
	args[n++] = "-isystem";
	args[n++] = t->inc.s;
	args[n++] = "-O2";
	/* 128-bit SIMD (every browser since 2021, node 16): the generated
	 * code's vector types become f64x2, twice as fast on a 2-D grid */
	args[n++] = "-msimd128";
	args[n++] = "-DDPM_NO_THREADS";
	args[n++] = "-mexec-model=reactor";
	/* the stack below the data, so an overflow traps instead of writing over it */
	args[n++] = "-Wl,--stack-first";
	args[n++] = "-Wl,-z,stack-size=1048576";
	args[n++] = "-Wl,--strip-all";
	for (i = 0; wasm_exports[i]; i++)
		buf_printf(&ex, "-Wl,--export=%s%c", wasm_exports[i], 0);
	for (k = 0; k < ex.len && n < 90; k += strlen(ex.s + k) + 1)
		args[n++] = ex.s + k;
	args[n++] = "-o";
	args[n++] = to;
	args[n++] = tc.s;
	args[n++] = "-lm";
	/* wasi-libc's default printf core, without long double, reports one
	 * on stderr, which brings in WASI's fd_write, fd_seek and fd_close;
	 * the full one has no import at all (snprintf is all the model uses) */
	if (t->ldprintf)
		args[n++] = "-lc-printscan-long-double";
	args[n] = NULL;
	if (jit_run(t->cc.s, args, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: building '%s': %s\n", out, err);
		goto out;
	}
	st = 0;
out:
	unlink(tc.s);
	rt_tmp_del(sc);
	buf_free(&tc);
	buf_free(&sys);
	buf_free(&ex);
	return st;
}

/* The folder a file is renamed into, open for flock; -1 when in place
 * (as cli_build.c's write_pair: two builds to one page cannot cross the
 * page of one with the module of the other). */
static int
lock_folder(const RtOut *o)
{
	const char *s;
	Buf d = {0};
	int fd;

	if (o->inplace)
		return -1;
	s = strrchr(o->path, '/');
	if (!s)
		buf_puts(&d, ".");
	else
		buf_printf(&d, "%.*s", s == o->path ? 1 : (int)(s - o->path), o->path);
	if ((fd = open(d.s, O_RDONLY | O_DIRECTORY)) >= 0)
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
			;
	buf_free(&d);
	return fd;
}

int
cli_build_wasm(const Opts *o, const char *ctext)
{
	Tools t;
	Buf wp = {0}, dir = {0}, to = {0}, html = {0};
	const char *tmpdir = getenv("TMPDIR");
	char err[2048];
	int st = -1, sdir = -1, so = -1, made = 0, lk, ishtml = ends_with(o->out, ".html");
	RtOut w = {.fd = -1, .slot = -1}, h = {.fd = -1, .slot = -1};

	if (wasm_tools(&t, o->out) < 0)
		return -1;
	wasm_path(o->out, &wp);
	if (rt_out_open(&w, wp.s, 0666, err, sizeof err) != 0)
		goto fail;
	if (ishtml && rt_out_open(&h, o->out, 0666, err, sizeof err) != 0)
		goto fail;
	if (w.inplace)
		buf_printf(&dir, "%s/dpmc-build.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	else
		buf_printf(&dir, "%s.tmpXXXXXX", w.path);
	if (!rt_tmp_make_dir(dir.s, &sdir)) {
		snprintf(err, sizeof err, "cannot write '%s': %s", wp.s, strerror(errno));
		goto fail;
	}
	made = 1;
	buf_printf(&to, "%s/model.wasm", dir.s);
	so = rt_tmp_add(to.s);
	if (compile(&t, ctext, dir.s, to.s, o->out) != 0)
		goto out;
	if (ishtml) {
		page(wp.s, &html);
		if (rt_out_write(&h, html.s, (size_t)html.len, err, sizeof err) != 0)
			goto fail;
	}
	lk = lock_folder(&w);
	if (rt_out_commit_file(&w, to.s, err, sizeof err) == 0) {
		st = 0;
		if (ishtml && rt_out_close(&h, err, sizeof err) != 0) {
			unlink(wp.s);
			st = -1;
		}
	}
	if (lk >= 0)
		close(lk);
	if (st == 0)
		goto out;
fail:
	fprintf(stderr, "dpmc: error: %s\n", err);
out:
	if (w.fd >= 0)
		rt_out_abort(&w);
	if (h.fd >= 0)
		rt_out_abort(&h);
	if (made) {
		unlink(to.s);
		rmdir(dir.s);
	}
	rt_tmp_del(so);
	rt_tmp_del(sdir);
	buf_free(&wp);
	buf_free(&dir);
	buf_free(&to);
	buf_free(&html);
	tools_free(&t);
	return st;
}
