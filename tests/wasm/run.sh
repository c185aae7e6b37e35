#!/bin/sh
# tests/wasm/run.sh — `dpmc build -o X.wasm` and `-o X.html` (issue 13,
# item 4): the module under node and the page in headless chromium
# (playwright-core from ./configure's .deps/node) each equal to `dpmc
# render --raw` to 1e-5 of the peak, from dpm_process in blocks of 128
# and from the page's AudioWorklet in an OfflineAudioContext; the
# module's exports, imports and metadata; the page's controls, player and
# requests; bad -o and missing tools.
# A tool the suite needs and cannot find (node, chromium, playwright-core)
# is a FAIL that says so, never a skip.
# env: DPMC, REPO.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-wasm.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
XDG_CACHE_HOME=$T/cache
TMPDIR=$T/tmp
export XDG_CACHE_HOME TMPDIR
mkdir -p "$T/tmp" "$T/w" "$T/p"
SUITE=wasm
. "$REPO/tests/lib.sh"
W=$REPO/tests/wasm
GUI=$REPO/examples/guitar.dpm
MEM=$REPO/tests/cli/membrane.dpm
PLATE=$REPO/examples/plate.dpm
TOL=1e-5

# The imports a module may have: none.  (wasi-libc's printf without long
# double would bring fd_write, fd_seek and fd_close, for a message on
# stderr; build_wasm.c links the full one.  The page and wasm.js would
# stub them, answering ENOSYS.)
ALLOWED_IMPORTS=""
# What it must export: api.md's interface, API.md's extensions, the allocator
EXPORTS="dpm_new dpm_free dpm_error dpm_nparams dpm_param_name dpm_param_min dpm_param_max
dpm_param_index dpm_set dpm_get dpm_noutputs dpm_output_name dpm_reset dpm_process dpm_grad
dpm_name dpm_rate dpm_param_default dpm_param_log dpm_ndim dpm_grid dpm_set_grid dpm_forward
dpm_backward dpm_set_threads malloc free memory _initialize"

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi
if ! command -v node >/dev/null; then
	fail setup "node is not on PATH (Debian packages nodejs and npm; ./configure installs them)"
	exit 1
fi

# js FILE.json EXPR: EXPR (JavaScript, the object as r) printed
js() {
	node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$1" "$2"
}

# close NAME FILE.json: FILE's render equals the reference to TOL of its peak
close() {
	if [ "$(js "$2" "r.length && r.peak > 0 && r.rel <= $TOL")" = true ]; then
		pass "$1"
	else
		fail "$1" "max |diff| $(js "$2" r.maxdiff) against a peak of $(js "$2" r.peak) (want <= $TOL of it; same length: $(js "$2" r.length))"
	fi
}

# nothing but OUT... in DIR: no temporary name left
only() {
	dir=$1
	shift
	left=$(ls -A "$dir" | grep -v -x -F "$(printf '%s\n' "$@")" | tr '\n' ' ')
	[ -z "$left" ]
}

# ---- building ----
run "$DPMC" build "$GUI" -o "$T/w/guitar.wasm"
if [ "$st" = 0 ] && [ "$(od -An -c -N4 "$T/w/guitar.wasm" 2>/dev/null | tr -d ' ')" = '\0asm' ] \
    && only "$T/w" guitar.wasm; then
	pass build-wasm
else
	fail build-wasm "exit $st: $(head -c 600 "$T/err"); left: $(ls -A "$T/w")"
fi
run "$DPMC" build "$GUI" -o "$T/p/guitar.html"
if [ "$st" = 0 ] && grep -q 'dpmRender' "$T/p/guitar.html" && [ -s "$T/p/guitar.wasm" ] \
    && cmp -s "$T/p/guitar.wasm" "$T/w/guitar.wasm" && only "$T/p" guitar.html guitar.wasm; then
	pass build-html
else
	fail build-html "exit $st: $(head -c 600 "$T/err"); left: $(ls -A "$T/p")"
fi
run "$DPMC" build "$MEM" -o "$T/p/membrane.html"
[ "$st" = 0 ] && pass build-html-2d || fail build-html-2d "exit $st: $(head -c 600 "$T/err")"
# a step whose coefficients vary in time: dpmRender plans the grid for
# its length as dpmc render does (it planned at t = 0 and blew up)
run "$DPMC" build "$REPO/tests/cli/glide.dpm" -o "$T/p/glide.html"
[ "$st" = 0 ] || fail build-html-glide "exit $st: $(head -c 600 "$T/err")"
run "$DPMC" build "$PLATE" -o "$T/w/plate.wasm"
[ "$st" = 0 ] && pass build-wasm-stereo || fail build-wasm-stereo "exit $st: $(head -c 600 "$T/err")"
# the page names its module as a string, whatever the file is called
run "$DPMC" build "$MEM" -o "$T/p/a \"b\" <c>.html"
if [ "$st" = 0 ] && [ -s "$T/p/a \"b\" <c>.wasm" ] && grep -q 'a \\"b\\" \\x3cc\\x3e.wasm' "$T/p/a \"b\" <c>.html"; then
	pass build-html-name
