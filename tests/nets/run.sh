#!/bin/sh
# tests/nets — neural parameter maps (language.md section 13, issue 10).
#
# 1. Mistakes in nets and their calls: diag/*.dpm hold a model and, in
#    "#> " lines, the exact stderr of `dpmc check -I diag/lib` (as
#    tests/diag does).
# 2. Initialisation: the default weights equal an independent computation
#    (init.py: SplitMix64 from the seed, Glorot-uniform hidden layers, the
#    last layer zero) bit for bit, twice the same; another seed others.
# 3. An untrained net changes nothing: each model renders bit for bit as
#    the model with the net's outputs written as 0 (scalar, time and
#    spatial positions).
# 4. Gradients through nets (nettest.c on the generated C): Taylor tests
#    on weights of every layer and on declared params, the adjoint
#    identity <J^T r, d> = <r, J d> against central differences along a
#    random direction of every param, the same bits whatever the
#    checkpoints; a net in a scalar let (tanh), a time signal (sin) and a
#    coefficient over the domain (softplus), and the scalar one with relu
#    and sigmoid.
# Env: DPMC, REPO, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
SUITE=nets
N=$REPO/tests/nets
. "$REPO/tests/lib.sh"
scratch nets
PY=/usr/bin/python3

# ---- 1. diagnostics ----
for f in "$N"/diag/*.dpm; do
	name=diag_$(basename "$f" .dpm)
	sed -n 's/^#> \{0,1\}//p' "$f" >"$T/want"
	(cd "$N/diag" && "$DPMC" check -I lib "$(basename "$f")" >"$T/out" 2>"$T/got")
	st=$?
	if [ ! -s "$T/want" ]; then
		fail "$name" "no expected block (#> lines)"
	elif [ $st != 1 ]; then
		fail "$name" "exit status $st, expected 1"
	elif ! cmp -s "$T/want" "$T/got"; then
		fail "$name" "stderr differs: $(diff "$T/want" "$T/got" | head -c 300)"
	elif [ -s "$T/out" ]; then
		fail "$name" "printed on stdout"
	else
		pass "$name"
	fi
done
for m in scalar time space; do
	run "$DPMC" check "$N/$m.dpm"
	if [ $st = 0 ] && [ ! -s "$T/err" ]; then pass "valid_$m"; else fail "valid_$m" "$(cat "$T/err")"; fi
done
# a net nothing calls: a warning at its name (a fit of it would move nothing)
cat >"$T/uncalled.dpm" <<-EOF
	model uncalled
	param f0 = 110 in [50, 400]
	net tone = mlp(2, 8, 3, seed = 1)
	domain x in [0, 1]
	field u(x)
	pde u.tt = (2 * f0)^2 * u.xx
	boundary x = 0, x = 1: fixed
	init u = 0.001 * sin(pi * x)
	output out = u(0.3)
	EOF
run "$DPMC" check "$T/uncalled.dpm"
if [ $st = 0 ] && grep -q "warning: net 'tone' is never called: its 51 weights" "$T/err"; then
	pass uncalled_net_warned
else
	fail uncalled_net_warned "status $st: $(head -c 300 "$T/err")"
fi

# ---- 2. initialisation ----
# initcheck NAME MODEL NET SEED SIZES...
initcheck() {
	name=$1 model=$2
	shift 2
	if ! "$DPMC" info --json "$model" >"$T/i1.json" 2>"$T/err" ||
	   ! "$DPMC" info --json "$model" >"$T/i2.json" 2>>"$T/err"; then
		fail "$name" "dpmc info: $(head -c 300 "$T/err")"
	elif ! cmp -s "$T/i1.json" "$T/i2.json"; then
		fail "$name" "two runs give different weights"
	elif ! $PY "$N/init.py" "$@" <"$T/i1.json" >"$T/out" 2>&1; then
		fail "$name" "$(cat "$T/out")"
	else
		pass "$name ($(cat "$T/out"), twice the same)"
	fi
}
initcheck init_scalar "$N/scalar.dpm" tone 1 2 8 3
initcheck init_time "$N/time.dpm" env 7 1 6 2
initcheck init_space "$N/space.dpm" shape 2 1 5 1
sed 's/, seed = 1)/)/' "$N/scalar.dpm" >"$T/seed0.dpm"
initcheck init_default_seed "$T/seed0.dpm" tone 0 2 8 3
sed 's/mlp(2, 8, 3, act = tanh, seed = 1)/mlp(2, 7, 5, 3, act = relu, seed = 12345678901)/' \
	"$N/scalar.dpm" >"$T/deep.dpm"
initcheck init_two_hidden "$T/deep.dpm" tone 12345678901 2 7 5 3
if "$DPMC" info --json "$T/seed0.dpm" >"$T/a.json" && "$DPMC" info --json "$N/scalar.dpm" >"$T/b.json" &&
   ! cmp -s "$T/a.json" "$T/b.json"; then
	pass init_seed_matters
else
	fail init_seed_matters "seeds 0 and 1 give the same weights"
fi

# ---- 3. an untrained net changes nothing ----
for m in scalar time space; do
	sed -e '/^net /d' -e 's/tone((note - 60) \/ 24, vel)\[[0-9]\]/0/g' \
	    -e 's/env(t \/ 0.02)\[[0-9]\]/0/g' -e 's/shape(2 \* x - 1)/0/g' "$N/$m.dpm" >"$T/plain_$m.dpm"
	if grep -q 'tone\|env(\|shape(' "$T/plain_$m.dpm"; then
		fail "untrained_$m" "the net was not taken out of the plain model"
	elif ! "$DPMC" render "$N/$m.dpm" -d 0.1 --raw -o "$T/a.wav" 2>"$T/err" ||
	     ! "$DPMC" render "$T/plain_$m.dpm" -d 0.1 --raw -o "$T/b.wav" 2>>"$T/err"; then
		fail "untrained_$m" "render: $(head -c 300 "$T/err")"
	elif ! cmp -s "$T/a.wav" "$T/b.wav"; then
		fail "untrained_$m" "the render with the untrained net differs from the model without it"
	else
		pass "untrained_$m (bit for bit)"
	fi
done

# ---- 4. gradients through nets ----
# nt NAME MODEL: build MODEL and nettest.c into $T/NAME/nettest
nt() {
	d=$T/$1
	mkdir -p "$d"
	if ! "$DPMC" build "$2" -o "$d/m.c" 2>"$d/err"; then
		fail "build_$1" "dpmc build: $(head -c 300 "$d/err")"
		return 1
	fi
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
	if ! $CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/nettest" \
	    "$N/nettest.c" "$d/m.c" -pthread -lm 2>"$d/err"; then
		fail "build_$1" "nettest.c: $(head -c 300 "$d/err")"
		return 1
	fi
}
# ntrun NAME ARGS...: its PASS/FAIL lines, under this suite's name
ntrun() {
	name=$1
	shift
	"$T/$name/nettest" "$@" >"$T/out" 2>&1
	st=$?
	sed 's/^\(PASS\|FAIL\) /\1 nets\//' "$T/out"
	[ $st = 0 ] || grep -q '^FAIL' "$T/out" || fail "$name" "nettest $* exited with status $st"
}
if nt scalar "$N/scalar.dpm"; then
	ntrun scalar taylor -g 30 -d 0.05 -p f0,note,tone.1.W.3.1,tone.1.b.5,tone.2.W.2.5,tone.2.b.0
	ntrun scalar dot -g 30 -d 0.05
	ntrun scalar bits -g 30 -d 0.1
fi
if nt time "$N/time.dpm"; then
	ntrun time taylor -g 30 -d 0.05 -p s0,env.1.W.2.0,env.1.b.4,env.2.W.0.3,env.2.b.1
	ntrun time dot -g 30 -d 0.05
	ntrun time bits -g 30 -d 0.1
fi
if nt space "$N/space.dpm"; then
	ntrun space taylor -g 30 -d 0.05 -p f0,shape.1.W.2.0,shape.1.b.1,shape.2.W.0.3
	ntrun space dot -g 30 -d 0.05
	ntrun space bits -g 30 -d 0.1
fi
# a net of t beside a coefficient of x: its layers computed once a step,
# before the loop over the points (they were evaluated at every point:
# 38 sin() in the step's loop for a 2-32-32-2 net), the gradient exact
if nt tsig_x "$N/tsig_x.dpm"; then
	n=$(awk '/^tsig_x__step\(/,/^}/' "$T/tsig_x/m.c" | awk '/for \(i/ { inl = 1 } inl && /sin\(/ { n++ } END { print n + 0 }')
	s=$(awk '/^tsig_x__step\(/,/^}/' "$T/tsig_x/m.c" | grep -c 'sin(')
	[ "$n" = 0 ] && [ "$s" -gt 0 ] && pass tsig_x_hoisted || fail tsig_x_hoisted "$n sin() in the step's loop over the points ($s in the step)"
	ntrun tsig_x taylor -g 60 -d 0.05 -p nd.1.W.2.0,nd.1.b.1,nd.2.b.0
	ntrun tsig_x dot -g 60 -d 0.05
	ntrun tsig_x bits -g 60 -d 0.1
fi
# over NET_COLD weights, optimised: the functions run once a param set or
# a gradient are DPM_COLD (unoptimised), the rest -O2, the same numbers
genopt=$GENOPT
GENOPT=-O2
if nt wide "$N/wide.dpm"; then
	n=$(grep -c '^DPM_COLD ' "$T/wide/m.c")
	[ "$n" = 6 ] && pass wide_cold || fail wide_cold "$n functions DPM_COLD, not 6 (@__taps, @__set_coefs, @_gains, @__den, @__dden, @__gend)"
	ntrun wide taylor -g 30 -d 0.05 -p f0,note,tone.1.W.3.1,tone.2.W.3.1,tone.2.b.4,tone.3.W.2.23,tone.3.b.0
	ntrun wide dot -g 30 -d 0.05
	ntrun wide bits -g 30 -d 0.1
fi
GENOPT=$genopt
for act in relu sigmoid; do
	sed -e "s/act = tanh/act = $act/" -e "s/model netscalar/model net_$act/" "$N/scalar.dpm" >"$T/$act.dpm"
	if nt "$act" "$T/$act.dpm"; then
		ntrun "$act" dot -g 30 -d 0.05
	fi
done

# ---- 5. params files ----
M=$N/space.dpm
# p0.json: the model's weights with a last layer that is not zero
"$DPMC" info --json "$M" | $PY -c '
import json, sys
i = json.load(sys.stdin)
n = i["nets"]
last = n["shape"]["layers"][-1]
last["W"] = [[0.3 * ((7 * r + 3 * c) % 5 - 2) / 2 for c in range(len(row))] for r, row in enumerate(last["W"])]
last["b"] = [0.1] * len(last["b"])
json.dump({"params": {k: p["value"] for k, p in i["params"].items()}, "nets": n}, open(sys.argv[1], "w"))
' "$T/p0.json"
# fit -o, then --params: the same render as the fit's --render
"$DPMC" render "$M" --params "$T/p0.json" --set shape.2.b.0=0.15 -d 0.2 -o "$T/T.wav" 2>"$T/err"
run "$DPMC" fit "$M" --params "$T/p0.json" --target "$T/T.wav" --fit shape,f0 --steps 4 --loss mse \
	-o "$T/fitted.json" --render "$T/fitted.wav"
if [ $st != 0 ]; then
	fail fit_writes_nets "dpmc fit: $(head -c 300 "$T/err")"
elif ! grep -q '"nets": {"shape": {"sizes": \[1, 5, 1\], "act": "softplus", "layers": \[{"W": \[\[' "$T/fitted.json"; then
	fail fit_writes_nets "no net in the params file's shape: $(head -c 300 "$T/fitted.json")"
elif grep -q '"shape\.' "$T/fitted.json"; then
	fail fit_writes_nets "weights under \"params\": $(head -c 300 "$T/fitted.json")"
elif ! "$DPMC" render "$M" --params "$T/fitted.json" -d 0.2 -o "$T/again.wav" 2>"$T/err"; then
	fail params_round_trip "render --params fitted.json: $(head -c 300 "$T/err")"
elif ! cmp -s "$T/again.wav" "$T/fitted.wav"; then
	fail params_round_trip "render --params of fit's result differs from fit's --render"
elif cmp -s "$T/fitted.json" "$T/p0.json"; then
	fail params_round_trip "the fit moved nothing"
else
	pass "params_round_trip (fit -o then --params: the same render, byte for byte)"
fi
# a weight fitted on its own, and a net named with one of its weights
run "$DPMC" fit "$M" --target "$T/T.wav" --fit shape,shape.2.b.0 --steps 2 --loss mse -o "$T/x.json"
if [ $st = 1 ] && grep -q "names net 'shape' and its weight 'shape.2.b.0'" "$T/err"; then
	pass fit_net_and_weight
else
	fail fit_net_and_weight "status $st: $(head -c 300 "$T/err")"
fi
# a net named twice: said so (it said "names net 'shape' and its weight
# 'shape.1.W.0.0'", a weight never named)
run "$DPMC" fit "$M" --target "$T/T.wav" --fit shape,shape --steps 2 --loss mse -o "$T/x.json"
[ $st = 1 ] && grep -q "names 'shape' twice" "$T/err" && pass fit_net_twice || fail fit_net_twice "status $st: $(head -c 300 "$T/err")"

# a net of over 1000 weights: fit takes llvm by default, not cc
if [ -e "$REPO/dpmc-llvm.so" ]; then
	run "$DPMC" render "$N/big.dpm" -r 16000 -d 0.05 --raw -o "$T/big.wav"
	run "$DPMC" fit "$N/big.dpm" -r 16000 --target "$T/big.wav" --fit f0 --steps 1 --stats -o "$T/big.json"
	[ $st = 0 ] && grep -q '"backend": "llvm"' "$T/err" && pass fit_big_net_llvm || fail fit_big_net_llvm "status $st: $(tail -c 300 "$T/err")"
fi

# the executable dpmc builds takes --params, with the same result and the
# same messages
if "$DPMC" build "$M" -o "$T/exe" 2>"$T/err"; then
	"$T/exe" --params "$T/fitted.json" -d 0.2 -o "$T/exe.wav" 2>"$T/err"
	if cmp -s "$T/exe.wav" "$T/fitted.wav"; then
		pass "exe_params (the built program's render = dpmc's, byte for byte)"
	else
		fail exe_params "$(head -c 300 "$T/err")"
	fi
	"$T/exe" --set shape.2.W.0.1=0.25 --params "$T/p0.json" -d 0.1 --raw -o "$T/e1.wav" 2>"$T/err"
	"$DPMC" render "$M" --params "$T/p0.json" --set shape.2.W.0.1=0.25 -d 0.1 --raw -o "$T/e2.wav" 2>>"$T/err"
	if cmp -s "$T/e1.wav" "$T/e2.wav"; then pass exe_params_then_set; else fail exe_params_then_set "$(head -c 300 "$T/err")"; fi
else
	fail exe_params "dpmc build: $(head -c 300 "$T/err")"
fi
# bad files: dpmc's message (file:line:col, the line, a caret), and the
# built program's the same
S='"sizes": [1, 5, 1], "act": "softplus"'
L1='{"W": [[1], [2], [3], [4], [5]], "b": [0, 0, 0, 0, 0]}'
L2='{"W": [[1, 2, 3, 4, 5]], "b": [0]}'
bad() {
	name=$1 json=$2 pat=$3
	printf '%s\n' "$json" >"$T/$name.json"
	run "$DPMC" render "$M" --params "$T/$name.json" -d 0.01 -o "$T/bad.wav"
	cp "$T/err" "$T/err.dpmc"
	if [ $st != 1 ] || ! grep -q -e "$pat" "$T/err" || [ -e "$T/bad.wav" ]; then
		fail "params_$name" "status $st, want 1 and '$pat': $(head -c 300 "$T/err")"
	elif ! grep -q "^$name.json:1:[0-9]*: error: \|^    1 | \|^      | *^" "$T/err"; then
		fail "params_$name" "no file:line:col and caret: $(head -c 300 "$T/err")"
	elif [ -x "$T/exe" ] && ! (cd "$T" && ./exe --params "$name.json" -d 0.01 -o bad.wav 2>"$T/err.exe"; [ $? = 1 ]); then
		fail "params_$name" "the built program did not refuse it: $(head -c 300 "$T/err.exe")"
	elif [ -x "$T/exe" ] && ! (cd "$T" && "$DPMC" render "$M" --params "$name.json" -d 0.01 -o bad.wav 2>&1 | cmp -s - err.exe); then
		fail "params_$name" "the built program says otherwise: $(head -c 300 "$T/err.exe")"
	else
		pass "params_$name"
	fi
}
bad sizes "{\"nets\": {\"shape\": {\"sizes\": [1, 4, 1], \"layers\": [$L1, $L2]}}}" \
	"net 'shape' is mlp(1, 5, 1) in the model, not mlp(1, 4, 1)"
bad act "{\"nets\": {\"shape\": {\"sizes\": [1, 5, 1], \"act\": \"tanh\", \"layers\": [$L1, $L2]}}}" \
	"net 'shape' uses softplus in the model, not tanh"
bad no_layers "{\"nets\": {\"shape\": {$S}}}" "net 'shape' has no \"layers\""
# the message quotes a quote ('{') and ends with what it found, whole
# (its closing quote was taken for an opening one: "... fou...'n'")
bad null_net "{\"nets\": {\"shape\": null}}" "expected '{', a net {.*}, found 'n'$"
bad one_layer "{\"nets\": {\"shape\": {$S, \"layers\": [$L1]}}}" "net 'shape' has 2 layers in the model, not 1"
bad three_layers "{\"nets\": {\"shape\": {$S, \"layers\": [$L1, $L2, $L2]}}}" "net 'shape' has 2 layers in the model; this is one more"
bad rows "{\"nets\": {\"shape\": {$S, \"layers\": [{\"W\": [[1], [2]], \"b\": [0, 0, 0, 0, 0]}, $L2]}}}" \
	"net 'shape', layer 1: W has 2 rows; the model's has 5 (one per unit of the layer)"
bad row_long "{\"nets\": {\"shape\": {$S, \"layers\": [$L1, {\"W\": [[1, 2, 3, 4, 5, 6]], \"b\": [0]}]}}}" \
	"net 'shape', layer 2: row 0 of W has more than 5 numbers"
bad bias_short "{\"nets\": {\"shape\": {$S, \"layers\": [{\"W\": [[1], [2], [3], [4], [5]], \"b\": [0]}, $L2]}}}" \
	"net 'shape', layer 1: b has 1 number; the model's has 5"
bad no_b "{\"nets\": {\"shape\": {$S, \"layers\": [{\"W\": [[1], [2], [3], [4], [5]]}, $L2]}}}" \
	"net 'shape', layer 1: no \"b\""
bad range "{\"nets\": {\"shape\": {$S, \"layers\": [$L1, {\"W\": [[1, 2, 3, 4000, 5]], \"b\": [0]}]}}}" \
	"shape.2.W.0.3 = 4000 is outside its range \[-1000, 1000\]"
bad unknown_net "{\"nets\": {\"shap\": {$S, \"layers\": [$L1, $L2]}}}" "unknown net 'shap'; did you mean 'shape'?"
bad twice "{\"params\": {\"shape.1.b.2\": 0.5}, \"nets\": {\"shape\": {$S, \"layers\": [$L1, $L2]}}}" \
	"param 'shape.1.b.2' is given twice"
bad unknown_weight '{"params": {"shape.3.b.0": 1}}' "unknown param 'shape.3.b.0'; did you mean 'shape.[12].b.0'?"
bad unknown_param '{"params": {"f1": 1}}' \
	"unknown param 'f1'; did you mean 'f0'? (the param is f0; and the weights NET.L.W.j.i and NET.L.b.j of the net shape)"

# ---- 6. dpmc grad reports the nets' gradients in their shape ----
W=shape.1.W.2.0
v=$($PY -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))["nets"]["shape"]["layers"][0]["W"][2][0]))' "$T/p0.json")
"$DPMC" render "$M" --params "$T/p0.json" --set shape.2.b.0=0.15 --set f0=221 -d 0.2 --raw -o "$T/T.wav"
for k in 1 2; do
	"$DPMC" render "$M" --params "$T/p0.json" --set "$W=$($PY -c "print($v + $k * 1e-3)")" -d 0.2 --raw -o "$T/P$k.wav"
	"$DPMC" render "$M" --params "$T/p0.json" --set "$W=$($PY -c "print($v - $k * 1e-3)")" -d 0.2 --raw -o "$T/M$k.wav"
done
if ! "$DPMC" grad "$M" --params "$T/p0.json" --target "$T/T.wav" >"$T/g.json" 2>"$T/err"; then
	fail grad_nets "dpmc grad: $(head -c 300 "$T/err")"
elif $PY "$N/gradjson.py" "$T/g.json" "[1, 5, 1]" softplus $W 1e-3 "$T/P1.wav" "$T/M1.wav" \
	"$T/P2.wav" "$T/M2.wav" >"$T/out" 2>&1; then
	pass "grad_nets ($(cat "$T/out"))"
else
	fail grad_nets "$(cat "$T/out")"
fi

# ---- 7. info lists nets briefly ----
run "$DPMC" info "$N/scalar.dpm"
if [ $st = 0 ] && grep -q '^  tone       = mlp(2, 8, 3), act = tanh: 51 weights, tone.1.W.0.0 .. tone.2.b.2, rms' "$T/out" &&
   ! grep -q '^  tone\.' "$T/out"; then
	pass info_nets
else
	fail info_nets "$(head -c 600 "$T/out")"
fi

# ---- 8. the REPL shows and sets weights ----
printf '%s\n' "load $M" "open $T/p0.json" "set shape.2.W.0.2 0.45" "nets shape" "params" \
	"render 0.1 $T/repl.wav raw" "save $T/saved.json" | "$DPMC" repl >"$T/out" 2>"$T/err"
"$DPMC" render "$M" --params "$T/p0.json" --set shape.2.W.0.2=0.45 -d 0.1 --raw -o "$T/cli.wav" 2>>"$T/err"
if ! cmp -s "$T/repl.wav" "$T/cli.wav"; then
	fail repl_set_weight "the REPL's render after 'set shape.2.W.0.2 0.45' differs: $(head -c 300 "$T/err")"
elif ! grep -q '^    -0.3 0.15 0.45 0.3 0$' "$T/out" || ! grep -q '^  shape      = mlp(1, 5, 1), act = softplus' "$T/out"; then
	fail repl_set_weight "nets/params do not show the weight: $(head -c 600 "$T/out")"
elif ! "$DPMC" render "$M" --params "$T/saved.json" -d 0.1 --raw -o "$T/saved.wav" 2>"$T/err" ||
     ! cmp -s "$T/saved.wav" "$T/cli.wav"; then
	fail repl_set_weight "save then --params renders otherwise: $(head -c 300 "$T/err")"
else
	pass "repl_set_weight (set, nets, params, save, open)"
fi

# ---- 9. broken params files with nets: refused or read, never a crash ----
mkdir -p "$T/mut"
$PY "$N/mutate.py" "$T/p0.json" "$T/mut" 150
crash=0 read=0 refused=0
for f in "$T"/mut/*.json; do
	"$DPMC" info --json "$M" --params "$f" >"$T/out" 2>"$T/err"
	st=$?
	case $st in
	0) read=$((read + 1)) ;;
	1) if grep -q 'error' "$T/err"; then refused=$((refused + 1)); else crash=$((crash + 1)); fi ;;
	*) crash=$((crash + 1)); echo "$f: status $st" >>"$T/crashes" ;;
	esac
done
if [ $crash = 0 ]; then
	pass "params_mutated (150 broken files: $refused refused with a message, $read read)"
else
	fail params_mutated "$crash of 150 crashed or failed without a message: $(head -c 300 "$T/crashes" 2>/dev/null)"
fi

# a net of 4.5k weights and 200 outputs: the positions' slopes (outputs
# times params, 14 MB) lived on set_coefs' stack and were written out one
# line each (a segfault, a probe's); now in the model, only the non-zero
{
	printf 'model wide\nparam f0 = 220 in [20, 4000]\ndomain x in [0, 1]\nfield u(x)\n'
	printf 'net nn = mlp(2, 64, 64, 3)\n'
	printf 'pde u.tt = (2 * f0 * (1 + 0.01 * nn(f0 / 1000, 0.5)[1]))^2 * u.xx\n'
	printf 'boundary x = 0, x = 1: fixed\ninit u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)\n'
	i=0
	while [ $i -lt 200 ]; do
		printf 'output o%d = u(%s)\n' $i "$(awk -v i=$i 'BEGIN { print (i + 1) / 202 }')"
		i=$((i + 1))
	done
} >"$T/wide.dpm"
run "$DPMC" render "$T/wide.dpm" -d 0.005 -o "$T/wide.wav"
[ "$st" = 0 ] && pass wide_net_200_outputs || fail wide_net_200_outputs "exit $st: $(head -c 300 "$T/err")"
# a size no layer has, at its place (it was echoed as -1)
printf '{"params": {}, "nets": {"nn": {"sizes": [2, 1000000000, 64, 3], "act": "tanh", "layers": []}}}\n' >"$T/bigsize.json"
run "$DPMC" info "$T/wide.dpm" --params "$T/bigsize.json"
[ "$st" = 1 ] && grep -q "bigsize.json:1:45: error: a layer's size is a whole number from 1 to 999999999, not 1000000000" "$T/err" &&
	pass params_size_place || fail params_size_place "exit $st: $(head -c 300 "$T/err")"
# one hidden layer of 20,000 units (60,000 weights) compiles in about a
# second: its output's sum was rebuilt node by node by the walkers that
# substitute into it, each node merging the terms before it (10,000
# units: 23 s; 33,333: over 100 s; a probe's).  60 s is the bound a
# quadratic walk would pass far beyond.
printf 'model wide1\nparam a = 0.3 in [-2, 2]\nnet n = mlp(1, 20000, 1, act = sin)\nfield z\npde z.tt = -1e6 * z + 1e3 * n(a)\ninit z = 0.001\noutput o = z\n' >"$T/wide1.dpm"
timeout 60 "$DPMC" render "$T/wide1.dpm" -d 0.01 --raw -o "$T/wide1.wav" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 0 ] && pass wide_layer_compiles || fail wide_layer_compiles "exit $st (124: over 60 s): $(head -c 300 "$T/err")"
