#!/bin/sh
# tests/parts — instruments of several parts (language.md section 11):
# lumped objects, point reads, forces between parts, attached ends.
#
# 1. modes against the continuous problem's frequency equation, solved
#    independently in roots.py: the spec's string on a sprung bridge
#    (tan(bL) = -T b / (K - M w^2)) as written, near its fixed-end limit
#    (K large) and near its free-end limit (K, M small: the one-sided
#    slope at the end makes this first order in h, so it is checked at
#    44.1 kHz within 0.5 % and at 176.4 kHz within 0.15 %); a string tied
#    to the ground by a point spring; a mass on a spring hung from a
#    string (the same force on both sides).
# 2. a lumped oscillator's samples (position and velocity outputs)
#    against the centred recurrence written out in osc.py; the same
#    oscillator alone, in a model with no field with coordinates.
# 3. tcc, cc and llvm render the same bits.
# 4. bad inputs: file:line:col, exit 1, nothing written.
# Env: DPMC, REPO, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/parts
PY=/usr/bin/python3
SUITE=parts
T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-parts.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME
. "$REPO/tests/lib.sh"

peaks    # $T/peaks; check (tests/lib.sh)

# modes NAME MODEL NPEAKS RENDER-ARGS -- ROOTS-ARGS
modes() {
	name=$1 model=$2 np=$3
	shift 3
	ra=
	while [ "$1" != -- ]; do ra="$ra $1"; shift; done
	shift
	# shellcheck disable=SC2086
	if ! "$DPMC" render "$HERE/$model" -o "$T/$name.wav" -d 2 --raw $ra 2>"$T/err"; then
		fail "$name" "$(cat "$T/err")"
		return
	fi
	"$T/peaks" "$T/$name.wav" -c 0 -n "$np" >"$T/$name.pk"
	r=$("$PY" "$HERE/roots.py" "$@" <"$T/$name.pk" 2>&1)
	[ "$r" = ok ] && pass "$name" || fail "$name" "$r"
}

TB=$(awk 'BEGIN { printf "%.17g", 0.005 * (2 * 0.65 * 110)^2 }')
modes bridge_modes bridge.dpm 5 -- bridge rho=0.005 L=0.65 T="$TB" K=1e5 M=0.01 tol=1e-3
modes bridge_stiff bridge.dpm 4 --set K=1e6 -- bridge rho=0.005 L=0.65 T="$TB" K=1e6 M=0.01 tol=1e-3
modes bridge_soft bridge.dpm 8 --set K=100 --set M=1e-4 -- \
	bridge rho=0.005 L=0.65 T="$TB" K=100 M=1e-4 tol=5e-3
modes bridge_soft_fine bridge.dpm 8 --set K=100 --set M=1e-4 -r 176400 -- \
	bridge rho=0.005 L=0.65 T="$TB" K=100 M=1e-4 tol=1.5e-3
modes point_spring spring.dpm 5 -- spring rho=0.01 L=1 T=400 K=2000 a=0.5 tol=1e-3
# a stiff spring: the grid it needs is coarser than the ideal string's
# (stability counts it), so the string's own dispersion shows (0.4 % at 650 Hz)
modes point_spring_stiff spring.dpm 8 --set xs=0.3 --set K=5e4 -- spring rho=0.01 L=1 T=400 K=5e4 a=0.3 tol=6e-3 fmax=3000 lowest=0
modes mass_on_string coupled.dpm 5 -- coupled rho=0.01 L=1 T=900 Kc=3000 M=0.02 a=0.37 tol=3e-3
modes mass_on_string_fine coupled.dpm 5 -r 176400 -- coupled rho=0.01 L=1 T=900 Kc=3000 M=0.02 a=0.37 tol=1e-3

# a mass on a spring at a point of a membrane (a 2D point read and
# force): both channels' partials against the discrete system's modes
if "$DPMC" render "$HERE/drum.dpm" -o "$T/drum.wav" -d 2 --raw --grid 30,30 2>"$T/err"; then
	for ch in 0 1; do
		"$T/peaks" "$T/drum.wav" -c $ch -n 6 >"$T/drum$ch.pk"
		r=$("$PY" "$HERE/drum.py" 30 200 2e4 0.01 0.1 0.123 0.2 44100 $([ $ch = 0 ] && echo any) \
			<"$T/drum$ch.pk" 2>&1)
		[ "$r" = ok ] && pass "drum_modes_$ch" || fail "drum_modes_$ch" "$r"
	done
	# the default grid counts the spring: stable, and no finer than the forced one allows
	if "$DPMC" render "$HERE/drum.dpm" -o "$T/drum_k.wav" -d 0.2 --set K=1e6 2>"$T/err"; then
		pass drum_stiff_spring_grid
	else
		fail drum_stiff_spring_grid "$(cat "$T/err")"
	fi
