#!/bin/sh
# run.sh — mutation fuzzing of the front end through `dpmc check`, and of
# the sound files and params files dpmc reads (grad --target, --params).
#
#   DPMC=path/to/dpmc sh tests/fuzz/run.sh [CASES_PER_FILE]
#
# Builds mutate.c, makes CASES_PER_FILE (default 20) deterministic mutants
# of every corpus/*.dpm, and runs `timeout 5 $DPMC check` on each, then
# `$DPMC render -d 0.001` on those the checker accepts.  Any
# exit status other than 0 or 1 (a crash, a signal, an abort, a timeout),
# or an internal error said, is a failure: the mutant is kept in
# tests/fuzz/failures/ to replay.

if [ -z "$DPMC" ]; then
	echo "run.sh: set DPMC to the dpmc binary" >&2
	exit 2
fi
case $DPMC in
*/*) DPMC=$(cd "$(dirname "$DPMC")" && pwd)/$(basename "$DPMC") ;;
esac
per=${1:-20}
cd "$(dirname "$0")" || exit 2
here=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dpmfuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-cc} -std=c11 -O1 -o "$tmp/mutate" mutate.c || exit 2
unset DPM_PATH
# a sanitizer's report must not pass for a model error (status 1)
ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=87}
export ASAN_OPTIONS UBSAN_OPTIONS

n=0
rendered=0
bad=0
for f in corpus/*.dpm; do
	base=$(basename "$f" .dpm)
	s=1
	while [ $s -le "$per" ]; do
		seed=$(( $(printf '%s' "$base" | cksum | cut -d' ' -f1) % 100000 * 1000 + s ))
		"$tmp/mutate" $seed < "$f" > "$tmp/case.dpm"
		timeout 5 "$DPMC" check -I ../../stdlib "$tmp/case.dpm" > /dev/null 2> "$tmp/err"
		rc=$?
		n=$((n + 1))
		# a mutant the checker accepts goes through the whole pipeline:
		# discretise, stability analysis, emit, TinyCC, 1 ms of audio
		if [ $rc -eq 0 ]; then
			timeout 20 "$DPMC" render -I ../../stdlib "$tmp/case.dpm" -d 0.001 --raw \
				-o "$tmp/case.wav" > /dev/null 2> "$tmp/err"
			rc=$?
			rendered=$((rendered + 1))
		fi
		# and an internal error (dpmc's own bug: TinyCC refused or warned
		# about the C it made) is one too, whatever its status
		grep -q 'internal error' "$tmp/err" && rc=70
		if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
			mkdir -p "$here/failures"
			cp "$tmp/case.dpm" "$here/failures/$base.$seed.dpm"
			echo "FAIL $base seed $seed: exit status $rc (kept in tests/fuzz/failures/$base.$seed.dpm)"
			tail -3 "$tmp/err" | sed 's/^/    /'
			bad=$((bad + 1))
		fi
		s=$((s + 1))
	done
done
# The data paths: mutants of the sound files in wav/ as grad targets
# (rt_wav_read) and of the params files in json/ as --params
# (cli_params.c), against the ideal string.  No CSV is read from the
# user (the REPL reads back only the loss curve dpmc wrote itself).
model=corpus/ideal_string.dpm
ndata=0
data_case() {    # data_case FILE SEED EXT [bin] -- dpmc args with CASE for the mutant
	f=$1 seed=$2 ext=$3
	shift 3
	if [ "$1" = bin ]; then
		"$tmp/mutate" "$seed" bin < "$f" > "$tmp/case.$ext"
		shift
	else
		"$tmp/mutate" "$seed" < "$f" > "$tmp/case.$ext"
	fi
	shift
	timeout 10 "$DPMC" "$@" > /dev/null 2> "$tmp/err"
	rc=$?
	ndata=$((ndata + 1))
	if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		mkdir -p "$here/failures"
		cp "$tmp/case.$ext" "$here/failures/$(basename "$f").$seed.$ext"
		echo "FAIL $(basename "$f") seed $seed: exit status $rc (kept in tests/fuzz/failures/$(basename "$f").$seed.$ext)"
		tail -3 "$tmp/err" | sed 's/^/    /'
		bad=$((bad + 1))
	fi
}
dper=$(( (per + 9) / 10 ))
for f in wav/*; do
	s=1
	while [ $s -le "$dper" ]; do
		data_case "$f" $s wav bin -- grad "$model" --target "$tmp/case.wav"
		s=$((s + 1))
	done
done
for f in json/*.json; do
	s=1
	while [ $s -le "$dper" ]; do
		data_case "$f" $s json -- info "$model" --params "$tmp/case.json"
		s=$((s + 1))
	done
done

# make fuzz's libFuzzer harnesses, built here and run briefly on their
# seed corpora (the real runs are minutes long: see the Makefile), so the
# harnesses keep building as the code they call changes.  Through
# objcache.sh, which compiles a source the harnesses share once, not once
# per harness (the front end twice was 18 of the build's 60 s), and -O0
# (they run 1 s here, on their seeds: that they build and run, not speed).
fcc=$(command -v clang-14 || command -v clang)
mkdir -p "$tmp/objs"
if [ -n "$fcc" ] && FUZZ_OBJS=$tmp/objs make -s -C "$here/../.." fuzz FUZZ_CC="sh $here/objcache.sh $fcc" FUZZ_OPT=-O0 \
    FUZZ_OUT="$tmp" >"$tmp/fuzz.log" 2>&1; then
	fz=0
	for h in front:corpus middle:corpus wav:wav params:json; do
		name=${h%%:*}
		mkdir -p "$tmp/c_$name"
		if "$tmp/fuzz_$name" -max_total_time=1 -timeout=5 "$tmp/c_$name" "${h#*:}" >"$tmp/f_$name.log" 2>&1; then
			fz=$((fz + 1))
		else
			echo "FAIL fuzz_libfuzzer_$name: $(grep -m1 'ERROR\|SUMMARY' "$tmp/f_$name.log")"
			bad=$((bad + 1))
		fi
	done
	echo "PASS fuzz_libfuzzer: $fz harnesses built and run 1 s each"
elif [ -n "$fcc" ]; then
	echo "FAIL fuzz_libfuzzer_build: $(grep -m1 'error' "$tmp/fuzz.log")"
	bad=$((bad + 1))
fi

if [ $bad -ne 0 ]; then
	echo "FAIL fuzz: $bad of $((n + ndata)) cases crashed or hung"
	exit 1
fi
echo "PASS fuzz: $n model cases, $rendered of them rendered; $ndata sound and params files"
