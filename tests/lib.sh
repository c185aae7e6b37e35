# tests/lib.sh — what the shell suites share.  A suite sets SUITE (its
# name in the PASS/FAIL lines), and T (its scratch folder) and DPMC before
# it calls run or expect, then sources this file:
#   . "$REPO/tests/lib.sh"

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

# json_num KEY FILE: the number after "KEY": in FILE
json_num() {
	sed -n "s/.*\"$1\": \\([-+0-9.eE]*\\).*/\\1/p" "$2" | head -n 1
}

# within A B REL: |A - B| <= REL |B|, both numbers
within() {
	awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(a != "" && b != "" && d <= r * m) }'
}
