#!/bin/sh
# tests/fit/run.sh — `dpmc grad` and `dpmc fit` from the command line
# (spec/cli.md): the JSON they print and read back, the gradient against
# finite differences of the loss dpmc prints, a target rendered from the
# same params giving loss and gradient 0, checks on the target file, a
# closed-loop fit recovering f0, --loss-curve, --render, -o, Ctrl-C.
# env: DPMC (the dpmc to test), REPO (the repo root).
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
HERE=$REPO/tests/fit
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-fit.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
SUITE=fit
. "$REPO/tests/lib.sh"

STR=$HERE/string.dpm
STR2=$HERE/string2.dpm

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

# Targets: 32-bit float renders of the model itself (f0 = 220), 0.1 s.
run "$DPMC" render "$STR" -o "$T/t220.wav" --raw -d 0.1
[ "$st" = 0 ] || { fail setup "render: $(cat "$T/err")"; exit 1; }
run "$DPMC" render "$STR" -o "$T/t22k.wav" --raw -d 0.1 -r 22050
run "$DPMC" render "$STR2" -o "$T/stereo.wav" --raw -d 0.1
printf 'RIFF, but not really\n' >"$T/broken.wav"

# ---- grad: the JSON line ----
expect grad 0 '' -- grad "$STR" --target "$T/t220.wav" --set f0=218
line=$(cat "$T/out")
if printf '%s\n' "$line" | grep -q '^{"loss": [-+0-9.eE]*, "grad": {"f0": [-+0-9.eE]*, "T60": [-+0-9.eE]*, "xo": [-+0-9.eE]*}}$'; then
	pass grad-json-shape
else
	fail grad-json-shape "$line"
fi
[ "$(wc -l <"$T/out")" = 1 ] && pass grad-one-line || fail grad-one-line "$(cat "$T/out")"
cp "$T/out" "$T/g218.json"

# ---- grad: the gradient is the slope of the loss dpmc prints ----
# central differences, h = 1e-4 Hz: truncation ~ h^2 L''' and rounding
# ~ 1e-16 L / h are both far below 1e-4 of the slope
for p in "f0 218 0.0001" "T60 0.4 0.000001" "xo 0.705 0.00001"; do
	set -- $p
	run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --set "$1=$2"
	g=$(json_num "$1" "$T/out")
	run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --set "$1=$(awk -v v="$2" -v h="$3" 'BEGIN { printf "%.17g", v + h }')"
	lp=$(json_num loss "$T/out")
	run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --set "$1=$(awk -v v="$2" -v h="$3" 'BEGIN { printf "%.17g", v - h }')"
	lm=$(json_num loss "$T/out")
	fd=$(awk -v a="$lp" -v b="$lm" -v h="$3" 'BEGIN { printf "%.17g", (a - b) / (2 * h) }')
	within "$g" "$fd" 1e-4 && pass "grad-fd-$1" || fail "grad-fd-$1" "gradient $g, finite differences $fd"
done

# ---- grad: at the target's own params, loss and gradient vanish ----
# The target is stored as 32-bit float, so "zero" is float rounding:
# y - target ~ 1e-8 |y|, a loss ~ 1e-16 of the signal's power and a
# gradient ~ 1e-8 of the one 2 Hz away.
run "$DPMC" grad "$STR" --target "$T/t220.wav"
l0=$(json_num loss "$T/out")
g0=$(json_num f0 "$T/out")
l1=$(json_num loss "$T/g218.json")
g1=$(json_num f0 "$T/g218.json")
awk -v a="$l0" -v b="$l1" 'BEGIN { exit !(a != "" && a >= 0 && a < 1e-12 * b) }' \
	&& pass grad-zero-loss || fail grad-zero-loss "loss $l0 at the target's params (2 Hz off: $l1)"
awk -v a="$g0" -v b="$g1" 'BEGIN { if (a < 0) a = -a; if (b < 0) b = -b; exit !(a != "" && a < 1e-5 * b) }' \
	&& pass grad-zero-gradient || fail grad-zero-gradient "dL/df0 $g0 at the target's params (2 Hz off: $g1)"

# ---- grad: --loss mrstft, --stats, --checkpoints ----
expect grad-mrstft 0 '' -- grad "$STR" --target "$T/t220.wav" --set f0=218 --loss mrstft
lm=$(json_num loss "$T/out")
awk -v a="$lm" 'BEGIN { exit !(a > 0.01) }' && pass grad-mrstft-positive || fail grad-mrstft-positive "loss $lm 2 Hz off"
expect grad-stats 0 '' -- grad "$STR" --target "$T/t220.wav" --stats
grep -q '^{"backend": "[a-z]*", .*"steps": 4410, .*"grad_ms": [0-9.]*}$' "$T/err" && pass grad-stats-json \
	|| fail grad-stats-json "$(cat "$T/err")"
