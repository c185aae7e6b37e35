/* sav.c — what the middle end decides about potentials (language.md 12)
 * beyond building them (discretise.c build_potentials): which energies it
 * can report.
 *
 * requires: a Scheme with its reads, lumped objects and potentials. */
#include "diff.h"
#include "ir.h"

/* `output E = energy` of a model with potentials: the field's and each
 * lumped object's discrete energy (emit_loop.c energy_text, emit_sav.c
 * @__sav_energy) plus psi^2/2 is what the scheme conserves when every
 * coupling goes through a potential.  Forces between parts written as
 * point sources, and lumped objects whose pde reads the state other than
 * their own position, are explicit couplings that no such energy
 * balances: refused (1). */
int
sav_energy_refused(const Scheme *s)
{
	int j, r, n = s->nparams + s->nrd;
	Expr **d;

	if (s->nstate_src)
		return 1;
	d = mem_alloc((size_t)(n + 1) * sizeof *d);
	for (j = 0; j < s->nlump; j++) {
		if (!(s->lump[j].rest->deps & DEP_STATE))
			continue;
		diff_params(s->pool, s->lump[j].rest, n, d);
		for (r = 0; r < s->nrd; r++)
			if (!ex_is_num(d[s->nparams + r], 0)
			    && !(s->rd[r].kind == RD_LUMP && s->rd[r].lump == j))
				break;
		if (r < s->nrd)
			break;
	}
	mem_free(d);
	return j < s->nlump;
}
