/* emit_ck.c — the generated C that is the same for every model, kept as
 * templates the Makefile makes into string tables: the gradient's
 * checkpoints (compiler/back/ck.tmpl, after the model's own @__gcheck,
 * @__bseg, @__gend) and the dpm_* interface of ../shared/spec/api.md
 * (compiler/back/api.tmpl, after everything else). */
#include "dpm.h"
#include "emit.h"
#include "../../runtime/rt.h"

/* one string per line: ISO C promises no string longer than 4095 */
static const char *const ck_text[] = {
#include "ck_text.h"
	0
};

static const char *const api_text[] = {
#include "api_text.h"
	0
};

/* The declarations, in the header and before the definitions. */
static const char api_head[] =
"#ifndef DPM_API_H\n"
"#define DPM_API_H\n"
"/* The interface of every model dpmc builds (../shared/spec/api.md, and\n"
" * docs/dpmc.1): one model instance per thread; only dpm_new, dpm_reset,\n"
" * dpm_render, dpm_forward and dpm_grad allocate; nothing prints or exits;\n"
" * dpm_error says what went wrong.  A second field's grid (a part\n"
" * written out as points) is compiled in, planned for the rate and values\n"
" * built with: at another rate, or values its planning reads, it stays\n"
" * (dpm_new or dpm_reset fails where it is unstable), so the samples may\n"
" * differ from `dpmc render -r RATE --set ...`'s there: build with those. */\n";
static const char api_decl[] =
"typedef struct dpm_model dpm_model;\n"
"dpm_model *dpm_new(double rate);          /* rate 0: the model's; params at their defaults;\n"
"                                             NULL if out of memory, if the rate is\n"
"                                             negative or not a number, or if no grid is\n"
"                                             stable at that rate (dpm_error(NULL) says) */\n"
"void dpm_free(dpm_model *m);\n"
"const char *dpm_error(const dpm_model *m);/* the last error's message, \"\" if none;\n"
"                                             NULL: why the last dpm_new failed */\n"
"const char *dpm_name(const dpm_model *m);\n"
"double dpm_rate(const dpm_model *m);\n"
"int dpm_nparams(const dpm_model *m);\n"
"const char *dpm_param_name(const dpm_model *m, int i);\n"
"double dpm_param_min(const dpm_model *m, int i), dpm_param_max(const dpm_model *m, int i);\n"
"double dpm_param_default(const dpm_model *m, int i);\n"
"int dpm_param_log(const dpm_model *m, int i);   /* 1: fitted on a log scale */\n"
"int dpm_param_index(const dpm_model *m, const char *name);   /* -1 if unknown */\n"
"/* 0: in force from the next sample (before the first after dpm_new,\n"
" * dpm_reset or dpm_forward: in the initial state too).  -1: out of range\n"
" * (nothing changes), or unstable on the grid in force: then kept for the\n"
" * next dpm_reset, which plans a grid for it (dpm_error says which).\n"
" * dpm_get: the value in force. */\n"
"int dpm_set(dpm_model *m, int i, double value);\n"
"double dpm_get(const dpm_model *m, int i);\n"
"int dpm_noutputs(const dpm_model *m);\n"
"const char *dpm_output_name(const dpm_model *m, int i);\n"
"int dpm_ndim(const dpm_model *m);\n"
"int dpm_grid(const dpm_model *m, int *n, double *h);  /* intervals, spacing per axis; returns ndim */\n"
"int dpm_set_grid(dpm_model *m, const int *n);  /* NULL or 0s: planned; else fixed (every axis) from the next reset */\n"
"void dpm_set_threads(dpm_model *m, int n);     /* for a gradient: 0 auto, 1 one */\n"
"/* the seconds dpm_reset plans the grid for where the step's coefficients\n"
" * vary in time (stable over that span, else the reset fails; 0: at t = 0\n"
" * alone).  Not set: 1 s, as dpmc render's, or t = 0 where no grid holds\n"
" * for 1 s.  -1 unless 0 to 1e6 */\n"
"int dpm_set_span(dpm_model *m, double seconds);\n"
"int dpm_reset(dpm_model *m);              /* the initial state, params in force, grid planned for them */\n"
"long dpm_process(dpm_model *m, float *out, long nframes);\n"
"                                          /* the next nframes samples, interleaved by output;\n"
"                                             nframes, or -1 if the state blew up or the\n"
"                                             last dpm_reset failed (dpm_error says) */\n"
"long dpm_render(dpm_model *m, float *out, long nframes);\n"
"                                          /* from the initial state, grid planned for the span,\n"
"                                             as `dpmc render --raw` */\n"
"int dpm_grad(dpm_model *m, const float *target, long nframes, const char *loss,\n"
"             double *loss_out, double *grad_out);\n"
"                                          /* from the initial state: the loss of the first nframes\n"
"                                             against target (interleaved) and dL/dparam, in order;\n"
"                                             \"mse\", or (in a .so dpmc builds) any loss of dpmc grad */\n"
"long dpm_forward(dpm_model *m, double *y, long nframes);\n"
"int dpm_backward(dpm_model *m, const double *dldy, double *grad_out);\n"
"                                          /* a render in double, then dL/dparam given dL/dy:\n"
"                                             the exact adjoint, a vector-Jacobian product */\n"
"#endif\n";

void
cg_emit_ck(Emit *e)
{
	int i;

	for (i = 0; ck_text[i]; i++)
		cg_out(e, "%s", ck_text[i]);
	cg_out(e, "\n");
}

void
cg_emit_api_decl(Emit *e)
{
	cg_out(e, "%s%s", api_head, api_decl);
}

void
cg_emit_api(Emit *e)
{
	int i;

	/* DPM_NO_API: the model's own NAME_* functions alone, so that the C
	 * files of two models link into one program (each defined dpm_new,
	 * ...: "multiple definition"; a probe's) */
	cg_out(e, "\n#ifndef DPM_NO_API    /* -DDPM_NO_API: this model's @_* functions only */\n");
	cg_out(e, "\n%s%s", api_head, api_decl);
	/* the names of every loss of `dpmc grad`: a model built as C has
	 * mse alone, and says so of the others, not of a name none has */
	cg_out(e, "\n#ifndef DPM_RT_LOSS\nstatic const char *const @__losses[] = {");
	for (i = 0; rt_loss_name(i); i++)
		cg_out(e, "\"%s\", ", rt_loss_name(i));
	cg_out(e, "0};\n#endif\n");
	for (i = 0; api_text[i]; i++)
		cg_out(e, "%s", api_text[i]);
	cg_out(e, "#endif /* DPM_NO_API */\n");
}
