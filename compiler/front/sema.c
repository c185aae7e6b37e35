/* sema.c — the checks of language.md sections 2-6, and the Model's index.
 * requires: m->decls and m->name from model_load (parse + imports).
 * Leaves, when it returns 0, every invariant listed in ast.h and the
 * brief: names resolved, kinds set (Decl.nkind), dependency order, folded
 * constants (Decl.num, lo_num, ...), boundary conditions per end.
 *
 * The passes run in order: structure (one model/domain/field/pde), names,
 * expressions (what each context may use), dependency order, folding,
 * boundary conditions.  An error in a pass marks the decls it concerns
 * as bad so that later passes stay quiet about them: one mistake, one
 * message. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sema.h"

#define PI 3.14159265358979323846
enum { MAXDEPTH = 1000 };

static const char *const builtin_fns[] = {
	"sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sigmoid",
	"softplus", "step", "min", "max", "pow", "select",
};
enum { NBUILTIN = sizeof builtin_fns / sizeof builtin_fns[0] };

int
builtin_arity(const char *name)
{
	int i;

	for (i = 0; i < NBUILTIN; i++)
		if (strcmp(name, builtin_fns[i]) == 0)
			return i < 11 ? 1 : i < 14 ? 2 : 3;
	return -1;
}

static int
is_operator_fn(const char *name)
{
	return strcmp(name, "lap") == 0 || strcmp(name, "bilap") == 0
	       || strcmp(name, "delta") == 0;
}

/* ---- the name table ---- */



enum { MODEL_NAME_MAX = 4096 };

Arena *
sema_arena(Sema *s)
{
	return s->a;
}

Entry *
sema_lookup(Sema *s, const char *name)
{
	unsigned i;

	if (!s->cap)
		return NULL;
	for (i = str_hash(name) & (unsigned)(s->cap - 1); s->tab[i];
	     i = (i + 1) & (unsigned)(s->cap - 1))
		if (strcmp(s->tab[i]->name, name) == 0)
			return s->tab[i];
	return NULL;
}

static Entry *
insert(Sema *s, Decl *d)
{
	Entry *e = arena_alloc(sema_arena(s), sizeof *e);
	unsigned i;

	e->name = d->name;
	e->decl = d;
	for (i = str_hash(d->name) & (unsigned)(s->cap - 1); s->tab[i];
	     i = (i + 1) & (unsigned)(s->cap - 1))
		;
	s->tab[i] = e;
	s->ents[s->nents++] = e;
	return e;
}

static void
add_dep(Sema *s, Entry *from, Entry *to)
{
	int i;

	if (!from)
		return;
	for (i = 0; i < from->ndeps; i++)
		if (from->deps[i] == to)
			return;
	if (from->ndeps == from->cap) {
		Entry **v;
		from->cap = from->cap ? 2 * from->cap : 4;
		v = arena_alloc(sema_arena(s), (size_t)from->cap * sizeof *v);
		if (from->ndeps)
			memcpy(v, from->deps, (size_t)from->ndeps * sizeof *v);
		from->deps = v;
	}
	from->deps[from->ndeps++] = to;
}

int
sema_coord_index(Sema *s, const char *name)
{
	int i;

	for (i = 0; i < s->ndim; i++)
		if (s->coord[i] && strcmp(s->coord[i], name) == 0)
			return i;
	return -1;
}

/* The first word of a statement, for a caret under it. */
static Loc
keyword_loc(const Decl *d)
{
	Loc l = d->loc;
	int i = 0;

	if (!l.src)
		return l;
	while (l.off + i < (int)l.src->len && i < l.len
	       && strchr(" \t\n", l.src->text[l.off + i]) == NULL)
		i++;
	l.len = i;
	return l;
}

static Loc
span(Loc a, Loc b)
{
	a.len = b.off + b.len - a.off;
	return a;
}

const char *
sema_plural(int n)
{
	return n == 1 ? "" : "s";
}

/* ---- pass 1: structure ---- */

/* a field with coordinates is `on` the domain called name */
static int
domain_used(const Model *m, const char *name)
{
	int i, j;

	for (i = 0; name && i < m->ndecls; i++)
		for (j = 0; m->decls[i]->kind == D_FIELD && m->decls[i]->args && j < m->decls[i]->nopts; j++)
			if (!strcmp(m->decls[i]->opts[j].word, "on") && m->decls[i]->opts[j].v->kind == AX_NAME
			    && !strcmp(m->decls[i]->opts[j].v->name, name))
				return 1;
	return 0;
}

/* The model's one `what` (rate), or the grid field's (its domain, the
 * field, its pde: sema_fields.c has taken the other fields and theirs) */
static void
one_of(Sema *s, Decl **slot, Decl *d, const char *what)
{
	const Decl *f = d->field && !strcmp(what, "pde") ? model_lookup(s->m, d->field) : NULL;

	/* a named domain no field is on (a probe's was told to name them) */
	if (*slot && !strcmp(what, "domain") && ((d->name && !domain_used(s->m, d->name))
	                                         || ((*slot)->name && !domain_used(s->m, (*slot)->name)))) {
		Decl *u = d->name && !domain_used(s->m, d->name) ? d : *slot;
		diag_error(s->d, u->name_loc, "no field is on the domain '%s'; remove it, or put a field there "
		           "(`field w(x) on %s`)", u->name, u->name);
		return;
	}
	if (*slot && d->field && (!f || f->kind != D_FIELD)) {
		diag_error(s->d, keyword_loc(d), "`pde %s.tt`: '%s' is not a field; declare it "
		           "(`field %s(x) on NAME`, or `field %s mass M`), or write the pde of '%s'",
		           d->field, d->field, d->field, d->field, (*slot)->field ? (*slot)->field : "?");
		return;
	} else if (*slot && !strcmp(what, "pde"))
		diag_error(s->d, keyword_loc(d), "a second `pde` for the field '%s'; a field has "
		           "exactly one", d->field ? d->field : "?");
	else if (*slot && !strcmp(what, "domain"))
		diag_error(s->d, keyword_loc(d), "a second `domain` for one field; each field with "
		           "coordinates has a domain of its own: name them (`domain NAME: x in [A, B]`) "
		           "and say each field's (`field w(x) on NAME`)");
	else if (*slot)
		diag_error(s->d, keyword_loc(d), "a second `%s`; a model has exactly one", what);
	if (*slot) {
		diag_note(s->d, keyword_loc(*slot), "the first one is here");
		return;
	}
	*slot = d;
}

static const char *
reserved(Sema *s, const char *name)
{
	if (strcmp(name, "t") == 0)
		return "is the time";
	if (strcmp(name, "pi") == 0)
		return "is a builtin constant";
	if (builtin_arity(name) >= 0 || is_operator_fn(name))
		return "is a builtin function";
	if (sema_coord_index(s, name) >= 0)
		return "is a coordinate of the domain";
	return NULL;
}

/* ---- lumped objects and parts (language.md section 11) ---- */

/* The lumped object called name, or -1. */
int
sema_lump_index(const Model *m, const char *name)
{
	const Decl *d = name ? model_lookup(m, name) : NULL;
	int i;

	/* by the name's decl (a chain's points are thousands of lumps) */
	if (d && d->kind == D_FIELD && d->lump >= 0 && d->lump < m->nlumps && m->lumps[d->lump] == d)
		return d->lump;
	for (i = 0; name && i < m->nlumps; i++)
		if (strcmp(m->lumps[i]->name, name) == 0)
			return i;
	return -1;
}

static void
add_lump(Sema *s, Decl *d)
{
	Model *m = s->m;

	/* room for 8, 16, 32, ...: full at each power of two from 8 */
	if (m->nlumps % 8 == 0 && (m->nlumps & (m->nlumps - 1)) == 0) {
		Decl ***v[4] = {&m->lumps, &m->lump_pde, &m->lump_init, &m->lump_init_t};
		int k;
		for (k = 0; k < 4; k++) {
			Decl **n = arena_alloc(s->a, (size_t)(m->nlumps ? 2 * m->nlumps : 8) * sizeof *n);
			if (m->nlumps)
				memcpy(n, *v[k], (size_t)m->nlumps * sizeof *n);
			*v[k] = n;
		}
	}
	d->lump = m->nlumps;
	m->lumps[m->nlumps++] = d;
}

/* pde / init of lumped object j: one each */
static void
lump_stmt(Sema *s, Decl *d, int j)
{
	Model *m = s->m;
	Decl **slot = d->kind == D_PDE ? &m->lump_pde[j]
	            : d->lhs_letters[0] ? &m->lump_init_t[j] : &m->lump_init[j];

	if (d->kind == D_PDE && strcmp(d->lhs_letters, "tt") != 0) {
		diag_error(s->d, d->lhs_loc, "the left-hand side of a lumped object's pde must be %s.tt",
		           d->field);
		return;
	}
	if (d->kind == D_INIT && d->lhs_letters[0] && strcmp(d->lhs_letters, "t") != 0) {
		diag_error(s->d, d->lhs_loc, "init sets %s or %s.t, not %s.%s", d->field, d->field,
		           d->field, d->lhs_letters);
		return;
	}
	if (*slot) {
		diag_error(s->d, keyword_loc(d), "a second `%s %s%s%s`", d->kind == D_PDE ? "pde" : "init",
		           d->field, d->lhs_letters[0] ? "." : "", d->lhs_letters);
		diag_note(s->d, keyword_loc(*slot), "the first one is here");
		return;
	}
	*slot = d;
}

/* on DOMAIN, density E (a field with coordinates), mass E (a lumped
 * object), each once */
static void
field_opts(Sema *s)
{
	Model *m = s->m;
	int i, j;

	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		if (d->kind != D_FIELD)
			continue;
		for (j = 0; j < d->nopts; j++) {
			struct FieldOpt *o = &d->opts[j];
			Ast **slot = NULL;
			if (!strcmp(o->word, "on") && d->args) {
				if (o->v->kind != AX_NAME)
					diag_error(s->d, o->v->loc, "`on` takes a domain's name");
				else if (!m->domain || !m->domain->name)
					diag_error(s->d, o->v->loc, "no domain is named '%s'; name it as "
					           "`domain %s: x in [A, B]`", o->v->name, o->v->name);
				else if (strcmp(o->v->name, m->domain->name) != 0)
					diag_error(s->d, o->v->loc, "no domain is named '%s'; the domain is '%s'",
					           o->v->name, m->domain->name);
				continue;
			}
			if (!strcmp(o->word, "density") && d->args)
				slot = &d->density;
			else if (!strcmp(o->word, "mass") && !d->args)
				slot = &d->mass;
			if (!slot) {
				diag_error(s->d, o->loc, "'%s' is not an option of %s; use %s", o->word,
				           d->args ? "a field with coordinates" : "a lumped object",
				           d->args ? "`on DOMAIN` and `density E`" : "`mass E`");
				continue;
			}
			if (*slot)
				diag_error(s->d, o->loc, "a second `%s`", o->word);
			*slot = o->v;
		}
	}
	for (i = 0; i < m->nlumps; i++)
		if (!m->lump_pde[i])
			diag_error(s->d, m->lumps[i]->name_loc, "the lumped object '%s' has no pde; "
			           "add one, e.g. `pde %s.tt = -K * %s / M`, or `pde %s.tt = 0` for one moved "
			           "only by potentials and forces written elsewhere (a hammer in flight)",
			           m->lumps[i]->name, m->lumps[i]->name, m->lumps[i]->name, m->lumps[i]->name);
}