run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --checkpoints 1
cp "$T/out" "$T/c1.json"
run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --checkpoints 7
cmp -s "$T/c1.json" "$T/out" && cmp -s "$T/c1.json" "$T/g218.json" && pass grad-checkpoints-identical \
	|| fail grad-checkpoints-identical "every 1: $(cat "$T/c1.json") every 7: $(cat "$T/out") default: $(cat "$T/g218.json")"
# a budget below the whole trajectory (0.1 s of a ~100-point string is
# ~3.5 MB): checkpoints, segments and the second thread, same bits
run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --memory 1
cmp -s "$T/c1.json" "$T/out" && pass grad-memory-identical \
	|| fail grad-memory-identical "every 1: $(cat "$T/c1.json") --memory 1: $(cat "$T/out")"
# --checkpoints 1 keeps the whole (4410 steps of ~100 points, ~3.5 MB):
# over an explicit --memory 1, refused; within --memory 10, the same bits
expect grad-checkpoints-over-memory 1 "checkpoints 1 keeps about 3.[0-9]* MB of states, over --memory 1: [0-9]* takes the least (0.1[0-9]* MB)" -- grad "$STR" --target "$T/t220.wav" --set f0=218 --checkpoints 1 --memory 1
run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=218 --checkpoints 1 --memory 10
cmp -s "$T/c1.json" "$T/out" && pass grad-checkpoints-within-memory \
	|| fail grad-checkpoints-within-memory "exit $st: $(cat "$T/out") $(head -c 300 "$T/err")"
expect grad-memory-bad 1 "memory 0: expected megabytes" -- grad "$STR" --target "$T/t220.wav" --memory 0
expect grad-memory-word 1 "memory lots: expected megabytes" -- grad "$STR" --target "$T/t220.wav" --memory lots

# ---- grad: bad targets ----
expect grad-rate 1 "t22k.wav.*22050 Hz" -- grad "$STR" --target "$T/t22k.wav"
expect grad-channels 1 "stereo.wav.*2 channels" -- grad "$STR" --target "$T/stereo.wav"
expect grad-missing 1 "nope.wav" -- grad "$STR" --target "$T/nope.wav"
expect grad-broken 1 "broken.wav" -- grad "$STR" --target "$T/broken.wav"
expect grad-no-target 2 "missing '--target" -- grad "$STR"
expect grad-two-outputs 0 '' -- grad "$STR2" --target "$T/stereo.wav" --set f0=219
# one channel of two with no sound, under a level-free loss: warned (the
# loss matched nothing there, silently; a probe's)
sox "$T/stereo.wav" "$T/half.wav" remix 1 1v0
expect grad-silent-channel 0 "warning: channel 2 of '.*half.wav' holds one value throughout" -- \
	grad "$STR2" --target "$T/half.wav" --set f0=219 --loss spec

# ---- fit: bad --fit ----
expect fit-unknown 1 "did you mean 'f0'" -- fit "$STR" --target "$T/t220.wav" --fit f00 -o "$T/u.json"
expect fit-twice 1 "'f0' twice" -- fit "$STR" --target "$T/t220.wav" --fit f0,T60,f0 -o "$T/u.json"
# a const named: said to be one, with the param line that fits it (it was
# "no param 'rho' (did you mean 'tlo'?)"; a probe's)
sed 's/^param f0 /const rho = 0.01\nparam f0 /' "$STR" >"$T/cst.dpm"
expect fit-const 1 "'rho' is a const of .*cst.dpm, not a param; to fit it, declare it .param rho = VALUE in \[LO, HI\]" -- \
	fit "$T/cst.dpm" --target "$T/t220.wav" --fit rho -o "$T/u.json"
expect fit-empty 1 "NAME" -- fit "$STR" --target "$T/t220.wav" --fit f0, -o "$T/u.json"
expect fit-rate 1 "22050 Hz" -- fit "$STR" --target "$T/t22k.wav" --fit f0 -o "$T/u.json"
[ -e "$T/u.json" ] && fail fit-errors-nofile "a failed fit wrote $T/u.json" || pass fit-errors-nofile

# ---- fit: closed loop, f0 from 216 back to 220, by the gradient alone
# (--no-pitch: the partials of the 0.1 s target would put it there first) ----
run "$DPMC" grad "$STR" --target "$T/t220.wav" --set f0=216
lstart=$(json_num loss "$T/out")
expect fit 0 '' -- fit "$STR" --target "$T/t220.wav" --set f0=216 --fit f0 --steps 30 --loss mse --no-pitch \
	-o "$T/fit.json" --loss-curve "$T/curve.csv" --render "$T/fit.wav"
