"""dpm.model: a built model in Python, over its C interface (api.md).

A Model owns one instance of the compiled model (a dpm_model) and reads
the params' names, ranges and defaults once.  render, grad, forward and
set re-plan the grid when the params ask for it, as `dpmc render` does,
so any value within a param's range works there.  A Model is not
thread-safe: use one per thread (copy() makes another).
"""

import ctypes as C
import math
import numbers
import os
import re
import threading

import numpy as np

from ._build import build
from ._errors import Error
from ._lib import Lib, doubles, floats, ints

# without dpm_render, dpm_process is called in blocks of this many frames,
# so Ctrl-C is seen between them (ctypes runs a call to its end)
_BLOCK = 1 << 16


# runtime/rt.h's RT_MAX_SAMPLES: the most samples (frames times outputs) a render holds
MAX_SAMPLES = 1 << 27


def frames(seconds, rate, outputs=1):
    """The frame count of a render of seconds at rate, as dpmc's
    (runtime/wav.c, rt_nframes): the nearest whole number, at least one,
    and at most MAX_SAMPLES over the outputs."""
    if isinstance(seconds, (str, bytes)):
        raise ValueError("the duration must be a positive number of seconds, not the string %r" % (seconds,))
    s = float(seconds)
    if not math.isfinite(s) or s <= 0:
        raise ValueError("the duration must be a positive number of seconds, not %r" % (seconds,))
    x = s * rate + 0.5
    # (1e308 s overflows to inf: floor raised OverflowError, unclear)
    n = math.floor(x) if math.isfinite(x) else math.inf
    if n < 1:
        raise ValueError("%g s is shorter than one sample at %g Hz" % (s, rate))
    if n * max(outputs, 1) > MAX_SAMPLES:
        raise ValueError("%g s at %g Hz is %.4g samples, more than the %d a render may hold; "
                         "render a shorter duration" % (s, rate, n * max(outputs, 1), MAX_SAMPLES))
    return int(n)


def check_frames(n, outputs=1):
    """A frame count given as one (Render's frames=): a whole number, at
    least one, at most MAX_SAMPLES over the outputs, as frames() checks."""
    if isinstance(n, numbers.Integral) and not isinstance(n, bool):
        n = int(n)
    elif isinstance(n, numbers.Real) and not isinstance(n, bool) and float(n).is_integer():
        n = int(n)
    else:
        raise ValueError("frames=%r: give a whole number of frames" % (n,))
    if n < 1:
        raise ValueError("frames=%d: give at least one frame" % n)
    if n * max(outputs, 1) > MAX_SAMPLES:
        raise ValueError("frames=%d is %d samples, more than the %d a render may hold; render fewer "
                         "frames" % (n, n * max(outputs, 1), MAX_SAMPLES))
    return n


def check_rate(rate):
    """rate as dpmc's -r takes it: a whole number of Hz from 1 to 1e7."""
    if not (isinstance(rate, numbers.Real) and not isinstance(rate, bool)
            and 1 <= rate <= 10000000 and rate == int(rate)):
        raise ValueError("rate=%r: the rate must be a whole number of Hz from 1 to 10000000" % (rate,))
    return rate


# dpmc's --grid takes at most this many intervals per axis (main.c)
MAX_GRID = (2 ** 31 - 1) // 2


def check_grid(grid):
    """grid as dpmc's --grid takes it (an int for one dimension, else a
    sequence of them, each 1 to MAX_GRID: a C int holds them), as a list;
    None stays None."""
    if grid is None:
        return None
    try:
        g = [grid] if isinstance(grid, numbers.Integral) else list(grid)
    except TypeError:
        g = None
    if not g or not all(isinstance(x, numbers.Integral) and not isinstance(x, bool) and x >= 1 for x in g):
        raise ValueError("grid=%r: give whole numbers of intervals, at least 1" % (grid,))
    if max(g) > MAX_GRID:
        raise ValueError("grid=%r: at most %d intervals per axis" % (grid, MAX_GRID))
    return g


