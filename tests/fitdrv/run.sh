#!/bin/sh
# tests/fitdrv/run.sh — the fit driver (issue 9): the learning-rate
# schedule and the step scale against their closed forms (sched_test.c);
# --starts on a closed loop where the start given lies in the wrong
# valley of the pluck point, the best start winning, and the same result
# from two runs; the grid kept under a fit whose f0 moves 3 %; grad and
# fit on the fastest backend there, falling back silently when the llvm
# module is absent; bad --starts and --spread values.
# env: DPMC (the dpmc to test), REPO (the repo root), CC.
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/fitdrv
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-fitdrv.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
SUITE=fitdrv
. "$REPO/tests/lib.sh"
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME

P=$HERE/pluck.dpm

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

# ---- the schedule and the step scale, in C ----
if $CC -std=c11 -Wall -Wextra -Werror -O1 -I"$REPO/runtime" "$HERE/sched_test.c" "$REPO/runtime/optim.c" \
	-lm -o "$T/sched" 2>"$T/err"; then
	"$T/sched"
else
	fail sched-build "$(head -c 300 "$T/err")"
fi

# the target: the model at its defaults (xe = 0.13), 0.1 s
run "$DPMC" render "$P" --raw -d 0.1 -o "$T/t.wav"
[ "$st" = 0 ] || { fail setup "render: $(cat "$T/err")"; exit 1; }

# ---- --starts: the start given is in the wrong valley ----
# From xe = 0.42 the loss over xe leads to a valley near 0.33, not to the
# truth's at 0.13.  Four starts: the given one and xe at the Halton points
# 1/2, 1/4, 3/4 of [0.02, 0.5] (0.26, 0.14, 0.38); the one from 0.14
# finds 0.13 and wins.
run "$DPMC" fit "$P" --target "$T/t.wav" --fit xe --set xe=0.42 --steps 40 -o "$T/s1.json"
x1=$(json_num xe "$T/s1.json")
l1=$(json_num loss "$T/s1.json")
if [ "$st" = 0 ] && ! within "$x1" 0.13 0.2; then
	pass starts-one-wrong-valley
else
	fail starts-one-wrong-valley "exit $st, xe = $x1 from one start (the test needs it in the wrong valley)"
fi
run "$DPMC" fit "$P" --target "$T/t.wav" --fit xe --set xe=0.42 --steps 40 --starts 4 --stats \
	-o "$T/s4.json" --loss-curve "$T/s4.csv"
x4=$(json_num xe "$T/s4.json")
l4=$(json_num loss "$T/s4.json")
if [ "$st" = 0 ] && within "$x4" 0.13 0.005 && awk -v a="$l4" -v b="$l1" 'BEGIN { exit !(a < b / 10) }'; then
	pass starts-best-wins
else
	fail starts-best-wins "exit $st, xe = $x4 (want 0.13), loss $l4 against one start's $l1: $(tail -c 300 "$T/err")"
fi
grep -q '"starts": 4, "threads": [0-9]*, "best_start": 2,' "$T/err" && pass starts-stats \
	|| fail starts-stats "$(tail -n 1 "$T/err")"
# the loss curve is the winner's: it starts at its start, xe = 0.14
sed -n 2p "$T/s4.csv" | grep -q '^0,[-+0-9.eE]*,0\.1\(4\|39999*\)$' && [ "$(wc -l <"$T/s4.csv")" = 42 ] \
	&& pass starts-curve || fail starts-curve "$(head -n 3 "$T/s4.csv" | tr '\n' ' ')"
# the same bits again, whatever the threads did
run "$DPMC" fit "$P" --target "$T/t.wav" --fit xe --set xe=0.42 --steps 40 --starts 4 \
	-o "$T/s4b.json" --loss-curve "$T/s4b.csv"
cmp -s "$T/s4.json" "$T/s4b.json" && cmp -s "$T/s4.csv" "$T/s4b.csv" && pass starts-deterministic \
	|| fail starts-deterministic "$(cat "$T/s4.json") vs $(cat "$T/s4b.json")"
