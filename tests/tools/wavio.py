"""wavio.py: the float WAVs dpmc writes (32-bit, or 64-bit with --double),
read for the tests' Python checks.  read(path) -> (rate, bits, y) with y
of shape (samples, channels) as float64; a RIFF chunk walk, so the chunks
may come in any order."""
import numpy as np


def read(path):
    b = open(path, "rb").read()
    if b[:4] != b"RIFF" or b[8:12] != b"WAVE":
        raise ValueError("%s: not a RIFF WAVE file" % path)
    i, nch, rate, bits, data = 12, 0, 0, 0, None
    while i + 8 <= len(b):
        tag, size = b[i:i + 4], int.from_bytes(b[i + 4:i + 8], "little")
        if tag == b"fmt ":
            nch = int.from_bytes(b[i + 10:i + 12], "little")
            rate = int.from_bytes(b[i + 12:i + 16], "little")
            bits = int.from_bytes(b[i + 22:i + 24], "little")
        elif tag == b"data":
            data = b[i + 8:i + 8 + size]
        i += 8 + size + (size & 1)
    if data is None or bits not in (32, 64) or nch < 1:
        raise ValueError("%s: want float samples of 32 or 64 bits" % path)
    y = np.frombuffer(data[:len(data) // (bits // 8) * (bits // 8)],
                      dtype="<f4" if bits == 32 else "<f8")
    return rate, bits, y[:len(y) // nch * nch].reshape(-1, nch).astype(float)
