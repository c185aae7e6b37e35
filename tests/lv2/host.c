/* host.c — a small LV2 host for tests/lv2 (lilv): plays a plugin found
 * on LV2_PATH as a DAW would, in blocks, with MIDI events and control
 * port moves at given frames, and writes what it outputs.  Built against
 * the real LV2 headers, so it also checks the ABI the wrapper declares
 * for itself (compiler/back/lv2.tmpl).
 *
 *   host play URI RATE NFRAMES OUT.raw [--block N] [--no-worker]
 *        [--worker-delay RUNS] [--note FRAME:KEY:VEL]... [--cc FRAME:NUM:VAL]...
 *        [--port FRAME:SYMBOL=VALUE]...
 *     OUT.raw: float32, the audio outputs interleaved.  Prints "grid N [M]"
 *     (the plugin's test hook lv2_test_grid, after the last run), "allocs
 *     K" (malloc/calloc/realloc calls inside run() and work_response) and
 *     "run_seconds S" (time inside run()).  A port move at frame F splits
 *     the block there, so it is in force from F exactly.
 *   host cmp A.raw NCH B.wav [--from F] [--to F] [--shift S]
 *     Frames [F, T) of A against frames [F - S, T - S) of the float WAV B
 *     (dpmc render --raw), every channel; prints "maxdiff D peak P" (P the
 *     peak of B over the frames compared).
 *   host peak A.raw NCH [--from F] [--to F]: "peak P" of A's frames.
 *   host diff A.raw B.raw NCH [--from F] [--to F]: "maxdiff D" of two raws. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

/* ---- counting the plugin's allocations inside run() ---- */

extern void *__libc_malloc(size_t), *__libc_calloc(size_t, size_t), *__libc_realloc(void *, size_t);
static volatile int in_run;
static long allocs;

void *
malloc(size_t n)
{
	if (in_run)
		allocs++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	if (in_run)
		allocs++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	if (in_run)
		allocs++;
	return __libc_realloc(p, n);
}

static void
die(const char *fmt, const char *s)
{
	fprintf(stderr, "host: ");
	fprintf(stderr, fmt, s);
	fprintf(stderr, "\n");
	exit(1);
}

/* ---- URIDs ---- */

static char *uris[256];
static int nuris;

static LV2_URID
map_uri(LV2_URID_Map_Handle h, const char *uri)
{
	int i;

	(void)h;
	for (i = 0; i < nuris; i++)
		if (!strcmp(uris[i], uri))
			return (LV2_URID)(i + 1);
	if (nuris == 256)
		return 0;
	uris[nuris] = strdup(uri);
	return (LV2_URID)++nuris;
}

/* ---- the worker: at once (delay 0), or RUNS runs later ---- */

typedef struct Job {
	uint32_t size;
	char data[256];
	int due;          /* the run after which it is done */
	int response;     /* a response waiting for work_response */
} Job;

static Job jobs[1024];
static int njobs, nruns, delay;
static LilvInstance *inst;
static const LV2_Worker_Interface *iface;

static LV2_Worker_Status
respond(LV2_Worker_Respond_Handle h, uint32_t size, const void *data)
{
	(void)h;
	if (njobs == 1024 || size > sizeof jobs[0].data)
		return LV2_WORKER_ERR_NO_SPACE;
	jobs[njobs].size = size;
	memcpy(jobs[njobs].data, data, size);
	jobs[njobs].response = 1;
	jobs[njobs].due = nruns;
	njobs++;
	return LV2_WORKER_SUCCESS;
}

static void
do_work(const Job *j)
{
	int was = in_run;

	in_run = 0;     /* the worker may allocate */
	iface->work(lilv_instance_get_handle(inst), respond, NULL, j->size, j->data);
	in_run = was;
}

static LV2_Worker_Status
schedule(LV2_Worker_Schedule_Handle h, uint32_t size, const void *data)
{
	Job j;

	(void)h;
	if (size > sizeof j.data || njobs == 1024)
		return LV2_WORKER_ERR_NO_SPACE;
	j.size = size;
	memcpy(j.data, data, size);
	j.response = 0;
	j.due = nruns + delay;
	if (delay == 0) {
		do_work(&j);
		return LV2_WORKER_SUCCESS;
	}
	jobs[njobs++] = j;
	return LV2_WORKER_SUCCESS;
}

