/* mutate.c — a deterministic mutator of .dpm text for tests/fuzz/run.sh.
 *
 *   mutate SEED < model.dpm > mutant.dpm
 *   mutate SEED bin < target.wav > mutant.wav
 *
 * Applies 1 to 4 edits chosen by SEED: flip a byte (often to one the
 * grammar cares about), delete a span, duplicate, delete or swap lines,
 * swap two words, or drop in a keyword or a deep nesting.  The same seed
 * and input always give the same output, so a failure can be replayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng;

static unsigned
next(void)
{
	/* xorshift64*: small, seedable, good enough to pick edits */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ULL) >> 32);
}

static unsigned
below(unsigned n)
{
	return n ? next() % n : 0;
}

static char *buf;
static size_t len, cap;

static void
reserve(size_t n)
{
	if (len + n + 1 <= cap)
		return;
	cap = (len + n + 1) * 2;
	buf = realloc(buf, cap);
	if (!buf) {
		perror("mutate");
		exit(2);
	}
}

static void
insert(size_t at, const char *s, size_t n)
{
	reserve(n);
	memmove(buf + at + n, buf + at, len - at);
	memcpy(buf + at, s, n);
	len += n;
}

static void
erase(size_t at, size_t n)
{
	if (at + n > len)
		n = len - at;
	memmove(buf + at, buf + at + n, len - at - n);
	len -= n;
}

/* Start offsets of the lines; returns their count. */
static size_t
lines(size_t *start, size_t max)
{
	size_t n = 0, i;

	if (len && max)
		start[n++] = 0;
	for (i = 0; i + 1 < len && n < max; i++)
		if (buf[i] == '\n')
			start[n++] = i + 1;
	return n;
}

static size_t
line_end(size_t at)
{
	while (at < len && buf[at] != '\n')
		at++;
	return at < len ? at + 1 : at;
}

static const char *const words[] = {
	"model", "import", "const", "param", "let", "fn", "rate", "domain", "grid",
	"field", "pde", "boundary", "init", "output", "in", "log", "edges", "fixed",
	"free", "clamped", "u.tt", "u.xxxx", "lap(u)", "bilap(u)", "delta(x - 1)",
	"t", "pi", "x", "y", "(", ")", "[", "]", ",", "=", ":", "\n", "\"", "1e999",
	".5", "0", "-", "^", "||", "!", "u(", "sin(", "select(1,", "# c\n",
	"\"loss.dpm\"", "1/0", "u.t", "lap(u).t",
};

