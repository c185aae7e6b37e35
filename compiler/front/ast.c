/* ast.c — syntax tree builders, imports, the model entry points, the dump.
 * requires: parse_file (parser.y) and sema_check (sema.c).
 * model_load leaves a Model whose decls hold the main file's statements
 * with each imported file's definitions in place of its `import`. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

/* ---- builders: one per grammar action ---- */

AstList *
ast_list(Arena *a, AstList *l, void *x)
{
	void **v;

	if (!l)
		l = arena_alloc(a, sizeof *l);
	if (l->n == l->cap) {
		/* arena memory: copy on growth, the old array stays until freeall */
		l->cap = l->cap ? 2 * l->cap : 4;
		v = arena_alloc(a, (size_t)l->cap * sizeof *v);
		if (l->n)
			memcpy(v, l->v, (size_t)l->n * sizeof *v);
		l->v = v;
	}
	l->v[l->n++] = x;
	return l;
}

static Ast *
node(Arena *a, AstKind k, Loc loc)
{
	Ast *e = arena_alloc(a, sizeof *e);
	e->kind = k;
	e->loc = loc;
	e->depth = 1;
	return e;
}

Ast *
ast_num(Arena *a, double v, Loc loc)
{
	Ast *e = node(a, AX_NUM, loc);
	e->num = v;
	return e;
}

Ast *
ast_name(Arena *a, const char *name, Loc loc)
{
	Ast *e = node(a, AX_NAME, loc);
	e->name = name;
	e->name_loc = loc;
	return e;
}

Ast *
ast_call(Arena *a, const char *name, Loc name_loc, AstList *args, Loc loc)
{
	Ast *e = node(a, AX_CALL, loc);
	int i;

	e->name = name;
	e->name_loc = name_loc;
	if (args) {
		e->args = (Ast **)args->v;
		e->nargs = args->n;
		for (i = 0; i < args->n; i++) {
			Ast *g = e->args[i];
			/* delta(x + A) is delta(x - (-A)), the one form the later
			 * stages read (a domain left of 0) */
			if (!strcmp(name, "delta") && g->kind == AX_BINARY && g->op == OP_ADD
			    && g->a->kind == AX_NAME) {
				g->op = OP_SUB;
				g->b = ast_unary(a, OP_NEG, g->b, g->b->loc);
				if (g->b->depth + 1 > g->depth)
					g->depth = g->b->depth + 1;
			}
			if (g->depth + 1 > e->depth)
				e->depth = g->depth + 1;
		}
		/* lap(lap(E)) is bilap(E) (language.md 4), and lap(lap(E).t)
		 * is bilap(E.t), as lap(u).t is lap(u.t) */
		if (!strcmp(name, "lap") && e->nargs == 1 && e->args[0]->kind == AX_CALL
		    && !strcmp(e->args[0]->name, "lap") && e->args[0]->nargs == 1) {
			e->name = "bilap";
			e->args = e->args[0]->args;
		} else if (!strcmp(name, "lap") && e->nargs == 1 && e->args[0]->kind == AX_DERIV
		           && !e->args[0]->paren && !strcmp(e->args[0]->letters, "t")
		           && e->args[0]->a->kind == AX_CALL && !strcmp(e->args[0]->a->name, "lap")
		           && e->args[0]->a->nargs == 1) {
			Ast *d = e->args[0];
			e->name = "bilap";
			e->args = arena_alloc(a, sizeof *e->args);
			e->args[0] = ast_deriv(a, d->a->args[0], d->letters, d->loc);
		}
	}
	return e;
}

Ast *
ast_unary(Arena *a, AstOp op, Ast *x, Loc loc)
{
	Ast *e = node(a, AX_UNARY, loc);
	e->op = op;
	e->a = x;
	e->depth = x->depth + 1;
	return e;
}

Ast *
ast_binary(Arena *a, AstOp op, Ast *x, Ast *y, Loc loc)
{
	Ast *e = node(a, AX_BINARY, loc);
	e->op = op;
	e->a = x;
	e->b = y;
	e->depth = (x->depth > y->depth ? x->depth : y->depth) + 1;
	return e;
}

Ast *
ast_deriv(Arena *a, Ast *x, const char *letters, Loc loc)
{
	Ast *e = node(a, AX_DERIV, loc);
	e->a = x;
	e->letters = letters;
	e->depth = x->depth + 1;
	return e;
}

