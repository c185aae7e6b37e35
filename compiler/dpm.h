/* dpm.h — what every stage of dpmc shares: memory, source text, locations,
 * diagnostics.  Nothing here knows about models. */
#ifndef DPM_H
#define DPM_H

#include <stddef.h>
#include <stdio.h>

/* ---- memory (util.c) ----
 * Every allocation of the compiler goes through mem_alloc, so a test can
 * make it fail (mem_fail_after).  Out of memory is reported and exits 1:
 * it is the one error the library does not return. */
void *mem_alloc(size_t n);                 /* zeroed */
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);
/* Arrays indexed by an id that grow as ids come: the capacity, doubled
 * from first (or have), that holds id; p of have elements of size sz
 * made n long, the new ones bytes fill. */
unsigned mem_cap(unsigned have, unsigned id, unsigned first);
/* qsort's comparison of ints, ascending */
int int_cmp(const void *a, const void *b);
/* FNV-1a of a string: the symbol tables' */
unsigned str_hash(const char *s);
void *mem_extend(void *p, size_t sz, unsigned have, unsigned n, int fill);
char *mem_strdup(const char *s);
void mem_fail_after(long n);               /* for tests; -1 = never */
long mem_count(void);                      /* allocations so far, for tests */
/* under the same hook, but NULL on failure: for the model's code and the
 * runtime, which report it themselves */
void *mem_try_malloc(size_t n);
void *mem_try_calloc(size_t n, size_t size);
void *mem_try_realloc(void *p, size_t n);

/* An arena per compilation, freed once (QBE's alloc/freeall). */
typedef struct Arena Arena;
Arena *arena_new(void);
void *arena_alloc(Arena *a, size_t n);     /* zeroed, aligned for double */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
void arena_free(Arena *a);

/* A growable byte buffer, for emitted text. */
typedef struct Buf { char *s; size_t len, cap; } Buf;
void buf_printf(Buf *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void buf_puts(Buf *b, const char *s);
void buf_putn(Buf *b, const char *s, size_t n);   /* n bytes of s */
void buf_free(Buf *b);

/* ---- source and locations ----
 * Locations are byte offsets into one source text; line and column are
 * computed only when a message is printed. */
typedef struct Src {
	const char *path;      /* as given by the user, for messages */
	const char *text;      /* NUL-terminated */
	size_t len;
} Src;

typedef struct Loc {
	const Src *src;        /* NULL: no location (built-in) */
	int off, len;          /* byte offset and length of the span */
} Loc;

/* Models and params files are regular files of at most SRC_LIMIT bytes:
 * src_read refuses FIFOs, devices and larger files with a message in
 * why[whysz] (NULL: none) naming the file and `what` it should be ("a
 * model"); errno is ENOENT when there is no such file. */
#define SRC_LIMIT ((size_t)16 << 20)
Src *src_read(Arena *a, const char *path, size_t limit, const char *what,
              char *why, size_t whysz);
Src *src_load(Arena *a, const char *path);          /* src_read, a model */
int src_binary(const Src *s);                       /* binary data, not text */
Src *src_from_string(Arena *a, const char *path, const char *text);
void src_linecol(const Src *s, int off, int *line, int *col);  /* 1-based */

/* ---- diagnostics (util.c) ----
 * Errors are counted and printed, never exit()ed: a REPL survives them.
 *   FILE:LINE:COL: error: MESSAGE
 *      LINE | source line
 *           |     ^~~~
 * With loc.src == NULL: "dpmc: error: MESSAGE". */
typedef struct Diag {
	int nerr;
	FILE *out;             /* stderr unless a test redirects it */
	/* the last messages' hashes: one said again at the same place (a
	 * check run once per point of a chain, say) is printed once */
	unsigned long said[16];
	int nsaid;
} Diag;

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void diag_note(Diag *d, Loc loc, const char *fmt, ...)   /* "note:", no count */
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void diag_warning(Diag *d, Loc loc, const char *fmt, ...)   /* "warning:", no count */
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* An internal bug: print and abort (QBE's die()).  Never for bad input. */
_Noreturn void die(const char *fmt, ...);

/* The name in `names` closest to `s` by edit distance, or NULL when none
 * is close enough to suggest ("did you mean ...?"). */
const char *closest_name(const char *s, const char *const *names, int n);
const char *msg_after_place(const char *msg);

#endif
