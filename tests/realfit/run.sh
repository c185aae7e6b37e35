#!/bin/sh
# tests/realfit/run.sh — fit the stiff string of examples/bass_fit.dpm to
# a real recording (the issue's "real data" test): the C2 pizzicato of
# ../shared/data/recordings, its first second (trimmed with sox into a
# temporary file; the recording itself is only read).  The fit starts
# from the example's defaults, f0 3 % sharp, fits the envelope (60 steps,
# pitch held) then everything (250 steps), and must
#   - lower the mrstft loss at least 2x, and
#   - put the first partial within 1 % of the recording's, measured on
#     the same second by tests/tools/peaks: both the model's own first
#     partial f0 sqrt(1 + B) and the strongest peak of the fitted render.
# Then f0 alone (and f0 with B and the decays) against the Eb2, whose
# partials' levels those params cannot match, from 8 % flat and sharp:
# the first partial within 1 % too.
# --backend cc: the kernels compiled by cc run about 3x faster than
# TinyCC's, and they are never sanitized, so the test takes about the
# same time (10-20 s) under a SANITIZE=1 dpmc.
# env: DPMC, REPO, CC; DPM_RECORDINGS (else ../shared/data/recordings
# beside the repo, else /work/shared/data/recordings).
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
TOOLS=$REPO/tests/tools
MODEL=$REPO/examples/bass_fit.dpm
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-realfit.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
SUITE=realfit
. "$REPO/tests/lib.sh"

# first_partial FILE: the frequency of the strongest peak between 40 and
# 100 Hz (the fundamental of a bass note; its octave is above 100 Hz)
first_partial() {
	"$T/peaks" "$1" -n 1 --fmin 40 --fmax 100 | awk 'NR == 1 { print $1 }'
}

rdir=${DPM_RECORDINGS:-$REPO/../shared/data/recordings}
[ -d "$rdir" ] || [ -n "${DPM_RECORDINGS:-}" ] || rdir=/work/shared/data/recordings
rec=$rdir/pizz_c2_vl3_rr1.wav
if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi
if [ ! -f "$rec" ]; then
	fail setup "no recording at $rec (set DPM_RECORDINGS)"
	exit 1
fi
if ! command -v sox >/dev/null; then
	fail setup "sox is needed to trim the recording (./configure installs it)"
	exit 1
fi
peaks
sox "$rec" "$T/c2.wav" trim 0 1 2>"$T/sox.err" ||
	{ fail setup "sox: $(cat "$T/sox.err")"; exit 1; }

want=$(first_partial "$T/c2.wav")
awk -v f="$want" 'BEGIN { exit !(f > 64 && f < 66.5) }' && pass recording-first-partial ||
	fail recording-first-partial "peaks gives $want Hz for the C2 (README: 65.1)"

# the fit, from the defaults: f0 = 67, 3 % sharp
# two stages, as the tutorial does: the envelope (decays, pluck and
# pickup points, level) with the pitch held, then everything
"$DPMC" fit "$MODEL" --target "$T/c2.wav" --backend cc --loss mrstft \
	--fit T60lo,T60hi,xe,xo,amp --steps 60 \
	-o "$T/env.json" --loss-curve "$T/curve.csv" >"$T/out" 2>"$T/err" &&
"$DPMC" fit "$MODEL" --target "$T/c2.wav" --backend cc --loss mrstft --params "$T/env.json" \
	--fit f0,B,T60lo,T60hi,xe,xo,amp --steps 250 \
	-o "$T/fit.json" --render "$T/fit.wav" >"$T/out" 2>"$T/err"
st=$?
if [ "$st" != 0 ] || [ ! -s "$T/fit.json" ]; then
	fail fit "exit $st: $(tail -c 300 "$T/err")"
	exit 0
fi
pass fit
grep -q 'rejected\|gives up' "$T/err" && fail fit-no-retries "$(grep 'rejected\|gives up' "$T/err" | head -n 2)" ||
	pass fit-no-retries

l0=$(sed -n 2p "$T/curve.csv" | cut -d, -f2)
l1=$(json_num loss "$T/fit.json")
awk -v a="$l1" -v b="$l0" 'BEGIN { exit !(a != "" && b != "" && a > 0 && 2 * a <= b) }' &&
	pass loss-falls-2x || fail loss-falls-2x "loss $l0 at the start, $l1 fitted: want at least 2x lower"

# 1 %, issue 9's measure: fit's stage 3 puts the partial series where the
# recording's is (65.28 Hz for its first partial, by rt_partials), and
# this note's first partial alone sits 0.6 % flat of its own series in
# the first second (64.87 Hz by peaks; the README's 65.1 is in between):
# a stiff string cannot have both
TOL=0.01
f0=$(json_num f0 "$T/fit.json")
B=$(json_num B "$T/fit.json")
p1=$(awk -v f="$f0" -v b="$B" 'BEGIN { printf "%.10g", f * sqrt(1 + b) }')
within "$p1" "$want" $TOL && pass first-partial ||
	fail first-partial "f0 sqrt(1 + B) = $p1 Hz (f0 $f0, B $B), the recording's $want Hz: want within 1%"

