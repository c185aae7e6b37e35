#!/bin/sh
# tests/output/run.sh — every file dpmc and its built programs write
# (issue 14): devices, FIFOs and stdout written in place, never replaced;
# outputs checked before the simulation; no temporary file followed
# through a planted link or left after a signal; fit's result kept on
# Ctrl-C/SIGTERM; write errors on stdout reported; `build -o X.c` pairs
# consistent under concurrent builds; --fit with more than 512 params.
# env: DPMC, REPO, CC.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-out.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
XDG_CACHE_HOME=$T/cache
TMPDIR=$T/tmp
export XDG_CACHE_HOME TMPDIR
mkdir -p "$T/tmp" "$T/w"

STR=$REPO/tests/cli/ideal_string.dpm
MEM=$REPO/tests/cli/membrane.dpm

pass() { echo "PASS output/$1"; }
fail() { echo "FAIL output/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 600)"; }

# run: "$@" with stdout in $T/out, stderr in $T/err, status in $st
run() {
	"$@" >"$T/out" 2>"$T/err"
	st=$?
}

# temps DIR: the temporary names left in DIR (none: empty)
temps() {
	ls -A "$1" 2>/dev/null | grep 'tmp' | tr '\n' ' '
}

# wait_for DIR PATTERN PID: until a name matching PATTERN shows in DIR
# (0) or PID ends (1); at most ~20 s
wait_for() {
	i=0
	while [ $i -lt 4000 ]; do
		ls -A "$1" 2>/dev/null | grep -q "$2" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		i=$((i + 1))
	done
	return 1
}

# a device must stay one: a test that replaced it restores it and fails
keep_dev() {
	# $1 name, $2 path, $3 major, $4 minor
	if [ -c "$2" ]; then
		pass "$1"
	else
		rm -f "$2" && mknod -m 666 "$2" c "$3" "$4"
		fail "$1" "$2 was replaced by $(ls -l "$2" 2>&1); restored"
	fi
}

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

# ---- 1. devices, FIFOs and stdout are written in place ----
run "$DPMC" render "$STR" -o "$T/ref.wav" -d 0.5
[ "$st" = 0 ] || fail setup "render: $(cat "$T/err")"

mkfifo "$T/fifo"
timeout 60 cat "$T/fifo" >"$T/fromfifo.wav" &
reader=$!
run timeout 60 "$DPMC" render "$STR" -o "$T/fifo" -d 0.5
wait $reader
if [ "$st" = 0 ] && [ -p "$T/fifo" ] && cmp -s "$T/fromfifo.wav" "$T/ref.wav"; then
	pass render-fifo
else
	fail render-fifo "exit $st, fifo $(ls -l "$T/fifo"), $(cat "$T/err")"
fi

"$DPMC" render "$STR" -o - -d 0.5 2>"$T/err" | cat >"$T/piped.wav"
cmp -s "$T/piped.wav" "$T/ref.wav" && pass render-stdout-pipe || fail render-stdout-pipe "$(cat "$T/err")"
run "$DPMC" render "$STR" -o /dev/stdout -d 0.5
cmp -s "$T/out" "$T/ref.wav" && pass render-dev-stdout || fail render-dev-stdout "exit $st $(cat "$T/err")"

if [ -c /dev/null ]; then
	run "$DPMC" render "$STR" -o /dev/null -d 0.5
	[ "$st" = 0 ] && pass render-dev-null || fail render-dev-null "exit $st: $(cat "$T/err")"
	keep_dev render-dev-null-stays /dev/null 1 3
fi
if [ -c /dev/full ]; then
	run "$DPMC" render "$STR" -o /dev/full -d 0.5
	[ "$st" = 1 ] && grep -q 'No space left' "$T/err" && pass render-dev-full \
		|| fail render-dev-full "exit $st: $(cat "$T/err")"
	keep_dev render-dev-full-stays /dev/full 1 7
fi

