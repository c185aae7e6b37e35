#!/bin/sh
# tests/names/run.sh — every model name the language accepts gives C that
# compiles (issue 14, 7), and the generated API's edges (issue 14, 11).
#  - no-collision: the prefix is the only place the name goes, so a name
#    breaks the C only when NAME_suffix is already a name there (libc's
#    pthread_create for `pthread`, a local model_grid for `model`).  Every
#    such NAME, found in the preprocessed generated C, header, built main
#    and rt.h, must come out compiling (cg_prefix gives it dpm_).
#  - names: the brief's names (locals, libc functions and macros), the C
#    keywords and typedefs the language takes, names of 250 and 1000
#    characters: `build -o X.c` compiled with
#    $CC -std=c99 -pedantic -Wall -Werror -c; the public names stay NAME_x.
#  - those and every identifier of the generated C and of the built main
#    load and render in one REPL (TinyCC).
#  - a few with dpmc render --backend tcc, cc and llvm (the same bits),
#    as executables (the same WAV as render), and in 2-D.
#  - host.c against the header after libc's, sanitized: NULL params,
#    INT_MAX and negative grids, bad rates, short err buffers.
# env: DPMC, REPO, CC.  Prints PASS name / FAIL name: why.

REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
DPMC=${DPMC:-$REPO/dpmc}
CC=${CC:-cc}
HERE=$REPO/tests/names
T=$(mktemp -d "${TMPDIR:-/tmp}/dpmc-names.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME
CFLAGS="-std=c99 -pedantic -Wall -Werror"
LC_ALL=C   # the compilers' messages in ASCII
export LC_ALL

pass() { echo "PASS names/$1"; }
fail() { echo "FAIL names/$1: $(printf "%s" "$2" | tr "\n" " " | cut -c 1-400)"; }
# short NAME: NAME, or its first 20 characters and its length
short() { if [ ${#1} -gt 24 ]; then printf "%.20s..%d" "$1" ${#1}; else printf "%s" "$1"; fi; }

if [ ! -x "$DPMC" ]; then
	fail setup "no dpmc at $DPMC"
	exit 1
fi

# mk MODEL NAME FILE: tests/names/MODEL.dpm with the model called NAME
mk() { sed "s/^model NAME\$/model $2/" "$HERE/$1.dpm" >"$3"; }
# prefix H: the prefix of the API in header H (NAME_model is its type)
prefix() { sed -n 's/^typedef struct \([A-Za-z0-9_]*\)_model .*/\1/p' "$1" | head -n 1; }

L250=$(printf "%0250d" 0 | tr 0 l)
L1000=$(printf "%01000d" 0 | tr 0 k)
# the dpm keywords: not model names
KW=$(sed -n 's/^"\([a-z]*\)"[	 ]*TOK(.*/\1/p' "$REPO/compiler/front/lexer.l" | tr '\n' ' ')
iskw() { case " $KW " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- no-collision: which names could clash, from the real headers ----
mk string zzq "$T/zzq.dpm"
mk membrane zzq "$T/zzq2.dpm"
for s in c h; do
	"$DPMC" emit "$T/zzq.dpm" --stage $s >"$T/zzq.$s" 2>"$T/err" || fail emit-$s "$(cat "$T/err")"
	"$DPMC" emit "$T/zzq2.dpm" --stage $s >"$T/zzq2.$s" 2>>"$T/err"
done
sed -n '/exe_main\[\] = {/,/^	NULL$/p' "$REPO/compiler/cli/cli_build.c" |
	sed -n 's/^	"\(.*\)",$/\1/p' | sed 's/\\n$//; s/\\t/	/g; s/DPM_P([a-z_]*)/DPM_P()/g' >"$T/main.c"
printf '#include <stdio.h>\n#include <math.h>\n#include <stdlib.h>\n#include <string.h>\n#include "rt.h"\n#include "zzq.h"\n' >"$T/hdr.c"
# identifiers, without comments and string literals
ids() { sed 's/"\([^"\\]\|\\.\)*"//g' | grep -o '[A-Za-z_][A-Za-z0-9_]*' | sort -u; }
{
	for f in zzq.c zzq2.c; do
		$CC -E -dD "$T/$f" 2>/dev/null
		$CC -E -dD -DDPM_EXTERN_RUN -DDPM_EXTERN_SWEEP -DDPM_EXTERN_ADJ "$T/$f" 2>/dev/null
		$CC -E -dD -DDPM_THREADS "$T/$f" 2>/dev/null
		command -v tcc >/dev/null && tcc -E "$T/$f" 2>/dev/null
	done
	$CC -E -dD -I"$REPO/runtime" -I"$T" "$T/hdr.c" 2>/dev/null
	cat "$T/main.c"
} | ids >"$T/all.ids"
cat "$T/zzq.c" "$T/zzq.h" "$T/zzq2.c" | ids | sed -n 's/^zzq\(_.*\)/\1/p' >"$T/suffix"
if [ "$(wc -l <"$T/all.ids")" -lt 1000 ] || ! grep -qx _create "$T/suffix"; then
	fail no-collision-setup "too few identifiers ($(wc -l <"$T/all.ids")) or no _create suffix"
fi
# NAME for every identifier NAME_SUFFIX that is not the model's own
awk 'NR == FNR { suf[$1] = 1; next }
     /^zzq_/ { next }
     { for (i = 2; i <= length($0); i++)
         if (substr($0, i, 1) == "_" && (substr($0, i) in suf) && substr($0, 1, i - 1) ~ /^[A-Za-z_][A-Za-z0-9_]*$/)
           print substr($0, 1, i - 1) }' "$T/suffix" "$T/all.ids" | sort -u >"$T/clash"
echo "the names that would clash: $(tr '\n' ' ' <"$T/clash")" >"$T/clash.txt"
grep -qx pthread "$T/clash" && pass no-collision-found-pthread ||
	fail no-collision-found-pthread "the search does not find pthread_create ($(cat "$T/clash.txt"))"

# ---- the names ----
BRIEF="m n h i err params sqrt exp free stdin FILE NULL NAN M_PI HUGE_VAL INFINITY errno
dpm u un up c0 t0 P lam tmp q main exit printf rt_wav_write rt_nframes DPM_P DPM_VEC dpm_v8 dpm_vw DPM_W DPM_L0
x y k p s t z zzq model_grid mgrid dpm_main_usage"
CKW="auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Atomic _Generic _Noreturn
_Static_assert _Thread_local asm typeof size_t ptrdiff_t int8_t uint64_t wchar_t bool true false
class new delete this template"
CORE=$(printf "%s\n" $BRIEF $CKW $(cat "$T/clash") _ _X __STDC__ _STDIO _MATH RT get_current_dir timer "$L250" "$L1000" | awk '!seen[$0]++')

n=0 bad=0
: >"$T/cfiles"
for name in $CORE; do
	iskw "$name" && continue
	n=$((n + 1))
	d=$T/c$n
	mkdir -p "$d"
	mk string "$name" "$d/m.dpm"
	if ! "$DPMC" build "$d/m.dpm" -o "$d/m.c" 2>"$T/err"; then
		fail "build-$(short "$name")" "$(cat "$T/err")"
		bad=$((bad + 1))
		continue
	fi
	# -c for the brief's names, the same checks without the object for the rest
	case " $(echo $BRIEF) $L250 " in
	*" $name "*) echo "$d -c" >>"$T/cfiles" ;;
	*) echo "$d -fsyntax-only" >>"$T/cfiles" ;;
	esac
	# the public API keeps the model's name unless it would clash
	p=$(prefix "$d/m.h")
	# (rt and rt_*: the runtime's own namespace, dpm_ whether or not a
	# name of rt.h clashes today; likewise

	# dpm and dpm_*: the dpm_* interface's namespace)
	if grep -qx "$name" "$T/clash" || [ "${name#_}" != "$name" ] || [ "${name#rt_}" != "$name" ] ||
	    [ "$name" = rt ] || [ "$name" = dpm ] || [ "${name#dpm_}" != "$name" ]; then
		[ "$p" = "dpm_$name" ] || { fail "prefix-$(short "$name")" "prefix '$p', want dpm_$name"; bad=$((bad + 1)); }
	elif [ "$p" != "$name" ] || ! grep -q "^$name"'_model \*'"$name"'_create(' "$d/m.h"; then
		fail "prefix-$(short "$name")" "the header has no ${name}_create returning ${name}_model *"
		bad=$((bad + 1))
	fi
done
[ "$bad" = 0 ] && pass "build-$n-names"
# $CC every file, two at a time; each must compile clean
xargs -P 2 -L 1 sh -c 'cd "$1" && '"$CC $CFLAGS"' $2 m.c 2>cc.log || echo "$1"' sh <"$T/cfiles" >"$T/ccbad"
if [ -s "$T/ccbad" ]; then
	for d in $(cat "$T/ccbad"); do
		fail "cc-$(short "$(sed -n 's/^model //p' "$d/m.dpm")")" "$(head -c 300 "$d/cc.log")"
	done
else
	pass "cc-c-$(wc -l <"$T/cfiles")-names"
fi
[ "$(wc -l <"$T/cfiles")" -gt 60 ] || fail names-count "only $(wc -l <"$T/cfiles") names built"

# ---- and every identifier of the generated C: all load and render in one REPL (TinyCC) ----
# (without the comments' words)
for f in zzq.c zzq2.c zzq.h main.c; do
	$CC -fpreprocessed -dD -E -P -x c "$T/$f" 2>/dev/null
done | ids | grep -v '^zzq_' >"$T/internal"
mkdir -p "$T/r"
i=0
: >"$T/repl.in"
for name in $(printf "%s\n" $CORE $(cat "$T/internal") | awk '!seen[$0]++'); do
	iskw "$name" && continue
	i=$((i + 1))
	mk string "$name" "$T/r/$i.dpm"
	echo "$i $name" >>"$T/r/list"
	printf 'load %s\nrender 0.001 %s\n' "$T/r/$i.dpm" "$T/r/$i.wav" >>"$T/repl.in"
done
"$DPMC" repl <"$T/repl.in" >"$T/repl.out" 2>"$T/repl.err"
bad=0
# (under SANITIZE=1: no report from ASan, UBSan or LSan)
if grep -q 'Sanitizer\|runtime error' "$T/repl.err"; then
	fail render-sanitizer "$(grep -m 3 'Sanitizer\|runtime error' "$T/repl.err")"
	bad=1
fi
while read -r j name; do
	if ! grep -q "^loaded $name ($T/r/$j.dpm)" "$T/repl.out" || [ ! -s "$T/r/$j.wav" ]; then
		"$DPMC" render "$T/r/$j.dpm" -d 0.001 -o "$T/r/$j.wav" >/dev/null 2>"$T/err"
		fail "render-$(short "$name")" "not loaded and rendered in the REPL; render says: $(head -c 300 "$T/err")"
		bad=$((bad + 1))
	fi
done <"$T/r/list"
[ "$bad" = 0 ] && [ "$i" -gt 300 ] && pass "render-$i-names"
[ "$i" -gt 300 ] || fail render-count "only $i names"

# ---- other backends, executables, 2-D ----
for name in m pthread "$L250"; do
	mk string "$name" "$T/b.dpm"
	"$DPMC" render "$T/b.dpm" -d 0.01 --raw -o "$T/b-tcc.wav" 2>"$T/err" || fail "tcc-$(short "$name")" "$(cat "$T/err")"
	for b in cc llvm; do
		if ! "$DPMC" render "$T/b.dpm" --backend $b -d 0.01 --raw -o "$T/b-$b.wav" 2>"$T/err"; then
			fail "backend-$b-$(short "$name")" "$(cat "$T/err")"
		elif ! cmp -s "$T/b-tcc.wav" "$T/b-$b.wav"; then
			fail "backend-$b-$(short "$name")" "differs from tcc"
		else
			pass "backend-$b-$(short "$name")"
		fi
	done
done
ls "$T/cache/dpm" 2>/dev/null | awk 'length($0) > 100 { bad = 1 } END { exit bad }' &&
	pass cc-cache-short-file-names || fail cc-cache-short-file-names "$(ls "$T/cache/dpm" | awk '{ print length($0) }')"
for name in main "$L250"; do
	mk string "$name" "$T/e.dpm"
	"$DPMC" render "$T/e.dpm" -d 0.01 -o "$T/e-r.wav" 2>"$T/err"
	if ! "$DPMC" build "$T/e.dpm" -o "$T/exe" 2>"$T/err"; then
		fail "exe-$(short "$name")" "$(cat "$T/err")"
	elif ! "$T/exe" -d 0.01 -o "$T/e-x.wav" 2>"$T/err"; then
		fail "exe-$(short "$name")" "the program failed: $(cat "$T/err")"
	elif ! cmp -s "$T/e-r.wav" "$T/e-x.wav"; then
		fail "exe-$(short "$name")" "its WAV differs from render's"
	else
		pass "exe-$(short "$name")"
	fi
done
for name in h err NULL timer "$L250"; do
	mk membrane "$name" "$T/2d.dpm"
	if ! "$DPMC" render "$T/2d.dpm" -d 0.001 -o "$T/2d.wav" 2>"$T/err"; then
		fail "2d-render-$(short "$name")" "$(cat "$T/err")"
	elif ! "$DPMC" build "$T/2d.dpm" -o "$T/2d.c" 2>"$T/err"; then
		fail "2d-build-$(short "$name")" "$(cat "$T/err")"
	elif ! $CC $CFLAGS -c "$T/2d.c" -o "$T/2d.o" 2>"$T/err"; then
		fail "2d-cc-$(short "$name")" "$(cat "$T/err")"
	else
		pass "2d-$(short "$name")"
	fi
done

# ---- the API's edges, from host.c ----
# host MODEL NAME SAN: host.c against the model named NAME; SAN: sanitized and run
host() {
	d=$T/h-$1-$2
	mkdir -p "$d"
	mk "$1" "$2" "$d/m.dpm"
	if ! "$DPMC" build "$d/m.dpm" -o "$d/m.c" 2>"$T/err"; then
		fail "host-build-$2" "$(cat "$T/err")"
		return
	fi
	p=$(prefix "$d/m.h")
	sed "s/MDL_/${p}_/g" "$HERE/host.c" >"$d/host.c"
	if [ "$3" = 0 ]; then
		$CC $CFLAGS -I"$d" -I"$REPO/runtime" -fsyntax-only "$d/host.c" 2>"$T/err" &&
			pass "host-header-$(short "$2")" || fail "host-header-$(short "$2")" "$(cat "$T/err")"
		return
	fi
	if ! $CC $CFLAGS -g -fsanitize=address,undefined -fno-sanitize-recover=all -I"$d" -I"$REPO/runtime" \
	    -o "$d/host" "$d/host.c" "$d/m.c" -lpthread -lm 2>"$T/err"; then
		fail "host-cc-$2" "$(cat "$T/err")"
		return
	fi
	"$d/host" "$1-" >"$d/out" 2>"$T/err"
	st=$?
	cat "$d/out"
	if [ -s "$T/err" ]; then
		fail "host-$1-clean" "$(head -c 300 "$T/err")"
	elif [ "$st" != 0 ] && ! grep -q '^FAIL' "$d/out"; then
		fail "host-$1-run" "exit $st"
	fi
}
host string NULL 1
host membrane h 1
for name in FILE stdin M_PI pthread _STDIO _MATH RT main m; do
	host string "$name" 0
done
exit 0
