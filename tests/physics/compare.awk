# compare.awk — measured peaks against closed-form modes, for run.sh.
#
#   awk -v m=M -v tol=T -v sep=HZ -v nstrong=S -f compare.awk EXP PEAKS
#
# EXP: `fd fc p q` lines sorted by fd (modes.awk | sort -g); PEAKS: `freq
# amp` lines (peaks).  Checks, printing `ok ...` or `bad ...`:
#  - each of the first m modes that lies more than sep Hz from every other
#    mode (so that it is one resolvable peak) has a measured peak within
#    relative tol of its discrete frequency fd;
#  - each of the nstrong strongest measured peaks is within tol of some fd
#    (no partial the scheme should not have);
#  - sensitivity: some checked mode's continuous frequency fc is more than
#    10 tol away from the measured one, so the comparison can tell the
#    discrete closed form from the continuous one.
function abs(x) { return x < 0 ? -x : x }

BEGIN { ne = 0; nm = 0 }

FNR == NR { fd[ne] = $1; fc[ne] = $2; pq[ne] = $3 "," $4; ne++; next }
{ fm[nm] = $1; am[nm] = $2; nm++ }

END {
	bad = ""; worst = 0; dev = 0; nchk = 0
	for (i = 0; i < ne && nchk < m; i++) {
		if ((i > 0 && fd[i] - fd[i - 1] <= sep) ||
		    (i + 1 < ne && fd[i + 1] - fd[i] <= sep))
			continue
		nchk++
		best = -1
		for (j = 0; j < nm; j++)
			if (best < 0 || abs(fm[j] - fd[i]) < abs(fm[best] - fd[i]))
				best = j
		if (best < 0) { bad = bad " no-peaks"; break }
		e = abs(fm[best] - fd[i]) / fd[i]
		if (e > worst) worst = e
		if (e > tol)
			bad = bad sprintf(" mode(%s): closed form %.6f Hz, nearest peak %.6f Hz (rel %.2g);", pq[i], fd[i], fm[best], e)
		d = abs(fm[best] - fc[i]) / fc[i]
		if (d > dev) dev = d
	}
	if (nchk < m)
		bad = bad sprintf(" only %d isolated modes below fmax (want %d);", nchk, m)
	# the strongest peaks
	for (s = 0; s < nstrong && s < nm; s++) {
		top = -1
		for (j = 0; j < nm; j++)
			if (!(j in used) && (top < 0 || am[j] > am[top]))
				top = j
		used[top] = 1
		near = -1
		for (i = 0; i < ne; i++)
			if (near < 0 || abs(fd[i] - fm[top]) < abs(fd[near] - fm[top]))
				near = i
		if (near < 0 || abs(fd[near] - fm[top]) / fm[top] > tol)
			bad = bad sprintf(" strong peak %.6f Hz matches no mode;", fm[top])
	}
	if (dev <= 10 * tol)
		bad = bad sprintf(" continuous closed form within %.2g: test not sensitive;", dev)
	if (bad != "")
		print "bad" bad
	else
		printf "ok %d modes, worst rel error %.2g, continuous form off by %.2g\n", nchk, worst, dev
}