/* (E).letters: a derivative of an expression, not of a name (section 10) */
Ast *
ast_paren_deriv(Arena *a, Ast *x, const char *letters, Loc loc)
{
	Ast *e = ast_deriv(a, x, letters, loc);
	e->paren = 1;
	return e;
}

Ast *
ast_index(Arena *a, Ast *call, Ast *index, Loc loc)
{
	Ast *e = node(a, AX_INDEX, loc);
	e->a = call;
	e->b = index;
	e->depth = (call->depth > index->depth ? call->depth : index->depth) + 1;
	return e;
}

Ast *
ast_named(Arena *a, const char *name, Loc nloc, Ast *v, Loc loc)
{
	Ast *e = node(a, AX_NAMED, loc);
	e->name = name;
	e->name_loc = nloc;
	e->a = v;
	e->depth = v->depth + 1;
	return e;
}

static Decl *
decl(Arena *a, DeclKind k, Loc loc)
{
	Decl *d = arena_alloc(a, sizeof *d);
	d->kind = k;
	d->loc = loc;
	d->src = loc.src;
	d->lo_num = -HUGE_VAL;
	d->hi_num = HUGE_VAL;
	return d;
}

static void
set_args(Arena *a, Decl *d, AstList *names)
{
	int i;

	if (!names)
		return;
	d->nargs = names->n;
	d->args = arena_alloc(a, (size_t)names->n * sizeof *d->args);
	d->arg_locs = arena_alloc(a, (size_t)names->n * sizeof *d->arg_locs);
	for (i = 0; i < names->n; i++) {
		Ast *e = names->v[i];
		d->args[i] = e->name;
		d->arg_locs[i] = e->loc;
	}
}

Decl *
ast_import(Arena *a, const char *path, Loc path_loc, Loc loc)
{
	Decl *d = decl(a, D_IMPORT, loc);
	d->name = path;
	d->name_loc = path_loc;
	return d;
}

Decl *
ast_const(Arena *a, const char *name, Loc nloc, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_CONST, loc);
	d->name = name;
	d->name_loc = nloc;
	d->value = v;
	return d;
}

Decl *
ast_param(Arena *a, const char *name, Loc nloc, Ast *v, AstList *range,
          int is_log, Loc loc)
{
	Decl *d = decl(a, D_PARAM, loc);
	d->name = name;
	d->name_loc = nloc;
	d->value = v;
	if (range) {
		d->lo = range->v[0];
		d->hi = range->v[1];
	}
	d->is_log = is_log;
	return d;
}

Decl *
ast_let(Arena *a, const char *name, Loc nloc, AstList *args, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_LET, loc);
	d->name = name;
	d->name_loc = nloc;
	d->value = v;
	set_args(a, d, args);
	return d;
}

Decl *
ast_fn(Arena *a, const char *name, Loc nloc, AstList *args, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_FN, loc);
	d->name = name;
	d->name_loc = nloc;
	d->value = v;
	set_args(a, d, args);
	return d;
}

Decl *
ast_net(Arena *a, const char *name, Loc nloc, Ast *call, Loc loc)
{
	Decl *d = decl(a, D_NET, loc);
	d->name = name;
	d->name_loc = nloc;
	d->value = call;
	return d;
}

Decl *
ast_rate(Arena *a, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_RATE, loc);
	d->value = v;
	return d;
}

Decl *
ast_domain(Arena *a, const char *name, Loc nameloc, const char *c1, Loc c1loc, Ast *from1,
           Ast *to1, const char *c2, Loc c2loc, Ast *from2, Ast *to2,
           AstList *grid, Loc loc)
{
	Decl *d = decl(a, D_DOMAIN, loc);
	int i;

	d->name = name;
	d->name_loc = nameloc;
	d->ndim = c2 ? 2 : 1;
	d->coord[0] = c1;
	d->coord_loc[0] = c1loc;
	d->from[0] = from1;
	d->to[0] = to1;
	if (c2) {
		d->coord[1] = c2;
		d->coord_loc[1] = c2loc;
		d->from[1] = from2;
		d->to[1] = to2;
	}
	if (grid) {
		/* nat: how many counts were given; sema checks it against ndim */
		d->nat = grid->n;
		for (i = 0; i < grid->n && i < 2; i++)
			d->grid[i] = grid->v[i];
	}
	return d;
}