# one start at a time gives the same (each gradient on one thread or two:
# same bits, scheme.h)
run "$DPMC" fit "$P" --target "$T/t.wav" --fit xe --set xe=0.42 --steps 40 --starts 4 -o "$T/s4c.json"
cmp -s "$T/s4.json" "$T/s4c.json" && pass starts-deterministic-again \
	|| fail starts-deterministic-again "$(cat "$T/s4.json") vs $(cat "$T/s4c.json")"
# --spread: the starts spread over xo only leave xe where it was
run "$DPMC" fit "$P" --target "$T/t.wav" --fit xe,xo --set xe=0.42 --steps 2 --starts 3 --spread xo --stats -o "$T/sp.json"
[ "$st" = 0 ] && grep -q '"starts": 3' "$T/err" && pass spread || fail spread "exit $st: $(tail -c 300 "$T/err")"

# ---- the grid stays under a fit whose f0 moves 3 % ----
# The finest stable grid at the start (f0 = 194.17) is not the one at
# the truth (200): a fit that re-planned at every step would change it.
ga=$("$DPMC" info "$P" --set f0=194.17 --json | sed 's/.*"grid": \[\([0-9]*\)\].*/\1/')
gb=$("$DPMC" info "$P" --json | sed 's/.*"grid": \[\([0-9]*\)\].*/\1/')
[ -n "$ga" ] && [ "$ga" != "$gb" ] && pass grid-would-change || fail grid-would-change "grids $ga and $gb"
run "$DPMC" fit "$P" --target "$T/t.wav" --fit f0 --set f0=194.17 --no-pitch --loss mrstft --steps 30 --stats -o "$T/g.json" \
	--loss-curve "$T/g.csv"
f=$(json_num f0 "$T/g.json")
if [ "$st" = 0 ] && within "$f" 200 0.002; then
	pass grid-fit-moves
else
	fail grid-fit-moves "exit $st, f0 = $f, want 200: $(tail -c 300 "$T/err")"
fi
# (one new grid at most: the polish's, onto the grid a render of the
# values takes, 93 here, where the fit ran on 92)
grep -q '"regrids": [01]}$' "$T/err" && pass grid-kept || fail grid-kept "$(tail -n 1 "$T/err")"
# the fit starts on the grid a render of the start values takes (ga: a
# closed loop of a stiff string on 4 % fewer intervals ended 42 % off in
# s0), and moves onto one other, 4 % coarser, when f0 passes that grid's
# limit (here at once: the finest grid is at its limit): every
# loss before its last 30 % (where the grid is planned again for the end)
# is the loss on ga or on one grid g2, the same for steps 10 and 20
loss_on() {  # ROW GRID: the loss of that row's f0 on that grid
	run "$DPMC" grad "$P" --target "$T/t.wav" --loss mrstft --grid "$2" --set "f0=${1##*,}"
	json_num loss "$T/out"
}
bad=""
row=$(sed -n 2p "$T/g.csv")
[ "$(loss_on "$row" "$ga")" = "$(echo "$row" | cut -d, -f2)" ] || bad="$bad [step 0 not on grid $ga: $row]"
row10=$(sed -n 12p "$T/g.csv")
row20=$(sed -n 22p "$T/g.csv")
g2=""
for g in $(seq $((ga - 8)) $((ga + 2))); do
	[ "$(loss_on "$row10" "$g")" = "$(echo "$row10" | cut -d, -f2)" ] && { g2=$g; break; }
done
[ -n "$g2" ] && [ "$(loss_on "$row20" "$g2")" = "$(echo "$row20" | cut -d, -f2)" ] ||
	bad="$bad [steps 10 and 20 not on one grid ($g2): $row10; $row20]"
[ -z "$bad" ] && pass grid-one-loss || fail grid-one-loss "$bad"

# ---- the fastest backend there ----
llvm=llvm
[ -e "$(dirname "$DPMC")/dpmc-llvm.so" ] || llvm=""
if [ -n "$llvm" ]; then
	expect backend-default 0 '^{"backend": "llvm"' -- grad "$P" --target "$T/t.wav" --stats
	[ "$(wc -l <"$T/err")" = 1 ] && pass backend-default-quiet || fail backend-default-quiet "$(cat "$T/err")"
else
	echo "note: no dpmc-llvm.so beside $DPMC: the llvm default not tested"
