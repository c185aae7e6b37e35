#!/bin/sh
# tests/memory/run.sh — out of memory at every allocation in turn (SQLite's
# and Lua's OOM loops): each command on a small 1-D and a small 2-D model
# is run once to count its allocations (DPMC_FAIL_ALLOC_COUNT), then again
# with the k-th one failing (DPMC_FAIL_ALLOC=k lets k succeed) for every k,
# or, when there are many, for the first FIRST and the last LAST and an
# even sample of SAMPLE in between; MEMTEST_ALL=1 takes every k, and
# MEMTEST_ONLY=PATTERN (a shell pattern) runs only the sweeps it names.  Each
# failing run must exit 1 with an error message, never a signal or a hang,
# and leave no output file and no temporary file beside it; k = count must
# succeed, which checks the count.  The hook covers mem_alloc, the model's
# code compiled in-process by TinyCC and dpmc's build of the runtime.
# oomhost.c does the same for the generated C built with cc and embedded
# in a C program, with its malloc renamed to a counting one.
# env: DPMC (the dpmc to test), REPO (the repo root), CC.
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-memory.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
XDG_CACHE_HOME=$T/cache
# an exit(1) need not free: leaks at exit are not this suite's business
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export XDG_CACHE_HOME ASAN_OPTIONS
FIRST=${FIRST:-8}
LAST=${LAST:-30}
SAMPLE=${SAMPLE:-12}

STR=$REPO/tests/cli/ideal_string.dpm
MEM=$REPO/tests/cli/membrane.dpm

pass() { echo "PASS memory/$1"; }
fail() { echo "FAIL memory/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 600)"; }

# a short target for grad, rendered without the hook
"$DPMC" render "$STR" -d 0.05 -o "$T/str.wav" 2>"$T/err" &&
	"$DPMC" render "$MEM" -d 0.005 -o "$T/mem.wav" 2>>"$T/err" ||
	{ fail setup "cannot render the targets: $(cat "$T/err")"; exit 1; }

# the k to try out of n allocations, one a line
ks() {
	n=$1
	if [ "${MEMTEST_ALL:-0}" = 1 ] || [ "$n" -le $((FIRST + LAST + SAMPLE)) ]; then
		seq 0 $((n - 1))
		return
	fi
	seq 0 $((FIRST - 1))
	i=1
	while [ "$i" -le "$SAMPLE" ]; do
		echo $((FIRST + (n - LAST - FIRST) * i / (SAMPLE + 1)))
		i=$((i + 1))
	done
	seq $((n - LAST)) $((n - 1))
}

# sweep NAME OUT -- dpmc args...: OUT is the path the command writes
# (under $T/o, which must hold nothing else), or - when it writes none.
sweep() {
	name=$1 out=$2
	shift 3
	case $name in ${MEMTEST_ONLY:-*}) ;; *) return ;; esac
	rm -rf "$T/o"
	mkdir "$T/o"
	# once first, so that the count is of a run like the ones below: the
	# cc backend (fit's default) compiles on its first run only, then
	# loads the cached object
	"$DPMC" "$@" >/dev/null 2>&1
	rm -rf "$T/o"
	mkdir "$T/o"
	DPMC_FAIL_ALLOC_COUNT=1 "$DPMC" "$@" >"$T/out" 2>"$T/err"
	st=$?
	n=$(sed -n 's/^dpmc: allocations: \([0-9][0-9]*\)$/\1/p' "$T/err")
	if [ "$st" != 0 ] || [ -z "$n" ]; then
		fail "$name" "the counting run exited $st: $(tail -c 300 "$T/err")"
		return
	fi
	bad="" nbad=0 tried=0 oom=0
	for k in $(ks "$n") "$n"; do
		rm -rf "$T/o"
		mkdir "$T/o"
		DPMC_FAIL_ALLOC=$k timeout 60 "$DPMC" "$@" >"$T/out" 2>"$T/err"
		st=$?
		why=""
		if [ "$k" = "$n" ]; then
			[ "$st" = 0 ] || why="exit $st with all $n allocations allowed"
		elif [ "$st" = 124 ]; then
			why="hung"
		elif [ "$st" -gt 128 ]; then
			why="killed by signal $((st - 128))"
		elif grep -q 'Sanitizer\|runtime error:' "$T/err"; then
			why="sanitizer: $(grep -m1 'ERROR\|runtime error:' "$T/err")"
		elif [ "$st" != 1 ]; then
			why="exit $st, want 1"
		elif ! grep -q '^dpmc: error: \|: error: ' "$T/err"; then
			why="no error message: $(head -c 200 "$T/err")"
		elif [ "$out" != - ] && [ -e "$out" ]; then
			why="left $out"
		elif [ -n "$(ls -A "$T/o")" ]; then
			why="left $(ls -A "$T/o" | tr '\n' ' ')"
		fi
		if [ "$k" != "$n" ]; then
			tried=$((tried + 1))
			grep -q 'out of memory' "$T/err" && oom=$((oom + 1))
		fi
		if [ -n "$why" ]; then
			nbad=$((nbad + 1))
			[ "$nbad" -le 3 ] && bad="$bad [k=$k: $why]"
		fi
	done
	if [ "$nbad" = 0 ]; then
		pass "$name (failed $tried of $n allocations in turn, $oom said out of memory)"
	else
		fail "$name" "$nbad of $((tried + 1)) runs:$bad"
	fi
}