Decl *
ast_field(Arena *a, const char *name, Loc nloc, AstList *coords, AstList *opts, Loc loc)
{
	Decl *d = decl(a, D_FIELD, loc);
	int i;

	d->name = name;
	d->name_loc = nloc;
	if (coords)
		set_args(a, d, coords);
	d->nopts = opts ? opts->n : 0;
	d->opts = arena_alloc(a, (size_t)(d->nopts + 1) * sizeof *d->opts);
	for (i = 0; i < d->nopts; i++)
		d->opts[i] = *(struct FieldOpt *)opts->v[i];
	return d;
}

struct FieldOpt *
ast_field_opt(Arena *a, const char *word, Loc wloc, Ast *v)
{
	struct FieldOpt *o = arena_alloc(a, sizeof *o);

	o->word = word;
	o->loc = wloc;
	o->v = v;
	return o;
}

static void
set_subject(Decl *d, const char *field, Loc floc, const char *letters, Loc lhs)
{
	d->field = field;
	d->name_loc = floc;
	d->lhs_letters = letters ? letters : "";
	/* FIELD[.LETTERS]: from the field's name to the end of the letters */
	d->lhs_loc = floc;
	d->lhs_loc.len = letters ? (int)strlen(letters) + 1 + floc.len : floc.len;
	(void)lhs;
}

Decl *
ast_pde(Arena *a, const char *field, Loc floc, const char *letters, Loc lhs, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_PDE, loc);
	set_subject(d, field, floc, letters, lhs);
	d->value = v;
	return d;
}

Decl *
ast_init(Arena *a, const char *field, Loc floc, const char *letters, Loc lhs, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_INIT, loc);
	set_subject(d, field, floc, letters, lhs);
	d->value = v;
	return d;
}

/* output NAME = E: a point read (u(X), u.t(X, Y), z, z.t, energy) keeps
 * its parts in field, lhs_letters and at[]; sema decides whether the name
 * is a field, and makes any other E an expression output (value). */
Decl *
ast_output(Arena *a, const char *name, Loc nloc, Ast *e, Loc loc)
{
	Decl *d = decl(a, D_OUTPUT, loc);
	const Ast *c = e->kind == AX_DERIV && !e->paren ? e->a : e;
	const char *letters = e->kind == AX_DERIV && !e->paren ? e->letters : NULL;
	int i;

	d->name = name;
	d->name_loc = nloc;
	d->value = e;
	d->lhs_letters = "";
	d->lhs_loc = e->loc;
	if (c->kind == AX_NAME) {
		set_subject(d, c->name, c->loc, letters, loc);
	} else if (c->kind == AX_CALL && c->nargs <= 2 && (e == c || c->loc.off == e->loc.off)) {
		/* u(X) and u.t(X): the parser gives the call the whole span */
		set_subject(d, c->name, c->name_loc, letters, loc);
		d->nat = c->nargs;
		for (i = 0; i < c->nargs; i++)
			d->at[i] = c->args[i];
	}
	d->name = name;
	d->name_loc = nloc;
	return d;
}

Decl *
ast_potential(Arena *a, const char *name, Loc nloc, Ast *v, Loc loc)
{
	Decl *d = decl(a, D_POTENTIAL, loc);

	d->name = name;
	d->name_loc = nloc;
	d->value = v;
	return d;
}

struct Where *
ast_where(Arena *a, const char *coord, Ast *at, Loc loc)
{
	struct Where *w = arena_alloc(a, sizeof *w);

	w->coord = at || strcmp(coord, "edges") != 0 ? coord : NULL;
	w->at = at;
	w->loc = loc;
	return w;
}

Decl *
ast_boundary(Arena *a, const char *field, Loc floc, AstList *wheres, const char *cond,
             Loc cond_loc, const char *attach, Loc attach_loc, Loc loc)
{
	Decl *d = decl(a, D_BOUNDARY, loc);
	int i;

	d->field = field;
	d->name_loc = floc;
	d->attach = attach;
	d->attach_loc = attach_loc;
	d->nwhere = wheres->n;
	d->where = arena_alloc(a, (size_t)wheres->n * sizeof *d->where);
	for (i = 0; i < wheres->n; i++)
		d->where[i] = *(struct Where *)wheres->v[i];
	d->cond = cond;
	d->cond_loc = cond_loc;
	return d;
}

/* ---- imports ---- */

typedef struct Loader {
	Arena *a;
	Diag *d;
	const char *const *incdirs;
	int nincdirs;
	const char *stdlib_dir;
	AstList *decls;        /* the model's, in order */
	AstList *seen;         /* identities of the files loaded (each once) */
	int depth;
	int top_model;         /* the first file has a model line */
} Loader;

