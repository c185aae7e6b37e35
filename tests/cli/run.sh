#!/bin/sh
# tests/cli/run.sh — the dpmc command line against spec/cli.md: exit
# statuses, messages, value checks, output files, backends agreeing bit
# for bit, built programs equal to render, and reentrant generated code.
# env: DPMC (the dpmc to test), REPO (the repo root), CC.
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/cli
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
# the cc backend's cache goes to the scratch folder, not ~/.cache
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME

STR=$HERE/ideal_string.dpm
MEM=$HERE/membrane.dpm
BAD=$HERE/bad_syntax.dpm

pass() { echo "PASS cli/$1"; }
fail() { echo "FAIL cli/$1: $(printf "%s" "$2" | tr "\n" " ")"; }

# run NAME: runs "$@" after NAME, keeping stdout in $T/out, stderr in $T/err, status in $st
run() {
	"$@" >"$T/out" 2>"$T/err"
	st=$?
}

# expect NAME STATUS [STDERR_PATTERN] -- dpmc args...
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	run "$DPMC" "$@"
	if [ "$st" != "$want" ]; then
		fail "$name" "exit $st, want $want ($(head -c 300 "$T/err"))"
	elif [ -n "$pat" ] && ! grep -q -e "$pat" "$T/err"; then
		fail "$name" "stderr lacks '$pat': $(head -c 300 "$T/err")"
	elif [ "$st" != 0 ] && [ "$st" != 2 ] && ! grep -q -e '^dpmc: error: \|: error: ' "$T/err"; then
		fail "$name" "no error message"
	else
		pass "$name"
	fi
}

# no_file NAME FILE: a failed command left nothing behind
no_file() {
	if [ -e "$2" ] || ls "$T" | grep -q 'tmp'; then
		fail "$1" "a failed command left $(ls "$T" | tr '\n' ' ')"
	else
		pass "$1"
	fi
}

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

# ---- help, version, usage errors (exit 2) ----
expect version 0 '' -- --version
grep -q '^dpmc [0-9]' "$T/out" || fail version-text "--version printed '$(cat "$T/out")'"
expect help 0 '' -- --help
for c in check info emit build render grad fit repl; do
	run "$DPMC" $c --help
	if [ "$st" = 0 ] && grep -q "usage: dpmc $c" "$T/out"; then pass "help-$c"; else fail "help-$c" "exit $st"; fi
done
expect no-args 2 '' --
expect unknown-command 2 "unknown command 'rendr'" -- rendr "$STR"
expect unknown-option 2 "unknown option '--frobnicate'" -- render "$STR" -o "$T/a.wav" --frobnicate
expect missing-value 2 "needs a value" -- render "$STR" -o
expect missing-output 2 "missing '-o" -- render "$STR"
expect missing-model 2 "missing the model" -- render -o "$T/a.wav"
expect two-models 2 "unexpected argument" -- check "$STR" "$MEM"
# -o with no name before the suffix (it wrote the hidden files .so, .h)
for o in .so .c .wasm; do
	expect "build-suffix-only-$o" 1 "the file has no name before its suffix" -- build "$STR" -o "$T/$o"
done
[ ! -e "$T/.so" ] && [ ! -e "$T/.h" ] || fail build-suffix-only-files "it wrote $T/.so or .h"
# the header written beside -o's C would replace the model (it did,
# exit 0)
cp "$STR" "$T/q.h"
expect build-header-is-model 1 "writes .*q.h beside it, which is the model" -- build "$T/q.h" -o "$T/q.c"
cmp -s "$STR" "$T/q.h" || fail build-header-is-model-kept "the model q.h was replaced"
# an output named with a leading '-' (cc read the temporary
# -d.so.tmpXXXXXX/model.c beside it as its -d option: an object with no
# model, exit 0; a probe's)
if (cd "$T" && "$DPMC" build "$STR" -o -dash.so 2>"$T/err" && nm -D ./-dash.so | grep -q ' T dpm_new$' &&
    "$DPMC" build "$STR" -o -dexe 2>>"$T/err" && ./-dexe -o dash.wav -d 0.01 2>>"$T/err" && [ -s dash.wav ]); then
	pass build-dash-name
else
	fail build-dash-name "$(head -c 300 "$T/err")"
fi
# a time signal that is not finite (log(t) at t = 0): said as the
# source's, at its place (it read "the scheme is unstable")
printf 'model m\nrate 1000\nlet F(t) = log(t)\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 100^2 * u.xx + F(t) * delta(x - 0.5)\nboundary x = 0, x = 1: fixed\noutput o = u(0.5)\n' >"$T/logt.dpm"
expect time-signal-not-finite 1 "logt.dpm:6:34: error: this point source's strength is not a finite number at t = 0 s" -- \
	render "$T/logt.dpm" -o "$T/logt.wav"
[ ! -e "$T/logt.wav" ] || fail time-signal-not-finite-file "it wrote logt.wav"
# the time it first is not finite, not when the wave reached the output
# (sqrt(T0 - t) from t = 0.00102 s: it said 0.002; from t = 0 it said 0.001)
printf 'model m\nparam T0 = 0.001 in [-1, 1]\nlet G(t) = sqrt(T0 - t)\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 440^2 * u.xx + G(t) * delta(x - 0.3)\nboundary x = 0, x = 1: fixed\noutput out = u(0.77)\n' >"$T/sqrtt.dpm"
expect time-signal-first-time 1 "sqrtt.dpm:6:34: error: this point source's strength is not a finite number at t = 0.00102040816 s" -- \
	render "$T/sqrtt.dpm" -o "$T/sqrtt.wav"
expect time-signal-first-time-0 1 "sqrtt.dpm:6:34: error: this point source's strength is not a finite number at t = 0 s" -- \
	render "$T/sqrtt.dpm" --set T0=-0.5 -o "$T/sqrtt.wav"
# a --set value too small for a double is no 0, as a model's literal is not
expect set-underflow 1 "set f0=1e-400: '1e-400' is below the smallest number a double holds" -- \
	render "$STR" --set f0=1e-400 -o "$T/uf.wav"
# a model without an output: nothing to render or build (a built one's
# dpm_grad divided by its zero outputs: SIGFPE), said at the model line
grep -v '^output' "$STR" >"$T/noout.dpm"
expect no-output-render 1 "noout.dpm:[0-9]*:[0-9]*: error: the model has no output to render" -- \
	render "$T/noout.dpm" -o "$T/noout.wav"
for ext in c so; do
	expect no-output-build-$ext 1 "noout.dpm:[0-9]*:[0-9]*: error: the model has no output to build" -- \
		build "$T/noout.dpm" -o "$T/noout.$ext"
	[ ! -e "$T/noout.$ext" ] || fail no-output-build-$ext-file "it wrote noout.$ext"
done
expect wrong-command-option 2 "not an option" -- check "$STR" --raw
expect bad-backend 1 "unknown backend" -- render "$STR" -o "$T/a.wav" --backend gpu
expect bad-stage 1 "unknown stage" -- emit "$STR" --stage asm
expect fit-needs-target 2 "missing '--target" -- fit "$STR" --fit f0

# ---- model errors (exit 1) ----
expect check-ok 0 '' -- check "$STR"
[ -s "$T/out" ] && fail check-quiet "check printed: $(head -c 200 "$T/out")" || pass check-quiet
expect check-membrane 0 '' -- check "$MEM"
expect model-error 1 'bad_syntax.dpm:5:[0-9]*: error: ' -- check "$BAD"
grep -q '^ *5 | pde u.tt' "$T/err" && grep -q '\^' "$T/err" && pass model-error-caret \
	|| fail model-error-caret "no source line and caret: $(cat "$T/err")"
expect missing-file 1 'nope.dpm' -- check "$T/nope.dpm"
# lap(lap(u).t) is bilap(u.t), as lap(u).t is lap(u.t) (language.md 4: it
# was refused, "lap takes the field or a derivative of it")
for e in 'lap(lap(u).t)' 'bilap(u.t)'; do
	printf 'model d\ndomain x in [0, 1] grid 40\nfield u(x)\npde u.tt = 1e4 * u.xx - 1e-3 * u.xxxx - 1e-6 * %s\nboundary x = 0, x = 1: clamped\ninit u = sin(pi * x)^2\noutput o = u(0.3)\n' "$e" >"$T/lapt.dpm"
	run "$DPMC" render "$T/lapt.dpm" -d 0.01 --raw --double -o "$T/lapt_${#e}.wav"
done
cmp -s "$T/lapt_13.wav" "$T/lapt_10.wav" && pass lap-of-lap-t || fail lap-of-lap-t "$(cat "$T/err")"
# --stats of a model of lumped objects only: no grid, as info says
printf 'model lump\nfield z mass 2\npde z.tt = -100 * z\ninit z = 1\noutput a = z\n' >"$T/lump.dpm"
run "$DPMC" emit "$T/lump.dpm" --stage scheme
if [ "$st" = 0 ] && grep -q '^# lump: lumped objects only' "$T/out" && grep -q '^  z: ct = 0, rest = -100\*rd0$' "$T/out" &&
   ! grep -q 'u\[n+1\]' "$T/out"; then
	pass emit-scheme-lumped
else
	fail emit-scheme-lumped "$(head -c 300 "$T/out")"
