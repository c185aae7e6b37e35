#!/bin/sh
# tests/repl/run.sh — `dpmc repl` scripted through stdin (spec/cli.md,
# "The REPL"): what the REPL does must equal what the one-shot commands
# do (render, grad, --params bit for bit), a failing command is reported
# and the loop goes on, and the model reloads when its file changes.
# env: DPMC (the dpmc to test), REPO (the repo root).
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-repl.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME

pass() { echo "PASS repl/$1"; }
fail() { echo "FAIL repl/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 600)"; }

# repl NAME [ARGS...] < script: stdout in $T/out, stderr in $T/err, status in $st
repl() {
	"$DPMC" repl "$@" >"$T/out" 2>"$T/err"
	st=$?
}

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi
cp "$REPO/tests/cli/ideal_string.dpm" "$T/s.dpm"
cp "$REPO/tests/cli/bad_syntax.dpm" "$T/bad.dpm"
S=$T/s.dpm

# ---- load, set, render: equal to `dpmc render` bit for bit ----
# f0 220.1 keeps the 100 intervals of f0 220 (N = floor(rate / (2 f0)));
# 440 needs 50: one set goes through P_set_params, the other re-creates.
repl <<EOF
load $S
render 0.2 $T/a.wav
set f0 220.1
render 0.2 $T/b.wav
set f0 440
render 0.2 $T/c.wav
render 0.2 $T/c2.wav
EOF
if [ "$st" != 0 ]; then
	fail render "exit $st: $(cat "$T/err")"
else
	pass render-status
	"$DPMC" render "$S" -d 0.2 -o "$T/A.wav" && "$DPMC" render "$S" -d 0.2 --set f0=220.1 -o "$T/B.wav" \
		&& "$DPMC" render "$S" -d 0.2 --set f0=440 -o "$T/C.wav" || fail render-cli "dpmc render failed"
	for f in a b c; do
		F=$(echo $f | tr a-z A-Z)
		if [ ! -s "$T/$f.wav" ]; then fail render-$f "no $f.wav"
		elif cmp -s "$T/$f.wav" "$T/$F.wav"; then pass render-$f-equals-cli
		else fail render-$f-equals-cli "$f.wav differs from dpmc render's"; fi
	done
	cmp -s "$T/a.wav" "$T/b.wav" && fail set-changes-render "a.wav = b.wav after set f0" || pass set-changes-render
	cmp -s "$T/c.wav" "$T/c2.wav" && pass render-again-from-rest || fail render-again-from-rest "a second render differs"
	grep -q 'grid 100' "$T/out" && pass load-summary || fail load-summary "$(cat "$T/out")"
fi

# ---- no prompt when stdin is not a terminal; all fine: status 0 ----
printf '# a comment\n\n   \nset f0 300\n' | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then pass quiet-script
else fail quiet-script "exit $st, out '$(cat "$T/out")', err '$(cat "$T/err")'"; fi

# ---- a failing command in the middle: reported, the loop goes on, status 1 ----
repl "$S" <<EOF
set f0 300
render 0 $T/zero.wav
frobnicate
set f0 5
set f0 abc
set fo 300
load $T/bad.dpm
load $T/nope.dpm
render
params
EOF
if [ "$st" != 1 ]; then fail fail-status "exit $st, want 1"; else pass fail-status; fi
grep -q "^dpmc: error: .*duration" "$T/err" && pass bad-duration || fail bad-duration "$(cat "$T/err")"
[ ! -e "$T/zero.wav" ] && pass bad-duration-nofile || fail bad-duration-nofile "zero.wav written"
grep -q "^dpmc: error: unknown command 'frobnicate'.*'help'" "$T/err" && pass unknown-command \
	|| fail unknown-command "$(cat "$T/err")"
grep -q "^dpmc: error: f0 = 5 is outside its range \[20, 4000\]" "$T/err" && pass set-range \
	|| fail set-range "$(cat "$T/err")"
grep -q "^dpmc: error: .*'abc' is not a finite number" "$T/err" && pass set-nan || fail set-nan "$(cat "$T/err")"
grep -q "^dpmc: error: .*no param 'fo'.*did you mean 'f0'" "$T/err" && pass set-unknown \
	|| fail set-unknown "$(cat "$T/err")"
