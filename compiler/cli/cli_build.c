/* cli_build.c — `dpmc build -o OUT`: the model's C text as a file, a
 * shared object, or an executable that renders it.
 * requires: the C text and header from emit_c.c, and for an executable
 * the runtime (libdpmrt.a and rt.h) beside dpmc or installed.
 * The executable's main() below writes through rt_wav_write with the same
 * sample count and rate as `dpmc render`, so for the same options its
 * file equals render's byte for byte. */
#define _DEFAULT_SOURCE    /* flock */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "../runtime/rt.h"

/* The main() of a built executable, one string per line (ISO C caps a
 * literal's length).  DPM_P(x) names the model's function
 * PREFIX_x; everything else is prefixed dpm_main_ to stay clear of the
 * generated code's names. */
static const char *const exe_main[] = {
	"\n/* ---- main() added by dpmc build ---- */\n",
	"#include <ctype.h>\n",
	"#include <math.h>\n",
	"#include <stdio.h>\n",
	"#include <stdlib.h>\n",
	"#include <string.h>\n",
	"#include \"rt.h\"\n",
	"\n",
	"static int\n",
	"dpm_main_usage(const char *argv0, int st)\n",
	"{\n",
	"\tfprintf(st ? stderr : stdout, \"usage: %s -o FILE.wav [-d SECONDS] [--params FILE.json] [--set NAME=VALUE]... [--raw [--double]] [-r HZ] [--grid N[,M]]\\n\"\n",
	"\t        \"render the model %s to a WAV file (24-bit, peak -1 dBFS; --raw: 32-bit float, unscaled; --double: 64-bit)\\n\",\n",
	"\t        argv0, DPM_P(name)());\n",
	"\treturn st;\n",
	"}\n",
	"\n",
	"static int\n",
	"dpm_main_number(const char *s, double *v)\n",
	"{\n",
	"\tchar *end;\n",
	"\n",
	"\tif (strpbrk(s, \"xX\"))    /* decimal only, as dpmc */\n",
	"\t\treturn -1;\n",
	"\t*v = strtod(s, &end);\n",
	"\treturn end != s && !*end && isfinite(*v) ? 0 : -1;\n",
	"}\n",
	"\n",
	"int\n",
	"main(int argc, char **argv)\n",
	"{\n",
	"\tint np = DPM_P(nparams)(), nch = DPM_P(noutputs)(), grid[2] = {0, 0}, pg[2] = {0, 0}, ngrid = 0, raw = 0, i, p;\n",
	"\tdouble *vals = malloc(sizeof(double) * (size_t)(np + 1)), dur = 1, rate = 0, v, *buf, ph[2];\n",
	"\tconst char *out = NULL, *a, *val, *eq, *pfile = NULL, **sets = malloc(sizeof(char *) * (size_t)argc);\n",
	"\tint nsets = 0;\n",
	"\tRtModel rm;\n",
	"\tchar err[2048], *end;\n",
	"\tlong nframes, n;\n",
	"\tvoid *m;\n",
	"\n",
	"\tif (!vals || !sets) {\n",
	"\t\tfprintf(stderr, \"%s: error: out of memory\\n\", argv[0]);\n",
	"\t\treturn 1;\n",
	"\t}\n",
	"\tfor (p = 0; p < np; p++)\n",
	"\t\tvals[p] = DPM_P(param_default)(p);\n",
	"\tfor (i = 1; i < argc; i++) {\n",
	"\t\ta = argv[i];\n",
	"\t\tif (!strcmp(a, \"--help\") || !strcmp(a, \"-h\"))\n",
	"\t\t\treturn dpm_main_usage(argv[0], 0);\n",
	"\t\tif (!strcmp(a, \"--raw\")) {\n",
	"\t\t\traw = raw ? raw : 1;\n",
	"\t\t\tcontinue;\n",
	"\t\t}\n",
	"\t\tif (!strcmp(a, \"--double\")) {\n",
	"\t\t\traw = 2;\n",
	"\t\t\tcontinue;\n",
	"\t\t}\n",
	"\t\tif (strcmp(a, \"-o\") && strcmp(a, \"-d\") && strcmp(a, \"--set\") && strcmp(a, \"-r\")\n",
	"\t\t    && strcmp(a, \"--grid\") && strcmp(a, \"--params\")) {\n",
	"\t\t\tfprintf(stderr, \"%s: error: unknown option '%s'\\n\", argv[0], a);\n",
	"\t\t\treturn dpm_main_usage(argv[0], 2);\n",
	"\t\t}\n",
	"\t\tif (i + 1 >= argc) {\n",
	"\t\t\tfprintf(stderr, \"%s: error: option '%s' needs a value\\n\", argv[0], a);\n",
	"\t\t\treturn 2;\n",
	"\t\t}\n",
	"\t\tval = argv[++i];\n",
	"\t\tif (!strcmp(a, \"-o\")) {\n",
	"\t\t\tout = val;\n",
	"\t\t} else if (!strcmp(a, \"--params\")) {\n",
	"\t\t\tpfile = val;\n",
	"\t\t} else if (!strcmp(a, \"--set\")) {\n",
	"\t\t\tsets[nsets++] = val;\n",
	"\t\t} else if (!strcmp(a, \"-d\")) {\n",
	"\t\t\tif (dpm_main_number(val, &dur) < 0 || dur <= 0) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: -d %s: the duration must be a positive, finite number of seconds\\n\", argv[0], val);\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t} else if (!strcmp(a, \"-r\")) {\n",
	"\t\t\tif (dpm_main_number(val, &rate) < 0 || rate < 1 || rate > 1e7 || rate != floor(rate)) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: -r %s: the rate must be a whole number of Hz from 1 to 10000000\\n\", argv[0], val);\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t} else if (!strcmp(a, \"--grid\")) {\n",
	"\t\t\tconst char *s = val;\n",
	"\t\t\tfor (ngrid = 0;;) {\n",
	"\t\t\t\tn = strtol(s, &end, 10);\n",
	"\t\t\t\tif (end == s || n < 1 || n > 1000000000L || ngrid == 2 || (*end && *end != ',')) {\n",
	"\t\t\t\t\tfprintf(stderr, \"%s: error: --grid %s: expected N or N,M\\n\", argv[0], val);\n",
	"\t\t\t\t\treturn 1;\n",
	"\t\t\t\t}\n",
	"\t\t\t\tgrid[ngrid++] = (int)n;\n",
	"\t\t\t\tif (!*end)\n",
	"\t\t\t\t\tbreak;\n",
	"\t\t\t\ts = end + 1;\n",
	"\t\t\t}\n",
	"\t\t\tif (ngrid != DPM_P(ndim)()) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: --grid %s: the model is %dD\\n\", argv[0], val, DPM_P(ndim)());\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t}\n",
	"\t}\n",
	"\t/* as dpmc: the defaults, then the params file (runtime/params.c, the\n",
	"\t * same checks and messages), then each --set in order */\n",
	"\trm.nparams = DPM_P(nparams);\n",
	"\trm.param_name = DPM_P(param_name);\n",
	"\trm.param_min = DPM_P(param_min);\n",
	"\trm.param_max = DPM_P(param_max);\n",
	"\trm.param_log = DPM_P(param_log);\n",
	"\trm.net = DPM_P(net);\n",
	"\tif (pfile && rt_params_read(&rm, pfile, vals, stderr, argv[0]) != 0)\n",
	"\t\treturn 1;\n",
	"\tfor (i = 0; i < nsets; i++) {\n",
	"\t\tval = sets[i];\n",
	"\t\t{\n",
	"\t\t\tif (!(eq = strchr(val, '='))) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: --set %s: expected NAME=VALUE\\n\", argv[0], val);\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t\tfor (p = 0; p < np; p++)\n",
	"\t\t\t\tif (strlen(DPM_P(param_name)(p)) == (size_t)(eq - val)\n",
	"\t\t\t\t    && !strncmp(DPM_P(param_name)(p), val, (size_t)(eq - val)))\n",
	"\t\t\t\t\tbreak;\n",
	"\t\t\tif (p == np) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: --set %s: unknown param; the params are:\", argv[0], val);\n",
	"\t\t\t\tfor (p = 0; p < np; p++)\n",
	"\t\t\t\t\tfprintf(stderr, \" %s\", DPM_P(param_name)(p));\n",
	"\t\t\t\tfprintf(stderr, \"\\n\");\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t\tif (dpm_main_number(eq + 1, &v) < 0) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: --set %s: not a finite number\\n\", argv[0], val);\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t\tif (v < DPM_P(param_min)(p) || v > DPM_P(param_max)(p)) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: --set %s: outside the range [%g, %g]\\n\", argv[0], val,\n",
	"\t\t\t\t        DPM_P(param_min)(p), DPM_P(param_max)(p));\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t\tif (DPM_P(param_log)(p) && !(v > 0)) {\n",
	"\t\t\t\tfprintf(stderr, \"%s: error: --set %s: a `log` param needs a value above 0\\n\", argv[0], val);\n",
	"\t\t\t\treturn 1;\n",
	"\t\t\t}\n",
	"\t\t\tvals[p] = v;\n",
	"\t\t}\n",
	"\t}\n",
	"\tif (!out) {\n",
	"\t\tfprintf(stderr, \"%s: error: missing '-o FILE.wav'\\n\", argv[0]);\n",
	"\t\treturn dpm_main_usage(argv[0], 2);\n",
	"\t}\n",
	"\t/* the same steps as dpmc render, in the same order */\n",
	"\tif (rate <= 0)\n",
	"\t\trate = DPM_P(default_rate)();\n",
	"\tif ((nframes = rt_nframes(dur, rate, nch, err, (int)sizeof err)) < 0) {\n",
	"\t\tfprintf(stderr, \"%s: error: %s\\n\", argv[0], err);\n",
	"\t\treturn 1;\n",
	"\t}\n",
	"\tif (rt_wav_check(out, nch, raw, err, (int)sizeof err) != 0) {\n",
	"\t\tfprintf(stderr, \"%s: error: %s\\n\", argv[0], err);\n",
	"\t\treturn 1;\n",
	"\t}\n",
	"\terr[0] = 0;\n",
	"#ifdef DPM_CHAINS\n",
	"\t/* a second field's grid is compiled in, planned at build */\n",
	"\tfor (p = 0; p < np && (!dpm_main_dep(p) || vals[p] == dpm_main_at(p)); p++)\n",
	"\t\t;\n",
	"\tif (p < np || rate != DPM_P(default_rate)())    /* --grid forces the grid field's alone */\n",
	"\t\tfprintf(stderr, \"%s: warning: the grid of %s is compiled in, planned at build for %g Hz and \"\n",
	"\t\t        \"the values built with; dpmc render plans it for %s, which may give another: for \"\n",
	"\t\t        \"its samples, build with them (dpmc build %s -r ... --set ...)\\n\", argv[0], DPM_CHAINS,\n",
	"\t\t        DPM_P(default_rate)(), p < np ? \"these values\" : \"this rate\", DPM_SRC);\n",
	"#endif\n",
	"\t/* the grid for the whole render, as dpmc render plans it (a\n",
	"\t * coefficient that varies in time: not only at t = 0) */\n",
	"\tif (DPM_P(plan_for)(vals, rate, (double)nframes / rate, ngrid ? grid : NULL, pg, ph, err, (int)sizeof err)\n",
	"\t    || !(m = DPM_P(create)(vals, rate, pg, err, (int)sizeof err))) {\n",
	"\t\t/* LINE:COL: of the model it was built from */\n",
	"\t\tfprintf(stderr, \"%s: error: %s%s\\n\", argv[0], isdigit((unsigned char)err[0]) ? DPM_SRC \":\" : \"\", err);\n",
	"\t\treturn 1;\n",
	"\t}\n",
	"\tif (!(buf = malloc(sizeof(double) * (size_t)nframes * (size_t)nch))) {\n",
	"\t\tfprintf(stderr, \"%s: error: out of memory\\n\", argv[0]);\n",
	"\t\treturn 1;\n",
	"\t}\n",
	"\tDPM_P(run)(m, nframes, buf);\n",
	"\tif (rt_wav_write(out, buf, nframes, nch, (int)floor(rate + 0.5), raw, err, (int)sizeof err) != 0) {\n",
	"\t\tfprintf(stderr, \"%s: error: %s\\n\", argv[0], err);\n",
	"\t\treturn 1;\n",
	"\t}\n",
	"\tfree(buf);\n",
	"\tfree(vals);\n",
	"\tfree(sets);\n",
	"\tDPM_P(destroy)(m);\n",
	"\treturn 0;\n",
	"}\n",
	NULL
};

