"""tests/bench/fits_oracle.py -- how low a scale-invariant distance can
go for models whose partials each decay as one exponential, as two, or
as two damped sinusoids (beating).

    sox REC.wav -t f32 -r 44100 -c 1 - trim 0 1 | python3 fits_oracle.py F1
    sox -M TARGET.wav OTHER.wav -t f32 - | python3 fits_oracle.py --dist
    sox -M REC.wav FITTED.wav -t f32 - | python3 fits_oracle.py --swap F1

reads one second of float32 samples at 44.1 kHz, tracks the partials of
its harmonic series from F1 Hz (each one's frequency, and its amplitude
every 256 samples), and builds three sums of sinusoids at the tracked
frequencies with random phases:
  track  each partial's tracked amplitude envelope
  1exp   each partial's best single exponential (its own level and
         decay, fitted to the envelope after the first 20 ms in log
         amplitude, weighted by energy)
  2exp   each partial's best sum of two exponentials (two levels, two
         decays: a two-stage decay, as two polarisations of different
         loss, or a string mode and a body mode sharing its energy, give)
  2mode  each partial as two damped sinusoids, each with its own level,
         phase, decay and frequency (within a few Hz of the partial's):
         two polarisations, or a string mode and a body mode, beating
  start  nothing tracked: prints the distances' own replica values only
and prints sispec and simrstft of each against the recording: numpy
replicas of runtime/loss.c's (hop N/4, periodic Hann, zeros past the
end, DC and N/2 left out, the gain in closed form, SC + LM with the
floor max(1e-3 max |T|, 30 median |T|) and Huber 1e-2; they agree with dpmc's to about 0.005).
1mode bounds what any model of exponentially decaying partials (a linear
string, whatever its dispersion, loss law, excitation, pickup or body
filter) can reach (1exp is the same with the tracker's frequencies,
which are less exact than the pencil's): only envelopes that are not one
exponential (beats between a string's two polarisations, a body mode's
coupling, a two-stage decay) go lower.

Measured (session 8, sispec; the random phases move each by ~0.02):
Gb1 track 0.32, 1exp 0.43, 2exp 0.39, 1mode 0.37, 2mode 0.31; A1 track
0.20, 1exp 0.43, 2exp 0.39, 1mode 0.43, 2mode 0.34.  Half the start's
distance (fits.sh: 0.78 and 0.79 from 8 % flat) is 0.39 and 0.40: a
partial as two damped sinusoids (2mode) reaches it on both notes, two
non-beating exponentials (2exp) only just, one exponential (1exp,
1mode) on neither for A1.

--dist prints sispec of OTHER from TARGET (both 1 s at 44.1 kHz).
--swap shows where a fit's distance lies: REC's partials and FITTED's,
each rebuilt with the frequencies of one and the envelopes of the other
(or REC's envelopes on the first few partials only), and per partial its
share of the energy and its levels over time.  Gb1 fitted from 8 % flat
(session 9): the render 0.53; the recording's partials 0.33, with the
render's frequencies 0.33, with the render's envelopes 0.52, with the
recording's envelopes on partials 1-3 0.35; the first three partials
carry 95 % of the energy and fall by 8, 30 and 23 dB from 0.05 to 0.9 s,
the render's by 18, 19 and 21 dB.  A1: 0.47; 0.21, 0.21, 0.46; on
partials 1-2 0.26; the first two carry 95 % and fall by 7 and 23 dB, the
render's by 12 and 14 dB."""
import sys
import numpy as np

FS = 44100
SISPEC = (8192, 4096, 2048, 1024)


def stft(x, n):
    h = n // 4
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    nf = (len(x) + h - 1) // h
    xp = np.concatenate([x, np.zeros(n + h * nf)])
    idx = np.arange(nf)[:, None] * h + np.arange(n)[None, :]
    return np.abs(np.fft.rfft(xp[idx] * w, axis=1))[:, 1:-1]


def huber(r, d=1e-2):
    a = np.abs(r)
    return np.where(a >= d, a - d / 2, r * r / (2 * d))


