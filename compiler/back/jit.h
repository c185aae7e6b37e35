/* jit.h — from the C text of a model to callable machine code.
 *
 *   Kernel k;
 *   jit_load(&k, BK_TCC, ctext, prefix, err, sizeof err);
 *   void *m = k.create(NULL, 0, NULL, err, sizeof err);
 *   k.run(m, n, out);  k.destroy(m);  jit_unload(&k);
 *
 * Every backend fills the same Kernel: one pointer per function of the
 * generated API (scheme.h), looked up as PREFIX_name, so the rest of dpmc
 * never knows which compiler made the code.  A new backend is a new file
 * with a jit_XXX_load and one case in jit_load. */
#ifndef JIT_H
#define JIT_H

typedef enum { BK_TCC, BK_CC, BK_LLVM } Backend;

typedef struct Kernel {
	Backend backend;
	void *impl;            /* the backend's handle (TCCState, dlopen handle) */
	double compile_ms;     /* C text to callable code, including a cache hit */
	void (*unload)(struct Kernel *k);  /* the backend's own jit_unload, when set */

	int (*nparams)(void);
	int (*noutputs)(void);
	int (*ndim)(void);
	const char *(*name)(void);
	const char *(*param_name)(int i);
	double (*param_default)(int i);
	double (*param_min)(int i);
	double (*param_max)(int i);
	int (*param_log)(int i);
	const char *(*output_name)(int i);
	double (*default_rate)(void);
	int (*plan)(const double *params, double rate, const int *grid,
	            int *grid_out, double *h_out, char *err, int errsz);
	int (*plan_for)(const double *params, double rate, double span, const int *grid,
	                int *grid_out, double *h_out, char *err, int errsz);
	void *(*create)(const double *params, double rate, const int *grid,
	                char *err, int errsz);
	int (*set_params)(void *m, const double *params, char *err, int errsz);
	void (*reset)(void *m);
	void (*run)(void *m, long n, double *out);
	void (*grid)(const void *m, int *n, double *h);
	double (*stability)(const void *m);
	const double *(*state)(const void *m, int level);
	double (*rate)(const void *m);
	void (*destroy)(void *m);
	/* the adjoint (scheme.h, "Gradients") */
	int (*forward)(void *m, long n, double *y, char *err, int errsz);
	int (*backward)(void *m, const double *dldy, double *grad, char *err, int errsz);
	void (*set_checkpoints)(void *m, long every);
	void (*set_memory)(void *m, double bytes);
	void (*set_threads)(void *m, int n);
	void (*op)(const void *m, const double *u, const double *up, double *un);
	void (*op_adj)(const void *m, const double *l, double *lu, double *lup);
	/* a bow's failed Newton solve (language.md 12): 1 and its message;
	 * NULL when the model has no bow */
	int (*solve_error)(const void *m, char *err, int errsz);
	int (*time_error)(const void *m, double t, char *err, int errsz);   /* optional */
	int (*gains)(const double *params, char *msg, int msgsz);   /* optional: a loss term's sign */
	/* the nets (language.md section 13): NULL when the code has none */
	int (*net)(int i, const char **name, const char **act, int *nsizes, const int **sizes,
	           int *first);
} Kernel;

/* 0 on success; else -1 with a message in err (and k left unloaded). */
int jit_load(Kernel *k, Backend b, const char *ctext, const char *prefix,
             char *err, int errsz);
void jit_unload(Kernel *k);

/* "tcc", "cc", "llvm"; jit_backend parses one, -1 when unknown. */
const char *jit_backend_name(Backend b);
int jit_backend(const char *s);

/* For backends: fill every API pointer with look(impl, "PREFIX_name");
 * 0, or -1 naming the first symbol missing. */
int jit_bind(Kernel *k, void *(*look)(void *impl, const char *sym),
             const char *prefix, char *err, int errsz);

/* The backends (jit_tcc.c, jit_cc.c). */
int jit_tcc_load(Kernel *k, const char *ctext, const char *prefix, char *err, int errsz);
void jit_tcc_unload(Kernel *k);
int jit_cc_load(Kernel *k, const char *ctext, const char *prefix, char *err, int errsz);
void jit_cc_unload(Kernel *k);
/* A function of the C text that another backend supplies: with `define`
 * defined the text only declares `sym`, which is bound to addr. */
typedef struct JitExtern {
	const char *define, *sym;
	void *addr;
} JitExtern;
/* TinyCC with the n functions of ext supplied from outside. */
int jit_tcc_load_ext(Kernel *k, const char *ctext, const char *prefix, const JitExtern *ext,
                     int n, char *err, int errsz);

/* jit_llvm.c: the LLVM backend builds the time loop (DPM_EXTERN_RUN), the
 * sweep (DPM_EXTERN_SWEEP) and the adjoint sweep (DPM_EXTERN_ADJ) from the
 * loop IR, so it takes the Loops the C text was made from, and is loaded
 * through this rather than jit_load (which refuses BK_LLVM).
 *
 * It lives in its own shared object, dpmc-llvm.so, which jit_load_llvm
 * (jit_module.c) dlopens on first use, so that dpmc maps libLLVM and what
 * that pulls in (z3, ICU: some 150 MB of address space) only for
 * --backend llvm.  The object exports this one struct as jit_llvm_module,
 * and calls back into dpmc's own functions (mem_alloc, jit_tcc_load_ext,
 * the Loops helpers), which dpmc exports (linked with -Wl,-E, as lua is
 * for its C modules).  version and the sizes tell an object of another
 * build, whose structs may differ, from this one's. */
struct Loops;
typedef struct JitModule {
	const char *version;     /* DPM_VERSION */
	unsigned kernel_size, loops_size;
	/* what jit_load_llvm does, from the module */
	int (*load)(Kernel *k, const struct Loops *l, const char *ctext, const char *prefix,
	            char *err, int errsz);
} JitModule;
int jit_load_llvm(Kernel *k, const struct Loops *l, const char *ctext, const char *prefix,
                  char *err, int errsz);
/* Whether the llvm backend can be used: 0 when its module is loaded, 1
 * when there is no module (nowhere jit_load_llvm looks), -1 when there
 * is one that does not load (a message in err). */
int jit_llvm_ready(char *err, int errsz);

/* Wall-clock milliseconds since an arbitrary origin, for --stats. */
double jit_now_ms(void);

#endif

/* Run the system C compiler ($CC, else cc; split at blanks) with `args`
 * (NULL-terminated); its messages go into err on failure.  0 on success. */
int jit_cc_run(const char *const *args, char *err, int errsz);
/* The same with the compiler prog (one word, a path or a name on PATH)
 * instead of $CC; NULL: $CC. */
int jit_run(const char *prog, const char *const *args, char *err, int errsz);
