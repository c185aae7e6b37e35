#!/bin/sh
# tests/docs/run.sh — every command README.md and docs/tutorial.md show
# must do what they say: extract.awk turns their code blocks into steps
# (models saved under the names the text gives, commands in order), run
# here in a scratch folder laid out as the docs assume (./dpmc, dpmc on
# PATH, examples/, ../shared/data/recordings).  A command must exit 0;
# the claims of the text are checked by the table in check() below, one
# explicit check per doc command that claims something checkable, and
# the commands too slow or recursive to run are skipped by name in skip().
# env: DPMC, REPO; DPM_RECORDINGS (else ../shared/data/recordings beside
# the repo, else /work/shared/data/recordings).
# Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
HERE=$REPO/tests/docs
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-docs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
SUITE=docs
. "$REPO/tests/lib.sh"
XDG_CACHE_HOME=$T/cache
HOME=$T/home                    # the REPL's history goes here
export XDG_CACHE_HOME HOME

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi
rdir=${DPM_RECORDINGS:-$REPO/../shared/data/recordings}
[ -d "$rdir" ] || [ -n "${DPM_RECORDINGS:-}" ] || rdir=/work/shared/data/recordings

# cmp_ok EXPR A B: awk's verdict on EXPR over a and b
cmp_ok() {
	awk -v a="$2" -v b="$3" "BEGIN { exit !(a != \"\" && ($1)) }"
}
# first_partial WAV: the strongest peak between 40 and 100 Hz
first_partial() {
	"$T/peaks" "$1" -n 1 --fmin 40 --fmax 100 | awk 'NR == 1 { print $1 }'
}

# skip CMD: why a command is not run (empty: run it)
skip() {
	case $1 in
	'./configure && make demo'*) echo "configures and builds the repository, then make demo (minutes)" ;;
	'make check'*) echo "runs every suite, this one included" ;;
	'make install'*) echo "installs into PREFIX" ;;
	'play '*) echo "plays audio" ;;
	'dpmc train examples/bass_net.dpm'*) echo "trains for a minute or two: make bench runs it (tests/bench/bass_net.sh)" ;;
	'dpmc render examples/bass_net.dpm --params bass_net.json'*) echo "renders what the training above writes" ;;
	esac
}