fi
expect stats-lumped-no-grid 0 '"grid": \[\], "steps": 441' -- render "$T/lump.dpm" -d 0.01 -o "$T/lump.wav" --stats
# a free mass at any rate: the placeholder grid field once needed 3 Hz
# and up (a probe's: "unstable on every grid" at -r 1)
printf 'model fall\nfield z\npde z.tt = -9.81\noutput a = z\n' >"$T/fall.dpm"
expect lumped-rate-1 0 '' -- render "$T/fall.dpm" -r 1 -d 3 --raw --double -o "$T/fall.wav"
# and info prints no stability margin for it (it printed 14700: the
# placeholder grid's), --json "stability": null
run "$DPMC" info "$T/lump.dpm"
[ "$st" = 0 ] && ! grep -q '^stability' "$T/out" && pass info-lumped-no-margin || fail info-lumped-no-margin "$(cat "$T/out")"
run "$DPMC" info "$T/lump.dpm" --json
grep -q '"grid": \[\], "h": \[\], "stability": null' "$T/out" && pass info-lumped-json || fail info-lumped-json "$(cat "$T/out")"
# a strip too thin for 3 intervals across at this step: said as such (it
# was "check the signs", N = 3)
printf 'model thin\ndomain x in [0, 1], y in [0, 0.01]\nfield u(x, y)\npde u.tt = 150^2 * lap(u)\nboundary edges: fixed\ninit u = 0.01 * sin(pi * x) * sin(100 * pi * y)\noutput o = u(0.3, 0.005)\n' >"$T/thin.dpm"
expect thin-strip 1 "3 x 3 intervals, the fewest each axis takes.*a side of the domain this short (1 by 0.01)" -- check "$T/thin.dpm"
# a model with no stable grid at its defaults does not pass check
sed 's/^domain x in \[0, 1\]$/domain x in [0, 1] grid 400/' "$STR" >"$T/fine.dpm"
expect check-unstable-defaults 1 "grid 400 is unstable for the params in force" -- check "$T/fine.dpm"
# check --grid: the grid forced must be stable (it was refused as not an
# option of check, which the man page lists among the common options)
expect check-grid-unstable 1 "grid 400 is unstable for the params in force" -- check "$STR" --grid 400
expect check-grid-stable 0 '' -- check "$STR" --grid 40
# emit prints what holds for every grid: --grid refused (it was ignored)
expect emit-grid 1 "what emit prints holds for every grid" -- emit "$STR" --stage c --grid 40
expect render-model-error 1 'error: ' -- render "$BAD" -o "$T/bad.wav"
no_file render-model-error-nofile "$T/bad.wav"

# ---- bad --set ----
expect set-unknown 1 "did you mean 'f0'" -- render "$STR" -o "$T/s.wav" --set f=300
expect set-range 1 '\[20, 4000\]' -- render "$STR" -o "$T/s.wav" --set f0=5
expect set-range-high 1 '\[20, 4000\]' -- render "$STR" -o "$T/s.wav" --set f0=4000.5
expect set-nan 1 'nan' -- render "$STR" -o "$T/s.wav" --set f0=nan
expect set-inf 1 'inf' -- render "$STR" -o "$T/s.wav" --set f0=inf
expect set-garbage 1 '12abc' -- render "$STR" -o "$T/s.wav" --set f0=12abc
expect set-noequals 1 'NAME=VALUE' -- render "$STR" -o "$T/s.wav" --set f0
no_file set-nofile "$T/s.wav"

# ---- --params ----
printf '{"params": {"f0": 440}, "loss": 0.5, "steps": 10}\n' >"$T/ok.json"
printf '{"params": {"f0": 440,}}\n' >"$T/comma.json"
printf '{"params":\n  {"f00": 440}}\n' >"$T/name.json"
printf '{"params": {"f0": 1e6}}\n' >"$T/range.json"
printf '{"parms": {"f0": 440}}\n' >"$T/none.json"
printf '{"params": {"f0": 440}\n' >"$T/open.json"
expect params-ok 0 '' -- info "$STR" --params "$T/ok.json" --json
grep -q '"grid": \[50\]' "$T/out" && pass params-applied || fail params-applied "f0=440 should give 50 intervals: $(cat "$T/out")"
run "$DPMC" info "$STR" --params "$T/ok.json" --set f0=220 --json
grep -q '"grid": \[100\]' "$T/out" && pass set-wins-over-params || fail set-wins-over-params "$(cat "$T/out")"
# a byte-order mark first (some editors write one): read as without
printf '\357\273\277{"params": {"f0": 440}}\n' >"$T/bom.json"
expect params-bom 0 '' -- info "$STR" --params "$T/bom.json" --json
grep -q '"grid": \[50\]' "$T/out" && pass params-bom-applied || fail params-bom-applied "$(cat "$T/out")"
expect params-syntax 1 'comma.json:1:[0-9]*: error: ' -- render "$STR" -o "$T/p.wav" --params "$T/comma.json"
# a hex number is a syntax error at its x (a probe's: "f0 = 16 is
# outside its range", a value the file never says)
printf '{"params": {"f0": 0x10}}\n' >"$T/hex.json"
expect params-hex 1 'hex.json:1:20: error: expected the number to end here (JSON numbers are decimal: no 0x, no leading 0)' -- \
	render "$STR" -o "$T/p.wav" --params "$T/hex.json"
expect params-name 1 "name.json:2:4: error: unknown param 'f00'" -- render "$STR" -o "$T/p.wav" --params "$T/name.json"
expect params-range 1 'range.json:1:[0-9]*: error: .*\[20, 4000\]' -- render "$STR" -o "$T/p.wav" --params "$T/range.json"
expect params-missing 1 'no "params"' -- render "$STR" -o "$T/p.wav" --params "$T/none.json"
expect params-unclosed 1 'open.json:[0-9]*:[0-9]*: error: ' -- render "$STR" -o "$T/p.wav" --params "$T/open.json"
expect params-nofile 1 'nope.json' -- render "$STR" -o "$T/p.wav" --params "$T/nope.json"
no_file params-nofile-out "$T/p.wav"

# ---- durations, rates, grids ----
expect dur-zero 1 '' -- render "$STR" -o "$T/d.wav" -d 0
expect dur-negative 1 '' -- render "$STR" -o "$T/d.wav" -d -1
expect dur-nan 1 '' -- render "$STR" -o "$T/d.wav" -d nan
expect dur-inf 1 '' -- render "$STR" -o "$T/d.wav" -d inf
expect dur-huge 1 'samples' -- render "$STR" -o "$T/d.wav" -d 1e7
expect rate-zero 1 '' -- render "$STR" -o "$T/d.wav" -r 0
no_file dur-nofile "$T/d.wav"
# forced grid finer than the stability limit (N <= floor(rate / (2 f0)) = 100)
expect grid-unstable 1 'dpmc: error: .*ideal_string.dpm: ' -- render "$STR" -o "$T/g.wav" --grid 101
expect grid-stable 0 '' -- info "$STR" --grid 80 --json
grep -q '"grid": \[80\]' "$T/out" && pass grid-forced || fail grid-forced "$(cat "$T/out")"
# the common options on every command (cli.md); check with --set checks them
expect check-set 0 '' -- check "$STR" --set f0=300 -r 48000 --backend cc --stats
expect check-set-unknown 1 "unknown param 'bogus'" -- check "$STR" --set bogus=1
expect check-set-range 1 "f0 = 1000000000 is outside its range" -- check "$STR" --set f0=1e9
expect emit-backend 0 '' -- emit "$STR" --stage scheme --backend llvm --stats
expect grid-dims 1 '' -- render "$STR" -o "$T/g.wav" --grid 10,10
# c = 10 at 10 MHz: h_min = c k sqrt(2) ~ 1.4e-6, a ~7e5 x 6e5 grid: refused before allocating
expect grid-huge 1 'membrane.dpm:8:12: error: the finest stable grid would have over 1e8 points' -- render "$MEM" -o "$T/g.wav" --set c=10 -r 10000000
no_file grid-nofile "$T/g.wav"
# a C compiler that fails without a word: how it ended, and the fix (the
# message ended at "failed:")
XDG_CACHE_HOME=$T/cc-false CC=false "$DPMC" render "$STR" -o "$T/ccf.wav" -d 0.01 --backend cc >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 1 ] && grep -q "the C compiler 'false' failed: exit status 1, and said nothing; check it compiles C" "$T/err" &&
	[ ! -e "$T/ccf.wav" ] && pass cc-silent-failure || fail cc-silent-failure "exit $st: $(head -c 300 "$T/err")"
# a high integer power of a product stays whole: (E / 2e11)^30 at E =
# 2e11 is 1 (split into E^30 * 2e11^-30 it was inf * 0: a silent render)
printf 'model pw\nparam E = 2e11 in [1e9, 1e12]\nfield z\npde z.tt = -(2 * pi * 100)^2 * z\ninit z = 1\noutput out = z * (E / 2e11)^30\n' >"$T/pw.dpm"
sed 's| \* (E / 2e11)^30||' "$T/pw.dpm" >"$T/pw0.dpm"
run "$DPMC" render "$T/pw.dpm" --raw -d 0.01 -o "$T/pw.wav"
run "$DPMC" render "$T/pw0.dpm" --raw -d 0.01 -o "$T/pw0.wav"
cmp -s "$T/pw.wav" "$T/pw0.wav" && pass power-of-product-whole || fail power-of-product-whole "exit $st: $(head -c 300 "$T/err")"
# a model of lumped objects alone may name a param x (its hidden field's
# coordinate took x, then x_, which has no derivative letter: refused);
# and a constant division is a division (3/10 was 3 * 0.1, outside
# [0, 0.3]): both render as the same model with other names
printf 'model lx\nparam x = 400 in [1, 1e4]\nparam q = 3/10 in [0, 0.3]\nfield z\npde z.tt = -x * z\ninit z = q\noutput o = z\n' >"$T/lx.dpm"
sed -e 's/param x /param kk /' -e 's/-x \* z/-kk * z/' -e 's|3/10|0.3|' "$T/lx.dpm" >"$T/lk.dpm"
run "$DPMC" render "$T/lx.dpm" --raw -d 0.01 -o "$T/lx.wav"
run "$DPMC" render "$T/lk.dpm" --raw -d 0.01 -o "$T/lk.wav"
cmp -s "$T/lx.wav" "$T/lk.wav" && pass lumped-param-x || fail lumped-param-x "exit $st: $(head -c 300 "$T/err")"
# --cpu is llvm's: another backend says it does not use it (taken silently)
expect cpu-not-llvm 0 'warning: --cpu foo is for --backend llvm; this run compiles with tcc, which does not use it' \
	-- render "$STR" -o "$T/g.wav" -d 0.01 --cpu foo --backend tcc