/* A file's identity: its canonical path when it exists, else the path. */
static const char *
identity(Arena *a, const char *path)
{
	char *r = realpath(path, NULL);
	const char *s;

	if (!r)
		return arena_strdup(a, path);
	s = arena_strdup(a, r);
	free(r);
	return s;
}

static int
seen(Loader *L, const char *id)
{
	int i;

	for (i = 0; L->seen && i < L->seen->n; i++)
		if (strcmp(L->seen->v[i], id) == 0)
			return 1;
	L->seen = ast_list(L->a, L->seen, (void *)id);
	return 0;
}

/* The folder of a path as given, "" for the current one. */
static const char *
dirname_of(Arena *a, const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return "";
	if (s == path)
		return "/";
	return arena_strndup(a, path, (size_t)(s - path));
}

static const char *
join(Arena *a, const char *dir, const char *name)
{
	Buf b = {0};
	const char *s;

	if (!dir[0] || name[0] == '/')
		return arena_strdup(a, name);
	buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	s = arena_strdup(a, b.s);
	buf_free(&b);
	return s;
}

static void load_decls(Loader *L, Decl **decls, int n);

static int
dpm_named(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && !strcmp(path + n - 4, ".dpm");
}

/* parse_file for a file read from disk.  A file that is not a model
 * (binary data, or text not named .dpm no line of which parses as a
 * statement) is said so once, at `at`, not quoted line by line: `import
 * "/etc/passwd"` must not print the password file.  A FILE.dpm is meant
 * to be a model: its errors are worth showing. */
static Decl **
parse_disk(Arena *a, Diag *d, const Src *src, int *n, const char **model,
           Loc *mloc, Loc at)
{
	FILE *out = d->out, *mem;
	char *text = NULL;
	size_t len = 0;
	Decl **decls;
	int nerr = d->nerr;

	*n = 0;
	if (src_binary(src)) {
		diag_error(d, at, "%s: not a dpm model (binary data)", src->path);
		return NULL;
	}
	if (!(mem = open_memstream(&text, &len)))
		return parse_file(a, d, src, n, model, mloc);
	d->out = mem;
	decls = parse_file(a, d, src, n, model, mloc);
	fclose(mem);
	d->out = out;
	if (!decls && *n == 0 && d->nerr > nerr && !dpm_named(src->path)) {
		d->nerr = nerr;
		diag_error(d, at, "%s: not a dpm model (no line of it parses as a "
		           "statement)", src->path);
	} else {
		fwrite(text, 1, len, out ? out : stderr);
	}
	free(text);
	return decls;
}

/* import "FILE": the importing file's folder, -I folders, $DPM_PATH, the stdlib */
static void
do_import(Loader *L, Decl *imp)
{
	AstList *dirs = NULL;
	const char *env = getenv("DPM_PATH"), *path = NULL, *model, *id;
	Src *src = NULL;
	Decl **decls;
	Loc mloc;
	Buf b = {0};
	char why[512];
	int i, n;

	if (!imp->name[0]) {
		diag_error(L->d, imp->name_loc, "empty import path");
		return;
	}
	if (imp->name[0] == '/') {
		path = imp->name;
		if (!(src = src_read(L->a, path, SRC_LIMIT, "a model", why, sizeof why))
		    && errno != ENOENT && errno != ENOTDIR) {
			diag_error(L->d, imp->name_loc, "%s", why);
			return;
		}
	} else {
		dirs = ast_list(L->a, dirs, (void *)dirname_of(L->a, imp->src->path));
		for (i = 0; i < L->nincdirs; i++)
			if (L->incdirs[i] && L->incdirs[i][0])
				dirs = ast_list(L->a, dirs, (void *)L->incdirs[i]);
		while (env && *env) {
			const char *e = strchr(env, ':');
			size_t k = e ? (size_t)(e - env) : strlen(env);
			if (k > 0)
				dirs = ast_list(L->a, dirs, arena_strndup(L->a, env, k));
			env = e ? e + 1 : NULL;
		}
		if (L->stdlib_dir && L->stdlib_dir[0])
			dirs = ast_list(L->a, dirs, (void *)L->stdlib_dir);
		for (i = 0; i < dirs->n && !src; i++) {
			path = join(L->a, dirs->v[i], imp->name);
			src = src_read(L->a, path, SRC_LIMIT, "a model", why, sizeof why);
			/* a folder of the search that cannot hold it: the next one */
			if (!src && errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) {
				diag_error(L->d, imp->name_loc, "%s", why);
				return;
			}
		}
	}
	if (!src) {
		for (i = 0; dirs && i < dirs->n; i++) {
			const char *dir = dirs->v[i];
			buf_printf(&b, "%s%s", i ? ", " : "", dir[0] ? dir : ".");
		}
		if (b.s)
			diag_error(L->d, imp->name_loc, "cannot find \"%s\" (searched %s)",
			           imp->name, b.s);
		else
			diag_error(L->d, imp->name_loc, "cannot read \"%s\"", imp->name);
		buf_free(&b);
		return;
	}
	imp->resolved = path;      /* for outputs that must not replace it */
	id = identity(L->a, path);
	/* (a library checked alone that another imports back: a cycle of
	 * libraries, said by sema as a library, not as a model) */
	if (L->seen && L->seen->n && !strcmp(L->seen->v[0], id) && L->top_model) {
		diag_error(L->d, imp->name_loc, "\"%s\" is the model's own file; an import names a file "
		           "of const, let and fn definitions", imp->name);
		return;
	}
	if (seen(L, id))
		return;            /* imported before, or a cycle: each file once */
	if (L->depth > 64) {
		diag_error(L->d, imp->name_loc, "imports nested too deeply");
		return;
	}
	decls = parse_disk(L->a, L->d, src, &n, &model, &mloc, imp->name_loc);
	if (!decls)
		return;
	if (model) {
		diag_error(L->d, mloc, "an imported file has no `model` line; "
		           "it holds const, let and fn definitions");
		return;
	}
	L->depth++;
	load_decls(L, decls, n);
	L->depth--;
}