[ -s "$T/out" ] && fail fit-quiet-stdout "with -o, stdout got $(head -c 200 "$T/out")" || pass fit-quiet-stdout
if grep -q '^{"params": {"f0": [-+0-9.eE]*, "T60": 0.5, "xo": 0.77}, "loss": [-+0-9.eE]*, "steps": 30}$' "$T/fit.json"; then
	pass fit-json
else
	fail fit-json "$(cat "$T/fit.json" 2>&1)"
fi
f=$(json_num f0 "$T/fit.json")
within "$f" 220 0.0005 && pass fit-recovers-f0 || fail fit-recovers-f0 "f0 = $f, want 220 within 0.05%"
lend=$(json_num loss "$T/fit.json")
awk -v a="$lend" -v b="$lstart" 'BEGIN { exit !(a != "" && a < b / 100) }' && pass fit-loss-falls \
	|| fail fit-loss-falls "loss $lstart at the start, $lend fitted"
# the fitted params read back as --params and give the loss fit reported
run "$DPMC" grad "$STR" --target "$T/t220.wav" --params "$T/fit.json"
l=$(json_num loss "$T/out")
[ "$st" = 0 ] && [ "$l" = "$lend" ] && pass fit-params-round-trip || fail fit-params-round-trip "loss $l at the saved params, fit said $lend"
# steps + 1 rows after the header, the first at the start values
n=$(wc -l <"$T/curve.csv")
[ "$n" = 32 ] && head -n 1 "$T/curve.csv" | grep -qx 'step,loss,f0' \
	&& sed -n 2p "$T/curve.csv" | grep -qx '0,[-+0-9.eE]*,216' && pass fit-loss-curve \
	|| fail fit-loss-curve "$n lines: $(head -n 3 "$T/curve.csv" | tr '\n' ' ')"
# the rendered fit: a WAV of the target's length (0.1 s)
if command -v sox >/dev/null; then
	i="$(sox --i -c "$T/fit.wav" 2>/dev/null) $(sox --i -r "$T/fit.wav" 2>/dev/null) $(sox --i -s "$T/fit.wav" 2>/dev/null)"
	[ "$i" = "1 44100 4410" ] && pass fit-render || fail fit-render "channels rate samples = $i"
else
	head -c 4 "$T/fit.wav" 2>/dev/null | grep -q RIFF && pass fit-render || fail fit-render "no WAV"
fi

# ---- fit: a recording with silence before the note ----
# 30 ms (1323 samples) of silence before the target: the fit starts from
# the recording's onset and says so, recovers f0 as above, and --render
# writes the recording's length, silent where it is, the note after
sox "$T/t220.wav" "$T/late.wav" pad 1323s
expect fit-align 0 "late.wav starts 30.0 ms after the model's render" -- fit "$STR" --target "$T/late.wav" \
	--set f0=216 --fit f0 --steps 30 --loss mse -o "$T/late.json" --render "$T/late_fit.wav"
f=$(json_num f0 "$T/late.json")
within "$f" 220 0.0005 && pass fit-align-f0 || fail fit-align-f0 "f0 = $f, want 220 within 0.05%"
# sox stat: the peak of the first 1323 samples, then of the 100 after
pk() { sox "$T/late_fit.wav" -n trim "$1" "$2" stat 2>&1 | awk '/Maximum amplitude/ { print $3 }'; }
s=$(sox --i -s "$T/late_fit.wav" 2>/dev/null)
p0=$(pk 0 1323s) p1=$(pk 1323s 100s)
[ "$s" = 5733 ] && awk -v a="$p0" -v b="$p1" 'BEGIN { exit !(a == 0 && b > 0.1) }' && pass fit-align-render \
	|| fail fit-align-render "samples $s, peak before the onset $p0, after $p1"
# silence over half the take: from the onset too (it was kept whole,
# unsaid; a probe's); a note that leaves less than 0.1 s after its
# onset: from the first sample, said
sox "$T/t220.wav" "$T/later.wav" pad 0.15
expect fit-align-long-silence 0 "later.wav starts 150.0 ms after the model's render: used from its onset" -- \
	fit "$STR" --target "$T/later.wav" --set f0=216 --fit f0 --steps 2 --loss mse -o "$T/later.json"
