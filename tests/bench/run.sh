#!/bin/sh
# tests/bench/run.sh — how fast dpmc's code runs, against hand-written C.
#
#   DPMC=./dpmc REPO=. sh tests/bench/run.sh        (BENCH_RUNS=3 by default)
#
# Prints a markdown note (paste it as is):
# 1. The main table: every examples/*.dpm and the two bench models
#    (stiff.dpm 10 s, membrane.dpm 1 s; the examples 1 s), with each
#    backend (tcc, cc, llvm): compile ms, run ms and Mpts/s of
#    `dpmc render --stats`, the gradient/forward ratio from
#    `dpmc grad --stats` against the cc render (so each backend's output is
#    also checked against cc's), on the threads the machine gives and on
#    one processor (taskset -c 0), and the speed against the hand-written C
#    references (stiff and membrane only).  A backend that fails a model
#    says so in its row.  The cc backend compiles into a fresh cache, so
#    its compile ms is a real compile.
# 2. Hand-written references (ref_stiff.c, ref_membrane.c) against
#    `dpmc build`, same flags, -O3 -march=native -ffp-contract=off
#    (bench.c), which also checks the outputs agree to 1e-9.
# 3. The REPL: `set f0` plus a 1 s stiff-string render, as the REPL's
#    `time` reports them (target < 50 ms).
# 4. End to end: wall time of `dpmc render stiff.dpm -d 1`, best of 5.
# 5. Gradients of the generated C (bench_grad.c, same flags): stiff 1 s
#    and 10 s, membrane 1 s (target ratio <= 3, aim 2.5), one thread's
#    forward and backward apart, and under the load of one busy loop and
#    of two (no worse than one thread); peak memory of a
#    2 s membrane gradient (target < 200 MB); when python3 has torch, the
#    same stiff-string gradient (1 s) through autograd (torch_stiff.py, one
#    thread) and the time ratio (target >= 500).
# 6. Real time: dpm_process in blocks of 64 for every example (rtf.c),
#    the real-time factor (goal >= 100x for the strings).
# 7. Gradients through nets (nets.sh): three params from a 2-16-16-3 net,
#    a net of x and one of t, each against the model without the net.
# 8. fits.sh: issue 9's fits with their defaults.
# 9. train.sh: train on 1 and 2 threads and 2 MPI processes; bass_net.sh:
#    a net over the double-bass notes judged on a note it did not hear.
# 10. parts.sh: a string on a sprung bridge against the string alone.
# 11. nonlin.sh: each nonlinear scheme (SAV, a bow's Newton) per step
#     against the same model without it.
# Speed is only measured here, never asserted; the exit status is 1 only
# when something fails to build (a backend failing a model included) or
# two outputs disagree.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
RUNS=${BENCH_RUNS:-3}
HERE=$REPO/tests/bench
FLAGS="-O3 -march=native -ffp-contract=off"
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bench.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
# the cc backend's objects: an empty cache, so the first compile is timed
XDG_CACHE_HOME=$B/cache
export XDG_CACHE_HOME
BACKENDS="tcc cc llvm"
# a copy of dpmc (with the stdlib and runtime it finds beside itself), so
# that a rebuild while the bench runs changes nothing under it
mkdir "$B/bin" && cp "$DPMC" "$B/bin/dpmc" || exit 1
for d in stdlib runtime dpmc-llvm.so; do
	ln -s "$(cd "$(dirname "$DPMC")" && pwd)/$d" "$B/bin/$d"
done
DPMC=$B/bin/dpmc
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
# the first words of the error in file $1, safe inside a markdown cell
firstwords() {
	{ grep -m 1 'error' "$1" || head -n 1 "$1"; } |
	sed 's/^dpmc: error: //; s/|/\//g' |
	awk '{ n = NF > 9 ? 9 : NF; for (i = 1; i <= n; i++)
	       printf "%s%s", (i > 1 ? " " : ""), $i; if (NF > n) printf " ..." }'
}
# the samples of a WAV file, one per line (after the "data" chunk header)
samples() {
	off=$(grep -obUa data "$1" | head -n 1 | cut -d: -f1)
	od -An -v -tf4 -j $((off + 8)) "$1" | tr -s ' \t' '\n' | grep .
}
# max |a - b| / max |b| of two 32-bit float WAVs of the same shape
wavdiff() {
	if cmp -s "$1" "$2"; then
		echo 0
		return
	fi
	samples "$1" >"$B/wa" && samples "$2" >"$B/wb" || { echo inf; return; }
	paste "$B/wa" "$B/wb" | awk '
		{ d = $1 - $2; d = d < 0 ? -d : d; if (d > e) e = d
		  p = $2 < 0 ? -$2 : $2; if (p > top) top = p; n++ }
		END { if (n == 0 || top == 0) print "inf"; else printf "%.3g\n", e / top }'
}