grep -q "bad.dpm:5:[0-9]*: error: " "$T/err" && grep -q '^ *5 | pde u.tt' "$T/err" && pass load-model-error \
	|| fail load-model-error "$(cat "$T/err")"
grep -q "^dpmc: error: .*nope.dpm" "$T/err" && pass load-missing || fail load-missing "$(cat "$T/err")"
grep -q "^dpmc: error: 'render' takes 2 to 3 words" "$T/err" && pass arg-count || fail arg-count "$(cat "$T/err")"
# the loop went on to the end: the failed sets and loads left f0 = 300 and the model in force
grep -q '^f0 *= 300 ' "$T/out" && pass loop-goes-on || fail loop-goes-on "out: $(cat "$T/out")"
n=$(grep -c '^dpmc: error: \|: error: ' "$T/err")
[ "$n" = 8 ] && pass one-error-each || fail one-error-each "$n error lines for 8 failing commands: $(cat "$T/err")"

echo 'params' | "$DPMC" repl >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 1 ] && grep -q "no model is loaded" "$T/err" && pass no-model || fail no-model "exit $st: $(cat "$T/err")"

# ---- help lists the commands ----
echo help | "$DPMC" repl >"$T/out" 2>"$T/err"
st=$?
miss=
for c in load set render help params info grad fit backend time save open reload quit; do
	grep -q "^  $c\b" "$T/out" || miss="$miss $c"
done
[ "$st" = 0 ] && [ -z "$miss" ] && pass help || fail help "exit $st, missing:$miss"

# ---- quit stops reading ----
printf 'quit\nfrobnicate\n' | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 0 ] && [ ! -s "$T/err" ] && pass quit || fail quit "exit $st: $(cat "$T/err")"

# ---- save / open round trip, and the file is what --params reads ----
repl "$S" <<EOF
set f0 333.25
save $T/p.json
set f0 100
open $T/p.json
params
render 0.1 $T/p.wav
EOF
"$DPMC" render "$S" -d 0.1 --params "$T/p.json" -o "$T/P.wav" 2>>"$T/err"
if [ "$st" = 0 ] && grep -q '^f0 *= 333.25 ' "$T/out" && cmp -s "$T/p.wav" "$T/P.wav"; then pass save-open
else fail save-open "exit $st, json $(cat "$T/p.json"), out $(cat "$T/out"), err $(cat "$T/err")"; fi
printf '{"params": {"f0": 1e6}}\n' >"$T/range.json"
printf 'open %s\nparams\n' "$T/range.json" | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 1 ] && grep -q 'range.json:1:[0-9]*: error: .*\[20, 4000\]' "$T/err" && grep -q '^f0 *= 220 ' "$T/out" \
	&& pass open-range || fail open-range "exit $st: $(cat "$T/err") $(cat "$T/out")"

# ---- grad prints the JSON of `dpmc grad`, at the params in force ----
"$DPMC" render "$S" -d 0.05 --set f0=230 --raw -o "$T/target.wav" || fail grad-setup "render failed"
printf 'set f0 225\ngrad %s\ngrad %s mrstft\n' "$T/target.wav" "$T/target.wav" | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
st=$?
"$DPMC" grad "$S" --set f0=225 --target "$T/target.wav" >"$T/g1" 2>>"$T/err"
"$DPMC" grad "$S" --set f0=225 --target "$T/target.wav" --loss mrstft >>"$T/g1" 2>>"$T/err"
if [ "$st" = 0 ] && grep -q '^{"loss": [0-9].*, "grad": {"f0": -\{0,1\}[0-9].*}}$' "$T/out" && cmp -s "$T/out" "$T/g1"
then pass grad
else fail grad "exit $st, repl: $(cat "$T/out") cli: $(cat "$T/g1") err: $(cat "$T/err")"; fi
printf 'grad %s l1\n' "$T/target.wav" | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
[ $? = 1 ] && grep -q "unknown loss 'l1'" "$T/err" && pass grad-bad-loss || fail grad-bad-loss "$(cat "$T/err")"

