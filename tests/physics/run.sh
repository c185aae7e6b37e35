#!/bin/sh
# tests/physics/run.sh — dpmc's schemes against physics in closed form.
#
#   DPMC=./dpmc REPO=. sh tests/physics/run.sh
#
# Prints `PASS name` or `FAIL name: why` per check; exits 1 if any failed.
# Builds the measurement tools (tests/tools) with ${CC:-cc} into a temp
# folder.  Each check says beside it what it compares and why it can fail.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/physics
TOOLS=$REPO/tests/tools
T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-physics.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
nfail=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }
# details of a passing check, with VERBOSE=1
note() { [ -z "$VERBOSE" ] || echo "  $*"; }

# ---- JSON fields of `dpmc info --json` (one flat object; no jq needed) ----
# jnum FILE KEY [INDEX]: the number after "KEY": (INDEX-th of an array)
jnum() {
	tr -d '\n' <"$1" | awk -v key="$2" -v idx="${3:-1}" '{
		i = index($0, "\"" key "\"")
		if (!i) exit 1
		s = substr($0, i + length(key) + 2)
		sub(/^[ \t]*:[ \t]*\[?/, "", s)
		for (n = 1; n < idx; n++) sub(/^[^,]*,[ \t]*/, "", s)
		match(s, /^[-+0-9.eE]+/)
		if (!RLENGTH || RLENGTH < 0) exit 1
		print substr(s, 1, RLENGTH)
	}'
}
# jparam FILE NAME: the value of param NAME
jparam() {
	tr -d '\n' <"$1" | awk -v key="$2" '{
		i = index($0, "\"params\"")
		s = substr($0, i)
		i = index(s, "\"" key "\"")
		if (!i) exit 1
		s = substr(s, i)
		i = index(s, "\"value\"")
		s = substr(s, i + 7)
		sub(/^[ \t]*:[ \t]*/, "", s)
		match(s, /^[-+0-9.eE]+/)
		if (RLENGTH <= 0) exit 1
		print substr(s, 1, RLENGTH)
	}'
}

# ---- the tools ----
for t in peaks decay; do
	$CC -O2 -o "$T/$t" "$TOOLS/$t.c" "$TOOLS/sig.c" -lsndfile -lfftw3 -lm \
	    2>"$T/cc.err" || { cat "$T/cc.err"; echo "FAIL tools: cannot build $t"; exit 1; }
done
$CC -O2 -o "$T/mksig" "$TOOLS/mksig.c" -lsndfile -lm 2>"$T/cc.err" ||
	{ cat "$T/cc.err"; echo "FAIL tools: cannot build mksig"; exit 1; }

# tools_peaks: sums of sinusoids with known frequencies and amplitudes
# (one 80 dB down, one with a phase), float and 24-bit PCM, channel 1 of
# two: every frequency within 1e-6 relative, amplitudes within 1e-3 (float
# file: amplitudes are in the file's units).
"$T/mksig" "$T/s.wav" -d 4 -c 1 110.123456:1 220.5:0.3 1234.5678:0.01 \
	3000.25:1e-4:0:1 -c 0 500:1 &&
