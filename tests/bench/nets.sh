#!/bin/sh
# tests/bench/nets.sh — issue 10's measure of gradients through nets: a
# model whose three scalar params come from a 2-16-16-3 net against the
# same model with the three as params (goal: at most 1.05x), and a net of
# x (one reverse sweep per grid point per gradient) and of t (one per
# step) against the same coefficient of one param.  bench_nets.c on
# `dpmc build`'s C, -O3 -march=native -ffp-contract=off, best of
# BENCH_RUNS (default 5), one thread and two: wall time, and the
# processor time of all threads (steadier when the machine is busy).
# Prints markdown; measures only, exit 1 only when something fails to
# build or run.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
RUNS=${BENCH_RUNS:-5}
HERE=$REPO/tests/bench
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bnets.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
status=0

# one MODEL SECONDS THREADS: "PREFIX NPARAMS GRAD_MS FORWARD_MS GRAD_CPU_MS"
one() {
	d=$B/$(basename "$1" .dpm)
	if [ ! -x "$d/bench" ]; then
		mkdir -p "$d"
		"$DPMC" build "$1" -o "$d/m.c" 2>"$d/err" || { echo "FAILED $(head -c 200 "$d/err")"; return 1; }
		prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
		$CC -O3 -march=native -ffp-contract=off -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" \
			-o "$d/bench" "$HERE/bench_nets.c" "$d/m.c" -pthread -lm 2>"$d/err" ||
			{ echo "FAILED $(head -c 200 "$d/err")"; return 1; }
	fi
	"$d/bench" "$2" "$RUNS" "$3"
}

echo "| models | s | threads | params | gradient ms (net, without) | ratio | processor ms (net, without) | ratio | render ms (net, without) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for pair in net3:plain3:1 space:plainx:1 time:plaint:1; do
	a=${pair%%:*} rest=${pair#*:}
	b=${rest%%:*} secs=${rest#*:}
	for th in 1 2; do
		ra=$(one "$HERE/nets/$a.dpm" "$secs" $th) && rb=$(one "$HERE/nets/$b.dpm" "$secs" $th) || {
			echo "| $a / $b | $secs | $th | failed: $ra $rb | | | | | |"
			status=1
			continue
		}
		echo "$ra $rb" | awk -v s="$secs" -v th=$th '{ printf "| %s / %s | %s | %d | %d, %d | %.2f, %.2f | %.3f | %.2f, %.2f | %.3f | %.2f, %.2f |\n", $1, $6, s, th, $2, $7, $3, $8, $3 / $8, $5, $10, $5 / $10, $4, $9 }'
	done
done

# the C compiler over a wide net's text: `dpmc build`, then $CC as the
# cc backend compiles it (the functions run once a param set or a
# gradient unoptimised, DPM_COLD: 39 s before)
echo
echo "| model | weights | $CC -O3 compile s | peak MB |"
echo "| --- | --- | --- | --- |"
d=$B/wide3
mkdir -p "$d"
if "$DPMC" build "$HERE/nets/wide3.dpm" -o "$d/m.c" 2>"$d/err" &&
	/usr/bin/time -f "%e %M" -o "$d/time" $CC -O3 -march=native -ffp-contract=off -fPIC -shared \
		-o "$d/m.so" "$d/m.c" -lm 2>>"$d/err"; then
	awk '{ printf "| wide3 (2-64-64-3) | 4483 | %.1f | %.0f |\n", $1, $2 / 1024 }' "$d/time"
else
	echo "| wide3 | failed: $(head -c 200 "$d/err") | | |"
	status=1
fi
exit $status
