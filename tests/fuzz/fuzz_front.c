/* fuzz_front.c — libFuzzer entry for the front end (parse, imports, sema).
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Icompiler -Icompiler/front -Icompiler/middle \
 *       -Iruntime tests/fuzz/fuzz_front.c compiler/front/lexer.c compiler/front/parser.c \
 *       compiler/front/ast.c compiler/front/sema.c compiler/front/sema_net.c compiler/front/sema_bc.c \
 *       compiler/front/sema_fields.c compiler/util.c runtime/msg.c -lm -o fuzz_front
 *   mkdir -p /tmp/dpmfz && ./fuzz_front -max_total_time=60 /tmp/dpmfz tests/fuzz/corpus
 *
 * Each input is one model text; imports resolve against stdlib/ (run from
 * the repository root).  Diagnostics go to /dev/null: only crashes,
 * sanitizer reports and hangs count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static const char *const inc[] = { "stdlib" };
	Arena *a;
	Diag d;
	char *text;

	if (!null)
		null = fopen("/dev/null", "w");
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	a = arena_new();
	d.nerr = 0;
	d.out = null;
	model_load_string(a, &d, "fuzz.dpm", text, inc, 1, NULL);
	arena_free(a);
	free(text);
	return 0;
}
