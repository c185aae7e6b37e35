#!/bin/sh
# tests/runtime — the runtime's losses, transforms, optimiser and WAV
# input, as C programs built with the sanitizers.  Prints PASS/FAIL lines
# and exits 1 on a failure.  CC overrides the compiler; the FFTW and
# libsndfile flags come from config.mk.  The real recordings are looked
# for in $DPM_RECORDINGS, else ../shared/data/recordings beside the repo
# (else /work/shared/data/recordings).
set -u
cd "$(dirname "$0")/../.." || exit 1
CC=${CC:-cc}
conf() { sed -n "s/^$1 = //p" config.mk; }
FFTW_CFLAGS=$(conf FFTW_CFLAGS)
FFTW_LIBS=$(conf FFTW_LIBS)
SNDFILE_CFLAGS=$(conf SNDFILE_CFLAGS)
SNDFILE_LIBS=$(conf SNDFILE_LIBS)
CFLAGS="-std=c11 -Wall -Wextra -Wpedantic -Werror -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
out=$(mktemp -d /tmp/dpm_runtime.XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT
status=0

# build NAME SOURCES... LIBS: compile tests/runtime/NAME.c into $out/NAME
build() {
	name=$1
	shift
	if ! $CC $CFLAGS -Iruntime $FFTW_CFLAGS $SNDFILE_CFLAGS "tests/runtime/$name.c" "$@" \
		-lm -o "$out/$name" 2>"$out/$name.log"; then
		echo "FAIL $name: does not build:"
		sed 's/^/    /' "$out/$name.log" | head -n 20
		status=1
		return 1
	fi
}

# loss_test includes runtime/loss.c itself, to reach the FFT adjoint
if build loss_test $FFTW_LIBS; then
	"$out/loss_test" || status=1
fi
if build optim_test runtime/optim.c; then
	"$out/optim_test" || status=1
fi

rec=${DPM_RECORDINGS:-$(pwd)/../shared/data/recordings}/pizz_a1_vl3_rr1.wav
[ -f "$rec" ] || [ -n "${DPM_RECORDINGS:-}" ] || rec=/work/shared/data/recordings/pizz_a1_vl3_rr1.wav
if build wav_test runtime/wav.c runtime/out.c $SNDFILE_LIBS; then
	if [ -f "$rec" ]; then
		"$out/wav_test" "$rec" "$out" || status=1
	else
		echo "FAIL wav_read_24bit: no recording at $rec (set DPM_RECORDINGS)"
		status=1
	fi
fi
exit $status
