#!/bin/sh
# tests/bench/nonlin.sh — issue 12's measure: the cost of each nonlinear
# scheme per step against the linear model's.  Each nonlinear example
# beside the same model without its nonlinearity (sed): kc_pluck.dpm (a
# Kirchhoff-Carrier potential, SAV) and piano_hammer.dpm (a felt hammer,
# SAV on a point read and a lumped mass) against their strings alone,
# bowed_string.dpm (a bow, Newton per step) against its string unbowed,
# tom.dpm (the 2D integral of |grad u|^2, SAV) against its membrane
# alone.  Per model: render ns per step (`dpmc render --stats`, cc
# backend, best of BENCH_RUNS), and the gradient's cost over the render's,
# (forward with checkpoints + backward) / render from `dpmc grad --stats`
# against the model's own render.  Prints markdown; measures only, exit 1
# only when something fails.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
RUNS=${BENCH_RUNS:-3}
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bnonlin.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
XDG_CACHE_HOME=$B/cache
export XDG_CACHE_HOME
status=0
E=$REPO/examples

# best MODEL SECONDS: "ns_per_step steps grid" of the best of RUNS renders
best() {
	i=0 b=
	while [ $i -lt "$RUNS" ]; do
		st=$("$DPMC" render "$1" -d "$2" --backend cc --stats -o "$B/o.wav" 2>&1 >/dev/null) || return 1
		r=$(echo "$st" | sed -n 's/.*"run_ms": \([0-9.e+-]*\).*"grid": \[\([0-9, ]*\)\].*"steps": \([0-9]*\).*/\1 \3 \2/p' |
			awk '{ printf "%.1f %s %s", $1 * 1e6 / $2, $2, $3 $4 }')
		[ -n "$r" ] || return 1
		b=$(printf '%s\n%s\n' "$r" "$b" | awk 'NF { if (!n++ || $1 < m) { m = $1; l = $0 } } END { print l }')
		i=$((i + 1))
	done
	echo "$b"
}
# ratio MODEL SECONDS NS: (forward + backward ms of dpmc grad) / the render's
ratio() {
	"$DPMC" render "$1" -d "$2" --raw --backend cc -o "$B/t.wav" 2>/dev/null || return 1
	"$DPMC" grad "$1" --target "$B/t.wav" --backend cc --stats 2>&1 >/dev/null |
		sed -n 's/.*"run_ms": \([0-9.e+-]*\).*"steps": \([0-9]*\).*"grad_ms": \([0-9.e+-]*\).*/\1 \2 \3/p' |
		awk -v ns="$3" 'NF == 3 { printf "%.1f", ($1 + $3) * 1e6 / $2 / ns }' | grep . || return 1
}

sed '/^potential/d' "$E/kc_pluck.dpm" >"$B/kc_linear.dpm"
sed -e '/^field zh/d' -e '/^pde zh.tt/d' -e '/^init zh/d' -e '/^potential/d' "$E/piano_hammer.dpm" >"$B/hammer_linear.dpm"
sed 's/- Fb \* env(t) \* phi(u.t(XB) - vb \* env(t)) \* delta(x - XB))/)/' "$E/bowed_string.dpm" >"$B/bow_linear.dpm"
sed '/^potential/d' "$E/tom.dpm" >"$B/tom_linear.dpm"

echo "| model | scheme | s | grid | render ns/step (nonlinear, linear) | ratio | grad / render (nonlinear, linear) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for m in "kc_pluck:Kirchhoff-Carrier, SAV:1:$B/kc_linear.dpm" \
         "piano_hammer:felt hammer, SAV:1:$B/hammer_linear.dpm" \
         "bowed_string:bow, Newton:1:$B/bow_linear.dpm" \
         "tom:KC membrane, SAV:0.2:$B/tom_linear.dpm"; do
	n=${m%%:*} rest=${m#*:}
	sch=${rest%%:*} rest=${rest#*:}
	secs=${rest%%:*} lin=${rest#*:}
	if ! a=$(best "$E/$n.dpm" "$secs") || ! b=$(best "$lin" "$secs"); then
		echo "| $n | $sch | FAILED |"
		status=1
		continue
	fi
	set -- $a
	na=$1 grid=$3
	set -- $b
	nb=$1
	ga=$(ratio "$E/$n.dpm" "$secs" "$na") || ga=FAILED
	gb=$(ratio "$lin" "$secs" "$nb") || gb=FAILED
	[ "$ga" != FAILED ] && [ "$gb" != FAILED ] || status=1
	echo "| $n | $sch | $secs | $grid | $na, $nb | $(awk -v a="$na" -v b="$nb" 'BEGIN { printf "%.2f", a / b }') | $ga, $gb |"
done
exit $status
