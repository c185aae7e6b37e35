#!/bin/sh
# tests/density — `density RHO` of the coordinates and params (language.md
# 11): a point force adds F / rho(x_i) at each grid point its spread
# reaches, and `output E = energy` weighs each point by its density.
#
# Models: string.dpm (rho0 (1 + a x), T / rho(x) u.xx, a mass on a spring
# at xs), membrane.dpm (rho0 (1 + a x) (1 + b y), a mass on a spring),
# chain.dpm (a second string of varying density: a chain of lumped objects
# of mass rho(x_i) h, sema_fields.c).
# 1. energy constant to rounding over 2e4 steps (tests/energy/drift.c),
#    the chain's too;
#    the same string with the pde's density left constant drifts (the
#    test can fail).
# 2. the partials of a render against the discrete system's eigenvalues
#    (density.py, numpy: 2e-4), the string's also against the continuous
#    problem's modes by a converged shooting method (5e-4).
# 3. gradients through params inside a density (rho0, a, b): Taylor tests
#    (tests/grad/gradtest.c, slope 2), the dot test (tests/parts_grad/pdot.c).
# 4. tcc, cc and llvm render the same bits.
# 5. bad densities: below 0 at the defaults (file:line:col, where), below
#    0 for a --set value (where, which grid point), of the state or of t:
#    exit 1, nothing written.
# Env: DPMC, REPO, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/density
SUITE=density
. "$REPO/tests/lib.sh"
scratch density

peaks    # $T/peaks; check (tests/lib.sh)

# ---- 1. energy ----
# energy through tests/energy/drift.c (drift, conserved: tests/lib.sh)
conserved string_energy "$HERE/string.dpm" 0 1e-12
conserved membrane_energy "$HERE/membrane.dpm" 0 1e-12
# a chain's point masses rho(x_i) h (sema_fields.c): its energy as lumped
# objects' (the energy last, channel 2)
sed '$a\
output E = energy' "$HERE/chain.dpm" >"$T/chain_e.dpm"
conserved chain_energy "$T/chain_e.dpm" 2 1e-12
# the density's weights are what conserve it: a pde of constant density
# against the density of x drifts
sed 's|^pde u.tt = T / (rho0 \* (1 + a \* x))|pde u.tt = T / rho0|' "$HERE/string.dpm" >"$T/string_wrong.dpm"
if drift string_wrong "$T/string_wrong.dpm" 0; then
	d=$(awk '{ print $1 }' "$T/string_wrong.out")
	awk -v d="$d" 'BEGIN { exit !(d > 1e-3) }' && pass string_energy_can_fail ||
		fail string_energy_can_fail "a pde that does not match the density drifts only $d"
else
	fail string_energy_can_fail "$(head -c 300 "$T/err")"
fi

# ---- 2. modes ----
if "$DPMC" render "$HERE/string.dpm" -o "$T/s.wav" -d 3 --raw --double 2>"$T/err"; then
	for ch in 1 2; do
		"$T/peaks" "$T/s.wav" -c $ch -n 6 >"$T/s$ch.pk"
		check "string_modes_$ch" "$HERE/density.py" string 200 100 0.005 0.8 2000 0.003 0.37 44100 <"$T/s$ch.pk"
	done
	# the continuous problem: the partials below 400 Hz (the lowest six)
	check string_continuous "$HERE/density.py" cont 100 0.005 0.8 2000 0.003 0.37 \
		$(awk '$1 < 400 { print $1 }' "$T/s1.pk")
else
	fail string_modes "$(cat "$T/err")"
fi
if "$DPMC" render "$HERE/membrane.dpm" -o "$T/m.wav" -d 3 --raw --double 2>"$T/err"; then
	for ch in 1 2; do
		"$T/peaks" "$T/m.wav" -c $ch -n 6 >"$T/m$ch.pk"
		check "membrane_modes_$ch" "$HERE/density.py" membrane 20 16 1 0.8 200 0.02 0.6 -0.3 500 0.01 \
			0.45 0.35 44100 <"$T/m$ch.pk"
	done
else
	fail membrane_modes "$(cat "$T/err")"
fi
if "$DPMC" render "$HERE/chain.dpm" -o "$T/c.wav" -d 4 --raw 2>"$T/err"; then
	"$T/peaks" "$T/c.wav" -c 0 -n 6 >"$T/c.pk"
	"$T/peaks" "$T/c.wav" -c 1 -n 6 >>"$T/c.pk"
	check chain_modes "$HERE/density.py" chain 80 60 100 0.005 0.004 1.5 300 0.3 0.45 44100 <"$T/c.pk"
else
	fail chain_modes "$(cat "$T/err")"
fi

