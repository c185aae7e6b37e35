#!/bin/sh
# tests/bench/bass_net.sh — issue 10 part 6: examples/bass_net.dpm, a net
# from the note to the physics of a double-bass string, trained on three
# of the four recorded notes (examples/bass_net_train.csv, the first
# second of each) and judged on the fourth, C2, with fit's default loss:
# the prior alone (the untrained net), the trained net, and a fit of the
# same model to C2 alone (its net's weights, 300 steps).  Also each
# training note's loss with the net.
#
#   DPMC=./dpmc REPO=. sh tests/bench/bass_net.sh    (make bench runs it; ~2-3 min)
#
# env: RECORDINGS (else ../shared/data/recordings beside the repository,
# else /work/shared/data/recordings).

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
M=$REPO/examples/bass_net.dpm
rdir=${RECORDINGS:-$REPO/../shared/data/recordings}
[ -d "$rdir" ] || [ -n "${RECORDINGS:-}" ] || rdir=/work/shared/data/recordings
B=$(mktemp -d "${TMPDIR:-/tmp}/dpm-bench-net.XXXXXX") || exit 1
trap 'rm -rf "$B"' EXIT INT TERM
XDG_CACHE_HOME=$B/cache
export XDG_CACHE_HOME

echo "## A net over the double-bass notes (tests/bench/bass_net.sh)"
echo
if [ ! -f "$rdir/pizz_c2_vl3_rr1.wav" ] || ! command -v sox >/dev/null; then
	echo "no recordings in $rdir (set RECORDINGS=DIR), or no sox: skipped"
	exit 0
fi
# the example's CSVs with the recordings where they are here
sed "s|^\.\./\.\./shared/data/recordings|$rdir|" "$REPO/examples/bass_net_train.csv" >"$B/train.csv"
grep '^file\|c2' "$REPO/examples/bass_net.csv" | sed "s|^\.\./\.\./shared/data/recordings|$rdir|" >"$B/c2.csv"
sox "$rdir/pizz_c2_vl3_rr1.wav" "$B/c2.wav" trim 0 1
cents=$(awk -F, '/c2/ { print $3 }' "$B/c2.csv")

loss() {       # loss [dpmc options]: C2's first second, spec
	"$DPMC" grad "$M" --target "$B/c2.wav" --loss spec --set note=36 --set cents="$cents" "$@" 2>>"$B/err" |
		sed -n 's/^{"loss": \([^,]*\),.*/\1/p'
}
t0=$(date +%s)
"$DPMC" train "$M" --data "$B/train.csv" -d 1 --fit tone --epochs 150 --lr 0.03 -o "$B/net.json" 2>"$B/train.err" ||
	{ echo "train failed: $(tail -n 3 "$B/train.err")"; exit 1; }
t1=$(date +%s)
"$DPMC" fit "$M" --data "$B/c2.csv" -d 1 --fit tone --steps 300 --lr 0.03 -o "$B/c2fit.json" 2>"$B/fit.err" ||
	{ echo "fit failed: $(tail -n 3 "$B/fit.err")"; exit 1; }
t2=$(date +%s)
prior=$(loss)
net=$(loss --params "$B/net.json")
own=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["items"][0]["loss"])' "$B/c2fit.json")
echo "Trained on Gb1, A1, Eb2 (150 epochs, $((t1 - t0)) s); judged on C2, the first second, loss spec"
echo "(C2 given its note and tuning, $cents cents); load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo
echo "| C2 with | loss |"
echo "|---|---:|"
echo "| the prior alone (untrained net) | $prior |"
echo "| the net trained on the other three notes | $net |"
echo "| a fit to C2 alone (the net's weights, 300 steps, $((t2 - t1)) s) | $own |"
echo
echo "The training notes with the trained net: $(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(", ".join("%s %.4f" % (i["file"].split("/")[-1], i["loss"]) for i in d["items"]))' "$B/net.json")."