else
	fail build-html-name "exit $st: $(head -c 300 "$T/err"); $(grep -a 'DPM_WASM =' "$T/p/a \"b\" <c>.html" 2>&1 | head -c 200)"
fi

# ---- the module under node: dpm_process in blocks of 128 = dpmc render --raw ----
"$DPMC" render "$GUI" -d 0.5 --raw -o "$T/guitar.wav" 2>"$T/err" || fail setup "render: $(cat "$T/err")"
"$DPMC" render "$GUI" -d 0.2 --raw --set f0=220 -o "$T/guitar220.wav" 2>"$T/err" || fail setup "render: $(cat "$T/err")"
"$DPMC" render "$GUI" -d 0.2 --raw -r 48000 -o "$T/guitar48k.wav" 2>"$T/err" || fail setup "render: $(cat "$T/err")"
"$DPMC" render "$MEM" -d 0.05 --raw -o "$T/membrane.wav" 2>"$T/err" || fail setup "render: $(cat "$T/err")"
"$DPMC" render "$PLATE" -d 0.05 --raw -o "$T/plate.wav" 2>"$T/err" || fail setup "render: $(cat "$T/err")"
"$DPMC" render "$REPO/tests/cli/glide.dpm" -d 0.05 --raw -o "$T/glide.wav" 2>"$T/err" || fail setup "render: $(cat "$T/err")"
"$DPMC" info "$GUI" --json >"$T/guitar-info.json" 2>"$T/err" || fail setup "info: $(cat "$T/err")"

# node_case NAME WASM REF.wav [NAME=VALUE...]
node_case() {
	name=$1
	shift
	if node "$W/render.js" "$@" >"$T/$name.json" 2>"$T/err"; then
		close "$name" "$T/$name.json"
	else
		fail "$name" "$(cat "$T/err")"
	fi
}
node_case node-guitar "$T/w/guitar.wasm" "$T/guitar.wav"
node_case node-guitar-48k "$T/w/guitar.wasm" "$T/guitar48k.wav"
node_case node-guitar-set "$T/w/guitar.wasm" "$T/guitar220.wav" f0=220
node_case node-membrane "$T/p/membrane.wasm" "$T/membrane.wav"
node_case node-plate-stereo "$T/w/plate.wasm" "$T/plate.wav"