# a file past the size limit (ulimit -f): said, exit 1, no temporary left
# (SIGXFSZ killed dpmc, status 153, x.wav.tmp... stayed)
mkdir -p "$T/fz"
( ulimit -f 50 && cd "$T/fz" && "$DPMC" render "$STR" -o x.wav -d 1 >"$T/out" 2>"$T/err"; echo $? >"$T/st" )
( ulimit -f 50 && cd "$T/fz" && "$DPMC" build "$STR" -o x.c >>"$T/out" 2>>"$T/err"; echo $? >>"$T/st" )
# the executable's C, written into its private folder ("No such file or
# directory" was said: a short write sets no errno)
( ulimit -f 50 && cd "$T/fz" && "$DPMC" build "$STR" -o x >>"$T/out" 2>>"$T/err"; echo $? >>"$T/st" )
if [ "$(cat "$T/st" | tr '\n' ' ')" = "1 1 1 " ] && [ "$(grep -c 'File too large' "$T/err")" = 3 ] && [ -z "$(ls -A "$T/fz")" ]; then
	pass file-size-limit
else
	fail file-size-limit "exit $(cat "$T/st" | tr '\n' ' '), left $(ls -A "$T/fz"): $(cat "$T/err")"
fi

# a symlink to a regular file: the file is replaced, the link stays
echo old >"$T/w/target.wav"
ln -s target.wav "$T/w/link.wav"
run "$DPMC" render "$STR" -o "$T/w/link.wav" -d 0.5
if [ "$st" = 0 ] && [ -L "$T/w/link.wav" ] && cmp -s "$T/w/target.wav" "$T/ref.wav" && [ -z "$(temps "$T/w")" ]; then
	pass render-through-link
else
	fail render-through-link "exit $st; $(ls -l "$T/w")"
fi
rm -f "$T/w/"*

# the built program: the same writer
run "$DPMC" build "$STR" -o "$T/prog"
if [ "$st" = 0 ]; then
	run "$T/prog" -o - -d 0.5
	cmp -s "$T/out" "$T/ref.wav" && pass exe-stdout || fail exe-stdout "exit $st $(cat "$T/err")"
	if [ -c /dev/full ]; then
		run "$T/prog" -o /dev/full -d 0.5
		[ "$st" = 1 ] && grep -q 'No space left' "$T/err" && pass exe-dev-full \
			|| fail exe-dev-full "exit $st: $(cat "$T/err")"
		keep_dev exe-dev-full-stays /dev/full 1 7
	fi
	if [ -c /dev/null ]; then
		run "$T/prog" -o /dev/null -d 0.5
		[ "$st" = 0 ] && pass exe-dev-null || fail exe-dev-null "exit $st: $(cat "$T/err")"
		keep_dev exe-dev-null-stays /dev/null 1 3
	fi
	# the output checked before the simulation: 3000 s would take minutes
	run timeout 20 "$T/prog" -o "$T/nodir/x.wav" -d 3000
	[ "$st" = 1 ] && grep -q "nodir' does not exist" "$T/err" && pass exe-check-first \
		|| fail exe-check-first "exit $st: $(cat "$T/err")"
else
	fail exe-build "$(cat "$T/err")"
fi

# build onto a device: the program is copied in, the device stays
if [ -c /dev/null ]; then
	run "$DPMC" build "$STR" -o /dev/null
	[ "$st" = 0 ] && pass build-dev-null || fail build-dev-null "exit $st: $(cat "$T/err")"
	keep_dev build-dev-null-stays /dev/null 1 3
fi
run "$DPMC" build "$STR" -o -
[ "$st" = 1 ] && grep -q "build writes files" "$T/err" && pass build-stdout-refused \
	|| fail build-stdout-refused "exit $st: $(cat "$T/err")"