/* after run number nruns: the work due, then the responses due */
static void
after_run(void)
{
	Job j;
	int i, k;

	for (i = 0; i < njobs;) {
		if (!jobs[i].response && jobs[i].due <= nruns) {
			j = jobs[i];
			memmove(jobs + i, jobs + i + 1, sizeof jobs[0] * (size_t)(njobs - i - 1));
			njobs--;
			do_work(&j);
		} else {
			i++;
		}
	}
	in_run = 1;
	for (i = 0, k = 0; i < njobs; i++)
		if (jobs[i].response)
			iface->work_response(lilv_instance_get_handle(inst), jobs[i].size, jobs[i].data);
		else
			jobs[k++] = jobs[i];
	njobs = k;
	if (iface->end_run)
		iface->end_run(lilv_instance_get_handle(inst));
	in_run = 0;
}

/* ---- play ---- */

typedef struct Ev {
	long frame;
	int kind;         /* 0 note-on, 1 control change, 2 port */
	int a, b;
	char sym[64];
	float v;
} Ev;

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* log:log: the plugin's messages on stderr, "log TYPE: ..." */
static int
log_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt, va_list ap)
{
	(void)h;
	fprintf(stderr, "log %s: ", type == map_uri(NULL, LV2_LOG__Error) ? "error" : "other");
	return vfprintf(stderr, fmt, ap);
}

static int
log_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = log_vprintf(h, type, fmt, ap);
	va_end(ap);
	return n;
}

