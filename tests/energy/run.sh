#!/bin/sh
# tests/energy — `output E = energy` (language.md 12.1): the discrete
# energy of the scheme, read in double precision through the built C API
# (drift.c; a WAV's 32-bit floats would hide what is tested).
#
# 1. conserved to rounding over 2e4 steps without loss: a string (fixed
#    and free ends, with its density), a membrane, a clamped plate, a
#    simply supported bar of varying stiffness (a conservative form);
#    a plate with free edges to 1e-8 (its edge rows are symmetric in a
#    slightly different inner product than the trapezoid one used here).
# 2. with loss: never rises from one step to the next, and falls.
# 3. in joules: the string's energy equals (T/2) int u_x^2 of its initial
#    shape (released at rest), within the grid's error (0.5 %).
# 4. tcc, cc and llvm give the same bits; the gradient of a model with an
#    energy output says it is not built; `energy` of lumped objects is
#    refused with its place.
# Env: DPMC, REPO, CC.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/energy
SUITE=energy
T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-energy.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME
. "$REPO/tests/lib.sh"

# drift NAME MODEL.dpm [SED]: build the model (edited by SED) and run
# drift.c over 2e4 steps; its line in $T/NAME.out
drift() {
	name=$1 model=$2
	sed "${3:-s/^//}" "$HERE/$model" >"$T/$name.dpm"
	n=$(sed -n 's/^model //p' "$T/$name.dpm")
	ch=$(($(grep -c '^output' "$T/$name.dpm") - 1))
	mkdir -p "$T/$name"
	"$DPMC" build "$T/$name.dpm" -o "$T/$name/$n.c" 2>"$T/err" &&
	$CC -O2 -I"$T/$name" -DM_H="\"$n.h\"" -DP="${n}_" -DCH=$ch -o "$T/$name/drift" "$HERE/drift.c" \
		"$T/$name/$n.c" -lm 2>>"$T/err" &&
	"$T/$name/drift" 20000 >"$T/$name.out" 2>>"$T/err"
}

# conserved NAME MODEL TOL [SED]
conserved() {
	if drift "$1" "$2" "$4"; then
		d=$(awk '{ print $1 }' "$T/$1.out")
		awk -v d="$d" -v t="$3" 'BEGIN { exit !(d <= t) }' && pass "$1" ||
			fail "$1" "relative drift $d over 2e4 steps, want <= $3"
	else
		fail "$1" "$(head -c 300 "$T/err")"
	fi
}

conserved string_conserved string.dpm 1e-12
conserved membrane_conserved membrane.dpm 1e-12
conserved clamped_plate_conserved plate.dpm 1e-12 's/boundary edges: free/boundary edges: clamped/'
conserved bar_conserved bar.dpm 1e-10 's/boundary x = 0, x = 1: free/boundary x = 0, x = 1: simply_supported/'
conserved free_plate_near plate.dpm 1e-8

if drift lossy lossy.dpm; then
	read d rise e0 <"$T/lossy.out"
	awk -v d="$d" -v r="$rise" 'BEGIN { exit !(r <= 1e-14 && d > 0.5) }' && pass lossy_falls ||
		fail lossy_falls "largest rise $r of E0, fall $d"
else
	fail lossy_falls "$(head -c 300 "$T/err")"
fi

# (T/2) int u_x^2 of 0.001 exp(-((x - 0.4) / 0.05)^2), T = rho c^2 = 400:
# 200 * 1e-6 * 4 / 0.05^4 * int (x-0.4)^2 exp(-2 ((x-0.4)/0.05)^2) dx
# = 200 * 1e-6 * 4 / 0.05^4 * 0.05^3 sqrt(pi / 2) / 4
e=$(awk '{ print $3 }' "$T/string_conserved.out" 2>/dev/null)
want=$(awk 'BEGIN { printf "%.17g", 200 * 1e-6 * 4 / 0.05^4 * 0.05^3 * sqrt(3.14159265358979 / 2) / 4 }')
within "$e" "$want" 0.005 && pass joules || fail joules "E = $e J, (T/2) int u_x^2 = $want J"

