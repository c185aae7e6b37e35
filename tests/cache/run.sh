#!/bin/sh
# tests/cache — what dpmc loads and maps (issue 14, parts 3, 11 and 12).
#
# 1. The cc backend's cache (compiler/back/jit_cc.c) loads only what the user
#    alone could have put there.  A shared object whose constructor writes
#    a marker file is planted under the name dpmc predicts for a model
#    (the name of a real entry, found by building it once):
#    - in a cache folder another user owns (root only: chown nobody), or
#      reached by another user's symbolic link, in a folder of ours that
#      others or the group may write (0777, 0770, 0707), and
#      at /tmp/dpm-cache-UID made by another user when HOME is unset (root
#      only: a private /tmp via unshare -m): dpmc warns naming the folder,
#      builds in a private folder, renders, and the marker never appears;
#    - as an entry owned by another user, an entry others may write, and a
#      symbolic link to it: not loaded, rebuilt as a regular file of ours;
#    - a control: the same object as a regular entry of ours in a private
#      folder IS loaded (the marker appears), so the tests above can fail;
#    - entries end in a checksum (jit_cc.c sum_file; planted ones are
#      sealed with it): one cut short and one with a page zeroed are
#      built again, with a warning; one without the checksum (an older
#      dpmc's) is built again as a miss is, quietly.
#    A fresh cache folder and the parents dpmc makes are 0700, entries
#    0700; a link of ours to a private folder of ours is a cache.  The entry's name depends on the CPU: a fake /proc/cpuinfo (a
#    bind mount in a private mount namespace; root only) gives another
#    entry, the same fake the same entry.
# 2. The LLVM backend is a module (dpmc-llvm.so) dpmc maps on first use:
#    dpmc needs no libLLVM; `dpmc check` and `render --backend tcc` run
#    under `ulimit -v` 100 MB (libLLVM alone is 110 MB), `--backend llvm`
#    there fails cleanly (exit 1, no output); dpmc copied without the
#    module says which file it needs; an install's layout
#    (bin/dpmc, lib/dpm/dpmc-llvm.so) finds it.  Skipped under ASan,
#    which reserves terabytes of address space.
# 3. The LLVM backend's knobs: DPM_LLVM_VF=1000 (it hung) and other bad
#    values of DPM_LLVM_VF and DPM_LLVM_IR, and --cpu help, are errors
#    naming the variable and what it may be.
# env: DPMC, REPO, CC.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-cache.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME
fails=0

pass() { echo "PASS cache/$1"; }
fail() { echo "FAIL cache/$1: $(printf "%s" "$2" | tr "\n" " " | head -c 400)"; fails=1; }

cat >"$T/m.dpm" <<'EOF'
model pluck
param f0 = 220 in [20, 4000] log
domain x in [0, 1]
field u(x)
pde u.tt = (2 * f0)^2 * u.xx
boundary x = 0, x = 1: fixed
init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)
output out = u(0.77)
EOF
root=0
[ "$(id -u)" = 0 ] && root=1

# render CACHE OUT: the model with the cc backend, the cache in CACHE
render() {
	XDG_CACHE_HOME=$1 "$DPMC" render "$T/m.dpm" -d 0.1 --raw --backend cc -o "$2" \
		>"$T/out" 2>"$T/err"
	st=$?
}

# ---- 1. the cc backend's cache ----

# (evil_rel.so writes ./marker: for a dpmc run in $T where /tmp is another)
cat >"$T/evil.c" <<'EOF'
#include <stdio.h>
__attribute__((constructor)) static void planted(void)
{
	FILE *f = fopen(MARKER, "w");
	if (f)
		fclose(f);
}
EOF
if ! $CC -shared -fPIC -DMARKER="\"$T/marker\"" -o "$T/evil.so" "$T/evil.c" 2>"$T/err" ||
   ! $CC -shared -fPIC -DMARKER='"marker"' -o "$T/evil_rel.so" "$T/evil.c" 2>"$T/err"; then
	fail evil_so "the planted object does not build: $(cat "$T/err")"
	exit 1
fi

