#!/bin/sh
# tests/bench/parts.sh — issue 11's measure: a model of several parts
# costs about the sum of its parts.  examples/bridge_guitar.dpm (a string
# attached to a sprung bridge) against the same string with that end
# fixed, and the spec's string on a bridge against its string alone:
# render ms (`dpmc render --stats`, cc backend, best of BENCH_RUNS) and
# the gradient against its own render (`dpmc grad --stats`).  Prints
# markdown; measures only, exit 1 only when something fails.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
RUNS=${BENCH_RUNS:-3}
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bparts.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
XDG_CACHE_HOME=$B/cache
export XDG_CACHE_HOME
status=0

# best MODEL SECONDS: the best run ms of RUNS renders
best() {
	i=0 b=
	while [ $i -lt "$RUNS" ]; do
		ms=$("$DPMC" render "$1" -d "$2" --backend cc --stats -o "$B/o.wav" 2>&1 >/dev/null |
			sed -n 's/.*"run_ms": \([0-9.]*\).*/\1/p' | head -n 1)
		[ -n "$ms" ] || return 1
		b=$(awk -v a="$ms" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }')
		i=$((i + 1))
	done
	echo "$b"
}

sed -e 's/^field b mass M$//' -e 's/^pde b.tt = .*//' -e 's/^boundary u at x = L: attached b$/boundary u at x = L: fixed/' \
	-e 's/^output bridge = b.t$//' "$REPO/examples/bridge_guitar.dpm" >"$B/alone_guitar.dpm"
sed -e 's/^field b mass M$//' -e 's/^pde b.tt = .*//' -e 's/^boundary x = L: attached b$/boundary x = L: fixed/' \
	-e 's/^output bridge = b$//' "$REPO/tests/parts/bridge.dpm" >"$B/alone_bridge.dpm"

echo "| model | s | render ms (with the parts, string alone) | ratio |"
echo "| --- | --- | --- | --- |"
for m in "$REPO/examples/bridge_guitar.dpm:$B/alone_guitar.dpm" "$REPO/tests/parts/bridge.dpm:$B/alone_bridge.dpm"; do
	a=${m%%:*} b=${m#*:}
	ta=$(best "$a" 2) tb=$(best "$b" 2) || { echo "| $(basename "$a") | FAILED |"; status=1; continue; }
	echo "| $(basename "$a" .dpm) | 2 | $ta, $tb | $(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.2f", a / b }') |"
done
# several fields (tests/fields): examples/two_strings.dpm against its two
# strings rendered alone (no bridge, ends fixed): about the sum of them
sed -e '/^domain s2/d' -e '/^field w/d' -e '/^field z/d' -e '/^pde w.tt/d' -e '/^pde z.tt/d' \
	-e '/^boundary w/d' -e '/^init w/d' -e '/^output bridge/d' -e '/^output second/d' \
	-e 's/ + K \* (z - u(xa \* L)) \* delta(x - xa \* L)//' "$REPO/examples/two_strings.dpm" >"$B/first.dpm"
sed -e '/^domain s1/d' -e '/^field u/d' -e '/^field z/d' -e '/^pde u.tt/d' -e '/^pde z.tt/d' \
	-e '/^boundary u/d' -e '/^init u/d' -e '/^output bridge/d' -e '/^output first/d' \
	-e 's/ + K \* (z - w(xa \* L)) \* delta(x - xa \* L)//' "$REPO/examples/two_strings.dpm" >"$B/second.dpm"
a=$REPO/examples/two_strings.dpm
if ta=$(best "$a" 2) && t1=$(best "$B/first.dpm" 2) && t2=$(best "$B/second.dpm" 2); then
	echo "| two_strings | 2 | $ta, $t1 + $t2 (the strings alone) | $(awk -v a="$ta" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.2f", a / (b + c) }') |"
else
	echo "| two_strings | FAILED |"
	status=1
fi
# its gradient (`dpmc grad --stats`, mse against its own render of 1 s)
# against its strings' alone
gbest() {
	i=0 b=
	"$DPMC" render "$1" -d 1 --backend cc -o "$B/t.wav" 2>/dev/null || return 1
	while [ $i -lt "$RUNS" ]; do
		ms=$("$DPMC" grad "$1" --target "$B/t.wav" --backend cc --stats 2>&1 >/dev/null |
			sed -n 's/.*"grad_ms": \([0-9.]*\).*/\1/p' | head -n 1)
		[ -n "$ms" ] || return 1
		b=$(awk -v a="$ms" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }')
		i=$((i + 1))
	done
	echo "$b"
}
if ga=$(gbest "$a") && g1=$(gbest "$B/first.dpm") && g2=$(gbest "$B/second.dpm"); then
	echo "| two_strings gradient | 1 | $ga, $g1 + $g2 (the strings alone) | $(awk -v a="$ga" -v b="$g1" -v c="$g2" 'BEGIN { printf "%.2f", a / (b + c) }') |"
else
	echo "| two_strings gradient | FAILED |"
	status=1
fi
# two polarisations of a stiff lossy string (tests/bench/two_pol.dpm: the
# second a chain whose loss reads its neighbours' velocities, a loop in
# the adjoint since session 12) against the first string alone, twice
p=$REPO/tests/bench/two_pol.dpm
awk '/^(domain s2|field v|boundary v|init v)/ { next }
	/^pde v.tt/ { skip = 1; next }
	skip && /^[ \t]/ { next }
	{ skip = 0 }
	/^output out/ { print "output out = u.t(0.15)"; next }
	{ print }' "$p" >"$B/pol1.dpm"
if ga=$(gbest "$p") && g1=$(gbest "$B/pol1.dpm"); then
	echo "| two_pol gradient | 1 | $ga, 2 x $g1 (one string alone) | $(awk -v a="$ga" -v b="$g1" 'BEGIN { printf "%.2f", a / (2 * b) }') |"
else
	echo "| two_pol gradient | FAILED |"
	status=1
fi
exit $status
