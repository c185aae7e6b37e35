/* sema_bc.c — the boundary conditions (language.md sections 6 and 11.1):
 * each `boundary` line's condition and ends, resolved per end of the
 * domain, every end given exactly one (sema.h). */
#include <math.h>
#include <string.h>

#include "sema.h"

/* ---- pass 6: boundary conditions (language.md section 6) ---- */

static const char *const bc_words[] = {
	"fixed", "clamped", "simply_supported", "pinned", "free",
};
static const BcKind bc_kinds[] = { BC_FIXED, BC_CLAMPED, BC_SS, BC_SS, BC_FREE };

static const char *
choices(Sema *s)
{
	if (s->ndim == 1)
		return s->space_order >= 3 ? "clamped, simply_supported (or pinned), free or attached Z "
		                             "(Z a lumped object)"
		                           : "fixed, clamped, simply_supported (or pinned), free or "
		                             "attached Z (Z a lumped object)";
	return s->space_order >= 3 ? "clamped, simply_supported (or pinned) or free"
	                           : "fixed, clamped, simply_supported (or pinned) or free";
}

/* `attached Z` (language.md section 11.1): Z a lumped object, the field
 * 1D and second order in space.  1 when fine. */
static int
attached(Sema *s, Decl *d)
{
	int j = sema_lump_index(s->m, d->attach);

	if (strcmp(d->cond, "attached") != 0 && d->attach) {
		/* a condition and a stray word: the word is the mistake */
		diag_error(s->d, d->attach_loc, "unexpected '%s' after the boundary condition '%s': "
		           "only `attached Z` names something after it", d->attach, d->cond);
		return 0;
	}
	if (strcmp(d->cond, "attached") != 0 || !d->attach) {
		diag_error(s->d, d->cond_loc, "write `attached Z` with Z a lumped object");
		return 0;
	}
	if (j < 0) {
		diag_error(s->d, d->attach_loc, "'%s' is not a lumped object; declare it as "
		           "`field %s mass M`", d->attach, d->attach);
		return 0;
	}
	if (s->ndim != 1) {
		diag_error(s->d, d->cond_loc, "`attached` ends are supported for 1D fields (a string, "
		           "a bore, a stiff string or a bar, pinned on the object)");
		return 0;
	}
	d->lump = j;
	return 1;
}

static void
set_bc(Sema *s, int dim, int side, BcKind bc, Loc loc, int *ok)
{
	Model *m = s->m;
	Decl *dom = m->domain;

	if (m->bc[dim][side] != BC_NONE) {
		diag_error(s->d, loc, "a second boundary condition for %s = %g",
		           dom->coord[dim], side ? dom->to_num[dim] : dom->from_num[dim]);
		diag_note(s->d, m->bc_loc[dim][side], "the first one is here");
		*ok = 0;
		return;
	}
	m->bc[dim][side] = bc;
	m->bc_loc[dim][side] = loc;
	m->attach[dim][side] = s->lump;
}