# 8485 x 6788 intervals, 58M points, under the limit: planned (the search
# halved h past it to 1.6e8 points and refused; a probe's)
run "$DPMC" info "$MEM" --set c=10 -r 120000
[ "$st" = 0 ] && grep -q 'grid x     8485 intervals' "$T/out" && pass grid-under-1e8 ||
	fail grid-under-1e8 "exit $st: $(head -c 300 "$T/err")"
# a tension that rises after t = 0: the grid is planned over the render
# (220 intervals at t = 0; sqrt(1.2) x coarser at the bend's peak)
sed 's/ grid 40$//' "$HERE/../grad/glide.dpm" >"$T/glide.dpm"
expect bend-render 0 '' -- render "$T/glide.dpm" -o "$T/b.wav" --stats
grep -q '"grid": \[201\]' "$T/err" && pass bend-grid || fail bend-grid "$(cat "$T/err")"
rm -f "$T/b.wav"
expect bend-forced 1 'grid 220 is unstable for the params in force at t = ' -- \
	render "$T/glide.dpm" -o "$T/b.wav" --grid 220
no_file bend-forced-nofile "$T/b.wav"
# a point spring that stiffens in time (a probe's): planned over the
# render too, 333 intervals where t = 0's 440 blew up at sample 10272;
# and a lumped object that does so: said, with the time, at its pde
cat >"$T/ramp.dpm" <<'X'
model ramp
param K0 = 1e4 in [0, 1e12]
let K(t) = K0 * (1 + 1e3 * t)
field z mass 0.001
pde u.tt = 1e4 * u.xx - K(t) * u(0.5) * delta(x - 0.5)
pde z.tt = -K(t) * z / 0.001
domain x in [0, 1]
field u(x)
boundary x = 0, x = 1: fixed
init u = 0.001 * sin(pi * x)
init z = 0.001
output o = u(0.5)
X
sed '/z/d' "$T/ramp.dpm" >"$T/ramp_spring.dpm"
expect ramp-spring 0 '' -- render "$T/ramp_spring.dpm" -o "$T/r.wav" --stats
grep -q '"grid": \[333\]' "$T/err" && pass ramp-spring-grid || fail ramp-spring-grid "$(cat "$T/err")"
sed 's/K0 \* (1 + 1e3 \* t)/K0 * (1 + 1e8 * t^2)/' "$T/ramp.dpm" >"$T/ramp_lump.dpm"
expect ramp-lump 1 'ramp_lump.dpm:6:12: error: the lumped object .z. is too stiff at t = 0.0[0-9]* s' -- \
	render "$T/ramp_lump.dpm" -o "$T/r2.wav"
no_file ramp-lump-nofile "$T/r2.wav"
# two decay times no damping law of the form meets (sigma0 < 0): said as
# a loss below 0 (it read "unstable on every grid ... check the signs")
expect loss-below-0 1 "marimba.dpm:76:13: error: the pde's loss is below 0 for the params in force" -- \
	render "$REPO/examples/marimba.dpm" --set T60lo=2.8 --set T60hi=0.11 -d 0.05 -o "$T/neg.wav"
# a coefficient that is NaN at the values set (t60_sigma0 of two equal
# frequencies divides by 0): said as such, not as an unstable scheme
cat >"$T/nanset.dpm" <<'X'
model nanset
import "loss.dpm"
param f0 = 100 in [20, 4000]
param f2 = 2000 in [50, 5000]
let s0 = t60_sigma0(2 * f0, 0, 4, 100, 1, f2)
let s1 = t60_sigma1(2 * f0, 0, 4, 100, 1, f2)
domain x in [0, 1]
field u(x)
pde u.tt = (2 * f0)^2 * u.xx - 2 * s0 * u.t + 2 * s1 * u.xxt
boundary x = 0, x = 1: fixed
init u = 0.01 * sin(pi * x)
output out = u(0.5)
X
expect nan-coefficient 1 "nanset.dpm:9:12: error: a coefficient of the pde is not a number (NaN) for the params in force" -- \
	render "$T/nanset.dpm" --set f2=100 -o "$T/nan.wav"
no_file nan-coefficient-nofile "$T/nan.wav"
# a lumped object that blows up is the simulation's, not its output's
# a model's own names beside the stdlib's (a probe's `fn zeta(w)` beside
# import "loss.dpm" was "'zeta' is already declared"): the model's
# definitions are its own, the library's code keeps the library's, so
# the render is the one without them
sed 's/^let s0 = .*/fn zeta(w) = w^3\nfn ramp(q) = 7\nconst decay = 9\n&/' "$T/nanset.dpm" |
	sed 's/^init u = .*/import "excite.dpm"\ninit u = 0.01 * sin(pi * x) * release(0.5, 0, 1) * ramp(1) \/ 7/' >"$T/shadow.dpm"
sed 's/^init u = .*/init u = 0.01 * sin(pi * x) * release(0.5, 0, 1)/; /^fn zeta\|^fn ramp\|^const decay/d' "$T/shadow.dpm" >"$T/shadow0.dpm"
if "$DPMC" render "$T/shadow.dpm" --raw -d 0.05 -o "$T/sh.wav" 2>"$T/err" &&
	"$DPMC" render "$T/shadow0.dpm" --raw -d 0.05 -o "$T/sh0.wav" 2>>"$T/err" && cmp -s "$T/sh.wav" "$T/sh0.wav"; then
	pass import-shadowed-by-model
else
	fail import-shadowed-by-model "$(cat "$T/err")"
fi
# (only the grid's points were looked at: "output 'out' is inf ... where
# the simulation is finite")
printf 'model blow\nparam a = 1e6 in [0, 1e9]\nfield z mass 1\npde z.tt = a * z\ninit z = 1\noutput out = z\n' >"$T/blow.dpm"
expect lump-blowup 1 "blow.dpm: the simulation blew up at sample 30723" -- render "$T/blow.dpm" -o "$T/blow.wav"
no_file lump-blowup-nofile "$T/blow.wav"
# `energy` is no keyword: a param so named is what `output E = energy`
# reads, said (it changed the output's meaning without a word)
printf 'model pe\nparam energy = 1 in [0, 2]\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 100^2 * u.xx\nboundary x = 0, x = 1: fixed\ninit u = 0.001 * max(0, 1 - abs(x - 0.3) / 0.05)\noutput out = u(0.3)\noutput E = energy\n' >"$T/pe.dpm"
expect energy-param-note 0 "pe.dpm:9:12: note: 'energy' here is the name this model declares" -- check "$T/pe.dpm"
# a pluck narrower than the spacing of the grid planned: every sample 0,
# said (a probe's: a silent file, exit 0, no word)
expect silent-warning 0 'the render is silent (every sample 0): nothing moves what the outputs read: a render that ends before the wave reaches the outputs (render longer), an output at a held end, or an excitation narrower than the grid planned (5 intervals' -- \
	render "$REPO/examples/ideal_string.dpm" --set f0=4000 -d 0.05 -o "$T/silent.wav"
# ... and a pluck that leaves only rounding on the grid (2.6e-18 at 8
# intervals): said (a probe's: noise at -1 dBFS, no word); scaled all the
# same (a linear model excited at 1e-15 sounds as at 1)
expect quiet-warning 0 "the render's peak is [0-9.]*e-1[0-9], likely rounding (scaled to -1 dBFS all the same): nothing may move what the outputs read" -- \
	render "$REPO/examples/ideal_string.dpm" --set f0=2500 -d 0.05 -o "$T/quiet.wav"
# lumped objects at rest: no grid to blame (it named one of 3 intervals)
printf 'model rest\nfield z mass 1\npde z.tt = -1e4 * z\noutput o = z\n' >"$T/rest.dpm"
expect silent-lumped 0 'rest.dpm: the render is silent (every sample 0): nothing moves what the outputs read; check the inits and forces of the lumped objects' -- \
	render "$T/rest.dpm" -d 0.01 -o "$T/rest.wav"
# a bump narrower than the planner's samples (every 172 steps of a 1 s
# render): each tap's extremes over the steps are checked too, and the
# grid is planned for the bump (it blew up)
sed 's/^let T(t) = .*/let T(t) = c^2 * (1 + 24 * (t > 0.004) * (t < 0.0077))/' "$T/glide.dpm" >"$T/bump.dpm"
expect bump-planned 0 '' -- render "$T/bump.dpm" -o "$T/b.wav"
rm -f "$T/b.wav"
# a bump narrow in x too: found where it is 0.05 wide (33 points along x
# seek the extremes; it slipped between 5 and blew up), not where it is
# 0.01 wide, between those points: it blows up; the error says where, a
# note says what to do
sed -e 's/^let T(t) = .*/let T(t) = c^2 * (1 + 24 * (t > 0.004) * (t < 0.0077))/' \
	-e 's/T(t) \* u.xx/c^2 * (1 + (T(t) \/ c^2 - 1) * (x > 0.35) * (x < 0.4)) * u.xx/' "$T/glide.dpm" >"$T/bump.dpm"
