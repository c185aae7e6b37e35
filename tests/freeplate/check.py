"""check.py — the measurements of tests/freeplate.

    check.py modes PEAKS SCALE OMEGAS...   the measured partial nearest each
        expected one (omega / kappa values times SCALE = kappa / 2 pi, in
        Hz): prints their relative errors, one a line
    check.py rigid WAV K A B C D E F      every channel of a 64-bit float
        WAV (render --raw --double) against u(t) = A + B x + C y + (t + k)
        (D + E x + F y) at its output point (x, y); prints the largest
        deviation relative to the largest value
"""
import struct
import sys


def wav_f64(path):
    d = open(path, "rb").read()
    pos, ch, data = 12, 1, None
    while pos + 8 <= len(d):
        tag, size = d[pos:pos + 4], struct.unpack("<I", d[pos + 4:pos + 8])[0]
        if tag == b"fmt ":
            ch = struct.unpack("<H", d[pos + 10:pos + 12])[0]
        if tag == b"data":
            data = d[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    n = len(data) // 8
    v = struct.unpack("<%dd" % n, data)
    return [v[c::ch] for c in range(ch)]


def modes(peaks, scale, omegas):
    got = [float(l.split()[0]) for l in open(peaks) if l.strip()]
    for w in omegas:
        f = w * scale
        near = min(got, key=lambda g: abs(g - f)) if got else float("nan")
        print("%.6g" % ((near - f) / f))


def rigid(path, k, c):
    pts = [(0.713, 0.811), (0, 0), (1, 1), (0.37, 0)]
    chans = wav_f64(path)
    worst, top = 0.0, 0.0
    for (x, y), ys in zip(pts, chans):
        y *= c[6]
        for n, v in enumerate(ys):
            t = n * k
            want = c[0] + c[1] * x + c[2] * y + (t + k) * (c[3] + c[4] * x + c[5] * y)
            worst = max(worst, abs(v - want))
            top = max(top, abs(want))
    print("%.3g %d" % (worst / top, len(chans[0])))


if sys.argv[1] == "modes":
    modes(sys.argv[2], float(sys.argv[3]), [float(a) for a in sys.argv[4:]])
else:
    rigid(sys.argv[2], float(sys.argv[3]), [float(a) for a in sys.argv[4:]])
