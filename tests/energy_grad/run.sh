#!/bin/sh
# tests/energy_grad — gradients of models with `output E = energy`
# (language.md 12.1, 12: "Gradients cover all of the above"): the energy
# channel is part of the loss (emit_energy.c, @__eadj).
#
# Models: string.dpm (one stiff string with loss), mass.dpm (a string with
# loss and a mass on a spring), tests/density/string.dpm (a lossless
# string of varying density with a mass on a spring), the string of
# tests/parts_grad/spring.dpm (springs to the ground and to a damped mass)
# and its bridge.dpm (an attached end), tests/parts/drum.dpm and
# tests/density/membrane.dpm (2D, a mass on a spring), a chain of varying
# density (tests/density/chain.dpm), two strings with loss on the
# backward velocity, one a chain (chain_xxt.dpm), two strings joined at a
# param's place, one a chain (chain_param.dpm; its C stays under 2 MB), and SAV: a Kirchhoff-Carrier string
# and a felt hammer (tests/sav_grad), each with the energy output last.
# 1. through a loss on the energy channel alone (edot.c): the dot test
#    <J^T g, d> = <g, J d> (Richardson differences) to 1e-7, and where the
#    energy depends nonlinearly on the params (loss, potentials) a Taylor
#    test of that loss (slope 2); a lossless model's energy is its initial
#    state's, often linear in the params, and the remainder then 0.
#    Lossless models with their other channels make gradtest's windows
#    unreliable (the remainder falls with slope 3 along f0 and rho0, the
#    differences agree to 1e-10): their Taylor tests are the lossy ones'.
# 2. Taylor tests of the whole loss, every channel (tests/grad/gradtest.c
#    taylor), and checkpoints bit for bit (gradtest.c ckpt).
# 3. `dpmc grad` gives the same bits from tcc, cc and llvm.
# 4. with a bow (tests/bow_grad): a dashpot on a string and on a
#    membrane (the energy's dot and Taylor tests), NSS's friction while
#    the bow sticks (Taylor tests of the whole loss).
# Env: DPMC, REPO, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/energy_grad
SUITE=energy_grad
. "$REPO/tests/lib.sh"
scratch egrad

# gt NAME MODEL: the model with `output E = energy` last (unless it has
# one), gradtest.c and edot.c, in $T/NAME; its energy channel in $T/NAME/ch
gt() {
	d=$T/$1
	mkdir -p "$d"
	if grep -q '^output E = energy' "$2"; then cp "$2" "$d/m.dpm"; else
		{ cat "$2"; echo "output E = energy"; } >"$d/m.dpm"; fi
	grep '^output' "$d/m.dpm" | grep -n 'energy' | cut -d: -f1 | awk '{ print $1 - 1 }' >"$d/ch"
	"$DPMC" build "$d/m.dpm" -o "$d/m.c" 2>"$d/err" || { fail "build_$1" "$(cat "$d/err")"; return 1; }
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
	# the model's C (the long compile) once, linked into both programs
	$CC $GENOPT -std=c99 -I"$d" -c -o "$d/m.o" "$d/m.c" 2>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/gradtest" \
	    "$REPO/tests/grad/gradtest.c" "$d/m.o" -lm 2>>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/edot" \
	    "$HERE/edot.c" "$d/m.o" -lm 2>>"$d/err" || { fail "cc_$1" "$(cat "$d/err")"; return 1; }
}
# prog NAME PROGRAM ARGS...: its PASS/FAIL lines
prog() {
	n=$1 p=$2
	shift 2
	"$T/$n/$p" "$@" >"$T/out" 2>&1
	st=$?
	sed "s|^PASS |PASS $SUITE/$n: |; s|^FAIL |FAIL $SUITE/$n: |" "$T/out"
	grep -q '^PASS ' "$T/out" || [ $st != 0 ] || fail "${n}_$p" "no result: $(cat "$T/out")"
}
# edot NAME [-t] GRID...: the energy channel's dot (and Taylor) test
edot() {
	n=$1
	shift
	t=
	[ "$1" = -t ] && { t=-t; shift; }
	prog "$n" edot $t "$n" "$(cat "$T/$n/ch")" "$@"
}

D=$REPO/tests/density
# ---- 1, 2 ----
if gt string "$HERE/string.dpm"; then
	edot string -t 100
	prog string gradtest taylor -g 100 -d 0.05
	prog string gradtest ckpt -g 100 -d 0.05
fi
if gt vstring "$D/string.dpm"; then
	edot vstring 200
	prog vstring gradtest ckpt -g 200 -d 0.05
fi
if gt mass "$HERE/mass.dpm"; then
	edot mass -t 100
	prog mass gradtest taylor -g 100 -d 0.05
	prog mass gradtest ckpt -g 100 -d 0.05
fi
if gt spring "$REPO/tests/parts_grad/spring.dpm"; then
	edot spring 90
fi
if gt bridge "$REPO/tests/parts_grad/bridge.dpm"; then
	edot bridge 150
	prog bridge gradtest ckpt -g 150 -d 0.05
fi
if gt drum "$REPO/tests/parts/drum.dpm"; then
	edot drum 20 20
fi
if gt membrane "$D/membrane.dpm"; then
	edot membrane 20 16
fi
if gt chain "$D/chain.dpm"; then
	edot chain 80
fi
if gt chain_param "$HERE/chain_param.dpm"; then
	edot chain_param -t 60
	prog chain_param gradtest taylor -g 60 -d 0.03 -s X=0.1
	sz=$(wc -c <"$T/chain_param/m.c")
	[ "$sz" -lt 2000000 ] && pass chain_param_c_size ||
		fail chain_param_c_size "the model's C is $sz bytes (was 57 MB for 341 points)"