expect bump-x-planned 0 '' -- render "$T/bump.dpm" -o "$T/b.wav"
rm -f "$T/b.wav"
# in 2D: 3x the speed for 3 ms at 0.3 s within 0.1 of (0.2, 0.2), between
# 3 x 3 points: 'no stable grid found' after 56 s (a probe's); then 213,
# planned from 9 x 9 samples of later times, the nearest 0.07 from the
# bump's top (5x the tension there, not 9); every grid point scanned, 207:
# sqrt(2) 150 k = 1 / 207.9, the frozen largest speed (language.md 10)
printf 'model bxy\nimport "excite.dpm"\nlet g(t) = raised_cosine(t, 0.3001, 0.003)\nlet w(x, y) = max(0, 1 - ((x - 0.2)^2 + (y - 0.2)^2) / 0.01)\ndomain x in [0, 1], y in [0, 1]\nfield u(x, y)\npde u.tt = 50^2 * (1 + 8 * g(t) * w(x, y)) * lap(u) - 2 * u.t\nboundary x = 0, x = 1, y = 0, y = 1: fixed\ninit u = 0.001 * max(0, 1 - ((x - 0.6)^2 + (y - 0.7)^2) / 0.01)\noutput out = u(0.77, 0.4)\n' >"$T/bxy.dpm"
run "$DPMC" info "$T/bxy.dpm"
grep -q '^grid x  *207 intervals' "$T/out" && pass plan-bump-xy || fail plan-bump-xy "$(cat "$T/out" "$T/err")"
# one 0.8 mm wide and two steps long, on a grid of 2205 (whose points the
# check samples one in 8.6): it slips between every sample
printf 'model nb\nlet T(t) = 1 + 1e300 * (t > 0.004) * (t < 0.00405)\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 20^2 * (1 + (T(t) - 1) * (x > 0.3101) * (x < 0.3109)) * u.xx\nboundary x = 0, x = 1: fixed\ninit u = 0.001 * max(0, 1 - abs(x - 0.3) / 0.05)\noutput o = u(0.7)\n' >"$T/bump.dpm"
expect bump-blowup 1 'blew up at sample' -- render "$T/bump.dpm" -d 0.1 -o "$T/b.wav"
grep -q "note: the grid (2205 intervals) was planned for the step's coefficients" "$T/err" &&
	pass bump-note || fail bump-note "$(cat "$T/err")"
no_file bump-nofile "$T/b.wav"
rm -f "$T/b.wav" "$T/glide.dpm" "$T/bump.dpm"

# ---- info: the grid the stability bound gives ----
# ideal string: c = 2 f0 = 440, k = 1/44100: h_min = c k, N = floor(1 / h_min) = 100
expect info-json 0 '' -- info "$STR" --json
for want in '"model": "ideal_string"' '"rate": 44100' '"grid": \[100\]' '"h": \[0.01\]' \
	'"f0": {"value": 220, "min": 20, "max": 4000' '"outputs": \["out"\]'; do
	grep -q "$want" "$T/out" || { fail info-json-keys "no $want in $(cat "$T/out")"; want=; break; }
done
[ -n "$want" ] && pass info-json-keys
# membrane: h_min = c k sqrt(2) = 0.0064137: Nx = floor(1 / h_min) = 155, Ny = floor(0.8 / h_min) = 124
expect info-membrane 0 '' -- info "$MEM" --json
grep -q '"grid": \[155, 124\]' "$T/out" && pass info-membrane-grid || fail info-membrane-grid "$(cat "$T/out")"
expect info-text 0 '' -- info "$STR"
grep -q '100' "$T/out" && grep -q 'f0' "$T/out" && pass info-text-content || fail info-text-content "$(cat "$T/out")"

# ---- render ----
expect render 0 '' -- render "$STR" -o "$T/r.wav"
if command -v sox >/dev/null; then
	i="$(sox --i -c "$T/r.wav" 2>/dev/null) $(sox --i -r "$T/r.wav" 2>/dev/null) $(sox --i -b "$T/r.wav" 2>/dev/null) $(sox --i -s "$T/r.wav" 2>/dev/null)"
	[ "$i" = "1 44100 24 44100" ] && pass render-wav-format || fail render-wav-format "channels rate bits samples = $i, want 1 44100 24 44100"
	# the peak is scaled to -1 dBFS: 10^(-1/20) = 0.8913
	pk=$(sox "$T/r.wav" -n stat 2>&1 | awk '/Maximum amplitude/ {a=$3} /Minimum amplitude/ {b=-$3} END {print (a > b ? a : b)}')
	awk -v p="$pk" 'BEGIN {exit !(p > 0.8903 && p < 0.8923)}' && pass render-peak-1dBFS || fail render-peak-1dBFS "peak $pk, want 0.8913"
	expect render-raw 0 '' -- render "$STR" -o "$T/raw.wav" --raw -d 0.5
	i="$(sox --i -e "$T/raw.wav" 2>/dev/null) $(sox --i -b "$T/raw.wav" 2>/dev/null) $(sox --i -s "$T/raw.wav" 2>/dev/null)"
	case $i in *Floating*" 32 22050") pass raw-float ;; *) fail raw-float "$i" ;; esac
	# unscaled: the pluck is 0.01 high, so the string never passes 0.01
	pk=$(sox "$T/raw.wav" -n stat 2>&1 | awk '/Maximum amplitude/ {a=$3} /Minimum amplitude/ {b=-$3} END {print (a > b ? a : b)}')
	awk -v p="$pk" 'BEGIN {exit !(p > 0.002 && p <= 0.0100001)}' && pass raw-unscaled || fail raw-unscaled "peak $pk, want 0.002..0.01"
	expect render-rate 0 '' -- render "$STR" -o "$T/r48.wav" -r 48000 -d 0.25
	i="$(sox --i -r "$T/r48.wav" 2>/dev/null) $(sox --i -s "$T/r48.wav" 2>/dev/null)"
	[ "$i" = "48000 12000" ] && pass render-rate-header || fail render-rate-header "rate samples = $i"
	expect render-membrane 0 '' -- render -d 0.1 -o "$T/m.wav" "$MEM"
	[ "$(sox --i -c "$T/m.wav" 2>/dev/null)" = 1 ] && pass render-membrane-wav || fail render-membrane-wav "not a 1-channel WAV"
else
	fail render-wav-format "sox is not installed"
fi
expect render-stats 0 '' -- render "$STR" -o "$T/st.wav" -d 0.1 --stats
line=$(grep '^{' "$T/err")
ok=1
for k in '"backend": "tcc"' '"compile_ms": ' '"init_ms": ' '"run_ms": ' '"grid": \[100\]' '"steps": 4410' '"mpts_per_s": '; do
	echo "$line" | grep -q "$k" || ok=0
done
[ $ok = 1 ] && pass render-stats-json || fail render-stats-json "$line"
expect backend-llvm 0 '' -- render "$STR" -o "$T/ll.wav" --raw -d 0.1 --backend llvm
expect backend-llvm-cc 0 '' -- render "$STR" -o "$T/llcc.wav" --raw -d 0.1 --backend cc
cmp -s "$T/ll.wav" "$T/llcc.wav" && pass backend-llvm-equals-cc || fail backend-llvm-equals-cc "llvm and cc renders differ"
rm -f "$T/ll.wav" "$T/llcc.wav"

# ---- backends agree bit for bit ----
expect render-tcc 0 '' -- render "$MEM" -o "$T/tcc.wav" --raw -d 0.2 --set c=300
expect render-cc 0 '' -- render "$MEM" -o "$T/cc.wav" --raw -d 0.2 --set c=300 --backend cc
cmp -s "$T/tcc.wav" "$T/cc.wav" && pass cc-equals-tcc || fail cc-equals-tcc "the raw outputs differ"
ls "$T/cache/dpm/"*.so >/dev/null 2>&1 && pass cc-cache || fail cc-cache "no object in $T/cache/dpm"
expect render-cc-hit 0 '' -- render "$MEM" -o "$T/cc2.wav" --raw -d 0.2 --set c=300 --backend cc
cmp -s "$T/tcc.wav" "$T/cc2.wav" && pass cc-cache-hit-equal || fail cc-cache-hit-equal "the cached object's output differs"

# ---- build ----
expect build-c 0 '' -- build "$STR" -o "$T/model.c"
[ -f "$T/model.h" ] && pass build-header || fail build-header "no model.h beside model.c"
if (cd "$T" && $CC -std=c99 -pedantic -Wall -Wextra -Werror -O2 -c model.c -o model.o) >"$T/cc.log" 2>&1; then
	pass build-c-compiles-clean
else
	fail build-c-compiles-clean "$(head -c 400 "$T/cc.log")"
