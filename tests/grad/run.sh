#!/bin/sh
# tests/grad — the gradient of the discrete scheme (P_forward, P_backward,
# P_op, P_op_adj, P_set_checkpoints in the generated C; scheme.h).
#
# 1. Taylor test (gradtest.c taylor) of every param of the string, bar,
#    membrane and plate examples, and of a string whose tension and loss
#    vary in time (glide.dpm), one by one and along a random direction,
#    on short renders and small forced grids.
# 2. Dot test (gradtest.c dot) of the linear step and its transpose, for
#    every boundary condition in 1D and 2D, second and fourth order, with
#    spatially varying coefficients and a u.xxt loss term (dot*.dpm.in).
# 3. Checkpointed gradients bit for bit (gradtest.c ckpt).
# 4. `dpmc grad` through the CLI against central differences of the mse of
#    two `dpmc render --raw` renders (wavmse.c), for three params of the
#    stiff string (stiff_fd.dpm, whose grid is fixed by the model).
# Env: DPMC, CC (tests/run sets them).
cd "$(dirname "$0")" || exit 1
: "${DPMC:?set DPMC}"
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpm-grad.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

# gt NAME MODEL.dpm: build the model and gradtest.c into $tmp/NAME/gradtest
gt() {
	d=$tmp/$1
	mkdir -p "$d"
	if ! "$DPMC" build "$2" -o "$d/m.c" 2>"$d/err"; then
		echo "FAIL grad_build_$1: dpmc build $2: $(head -c 300 "$d/err")"
		fails=1
		return 1
	fi
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
	if ! grep -q "${prefix}_backward" "$d/m.h"; then
		echo "FAIL grad_api_$1: the generated header has no ${prefix}_backward"
		fails=1
		return 1
	fi
	if ! $CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" \
	    -o "$d/gradtest" gradtest.c "$d/m.c" -lm 2>"$d/err"; then
		echo "FAIL grad_build_$1: gradtest.c: $(head -c 300 "$d/err")"
		fails=1
		return 1
	fi
}

# run NAME ARGS...: a gradtest run, its PASS/FAIL lines passed on
run() {
	name=$1
	shift
	"$tmp/$name/gradtest" "$@" >"$tmp/out" 2>&1
	st=$?
	cat "$tmp/out"
	if [ $st != 0 ]; then
		fails=1
		grep -q '^FAIL ' "$tmp/out" ||
			echo "FAIL grad_$name: gradtest $* exited with status $st"
	fi
}

# ---- 1. Taylor tests of the examples ----
# Grids are forced coarser than the finest stable one, so that perturbed
# params stay stable on them, and chosen so that no pluck, strike or
# pickup point sits on a grid node, where the loss has a kink.  The
# marimba's f1 moves 15 stiff modes at once, so its scale is 10 Hz, not
# its value, for e = 1e-2 .. 1e-8 to reach the Taylor regime above
# rounding; its xs is a fraction of the bar, so its scale is given too,
# and T60hi's is 1 s (the loss is nearly linear in it: its remainder at
# its value's scale is too near rounding).
if gt ideal_string ../../examples/ideal_string.dpm; then
	run ideal_string taylor -g 63 -d 0.05 -p xp,xo
	run ideal_string ckpt -g 63 -d 0.1
fi
if gt marimba ../../examples/marimba.dpm; then
	run marimba taylor -g 15 -d 0.05 -p xs -s f1=10,xs=0.05,T60hi=1
	run marimba ckpt -g 15 -d 0.2
fi
if gt step_coef step_coef.dpm; then
	run step_coef taylor -g 100 -d 0.05 -s c=50
fi
if gt step_time step_time.dpm; then
	run step_time taylor -g 100 -d 0.01 -s s0=200
fi
if gt drum ../../examples/drum.dpm; then
	run drum taylor -g 29,24 -d 0.03 -p xs,ys
	run drum ckpt -g 29,24 -d 0.05
	# on one processor: one thread, the blocks' pairs made by the same one
	if command -v taskset >/dev/null 2>&1; then
		taskset -c 0 "$tmp/drum/gradtest" ckpt -g 29,24 -d 0.05 >"$tmp/out" 2>&1
		st=$?
		sed 's/drum_checkpoints/drum_checkpoints_one_processor/' "$tmp/out"
		[ $st = 0 ] || fails=1
	fi
fi
if gt plate ../../examples/plate.dpm; then
	run plate taylor -g 24,20 -d 0.03 -p xs,ys
	run plate ckpt -g 24,20 -d 0.05
fi
# a force over the whole string, constant and varying in time
for f in const:"g * c" time:"g * c * sin(300 * t)"; do
	sed "s/@KIND@/${f%%:*}/; s/@FORCE@/${f#*:}/" force.dpm.in >"$tmp/force_${f%%:*}.dpm"
	if gt "force_${f%%:*}" "$tmp/force_${f%%:*}.dpm"; then
		run "force_${f%%:*}" taylor -g 30 -d 0.05 -s s=20
		run "force_${f%%:*}" ckpt -g 30 -d 0.1
	fi
done
# coefficients that vary in time (tension and loss): their sums at t_n, t_{n+1}
if gt glide glide.dpm; then
	run glide taylor -g 40 -d 0.05 -p xe
	run glide ckpt -g 40 -d 0.1
fi