/* The first word of a statement, for a caret under it. */
static Loc
keyword_loc(const Decl *d)
{
	Loc l = d->loc;
	int i = 0;

	while (l.off + i < (int)l.src->len && i < l.len
	       && strchr(" \t\n", l.src->text[l.off + i]) == NULL)
		i++;
	l.len = i;
	return l;
}

static void
load_decls(Loader *L, Decl **decls, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		Decl *d = decls[i];
		if (L->depth > 0 && d->kind != D_CONST && d->kind != D_LET
		    && d->kind != D_FN && d->kind != D_IMPORT) {
			diag_error(L->d, keyword_loc(d),
			           "an imported file may only hold const, let, fn and import statements");
			continue;
		}
		L->decls = ast_list(L->a, L->decls, d);
		if (d->kind == D_IMPORT)
			do_import(L, d);
	}
}

/* ---- the model's names shadow its imports' ----
 * A library brings more names than the ones a model knows of (loss.dpm's
 * zeta, excite.dpm's pluck and decay), so a model's own `fn zeta(w)`
 * beside `import "loss.dpm"` is its own, not a second declaration: the
 * library's definition is renamed "zeta (loss.dpm)", and so are the
 * references to it in imported code (not the ones bound by a fn's or
 * let's own arguments).  Two libraries that define one name still clash
 * (sema says so): which one imported code means is not known. */

static void
rename_refs(Ast *e, const char *from, const char *to)
{
	int i;

	/* (a tree deeper than sema's MAXDEPTH, 1000, is refused there: not
	 * walked here, for the stack's sake) */
	if (!e || e->depth > 1000)
		return;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && e->name && !strcmp(e->name, from))
		e->name = to;
	rename_refs(e->a, from, to);
	rename_refs(e->b, from, to);
	for (i = 0; i < e->nargs; i++)
		rename_refs(e->args[i], from, to);
}

static int
binds(const Decl *d, const char *name)
{
	int i;

	for (i = 0; i < d->nargs; i++)
		if (d->args[i] && !strcmp(d->args[i], name))
			return 1;
	return 0;
}

static int
named_kind(DeclKind k)
{
	return k == D_CONST || k == D_PARAM || k == D_LET || k == D_FN || k == D_FIELD || k == D_NET
	       || k == D_POTENTIAL;
}

static void
shadow_imports(Arena *a, const Src *top, Decl **decls, int n)
{
	int i, j, k, lib, nlib;

	for (i = 0; i < n; i++) {
		const Decl *own = decls[i];
		const char *base, *to;
		if (own->src != top || !named_kind(own->kind) || !own->name)
			continue;
		for (lib = -1, nlib = 0, j = 0; j < n; j++)
			if (decls[j]->src != top && named_kind(decls[j]->kind) && decls[j]->name
			    && !strcmp(decls[j]->name, own->name)) {
				lib = j;
				nlib++;
			}
		if (nlib != 1)
			continue;
		base = strrchr(decls[lib]->src->path, '/');
		base = base ? base + 1 : decls[lib]->src->path;
		to = arena_alloc(a, strlen(own->name) + strlen(base) + 4);
		sprintf((char *)to, "%s (%s)", own->name, base);
		for (k = 0; k < n; k++)
			if (decls[k]->src != top && !binds(decls[k], own->name))
				rename_refs(decls[k]->value, own->name, to);
		decls[lib]->name = to;
	}
}