"$T/mksig" "$T/p.wav" -d 3 -r 48000 --pcm 97.531:1 1500.75:0.5 7777.7:0.2 &&
"$T/peaks" "$T/s.wav" -c 1 -n 4 >"$T/s.peaks" &&
"$T/peaks" "$T/p.wav" -n 3 >"$T/p.peaks" &&
r=$( { printf '110.123456 1\n220.5 0.3\n1234.5678 0.01\n3000.25 1e-4\n' | paste -d' ' - "$T/s.peaks"
	printf '97.531 -1\n1500.75 -1\n7777.7 -1\n' | paste -d' ' - "$T/p.peaks"; } |
	awk 'function abs(x) { return x < 0 ? -x : x }
	NF != 4 { print "wrong peak count"; exit }
	abs($3 - $1) / $1 > 1e-6 { printf "%s Hz measured %s; ", $1, $3 }
	$2 > 0 && abs($4 - $2) / $2 > 1e-3 { printf "amp %s measured %s; ", $2, $4 }') ||
	r="tool failed"
[ -z "$r" ] && pass tools_peaks || fail tools_peaks "$r"

# tools_decay: exponentially decaying partials (rates 2.3, 6.9, 6.0 1/s)
# next to each other: each rate within 1%.
"$T/mksig" "$T/d.wav" -d 3 100.3:1:2.3 200.1:0.5:6.9 2039.6:0.2:6.0 &&
r=$(for fr in 100:2.3 200:6.9 2000:6.0; do
	f=${fr%:*}; want=${fr#*:}
	got=$("$T/decay" "$T/d.wav" --freq "$f" 2>/dev/null) || { echo "decay failed; "; continue; }
	echo "$got" | awk -v want="$want" -v f="$f" '{
		e = ($1 - want) / want; if (e < 0) e = -e
		if (e > 0.01 || $2 <= 0) printf "%s Hz: rate %s, want %s; ", f, $1, want }'
done) || r="tool failed"
[ -z "$r" ] && pass tools_decay || fail tools_decay "$r"

if [ ! -x "$DPMC" ]; then
	fail dpmc "no executable at $DPMC"
	exit 1
fi

# ---- modal frequencies against the discrete closed forms (modes.awk) ----
# modal NAME MODEL KIND NMODES FMAX: render 4 s of the lossless model
# (--raw), take its peaks, compare with modes.awk for the k, N, h that
# `info --json` reports (compare.awk: 1e-4 relative, and the continuous
# closed form must miss by more than 1e-3 so the test is sensitive).
modal() {
	name=$1 model=$HERE/$2 kind=$3 nm=$4 fmax=$5
	if ! "$DPMC" info "$model" --json >"$T/$name.json" 2>"$T/$name.err"; then
		fail "$name" "dpmc info: $(head -c 300 "$T/$name.err")"; return
	fi
	k=$(jnum "$T/$name.json" k) nx=$(jnum "$T/$name.json" grid 1)
	hx=$(jnum "$T/$name.json" h 1)
	ny=0 hy=1 g=0 kap=0 c=0
	case $kind in
	string) g=$(awk -v f0="$(jparam "$T/$name.json" f0)" 'BEGIN { print 2 * f0 }') ;;
	stiff) f0=$(jparam "$T/$name.json" f0) B=$(jparam "$T/$name.json" B)
		g=$(awk -v f0="$f0" 'BEGIN { printf "%.17g", 2 * f0 }')
		kap=$(awk -v g="$g" -v B="$B" 'BEGIN { printf "%.17g", sqrt(B) * g / atan2(0, -1) }') ;;
	membrane) c=$(jparam "$T/$name.json" c) ;;
	plate) kap=$(jparam "$T/$name.json" kappa) ;;
	esac
	case $kind in membrane|plate)
		ny=$(jnum "$T/$name.json" grid 2) hy=$(jnum "$T/$name.json" h 2) ;;
	esac
	if [ -z "$k" ] || [ -z "$nx" ] || [ -z "$hx" ] || [ -z "$ny" ] || [ -z "$hy" ]; then
		fail "$name" "cannot read k, grid, h from info --json: $(head -c 300 "$T/$name.json")"
		return
	fi
	awk -v kind="$kind" -v k="$k" -v nx="$nx" -v hx="$hx" -v ny="$ny" \
	    -v hy="$hy" -v g="$g" -v kap="$kap" -v c="$c" -v fmax="$fmax" \
	    -f "$HERE/modes.awk" | sort -g >"$T/$name.exp"
	[ -s "$T/$name.exp" ] || { fail "$name" "no closed-form mode below $fmax Hz"; return; }
	if ! "$DPMC" render "$model" -o "$T/$name.wav" -d 4 --raw 2>"$T/$name.err"; then
		fail "$name" "dpmc render: $(head -c 300 "$T/$name.err")"; return
	fi
	"$T/peaks" "$T/$name.wav" -n 200 --fmin 5 --fmax "$fmax" >"$T/$name.peaks" ||
		{ fail "$name" "peaks failed"; return; }
	r=$(awk -v m="$nm" -v tol=1e-4 -v sep=3 -v nstrong=5 -f "$HERE/compare.awk" \
	    "$T/$name.exp" "$T/$name.peaks")
	case $r in
	ok*) pass "$name"; note "$name: $r" ;;
	*) fail "$name" "${r#bad }" ;;
	esac
}

modal modes_string string.dpm string 8 2500
modal modes_stiff_ss stiff.dpm stiff 8 2500
modal modes_membrane membrane.dpm membrane 10 1000
modal modes_plate_ss plate.dpm plate 8 1500