static int
structure(Sema *s)
{
	Model *m = s->m;
	Decl *dom, *f;
	int i, nerr = s->d->nerr;

	if (!m->name) {
		Loc top = {m->src, 0, 0};
		int lib = m->ndecls > 0;
		for (i = 0; i < m->ndecls; i++)
			lib &= m->decls[i]->kind == D_FN || m->decls[i]->kind == D_CONST || m->decls[i]->kind == D_IMPORT;
		if (lib)
			diag_error(s->d, top, "this file has no `model NAME` line: it is a library (fn and const "
			           "only), which a model uses with `import \"%s\"`; check, render and the rest "
			           "take the model", m->src->path && strrchr(m->src->path, '/') ? strrchr(m->src->path, '/') + 1
			           : m->src->path ? m->src->path : "FILE");
		else
			diag_error(s->d, top, "the file must start with `model NAME`");
		return 1;
	}
	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		if (d->src == m->src && d->loc.off < m->name_loc.off) {
			diag_error(s->d, keyword_loc(d),
			           "this statement comes before `model %s`; the model line must be first",
			           m->name);
			break;
		}
	}
	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		switch (d->kind) {
		case D_DOMAIN: one_of(s, &m->domain, d, "domain"); break;
		case D_FIELD:
			if (d->args)
				one_of(s, &m->field, d, "field");
			else
				add_lump(s, d);
			break;
		case D_RATE: one_of(s, &m->rate, d, "rate"); break;
		default: break;
		}
	}
	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		int j = d->kind == D_PDE || d->kind == D_INIT ? sema_lump_index(m, d->field) : -1;
		if (d->kind == D_PDE && j < 0)
			one_of(s, &m->pde, d, "pde");
		else if (j >= 0)
			lump_stmt(s, d, j);
	}
	field_opts(s);
	/* the name prefixes every name of the generated C (and each message
	 * names it): 4 MB of it took 2.4 GB */
	if (m->name && strlen(m->name) > MODEL_NAME_MAX) {
		diag_error(s->d, m->name_loc, "the model's name is %zu characters long; at most %d "
		           "(it names every function of its C): give a shorter one",
		           strlen(m->name), MODEL_NAME_MAX);
		return 1;
	}
	if (!m->domain)
		diag_error(s->d, m->name_loc, "model '%s' has no domain; "
		           "add one, e.g. `domain x in [0, 1]`", m->name);
	if (!m->field)
		diag_error(s->d, m->name_loc, "model '%s' has no field; "
		           "add one, e.g. `field u(x)`", m->name);
	if (!m->pde)
		diag_error(s->d, m->name_loc, "model '%s' has no pde; "
		           "add one, e.g. `pde u.tt = c^2 * u.xx`", m->name);
	if (!m->domain || !m->field)
		return 1;
	dom = m->domain;
	f = m->field;
	s->ndim = m->ndim = dom->ndim;
	s->field = f;
	for (i = 0; i < dom->ndim; i++) {
		const char *why;
		s->coord[i] = dom->coord[i];
		s->ndim = i;  /* so reserved() does not see this coordinate itself */
		if ((why = reserved(s, dom->coord[i])) != NULL)
			diag_error(s->d, dom->coord_loc[i],
			           "'%s' %s; a coordinate needs another name", dom->coord[i], why);
		s->ndim = dom->ndim;
	}
	if (dom->grid[0] && dom->nat != dom->ndim)
		diag_error(s->d, dom->grid[dom->nat > dom->ndim ? 1 : 0]->loc,    /* (two kept) */
		           dom->ndim == 1 ? "a 1D domain takes one grid count: `grid N`"
		                          : "a 2D domain takes two grid counts: `grid NX, NY`");
	if (f->nargs != dom->ndim
	    || strcmp(f->args[0], dom->coord[0]) != 0
	    || (f->nargs == 2 && strcmp(f->args[1], dom->coord[1]) != 0)) {
		if (dom->ndim == 1)
			diag_error(s->d, f->loc, "the field's coordinates must be the domain's: "
			           "`field %s(%s)`", f->name, dom->coord[0]);
		else
			diag_error(s->d, f->loc, "the field's coordinates must be the domain's: "
			           "`field %s(%s, %s)`", f->name, dom->coord[0], dom->coord[1]);
	}
	return s->d->nerr > nerr;
}

/* ---- pass 2: names and kinds ---- */

static void
let_kind(Sema *s, Decl *d)
{
	Loc args;
	int i, ok;

	if (d->nargs == 0) {
		d->nkind = K_SCALAR;
		return;
	}
	if (d->nargs == 1 && strcmp(d->args[0], "t") == 0) {
		d->nkind = K_TIME;
		return;
	}
	ok = d->nargs == s->ndim;
	for (i = 0; ok && i < d->nargs; i++)
		ok = strcmp(d->args[i], s->coord[i]) == 0;
	if (ok) {
		d->nkind = K_SPACE;
		return;
	}
	args = span(d->arg_locs[0], d->arg_locs[d->nargs - 1]);
	if (s->ndim == 1)
		diag_error(s->d, args, "a let takes (t) for a time signal or (%s) for a "
		           "coefficient over the domain; use `fn` for a function of other "
		           "arguments", s->coord[0]);
	else
		diag_error(s->d, args, "a let takes (t) for a time signal or (%s, %s) for a "
		           "coefficient over the domain; use `fn` for a function of other "
		           "arguments", s->coord[0], s->coord[1]);
	d->nkind = K_NONE;
}

static void
fn_args(Sema *s, Decl *d)
{
	int i, j;

	for (i = 0; i < d->nargs; i++) {
		/* arguments may shadow anything but functions and pi:
		 * the stdlib's raised_cosine(t, ...) and triangle(x, ...) do */
		if (builtin_arity(d->args[i]) >= 0 || is_operator_fn(d->args[i])
		    || strcmp(d->args[i], "pi") == 0)
			diag_error(s->d, d->arg_locs[i], "'%s' is builtin; an argument needs "
			           "another name", d->args[i]);
		for (j = 0; j < i; j++)
			if (strcmp(d->args[i], d->args[j]) == 0) {
				diag_error(s->d, d->arg_locs[i], "argument '%s' is named twice",
				           d->args[i]);
				break;
			}
	}
}

static void
names(Sema *s)
{
	Model *m = s->m;
	int i;

	s->cap = 16;
	while (s->cap < 2 * m->ndecls + 16)
		s->cap *= 2;
	s->tab = arena_alloc(sema_arena(s), (size_t)s->cap * sizeof *s->tab);
	s->ents = arena_alloc(sema_arena(s), (size_t)(m->ndecls + 1) * sizeof *s->ents);
	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		Entry *old, *e;
		const char *why;

		switch (d->kind) {
		case D_CONST: d->nkind = K_CONST; break;
		case D_PARAM: d->nkind = K_PARAM; break;
		case D_LET: let_kind(s, d); break;
		case D_FN: d->nkind = K_FN; fn_args(s, d); break;
		case D_FIELD: d->nkind = d->args ? K_FIELD : K_LUMP; break;
		case D_NET: d->nkind = K_NET; break;
		default: continue;
		}
		if (d->kind == D_FIELD && d->nkind == K_FIELD && d != m->field)
			continue;
		if ((why = reserved(s, d->name)) != NULL) {
			diag_error(s->d, d->name_loc, "'%s' %s; choose another name", d->name, why);
			d->nkind = K_NONE;
		}
		if ((old = sema_lookup(s, d->name)) != NULL) {
			/* blame the user's file rather than the library's */
			Decl *first = old->decl, *second = d;
			if (first->src == m->src && second->src != m->src) {
				first = d;
				second = old->decl;
			}
			diag_error(s->d, second->name_loc, "'%s' is already declared", d->name);
			diag_note(s->d, first->name_loc, "'%s' is first declared here", d->name);
			old->bad = 1;
			continue;
		}
		e = insert(s, d);
		e->bad = d->nkind == K_NONE;
	}
}

/* A potential's name is declared once, as every other name (names):
 * not a builtin's, not another declaration's (a probe's: `potential K`
 * beside param K, and `potential pi`, passed). */
static void
potential_name(Sema *s, const Decl *d)
{
	const Entry *clash = sema_lookup(s, d->name);
	const char *why = reserved(s, d->name);

	if (why)
		diag_error(s->d, d->name_loc, "'%s' %s; choose another name", d->name, why);
	else if (clash) {
		diag_error(s->d, d->name_loc, "'%s' is already declared", d->name);
		diag_note(s->d, clash->decl->name_loc, "'%s' is first declared here", d->name);
	}
}

/* ---- pass 3: expressions ---- */



static const Ctx C_CONST = {0, "a const",
	"a const may use only numbers, pi, builtin functions, other consts and fns of those", 0, 0, 0};
static const Ctx C_PARAM = {0, "a param's value or range",
	"they may use only numbers, pi, builtin functions and consts", 0, 0, 0};
const Ctx C_FIXED = {0, "a constant",
	"it must be constant: numbers, pi, builtin functions and consts", 0, 0, 0};
static const Ctx C_SCALAR = {A_PARAM | A_SCALAR | A_FN, "a let without arguments",
	"it may use consts, params, other such lets, fns, pi and builtin functions "
	"(write `let NAME(t)` for a time signal, `let NAME(x)` for a coefficient)", 0, 0, 0};
static const Ctx C_TIME = {A_PARAM | A_SCALAR | A_FN | A_TIME | A_STATE, "a time signal",
	"it may use t, consts, params, lets without arguments, other time signals, fns, "
	"pi and builtin functions", 0, 0, 0};
static const Ctx C_SPACE = {A_PARAM | A_SCALAR | A_FN | A_SPACE, "a coefficient",
	"it may use the coordinates, consts, params, lets without arguments, other "
	"coefficients, fns, pi and builtin functions", 0, 0, 0};
