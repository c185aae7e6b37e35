#!/bin/sh
# tests/freeplate/run.sh — free edges of a plate (language.md section 6):
# the scheme against the Kirchhoff plate, its energy, rigid-body motions
# and gradients.
#
#   DPMC=./dpmc REPO=. sh tests/freeplate/run.sh
#
# The modes' reference is ritz.py (Rayleigh-Ritz on Legendre polynomials
# of the continuous plate, no finite differences); energy.c writes the
# discrete energy from the plate's, not from the compiler.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
PY=/usr/bin/python3
HERE=$REPO/tests/freeplate
TOOLS=$REPO/tests/tools
SUITE=freeplate
T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-freeplate.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
export XDG_CACHE_HOME=$T/cache TMPDIR=$T
. "$REPO/tests/lib.sh"
nfail=0
fail0() { fail "$@"; nfail=$((nfail + 1)); }

peaks

# model NAME GRID LY BCY KAPPA S0 S1 INIT INITT: $T/NAME.dpm
model() {
	sed "s/@NAME@/$1/; s/@GRID@/$2/; s/@LY@/$3/g; s/@BCY@/$4/; s/@KAPPA@/$5/;
	     s/@S0@/$6/; s/@S1@/$7/; s/@INIT@/$8/; s/@INITT@/$9/" \
	    "$HERE/plate.dpm.in" >"$T/$1.dpm"
}
STRIKE='0.01 * max(0, 1 - abs(x - 0.31) \/ 0.12) * max(0, 1 - abs(y - 0.17) \/ 0.12)'

# ---- the reference: Rayleigh-Ritz, converged ----
# Two basis sizes agree to 1e-6 on the first six modes, and the square's
# match the known free square plate's (nu = 0.3) 13.47 19.60 24.27 34.80
# 34.80 61.09 (Leissa), to their printed digits.
r1=$($PY "$HERE/ritz.py" 1 1 0.3 12 6) && r2=$($PY "$HERE/ritz.py" 1 1 0.3 16 6) || {
	fail0 ritz "ritz.py failed"; }
