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
T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-nets.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
TMPDIR=$T/tmp
export XDG_CACHE_HOME TMPDIR
mkdir -p "$T/tmp"
. "$REPO/tests/lib.sh"
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
	if ! $CC -O2 -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/nettest" \
	    "$N/nettest.c" "$d/m.c" -lm -lpthread 2>"$d/err"; then
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
for act in relu sigmoid; do
	sed -e "s/act = tanh/act = $act/" -e "s/model netscalar/model net_$act/" "$N/scalar.dpm" >"$T/$act.dpm"
	if nt "$act" "$T/$act.dpm"; then
		ntrun "$act" dot -g 30 -d 0.05
	fi
done