sox "$T/t220.wav" "$T/latest.wav" pad 0.2 trim 0 0.25
expect fit-align-too-little 0 "latest.wav starts 200.0 ms after the model's render, 50.0 ms before its end: too little" -- \
	fit "$STR" --target "$T/latest.wav" --set f0=216 --fit f0 --steps 2 --loss mse -o "$T/latest.json"
# --no-align: as it is, no word of it
run "$DPMC" fit "$STR" --target "$T/late.wav" --set f0=216 --fit f0 --steps 2 --loss mse --no-align -o "$T/late2.json"
[ "$st" = 0 ] && ! grep -q 'starts .* ms after' "$T/err" && pass fit-no-align || fail fit-no-align "exit $st: $(head -c 300 "$T/err")"
# each row of --data from its own onset; a row that starts with the render untouched
printf 'file,f0\nlate.wav,216\nt220.wav,218\n' >"$T/late.csv"
run "$DPMC" fit "$STR" --data "$T/late.csv" --fit f0 --steps 30 --loss mse -o "$T/rows.json"
n=$(grep -c 'starts 30.0 ms after' "$T/err")
[ "$st" = 0 ] && [ "$n" = 1 ] && grep -q 'late.wav starts' "$T/err" && pass fit-data-align \
	|| fail fit-data-align "exit $st, $n notes: $(head -c 300 "$T/err")"

# ---- fit: no -o: the JSON on stdout; progress lines on stderr ----
expect fit-stdout 0 '' -- fit "$STR" --target "$T/t220.wav" --set f0=219 --fit f0,T60 --steps 3 --loss mrstft --stats
grep -q '^{"params": {"f0": [-+0-9.eE]*, "T60": [-+0-9.eE]*, "xo": 0.77}, "loss": [-+0-9.eE]*, "steps": 3}$' "$T/out" \
	&& pass fit-stdout-json || fail fit-stdout-json "$(cat "$T/out")"
grep -q '^fit: step 3/3 loss .* f0=.* T60=' "$T/err" && pass fit-progress-lines || fail fit-progress-lines "$(head -c 300 "$T/err")"
grep -q '"grad_ms": ' "$T/err" && pass fit-stats || fail fit-stats "$(tail -n 1 "$T/err")"
# ranges hold whatever the learning rate: T60 in [0.05, 5], xo in [0.55, 0.95]
run "$DPMC" fit "$STR" --target "$T/t220.wav" --fit T60,xo --steps 5 --lr 50 -o "$T/wild.json"
t=$(json_num T60 "$T/wild.json")
x=$(json_num xo "$T/wild.json")
awk -v t="$t" -v x="$x" 'BEGIN { exit !(t != "" && t >= 0.05 && t <= 5 && x >= 0.55 && x <= 0.95) }' \
	&& pass fit-stays-in-range || fail fit-stays-in-range "exit $st, T60 = $t, xo = $x: $(head -c 300 "$T/err")"

# a param the recording pulls past its range ends at the edge, and fit
# says so (a target rendered with T60 = 40 from a copy with a wider range)
sed 's/in \[0.05, 5\] log/in [0.05, 50] log/' "$STR" >"$T/wide.dpm"
run "$DPMC" render "$T/wide.dpm" -o "$T/t40.wav" --raw -d 0.1 --set T60=40
run "$DPMC" fit "$STR" --target "$T/t40.wav" --fit T60 --set T60=4 --loss mse --steps 40 --lr 0.2 -o "$T/edge.json"
[ "$st" = 0 ] && grep -q '^fit: note: T60 ended at 4.9[0-9]*, at the top of its range \[0.05, 5\]' "$T/err" &&
	pass fit-edge-note || fail fit-edge-note "exit $st: $(grep -v 'step ' "$T/err" | head -c 300)"
run "$DPMC" fit "$STR" --target "$T/t220.wav" --fit T60 --set T60=0.6 --loss mse --steps 10 -o "$T/inside.json"
grep -q 'fit: note:' "$T/err" && fail fit-no-edge-note "$(grep 'note:' "$T/err")" || pass fit-no-edge-note
# a start at an end of its range, the loss pulling inwards, moves (it sat
# where dv/dz is 1e-13 and no step moved it, "stayed at its start"): from
# T60 = 5 and 0.05 to the target's 0.5
for e in 5 0.05; do
	run "$DPMC" fit "$STR" --target "$T/t220.wav" --fit T60 --set T60=$e --loss mse --steps 40 --lr 0.2 -o "$T/end.json"
	t=$(json_num T60 "$T/end.json")
	[ "$st" = 0 ] && awk -v t="$t" 'BEGIN { exit !(t > 0.49 && t < 0.51) }' && pass "fit-from-range-end-$e" ||
		fail "fit-from-range-end-$e" "exit $st, T60 = $t: $(grep note "$T/err")"
