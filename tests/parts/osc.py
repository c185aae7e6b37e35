"""osc.py WAV W0 SIG Z0 V0 RATE: the channels pos, vel of osc.dpm against
the centred recurrence of a damped oscillator, written out here:
  z[n+1] = (2 z[n] - (1 - sig k) z[n-1] - k^2 w0^2 z[n]) / (1 + sig k),
  z[0] = Z0, z[-1] = Z0 - k V0; pos[n] = z[n+1], vel[n] = (z[n+1] - z[n]) / k.
The WAV holds 32-bit floats: agreement to 2e-6 of the peak.  Prints ok or why."""
import sys
import numpy as np

path = sys.argv[1]
w0, sig, z0, v0, rate = (float(a) for a in sys.argv[2:7])
b = open(path, "rb").read()
i = b.index(b"fmt ")
nch = int.from_bytes(b[i + 10:i + 12], "little")
i = b.index(b"data")
n = int.from_bytes(b[i + 4:i + 8], "little") // 4
x = np.frombuffer(b[i + 8:i + 8 + 4 * n], dtype="<f4").reshape(-1, nch)
k = 1 / rate
z, zp = z0, z0 - k * v0
pos, vel = [], []
for _ in range(x.shape[0]):
    zn = (2 * z - (1 - sig * k) * zp - k * k * w0 * w0 * z) / (1 + sig * k)
    pos.append(zn)
    vel.append((zn - z) / k)
    zp, z = z, zn
bad = []
for name, ch, ref in (("pos", 0, pos), ("vel", 1, vel)):
    ref = np.array(ref)
    err = np.max(np.abs(x[:, ch] - ref)) / np.max(np.abs(ref))
    if not err <= 2e-6:
        bad.append("%s off by %.3g of its peak" % (name, err))
print("ok" if not bad else "; ".join(bad))