# a compiled model's message about a place in its file: "NAME:LINE:COL:
# ..." (emit_c.c cg_loc_text; api.tmpl at_file puts the file's name
# before it, which may hold spaces and colons)
_PLACE = re.compile(r"(\d+):(\d+): ")


def placed(msg, path):
    """msg as dpmc prints a compiled model's error (main.c
    cli_model_error): FILE:LINE:COL: error: ..., then the line and a caret
    under the word there, when msg names a place and path (the model
    file) still has it."""
    if path and msg.startswith(os.path.basename(path) + ":"):
        msg = msg[len(os.path.basename(path)) + 1:]
    m = _PLACE.match(msg)
    if not m or not path:
        return msg
    line, col = int(m.group(1)), int(m.group(2))
    head = "%s:%d:%d: error: %s" % (path, line, col, msg[m.end():])
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except OSError:
        return head
    if not (1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1])):
        return head
    text = lines[line - 1]
    n = 1
    while col - 1 + n < len(text) and (text[col - 1 + n].isalnum() or text[col - 1 + n] in "_."):
        n += 1
    return "%s\n%5d | %s\n      | %s^%s" % (head, line, text, " " * (col - 1), "~" * (n - 1))


class _Handle:
    """One dpm_model of a library: the C calls, their errors raised."""

    def __init__(self, lib, rate, grid, threads):
        self.lib = lib
        p = lib.new(float(rate or 0))
        if not p:
            # dpm_error(NULL): why (a model built before it said only "out of memory")
            why = placed((lib.error(None) or b"").decode("utf-8", "replace"), lib.source)
            raise Error("%s: dpm_new failed%s: %s" % (lib.path, " at %g Hz" % rate if rate else "",
                                                      why or "out of memory, or no grid is stable for the defaults"))
        self.p = C.c_void_p(p)
        self.forwarded = None       # what the last forward was (see Render)
        try:
            if threads is not None:
                self.need("set_threads")(self.p, int(threads))
            if grid is not None:
                self.fix_grid(grid)
        except BaseException:
            self.free()
            raise

    def fix_grid(self, grid):
        """The grid fixed (intervals per axis), planned again for the
        params in force."""
        nd = self.need("ndim")(self.p)
        g = np.array(grid, dtype=np.intc).reshape(-1)
        if g.size != nd:
            raise ValueError("grid=%r: give %d number%s of intervals, one per axis"
                             % (grid, nd, "s" if nd > 1 else ""))
        self.check(self.need("set_grid")(self.p, ints(g)))
        self.check(self.lib.reset(self.p))

    def need(self, name):
        f = getattr(self.lib, name)
        if f is None:
            raise Error("%s has no dpm_%s (it was not built by a dpmc that has it); build it "
                        "again with `dpmc build MODEL -o X.so`" % (self.lib.path, name))
        return f

    def error(self):
        return placed((self.lib.error(self.p) or b"").decode("utf-8", "replace"), self.lib.source)

    def check(self, st):
        if st < 0:
            raise Error(self.error() or "dpm: a call failed without a message")
        return st

    def free(self):
        if self.p:
            self.lib.free(self.p)
            self.p = None

    def put(self, pairs, names):
        """Params (index, value) in force, all or none: a value the grid in
        force cannot take is kept by dpm_set for the next plan, made here
        (dpm_reset); one that no grid takes (a fixed grid, say) is an
        Error with dpm_set's message, and every value goes back."""
        lib, p = self.lib, self.p
        old = [(i, lib.get(p, i)) for i, _ in pairs]
        why = {}
        for i, v in pairs:
            if lib.set(p, i, v) != 0:
                why[i] = self.error()
        if not why:
            return
        st = lib.reset(p)
        msg = self.error() if st != 0 else None
        if msg is None:
            for i, v in pairs:
                if lib.get(p, i) != v:
                    msg = why.get(i) or "%s = %g was not taken" % (names[i], v)
                    break
        if msg is not None:
            for i, v in old:
                lib.set(p, i, v)
            lib.reset(p)
            raise Error(msg)

    def set_all(self, values, lo, hi, names):
        """Every param to values (a float64 array in order), changing only
        those that differ."""
        get, p = self.lib.get, self.p
        pairs = []
        for i, v in enumerate(values.tolist()):
            if get(p, i) != v:
                if not lo[i] <= v <= hi[i]:
                    raise ValueError("%s = %r is outside its range [%g, %g]" % (names[i], v, lo[i], hi[i]))
                pairs.append((i, v))
        self.put(pairs, names)

    def forward(self, n, nout):
        y = np.empty((n, nout), np.float64)
        if self.need("forward")(self.p, doubles(y), n) != n:
            self.forwarded = None
            raise Error(self.error() or "dpm_forward failed")
        return y

    def backward(self, dldy, nparams):
        d = np.ascontiguousarray(dldy, dtype=np.float64)
        g = np.empty(nparams, np.float64)
        self.forwarded = None       # its tape is spent
        self.check(self.need("backward")(self.p, doubles(d), doubles(g)))
        return g


