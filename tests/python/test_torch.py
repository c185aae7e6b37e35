"""tests/python/test_torch.py — dpm.torch.Render: gradcheck in double
(the compiled adjoint against torch's finite differences) on the grid
planned and on a fixed one, batches, dtypes, what the layer leaves of
the model, and a short training loop with Adam."""

import os

import numpy as np
import torch

from common import HERE, IDEAL, STRING, check, done, raises

import dpm

torch.set_num_threads(1)
D = torch.float64


class _Skew(torch.autograd.Function):
    """The identity, whose backward is 0.1 % off: gradcheck must see it."""
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g * 1.001


def scaled(layer, scale, z, skew=False):
    """layer over params of the magnitudes scale, as a function of z =
    params / scale, its outputs divided by their peaks: gradcheck takes
    one eps and one atol for every input and output."""
    peak = layer(z.detach() * scale).abs().amax(-2, keepdim=True)
    return lambda z: layer((_Skew.apply(z) if skew else z) * scale) / peak


def must_fail(f, z, **tol):
    try:
        torch.autograd.gradcheck(f, (z,), **tol)
    except RuntimeError:            # GradcheckError
        return
    raise AssertionError("gradcheck passed a gradient 0.1 % off: it tests nothing")


def gradcheck_planned():
    """The ideal string and the stiff one on the grids dpm plans: a few
    hundred frames, every param."""
    m = dpm.load(IDEAL)
    layer = dpm.torch.Render(m, ["f0"], frames=300)
    x = torch.tensor([220.0], dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,), eps=1e-6, atol=1e-8, rtol=1e-5)
    s = dpm.load(STRING)
    layer = dpm.torch.Render(s, ["f0", "B", "T60", "xo"], frames=200)
    scale = torch.tensor([220.0, 1e-4, 2.0, 1.0], dtype=D)
    z = torch.tensor([1.0, 1.0, 1.0, 0.77], dtype=D, requires_grad=True)
    tol = dict(eps=1e-6, atol=1e-6, rtol=1e-4)
    assert torch.autograd.gradcheck(scaled(layer, scale, z), (z,), **tol)
    must_fail(scaled(layer, scale, z, skew=True), z, **tol)


