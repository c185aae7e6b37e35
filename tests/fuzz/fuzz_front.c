/* fuzz_front.c — libFuzzer entry for the front end (parse, imports, sema);
 * built with -DFUZZ_MIDDLE (make fuzz's fuzz_middle), a model the front
 * end accepts also goes through the middle and the C emitter:
 * scheme_build, lower (the loop IR with its adjoint and derivative
 * tables) and cg_emit_c with the gradient and the dpm_* interface.
 *
 *   make fuzz
 *   mkdir -p /tmp/dpmfz && tests/fuzz/fuzz_front -max_total_time=60 /tmp/dpmfz tests/fuzz/corpus
 *   mkdir -p /tmp/dpmfm && tests/fuzz/fuzz_middle -max_total_time=60 -timeout=20 /tmp/dpmfm tests/fuzz/corpus
 *
 * Each input is one model text; imports resolve against stdlib/ (run from
 * the repository root).  Diagnostics go to /dev/null: only crashes,
 * sanitizer reports and hangs count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#ifdef FUZZ_MIDDLE
#include "scheme.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static const char *const inc[] = { "stdlib" };
	Arena *a;
	Diag d;
	Model *m;
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
#ifdef FUZZ_MIDDLE
	{
		Scheme *s;
		if (m && d.nerr == 0 && (s = scheme_build(a, &d, m))) {
			mem_free(cg_emit_c(lower(a, s), cg_prefix(a, m), CG_API));
			scheme_free(s);
		}
	}
#else
	(void)m;
#endif
	arena_free(a);
	free(text);
	return 0;
}