# a fresh cache, made with its parents: 0700; the entry's name
render "$T/fresh/a/b" "$T/ref.wav"
so=$(cd "$T/fresh/a/b/dpm" 2>/dev/null && ls *.so 2>/dev/null)
modes=$(stat -c %a "$T/fresh/a" "$T/fresh/a/b" "$T/fresh/a/b/dpm" 2>/dev/null | tr '\n' ' ')
if [ "$st" = 0 ] && [ -n "$so" ] && [ "$modes" = "700 700 700 " ] &&
   [ "$(stat -c %a "$T/fresh/a/b/dpm/$so")" = 700 ]; then
	pass fresh_dir_0700
else
	fail fresh_dir_0700 "exit $st, entry '$so', modes $modes: $(cat "$T/err")"
fi
[ -n "$so" ] || { echo "no cache entry: the rest cannot run"; exit 1; }
render "$T/fresh/a/b" "$T/hit.wav"
if [ "$st" = 0 ] && [ ! -s "$T/err" ] && cmp -s "$T/ref.wav" "$T/hit.wav"; then
	pass cache_hit
else
	fail cache_hit "exit $st: $(cat "$T/err")"
fi

# sealed IN OUT: IN with the trailer dpmc writes after an entry (jit_cc.c
# sum_file: "dpmcsum1" and a 64-bit sum of the bytes before it), so that a
# planted object passes every check but the ones under test
sealed() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
h, m = 14695981039346656037, (1 << 64) - 1
p = b + bytes(-len(b) % 8)
for (w,) in struct.iter_unpack("=Q", p):
    h = ((h ^ w) * 1099511628211) & m
    h ^= h >> 29
h = ((h ^ len(b)) * 1099511628211) & m
open(sys.argv[2], "wb").write(b + b"dpmcsum1" + struct.pack("=Q", h))
PY
}
sealed "$T/evil.so" "$T/evil.sealed" || { fail sealed "cannot seal the planted object"; exit 1; }
mv "$T/evil.sealed" "$T/evil.so"

# plant NAME FOLDER [MODE] [OWNER]: the evil object as FOLDER/dpm/$so
plant() {
	rm -f "$T/marker"
	mkdir -p "$2/dpm" && chmod 700 "$2/dpm" && cp "$T/evil.so" "$2/dpm/$so" &&
		chmod 700 "$2/dpm/$so"
}

# refused NAME WARNING: rendered anyway, warned, the planted object not run
refused() {
	if [ -e "$T/marker" ]; then
		fail "$1" "the planted object ran"
	elif [ "$st" != 0 ]; then
		fail "$1" "exit $st: $(cat "$T/err")"
	elif ! grep -q "^dpmc: warning: .*$2" "$T/err"; then
		fail "$1" "no warning '$2': $(cat "$T/err")"
	elif ! cmp -s "$T/ref.wav" "$T/o.wav"; then
		fail "$1" "the render differs from the reference"
	else
		pass "$1"
	fi
}

# the control: a private folder, a regular entry of ours: loaded (and not
# dpmc's, so it cannot bind)
plant control "$T/ctl"
render "$T/ctl" "$T/o.wav"
if [ -e "$T/marker" ]; then
	pass control_planted_object_runs
else
	fail control_planted_object_runs "the trusted entry was not loaded (exit $st): $(cat "$T/err")"
fi

for m in 777 770 707; do
	plant "dir_$m" "$T/d$m"
	chmod "$m" "$T/d$m/dpm"
	render "$T/d$m" "$T/o.wav"
	refused "dir_mode_${m}_refused" "not using the cache folder '$T/d$m/dpm': the group or others can write it (mode 0$m); run chmod go-w"
	[ -e "$T/d$m/dpm/$so" ] && cmp -s "$T/d$m/dpm/$so" "$T/evil.so" ||
		fail "dir_mode_${m}_untouched" "the folder's entry was changed"
done

plant entry_mode "$T/em"
chmod 766 "$T/em/dpm/$so"
render "$T/em" "$T/o.wav"
refused entry_writable_refused "not loading the cached object '$T/em/dpm/$so': the group or others can write it (mode 0766); building it again"
if [ -f "$T/em/dpm/$so" ] && [ "$(stat -c %a "$T/em/dpm/$so")" = 700 ] &&
   ! cmp -s "$T/em/dpm/$so" "$T/evil.so"; then
	pass entry_writable_rebuilt