static Model *
load(Arena *a, Diag *d, Src *src, int disk, const char *const *incdirs, int nincdirs,
     const char *stdlib_dir, const GridPlanner *gp)
{
	Loader L;
	Model *m;
	Decl **decls;
	int n, nerr = d->nerr;

	d->nsaid = 0;              /* a new file may sit where an old one was */
	memset(&L, 0, sizeof L);
	L.a = a;
	L.d = d;
	L.incdirs = incdirs;
	L.nincdirs = nincdirs;
	L.stdlib_dir = stdlib_dir;
	m = arena_alloc(a, sizeof *m);
	m->src = src;
	m->arena = a;
	m->planner = gp;
	m->stdlib_dir = stdlib_dir;
	decls = disk ? parse_disk(a, d, src, &n, &m->name, &m->name_loc, (Loc){0})
	             : parse_file(a, d, src, &n, &m->name, &m->name_loc);
	if (!decls)
		return NULL;
	seen(&L, identity(a, src->path));
	L.top_model = m->name != NULL;
	load_decls(&L, decls, n);
	if (d->nerr > nerr)
		return NULL;
	m->decls = L.decls ? (Decl **)L.decls->v : NULL;
	m->ndecls = L.decls ? L.decls->n : 0;
	shadow_imports(a, src, m->decls, m->ndecls);
	m->files = L.seen ? (const char **)L.seen->v : NULL;
	m->nfiles = L.seen ? L.seen->n : 0;
	if (sema_check(m, d) != 0 || d->nerr > nerr)
		return NULL;
	return m;
}

Model *
model_load(Arena *a, Diag *d, const char *path,
           const char *const *incdirs, int nincdirs,
           const char *stdlib_dir)
{
	return model_load_planned(a, d, path, incdirs, nincdirs, stdlib_dir, NULL);
}

Model *
model_load_planned(Arena *a, Diag *d, const char *path, const char *const *incdirs, int nincdirs,
                   const char *stdlib_dir, const GridPlanner *gp)
{
	char why[512];
	Src *src = src_read(a, path, SRC_LIMIT, "a model", why, sizeof why);

	if (!src) {
		diag_error(d, (Loc){NULL, 0, 0}, "%s", why);
		return NULL;
	}
	return load(a, d, src, 1, incdirs, nincdirs, stdlib_dir, gp);
}

Model *
model_load_string(Arena *a, Diag *d, const char *path, const char *text,
                  const char *const *incdirs, int nincdirs,
                  const char *stdlib_dir)
{
	return load(a, d, src_from_string(a, path, text), 0, incdirs, nincdirs, stdlib_dir, NULL);
}

Decl *
model_pde(const Model *m, const char *field)
{
	int i;

	for (i = 0; i < m->ndecls; i++)
		if (m->decls[i]->kind == D_PDE && m->decls[i]->field && !strcmp(m->decls[i]->field, field))
			return m->decls[i];
	return NULL;
}

/* Are a and b the same expression, as written (numbers, names, calls,
 * operators)? */
int
ast_same(const Ast *a, const Ast *b)
{
	int i;

	if (a == b)
		return 1;
	if (!a || !b || a->kind != b->kind || a->nargs != b->nargs)
		return 0;
	switch (a->kind) {
	case AX_NUM:
		return a->num == b->num;
	case AX_NAME:
		return !strcmp(a->name, b->name);
	case AX_CALL:
		if (strcmp(a->name, b->name))
			return 0;
		for (i = 0; i < a->nargs; i++)
			if (!ast_same(a->args[i], b->args[i]))
				return 0;
		return 1;
	case AX_UNARY:
	case AX_BINARY:
		return a->op == b->op && ast_same(a->a, b->a) && ast_same(a->b, b->b);
	default:
		return 0;
	}
}

/* model_lookup's index: the first named decl of each name, by open
 * addressing, for one (decls, ndecls) of the model (sema replaces the
 * list as a whole: a 2D chain adds thousands of decls, each read by its
 * neighbours' pdes, so the scan it replaces made compiling quadratic) */