fi
if gt chain_xxt "$HERE/chain_xxt.dpm"; then
	edot chain_xxt -t 60
	prog chain_xxt gradtest taylor -g 60 -d 0.03
fi
if gt kc "$REPO/tests/sav_grad/kc.dpm"; then
	edot kc -t 61
	prog kc gradtest taylor -g 61 -d 0.03 -s sig=20,alpha=3e7
	prog kc gradtest ckpt -g 61 -d 0.03
fi
if gt hammer "$REPO/tests/sav_grad/hammer.dpm"; then
	edot hammer -t 61
	prog hammer gradtest taylor -g 61 -d 0.002 -p xh -s sig=30,xh=0.008
	prog hammer gradtest ckpt -g 61 -d 0.002
fi
# constant forces as potentials (tests/energy gravity*.dpm): through g,
# F, the force's place and the densities; lossy so that the energy is
# not linear in the params; a time signal beside them (its work no
# energy); an output at the force's place, so that the loss is not linear
# in it within a cell (Taylor's remainder would be 0)
G=$REPO/tests/energy
sed 's/^pde u.tt = c^2 \* u.xx/& - 2 * 1.5 * u.t + 2 * 3e-4 * u.xxt - 0.3 * g * sin(300 * t)/;
     s/^output o = u(0.7)/&\
output ox = u(X)/' "$G/gravity.dpm" >"$T/gravity.dpm"
if gt gravity "$T/gravity.dpm"; then
	edot gravity -t 100
	prog gravity gradtest taylor -g 100 -d 0.05
	prog gravity gradtest ckpt -g 100 -d 0.05
fi
sed 's/^pde u.tt = C2 \/ (rho0 \* (1 + a \* x)) \* lap(u)/& - 3 * u.t/;
     s/^output o = u(0.71, 0.23)/&\
output ox = u(X, Y)/' "$G/gravity2d.dpm" >"$T/gravity2d.dpm"
if gt gravity2d "$T/gravity2d.dpm"; then
	edot gravity2d -t 20 16
	prog gravity2d gradtest taylor -g 20,16 -d 0.03 -p X,Y
fi
sed 's/^pde u.tt = T \/ 0.005 \* u.xx/& - 2 * u.t/' "$G/gravity_attached.dpm" >"$T/gravity_attached.dpm"
# (its loss is nearly linear in F, g and X: large steps in F and g, and
# an output at X; the energy channel's dot test is too small here for its
# differences, its seeds summing E nearly constant)
sed -i 's/^output o = u(0.5)/&\
output ox = u(X)/' "$T/gravity_attached.dpm"
if gt gravity_attached "$T/gravity_attached.dpm"; then
	prog gravity_attached gradtest taylor -g 101 -d 0.03 -s F=50,g=5000,X=0.05
	prog gravity_attached gradtest ckpt -g 101 -d 0.03
fi
# the weight 1 / c2(x) of a wave speed written as a multiplier: through
# its params
sed 's/^pde u.tt = c2(x) \* u.xx/& - 2 * u.t/' "$G/wavespeed.dpm" >"$T/wavespeed.dpm"
if gt wavespeed "$T/wavespeed.dpm"; then
	edot wavespeed -t 100
	prog wavespeed gradtest taylor -g 100 -d 0.05
fi

# the energy's adjoint of a chain's backward reads (their coefficients'
# temporaries hid the locals they set)
if gt lossy_bridge2d "$HERE/lossy_bridge2d.dpm"; then
	edot lossy_bridge2d -t 20 16
	prog lossy_bridge2d gradtest taylor -g 20,16 -d 0.03
fi

# ---- 3. backends ----
for n in string kc hammer gravity lossy_bridge2d; do
	set=sig=2.5
	[ $n = gravity ] && set=g=12
	[ $n = lossy_bridge2d ] && set=T60hi=1.2
	[ -f "$T/$n/m.dpm" ] || continue
	if "$DPMC" render "$T/$n/m.dpm" -d 0.1 --raw --set $set -o "$T/$n.t.wav" 2>"$T/err"; then
		bad=
		for b in tcc cc llvm; do
			"$DPMC" grad "$T/$n/m.dpm" --target "$T/$n.t.wav" --backend $b >"$T/$n.$b.json" 2>"$T/err" ||
				bad="$bad $b: $(head -c 200 "$T/err")"
		done
		cmp -s "$T/$n.tcc.json" "$T/$n.cc.json" && cmp -s "$T/$n.tcc.json" "$T/$n.llvm.json" ||
			bad="$bad the gradients differ"
		[ -z "$bad" ] && pass "${n}_backends_same_bits" || fail "${n}_backends_same_bits" "$bad"
	else
		fail "${n}_target" "$(cat "$T/err")"
	fi
done

# ---- 4. with a bow: the energy's operator without it (lin 2) ----
B=$REPO/tests/bow_grad
if gt dashpot "$B/dashpot.dpm"; then
	edot dashpot -t 80
	prog dashpot gradtest taylor -g 80 -d 0.05 -p xb
fi
if gt mdashpot "$B/membrane_dashpot.dpm"; then
	edot mdashpot -t 20 14
fi
# a damper between the string and a mass (the damper's term, the
# velocities at different steps, emit_energy.c cg_src_back)
if gt massdamp "$HERE/massdamp.dpm"; then
	edot massdamp -t 60
	prog massdamp gradtest taylor -g 60 -d 0.03 -p xs
fi
if gt massforce "$HERE/massforce.dpm"; then
	prog massforce gradtest taylor -g 60 -d 0.03 -p xs
fi
if gt stick "$B/stick.dpm"; then
	prog stick gradtest taylor -d 0.015 -p xb -s sig=400
fi