else
	fail entry_writable_rebuilt "the entry was not replaced by a 0700 build"
fi

# an entry cut short (a full disk, a copy stopped): refused and built
# again (dlopen mapped it and dpmc died of SIGBUS, exit 135; a probe's)
plant cut "$T/cut"
head -c 4096 "$T/evil.so" >"$T/cut/dpm/$so.part" && cat "$T/cut/dpm/$so.part" >"$T/cut/dpm/$so" && rm -f "$T/cut/dpm/$so.part"
render "$T/cut" "$T/o.wav"
refused cut_entry_refused "not loading the cached object '$T/cut/dpm/$so': it is cut short (4096 bytes"

# an entry of the right size whose pages were lost (zeroed: a crash of
# the disk's cache): its sum is checked, it is built again (dpmc died of
# SIGSEGV); one without a trailer (an older dpmc's) is built again too
plant zeroed "$T/zero"
cp "$T/fresh/a/b/dpm/$so" "$T/zero/dpm/$so"
/usr/bin/python3 -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[4096:8192] = bytes(4096); open(p, "wb").write(b)' "$T/zero/dpm/$so"
render "$T/zero" "$T/o.wav"
refused zeroed_entry_refused "not loading the cached object '$T/zero/dpm/$so': its checksum does not match its"
if render "$T/zero" "$T/o.wav" && [ "$st" = 0 ] && [ ! -s "$T/err" ] && cmp -s "$T/ref.wav" "$T/o.wav"; then
	pass zeroed_entry_rebuilt
else
	fail zeroed_entry_rebuilt "exit $st: $(cat "$T/err")"
fi
plant unsealed "$T/uns"
head -c "$(($(stat -c %s "$T/fresh/a/b/dpm/$so") - 16))" "$T/fresh/a/b/dpm/$so" >"$T/uns/dpm/$so"
render "$T/uns" "$T/o.wav"
if [ ! -e "$T/marker" ] && [ "$st" = 0 ] && [ ! -s "$T/err" ] && cmp -s "$T/ref.wav" "$T/o.wav" &&
   [ "$(tail -c 16 "$T/uns/dpm/$so" | head -c 8)" = dpmcsum1 ]; then
	pass unsealed_entry_rebuilt_quietly
else
	fail unsealed_entry_rebuilt_quietly "exit $st: $(cat "$T/err")"
fi

plant link "$T/ln"
mv "$T/ln/dpm/$so" "$T/ln/target.so"
ln -s "$T/ln/target.so" "$T/ln/dpm/$so"
render "$T/ln" "$T/o.wav"
refused symlink_entry_not_followed "not loading the cached object '$T/ln/dpm/$so': it is a symbolic link"
if [ -f "$T/ln/dpm/$so" ] && [ ! -L "$T/ln/dpm/$so" ] && cmp -s "$T/ln/target.so" "$T/evil.so"; then
	pass symlink_entry_replaced
else
	fail symlink_entry_replaced "the link is still there, or its target was written"
fi

# the cache folder a link of ours to a private folder of ours (a ~/.cache
# on another disk): used
mkdir -p "$T/lf/c" "$T/lf/real" && chmod 700 "$T/lf/real" && ln -s "$T/lf/real" "$T/lf/c/dpm"
render "$T/lf/c" "$T/o.wav"
if [ "$st" = 0 ] && [ ! -s "$T/err" ] && [ -f "$T/lf/real/$so" ] && cmp -s "$T/o.wav" "$T/ref.wav"; then
	pass own_link_to_cache_used
else
	fail own_link_to_cache_used "exit $st: $(cat "$T/err")"
fi

# another object (a FIFO) where the entry goes: not opened (it would block)
mkdir -p "$T/ff/dpm" && chmod 700 "$T/ff/dpm" && mkfifo "$T/ff/dpm/$so"
XDG_CACHE_HOME=$T/ff timeout 60 "$DPMC" render "$T/m.dpm" -d 0.1 --raw --backend cc \
	-o "$T/o.wav" >"$T/out" 2>"$T/err"
st=$?
refused fifo_entry_refused "it is not a regular file"