class _Builds:
    """The shared objects of one model file, for the values and rate in
    force.  A second field's grid is compiled in, planned for the values
    and rate of the build (`dpmc build --set NAME=V -r RATE`, as `dpmc
    render --set` compiles it), so a render is a function of the object
    as much as of the params: each set of values runs on the object built
    for it, whatever ran before.  Shared by a model, its copies and a
    layer's rows, which ask from several threads at once: one lock."""

    # values kept in memory; past it the map starts again (a training
    # run asks for new values at every step)
    _KEEP = 4096

    def __init__(self, path, include, dpmc, cache, lib, replans, values, rate):
        self.path, self.include, self.dpmc, self.cache = path, include, dpmc, cache
        self.replans = replans      # the code depends on the values and rate
        self.lock = threading.Lock()
        self.libs = {lib.path: lib}     # one Lib per object: handles compare them by identity
        self.chosen = {(tuple(values.items()), rate): lib}

    def lib(self, values, rate):
        """The Lib built for values ({name: value} of the declared params)
        at rate (None: the model's)."""
        key = (tuple(values.items()), rate)
        with self.lock:
            lib = self.chosen.get(key)
            if lib is None:
                so, _ = build(self.path, "cc", self.include, self.dpmc, self.cache, values, rate)
                lib = self.libs.get(so)
                if lib is None:
                    lib = self.libs[so] = Lib(so)
                    lib.source = self.path
                if len(self.chosen) >= self._KEEP:
                    self.chosen.clear()
                self.chosen[key] = lib
            return lib