# ---- free-free bar: partial ratios vs Euler-Bernoulli ----
# Continuous free-free modes: cos(bL) cosh(bL) = 1, bL = 4.7300, 7.8532,
# 10.9956, 14.1372; f ~ (bL)^2, so f2/f1 = 2.7565, f3/f1 = 5.4039, f4/f1
# = 8.9330.  The discrete scheme (NSS 7.1.2 free ghosts) tends to these as
# h -> 0; at N = 66 the dispersion of mode 4 is < 0.5%, so 2% is the check.
# The rigid-body modes sit at 0 Hz and are skipped by --fmin 5.  A scheme
# with simply supported ends has ratios 4, 9, 16 and fails; clamped-clamped
# has the same ratios as free-free, so the second output, u at the end
# x = 0, must move: its f1 amplitude at least half that at x = 0.02 (a
# free end is an antinode; a clamped one stays at 0).
bar() {
	name=bar_free_free
	if ! "$DPMC" render "$HERE/bar.dpm" -o "$T/bar.wav" -d 4 --raw 2>"$T/bar.err"; then
		fail $name "dpmc render: $(head -c 300 "$T/bar.err")"; return
	fi
	"$DPMC" info "$HERE/bar.dpm" --json >"$T/bar.json" 2>/dev/null
	kap=$(jparam "$T/bar.json" kappa)
	"$T/peaks" "$T/bar.wav" -n 30 --fmin 5 --fmax 2000 >"$T/bar.peaks" ||
		{ fail $name "peaks failed"; return; }
	r=$(awk -v kap="${kap:-5}" 'function abs(x) { return x < 0 ? -x : x }
	{ f[NR - 1] = $1; a[NR - 1] = $2; if ($2 > top) top = $2; n = NR }
	END {
		want[2] = 2.7565; want[3] = 5.4039; want[4] = 8.9330
		# partials: peaks above 1e-4 of the strongest, lowest first
		for (i = 0; i < n; i++) if (a[i] > 1e-4 * top) p[++m] = f[i]
		if (m < 4) { printf "only %d partials", m; exit }
		# f1 against the continuous (beta L)^2 kappa / (2 pi): 2%
		f1 = 4.730041^2 * kap / (2 * atan2(0, -1))
		if (abs(p[1] - f1) / f1 > 0.02)
			printf "f1 %.4f Hz, Euler-Bernoulli %.4f; ", p[1], f1
		for (j = 2; j <= 4; j++)
			if (abs(p[j] / p[1] - want[j]) / want[j] > 0.02)
				printf "f%d/f1 = %.4f, want %.4f; ", j, p[j] / p[1], want[j]
	}' "$T/bar.peaks")
	"$T/peaks" "$T/bar.wav" -c 1 -n 30 --fmin 5 --fmax 2000 >"$T/bar1.peaks" ||
		{ fail $name "peaks -c 1 failed"; return; }
	r="$r$(awk 'function abs(x) { return x < 0 ? -x : x }
		FNR == NR { if ($2 > top) { top = $2; f = $1 } next }
		abs($1 - f) < 1e-3 * f { a = $2 }
		END { if (a < 0.5 * top) printf "end x = 0 barely moves at the strongest partial (%.3g vs %.3g): not free", a, top }' \
		"$T/bar.peaks" "$T/bar1.peaks")"
	[ -z "$r" ] && { pass $name; note "$name: partials $(awk '{ printf "%.4f ", $1 }' "$T/bar.peaks" | cut -c1-80)"; } ||
		fail $name "$r"
}
bar

# ---- loss: decay times asked through stdlib loss.dpm ----
# sigma0 + sigma1 zeta(w) is the amplitude decay rate of the partial at w,
# zeta(w) = 2 w^2 / (g^2 + sqrt(g^4 + 4 kap^2 w^2)); the model asks T1 at
# 100 Hz and T2 at 2 kHz.  The partial nearest 100 Hz (p = 1) must decay in
# T1 within 5%; the one nearest 2 kHz (p = 20, at 20 f0 sqrt(1 + 400 B) =
# 2039.6 Hz) in the T60 that sigma0, sigma1 give at its measured frequency
# (0.96 T2: 4% from T2 itself), within 5%.  sigma0, sigma1 are recomputed
# here from the closed form, independently of the stdlib.  Without sigma1
# (or with the wrong zeta) both partials would share one T60 and fail.
loss() {
	name=loss_t60
	m=$HERE/loss_string.dpm
	if ! "$DPMC" info "$m" --json >"$T/loss.json" 2>"$T/loss.err" ||
	   ! "$DPMC" render "$m" -o "$T/loss.wav" -d 3 --raw 2>>"$T/loss.err"; then
		fail $name "dpmc: $(head -c 300 "$T/loss.err")"; return
	fi
	f0=$(jparam "$T/loss.json" f0) B=$(jparam "$T/loss.json" B)
	T1=$(jparam "$T/loss.json" T1) T2=$(jparam "$T/loss.json" T2)
	"$T/peaks" "$T/loss.wav" -n 40 --fmin 50 --fmax 2600 >"$T/loss.peaks" ||
		{ fail $name "peaks failed"; return; }
	r="" det=""
	for f in 100 2000; do
		fm=$(awk -v f=$f 'function abs(x) { return x < 0 ? -x : x }
			NR == 1 || abs($1 - f) < abs(b - f) { b = $1 } END { print b }' "$T/loss.peaks")
		got=$("$T/decay" "$T/loss.wav" --freq "$f" --t0 0.05 2>/dev/null) ||
			{ r="$r decay failed at $f Hz;"; continue; }
		det="$det partial $fm Hz: rate T60 = $got;"
		r="$r$(echo "$got" | awk -v f0="$f0" -v B="$B" -v T1="$T1" -v T2="$T2" \
		    -v fm="$fm" -v f="$f" '
		function zeta(w) { return 2 * w * w / (g * g + sqrt(g ^ 4 + 4 * kap * kap * w * w)) }
		{
			pi = atan2(0, -1); g = 2 * f0; kap = sqrt(B) * g / pi
			r1 = 3 * log(10) / T1; r2 = 3 * log(10) / T2
			z1 = zeta(2 * pi * 100); z2 = zeta(2 * pi * 2000)
			s1 = (r2 - r1) / (z2 - z1); s0 = r1 - s1 * z1
			want = 3 * log(10) / (s0 + s1 * zeta(2 * pi * fm))
			e = ($2 - want) / want; if (e < 0) e = -e
			if (e > 0.05)
				printf " partial %.2f Hz: T60 %.4f s, want %.4f s;", fm, $2, want
		}')"
	done
	[ -z "$r" ] && { pass $name; note "$name:$det"; } || fail $name "$r"
}
loss

# ---- energy of the scheme, step by step (energy.c) ----
# energy NAME MODEL PREFIX KIND COEF2 S0
energy() {
	name=$1
	if ! "$DPMC" build "$HERE/$2" -o "$T/$name.c" 2>"$T/$name.err"; then
		fail "$name" "dpmc build: $(head -c 300 "$T/$name.err")"; return
	fi
	if ! $CC -O2 -I"$T" -DP="$3" -DHDR="\"$name.h\"" -o "$T/$name" \
	    "$HERE/energy.c" "$T/$name.c" -lm 2>"$T/$name.err"; then
		fail "$name" "cc: $(head -c 300 "$T/$name.err")"; return
	fi
	if out=$("$T/$name" "$4" "$5" "$6" 100000); then
		pass "$name"
		note "$name: $out"
	else
		fail "$name" "$(echo "$out" | tail -n 1)"
	fi
}
# string: gamma = 2 f0 = 440; membrane: c = 200; plate: kappa = 20
energy energy_string string.dpm phys_string string 193600 0
energy energy_string_loss string.dpm phys_string string 193600 2
energy energy_membrane membrane.dpm phys_membrane membrane 40000 0
energy energy_membrane_loss membrane.dpm phys_membrane membrane 40000 2
energy energy_plate_ss plate.dpm phys_plate plate 400 0
energy energy_plate_ss_loss plate.dpm phys_plate plate 400 2

# ---- a force at a free end (language.md 4: S delta(x - X) adds S at X) ----
# A string fixed at 0, free at 1, pulled at its free end by F, settles
# where T u.x = F: u(1) = F L / T = 0.01 (T = rho c^2 = 100 N).  The end
# point weighs half a cell; a spread over a whole cell gave half the pull
# (0.005).  The same string as a model's second field (a chain).
# end_force NAME MODEL [WANT [SED]]
end_force() {
	want=${3:-0.01}
	sed "${4:-s/^//}" "$HERE/$2" >"$T/$1.dpm"
	if ! "$DPMC" render "$T/$1.dpm" -d 2 --raw --double -o "$T/$1.wav" 2>"$T/$1.err"; then
		fail "$1" "dpmc render: $(head -c 300 "$T/$1.err")"; return
	fi
	size=$(wc -c <"$T/$1.wav")
	u=$(od -A n -t f8 -j $((size - 8)) "$T/$1.wav" | tr -d ' ')
	if awk -v u="$u" -v w="$want" 'BEGIN { d = u / w - 1; exit !(d < 1e-9 && d > -1e-9) }'; then
		pass "$1"
		note "$1: u(1) = $u"
	else
		fail "$1" "u(1) = $u after 2 s, want $want"
	fi
}
end_force end_force_grid end_force.dpm
end_force end_force_chain end_force_chain.dpm
# The end attached to a mass on a spring Kb = 300 (language.md 11.1): the
# pull F at X moves it to b = F / (Kb + T / L) = 1 / 400 at the end
# itself (the object's share is all of it: before, the held end point
# dropped it and nothing moved); at X = 0.9995, inside the end's cell,
# 1 / (T ((1 + 3 (1 - X)) / X + 3)) from the two slopes' balance
end_force end_force_attached end_force_attached.dpm 0.0025
end_force end_force_attached_cell end_force_attached.dpm 0.00249875 's/delta(x - 1)/delta(x - 0.9995)/'
end_force end_force_attached_chain end_force_attached_chain.dpm 0.0025
end_force end_force_attached_chain_cell end_force_attached_chain.dpm 0.00249875 's/delta(x - 1)/delta(x - 0.9995)/'

# A drift term (a first derivative, cone.dpm): planned, stable and at the
# string's modes n c / 2L (before: "unstable on every grid"); then with a
# loss and a drift of constant coefficient (p.tt = c^2 p.xx + a p.x: its
# modes those of the string, the drift a weight exp(a x / c^2) away, at
# second order in a), the amplitude bounded over 20 s
if ! "$DPMC" render "$HERE/cone.dpm" -d 2 -o "$T/cone.wav" 2>"$T/cone.err"; then
	fail cone_webster "dpmc render: $(head -c 300 "$T/cone.err")"
elif ! "$T/peaks" "$T/cone.wav" -n 3 --fmax 1200 >"$T/cone.peaks"; then
	fail cone_webster "peaks failed"
elif awk 'NR <= 3 { f[NR] = $1 } END { for (n = 1; n <= 3; n++) { d = f[n] / (343 * n) - 1;
	if (d > 1e-3 || d < -1e-3) exit 1 } }' "$T/cone.peaks"; then
	pass cone_webster
	note "cone: $(awk '{ printf "%s ", $1 }' "$T/cone.peaks")"
