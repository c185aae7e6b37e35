#!/bin/sh
# tests/bench/train.sh — how `dpmc train` scales with threads and MPI
# ranks (issue 10: goal >= 1.8x from 1 to 2 on two processors).
#
#   DPMC=./dpmc REPO=. sh tests/bench/train.sh      (make bench runs it)
#
# The dataset: examples/bass_fit.dpm rendered at eight pitches, 60..67 Hz
# (a CSV column f0, so rows cost about the same), 0.5 s each at 44.1 kHz;
# train moves T60lo, T60hi, xe and B from the defaults, one batch of all
# rows, EPOCHS epochs.  Timed: the epochs alone (train's own epochs/s on
# its last progress line, compile and setup left out) and the whole
# command; on 1 thread, 2 threads, and 2 MPI processes of 1 thread each.
# The three must write the same bits (else the exit status is 1).  Other
# programs on the machine change the numbers: the load average is
# printed before and after.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
EPOCHS=${EPOCHS:-6}
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bench-train.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
XDG_CACHE_HOME=$B/cache
export XDG_CACHE_HOME
M=$REPO/examples/bass_fit.dpm
status=0

ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "## train: threads and MPI ranks (tests/bench/train.sh)"
echo
echo "bass_fit.dpm, 8 rows (f0 60..67 Hz, 0.5 s at 44.1 kHz), --fit T60lo,T60hi,xe,B, $EPOCHS epochs,"
echo "one batch; $(nproc) processors; load average before: $(load)."
echo
# what the machine gives two threads now: a loop of arithmetic on 1 and
# on 2 threads (other programs take their share)
cat >"$B/spin.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static void *spin(void *a) { volatile double x = 0; long i; for (i = 0; i < 200000000L; i++) x += 1e-9; return a; }
int main(void)
{
	pthread_t t[2];
	double t0, t1, t2;
	t0 = now(); spin(NULL); t1 = now();
	pthread_create(&t[0], NULL, spin, NULL); pthread_create(&t[1], NULL, spin, NULL);
	pthread_join(t[0], NULL); pthread_join(t[1], NULL); t2 = now();
	printf("%.2f\n", 2 * (t1 - t0) / (t2 - t1));
	return 0;
}
EOF
spin=$(${CC:-cc} -O1 -pthread -o "$B/spin" "$B/spin.c" 2>/dev/null && "$B/spin")
echo "A loop of arithmetic runs ${spin:-?}x faster on 2 threads than on 1 right now (2.00x on an"
echo "idle machine): about the most the runs below can get."
echo
echo "file,f0" >"$B/set.csv"
for f in 60 61 62 63 64 65 66 67; do
	"$DPMC" render "$M" -d 0.5 --raw --set f0=$f --set T60lo=5 --set T60hi=0.4 --set xe=0.25 --set B=2e-5 \
		-o "$B/f$f.wav" 2>"$B/err" || { echo "render failed: $(cat "$B/err")"; exit 1; }
	echo "f$f.wav,$f" >>"$B/set.csv"
done

root=
[ "$(id -u)" = 0 ] && root=--allow-run-as-root
# one run: NAME THREADS [launcher words]; its epochs/s and wall ms in $B/NAME.t
one() {
	name=$1 th=$2
	shift 2
	t0=$(ms)
	/usr/bin/time -f '%U %S' -o "$B/$name.cpu" "$@" "$DPMC" train "$M" --data "$B/set.csv" \
		--fit T60lo,T60hi,xe,B --epochs "$EPOCHS" --threads "$th" -o "$B/$name.json" 2>"$B/$name.err" >/dev/null
	st=$?
	t1=$(ms)
	eps=$(sed -n 's/^train: epoch .*(\([0-9.]*\) epochs\/s.*/\1/p' "$B/$name.err" | tail -n 1)
	cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$B/$name.cpu")
	echo "$eps $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') $cpu" >"$B/$name.t"
	# dpmc's own error first: mpirun's summary of a rank that exited
	# 1 ends the file and says nothing of why
	[ "$st" = 0 ] || { echo "- $name failed: $(grep -m 1 'error' "$B/$name.err") ... $(tail -n 3 "$B/$name.err")"; status=1; }
}
one t1 1
one t2 2
OMPI_MCA_btl_vader_single_copy_mechanism=none \
	one r2 1 mpirun $root --oversubscribe -np 2

echo "| run | epochs/s | s per epoch | speed-up (epochs) | whole command, s | speed-up (whole) | processor s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for r in t1 t2 r2; do
	case $r in t1) what="1 thread" ;; t2) what="2 threads" ;; r2) what="2 MPI processes x 1 thread" ;; esac
	paste -d' ' "$B/$r.t" "$B/t1.t" | awk -v w="$what" '{
		printf "| %s | %.3f | %.3f | %.2fx | %.2f | %.2fx | %.2f |\n", w, $1, ($1 > 0 ? 1 / $1 : 0),
		       ($4 > 0 ? $1 / $4 : 0), $2 / 1e3, ($2 > 0 ? $5 / $2 : 0), $3 }'
done
echo
echo "(processor s: user + system time of the whole command, every thread and process: the work"
echo "done, which the threads and processes should not add to.)"
echo
echo "Load average after: $(load)."
for r in t2 r2; do
	if cmp -s "$B/t1.json" "$B/$r.json"; then
		echo "- $r wrote the same bits as 1 thread."
	else
		echo "- $r DIFFERS from 1 thread: $(diff "$B/t1.json" "$B/$r.json" | head -c 300)"
		status=1
	fi
done
exit $status
