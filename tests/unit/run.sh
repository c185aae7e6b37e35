#!/bin/sh
# Build and run the C unit tests from the repository root, with the
# sanitizers on.  CC overrides the compiler.  Exits 1 on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
CC=${CC:-cc}
CFLAGS="-std=c11 -Wall -Wextra -Wpedantic -fsanitize=address,undefined -fno-sanitize-recover=all -g"
out=$(mktemp -d /tmp/dpm_unit.XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT
status=0

# unit NAME SOURCES...: compile tests/unit/NAME.c with SOURCES and run it
unit() {
	name=$1
	shift
	if ! $CC $CFLAGS -Icompiler -Icompiler/front -Icompiler/middle -Icompiler/back -Icompiler/cli "$@" "tests/unit/$name.c" -lm -o "$out/$name"; then
		echo "FAIL $name (build)"
		status=1
		return
	fi
	if ! "$out/$name"; then
		status=1
	fi
}

unit expr_test compiler/util.c runtime/msg.c compiler/middle/expr.c
unit diff_test compiler/util.c runtime/msg.c compiler/middle/expr.c compiler/middle/diff.c
unit step_test compiler/util.c runtime/msg.c compiler/middle/step.c

exit $status
