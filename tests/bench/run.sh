#!/bin/sh
# tests/bench/run.sh — how fast dpmc's code runs, against hand-written C.
#
#   DPMC=./dpmc REPO=. sh tests/bench/run.sh        (BENCH_RUNS=3 by default)
#
# 1. `dpmc build` the bench models (stiff.dpm, membrane.dpm) to C; build
#    that C and the references (ref_stiff.c, ref_membrane.c) with the same
#    flags, -O3 -march=native -ffp-contract=off, into bench.c, which checks
#    the outputs agree to 1e-9 (same scheme) and times both.
# 2. `dpmc render --stats` with each backend (tcc, cc, llvm when it works):
#    compile_ms, run_ms, mpts_per_s as dpmc reports them.
# 3. End to end: wall time of `dpmc render stiff.dpm -d 1`, best of 5.
# 4. Gradients (bench_grad.c, same flags): P_forward + P_backward of
#    L = 0.5 sum y^2 against P_run, stiff string 10 s and membrane 1 s
#    (target ratio <= 3, aim 2.5); peak memory of a 2 s membrane gradient
#    (target < 200 MB); when python3 has torch, the same stiff-string
#    gradient (1 s) through autograd (torch_stiff.py, one thread) and the
#    time ratio (target >= 500).
# Prints one table.  Speed is only measured here, never asserted; the exit
# status is 1 only when something fails to build or the outputs disagree.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
RUNS=${BENCH_RUNS:-3}
HERE=$REPO/tests/bench
FLAGS="-O3 -march=native -ffp-contract=off"
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bench.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
status=0

ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }
# the number after "KEY": in a one-line JSON object on stdin
jnum() {
	awk -v key="$1" '{
		i = index($0, "\"" key "\""); if (!i) exit
		s = substr($0, i + length(key) + 2); sub(/^[ \t]*:[ \t]*/, "", s)
		match(s, /^[-+0-9.eE]+/); if (RLENGTH > 0) print substr(s, 1, RLENGTH)
	}'
}

# ---- 1. generated C and references, same flags ----
for m in stiff:stiff_string membrane:membrane; do
	src=${m%%:*} out=${m#*:}
	if ! "$DPMC" build "$HERE/$src.dpm" -o "$B/$out.c" 2>"$B/err"; then
		echo "bench: dpmc build $src.dpm failed: $(head -c 400 "$B/err")"
		exit 1
	fi
done
# compile time with the system cc, best of 3 (per file, -c)
cc_ms() {
	best=""
	for i in 1 2 3; do
		t0=$(ms)
		$CC $FLAGS -I"$B" -I"$HERE" -c "$1" -o "$B/x.o" || return 1
		t=$(awk -v a="$t0" -v b="$(ms)" 'BEGIN { printf "%.1f", b - a }')
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	echo "$best"
}
cms_stiff=$(cc_ms "$B/stiff_string.c") && cms_mem=$(cc_ms "$B/membrane.c") &&
cms_rstiff=$(cc_ms "$HERE/ref_stiff.c") && cms_rmem=$(cc_ms "$HERE/ref_membrane.c") ||
	{ echo "bench: cc failed"; exit 1; }
if ! $CC $FLAGS -I"$B" -I"$HERE" -o "$B/bench" "$HERE/bench.c" \
    "$HERE/ref_stiff.c" "$HERE/ref_membrane.c" "$B/stiff_string.c" \
    "$B/membrane.c" -lm; then
	echo "bench: cannot build bench.c"
	exit 1
fi
if ! "$B/bench" "$RUNS" >"$B/bench.out" 2>"$B/bench.err"; then
	cat "$B/bench.err"
	echo "bench: generated code and reference disagree"
	status=1
fi
grep -q . "$B/bench.out" || { cat "$B/bench.err"; exit 1; }

# ---- 2. dpmc render --stats per backend ----
# stats MODEL BACKEND SECONDS: best (by run_ms) of RUNS renders ->
# "compile_ms run_ms mpts_per_s", or nothing when the backend fails
stats() {
	best=""
	for i in $(seq "$RUNS"); do
		"$DPMC" render "$HERE/$1.dpm" -o "$B/r.wav" -d "$3" --backend "$2" \
		    --stats 2>"$B/st" >/dev/null || return 0
		line=$(grep '"run_ms"' "$B/st" | tail -n 1)
		c=$(echo "$line" | jnum compile_ms) r=$(echo "$line" | jnum run_ms)
		p=$(echo "$line" | jnum mpts_per_s)
		[ -n "$r" ] || return 0
		best=$(echo "$best" | awk -v c="$c" -v r="$r" -v p="$p" '
			NF == 3 && $2 <= r { print; next } { print c, r, p }')
	done
	echo "$best"
}

# ---- 3. end to end: wall time of a whole render, best of 5 ----
wall() {
	best=""
	for i in 1 2 3 4 5; do
		t0=$(ms)
		"$DPMC" render "$HERE/stiff.dpm" -o "$B/e.wav" -d 1 --backend "$1" \
		    2>/dev/null || return 0
		t=$(awk -v a="$t0" -v b="$(ms)" 'BEGIN { printf "%.1f", b - a }')
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	echo "$best"
}

# ---- the table ----
echo "bench: $(uname -m), cc $($CC -dumpversion), flags $FLAGS, best of $RUNS" \
     "(wall: best of 5); ratio = run time / reference run time (10 s)"
printf '%-13s %-22s %10s %12s %12s %9s %9s\n' model backend "compile ms" \
	"run ms 1s" "run ms 10s" "Mpts/s" ratio
for m in stiff_string membrane; do
	case $m in stiff_string) src=stiff c_gen=$cms_stiff c_ref=$cms_rstiff ;;
	           *) src=membrane c_gen=$cms_mem c_ref=$cms_rmem ;; esac
	ref10=$(awk -v m=$m '$1 == m && $2 == "reference" && $3 == 10 { print $4 }' "$B/bench.out")
	for impl in reference generated; do
		c=$c_ref label="reference (cc -O3)"
		[ $impl = generated ] && c=$c_gen label="dpmc build (cc -O3)"
		awk -v m=$m -v impl=$impl -v c="$c" -v label="$label" -v ref="$ref10" '
			$1 == m && $2 == impl { t[$3] = $4; p[$3] = $5 }
			END { printf "%-13s %-22s %10s %12.1f %12.1f %9.1f %9.2f\n",
			      m, label, c, t[1], t[10], p[10], t[10] / ref }' "$B/bench.out"
	done
	for be in tcc cc llvm; do
		s1=$(stats $src $be 1) s10=$(stats $src $be 10)
		[ -n "$s1" ] || s1="nan nan nan"
		if [ -z "$s10" ]; then
			printf '%-13s %-22s %10s\n' $m "dpmc render --backend $be" "(failed)"
			continue
		fi
		echo "$s1 $s10" | awk -v m=$m -v be="$be" -v ref="$ref10" '{
			printf "%-13s %-22s %10.1f %12.1f %12.1f %9.1f %9.2f\n",
			       m, "dpmc render " be, $4, $2, $5, $6, $5 / ref }'
	done
