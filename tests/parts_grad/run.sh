#!/bin/sh
# tests/parts_grad — gradients through models of several parts
# (language.md 11, 11.1): lumped objects, point reads, forces between
# parts, attached ends (step.c transpose_parts, emit_parts.c).
#
# Models: bridge.dpm (the spec's string on a sprung bridge: an attached
# end read through u.x(L)), spring.dpm (a point spring to the ground at xs
# and a damped mass joined by a spring at xb, both ways; outputs of the
# string, z and z.t), hammer.dpm (a felt hammer, KH max(0, z - u(xh))^p,
# striking and leaving the string within the render).
# 1. Taylor tests (tests/grad/gradtest.c taylor) of every param, masses,
#    coupling constants, exponents and the positions of the joins
#    included, and along a random direction: the remainder must fall with
#    slope 2.  Positions are judged within a cell (-p), where the scheme
#    is smooth in them.
# 2. The dot test of the linear step with its lumped values (pdot.c), and
#    P_op the step P_run takes.
# 3. Checkpointed gradients bit for bit (gradtest.c ckpt).
# 4. `dpmc grad` against central differences of the mse of `dpmc render
#    --raw` (tests/grad/wavmse.c) for the bridge's M and K; and the
#    gradient of tcc, cc and llvm the same bits.
# Env: DPMC, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/parts_grad
SUITE=parts_grad
T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-pgrad.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
TMPDIR=$T/tmp
export XDG_CACHE_HOME TMPDIR
mkdir -p "$T/tmp"
nfail=0
fail() { echo "FAIL $SUITE/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 600)"; nfail=$((nfail + 1)); }

# gt NAME MODEL: the model with gradtest.c and pdot.c in $T/NAME
gt() {
	d=$T/$1
	mkdir -p "$d"
	"$DPMC" build "$2" -o "$d/m.c" 2>"$d/err" || { fail "build_$1" "$(cat "$d/err")"; return 1; }
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
	# the model's C (the long compile) once, linked into both programs
	$CC $GENOPT -std=c99 -I"$d" -c -o "$d/m.o" "$d/m.c" 2>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/gradtest" \
	    "$REPO/tests/grad/gradtest.c" "$d/m.o" -lm 2>>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/pdot" \
	    "$HERE/pdot.c" "$d/m.o" -lm 2>>"$d/err" || { fail "cc_$1" "$(cat "$d/err")"; return 1; }
}
# run NAME PROGRAM ARGS...: its PASS/FAIL lines, counted
run() {
	n=$1
	p=$2
	shift 2
	"$T/$n/$p" "$@" >"$T/out" 2>&1
	st=$?
	sed "s|^PASS |PASS $SUITE/|; s|^FAIL |FAIL $SUITE/|" "$T/out"
	grep -q '^PASS ' "$T/out" || [ $st != 0 ] || fail "$n_$p" "no result: $(cat "$T/out")"
	[ $st = 0 ] || nfail=$((nfail + 1))
}

# ---- 1-3. Taylor, dot, checkpoints ----
# grids: coarser than the default, stable, the same for every evaluation
if gt bridge "$HERE/bridge.dpm"; then
	run bridge gradtest taylor -g 150 -d 0.05
	run bridge pdot 1 150
	run bridge gradtest ckpt -g 150 -d 0.05
fi
# a stiff string pinned on the bridge, which feels its slope and shear
# (B's first-order term is small against its second at the default step)
if gt stiff_bridge "$HERE/stiff_bridge.dpm"; then
	run stiff_bridge gradtest taylor -g 60 -d 0.05 -s B=5e-3
	run stiff_bridge pdot 1 60
	run stiff_bridge gradtest ckpt -g 60 -d 0.05
fi
if gt spring "$HERE/spring.dpm"; then
	run spring gradtest taylor -g 90 -d 0.05 -p xs,xb -s xs=0.15
	run spring pdot 1 90
	run spring gradtest ckpt -g 90 -d 0.05