if [ -n "$r2" ]; then
	bad=$(printf "%s\n" "$r1" | paste - "$(printf "%s\n" "$r2" >"$T/r2"; echo "$T/r2")" |
	      awk -v known="13.47 19.60 24.27 34.80 34.80 61.09" 'BEGIN { split(known, kn, " ") }
	      { d = ($1 - $2) / $2; if (d < 0) d = -d; if (d > 1e-6) print "basis 12 vs 16: " $1 " " $2
	        e = ($2 - kn[NR]) / kn[NR]; if (e < 0) e = -e; if (e > 0.0005) print "mode " NR ": " $2 " vs " kn[NR] }')
	[ -z "$bad" ] && pass ritz_converged || fail0 ritz_converged "$bad"
fi

# ---- modes of the square: second-order convergence to the plate's ----
# kappa = 10 (f = omega / 2 pi = lambda kappa / 2 pi): on 16 and 32
# intervals the first five distinct partials (the 4th is double).  The
# scheme's error is O(h^2) (the boundary rows are a trapezoid-rule energy),
# so it must be under 1% at N = 32, and for the first four about 4 times
# smaller than at 16 (ratio 2.5 .. 6; the fifth, 61.09, has a neighbour at
# 63.69 that the coarse grid's peak can be taken for); an edge condition
# of the wrong order leaves errors that do not fall so (O(h): ratio 2).
sq=$(printf "%s\n" "$r2" | sed -n '1p;2p;3p;4p;6p' | tr '\n' ' ')
partials() {  # NAME: render 4 s and find the partials, into $T/NAME.peaks
	"$DPMC" render "$T/$1.dpm" -o "$T/$1.wav" -d 4 --raw 2>"$T/$1.err" &&
	"$T/peaks" "$T/$1.wav" -c 0 -n 40 --fmin 5 --fmax 400 >"$T/$1.peaks"
}
model sq16 16,16 1 free 10 0 0 "$STRIKE" 0
model sq32 32,32 1 free 10 0 0 "$STRIKE" 0
scale=$(awk 'BEGIN { print 10 / (2 * 3.14159265358979) }')
if partials sq16 && partials sq32; then
	$PY "$HERE/check.py" modes "$T/sq16.peaks" "$scale" $sq >"$T/e16"
	$PY "$HERE/check.py" modes "$T/sq32.peaks" "$scale" $sq >"$T/e32"
	r=$(paste "$T/e16" "$T/e32" | awk '{ a = $1 < 0 ? -$1 : $1; b = $2 < 0 ? -$2 : $2
		if (b > 0.01) print "mode " NR ": error " b " at N = 32"
		else if (NR < 5 && (a / b < 2.5 || a / b > 6))
			print "mode " NR ": errors " a ", " b " (ratio " a / b ")" }')
	[ -z "$r" ] && pass modes_square || fail0 modes_square "$r"
	[ -z "$VERBOSE" ] || paste "$T/e16" "$T/e32"
else
	fail0 modes_square "render: $(head -c 300 "$T/sq16.err" "$T/sq32.err")"
fi

# ---- a rectangle 1 x 0.6 ----
# 30 x 18 intervals (h = 1/30, near the square's 1/32): the first five
# within 1.5%: the square's errors at N = 32 (0.2 .. 0.9%, growing with the
# mode) scaled by (32/30)^2 and by the higher modes' share of edge.
rr=$($PY "$HERE/ritz.py" 1 0.6 0.3 16 5 | tr '\n' ' ')
model rect 30,18 0.6 free 10 0 0 "$STRIKE" 0
if partials rect; then
	r=$($PY "$HERE/check.py" modes "$T/rect.peaks" "$scale" $rr |
	    awk '{ a = $1 < 0 ? -$1 : $1; if (a > 0.015) print "mode " NR ": error " $1 }')
	[ -z "$r" ] && pass modes_rect || fail0 modes_rect "$r"
else
	fail0 modes_rect "render: $(head -c 300 "$T/rect.err")"
fi

# ---- mixed: x edges free, y edges simply supported ----
# Against Ritz with a sine basis along y (w = w_yy = 0 there): the first
# five within 1% at 32 x 32.  Held edges must meet free ones at corners.
rm_=$($PY "$HERE/ritz.py" 1 1 0.3 16 5 ss | tr '\n' ' ')
model mixed 32,32 1 simply_supported 10 0 0 "$STRIKE" 0
if partials mixed; then
	r=$($PY "$HERE/check.py" modes "$T/mixed.peaks" "$scale" $rm_ |
	    awk '{ a = $1 < 0 ? -$1 : $1; if (a > 0.01) print "mode " NR ": error " $1 }')
	[ -z "$r" ] && pass modes_mixed || fail0 modes_mixed "$r"
else
	fail0 modes_mixed "render: $(head -c 300 "$T/mixed.err")"
fi

# ---- rigid-body motions ----
# Lossless, from u = 0.3 + 0.2 x - 0.1 y at rest, and from u = 0 moving at
# u.t = 0.5 + 0.3 x + 0.2 y: every grid point must follow a + b x + c y +
# t (d + e x + f y) to 1e-9 over 1e5 steps (rigid.c).  A boundary row
# whose weights do not sum to the interior's, or a corner that bends,
# moves them.
build() {  # NAME TOOL: $T/NAME, the model's C with tests/freeplate/TOOL.c
	if ! "$DPMC" build "$T/$1.dpm" -o "$T/$1.c" 2>"$T/$1.err"; then
		fail0 "$1" "dpmc build: $(head -c 300 "$T/$1.err")"; return 1
	fi
	$CC $GENOPT -I"$T" -DP="$1" -DHDR="\"$1.h\"" -o "$T/$1" "$HERE/$2.c" "$T/$1.c" \
	    -lm 2>"$T/$1.err" || { fail0 "$1" "cc: $(head -c 300 "$T/$1.err")"; return 1; }
}
rigid() {  # NAME INIT INITT a b c d e f
	n=$1
	model "$n" 16,12 0.8 free 20 0 0 "$2" "$3"
	shift 3
	build "$n" rigid || return
	if out=$("$T/$n" 100000 "$@"); then
		pass "$n"; [ -z "$VERBOSE" ] || echo "  $n: $out"
	else
		fail0 "$n" "$out"
	fi
}
rigid rigid_at_rest "0.3 + 0.2 * x - 0.1 * y" 0 0.3 0.2 -0.1 0 0 0
rigid rigid_moving 0 "0.5 + 0.3 * x + 0.2 * y" 0 0 0 0.5 0.3 0.2

# ---- energy ----
# The plate's discrete energy (energy.c), lossless over 1e5 steps: drift
# under 1e-10; with s0 = 1, s1 = 1e-5 (frequency-dependent loss through
# the free edges' lap): never grows, falls below half.
energy() {  # NAME S0 S1 MODE
	model "$1" 16,12 0.8 free 20 "$2" "$3" "$STRIKE" 0
	build "$1" energy || return
	if out=$("$T/$1" 400 "$2" 100000 "$4"); then
		pass "$1"; [ -z "$VERBOSE" ] || echo "  $1: $out"
	else
		fail0 "$1" "$out"
	fi
}
energy energy_lossless 0 0 lossless
energy energy_lossy 1 0.00001 lossy

# ---- gradients: the dot test (exact transpose) and a Taylor test ----
gt() {  # NAME MODEL: $T/NAME/gradtest
	d=$T/$1; mkdir -p "$d"
	"$DPMC" build "$2" -o "$d/m.c" 2>"$d/err" &&
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1) &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/gradtest" \
	    "$REPO/tests/grad/gradtest.c" "$d/m.c" -lm 2>>"$d/err"
}
gtrun() {  # NAME ARGS...
	n=$1; shift
	if "$T/$n/gradtest" "$@" >"$T/gout" 2>&1; then
		pass "$n"; [ -z "$VERBOSE" ] || cat "$T/gout"
	else
		fail0 "$n" "$(grep -v '^PASS' "$T/gout" | head -c 300)"
	fi
}
for e in "dot_free:free free free free" "dot_mixed:free clamped free simply_supported" \
         "dot_corner:clamped free simply_supported free"; do
	set -- ${e#*:}
	n=${e%%:*}
	sed "s/@NAME@/$n/; s/@X0@/$1/; s/@X1@/$2/; s/@Y0@/$3/; s/@Y1@/$4/" \
	    "$REPO/tests/grad/dot4.dpm.in" >"$T/$n.dpm"
	if gt "$n" "$T/$n.dpm"; then gtrun "$n" dot -g 12,10; else
		fail0 "$n" "build: $(head -c 300 "$T/$n/err")"; fi
done
# Taylor (gradtest.c) of kappa, s0, s1 and a random direction on a lossy
# free plate; s0, s1 get scales (their values are too small to move the
# loss above rounding, s1's a step that keeps it positive).
model taylor 14,10 0.8 free 20 1 0.001 "$STRIKE" 0
if gt taylor "$T/taylor.dpm"; then gtrun taylor taylor -g 14,10 -d 0.05 -s s0=30,s1=0.05; else
	fail0 taylor "build: $(head -c 300 "$T/taylor/err")"; fi

# `dpmc grad` wrt kappa against a central difference of the mse
model target 14,10 0.8 free 21 1 0.00001 "$STRIKE" 0
model fit 14,10 0.8 free 20 1 0.00001 "$STRIKE" 0
if "$DPMC" render "$T/target.dpm" -o "$T/target.wav" -d 0.05 --raw 2>"$T/g.err" &&
   "$DPMC" grad "$T/fit.dpm" --target "$T/target.wav" >"$T/g.json" 2>>"$T/g.err" &&
   "$DPMC" grad "$T/fit.dpm" --target "$T/target.wav" --set kappa=20.001 >"$T/gp.json" 2>>"$T/g.err" &&
   "$DPMC" grad "$T/fit.dpm" --target "$T/target.wav" --set kappa=19.999 >"$T/gm.json" 2>>"$T/g.err"; then
	g=$(sed -n 's/.*"kappa": *\([-+0-9.eE]*\).*/\1/p' "$T/g.json")
	lp=$(json_num loss "$T/gp.json"); lm=$(json_num loss "$T/gm.json")
	fd=$(awk -v a="$lp" -v b="$lm" 'BEGIN { print (a - b) / 0.002 }')
	within "$g" "$fd" 1e-3 && pass grad_cli_kappa ||
		fail0 grad_cli_kappa "dL/dkappa $g, central difference $fd"
else
	fail0 grad_cli_kappa "$(head -c 300 "$T/g.err")"
fi

# ---- what is refused ----
model odd 16,12 0.8 free 20 0 0 "$STRIKE" 0
sed -i 's/lap(u.t)$/lap(u.t) + 3 * u.x/' "$T/odd.dpm"
expect refuse_odd_term 1 "need a pde even in x and in y" -- render "$T/odd.dpm" -o "$T/odd.wav"
[ ! -e "$T/odd.wav" ] || fail0 refuse_odd_term "wrote $T/odd.wav"
# a rigidity that varies in space inside a conservative form: its taps are
# not even, which the free edges' rows need (the compiler died on it)
cat >"$T/vary.dpm" <<'EOF2'
model vary
domain x in [0, 0.4], y in [0, 0.3]
field u(x, y)
let D(x, y) = 2 * (1 + x)
pde u.tt = -(D(x, y) * u.xx).xx - (D(x, y) * u.yy).yy - 2 * D(x, y) * u.xxyy
boundary edges: free
init u.t = exp(-((x - 0.1)^2 + (y - 0.1)^2) / 0.001)
output out = u(0.3, 0.2)
EOF2
expect refuse_varying_form 1 "a plate with a free edge takes a pde whose stencil is even in x and in y" \
	-- render "$T/vary.dpm" -o "$T/vary.wav"
[ ! -e "$T/vary.wav" ] || fail0 refuse_varying_form "wrote $T/vary.wav"
# an anisotropic plate: the free edges' rows hold for an isotropic one
# only (it rendered silently with them before)
cat >"$T/aniso.dpm" <<'EOF2'
model aniso
param D = 1 in [0.1, 10]
domain x in [0, 1], y in [0, 0.8] grid 20, 16
field w(x, y)
pde w.tt = -D * (w.xxxx + 3 * w.yyyy + 2 * w.xxyy)
boundary x = 0, y = 0, y = 0.8: clamped
boundary x = 1: free
init w = 0.001 * x * x
output out = w(0.9, 0.4)
EOF2
expect refuse_anisotropic 1 "the plate 'w' has a free edge, so its pde must be isotropic" \
	-- render "$T/aniso.dpm" -o "$T/aniso.wav"
[ ! -e "$T/aniso.wav" ] || fail0 refuse_anisotropic "wrote $T/aniso.wav"

[ "$nfail" -eq 0 ]
