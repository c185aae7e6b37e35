/* checkmain.c — a stand-in for `dpmc check` while main.c is written:
 *   checkmain [check] [-I DIR]... [--dump] FILE
 *   checkmain emit FILE --stage ast      (the same as --dump)
 * model_load, then "ok" (and the AST dump with --dump); exit 1 on errors. */
#include <stdio.h>
#include <string.h>

#include "../../compiler/front/ast.h"

int
main(int argc, char **argv)
{
	const char *inc[16], *path = NULL;
	int ninc = 0, dump = 0, i, rc;
	Arena *a = arena_new();
	Diag d = {.out = stderr};
	Model *m;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-I") == 0 && i + 1 < argc && ninc < 16)
			inc[ninc++] = argv[++i];
		else if (strcmp(argv[i], "--dump") == 0)
			dump = 1;
		else if (strcmp(argv[i], "check") == 0)
			;
		else if (strcmp(argv[i], "emit") == 0)
			dump = 1;       /* emit FILE --stage ast */
		else if (strcmp(argv[i], "--stage") == 0 && i + 1 < argc)
			i++;
		else
			path = argv[i];
	}
	if (!path) {
		fputs("usage: checkmain [-I DIR]... [--dump] FILE\n", stderr);
		return 2;
	}
	m = model_load(a, &d, path, inc, ninc, NULL);
	if (m && dump)
		ast_dump(m, stdout);
	else if (m)
		puts("ok");
	rc = m ? 0 : 1;
	arena_free(a);
	return rc;
}