static const Ctx C_DENSITY = {A_PARAM | A_SCALAR | A_FN | A_SPACE, "a density",
	"it may use the field's coordinates, consts, params, lets without arguments, "
	"coefficients, fns, pi and builtin functions (not the state, not t)", 0, 0, 0};
static const Ctx C_FN = {A_PARAM | A_SCALAR | A_FN, "a fn",
	"it may use its arguments, consts, params, lets without arguments, other fns, "
	"pi and builtin functions", 0, 0, 0};
static const Ctx C_PDE = {A_PARAM | A_SCALAR | A_FN | A_TIME | A_SPACE | A_FIELD | A_STATE,
	"the pde", "", 0, 0, 0};
static const Ctx C_LUMP = {A_PARAM | A_SCALAR | A_FN | A_TIME | A_STATE,
	"a lumped object's pde", "it may use t, consts, params, lets without arguments, time "
	"signals, fns, the lumped objects (z, z.t) and the field read at points (u(X), u.t(X), "
	"u.x(X))", 0, 0, 0};
static const Ctx C_DELTA = {A_PARAM | A_SCALAR | A_FN | A_TIME, "a delta's position",
	"it must not depend on the coordinates or the field", 0, 0, 0};
static const Ctx C_INIT = {A_PARAM | A_SCALAR | A_FN | A_SPACE, "an init",
	"it may use the coordinates, consts, params, lets without arguments, "
	"coefficients, fns, pi and builtin functions", 0, 0, 0};
static const Ctx C_POT = {A_PARAM | A_SCALAR | A_FN | A_STATE, "a potential",
	"it may use consts, params, lets without arguments, fns, the lumped objects (z), "
	"the field read at points (u(X)) and integral(...)", 0, 0, 0};
static const Ctx C_OUTPUT = {A_PARAM | A_SCALAR | A_FN, "an output point",
	"it may use consts, params, lets without arguments, fns, pi and builtin functions", 0, 0, 0};
static const Ctx C_OUTEXPR = {A_PARAM | A_SCALAR | A_FN | A_TIME | A_STATE, "an output",
	"it may use t, consts, params, lets, time signals, fns, the lumped objects (z, z.t), "
	"the field read at points (u(X), u.t(X), u.x(X)) and integral(...)", 0, 0, 0};


static int
is_arg(const Ctx *c, const char *name)
{
	int i;

	for (i = 0; c->fn && i < c->fn->nargs; i++)
		if (strcmp(c->fn->args[i], name) == 0)
			return 1;
	return 0;
}

/* Does e, in fn d's body, read only d's arguments, consts, pi, builtins
 * and other such fns (so a constant may call d)?  Else the name it reads
 * into *what (fn_constant says it). */
static int
fn_body_constant(Sema *s, const Decl *d, const Ast *e, const char **what, int depth)
{
	Entry *en;
	int i;

	if (!e)
		return 1;
	switch (e->kind) {
	case AX_NUM:
		return 1;
	case AX_NAME:
		for (i = 0; i < d->nargs; i++)
			if (!strcmp(d->args[i], e->name))
				return 1;
		if (!strcmp(e->name, "pi"))
			return 1;
		en = sema_lookup(s, e->name);
		if (en && en->decl->nkind == K_CONST)
			return 1;
		*what = e->name;
		return 0;
	case AX_CALL:
		for (i = 0; i < e->nargs; i++)
			if (!fn_body_constant(s, d, e->args[i], what, depth))
				return 0;
		if (builtin_arity(e->name) >= 0 && !sema_lookup(s, e->name))
			return 1;
		en = sema_lookup(s, e->name);
		if (en && en->decl->nkind == K_FN)    /* deeper: a cycle, said as one */
			return depth >= 64 || fn_body_constant(s, en->decl, en->decl->value, what, depth + 1);
		*what = e->name;
		return 0;
	case AX_UNARY:
		return fn_body_constant(s, d, e->a, what, depth);
	case AX_BINARY:
		return fn_body_constant(s, d, e->a, what, depth) && fn_body_constant(s, d, e->b, what, depth);
	default:
		*what = d->name;
		return 0;
	}
}

static int
fn_constant(Sema *s, const Decl *d, Loc loc, const char *name, const Ctx *c, int depth)
{
	const char *what = NULL;

	if (fn_body_constant(s, d, d->value, &what, depth))
		return 1;
	diag_error(s->d, loc, "the fn '%s' reads '%s', which is not constant; in %s a fn may read "
	           "only its arguments, consts, pi and builtin functions", name, what ? what : "?", c->what);
	return 0;
}

void
sema_cannot(Sema *s, Loc loc, const Ctx *c, const char *desc, const char *name)
{
	diag_error(s->d, loc, "cannot use %s '%s' in %s; %s", desc, name, c->what, c->rule);
}

static const char *
kind_desc(const Decl *d)
{
	switch (d->nkind) {
	case K_CONST: return "the const";
	case K_PARAM: return "the param";
	case K_SCALAR: return "the let";
	case K_TIME: return "the time signal";
	case K_SPACE: return "the coefficient";
	case K_FN: return "the fn";
	case K_FIELD: return "the field";
	case K_NET: return "the net";
	case K_LUMP: return "the lumped object";
	default: return "the name";
	}
}

/* The stdlib file (its name, into buf) that defines `fn NAME(`, or NULL:
 * the import a model that calls it without one is missing. */