static void
edit(void)
{
	static const char special[] = "()[]=,:.#\"\n-+*/^!<>|&_ 0123456789xtu";
	size_t at = len ? below((unsigned)len) : 0, ls[4096], nl, a, b, ea, eb, i;
	char *tmp;

	switch (below(9)) {
	case 0:                /* flip a byte */
		if (!len)
			break;
		buf[at] = below(4) ? special[below(sizeof special - 1)] : (char)below(256);
		break;
	case 1:                /* delete a span */
		erase(at, 1 + below(12));
		break;
	case 2:                /* duplicate a line */
	case 3:                /* delete a line */
	case 4:                /* swap two lines */
		nl = lines(ls, 4096);
		if (!nl)
			break;
		a = ls[below((unsigned)nl)];
		ea = line_end(a);
		if (below(9) < 3) {
			tmp = malloc(ea - a + 1);
			memcpy(tmp, buf + a, ea - a);
			b = ls[below((unsigned)nl)];
			insert(b, tmp, ea - a);
			free(tmp);
		} else if (below(2)) {
			erase(a, ea - a);
		} else {
			b = ls[below((unsigned)nl)];
			eb = line_end(b);
			if (b < a) {
				size_t t = a; a = b; b = t;
				t = ea; ea = eb; eb = t;
			}
			if (ea > b)
				break;
			/* swap [a, ea) and [b, eb) */
			tmp = malloc(eb - a + 1);
			memcpy(tmp, buf + b, eb - b);
			memcpy(tmp + (eb - b), buf + ea, b - ea);
			memcpy(tmp + (eb - b) + (b - ea), buf + a, ea - a);
			memcpy(buf + a, tmp, eb - a);
			free(tmp);
		}
		break;
	case 5:                /* swap two words */
	case 6: {
		size_t s1, e1, s2, e2;
		char w1[64], w2[64];
		if (len < 4)
			break;
		s1 = below((unsigned)len);
		s2 = below((unsigned)len);
		while (s1 < len && (buf[s1] == ' ' || buf[s1] == '\n'))
			s1++;
		while (s2 < len && (buf[s2] == ' ' || buf[s2] == '\n'))
			s2++;
		for (e1 = s1; e1 < len && e1 - s1 < 63 && buf[e1] != ' ' && buf[e1] != '\n'; e1++)
			;
		for (e2 = s2; e2 < len && e2 - s2 < 63 && buf[e2] != ' ' && buf[e2] != '\n'; e2++)
			;
		if (s1 > s2) {
			size_t t = s1; s1 = s2; s2 = t;
			t = e1; e1 = e2; e2 = t;
		}
		if (e1 > s2 || e1 == s1 || e2 == s2)
			break;
		memcpy(w1, buf + s1, e1 - s1);
		memcpy(w2, buf + s2, e2 - s2);
		erase(s2, e2 - s2);
		insert(s2, w1, e1 - s1);
		erase(s1, e1 - s1);
		insert(s1, w2, e2 - s2);
		break;
	}
	case 7: {              /* drop in a word of the language */
		const char *w = words[below(sizeof words / sizeof words[0])];
		insert(at, " ", 1);
		insert(at + 1, w, strlen(w));
		break;
	}
	case 8:                /* deep nesting or a long chain (rarely) */
		if (below(4))
			break;
		for (i = 0, a = 1 + below(3000); i < a; i++)
			insert(at, below(2) ? "(" : "-", 1);
		if (below(2))
			for (i = 0; i < a; i++)
				insert(at, "1+", 2);
		break;
	}
}

/* Binary data (a sound file): most of what a reader trusts is in the
 * header, so half the edits land in the first 64 bytes, and a 32-bit
 * field there may become a size that lies. */
static void
edit_bin(void)
{
	static const unsigned extreme[] = { 0, 1, 0x7fffffff, 0x80000000u, 0xffffffffu, 0x10000 };
	size_t head = len < 64 ? len : 64, at;
	unsigned v;

	if (!len)
		return;
	switch (below(6)) {
	case 0:                /* a byte anywhere */
		buf[below((unsigned)len)] = (char)below(256);
		break;
	case 1:                /* a byte of the header */
		buf[below((unsigned)head)] = (char)below(256);
		break;
	case 2:                /* a 32-bit field of the header */
		if (head < 4)
			break;
		at = below((unsigned)(head - 3)) & ~(size_t)3;
		v = extreme[below(sizeof extreme / sizeof extreme[0])];
		buf[at] = (char)v;
		buf[at + 1] = (char)(v >> 8);
		buf[at + 2] = (char)(v >> 16);
		buf[at + 3] = (char)(v >> 24);
		break;
	case 3:                /* cut the file short */
		len = below((unsigned)len);
		break;
	case 4:                /* delete a span */
		erase(below((unsigned)len), 1 + below(16));
		break;
	case 5:                /* the header again, inside */
		at = below((unsigned)len);
		{
			char h[64];
			memcpy(h, buf, head);
			insert(at, h, head);
		}
		break;
	}
}

int
main(int argc, char **argv)
{
	char chunk[4096];
	size_t n;
	int i, k;

	if (argc != 2 && !(argc == 3 && !strcmp(argv[2], "bin"))) {
		fputs("usage: mutate SEED [bin] < in > out\n", stderr);
		return 2;
	}
	rng = strtoull(argv[1], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		reserve(n);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	for (i = 0, k = 1 + (int)below(4); i < k; i++)
		if (argc == 3)
			edit_bin();
		else
			edit();
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}
