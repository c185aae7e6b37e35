/* parser.y — the grammar of a .dpm file (language.md sections 2-4).
 * requires: the tokens of lexer.l.  Leaves the file's Decls, in source
 * order, built with one ast_* call per action; no checks beyond the syntax
 * (those are sema.c's).
 *
 * A pure parser over a reentrant scanner: no globals, so the REPL and
 * parallel compiles can parse at once. */
%define api.pure full
%define api.location.type {Loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {void *scanner}
%parse-param {Parser *P}

%code requires {
#include "ast.h"

/* The scanner's state (lexer.l's extra data). */
typedef struct Lex {
	Arena *a;
	const Src *src;
	int off;               /* byte offset of the next match */
	int depth;             /* open ( and [: newlines inside do not end a statement */
	int open[64];          /* their offsets, for "never closed" */
	int last;              /* the last token returned */
	int unopened;          /* a ) or ] closed nothing */
	Loc cur, prev;         /* the last two tokens, for messages */
	const char *err;       /* the message of a LEXERR token */
} Lex;

typedef struct Parser {
	Arena *a;
	Diag *d;
	const Src *src;
	Lex *lex;
	AstList *decls;
	const char *model;     /* `model NAME` */
	Loc model_loc;
	int nerr;              /* syntax errors in this file */
} Parser;
}

%code top {
#include <string.h>
}

%code {
#include "lexer.h"

/* The parser's stack grows through the compiler's allocator. */
#define YYMALLOC mem_alloc
#define YYFREE mem_free

/* A rule's location spans its first to its last symbol; an empty rule
 * sits just after the previous symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) \
	do { \
		if (N) { \
			(Cur).src = YYRHSLOC(Rhs, 1).src; \
			(Cur).off = YYRHSLOC(Rhs, 1).off; \
			(Cur).len = YYRHSLOC(Rhs, N).off + YYRHSLOC(Rhs, N).len \
			            - YYRHSLOC(Rhs, 1).off; \
		} else { \
			(Cur).src = YYRHSLOC(Rhs, 0).src; \
			(Cur).off = YYRHSLOC(Rhs, 0).off + YYRHSLOC(Rhs, 0).len; \
			(Cur).len = 0; \
		} \
	} while (0)

static void yyerror(Loc *loc, void *scanner, Parser *P, const char *msg);
static Decl *set_model(Parser *P, const char *name, Loc loc);
static void add_decl(Parser *P, Decl *d);
static int log_word(Parser *P, const char *w, Loc loc);
static int at_word(Parser *P, const char *w, Loc loc);
}

%union {
	double num;
	const char *str;
	Ast *ast;
	Decl *decl;
	AstList *list;
	struct Where *where;
	int flag;
}

%token <str> IDENT "name"
%token <str> STRING "string"
%token <str> DERIV "derivative"
%token <num> NUM "number"
%token MODEL "model" IMPORT "import" CONST "const" PARAM "param" LET "let"
%token FN "fn" RATE "rate" DOMAIN "domain" GRID "grid" FIELD "field"
%token PDE "pde" BOUNDARY "boundary" INIT "init" OUTPUT "output" IN "in"
%token NET "net"
%token POTENTIAL "potential"
%token OR "||" AND "&&" LE "<=" GE ">=" EQ "==" NE "!="
%token NL "end of line"
%token LEXERR "bad character"

%type <decl> stmt
%type <ast> expr primary var call netcall netarg
%type <list> args args_opt names range grid wheres netargs fopts
%type <str> deriv
%type <flag> log
%type <where> where

/* The expression grammar is ambiguous; its conflicts are resolved by these
 * precedences (loosest first, language.md section 4), hence %expect 0.
 * Comparisons do not chain: a < b < c is a syntax error. */
%left OR
%left AND
%nonassoc '<' LE '>' GE EQ NE
%left '+' '-'
%left '*' '/'
%precedence UNARY
%right '^'

%%

/* file -> line* */
file
	: %empty
	| file line
	;

/* line -> stmt? NL; a bad line is skipped to its end */
line
	: NL
	| stmt NL		{ add_decl(P, $1); }
	| error NL		{ yyerrok; if (P->nerr >= 20) YYABORT; }
	;

stmt
	: MODEL IDENT		{ $$ = set_model(P, $2, @2); }
	| IMPORT STRING		{ $$ = ast_import(P->a, $2, @2, @$); }
	| CONST IDENT '=' expr	{ $$ = ast_const(P->a, $2, @2, $4, @$); }
	| PARAM IDENT '=' expr range log
				{ $$ = ast_param(P->a, $2, @2, $4, $5, $6, @$); }
	| LET IDENT '=' expr	{ $$ = ast_let(P->a, $2, @2, NULL, $4, @$); }
	| LET IDENT '(' names ')' '=' expr
				{ $$ = ast_let(P->a, $2, @2, $4, $7, @$); }
	| FN IDENT '(' names ')' '=' expr
				{ $$ = ast_fn(P->a, $2, @2, $4, $7, @$); }
	| RATE expr		{ $$ = ast_rate(P->a, $2, @$); }
	| DOMAIN IDENT IN '[' expr ',' expr ']' grid
				{ $$ = ast_domain(P->a, NULL, @2, $2, @2, $5, $7, NULL, @2, NULL, NULL, $9, @$); }
	| DOMAIN IDENT IN '[' expr ',' expr ']' ',' IDENT IN '[' expr ',' expr ']' grid
				{ $$ = ast_domain(P->a, NULL, @2, $2, @2, $5, $7, $10, @10, $13, $15, $17, @$); }
	| DOMAIN IDENT ':' IDENT IN '[' expr ',' expr ']' grid
				{ $$ = ast_domain(P->a, $2, @2, $4, @4, $7, $9, NULL, @4, NULL, NULL, $11, @$); }
	| DOMAIN IDENT ':' IDENT IN '[' expr ',' expr ']' ',' IDENT IN '[' expr ',' expr ']' grid
				{ $$ = ast_domain(P->a, $2, @2, $4, @4, $7, $9, $12, @12, $15, $17, $19, @$); }
	| FIELD IDENT '(' names ')' fopts
				{ $$ = ast_field(P->a, $2, @2, $4, $6, @$); }
	| FIELD IDENT fopts	{ $$ = ast_field(P->a, $2, @2, NULL, $3, @$); }
	| PDE IDENT deriv '=' expr
				{ $$ = ast_pde(P->a, $2, @2, $3, @$, $5, @$); }
	| INIT IDENT deriv '=' expr
				{ $$ = ast_init(P->a, $2, @2, $3, @$, $5, @$); }
	| OUTPUT IDENT '=' expr	{ $$ = ast_output(P->a, $2, @2, $4, @$); }
	| BOUNDARY wheres ':' IDENT
				{ $$ = ast_boundary(P->a, NULL, @1, $2, $4, @4, NULL, @4, @$); }
	| BOUNDARY wheres ':' IDENT IDENT
				{ $$ = ast_boundary(P->a, NULL, @1, $2, $4, @4, $5, @5, @$); }
	| BOUNDARY IDENT IDENT wheres ':' IDENT
				{ $$ = at_word(P, $3, @3) ? ast_boundary(P->a, $2, @2, $4, $6, @6, NULL, @6, @$) : NULL; }
	| BOUNDARY IDENT IDENT wheres ':' IDENT IDENT
				{ $$ = at_word(P, $3, @3) ? ast_boundary(P->a, $2, @2, $4, $6, @6, $7, @7, @$) : NULL; }
	| NET IDENT '=' netcall	{ $$ = ast_net(P->a, $2, @2, $4, @$); }
	| POTENTIAL IDENT '=' expr
				{ $$ = ast_potential(P->a, $2, @2, $4, @$); }
	;

/* netcall -> NAME ( netarg (, netarg)* ): mlp(2, 16, 3, act = tanh) */
netcall
	: IDENT '(' netargs ')'	{ $$ = ast_call(P->a, $1, @1, $3, @$); }
	;

netargs
	: netarg		{ $$ = ast_list(P->a, NULL, $1); }
	| netargs ',' netarg	{ $$ = ast_list(P->a, $1, $3); }
	;

/* netarg -> expr | NAME = expr */
netarg
	: expr
	| IDENT '=' expr	{ $$ = ast_named(P->a, $1, @1, $3, @$); }
	;

/* fopts -> (NAME expr)*: a field's `on DOMAIN`, `density E`, `mass E`, in
 * any order.  No expression is followed by a name, so a name after one
 * starts the next option (no conflict). */
fopts
	: %empty		{ $$ = NULL; }
	| fopts IDENT expr	{ $$ = ast_list(P->a, $1, ast_field_opt(P->a, $2, @2, $3)); }
	;

/* range -> (in [ expr , expr ])? */
range
	: %empty		{ $$ = NULL; }
	| IN '[' expr ',' expr ']'
				{ $$ = ast_list(P->a, ast_list(P->a, NULL, $3), $5); }
	;

/* log -> NAME?  (the word `log`, not a keyword) */
log
	: %empty		{ $$ = 0; }
	| IDENT			{ $$ = log_word(P, $1, @1); }
	;

grid
	: %empty		{ $$ = NULL; }
	| GRID args		{ $$ = $2; }
	;

deriv
	: %empty		{ $$ = NULL; }
	| DERIV			{ $$ = $1; }
	;

names
	: IDENT			{ $$ = ast_list(P->a, NULL, ast_name(P->a, $1, @1)); }
	| names ',' IDENT	{ $$ = ast_list(P->a, $1, ast_name(P->a, $3, @3)); }
	;

/* WHERE -> NAME = expr | NAME  (`edges`) */
wheres
	: where			{ $$ = ast_list(P->a, NULL, $1); }
	| wheres ',' where	{ $$ = ast_list(P->a, $1, $3); }
	;

where
	: IDENT '=' expr	{ $$ = ast_where(P->a, $1, $3, @$); }
	| IDENT			{ $$ = ast_where(P->a, $1, NULL, @$); }
	;

args
	: expr			{ $$ = ast_list(P->a, NULL, $1); }
	| args ',' expr		{ $$ = ast_list(P->a, $1, $3); }
	;

args_opt
	: %empty		{ $$ = NULL; }
	| args			{ $$ = $1; }
	;

expr
	: expr OR expr		{ $$ = ast_binary(P->a, OP_OR, $1, $3, @$); }
	| expr AND expr		{ $$ = ast_binary(P->a, OP_AND, $1, $3, @$); }
	| expr '<' expr		{ $$ = ast_binary(P->a, OP_LT, $1, $3, @$); }
	| expr LE expr		{ $$ = ast_binary(P->a, OP_LE, $1, $3, @$); }
	| expr '>' expr		{ $$ = ast_binary(P->a, OP_GT, $1, $3, @$); }
	| expr GE expr		{ $$ = ast_binary(P->a, OP_GE, $1, $3, @$); }
	| expr EQ expr		{ $$ = ast_binary(P->a, OP_EQ, $1, $3, @$); }
	| expr NE expr		{ $$ = ast_binary(P->a, OP_NE, $1, $3, @$); }
	| expr '+' expr		{ $$ = ast_binary(P->a, OP_ADD, $1, $3, @$); }
	| expr '-' expr		{ $$ = ast_binary(P->a, OP_SUB, $1, $3, @$); }
	| expr '*' expr		{ $$ = ast_binary(P->a, OP_MUL, $1, $3, @$); }
	| expr '/' expr		{ $$ = ast_binary(P->a, OP_DIV, $1, $3, @$); }
	| expr '^' expr		{ $$ = ast_binary(P->a, OP_POW, $1, $3, @$); }
	| '-' expr %prec UNARY	{ $$ = ast_unary(P->a, OP_NEG, $2, @$); }
	| '!' expr %prec UNARY	{ $$ = ast_unary(P->a, OP_NOT, $2, @$); }
	| primary
	;

primary
	: NUM			{ $$ = ast_num(P->a, $1, @$); }
	| var
	| var DERIV		{ $$ = ast_deriv(P->a, $1, $2, @$); }
	| var DERIV '(' args ')'
				{ $$ = ast_deriv(P->a, ast_call(P->a, $1->name, @1, $4, @$), $2, @$); }
	| call
	| call DERIV		{ $$ = ast_deriv(P->a, $1, $2, @$); }
	| call '[' expr ']'	{ $$ = ast_index(P->a, $1, $3, @$); }
	| '(' expr ')'		{ $$ = $2; }
	| '(' expr ')' DERIV	{ $$ = ast_paren_deriv(P->a, $2, $4, @$); }
	;

var
	: IDENT			{ $$ = ast_name(P->a, $1, @$); }
	;

call
	: IDENT '(' args_opt ')'
				{ $$ = ast_call(P->a, $1, @1, $3, @$); }
	;

%%

static void
yyerror(Loc *loc, void *scanner, Parser *P, const char *msg)
{
	(void)scanner;
	/* Bison's only own message: its stack is full. */
	if (strcmp(msg, "memory exhausted") == 0)
		msg = "expression nested too deeply";
	diag_error(P->d, *loc, "%s", msg);
	P->nerr++;
}

static const char *
text_of(Parser *P, Loc loc)
{
	int n = loc.len > 40 ? 40 : loc.len;
	return arena_strndup(P->a, P->src->text + loc.off, (size_t)(n < 0 ? 0 : n));
}

/* in the order of their %token declarations */
static const char *const keywords[] = {
	"'model'", "'import'", "'const'", "'param'", "'let'", "'fn'", "'rate'",
	"'domain'", "'grid'", "'field'", "'pde'", "'boundary'", "'init'", "'output'",
	"'in'",
};

/* How a token is named in "expected ..." */
static const char *
sym_name(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_IDENT:	return "a name";
	case YYSYMBOL_NUM:	return "a number";
	case YYSYMBOL_STRING:	return "a string \"FILE.dpm\"";
	case YYSYMBOL_DERIV:	return "a derivative such as '.t'";
	case YYSYMBOL_NL:	return "end of line";
	case YYSYMBOL_NET:	return "'net'";
	case YYSYMBOL_POTENTIAL:	return "'potential'";
	case YYSYMBOL_YYEOF:	return "end of file";
	default:		break;
	}
	if (k >= YYSYMBOL_MODEL && k <= YYSYMBOL_IN)
		return keywords[k - YYSYMBOL_MODEL];
	return yysymbol_name(k);
}

static const char *const statements[] = {
	"model", "import", "const", "param", "let", "fn", "rate", "domain",
	"field", "pde", "boundary", "init", "output", "net", "potential",
};

static int
is_operator(yysymbol_kind_t k)
{
	const char *name;

	switch (k) {
	case YYSYMBOL_OR: case YYSYMBOL_AND: case YYSYMBOL_LE: case YYSYMBOL_GE:
	case YYSYMBOL_EQ: case YYSYMBOL_NE:
		return 1;
	default:
		break;
	}
	/* the one-character operators, named "'+'" by Bison */
	name = yysymbol_name(k);
	return name[0] == '\'' && name[1] && strchr("+-*/^<>", name[1]) && name[2] == '\'';
}

/* "an expression, ']' or an operator": the expected tokens in words */
static void
expected(Buf *b, const yysymbol_kind_t *exp, int n)
{
	const char *w[8];
	int nw = 0, i, expr = 0, op = 0;

	for (i = 0; i < n; i++)
		if (exp[i] == YYSYMBOL_NUM)
			expr = 1;
	if (expr)
		w[nw++] = "an expression";
	for (i = 0; i < n && nw < 6; i++) {
		yysymbol_kind_t k = exp[i];
		if (expr && (k == YYSYMBOL_NUM || k == YYSYMBOL_IDENT
		             || !strcmp(yysymbol_name(k), "'('") || !strcmp(yysymbol_name(k), "'-'")
		             || !strcmp(yysymbol_name(k), "'!'")))
			continue;
		if (is_operator(k)) {
			if (!op++)
				w[nw++] = "an operator";
			continue;
		}
		w[nw++] = sym_name(k);
	}
	for (i = 0; i < nw; i++) {
		buf_puts(b, i == 0 ? "" : i == nw - 1 ? " or " : ", ");
		buf_puts(b, w[i]);
	}
}

/* '-' and '!' start an expression too; the other operators do not */
static int
starts_expr(yysymbol_kind_t k)
{
	const char *name = yysymbol_name(k);

	return name[0] == '\'' && (name[1] == '-' || name[1] == '!') && name[2] == '\'';
}

static int
is_comparison(yysymbol_kind_t k)
{
	const char *name = yysymbol_name(k);

	return k == YYSYMBOL_LE || k == YYSYMBOL_GE || k == YYSYMBOL_EQ || k == YYSYMBOL_NE
	       || (name[0] == '\'' && (name[1] == '<' || name[1] == '>') && name[2] == '\'');
}

/* Custom messages: say what was expected, in the user's words. */
static int
yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, Parser *P)
{
	yysymbol_kind_t la = yypcontext_token(ctx), exp[YYNTOKENS];
	Loc loc = *yypcontext_location(ctx);
	Lex *L = P->lex;
	int n, i, want_stmt = 0, after_expr = 0;
	const char *prev, *what, *text;
	Buf b = {0};

	(void)scanner;
	P->nerr++;
	if (la == YYSYMBOL_LEXERR) {
		diag_error(P->d, loc, "%s", L->err);
		return 0;
	}
	n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	for (i = 0; i < n; i++) {
		if (exp[i] == YYSYMBOL_MODEL)
			want_stmt = 1;
		if (is_operator(exp[i]) && !starts_expr(exp[i]))    /* a binary one: after an expression */
			after_expr = 1;
	}
	prev = L->prev.src ? text_of(P, L->prev) : "";
	text = text_of(P, loc);
	if (want_stmt) {
		const int nst = (int)(sizeof statements / sizeof statements[0]);
		const char *s = la == YYSYMBOL_IDENT ? closest_name(text, statements, nst) : NULL;
		if (s)
			diag_error(P->d, loc, "unknown statement '%s'; did you mean '%s'?", text, s);
		else
			diag_error(P->d, loc, "expected a statement (model, import, const, param, "
			           "let, fn, rate, domain, field, pde, boundary, init, output, net or "
			           "potential), not '%s'", text);
		return 0;
	}
	expected(&b, exp, n);
	if (la == YYSYMBOL_NL || la == YYSYMBOL_YYEOF) {
		if (b.s && !strcmp(b.s, "an expression"))
			diag_error(P->d, loc, "expected an expression after '%s'", prev);
		else
			diag_error(P->d, loc, "unexpected end of line after '%s'; expected %s",
			           prev, b.s ? b.s : "more");
		buf_free(&b);
		return 0;
	}
	if (la == YYSYMBOL_IDENT)
		what = "name ";
	else if (la == YYSYMBOL_NUM)
		what = "number ";
	else if (la == YYSYMBOL_STRING)
		what = "string ";
	else if (la == YYSYMBOL_DERIV)
		what = "derivative ";
	else if (la >= YYSYMBOL_MODEL && la <= YYSYMBOL_IN)
		what = "keyword ";
	else
		what = "";
	if (L->unopened)
		diag_error(P->d, loc, "unexpected '%s': nothing is open to close", text);
	else if (after_expr && is_comparison(la))
		diag_error(P->d, loc, "unexpected '%s': comparisons do not chain; "
		           "write (a < b) && (b < c)", text);
	else if (is_operator(la) && !after_expr)
		diag_error(P->d, loc, "unexpected '%s': an expression starts with a number, a name, "
		           "'(', '-' or '!'", text);
	else if (b.s)
		diag_error(P->d, loc, "unexpected %s'%s'; expected %s", what, text, b.s);
	else
		diag_error(P->d, loc, "unexpected %s'%s'", what, text);
	if (L->depth > 0 && la >= YYSYMBOL_MODEL && la <= YYSYMBOL_IN) {
		/* a keyword inside brackets: most likely one was left open */
		int k = L->depth - 1 < 63 ? L->depth - 1 : 63;
		Loc o = {P->src, L->open[k], 1};
		diag_note(P->d, o, "this '%c' is still open", P->src->text[o.off]);
	}
	buf_free(&b);
	return 0;
}