done
# a start near but not at an end of a wide range stays where it is given
# (a damping of 1 in [0, 1000] was moved 1 % of the range inside, to 10,
# and the fit began 3 times over the 3 wanted; then a false note; a
# probe's)
printf 'model s\nparam a = 1 in [0, 1000]\nparam f0 = 220 in [20, 4000]\ndomain x in [0, 1]\nfield u(x)\npde u.tt = (2*f0)^2 * u.xx - 2*a*u.t\nboundary x = 0, x = 1: fixed\ninit u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)\noutput out = u(0.77)\n' >"$T/wide.dpm"
run "$DPMC" render "$T/wide.dpm" --set a=3 -d 0.2 -o "$T/wide.wav"
run "$DPMC" fit "$T/wide.dpm" --target "$T/wide.wav" --fit a --steps 100 -o "$T/wide.json"
a=$(json_num a "$T/wide.json")
[ "$st" = 0 ] && awk -v a="$a" 'BEGIN { exit !(a > 2.97 && a < 3.03) }' && ! grep -q 'note: a ' "$T/err" &&
	pass fit-wide-range-start || fail fit-wide-range-start "exit $st, a = ${a:-none}: $(grep note "$T/err")"
# a level the loss divides out has no gradient: said as such, not "widen
# the range" (a probe's: v0 started 1000x low stayed there)
sed 's/^output out = u(xo)$/param g = 0.001 in [0, 5]\noutput out = g * u(xo)/' "$STR" >"$T/level.dpm"
run "$DPMC" fit "$T/level.dpm" --target "$T/t220.wav" --fit f0,g --set f0=215 --steps 10 -o "$T/level.json"
[ "$st" = 0 ] && grep -q "^fit: note: g stayed at its start, 0.001, by an end of its range: the loss does not change with it" "$T/err" &&
	! grep -q 'note: g ended' "$T/err" && pass fit-level-note || fail fit-level-note "exit $st: $(grep 'note' "$T/err")"

# ---- fit: a step no grid can take is retried smaller ----
# On the forced grid of 100 intervals f0 may not pass 44100 / 200 =
# 220.5 Hz; a target at 240 Hz pulls it there and --lr 0.5 overshoots.
run "$DPMC" render "$STR" -o "$T/t240.wav" --raw -d 0.1 --set f0=240
expect fit-retry 0 'step 1 rejected (.*unstable.*); retrying with learning rate 0.25' -- \
	fit "$STR" --target "$T/t240.wav" --grid 100 --set f0=218 --fit f0 --steps 10 --lr 0.5 --loss mse -o "$T/retry.json"
f=$(json_num f0 "$T/retry.json")
awk -v f="$f" 'BEGIN { exit !(f != "" && f > 218 && f <= 220.5) }' && pass fit-retry-stable \
	|| fail fit-retry-stable "f0 = $f, want in (218, 220.5]"

# ---- fit: Ctrl-C writes the best params so far ----
# stage 1 (partials) reads the render's series near the target's f1 and
# keeps a match only when it brings the two series together: the bridge
# (f1 110 Hz, partial 2 the loudest) fitted for K from 1e5 to 2e5; two
# strings of other pitches (no one series) leave K for the loss to move
"$DPMC" render "$HERE/bridge.dpm" -d 0.2 --set K=2e5 --raw -o "$T/br.wav" 2>"$T/err" &&
	"$DPMC" fit "$HERE/bridge.dpm" --target "$T/br.wav" --fit K --steps 20 -o "$T/br.json" \
		>/dev/null 2>"$T/err"
st=$?
k=$(sed -n 's/.*"K": \([-+0-9.eE]*\).*/\1/p' "$T/br.json" 2>/dev/null)
[ "$st" = 0 ] && awk -v k="$k" 'BEGIN { exit !(k > 1.6e5 && k < 2.4e5) }' &&
	pass "fit-pitch-octave (K 1e5 -> $k, target 2e5)" ||
	fail fit-pitch-octave "exit $st, K $k: $(grep partials "$T/err" | head -c 400)"
"$DPMC" render "$HERE/two_series.dpm" -d 0.2 --set K=800 --raw -o "$T/ts.wav" 2>"$T/err" &&
	"$DPMC" fit "$HERE/two_series.dpm" --target "$T/ts.wav" --fit K --steps 20 -o "$T/ts.json" \
		>/dev/null 2>"$T/err"