if [ -s "$T/node-guitar.json" ]; then
	imports=$(js "$T/node-guitar.json" 'r.imports.join(" ")')
	bad=$(for i in $imports; do echo "$ALLOWED_IMPORTS" | tr ' ' '\n' | grep -q -x -F "$i" || printf '%s ' "$i"; done)
	[ -z "$bad" ] && pass imports || fail imports "imports beyond wasi-libc's few: $bad"
	# and every dpm_* function the C header of a model declares
	"$DPMC" build "$REPO/examples/guitar.dpm" -o "$T/hdr.c" 2>/dev/null &&
		EXPORTS="$EXPORTS $(sed -n 's/^[a-z].*[ *]\(dpm_[a-z_]*\)(.*/\1/p' "$T/hdr.h" | sort -u | tr '\n' ' ')"
	missing=$(for e in $EXPORTS; do js "$T/node-guitar.json" "r.exports.includes('$e')" | grep -q true || printf '%s ' "$e"; done)
	[ -z "$missing" ] && pass exports || fail exports "not exported: $missing"
	# the metadata the page shows is the model's, as dpmc info says it
	ok=$(node -e '
		const fs = require("fs"), r = JSON.parse(fs.readFileSync(process.argv[1])).info,
		      i = JSON.parse(fs.readFileSync(process.argv[2]));
		const bad = [];
		if (r.model !== i.model) bad.push("name " + r.model);
		if (r.rate !== i.rate) bad.push("rate " + r.rate);
		if (JSON.stringify(r.outputs) !== JSON.stringify(i.outputs)) bad.push("outputs " + r.outputs);
		if (JSON.stringify(Object.keys(r.params)) !== JSON.stringify(Object.keys(i.params))) bad.push("params " + Object.keys(r.params));
		for (const n in i.params) {
			const a = r.params[n] || {}, b = i.params[n];
			if (a.default !== b.value || a.value !== b.value || a.min !== b.min || a.max !== b.max || !!a.log !== !!b.log)
				bad.push(n + " " + JSON.stringify(a));
		}
		console.log(bad.join("; ") || "ok");' "$T/node-guitar.json" "$T/guitar-info.json" 2>&1)
	[ "$ok" = ok ] && pass metadata || fail metadata "against dpmc info --json: $ok"
fi

# ---- the page in headless chromium: dpmRender through its AudioWorklet ----
# page_case NAME PAGE.html REF.wav [RATE]
page_case() {
	name=$1
	shift
	if node "$W/page.js" "$T/p" "$@" >"$T/$name.json" 2>"$T/err"; then
		close "$name" "$T/$name.json"
	else
		fail "$name" "$(cat "$T/err")"
	fi
}
page_case page-guitar guitar.html "$T/guitar.wav"
page_case page-guitar-48k guitar.html "$T/guitar48k.wav" 48000
page_case page-membrane membrane.html "$T/membrane.wav"
page_case page-glide glide.html "$T/glide.wav"
if [ -s "$T/page-guitar.json" ]; then
	P=$T/page-guitar.json
	[ "$(js "$P" 'r.type')" = Float32Array ] && pass page-float32 || fail page-float32 "dpmRender gave a $(js "$P" r.type)"
	if [ "$(js "$P" 'r.sliders === r.info.params.length && r.info.params.length === 6 && r.buttons.includes("Strike")')" = true ]; then
		pass page-controls
	else
		fail page-controls "$(js "$P" 'r.sliders') sliders for $(js "$P" 'r.info.params.length') params; buttons $(js "$P" 'r.buttons')"
	fi
	# self-contained: the page and its module, from the server, nothing else
	other=$(js "$P" 'r.requests.filter((u) => !/^http:\/\/127\.0\.0\.1:[0-9]+\/guitar\.(html|wasm)$/.test(u)).join(" ")')
	[ -z "$other" ] && pass page-no-network || fail page-no-network "requests: $other"
	said=$(js "$P" 'r.console.join(" | ")')
	[ -z "$said" ] && pass page-console || fail page-console "$said"
	if [ "$(js "$P" 'r.play.state === "running" && r.play.time > 0.2 && !r.play.down.error')" = true ]; then
		pass page-player
	else
		fail page-player "$(js "$P" 'JSON.stringify(r.play)')"
	fi
	# a pitch the grid in force cannot take waits for Strike, which plans a new grid
	if [ "$(js "$P" 'r.play.up.error && /Strike/.test(r.play.up.text) && !r.play.strike.error')" = true ]; then
		pass page-strike-replans
	else
		fail page-strike-replans "$(js "$P" 'JSON.stringify(r.play)')"
	fi
fi

# ---- errors: exit 1, a message naming the file and the fix, nothing written ----
mkdir -p "$T/e" "$T/e/dir.wasm" "$T/e/x.wasm"
expect bad-folder 1 "nodir" -- build "$GUI" -o "$T/e/nodir/m.wasm"
expect bad-folder-is-dir 1 "dir.wasm" -- build "$GUI" -o "$T/e/dir.wasm"
expect bad-page-module 1 "x.wasm.*beside" -- build "$GUI" -o "$T/e/x.html"
only "$T/e" dir.wasm x.wasm && pass bad-nothing-left || fail bad-nothing-left "left: $(ls -A "$T/e")"
# with_env NAME=VALUE... -- EXPECT-ARGS: expect, dpmc run in that environment
with_env() {
	: >"$T/dpmc-env"
	printf '#!/bin/sh\n' >"$T/dpmc-env"
	while [ "$1" != -- ]; do
		printf 'export %s\n' "$(printf '%s' "$1" | sed "s/=\(.*\)/='\1'/")" >>"$T/dpmc-env"
		shift
	done
	shift
	printf 'exec "%s" "$@"\n' "$DPMC" >>"$T/dpmc-env"
	chmod +x "$T/dpmc-env"
	d=$DPMC
	DPMC=$T/dpmc-env
	expect "$@"
	DPMC=$d
}
with_env PATH=/nonexistent -- no-clang 1 "the C compiler 'clang-14' (package clang-14)" -- build "$GUI" -o "$T/e/m.html"
grep -q "apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32" "$T/err" && pass no-clang-packages ||
	fail no-clang-packages "$(head -c 400 "$T/err")"
with_env DPM_WASI_SYSROOT="$T/e" -- no-wasi-libc 1 "wasi-libc (package wasi-libc)" -- build "$GUI" -o "$T/e/m.wasm"
# a clang with neither lld's wasm-ld nor compiler-rt's builtins beside it
mkdir -p "$T/fake/bin"
printf '#!/bin/sh\necho "fake clang: no" >&2\nexit 1\n' >"$T/fake/bin/clang"
chmod +x "$T/fake/bin/clang"
with_env PATH=/nonexistent DPM_CLANG="$T/fake/bin/clang" -- no-lld 1 "wasm-ld (package lld-14)" \
	-- build "$GUI" -o "$T/e/m.wasm"
grep -q "builtins.*libclang-rt-14-dev-wasm32" "$T/err" && pass no-builtins || fail no-builtins "$(head -c 400 "$T/err")"
# a compiler that fails: its message, and no page or module left
mkdir -p "$T/fake/lib/clang/14/lib/wasi"
: >"$T/fake/lib/clang/14/lib/wasi/libclang_rt.builtins-wasm32.a"
cp "$T/fake/bin/clang" "$T/fake/bin/wasm-ld"
with_env DPM_CLANG="$T/fake/bin/clang" -- cc-fails 1 "fake clang: no" -- build "$GUI" -o "$T/e/m.html"
only "$T/e" dir.wasm x.wasm && pass cc-fails-nothing-left || fail cc-fails-nothing-left "left: $(ls -A "$T/e")"
exit 0