fi
# every example, and a step that varies in time, clean under -pedantic
# with cc and (where there is one) clang: the C a user builds on
sed 's/ grid 40$//' "$HERE/../grad/glide.dpm" >"$T/glide.dpm"
for f in "$HERE"/../../examples/*.dpm "$T/glide.dpm"; do
	b=$(basename "$f" .dpm)
	if ! "$DPMC" build "$f" -o "$T/pd_$b.c" >"$T/cc.log" 2>&1; then
		fail "build-pedantic-$b" "dpmc build: $(head -c 300 "$T/cc.log")"
		continue
	fi
	# (clang's warnings come from its front end: -fsyntax-only; gcc's
	# flow warnings need its optimiser: -O1)
	for c in $CC clang; do
		command -v $c >/dev/null 2>&1 || continue
		how="-O1 -c pd_$b.c -o pd.o"
		[ "$c" = clang ] && how="-fsyntax-only pd_$b.c"
		if (cd "$T" && $c -std=c99 -pedantic -Wall -Wextra -Werror $how) >"$T/cc.log" 2>&1; then
			pass "build-pedantic-$b-$c"
		else
			fail "build-pedantic-$b-$c" "$(head -c 400 "$T/cc.log")"
		fi
	done
	rm -f "$T/pd_$b.c" "$T/pd_$b.h" "$T/pd.o"
done
rm -f "$T/glide.dpm"
if $CC -O2 -DPREFIX=ideal_string -I"$T" -o "$T/threads" "$HERE/threads.c" "$T/model.c" -pthread -lm >"$T/cc.log" 2>&1; then
	if "$T/threads" >"$T/th.log" 2>&1; then pass threads; else fail threads "$(cat "$T/th.log")"; fi
else
	fail threads "does not compile: $(head -c 400 "$T/cc.log")"
fi
expect build-so 0 '' -- build "$STR" -o "$T/model.so"
nm -D "$T/model.so" 2>/dev/null | grep -q ' T ideal_string_run' && pass build-so-symbols || fail build-so-symbols "no ideal_string_run in model.so"
# the header beside it (api.md: the functions "declared in M.h")
grep -q 'dpm_model \*dpm_new(double rate)' "$T/model.h" 2>/dev/null && pass build-so-header ||
	fail build-so-header "no model.h beside model.so declaring dpm_new"
expect build-exe 0 '' -- build "$STR" -o "$T/string"
# build --stats: its two times (it printed nothing; a probe's)
expect build-stats 0 '^{"compile_ms": [0-9.]*, "build_ms": [0-9.]*}$' -- build "$STR" -o "$T/stats.c" --stats
if [ -x "$T/string" ]; then
	run "$T/string" -o "$T/exe.wav" -d 0.5 --set f0=330
	run "$DPMC" render "$STR" -o "$T/ren.wav" -d 0.5 --set f0=330
	cmp -s "$T/exe.wav" "$T/ren.wav" && pass exe-equals-render || fail exe-equals-render "the WAVs differ"
	run "$T/string" -o "$T/exe.wav" -d 0.3 --raw -r 22050
	run "$DPMC" render "$STR" -o "$T/ren.wav" -d 0.3 --raw -r 22050
	cmp -s "$T/exe.wav" "$T/ren.wav" && pass exe-equals-render-raw || fail exe-equals-render-raw "the raw WAVs differ"
	# a coefficient that varies in time: the program plans the grid for
	# its whole render, as render does (it planned at t = 0 and blew up)
	run "$DPMC" build "$HERE/glide.dpm" -o "$T/glide"
	run "$T/glide" -o "$T/exe.wav" -d 0.5 --raw
	run "$DPMC" render "$HERE/glide.dpm" -o "$T/ren.wav" -d 0.5 --raw
	cmp -s "$T/exe.wav" "$T/ren.wav" && pass exe-equals-render-glide || fail exe-equals-render-glide "exit $st: $(cat "$T/err")"
	# a bump in the wave speed between the planner's evenly spaced steps
	run "$DPMC" render "$HERE/bump.dpm" -d 1 --stats -o "$T/bump.wav"
	[ "$st" = 0 ] && grep -q '"grid": \[25\]' "$T/err" && pass plan-bump || fail plan-bump "exit $st: $(cat "$T/err")"
	# the same where the coefficient varies in x too (it was skipped: 4e101)
	sed 's/ \* u.xx/ * (1 + 0.001 * x) * u.xx/' "$HERE/bump.dpm" >"$T/bumpx.dpm"
	run "$DPMC" render "$T/bumpx.dpm" -d 1 --stats -o "$T/bumpx.wav"
	[ "$st" = 0 ] && grep -q '"grid": \[25\]' "$T/err" && pass plan-bump-x || fail plan-bump-x "exit $st: $(cat "$T/err")"
	# a lumped object 61 times stiffer for 2 ms: refused at that time
	printf 'model lb\nimport "excite.dpm"\nparam K = 5e8 in [1, 1e12] log\nlet Kt(t) = K * (1 + 60 * raised_cosine(t, 0.5001, 0.002))\nfield z mass 1\npde z.tt = -Kt(t) * z\ninit z = 0.001\noutput out = z\n' >"$T/lb.dpm"
	expect plan-bump-lump 1 "the lumped object 'z' is too stiff at t = 0.50" -- render "$T/lb.dpm" -d 1 -o "$T/lb.wav"
	run "$T/string" -o "$T/exe-bad.wav" --set f0=1
	[ "$st" = 1 ] && [ ! -e "$T/exe-bad.wav" ] && pass exe-bad-set || fail exe-bad-set "exit $st"
	# a second field's grid is compiled in: a program run at another rate
	# or values says so (it rendered 'w' on the 19 intervals of 44.1 kHz
	# where render plans 29 at 96 kHz, silently; a probe's); at the
	# values it was built for, nothing
	run "$DPMC" build "$REPO/tests/fields/bar.dpm" -o "$T/bar"
	run "$T/bar" -o "$T/bar.wav" -d 0.02 -r 96000
	w1=$(grep -c "warning: the grid of 'w' (19 intervals) is compiled in, planned at build for 44100 Hz.*this rate" "$T/err")
	run "$T/bar" -o "$T/bar.wav" -d 0.02 --set Kc=3
	w2=$(grep -c "warning: the grid of 'w' .*these values" "$T/err")
	run "$T/bar" -o "$T/bar.wav" -d 0.02
	w3=$(grep -c warning "$T/err")
	run "$DPMC" build "$REPO/tests/fields/bar.dpm" -r 96000 --set Kc=3 -o "$T/bar96"
	run "$T/bar96" -o "$T/bar.wav" -d 0.02
	w4=$(grep -c warning "$T/err")
	[ "$w1 $w2 $w3 $w4" = "1 1 0 0" ] && pass exe-chain-grid-warns || fail exe-chain-grid-warns "warnings $w1 $w2 $w3 $w4"
	# a param the bar's planning does not read (the string's pluck) moves
	# no grid: no warning, render's samples (it warned: a probe's)
	sed -e 's/^param Kc.*/&\nparam amp = 1 in [0, 10]/' -e 's/^init u = /init u = amp * /' \
		"$REPO/tests/fields/bar.dpm" >"$T/barv.dpm"
	run "$DPMC" build "$T/barv.dpm" -o "$T/barv"
	run "$T/barv" -o "$T/barv.wav" -d 0.02 --raw --set amp=3
	w5=$(grep -c warning "$T/err")
	run "$DPMC" render "$T/barv.dpm" -o "$T/barvr.wav" -d 0.02 --raw --set amp=3
	run "$T/barv" -o "$T/barvk.wav" -d 0.02 --raw --set amp=3 --set Kc=3
	w6=$(grep -c "warning: the grid of 'w' .*these values" "$T/err")
	[ "$w5 $w6" = "0 1" ] && cmp -s "$T/barv.wav" "$T/barvr.wav" && pass exe-chain-grid-other-param-quiet ||
		fail exe-chain-grid-other-param-quiet "warnings $w5 $w6, or the samples differ from render's"
else
	fail exe-equals-render "no executable"
fi
# a suffix build does not know still makes the executable (cli.md), and says so
expect build-exe-suffix 0 "note: -o .*string.o: '.o' is none of .c, .so, .lv2, .wasm, .html, so this builds an executable" \
	-- build "$STR" -o "$T/string.o"
[ -x "$T/string.o" ] && pass build-exe-suffix-runs || fail build-exe-suffix-runs "no executable string.o"
run "$DPMC" build "$STR" -o "$T/string2"
grep -q note "$T/err" && fail build-exe-quiet "$(head -c 200 "$T/err")" || pass build-exe-quiet
# an expression 300 calls deep (within the parser's 1000): the C it
# becomes takes a temporary every 40 levels, so TinyCC compiles it (it
# stopped: 'memory full (vstack)', an internal error; a fuzzing probe's)
e=t; i=0
while [ $i -lt 300 ]; do e="sin($e)"; i=$((i + 1)); done
printf 'model deep\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 1e4 * u.xx + 1e-3 * %s * delta(x - 0.3)\nboundary x = 0, x = 1: fixed\noutput o = u(0.5)\n' "$e" >"$T/deep.dpm"
expect deep-300-tcc 0 '' -- render "$T/deep.dpm" -d 0.01 --backend tcc -o "$T/deep.wav"
# a chain of 5000 lets, each in terms of the next: said (75000 of them
# overflowed sema's stack: a fuzzing probe's)
awk 'BEGIN { print "model chain\ndomain x in [0, 1]\nfield u(x)\npde u.tt = (1 + 1e-9 * z0) * u.xx\nboundary x = 0, x = 1: fixed\noutput o = u(0.5)";
	for (i = 0; i < 5000; i++) printf "let z%d = z%d + 1\n", i, i + 1; print "let z5000 = 1" }' >"$T/chain.dpm"
expect let-chain-deep 1 "chain.dpm:[0-9]*:5: error: 'z0' is defined through a chain of more than 4000 definitions" -- check "$T/chain.dpm"
# a target of 64-bit floats beyond 1e150: said as the recording's (its
# squares overflow; it was 'the simulation blew up')
if /usr/bin/python3 - "$T/huge.wav" <<'PY'
import struct, sys
n = 4410
data = struct.pack('<%dd' % n, *([1e308] * n))
fmt = struct.pack('<HHIIHH', 3, 1, 44100, 44100 * 8, 8, 64)
wav = b'RIFF' + struct.pack('<I', 4 + 8 + len(fmt) + 8 + len(data)) + b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt + b'data' + struct.pack('<I', len(data)) + data
open(sys.argv[1], 'wb').write(wav)
PY
then
	expect target-huge 1 "huge.wav' has samples beyond 1e150, too large for any loss" -- grad "$STR" --target "$T/huge.wav"