static int
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

/* The runtime of the build tree (runtime/ beside dpmc), else the installed one. */
static void
runtime_dir(const char *exedir, Buf *b)
{
	buf_printf(b, "%s/runtime/libdpmrt.a", exedir);
	if (access(b->s, R_OK) == 0) {
		b->len = 0;
		buf_printf(b, "%s/runtime", exedir);
	} else {
		b->len = 0;
		buf_printf(b, "%s/../share/dpm/runtime", exedir);
	}
}

/* cc the text into OUT (shared or executable).  cc works in a private
 * folder (mkdtemp, 0700) beside OUT, so nothing another user plants there
 * can take its output, and the program is then renamed onto OUT (copied
 * into it when OUT is a device or a FIFO). */
static int
compile_to(const char *path, const char *text, int shared, const char *exedir)
{
	Buf dir = {0}, tc = {0}, to = {0}, rt = {0}, lib = {0};
	const char *args[20], *tmpdir = getenv("TMPDIR");
	char err[8192];
	int n = 0, st = -1, sdir = -1, sc = -1, so = -1, fd, made = 0;
	RtOut out, src;

	if (rt_out_open(&out, path, 0777, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	if (out.inplace)
		buf_printf(&dir, "%s/dpmc-build.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	else
		buf_printf(&dir, "%s.tmpXXXXXX", out.path);
	if (!rt_tmp_make_dir(dir.s, &sdir)) {
		fprintf(stderr, "dpmc: error: cannot write '%s': %s\n", path, strerror(errno));
		goto out;
	}
	made = 1;
	buf_printf(&tc, "%s/model.c", dir.s);
	buf_printf(&to, "%s/model", dir.s);
	sc = rt_tmp_add(tc.s);
	so = rt_tmp_add(to.s);
	/* written through rt_out_write, which says why a write falls short
	 * (EFBIG past `ulimit -f`; a short count sets no errno) */
	if ((fd = open(tc.s, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		fprintf(stderr, "dpmc: error: cannot write '%s': %s\n", tc.s, strerror(errno));
		goto out;
	}
	src = (RtOut){ .fd = fd, .name = tc.s };
	if (rt_out_write(&src, text, strlen(text), err, sizeof err) != 0) {
		close(fd);
		fprintf(stderr, "dpmc: error: %s\n", err);
		goto out;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "dpmc: error: cannot write '%s': %s\n", tc.s, strerror(errno));
		goto out;
	}
	args[n++] = "-O2";
	args[n++] = "-ffp-contract=off";   /* the same numbers as the JIT's */
	args[n++] = "-pthread";            /* the gradient's threads */
	/* the runtime: an executable's main() writes WAV files with it, a
	 * shared object's dpm_grad takes every loss of dpmc grad from it */
	runtime_dir(exedir, &rt);
	buf_printf(&lib, "%s/libdpmrt.a", rt.s);
	if (access(lib.s, R_OK) != 0) {
		fprintf(stderr, "dpmc: error: the runtime library '%s' is missing; "
		        "run 'make' (or 'make install')\n", lib.s);
		goto out;
	}
	if (shared) {
		args[n++] = "-fPIC";
		args[n++] = "-shared";
		args[n++] = "-DDPM_RT_LOSS";
		args[n++] = "-Wl,--exclude-libs,ALL";   /* only the model's names are the object's */
		/* its dpm_* call their own: with another model's object loaded
		 * first (RTLD_GLOBAL, or linked), they bound to that one's */
		args[n++] = "-Wl,-Bsymbolic";
	} else {
		args[n++] = "-I";
		args[n++] = rt.s;
	}
	args[n++] = "-o";
	args[n++] = to.s;
	args[n++] = tc.s;
	args[n++] = lib.s;
	args[n++] = shared ? "-lfftw3" : "-lsndfile";
	args[n++] = "-lm";
	args[n] = NULL;
	if (jit_cc_run(args, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: building '%s': %s\n", path, err);
		goto out;
	}
	st = rt_out_commit_file(&out, to.s, err, sizeof err);
	if (st != 0)
		fprintf(stderr, "dpmc: error: %s\n", err);
out:
	if (out.fd >= 0)
		rt_out_abort(&out);
	if (made) {
		unlink(tc.s);
		unlink(to.s);
		rmdir(dir.s);
	}
	rt_tmp_del(sc);
	rt_tmp_del(so);
	rt_tmp_del(sdir);
	buf_free(&dir);
	buf_free(&tc);
	buf_free(&to);
	buf_free(&rt);
	buf_free(&lib);
	return st;
}

/* OUT.h for OUT.c or OUT.so, malloc'd by the Buf */
static void
header_path(const char *out, Buf *b)
{
	buf_printf(b, "%.*s.h", (int)strlen(out) - (ends_with(out, ".so") ? 3 : 2), out);
}

/* Would the file written beside the output (OUT.h beside OUT.c or
 * OUT.so, OUT.wasm beside OUT.html) replace an input, the model or the
 * --params file?  Said (main.c's clobbers checks -o itself). */
static void
companion(const Opts *o, Buf *c)
{
	if (ends_with(o->out, ".c") || ends_with(o->out, ".so"))
		header_path(o->out, c);
	else if (ends_with(o->out, ".html"))
		buf_printf(c, "%.*s.wasm", (int)strlen(o->out) - 5, o->out);
}

/* The same for a file the model imports (known once it is loaded). */
int
cli_build_companion_import(const Opts *o, const struct Model *m)
{
	Buf c = {0};
	char what[4200];
	int bad;

	companion(o, &c);
	snprintf(what, sizeof what, "-o %s writes", o->out);
	bad = c.s && cli_is_import(m, what, c.s);
	buf_free(&c);
	return bad;
}

static int
companion_clobbers(const Opts *o)
{
	const char *in[2] = {o->model, o->params_file}, *iname[2] = {"the model", "the --params file"};
	Buf c = {0};
	int j, bad = 0;

	companion(o, &c);
	for (j = 0; c.s && j < 2 && !bad; j++)
		if (in[j] && cli_same_file(c.s, in[j])) {
			fprintf(stderr, "dpmc: error: -o %s writes %s beside it, which is %s: writing it would "
			        "replace it; name another output\n", o->out, c.s, iname[j]);
			bad = 1;
		}
	buf_free(&c);
	return bad;
}

/* Is out a suffix with no name before it (-o .so: a hidden .so and
 * .h)?  Said.  (A bundle's, -o .lv2, is build_lv2.c's.) */
static int
suffix_only(const char *out)
{
	static const char *const sfx[] = {".c", ".so", ".wasm", ".html"};
	size_t n = strlen(out), i;
	const char *base;

	for (base = out + n; base > out && base[-1] != '/'; base--)
		;
	for (i = 0; i < sizeof sfx / sizeof *sfx; i++)
		if ((size_t)(out + n - base) == strlen(sfx[i]) && !strncmp(base, sfx[i], strlen(sfx[i]))) {
			fprintf(stderr, "dpmc: error: -o %s: the file has no name before its suffix; write "
			        "-o NAME%s\n", out, sfx[i]);
			return 1;
		}
	return 0;
}

int
cli_build_check(const Opts *o)
{
	Buf h = {0};
	char err[2048];
	int r = 0;

	if (suffix_only(o->out) || companion_clobbers(o))
		return -1;
	if (ends_with(o->out, ".lv2") || ends_with(o->out, ".lv2/"))
		return cli_build_lv2_check(o);
	if (rt_out_is_std(o->out)) {
		fprintf(stderr, "dpmc: error: -o %s: build writes files; name one "
		        "('dpmc emit --stage c' prints the C)\n", o->out);
		return -1;
	}
	if (ends_with(o->out, ".h")) {
		fprintf(stderr, "dpmc: error: -o %s: name the C file, OUT.c; its header OUT.h is written beside it\n",
		        o->out);
		return -1;
	}
	if (rt_out_check(o->out, err, sizeof err) != 0)
		r = -1;
	else if (ends_with(o->out, ".wasm") || ends_with(o->out, ".html"))
		return cli_build_wasm_check(o->out);    /* build_wasm.c: the .wasm beside, the tools */
	else if (ends_with(o->out, ".c") || ends_with(o->out, ".so")) {
		header_path(o->out, &h);
		r = rt_out_check(h.s, err, sizeof err);
		buf_free(&h);
	}
	if (r < 0)
		fprintf(stderr, "dpmc: error: %s\n", err);
	return r;
}

/* The folder a file is renamed into, open for flock; -1 when in place. */
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

/* OUT.c and OUT.h: both or neither, and a pair from one model: both are
 * written under temporary names, then renamed under a lock on their
 * folder, so two builds to the same OUT.c cannot cross their halves. */
static int
write_pair(const char *cpath, const char *ctext, const char *hpath, const char *htext)
{
	RtOut c, h;
	char err[2048];
	int lk, st = -1;

	if (rt_out_open(&c, cpath, 0666, err, sizeof err) != 0)
		goto fail;
	if (rt_out_open(&h, hpath, 0666, err, sizeof err) != 0) {
		rt_out_abort(&c);
		goto fail;
	}
	if (rt_out_write(&c, ctext, strlen(ctext), err, sizeof err) != 0
	    || rt_out_write(&h, htext, strlen(htext), err, sizeof err) != 0) {
		rt_out_abort(&c);
		rt_out_abort(&h);
		goto fail;
	}
	lk = lock_folder(&c);
	if (rt_out_close(&c, err, sizeof err) != 0)
		rt_out_abort(&h);
	else if (rt_out_close(&h, err, sizeof err) != 0)
		unlink(cpath);
	else
		st = 0;
	if (lk >= 0)
		close(lk);    /* and the lock with it */
	if (st == 0)
		return 0;
fail:
	fprintf(stderr, "dpmc: error: %s\n", err);
	return -1;
}

int
cli_build(const Opts *o, const char *ctext, const char *header, const char *prefix,
          const char *exedir, const char *chains)
{
	Buf b = {0}, dot = {0};
	Opts oo;
	int st = -1, i;

	if (cli_build_check(o) < 0)
		return -1;
	/* a relative name that starts with '-' (-o -x.so): ./-x.so, so that
	 * the tools (cc, clang, its temporary folder beside it) do not read
	 * it, or the paths made from it, as an option (cc took
	 * -x.so.tmpXXXXXX/model.c for -d...: an object with no model in it) */
	if (o->out[0] == '-' && o->out[1]) {
		buf_printf(&dot, "./%s", o->out);
		oo = *o;
		oo.out = dot.s;
		o = &oo;
	}
	if (ends_with(o->out, ".lv2") || ends_with(o->out, ".lv2/")) {
		st = cli_build_lv2(o, ctext, prefix);
	} else if (ends_with(o->out, ".c")) {
		header_path(o->out, &b);
		st = write_pair(o->out, ctext, b.s, header);
	} else if (ends_with(o->out, ".wasm") || ends_with(o->out, ".html")) {
		st = cli_build_wasm(o, ctext);
	} else if (ends_with(o->out, ".so")) {
		/* and OUT.h beside it (api.md), or neither */
		RtOut h;
		char err[2048];
		header_path(o->out, &b);
		if ((st = compile_to(o->out, ctext, 1, exedir)) == 0
		    && (rt_out_open(&h, b.s, 0666, err, sizeof err) != 0
		        || (rt_out_write(&h, header, strlen(header), err, sizeof err) != 0 && (rt_out_abort(&h), 1))
		        || rt_out_close(&h, err, sizeof err) != 0)) {
			fprintf(stderr, "dpmc: error: %s\n", err);
			unlink(o->out);
			st = -1;
		}
	} else {
		const char *base = strrchr(o->out, '/'), *dot;
		base = base ? base + 1 : o->out;
		dot = strrchr(base, '.');
		if (dot && dot != base && dot[1])    /* cli.md: OUT with no suffix */
			fprintf(stderr, "dpmc: note: -o %s: '%s' is none of .c, .so, .lv2, .wasm, .html, so "
			        "this builds an executable (an object file: build OUT.c, then cc -c it)\n",
			        o->out, dot);
		const char *src = strrchr(o->model, '/');
		buf_printf(&b, "%s\n#define DPM_P(x) %s_##x\n#define DPM_SRC \"", ctext, prefix);
		for (src = src ? src + 1 : o->model; *src; src++)    /* the model's file name, a C string */
			buf_printf(&b, isalnum((unsigned char)*src) || strchr("._-+", *src) ? "%c" : "\\%03o",
			           (unsigned char)*src);
		buf_puts(&b, "\"\n");
		if (chains)
			buf_puts(&b, chains);
		for (i = 0; exe_main[i]; i++)
			buf_puts(&b, exe_main[i]);
		st = compile_to(o->out, b.s, 0, exedir);
	}
	buf_free(&b);
	buf_free(&dot);
	return st;
}