done
sed 's/^bench: /agreement (1 s, generated vs reference): /' "$B/bench.err"
for be in tcc cc; do
	w=$(wall $be)
	printf 'end to end: dpmc render stiff.dpm -d 1 --backend %s: %s ms wall\n' \
		$be "${w:-(failed)}"
done

# ---- 4. gradients ----
if ! grep -q '_backward' "$B/stiff_string.h" "$B/membrane.h" 2>/dev/null; then
	echo "gradient: the generated code has no P_backward yet"
	exit $status
fi
if ! $CC $FLAGS -I"$B" -o "$B/bench_grad" "$HERE/bench_grad.c" \
    "$B/stiff_string.c" "$B/membrane.c" -lm; then
	echo "bench: cannot build bench_grad.c"
	exit 1
fi
if ! "$B/bench_grad" time "$RUNS" >"$B/grad.out"; then
	echo "bench: bench_grad failed"
	exit 1
fi
echo "gradient of L = 0.5 sum y^2 with respect to every param, best of $RUNS;" \
     "ratio = gradient ms / render ms (target <= 3, aim 2.5)"
printf '%-13s %8s %12s %12s %9s\n' model seconds "render ms" "gradient ms" ratio
awk '{ printf "%-13s %8s %12.1f %12.1f %9.2f\n", $1, $2, $3, $4, $4 / $3 }' "$B/grad.out"
mb=$("$B/bench_grad" mem 2 | awk '{ print $3 }')
echo "peak memory of a 2 s membrane gradient (ru_maxrss): ${mb:-(failed)} MB (target < 200)"
[ -n "$mb" ] || status=1
# the python on PATH may be another than the one Debian's python3-torch is for
py=""
for p in python3 /usr/bin/python3; do
	if "$p" -c "import torch" 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -n "$py" ]; then
	if "$py" "$HERE/torch_stiff.py" 1 1 >"$B/torch.out" 2>"$B/err"; then
		awk 'NR == FNR { if ($1 == "stiff_string" && $2 == 1) { d = $4; l = $5 }; next }
		     { printf "pytorch autograd, same scheme, stiff string 1 s, one" \
		       " thread: %.1f ms, dpmc %.1f ms: ratio %.0f (target >= 500);" \
		       " loss %.10g vs %.10g\n", $3, d, $3 / d, $4, l }' \
		    "$B/grad.out" "$B/torch.out"
	else
		echo "pytorch: torch_stiff.py failed: $(tail -n 3 "$B/err")"
	fi
else
	echo "pytorch: python3 has no torch (Debian: python3-torch); comparison skipped"
fi
exit $status
