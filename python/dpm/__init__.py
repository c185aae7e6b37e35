"""dpm: differentiable physical models from Python.

    import dpm
    m = dpm.load("string.dpm")          # dpmc builds a shared object (cached) and loads it
    m.params                            # {"f0": 220.0}
    m.set(f0=330)                       # ValueError: an unknown name, or out of its range
    y = m.render(1.0)                   # float32 (frames, outputs), as `dpmc render --raw`
    loss, g = m.grad(y, loss="mse")     # as `dpmc grad`: (L, {"f0": dL/df0})
    layer = dpm.torch.Render(m, ["f0"], seconds=0.5)   # a torch.nn.Module

Pure Python: ctypes over the C interface every model dpmc builds exports
(the dpm_* functions of docs/python.md and api.md), and numpy.  dpm.torch
imports PyTorch when first used.
"""

import numbers
import os

from ._build import build, cache_dir, check_backend, explain, find_dpmc
from ._errors import Error
from ._lib import Lib
from .model import Model, _Builds, check_grid, check_rate, frames

__all__ = ["load", "Model", "Error", "find_dpmc", "cache_dir"]
__version__ = "0.1.0"


def load(path, backend="cc", *, rate=None, grid=None, include=(), threads=None, dpmc=None,
         cache=None, params=None):
    """The model in path, compiled and loaded.

    path: a .dpm model (built with `dpmc build PATH -o X.so` into the
        cache, once per model text, dpmc and backend), or a .so dpmc built.
    backend: "cc", the system C compiler: the only way to a shared object
        Python can load ("tcc" and "llvm" compile into dpmc's own memory
        and are refused with that fix).
    rate: the sample rate (default: the model's `rate`, else 44100).
    grid: intervals per axis, an int or one per axis (as `dpmc render
        --grid`); default: planned for the params, as dpmc plans it.
    include: folders to search for imports (dpmc -I).
    threads: threads for a gradient (0 auto, 1 when you run several
        gradients in parallel yourself).
    dpmc: the dpmc to build with (default: $DPMC, the source tree's, the
        installed one, or the one on PATH).
    cache: the folder of built models (default $XDG_CACHE_HOME/dpm/python,
        else ~/.cache/dpm/python).
    params: {name: value} to set after loading.
    """
    source = os.fspath(path)
    check_backend(backend)
    if isinstance(include, (str, bytes, os.PathLike)):
        include = [include]
    # as dpmc's -r and --grid
    if rate is not None:
        check_rate(rate)
    grid = check_grid(grid)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, numbers.Integral)
                                or threads < 0):
        raise ValueError("threads=%r: give a whole number, 0 (as many as it takes) or more" % (threads,))
    # absolute: the model is built again (a second field) and explained
    # later, from whatever folder the process is in by then
    path = os.path.abspath(source)
    if path.endswith(".so"):
        if not os.path.isfile(path):
            raise Error("%s: no such shared object" % source)
        lib = Lib(path)
    else:
        if os.path.isdir(path):
            raise Error("%s is a folder; a model must be a regular file" % source)
        if not os.path.isfile(path):
            raise Error("%s: no such model file" % source)
        include = [os.path.abspath(os.fspath(d)) for d in include]
        dpmc = find_dpmc(dpmc)
        cache = cache_dir(cache)
        so, replans = build(path, backend, include, dpmc, cache, rate=rate)
        lib = Lib(so)
        lib.source = path
    try:
        # with params=, the grid is fixed after them: it may be stable only for them
        m = Model(lib, source, rate=rate, grid=None if params else grid, threads=threads)
    except Error:
        # dpm_new has no model to hold its message: dpmc says why, at its place
        why = None if path.endswith(".so") else explain(path, rate, grid, include, dpmc)
        if why:
            raise Error(why) from None
        raise
    if not path.endswith(".so"):
        m._builds = _Builds(path, include, dpmc, cache, lib, replans, m._declared(m._values()), rate)
    if params:
        m.set(**params)
        if grid is not None:
            m._fix_grid(grid)
    return m


def __getattr__(name):
    # dpm.torch on first use: `import dpm` alone must not import PyTorch
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError("module 'dpm' has no attribute %r" % name)