fi
# a coefficient through a chain of 30000 consts (each sin of the one
# before): the lowering inlines it 30000 deep, on a stack dpmc raises to
# 120 MB (8 MB segfaulted; a fuzzing probe's).  Not under a sanitizer,
# whose frames are larger
if ! ldd "$DPMC" 2>/dev/null | grep -q 'libasan'; then
	awk 'BEGIN { print "model cchain\ndomain x in [0, 1]\nfield u(x)\npde u.tt = (1 + 1e-9 * z30000) * u.xx\nboundary x = 0, x = 1: fixed\noutput o = u(0.5)\nconst z0 = 1";
		for (i = 1; i <= 30000; i++) printf "const z%d = sin(z%d)\n", i, i - 1 }' >"$T/cchain.dpm"
	expect const-chain-30000 0 '' -- check "$T/cchain.dpm"
fi
# numbers are decimal: C's hex floats are not taken (0x100 was 256);
# --version after a command prints the version, as before one
expect set-hex 1 "f0=0x100: '0x100' is not a finite number" -- render "$STR" --set f0=0x100 -o "$T/hex.wav"
expect render-version 0 '' -- render --version
grep -q '^dpmc [0-9]' "$T/out" && pass render-version-text || fail render-version-text "$(cat "$T/out")"
# a `log` param without a range takes values above 0 only, as its default
# does: --set, a params file, a built program's --set (all took -1 and 0)
printf 'model norange\nparam lo = 0.5 log\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 400^2 * u.xx\nboundary x = 0, x = 1: fixed\ninit u = 0.01 * lo * max(0, 1 - abs(x - 0.3) / 0.05)\noutput out = u(0.77)\n' >"$T/norange.dpm"
expect log-set-nonpositive 1 "lo = -1: a .log. param needs a value above 0" -- render "$T/norange.dpm" --set lo=-1 -o "$T/nr.wav"
printf '{"params": {"lo": 0}}\n' >"$T/lo0.json"
expect log-params-zero 1 "lo0.json:1:19: error: lo = 0: a .log. param needs a value above 0" -- render "$T/norange.dpm" --params "$T/lo0.json" -o "$T/nr.wav"
# build -r: the built model's rate (a program without -r renders at it),
# refused where no grid is stable; --grid is refused (it was ignored)
expect build-exe-rate 0 '' -- build "$STR" -r 48000 -o "$T/string48"
if [ -x "$T/string48" ]; then
	run "$T/string48" -o "$T/exe48.wav" -d 0.2 --raw
	run "$DPMC" render "$STR" -o "$T/ren48.wav" -d 0.2 --raw -r 48000
	cmp -s "$T/exe48.wav" "$T/ren48.wav" && pass build-rate-default || fail build-rate-default "the WAVs differ"
fi
expect build-rate-unstable 1 'unstable on every grid' -- build "$STR" -r 1000 -o "$T/string1k"
[ ! -e "$T/string1k" ] && pass build-rate-unstable-nothing || fail build-rate-unstable-nothing "an output was written"
expect build-grid 1 'a built model plans its grid when it is made' -- build "$STR" --grid 50 -o "$T/string50"
# build --set / --params: the values become the built model's defaults
printf '{"params": {"f0": 250}}\n' >"$T/p250.json"
expect build-exe-set 0 '' -- build "$STR" --params "$T/p250.json" --set f0=330 -o "$T/string330"
if [ -x "$T/string330" ]; then
	run "$T/string330" -o "$T/exe.wav" -d 0.3 --raw
	run "$DPMC" render "$STR" -o "$T/ren.wav" -d 0.3 --raw --set f0=330
	cmp -s "$T/exe.wav" "$T/ren.wav" && pass build-set-default || fail build-set-default "the WAVs differ"
fi
expect build-params-file 0 '' -- build "$STR" --params "$T/p250.json" -o "$T/p250.c"
grep -q 'f0 = 250' "$T/p250.h" && pass build-params-header || fail build-params-header "$(grep 'f0' "$T/p250.h")"
expect build-set-range 1 'outside its range' -- build "$STR" --set f0=1 -o "$T/bad.c"
[ ! -e "$T/bad.c" ] && [ ! -e "$T/bad.h" ] && pass build-set-range-nofile || fail build-set-range-nofile "a partial output"
# values in range that no grid takes are refused where the model says
# so, as render refuses them, with or without -r (without, the C was
# built and the plugin said only that dpm_new failed; a probe's)
sed 's/^param f0 = 220 in \[20, 4000\]/param f0 = 220 in [20, 1e6]/' "$STR" >"$T/wide.dpm"
for out in wide.c wide.lv2; do
	expect "build-set-unstable-$out" 1 'wide.dpm:6:12: error: the scheme is unstable on every grid for the params in force' \
		-- build "$T/wide.dpm" --set f0=1e6 -o "$T/$out"
	[ ! -e "$T/$out" ] && [ ! -e "$T/wide.h" ] && pass "build-set-unstable-$out-nofile" ||
		fail "build-set-unstable-$out-nofile" "a partial output"
done
expect emit-c 0 '' -- emit "$STR" --stage c
grep -q 'ideal_string_run' "$T/out" && pass emit-c-text || fail emit-c-text "no ideal_string_run in the C"
expect emit-h 0 '' -- emit "$STR" --stage h
expect emit-ast 0 '' -- emit "$STR" --stage ast
expect emit-scheme 0 '' -- emit "$STR" --stage scheme
# the scheme says each end's condition and a second field's update (it
# printed the interior alone, w's points as reads no line used), 1D in
# one index; the ast an attached end's object (it printed "(null)")
expect emit-scheme-parts 0 '' -- emit "$REPO/examples/two_strings.dpm" --stage scheme
grep -q '^u\[n+1\](i) =' "$T/out" && grep -q '^at the ends: x = 0 fixed, x = 1 fixed' "$T/out" &&
	grep -q '^    w\[40\]: ct = ' "$T/out" && pass emit-scheme-parts-text ||
	fail emit-scheme-parts-text "$(grep -v '^  +' "$T/out" | head -c 300)"
expect emit-ast-attached 0 '' -- emit "$REPO/examples/bridge_guitar.dpm" --stage ast
grep -q '^(boundary ((x L)) attached b)$' "$T/out" && pass emit-ast-attached-text ||
	fail emit-ast-attached-text "$(grep boundary "$T/out")"
# u * delta(x - X) means u(X) * delta whatever the order of the product's
# factors (K * delta(x - X) * u, 1D and 2D, was "a product of two terms
# that both involve it"): the same samples as K * u * delta(x - X)
i=0
for pd in "K * delta(x - 0.4137) * u" "(K * delta(x - 0.4137)) * u" "delta(x - 0.4137) * K * u" "K * u * delta(x - 0.4137)"; do
	i=$((i + 1))
	printf 'model dord\nparam K = 2e5 in [0, 1e8]\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 150^2 * u.xx - %s\nboundary x = 0, x = 1: fixed\ninit u = 0.001 * max(0, 1 - abs(x - 0.3) / 0.05)\noutput o = u(0.7)\n' "$pd" >"$T/dord.dpm"
	"$DPMC" render "$T/dord.dpm" -d 0.05 --raw --double -o "$T/dord-$i.wav" 2>"$T/err" ||
		fail delta-factor-order "$pd: $(head -c 200 "$T/err")"
done
n=$(for f in "$T"/dord-*.wav; do cksum <"$f"; done | sort -u | wc -l)
[ "$n" = 1 ] && [ "$(ls "$T"/dord-*.wav | wc -l)" = 4 ] && pass delta-factor-order || fail delta-factor-order "$n different renders"
printf 'model dord2\nparam K = 2e5 in [0, 1e8]\ndomain x in [0, 1], y in [0, 1]\nfield u(x, y)\npde u.tt = 150^2 * lap(u) - K * delta(x - 0.41, y - 0.37) * u\nboundary edges: fixed\ninit u = 0.001 * max(0, 1 - abs(x - 0.3) / 0.1)\noutput o = u(0.7, 0.6)\n' >"$T/dord2.dpm"
expect delta-factor-order-2d 0 '' -- render "$T/dord2.dpm" -d 0.01 -o "$T/dord2.wav"
# every example at each end of each param's range, the others at their
# defaults, has a stable grid and a bow with one root (bowed_string's Fb
# was [0, 2], refused from 0.07 on; piano_hammer's Kh to 1e13 had no grid)
bad=""
for f in "$REPO"/examples/*.dpm; do
	"$DPMC" info "$f" 2>/dev/null | sed -n 's/^  \([A-Za-z_][A-Za-z0-9_]*\) *= .* in \[\(.*\), \(.*\)\].*/\1 \2 \3/p' >"$T/ranges"
	while read -r p lo hi; do
		for v in "$lo" "$hi"; do
			"$DPMC" info "$f" --set "$p=$v" >/dev/null 2>&1 || bad="$bad $(basename "$f"):$p=$v"
		done
	done <"$T/ranges"
done
[ -z "$bad" ] && pass examples-ranges || fail examples-ranges "refused:$bad"
# every stage of every model that checks (the scheme's printer once
# crashed on each model with a read of another part: its reads are params
# past the model's, and had no names).  A model is checked only when a
# stage fails (a model that does not check need not emit), not first:
# dpmc check of the 248 that check was 45 % of this test's time
bad=""
for f in "$REPO"/examples/*.dpm "$REPO"/tests/*/*.dpm; do
	checked=0
	for st in scheme loops step; do
		"$DPMC" emit "$f" --stage $st >"$T/out" 2>&1 && [ -s "$T/out" ] && continue
		if [ $checked = 0 ]; then
			"$DPMC" check "$f" >/dev/null 2>&1 || continue 2
			checked=1
		fi
		bad="$bad ${f#"$REPO"/}:$st"
	done
