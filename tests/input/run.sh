#!/bin/sh
# tests/input/run.sh — bad input files and pathological models (issue 14):
# reads are bounded (FIFOs, devices, folders and files over the limit are
# refused by name, without blocking), a file that is not a model is said
# so once instead of quoted, NUL bytes are errors at their place, echoed
# strings are capped, JSON \u escapes are decoded, NaN targets are named,
# 0/0 in a model is an error, and fns that double per level compile in
# polynomial time in every command.
# env: DPMC, REPO.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
HERE=$REPO/tests/input
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-input.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME
unset DPM_PATH
STR=$HERE/string.dpm

pass() { echo "PASS input/$1"; }
fail() { echo "FAIL input/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 400)"; }

# run SECONDS dpmc-args...: stdout in $T/out, stderr in $T/err, status in $st
# (124: the time limit); memory is capped too, so /dev/zero cannot grow,
# unless dpmc is built with ASan (which reserves terabytes of address space)
VLIM=4000000
sh -c 'ulimit -v $1 && exec "$2" --version' sh $VLIM "$DPMC" >/dev/null 2>&1 || VLIM=unlimited
run() {
	lim=$1
	shift
	(ulimit -v $VLIM 2>/dev/null; exec timeout "$lim" "$DPMC" "$@") >"$T/out" 2>"$T/err"
	st=$?
}

# expect NAME STATUS PATTERN [SECONDS] -- dpmc args...: status, and PATTERN in stderr
expect() {
	name=$1 want=$2 pat=$3 lim=5
	shift 3
	if [ "$1" != -- ]; then lim=$1; shift; fi
	shift
	run "$lim" "$@"
	if [ "$st" != "$want" ]; then
		fail "$name" "exit $st, want $want ($(head -c 300 "$T/err"))"
	elif [ -n "$pat" ] && ! grep -q -e "$pat" "$T/err"; then
		fail "$name" "stderr lacks '$pat': $(head -c 300 "$T/err")"
	else
		pass "$name"
	fi
}

# model FILE FIRST-LINE: string.dpm with FIRST-LINE (printf format) before it
model() {
	printf "$2" > "$1"
	cat "$STR" >> "$1"
}

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

# ---- 5. reads without bounds ----
model "$T/zero.dpm" 'import "/dev/zero"\n'
expect import-dev-zero 1 '/dev/zero is a device; a model must be a regular file' -- check "$T/zero.dpm"
grep -q 'zero.dpm:1:8: error' "$T/err" || fail import-dev-zero-place "no place: $(cat "$T/err")"
expect check-dev-zero 1 '/dev/zero is a device' -- check /dev/zero
expect params-dev-zero 1 'params file: /dev/zero is a device; a params file must be a regular file' -- \
	render "$STR" --params /dev/zero -d 0.01 -o "$T/o.wav"
[ -e "$T/o.wav" ] && fail params-dev-zero-nofile "a failed render left o.wav"

mkfifo "$T/fifo" 2>/dev/null
if [ -p "$T/fifo" ]; then
	model "$T/fifo.dpm" "import \"$T/fifo\"\n"
	expect import-fifo 1 'is a FIFO; a model must be a regular file' -- check "$T/fifo.dpm"
	expect check-fifo 1 'is a FIFO' -- check "$T/fifo"
	expect params-fifo 1 'is a FIFO; a params file' -- info "$STR" --params "$T/fifo"
	expect target-fifo 1 'not a regular file (a FIFO)' -- grad "$STR" --target "$T/fifo"
fi
expect target-dev-zero 1 'not a regular file (a device)' -- grad "$STR" --target /dev/zero
expect check-folder 1 'is a folder; a model must be a regular file' -- check "$T"
model "$T/folder.dpm" "import \"$T\"\n"
expect import-folder 1 'is a folder' -- check "$T/folder.dpm"

# over the limit (a sparse file: no disk used)
if truncate -s 17M "$T/big.dpm" 2>/dev/null && truncate -s 17M "$T/big.json"; then
	expect check-too-large 1 'big.dpm is larger than 16 MB, the limit for a model' -- check "$T/big.dpm"
	model "$T/imbig.dpm" 'import "big.dpm"\n'
	expect import-too-large 1 'big.dpm is larger than 16 MB' -- check "$T/imbig.dpm"
	expect params-too-large 1 'big.json is larger than 16 MB, the limit for a params file' -- \
		info "$STR" --params "$T/big.json"