# check WHERE CMD: the claim of the doc command CMD (its text as shown,
# comment and all), on the files it left in the current folder
check() {
	c=$1
	case $2 in
	'./dpmc render string.dpm -o string.wav -d 2'*|'dpmc render string.dpm -o string.wav -d 2')
		# "2 s of a plucked 220 Hz string"
		n=$(soxi -s string.wav) f=$("$T/peaks" string.wav -n 1 --fmin 100 --fmax 400 | awk 'NR == 1 { print $1 }')
		cmp_ok 'a == 88200 && b > 219 && b < 221' "$n" "$f" ||
			fail "$c" "string.wav: $n frames, peak at $f Hz, want 88200 and 220" ;;
	'./dpmc render string.dpm --set f0=330 -o hi.wav'*)
		f=$("$T/peaks" hi.wav -n 1 --fmin 100 --fmax 600 | awk 'NR == 1 { print $1 }')
		cmp_ok 'a > 329 && a < 331' "$f" || fail "$c" "hi.wav peaks at $f Hz, want 330" ;;
	'./dpmc build string.dpm -o pluck.c'*)
		[ -s pluck.c ] && grep -q 'string_model \*string_create' pluck.h ||
			fail "$c" "no pluck.c, or pluck.h without string_create" ;;
	'./dpmc build string.dpm --set f0=330 -o hi.c'*)
		# "330 Hz its default": the header lists the params' defaults
		[ -s hi.c ] && grep -q 'f0 = 330 ' hi.h || fail "$c" "no hi.c, or hi.h without f0 = 330" ;;
	'./dpmc grad string.dpm --target target.wav --loss spec'*)
		# "the loss and dL/df0"; the text after it says dL/df0 = +0.45
		# here (a bump of the loss between 218 and 221 Hz): when that
		# changes, so must the README
		l=$(json_num loss "$T/out") g=$(json_num f0 "$T/out")
		cmp_ok 'a >= 0 && b > 0.4 && b < 0.5' "$l" "$g" ||
			fail "$c" "printed $(cat "$T/out"); the README says dL/df0 = +0.45" ;;
	'./dpmc fit string.dpm --target target.wav --fit f0 --steps 50'*)
		# "f0 near 222 again", "within 0.2 % of 222 Hz"
		f=$(json_num f0 fitted.json)
		cmp_ok 'a > 221.556 && a < 222.444' "$f" || fail "$c" "f0 = $f, want 222 +- 0.2 %"
		[ -s fitted.wav ] || fail "$c" "no fitted.wav" ;;
	'dpmc render string.dpm --set f0=5000 -o x.wav')
		# shown failing: "f0 = 5000 is outside its range [20, 4000]"
		if [ "$st" = 1 ] && grep -q 'f0 = 5000 is outside its range \[20, 4000\]' "$T/err"; then
			st=0
		else
			fail "$c" "exit $st: $(cat "$T/err")"; st=0
		fi ;;
	'soxi sheet.wav'*)
		grep -q '^Channels *: 2' "$T/out" && grep -q '^Sample Rate *: 44100' "$T/out" ||
			fail "$c" "sheet.wav: $(cat "$T/out")" ;;
	'dpmc grad examples/bass_fit.dpm --target syn.wav --set f0=56.5')
		cp "$T/out" "$T/g565" ;;
	'dpmc grad examples/bass_fit.dpm --target syn.wav --set f0=56.5001')
		# the finite difference agrees with the printed derivative to four digits
		l0=$(json_num loss "$T/g565") g=$(json_num f0 "$T/g565") l1=$(json_num loss "$T/out")
		fd=$(awk -v a="$l0" -v b="$l1" 'BEGIN { printf "%.6g", (b - a) / 0.0001 }')
		cmp_ok 'a - b < 2e-4 * (b < 0 ? -b : b) && b - a < 2e-4 * (b < 0 ? -b : b)' "$fd" "$g" ||
			fail "$c" "finite difference $fd, printed dL/df0 $g" ;;
	'dpmc fit examples/bass_fit.dpm --target $R --fit f0,B,T60lo,T60hi,xe,xo,amp --steps 300'*)
		# the first partial within 1 % of the recording's (64.9 Hz over
		# this second; issue 9's measure), the loss at least 5x down from
		# the start (the tutorial says 0.789 -> 0.066)
		fr=$(first_partial c2.wav) fm=$(first_partial fitted.wav)
		l1=$(json_num loss fitted.json) l0=$(dpmc grad examples/bass_fit.dpm --target c2.wav --loss spec >"$T/g0" && json_num loss "$T/g0")
		cmp_ok 'a > 0.99 * b && a < 1.01 * b' "$fm" "$fr" ||
			fail "$c" "first partial $fm Hz, the recording's $fr Hz"
		cmp_ok 'a <= b / 5 && a < 0.07' "$l1" "$l0" || fail "$c" "loss $l0 -> $l1, not 5x down to about 0.066"
		echo "docs: bass fit: first partial $fm Hz (recording $fr Hz), loss $l0 -> $l1" >&2 ;;
	'dpmc train notes.dpm -r 16000 --data notes.csv --fit tune,T0,kT'*)
		# "the loss falls from 0.105 to a few 1e-5 ... tune 1.000, T0 0.50 s, kT 0.41"
		py='import json, sys; d = json.load(open(sys.argv[1])); p = d["params"]
assert d["loss"] < 1e-4 and abs(p["tune"] - 1) < 5e-4 and abs(p["T0"] - 0.5) < 0.01 and abs(p["kT"] - 0.41) < 0.01, (d["loss"], p)'
		/usr/bin/python3 -c "$py" trained.json 2>"$T/py" || fail "$c" "$(tail -n 1 "$T/py")" ;;
	'dpmc train notes.dpm -r 16000 --data gains.csv'*)
		# "each row's gain (about 0.5 and 2), and T0 near 0.5 s"
		py='import json, sys; d = json.load(open(sys.argv[1])); g = [i["params"]["gain"] for i in d["items"]]
