#!/bin/sh
# tests/losses — the losses of runtime/loss.c's table.  loss_check.c
# (built against runtime/loss.c, with the sanitizers) checks each
# gradient with a Taylor test, level invariance, and the pitch slope of
# sot and the default loss from 10 % away; a second, plain -O2 build
# times every loss on 1 s at 44.1 kHz.  Then `dpmc grad --loss NAME` for
# every name on a small plucked string: the gradient against central
# differences of the loss dpmc prints, the same loss at a level 1000x
# off and dL/damp = 0 for the level-free ones, the sign of dL/df0 from
# 5 % flat.  env: DPMC, REPO, CC.  Prints PASS/FAIL lines.
set -u
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
cd "$REPO" || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-losses.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
export XDG_CACHE_HOME="$T/cache"
status=0

pass() { echo "PASS losses/$1"; }
fail() { echo "FAIL losses/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 400)"; status=1; }

conf() { sed -n "s/^$1 = //p" config.mk; }
FFTW_CFLAGS=$(conf FFTW_CFLAGS)
FFTW_LIBS=$(conf FFTW_LIBS)
W="-std=c11 -Wall -Wextra -Wpedantic -Werror"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

if $CC $W -O2 -g $SAN -Iruntime $FFTW_CFLAGS tests/losses/loss_check.c runtime/loss.c \
	$FFTW_LIBS -lm -o "$T/check" 2>"$T/build.log"; then
	"$T/check" || status=1
else
	fail build "$(head -n 20 "$T/build.log")"
fi
# the time per evaluation, unsanitized: printed, not asserted (speed is
# make bench's; a busy machine made a limit here fail)
if $CC $W -O2 -Iruntime $FFTW_CFLAGS tests/losses/loss_check.c runtime/loss.c \
	$FFTW_LIBS -lm -o "$T/time" 2>"$T/build.log"; then
	"$T/time" -t || status=1
else
	fail build-time "$(head -n 20 "$T/build.log")"
fi

# ---- through the command line ----
json_num() { sed -n "s/.*\"$1\": \\([-+0-9.eE]*\\).*/\\1/p" "$2" | head -n 1; }
M=tests/losses/pluck.dpm
if ! "$DPMC" render "$M" -o "$T/t.wav" --raw -d 0.2 2>"$T/err"; then
	fail cli-setup "render: $(cat "$T/err")"
	exit 1
fi
grad() { "$DPMC" grad "$M" --target "$T/t.wav" "$@" >"$T/out" 2>"$T/err"; }
for loss in mse mrstft simse simrstft sisc sot spec; do
	if ! grad --loss $loss --set f0=104.5; then
		fail "cli-$loss" "$(cat "$T/err")"
		continue
	fi
	g=$(json_num f0 "$T/out")
	l0=$(json_num loss "$T/out")
	# central differences, h = 1e-6 Hz: the spectral losses are C1 with
	# seams (Huber, the soft cut) that bend the loss on the 1e-4 Hz
	# scale.  mrstft and simrstft are left to loss_check.c: their log
	# term of the nearly silent first frames (before the wave reaches
	# the pickup) makes dL/df0 jump by 10 % within 1e-6 Hz.
	case $loss in mse|simse|sisc|sot|spec)
		grad --loss $loss --set f0=104.500001
		lp=$(json_num loss "$T/out")
		grad --loss $loss --set f0=104.499999
		lm=$(json_num loss "$T/out")
		awk -v g="$g" -v a="$lp" -v b="$lm" 'BEGIN { fd = (a - b) / 2e-6; d = g - fd; if (d < 0) d = -d;
			m = fd < 0 ? -fd : fd; exit !(g != "" && d <= 1e-3 * m) }' \
			&& pass "cli-$loss-grad-fd" || fail "cli-$loss-grad-fd" "dL/df0 $g, central differences ($lp - $lm) / 2e-6"
	esac
	# 5 % flat: the transport losses point up; the per-bin ones need not
	case $loss in sot|spec)
		awk -v g="$g" 'BEGIN { exit !(g < 0) }' && pass "cli-$loss-sign" \
			|| fail "cli-$loss-sign" "dL/df0 = $g 5 % flat (want < 0)"
	esac
	case $loss in simse|simrstft|sisc|sot|spec)
		ga=$(json_num amp "$T/out")
		grad --loss $loss --set f0=104.5 --set amp=10
		l1=$(json_num loss "$T/out")
		g1=$(json_num f0 "$T/out")
		ga1=$(json_num amp "$T/out")
		awk -v a="$l0" -v b="$l1" -v g="$g" -v h="$g1" -v p="$ga" -v q="$ga1" 'BEGIN {
			d = a - b; if (d < 0) d = -d; e = g - h; if (e < 0) e = -e;
			if (p < 0) p = -p; if (q < 0) q = -q; if (g < 0) g = -g;
			exit !(d <= 1e-9 * a && e <= 1e-6 * g && p * 0.01 <= 1e-9 * a && q * 10 <= 1e-9 * a) }' \
			&& pass "cli-$loss-level-free" \
			|| fail "cli-$loss-level-free" "loss $l0 at amp 0.01 and $l1 at amp 10; dL/df0 $g and $g1; dL/damp $ga and $ga1"
	esac
done
# targets shorter than the largest FFT's frame (1, 30 ms: one frame, fewer
# bins than sot's work takes) under every loss: sot's work once ran past
# its buffer (a double free, and fit left a JSON behind)
bad=
# (a sine: 1 ms of the render is silent, which a level-free loss refuses)
for d in 0.001 0.03; do
	sox -n -r 44100 -c 1 -b 32 -e float "$T/short.wav" synth $d sine 300 2>"$T/err" || bad="$bad sox $d"
	for loss in mse mrstft simse simrstft sisc sot spec; do
		"$DPMC" grad "$M" --target "$T/short.wav" --loss $loss >"$T/out" 2>"$T/err" &&
			grep -q '"loss"' "$T/out" || bad="$bad $loss at $d s: $(head -c 200 "$T/err")"
	done
done
[ -z "$bad" ] && pass cli-short-targets || fail cli-short-targets "$bad"
# a silent target: mse and mrstft take it (a render driven to silence),
# a level-free loss has nothing to match and says so
"$DPMC" render "$M" -o "$T/silent.wav" --raw -d 0.001 2>"$T/err" || fail silent-render "$(cat "$T/err")"
"$DPMC" grad "$M" --target "$T/silent.wav" --loss mse >"$T/out" 2>"$T/err" && grep -q '"loss"' "$T/out" &&
	pass cli-silent-mse || fail cli-silent-mse "$(head -c 300 "$T/err")"
"$DPMC" grad "$M" --target "$T/silent.wav" --loss spec >"$T/out" 2>"$T/err"
[ $? = 1 ] && grep -q "silent.wav' is silent (every sample is 0): a level-free loss has nothing to match" "$T/err" &&
	pass cli-silent-spec || fail cli-silent-spec "$(head -c 300 "$T/err")"
"$DPMC" grad "$M" --target "$T/t.wav" --loss nope >"$T/out" 2>"$T/err"
st=$?
[ $st = 1 ] && grep -q "sot or spec" "$T/err" && [ ! -s "$T/out" ] && pass cli-unknown-loss \
	|| fail cli-unknown-loss "exit $st: $(cat "$T/err")"
exit $status