fi

# a text file that is not a model: said once, its lines not quoted
printf 'root:x:0:0:root:/root:/bin/bash\nsecret: hunter2\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$T/passwd"
model "$T/pw.dpm" "import \"$T/passwd\"\n"
expect import-not-model 1 'passwd: not a dpm model (no line of it parses as a statement)' -- check "$T/pw.dpm"
if grep -q 'hunter2\|root:' "$T/err" || [ "$(grep -c 'error' "$T/err")" != 1 ]; then
	fail import-not-model-once "the file's lines are quoted: $(cat "$T/err")"
else
	pass import-not-model-once
fi
expect check-not-model 1 'not a dpm model' -- check "$T/passwd"
grep -q hunter2 "$T/err" && fail check-not-model-quiet "quoted: $(cat "$T/err")"
# binary data: said once
{ printf 'model x\n'; i=0; while [ $i -lt 64 ]; do printf '\000\001\002\177\033[2J\377'; i=$((i + 1)); done; } > "$T/blob.dpm"
expect binary-not-model 1 'blob.dpm: not a dpm model (binary data)' -- check "$T/blob.dpm"
[ "$(wc -l < "$T/err")" = 1 ] || fail binary-once "$(wc -l < "$T/err") lines"
model "$T/imblob.dpm" 'import "blob.dpm"\n'
expect import-binary 1 'imblob.dpm:1:8: error: .*blob.dpm: not a dpm model (binary data)' -- check "$T/imblob.dpm"

# a NUL: an error at its place, not a string cut short
model "$T/nul.dpm" 'import "loss.dpm\000junk"\n'
expect nul-in-import 1 'nul.dpm:1:17: error: a NUL byte' -- check "$T/nul.dpm"
# a model that imports itself (it was read once, silently), and a folder
# of DPM_PATH whose name is too long: the next folders are searched
model "$T/selfimp.dpm" 'import "selfimp.dpm"\n'
expect import-self 1 'selfimp.dpm:1:8: error: "selfimp.dpm" is the model.s own file' -- check "$T/selfimp.dpm"
# ... but a library checked alone that another library imports back is a
# library, said so (it read "the model's own file", of another file)
printf 'import "libb.dpm"\nconst a = 1\n' >"$T/liba.dpm"
printf 'import "liba.dpm"\nconst b = 1\n' >"$T/libb.dpm"
expect import-library-cycle 1 'liba.dpm:1:1: error: this file has no .model NAME. line: it is a library' -- check "$T/liba.dpm"
DPM_PATH="$T/$(printf '%0300d' 0)" "$DPMC" check "$REPO/examples/guitar.dpm" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 0 ] && pass dpm-path-name-too-long || fail dpm-path-name-too-long "exit $st: $(head -c 300 "$T/err")"
model "$T/nulc.dpm" '# a comment\000 with a NUL\n'
expect nul-in-comment 1 'nulc.dpm:1:12: error: a NUL byte' -- check "$T/nulc.dpm"
model "$T/nulx.dpm" 'const c = 1 \000+ 2\n'
expect nul-in-code 1 'nulx.dpm:1:13: error: a NUL byte' -- check "$T/nulx.dpm"
if tr -d '\n' < "$T/err" | grep -q "$(printf '\033')"; then
	fail nul-quoted-safe "control bytes echoed"
else
	pass nul-quoted-safe
fi

# ---- echoes are capped and printable ----
{ printf 'output out = u(0.5)\nlet '; head -c 100000 /dev/zero | tr '\0' a; printf ' = zz\n'; } > "$T/long.dpm"
{ cat "$STR"; cat "$T/long.dpm"; } > "$T/long2.dpm"
expect long-name 1 'error' -- check "$T/long2.dpm"
n=$(wc -c < "$T/err")
[ "$n" -lt 3000 ] && pass long-name-capped || fail long-name-capped "$n bytes of messages"
{ cat "$STR"; printf 'pde \033]0;owned\007\033[31m u.tt = 1\n'; } > "$T/esc.dpm"
expect escape-codes 1 'error' -- check "$T/esc.dpm"
if grep -q "$(printf '\033')" "$T/err"; then fail escape-codes-quoted "an ESC byte reached stderr"; else pass escape-codes-quoted; fi
{ printf '{"params": {"'; head -c 10000000 /dev/zero | tr '\0' k; printf '": 1}}\n'; } > "$T/key.json"
expect json-long-key 1 "unknown param 'kkkk" 60 -- info "$STR" --params "$T/key.json"
n=$(wc -c < "$T/err")
[ "$n" -lt 2000 ] && pass json-long-key-capped || fail json-long-key-capped "$n bytes of messages"