static Decl *
set_model(Parser *P, const char *name, Loc loc)
{
	if (P->model) {
		diag_error(P->d, loc, "a second `model` line; a file holds one model");
		diag_note(P->d, P->model_loc, "the model is named here");
		P->nerr++;
		return NULL;
	}
	P->model = name;
	P->model_loc = loc;
	return NULL;
}

static void
add_decl(Parser *P, Decl *d)
{
	if (!d)
		return;
	d->src = P->src;
	P->decls = ast_list(P->a, P->decls, d);
}

/* The word after a param's range: only `log` means something there. */
static int
log_word(Parser *P, const char *w, Loc loc)
{
	if (strcmp(w, "log") == 0)
		return 1;
	diag_error(P->d, loc, "unexpected name '%s' after the param; only `log` may follow", w);
	P->nerr++;
	return 0;
}

/* boundary FIELD at WHERE: the word `at` */
static int
at_word(Parser *P, const char *w, Loc loc)
{
	if (strcmp(w, "at") == 0)
		return 1;
	diag_error(P->d, loc, "unexpected name '%s'; name a boundary's field as "
	           "`boundary FIELD at x = A: CONDITION`", w);
	P->nerr++;
	return 0;
}

Decl **
parse_file(Arena *a, Diag *d, const Src *src, int *ndecls,
           const char **model_name, Loc *model_loc)
{
	Lex L;
	Parser P;
	void *sc;
	int r;

	memset(&L, 0, sizeof L);
	memset(&P, 0, sizeof P);
	L.a = a;
	L.src = src;
	P.a = a;
	P.d = d;
	P.src = src;
	P.lex = &L;
	if (src->len > 0x7fffffff / 2) {
		diag_error(d, (Loc){NULL, 0, 0}, "%s: file too large", src->path);
		return NULL;
	}
	if (yylex_init_extra(&L, &sc))
		die("parse_file: cannot create the scanner");
	yy_scan_bytes(src->text, (int)src->len, sc);
	r = yyparse(sc, &P);
	yylex_destroy(sc);
	/* the statements that parsed, on failure too: none at all means
	 * the file is not a model (ast.c) */
	*ndecls = P.decls ? P.decls->n : 0;
	if (r != 0 || P.nerr > 0)
		return NULL;
	if (model_name)
		*model_name = P.model;
	if (model_loc)
		*model_loc = P.model_loc;
	if (!P.decls)
		return arena_alloc(a, sizeof(Decl *));
	return (Decl **)P.decls->v;
}
