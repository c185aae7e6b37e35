#!/bin/sh
# objcache.sh — the compiler run.sh gives `make fuzz` as FUZZ_CC:
#
#   FUZZ_OBJS=DIR sh objcache.sh CC FLAGS... -o OUT FILE.c... -lLIB...
#
# compiles each FILE.c on its own with FLAGS into DIR and links the
# objects with FLAGS into OUT, as CC given the whole line would.  An
# object is made once for its preprocessed text and the flags besides -D
# and -I (the harnesses share the front end's sources, built alike; a
# file that reads a -D of one harness, fuzz_front.c's FUZZ_MIDDLE, is
# another text and so another object).  Its scratch names carry the
# process id, so that a parallel make may run several at once.
cc=$1
shift
flags= cflags= srcs= libs= out=
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift ;;
	*.c) srcs="$srcs $1" ;;
	-l*|-L*|*.a) libs="$libs $1" ;;
	-D*|-I*) flags="$flags $1" ;;
	*) flags="$flags $1" cflags="$cflags $1" ;;
	esac
	shift
done
objs=
for s in $srcs; do
	$cc $flags -E -o "$FUZZ_OBJS/pp.$$.i" "$s" || exit 1
	o=$FUZZ_OBJS/$({ echo "$cflags"; cat "$FUZZ_OBJS/pp.$$.i"; } | cksum | tr ' ' _).o
	if [ ! -f "$o" ]; then
		$cc $flags -c -o "$o.$$.tmp" "$s" && mv "$o.$$.tmp" "$o" || exit 1
	fi
	objs="$objs $o"
done
exec $cc $flags -o "$out" $objs $libs
