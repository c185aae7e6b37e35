# modes.awk — closed-form modal frequencies of the schemes dpmc generates,
# next to those of the continuous models, for run.sh.
#
#   awk -v kind=string|stiff|membrane|plate -v k=K -v nx=N -v hx=H
#       [-v ny=M -v hy=H] -v g=GAMMA -v kap=KAPPA -v c=C -v fmax=F
#       -f modes.awk
#
# prints `fd fc p q` (discrete Hz, continuous Hz, mode numbers) for every
# mode with fd < fmax, unsorted.
#
# Derivation (Bilbao, NSS 6.2.4, 7.1.3, 11.3.2, 12.2.3).  With u = 0 on the
# boundary (plus the odd ghost u[-1] = -u[1] of simply supported ends), the
# grid functions sin(p pi i / N) are eigenvectors of the centred
# differences: dxx -> -(4/h^2) s^2, dxxxx -> (16/h^4) s^4, s = sin(p pi /
# (2N)); the 5-point lap -> -Lam, Lam = 4 sx^2 / hx^2 + 4 sy^2 / hy^2, and
# the 13-point bilap = lap lap -> Lam^2.  A mode z^n of the two-step scheme
# dtt u = -Q u gives z - 2 + 1/z = -k^2 Q, i.e. with z = e^{i w k}
#
#     sin(w k / 2) = (k / 2) sqrt(Q),       w = (2 / k) asin((k/2) sqrt(Q)).
#
#   ideal string   Q = g^2 4 s^2 / h^2      -> asin(lambda s), lambda = g k / h
#   stiff string   Q = g^2 4 s^2/h^2 + kap^2 16 s^4/h^4
#                                           -> asin(sqrt(lambda^2 s^2 + 4 mu^2 s^4)),
#                                              mu = kap k / h^2
#   membrane       Q = c^2 Lam              -> asin((c k / 2) sqrt(Lam))
#   plate (ss)     Q = kap^2 Lam^2          -> asin(kap k Lam / 2)
#
# Continuous (length L = N h): string p g / (2L); stiff sqrt(g^2 b^2 +
# kap^2 b^4) / (2 pi), b = p pi / L; membrane (c / 2) sqrt((p/Lx)^2 +
# (q/Ly)^2); plate (kap pi / 2) ((p/Lx)^2 + (q/Ly)^2).

function asin(x) { return atan2(x, sqrt(1 - x * x)) }

function emit(x, fc, p, q) {
	if (x >= 1)		# beyond the scheme's Nyquist: unstable, skip
		return
	fd = asin(x) / (pi * k)
	if (fd < fmax)
		printf "%.15g %.15g %d %d\n", fd, fc, p, q
}

BEGIN {
	pi = atan2(0, -1)
	if (kind == "string" || kind == "stiff") {
		L = nx * hx
		for (p = 1; p < nx; p++) {
			s = sin(p * pi / (2 * nx))
			la = g * k / hx
			mu = kap * k / (hx * hx)
			b = p * pi / L
			emit(sqrt(la * la * s * s + 4 * mu * mu * s ^ 4),
			     sqrt(g * g * b * b + kap * kap * b ^ 4) / (2 * pi), p, 0)
		}
	} else {
		Lx = nx * hx
		Ly = ny * hy
		for (p = 1; p < nx; p++)
			for (q = 1; q < ny; q++) {
				sx = sin(p * pi / (2 * nx))
				sy = sin(q * pi / (2 * ny))
				lam = 4 * sx * sx / (hx * hx) + 4 * sy * sy / (hy * hy)
				r2 = (p / Lx) ^ 2 + (q / Ly) ^ 2
				if (kind == "membrane")
					emit(c * k / 2 * sqrt(lam), c / 2 * sqrt(r2), p, q)
				else
					emit(kap * k * lam / 2, kap * pi / 2 * r2, p, q)
			}
	}
}
