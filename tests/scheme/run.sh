#!/bin/sh
# tests/scheme — dpmc's generated scheme against the same scheme written by
# hand (ref.c), sample for sample, for the generic paths: spatial and
# time-varying coefficients, free ends (2nd and 4th order), free 2D edges
# and corners, initial velocity, distributed force, velocity output, a
# loss that varies in time with point forces and a spring to a mass.
cd "$(dirname "$0")" || exit 1
: "${DPMC:?set DPMC}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpm-scheme.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
if ! ${CC:-cc} -std=c11 -O2 -o "$tmp/ref" ref.c -lsndfile -lm; then
	echo "FAIL scheme_ref_build: ref.c does not compile"
	exit 1
fi
for m in varstring freebar freemem tvloss; do
	grid=$("$DPMC" info $m.dpm --json | sed 's/.*"grid": \[\([^]]*\)\].*/\1/; s/,/ /')
	for backend in tcc cc; do
		if ! "$DPMC" render $m.dpm --raw -d 0.18140589569160998 --backend $backend -o "$tmp/$m.wav"; then
			echo "FAIL scheme_$m_$backend: render failed"
			fails=1
			continue
		fi
		# shellcheck disable=SC2086
		if r=$("$tmp/ref" $m $grid "$tmp/$m.wav"); then
			echo "PASS scheme_${m}_$backend ($r)"
		else
			echo "FAIL scheme_${m}_$backend: $r"
			fails=1
		fi
	done
done
exit $fails
