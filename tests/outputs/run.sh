#!/bin/sh
# tests/outputs — outputs that are expressions (language.md 12.2):
# output NAME = E of params, t, time lets, point reads of any field and
# integral(...), read from u[n+1] and u[n] as plain outputs are.
#
# 1. mode.dpm, a lossless string in its first mode: integral(u.x^2)
#    against its closed form for the discrete mode, and against numpy
#    from a render of u at every grid point (--raw --double); t is the
#    time of the state read, (n + 1) k, bit for bit.
# 2. bridge.dpm: u(X) - b, u.t(X) - b.t, 1 * u(X) and 2 * vel (a time
#    let) against the plain outputs they are made of, bit for bit.
# 3. chain.dpm: a chain field's w.t(X) between two of its points against
#    the linear interpolation of the plain reads there, and by a time
#    let; w(X) - u(Y) against its parts.
# 4. tcc, cc and llvm: the same bits, renders and gradients.
# 5. gradients: Taylor tests (tests/grad/gradtest.c, slope 2) of every
#    param through the outputs of bridge.dpm, drum.dpm (2D reads, a 2D
#    integral, a moving pickup), examples/kc_pluck.dpm (a potential) and
#    chain.dpm, the dot test
#    of the reads' transposes by Euler's identity (odot.c), checkpoints
#    bit for bit.
# 6. bad inputs: file:line:col, exit 1, no WAV.
# Env: DPMC, REPO, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/outputs
PY=/usr/bin/python3
SUITE=outputs
. "$REPO/tests/lib.sh"
scratch outputs
nfail=0
bump() { nfail=$((nfail + 1)); }

# the samples of a --raw --double WAV as rows of channels (numpy)
READ='
import sys, numpy as np
def wav(path):
    b = open(path, "rb").read(); i = 12; ch = 1; bits = 32
    while i < len(b):
        cid, n = b[i:i + 4], int.from_bytes(b[i + 4:i + 8], "little")
        if cid == b"fmt ":
            ch = int.from_bytes(b[i + 10:i + 12], "little")
            bits = int.from_bytes(b[i + 22:i + 24], "little")
        if cid == b"data":
            x = np.frombuffer(b[i + 8:i + 8 + n], dtype="<f8" if bits == 64 else "<f4")
            return x.reshape(-1, ch)
        i += 8 + n + (n & 1)
'

# py NAME FILES... < SCRIPT: the script (after READ) prints "ok ..." or why not
py() {
	n=$1
	shift
	{ echo "$READ"; cat; } >"$T/check.py"
	r=$("$PY" "$T/check.py" "$@" 2>&1)
	case $r in
	ok*) pass "$n (${r#ok })" ;;
	*) fail "$n" "$r"; bump ;;
	esac
}

# render NAME MODEL ARGS...: $T/NAME.wav, 64-bit samples
render() {
	n=$1 m=$2
	shift 2
	"$DPMC" render "$m" --raw --double -o "$T/$n.wav" "$@" 2>"$T/err" ||
		{ fail "render_$n" "$(head -c 300 "$T/err")"; bump; return 1; }
}

# ---- 1. integral(u.x^2) of one mode ----
# pts.dpm: mode.dpm reading u at each of its 41 grid points
{
	grep -v '^output' "$HERE/mode.dpm"
	i=0
	while [ $i -le 40 ]; do
		echo "output p$i = u($i * L / 40)"
		i=$((i + 1))
	done
} >"$T/pts.dpm"
if render mode "$HERE/mode.dpm" -d 0.05 && render pts "$T/pts.dpm" -d 0.05; then
	py mode_closed_form "$T/mode.wav" <<'EOF'
y = wav(sys.argv[1]); I = y[:, 0]
c, L, A, N, k = 200.0, 0.8, 0.001, 40, 1 / 44100
h = L / N; s = np.sin(np.pi * h / (2 * L)); lam = c * k / h
w = np.arccos(1 - 2 * lam**2 * s**2) / k
n = np.arange(len(I))
# the discrete mode with u[-1] = u[0]: u[n] = A cos(w (n + 1/2) k) /
# cos(w k / 2) sin(pi x / L); I = h sum of the forward differences squared
ref = (A * np.cos(w * (n + 1.5) * k) / np.cos(w * k / 2))**2 * 2 * L * s**2 / h**2
e = np.max(np.abs(I - ref)) / np.max(ref)
print("ok relative %.2g" % e if e < 1e-10 else "bad: relative %.3g" % e)
EOF
	py mode_numpy "$T/mode.wav" "$T/pts.wav" <<'EOF'
y = wav(sys.argv[1]); u = wav(sys.argv[2]); h = 0.8 / 40
ref = h * np.sum(np.diff(u, axis=1)**2 / h**2, axis=1)
e = np.max(np.abs(y[:, 0] - ref)) / np.max(ref)
t = (np.arange(len(y)) + 1.0) * (1 / 44100)
print("ok relative %.2g, t = (n + 1) k exactly" % e if e < 1e-12 and np.array_equal(y[:, 1], t)
      else "bad: relative %.3g, t differs by %g" % (e, np.max(np.abs(y[:, 1] - t))))