static int
play(int argc, char **argv)
{
	const char *uri = argv[2], *outpath = argv[5];
	double rate = atof(argv[3]), t0, busy = 0;
	long nframes = atol(argv[4]), block = 64, at, end, f;
	Ev ev[64];
	int nev = 0, i, k, worker = 1, nports, nout = 0, outs[16], ctl[256], nctl = 0, midi = -1;
	LilvWorld *w;
	const LilvPlugins *all;
	const LilvPlugin *p;
	LilvNode *u, *audio, *control, *atomp, *output;
	LV2_URID_Map map = {NULL, map_uri};
	LV2_Worker_Schedule sched = {NULL, schedule};
	LV2_Log_Log logf = {NULL, log_printf, log_vprintf};
	LV2_Feature fmap = {LV2_URID__map, &map}, fsched = {LV2_WORKER__schedule, &sched};
	LV2_Feature flog = {LV2_LOG__log, &logf};
	const LV2_Feature *features[4] = {&fmap, &fsched, &flog, NULL};
	float *mins, *maxs, *defs, *vals, *buf, *o;
	uint64_t seqbuf[512];
	LV2_Atom_Sequence *seq = (LV2_Atom_Sequence *)seqbuf;
	LV2_Atom_Event *e;
	FILE *out;
	char *libpath;
	void *lib;
	int (*grid)(LV2_Handle, int *);
	int n[2] = {0, 0}, nd;

	for (i = 6; i < argc; i++) {
		if (!strcmp(argv[i], "--block") && i + 1 < argc)
			block = atol(argv[++i]);
		else if (!strcmp(argv[i], "--no-worker"))
			worker = 0;
		else if (!strcmp(argv[i], "--worker-delay") && i + 1 < argc)
			delay = atoi(argv[++i]);
		else if ((!strcmp(argv[i], "--note") || !strcmp(argv[i], "--cc")) && i + 1 < argc && nev < 64) {
			ev[nev].kind = argv[i][2] == 'n' ? 0 : 1;
			if (sscanf(argv[++i], "%ld:%d:%d", &ev[nev].frame, &ev[nev].a, &ev[nev].b) != 3)
				die("bad event '%s'", argv[i]);
			nev++;
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc && nev < 64) {
			ev[nev].kind = 2;
			if (sscanf(argv[++i], "%ld:%63[^=]=%f", &ev[nev].frame, ev[nev].sym, &ev[nev].v) != 3)
				die("bad port move '%s'", argv[i]);
			nev++;
		} else {
			die("unknown argument '%s'", argv[i]);
		}
	}
	w = lilv_world_new();
	lilv_world_load_all(w);
	all = lilv_world_get_all_plugins(w);
	u = lilv_new_uri(w, uri);
	if (!(p = lilv_plugins_get_by_uri(all, u)))
		die("no plugin %s on LV2_PATH", uri);
	if (!(inst = lilv_plugin_instantiate(p, rate, worker ? features : (const LV2_Feature *[]){&fmap, NULL})))
		die("%s: instantiate failed", uri);
	iface = lilv_instance_get_extension_data(inst, LV2_WORKER__interface);
	if (worker && !iface)
		die("%s: no worker interface", uri);
	audio = lilv_new_uri(w, LV2_CORE__AudioPort);
	control = lilv_new_uri(w, LV2_CORE__ControlPort);
	atomp = lilv_new_uri(w, LV2_ATOM__AtomPort);
	output = lilv_new_uri(w, LV2_CORE__OutputPort);
	nports = (int)lilv_plugin_get_num_ports(p);
	mins = calloc((size_t)nports, sizeof *mins);
	maxs = calloc((size_t)nports, sizeof *maxs);
	defs = calloc((size_t)nports, sizeof *defs);
	vals = calloc((size_t)nports, sizeof *vals);
	lilv_plugin_get_port_ranges_float(p, mins, maxs, defs);
	for (i = 0; i < nports; i++) {
		const LilvPort *port = lilv_plugin_get_port_by_index(p, (uint32_t)i);
		if (lilv_port_is_a(p, port, audio) && lilv_port_is_a(p, port, output) && nout < 16)
			outs[nout++] = i;
		else if (lilv_port_is_a(p, port, control) && nctl < 256) {
			ctl[nctl++] = i;
			vals[i] = defs[i];
			lilv_instance_connect_port(inst, (uint32_t)i, &vals[i]);
		} else if (lilv_port_is_a(p, port, atomp))
			midi = i;
	}
	/* the port a move names */
	for (k = 0; k < nev; k++)
		if (ev[k].kind == 2) {
			for (i = 0; i < nctl; i++) {
				const LilvPort *port = lilv_plugin_get_port_by_index(p, (uint32_t)ctl[i]);
				if (!strcmp(lilv_node_as_string(lilv_port_get_symbol(p, port)), ev[k].sym))
					break;
			}
			if (i == nctl)
				die("no control port '%s'", ev[k].sym);
			ev[k].a = ctl[i];
		}
	buf = calloc((size_t)(block * nout), sizeof *buf);
	o = calloc((size_t)nout, sizeof *o);
	for (i = 0; i < nout; i++)
		lilv_instance_connect_port(inst, (uint32_t)outs[i], buf + i * block);
	if (midi >= 0)
		lilv_instance_connect_port(inst, (uint32_t)midi, seq);
	if (!(out = fopen(outpath, "wb")))
		die("cannot write %s", outpath);
	lilv_instance_activate(inst);
	for (at = 0; at < nframes; at = end) {
		end = at + block < nframes ? at + block : nframes;
		/* port moves: at the block's start, and a block ends before the next */
		for (k = 0; k < nev; k++)
			if (ev[k].kind == 2) {
				if (ev[k].frame == at)
					vals[ev[k].a] = ev[k].v;
				else if (ev[k].frame > at && ev[k].frame < end)
					end = ev[k].frame;
			}
		seq->atom.type = map_uri(NULL, LV2_ATOM__Sequence);
		seq->atom.size = sizeof(LV2_Atom_Sequence_Body);
		seq->body.unit = 0;
		seq->body.pad = 0;
		for (k = 0; k < nev; k++)
			if (ev[k].kind < 2 && ev[k].frame >= at && ev[k].frame < end) {
				e = (LV2_Atom_Event *)((char *)seq + sizeof(LV2_Atom) + seq->atom.size);
				e->time.frames = ev[k].frame - at;
				e->body.type = map_uri(NULL, LV2_MIDI__MidiEvent);
				e->body.size = 3;
				((uint8_t *)(e + 1))[0] = ev[k].kind == 0 ? 0x90 : 0xb0;
				((uint8_t *)(e + 1))[1] = (uint8_t)ev[k].a;
				((uint8_t *)(e + 1))[2] = (uint8_t)ev[k].b;
				seq->atom.size += (uint32_t)((sizeof(LV2_Atom_Event) + 3 + 7) & ~(size_t)7);
			}
		t0 = now();
		in_run = 1;
		lilv_instance_run(inst, (uint32_t)(end - at));
		in_run = 0;
		busy += now() - t0;
		nruns++;
		if (iface && worker)
			after_run();
		for (f = 0; f < end - at; f++) {
			for (i = 0; i < nout; i++)
				o[i] = buf[i * block + f];
			fwrite(o, sizeof *o, (size_t)nout, out);
		}
	}
	lilv_instance_deactivate(inst);
	libpath = lilv_file_uri_parse(lilv_node_as_uri(lilv_plugin_get_library_uri(p)), NULL);
	lib = dlopen(libpath, RTLD_NOW | RTLD_NOLOAD);
	if (lib && (*(void **)&grid = dlsym(lib, "lv2_test_grid"))) {
		nd = grid(lilv_instance_get_handle(inst), n);
		printf(nd == 2 ? "grid %d %d\n" : "grid %d\n", n[0], n[1]);
	}
	printf("allocs %ld\nrun_seconds %g\n", allocs, busy);
	if (lib)
		dlclose(lib);
	lilv_free(libpath);
	lilv_instance_free(inst);
	if (fclose(out) != 0)
		die("cannot write %s", outpath);
	lilv_node_free(u);
	lilv_node_free(audio);
	lilv_node_free(control);
	lilv_node_free(atomp);
	lilv_node_free(output);
	lilv_world_free(w);
	return 0;
}