def gradcheck_fixed_batch():
    """A fixed grid (as `dpmc render --grid 60`), a batch of two rows (xo
    off the grid points, where the pickup's interpolation has a kink)."""
    s = dpm.load(STRING, grid=60)
    assert s.grid == (60,), s.grid
    layer = dpm.torch.Render(s, ["f0", "B", "xo"], frames=150)
    scale = torch.tensor([220.0, 1e-4, 1.0], dtype=D)
    z = torch.tensor([[1.0, 1.0, 0.77], [1.1, 0.5, 0.36]], dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(scaled(layer, scale, z), (z,), eps=1e-6, atol=1e-6, rtol=1e-4)


def layer_semantics():
    m = dpm.load(STRING)
    layer = dpm.torch.Render(m, ["f0", "xo"], seconds=0.01)
    assert "pystring" in repr(layer), repr(layer)
    before = m.params
    x = torch.tensor([300.0, 0.5], dtype=D)
    y = layer(x)
    assert y.dtype == D and y.shape == (441, 2), (y.dtype, y.shape)
    assert m.params == before, "the layer changed the model's params"
    # the render's samples, in double: float32 of them is dpmc's render
    m.set(f0=300, xo=0.5)
    r = m.render(0.01)
    assert np.array_equal(y.numpy().astype(np.float32), r), "layer != render"
    # float32 in, float32 out; the model's other params are seen
    m.set(T60=0.5)
    y32 = layer(torch.tensor([300.0, 0.5]))
    assert y32.dtype == torch.float32, y32.dtype
    assert np.array_equal(y32.numpy(), m.render(0.01)), "set() on the model not seen by the layer"
    # a batch equals its rows; two threads the same bits
    xb = torch.tensor([[300.0, 0.5], [250.0, 0.6], [200.0, 0.3]], dtype=D)
    yb = layer(xb)
    assert yb.shape == (3, 441, 2), yb.shape
    for i in range(3):
        assert torch.equal(yb[i], layer(xb[i])), "batch row %d" % i
    l2 = dpm.torch.Render(m, ["f0", "xo"], seconds=0.01, threads=2)
    xg = xb.clone().requires_grad_(True)
    (yb ** 2).sum()
    g1 = torch.autograd.grad((layer(xg) ** 2).sum(), xg)[0]
    g2 = torch.autograd.grad((l2(xg) ** 2).sum(), xg)[0]
    assert torch.equal(yb, l2(xb)) and torch.equal(g1, g2), "threads=2 differs"
    # errors
    raises(lambda: layer(torch.tensor([5000.0, 0.5], dtype=D)), ValueError, "f0", "[50, 1000]")
    raises(lambda: layer(torch.tensor([300.0], dtype=D)), ValueError, "2 values")
    raises(lambda: dpm.torch.Render(m, ["f0", "nope"], seconds=0.01), ValueError, "nope")
    raises(lambda: dpm.torch.Render(m, ["f0"]), ValueError, "seconds")


def training():
    """Recover the pitch of a 20 ms render from 6 Hz off with Adam on mse:
    the loss falls at least tenfold, f0 ends within 1 Hz."""
    m = dpm.load(STRING)
    layer = dpm.torch.Render(m, ["f0"], seconds=0.02)
    with torch.no_grad():
        target = layer(torch.tensor([226.0], dtype=D))[:, 0]
    f0 = torch.tensor([220.0], dtype=D, requires_grad=True)
    opt = torch.optim.Adam([f0], lr=0.5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 40)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = ((layer(f0)[:, 0] - target) ** 2).mean()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    with torch.no_grad():
        final = ((layer(f0)[:, 0] - target) ** 2).mean().item()
    assert final < losses[0] / 10, "loss %g -> %g" % (losses[0], final)
    assert abs(f0.item() - 226) < 1, "f0 = %g, want 226" % f0.item()


def second_field_rows():
    """Over a model with a second field (its grid compiled in, planned for
    the values), the layer is a function of its input: a row gives what
    the model renders for those values alone, as dpmc render --set, in a
    batch or not, after other values or not, on threads or not.  Rows ran
    on whichever object another row had compiled last (one input, two
    calls: 2.3e-6 apart), and rows on two threads raced on it."""
    chain = os.path.join(HERE, "chain.dpm")
    layer = dpm.torch.Render(dpm.load(chain), ["cw", "K"], frames=300)
    x60 = torch.tensor([60.0, 500.0], dtype=D)
    a = layer(x60)
    b = layer(torch.stack([torch.tensor([700.0, 500.0], dtype=D), x60]))[1]
    assert torch.equal(a, b) and torch.equal(a, layer(x60)), "one input, three results"
    want = dpm.load(chain, params={"cw": 60, "K": 500}).render(300 / 44100)
    assert np.array_equal(a.numpy().astype(np.float32), want), "layer != render of cw=60"
    # each row alone, on a layer of its own
    x = torch.tensor([[700.0], [800.0], [750.0], [650.0]], dtype=D)
    alone = []
    for row in x:
        xr = row.clone().requires_grad_(True)
        y = dpm.torch.Render(dpm.load(chain), ["cw"], frames=200)(xr)
        y.sum().backward()
        alone.append((y.detach(), xr.grad.clone()))
    for threads in (1, 2, 2):
        xg = x.clone().requires_grad_(True)
        y = dpm.torch.Render(dpm.load(chain), ["cw"], frames=200, threads=threads)(xg)
        y.sum().backward()
        for i, (ya, ga) in enumerate(alone):
            assert torch.equal(y[i].detach(), ya) and torch.equal(xg.grad[i], ga), (
                "threads=%d, row %d (cw=%g): not as alone: %g, grad %r vs %r" % (
                    threads, i, x[i, 0], (y[i] - ya).abs().max(), xg.grad[i].item(), ga.item()))


def render_args():
    """frames= as a render takes a length: a whole number (2.7 was taken
    as 2), at most MAX_SAMPLES (10**12 raised MemoryError); a complex
    input is refused (it was cast to real with a warning)."""
    m = dpm.load(STRING)
    raises(lambda: dpm.torch.Render(m, ["f0"], frames=2.7), ValueError, "whole number")
    raises(lambda: dpm.torch.Render(m, ["f0"], frames="200"), ValueError, "whole number")
    raises(lambda: dpm.torch.Render(m, ["f0"], frames=0), ValueError, "at least one")
    raises(lambda: dpm.torch.Render(m, ["f0"], frames=10 ** 12), ValueError, "more than the 134217728")
    raises(lambda: dpm.torch.Render(m, ["f0"], seconds=1e9), ValueError, "more than the 134217728")
    # two outputs: half the frames fit
    raises(lambda: dpm.torch.Render(m, ["f0"], frames=2 ** 26 + 1), ValueError, "more than")
    assert dpm.torch.Render(m, ["f0"], frames=200.0).frames == 200
    layer = dpm.torch.Render(m, ["f0"], frames=10)
    raises(lambda: layer(torch.tensor([220.0 + 0j])), TypeError, "complex")
    # threads= a whole number from 1 (-3 and 0 were taken as 1, 'x' said
    # "invalid literal"); a bool or meta tensor said f0 = 1.0 or torch's own
    for th in (-3, 0, "x", True, 2.5):
        raises(lambda: dpm.torch.Render(m, ["f0"], frames=10, threads=th), ValueError, "threads=")
    raises(lambda: layer(torch.tensor([True])), TypeError, "bool")
    raises(lambda: layer(torch.empty(1, device="meta")), ValueError, "meta")
    # a closed model: refused when the layer is made, not at its first call
    c = m.copy()
    c.close()
    raises(lambda: dpm.torch.Render(c, ["f0"], frames=10), dpm.Error, "is closed")


def no_second_derivative():
    """create_graph=True (a hessian, a gradient penalty) is refused: the
    adjoint runs outside torch's graph, and the second derivative came
    back as silent zeros (a probe's)."""
    m = dpm.load(STRING)
    layer = dpm.torch.Render(m, ["f0"], frames=50)
    x = torch.tensor([220.0], dtype=torch.float64, requires_grad=True)
    f = lambda v: (layer(v) ** 2).sum()
    raises(lambda: torch.autograd.grad(f(x), x, create_graph=True), RuntimeError, "no second derivatives")
    raises(lambda: torch.autograd.functional.hessian(f, x), RuntimeError, "no second derivatives")
    g, = torch.autograd.grad(f(x), x)    # once: fine
    assert torch.isfinite(g).all(), g


check("gradcheck-planned", gradcheck_planned)
check("gradcheck-fixed-batch", gradcheck_fixed_batch)
check("layer", layer_semantics)
check("training", training)
check("second-field-rows", second_field_rows)
check("render-args", render_args)
check("no-second-derivative", no_second_derivative)
done()