st=$?
k=$(sed -n 's/.*"K": \([-+0-9.eE]*\).*/\1/p' "$T/ts.json" 2>/dev/null)
# stage 1 leaves K (its partials stay) or moves it towards 800 (nearer
# than the start, in log), never away: two strings' modes, no one series
k1=$(sed -n 's/^partials: K=\([-+0-9.eE]*\);.*/\1/p' "$T/err" | head -n 1)
[ "$st" = 0 ] && { grep -q "partials: the render's partials stay .* the params are left where they were" "$T/err" ||
	awk -v k="$k1" 'BEGIN { exit !(k != "" && k >= 500 && k * 500 <= 800 * 800) }'; } &&
	awk -v k="$k" 'BEGIN { exit !(k > 500 && k < 820) }' &&
	pass "fit-pitch-no-series (K 500 -> ${k1:-500} -> $k, target 800)" ||
	fail fit-pitch-no-series "exit $st, K $k: $(grep partials "$T/err" | head -c 400)"

# its own stderr file, made empty first: the loop below must not find
# the 'step' of an earlier fit's file before the job's redirection has
# truncated it (under load it did, and the INT came before the handler)
: >"$T/int.err"
"$DPMC" fit "$STR" --target "$T/t220.wav" --set f0=216 --fit f0,T60,xo --steps 1000000 \
	-o "$T/int.json" >"$T/out" 2>"$T/int.err" &
pid=$!
# sh starts a background job with SIGINT ignored until dpmc sets its
# handler, which a slow (sanitized, loaded) build may not have done after
# a second: wait for the fit's first progress line, and never for ever
i=0
while [ $i -lt 240 ] && kill -0 $pid 2>/dev/null && ! grep -q 'step' "$T/int.err"; do
	sleep 0.5
	i=$((i + 1))