done
[ -z "$bad" ] && pass emit-every-stage || fail emit-every-stage "failed:$bad"

# ---- the runtime on its own ----
if $CC -O2 -I"$REPO/runtime" -o "$T/wavtest" "$HERE/wavtest.c" "$REPO/runtime/libdpmrt.a" -lsndfile -lm >"$T/cc.log" 2>&1; then
	"$T/wavtest" "$T"
else
	fail wavtest "does not compile: $(head -c 400 "$T/cc.log")"
fi

# ---- the backends on their own, with the hand-written model ----
tccdir=$(sed -n 's/^TCC_LIBDIR = //p' "$REPO/config.mk" 2>/dev/null)
if $CC -O2 -I"$REPO/compiler" -I"$REPO/compiler/front" -I"$REPO/compiler/middle" -I"$REPO/compiler/back" -I"$REPO/compiler/cli" -DDPM_TCC_LIBDIR="\"${tccdir:-/usr/lib/x86_64-linux-gnu/tcc}\"" \
	-o "$T/jittest" "$HERE/jittest.c" "$REPO/compiler/back/jit_tcc.c" "$REPO/compiler/back/jit_cc.c" "$REPO/runtime/out.c" \
	"$REPO/compiler/util.c" "$REPO/runtime/msg.c" -ltcc -ldl -lpthread -lm >"$T/cc.log" 2>&1; then
	"$T/jittest" "$HERE/fake_model.c"
else
	fail jittest "does not compile: $(head -c 400 "$T/cc.log")"
fi

# ---- outputs that would replace inputs or each other: refused first ----
cp "$STR" "$T/own.dpm"
cp "$T/own.dpm" "$T/own.keep"
expect clobber-model 1 "-o .*own.dpm is the model: writing it would replace it" -- render "$T/own.dpm" -o "$T/own.dpm" -d 0.05
cmp -s "$T/own.dpm" "$T/own.keep" && pass clobber-model-kept || fail clobber-model-kept "the model changed"
# a file the model imports (a probe's: render -o, build -o, fit
# --loss-curve and the REPL's save replaced it, exit 0)
mkdir -p "$T/imp" && cp "$REPO/examples/ideal_string.dpm" "$T/imp/m.dpm" && cp "$REPO/stdlib/excite.dpm" "$T/imp/excite.dpm"
cp "$T/imp/excite.dpm" "$T/imp/excite.keep"
expect clobber-import-render 1 "-o .*excite.dpm: the model imports it" -- render "$T/imp/m.dpm" -d 0.01 -o "$T/imp/excite.dpm"
expect clobber-import-build 1 "-o .*excite.dpm: the model imports it" -- build "$T/imp/m.dpm" -o "$T/imp/./excite.dpm"
printf 'save %s\n' "$T/imp/excite.dpm" | "$DPMC" repl "$T/imp/m.dpm" >"$T/out" 2>"$T/err"
grep -q "save: .*excite.dpm: the model imports it" "$T/err" && pass clobber-import-repl || fail clobber-import-repl "$(cat "$T/err")"
cmp -s "$T/imp/excite.dpm" "$T/imp/excite.keep" && pass clobber-import-kept || fail clobber-import-kept "the import changed"
# an import with no definitions (only comments), and OUT.h that build -o
# OUT.c writes beside it (both were replaced, exit 0)
printf '# nothing here\n' >"$T/imp/none.h"
sed 's|^import "excite.dpm"|import "excite.dpm"\nimport "none.h"|' "$T/imp/m.dpm" >"$T/imp/mh.dpm"
expect clobber-import-empty 1 "-o .*none.h: the model imports it" -- render "$T/imp/mh.dpm" -d 0.01 -o "$T/imp/none.h"
expect clobber-import-header 1 "-o .*none.c writes .*none.h: the model imports it" -- build "$T/imp/mh.dpm" -o "$T/imp/none.c"
[ "$(cat "$T/imp/none.h")" = '# nothing here' ] && [ ! -e "$T/imp/none.c" ] && pass clobber-import-header-kept ||
	fail clobber-import-header-kept "$(head -c 100 "$T/imp/none.h")"
run "$DPMC" render "$STR" -o "$T/tg.wav" -d 0.05
expect clobber-target 1 "-o .*tg.wav is the target recording" -- fit "$STR" --target "$T/tg.wav" --fit f0 --steps 1 -o "$T/tg.wav"
expect clobber-outputs 1 "-o and --render both name" -- fit "$STR" --target "$T/tg.wav" --fit f0 --steps 1 -o "$T/same" --render "$T/same"
[ ! -e "$T/same" ] && pass clobber-nothing-written || fail clobber-nothing-written "wrote $T/same"
# two spellings of one file not written yet (a probe's: the JSON was
# replaced by the loss curve, exit 0)
expect clobber-spellings 1 "-o and --loss-curve both name" -- fit "$STR" --target "$T/tg.wav" --fit f0 --steps 1 \
	-o "$T/sp.json" --loss-curve "$T/../$(basename "$T")/./sp.json"
[ ! -e "$T/sp.json" ] && pass clobber-spellings-nothing || fail clobber-spellings-nothing "wrote $T/sp.json"
# a recording a --data row names
mkdir -p "$T/set" && cp "$T/tg.wav" "$T/set/a.wav" && printf 'file,f0\na.wav,110\n' >"$T/set/s.csv"
cp "$T/set/a.wav" "$T/set/a.keep"
expect clobber-data-row 1 "s.csv:2:1: error: -o .*a.wav is this row's recording" -- \
	fit "$STR" --data "$T/set/s.csv" --fit f0 --steps 1 -o "$T/set/a.wav"
cmp -s "$T/set/a.wav" "$T/set/a.keep" && pass clobber-data-row-kept || fail clobber-data-row-kept "the recording changed"
# a name of 250 bytes (its temporary beside it would pass 255)
long=$(printf 'a%.0s' $(seq 1 246)).wav
expect long-name 0 '' -- render "$STR" -o "$T/$long" -d 0.01
[ -s "$T/$long" ] && pass long-name-written || fail long-name-written "no $long"
rm -f "$T/$long"
# a peak below 1e-308 scaled to infinity: full-scale noise, exit 0; now silence
sed 's/^init u = .*/init u = 1e-310 * sin(pi * x)/' "$STR" >"$T/tiny.dpm"
if grep -q '^init u = 1e-310' "$T/tiny.dpm"; then
	expect tiny-peak 0 '' -- render "$T/tiny.dpm" -o "$T/tiny.wav" -d 0.01
	sed 's/^init u = .*/init u = 0/' "$STR" >"$T/zero.dpm"
	run "$DPMC" render "$T/zero.dpm" -o "$T/zero.wav" -d 0.01
	cmp -s "$T/tiny.wav" "$T/zero.wav" && pass tiny-peak-silent ||
		fail tiny-peak-silent "not the silent render's bytes"
fi
# a file replaced keeps its mode
run "$DPMC" render "$STR" -o "$T/mode.wav" -d 0.05
chmod 640 "$T/mode.wav"
run "$DPMC" render "$STR" -o "$T/mode.wav" -d 0.06
[ "$st" = 0 ] && [ "$(stat -c %a "$T/mode.wav")" = 640 ] && pass replace-keeps-mode ||
	fail replace-keeps-mode "exit $st, mode $(stat -c %a "$T/mode.wav")"
# a reader that closes the pipe early: exit 1, not SIGPIPE's 141
( "$DPMC" emit "$STR" --stage c; echo $? >"$T/pipe.st" ) | head -c 1 >/dev/null
[ "$(cat "$T/pipe.st")" = 1 ] && pass emit-closed-pipe || fail emit-closed-pipe "exit $(cat "$T/pipe.st")"
# emit checks --set and --params as every command does
expect emit-bad-set 1 "--set bogus=1: unknown param 'bogus'" -- emit "$STR" --stage ast --set bogus=1
expect emit-bad-params 1 "cannot read .*nothere.json" -- emit "$STR" --stage ast --params "$T/nothere.json"
expect emit-good-set 0 '' -- emit "$STR" --stage ast --set f0=300
# a plan's error at its place: the source line and a caret (cli.md), the rate named
run "$DPMC" render "$STR" -o "$T/lo.wav" -r 100
if [ "$st" = 1 ] && grep -q "ideal_string.dpm:[0-9]*:[0-9]*: error: the scheme is unstable on every grid .* at the time step k = 0.01 s; .* or raise the rate" "$T/err" \
	&& grep -q '^ *[0-9]* | pde ' "$T/err" && grep -q '^ *| *^' "$T/err" && [ ! -e "$T/lo.wav" ]; then
	pass plan-error-caret
else
	fail plan-error-caret "exit $st: $(head -c 400 "$T/err")"