# ---- 3. gradients ----
# gt NAME MODEL [SED]: gradtest.c and pdot.c built with the model
gt() {
	d=$T/g$1
	mkdir -p "$d"
	sed "${3:-s/^//}" "$2" >"$d/m.dpm"
	"$DPMC" build "$d/m.dpm" -o "$d/m.c" 2>"$d/err" || { fail "build_$1" "$(cat "$d/err")"; return 1; }
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
	# the model's C (the long compile) once, linked into both programs
	$CC $GENOPT -std=c99 -I"$d" -c -o "$d/m.o" "$d/m.c" 2>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/gradtest" \
	    "$REPO/tests/grad/gradtest.c" "$d/m.o" -lm 2>>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/pdot" \
	    "$REPO/tests/parts_grad/pdot.c" "$d/m.o" -lm 2>>"$d/err" || { fail "cc_$1" "$(cat "$d/err")"; return 1; }
}
# gr NAME PROGRAM ARGS...: its PASS/FAIL lines
gr() {
	n=$1 p=$2
	shift 2
	"$T/g$n/$p" "$@" >"$T/out" 2>&1
	st=$?
	sed "s|^PASS |PASS $SUITE/$n: |; s|^FAIL |FAIL $SUITE/$n: |" "$T/out"
	grep -q '^PASS ' "$T/out" || [ $st != 0 ] || fail "$n_$p" "no result: $(cat "$T/out")"
}
NOE='/^output E = energy/d'
if gt string "$HERE/string.dpm" "$NOE"; then
	gr string gradtest taylor -g 200 -d 0.05
	gr string pdot 1 200
fi
if gt membrane "$HERE/membrane.dpm" "$NOE"; then
	gr membrane gradtest taylor -g 20,16 -d 0.05
	gr membrane pdot 1 20,16
fi
if gt chain "$HERE/chain.dpm"; then
	gr chain gradtest taylor -g 80 -d 0.05
fi

# ---- 4. backends ----
for m in string membrane; do
	for b in tcc cc llvm; do
		"$DPMC" render "$HERE/$m.dpm" --backend $b -d 0.2 --raw --double -o "$T/$m.$b.wav" 2>"$T/err" ||
			fail "${m}_$b" "$(cat "$T/err")"
	done
	cmp -s "$T/$m.tcc.wav" "$T/$m.cc.wav" && cmp -s "$T/$m.tcc.wav" "$T/$m.llvm.wav" &&
		pass "${m}_backends_same_bits" || fail "${m}_backends_same_bits" "tcc, cc and llvm differ"
done

# ---- 5. bad densities ----
sed 's/^field u(x) density .* on s$/field u(x) density rho0 * (1 - 2 * x) on s/' "$HERE/string.dpm" >"$T/neg.dpm"
expect negative_default 1 "neg.dpm:14:20: error: the density of 'u' is 0 at x = 0.5" -- \
	render "$T/neg.dpm" -o "$T/neg.wav"
[ -e "$T/neg.wav" ] && fail negative_default_file "a WAV was written"
sed 's/^param a .*/param a = 0.8/' "$HERE/string.dpm" >"$T/seta.dpm"
expect negative_set 1 "the density of 'u' (line 14, column 20) is -2.5e-06 at x = 0.667 for the params in force" -- \
	render "$T/seta.dpm" --set a=-1.5 -o "$T/seta.wav"
[ -e "$T/seta.wav" ] && fail negative_set_file "a WAV was written"
# a density that reaches no pde: the grid is stable, the set-up finds it
cat >"$T/setg.dpm" <<'M'
model setg
param a = 0.8
domain x in [0, 1] grid 100
field u(x) density 0.005 * (1 + a * x)
pde u.tt = 1e4 * u.xx
boundary x = 0, x = 1: fixed
init u = 0.001 * sin(pi * x)
output E = energy
M
expect negative_set_grid 1 "the density of 'u' (line 4, column 20) is -2.5e-05 at grid point 67, x = 0.67 for" -- \
	render "$T/setg.dpm" --set a=-1.5 -o "$T/setg.wav"
sed 's/^field u(x) density .* on s$/field u(x) density rho0 * (1 + z) on s/' "$HERE/string.dpm" >"$T/state.dpm"
expect density_of_state 1 "state.dpm:14:32: error: cannot use the lumped object 'z' in a density" -- \
	check "$T/state.dpm"
sed 's/^field u(x) density .* on s$/field u(x) density rho0 * (1 + t) on s/' "$HERE/string.dpm" >"$T/time.dpm"
expect density_of_time 1 "time.dpm:14:32: error: cannot use the time 't' in a density" -- \
	check "$T/time.dpm"
sed 's/^field u(x, y) on skin density .*/field u(x, y) on skin density rho0 * (1 + a * x) * (1 - 2 * y)/' \
	"$HERE/membrane.dpm" >"$T/neg2.dpm"
expect negative_2d 1 "neg2.dpm:14:31: error: the density of 'u' is -0.00016 at (x, y) = (0, 0.504)" -- \
	check "$T/neg2.dpm"