# ---- 1. outputs checked before the simulation ----
# 3000 s of the string is minutes of work: each must fail at once
for c in "nodir/x.wav:does not exist" "x.flac:WAV files only" ".:it is a folder"; do
	p=${c%%:*} m=${c#*:}
	run timeout 20 "$DPMC" render "$STR" -o "$T/w/$p" -d 3000
	[ "$st" = 1 ] && grep -q "$m" "$T/err" && [ -z "$(temps "$T/w")" ] && pass "render-check-first-$p" \
		|| fail "render-check-first-$p" "exit $st: $(cat "$T/err")"
done
if [ "$(id -u)" != 0 ]; then
	mkdir "$T/ro" && chmod 555 "$T/ro"
	run timeout 20 "$DPMC" render "$STR" -o "$T/ro/x.wav" -d 3000
	[ "$st" = 1 ] && grep -q "not writable" "$T/err" && pass render-check-readonly \
		|| fail render-check-readonly "exit $st: $(cat "$T/err")"
fi
run "$DPMC" build "$STR" -o "$T/nodir/x.c"
[ "$st" = 1 ] && grep -q "does not exist" "$T/err" && pass build-check-first || fail build-check-first "exit $st: $(cat "$T/err")"

# 5000 outputs: more channels than a WAV holds, said before simulating
{
	echo "model wide"
	echo "domain x in [0, 1]"
	echo "field u(x)"
	echo "pde u.tt = 400^2 * u.xx"
	echo "boundary x = 0, x = 1: fixed"
	echo "init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)"
	i=0
	while [ $i -lt 5000 ]; do echo "output o$i = u(0.5)"; i=$((i + 1)); done
} >"$T/wide.dpm"
run timeout 60 "$DPMC" render "$T/wide.dpm" -o "$T/w/wide.wav" -d 0.5
if [ "$st" = 1 ] && grep -q "5000 outputs are 5000 channels, and a WAV file holds 1 to 1024" "$T/err" \
	&& [ ! -e "$T/w/wide.wav" ] && [ -z "$(temps "$T/w")" ]; then
	pass render-5000-outputs
else
	fail render-5000-outputs "exit $st: $(cat "$T/err")"
fi

# ---- 2. --fit with more than 512 params ----
{
	echo "model many"
	i=0
	while [ $i -le 512 ]; do echo "param p$i = 1 in [0.5, 2]"; i=$((i + 1)); done
	echo "domain x in [0, 1]"
	echo "field u(x)"
	echo "pde u.tt = (440*p512)^2 * u.xx"
	echo "boundary x = 0, x = 1: fixed"
	echo "init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)"
	echo "output out = u(0.77)"
} >"$T/many.dpm"
"$DPMC" render "$T/many.dpm" -o "$T/many_t.wav" -d 0.1 --set p512=1.05 2>"$T/err" || fail setup-many "$(cat "$T/err")"
run "$DPMC" fit "$T/many.dpm" --target "$T/many_t.wav" --fit p512 --steps 2
[ "$st" = 0 ] && grep -q '"p512": ' "$T/out" && pass fit-513-params || fail fit-513-params "exit $st: $(tail -c 300 "$T/err")"
run "$DPMC" fit "$T/many.dpm" --target "$T/many_t.wav" --fit p511,q512 --steps 2
[ "$st" = 1 ] && grep -q "has no param 'q512'" "$T/err" && pass fit-513-misspelt \
	|| fail fit-513-misspelt "exit $st: $(cat "$T/err")"
printf 'fit %s p512 2\nfit %s p5x2 2\n' "$T/many_t.wav" "$T/many_t.wav" >"$T/in"
run "$DPMC" repl "$T/many.dpm" <"$T/in"
[ "$st" = 1 ] && grep -q "has no param 'p5x2'" "$T/err" && grep -q '"p512": ' "$T/out" && pass repl-fit-513-params \
	|| fail repl-fit-513-params "exit $st: $(tail -c 300 "$T/err")"

# ---- 4. temporary names never follow a planted link ----
# The old names were OUT.tmpPID: a process started stopped shows its pid,
# links for it are planted at every such name, and the victim must stay.
echo victim >"$T/victim"
# plant PID NAMES...: OUT.tmpPID, OUT.tmpPID.c and OUT.tmpPID.c.tmpPID links
plant() {
	pid=$1
	shift
	for n in "$@"; do
		ln -s "$T/victim" "$n.tmp$pid"
		ln -s "$T/victim" "$n.tmp$pid.c"
		ln -s "$T/victim" "$n.tmp$pid.c.tmp$pid"
	done
}
# planted NAME CMD...: run CMD stopped, plant, go on
planted() {
	name=$1
	shift
	mkdir -p "$T/p"
	sh -c 'kill -STOP $$; exec "$@"' sh "$@" >"$T/out" 2>"$T/err" &
	pid=$!
	i=0
	while [ $i -lt 200 ] && ! grep -q '^[0-9]* ([^)]*) T' "/proc/$pid/stat" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	plant $pid "$T/p/out.c" "$T/p/out.h" "$T/p/prog" "$T/p/fit.json" "$T/p/curve.csv" "$T/p/fit.wav" "$T/p/s.json" "$T/p/w.png"
	kill -CONT $pid
	wait $pid
	st=$?
	if [ "$(cat "$T/victim")" = victim ] && [ "$st" = 0 ]; then
		pass "$name"
	else
		fail "$name" "exit $st; the victim now holds $(head -c 60 "$T/victim" | tr -cd '[:print:]')"
		echo victim >"$T/victim"
	fi
	rm -rf "$T/p"
}
"$DPMC" render "$STR" --set f0=230 -d 0.3 -o "$T/t.wav" 2>/dev/null
planted link-build-c "$DPMC" build "$STR" -o "$T/p/out.c"
planted link-build-exe "$DPMC" build "$STR" -o "$T/p/prog"
planted link-fit "$DPMC" fit "$STR" --target "$T/t.wav" --fit f0 --steps 2 -o "$T/p/fit.json" \
	--loss-curve "$T/p/curve.csv" --render "$T/p/fit.wav"
printf 'render 0.2 %s\nsave %s\nplot wave %s\n' "$T/p/r.wav" "$T/p/s.json" "$T/p/w.png" >"$T/in"
planted link-repl sh -c 'exec "$1" repl "$2" <"$3"' sh "$DPMC" "$STR" "$T/in"

# ---- 8. no temporary file after a signal ----
# A WAV of 400 channels: its writing takes long enough to be caught.
{
	echo "model wide400"
	echo "domain x in [0, 1]"
	echo "field u(x)"
	echo "pde u.tt = 400^2 * u.xx"
	echo "boundary x = 0, x = 1: fixed"
	echo "init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)"
	i=0
	while [ $i -lt 400 ]; do echo "output o$i = u(0.5)"; i=$((i + 1)); done
} >"$T/wide400.dpm"
# sig_test NAME SIGNAL STATUS PATTERN CMD...: CMD killed with SIGNAL once
# a name matching PATTERN appears in $T/w; exit STATUS, no temps left
sig_test() {
	name=$1 sig=$2 want=$3 pat=$4
	shift 4
	rm -rf "$T/w" && mkdir "$T/w"
	"$@" >/dev/null 2>"$T/err" &
	pid=$!
	if wait_for "$T/w" "$pat" $pid; then
		kill -"$sig" $pid
		wait $pid
		st=$?
		sleep 0.3
		left="$(temps "$T/w")$(ls -A "$T/tmp")"
		if [ "$st" = "$want" ] && [ -z "$left" ]; then
			pass "$name"
		else
			fail "$name" "exit $st (want $want), left: $left $(ls -A "$T/w") $(head -c 200 "$T/err")"
		fi
	else
		wait $pid
		fail "$name" "no temporary name seen (exit $?): $(head -c 200 "$T/err")"
	fi
	rm -rf "$T/tmp"/* "$T/w"
	mkdir "$T/w"
}
sig_test sig-render-term TERM 143 'r.wav.tmp' "$DPMC" render "$T/wide400.dpm" -o "$T/w/r.wav" -d 3
# a job started with & has SIGINT ignored (POSIX): env gives it back
if env --default-signal=INT true 2>/dev/null; then
	sig_test sig-render-int INT 130 'r.wav.tmp' env --default-signal=INT "$DPMC" render "$T/wide400.dpm" \
		-o "$T/w/r.wav" -d 3
fi
sig_test sig-build-term TERM 143 'prog.tmp' "$DPMC" build "$STR" -o "$T/w/prog"
sig_test sig-build-hup HUP 129 'prog.tmp' "$DPMC" build "$STR" -o "$T/w/prog"
run "$DPMC" build "$T/wide400.dpm" -o "$T/wide400"
if [ "$st" = 0 ]; then
	sig_test sig-exe-term TERM 143 'r.wav.tmp' "$T/wide400" -o "$T/w/r.wav" -d 3
else
	fail sig-exe-build "$(cat "$T/err")"
fi
# the cc backend's compile: nothing left in its cache nor in TMPDIR
rm -rf "$T/cache"
"$DPMC" render "$MEM" -o "$T/m.wav" -d 0.1 --backend cc >/dev/null 2>"$T/err" &
pid=$!
if wait_for "$T/cache/dpm" '\.c$' $pid; then
	kill -TERM $pid
	wait $pid
	st=$?
	sleep 0.3
	left="$(ls -A "$T/cache/dpm" | grep -v '\.so$' | tr '\n' ' ')$(ls -A "$T/tmp")"
	[ "$st" = 143 ] && [ -z "$left" ] && pass sig-cc-backend || fail sig-cc-backend "exit $st, left: $left"
else
	wait $pid
	fail sig-cc-backend "no temporary name seen in the cache: $(head -c 200 "$T/err")"
fi

# ---- 9. fit: the result written on Ctrl-C and SIGTERM ----
# a 20 s target: one evaluation takes seconds
"$DPMC" render "$STR" --set f0=225 -d 20 -o "$T/t20.wav" 2>"$T/err" || fail setup-t20 "$(cat "$T/err")"
# during the first evaluation: the start's params, steps 0
INT=
env --default-signal=INT true 2>/dev/null && INT="env --default-signal=INT"
$INT "$DPMC" fit "$STR" --target "$T/t20.wav" --fit f0 --steps 3 -o "$T/f1.json" >/dev/null 2>"$T/err" &
pid=$!
# the handler is there from the partials' stage on (a loaded machine may
# take seconds to compile): wait for its line, at most ~60 s
i=0
while [ $i -lt 600 ] && ! grep -q 'partials\|step ' "$T/err" 2>/dev/null && kill -0 $pid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
first=$(grep -c 'step 0/' "$T/err")
kill -INT $pid
wait $pid
st=$?
if [ "$st" = 0 ] && grep -q '"f0": ' "$T/f1.json" 2>/dev/null; then
	[ "$first" = 0 ] && ! grep -q '"steps": 0' "$T/f1.json" && fail fit-int-first "not steps 0: $(cat "$T/f1.json")" \
		|| pass fit-int-first
else
	fail fit-int-first "exit $st, $(cat "$T/f1.json" 2>&1) $(tail -c 300 "$T/err")"
fi
# SIGTERM in the loop
: >"$T/err"
"$DPMC" fit "$STR" --target "$T/t20.wav" --fit f0 --steps 50 -o "$T/f2.json" >/dev/null 2>"$T/err" &
pid=$!
wait_for_err() {
	i=0
	while [ $i -lt 600 ] && kill -0 "$2" 2>/dev/null && ! grep -q "$1" "$T/err"; do
		sleep 0.05
		i=$((i + 1))
	done
}
wait_for_err 'step 0/' $pid
kill -TERM $pid
wait $pid
st=$?
[ "$st" = 0 ] && grep -q '"f0": ' "$T/f2.json" 2>/dev/null && grep -q 'terminated' "$T/err" && pass fit-term \
	|| fail fit-term "exit $st, $(cat "$T/f2.json" 2>&1) $(tail -c 300 "$T/err")"
# a signal during the final --render: the JSON is already written
rm -rf "$T/w" && mkdir "$T/w"
: >"$T/err"
$INT "$DPMC" fit "$STR" --target "$T/t20.wav" --fit f0 --steps 1 -o "$T/w/f3.json" --render "$T/w/f3.wav" \
	>/dev/null 2>"$T/err" &
pid=$!
wait_for_err 'step 1/1' $pid
kill -INT $pid
wait $pid
st=$?
sleep 0.2
if grep -q 'step 1/1' "$T/err" && [ "$st" = 130 ]; then
	grep -q '"f0": ' "$T/w/f3.json" 2>/dev/null && [ ! -e "$T/w/f3.wav" ] && [ -z "$(temps "$T/w")" ] \
		&& pass fit-int-render || fail fit-int-render "exit $st; $(ls -A "$T/w")"
elif [ "$st" = 0 ]; then
	pass fit-int-render    # the render finished before the signal: nothing to see
else
	fail fit-int-render "exit $st; $(ls -A "$T/w") $(tail -c 300 "$T/err")"
fi
# fit's outputs checked before the fit: no step taken
run "$DPMC" fit "$STR" --target "$T/t.wav" --fit f0 --steps 2 --render "$T/nodir/f.wav"
[ "$st" = 1 ] && grep -q 'does not exist' "$T/err" && ! grep -q 'step' "$T/err" && pass fit-check-first \
	|| fail fit-check-first "exit $st: $(cat "$T/err")"
run "$DPMC" fit "$STR" --target "$T/t.wav" --fit f0 --steps 2 --render -
[ "$st" = 1 ] && grep -q 'both go to standard output' "$T/err" && pass fit-two-stdouts \
	|| fail fit-two-stdouts "exit $st: $(cat "$T/err")"

# ---- 10. write errors on stdout ----
# out_err NAME CMD...: CMD with stdout on /dev/full and closed
out_err() {
	name=$1
	shift
	if [ -c /dev/full ]; then
		"$@" >/dev/full 2>"$T/err"
		st=$?
		[ "$st" = 1 ] && grep -q '^dpmc: error: writing standard output: No space left on device' "$T/err" \
			&& pass "$name-full" || fail "$name-full" "exit $st: $(cat "$T/err")"
	fi
	"$@" >&- 2>"$T/err"
	st=$?
	[ "$st" = 1 ] && grep -q '^dpmc: error: writing standard output' "$T/err" \
		&& pass "$name-closed" || fail "$name-closed" "exit $st: $(cat "$T/err")"
}
out_err stdout-info "$DPMC" info "$STR"
out_err stdout-info-json "$DPMC" info "$STR" --json
out_err stdout-emit "$DPMC" emit "$STR" --stage c
out_err stdout-grad "$DPMC" grad "$STR" --target "$T/t.wav"
out_err stdout-fit "$DPMC" fit "$STR" --target "$T/t.wav" --fit f0 --steps 1
out_err stdout-help "$DPMC" --help
# nothing written: a closed stdout is no error
"$DPMC" check "$STR" >&- 2>"$T/err" && pass stdout-closed-unused || fail stdout-closed-unused "$(cat "$T/err")"

# ---- 11. concurrent builds of two models to one OUT.c: a pair agrees ----
bad=0 rounds=0
mkdir "$T/pair"
while [ $rounds -lt 12 ]; do
	"$DPMC" build "$STR" -o "$T/pair/same.c" 2>>"$T/err" &
	a=$!
	"$DPMC" build "$MEM" -o "$T/pair/same.c" 2>>"$T/err" &
	b=$!
	wait $a
	wait $b
	c=$(grep -c 'membrane_run' "$T/pair/same.c") h=$(grep -c 'membrane_run' "$T/pair/same.h")
	if { [ "$c" = 0 ] && [ "$h" != 0 ]; } || { [ "$c" != 0 ] && [ "$h" = 0 ]; }; then
		bad=$((bad + 1))
	fi
	rounds=$((rounds + 1))
done
[ $bad = 0 ] && [ -z "$(temps "$T/pair")" ] && pass build-pair-concurrent \
	|| fail build-pair-concurrent "$bad of $rounds pairs mixed; left $(temps "$T/pair")"

# a write-protected output is kept, by its mode bits too (as root,
# access() says writable: it was replaced)
echo mine >"$T/ro.wav"
chmod 444 "$T/ro.wav"
run "$DPMC" render "$STR" -o "$T/ro.wav" -d 0.1
[ "$st" = 1 ] && grep -q "it is write-protected" "$T/err" && [ "$(cat "$T/ro.wav")" = mine ] \
	&& pass write-protected-kept || fail write-protected-kept "exit $st: $(cat "$T/err")"
chmod 644 "$T/ro.wav"

# the program running is not an output: a copy of dpmc told to render
# over itself, and a built executable (a probe's: both became a WAV)
cp "$DPMC" "$T/w/dpmc-copy"
run "$T/w/dpmc-copy" render "$STR" -o "$T/w/dpmc-copy" -d 0.01
[ "$st" = 1 ] && grep -q "cannot write '.*dpmc-copy': it is this program, the one running" "$T/err" &&
	cmp -s "$DPMC" "$T/w/dpmc-copy" && [ -z "$(temps "$T/w")" ] && pass self-dpmc \
	|| fail self-dpmc "exit $st: $(cat "$T/err")"
if "$DPMC" build "$STR" -o "$T/w/exe" 2>"$T/err"; then
	cp "$T/w/exe" "$T/w/exe.keep"
	run "$T/w/exe" -o "$T/w/exe" -d 0.01
	[ "$st" = 1 ] && grep -q "it is this program, the one running" "$T/err" && cmp -s "$T/w/exe" "$T/w/exe.keep" \
		&& pass self-exe || fail self-exe "exit $st: $(cat "$T/err")"
else
	fail self-exe "build: $(cat "$T/err")"
fi
exit 0