/* ---- compare ---- */

static float *
read_raw(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	float *v;
	long sz;

	if (!f)
		die("cannot read %s", path);
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	v = malloc((size_t)sz + 4);
	*n = (long)fread(v, sizeof *v, (size_t)sz / sizeof *v, f);
	fclose(f);
	return v;
}

/* the samples of a 32-bit float WAV (any channels), interleaved */
static float *
read_wav(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char h[12], c[8];
	uint32_t len;
	float *v = NULL;

	if (!f || fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		die("%s: not a WAV file", path);
	while (fread(c, 1, 8, f) == 8) {
		len = (uint32_t)c[4] | (uint32_t)c[5] << 8 | (uint32_t)c[6] << 16 | (uint32_t)c[7] << 24;
		if (!memcmp(c, "data", 4)) {
			v = malloc(len + 4);
			*n = (long)fread(v, sizeof *v, len / sizeof *v, f);
			break;
		}
		fseek(f, (long)(len + (len & 1)), SEEK_CUR);
	}
	fclose(f);
	if (!v)
		die("%s: no data chunk", path);
	return v;
}

static void
range_args(int argc, char **argv, int from, long *lo, long *hi, long *shift)
{
	int i;

	for (i = from; i < argc; i++)
		if (!strcmp(argv[i], "--from") && i + 1 < argc)
			*lo = atol(argv[++i]);
		else if (!strcmp(argv[i], "--to") && i + 1 < argc)
			*hi = atol(argv[++i]);
		else if (!strcmp(argv[i], "--shift") && i + 1 < argc && shift)
			*shift = atol(argv[++i]);
		else
			die("unknown argument '%s'", argv[i]);
}

int
main(int argc, char **argv)
{
	long na, nb, lo = 0, hi = -1, shift = 0, f, c, nch;
	float *a, *b;
	double d = 0, peak = 0;

	if (argc >= 6 && !strcmp(argv[1], "play"))
		return play(argc, argv);
	if (argc >= 5 && (!strcmp(argv[1], "cmp") || !strcmp(argv[1], "diff"))) {
		int raw = !strcmp(argv[1], "diff");
		nch = atol(argv[raw ? 4 : 3]);
		a = read_raw(argv[2], &na);
		b = raw ? read_raw(argv[3], &nb) : read_wav(argv[4], &nb);
		range_args(argc, argv, 5, &lo, &hi, raw ? NULL : &shift);
		if (hi < 0)
			hi = na / nch;
		if (hi > na / nch || hi - shift > nb / nch || lo - shift < 0 || lo > hi)
			die("frames out of range in %s", argv[2]);
		for (f = lo; f < hi; f++)
			for (c = 0; c < nch; c++) {
				double x = a[f * nch + c], y = b[(f - shift) * nch + c];
				if (!(fabs(x - y) <= d))
					d = isnan(x - y) ? INFINITY : fabs(x - y);
				if (fabs(y) > peak)
					peak = fabs(y);
			}
		printf(raw ? "maxdiff %.9g\n" : "maxdiff %.9g peak %.9g\n", d, peak);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "peak")) {
		nch = atol(argv[3]);
		a = read_raw(argv[2], &na);
		range_args(argc, argv, 4, &lo, &hi, NULL);
		if (hi < 0 || hi > na / nch)
			hi = na / nch;
		for (f = lo * nch; f < hi * nch; f++)
			if (!(fabs(a[f]) <= peak))
				peak = isnan(a[f]) ? INFINITY : fabs(a[f]);
		printf("peak %.9g\n", peak);
		return 0;
	}
	fprintf(stderr, "usage: host play URI RATE NFRAMES OUT.raw [options] | host cmp A.raw NCH B.wav "
	        "[--from F] [--to F] [--shift S] | host diff A.raw B.raw NCH [--from F] [--to F] | "
	        "host peak A.raw NCH [--from F] [--to F]\n");
	return 2;
}