got=$(first_partial "$T/fit.wav")
within "$got" "$want" $TOL && pass first-partial-render ||
	fail first-partial-render "the fitted render's first partial is $got Hz, the recording's $want Hz: want within 1%"

# From the other side of the basin, 5 % sharp, the same pitch.  (Not from
# below: for this low note the short FFT sizes make a bump in the loss
# just under the right f0; docs/tutorial.md says so.)
"$DPMC" fit "$MODEL" --target "$T/c2.wav" --backend cc --loss mrstft \
	--fit T60lo,T60hi,xe,xo,amp --steps 60 --set f0=68.3 \
	-o "$T/env5.json" >"$T/out" 2>"$T/err" &&
"$DPMC" fit "$MODEL" --target "$T/c2.wav" --backend cc --loss mrstft --params "$T/env5.json" \
	--fit f0,B,T60lo,T60hi,xe,xo,amp --steps 250 \
	-o "$T/fit5.json" >"$T/out" 2>"$T/err"
st=$?
f0=$(json_num f0 "$T/fit5.json")
B=$(json_num B "$T/fit5.json")
p1=$(awk -v f="$f0" -v b="$B" 'BEGIN { if (f != "" && b != "") printf "%.10g", f * sqrt(1 + b) }')
[ "$st" = 0 ] && within "$p1" "$want" $TOL && pass first-partial-from-5-sharp ||
	fail first-partial-from-5-sharp "exit $st: f0 sqrt(1 + B) = $p1 Hz from f0 = 68.3, the recording's $want Hz (want within 1%)"

# A few params only, with fit's defaults, against the Eb2: the example's
# pluck puts 0.2 of the energy in the first partial, the recording 0.9,
# and with the levels out of reach the default loss falls all the way
# down to f0 = 45 Hz (its transport term moves the upper partials' mass
# onto the recording's first); stage 1's pitch, held through the descent
# (cli_fit.c hold_pitch), must survive: the first partial within 1 %, from
# 8 % flat and sharp (it ended at 74.1 Hz, 4.5 % flat, and with the decays
# fitted too at 57.7 Hz).
rec=$rdir/pizz_eb2_vl2_rr1.wav
if sox "$rec" "$T/eb2.wav" trim 0 1 2>"$T/sox.err"; then
	want=$(first_partial "$T/eb2.wav")
	for case in f0:71.37 f0:83.79 f0,B,T60lo,T60hi:71.37; do
		fit=${case%%:*} f0=${case#*:}
		name=eb2-$(echo "$fit" | tr ',' '-')-from-$f0
		if "$DPMC" fit "$MODEL" --target "$T/eb2.wav" --backend cc --fit "$fit" --set f0="$f0" \
			-o "$T/eb2.json" --render "$T/eb2fit.wav" --loss-curve "$T/eb2.csv" >"$T/out" 2>"$T/err"; then
			got=$(first_partial "$T/eb2fit.wav")
			within "$got" "$want" $TOL && pass "$name" ||
				fail "$name" "the fitted render's first partial is $got Hz, the recording's $want Hz: want within 1%; $(grep '^partials (stage\|held' "$T/err" | tr '\n' ' ')"
			# the descent itself (the curve's f0, from stage 1's) held
			# within 2 % (2.5: the hold is linear in the free coordinate)
			awk -F, 'NR == 2 { f = $3 } NR > 2 { d = $3 / f - 1; d = d < 0 ? -d : d; m = d > m ? d : m }
				END { printf "%.4f\n", m }' "$T/eb2.csv" >"$T/dev"
			awk '{ exit !($1 <= 0.025) }' "$T/dev" && pass "$name-held" ||
				fail "$name-held" "f0 went $(cat "$T/dev") from stage 1's during the descent (want <= 0.025)"
		else
			fail "$name" "$(tail -c 300 "$T/err")"
		fi
	done
else
	fail eb2 "sox: $(cat "$T/sox.err")"
fi

# Half a second of the C2, f0 alone from the example's 67 Hz (a probe's):
# its upper partials are read less well (the match ends 34 cents rms with
# the first partial at 15), the match was thrown away, and with no pitch
# to hold the descent took f0 to 47 Hz.  Now the match's first partial
# is kept and held: within 2.5 % of the whole second's first partial
# (the descent pulls it down to the edge of the hold: 63.9 Hz).
rec=$rdir/pizz_c2_vl3_rr1.wav
if sox "$rec" "$T/c2h.wav" trim 0 0.5 2>"$T/sox.err" && sox "$rec" "$T/c2s.wav" trim 0 1 2>>"$T/sox.err"; then
	want=$(first_partial "$T/c2s.wav")
	if "$DPMC" fit "$MODEL" --target "$T/c2h.wav" --backend cc --fit f0 -o "$T/c2h.json" >"$T/out" 2>"$T/err"; then
		f0=$(json_num f0 "$T/c2h.json")
		within "$f0" "$want" 0.025 && pass c2-half-second-f0 ||
			fail c2-half-second-f0 "f0 = $f0 Hz, the recording's first partial $want Hz: want within 2.5 %; $(grep '^partials' "$T/err" | tr '\n' ' ')"
	else
		fail c2-half-second-f0 "$(tail -c 300 "$T/err")"
	fi
else
	fail c2-half "sox: $(cat "$T/sox.err")"
fi
exit 0