typedef struct DeclIndex {
	Decl **decls;
	int ndecls;
	unsigned mask;
	int *slot;                /* [mask + 1]: index into decls, or -1 */
} DeclIndex;

static int
named(const Decl *d)
{
	switch (d->kind) {
	case D_CONST: case D_PARAM: case D_LET: case D_FN: case D_FIELD: case D_NET:
		return d->name != NULL;
	default:
		return 0;
	}
}

static DeclIndex *
decl_index(Model *m)
{
	DeclIndex *x = m->index;
	unsigned cap = 16, h;
	int i;

	if (x && x->decls == m->decls && x->ndecls == m->ndecls)
		return x;
	while (cap < 2u * (unsigned)m->ndecls)
		cap *= 2;
	if (!x || x->mask + 1 < cap) {
		x = arena_alloc(m->arena, sizeof *x);
		x->slot = arena_alloc(m->arena, cap * sizeof *x->slot);
		x->mask = cap - 1;
	}
	memset(x->slot, 0xff, (x->mask + 1) * sizeof *x->slot);
	x->decls = m->decls;
	x->ndecls = m->ndecls;
	for (i = 0; i < m->ndecls; i++) {
		if (!named(m->decls[i]))
			continue;
		for (h = str_hash(m->decls[i]->name) & x->mask; x->slot[h] >= 0; h = (h + 1) & x->mask)
			if (strcmp(m->decls[x->slot[h]]->name, m->decls[i]->name) == 0)
				break;
		if (x->slot[h] < 0)
			x->slot[h] = i;
	}
	m->index = x;
	return x;
}

Decl *
model_lookup(const Model *m, const char *name)
{
	DeclIndex *x;
	unsigned h;
	int i;

	if (!m->arena) {          /* a model made by hand: no arena for the index */
		for (i = 0; i < m->ndecls; i++)
			if (named(m->decls[i]) && strcmp(m->decls[i]->name, name) == 0)
				return m->decls[i];
		return NULL;
	}
	/* the index is a cache: lookups leave the model as it was */
	x = decl_index((Model *)m);
	for (h = str_hash(name) & x->mask; x->slot[h] >= 0; h = (h + 1) & x->mask)
		if (strcmp(m->decls[x->slot[h]]->name, name) == 0)
			return m->decls[x->slot[h]];
	return NULL;
}

/* ---- the dump: one S-expression per statement ---- */

