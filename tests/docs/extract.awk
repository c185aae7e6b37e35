# tests/docs/extract.awk — turns the fenced code blocks of a markdown file
# (README.md, docs/tutorial.md) into a shell script of calls that
# tests/docs/run.sh defines:
#   save FILE <<'EOF'     a model block (first non-comment line `model
#                         NAME`), saved as the file the text names:
#                         "Save it as `F`" / "Save this as `F`" in the
#                         prose before the block, or a marker the reader
#                         does not see, `<!-- file: F -->`, right before
#                         it; or "Save it as `F`" in the prose right after
#   step WHERE 'CMD' <<'EOF'  a command: a README line starting with
#                         ./dpmc, dpmc, sox or make, or a tutorial line
#                         after `$ `; a trailing `\` joins the next line.
#                         Its stdin: the lines after `cat > F` or `cat F`
#                         (the file's text), the `dpm> ` lines after
#                         `dpmc repl` (its input), else /dev/null
#   shown 'LINE'          a line the last command is shown to print
# A block of `dpm> ` lines alone runs as `dpmc repl MODEL` fed those
# lines, with a marker `<!-- repl: MODEL -->` before it.
# Blocks of anything else (C, equations, an error shown alone) make none.
# Variable: doc (the file name, for WHERE).

function q(s) { gsub(/'/, "'\\''", s); return "'" s "'" }

# the pending command, with the lines fed to it as its stdin
function flush_feed(   j) {
	if (pending == "")
		return
	if (nfeed > 0) {
		print pending " <<'EOF_DOCS'"
		for (j = 1; j <= nfeed; j++)
			print feed[j]
		print "EOF_DOCS"
	} else {
		print pending " </dev/null"
	}
	for (j = 1; j <= nshown; j++)
		print "shown " q(shown[j])
	pending = ""; nfeed = 0; nshown = 0
}

function emit_cmd(c, where) {
	flush_feed()
	pending = "step " q(where) " " q(c)
	lastcmd = c
	feeding = (c ~ /^cat >? ?[^ |<>]+$/ || c ~ /^(\.\/)?dpmc repl/)
}

!inblock && /^```/ && heldn > 0 {
	print "missing " q(heldat) " " q("a model block without a file name")
	heldn = 0
}
!inblock && /^```/ {
	inblock = 1; nblk = 0; blkstart = NR
	next
}
inblock && /^```/ {
	inblock = 0
	# a model?
	first = ""
	for (i = 1; i <= nblk; i++)
		if (blk[i] !~ /^[ \t]*(#|$)/) { first = blk[i]; break }
	if (first ~ /^model [A-Za-z_]/) {
		if (file == "") {          # "Save it as" may come after it
			heldn = nblk; heldat = doc ":" blkstart
			for (i = 1; i <= nblk; i++)
				held[i] = blk[i]
		} else {
			print "save " q(file) " <<'EOF_DOCS'"
			for (i = 1; i <= nblk; i++)
				print blk[i]
			print "EOF_DOCS"
		}
		file = ""; repl = ""
		next
	}
	if (repl != "") {
		pending = "step " q(doc ":" blkstart) " " q("dpmc repl " repl)
		nfeed = 0; nshown = 0
		for (i = 1; i <= nblk; i++)
			if (blk[i] ~ /^dpm> /)
				feed[++nfeed] = substr(blk[i], 6)
		flush_feed()
		file = ""; repl = ""
		next
	}
	file = ""; repl = ""
	prompt = 0
	for (i = 1; i <= nblk; i++)
		if (blk[i] ~ /^\$ /) prompt = 1
	cmd = ""; feeding = 0; nfeed = 0
	for (i = 1; i <= nblk; i++) {
		l = blk[i]
		if (cmd != "") {                  # a continuation
			sub(/^[ \t]+/, "", l)
			cmd = cmd " " l
		} else if (prompt && l ~ /^\$ /) {
			cmd = substr(l, 3); where = doc ":" (blkstart + i)
		} else if (!prompt && l ~ /^(\.\/dpmc|dpmc|sox|make|\.\/configure) /) {
			cmd = l; where = doc ":" (blkstart + i)
		} else if (l ~ /^[ \t]+#/ && !prompt) {
			continue                  # a comment's second line
		} else {
			if (feeding && lastcmd ~ /^cat/)
				feed[++nfeed] = l
			else if (feeding && l ~ /^dpm> /)
				feed[++nfeed] = substr(l, 6)
			else
				shown[++nshown] = l
			continue
		}
		if (cmd ~ /\\$/) {
			sub(/[ \t]*\\$/, "", cmd)
			continue
		}
		emit_cmd(cmd, where)
		cmd = ""
	}
	flush_feed()
	next
}
inblock { blk[++nblk] = $0; next }
/<!-- *file: *[^ ]+ *-->/ {
	file = $0
	sub(/.*<!-- *file: */, "", file); sub(/ *-->.*/, "", file)
	next
}
/<!-- *repl: *[^ ]+ *-->/ {
	repl = $0
	sub(/.*<!-- *repl: */, "", repl); sub(/ *-->.*/, "", repl)
	next
}
# the prose may wrap anywhere: look at each line joined to the one before
{ two = prev " " $0; prev = $0 }
two ~ /[Ss]ave (it|this) as `[^`]+`/ {
	file = two
	sub(/.*[Ss]ave (it|this) as `/, "", file); sub(/`.*/, "", file)
	if (heldn > 0) {
		print "save " q(file) " <<'EOF_DOCS'"
		for (i = 1; i <= heldn; i++)
			print held[i]
		print "EOF_DOCS"
		heldn = 0; file = ""
	}
	next
}

END { if (heldn > 0) print "missing " q(heldat) " " q("a model block without a file name") }