else
	fail drum_modes "$(cat "$T/err")"
fi

# 2. the oscillator, sample by sample
if "$DPMC" render "$HERE/osc.dpm" -o "$T/osc.wav" -d 1 --raw 2>"$T/err"; then
	r=$("$PY" "$HERE/osc.py" "$T/osc.wav" 2000 3 0.01 3 44100 2>&1)
	[ "$r" = ok ] && pass lumped_recurrence || fail lumped_recurrence "$r"
else
	fail lumped_recurrence "$(cat "$T/err")"
fi
# the same oscillator in a model with no field with coordinates (sema.c
# lumped_only): the same recurrence, on every backend
sed '/^domain/d; /^field u/d; /^pde u/d; /^boundary/d; /^output s/d' "$HERE/osc.dpm" >"$T/alone.dpm"
for b in tcc cc llvm; do
	if "$DPMC" render "$T/alone.dpm" -o "$T/alone.$b.wav" -d 1 --raw --backend $b 2>"$T/err"; then
		r=$("$PY" "$HERE/osc.py" "$T/alone.$b.wav" 2000 3 0.01 3 44100 2>&1)
		[ "$r" = ok ] && pass "lumped_alone_$b" || fail "lumped_alone_$b" "$r"
	else
		fail "lumped_alone_$b" "$(cat "$T/err")"
	fi
done

# 3. every backend, the same bits (the llvm one builds the sweep only)
bad=
for m in bridge coupled spring drum; do
	for b in tcc cc llvm; do
		"$DPMC" render "$HERE/$m.dpm" -o "$T/$m.$b.wav" -d 0.5 --raw --backend "$b" 2>"$T/err" ||
			bad="$bad $m/$b: $(head -c 200 "$T/err")"
	done
	cmp -s "$T/$m.tcc.wav" "$T/$m.cc.wav" && cmp -s "$T/$m.tcc.wav" "$T/$m.llvm.wav" ||
		bad="$bad $m differs"
done
[ -z "$bad" ] && pass backends_same_bits || fail backends_same_bits "$bad"

# the gradient runs (its checks: tests/parts_grad)
expect gradient_runs 0 "" -- grad "$HERE/bridge.dpm" --target "$T/bridge_modes.wav"

# 4. bad inputs
cat >"$T/base.dpm" <<'X'
model b
param K = 1e4 in [1, 1e8]
domain s: x in [0, 1]
field u(x) on s
field z mass 0.01
pde u.tt = 100^2 * u.xx
pde z.tt = -K * z
boundary x = 0, x = 1: fixed
output out = u(0.5)
X
# bad NAME SED-EXPR PATTERN: base.dpm edited, check's message and status
bad() {
	sed "$2" "$T/base.dpm" >"$T/$1.dpm"
	expect "$1" 1 "$3" -- check "$T/$1.dpm"
	grep -q "^$T/$1.dpm:[0-9]*:[0-9]*: error" "$T/err" || [ ! -s "$T/err" ] ||
		fail "$1_place" "no file:line:col: $(head -c 200 "$T/err")"
}
bad lump_no_pde '/pde z.tt/d' "has no pde"
bad lump_two_pdes '/pde z.tt/p' "a second"
bad lump_derivative 's/pde z.tt = -K \* z/pde z.tt = -K * z.x/' "read as z or z.t"
bad mass_on_field 's/field u(x) on s/field u(x) on s mass 2/' "not an option"
bad density_on_lump 's/field z mass 0.01/field z density 2/' "not an option"
bad on_unknown_domain 's/field u(x) on s/field u(x) on t/' "no domain is named 't'"
bad attached_not_lump 's/x = 0, x = 1: fixed/x = 0: fixed\nboundary x = 1: attached K/' "not a lumped object"
bad attached_no_object 's/x = 0, x = 1: fixed/x = 0: fixed\nboundary x = 1: attached/' ""
bad read_in_coefficient 's/pde u.tt = 100^2 \* u.xx/pde u.tt = (100 + z.t)^2 * u.xx/' "a coefficient of u.s derivatives reads a velocity of the state"
bad read_position_moves 's/pde z.tt = -K \* z/pde z.tt = -K * z + u(t)/' "position"
sed "s/param K = 1e4 in \[1, 1e8\]/param K = 1e10 in [1, 1e11]/" "$T/base.dpm" >"$T/stiff.dpm"
expect lump_too_stiff 1 "stiff.dpm:7:12: error: the lumped object .z. is too stiff" -- render "$T/stiff.dpm" -o "$T/stiff.wav"
[ -e "$T/stiff.wav" ] && fail lump_too_stiff_no_file "stiff.wav written" || pass lump_too_stiff_no_file
bad mass_negative 's/field z mass 0.01/field z mass -0.5/' "the mass of 'z' is -0.5 with the params at their defaults; a mass must be positive"
sed "s/field z mass 0.01/field z mass M/; s/^param K = 1e4 in \[1, 1e8\]/param M = 0.01 in [-1, 1]\n&/" "$T/base.dpm" >"$T/mass.dpm"
expect mass_negative_in_force 1 "[0-9]*:[0-9]*: error: the mass of 'z' is -0.01 for the params in force; a mass must be positive" -- \
	render "$T/mass.dpm" --set M=-0.01 -o "$T/mass.wav"