if [ "$root" = 1 ]; then
	plant other_owner "$T/own"
	chown -R nobody "$T/own/dpm"
	render "$T/own" "$T/o.wav"
	refused dir_other_owner_refused "not using the cache folder '$T/own/dpm': it belongs to uid [0-9]*, not to you (uid 0)"

	# a link someone else made, to a folder of ours that holds the object
	plant other_link "$T/ol/real"
	mkdir -p "$T/ol/c" && ln -s "$T/ol/real/dpm" "$T/ol/c/dpm" && chown -h nobody "$T/ol/c/dpm"
	render "$T/ol/c" "$T/o.wav"
	refused dir_link_of_other_owner_refused "it is a symbolic link of uid [0-9]*, not yours"

	plant entry_owner "$T/eo"
	chown nobody "$T/eo/dpm/$so"
	render "$T/eo" "$T/o.wav"
	refused entry_other_owner_refused "it belongs to uid [0-9]*, not to you"

	# no HOME: /tmp/dpm-cache-0, made by someone else first; a private
	# /tmp, over the one $T (and dpmc) may be in, so everything by way of
	# the cwd
	if unshare -m sh -c "mount -t tmpfs none /tmp" 2>/dev/null; then
		rm -f "$T/marker"
		(cd "$T" && unshare -m sh -c '
			mkdir -p "$PWD/nt" && cp evil_rel.so m.dpm "$2" nt/ && cd nt || exit 3
			mount -t tmpfs none /tmp || exit 3
			mkdir /tmp/dpm-cache-0 && cp evil_rel.so "/tmp/dpm-cache-0/$1" &&
				chown -R nobody /tmp/dpm-cache-0 || exit 3
			env -u HOME -u XDG_CACHE_HOME ./dpmc render m.dpm -d 0.1 --raw \
				--backend cc -o o.wav
			st=$?
			mv o.wav ../o.wav 2>/dev/null
			[ -e marker ] && : >../marker
			exit $st' sh "$so" "$DPMC") >"$T/out" 2>"$T/err"
		st=$?
		refused tmp_cache_other_owner_refused "not using the cache folder '/tmp/dpm-cache-0': it belongs to uid"
	else
		echo "note: unshare -m does not work here: /tmp/dpm-cache-UID not tested"
	fi

	# the CPU is part of the key: a fake /proc/cpuinfo gives another entry
	cpu() {
		unshare -m sh -c 'mount --bind "$1" /proc/cpuinfo || exit 3
			XDG_CACHE_HOME=$2 "$3" render "$4" -d 0.1 --raw --backend cc -o "$5"' \
			sh "$1" "$T/cpu" "$DPMC" "$T/m.dpm" "$T/o.wav" >"$T/out" 2>"$T/err"
		st=$?
	}
	printf 'processor\t: 0\nvendor_id\t: FakeIntel\nmodel name\t: Fake CPU A\nflags\t\t: fpu sse2\n\n' >"$T/cpuA"
	printf 'processor\t: 0\nvendor_id\t: FakeIntel\nmodel name\t: Fake CPU A\nflags\t\t: fpu sse2 avx2\n\n' >"$T/cpuB"
	render "$T/cpu" "$T/o.wav"
	n0=$(ls "$T/cpu/dpm" | wc -l)
	cpu "$T/cpuA"
	if [ "$st" = 3 ]; then
		echo "note: cannot bind-mount /proc/cpuinfo here: the CPU key not tested"
	else
		n1=$(ls "$T/cpu/dpm" | wc -l)
		cpu "$T/cpuA"
		n2=$(ls "$T/cpu/dpm" | wc -l)
		cpu "$T/cpuB"
		n3=$(ls "$T/cpu/dpm" | wc -l)
		if [ "$st" = 0 ] && [ "$n0 $n1 $n2 $n3" = "1 2 2 3" ]; then
			pass cpu_key
		else
			fail cpu_key "entries after host, A, A, B: $n0 $n1 $n2 $n3 (want 1 2 2 3); exit $st: $(cat "$T/err")"
		fi
	fi
else
	echo "note: not root: the other-owner, /tmp/dpm-cache-UID and CPU-key tests need chown, unshare"
fi

# ---- 1b. the cache is trimmed (jit_cc.c, trim_cache) ----
# After a miss: entries unused for 30 days go, then the least recently
# used past DPM_CACHE_MB; temps a killed build left go after a day; a hit
# touches its entry; files not named as entries stay.
C=$T/trim/dpm
mkdir -p "$C" && chmod 700 "$T/trim" "$C"
mkold() {    # mkold NAME KB AGE
	head -c $(($2 * 1024)) /dev/zero >"$C/$1"
	touch -d "$3" "$C/$1"
}
mkold old-0123456789abcdef.so 4 "40 days ago"
mkold tmp-0123456789abcdef.so.Xa1b2c 4 "2 days ago"
mkold new-0123456789abcdef.so.Xa1b2d 4 "1 hour ago"
mkold notes-0123456789abcdef.txt 4 "90 days ago"
mkold a-000000000000000a.so 200 "3 hours ago"
mkold b-000000000000000b.so 200 "2 hours ago"
mkold c-000000000000000c.so 200 "1 hour ago"
DPM_CACHE_MB=0.5 render "$T/trim" "$T/t1.wav"
ent=$(ls "$C" | grep -v -e '^[abc]-' -e '^old-' -e '^tmp-' -e '^new-' -e '^notes-' | head -n 1)
left=$(ls "$C" | tr '\n' ' ')
if [ "$st" = 0 ] && [ -n "$ent" ] && [ ! -e "$C/old-0123456789abcdef.so" ] &&
   [ ! -e "$C/tmp-0123456789abcdef.so.Xa1b2c" ] && [ -e "$C/new-0123456789abcdef.so.Xa1b2d" ] &&
   [ -e "$C/notes-0123456789abcdef.txt" ] && [ ! -e "$C/a-000000000000000a.so" ] &&
   [ ! -e "$C/b-000000000000000b.so" ] && [ -e "$C/c-000000000000000c.so" ]; then
	pass trim_old_temps_lru
else
	fail trim_old_temps_lru "exit $st, left: $left ($(cat "$T/err"))"
fi
touch -d "10 days ago" "$C/$ent"
DPM_CACHE_MB=0.5 render "$T/trim" "$T/t2.wav"
if [ "$st" = 0 ] && [ -n "$(find "$C/$ent" -mmin -5)" ] && cmp -s "$T/t1.wav" "$T/t2.wav"; then
	pass trim_hit_touches
else
	fail trim_hit_touches "exit $st: $(ls -l "$C" | tr '\n' ' ')"
fi
# a limit that is not a number is said, and the default kept
mkdir -p "$T/badmb" && chmod 700 "$T/badmb"
DPM_CACHE_MB=abc render "$T/badmb" "$T/t3.wav"
if [ "$st" = 0 ] && grep -q "DPM_CACHE_MB='abc' is not a size in megabytes" "$T/err" &&
   cmp -s "$T/t1.wav" "$T/t3.wav"; then
	pass trim_bad_limit_said
else
	fail trim_bad_limit_said "exit $st: $(cat "$T/err")"
fi

# ---- 2. the LLVM module, and memory ----

if readelf -d "$DPMC" 2>/dev/null | grep -q 'NEEDED.*LLVM'; then
	fail dpmc_without_libllvm "dpmc is linked with libLLVM: $(readelf -d "$DPMC" | grep LLVM)"
else
	pass dpmc_without_libllvm
fi

if readelf -d "$DPMC" 2>/dev/null | grep -q 'NEEDED.*asan'; then
	echo "note: dpmc has ASan, which reserves terabytes of address space: ulimit -v not tested"
else
	lim=100000
	if (ulimit -v $lim && "$DPMC" check "$T/m.dpm" >"$T/out" 2>"$T/err"); then
		pass "check_under_ulimit_v_$lim"
	else
		fail "check_under_ulimit_v_$lim" "$(cat "$T/err")"
	fi
	if (ulimit -v $lim && "$DPMC" render "$T/m.dpm" -d 0.1 --raw --backend tcc -o "$T/tcc.wav" \
	    >"$T/out" 2>"$T/err"); then
		pass "render_tcc_under_ulimit_v_$lim"
	else
		fail "render_tcc_under_ulimit_v_$lim" "$(cat "$T/err")"
	fi
	rm -f "$T/ll.wav"
	(ulimit -v $lim && "$DPMC" render "$T/m.dpm" -d 0.1 --backend llvm -o "$T/ll.wav" \
	    >"$T/out" 2>"$T/err")
	st=$?
	if [ "$st" = 1 ] && [ ! -e "$T/ll.wav" ] &&
	   grep -q "^dpmc: error: cannot load the llvm backend '.*dpmc-llvm.so'" "$T/err"; then
		pass "render_llvm_under_ulimit_v_${lim}_fails_cleanly"
	else
		fail "render_llvm_under_ulimit_v_${lim}_fails_cleanly" "exit $st: $(cat "$T/err")"
	fi
fi

# dpmc alone: the module is missing, and said so
mkdir -p "$T/alone" "$T/inst/bin" "$T/inst/lib/dpm"
cp "$DPMC" "$T/alone/dpmc"
if [ -e /usr/local/lib/dpm/dpmc-llvm.so ]; then
	echo "note: /usr/local/lib/dpm/dpmc-llvm.so is installed: the missing module not tested"
else
	"$T/alone/dpmc" render "$T/m.dpm" -d 0.1 --backend llvm -o "$T/al.wav" >"$T/out" 2>"$T/err"
	st=$?
	if [ "$st" = 1 ] && [ ! -e "$T/al.wav" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
	   grep -q "^dpmc: error: the llvm backend needs dpmc-llvm.so, which is not in '$T/alone'" "$T/err"; then
		pass module_missing
	else
		fail module_missing "exit $st: $(cat "$T/err")"
	fi
fi
cp "$DPMC" "$T/inst/bin/dpmc"
cp "$(dirname "$DPMC")/dpmc-llvm.so" "$T/inst/lib/dpm/"
if "$T/inst/bin/dpmc" render "$T/m.dpm" -d 0.1 --raw --backend llvm -o "$T/in.wav" 2>"$T/err" &&
   cmp -s "$T/in.wav" "$T/ref.wav"; then
	pass module_installed_layout
else
	fail module_installed_layout "$(cat "$T/err")"
fi

# ---- 3. the LLVM backend's knobs ----

# knob NAME ENV=VALUE... -- PATTERN [dpmc args]: exit 1, one line, no output
knob() {
	name=$1
	shift
	rm -f "$T/k.wav"
	env "$@" timeout 60 "$DPMC" render "$T/m.dpm" -d 0.1 --backend llvm -o "$T/k.wav" \
		>"$T/out" 2>"$T/err"
	st=$?
}
for v in 1000 3 -1 abc 4x; do
	knob vf DPM_LLVM_VF=$v
	if [ "$st" = 1 ] && [ ! -e "$T/k.wav" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
	   grep -q "^dpmc: error: DPM_LLVM_VF='$v': the vector width must be 1, 2, 4 or 8" "$T/err"; then
		pass "llvm_vf_$v"
	else
		fail "llvm_vf_$v" "exit $st: $(cat "$T/err")"
	fi
done
knob ir DPM_LLVM_IR=yes
if [ "$st" = 1 ] && [ ! -e "$T/k.wav" ] && grep -q "^dpmc: error: DPM_LLVM_IR='yes': it must be 1" "$T/err"; then
	pass llvm_ir_yes
else
	fail llvm_ir_yes "exit $st: $(cat "$T/err")"
fi
for v in 4 0; do
	rm -f "$T/k.wav"
	if DPM_LLVM_VF=$v DPM_LLVM_IR=0 "$DPMC" render "$T/m.dpm" -d 0.1 --raw --backend llvm \
	       -o "$T/k.wav" 2>"$T/err" && [ ! -s "$T/err" ] && cmp -s "$T/k.wav" "$T/ref.wav"; then
		pass "llvm_vf_${v}_ok"
	else
		fail "llvm_vf_${v}_ok" "$(cat "$T/err")"
	fi
done
rm -f "$T/k.wav"
"$DPMC" render "$T/m.dpm" -d 0.1 --backend llvm --cpu help -o "$T/k.wav" >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 1 ] && [ ! -e "$T/k.wav" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
   grep -q "does not know the CPU 'help'" "$T/err"; then
	pass llvm_cpu_help
else
	fail llvm_cpu_help "exit $st: $(head -c 300 "$T/err")"
fi
exit $fails