else
	fail cone_webster "modes $(awk '{ printf "%s ", $1 }' "$T/cone.peaks"), want 343, 686, 1029 Hz within 0.1 %"
fi
sed 's/2 \/ x \* p.x)/2 \/ x * p.x) - 2 * p.t/' "$HERE/cone.dpm" >"$T/cone_loss.dpm"
printf 'model drift\nparam c = 343 in [100, 1000]\nparam a = 3e4 in [0, 1e6]\ndomain x in [0, 1]\nfield p(x)\npde p.tt = c^2 * p.xx + a * p.x - 0.5 * p.t\nboundary x = 0, x = 1: fixed\ninit p = 0.01 * max(0, 1 - abs(x - 0.23) / 0.03)\noutput out = p(0.47)\n' >"$T/drift.dpm"
for m in cone_loss drift; do
	if ! "$DPMC" render "$T/$m.dpm" -d 20 -r 8000 --raw -o "$T/$m.wav" 2>"$T/$m.err"; then
		fail "${m}_bounded" "dpmc render: $(head -c 300 "$T/$m.err")"
	elif sox "$T/$m.wav" -n trim 0 1 stat 2>"$T/$m.s0" && sox "$T/$m.wav" -n trim 19 1 stat 2>"$T/$m.s1" &&
	     awk -v a="$(awk '/Maximum amplitude/ { print $3 }' "$T/$m.s0")" \
	         -v b="$(awk '/Maximum amplitude/ { print $3 }' "$T/$m.s1")" 'BEGIN { exit !(a > 0 && b <= a) }'; then
		pass "${m}_bounded"
	else
		fail "${m}_bounded" "the last second's peak over the first's: $(awk '/Maximum amplitude/ { print $3 }' "$T/$m.s0" "$T/$m.s1" | tr '\n' ' ')"
	fi
done

[ "$nfail" -eq 0 ]
