/* ref.c — the schemes of varstring.dpm, freebar.dpm, freemem.dpm and tvloss.dpm written
 * out by hand from spec section 5 and the ghost-point rules of
 * docs/language.md, compared sample by sample with `dpmc render --raw`.
 * usage: ref MODEL N [NY] DPMC.wav  (N from `dpmc info`); exit 1 on mismatch */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
enum { STEPS = 8000 };

static double k = 1.0 / 44100;

/* linear interpolation at X on [0, 1] with N intervals */
static double
lin(const double *u, int n, double X)
{
	double h = 1.0 / n, pos = X / h, a;
	int i = (int)floor(pos);

	if (i > n - 1)
		i = n - 1;
	a = pos - i;
	return (1 - a) * u[i] + a * u[i + 1];
}

static void
varstring(int n, double *out)
{
	double h = 1.0 / n, c0 = 200;
	double *u = calloc(n + 1, sizeof *u), *up = calloc(n + 1, sizeof *u);
	double *un = calloc(n + 1, sizeof *u), *tmp;
	int i, s;

	for (i = 1; i <= n; i++) {
		u[i] = 0;
		up[i] = u[i] - k * sin(PI * i * h);
	}
	for (s = 0; s < STEPS; s++) {
		double t = s * k, g = 1 + 0.1 * sin(2 * PI * 3 * t);
		for (i = 1; i <= n; i++) {
			double x = i * h, T = 1 + 0.5 * x;
			double right = i < n ? u[i + 1] : u[n - 1];   /* free: u[N+1] = u[N-1] */
			double dxx = (u[i - 1] - 2 * u[i] + right) / (h * h);
			double f = g * 0.01 * sin(PI * x) * (t < 0.01);
			un[i] = (2 * u[i] - (1 - T * k) * up[i] + k * k * c0 * c0 * T * dxx + k * k * f)
			        / (1 + T * k);
		}
		out[2 * s] = lin(un, n, 0.5);
		out[2 * s + 1] = (lin(un, n, 0.9) - lin(u, n, 0.9)) / k;
		tmp = up; up = u; u = un; un = tmp;
	}
	free(u); free(up); free(un);
}

static void
freebar(int n, double *out)
{
	double h = 1.0 / n, kap = 2, den = 1 + 0.25 * k;
	double *b = calloc(3 * (n + 5), sizeof *b);
	double *u = b + 2, *up = b + (n + 5) + 2, *un = b + 2 * (n + 5) + 2, *tmp;
	double pos = 0.02 / h, a;
	int i, s, is = (int)floor(pos);

	a = pos - is;
	for (s = 0; s < STEPS; s++) {
		double t = s * k, F = t < 0.0005;
		/* ghost points from the free conditions u'' = 0, u''' = 0 */
		u[-1] = 2 * u[0] - u[1];
		u[-2] = u[2] - 4 * u[1] + 4 * u[0];
		u[n + 1] = 2 * u[n] - u[n - 1];
		u[n + 2] = u[n - 2] - 4 * u[n - 1] + 4 * u[n];
		for (i = 0; i <= n; i++) {
			double d4 = (u[i - 2] - 4 * u[i - 1] + 6 * u[i] - 4 * u[i + 1] + u[i + 2]) / (h * h * h * h);
			un[i] = (2 * u[i] - (1 - 0.25 * k) * up[i] - k * k * kap * kap * d4) / den;
		}
		un[is] += k * k * F * (1 - a) / h / den;
		un[is + 1] += k * k * F * a / h / den;
		out[s] = lin(un, n, 0.97);
		tmp = up; up = u; u = un; un = tmp;
	}
	free(b);
}

static void
freemem(int nx, int ny, double *out)
{
	double hx = 1.0 / nx, hy = 1.0 / ny, c = 100, den = 1 + 1.5 * k;
	long w = nx + 1, np = w * (ny + 1), q;
	double *u = calloc(np, sizeof *u), *up = calloc(np, sizeof *u);
	double *un = calloc(np, sizeof *u), *tmp;
	int i, j, s, o;
	static const double X[2] = {0.0, 0.52}, Y[2] = {1.0, 0.61};

	for (s = 0; s < STEPS; s++) {
		double t = s * k, S = t < 0.001;
		for (j = 1; j <= ny; j++)
			for (i = 0; i <= nx; i++) {
				/* free edges mirror: u[-1] = u[1] */
				int il = i > 0 ? i - 1 : 1, ir = i < nx ? i + 1 : nx - 1;
				int jd = j - 1, ju = j < ny ? j + 1 : ny - 1;
				q = i + j * w;
				double lap = (u[il + j * w] - 2 * u[q] + u[ir + j * w]) / (hx * hx)
				           + (u[i + jd * w] - 2 * u[q] + u[i + ju * w]) / (hy * hy);
				un[q] = (2 * u[q] - (1 - 1.5 * k) * up[q] + k * k * c * c * lap) / den;
			}
		{
			double px = 0.3 / hx, py = 0.35 / hy;
			int si = (int)floor(px), sj = (int)floor(py);
			double ax = px - si, ay = py - sj, f = k * k * S / (hx * hy) / den;
			un[si + sj * w] += f * (1 - ax) * (1 - ay);
			un[si + 1 + sj * w] += f * ax * (1 - ay);
			un[si + (sj + 1) * w] += f * (1 - ax) * ay;
			un[si + 1 + (sj + 1) * w] += f * ax * ay;
		}
		for (o = 0; o < 2; o++) {
			double px = X[o] / hx, py = Y[o] / hy, ax, ay;
			int oi = (int)floor(px), oj = (int)floor(py);
			if (oi > nx - 1) oi = nx - 1;
			if (oj > ny - 1) oj = ny - 1;
			ax = px - oi;
			ay = py - oj;
			out[2 * s + o] = (1 - ax) * (1 - ay) * un[oi + oj * w] + ax * (1 - ay) * un[oi + 1 + oj * w]
			               + (1 - ax) * ay * un[oi + (oj + 1) * w] + ax * ay * un[oi + 1 + (oj + 1) * w];
		}
		tmp = up; up = u; u = un; un = tmp;
	}
	free(u); free(up); free(un);
}

