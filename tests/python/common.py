"""tests/python/common.py — what the Python suite's scripts share: the
PASS/FAIL lines, the scratch folder, dpmc, and a reader for the 32-bit
float WAV files `dpmc render --raw` writes (the stdlib's wave module
reads PCM only)."""

import json
import os
import struct
import subprocess
import sys
import traceback

import numpy as np

REPO = os.environ["REPO"]
DPMC = os.environ["DPMC"]
T = os.environ["T"]                 # the suite's scratch folder
HERE = os.path.join(REPO, "tests", "python")
STRING = os.path.join(HERE, "string.dpm")
IDEAL = os.path.join(REPO, "tests", "cli", "ideal_string.dpm")

failed = 0


def ok(name, cond, why=""):
    global failed
    if cond:
        print("PASS python/%s" % name, flush=True)
    else:
        failed += 1
        why = " ".join(str(why).split())[:600]
        print("FAIL python/%s: %s" % (name, why), flush=True)
    return cond


def check(name, f):
    """Run f(); its AssertionError or any exception is a FAIL of name."""
    try:
        r = f()
        ok(name, True)
        return r
    except Exception as e:
        # where: the innermost line of a test script
        tb = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(HERE)]
        at = "%s:%d" % (os.path.basename(tb[-1].filename), tb[-1].lineno) if tb else "?"
        what = str(e) if isinstance(e, AssertionError) else "%s: %s" % (type(e).__name__, e)
        ok(name, False, "%s (%s)" % (what, at))
    return None


def raises(f, exc, *words):
    """f() raises exc with every word in its message; the message."""
    try:
        f()
    except exc as e:
        msg = str(e)
        for w in words:
            assert w in msg, "the message %r lacks %r" % (msg, w)
        return msg
    except Exception as e:
        raise AssertionError("raised %s: %s, want %s" % (type(e).__name__, e, exc.__name__))
    raise AssertionError("no %s raised" % exc.__name__)


def dpmc(*args, ok_status=(0,)):
    """dpmc's stdout (text); an AssertionError with its stderr if it fails."""
    p = subprocess.run([DPMC] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok_status:
        raise AssertionError("dpmc %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode, p.stderr))
    return p.stdout if ok_status == (0,) else p


def dpmc_json(*args):
    return json.loads(dpmc(*args))


def read_float_wav(path):
    """A 32-bit IEEE float WAV (format 3, or WAVE_FORMAT_EXTENSIBLE of it)
    as float32 (frames, channels), and its rate."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", "%s: not a RIFF WAVE file" % path
    at, fmt, samples = 12, None, None
    while at + 8 <= len(data):
        cid, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        body = data[at + 8:at + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
            if fmt[0] == 0xFFFE:
                fmt = (struct.unpack("<H", body[24:26])[0],) + fmt[1:]
        elif cid == b"data":
            samples = body
        at += 8 + size + (size & 1)
    assert fmt and samples is not None, "%s: no fmt or data chunk" % path
    tag, nch, rate, _, _, bits = fmt
    assert tag == 3 and bits == 32, "%s: format %d, %d bits; want 32-bit float (3)" % (path, tag, bits)
    y = np.frombuffer(samples, dtype="<f4")
    return y.reshape(-1, nch).astype(np.float32), rate


def done():
    sys.exit(1 if failed else 0)
