/* ref.h — hand-written reference schemes for the benchmark (bench.c).
 *
 * Each is the scheme dpmc must generate for tests/bench/stiff.dpm and
 * membrane.dpm, written the plain way: arrays, coefficients computed once,
 * one loop over the grid per step.  new() allocates and sets the initial
 * state (all zero: both models start at rest), run() advances n steps and
 * writes n output samples, exactly as P_run of generated code. */
#ifndef REF_H
#define REF_H

typedef struct RefStiff RefStiff;
typedef struct RefMem RefMem;

/* p: f0, B, T60lo, T60hi, xe, xo (the model's params, in order) */
RefStiff *ref_stiff_new(const double *p, double rate);
int ref_stiff_grid(const RefStiff *r);
void ref_stiff_run(RefStiff *r, long n, double *out);
void ref_stiff_free(RefStiff *r);

/* p: c, s0 */
RefMem *ref_mem_new(const double *p, double rate);
void ref_mem_grid(const RefMem *r, int *nx, int *ny);
void ref_mem_run(RefMem *r, long n, double *out);
void ref_mem_free(RefMem *r);

#endif