bad=
for b in tcc cc llvm; do
	"$DPMC" render "$HERE/lossy.dpm" -o "$T/l.$b.wav" -d 0.3 --raw --backend "$b" 2>"$T/err" ||
		bad="$bad $b: $(head -c 200 "$T/err")"
done
cmp -s "$T/l.tcc.wav" "$T/l.cc.wav" && cmp -s "$T/l.tcc.wav" "$T/l.llvm.wav" || bad="$bad the renders differ"
[ -z "$bad" ] && pass backends_same_bits || fail backends_same_bits "$bad"

expect gradient_not_yet 1 "energy output is not built yet" -- grad "$HERE/lossy.dpm" --target "$T/l.tcc.wav"

cat >"$T/lump.dpm" <<'X'
model lump
domain x in [0, 1]
field u(x)
field z mass 1
pde u.tt = 100^2 * u.xx
pde z.tt = -z
boundary x = 0, x = 1: fixed
output E = energy
X
expect energy_of_lumps 1 "lump.dpm:8:12: error: .energy. of a model with lumped objects" -- check "$T/lump.dpm"

sed 's/^output out = u(0.31)$/output out = u(0.31)\noutput E = energy/' "$REPO/tests/parts/spring.dpm" >"$T/spring.dpm"
expect energy_of_forces 1 "spring.dpm:[0-9]*:[0-9]*: error: .energy. of a model with point reads" -- check "$T/spring.dpm"

# 5. `dpmc render --raw --double` (cli.md, "Exact outputs"): the energy
#    read from the WAV as 64-bit floats is constant to rounding, and its
#    values are not 32-bit floats (`--raw`'s, which cannot show that)
cat >"$T/wavdrift.py" <<'X'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:4] == b"RIFF" and b[8:12] == b"WAVE", "not a WAV"
i, fmt, data = 12, None, None
while i + 8 <= len(b):
    tag, n = b[i:i + 4], struct.unpack("<I", b[i + 4:i + 8])[0]
    if tag == b"fmt ":
        fmt = struct.unpack("<HHIIHH", b[i + 8:i + 24])
    elif tag == b"data":
        data = b[i + 8:i + 8 + n]
    i += 8 + n + (n & 1)
tag, nch, bits = fmt[0], fmt[1], fmt[5]
if tag == 0xFFFE:       # WAVE_FORMAT_EXTENSIBLE: the subformat's tag
    tag = struct.unpack("<H", b[b.index(b"fmt ") + 32:b.index(b"fmt ") + 34])[0]
x = struct.unpack("<%d%s" % (len(data) * 8 // bits, "d" if bits == 64 else "f"), data)
e = x[int(sys.argv[2])::nch]
f32 = sum(struct.unpack("<f", struct.pack("<f", v))[0] != v for v in e)
print(bits, tag, max(abs(v - e[0]) for v in e) / abs(e[0]), f32)
X
ch=$(($(grep -c '^output' "$HERE/string.dpm") - 1))
if "$DPMC" render "$HERE/string.dpm" --raw --double -d 0.45 -o "$T/e64.wav" 2>"$T/err" &&
   "$DPMC" render "$HERE/string.dpm" --raw -d 0.45 -o "$T/e32.wav" 2>>"$T/err"; then
	r64=$(/usr/bin/python3 "$T/wavdrift.py" "$T/e64.wav" $ch 2>&1)
	r32=$(/usr/bin/python3 "$T/wavdrift.py" "$T/e32.wav" $ch 2>&1)
	echo "$r64 $r32" | awk '$1 == 64 && $2 == 3 && $3 < 1e-12 && $4 > 100 && $5 == 32 && $8 == 0 { ok = 1 } END { exit !ok }' &&
		pass raw_double_energy || fail raw_double_energy "64-bit: bits, format, drift, values not float32 = $r64; 32-bit: $r32"
else
	fail raw_double_energy "$(head -c 300 "$T/err")"
fi
expect build_executable 0 "" -- build "$HERE/string.dpm" -o "$T/sx"
"$T/sx" --double -d 0.01 -o "$T/sx.wav" && python3 -c "
import sys; b = open('$T/sx.wav', 'rb').read(); sys.exit(b[34:36] != b'\x40\x00')" &&
	pass double_executable || fail double_executable "the built executable's --double did not write 64-bit samples"