EOF
fi

# ---- 2. expressions against their parts ----
if render bridge "$HERE/bridge.dpm" -d 0.1; then
	py bridge_parts "$T/bridge.wav" <<'EOF'
y = wav(sys.argv[1])
d, a, bb, a1, dv, v, bv, v2 = (y[:, i] for i in range(8))
bad = [n for n, ok in (("u(xo) - b", np.array_equal(d, a - bb)), ("1 * u(xo)", np.array_equal(a1, a)),
                       ("u.t(xo) - b.t", np.array_equal(dv, v - bv)), ("2 * vel", np.array_equal(v2, 2 * v)))
       if not ok]
print("ok bit for bit, |b| up to %.2g" % np.max(np.abs(bb)) if not bad and np.max(np.abs(bb)) > 0
      else "bad: " + ", ".join(bad))
EOF
fi

# ---- 3. a chain field between its points ----
if render chain "$HERE/chain.dpm" -d 0.1; then
	py chain_between "$T/chain.wav" <<'EOF'
y = wav(sys.argv[1])
m, lo, hi, l, p, p0, p1 = (y[:, i] for i in range(7))
e = np.max(np.abs(m - (lo + hi) / 2)) / np.max(np.abs(m))
e2 = np.max(np.abs(p - (p0 - p1))) / np.max(np.abs(p))
print("ok w.t(0.51) against (w.t(0.5) + w.t(0.52)) / 2: %.2g relative, w(X) - u(Y) %.2g" % (e, e2)
      if e < 1e-12 and e2 < 1e-12 and np.array_equal(l, m) and np.max(np.abs(m)) > 0
      else "bad: interpolation %.3g, difference %.3g, let %s" % (e, e2, np.array_equal(l, m)))
EOF
fi

# ---- 4. backends ----
bad=
for m in bridge chain drum; do
	for b in tcc cc llvm; do
		"$DPMC" render "$HERE/$m.dpm" -o "$T/$m.$b.wav" -d 0.2 --raw --double --backend "$b" 2>"$T/err" ||
			bad="$bad $m/$b: $(head -c 200 "$T/err")"
	done
	cmp -s "$T/$m.tcc.wav" "$T/$m.cc.wav" && cmp -s "$T/$m.tcc.wav" "$T/$m.llvm.wav" || bad="$bad $m differs"
done
[ -z "$bad" ] && pass backends_render || { fail backends_render "$bad"; bump; }
if "$DPMC" render "$HERE/bridge.dpm" --raw -d 0.03 --set f0=111 --set A=2.1 -o "$T/tb.wav" 2>"$T/err"; then
	ref= bad=
	for b in tcc cc llvm; do
		"$DPMC" grad "$HERE/bridge.dpm" --target "$T/tb.wav" --backend $b >"$T/g_$b.json" 2>"$T/err" ||
			{ bad="$bad $b: $(head -c 200 "$T/err")"; continue; }
		gr=$(sed 's/.*"grad"//' "$T/g_$b.json" | tr -d ' \n')
		[ -n "$ref" ] || ref=$gr
		[ "$gr" = "$ref" ] || bad="$bad $b: $gr, tcc's $ref"
	done
	case $ref in *'"A":0,'* | '') bad="$bad no gradient through A: $ref" ;; esac
	[ -z "$bad" ] && pass "backends_grad (tcc, cc, llvm: the same bits)" || { fail backends_grad "$bad"; bump; }
else
	fail render_target "$(head -c 300 "$T/err")"
	bump
fi