fi
# a silent recording is nothing to fit
sox -D -n -r 44100 -c 1 -b 16 "$T/silent.wav" trim 0 0.05 2>/dev/null
expect silent-target 1 "silent.wav' is silent (every sample is 0): a level-free loss has nothing to match" -- grad "$STR" --target "$T/silent.wav" --loss spec
# --grid on a model of lumped objects only: nothing to set (it was
# accepted silently); an empty model name is a usage error
printf 'model osc\nfield z mass 0.01\npde z.tt = -1e4 * z / 0.01\ninit z = 0.001\noutput out = z\n' >"$T/osc.dpm"
expect grid-lumped-only 1 "--grid: .*osc.dpm has only lumped objects" -- render "$T/osc.dpm" --grid 5 -o "$T/osc.wav"
expect empty-model-name 2 "the model's file name is empty" -- check ''
# nor is a DC offset alone (each channel less its mean is 0: loss 0, a
# perfect match; a probe's); mse still compares it
sed 's/^output out = .*/output out = 0.5 + 0 * u(0.77)/' "$STR" >"$T/dc.dpm"
"$DPMC" render "$T/dc.dpm" --raw -d 0.05 -o "$T/dc.wav"
expect dc-target 1 "dc.wav' holds one value throughout (a DC offset, 0.5" -- grad "$STR" --target "$T/dc.wav" --loss spec
expect dc-target-mse 0 '' -- grad "$STR" --target "$T/dc.wav"
# a CSV saved with a byte-order mark reads as without
printf '\357\273\277file,f0\n%s,220\n' "$T/tg.wav" >"$T/bom.csv"
expect csv-bom 0 '' -- fit "$STR" --data "$T/bom.csv" --fit f0 --steps 1 -o "$T/bom.json"
# a list option given twice would silently replace the first list
expect fit-twice 1 "--fit given twice ('f0', then 'xo'): name every param in one list" -- fit "$STR" --target "$T/tg.wav" --fit f0 --fit xo --steps 1 -o "$T/f2.json"
# each option's own name in its messages
expect spread-name 1 "--spread: .* has no param 'bogus'" -- fit "$STR" --target "$T/tg.wav" --fit f0 --spread bogus --starts 2 --steps 1 -o "$T/sp.json"

# delta(x + A) is delta(x - (-A)) (a domain left of 0)
printf 'model dneg\ndomain x in [-0.5, 0.5]\nfield u(x)\npde u.tt = 400^2 * u.xx + 1e3 * (t < 0.001) * delta(x + 0.25)\nboundary x = -0.5, x = 0.5: fixed\noutput o = u(0.1)\n' >"$T/dplus.dpm"
sed 's/delta(x + 0.25)/delta(x - (-0.25))/' "$T/dplus.dpm" >"$T/dminus.dpm"
run "$DPMC" render "$T/dplus.dpm" -o "$T/dplus.wav" --raw -d 0.02
run "$DPMC" render "$T/dminus.dpm" -o "$T/dminus.wav" --raw -d 0.02
[ -s "$T/dplus.wav" ] && cmp -s "$T/dplus.wav" "$T/dminus.wav" && pass delta-plus || fail delta-plus "$(head -c 300 "$T/err")"

# an initial state that is not finite: at the init, not "the scheme is unstable"
printf 'model nan\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 400^2 * u.xx\nboundary x = 0, x = 1: fixed\ninit u = log(x - 0.5)\noutput o = u(0.5)\n' >"$T/nan.dpm"
expect init-not-finite 1 "nan.dpm:6:10: error: the initial displacement (init u) is not a finite number at x = " -- render "$T/nan.dpm" -o "$T/nan.wav" -d 0.01
# the model's own grid found unstable: at its `grid`
printf 'model g\ndomain x in [0, 1] grid 1000\nfield u(x)\npde u.tt = 400^2 * u.xx\nboundary x = 0, x = 1: fixed\noutput o = u(0.5)\n' >"$T/g1000.dpm"
expect forced-grid-caret 1 "g1000.dpm:2:25: error: grid 1000 is unstable for the params in force; the largest stable N is 110" -- render "$T/g1000.dpm" -o "$T/g.wav" -d 0.01
# select, && and || fold the side they take alone; lap(lap(u)) is bilap(u)
expect select-untaken 0 '' -- render "$HERE/../diag/valid/select_untaken.dpm" -o "$T/sel.wav" -d 0.001
printf 'model p\ndomain x in [0, 1], y in [0, 0.8] grid 20, 16\nfield u(x, y)\npde u.tt = -4 * lap(lap(u))\nboundary edges: simply_supported\ninit u = 0.001 * sin(pi * x) * sin(pi * y / 0.8)\noutput o = u(0.3, 0.3)\n' >"$T/ll.dpm"
sed 's/lap(lap(u))/bilap(u)/' "$T/ll.dpm" >"$T/bl.dpm"
run "$DPMC" render "$T/ll.dpm" -o "$T/ll.wav" --raw -d 0.02
run "$DPMC" render "$T/bl.dpm" -o "$T/bl.wav" --raw -d 0.02
[ -s "$T/ll.wav" ] && cmp -s "$T/ll.wav" "$T/bl.wav" && pass lap-of-lap || fail lap-of-lap "$(head -c 300 "$T/err")"
# a CRLF model's quoted line ends without its \r
printf 'model m\r\ndomain x in [0, 1]\r\nfield u(x)\r\npde u.tt = gamm^2 * u.xx\r\n' >"$T/crlf.dpm"
run "$DPMC" check "$T/crlf.dpm"
[ "$st" = 1 ] && grep -q '^    4 | pde u.tt = gamm^2 \* u.xx$' "$T/err" && pass crlf-quote || fail crlf-quote "$(od -c "$T/err" | head -5)"
# a model whose lines end with a lone CR (old Mac text) reads as lines
# (it was one line: "unexpected keyword 'domain'; expected end of line")
printf 'model m\rdomain x in [0, 1] # a comment\rfield u(x)\rpde u.tt = gamm^2 * u.xx\r' >"$T/cr.dpm"
expect cr-lines 1 "cr.dpm:4:12: error: unknown name 'gamm'" -- check "$T/cr.dpm"
grep -q '^    4 | pde u.tt = gamm^2 \* u.xx$' "$T/err" && pass cr-quote || fail cr-quote "$(od -c "$T/err" | head -5)"
# an error the compiled model finds is placed by the same line count
# (it counted LF only: the caret fell three lines down)
printf 'model m\rparam c0 = 1 in [0, 1e13]\rdomain x in [0, 1]\rfield u(x)\npde u.tt = c0 * 1e4 * u.xx\nboundary x = 0, x = 1: fixed\ninit u = sin(pi * x)\noutput o = u(0.5)\n' >"$T/crm.dpm"
expect cr-model-error 1 "crm.dpm:5:12: error: the scheme is unstable" -- render "$T/crm.dpm" --set c0=1e12 -o "$T/crm.wav"
grep -q '^    5 | pde u.tt' "$T/err" && pass cr-model-error-line || fail cr-model-error-line "$(cat "$T/err")"

# a render that blows up says so under --raw too (not "too large for 32-bit float")
expect raw-blowup 1 "the simulation blew up at sample" -- render "$REPO/tests/sav_grad/coef_reads.dpm" -d 0.1 --raw -o "$T/bu.wav"
# a very slow wave on a forced grid: its margin is huge, not 0
printf 'model slow\ndomain x in [0, 1] grid 10\nfield u(x)\npde u.tt = 1e-7 * u.xx\nboundary x = 0, x = 1: fixed\noutput o = u(0.5)\n' >"$T/slow.dpm"
run "$DPMC" info "$T/slow.dpm"
awk '/^stability/ { exit !($2 > 1e6) }' "$T/out" && pass slow-margin || fail slow-margin "$(grep stability "$T/out")"
# a forced 2D grid of long cells, stable: its margin is the factor that
# brings both spacings to the limit, at least 1 (it was min(hx, hy) / h_min:
# 0.93 on this stable grid); 20 % finer on both axes is unstable
run "$DPMC" info "$REPO/examples/plate.dpm" --grid 55,20
awk '/^stability/ { exit !($2 >= 1.2 && $2 < 1.21) }' "$T/out" && pass margin-2d-long-cells ||
	fail margin-2d-long-cells "$(grep stability "$T/out")"
expect margin-2d-beyond 1 'unstable' -- render "$REPO/examples/plate.dpm" --grid 67,25 -d 0.01 -o "$T/p.wav"

# ---- the same render twice, a second apart, gives the same bytes ----
run "$DPMC" render "$STR" -o "$T/t1.wav" --raw -d 0.1
sleep 1
run "$DPMC" render "$STR" -o "$T/t2.wav" --raw -d 0.1
cmp -s "$T/t1.wav" "$T/t2.wav" && pass render-deterministic || fail render-deterministic "two raw renders differ (a timestamp in the file?)"
# a loss term of the sign that gives energy (T60hi above T60lo: 2 sigma1
# u.xxt with sigma1 < 0) renders, on a grid coarse enough to hold it,
# with a warning at its place (it was silent, the partials 85 cents flat;
# a probe's); the model's defaults say nothing
expect gains-warned 0 'warning: .*examples/guitar.dpm:56:13: the loss term in u.xxt gives energy' -- \
	render "$REPO/examples/guitar.dpm" --set T60hi=8 -d 0.05 -o "$T/gains.wav"
run "$DPMC" render "$REPO/examples/guitar.dpm" -d 0.05 -o "$T/gains0.wav"
[ "$st" = 0 ] && ! grep -q "gives energy" "$T/err" && pass gains-quiet || fail gains-quiet "exit $st: $(cat "$T/err")"
expect gains-grad-warned 0 'the loss term in u.xxt gives energy' -- \
	grad "$REPO/examples/guitar.dpm" --set T60hi=8 --target "$T/gains0.wav"
# so does a stiffness of that sign beside the tension (+ kappa^2 u.xxxx:
# the partials went flat, silently; a probe's); the guitar's, written
# - kappa^2 u.xxxx, says nothing (gains-quiet above)
grep -q -- '- kappa^2 \* u.xxxx' "$REPO/examples/guitar.dpm" &&
	sed 's/- kappa^2 \* u.xxxx/+ kappa^2 * u.xxxx/' "$REPO/examples/guitar.dpm" >"$T/antistiff.dpm"
expect stiffness-sign-warned 0 'warning: .*antistiff.dpm:56:13: the stiffness term in u.xxxx has the sign that gives energy' -- \
	render "$T/antistiff.dpm" -d 0.05 -o "$T/antistiff.wav"

exit 0