# ---- 2. dot tests, every boundary condition ----
# dot NAME TEMPLATE GRID X0 X1 [Y0 Y1]
dot() {
	sed "s/@NAME@/$1/; s/@X0@/$4/; s/@X1@/$5/; s/@Y0@/${6:-}/; s/@Y1@/${7:-}/" \
		"$2.dpm.in" >"$tmp/$1.dpm"
	gt "$1" "$tmp/$1.dpm" && run "$1" dot -g "$3"
}
dot str_fixed        dot1 30 fixed fixed
dot str_free         dot1 30 free free
dot str_fixed_free   dot1 30 fixed free
dot bar_pinned       dot2 20 simply_supported simply_supported
dot bar_clamped      dot2 20 clamped clamped
dot bar_free         dot2 20 free free
dot bar_clamped_free dot2 20 clamped free
dot bar_pinned_free  dot2 20 simply_supported free
dot bar_clamped_pinned dot2 20 clamped simply_supported
dot mem_fixed        dot3 12,10 fixed fixed fixed fixed
dot mem_free         dot3 12,10 free free free free
dot mem_mixed        dot3 12,10 fixed free free fixed
dot plate_pinned     dot4 12,10 simply_supported simply_supported \
                                simply_supported simply_supported
dot plate_clamped    dot4 12,10 clamped clamped clamped clamped
dot plate_mixed      dot4 12,10 clamped simply_supported simply_supported clamped

# ---- 4. dpmc grad against central differences through the CLI ----
# L(v) = mse of a --raw render at param value v; D(h) = (L(v + h) -
# L(v - h)) / 2h; Richardson (4 D(h) - D(2h)) / 3 cancels the h^2 term.
# The renders are 32-bit float, which leaves L a noise of about 1e-9 of
# itself: the target is the model at nearby params, so that the gradient
# is large against that noise, and the steps h are chosen so that the
# estimate moves by less than 3e-6 when h is halved.  dpmc grad must agree to 1e-5 relative, and its loss with the
# mse of the render.
# the number after "KEY": in the JSON on stdin
jnum() {
	tr -d '\n' | sed -n "s/.*\"$1\"[ \t]*:[ \t]*\([-+0-9.eEinfa]*\).*/\1/p"
}
fd() {
	m=stiff_fd.dpm
	d=0.2
	if ! "$DPMC" render $m --raw -d $d --set f0=110.05 --set T60lo=5.5 \
	    --set xe=0.1305 -o "$tmp/T.wav" 2>"$tmp/err" ||
	   ! "$DPMC" render $m --raw -d $d -o "$tmp/Y.wav" 2>>"$tmp/err"; then
		echo "FAIL grad_cli_render: $(head -c 300 "$tmp/err")"
		return 1
	fi
	if ! "$DPMC" grad $m --target "$tmp/T.wav" >"$tmp/g.json" 2>"$tmp/err"; then
		echo "FAIL grad_cli: dpmc grad failed: $(head -c 300 "$tmp/err")"
		return 1
	fi
	st=0
	L=$(jnum loss <"$tmp/g.json")
	L0=$("$tmp/wavmse" "$tmp/Y.wav" "$tmp/T.wav") || return 1
	if awk -v a="$L" -v b="$L0" 'BEGIN { e = a - b; if (e < 0) e = -e
	    exit !(a != "" && e <= 1e-6 * b) }'; then
		echo "PASS grad_cli_loss (dpmc grad $L, mse of the render $L0)"
	else
		echo "FAIL grad_cli_loss: dpmc grad says loss $L, the mse of" \
		     "the --raw render against the target is $L0"
		st=1
	fi
	for pv in f0:110:0.005 B:1e-4:5e-7 xe:0.13:0.0002; do
		p=${pv%%:*} v=$(echo "$pv" | cut -d: -f2) h=${pv##*:}
		g=$(sed 's/.*"grad"//' "$tmp/g.json" | jnum "$p")
		set --
		for s in -2 -1 1 2; do
			x=$(awk -v v="$v" -v s="$s" -v h="$h" 'BEGIN { printf "%.17g", v + s * h }')
			"$DPMC" render $m --raw -d $d --set "$p=$x" -o "$tmp/p.wav" \
				2>"$tmp/err" || { echo "FAIL grad_cli_fd_$p: render" \
				"at $p=$x: $(head -c 300 "$tmp/err")"; st=1; continue 2; }
			set -- "$@" "$("$tmp/wavmse" "$tmp/p.wav" "$tmp/T.wav")"
		done
		r=$(awk -v g="$g" -v h="$h" -v a="$1" -v b="$2" -v c="$3" -v e="$4" 'BEGIN {
			d1 = (c - b) / (2 * h); d2 = (e - a) / (4 * h)
			d = (4 * d1 - d2) / 3; err = g - d; if (err < 0) err = -err
			printf "%s %.10g %.3g %.3g", (g != "" && err <= 1e-5 * (d < 0 ? -d : d)) ? "ok" : "bad", d,
			       err / (d < 0 ? -d : d), (d1 - d2) / d }')
		set -- $r
		if [ "$1" = ok ]; then
			echo "PASS grad_cli_fd_$p (dpmc grad $g, differences $2," \
			     "relative error $3; h^2 term $4)"
		else
			echo "FAIL grad_cli_fd_$p: dpmc grad says dL/d$p = $g," \
			     "central differences $2 (relative error $3, want" \
			     "<= 1e-5; h^2 term $4)"
			st=1
		fi
	done
	return $st
}
if $CC -O2 -std=c99 -o "$tmp/wavmse" wavmse.c -lm 2>"$tmp/err"; then
	fd || fails=1
else
	echo "FAIL grad_wavmse_build: $(head -c 300 "$tmp/err")"
	fails=1
fi
exit $fails
