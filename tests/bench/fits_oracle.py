"""tests/bench/fits_oracle.py -- how low a scale-invariant distance can
go for a model whose partials each decay as one exponential.

    sox REC.wav -t f32 -r 44100 -c 1 - trim 0 1 | python3 fits_oracle.py F1

reads one second of float32 samples at 44.1 kHz, tracks the partials of
its harmonic series from F1 Hz (each one's frequency, and its amplitude
every 256 samples), and builds three sums of sinusoids at the tracked
frequencies with random phases:
  track  each partial's tracked amplitude envelope
  1exp   each partial's best single exponential (its own level and
         decay, fitted to the envelope after the first 20 ms in log
         amplitude, weighted by energy)
  start  nothing tracked: prints the distances' own replica values only
and prints sispec and simrstft of each against the recording: numpy
replicas of runtime/loss.c's (hop N/4, periodic Hann, zeros past the
end, DC and N/2 left out, the gain in closed form, SC + LM with the
floor 1e-3 max |T| and Huber 1e-2; they agree with dpmc's to about 0.005).
1exp bounds what any model of exponentially decaying partials (a linear
string, whatever its dispersion, loss law, excitation, pickup or body
filter) can reach: only envelopes that are not one exponential (beats
between a string's two polarisations, a body mode's coupling, a
two-stage decay) go lower."""
import sys
import numpy as np

FS = 44100


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
        eps = 1e-3 * T.max()
        tot += np.sqrt(((u - T) ** 2).sum() / (T * T).sum())
        tot += huber(np.log((u + eps) / (T + eps))).mean()
    return tot / len(sizes)


def main():
    f1 = float(sys.argv[1])
    t = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(float)
    n_ = len(t)
    N, h = 4096, 256
    w = np.hanning(N)
    xp = np.concatenate([np.zeros(N // 2), t, np.zeros(N)])
    idx = np.arange(0, n_, h)[:, None] + np.arange(N)[None, :]
    S = np.abs(np.fft.rfft(xp[idx] * w, axis=1))
    tc = np.arange(S.shape[0]) * h / FS
    tt = np.arange(n_) / FS
    rng = np.random.default_rng(1)
    ys = {"track": np.zeros(n_), "1exp": np.zeros(n_)}
    on = int(0.02 * FS / h)
    prev, step = 0.0, f1
    for _ in range(400):
        if prev + step >= 10000:
            break
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
        a = S[:, j] * 2 / w.sum()
        ph = np.sin(2 * np.pi * fr * tt + rng.uniform(0, 2 * np.pi))
        ys["track"] += np.interp(tt, tc, a) * ph
        x, wt = tc[on:], np.sqrt(a[on:] ** 2 + 1e-30)
        A = np.vstack([np.ones_like(x), x]).T * wt[:, None]
        c = np.linalg.lstsq(A, np.log(a[on:] + 1e-12) * wt, rcond=None)[0]
        ys["1exp"] += np.exp(c[0] + c[1] * tt) * ph
    for k, y in ys.items():
        print("%-5s sispec %.3f simrstft %.3f" % (k, dist(t, y, (8192, 4096, 2048, 1024)),
                                                 dist(t, y, (2048, 1024, 512, 256, 128, 64))))


main()