expect mass_zero_in_force 1 "the mass of 'z' is 0 for the params in force" -- render "$T/mass.dpm" --set M=0 -o "$T/mass.wav"
bad lump_in_param 's/param K = 1e4 in \[1, 1e8\]/param K = 1e4 in [1, 1e8]\nlet G = z/' "lumped object"
bad boundary_wrong_field 's/boundary x = 0, x = 1: fixed/boundary w at x = 0, x = 1: fixed/' "not a field"
bad boundary_at_word 's/boundary x = 0, x = 1: fixed/boundary u on x = 0, x = 1: fixed/' "at x = A"
sed 's/pde z.tt = -K \* z/pde z.tt = -K * (z - u(1.5))/' "$T/base.dpm" >"$T/far.dpm"
expect read_outside_domain 1 "outside" -- render "$T/far.dpm" -o "$T/far.wav"
[ ! -e "$T/far.wav" ] && pass read_outside_no_file || fail read_outside_no_file "far.wav written"

# an output read exactly at an attached end is the object there: its
# gradient equals that of the output `b` (the end's adjoint goes to b)
sed -e 's/output out = u(0.5)/output out = u(0.65)/' -e '/output bridge = b/d' "$HERE/bridge.dpm" >"$T/end.dpm"
sed -e 's/output out = u(0.5)/output out = b/' -e '/output bridge = b/d' "$HERE/bridge.dpm" >"$T/obj.dpm"
if "$DPMC" render "$T/obj.dpm" -o "$T/obj.wav" -d 0.2 --raw --set M=0.012 2>"$T/err" &&
   g1=$("$DPMC" grad "$T/end.dpm" --target "$T/obj.wav" --loss mse 2>"$T/err") &&
   g2=$("$DPMC" grad "$T/obj.dpm" --target "$T/obj.wav" --loss mse 2>"$T/err"); then
	a=$(echo "$g1" | sed 's/.*"M": \([-0-9.e+]*\).*/\1/') b=$(echo "$g2" | sed 's/.*"M": \([-0-9.e+]*\).*/\1/')
	within "$a" "$b" 1e-9 && cmp_nz=$(awk -v a="$a" 'BEGIN { exit !(a != 0) }' && echo y)
	[ "$cmp_nz" = y ] && within "$a" "$b" 1e-9 && pass attached_end_output_grad ||
		fail attached_end_output_grad "dL/dM $a at u(L), $b at b"
else
	fail attached_end_output_grad "$(head -c 300 "$T/err")"
fi