done
kill -INT $pid 2>/dev/null
i=0
while [ $i -lt 120 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.5
	i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid
st=$?
if [ "$st" = 0 ] && grep -q '^{"params": {"f0": ' "$T/int.json" 2>/dev/null && grep -q 'interrupted' "$T/int.err"; then
	pass fit-sigint
else
	fail fit-sigint "exit $st, $(cat "$T/int.json" 2>&1), $(tail -c 200 "$T/int.err")"
fi
# ---- a param whose gradient is infinite (sqrt(a) at a = 0) ----
SQ="$REPO/tests/fit/sqrt_a.dpm"
run "$DPMC" render "$SQ" -o "$T/sq210.wav" --raw -d 0.2 --set f0=210
expect grad-infinite-null 0 "the gradient with respect to 'a' is not finite (null)" -- grad "$SQ" --target "$T/sq210.wav"
grep -q '"f0": [-+0-9.eE]*, "a": null}}$' "$T/out" && pass grad-infinite-json || fail grad-infinite-json "$(cat "$T/out")"
expect fit-infinite-unfitted 0 '' -- fit "$SQ" --target "$T/sq210.wav" --fit f0 --steps 20 -o "$T/sq.json"
f=$(json_num f0 "$T/sq.json")
within "${f:-0}" 210 0.002 && pass fit-infinite-unfitted-f0 || fail fit-infinite-unfitted-f0 "f0 ${f:-none}: $(cat "$T/sq.json" 2>&1)"

# ---- the partials' stages leave the decays alone ----
# guitar.dpm at 22.05 kHz from 8 % flat (a probe's): stage 1 took
# T60hi for a pitch param (planned afresh at each render, the grid moved
# with it, and the partials with the grid) and stage 3 moved it 0.66 ->
# 2.1 s for half a cent, the loss written 0.023 -> 0.16.  Now the
# Jacobian's renders share their base's grid, a param that moves the
# partials by a few cents per unit of z moves little, and stage 3 is not
# taken where it raises the loss over 1.25 times: 0.0044
G="$REPO/examples/guitar.dpm"
run "$DPMC" render "$G" -o "$T/g131.wav" -d 1 --set f0=131 --set B=5e-5 --set T60lo=3 --set xp=0.27 --set xo=0.13
run sox "$T/g131.wav" "$T/g131r.wav" rate 22050
run "$DPMC" fit "$G" -r 22050 --target "$T/g131r.wav" --fit f0,B,T60lo,T60hi,xp,xo --steps 100 --set f0=120.5 -o "$T/g3.json"
l=$(json_num loss "$T/g3.json")
t=$(json_num T60hi "$T/g3.json")
if [ "$st" = 0 ] && awk -v l="${l:-1}" -v t="${t:-0}" 'BEGIN { exit !(l < 0.02 && t > 0.9 && t < 1.1) }'; then
	pass fit-guitar-22k-decays
else
	fail fit-guitar-22k-decays "exit $st, loss ${l:-none}, T60hi ${t:-none}: $(grep stage "$T/err" | head -c 300)"
fi

# ---- grad reads a recording from its onset, as fit does ----
# (the target after 0.05 s of silence: fit's loss was against its onset,
# grad's against its first sample, 0.00074 against 0.227; a probe's)
run sox "$T/t220.wav" "$T/t220pad.wav" pad 0.05 0
# (mse and mrstft keep cli.md's meaning, from the first sample, unless
# --align; the level-free losses align as fit does)
run "$DPMC" grad "$STR" --target "$T/t220pad.wav" --align
l=$(json_num loss "$T/out")
run "$DPMC" grad "$STR" --target "$T/t220pad.wav"
l2=$(json_num loss "$T/out")
run "$DPMC" grad "$STR" --target "$T/t220pad.wav" --loss spec
l3=$(json_num loss "$T/out")
run "$DPMC" grad "$STR" --target "$T/t220pad.wav" --loss spec --no-align
l4=$(json_num loss "$T/out")
if awk -v a="${l:-1}" -v b="${l2:-0}" -v c="${l3:-1}" -v d="${l4:-0}" \
    'BEGIN { exit !(a < 1e-12 && b > 1e-6 && c < 1e-5 && d > 1e-3) }'; then
	pass grad-from-onset
else
	fail grad-from-onset "mse ${l:-none} with --align, ${l2:-none} without; spec ${l3:-none}, ${l4:-none} with --no-align"
fi

# ---- a pitch stage 1 matched closely stays put under Adam ----
# The README's string fitted to its render at 222 Hz: stage 1 lands at
# 221.994 Hz (0.05 cents rms) and the audio loss's valley is +-0.3 %
# wide; the first steps of Adam took f0 to 226.4 Hz (loss 90x higher)
# and spent the 50 steps off it.  Now each step stays within 0.2 %.
cp "$HERE/readme.dpm" "$T/readme.dpm"
run "$DPMC" render "$T/readme.dpm" --set f0=222 -o "$T/r222.wav"
run "$DPMC" fit "$T/readme.dpm" --target "$T/r222.wav" --fit f0 --steps 50 -o "$T/r.json" \
	--loss-curve "$T/r.csv"
f=$(json_num f0 "$T/r.json")
if [ "$st" = 0 ] && within "${f:-0}" 222 0.0002 &&
   awk -F, 'NR > 1 && ($3 < 221.55 || $3 > 222.45) { bad = 1 } END { exit bad || NR < 51 }' "$T/r.csv"; then
	pass fit-pitch-matched-stays
else
	fail fit-pitch-matched-stays "exit $st, f0 ${f:-none}; steps' f0 from $(awk -F, 'NR > 1 { print $3 }' "$T/r.csv" 2>/dev/null | sort -g | sed -n '1p;$p' | tr '\n' ' ')"
fi

# a time signal that is not finite from some t on: grad and fit say where
# and when, as render does (they said "the simulation blew up"; a probe's)
cat >"$T/nanlater.dpm" <<'EOF'
model nanlater
param f0 = 220 in [20, 4000]
domain x in [0, 1]
field u(x)
let F(t) = sqrt(0.05 - t)
pde u.tt = (2*f0)^2 * u.xx + F(t)*delta(x-0.5)
boundary x = 0, x = 1: fixed
init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)
output out = u(0.77)
EOF
run "$DPMC" grad "$T/nanlater.dpm" --target "$T/t220.wav"
if [ "$st" = 1 ] && grep -q "6:35: this point source's strength is not a finite number at t = 0.05" "$T/err"; then
	pass grad-time-signal-nan-located
else
	fail grad-time-signal-nan-located "exit $st: $(head -c 300 "$T/err")"
fi

# a descent stuck far above its best goes back to the best values at half
# the learning rate (a bowed string fell silent in pure stick, the loss 5x
# its best for 136 steps; here f0 at a learning rate of 0.5, no stage 1)
run "$DPMC" fit "$T/readme.dpm" --target "$T/r222.wav" --fit f0 --steps 50 --lr 0.5 --no-pitch -o "$T/st.json"
if [ "$st" = 0 ] && grep -q "the loss stayed over 4 times its best (.*) for 10 steps; back to the best values, learning rate 0.25" "$T/err"; then
	pass fit-stuck-back-to-best
else
	fail fit-stuck-back-to-best "exit $st: $(grep -v '^fit: step' "$T/err" | head -c 300)"
fi