/* tvloss.dpm: sigma0 = 5000 t; the point force at 0.31 and the spring's
 * at 0.47 (both halfway between two points, weights 1/2 / h), each
 * divided by 1 + sigma0(t_n) k at step n; the mass's damper centred */
static void
tvloss(int n, double *out)
{
	double h = 1.0 / n, c = 50, *u = calloc(n + 1, sizeof *u), *up = calloc(n + 1, sizeof *u);
	double *un = calloc(n + 1, sizeof *u), *tmp, z = 0, zp = 0, zn, t, s, den, F, r;
	int i, q, p = (int)floor(0.31 / h), j = (int)floor(0.47 / h);
	double ap = 0.31 / h - p, aj = 0.47 / h - j;

	for (q = 0; q < STEPS; q++) {
		t = q * k;
		s = 5000 * t;
		den = 1 + s * k;
		r = (1 - aj) * u[j] + aj * u[j + 1];
		F = 3000 * (z - r);
		for (i = 1; i < n; i++)
			un[i] = (2 * u[i] - (1 - s * k) * up[i] + k * k * c * c * (u[i + 1] - 2 * u[i] + u[i - 1]) / (h * h))
			        / den;
		un[j] += k * k * F * (1 - aj) / h / den;
		un[j + 1] += k * k * F * aj / h / den;
		if (t < 0.002) {
			un[p] += k * k * 1000 * (1 - ap) / h / den;
			un[p + 1] += k * k * 1000 * ap / h / den;
		}
		zn = (2 * z - (1 - 30 * k) * zp + k * k * (-1e4 * z - F)) / (1 + 30 * k);
		out[2 * q] = (1 - aj) * un[j] + aj * un[j + 1];
		out[2 * q + 1] = zn;
		tmp = up, up = u, u = un, un = tmp;
		zp = z, z = zn;
	}
	free(u);
	free(up);
	free(un);
}

int
main(int argc, char **argv)
{
	double *ref = calloc(2 * STEPS, sizeof *ref), *got, err = 0, peak = 0;
	SF_INFO info = {0};
	SNDFILE *f;
	long i, n;
	const char *wav = argv[argc - 1];

	if (argc < 4)
		return 2;
	if (!strcmp(argv[1], "varstring"))
		varstring(atoi(argv[2]), ref);
	else if (!strcmp(argv[1], "freebar"))
		freebar(atoi(argv[2]), ref);
	else if (!strcmp(argv[1], "tvloss"))
		tvloss(atoi(argv[2]), ref);
	else
		freemem(atoi(argv[2]), atoi(argv[3]), ref);
	if (!(f = sf_open(wav, SFM_READ, &info))) {
		fprintf(stderr, "cannot read %s\n", wav);
		return 1;
	}
	n = (long)info.frames * info.channels;
	got = calloc(n, sizeof *got);
	sf_command(f, SFC_SET_NORM_DOUBLE, NULL, SF_FALSE);
	sf_readf_double(f, got, info.frames);
	sf_close(f);
	if (info.frames != STEPS) {
		fprintf(stderr, "%ld frames, want %d\n", (long)info.frames, STEPS);
		return 1;
	}
	for (i = 0; i < n; i++) {
		/* dpmc writes --raw as 32-bit float: compare at float precision */
		double d = fabs((float)ref[i] - got[i]);
		if (d > err)
			err = d;
		if (fabs(ref[i]) > peak)
			peak = fabs(ref[i]);
	}
	printf("max abs difference %.3g, peak %.3g, relative %.3g\n", err, peak, err / peak);
	free(ref);
	free(got);
	return !(peak > 0 && err <= 1e-6 * peak);
}