# A stiff string pinned on a sprung bridge (language.md 11.1 at fourth
# order, tests/parts_grad/stiff_bridge.dpm): the end moves with b, u.xx =
# 0 there (the ghost 2 b - u[N-1]), and b feels the slope and the shear
# u.xxx(L).  Lossless, its energy is constant over 2e4 steps (without the
# shear in b's pde it drifts 3e-3, with the wrong sign 7e-3); on a stiff
# spring (K = 1e7) the end barely moves, and 8 partials lie within 2e-4
# of the pinned stiff string's on the same grid (tests/fields/partials.py)
SB=$REPO/tests/parts_grad/stiff_bridge.dpm
sed 's/^param R  = 2 /param R  = 0 /; s/^output bridge = b$/&\
output E = energy/' "$SB" >"$T/sbe.dpm"
conserved stiff_attached_energy "$T/sbe.dpm" 2 1e-12
n=$("$DPMC" info "$SB" --json --set K=1e7 2>"$T/err" | sed -n 's/.*"grid": \[\([0-9]*\)\].*/\1/p')
if [ -n "$n" ] && "$DPMC" render "$SB" --set K=1e7 --set R=0 -o "$T/sb.wav" -d 2 --raw 2>"$T/err"; then
	"$T/peaks" "$T/sb.wav" -c 0 -n 8 >"$T/sb.pk"
	check stiff_attached_partials "$REPO/tests/fields/partials.py" 110 1e-3 2e-4 8 "$n" 44100 <"$T/sb.pk"
else
	fail stiff_attached_partials "$(head -c 300 "$T/err")"
fi
# on a soft bridge (K = 1e5, M = 0.02: alone at 356 Hz) the third partial
# splits in two (328 and 359 Hz): the partials below 700 Hz against the
# roots of the continuous problem's frequency equation (roots.py stiff),
# at 4x the rate so that the grid's own dispersion stays under 5e-4
T_SB=$(awk 'BEGIN { printf "%.6f", 0.005 * (2 * 0.65 * 110)^2 }')
EI_SB=$(awk -v t="$T_SB" 'BEGIN { printf "%.9g", 1e-3 * t * 0.65^2 / (4 * atan2(1, 1))^2 }')
if "$DPMC" render "$SB" --set K=1e5 --set R=0 -r 176400 -o "$T/sbs.wav" -d 2 --raw 2>"$T/err"; then
	"$T/peaks" "$T/sbs.wav" -c 0 -n 6 --fmax 700 >"$T/sbs.pk"
	check stiff_attached_modes "$HERE/roots.py" stiff rho=0.005 L=0.65 T="$T_SB" EI="$EI_SB" M=0.02 K=1e5 \
		tol=5e-4 fmax=1500 <"$T/sbs.pk"
else
	fail stiff_attached_modes "$(head -c 300 "$T/err")"
fi
# a pickup that reads two resonators' velocities and drives nothing back:
# its stability is its own (it was refused as too stiff); read back by one
# of them, the loop is counted again, and refused
expect oneway_listener 0 "" -- render "$HERE/oneway.dpm" -d 0.5 --raw --double -o "$T/oneway.wav"
sed 's/^pde z1.tt = -w1^2 \* z1 - 2 \* 4 \* z1.t + F(t)$/& - 1e6 * p.t/' "$HERE/oneway.dpm" >"$T/twoway.dpm"
expect oneway_feedback_refused 1 "error: the lumped object .* is too stiff for the time step" -- check "$T/twoway.dpm"
# the shear is read only where u.xx = 0 at an end of a fourth-order field
sed 's/EI \* u.xxx(L)/EI * u.xxx(0.3)/' "$SB" >"$T/sbx.dpm"
expect shear_inside 1 "u.xxx(X) reads the shear at an end of a fourth-order field" -- check "$T/sbx.dpm"
sed 's/boundary u at x = 0: simply_supported/boundary u at x = 0: clamped/; s/EI \* u.xxx(L)/EI * u.xxx(0)/' \
	"$SB" >"$T/sbc.dpm"
expect shear_clamped 1 "simply_supported or attached there" -- check "$T/sbc.dpm"
sed 's/^output bridge = b$/output s = u.xxx(L)/' "$SB" >"$T/sbo.dpm"
expect shear_output 1 "outputs do not take yet" -- check "$T/sbo.dpm"
# the slope without the shear: said (a probe's stiff string drifted 0.4 %
# of E, silently); with it, nothing
sed 's/ + EI \* u.xxx(L)//' "$SB" >"$T/sbn.dpm"
expect shear_missing_warned 0 "sbn.dpm:20:12: warning: 'b' holds the end x = 0.65 of the fourth-order field 'u' and feels its slope u.x there, not its shear" -- check "$T/sbn.dpm"
"$DPMC" check "$SB" 2>"$T/err" && [ ! -s "$T/err" ] && pass shear_present_quiet || fail shear_present_quiet "$(cat "$T/err")"