# ---- 1. generated C and references, same flags (measured first, printed
# second: the main table uses the reference times) ----
for m in stiff:stiff_string membrane:membrane; do
	src=${m%%:*} out=${m#*:}
	if ! "$DPMC" build "$HERE/$src.dpm" -o "$B/$out.c" 2>"$B/err"; then
		echo "bench: dpmc build $src.dpm failed: $(head -c 400 "$B/err")"
		exit 1
	fi
done
# model_o NAME: $B/NAME.c compiled into $B/NAME.o with its dpm_* interface
# (api.tmpl: the same names in every model) made local, so that several
# models link into one program; with -pthread (_REENTRANT), as a host
# with threads builds it, so that its gradient may take two (without,
# the model is one thread's: DPM_THREADS, emit_c.c)
model_o() {
	$CC $FLAGS -pthread -I"$B" -c "$B/$1.c" -o "$B/$1.o" &&
		objcopy -w --localize-symbol='dpm_*' "$B/$1.o"
}
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
if ! model_o stiff_string || ! model_o membrane ||
   ! $CC $FLAGS -I"$B" -I"$HERE" -o "$B/bench" "$HERE/bench.c" \
    "$HERE/ref_stiff.c" "$HERE/ref_membrane.c" "$B/stiff_string.o" \
    "$B/membrane.o" -lm -pthread; then
	echo "bench: cannot build bench.c"
	exit 1
fi
if ! "$B/bench" "$RUNS" >"$B/bench.out" 2>"$B/bench.err"; then
	cat "$B/bench.err"
	echo "bench: generated code and reference disagree"
	status=1
fi
grep -q . "$B/bench.out" || { cat "$B/bench.err"; exit 1; }

# ---- the main table: dpmc render / grad --stats per model and backend ----
# Best of RUNS, but one run when a run takes over a second (the 2-D models
# under tcc), so that the whole bench stays within a few minutes.

# render MODEL BACKEND SECONDS: "compile_ms run_ms mpts_per_s grid" of the
# fastest render (compile_ms: the least; for cc the first, the one that
# compiled), the last render's raw output in $B/BACKEND.wav; or status 1
# and the error in $B/st
render() {
	best=""
	for i in $(seq "$RUNS"); do
		"$DPMC" render "$1" -o "$B/$2.wav" --raw -d "$3" --backend "$2" \
		    --stats 2>"$B/st" >/dev/null || return 1
		line=$(grep '"run_ms"' "$B/st" | tail -n 1)
		c=$(echo "$line" | jnum compile_ms) r=$(echo "$line" | jnum run_ms)
		p=$(echo "$line" | jnum mpts_per_s)
		g=$(echo "$line" | sed 's/.*"grid": \[\([^]]*\)\].*/\1/; s/, */x/g')
		[ -n "$r" ] || { echo "no run_ms in --stats" >>"$B/st"; return 1; }
		[ -n "$g" ] || g=?
		best=$(echo "$best" | awk -v be="$2" -v c="$c" -v r="$r" -v p="$p" -v g="$g" '
			NF == 4 { if (be != "cc" && c < $1) $1 = c
			          if (r < $2) { $2 = r; $3 = p }; print; next }
			{ print c, r, p, g }')
		awk -v r="$r" 'BEGIN { exit !(r > 1000) }' && break
	done
	echo "$best"
}
# grad MODEL BACKEND TARGET [one]: the least forward + backward ms of
# `dpmc grad` (run_ms + grad_ms); with `one`, on one processor (taskset:
# the generated code then plans one thread); or status 1 and the error
# in $B/st
grad() {
	best=""
	pin=""
	[ -n "$4" ] && pin="taskset -c 0"
	for i in $(seq "$RUNS"); do
		$pin "$DPMC" grad "$1" --target "$3" --backend "$2" --stats \
		    2>"$B/st" >/dev/null || return 1
		line=$(grep '"grad_ms"' "$B/st" | tail -n 1)
		t=$(echo "$line" | jnum run_ms)
		u=$(echo "$line" | jnum grad_ms)
		[ -n "$t" ] && [ -n "$u" ] ||
			{ echo "no run_ms, grad_ms in --stats" >>"$B/st"; return 1; }
		t=$(awk -v a="$t" -v b="$u" -v best="$best" 'BEGIN {
			t = a + b; print (best == "" || t < best) ? t : best }')
		best=$t
		awk -v t="$t" 'BEGIN { exit !(t > 1000) }' && break
	done
	echo "$best"
}

# rows: MODEL SECONDS BACKEND GRID COMPILE RUN MPTS GRAD DIFF, or
# MODEL SECONDS BACKEND failed WORDS...
: >"$B/rows"
for f in "$REPO"/examples/*.dpm "$HERE/stiff.dpm" "$HERE/membrane.dpm"; do
	name=$(basename "$f" .dpm) secs=1
	[ "$name" = stiff ] && secs=10
	# cc first: its render is the target of every backend's gradient
	# and the output the others are compared with
	target=""
	: >"$B/model.rows"
	for be in cc tcc llvm; do
		if ! s=$(render "$f" $be $secs); then
			echo "$name $secs $be failed $(firstwords "$B/st")" >>"$B/model.rows"
			status=1
			continue
		fi
		if [ -z "$target" ]; then
			target=$B/target.wav
			cp "$B/$be.wav" "$target"
			d=-
		else
			d=$(wavdiff "$B/$be.wav" "$target")
			awk -v d="$d" 'BEGIN { exit !(d == "inf" || d > 1e-6) }' && status=1
		fi
		if ! g=$(grad "$f" $be "$target"); then
			echo "$name $secs $be failed (grad) $(firstwords "$B/st")" >>"$B/model.rows"
			status=1
			continue
		fi
		g1=-
		if command -v taskset >/dev/null 2>&1 && ! g1=$(grad "$f" $be "$target" one); then
			echo "$name $secs $be failed (grad, one processor) $(firstwords "$B/st")" >>"$B/model.rows"
			status=1
			continue
		fi
		echo "$name $secs $be $(echo "$s" | awk '{ print $4, $1, $2, $3 }') $g $d $g1" >>"$B/model.rows"
	done
	for be in $BACKENDS; do
		awk -v be=$be '$3 == be' "$B/model.rows" >>"$B/rows"
	done
done

echo "## dpm bench"
echo
echo "$(uname -m), $(grep -m 1 'model name' /proc/cpuinfo 2>/dev/null |
	sed 's/.*: //'), $(nproc 2>/dev/null) cores; cc $($CC -dumpversion);" \
     "$("$DPMC" --version 2>/dev/null)" \
     "($(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?'));" \
     "best of $RUNS"
echo
echo "### Models and backends"
echo
echo "examples/*.dpm and tests/bench's stiff and membrane; 1 s of audio" \
     "each, the stiff string 10 s.  compile ms: the" \
     "backend's compile of the model (cc: into an empty cache; a cached" \
     "object loads in a few ms).  run ms, Mpts/s: \`dpmc render --stats\`" \
     "(grid points x steps per second).  grad/fwd: \`dpmc grad --stats\`," \
     "forward with checkpoints plus backward (run_ms + grad_ms), over the" \
     "render's run ms (target <= 3); 1 cpu: the same under taskset -c 0," \
     "one thread (issue 9: at most 3).  x ref C: the hand-written C's run ms" \
     "(cc -O3 -march=native, same duration) over this one's: 1.0 or more is" \
     "as fast as the reference or faster (llvm's target); '-' where there" \
     "is no reference.  vs cc: max |output - cc's| / peak of the 32-bit" \
     "render (want < 1e-6)."
echo
awk -v refs="$(cat "$B/bench.out")" '
	BEGIN {
		n = split(refs, l, "\n")
		for (i = 1; i <= n; i++) {
			split(l[i], w, " ")
			if (w[2] == "reference")
				ref[(w[1] == "stiff_string" ? "stiff" : w[1]) " " w[3]] = w[4]
		}
		printf "| %-13s | %3s | %-8s | %-7s | %10s | %9s | %7s | %8s | %5s | %8s | %7s |\n",
		       "model", "s", "grid", "backend", "compile ms", "run ms",
		       "Mpts/s", "grad/fwd", "1 cpu", "x ref C", "vs cc"
		print "|---------------|----:|----------|---------|-----------:|" \
		      "----------:|--------:|---------:|------:|---------:|--------:|"
	}
	$4 == "failed" {
		why = $5; for (i = 6; i <= NF; i++) why = why " " $i
		printf "| %-13s | %3s | %-8s | %-7s | (failed: %s) | | | | | | |\n",
		       $1, $2, "", $3, why
		next
	}
	{
		r = ref[$1 " " $2]
		x = r != "" ? sprintf("%.2f", r / $6) : "-"
		one = $10 != "" && $10 != "-" ? sprintf("%.2f", $10 / $6) : "-"
		printf "| %-13s | %3s | %-8s | %-7s | %10.1f | %9.1f | %7.0f | %8.2f | %5s | %8s | %7s |\n",
		       $1, $2, $4, $3, $5, $6, $7, $8 / $6, one, x, $9
		if ($9 != "-" && ($9 == "inf" || $9 + 0 > 1e-6))
			bad = bad sprintf("\n- %s: the %s output differs from cc'"'"'s by %s of the peak", $1, $3, $9)
	}
	END { if (bad != "") print bad }' "$B/rows"
echo

# ---- 2. the reference table ----
echo "### Hand-written C against dpmc build"
echo
echo "Both built with cc $FLAGS into bench.c;" \
     "compile ms: cc -c of the one file, best of 3.  ratio: run time over" \
     "the reference's (10 s)."
echo
printf '| %-13s | %-20s | %10s | %9s | %10s | %11s | %6s |\n' model impl \
	"compile ms" "run ms 1s" "run ms 10s" "Mpts/s 10s" ratio
echo "|---------------|----------------------|-----------:|----------:|-----------:|------------:|-------:|"
for m in stiff_string membrane; do
	case $m in stiff_string) c_gen=$cms_stiff c_ref=$cms_rstiff ;;
	           *) c_gen=$cms_mem c_ref=$cms_rmem ;; esac
	ref10=$(awk -v m=$m '$1 == m && $2 == "reference" && $3 == 10 { print $4 }' "$B/bench.out")
	for impl in reference generated; do
		c=$c_ref label="hand-written C"
		[ $impl = generated ] && c=$c_gen label="dpmc build"
		awk -v m=$m -v impl=$impl -v c="$c" -v label="$label" -v ref="$ref10" '
			$1 == m && $2 == impl { t[$3] = $4; p[$3] = $5 }
			END { printf "| %-13s | %-20s | %10s | %9.1f | %10.1f | %11.1f | %6.2f |\n",
			      m, label, c, t[1], t[10], p[10], t[10] / ref }' "$B/bench.out"
	done
done
echo
sed 's/^bench: /- agreement (1 s, generated vs reference): /' "$B/bench.err"
echo

# ---- 3. the REPL: a param change plus a 1 s stiff-string render ----
# repl BACKEND: the median over 5 of `set f0 ...` + `render 1`, in ms, as
# the REPL's `time` reports each ("set ms render ms sum"); or status 1
repl() {
	{
		echo "backend $1"
		echo "load $HERE/stiff.dpm"
		echo "render 1 $B/repl.wav"
		for f in 111 112 113 114 115; do
			echo "set f0 $f"
			echo time
			echo "render 1 $B/repl.wav"
			echo time
		done
	} | "$DPMC" repl >"$B/repl.out" 2>"$B/st" || return 1
	awk '$1 == "set:" { s = $2 } $1 == "render:" && s != "" { print s, $2, s + $2; s = "" }' \
	    "$B/repl.out" | sort -n -k 3 | sed -n 3p | grep . ||
		{ echo "no timings from the REPL's time command" >>"$B/st"; return 1; }
}
echo "### The REPL: a param change plus a 1 s stiff-string render"
echo
echo "\`dpmc repl\` on a script: load stiff.dpm, render once, then" \
     "\`set f0 ...\`, \`time\`, \`render 1 x.wav\`, \`time\`, five times;" \
     "the median of set + render as \`time\` reports them (target < 50 ms)."
echo
echo "| backend | set ms | render ms | set + render ms |"
echo "|---------|-------:|----------:|----------------:|"
for be in $BACKENDS; do
	if r=$(repl $be); then
		echo "$r" | awk -v be=$be '{ printf "| %-7s | %6.1f | %9.1f | %15.1f |\n", be, $1, $2, $3 }'
	else
		printf '| %-7s | (failed: %s) | | |\n' $be "$(firstwords "$B/st")"
		status=1
	fi
done
echo

# ---- 4. end to end: wall time of a whole render, best of 5 ----
wall() {
	best=""
	for i in 1 2 3 4 5; do
		t0=$(ms)
		"$DPMC" render "$HERE/stiff.dpm" -o "$B/e.wav" -d 1 --backend "$1" \
		    2>"$B/st" || return 1
		t=$(awk -v a="$t0" -v b="$(ms)" 'BEGIN { printf "%.1f", b - a }')
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	echo "$best"
}
echo "### End to end"
echo
for be in $BACKENDS; do
	if w=$(wall $be); then
		printf -- '- `dpmc render stiff.dpm -d 1 --backend %s`: %s ms wall%s\n' \
			$be "$w" "$([ $be = cc ] && echo ' (the object cached)')"
	else
		printf -- '- `dpmc render stiff.dpm -d 1 --backend %s`: (failed: %s)\n' \
			$be "$(firstwords "$B/st")"
		status=1
	fi
done
echo

# ---- 5. gradients of the generated C ----
echo "### Gradients of the generated C"
echo
if ! grep -q '_backward' "$B/stiff_string.h" "$B/membrane.h" 2>/dev/null; then
	echo "- the generated code has no P_backward yet"
	exit $status
fi
if ! "$DPMC" build "$REPO/examples/guitar.dpm" -o "$B/guitar.c" 2>"$B/err" ||
   ! model_o guitar ||
   ! $CC $FLAGS -I"$B" -o "$B/bench_grad" "$HERE/bench_grad.c" \
    "$B/stiff_string.o" "$B/membrane.o" "$B/guitar.o" -lm -pthread; then
	echo "bench: cannot build bench_grad.c"
	exit 1
fi
if ! "$B/bench_grad" time "$RUNS" >"$B/grad.out"; then
	echo "bench: bench_grad failed"
	exit 1
fi
# the same while busy loops want one processor, then both (the median:
# under load the best run is luck); killed on every way out
busy=""
trap 'kill $busy 2>/dev/null; rm -rf "$B"' EXIT INT TERM
for i in 1 2; do
	sh -c 'while :; do :; done' &
	busy="$busy $!"
	if ! "$B/bench_grad" time "$RUNS" median >"$B/load$i.out"; then
		kill $busy 2>/dev/null
		echo "bench: bench_grad under load failed"
		exit 1
	fi
done
kill $busy 2>/dev/null
wait $busy 2>/dev/null
busy=""
echo "\`dpmc build\` with cc $FLAGS (bench_grad.c): the gradient of" \
     "L = 0.5 sum y^2 with respect to every param, P_forward + P_backward," \
     "over a render (P_run), best of $RUNS: on the threads the machine" \
     "gives (at most 2; one while the load average is above 2.5, after" \
     "a backward held up, or for a small model, whose segments are as short" \
     "as a thread's wake) and with P_set_threads(m, 1) (target <= 3), which" \
     "must give the same bits; that one thread's forward (the checkpoints)" \
     "and backward (each segment made again, about one render, then swept" \
     "back) apart.  Under load: the median of $RUNS while one busy loop," \
     "then two, run, each ratio against the render of the same run (the" \
     "gradient should cost no more than on one thread)."
echo
printf '| %-13s | %7s | %9s | %11s | %5s | %8s | %9s | %8s | %11s | %11s | %12s | %12s |\n' model seconds \
	"render ms" "gradient ms" ratio "1 thread" "1: forward" backward "1 loop" "1 loop, 1 t" "2 loops" "2 loops, 1 t"
echo "|---------------|--------:|----------:|------------:|------:|---------:|----------:|---------:|------------:|------------:|-------------:|-------------:|"
awk 'FILENAME ~ /load1/ { k = $1 " " $2; a[k] = $4 / $3; a1[k] = $5 / $3; next }
     FILENAME ~ /load2/ { k = $1 " " $2; b[k] = $4 / $3; b1[k] = $5 / $3; next }
     { k = $1 " " $2
       printf "| %-13s | %7s | %9.1f | %11.1f | %5.2f | %8.2f | %10.2f | %8.2f | %11.2f | %11.2f | %12.2f | %12.2f |\n",
              $1, $2, $3, $4, $4 / $3, $5 / $3, $6 / $3, ($5 - $6) / $3, a[k], a1[k], b[k], b1[k] }' \
    "$B/load1.out" "$B/load2.out" "$B/grad.out"
echo
mb=$("$B/bench_grad" mem 2 | awk '{ print $3 }')
echo "- peak memory of a 2 s membrane gradient (ru_maxrss): ${mb:-(failed)} MB (target < 200)"
[ -n "$mb" ] || status=1
# and through dpmc grad, which holds the compiler, the JIT and the loss too
if [ -x /usr/bin/time ] && "$DPMC" render "$HERE/membrane.dpm" --raw -d 2 \
    -o "$B/m2.wav" 2>"$B/err"; then
	for be in $BACKENDS; do
		kb=$(/usr/bin/time -f '%M' -o "$B/rss" "$DPMC" grad "$HERE/membrane.dpm" \
		     --target "$B/m2.wav" --backend $be --set c=201 >/dev/null 2>"$B/err" &&
		     cat "$B/rss")
		echo "- peak memory of \`dpmc grad\` of that membrane, 2 s, --backend $be:" \
		     "$(awk -v k="$kb" 'BEGIN { if (k + 0 > 0) printf "%.0f MB", k / 1024; else print "(failed)" }')" \
		     "(target < 200)"
	done
fi
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
		awk 'NR == FNR { if ($1 == "stiff_string" && $2 == 1) { d = $4; l = $7 }; next }
		     { printf "- pytorch autograd, same scheme, stiff string 1 s, one" \
		       " thread: %.1f ms, dpmc %.1f ms: ratio %.0f (target >= 500);" \
		       " loss %.10g vs %.10g\n", $3, d, $3 / d, $4, l }' \
		    "$B/grad.out" "$B/torch.out"
	else
		echo "- pytorch: torch_stiff.py failed: $(tail -n 3 "$B/err")"
	fi
else
	echo "- pytorch: python3 has no torch (Debian: python3-torch); comparison skipped"
fi

echo
echo "## Real time: dpm_process in blocks of 64 (rtf.c; goal >= 100x for the strings)"
echo
echo "Each example built with \`dpmc build -o M.c\`, compiled with $FLAGS, 2 s of audio, best of $RUNS;"
echo "real-time factor = seconds of audio per second of one core."
echo
echo "| model | rate | grid | real-time factor | us per block of 64 |"
echo "|---|---:|---:|---:|---:|"
for f in "$REPO"/examples/*.dpm; do
	nm=$(basename "$f" .dpm)
	mkdir -p "$B/rtf-$nm"
	if "$DPMC" build "$f" -o "$B/rtf-$nm/model.c" 2>"$B/err" &&
	   $CC $FLAGS -I"$B/rtf-$nm" -o "$B/rtf-$nm/rtf" "$HERE/rtf.c" "$B/rtf-$nm/model.c" -lm 2>>"$B/err" &&
	   "$B/rtf-$nm/rtf" 2 "$RUNS" >"$B/rtf.out" 2>>"$B/err"; then
		awk -v f="$nm" '{ printf "| %s | %s | %s | %sx | %s |\n", f, $2, $3, $4, $5 }' "$B/rtf.out"
	else
		echo "| $nm | failed: $(tail -n 2 "$B/err" | tr '\n' ' ') | | | |"
		status=1
	fi
done

echo
echo "## gradients through nets (tests/bench/nets.sh: issue 10's measure)"
echo
DPMC=$DPMC REPO=$REPO sh "$HERE/nets.sh" || status=1

echo
echo "## fit with its defaults (tests/bench/fits.sh: issue 9's measure)"
echo
DPMC=$DPMC REPO=$REPO sh "$HERE/fits.sh" || status=1

echo
DPMC=$DPMC REPO=$REPO sh "$HERE/train.sh" || status=1
echo
DPMC=$DPMC REPO=$REPO sh "$HERE/bass_net.sh" || status=1

echo
echo "## several parts (tests/bench/parts.sh: issue 11's measure)"
echo
DPMC=$DPMC REPO=$REPO sh "$HERE/parts.sh" || status=1

echo
echo "## nonlinear schemes against linear models (tests/bench/nonlin.sh: issue 12's measure)"
echo
DPMC=$DPMC REPO=$REPO sh "$HERE/nonlin.sh" || status=1
exit $status