def dist(t, y, sizes):
    tot = 0
    for n in sizes:
        T, Y = stft(t, n), stft(y, n)
        u = (Y * T).sum() / (Y * Y).sum() * Y
        eps = max(1e-3 * T.max(), 30 * np.median(T))
        tot += np.sqrt(((u - T) ** 2).sum() / (T * T).sum())
        tot += huber(np.log((u + eps) / (T + eps))).mean()
    return tot / len(sizes)


def two_exp(x, a, tt):
    """The best sum of two decaying exponentials A1 e^-d1 t + A2 e^-d2 t
    (A1, A2 >= 0) through the envelope a(x): the rates on a grid, the
    levels by least squares, judged in log amplitude down to 60 dB under
    the envelope's peak; evaluated at tt."""
    eps = 1e-3 * a.max() + 1e-30
    la = np.log(a + eps)
    best, fit = np.inf, None
    rates = np.geomspace(0.05, 200, 40)
    for i, d1 in enumerate(rates):
        for d2 in rates[i:]:
            E = np.vstack([np.exp(-d1 * x), np.exp(-d2 * x)]).T
            c = np.maximum(np.linalg.lstsq(E, a, rcond=None)[0], 0)
            r = ((np.log(E @ c + eps) - la) ** 2).sum()
            if r < best:
                best, fit = r, (c, d1, d2)
    c, d1, d2 = fit
    return c[0] * np.exp(-d1 * tt) + c[1] * np.exp(-d2 * tt)


def modes(z, r, dt, tt):
    """The r damped complex exponentials sum_k c_k p_k^(t/dt) nearest
    the sequence z (frames dt apart) by the matrix pencil (the Hankel
    matrix of z cut to rank r), levels by least squares; evaluated at
    tt (no growing mode: |p| <= 1)."""
    L = len(z) // 3
    H = np.array([z[i:i + L] for i in range(len(z) - L + 1)])
    U, sv, Vh = np.linalg.svd(H, full_matrices=False)
    V = Vh[:r].T
    p = np.linalg.eigvals(np.linalg.pinv(V[:-1]) @ V[1:])
    p = p / np.maximum(np.abs(p), 1)
    E = p[None, :] ** np.arange(len(z))[:, None]
    c = np.linalg.lstsq(E, z, rcond=None)[0]
    s = np.log(p) / dt
    return (c[None, :] * np.exp(np.outer(np.maximum(tt, 0), s))).sum(1)


