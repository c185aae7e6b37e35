#!/bin/sh
# tests/step/run.sh — the step program (compiler/middle/step.c, `dpmc emit
# --stage step`): the dump of each small model here equals its golden
# file beside it (NAME.step; after a deliberate change to the program,
# regenerate with `dpmc emit NAME.dpm --stage step > NAME.step` and read
# the diff); every example's program is built and checked.  The checker
# itself is unit-tested (tests/unit/step_test.c); that the backends
# walking the program compute the same bits is tests/llvm's and tests/api's.
# env: DPMC, REPO.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
SUITE=step
. "$REPO/tests/lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-step.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

for m in pluck struck plate parts tension; do
	if ! "$DPMC" emit "$REPO/tests/step/$m.dpm" --stage step >"$T/$m.step" 2>"$T/err"; then
		fail "golden_$m" "$(cat "$T/err")"
	elif ! diff -u "$REPO/tests/step/$m.step" "$T/$m.step" >"$T/diff"; then
		fail "golden_$m" "$(head -20 "$T/diff")"
	else
		pass "golden_$m"
	fi
done

# every example: a program whose forward ops end in a rotation and whose
# adjoint (when it has one: not yet for several parts) starts with the
# sweep's transpose
bad=
for f in "$REPO"/examples/*.dpm; do
	if ! "$DPMC" emit "$f" --stage step -I "$REPO/stdlib" >"$T/s" 2>"$T/err"; then
		bad="$bad $(basename "$f"): $(head -c 200 "$T/err")"
		continue
	fi
	awk '/^step n:/ { f = 1; next } /^adjoint/ { f = 0; a = 1; next }
	     f { last = $1 } a && !first { first = $1 }
	     END { exit !(last == "rotate" && (!a || first == "adj_sweep")) }' "$T/s" ||
		bad="$bad $(basename "$f")"
done
[ -z "$bad" ] && pass examples || fail examples "$bad"

# the REPL shows it too
printf 'load %s\nemit step\n' "$REPO/tests/step/pluck.dpm" | "$DPMC" repl >"$T/repl" 2>&1
grep -q '^  adj_sweep' "$T/repl" && pass repl || fail repl "$(head -c 300 "$T/repl")"