# ---- JSON \u escapes ----
printf '{"params": {"\\u0066\\u0030": 330}}\n' > "$T/u.json"
run 10 render "$STR" --params "$T/u.json" -d 0.02 --raw -o "$T/u.wav"
run 10 render "$STR" --set f0=330 -d 0.02 --raw -o "$T/s.wav"
if [ -f "$T/u.wav" ] && cmp -s "$T/u.wav" "$T/s.wav"; then pass json-u-escape; else fail json-u-escape "\\u0066\\u0030 is not f0"; fi
printf '{"params": {"f\\ud83d\\ude00": 1}}\n' > "$T/pair.json"
expect json-surrogate-pair 1 "unknown param 'f$(printf '\360\237\230\200')'" -- info "$STR" --params "$T/pair.json"
printf '{"params": {"f\\ud83d": 1}}\n' > "$T/hi.json"
expect json-lone-high 1 'hi.json:1:15: error: a high surrogate with no low one' -- info "$STR" --params "$T/hi.json"
printf '{"params": {"f\\udc00x": 1}}\n' > "$T/lo.json"
expect json-lone-low 1 'lo.json:1:15: error: a low surrogate' -- info "$STR" --params "$T/lo.json"
printf '{"params": {"f0\\u0000": 1}}\n' > "$T/z.json"
expect json-u0000 1 'z.json:1:16: error: \\u0000' -- info "$STR" --params "$T/z.json"

# ---- NaN targets ----
run 10 render "$STR" -d 0.01 --raw -o "$T/t.wav"
for what in nan inf; do
	python3 - "$T/t.wav" "$T/$what.wav" "$what" <<'PY' 2>/dev/null || continue
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'data') + 8
d[i + 4 * 37:i + 4 * 38] = struct.pack('<f', float(sys.argv[3]))
open(sys.argv[2], 'wb').write(d)
PY
	is='not a number'
	[ $what = inf ] && is='infinite'
	expect "target-$what" 1 "$what.wav: sample 37 of channel 1 is $is" -- grad "$STR" --target "$T/$what.wav"
	expect "fit-target-$what" 1 "sample 37 of channel 1 is $is" -- \
		fit "$STR" --target "$T/$what.wav" --fit f0 --steps 2 -o "$T/fit.json"
	[ -e "$T/fit.json" ] && fail "fit-target-$what-nofile" "a failed fit left fit.json"
done

# ---- a target cut short: its header claims more samples than it holds
# (libsndfile reads what is there); a header written to a pipe, whose
# length it could not know (0xffffffff), is read as it is ----
if [ -s "$T/t.wav" ]; then
	head -c $(($(wc -c <"$T/t.wav") - 400)) "$T/t.wav" >"$T/cut.wav"
	expect target-truncated 1 "cut.wav' is truncated: its header says" -- grad "$STR" --target "$T/cut.wav"
	expect fit-target-truncated 1 "is truncated" -- fit "$STR" --target "$T/cut.wav" --fit f0 --steps 2 -o "$T/fit.json"
	[ -e "$T/fit.json" ] && fail fit-target-truncated-nofile "a failed fit left fit.json"
	python3 - "$T/t.wav" "$T/piped.wav" <<'PY' 2>/dev/null &&
import struct, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'data')
open(sys.argv[2], 'wb').write(d[:i + 4] + struct.pack('<I', 0xffffffff) + d[i + 8:])
PY
		expect target-piped-header 0 "" -- grad "$STR" --target "$T/piped.wav"
