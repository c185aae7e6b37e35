"""dpm._lib: the C interface of a built model (api.md) as ctypes functions.

One table lists every function with its types; the interface of api.md
must all be there, the extensions dpmc adds (names, defaults, the grid,
the vector-Jacobian product) may be missing from a .so some other tool
made, and then only what needs them fails.
"""

import ctypes as C

_M = C.c_void_p
_D = C.c_double
_I = C.c_int
_L = C.c_long
_S = C.c_char_p
_PF = C.POINTER(C.c_float)
_PD = C.POINTER(C.c_double)
_PI = C.POINTER(C.c_int)

# name, result, arguments, required (api.md) or an extension
_TABLE = (
    ("dpm_new", _M, [_D], True),
    ("dpm_free", None, [_M], True),
    ("dpm_error", _S, [_M], True),
    ("dpm_nparams", _I, [_M], True),
    ("dpm_param_name", _S, [_M, _I], True),
    ("dpm_param_min", _D, [_M, _I], True),
    ("dpm_param_max", _D, [_M, _I], True),
    ("dpm_param_index", _I, [_M, _S], True),
    ("dpm_set", _I, [_M, _I, _D], True),
    ("dpm_get", _D, [_M, _I], True),
    ("dpm_noutputs", _I, [_M], True),
    ("dpm_output_name", _S, [_M, _I], True),
    ("dpm_reset", _I, [_M], True),
    ("dpm_process", _L, [_M, _PF, _L], True),
    ("dpm_grad", _I, [_M, _PF, _L, _S, _PD, _PD], True),
    ("dpm_name", _S, [_M], False),
    ("dpm_rate", _D, [_M], False),
    ("dpm_param_default", _D, [_M, _I], False),
    ("dpm_param_log", _I, [_M, _I], False),
    ("dpm_ndim", _I, [_M], False),
    ("dpm_grid", _I, [_M, _PI, _PD], False),
    ("dpm_set_grid", _I, [_M, _PI], False),
    ("dpm_render", _L, [_M, _PF, _L], False),
    ("dpm_forward", _L, [_M, _PD, _L], False),
    ("dpm_backward", _I, [_M, _PD, _PD], False),
    ("dpm_set_threads", None, [_M, _I], False),
)


class Lib:
    """A loaded shared object's dpm_* functions as attributes without the
    prefix (lib.new, lib.set, ...); a missing extension is None."""

    # the model file it was built from, to place its messages there (None:
    # a .so loaded as it is)
    source = None

    def __init__(self, path):
        from ._errors import Error
        try:
            dl = C.CDLL(path)
        except OSError as e:
            raise Error("cannot load %s: %s" % (path, e)) from None
        self.path = path
        self._dl = dl
        missing = []
        for name, res, args, required in _TABLE:
            try:
                f = getattr(dl, name)
            except AttributeError:
                if required:
                    missing.append(name)
                setattr(self, name[4:], None)
                continue
            f.restype = res
            f.argtypes = args
            setattr(self, name[4:], f)
        if missing:
            what = ", ".join(missing[:3]) + (", ... (%d functions)" % len(missing) if len(missing) > 3 else "")
            raise Error("%s does not export the dpm_* interface (no %s); build it again with "
                        "`dpmc build MODEL -o X.so` from a dpmc that has it" % (path, what))


def floats(a):
    """A pointer to a C-contiguous float32 numpy array's data."""
    return a.ctypes.data_as(_PF)


def doubles(a):
    return a.ctypes.data_as(_PD)


def ints(a):
    return a.ctypes.data_as(_PI)
