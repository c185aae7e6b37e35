"""dpm.torch: a compiled model as a PyTorch layer whose backward is its
exact adjoint.

    layer = dpm.torch.Render(m, ["f0", "B"], seconds=0.5)
    y = layer(torch.tensor([220.0, 1e-4], dtype=torch.float64, requires_grad=True))
    loss = ((y - target) ** 2).mean(); loss.backward()

The forward renders in double precision (dpm_forward) from the initial
state with the given params' values, the others as the model has them;
the backward is one vector-Jacobian product (dpm_backward): the compiled
adjoint of the scheme, not a finite difference and not PyTorch's
autograd through the time loop.  The layer runs on its own instances of
the model (one per row of a batch), so the Model passed in is not
changed, and set() on it between calls is seen by the next forward.
"""

import numbers
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from .model import Model, check_frames

__all__ = ["Render"]


class _Row:
    """One instance of the model for one row of a batch, on the object
    built for the row's values (a second field's grid is compiled for
    them: Model._lib_for), with what its last forward was, so a backward
    whose forward is not the last one this instance ran does that forward
    again first (gradcheck runs many forwards before one backward).  Rows
    run in parallel: none changes the model."""

    def __init__(self, single):
        self.h = None
        self.single = single        # one gradient thread: the layer runs rows at once

    def forward(self, values, n, nout, model):
        rate = model._opts[0]
        lib = model._lib_for(values, rate)
        if self.h is not None and self.h.lib is lib:
            self.h.set_all(values, model._lo, model._hi, model._names)
        else:
            self.close()
            self.h = model._instance(lib, values, rate)
            if self.single and lib.set_threads:
                lib.set_threads(self.h.p, 1)
        y = self.h.forward(n, nout)
        self.h.forwarded = tag = object()
        return y, tag

    def backward(self, values, n, nout, dldy, model, tag):
        if self.h is None or self.h.forwarded is not tag:
            self.forward(values, n, nout, model)
        return self.h.backward(dldy, len(model._names))

    def close(self):
        if self.h is not None:
            self.h.free()
            self.h = None


class _RenderFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, layer):
        xs = x.detach().to("cpu", torch.float64).numpy()
        rows = xs.reshape(-1, xs.shape[-1]) if xs.ndim == 2 else xs.reshape(1, -1)
        base = layer.model._values()
        vals = []
        for r in rows:
            v = base.copy()
            v[layer._idx] = r
            vals.append(v)
        ys, tags = layer._run_rows(vals)
        ctx.layer, ctx.vals, ctx.tags, ctx.shape = layer, vals, tags, x.shape
        y = np.stack(ys) if xs.ndim == 2 else ys[0]
        return torch.from_numpy(y).to(device=x.device, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        # the adjoint runs in compiled code, outside torch's graph: a
        # second derivative (create_graph=True: a hessian, a gradient
        # penalty) is refused, not silently zero
        if torch.is_grad_enabled():
            raise RuntimeError("dpm.torch.Render: no second derivatives (the adjoint runs in "
                               "compiled code, outside torch's graph); differentiate once, "
                               "without create_graph=True")
        layer = ctx.layer
        g = gy.detach().to("cpu", torch.float64).numpy()
        gs = g.reshape((-1,) + g.shape[-2:])
        full = layer._back_rows(ctx.vals, ctx.tags, gs)
        gx = np.stack([f[layer._idx] for f in full])
        gx = gx.reshape(ctx.shape)
        return torch.from_numpy(gx).to(device=gy.device, dtype=gy.dtype), None


class Render(torch.nn.Module):
    """Render(model, names, seconds=None, frames=None, threads=1)

    A layer mapping the values of the params names (a 1-D tensor of
    len(names), or (B, len(names)) for a batch) to the model's render
    from its initial state: (frames, outputs), or (B, frames, outputs).
    The result has the input's dtype and device (computed in double on
    the CPU); float64 in, float64 out, and torch.autograd.gradcheck
    holds.  Values outside a param's range are a ValueError (clamp them).
    threads: rows of a batch rendered at once (each on its own instance,
    one gradient thread each).
    """

    def __init__(self, model, names, seconds=None, frames=None, threads=1):
        super().__init__()
        if not isinstance(model, Model):
            raise TypeError("Render needs a dpm.Model (dpm.load(...)), not %s" % type(model).__name__)
        model._live()    # a closed model: dpm.Error now, not at the first call
        if isinstance(names, str):
            names = [names]
        self.model = model
        self.names = list(names)
        if not self.names:
            raise ValueError("Render needs at least one param name")
        if len(set(self.names)) != len(self.names):
            raise ValueError("Render: a param is named twice in %s" % self.names)
        self._idx = np.array([model.index(k) for k in self.names], dtype=np.intp)
        if (seconds is None) == (frames is None):
            raise ValueError("Render needs seconds= or frames= (one of them)")
        self.frames = (model.frames(seconds) if frames is None
                       else check_frames(frames, len(model.outputs)))
        if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
            raise ValueError("Render: threads=%r: give a whole number, 1 or more (rows rendered "
                             "at once)" % (threads,))
        self.threads = int(threads)
        self._rows = []

    def extra_repr(self):
        return "%s, params=%s, frames=%d, outputs=%s" % (
            self.model.name, self.names, self.frames, list(self.model.outputs))

    def _row(self, b):
        while len(self._rows) <= b:
            self._rows.append(_Row(self.threads > 1))
        return self._rows[b]

    def _map(self, f, n):
        rows = [self._row(b) for b in range(n)]
        if self.threads > 1 and n > 1:
            with ThreadPoolExecutor(min(self.threads, n)) as ex:
                return list(ex.map(f, rows, range(n)))
        return [f(r, b) for r, b in zip(rows, range(n))]

    def _run_rows(self, vals):
        nout = len(self.model.outputs)

        def one(r, b):
            return r.forward(vals[b], self.frames, nout, self.model)
        out = self._map(one, len(vals))
        return [y for y, _ in out], [t for _, t in out]

    def _back_rows(self, vals, tags, gs):
        nout = len(self.model.outputs)

        def one(r, b):
            return r.backward(vals[b], self.frames, nout, gs[b], self.model, tags[b])
        return self._map(one, len(vals))

    def forward(self, x):
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x, dtype=torch.float64)
        if x.dim() not in (1, 2) or x.shape[-1] != len(self.names):
            raise ValueError("Render(%s) takes %d values (or a batch (B, %d)), not a tensor shaped %s"
                             % (", ".join(self.names), len(self.names), len(self.names),
                                tuple(x.shape)))
        if x.is_complex():
            # a cast to real would drop the imaginary part with a warning
            raise TypeError("Render takes real values, not a %s tensor" % x.dtype)
        if x.dtype == torch.bool:
            raise TypeError("Render takes the params' values, not a bool tensor")
        if x.device.type == "meta":
            raise ValueError("Render needs the values themselves: a tensor on the 'meta' device "
                             "holds none")
        if not x.is_floating_point():
            x = x.to(torch.float64)
        if x.dim() == 2 and x.shape[0] == 0:
            raise ValueError("Render: an empty batch")
        return _RenderFn.apply(x, self)

    def close(self):
        for r in self._rows:
            r.close()
        self._rows = []

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