static const char *
stdlib_defining(const Model *m, const char *name, char *buf, size_t bufsz)
{
	size_t len = strlen(name), fl;
	char path[4200], line[512], *p;
	const char *found = NULL;
	struct dirent *e;
	FILE *f;
	DIR *dir;

	if (!m->stdlib_dir || !m->stdlib_dir[0] || !(dir = opendir(m->stdlib_dir)))
		return NULL;
	while (!found && (e = readdir(dir))) {
		fl = strlen(e->d_name);
		if (fl < 5 || fl >= bufsz || strcmp(e->d_name + fl - 4, ".dpm"))
			continue;
		snprintf(path, sizeof path, "%s/%s", m->stdlib_dir, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (!found && fgets(line, sizeof line, f)) {
			for (p = line; *p == ' ' || *p == '\t'; p++)
				;
			if (strncmp(p, "fn ", 3))
				continue;
			for (p += 3; *p == ' '; p++)
				;
			if (!strncmp(p, name, len) && (p[len] == '(' || p[len] == ' ')) {
				snprintf(buf, bufsz, "%s", e->d_name);
				found = buf;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

/* unknown name 'gamm'; did you mean 'gamma'? */
static void
unknown(Sema *s, Loc loc, const char *name, const Ctx *c, int call)
{
	const char **v;
	const char *best, *lib;
	char file[64];
	int n = 0, i;

	if (call && (lib = stdlib_defining(s->m, name, file, sizeof file))) {
		diag_error(s->d, loc, "unknown function '%s'; it is the standard library's: add "
		           "`import \"%s\"` to the model (docs/language.md 11, the standard library)", name, lib);
		return;
	}
	v = arena_alloc(sema_arena(s), (size_t)(s->nents + NBUILTIN + 8
	                + (c->fn ? c->fn->nargs : 0)) * sizeof *v);
	for (i = 0; i < s->nents; i++)
		if (!call || s->ents[i]->decl->kind == D_FN || s->ents[i]->decl->nargs > 0)
			v[n++] = s->ents[i]->name;
	for (i = 0; i < NBUILTIN; i++)
		v[n++] = builtin_fns[i];
	v[n++] = "lap";
	v[n++] = "bilap";
	v[n++] = "delta";
	if (!call) {
		v[n++] = "t";
		v[n++] = "pi";
		for (i = 0; i < s->ndim; i++)
			v[n++] = s->coord[i];
		for (i = 0; c->fn && i < c->fn->nargs; i++)
			v[n++] = c->fn->args[i];
	}
	best = closest_name(name, v, n);
	if (!strcmp(name, "energy"))    /* a probe's: `let e(t) = energy`, `energy(u)` */
		diag_error(s->d, loc, "'energy' is read only as an output's whole value%s: "
		           "`output E = energy` (docs/language.md 15)", call ? ", with no argument (the energy "
		           "of the whole model)" : "");
	else if (call && (!strcmp(name, "pi") || !strcmp(name, "t")))
		diag_error(s->d, loc, "'%s' is %s, not a function; write it without an argument list "
		           "(a product is written with *: %s * (...))", name,
		           name[0] == 't' ? "the time" : "a builtin constant", name);
	else if (best)
		diag_error(s->d, loc, "unknown %s '%s'; did you mean '%s'?",
		           call ? "function" : "name", name, best);
	else if (call)
		diag_error(s->d, loc, "unknown function '%s'; declare it with `fn %s(x) = ...`, or "
		           "use a built-in (docs/language.md 4)", name, name);
	else
		diag_error(s->d, loc, "unknown name '%s'; declare it (const, param, let, field) or "
		           "use the domain's coordinates, t or pi", name);
}

static void
check_name(Sema *s, Ast *e, const Ctx *c)
{
	Entry *en;
	Decl *d;
	const char *n = e->name;

	if (is_arg(c, n) || strcmp(n, "pi") == 0)
		return;
	if (strcmp(n, "t") == 0) {
		if (!(c->allow & A_TIME))
			sema_cannot(s, e->loc, c, "the time", n);
		return;
	}
	if (sema_coord_index(s, n) >= 0) {
		if (!(c->allow & A_SPACE))
			sema_cannot(s, e->loc, c, "the coordinate", n);
		return;
	}
	if (!(en = sema_lookup(s, n))) {
		if (builtin_arity(n) >= 0 || is_operator_fn(n))
			diag_error(s->d, e->loc, "'%s' is a function; call it as %s(...)", n, n);
		else
			unknown(s, e->loc, n, c, 0);
		return;
	}
	d = en->decl;
	add_dep(s, c->owner, en);
	switch (d->nkind) {
	case K_NONE:
	case K_CONST:
		return;
	case K_PARAM:
		if (!(c->allow & A_PARAM))
			sema_cannot(s, e->loc, c, kind_desc(d), n);
		return;
	case K_SCALAR:
		if (!(c->allow & A_SCALAR))
			sema_cannot(s, e->loc, c, kind_desc(d), n);
		return;
	case K_TIME:
		if (!(c->allow & A_TIME))
			sema_cannot(s, e->loc, c, kind_desc(d), n);
		return;
	case K_SPACE:
		if (!(c->allow & A_SPACE))
			sema_cannot(s, e->loc, c, kind_desc(d), n);
		return;
	case K_FN:
		diag_error(s->d, e->loc, "'%s' is a fn of %d argument%s; call it as %s(...)",
		           n, d->nargs, sema_plural(d->nargs), n);
		return;
	case K_FIELD:
		if (c->netarg)
			diag_error(s->d, e->loc, "cannot use the field '%s' in a net's argument; "
			           "a net maps params, t or the coordinates, not the state", n);
		else if (!(c->allow & A_FIELD) && (c->allow & A_STATE) && !strcmp(c->what, C_POT.what))
			diag_error(s->d, e->loc, "the field '%s' is read at a point in %s: write %s(X), or "
			           "integral(...) of it; the whole field is the pde's alone", n, c->what, n);
		else if (!(c->allow & A_FIELD) && (c->allow & A_STATE))
			diag_error(s->d, e->loc, "the field '%s' is read at a point in %s: write %s(X) (or "
			           "%s.t(X), %s.x(X)); the whole field is the pde's alone", n, c->what, n, n, n);
		else if (!(c->allow & A_FIELD))
			diag_error(s->d, e->loc, "cannot use the field '%s' in %s; the state is read "
			           "only in the pde, outputs, time lets and potentials", n, c->what);
		return;
	case K_NET:
		diag_error(s->d, e->loc, "'%s' is a net; call it as %s(E1, ...)[J] "
		           "(J: which output, from 0)", n, n);
		return;
	case K_LUMP:
		if (!(c->allow & A_STATE))
			diag_error(s->d, e->loc, "cannot use the lumped object '%s' in %s; the state "
			           "may be read only in a pde, a time signal and an output", n, c->what);
		return;
	}
}

/* "xxx": the shear u.xxx(B) at an end (language.md 11.1, discretise.c) */
static int
shear_letters(Sema *s, const char *l)
{
	char c[2] = {l[0], 0};

	return s->ndim == 1 && strlen(l) == 3 && l[0] == l[1] && l[1] == l[2] && sema_coord_index(s, c) >= 0;
}

/* A point read of another part (language.md section 11): u(X), u.t(X),
 * u.x(X) of the field, z or z.t of a lumped object.  1 when e is one
 * (checked here), else 0. */
static int
state_read(Sema *s, Ast *e, const Ctx *c)
{
	Ast *b = e->kind == AX_DERIV ? e->a : e;
	Entry *en;
	int i, lump;

	if (!(c->allow & A_STATE) || is_arg(c, b->name ? b->name : ""))
		return 0;
	if (b->kind != AX_CALL && b->kind != AX_NAME)
		return 0;
	if (!b->name || !(en = sema_lookup(s, b->name)))
		return 0;
	lump = en->decl->nkind == K_LUMP;
	if (!lump && en->decl->nkind != K_FIELD)
		return 0;
	if (lump != (b->kind == AX_NAME))
		return 0;
	add_dep(s, c->owner, en);
	if (e->kind == AX_DERIV && strcmp(e->letters, "t") != 0
	    && (lump || s->ndim != 1
	        || (e->letters[1] ? !shear_letters(s, e->letters) : sema_coord_index(s, e->letters) < 0))) {
		if (lump)
			diag_error(s->d, e->loc, "a lumped object is read as %s or %s.t", b->name, b->name);
		else if (s->ndim == 2)
			diag_error(s->d, e->loc, "a 2D field is read at a point as %s(X, Y) or %s.t(X, Y)",
			           b->name, b->name);
		else
			diag_error(s->d, e->loc, "a field is read at a point as %s(X), %s.t(X) or "
			           "%s.%s(X)", b->name, b->name, b->name, s->coord[0]);
		return 1;
	}
	if (lump)
		return 1;
	if (b->nargs != s->ndim) {
		diag_error(s->d, b->loc, "%s is read at a point with %d coordinate%s", b->name,
		           s->ndim, sema_plural(s->ndim));
		return 1;
	}
	for (i = 0; i < b->nargs; i++)
		sema_expr_in(s, b->args[i], &C_DELTA, c->owner, c->fn, "a point read's position");
	return 1;
}

static int
is_field(Sema *s, const Ast *e)
{
	return e->kind == AX_NAME && strcmp(e->name, s->field->name) == 0;
}

/* The orders of a field term: u, u.LETTERS, lap(...), bilap(...), and
 * lap(...).LETTERS.  Returns 0, -1 after an error, -2 when e is not one. */
static int
field_term(Sema *s, Ast *e, int ord[2], int *nt)
{
	int i, j, r, add;

	switch (e->kind) {
	case AX_NAME:
		return is_field(s, e) ? 0 : -2;
	case AX_DERIV:
		if (e->paren) {
			diag_error(s->d, e->loc, "a derivative of a bracket, (E).%s, cannot be "
			           "differentiated again or put inside lap or bilap; write the "
			           "whole operator as one conservative form, as in (a * %s.xx).xx",
			           e->letters, s->field->name);
			return -1;
		}
		r = field_term(s, e->a, ord, nt);
		if (r == -2) {
			diag_error(s->d, e->loc, "only the field '%s' has derivatives; "
			           "'%s' is not it", s->field->name,
			           e->a->kind == AX_NAME || e->a->kind == AX_CALL ? e->a->name : "this");
			return -1;
		}
		if (r < 0)
			return r;
		for (i = 0; e->letters[i]; i++) {
			char ch = e->letters[i];
			if (ch == 't') {
				(*nt)++;
				continue;
			}
			for (j = 0; j < s->ndim; j++)
				if (s->coord[j][0] == ch && !s->coord[j][1])
					break;
			if (j == s->ndim) {
				if (s->ndim == 1)
					diag_error(s->d, e->loc, "'%c' in '.%s' is not a derivative letter; "
					           "use %s and t", ch, e->letters, s->coord[0]);
				else
					diag_error(s->d, e->loc, "'%c' in '.%s' is not a derivative letter; "
					           "use %s, %s and t", ch, e->letters, s->coord[0], s->coord[1]);
				return -1;
			}
			ord[j]++;
		}
		return 0;
	case AX_CALL:
		if (strcmp(e->name, "lap") && strcmp(e->name, "bilap"))
			return -2;
		add = e->name[0] == 'l' ? 2 : 4;
		if (e->nargs != 1) {
			diag_error(s->d, e->loc, "%s takes 1 argument, not %d", e->name, e->nargs);
			return -1;
		}
		if (e->args[0]->kind == AX_CALL || e->args[0]->kind == AX_DERIV) {
			const Ast *b = e->args[0];
			while (b->kind == AX_DERIV)
				b = b->a;
			if (b->kind == AX_CALL)
				goto bad;
		}
		r = field_term(s, e->args[0], ord, nt);
		if (r == -2)
			goto bad;
		if (r < 0)
			return r;
		for (j = 0; j < s->ndim; j++)
			ord[j] += add;
		return 0;
	bad:
		diag_error(s->d, e->args[0]->loc, "%s takes the field or a derivative of it, "
		           "e.g. %s(%s) or %s(%s.t)", e->name, e->name, s->field->name,
		           e->name, s->field->name);
		return -1;
	default:
		return -2;
	}
}

/* A field term in the pde: t at most once, at most fourth order per axis. */
static void
check_term(Sema *s, Ast *e, const Ctx *c)
{
	int ord[2] = {0, 0}, nt = 0, total, i, lap = 0;
	const Ast *b;
	const Entry *en;

	if (!(c->allow & A_FIELD)) {
		for (b = e; b->kind == AX_DERIV; b = b->a)
			;
		if (b->kind == AX_CALL)
			diag_error(s->d, b->name_loc, "cannot use %s in %s; it may appear only in the pde",
			           b->name, c->what);
		else if (is_field(s, b) && c->netarg)
			diag_error(s->d, e->loc, "cannot use the field '%s' in a net's argument; "
			           "a net maps params, t or the coordinates, not the state", b->name);
		else if (is_field(s, b))
			diag_error(s->d, e->loc, "cannot use the field '%s' in %s; the state is read "
			           "only in the pde, outputs, time lets and potentials", b->name, c->what);
		else if (b->kind == AX_NAME && (en = sema_lookup(s, b->name)) && en->decl->nkind == K_LUMP)
			diag_error(s->d, e->loc, "cannot use the lumped object '%s' in %s; the state may be read "
			           "only in a pde, a time signal and an output", b->name, c->what);
		else
			diag_error(s->d, e->loc, "only the field '%s' has derivatives; '%s' is not it",
			           s->field->name, b->kind == AX_NAME ? b->name : "this");
		return;
	}
	if (field_term(s, e, ord, &nt) != 0)
		return;
	for (b = e; b->kind == AX_DERIV; b = b->a)
		;
	if (b->kind == AX_CALL)
		lap = b->name[0] == 'l' ? 2 : 4;
	if (nt > 1) {
		diag_error(s->d, e->loc, "'t' appears %d times in this derivative; the pde is "
		           "second order in time, so on its right-hand side `t` may appear at "
		           "most once", nt);
		return;
	}
	total = 0;
	for (i = 0; i < s->ndim; i++) {
		if (ord[i] > 4) {
			diag_error(s->d, e->loc, "a derivative of order %d in %s; at most 4 per "
			           "coordinate is supported", ord[i], s->coord[i]);
			return;
		}
		total += ord[i];
	}
	/* a free plate edge (lower.c) needs the pde even in x and in y */
	if (!s->uneven && s->ndim == 2 && ((ord[0] - lap) % 2 || (ord[1] - lap) % 2
	    || (ord[0] > 2 && ord[1] > lap) || (ord[1] > 2 && ord[0] > lap))) {
		s->uneven = 1;
		s->uneven_loc = e->loc;
	}
	/* lap counts 2 and bilap 4 in total, not per axis */
	if (lap && s->ndim == 2)
		total -= lap;
	if (total > s->space_order)
		s->space_order = total;
}

/* Does e hold a derivative of the field (u.x, lap(u), ...)? */
static int
has_deriv(const Ast *e)
{
	int i;

	if (!e)
		return 0;
	if (e->kind == AX_DERIV)
		return 1;
	if (e->kind == AX_CALL) {
		if (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap"))
			return 1;
		for (i = 0; i < e->nargs; i++)
			if (has_deriv(e->args[i]))
				return 1;
		return 0;
	}
	return has_deriv(e->a) || has_deriv(e->b);
}

/* (E).LETTERS, a conservative form (language.md section 10): LETTERS one
 * coordinate once or twice, E holding a derivative of the field.  Which
 * shapes of E have a symmetric difference (a * u.x under .x, a * u.xx
 * under .xx) discretise.c decides, on the linear form. */
static void
check_paren(Sema *s, Ast *e, const Ctx *c)
{
	const char *L = e->letters;
	int save = s->space_order, nerr = s->d->nerr, n = (int)strlen(L), j;

	if (!(c->allow & A_FIELD)) {
		diag_error(s->d, e->loc, "a derivative of a bracket, (E).%s, may appear only "
		           "in the pde", L);
		return;
	}
	if (strchr(L, 't')) {
		diag_error(s->d, e->loc, "a time derivative of a bracket, (E).%s, is not "
		           "supported; put the t inside, as in (a * %s.%st).%s",
		           L, s->field->name, s->coord[0], s->coord[0]);
		return;
	}
	for (j = 0; j < s->ndim; j++)
		if (s->coord[j][0] == L[0] && !s->coord[j][1])
			break;
	if (j == s->ndim || n > 2 || (n == 2 && L[1] != L[0])) {
		if (s->ndim == 1)
			diag_error(s->d, e->loc, "(E).%s is not supported; a bracket takes "
			           "(E).%s or (E).%s%s", L, s->coord[0], s->coord[0], s->coord[0]);
		else
			diag_error(s->d, e->loc, "(E).%s is not supported; a bracket takes "
			           "(E).%s, (E).%s%s, (E).%s or (E).%s%s", L, s->coord[0],
			           s->coord[0], s->coord[0], s->coord[1], s->coord[1], s->coord[1]);
		return;
	}
	s->space_order = 0;
	sema_check_expr(s, e->a, c);
	if (s->d->nerr == nerr && !has_deriv(e->a))
		diag_error(s->d, e->a->loc, "(E).%s needs a derivative of the field inside "
		           "the bracket, as in (a * %s.%s).%s; a coefficient alone has no "
		           "conservative form (differentiate it in a let, or write the "
		           "product out)", L, s->field->name, L, L);
	if (s->space_order + n > save)
		save = s->space_order + n;
	s->space_order = save;
}

/* delta(x - X[, y - Y]): the point X must not depend on the coordinates. */
static void
check_delta(Sema *s, Ast *e, const Ctx *c)
{
	Ctx cd = C_DELTA;
	int i;

	if (!(c->allow & A_FIELD)) {
		diag_error(s->d, e->name_loc, "cannot use delta in %s; it may appear only in the pde",
		           c->what);
		return;
	}
	if (e->nargs != s->ndim) {
		if (s->ndim == 1)
			diag_error(s->d, e->loc, "delta on a 1D domain takes 1 argument, "
			           "delta(%s - X), not %d", s->coord[0], e->nargs);
		else
			diag_error(s->d, e->loc, "delta on a 2D domain takes 2 arguments, "
			           "delta(%s - X, %s - Y), not %d", s->coord[0], s->coord[1], e->nargs);
		return;
	}
	cd.owner = c->owner;
	for (i = 0; i < e->nargs; i++) {
		Ast *a = e->args[i];
		if (a->kind == AX_NAME && strcmp(a->name, s->coord[i]) == 0)
			continue;
		if (a->kind == AX_BINARY && a->op == OP_SUB && a->a->kind == AX_NAME
		    && strcmp(a->a->name, s->coord[i]) == 0) {
			sema_check_expr(s, a->b, &cd);
			continue;
		}
		/* x - 0.5 - 0.1 is (x - 0.5) - 0.1: a hint to bracket the point */
		int sum = a->kind == AX_BINARY && (a->op == OP_SUB || a->op == OP_ADD) && a->a->kind == AX_BINARY;
		diag_error(s->d, a->loc, "argument %d of delta must be `%s - X` (X not "
		           "depending on the coordinates) or `%s`%s%s%s", i + 1, s->coord[i], s->coord[i],
		           sum ? "; bracket the point: `" : "", sum ? s->coord[i] : "", sum ? " - (A + B)`" : "");
	}
}

static void
arity(Sema *s, Ast *e, int want)
{
	if (e->nargs != want)
		diag_error(s->d, e->loc, "'%s' takes %d argument%s, not %d",
		           e->name, want, sema_plural(want), e->nargs);
}


static void check_integral(Sema *s, Ast *e, const Ctx *c);

static void
check_call(Sema *s, Ast *e, const Ctx *c, Ast *ix)
{
	Entry *en;
	Decl *d;
	int i, ar;

	if (ix && (!(en = sema_lookup(s, e->name)) || en->decl->nkind != K_NET)) {
		/* a name that is not a net's, with [J] after the call */
		if (!en && builtin_arity(e->name) < 0 && !is_operator_fn(e->name)
		    && !is_arg(c, e->name)) {
			sema_unknown_net(s, e);
			return;
		}
		diag_error(s->d, ix->loc, "'%s' is not a net; only a net's outputs are "
		           "chosen with [J]", e->name);
		return;
	}

	if (is_arg(c, e->name)) {
		diag_error(s->d, e->name_loc, "'%s' is an argument of '%s', not a function",
		           e->name, c->fn->name);
		return;
	}
	if (strcmp(e->name, "lap") == 0 || strcmp(e->name, "bilap") == 0) {
		check_term(s, e, c);
		return;
	}
	if (strcmp(e->name, "delta") == 0) {
		check_delta(s, e, c);
		return;
	}
	if (!ix && strcmp(e->name, "integral") == 0 && !sema_lookup(s, "integral")) {
		check_integral(s, e, c);
		return;
	}
	if ((ar = builtin_arity(e->name)) >= 0) {
		arity(s, e, ar);
	} else if (!(en = sema_lookup(s, e->name))) {
		unknown(s, e->name_loc, e->name, c, 1);
	} else {
		d = en->decl;
		add_dep(s, c->owner, en);
		switch (d->nkind) {
		case K_NONE:
			break;
		/* a callee not allowed here: its arguments would only repeat that */
		case K_FN:
			/* a constant (a const, a param's value, the rate) may call a
			 * fn of its arguments and consts alone: folded */
			if (!(c->allow & A_FN) && (c->allow & A_PARAM)) {
				sema_cannot(s, e->name_loc, c, "the fn", e->name);
				return;
			}
			if (!(c->allow & A_FN) && !fn_constant(s, d, e->name_loc, e->name, c, 0))
				return;
			arity(s, e, d->nargs);
			break;
		case K_TIME:
			if (!(c->allow & A_TIME)) {
				sema_cannot(s, e->name_loc, c, "the time signal", e->name);
				return;
			}
			arity(s, e, 1);
			break;
		case K_SPACE:
			if (!(c->allow & A_SPACE)) {
				sema_cannot(s, e->name_loc, c, "the coefficient", e->name);
				return;
			}
			arity(s, e, s->ndim);
			break;
		case K_FIELD:
			diag_error(s->d, e->loc, "the field '%s' cannot be read at a point in %s; it is "
			           "read so in a pde, a let of t or an output (`output NAME = %s(...)`)",
			           e->name, c->what ? c->what : "this place", e->name);
			return;
		case K_NET:
			sema_check_net_call(s, e, ix, en, c);
			return;
		default:
			diag_error(s->d, e->name_loc, "%s '%s' is not a function", kind_desc(d), e->name);
			return;
		}
	}
	for (i = 0; i < e->nargs; i++)
		sema_check_expr(s, e->args[i], c);
}

/* The integrand of integral(E) (language.md 12): the field as u, its
 * slopes u.x (u.y), its second derivatives u.xx (u.yy) and lap(u),
 * coordinates, params, fns of them. */
static void
check_integrand(Sema *s, Ast *e, const Ctx *c)
{
	Entry *en;
	int i;

	switch (e->kind) {
	case AX_NAME:
		if (s->field && is_field(s, e) && !is_arg(c, e->name))
			return;
		if ((en = sema_lookup(s, e->name)) && en->decl->nkind == K_LUMP) {
			diag_error(s->d, e->loc, "integral(...) is over a field's domain; '%s' is a "
			           "lumped object, which has none (use %s itself)", e->name, e->name);
			return;
		}
		break;
	case AX_DERIV:
		if (!e->paren && s->field && is_field(s, e->a) && !e->letters[1]
		    && sema_coord_index(s, e->letters) >= 0)
			return;
		if (!e->paren && s->field && is_field(s, e->a) && e->letters[1] && !e->letters[2]) {
			char one[2] = {e->letters[0], 0}, two[2] = {e->letters[1], 0};
			if (e->letters[0] == e->letters[1] && sema_coord_index(s, one) >= 0)
				return;     /* u.xx, u.yy */
			if (sema_coord_index(s, one) >= 0 && sema_coord_index(s, two) >= 0) {
				diag_error(s->d, e->loc, "inside integral(...) a mixed derivative (%s.%s) is not "
				           "supported yet; write the field's slopes or second derivatives along "
				           "one axis (%s.%c%c, %s.%c%c) or lap(%s)", s->field->name, e->letters,
				           s->field->name, e->letters[0], e->letters[0], s->field->name,
				           e->letters[1], e->letters[1], s->field->name);
				return;
			}
		}
		if (!e->paren && (en = e->a->name ? sema_lookup(s, e->a->name) : NULL)
		    && en->decl->nkind == K_LUMP) {
			diag_error(s->d, e->loc, "integral(...) is over a field's domain; '%s' is a "
			           "lumped object, which has none", e->a->name);
			return;
		}
		diag_error(s->d, e->loc, "inside integral(...) the field appears as %s, its "
		           "slopes (%s.%s), its second derivatives (%s.%s%s) or lap(%s)",
		           s->field ? s->field->name : "u", s->field ? s->field->name : "u", s->coord[0],
		           s->field ? s->field->name : "u", s->coord[0], s->coord[0],
		           s->field ? s->field->name : "u");
		return;
	case AX_CALL:
		if (s->field && strcmp(e->name, s->field->name) == 0) {
			diag_error(s->d, e->loc, "inside integral(...) the field is read over its "
			           "whole domain, as %s, not at a point", e->name);
			return;
		}
		if (s->field && !strcmp(e->name, "lap") && !sema_lookup(s, "lap")) {
			if (e->nargs == 1 && is_field(s, e->args[0]) && !is_arg(c, e->args[0]->name))
				return;     /* lap(u) at the grid's points */
			diag_error(s->d, e->loc, "inside integral(...) lap takes the field itself: "
			           "lap(%s)", s->field->name);
			return;
		}
		if (builtin_arity(e->name) >= 0) {
			arity(s, e, builtin_arity(e->name));
			for (i = 0; i < e->nargs; i++)
				check_integrand(s, e->args[i], c);
			return;
		}
		if ((en = sema_lookup(s, e->name)) && en->decl->nkind == K_FN) {
			add_dep(s, c->owner, en);
			arity(s, e, en->decl->nargs);
			for (i = 0; i < e->nargs; i++)
				check_integrand(s, e->args[i], c);
			return;
		}
		break;
	case AX_UNARY:
		check_integrand(s, e->a, c);
		return;
	case AX_BINARY:
		check_integrand(s, e->a, c);
		check_integrand(s, e->b, c);
		return;
	default:
		break;
	}
	sema_check_expr(s, e, c);
}

/* integral(E): a reduction over the field's domain, read from the state
 * every step, so only where the state may be read */
static void
check_integral(Sema *s, Ast *e, const Ctx *c)
{
	Ctx in = C_SPACE;

	if (e->nargs != 1) {
		arity(s, e, 1);
		return;
	}
	if (!(c->allow & A_STATE)) {
		diag_error(s->d, e->loc, "integral(...) reads the state every step; it may appear "
		           "in a pde, a time signal (let NAME(t)), a lumped object's pde or a "
		           "potential, not in %s", c->what);
		return;
	}
	if (!s->field) {
		diag_error(s->d, e->loc, "integral(...) needs a field with coordinates");
		return;
	}
	in.owner = c->owner;
	in.fn = NULL;
	in.what = "integral(...)";
	check_integrand(s, e->args[0], &in);
}

void
sema_check_expr(Sema *s, Ast *e, const Ctx *c)
{
	switch (e->kind) {
	case AX_NUM:
		if (!isfinite(e->num))
			diag_error(s->d, e->loc, "number out of range: it is not finite; write one within "
			           "+-1.8e308");
		return;
	case AX_NAME:
		if (s->field && is_field(s, e) && !is_arg(c, e->name) && (c->allow & A_FIELD))
			return;
		check_name(s, e, c);
		return;
	case AX_CALL:
		if (!state_read(s, e, c))
			check_call(s, e, c, NULL);
		return;
	case AX_INDEX:
		if (e->a->kind == AX_CALL) {
			check_call(s, e->a, c, e);
			return;
		}
		diag_error(s->d, e->loc, "only a net's outputs are chosen with [J]: "
		           "NET(E1, ...)[J]");
		return;
	case AX_NAMED:
		diag_error(s->d, e->name_loc, "'%s = ...' is an option of mlp(...); "
		           "it has no meaning here", e->name);
		return;
	case AX_UNARY:
		sema_check_expr(s, e->a, c);
		return;
	case AX_BINARY:
		sema_check_expr(s, e->a, c);
		sema_check_expr(s, e->b, c);
		return;
	case AX_DERIV:
		if (e->paren)
			check_paren(s, e, c);
		else if (!state_read(s, e, c))
			check_term(s, e, c);
		return;
	}
}

/* Check one expression; 1 if it had errors.  what: the context's name
 * when the template's is too general ("the rate"). */
int
sema_expr_in(Sema *s, Ast *e, const Ctx *tmpl, Entry *owner, const Decl *fn, const char *what)
{
	Ctx c = *tmpl;
	int nerr = s->d->nerr;

	if (!e)
		return 0;
	if (e->depth > MAXDEPTH) {
		diag_error(s->d, e->loc, "expression too deep (more than %d levels of operations; a sum "
		           "or product of N terms counts N - 1): split it into lets", MAXDEPTH);
		return 1;
	}
	if (what)
		c.what = what;
	c.owner = owner;
	c.fn = fn;
	sema_check_expr(s, e, &c);
	return s->d->nerr > nerr;
}

static int
expr(Sema *s, Ast *e, const Ctx *tmpl, Entry *owner, const Decl *fn)
{
	return sema_expr_in(s, e, tmpl, owner, fn, NULL);
}

static void
subject(Sema *s, Decl *d, const char *stmt)
{
	if (strcmp(d->field, s->field->name) != 0)
		diag_error(s->d, d->name_loc, "'%s' is not the field; the model's field is '%s'",
		           d->field, s->field->name);
	else if (d->lhs_letters[0] && strcmp(d->lhs_letters, "t") != 0)
		diag_error(s->d, d->lhs_loc, "%s reads %s or %s.t, not %s.%s", stmt,
		           s->field->name, s->field->name, s->field->name, d->lhs_letters);
}


/* output NAME = E (docs/language.md 18): a read of one point (u(X),
 * u.t(X), z, z.t) or energy stays what the gather reads; anything else
 * is an expression of the state the outputs read, checked as one. */
/* the first use of the bare name n in e, or NULL */
static const Ast *
named(const Ast *e, const char *n)
{
	const Ast *r = NULL;
	int i;

	if (!e)
		return NULL;
	if (e->kind == AX_NAME && !strcmp(e->name, n))
		return e;
	for (i = 0; e->kind == AX_CALL && i < e->nargs && !r; i++)
		r = named(e->args[i], n);
	if (!r)
		r = named(e->a, n);
	return r ? r : named(e->b, n);
}

static void
output(Sema *s, Decl *d)
{
	Model *m = s->m;
	const Ast *e;
	int j;

	if (d->field && !strcmp(d->field, "energy") && !d->nat && !d->lhs_letters[0]) {
		const Entry *en = sema_lookup(s, "energy");
		if (!en) {
			d->energy = 1;
			return;
		}
		/* `energy` is no keyword: the name declared wins, said */
		diag_note(s->d, d->lhs_loc, "'energy' here is the name this model declares, not the "
		          "model's energy (docs/language.md 15); to output the energy, rename it");
		diag_note(s->d, en->decl->name_loc, "'energy' is declared here");
	}
	if (d->field && sema_lump_index(m, d->field) >= 0 && !d->nat
	    && (!d->lhs_letters[0] || !strcmp(d->lhs_letters, "t")))
		return;
	if (d->field && s->field && !strcmp(d->field, s->field->name)
	    && (!d->lhs_letters[0] || !strcmp(d->lhs_letters, "t"))) {
		if (d->nat != s->ndim) {
			if (s->ndim == 1)
				diag_error(s->d, d->lhs_loc, "an output reads %s at a point: "
				           "%s(X), with 1 coordinate, not %d", d->field, d->field, d->nat);
			else
				diag_error(s->d, d->lhs_loc, "an output reads %s at a point: "
				           "%s(X, Y), with 2 coordinates, not %d", d->field, d->field, d->nat);
		}
		for (j = 0; j < d->nat && j < 2; j++)
			expr(s, d->at[j], &C_OUTPUT, NULL, NULL);
		return;
	}
	d->field = NULL;
	d->nat = 0;
	d->lhs_letters = "";
	if (!sema_lookup(s, "energy") && (e = named(d->value, "energy"))) {
		diag_error(s->d, e->loc, "the energy is an output of its own, `output %s = energy`, "
		           "not part of an expression", d->name);
		return;
	}
	expr(s, d->value, &C_OUTEXPR, NULL, NULL);
}

static void
exprs(Sema *s)
{
	Model *m = s->m;
	int i, j;

	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		Entry *en = NULL;
		int bad = 0;

		if (d->name && (d->kind == D_CONST || d->kind == D_PARAM || d->kind == D_LET
		                || d->kind == D_FN || d->kind == D_NET)) {
			en = sema_lookup(s, d->name);
			if (en && en->decl != d)
				continue;          /* a duplicate: reported */
		}
		switch (d->kind) {
		case D_CONST:
			bad = expr(s, d->value, &C_CONST, en, NULL);
			break;
		case D_PARAM:
			bad = expr(s, d->value, &C_PARAM, en, NULL);
			bad |= expr(s, d->lo, &C_PARAM, en, NULL);
			bad |= expr(s, d->hi, &C_PARAM, en, NULL);
			break;
		case D_LET:
			if (d->nkind == K_SCALAR)
				bad = expr(s, d->value, &C_SCALAR, en, NULL);
			else if (d->nkind == K_TIME)
				bad = expr(s, d->value, &C_TIME, en, NULL);
			else if (d->nkind == K_SPACE)
				bad = expr(s, d->value, &C_SPACE, en, NULL);
			break;
		case D_FN:
			bad = expr(s, d->value, &C_FN, en, d);
			break;
		case D_RATE:
			bad = sema_expr_in(s, d->value, &C_FIXED, NULL, NULL, "the rate");
			break;
		case D_DOMAIN:
			if (d != m->domain)
				break;
			for (j = 0; j < d->ndim; j++) {
				sema_expr_in(s, d->from[j], &C_FIXED, NULL, NULL, "the domain");
				sema_expr_in(s, d->to[j], &C_FIXED, NULL, NULL, "the domain");
			}
			for (j = 0; j < d->nat && j < 2; j++)
				sema_expr_in(s, d->grid[j], &C_FIXED, NULL, NULL, "a grid count");
			break;
		case D_PDE:
			if (sema_lump_index(m, d->field) >= 0) {
				sema_expr_in(s, d->value, &C_LUMP, NULL, NULL, NULL);
				break;
			}
			if (d != m->pde)
				break;
			if (strcmp(d->field, s->field->name) != 0
			    || strcmp(d->lhs_letters, "tt") != 0) {
				diag_error(s->d, d->lhs_loc, "the left-hand side of the pde must be %s.tt",
				           s->field->name);
				s->pde_bad = 1;
			}
			s->space_order = 0;
			if (expr(s, d->value, &C_PDE, NULL, NULL)) {
				s->pde_bad = 1;
			} else if (s->space_order == 0) {
				diag_error(s->d, d->value->loc, "the pde needs a spatial derivative of %s "
				           "(such as %s.%s%s or lap(%s))", s->field->name, s->field->name,
				           s->coord[0], s->coord[0], s->field->name);
				s->pde_bad = 1;
			}
			break;
		case D_FIELD:
			sema_expr_in(s, d->density, &C_DENSITY, NULL, NULL, "a density");
			sema_expr_in(s, d->mass, &C_SCALAR, NULL, NULL, "a mass");
			break;
		case D_INIT:
			if (sema_lump_index(m, d->field) >= 0) {
				sema_expr_in(s, d->value, &C_SCALAR, NULL, NULL, "a lumped object's init");
				break;
			}
			subject(s, d, "init");
			if (strcmp(d->field, s->field->name) == 0 && (!d->lhs_letters[0]
			    || strcmp(d->lhs_letters, "t") == 0)) {
				Decl **slot = d->lhs_letters[0] ? &m->init_ut : &m->init_u;
				if (*slot) {
					diag_error(s->d, d->lhs_loc, "a second `init %s%s`", d->field,
					           d->lhs_letters[0] ? ".t" : "");
					diag_note(s->d, (*slot)->lhs_loc, "the first one is here");
				} else {
					*slot = d;
				}
			}
			expr(s, d->value, &C_INIT, NULL, NULL);
			break;
		case D_OUTPUT:
			output(s, d);
			for (j = 0; j < i; j++) {
				Decl *o = m->decls[j];
				if (o->kind == D_OUTPUT && strcmp(o->name, d->name) == 0) {
					diag_error(s->d, d->name_loc, "a second output named '%s'", d->name);
					diag_note(s->d, o->name_loc, "the first one is here");
					break;
				}
			}
			break;
		case D_BOUNDARY:
			for (j = 0; j < d->nwhere; j++)
				sema_expr_in(s, d->where[j].at, &C_FIXED, NULL, NULL, "a boundary");
			break;
		case D_NET:
			bad = sema_check_net(s, d, en);
			break;
		case D_POTENTIAL:
			potential_name(s, d);
			expr(s, d->value, &C_POT, NULL, NULL);
			for (j = 0; j < i; j++) {
				Decl *o = m->decls[j];
				if (o->kind == D_POTENTIAL && strcmp(o->name, d->name) == 0) {
					diag_error(s->d, d->name_loc, "a second potential named '%s'", d->name);
					diag_note(s->d, o->name_loc, "the first one is here");
					break;
				}
			}
			break;
		default:
			break;
		}
		if (bad && en)
			en->bad = 1;
	}
}

/* ---- pass 4: dependency order ---- */

enum { DEPTH_MAX = 4000 };

static void
visit(Sema *s, Entry *e, Entry **path, int np)
{
	int i, j;

	if (e->mark == 2)
		return;
	if (e->mark == 1) {
		Buf b = {0};
		for (i = 0; i < np && path[i] != e; i++)
			;
		if (!e->in_cycle) {
			for (j = i; j < np; j++)
				buf_printf(&b, "%s -> ", path[j]->name);
			buf_puts(&b, e->name);
			diag_error(s->d, e->decl->name_loc, "'%s' depends on itself: %s", e->name, b.s);
			buf_free(&b);
		}
		for (j = i; j < np; j++)
			path[j]->in_cycle = path[j]->bad = 1;
		return;
	}
	/* each level is a frame here and in the lowering's inlining: a
	 * chain of 75000 lets overflowed the stack */
	if (np >= DEPTH_MAX) {
		if (!s->too_deep++)
			diag_error(s->d, e->decl->name_loc, "'%s' is defined through a chain of more than %d "
			           "definitions, each in terms of the next; write it with fewer", path[0]->name,
			           DEPTH_MAX);
		e->bad = 1;
		return;
	}
	e->mark = 1;
	path[np] = e;
	for (i = 0; i < e->ndeps; i++)
		visit(s, e->deps[i], path, np + 1);
	e->mark = 2;
	if (e->decl->kind != D_FIELD)
		s->m->order[s->m->norder++] = e->decl;
}

static void
order(Sema *s)
{
	Entry **path = arena_alloc(sema_arena(s), (size_t)(s->nents + 1) * sizeof *path);
	int i;

	for (i = 0; i < s->nents; i++)
		visit(s, s->ents[i], path, 0);
}

/* ---- pass 5: folding constant expressions ---- */

/* A fn's arguments while its body is folded (a const that calls it) */
typedef struct Env {
	const Decl *fn;
	const double *v;
	int depth;
} Env;

static double eval_call(Sema *s, const Ast *e, int *fail, const Env *env);

static double
eval(Sema *s, const Ast *e, int *fail, const Env *env)
{
	double a, b;
	Entry *en;
	int i;

	if (*fail)
		return 0;
	switch (e->kind) {
	case AX_NUM:
		return e->num;
	case AX_NAME:
		for (i = 0; env && i < env->fn->nargs; i++)
			if (!strcmp(env->fn->args[i], e->name))
				return env->v[i];
		if (strcmp(e->name, "pi") == 0)
			return PI;
		en = sema_lookup(s, e->name);
		if (en && en->decl->nkind == K_CONST && en->folded)
			return en->decl->num;
		*fail = 1;         /* reported elsewhere */
		return 0;
	case AX_UNARY:
		a = eval(s, e->a, fail, env);
		return e->op == OP_NEG ? -a : (double)(a == 0);
	case AX_BINARY:
		a = eval(s, e->a, fail, env);
		/* the side && and || do not take is not evaluated: its division
		 * by zero is no error (p == 0 || 1 / p > 2) */
		if (!*fail && ((e->op == OP_OR && a != 0) || (e->op == OP_AND && a == 0)))
			return e->op == OP_OR;
		b = eval(s, e->b, fail, env);
		if (*fail)
			return 0;
		switch (e->op) {
		case OP_OR: return (a != 0) || (b != 0);
		case OP_AND: return (a != 0) && (b != 0);
		case OP_LT: return a < b;
		case OP_LE: return a <= b;
		case OP_GT: return a > b;
		case OP_GE: return a >= b;
		case OP_EQ: return a == b;
		case OP_NE: return a != b;
		case OP_ADD: return a + b;
		case OP_SUB: return a - b;
		case OP_MUL: return a * b;
		case OP_DIV:
			if (b == 0) {
				diag_error(s->d, e->loc, "division by zero");
				*fail = 2;
				return 0;
			}
			return a / b;
		case OP_POW: return pow(a, b);
		default: break;
		}
		break;
	case AX_CALL: {
		double v[3] = {0, 0, 0};

		if ((en = sema_lookup(s, e->name)) && en->decl->nkind == K_FN && builtin_arity(e->name) < 0)
			return eval_call(s, e, fail, env);
		int i;

		if (builtin_arity(e->name) != e->nargs || e->nargs > 3) {
			*fail = 1;
			return 0;
		}
		if (!strcmp(e->name, "select")) {    /* the branch taken alone */
			a = eval(s, e->args[0], fail, env);
			return *fail ? 0 : eval(s, e->args[a != 0 ? 1 : 2], fail, env);
		}
		for (i = 0; i < e->nargs; i++)
			v[i] = eval(s, e->args[i], fail, env);
		if (*fail)
			return 0;
		a = v[0];
		b = v[1];
		switch (e->name[0]) {
		case 's':
			if (!strcmp(e->name, "sin")) return sin(a);
			if (!strcmp(e->name, "sqrt")) return sqrt(a);
			if (!strcmp(e->name, "sigmoid")) return 1 / (1 + exp(-a));
			if (!strcmp(e->name, "softplus"))
				return a > 0 ? a + log1p(exp(-a)) : log1p(exp(a));
			if (!strcmp(e->name, "step")) return a >= 0;
			break;
		case 'c': return cos(a);
		case 't': return !strcmp(e->name, "tan") ? tan(a) : tanh(a);
		case 'e': return exp(a);
		case 'l': return log(a);
		case 'a': return fabs(a);
		case 'm': return !strcmp(e->name, "min") ? fmin(a, b) : fmax(a, b);
		case 'p': return pow(a, b);
		}
		break;
	}
	case AX_DERIV:
	case AX_INDEX:
	case AX_NAMED:
		break;
	}
	*fail = 1;
	return 0;
}

/* fn(args): its body with the arguments' values (sema checked that it
 * reads only them, consts and other such fns: fn_constant) */
static double
eval_call(Sema *s, const Ast *e, int *fail, const Env *env)
{
	const Decl *d = sema_lookup(s, e->name)->decl;
	double *v, r = 0;
	Env in;
	int i;

	if (d->nargs != e->nargs || (env && env->depth > MAXDEPTH)) {
		*fail = 1;
		return 0;
	}
	v = mem_alloc(sizeof *v * (size_t)(d->nargs + 1));
	for (i = 0; i < e->nargs; i++)
		v[i] = eval(s, e->args[i], fail, env);
	in.fn = d;
	in.v = v;
	in.depth = env ? env->depth + 1 : 1;
	if (!*fail) {
		r = eval(s, d->value, fail, &in);
		/* an error in the body (a library's): this call's arguments */
		if (*fail == 2)
			diag_note(s->d, e->loc, "in this call of '%s'", e->name);
	}
	mem_free(v);
	return r;
}

/* The value of a constant expression, or NAN (reported, or an error
 * reported elsewhere made it unknowable). */
double
sema_fold(Sema *s, const Ast *e, const char *what, const char *name)
{
	int fail = 0;
	double v;

	if (!e || e->depth > MAXDEPTH)
		return NAN;
	v = eval(s, e, &fail, NULL);
	if (fail)
		return NAN;
	if (!isfinite(v)) {
		const char *nv = isnan(v) ? "not a number (NaN)" : v > 0 ? "infinite" : "minus infinity";
		if (name)
			diag_error(s->d, e->loc, "%s '%s' is %s", what, name, nv);
		else
			diag_error(s->d, e->loc, "%s is %s", what, nv);
		return NAN;
	}
	return v;
}

static void
fold_all(Sema *s)
{
	Model *m = s->m;
	Decl *dom = m->domain;
	int i;

	for (i = 0; i < m->norder; i++) {
		Decl *d = m->order[i];
		Entry *en = sema_lookup(s, d->name);
		if (d->kind != D_CONST || !en || en->bad)
			continue;
		d->num = sema_fold(s, d->value, "the value of", d->name);
		en->folded = !isnan(d->num);
	}
	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		Entry *en;
		if (d->kind != D_PARAM || !(en = sema_lookup(s, d->name)) || en->decl != d || en->bad)
			continue;
		d->num = sema_fold(s, d->value, "the value of", d->name);
		if (d->lo) {
			d->lo_num = sema_fold(s, d->lo, "the lower bound of", d->name);
			d->hi_num = sema_fold(s, d->hi, "the upper bound of", d->name);
			if (isnan(d->lo_num) || isnan(d->hi_num))
				continue;
			if (!(d->lo_num < d->hi_num)) {
				diag_error(s->d, span(d->lo->loc, d->hi->loc), "the range of '%s' is "
				           "empty: %g is not below %g", d->name, d->lo_num, d->hi_num);
				continue;
			}
			if (d->is_log && d->lo_num <= 0) {
				diag_error(s->d, span(d->lo->loc, d->hi->loc), "a `log` param needs "
				           "a range above 0, not [%g, %g]", d->lo_num, d->hi_num);
				continue;
			}
			if (!isnan(d->num) && (d->num < d->lo_num || d->num > d->hi_num))
				diag_error(s->d, d->value->loc, "the value %g of '%s' is outside its "
				           "range [%g, %g]", d->num, d->name, d->lo_num, d->hi_num);
		} else if (d->is_log && !isnan(d->num) && d->num <= 0) {
			diag_error(s->d, d->value->loc, "a `log` param needs a value above 0, not %g",
			           d->num);
		}
	}
	if (m->rate) {
		m->rate->num = sema_fold(s, m->rate->value, "the rate", NULL);
		if (!isnan(m->rate->num) && m->rate->num <= 0)
			diag_error(s->d, m->rate->value->loc, "the rate must be above 0 Hz, not %g",
			           m->rate->num);
		else if (!isnan(m->rate->num) && (m->rate->num < 1 || m->rate->num > 1e7))
			diag_error(s->d, m->rate->value->loc, "a rate of %g Hz is not usable; give one "
			           "between 1 Hz and 10 MHz (audio: 44100 or 48000)", m->rate->num);
		else if (!isnan(m->rate->num) && m->rate->num != floor(m->rate->num))
			diag_error(s->d, m->rate->value->loc, "the rate must be a whole number of Hz (a WAV "
			           "file's is), not %.17g", m->rate->num);
	}
	s->domain_ok = 1;
	for (i = 0; i < dom->ndim; i++) {
		dom->from_num[i] = sema_fold(s, dom->from[i], "the domain's end", NULL);
		dom->to_num[i] = sema_fold(s, dom->to[i], "the domain's end", NULL);
		if (isnan(dom->from_num[i]) || isnan(dom->to_num[i])) {
			s->domain_ok = 0;
		} else if (!(dom->from_num[i] < dom->to_num[i])) {
			diag_error(s->d, span(dom->from[i]->loc, dom->to[i]->loc), "the domain is "
			           "empty in %s: %g is not below %g", dom->coord[i],
			           dom->from_num[i], dom->to_num[i]);
			s->domain_ok = 0;
		} else if (!isfinite(dom->to_num[i] - dom->from_num[i]) || dom->to_num[i] - dom->from_num[i] > 1e100) {
			/* its length, and every h on it, must be a number */
			diag_error(s->d, span(dom->from[i]->loc, dom->to[i]->loc), "the domain in %s, "
			           "[%g, %g], is longer than 1e100: give its length in units near the "
			           "part's size", dom->coord[i], dom->from_num[i], dom->to_num[i]);
			s->domain_ok = 0;
		} else if (dom->to_num[i] - dom->from_num[i] < 1e-30) {
			/* 1/h^2 and 1/h^4 overflow: "a coefficient is infinite",
			 * blamed on t60_sigma0's frequencies (a probe's) */
			diag_error(s->d, span(dom->from[i]->loc, dom->to[i]->loc), "the domain in %s, "
			           "[%g, %g], is shorter than 1e-30: give its length in units near the "
			           "part's size", dom->coord[i], dom->from_num[i], dom->to_num[i]);
			s->domain_ok = 0;
		}
	}
	if (dom->grid[0] && dom->nat == dom->ndim) {
		double total = 1;
		int ok = 1;
		for (i = 0; i < dom->ndim; i++) {
			double g = sema_fold(s, dom->grid[i], "the grid count", NULL);
			if (isnan(g)) {
				ok = 0;
			} else if (g != floor(g) || g < 2) {
				diag_error(s->d, dom->grid[i]->loc, "a grid count is a whole number of "
				           "intervals, not %g: at least 3 for a second-order pde's stencil, "
				           "5 for a fourth-order one", g);
				ok = 0;
			} else if (g > 1e8) {
				total *= g + 1;
			} else {
				dom->grid_num[i] = (long)g;
				total *= g + 1;
			}
		}
		if (ok && total > 1e8)
			diag_error(s->d, dom->grid[0]->loc, "the grid has too many points "
			           "(%g); at most 1e8 are supported", total);
	}
}


/* A model of lumped objects only (language.md 11: a mass on a felt, an
 * oscillator) has no field with coordinates, which the rest of the
 * compiler needs.  It gets one that never moves: a wave equation on three
 * intervals with fixed ends, at rest, so it adds nothing to the outputs,
 * the energy or the gradient and costs two points a step. */
static int
lumped_only(Model *m, Diag *dg)
{
	Arena *a = m->arena;
	Loc l = m->name_loc;
	AstList *g, *w, *c;
	Decl **v;
	static const char *const letters[] = {"x", "y", "s", "r", "q", "w", "v", "a", "b", "c", "d",
	                                      "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
	                                      "u", "z", NULL};
	const char *f = "rest_", *x = NULL;
	char xx[3];
	int i, nlump = 0, nerr = 0;

	for (i = 0; i < m->ndecls; i++) {
		const Decl *d = m->decls[i];
		if (d->kind == D_DOMAIN || (d->kind == D_FIELD && d->args))
			return 0;
		nlump += d->kind == D_FIELD;
	}
	if (!nlump || !m->name)
		return 0;
	/* (a boundary line here read "a second boundary condition for x = 0",
	 * at the model's name: the ends of the field made up below) */
	for (i = 0; i < m->ndecls; i++)
		if (m->decls[i]->kind == D_BOUNDARY) {
			diag_error(dg, keyword_loc(m->decls[i]), "a lumped object (`field NAME mass M`) has no "
			           "ends, so no boundary condition; remove this line, or declare a domain and "
			           "a field on it (`domain x in [0, 1]`, `field u(x)`) for it to hold");
			nerr++;
		}
	if (nerr)
		return 1;
	/* a coordinate of one letter no name of the model takes: its
	 * derivative is written with it (`param x` took "x", and x_ has no
	 * derivative letter: ".xx" was refused at the model's name; a probe's) */
	for (i = 0; letters[i] && !x; i++)
		if (!model_lookup(m, letters[i]))
			x = letters[i];
	if (!x)
		return 0;  /* every letter a name: the field's pde is refused as missing */
	xx[0] = xx[1] = x[0];
	xx[2] = 0;
	g = ast_list(a, NULL, ast_num(a, 3, l));
	c = ast_list(a, NULL, ast_name(a, x, l));
	w = ast_list(a, NULL, ast_where(a, x, ast_num(a, 0, l), l));
	w = ast_list(a, w, ast_where(a, x, ast_num(a, 1, l), l));
	v = arena_alloc(a, (size_t)(m->ndecls + 4) * sizeof *v);
	memcpy(v, m->decls, (size_t)m->ndecls * sizeof *v);
	v[m->ndecls++] = ast_domain(a, NULL, l, x, l, ast_num(a, 0, l), ast_num(a, 1, l), NULL, l, NULL, NULL, g, l);
	v[m->ndecls++] = ast_field(a, f, l, c, NULL, l);
	/* a wave of speed 0.22: its 3 intervals stable from 1 Hz (at speed 1
	 * they needed 3 Hz: a probe's), its finest grid under 1e8 points up
	 * to 10 MHz (where a planner looks for one); it stays 0 */
	v[m->ndecls++] = ast_pde(a, f, l, "tt", l, ast_binary(a, OP_MUL, ast_num(a, 0.05, l),
	                                                   ast_deriv(a, ast_name(a, f, l), arena_strdup(a, xx), l), l), l);
	v[m->ndecls++] = ast_boundary(a, NULL, l, w, "fixed", l, NULL, l, l);
	m->decls = v;
	m->lumped_only = 1;
	return 0;
}

/* ---- the index ---- */

/* 1 (said) if an expression is deeper than MAXDEPTH: before any pass
 * walks the trees recursively (sema_fields.c, sema_chain.c), so that a
 * 400 KB `1 + 1 + ...` is an error, not a stack overflow */
static int
too_deep(Sema *s)
{
	int i, j, bad = 0;

	for (i = 0; i < s->m->ndecls; i++) {
		Decl *d = s->m->decls[i];
		Ast *t[12] = {d->value, d->lo, d->hi, d->from[0], d->from[1], d->to[0], d->to[1],
		              d->grid[0], d->grid[1], d->density, d->at[0], d->at[1]};
		for (j = 0; j < 12 + d->nwhere + d->nopts; j++) {
			Ast *e = j < 12 ? t[j] : j < 12 + d->nwhere ? d->where[j - 12].at
			         : d->opts[j - 12 - d->nwhere].v;
			if (e && e->depth > MAXDEPTH) {
				diag_error(s->d, e->loc, "expression too deep (more than %d levels of operations; "
				           "a sum or product of N terms counts N - 1): split it into lets", MAXDEPTH);
				bad = 1;
			}
		}
	}
	return bad;
}

int
sema_check(Model *m, Diag *d)
{
	Sema s;
	int nerr = d->nerr, i, np = 0, no = 0, nn = 0, nw = 0;

	if (!m->arena)
		die("sema_check: the model has no arena");
	memset(&s, 0, sizeof s);
	s.m = m;
	s.d = d;
	s.a = m->arena;
	m->space_order = 0;
	memset(m->bc, 0, sizeof m->bc);
	if (too_deep(&s))
		return 1;
	if (lumped_only(m, d))
		return 1;
	sema_springs(m);
	if (sema_fields(m, d) || structure(&s))
		return 1;
	names(&s);
	exprs(&s);
	m->order = arena_alloc(s.a, sizeof(Decl *) * (size_t)(s.nents + 1));
	m->norder = 0;
	order(&s);
	/* folding and boundaries skip what earlier errors made unknowable */
	fold_all(&s);
	sema_fold_nets(&s);
	sema_boundaries(&s);
	m->space_order = s.space_order;
	for (i = 0; i < m->ndecls; i++) {
		np += m->decls[i]->kind == D_PARAM;
		no += m->decls[i]->kind == D_OUTPUT;
		if (m->decls[i]->kind == D_NET) {
			nn++;
			nw += m->decls[i]->net ? m->decls[i]->net->nweights : 0;
		}
	}
	m->params = arena_alloc(s.a, sizeof(Decl *) * (size_t)(np + nw + 1));
	m->outputs = arena_alloc(s.a, sizeof(Decl *) * (size_t)(no + 1));
	m->nets = arena_alloc(s.a, sizeof(Decl *) * (size_t)(nn + 1));
	m->potentials = arena_alloc(s.a, sizeof(Decl *) * (size_t)(m->ndecls + 1));
	m->npotentials = 0;
	m->nparams = m->noutputs = m->nnets = 0;
	for (i = 0; i < m->ndecls; i++) {
		if (m->decls[i]->kind == D_PARAM)
			m->params[m->nparams++] = m->decls[i];
		if (m->decls[i]->kind == D_OUTPUT)
			m->outputs[m->noutputs++] = m->decls[i];
		if (m->decls[i]->kind == D_NET)
			m->nets[m->nnets++] = m->decls[i];
		if (m->decls[i]->kind == D_POTENTIAL)
			m->potentials[m->npotentials++] = m->decls[i];
	}
	m->nuser = m->nparams;
	if (d->nerr > nerr)
		return 1;
	sema_net_params(&s, &m->nparams);
	return 0;
}
