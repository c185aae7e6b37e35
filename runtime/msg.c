/* msg.c — what a message echoes of the user's input is bounded and
 * printable: a 10 MB JSON key or a line of /dev/urandom must not flood the
 * terminal or drive it with escape codes.  Shared by dpmc's diagnostics
 * (compiler/util.c) and the params reader (params.c), and the distance
 * of names their "did you mean" asks. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rt.h"

void
rt_putsafe(FILE *out, int c)
{
	unsigned char u = (unsigned char)c;

	fputc(u == '\t' || (u >= 0x20 && u != 0x7f) ? u : '?', out);
}

void
rt_putcut(FILE *out, const char *s, size_t n)
{
	size_t i = 0, j, k, word = 0, shown = 0;

	while (i < n && shown < RT_MSG_MAX) {
		char q = s[i];
		if ((q == '\'' || q == '"') && (i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			for (j = i + 1; j < n && s[j] != q; j++)
				;
			if (j < n && j - i - 1 > RT_QUOTE_MAX) {
				for (k = i; k <= i + RT_QUOTE_MAX; k++)
					rt_putsafe(out, s[k]);
				fputs("...", out);
				rt_putsafe(out, q);
				shown += RT_QUOTE_MAX + 5;
				i = j + 1;
				word = 0;
				continue;
			}
			if (j < n) {    /* whole, its closing quote with it (not
			                 * taken for an opening one: '{', found 'n') */
				for (k = i; k <= j; k++) {
					word = s[k] == ' ' ? 0 : word + 1;
					rt_putsafe(out, s[k]);
				}
				shown += j - i + 1;
				i = j + 1;
				continue;
			}
		}
		word = s[i] == ' ' ? 0 : word + 1;
		if (word == RT_WORD_MAX + 1)
			fputs("...", out);
		if (word <= RT_WORD_MAX) {
			rt_putsafe(out, s[i]);
			shown++;
		}
		i++;
	}
	if (i < n)
		fputs("...", out);
}

/* Levenshtein distance, capped; small strings only. */
int
rt_edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), i, j;
	int row[64], prev, tmp;

	if (la > 62 || lb > 62)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = row[j] + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (prev + (a[i - 1] != b[j - 1]) < row[j])
				row[j] = prev + (a[i - 1] != b[j - 1]);
			prev = tmp;
		}
	}
	return row[lb];
}