fi
if gt hammer "$HERE/hammer.dpm"; then
	run hammer gradtest taylor -g 100 -d 0.03 -p xh -s xh=0.15
	run hammer gradtest ckpt -g 100 -d 0.03
fi
if gt drum "$REPO/tests/parts/drum.dpm"; then
	run drum gradtest taylor -g 20,20 -d 0.01 -p xm,ym -s xm=0.107 -s ym=0.118
	run drum pdot 1 20,20
	run drum gradtest ckpt -g 20,20 -d 0.01
fi

# ---- 4. the CLI: central differences, backends ----
jnum() {
	tr -d '\n' | sed -n "s/.*\"$1\"[ \t]*:[ \t]*\([-+0-9.eEinfa]*\).*/\1/p"
}
if ! $CC -O2 -std=c99 -o "$T/wavmse" "$REPO/tests/grad/wavmse.c" -lm 2>"$T/err"; then
	fail wavmse "$(cat "$T/err")"
else
	m=$HERE/bridge.dpm
	d=0.1
	if "$DPMC" render $m --raw -d $d --grid 150 --set M=0.0102 --set K=1.02e5 -o "$T/T.wav" 2>"$T/err" &&
	   "$DPMC" grad $m --grid 150 --target "$T/T.wav" --backend tcc >"$T/g.json" 2>>"$T/err"; then
		for pv in M:0.01:2e-6 K:1e5:20; do
			p=${pv%%:*} v=$(echo "$pv" | cut -d: -f2) h=${pv##*:}
			g=$(sed 's/.*"grad"//' "$T/g.json" | jnum "$p")
			set --
			for s in -2 -1 1 2; do
				x=$(awk -v v="$v" -v s="$s" -v h="$h" 'BEGIN { printf "%.17g", v + s * h }')
				"$DPMC" render $m --raw -d $d --grid 150 --set "$p=$x" -o "$T/p.wav" 2>"$T/err" ||
					{ fail "cli_fd_$p" "render at $p=$x: $(cat "$T/err")"; continue 2; }
				set -- "$@" "$("$T/wavmse" "$T/p.wav" "$T/T.wav")"
			done
			r=$(awk -v g="$g" -v h="$h" -v a="$1" -v b="$2" -v c="$3" -v e="$4" 'BEGIN {
				d1 = (c - b) / (2 * h); d2 = (e - a) / (4 * h)
				d = (4 * d1 - d2) / 3; err = g - d; if (err < 0) err = -err
				printf "%s %.10g %.3g", (g != "" && err <= 1e-4 * (d < 0 ? -d : d)) ? "ok" : "bad", d,
				       err / (d < 0 ? -d : d) }')
			set -- $r
			if [ "$1" = ok ]; then
				echo "PASS $SUITE/cli_fd_$p (dpmc grad $g, central differences $2, relative error $3)"
			else
				fail "cli_fd_$p" "dpmc grad says dL/d$p = $g, central differences of the renders $2 (relative error $3, want <= 1e-4)"
			fi
		done
	else
		fail cli_grad "$(cat "$T/err")"
	fi
	# the same bits from every backend, for the spring and the hammer
	for mm in spring hammer; do
		m=$HERE/$mm.dpm
		"$DPMC" render $m --raw -d 0.03 --set f0=151 -o "$T/T.wav" 2>"$T/err" || { fail "render_$mm" "$(cat "$T/err")"; continue; }
		ref=
		for b in tcc cc llvm; do
			if ! "$DPMC" grad $m --target "$T/T.wav" --backend $b >"$T/g_$b.json" 2>"$T/err"; then
				fail "backend_${mm}_$b" "$(cat "$T/err")"
				continue
			fi
			gr=$(sed 's/.*"grad"//' "$T/g_$b.json" | tr -d ' \n')
			[ -n "$ref" ] || ref=$gr
			[ "$gr" = "$ref" ] || fail "backend_${mm}_$b" "gradient $gr, tcc's $ref"
		done
		[ -n "$ref" ] && echo "PASS $SUITE/backends_$mm (tcc, cc, llvm: the same gradient bits)"
	done
fi
[ $nfail = 0 ]