class Model:
    """A compiled model: its params (by name), outputs, render and gradient."""

    def __init__(self, lib, source, rate=None, grid=None, threads=None):
        self._lib = lib
        self.source = source
        self._opts = (rate, grid, threads)
        self._h = _Handle(lib, rate, grid, threads)
        p, L = self._h.p, lib
        dec = (lambda b: b.decode("utf-8", "replace"))
        n = L.nparams(p)
        self._names = tuple(dec(L.param_name(p, i)) for i in range(n))
        self._index = {k: i for i, k in enumerate(self._names)}
        self._lo = [L.param_min(p, i) for i in range(n)]
        self._hi = [L.param_max(p, i) for i in range(n)]
        self._default = ([L.param_default(p, i) for i in range(n)] if L.param_default
                         else [L.get(p, i) for i in range(n)])
        self._log = ([bool(L.param_log(p, i)) for i in range(n)] if L.param_log else [False] * n)
        self._outputs = tuple(dec(L.output_name(p, i)) for i in range(L.noutputs(p)))
        self._name = dec(L.name(p)) if L.name else os.path.splitext(os.path.basename(source))[0]

    # ---- what the model is

    @property
    def name(self):
        """The model's name (its `model` line)."""
        return self._name

    @property
    def names(self):
        """The params' names, in the interface's order."""
        return self._names

    @property
    def outputs(self):
        """The outputs' names: the columns of a render, in order."""
        return self._outputs

    @property
    def ranges(self):
        """{name: (min, max)}: -inf/inf where the model gives no range."""
        return {k: (self._lo[i], self._hi[i]) for i, k in enumerate(self._names)}

    @property
    def defaults(self):
        return dict(zip(self._names, self._default))

    @property
    def log_params(self):
        """The names of the params the model fits on a log scale."""
        return tuple(k for k, lg in zip(self._names, self._log) if lg)

    @property
    def rate(self):
        """The sample rate in force, Hz."""
        h = self._live()
        if self._lib.rate:
            return self._lib.rate(h.p)
        raise Error("%s has no dpm_rate" % self._lib.path)

    @property
    def grid(self):
        """Intervals per axis of the grid in force (planned for the params
        at the last render, grad or set)."""
        h = self._live()
        ndim = h.need("ndim")(h.p)
        n = np.zeros(max(ndim, 1), np.intc)
        dx = np.zeros(max(ndim, 1), np.float64)
        h.need("grid")(h.p, ints(n), doubles(dx))
        return tuple(int(v) for v in n[:ndim])

    @property
    def path(self):
        """The shared object loaded."""
        return self._lib.path

    @property
    def params(self):
        """{name: value} of every param in force (a copy: set() changes them)."""
        return dict(zip(self._names, self._values().tolist()))

    def __len__(self):
        return len(self._names)

    def __repr__(self):
        if self._closed():
            return "<dpm.Model %s from %s: closed>" % (self._name, self.source)
        vals = self.params
        shown = ", ".join("%s=%.6g" % (k, vals[k]) for k in self._names[:8])
        if len(self._names) > 8:
            shown += ", ... (%d params)" % len(self._names)
        return "<dpm.Model %s from %s: %s; outputs %s; %g Hz>" % (
            self._name, self.source, shown or "no params", ", ".join(self._outputs), self.rate)

    # ---- params

    def index(self, name):
        """The position of param name in names; ValueError if there is none."""
        try:
            return self._index[name]
        except KeyError:
            raise ValueError(self._unknown(name)) from None

    def _unknown(self, name):
        known = ", ".join(self._names[:12]) + (", ..." if len(self._names) > 12 else "")
        return "%s has no param %r (its params: %s)" % (self._name, name, known or "none")

    def _checked(self, name, value):
        i = self.index(name)
        if isinstance(value, (str, bytes, bool)):
            raise ValueError("%s = %r is not a number but a %s; give a number"
                             % (name, value, "bool" if isinstance(value, bool) else "string"))
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError("%s = %r is not a number" % (name, value)) from None
        lo, hi = self._lo[i], self._hi[i]
        if not lo <= v <= hi:
            raise ValueError("%s = %s is outside its range [%g, %g]" % (name, value, lo, hi))
        return i, v

    def set(self, **values):
        """Set params by name: m.set(f0=330, B=1e-4).  An unknown name or a
        value outside the param's range is a ValueError and changes
        nothing; the grid is re-planned for the new values when the one in
        force would not be stable."""
        self._put([self._checked(k, v) for k, v in values.items()])
        return self

    def _put(self, pairs):
        """(index, value) pairs in force, on the object built for the
        values they make (_Builds): by the instance in force when it runs
        on that object, else by a new instance of it."""
        h = self._live()
        vals = self._values()
        for i, v in pairs:
            vals[i] = v
        lib = self._lib_for(vals, self._opts[0])
        if lib is h.lib:
            h.put(pairs, self._names)
            return
        new = self._instance(lib, vals, self._opts[0])
        self._lib, self._h = lib, new
        h.free()

    # the objects load built from the model file (None: a .so loaded as
    # it is, which cannot be built again)
    _builds = None

    def _lib_for(self, vals, rate):
        """The library to run the params vals (a float64 array in order) at
        rate on: the one in force unless the model's code depends on them
        (a second field, _Builds)."""
        b = self._builds
        if b is None or not b.replans:
            return self._lib
        return b.lib(self._declared(vals), rate)

    def _declared(self, vals):
        """{name: value} of every param in vals, a net's weights too (dpmc's
        --set takes NET.L.W.j.i): a net may set a second field's speed,
        whose grid the build plans."""
        return dict(zip(self._names, vals.tolist()))

    def _instance(self, lib, vals, rate):
        """A new instance of lib at rate with the params vals, load's grid=
        fixed after them (it may be stable only for them)."""
        _, grid, threads = self._opts
        h = _Handle(lib, rate, None, threads)
        try:
            h.set_all(vals, self._lo, self._hi, self._names)
            if grid is not None:
                h.fix_grid(grid)
        except BaseException:
            h.free()
            raise
        return h

    def _why(self, rate):
        """Why the model does not start at rate for the params in force:
        dpmc info's message at its place, or None."""
        b = self._builds
        if b is None:
            return None
        from ._build import explain
        return explain(b.path, rate, self._opts[1], b.include, b.dpmc, self._declared(self._values()))

    def _fix_grid(self, grid):
        """load's grid= after its params= (a grid stable only for them)."""
        self._live().fix_grid(grid)
        self._opts = (self._opts[0], grid, self._opts[2])

    def copy(self):
        """Another instance of the same compiled model, params as in force."""
        rate, grid, threads = self._opts
        vals = self._values()
        m = Model(self._lib, self.source, rate, None, threads)
        m._default, m._builds = self._default, self._builds    # as the first build's
        m._h.set_all(vals, self._lo, self._hi, self._names)
        if grid is not None:    # after the params: it may be stable only for them
            m._fix_grid(grid)
        return m

    def _values(self):
        get, p = self._lib.get, self._live().p
        return np.array([get(p, i) for i in range(len(self._names))], np.float64)

    def _closed(self):
        h = getattr(self, "_h", None)
        return h is None or not h.p

    def _live(self):
        """The instance; an Error once close() (or a with block's end)
        freed it: its params would read as NaN and its calls fail."""
        if self._closed():
            raise Error("the model %s (%s) is closed: load it again, or copy() it before closing"
                        % (self._name, self.source))
        return self._h

    # ---- sound and gradients

    def frames(self, seconds):
        """The frame count of a render of seconds at the rate in force."""
        return frames(seconds, self.rate, len(self._outputs))

    def render(self, seconds, rate=None):
        """seconds of sound from the initial state, the params in force: a
        float32 array (frames, outputs), the samples of `dpmc render
        --raw`.  rate: another sample rate for this render alone."""
        h, tmp = self._live(), None
        nout = len(self._outputs)
        if rate is not None and check_rate(rate) != self.rate:
            frames(seconds, rate, nout)
            vals = self._values()
            # a second field's grid is planned for the rate too: the
            # object built for it (dpmc render -r compiles for it)
            lib = self._lib_for(vals, rate)
            try:
                tmp = h = self._instance(lib, vals, float(rate))
            except Error as e:
                raise Error(self._why(rate) or str(e)) from None
        try:
            r = h.lib.rate(h.p) if h.lib.rate else float(rate or 0)
            n = frames(seconds, r, nout)
            y = np.empty((n, nout), np.float32)
            h.forwarded = None
            if h.lib.render:
                # planned for the whole render, as dpmc render plans it
                if h.lib.render(h.p, floats(y), n) != n:
                    raise Error(h.error() or "dpm_render failed")
                return y
            h.check(h.lib.reset(h.p))
            for at in range(0, n, _BLOCK):
                k = min(_BLOCK, n - at)
                if h.lib.process(h.p, floats(y[at:]), k) != k:
                    raise Error(h.error() or "dpm_process failed")
            return y
        finally:
            if tmp:
                tmp.free()

    def _target(self, target):
        a = np.asarray(target)
        # a cast to float32 would drop an imaginary part with a warning
        # only, and take a bool as 0 and 1 (the layer refuses both too)
        if np.iscomplexobj(a):
            raise TypeError("the target must be real samples, not %s" % a.dtype)
        if a.dtype.kind not in "fiu":
            raise TypeError("the target must be samples (float32 or a number array), not %s" % a.dtype)
        t = a.astype(np.float32, copy=False)
        nout = len(self._outputs)
        if t.ndim == 1 and nout == 1:
            t = t.reshape(-1, 1)
        if t.ndim != 2 or t.shape[1] != nout or t.shape[0] < 1:
            raise ValueError("the target must be shaped (frames, outputs) = (N, %d) for the outputs "
                             "%s, not %s" % (nout, ", ".join(self._outputs), t.shape))
        # the most a render holds (frames() refuses more): a gradient of
        # 2^27 + 1 frames ran on past 100 s where render said why at once
        if t.shape[0] * max(nout, 1) > MAX_SAMPLES:
            raise ValueError("the target's %d frames are %d samples, more than the %d a render "
                             "may hold; give a shorter target" % (t.shape[0], t.shape[0] * max(nout, 1),
                                                                   MAX_SAMPLES))
        return np.ascontiguousarray(t)

    def grad(self, target, loss="mse"):
        """The loss of a render against target (float32 (frames, outputs),
        at the rate in force) and its gradient: (loss, {name: dL/dname})
        for every param, as `dpmc grad --loss LOSS --no-align` (the target
        from its first sample: trim a recording's lead-in).  "mse" is the mean of
        (y - target)^2; the other losses are those `dpmc grad --loss`
        knows (dpmc grad --help)."""
        h = self._live()
        t = self._target(target)
        # "" was taken as mse by the C side, "mse\0x" as mse too
        if not isinstance(loss, str) or not loss or "\0" in loss:
            raise ValueError("loss=%r: give a loss's name, such as 'mse' (dpmc grad --help lists "
                             "them)" % (loss,))
        out = C.c_double()
        g = np.empty(len(self._names), np.float64)
        h.forwarded = None
        h.check(self._lib.grad(h.p, floats(t), t.shape[0], str(loss).encode(), C.byref(out), doubles(g)))
        return out.value, dict(zip(self._names, g.tolist()))

    def forward(self, seconds):
        """A render in double precision (frames, outputs), kept for
        backward: the two make a vector-Jacobian product."""
        h = self._live()
        n = self.frames(seconds)
        y = h.forward(n, len(self._outputs))
        h.forwarded = ("model", n)
        return y

    def backward(self, dldy):
        """{name: sum of dldy * dy/dname} for the last forward, dldy shaped
        as its result: the compiled adjoint, exact."""
        h = self._live()
        if not h.forwarded or h.forwarded[0] != "model":
            raise Error("backward needs a forward first (and one backward per forward)")
        n = h.forwarded[1]
        d = np.asarray(dldy, dtype=np.float64)
        if d.shape not in ((n, len(self._outputs)),) + (((n,),) if len(self._outputs) == 1 else ()):
            raise ValueError("dldy must be shaped (%d, %d) as the forward's result, not %s"
                             % (n, len(self._outputs), d.shape))
        if not np.isfinite(d).all():
            raise ValueError("dldy holds NaN or infinite values (at frame %d): the gradient would be NaN"
                             % int(np.argwhere(~np.isfinite(d))[0][0]))
        return dict(zip(self._names, h.backward(d, len(self._names)).tolist()))

    # ---- the instance

    def close(self):
        """Free the compiled model's instance (also done when collected)."""
        h = getattr(self, "_h", None)
        if h:
            h.free()

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