assert abs(g[0] - 0.5) < 0.025 and abs(g[1] - 2) < 0.1 and abs(d["params"]["T0"] - 0.5) < 0.025, (g, d["params"])'
		/usr/bin/python3 -c "$py" gains.json 2>"$T/py" || fail "$c" "$(tail -n 1 "$T/py")" ;;
	'dpmc fit notes.dpm -r 16000 --data notes.csv'*)
		# "T0 0.75 s at note 45 down to 0.45 s at note 60, the teacher's"
		py='import json, math, sys; d = json.load(open(sys.argv[1]))
for i in d["items"]:
    n = i["params"]["note"]; w = 0.5 * math.exp(-0.4 * (n - 57) / 12)
    assert abs(i["params"]["T0"] - w) < 0.02 * w, (n, i["params"]["T0"], w)'
		/usr/bin/python3 -c "$py" each.json 2>"$T/py" || fail "$c" "$(tail -n 1 "$T/py")" ;;
	'dpmc render hammer.dpm -o hammer.wav -d 1 --raw'*)
		# "the total energy ... 0.016 J ... from the first sample to the last"
		py='import sys, numpy as np; b = open(sys.argv[1], "rb").read(); i = b.index(b"data")
E = np.frombuffer(b[i + 8:], dtype="<f4").reshape(-1, 2)[:, 1].astype(float)
assert abs(E - 0.016).max() < 1e-6 * 0.016, (E[0], E.min(), E.max())'
		/usr/bin/python3 -c "$py" hammer.wav 2>"$T/py" || fail "$c" "$(tail -n 1 "$T/py")" ;;
	'dpmc grad examples/piano_hammer.dpm --target struck.wav'*)
		# "dL/dKh < 0: the target's felt is stiffer"
		g=$(json_num Kh "$T/out")
		cmp_ok 'a < 0' "$g" || fail "$c" "dL/dKh = $g, the tutorial says it is negative" ;;
	'dpmc fit examples/piano_hammer.dpm --target struck.wav'*)
		# "Kh = 6.00e9 again, within 0.1 %"
		k=$(json_num Kh felt.json)
		cmp_ok 'a > 5.994e9 && a < 6.006e9' "$k" || fail "$c" "Kh = $k, the tutorial says 6e9 within 0.1 %" ;;
	esac
}

# step WHERE CMD < STDIN: run one doc command in the scratch folder
step() {
	c=$1
	why=$(skip "$2")
	if [ -n "$why" ]; then
		echo "docs: $1: skipped '$2': $why" >&2
		return
	fi
	# `$ cat F` shown with F's text, before F is there: the text to write
	case $2 in
	'cat '[!\>]*) [ -e "${2#cat }" ] || cat >"${2#cat }" ;;
	esac
	# in this shell, so that a variable one command sets (R=c2.wav) is
	# there for the next
	eval "$2" >"$T/out" 2>"$T/err"
	st=$?
	check "$1" "$2"
	if [ "$st" != 0 ]; then
		fail "$c" "'$2' exited $st: $(tail -c 300 "$T/err")"
	else
		pass "$c"
	fi
}
shown() { :; }
# save FILE < TEXT: a model of the docs, saved under its name
save() { cat >"$1"; }
missing() { fail "$1" "$2"; }

# the tools the checks use
peaks

mkdir -p "$T/bin" "$T/home"
ln -s "$DPMC" "$T/bin/dpmc"
PATH=$T/bin:$PATH
export PATH

for doc in README.md docs/tutorial.md; do
	# the layout the docs assume, one per document: the repository's top
	# with ./dpmc and examples/, the recordings at ../shared/data/recordings
	W=$T/$(basename "$doc" .md)/repo
	mkdir -p "$W" "$W/../shared/data"
	ln -s "$DPMC" "$W/dpmc"
	ln -s "$REPO/examples" "$W/examples"
	ln -s "$rdir" "$W/../shared/data/recordings"
	awk -v doc="$doc" -f "$HERE/extract.awk" "$REPO/$doc" >"$T/steps.sh" || {
		fail "$doc" "extract.awk failed"; continue; }
	grep -q '^step ' "$T/steps.sh" || fail "$doc" "no commands found"
	(cd "$W" && . "$T/steps.sh")
done
