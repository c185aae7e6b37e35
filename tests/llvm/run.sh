#!/bin/sh
# tests/llvm — the LLVM backend (`--backend llvm`, compiler/jit_llvm.c)
# computes what the cc backend computes.
#
# 1. Every examples/*.dpm and tests/bench/*.dpm rendered for 0.2 s with
#    --backend llvm and --backend cc --raw: the samples agree to a float
#    ulp (rawcmp.c; they are equal today).
# 2. The same models through `dpmc grad` (mse against their own normalised
#    render, so the loss is not zero): the loss and every gradient, printed
#    to 17 digits, agree to 1e-12 relative.  The gradient replays the
#    forward trajectory in double precision, which the float samples of 1.
#    cannot show.
# 3. A model whose force varies in both x and t (no sweep) is refused
#    with exit 1 and the message, and `--stats` reports the llvm backend
#    with its compile_ms.
# Env: DPMC, CC (tests/run sets them).
cd "$(dirname "$0")" || exit 1
: "${DPMC:?set DPMC}"
CC=${CC:-cc}
REPO=${REPO:-$(cd ../.. && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpm-llvm.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

fail() {
	echo "FAIL $1: $2"
	fails=1
}

if ! $CC -O2 -o "$tmp/rawcmp" rawcmp.c -lm 2>"$tmp/err"; then
	fail llvm_rawcmp "rawcmp.c does not compile: $(head -c 300 "$tmp/err")"
	exit 1
fi

# relcmp A B: the numbers of two JSON lines, in order, within 1e-12 relative
relcmp() {
	printf '%s\n%s\n' "$1" "$2" | awk '
		{ gsub(/[{}:,"]/, " "); n[NR] = 0
		  for (i = 1; i <= NF; i++) if ($i ~ /^[-+0-9.]/) v[NR, ++n[NR]] = $i }
		END {
			if (n[1] != n[2] || n[1] == 0) { print "count " n[1] " vs " n[2]; exit 1 }
			for (i = 1; i <= n[1]; i++) {
				a = v[1, i] + 0; b = v[2, i] + 0
				d = a - b; if (d < 0) d = -d
				m = a < 0 ? -a : a; mb = b < 0 ? -b : b; if (mb > m) m = mb
				if (d > 1e-12 * m) { printf "value %d: %.17g vs %.17g\n", i, a, b; exit 1 }
			}
		}'
}

for f in "$REPO"/examples/*.dpm "$REPO"/tests/bench/*.dpm; do
	n=$(basename "$f" .dpm)
	case $f in */tests/bench/*) n=bench_$n ;; esac
	if ! "$DPMC" render "$f" -d 0.2 --raw --backend llvm -o "$tmp/$n.llvm.f.wav" 2>"$tmp/err"; then
		fail "llvm_render_$n" "$(head -c 300 "$tmp/err")"
		continue
	fi
	if ! "$DPMC" render "$f" -d 0.2 --raw --backend cc -o "$tmp/$n.cc.f.wav" 2>"$tmp/err"; then
		fail "llvm_render_$n" "the cc render failed: $(head -c 300 "$tmp/err")"
		continue
	fi
	if r=$("$tmp/rawcmp" "$tmp/$n.llvm.f.wav" "$tmp/$n.cc.f.wav"); then
		echo "PASS llvm_equals_cc_$n ($r)"
	else
		fail "llvm_equals_cc_$n" "llvm and cc renders differ: $r"
	fi

	"$DPMC" render "$f" -d 0.2 --backend cc -o "$tmp/$n.wav" 2>"$tmp/err" ||
		{ fail "llvm_grad_$n" "target render: $(head -c 300 "$tmp/err")"; continue; }
	gl=$("$DPMC" grad "$f" --target "$tmp/$n.wav" --backend llvm 2>"$tmp/err") ||
		{ fail "llvm_grad_$n" "$(head -c 300 "$tmp/err")"; continue; }
	gc=$("$DPMC" grad "$f" --target "$tmp/$n.wav" --backend cc 2>"$tmp/err") ||
		{ fail "llvm_grad_$n" "cc: $(head -c 300 "$tmp/err")"; continue; }
	if r=$(relcmp "$gl" "$gc"); then
		echo "PASS llvm_grad_equals_cc_$n"
	else
		fail "llvm_grad_equals_cc_$n" "$r (llvm $gl; cc $gc)"
	fi
done

# a coefficient of x and t: refused, clearly, with status 1
"$DPMC" render spacetime.dpm -d 0.1 --backend llvm -o "$tmp/st.wav" 2>"$tmp/err"
st=$?
if [ $st = 1 ] && grep -q "the llvm backend does not yet compile coefficients that vary in both space and time; use --backend tcc or cc" "$tmp/err"; then
	echo "PASS llvm_refuses_spacetime"
else
	fail llvm_refuses_spacetime "status $st, message: $(head -c 300 "$tmp/err")"
fi
if "$DPMC" render spacetime.dpm -d 0.1 --backend tcc -o "$tmp/st.wav" 2>"$tmp/err"; then
	echo "PASS llvm_spacetime_tcc_renders"
else
	fail llvm_spacetime_tcc_renders "$(head -c 300 "$tmp/err")"
fi

# --stats: the backend and its compile time
s=$("$DPMC" render "$REPO/examples/ideal_string.dpm" -d 0.1 --backend llvm --stats \
	-o "$tmp/s.wav" 2>&1 >/dev/null)
if echo "$s" | grep -q '"backend": "llvm"' &&
   echo "$s" | awk '{ if (match($0, /"compile_ms": [0-9.e+-]+/)) {
	   v = substr($0, RSTART + 14, RLENGTH - 14) + 0; exit !(v > 0 && v < 60000) } exit 1 }'; then
	echo "PASS llvm_stats_compile_ms"
else
	fail llvm_stats_compile_ms "got: $s"
fi
exit $fails