static void
dump_num(double v, FILE *f)
{
	char s[32];

	/* the shortest text that reads back to the same double */
	snprintf(s, sizeof s, "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof s, "%.17g", v);
	fputs(s, f);
}

static const char *const opname[] = {
	[OP_OR] = "||", [OP_AND] = "&&", [OP_LT] = "<", [OP_LE] = "<=",
	[OP_GT] = ">", [OP_GE] = ">=", [OP_EQ] = "==", [OP_NE] = "!=",
	[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/",
	[OP_POW] = "^", [OP_NEG] = "neg", [OP_NOT] = "!",
};

static void
dump_expr(const Ast *e, FILE *f)
{
	int i;

	if (!e) {
		fputs("()", f);
		return;
	}
	switch (e->kind) {
	case AX_NUM:
		dump_num(e->num, f);
		break;
	case AX_NAME:
		fputs(e->name, f);
		break;
	case AX_CALL:
		fprintf(f, "(%s", e->name);
		for (i = 0; i < e->nargs; i++) {
			fputc(' ', f);
			dump_expr(e->args[i], f);
		}
		fputc(')', f);
		break;
	case AX_UNARY:
		fprintf(f, "(%s ", opname[e->op]);
		dump_expr(e->a, f);
		fputc(')', f);
		break;
	case AX_BINARY:
		fprintf(f, "(%s ", opname[e->op]);
		dump_expr(e->a, f);
		fputc(' ', f);
		dump_expr(e->b, f);
		fputc(')', f);
		break;
	case AX_DERIV:
		fputs(e->paren ? "(dp " : "(d ", f);
		dump_expr(e->a, f);
		fprintf(f, " %s)", e->letters);
		break;
	case AX_INDEX:
		fputs("(index ", f);
		dump_expr(e->a, f);
		fputc(' ', f);
		dump_expr(e->b, f);
		fputc(')', f);
		break;
	case AX_NAMED:
		fprintf(f, "(= %s ", e->name);
		dump_expr(e->a, f);
		fputc(')', f);
		break;
	}
}

static void
dump_names(const char *const *v, int n, FILE *f)
{
	int i;

	fputc('(', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", v[i]);
	fputc(')', f);
}

static const char *const bcname[] = {
	[BC_NONE] = "none", [BC_FIXED] = "fixed", [BC_CLAMPED] = "clamped",
	[BC_SS] = "simply_supported", [BC_FREE] = "free", [BC_ATTACHED] = "attached",
};

/* A boundary condition as the language spells it. */
const char *
bc_name(BcKind bc)
{
	return bc >= BC_NONE && bc <= BC_ATTACHED ? bcname[bc] : "?";
}

void
ast_dump(const Model *m, FILE *f)
{
	int i, j;

	fprintf(f, "(model %s)\n", m->name ? m->name : "?");
	for (i = 0; i < m->ndecls; i++) {
		const Decl *d = m->decls[i];
		switch (d->kind) {
		case D_IMPORT:
			fprintf(f, "(import \"%s\")", d->name);
			break;
		case D_CONST:
			fprintf(f, "(const %s ", d->name);
			dump_expr(d->value, f);
			fputc(')', f);
			break;
		case D_PARAM:
			fprintf(f, "(param %s ", d->name);
			dump_expr(d->value, f);
			if (d->lo) {
				fputs(" (in ", f);
				dump_expr(d->lo, f);
				fputc(' ', f);
				dump_expr(d->hi, f);
				fputc(')', f);
			}
			if (d->is_log)
				fputs(" log", f);
			fputc(')', f);
			break;
		case D_LET:
		case D_FN:
			fprintf(f, "(%s %s ", d->kind == D_LET ? "let" : "fn", d->name);
			if (d->kind == D_FN || d->nargs > 0) {
				dump_names(d->args, d->nargs, f);
				fputc(' ', f);
			}
			dump_expr(d->value, f);
			fputc(')', f);
			break;
		case D_RATE:
			fputs("(rate ", f);
			dump_expr(d->value, f);
			fputc(')', f);
			break;
		case D_DOMAIN:
			fputs("(domain", f);
			for (j = 0; j < d->ndim; j++) {
				fprintf(f, " (%s ", d->coord[j]);
				dump_expr(d->from[j], f);
				fputc(' ', f);
				dump_expr(d->to[j], f);
				fputc(')', f);
			}
			if (d->grid[0]) {
				fputs(" (grid", f);
				for (j = 0; j < d->ndim; j++) {
					fputc(' ', f);
					dump_expr(d->grid[j], f);
				}
				fputc(')', f);
			}
			fputc(')', f);
			break;
		case D_FIELD:
			fprintf(f, "(field %s ", d->name);
			dump_names(d->args, d->nargs, f);
			fputc(')', f);
			break;
		case D_PDE:
		case D_INIT:
			fprintf(f, "(%s %s (%s) ", d->kind == D_PDE ? "pde" : "init",
			        d->field, d->lhs_letters);
			dump_expr(d->value, f);
			fputc(')', f);
			break;
		case D_BOUNDARY:
			fputs("(boundary (", f);
			for (j = 0; j < d->nwhere; j++) {
				if (j)
					fputc(' ', f);
				if (!d->where[j].coord) {
					fputs("edges", f);
					continue;
				}
				fprintf(f, "(%s ", d->where[j].coord);
				dump_expr(d->where[j].at, f);
				fputc(')', f);
			}
			fprintf(f, ") %s", d->bc ? bc_name(d->bc) : d->cond);
			if (d->attach)
				fprintf(f, " %s", d->attach);
			fputc(')', f);
			break;
		case D_OUTPUT:
			if (!d->field) {       /* an expression of the state */
				fprintf(f, "(output %s = ", d->name);
				dump_expr(d->value, f);
				fputc(')', f);
				break;
			}
			fprintf(f, "(output %s %s (%s) (", d->name, d->field, d->lhs_letters);
			for (j = 0; j < d->nat; j++) {
				if (j)
					fputc(' ', f);
				dump_expr(d->at[j], f);
			}
			fputs("))", f);
			break;
		case D_NET:
			fprintf(f, "(net %s ", d->name);
			dump_expr(d->value, f);
			fputc(')', f);
			break;
		case D_POTENTIAL:
			fprintf(f, "(potential %s ", d->name);
			dump_expr(d->value, f);
			fputc(')', f);
			break;
		}
		fputc('\n', f);
	}
}
