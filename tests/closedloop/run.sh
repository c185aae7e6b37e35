#!/bin/sh
# tests/closedloop/run.sh — the issue's closed loop: render the stiff
# string of string.dpm with known params, fit all six (f0, B, T60lo,
# T60hi, xe, xo) from a perturbed start, and recover f0 within 0.05 % and
# the others within 5 %.  (tests/fit checks an f0-only loop on an ideal
# string; this one is the whole stiff string at once.)
#
# Three fits, each from its own start, f0 1.2-1.9 % off and every other
# param 10-20 % off, signs mixed: two with mse, one with mrstft.  Start A
# goes along the hard direction, f0 high and B low (partial n sits near
# n f0 sqrt(1 + B n^2), so the two trade against each other and the loss
# has a long valley there).  Why these settings:
#   - --lr 0.1, 300 steps: the fit crawls along that valley.  Of 30
#     random starts (perturbed like these), at the default --lr 0.05, 12
#     were still off by more than the tolerance after 150 steps and none
#     after 300; at --lr 0.1, 2 after 150 steps and none after 200, and
#     after 300 every param was within 2e-4 of the truth.  300 steps at
#     0.1 leave a margin of both.
#     mrstft, 300 steps, the same 30 starts: f0 within 4.3e-5, the others
#     within 0.3 %.  (Those rates were in the old units of --lr, a
#     quarter of each range per unit; issue 9 made a unit an e-fold
#     (rt_free_scale), with a warmup and a cosine decay: --lr 0.02 is
#     about the old 0.1 for these ranges, and 0.01, the default, leaves
#     T60hi of start A 6 % off after 300 steps.)
#   - a target of 0.2 s and a forced grid of 60 intervals (see string.dpm
#     for why the grid is forced): a fit takes about 0.5 s.
#   - --backend cc: the model's kernels, compiled by cc, are never
#     sanitized, so under a SANITIZE=1 dpmc this suite still takes a few
#     seconds.
# env: DPMC, REPO.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
MODEL=$REPO/tests/closedloop/string.dpm
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-closedloop.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
SUITE=closedloop
. "$REPO/tests/lib.sh"

# the truth, and the tolerance each param must be recovered to
PARAMS="f0 B T60lo T60hi xe xo"
truth() {
	case $1 in
	f0) echo 200 ;; B) echo 3e-4 ;; T60lo) echo 0.5 ;; T60hi) echo 0.15 ;; xe) echo 0.13 ;; xo) echo 0.3 ;;
	esac
}
tol() {
	[ "$1" = f0 ] && echo 0.0005 || echo 0.05
}

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

set_truth=""
for p in $PARAMS; do
	set_truth="$set_truth --set $p=$(truth "$p")"
done
# shellcheck disable=SC2086
if ! "$DPMC" render "$MODEL" --backend cc --raw -d 0.2 -o "$T/target.wav" $set_truth 2>"$T/err"; then
	fail setup "render: $(cat "$T/err")"
	exit 1
fi

