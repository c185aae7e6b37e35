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
	"$@" "$DPMC" train "$M" --data "$B/set.csv" --fit T60lo,T60hi,xe,B --epochs "$EPOCHS" --threads "$th" \
		-o "$B/$name.json" 2>"$B/$name.err" >/dev/null
	st=$?
	t1=$(ms)
	eps=$(sed -n 's/^train: epoch .*(\([0-9.]*\) epochs\/s.*/\1/p' "$B/$name.err" | tail -n 1)
	echo "$eps $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')" >"$B/$name.t"
	[ "$st" = 0 ] || { echo "- $name failed: $(tail -n 3 "$B/$name.err")"; status=1; }
}
one t1 1
one t2 2
OMPI_MCA_btl_vader_single_copy_mechanism=none \
	one r2 1 mpirun $root --oversubscribe -np 2

echo "| run | epochs/s | s per epoch | speed-up (epochs) | whole command, s | speed-up (whole) |"
echo "|---|---:|---:|---:|---:|---:|"
for r in t1 t2 r2; do
	case $r in t1) what="1 thread" ;; t2) what="2 threads" ;; r2) what="2 MPI processes x 1 thread" ;; esac
	paste -d' ' "$B/$r.t" "$B/t1.t" | awk -v w="$what" '{
		printf "| %s | %.3f | %.3f | %.2fx | %.2f | %.2fx |\n", w, $1, ($1 > 0 ? 1 / $1 : 0),
		       ($3 > 0 ? $1 / $3 : 0), $2 / 1e3, ($2 > 0 ? $4 / $2 : 0) }'
done
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
