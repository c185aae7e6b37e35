#!/bin/sh
# tests/python/run.sh — the dpm Python package (python/dpm) under Debian's
# /usr/bin/python3 with python3-numpy and python3-torch: test_model.py
# (params, set, render and grad against dpmc itself, the build cache,
# errors), test_torch.py (dpm.torch.Render: gradcheck in double, batches,
# a short training loop), and the examples of docs/python.md run as
# written.  One cache folder for the whole run, inside the scratch folder,
# so each model is built once.
# env: DPMC, REPO, CC.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-py.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
SUITE=python
. "$REPO/tests/lib.sh"
XDG_CACHE_HOME=$T/cache
TMPDIR=$T/tmp
HOME=$T/home
PYTHONPATH=$REPO/python:$REPO/tests/python
PYTHONDONTWRITEBYTECODE=1       # no __pycache__ in the source tree
PY=/usr/bin/python3
export XDG_CACHE_HOME TMPDIR HOME PYTHONPATH PYTHONDONTWRITEBYTECODE REPO DPMC T
mkdir -p "$T/tmp" "$T/home"

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi
if ! "$PY" -c 'import numpy' 2>"$T/err"; then
	fail setup "$PY cannot import numpy: run ./configure as root (it installs python3-numpy)"
	exit 1
fi

# script NAME: run tests/python/NAME.py; its own PASS/FAIL lines, and a
# FAIL if it dies without one
script() {
	"$PY" "$REPO/tests/python/$1.py" >"$T/$1.out" 2>"$T/$1.err"
	s=$?
	cat "$T/$1.out"
	if [ "$s" != 0 ] && ! grep -q '^FAIL ' "$T/$1.out"; then
		fail "$1" "exit $s: $(tail -n 5 "$T/$1.err")"
	fi
}

script test_model
if "$PY" -c 'import torch' 2>"$T/err"; then
	script test_torch
	script test_docs
else
	fail torch "$PY cannot import torch: run ./configure as root (it installs python3-torch)"
fi
