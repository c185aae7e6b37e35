# tests/lib.sh — what the shell suites share.  A suite sets SUITE (its
# name in the PASS/FAIL lines) and DPMC, sources this file, and makes its
# scratch folder T (with scratch, or by itself) before it calls run or
# expect:
#   . "$REPO/tests/lib.sh"
#   scratch NAME

# scratch NAME: $T, a folder removed at exit that holds the suite's own
# cache of compiled models and its TMPDIR
scratch() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/dpm-$1.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT INT TERM
	XDG_CACHE_HOME=$T/cache
	TMPDIR=$T/tmp
	export XDG_CACHE_HOME TMPDIR
	mkdir -p "$T/tmp"
}

pass() { echo "PASS $SUITE/$1"; }
fail() { echo "FAIL $SUITE/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 400)"; }

# run CMD...: stdout in $T/out, stderr in $T/err, the status in $st
run() {
	"$@" >"$T/out" 2>"$T/err"
	st=$?
}

# expect NAME STATUS STDERR_PATTERN -- dpmc args...: the status, the
# message, and for a failure nothing on stdout
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	run "$DPMC" "$@"
	if [ "$st" != "$want" ]; then
		fail "$name" "exit $st, want $want ($(head -c 300 "$T/err"))"
	elif [ -n "$pat" ] && ! grep -q -e "$pat" "$T/err"; then
		fail "$name" "stderr lacks '$pat': $(head -c 300 "$T/err")"
	elif [ "$st" != 0 ] && [ -s "$T/out" ]; then
		fail "$name" "a failure printed on stdout: $(head -c 200 "$T/out")"
	else
		pass "$name"
	fi
}

# peak_mb NAME MB WHAT -- CMD...: CMD's peak memory (ru_maxrss) below MB
# megabytes; nothing when /usr/bin/time is missing or dpmc runs under a
# sanitizer (whose shadow memory counts)
peak_mb() {
	name=$1 mb=$2 what=$3
	shift 4
	[ -x /usr/bin/time ] && ! ldd "$DPMC" 2>/dev/null | grep -q 'libasan\|libtsan' || return 0
	if /usr/bin/time -f '%M' -o "$T/rss" "$@" >/dev/null 2>"$T/err"; then
		kb=$(tail -n 1 "$T/rss")
		awk -v k="$kb" -v m="$mb" 'BEGIN { exit !(k / 1024 < m) }' &&
			pass "$name ($what: $((kb / 1024)) MB)" || fail "$name" "$what peaked at $((kb / 1024)) MB"
	else
		fail "$name" "$(head -c 300 "$T/err")"
	fi
}

# json_num KEY FILE: the number after "KEY": in FILE
json_num() {
	sed -n "s/.*\"$1\": \\([-+0-9.eE]*\\).*/\\1/p" "$2" | head -n 1
}

# within A B REL: |A - B| <= REL |B|, both numbers
within() {
	awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(a != "" && b != "" && d <= r * m) }'
}

# peaks: $T/peaks, tests/tools/peaks.c built (the partials of a WAV), or
# a FAIL line and the suite ends
peaks() {
	${CC:-cc} -O2 -o "$T/peaks" "$REPO/tests/tools/peaks.c" "$REPO/tests/tools/sig.c" -lsndfile -lfftw3 \
		-lm 2>"$T/cc.err" || { fail tools "cannot build tests/tools/peaks: $(cat "$T/cc.err")"; exit 1; }
}

# check NAME SCRIPT ARGS...: a Python check (stdin as given) that prints
# ok when it passes, else why not
check() {
	n=$1
	shift
	r=$(/usr/bin/python3 "$@" 2>&1)
	[ "$r" = ok ] && pass "$n" || fail "$n" "$r"
}

# GENOPT: how the tests compile a model's generated C with their drivers.
# They check what it computes, not how fast: -O0 compiles a 2D chain's
# 800 kB of C in a sixth of -O2's time, and x86-64's baseline has no FMA
# to contract into, so the bits are the same.
GENOPT=${GENOPT:--O0}

# drift NAME MODEL CH [BUILD ARGS...]: MODEL built by `dpmc build ARGS`
# with tests/energy/drift.c and run 2e4 steps, its energy on channel CH:
# "drift rise E0" in $T/NAME.out; status 0 when it all ran.  A model over
# x and y spends its time in those steps, not in cc: -O1 for it where
# GENOPT is -O0, the same bits (tests/energy's membrane with a spring at
# its free edge ran 41 s at -O0, 9.5 s at -O1).  (drift_run is the same,
# for a suite that defines a drift of its own over it: tests/energy)
drift() {
	drift_run "$@"
}
drift_run() {
	dn=$1 dm=$2 dc=$3
	shift 3
	dp=$(sed -n 's/^model //p' "$dm")
	do=$GENOPT
	[ "$do" = -O0 ] && grep -q '^domain .*, *y in' "$dm" && do=-O1
	mkdir -p "$T/$dn"
	"$DPMC" build "$dm" -o "$T/$dn/$dp.c" "$@" 2>"$T/err" &&
	${CC:-cc} $do -I"$T/$dn" -DM_H="\"$dp.h\"" -DP="${dp}_" -DCH="$dc" -o "$T/$dn/drift" \
		"$REPO/tests/energy/drift.c" "$T/$dn/$dp.c" -lm 2>>"$T/err" &&
	"$T/$dn/drift" 20000 >"$T/$dn.out" 2>>"$T/err"
}

# conserved NAME MODEL CH TOL [BUILD ARGS...]: its energy's relative drift
# over 2e4 steps at most TOL
conserved() {
	cn=$1 cm=$2 cch=$3 ct=$4
	shift 4
	if drift "$cn" "$cm" "$cch" "$@"; then
		d=$(awk '{ print $1 }' "$T/$cn.out")
		awk -v d="$d" -v t="$ct" 'BEGIN { exit !(d <= t) }' && pass "$cn" ||
			fail "$cn" "relative drift $d over 2e4 steps, want <= $ct"
	else
		fail "$cn" "$(head -c 300 "$T/err")"
	fi
}
