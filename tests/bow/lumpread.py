"""lumpread.py WAV: lumpread.dpm's object z (channel 1) against its
scheme, z[n+1] = 2 z[n] - z[n-1] + k^2 (-1000 z[n] - v[n]), v[n] the
string's velocity at the bow point at step n, (u[n] - u[n-1]) / k: the
output u.t(xb) (channel 2) of sample n - 1.  Prints the largest error
over the largest |z|, or why it cannot."""
import os
import sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import wavio  # noqa: E402

rate, bits, y = wavio.read(sys.argv[1])
if bits != 64 or y.shape[1] != 3:
    print("want --raw --double and 3 channels")
    sys.exit(0)
k = 1.0 / rate
z, v = y[:, 1], y[:, 2]
zs = np.concatenate([[0.0], z])          # zs[n] = z[n], z[0] = z[-1] = 0
n = np.arange(1, len(z))
pred = 2 * zs[n] - zs[n - 1] + k * k * (-1000 * zs[n] - v[n - 1])
scale = np.max(np.abs(z))
if not scale > 0 or np.max(np.abs(v)) < 0.01:
    print("z or the bow point's velocity is 0")
    sys.exit(0)
print("%.3e" % (np.max(np.abs(pred - z[1:])) / scale))
