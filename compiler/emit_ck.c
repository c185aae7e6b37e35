/* emit_ck.c — the gradient's checkpoints: the same C for every model
 * (compiler/ck.tmpl, made into ck_text.h by the Makefile), after the
 * model's own @__gcheck, @__bseg, @__gend. */
#include "dpm.h"
#include "emit.h"

/* one string per line: ISO C promises no string longer than 4095 */
static const char *const ck_text[] = {
#include "ck_text.h"
	0
};

void
cg_emit_ck(Emit *e)
{
	int i;

	for (i = 0; ck_text[i]; i++)
		cg_out(e, "%s", ck_text[i]);
	cg_out(e, "\n");
}