fi
# AIFF, W64, AU, VOC and NIST SPHERE files cut short (probes': read as
# half the recording; an IRCAM header holds no length to check)
if [ -s "$T/t.wav" ] && command -v sox >/dev/null 2>&1; then
	for f in aiff w64 au voc sph; do
		sox "$T/t.wav" -b 16 "$T/full.$f" 2>/dev/null
		head -c $(($(wc -c <"$T/full.$f") * 3 / 4)) "$T/full.$f" >"$T/cut.$f"
		expect "target-truncated-$f" 1 "cut.$f' is truncated: its header says" -- grad "$STR" --target "$T/cut.$f"
		expect "target-whole-$f" 0 "" -- grad "$STR" --target "$T/full.$f"
	done
fi

# ---- a point read, a point force, an output at a param set outside the
# domain: an error at the read's place in the model (it was "the field is
# read at 1.5", with no line), no file left ----
RP=$HERE/readpos.dpm
expect read-param-outside 1 "readpos.dpm:11:34: error: the field is read at x = 1.5, outside its domain" -- \
	render "$RP" --set X=1.5 -d 0.01 -o "$T/rp.wav"
expect force-param-outside 1 "readpos.dpm:11:46: error: the point source at x = 1.5 is outside the domain" -- \
	render "$RP" --set F=1.5 -d 0.01 -o "$T/rp.wav"
expect output-param-outside 1 "readpos.dpm:15:1: error: output 'out' at x = 1.5 is outside the domain" -- \
	render "$RP" --set O=1.5 -d 0.01 -o "$T/rp.wav"
[ -e "$T/rp.wav" ] && fail param-outside-nofile "a refused render left rp.wav"
run 10 render "$RP" -d 0.01 -o "$T/rpt.wav"
expect fit-param-outside 1 "readpos.dpm:11:46: error: the point source at x = 1.5 .*(against '.*rpt.wav' at the start values)" -- \
	fit "$RP" --set F=1.5 --target "$T/rpt.wav" --fit X --steps 2 -o "$T/rp.json"
[ -e "$T/rp.json" ] && fail fit-param-outside-nofile "a failed fit left rp.json"

# ---- a pde unstable on every grid: said at the pde (it had no line).
# The wave speed's square below 0; a drift 40 * u.x was the example
# before it planned (tests/physics cone_webster); a drift too strong
# for any grid the time step allows (its pairs of taps change sign where
# the grid is coarser than 2 c^2 / a, finer than c k) ----
printf 'model ux\ndomain x in [0, 1]\nfield u(x)\npde u.tt = -100^2 * u.xx\nboundary x = 0, x = 1: fixed\noutput o = u(0.3)\n' >"$T/ux.dpm"
printf 'model ux\ndomain x in [0, 1]\nfield u(x)\npde u.tt = 100^2 * u.xx + 1e7 * u.x\nboundary x = 0, x = 1: fixed\noutput o = u(0.3)\n' >"$T/ux2.dpm"
expect unstable-every-grid-drift 1 'ux2.dpm:4:12: error: the scheme is unstable on every grid.*a drift term .*needs a spacing under 2 c^2 / .b.' -- \
	render "$T/ux2.dpm" -d 0.01 -o "$T/ux.wav"
expect unstable-every-grid 1 'ux.dpm:4:12: error: the scheme is unstable on every grid' -- \
	render "$T/ux.dpm" -d 0.01 -o "$T/ux.wav"
[ -e "$T/ux.wav" ] && fail unstable-every-grid-nofile "a refused render left ux.wav"

# ---- a long flat sum (100k terms, 400 KB) in a model of two fields or a
# 2D one: an error at its place; the fields' passes walked it first and
# overflowed the stack (found by fuzzing) ----
{
	printf 'model m\ndomain a: x in [0, 1]\ndomain b: x in [0, 0.5]\nfield u(x) on a\nfield w(x) on b\n'
	printf 'pde u.tt = 100^2 * u.xx\npde w.tt = 100^2 * w.xx\nboundary u at x = 0, x = 1: fixed\n'
	printf 'boundary w at x = 0, x = 0.5: fixed\ninit u = 0'
	head -c 100000 /dev/zero | sed 's/\x0/ + 1/g'
	printf '\noutput o = u(0.5)\n'
} >"$T/flat.dpm"
expect flat-sum-two-fields 1 'flat.dpm:10:10: error: expression too deep' -- check "$T/flat.dpm"
{
	printf 'model m\ndomain x in [0, 1], y in [0, 1]\nfield u(x, y)\npde u.tt = lap(u)\n'
	printf 'boundary edges: fixed\noutput o = u(0.5, 0.5)'
	head -c 100000 /dev/zero | sed 's/\x0/ + 1/g'
	printf '\n'
} >"$T/flat2.dpm"
expect flat-sum-2d 1 'flat2.dpm:6:12: error: expression too deep' -- check "$T/flat2.dpm"