# a short target (0.05 s, 11 periods): the partial analysis finds the
# series (its floor's blocks were narrower than a partial's main lobe in
# so short a window: stage 1 skipped, and the audio loss took f0 from 220
# to 207.5 Hz for 222.2; a probe's), and the fit ends within 0.1 %
run "$DPMC" render "$REPO/examples/ideal_string.dpm" --set f0=222.2 -d 0.05 -o "$T/short.wav"
run "$DPMC" fit "$REPO/examples/ideal_string.dpm" --target "$T/short.wav" --fit f0 --set f0=205 -o "$T/short.json"
f=$(sed 's/.*"f0": \([0-9.e+-]*\).*/\1/' "$T/short.json" 2>/dev/null)
if [ "$st" = 0 ] && grep -q "^partials (stage 1): first partial 205.00 -> 222" "$T/err" &&
	awk -v f="$f" 'BEGIN { exit !(f > 222.2 * 0.999 && f < 222.2 * 1.001) }'; then
	pass fit-short-target
else
	fail fit-short-target "exit $st, f0 $f: $(grep -v '^fit: step' "$T/err" | head -c 300)"
fi

# a fit that starts at its target's own values writes them: the descent's
# polish on a grid one interval coarser than the render's moved them to
# a loss of 1.5e-4 where they had 1.5e-10 (a probe's)
run "$DPMC" render "$REPO/examples/guitar.dpm" -d 0.3 -o "$T/gself.wav"
run "$DPMC" fit "$REPO/examples/guitar.dpm" --target "$T/gself.wav" --fit f0,B,T60lo,T60hi,xp,xo -o "$T/gself.json"
l=$(json_num loss "$T/gself.json")
if [ "$st" = 0 ] && awk -v l="$l" 'BEGIN { exit !(l != "" && l < 1e-9) }' &&
	grep -q '"f0": 110, "B": 3e-05, "T60lo": 4, "T60hi": 1, "xp": 0.2, "xo": 0.1' "$T/gself.json"; then
	pass fit-exact-start-kept
else
	fail fit-exact-start-kept "exit $st, loss $l: $(cat "$T/gself.json") $(grep -v '^fit: step' "$T/err" | head -c 300)"
fi

# the best values' loss on two grids names the grid it was taken on (it
# printed "0 intervals" once the start's instance was freed, and the grid
# the fit ended on, not the best's)
run "$DPMC" render "$REPO/tests/cli/ideal_string.dpm" --set f0=211 -d 0.5 -o "$T/t211.wav"
run "$DPMC" fit "$REPO/tests/cli/ideal_string.dpm" --target "$T/t211.wav" --fit f0 --steps 3 -o "$T/g.json"
if [ "$st" = 0 ] && grep -q "loss: [0-9.e-]* on the fit's grid (10[0-9] intervals), [0-9.e-]* on the grid a render of them takes (10[0-9] intervals" "$T/err"; then
	pass fit-best-loss-grids
else
	fail fit-best-loss-grids "exit $st: $(grep -v '^fit: step' "$T/err" | head -c 300)"
fi

# a fit pulled against an edge the model refuses (decay times where its
# loss term turns negative) keeps its other params going: a free-free bar
# against its own render through a 60 Hz high-pass (which its lowest
# modes cannot follow), from 8 % sharp with the decays x1.5.  It gave up
# at step 44 of 250 ("every retry failed down to learning rate 9.8e-06",
# a probe's): the params whose move alone is refused now stay, the rest
# step on at the same rate.
if command -v sox >/dev/null 2>&1; then
	run "$DPMC" render "$HERE/bar_ff.dpm" -d 1 --raw -o "$T/bar.wav"
	sox "$T/bar.wav" -e floating-point -b 32 "$T/barhp.wav" vol 0.001 highpass 60
	run "$DPMC" fit "$HERE/bar_ff.dpm" --target "$T/barhp.wav" --fit f1,T60lo,T60hi,xs,xo,amp --steps 250 \
		--set f1=237.6 --set T60lo=2.25 --set T60hi=0.6 --set xs=0.18 --set xo=0.85 -o "$T/bar.json"
	f=$(json_num f1 "$T/bar.json")
	if [ "$st" = 0 ] && grep -q '"steps": 250}' "$T/bar.json" && ! grep -q 'gives up' "$T/err" &&
		awk -v f="$f" 'BEGIN { exit !(f > 219 && f < 221) }'; then
		pass "fit-barrier-goes-on (250 steps, f1 $f)"
	else
		fail fit-barrier-goes-on "exit $st, f1 $f: $(cat "$T/bar.json") $(grep 'gives up\|rejected' "$T/err" | head -c 300)"
	fi
fi

exit 0