# fit NAME LOSS f0 B T60lo T60hi xe xo: fit all params from that start
fit() {
	name=$1 loss=$2
	shift 2
	set_start="--set f0=$1 --set B=$2 --set T60lo=$3 --set T60hi=$4 --set xe=$5 --set xo=$6"
	# the start must be off by more than the tolerance in every param, or
	# a fit that does nothing would pass
	for p in $PARAMS; do
		case $p in f0) v=$1 ;; B) v=$2 ;; T60lo) v=$3 ;; T60hi) v=$4 ;; xe) v=$5 ;; xo) v=$6 ;; esac
		if within "$v" "$(truth "$p")" "$(tol "$p")"; then
			fail "$name" "the start $p = $v is already within the tolerance"
			return
		fi
	done
	# shellcheck disable=SC2086
	"$DPMC" fit "$MODEL" --backend cc --target "$T/target.wav" --loss "$loss" \
		--fit f0,B,T60lo,T60hi,xe,xo --lr 0.02 --steps 300 $set_start \
		-o "$T/$name.json" --loss-curve "$T/$name.csv" >"$T/out" 2>"$T/err"
	st=$?
	if [ "$st" != 0 ] || [ ! -s "$T/$name.json" ]; then
		fail "$name" "dpmc fit exited $st: $(tail -c 300 "$T/err")"
		return
	fi
	if grep -q 'rejected\|gives up' "$T/err"; then
		fail "$name-no-retries" "grid 60 is stable over the whole box, yet: $(grep 'rejected\|gives up' "$T/err" | head -n 2)"
	else
		pass "$name-no-retries"
	fi
	bad=""
	got=""
	for p in $PARAMS; do
		v=$(json_num "$p" "$T/$name.json")
		got="$got $p=$v"
		within "$v" "$(truth "$p")" "$(tol "$p")" || bad="$bad $p"
	done
	l0=$(sed -n 2p "$T/$name.csv" | cut -d, -f2)
	l1=$(json_num loss "$T/$name.json")
	if [ -z "$bad" ]; then
		pass "$name"
	else
		fail "$name" "off by more than the tolerance (f0 0.05 %, others 5 %):$bad; fitted$got; loss $l0 -> $l1"
	fi
	# the loss of the fitted params must be far below the start's: the
	# target is the model itself, so the minimum is 0 (float rounding of
	# the target aside)
	if awk -v a="$l1" -v b="$l0" 'BEGIN { exit !(a != "" && b != "" && a >= 0 && a < b / 100) }'; then
		pass "$name-loss-falls"
	else
		fail "$name-loss-falls" "loss $l0 at the start, $l1 fitted"
	fi
}

# start A: f0 +1.9 %, B -19 %, T60lo +18 %, T60hi -20 %, xe +15 %, xo -15 %
# start B: f0 -1.5 %, B +17 %, T60lo -14 %, T60hi +16 %, xe -18 %, xo +18 %
# start C: f0 -1.2 %, B -13 %, T60lo +12 %, T60hi +13 %, xe +12 %, xo -10 %
#   name      loss    f0     B        T60lo  T60hi  xe     xo
fit mse-a     mse     203.8  2.43e-4  0.59   0.12   0.149  0.255
fit mse-b     mse     197    3.51e-4  0.43   0.174  0.107  0.354
fit mrstft-c  mrstft  197.6  2.61e-4  0.56   0.17   0.146  0.27

# A bar's closed loop with the defaults (a probe's): examples/marimba_bar.dpm
# on its own grid (22 intervals), f1, depth and T60 from 11 %, 18 % and
# 25 % off.  Its modes move with the grid: the fit's last grid, 0.5 %
# coarser than the finest, took a whole interval off (floor(22 / 1.005))
# and the fit left the truth it had reached for that grid's (f1 226.4,
# T60 1.10); now the margin's intervals are rounded (none here).
BAR=$REPO/examples/marimba_bar.dpm
if "$DPMC" render "$BAR" --backend cc -d 0.3 --set f1=230 --set depth=0.55 --set T60=1.2 \
	-o "$T/bar.wav" 2>"$T/err" &&
   "$DPMC" fit "$BAR" --backend cc --target "$T/bar.wav" --fit f1,depth,T60 --steps 150 \
	--set f1=255 --set depth=0.45 --set T60=1.5 -o "$T/bar.json" >"$T/out" 2>"$T/err"; then
	f1=$(json_num f1 "$T/bar.json") dp=$(json_num depth "$T/bar.json") t60=$(json_num T60 "$T/bar.json")
	if within "$f1" 230 0.002 && within "$dp" 0.55 0.01 && within "$t60" 1.2 0.02; then
		pass "bar-defaults (f1 $f1, depth $dp, T60 $t60)"
	else
		fail bar-defaults "f1 $f1 (230, 0.2 %), depth $dp (0.55, 1 %), T60 $t60 (1.2, 2 %)"
	fi
else
	fail bar-defaults "$(tail -c 300 "$T/err")"
fi
exit 0
