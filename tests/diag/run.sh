#!/bin/sh
# run.sh — golden diagnostic tests of the front end.
#
#   DPMC=path/to/dpmc sh tests/diag/run.sh
#
# Each NAME.dpm here holds a model with one mistake and, in lines starting
# "#> " at its end, the exact stderr of `dpmc check -I lib NAME.dpm`
# (run from this folder, so paths in messages are stable).  An expected
# line ending in "..." matches any line that starts with the text before
# it (for messages that list folders outside this one).  The check must
# exit with status 1.  valid/*.dpm, the spec's examples and ../../examples
# must give status 0 and nothing on stderr; ast/*.dpm must dump (emit
# --stage ast) exactly as their "#= " lines say.  One line per test: PASS or
# FAIL with the reason; exit 1 if any failed.

if [ -z "$DPMC" ]; then
	echo "run.sh: set DPMC to the dpmc binary" >&2
	exit 2
fi
case $DPMC in
*/*) DPMC=$(cd "$(dirname "$DPMC")" && pwd)/$(basename "$DPMC") ;;
esac
cd "$(dirname "$0")" || exit 2
unset DPM_PATH
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpmdiag.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0
n=0

# same EXPECTED ACTUAL: exact lines, or a prefix for lines ending in "..."
same() {
	awk 'NR == FNR { want[FNR] = $0; nw = FNR; next }
	     { got[FNR] = $0; ng = FNR }
	     END {
		if (nw != ng) exit 1
		for (i = 1; i <= nw; i++) {
			w = want[i]
			if (w ~ /\.\.\.$/) {
				p = substr(w, 1, length(w) - 3)
				if (substr(got[i], 1, length(p)) != p) exit 1
			} else if (w != got[i]) exit 1
		}
	     }' "$1" "$2"
}

for f in *.dpm; do
	name=${f%.dpm}
	n=$((n + 1))
	sed -n 's/^#>//p' "$f" | sed 's/^ //' > "$tmp/want"
	if [ ! -s "$tmp/want" ]; then
		echo "FAIL $name: no expected block (#> lines)"
		failed=1
		continue
	fi
	"$DPMC" check -I lib "$f" > "$tmp/out" 2> "$tmp/got"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "FAIL $name: exit status $rc, expected 1"
		failed=1
	elif ! same "$tmp/want" "$tmp/got"; then
		echo "FAIL $name: stderr differs"
		diff "$tmp/want" "$tmp/got" | sed 's/^/    /' | head -20
		failed=1
	else
		echo "PASS $name"
	fi
done

# ast/*.dpm: the parse tree, as `dpmc emit --stage ast` prints it, in "#= " lines
for f in ast/*.dpm; do
	[ -f "$f" ] || continue
	name=ast:$(basename "$f" .dpm)
	n=$((n + 1))
	sed -n 's/^#=//p' "$f" | sed 's/^ //' > "$tmp/want"
	"$DPMC" emit "$f" --stage ast > "$tmp/out" 2> "$tmp/got"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL $name: exit status $rc, expected 0"
		sed 's/^/    /' "$tmp/got" | head -10
		failed=1
	elif ! cmp -s "$tmp/want" "$tmp/out"; then
		echo "FAIL $name: the dump differs"
		diff "$tmp/want" "$tmp/out" | sed 's/^/    /' | head -20
		failed=1
	else
		echo "PASS $name"
	fi
done

for f in valid/*.dpm ../../examples/*.dpm; do
	[ -f "$f" ] || continue
	name=valid:$(basename "$f" .dpm)
	case $f in ../../examples/*) name=example:$(basename "$f" .dpm) ;; esac
	n=$((n + 1))
	"$DPMC" check -I ../../stdlib -I lib "$f" > "$tmp/out" 2> "$tmp/got"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL $name: exit status $rc, expected 0"
		sed 's/^/    /' "$tmp/got" | head -10
		failed=1
	elif [ -s "$tmp/got" ]; then
		echo "FAIL $name: unexpected stderr"
		sed 's/^/    /' "$tmp/got" | head -10
		failed=1
	else
		echo "PASS $name"
	fi
done

[ $n -gt 0 ] || { echo "FAIL run.sh: no tests found"; exit 1; }
exit $failed