def track(t, f1, N=4096, h=256):
    """The harmonic series of t from f1 Hz, up to 10 kHz: the STFT X
    (frames of N every h samples, centred), the frames' times tc, and
    each partial's frequency and bin [(fr, j), ...]."""
    w = np.hanning(N)
    xp = np.concatenate([np.zeros(N // 2), t, np.zeros(N)])
    idx = np.arange(0, len(t), h)[:, None] + np.arange(N)[None, :]
    X = np.fft.rfft(xp[idx] * w, axis=1)
    S = np.abs(X)
    out = []
    prev, step = 0.0, f1
    while prev + step < 10000 and len(out) < 400:
        b = int(round((prev + step) * N / FS))
        lo = max(b - 3, 1)
        j = lo + int(np.argmax(S[:, lo:b + 4].sum(0)))
        m = S[:, j - 1:j + 2].sum(0)
        fr = (j + 0.5 * (m[0] - m[2]) / (m[0] - 2 * m[1] + m[2])) * FS / N
        if prev > 0 and abs(fr - prev - step) < 0.1 * step:
            step = fr - prev
        else:
            fr = prev + step      # no peak where the series goes: keep to it
        prev = fr
        out.append((fr, j))
    return X, np.arange(S.shape[0]) * h / FS, out


def oracles(t, f1):
    N, h = 4096, 256
    n_ = len(t)
    X, tc, parts = track(t, f1, N, h)
    w = np.hanning(N)
    tt = np.arange(n_) / FS
    rng = np.random.default_rng(1)
    ys = {"track": np.zeros(n_), "1exp": np.zeros(n_), "2exp": np.zeros(n_),
          "2mode": np.zeros(n_), "1mode": np.zeros(n_)}
    on = int(0.02 * FS / h)
    for fr, j in parts:
        a = np.abs(X[:, j]) * 2 / w.sum()
        ph = np.sin(2 * np.pi * fr * tt + rng.uniform(0, 2 * np.pi))
        ys["track"] += np.interp(tt, tc, a) * ph
        x, wt = tc[on:], np.sqrt(a[on:] ** 2 + 1e-30)
        A = np.vstack([np.ones_like(x), x]).T * wt[:, None]
        c = np.linalg.lstsq(A, np.log(a[on:] + 1e-12) * wt, rcond=None)[0]
        ys["1exp"] += np.exp(c[0] + c[1] * tt) * ph
        ys["2exp"] += two_exp(x, a[on:], tt) * ph
        # the bin's complex values, turned back by the bin's own frequency
        z = X[on:, j] * np.exp(-2j * np.pi * j * h / N * np.arange(on, X.shape[0])) * 2 / w.sum()
        ph2 = rng.uniform(0, 2 * np.pi)
        ys["1mode"] += np.real(modes(z, 1, h / FS, tt - x[0]) * np.exp(1j * (2 * np.pi * j * FS / N * tt + ph2)))
        ys["2mode"] += np.real(modes(z, 2, h / FS, tt - x[0]) *
                               np.exp(1j * (2 * np.pi * j * FS / N * tt + rng.uniform(0, 2 * np.pi))))
    for k, y in ys.items():
        print("%-5s sispec %.3f simrstft %.3f" % (k, dist(t, y, SISPEC),
                                                 dist(t, y, (2048, 1024, 512, 256, 128, 64))))


def swap(t, y, f1):
    """Where a fit's distance lies: the partials of the recording t and
    of the render y, each as a sum of sinusoids (random phases) with the
    frequencies of one and the envelopes of the other, or the
    recording's envelopes on the first m partials only."""
    X, tc, pt = track(t, f1)
    Y, _, py = track(y, f1)
    K = min(len(pt), len(py))
    tt = np.arange(len(t)) / FS
    et = [np.abs(X[:, j]) for _, j in pt[:K]]
    ey = [np.abs(Y[:, j]) for _, j in py[:K]]
    g = np.sqrt(sum((a * a).sum() for a in et) / sum((a * a).sum() for a in ey))
    ey = [g * a for a in ey]

    def synth(fs, envs):
        rng = np.random.default_rng(1)
        return sum(np.interp(tt, tc, a) * np.sin(2 * np.pi * f * tt + rng.uniform(0, 2 * np.pi))
                   for f, a in zip(fs, envs))
    ft, fy = [f for f, _ in pt[:K]], [f for f, _ in py[:K]]
    print("sispec: the render %.3f; the recording's partials as sinusoids %.3f" %
          (dist(t, y, SISPEC), dist(t, synth(ft, et), SISPEC)))
    print("  the render's frequencies, the recording's envelopes %.3f" % dist(t, synth(fy, et), SISPEC))
    print("  the recording's frequencies, the render's envelopes %.3f" % dist(t, synth(ft, ey), SISPEC))
    for m in (1, 2, 3, 6):
        print("  the recording's envelopes on partials 1-%d, the render's above %.3f" %
              (m, dist(t, synth(ft, et[:m] + ey[m:]), SISPEC)))
    etot = sum((a * a).sum() for a in et)
    print("partial, Hz recording / render, share of the energy, dB at 0.05 0.3 0.6 0.9 s "
          "(recording / render at the best gain):")
    for k in range(min(K, 12)):
        at = [int(s * FS / 256) for s in (0.05, 0.3, 0.6, 0.9)]
        print("%3d %8.2f / %8.2f %5.1f %%  %s" % (k + 1, ft[k], fy[k], 100 * (et[k] ** 2).sum() / etot,
              "  ".join("%6.1f / %6.1f" % (20 * np.log10(et[k][i] + 1e-12), 20 * np.log10(ey[k][i] + 1e-12))
                        for i in at)))


def main():
    if sys.argv[1] in ("--dist", "--swap"):
        # two files' samples as float32 pairs (sox -M): the recording first
        x = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(float)
        if sys.argv[1] == "--dist":
            print("%.3f" % dist(x[0::2], x[1::2], SISPEC))
        else:
            swap(x[0::2], x[1::2], float(sys.argv[2]))
        return
    oracles(np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(float), float(sys.argv[1]))

main()