# ---- 11. 0/0 folds to NaN, an error at its place ----
sed 's|^output.*|output out = u(0/0)|' "$STR" > "$T/nan.dpm"
expect zero-by-zero 1 'nan.dpm:9:16: error: this is not a number' -- check "$T/nan.dpm"
sed 's|^output.*|output out = u(0.5 + 0 * (1/0))|' "$STR" > "$T/inf.dpm"
expect zero-times-inf 1 'inf.dpm:9:27: error: this is infinite' -- check "$T/inf.dpm"
sed 's|^output.*|output out = u(0.5 + 0 * sqrt(-1))|' "$STR" > "$T/nan2.dpm"
expect zero-times-nan 1 'nan2.dpm:9:26: error: this is not a number' -- check "$T/nan2.dpm"
sed 's|^output.*|output out = u(0.5 + 0 * f0)|' "$STR" > "$T/zero.dpm"
expect zero-times-param 0 '' -- check "$T/zero.dpm"

# ---- 6. fns that double per level: every command stays fast ----
# K = 40: 2^40 calls written out; twice the level before, shared
gen() {    # gen FILE BODY-OF-hI(a)-IN-TERMS-OF-P
	{
		echo "model doubling"
		echo "param f0 = 220 in [20, 4000] log"
		echo "fn h0(a) = a * f0"
		i=1
		while [ $i -le 40 ]; do
			p="h$((i - 1))(a)"
			echo "fn h$i(a) = $(echo "$2" | sed "s/P/$p/g")"
			i=$((i + 1))
		done
		echo "domain x in [0, 1]"
		echo "field u(x)"
		echo "pde u.tt = (2 * f0)^2 * u.xx + 1e-30 * h40(x) * u"
		echo "boundary x = 0, x = 1: fixed"
		echo "init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)"
		echo "output out = u(0.77)"
	} > "$1"
}
gen "$T/sum.dpm" 'P + P'
gen "$T/trig.dpm" 'sin(P) + cos(P)'
run 10 render "$STR" -d 0.01 --raw -o "$T/tgt.wav"
for m in sum trig; do
	for c in check info "emit --stage ast" "emit --stage scheme" "emit --stage loops" \
	         "emit --stage c" "render -d 0.01 -o $T/k.wav" "grad --target $T/tgt.wav"; do
		name="doubling-$m-$(echo "$c" | cut -d' ' -f1-3 | sed 's/ --stage//; s/ -.*//; s/ /-/g')"
		# shellcheck disable=SC2086
		expect "$name" 0 '' 3 -- $c "$T/$m.dpm"
	done
done

# ---- a long argument is echoed cut, with its length ----
long=$(head -c 100000 /dev/zero | tr '\0' 7)
# longarg NAME STATUS ARGS...: a clear message of a few hundred bytes, no file
longarg() {
	name=$1 want=$2
	shift 2
	"$DPMC" "$@" >"$T/out" 2>"$T/err"
	st=$?
	if [ "$st" = "$want" ] && [ "$(wc -c <"$T/err")" -lt 600 ] && [ ! -e "$T/l.wav" ] && grep -q 'dpmc: error' "$T/err"; then
		pass "long-argument-$name"
	else
		fail "long-argument-$name" "exit $st (want $want), $(wc -c <"$T/err") bytes: $(head -c 200 "$T/err")"
	fi
}
longarg command 2 "$long"
longarg option 2 render "$STR" "--$long" -o "$T/l.wav"
longarg duration 1 render "$STR" -d "${long}x" -o "$T/l.wav"
longarg rate 1 render "$STR" -r "$long" -o "$T/l.wav"
longarg set 1 render "$STR" --set "$long=1" -o "$T/l.wav"