fi
# fit and train: cc when it is there (hundreds of gradients)
command -v "${CC:-cc}" >/dev/null &&
	expect backend-fit-default 0 '^{"backend": "cc"' -- fit "$P" --target "$T/t.wav" --fit xe --steps 2 \
		--no-pitch --stats -o "$T/bf.json"
# --backend wins
expect backend-given 0 '^{"backend": "tcc"' -- grad "$P" --target "$T/t.wav" --stats --backend tcc
# without the module: cc, without a C compiler: tcc; silent both times
mkdir "$T/alone"
cp "$DPMC" "$T/alone/dpmc"
cp -r "$REPO/stdlib" "$T/alone/stdlib"
if [ -e /usr/local/lib/dpm/dpmc-llvm.so ]; then
	echo "note: /usr/local/lib/dpm/dpmc-llvm.so is installed: the missing module not tested"
else
	run "$T/alone/dpmc" grad "$P" --target "$T/t.wav" --stats
	[ "$st" = 0 ] && grep -q '^{"backend": "cc"' "$T/err" && [ "$(wc -l <"$T/err")" = 1 ] \
		&& pass backend-no-llvm || fail backend-no-llvm "exit $st: $(cat "$T/err")"
	cp "$T/out" "$T/g-cc.json"
	CC=/nonexistent/cc run "$T/alone/dpmc" grad "$P" --target "$T/t.wav" --stats
	[ "$st" = 0 ] && grep -q '^{"backend": "tcc"' "$T/err" && [ "$(wc -l <"$T/err")" = 1 ] \
		&& pass backend-no-cc || fail backend-no-cc "exit $st: $(cat "$T/err")"
	# a module that is there but does not load is said, not passed over in silence
	printf 'not an ELF file\n' >"$T/alone/dpmc-llvm.so"
	run "$T/alone/dpmc" grad "$P" --target "$T/t.wav" --stats
	[ "$st" = 0 ] && grep -q "^dpmc: note: cannot load the llvm backend.*; using the cc backend" "$T/err" \
		&& grep -q '^{"backend": "cc"' "$T/err" && pass backend-broken-llvm \
		|| fail backend-broken-llvm "exit $st: $(cat "$T/err")"
	# the backends agree on the gradient (to rounding: they compile differently)
	if [ -n "$llvm" ]; then
		run "$DPMC" grad "$P" --target "$T/t.wav" --set xe=0.2
		a=$(json_num xe "$T/out")
		run "$T/alone/dpmc" grad "$P" --target "$T/t.wav" --set xe=0.2 --backend tcc
		b=$(json_num xe "$T/out")
		within "$a" "$b" 1e-9 && pass backend-same-gradient || fail backend-same-gradient "llvm $a, tcc $b"
	fi
fi

# ---- bad values ----
expect starts-zero 1 'starts 0: expected a whole number of starts from 1 to 64' -- \
	fit "$P" --target "$T/t.wav" --fit xe --starts 0
expect starts-negative 1 'starts -1: expected' -- fit "$P" --target "$T/t.wav" --fit xe --starts -1
expect starts-huge 1 'starts 100000000000000000000: expected' -- \
	fit "$P" --target "$T/t.wav" --fit xe --starts 100000000000000000000
expect starts-65 1 'starts 65: expected' -- fit "$P" --target "$T/t.wav" --fit xe --starts 65
expect starts-word 1 'starts four: expected' -- fit "$P" --target "$T/t.wav" --fit xe --starts four
expect starts-no-value 2 "option '--starts' needs a value" -- fit "$P" --target "$T/t.wav" --fit xe --starts
expect starts-not-grad 2 "'--starts' is not an option of 'dpmc grad'" -- grad "$P" --target "$T/t.wav" --starts 2
expect starts-nothing-to-spread 1 'no fitted param to spread the starts over' -- \
	fit "$P" --target "$T/t.wav" --fit f0,B --starts 2
expect spread-unknown 1 "no param 'xq' (did you mean 'xe'?)" -- \
	fit "$P" --target "$T/t.wav" --fit xe --starts 2 --spread xq
expect spread-not-fitted 1 "spread names 'xo', which --fit does not fit" -- \
	fit "$P" --target "$T/t.wav" --fit xe --starts 2 --spread xo
exit 0