# ---- fit: the best values become the ones in force ----
mkdir "$T/tmpd"
printf 'set f0 228\nfit %s f0 4\nparams\n' "$T/target.wav" | TMPDIR=$T/tmpd "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
st=$?
v=$(sed -n 's/^{"params": {"f0": \([^,}]*\)}.*"steps": 4}$/\1/p' "$T/out")
if [ "$st" = 0 ] && [ -n "$v" ] && grep -q "^f0 *= $v " "$T/out" && grep -q '^fit: step 4/4' "$T/err"; then pass fit
else fail fit "exit $st, out $(cat "$T/out"), err $(cat "$T/err")"; fi
[ -z "$(ls "$T/tmpd")" ] && pass fit-tmp || fail fit-tmp "left in TMPDIR: $(ls "$T/tmpd")"
printf 'fit %s g0\n' "$T/target.wav" | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
[ $? = 1 ] && grep -q "no param 'g0'" "$T/err" && pass fit-bad-name || fail fit-bad-name "$(cat "$T/err")"

# ---- reload: after the file changes (checked before each command), and by hand ----
# A fifo so the edit happens between two known commands; the REPL
# flushes its output before it reads the next line.
cp "$REPO/tests/cli/ideal_string.dpm" "$T/r.dpm"
mkfifo "$T/in"
"$DPMC" repl "$T/r.dpm" <"$T/in" >"$T/out" 2>"$T/err" &
pid=$!
exec 3>"$T/in"
printf 'set f0 300\ninfo json\n' >&3
i=0
while ! grep -q '"grid"' "$T/out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q '"grid": \[73\]' "$T/out" && pass reload-before || fail reload-before "$(cat "$T/out")"
# speed 3 f0 instead of 2 f0 (N = floor(rate / (3 f0)) = 49 at f0 = 300),
# and a wider range; f0 keeps its value, in range
sed 's/(2\*f0)/(3*f0)/; s/in \[20, 4000\]/in [20, 5000]/' "$REPO/tests/cli/ideal_string.dpm" >"$T/r.new"
echo '# edited' >>"$T/r.new"
mv "$T/r.new" "$T/r.dpm"
printf 'info json\nrender 0.1 %s\n' "$T/r.wav" >&3
# a change that breaks the model: reported, the old one kept
i=0
while ! grep -q '^wrote' "$T/out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cp "$T/bad.dpm" "$T/r.dpm"
printf 'params\n' >&3
exec 3>&-
wait $pid
st=$?
grep '"grid"' "$T/out" | sed -n 2p | grep -q '"grid": \[49\].*"f0": {"value": 300, "min": 20, "max": 5000' \
	&& pass reload-auto || fail reload-auto "$(cat "$T/out") $(cat "$T/err")"
"$DPMC" render "$REPO/tests/cli/ideal_string.dpm" -d 0.1 --set f0=300 -o "$T/r0.wav"
cmp -s "$T/r.wav" "$T/r0.wav" && fail reload-render "the render did not change" || pass reload-render
[ "$st" = 1 ] && grep -q 'r.dpm:5:[0-9]*: error: ' "$T/err" && grep -q '^f0 *= 300 .*5000' "$T/out" \
	&& pass reload-broken || fail reload-broken "exit $st: $(cat "$T/err")"

cp "$REPO/tests/cli/ideal_string.dpm" "$T/r.dpm"
printf 'reload\ninfo json\n' | "$DPMC" repl "$T/r.dpm" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 0 ] && grep -q '^reloaded ideal_string' "$T/out" && grep -q '"grid": \[100\]' "$T/out" \
	&& pass reload-command || fail reload-command "exit $st: $(cat "$T/out") $(cat "$T/err")"

# ---- backend, time ----
printf 'backend gcc\nbackend cc\nrender 0.1 %s\ntime\n' "$T/cc.wav" | "$DPMC" repl "$S" >"$T/out" 2>"$T/err"
st=$?
"$DPMC" render "$S" -d 0.1 -o "$T/tcc.wav"
[ "$st" = 1 ] && grep -q "unknown backend 'gcc'" "$T/err" && cmp -s "$T/cc.wav" "$T/tcc.wav" \
	&& grep -q '^render: [0-9.]* ms (.*run [0-9.]* ms)' "$T/out" && pass backend-time \
	|| fail backend-time "exit $st: $(cat "$T/out") $(cat "$T/err")"
