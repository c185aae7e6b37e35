/* fuzz_middle.c — libFuzzer entry for the middle and the C emitter: a
 * model text the front end accepts is discretised (scheme_build), lowered
 * to the loop IR with its adjoint and derivative tables (lower) and
 * printed as C with the gradient and the dpm_* interface (cg_emit_c).
 * Built by `make fuzz`; run from the repository root (imports resolve
 * against stdlib/):
 *
 *   mkdir -p /tmp/dpmfm && tests/fuzz/fuzz_middle -max_total_time=60 -timeout=20 \
 *       /tmp/dpmfm tests/fuzz/corpus
 *
 * Diagnostics go to /dev/null: only crashes, sanitizer reports and hangs
 * count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "scheme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static const char *const inc[] = { "stdlib" };
	Arena *a;
	Diag d;
	Model *m;
	Scheme *s;
	Loops *l;
	char *text;

	if (!null)
		null = fopen("/dev/null", "w");
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	a = arena_new();
	memset(&d, 0, sizeof d);
	d.out = null;
	m = model_load_string(a, &d, "fuzz.dpm", text, inc, 1, NULL);
	if (m && d.nerr == 0 && (s = scheme_build(a, &d, m))) {
		l = lower(a, s);
		mem_free(cg_emit_c(l, cg_prefix(a, m), CG_API));
		scheme_free(s);
	}
	arena_free(a);
	free(text);
	return 0;
}