# ---- 5. gradients ----
# gt NAME MODEL: the model with gradtest.c and odot.c in $T/NAME
gt() {
	d=$T/$1
	mkdir -p "$d"
	"$DPMC" build "$2" -o "$d/m.c" 2>"$d/err" || { fail "build_$1" "$(cat "$d/err")"; bump; return 1; }
	prefix=$(sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$d/m.h" | head -n 1)
	# the model's C (the long compile) once, linked into both programs
	$CC $GENOPT -std=c99 -I"$d" -c -o "$d/m.o" "$d/m.c" 2>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/gradtest" \
	    "$REPO/tests/grad/gradtest.c" "$d/m.o" -lm 2>>"$d/err" &&
	$CC $GENOPT -std=c99 -DMODEL="$prefix" -DMODEL_H='"m.h"' -I"$d" -o "$d/odot" \
	    "$HERE/odot.c" "$d/m.o" -lm 2>>"$d/err" || { fail "cc_$1" "$(cat "$d/err")"; bump; return 1; }
}
# prog NAME PROGRAM ARGS...: its PASS/FAIL lines, counted (lib.sh has run)
prog() {
	n=$1 p=$2
	shift 2
	"$T/$n/$p" "$@" >"$T/out" 2>&1
	st=$?
	sed "s|^PASS |PASS $SUITE/|; s|^FAIL |FAIL $SUITE/|" "$T/out"
	grep -q '^PASS ' "$T/out" || [ $st != 0 ] || { fail "${n}_$p" "no result: $(cat "$T/out")"; bump; }
	[ $st = 0 ] || bump
}
# grids forced, the same for every evaluation; xo judged within a cell
if gt bridge "$HERE/bridge.dpm"; then
	prog bridge gradtest taylor -g 40 -d 0.05 -p xo
	prog bridge gradtest ckpt -g 40 -d 0.1
	# degree 1 in the pluck: the reads of u[n+1], u[n] (velocities), b, b.t
	prog bridge odot 60 amp 1 d dv v2 e
	prog bridge odot 60 amp 1 dv
	# degree 2: the integrals' transposes at the state
	prog bridge odot 60 amp 2 w
fi
if gt drum "$HERE/drum.dpm"; then
	prog drum gradtest taylor -g 20,20 -d 0.01 -p xm,ym,xo -s xm=0.107 -s ym=0.118
fi
# a potential (SAV): the outputs' seeds reach lambda[n+1] before its transpose
{ cat "$REPO/examples/kc_pluck.dpm"; echo 'output w = integral(u.x^2) * 100 + u.t(xo * L) * u(0.3)'; } >"$T/kc.dpm"
if gt kc "$T/kc.dpm"; then
	prog kc gradtest taylor -g 61 -d 0.03 -p xo
fi
if gt chain "$HERE/chain.dpm"; then
	prog chain gradtest taylor -g 50 -d 0.05
	prog chain gradtest ckpt -g 50 -d 0.1
fi
# an expression output on a string free at x = 0 (slope 1 before the fix),
# and on a drum (a 2D grid field) free at its corner (0, 0) coupled to a
# second drum (a 2D chain) that an expression output reads
if gt free_end "$HERE/free_end.dpm"; then
	prog free_end gradtest taylor -d 0.05
fi
sed 's/grid 16, 12/grid 8, 6/; s/grid 14, 12/grid 8, 7/; s/^boundary u at edges: fixed/boundary u at x = 0, y = 0: free\
boundary u at x = 0.36, y = 0.3: fixed/; s/^output bottom = .*/output bottom = w(0.1, 0.17) + 0/; s/^model drums$/model free_corner/' \
	"$REPO/tests/fields/drums.dpm" >"$T/free_corner.dpm"
if gt free_corner "$T/free_corner.dpm"; then
	prog free_corner gradtest taylor -g 8,6 -d 0.02
fi

# ---- 6. bad inputs ----
# bad NAME SED-EXPR PATTERN: bridge.dpm edited; the message, status 1, no output
bad() {
	sed "$2" "$HERE/bridge.dpm" >"$T/$1.dpm"
	rm -f "$T/$1.wav"
	expect "$1" 1 "$3" -- render "$T/$1.dpm" -o "$T/$1.wav"
	grep -q "^$T/$1.dpm:[0-9]*:[0-9]*: error" "$T/err" ||
		{ fail "$1_place" "no file:line:col: $(head -c 200 "$T/err")"; bump; }
	[ ! -e "$T/$1.wav" ] || { fail "$1_output" "an output file was written"; bump; }
}
bad unknown_name 's/^output e  = A \* vel/output e  = A * vell/' "unknown name 'vell'; did you mean 'vel'?"
bad integrand 's/integral(u^2)/integral(u * u.x)/' "an integrand of u and u.x together must be a sum of a function of each"
bad second_slope 's/u.x(0.33)/u.xx(0.33)/' "a field is read at a point as u(X), u.t(X) or u.x(X)"
bad bare_field 's/^output bb = b$/output bb = u/' "an output reads u at a point"
bad energy_inside 's/^output bb = b$/output bb = energy + 1/' "the energy is an output of its own"
bad integral_of_lump 's/^output bb = b$/output bb = integral(b)/' "integral(...) is over a field's domain"
# one read through a time let, the only output: the plain gather (no
# expression output), which once called a check the C did not define
sed '/^output/d' "$HERE/bridge.dpm" >"$T/onelet.dpm"
echo 'output w = vel' >>"$T/onelet.dpm"
for be in tcc cc llvm; do
	if "$DPMC" render "$T/onelet.dpm" -o "$T/onelet.$be.wav" -d 0.05 --raw --backend $be 2>"$T/err"; then
		pass "one_read_let_$be"
	else
		fail "one_read_let_$be" "$(head -c 300 "$T/err")"
		bump
	fi
done

# an expression output not defined somewhere while the field is finite:
# said at the output, not as a blow-up of the scheme (a probe's)
cat >"$T/undef.dpm" <<'X'
model undef
domain x in [0, 1]
field u(x)
pde u.tt = 10000 * u.xx
boundary x = 0, x = 1: fixed
init u = sin(pi * x)
output o = u(0.5) / (t - 0.01)
X
run "$DPMC" render "$T/undef.dpm" -o "$T/undef.wav"
if [ "$st" = 1 ] && [ ! -e "$T/undef.wav" ] &&
	grep -q "undef.dpm:7:1: error: output 'o' is -inf at sample 440, where the simulation is finite" "$T/err"; then
	pass undefined_expression
else
	fail undefined_expression "exit $st: $(head -c 300 "$T/err")"
	bump
fi
[ $nfail = 0 ]