for m in STR MEM; do
	eval f=\$$m
	sweep "$m-check" - -- check "$f"
	sweep "$m-info" - -- info "$f"
	sweep "$m-emit-scheme" - -- emit "$f" --stage scheme
	sweep "$m-build" "$T/o/x.c" -- build "$f" -o "$T/o/x.c"
	sweep "$m-render" "$T/o/x.wav" -- render "$f" -d 0.005 -o "$T/o/x.wav"
done
# an executable: cc runs only when nothing failed
sweep STR-build-exe "$T/o/x" -- build "$STR" -o "$T/o/x"
sweep STR-grad - -- grad "$STR" --target "$T/str.wav"
sweep MEM-grad - -- grad "$MEM" --target "$T/mem.wav"
sweep STR-grad-mrstft - -- grad "$STR" --target "$T/str.wav" --loss mrstft
sweep STR-fit "$T/o/fit.json" -- fit "$STR" --target "$T/str.wav" --fit f0 --steps 2 -o "$T/o/fit.json"

# host NAME MODEL GRID SAMPLES: oomhost.c around MODEL's generated C,
# sanitized where the compiler can
host() {
	case oomhost-$1 in ${MEMTEST_ONLY:-*}) ;; *) return ;; esac
	d=$T/host-$1
	mkdir -p "$d"
	if ! "$DPMC" build "$2" -o "$d/m.c" 2>"$d/err"; then
		fail "oomhost-$1" "dpmc build: $(head -c 300 "$d/err")"
		return
	fi
	prefix=$(sed -n 's/.*[ *]\([A-Za-z0-9_]*\)_create(.*/\1/p' "$d/m.h" | head -n 1)
	for san in "-fsanitize=address,undefined" ""; do
		$CC -std=c99 -g -O1 $san -Dmalloc=oom_malloc -Dcalloc=oom_calloc \
			-Drealloc=oom_realloc -c -o "$d/m.o" "$d/m.c" 2>"$d/err" &&
			$CC -std=c99 -g -O1 $san -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" \
			-o "$d/oomhost" "$REPO/tests/memory/oomhost.c" "$d/m.o" -lm -lpthread \
			2>>"$d/err" && break
	done
	if [ ! -x "$d/oomhost" ]; then
		fail "oomhost-$1" "cannot build it: $(head -c 300 "$d/err")"
		return
	fi
	"$d/oomhost" "$3" "$4" >"$d/out" 2>"$d/err"
	st=$?
	if grep -q '^PASS \|^FAIL ' "$d/out"; then
		cat "$d/out"
		[ "$st" = 0 ] || grep -q '^FAIL ' "$d/out" || fail "oomhost-$1" "exit $st"
	else
		fail "oomhost-$1" "exit $st at $(tail -n 1 "$d/err"): $(grep -m1 'ERROR\|runtime error' "$d/err")"
	fi
}
host string "$STR" 40 300
host membrane "$MEM" 12,10 200