void
sema_boundaries(Sema *s)
{
	Model *m = s->m;
	Decl *dom = m->domain;
	int i, j, k, ok = 1, ord_known = !s->pde_bad && m->pde;

	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		BcKind bc = BC_NONE;
		if (d->kind != D_BOUNDARY)
			continue;
		for (k = 0; k < 5; k++)
			if (strcmp(d->cond, bc_words[k]) == 0)
				bc = bc_kinds[k];
		if (d->field && strcmp(d->field, s->field->name) != 0) {
			diag_error(s->d, d->name_loc, "'%s' is not a field with a boundary; the field is '%s'",
			           d->field, s->field->name);
			ok = 0;
			continue;
		}
		if (d->attach || strcmp(d->cond, "attached") == 0) {
			if (!attached(s, d))
				ok = 0;
			bc = BC_ATTACHED;
		} else if (bc == BC_NONE) {
			const char *best = closest_name(d->cond, bc_words, 5);
			if (best)
				diag_error(s->d, d->cond_loc, "unknown boundary condition '%s'; "
				           "did you mean '%s'?", d->cond, best);
			else
				diag_error(s->d, d->cond_loc, "unknown boundary condition '%s'; "
				           "use %s", d->cond, choices(s));
			ok = 0;
		} else if (ord_known && bc == BC_FIXED && s->space_order == 3) {
			/* ((a * u.x).xx: the conservative form's own message says what is wrong */
			diag_error(s->d, d->cond_loc, "`fixed` is for a second-order field, and this "
			           "pde is of third order in space: write it of second order (u.xx, "
			           "(a * u.x).x) or of fourth (u.xxxx, (a * u.xx).xx)");
			ok = 0;
		} else if (ord_known && bc == BC_FIXED && s->space_order >= 3) {
			diag_error(s->d, d->cond_loc, "`fixed` is ambiguous for a fourth-order "
			           "field; use clamped, simply_supported or free");
			ok = 0;
		} else if (ord_known && bc == BC_FREE && s->space_order >= 3 && s->ndim == 2
		           && s->uneven) {
			diag_error(s->d, d->cond_loc, "`free` edges of a plate need a pde even in "
			           "%s and in %s: a bilap (or u.%s%s%s%s, u.%s%s%s%s, u.%s%s%s%s), "
			           "second differences and loss terms", s->coord[0], s->coord[1],
			           s->coord[0], s->coord[0], s->coord[0], s->coord[0],
			           s->coord[1], s->coord[1], s->coord[1], s->coord[1],
			           s->coord[0], s->coord[0], s->coord[1], s->coord[1]);
			diag_note(s->d, s->uneven_loc, "this term is odd in a coordinate, or a mixed "
			          "derivative beyond u.%s%s%s%s; use clamped or simply_supported edges "
			          "with it", s->coord[0], s->coord[0], s->coord[1], s->coord[1]);
			ok = 0;
		}
		d->bc = bc;
		s->lump = bc == BC_ATTACHED ? d->lump : -1;
		for (j = 0; j < d->nwhere; j++) {
			struct Where *w = &d->where[j];
			double v;
			int dim;
			if (!w->coord) {
				if (s->ndim != 2) {
					diag_error(s->d, w->loc, "`edges` is for a rectangle (a 2D domain); "
					           "name the ends instead: %s = A, %s = B",
					           dom->coord[0], dom->coord[0]);
					ok = 0;
					continue;
				}
				for (k = 0; k < 4; k++)
					if (s->domain_ok)
						set_bc(s, k / 2, k % 2, bc, w->loc, &ok);
				continue;
			}
			if (!w->at) {
				diag_error(s->d, w->loc, "expected `%s = VALUE`%s, not '%s'", dom->coord[0],
				           s->ndim == 2 ? " or `edges`" : "", w->coord);
				ok = 0;
				continue;
			}
			if ((dim = sema_coord_index(s, w->coord)) < 0) {
				if (s->ndim == 1)
					diag_error(s->d, w->loc, "'%s' is not a coordinate of the domain; "
					           "use %s", w->coord, dom->coord[0]);
				else
					diag_error(s->d, w->loc, "'%s' is not a coordinate of the domain; "
					           "use %s or %s", w->coord, dom->coord[0], dom->coord[1]);
				ok = 0;
				continue;
			}
			if (!s->domain_ok) {
				ok = 0;
				continue;
			}
			v = sema_fold(s, w->at, "the position", NULL);
			if (isnan(v)) {
				ok = 0;
				continue;
			}
			{
				double lo = dom->from_num[dim], hi = dom->to_num[dim];
				double tol = 1e-9 * (hi - lo);
				if (fabs(v - lo) <= tol)
					set_bc(s, dim, 0, bc, w->loc, &ok);
				else if (fabs(v - hi) <= tol)
					set_bc(s, dim, 1, bc, w->loc, &ok);
				else {
					diag_error(s->d, w->at->loc, "%s = %g is not an end of the domain; "
					           "use %s = %g or %s = %g", w->coord, v, w->coord, lo,
					           w->coord, hi);
					ok = 0;
				}
			}
		}
	}
	if (!ok || !s->domain_ok)
		return;
	for (i = 0; i < s->ndim; i++)
		for (j = 0; j < 2; j++)
			if (m->bc[i][j] == BC_NONE)
				diag_error(s->d, dom->coord_loc[i], "no boundary condition for %s = %g; "
				           "add `boundary %s = %g: CONDITION` with CONDITION one of %s",
				           dom->coord[i], j ? dom->to_num[i] : dom->from_num[i],
				           dom->coord[i], j ? dom->to_num[i] : dom->from_num[i],
				           choices(s));
}
