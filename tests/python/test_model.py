"""tests/python/test_model.py — the dpm package without torch: a model
loaded, its params against `dpmc info --json`, set's errors, renders
against `dpmc render --raw` sample for sample, gradients against `dpmc
grad` for every loss it knows, the build cache, and errors."""

import os
import re
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np

from common import (DPMC, HERE, IDEAL, REPO, STRING, T, check, dpmc, dpmc_json, done, ok, raises,
                    read_float_wav)

import dpm

CHAIN = os.path.join(HERE, "chain.dpm")     # a second field: its grid is compiled in


def load_and_params():
    m = dpm.load(STRING)
    info = dpmc_json("info", STRING, "--json")
    assert m.name == info["model"], (m.name, info["model"])
    assert list(m.params) == list(info["params"]), (list(m.params), list(info["params"]))
    for k, v in info["params"].items():
        assert m.params[k] == v["value"], (k, m.params[k], v["value"])
        assert m.ranges[k] == (v["min"], v["max"]), (k, m.ranges[k], v)
        assert m.defaults[k] == v["value"], (k, m.defaults[k])
    assert list(m.outputs) == info["outputs"], (m.outputs, info["outputs"])
    assert m.rate == info["rate"], (m.rate, info["rate"])
    assert list(m.grid) == info["grid"], (m.grid, info["grid"])
    assert len(m) == len(info["params"]) == 4, len(m)
    assert m.log_params == ("f0", "T60"), m.log_params
    r = repr(m)
    assert "pystring" in r and "f0=220" in r and "out, vel" in r, r
    return m


def set_errors(m):
    m.set(f0=330, B=2e-4)
    assert m.params["f0"] == 330 and m.params["B"] == 2e-4, m.params
    raises(lambda: m.set(f0=5000), ValueError, "f0", "5000", "[50, 1000]")
    raises(lambda: m.set(f0=49.999), ValueError, "[50, 1000]")
    raises(lambda: m.set(f0=float("nan")), ValueError, "f0")
    raises(lambda: m.set(f0="high"), ValueError, "not a number")
    raises(lambda: m.set(f0="300"), ValueError, "f0", "string")     # no silent conversion
    raises(lambda: m.set(f0=True), ValueError, "f0", "bool")
    raises(lambda: m.render("0.01"), ValueError, "string")
    raises(lambda: m.set(g0=1), ValueError, "g0", "f0, B, T60, xo")
    # a bad one among good ones changes nothing
    raises(lambda: m.set(f0=400, B=5), ValueError, "B", "[0, 0.001]")
    assert m.params["f0"] == 330 and m.params["B"] == 2e-4, m.params
    m.set(f0=1000)      # the edges are in range
    m.set(f0=50)
    m.set(f0=220, B=1e-4)
    assert m.params == m.defaults, (m.params, m.defaults)


def render_equal(m, args, seconds, rate=None, name="r"):
    wav = os.path.join(T, name + ".wav")
    dpmc("render", STRING, "--raw", "-d", seconds, "-o", wav, *args)
    want, wrate = read_float_wav(wav)
    y = m.render(seconds, rate=rate)
    assert y.dtype == np.float32 and y.shape == want.shape, (y.dtype, y.shape, want.shape)
    assert wrate == (rate or m.rate), (wrate, rate, m.rate)
    assert np.abs(want).max() > 1e-4, "a silent render proves nothing"
    bad = np.flatnonzero(y.ravel() != want.ravel())
    assert bad.size == 0, "%d of %d samples differ, the first at %d: %r vs %r" % (
        bad.size, y.size, bad[0], y.ravel()[bad[0]], want.ravel()[bad[0]])


def render_checks(m):
    render_equal(m, [], 0.05)
    m.set(f0=330, xo=0.4)
    render_equal(m, ["--set", "f0=330", "--set", "xo=0.4"], 0.05)
    # a pitch the grid in force cannot take: render re-plans, as dpmc does
    g = m.grid
    m.set(f0=990)
    render_equal(m, ["--set", "f0=990", "--set", "xo=0.4"], 0.03)
    assert m.grid[0] < g[0], (m.grid, g)
    render_equal(m, ["--set", "f0=990", "--set", "xo=0.4", "-r", "48000"], 0.03, rate=48000)
    # and back: the grid is the one dpmc plans for 330 Hz, whatever came before
    m.set(f0=330)
    render_equal(m, ["--set", "f0=330", "--set", "xo=0.4"], 0.03)
    assert m.grid == g, (m.grid, g)
    assert m.rate == 44100 and m.render(0.01).shape == (441, 2), m.rate
    assert m.render(0.01, rate=22050).shape == (221, 2), "0.01 s at 22050 Hz: 220.5 rounds up"
    m.set(**m.defaults)


def losses():
    """The losses dpmc grad knows, from its own error message."""
    p = dpmc("grad", STRING, "--target", os.path.join(T, "target.wav"), "--loss", "nope",
             ok_status=(1, 2))
    mm = re.search(r"choose ([a-z0-9, ]+?)(;|$)", p.stderr)
    assert mm, p.stderr
    names = [s.strip() for s in mm.group(1).replace(" or ", ", ").split(",") if s.strip()]
    assert "mse" in names, names
    return names


def close(a, b, rel, floor=0.0):
    return abs(a - b) <= rel * max(abs(b), floor)


def grad_checks(m):
    tw = os.path.join(T, "target.wav")
    dpmc("render", STRING, "--raw", "-d", 0.05, "--set", "f0=225", "--set", "B=1.5e-4", "-o", tw)
    target, _ = read_float_wav(tw)
    names = check("losses", losses) or ["mse"]
    for loss in names:
        def one(loss=loss):
            want = dpmc_json("grad", STRING, "--target", tw, "--loss", loss)
            got, g = m.grad(target, loss=loss)
            assert close(got, want["loss"], 1e-9), (got, want["loss"])
            big = max(abs(v) for v in want["grad"].values())
            assert set(g) == set(want["grad"]), (g, want["grad"])
            for k, v in want["grad"].items():
                # relative to each, but components 1e-9 below the largest
                # are rounding in both
                assert close(g[k], v, 1e-9, 1e-9 * big), (loss, k, g[k], v)
            return g
        check("grad/" + loss, one)
    raises(lambda: m.grad(target, loss="nope"), dpm.Error, "nope'; choose mse,")
    raises(lambda: m.grad(target[:, 0]), ValueError, "(N, 2)")
    raises(lambda: m.grad(np.zeros((0, 2))), ValueError, "(N, 2)")
    # a complex or bool target is refused (cast to float32 with a warning,
    # or as 0 and 1), one longer than a render holds at once (it ran on)
    raises(lambda: m.grad(target.astype(complex)), TypeError, "real samples")
    raises(lambda: m.grad(target > 0), TypeError, "not bool")
    # an empty loss name, or one with a NUL, was taken as mse
    raises(lambda: m.grad(target, loss=""), ValueError, "give a loss's name")
    raises(lambda: m.grad(target, loss="mse\0x"), ValueError, "give a loss's name")
    # 1e308 s: said as too long (OverflowError from floor(inf))
    raises(lambda: m.render(1e308), ValueError, "more than the 134217728")
    raises(lambda: m.grad(np.zeros((2 ** 26 + 1, 2), np.float32)), ValueError, "more than the 134217728")

    # forward and backward are the same adjoint as grad: mse by hand
    def vjp():
        y = m.forward(0.05)
        assert y.dtype == np.float64 and y.shape == target.shape, (y.dtype, y.shape)
        assert np.abs(y.astype(np.float32) - m.render(0.05)).max() == 0, "forward != render"
        y = m.forward(0.05)
        d = 2 * (y - target.astype(np.float64)) / y.size
        # a NaN seed is refused (it gave {'f0': nan}; a probe's), the
        # tape kept for the next
        bad = d.copy()
        bad[7, 1] = np.nan
        raises(lambda: m.backward(bad), ValueError, "NaN or infinite values (at frame 7)")
        g = m.backward(d)
        loss, g2 = m.grad(target)
        assert close(np.mean((y - target) ** 2), loss, 1e-12), (np.mean((y - target) ** 2), loss)
        for k in g:
            assert close(g[k], g2[k], 1e-9, 1e-9 * max(map(abs, g2.values()))), (k, g[k], g2[k])
        raises(lambda: m.backward(d), dpm.Error, "forward")
    check("forward-backward", vjp)


def nets():
    """Net weights are params too (api.md: NET.L.W.j.i, NET.L.b.j, L from
    1): in params, set and grad like any other, the gradient that of
    `dpmc grad` (whose JSON nests them under "nets")."""
    model = os.path.join(REPO, "tests", "nets", "scalar.dpm")
    m = dpm.load(model)
    tw = os.path.join(T, "net-target.wav")
    dpmc("render", model, "--raw", "-d", 0.03, "--set", "f0=112", "-o", tw)
    target, _ = read_float_wav(tw)
    want = dpmc_json("grad", model, "--target", tw)
    flat = dict(want["grad"])
    for net, d in want.get("nets", {}).items():
        for layer, lay in enumerate(d["layers"], 1):
            for j, row in enumerate(lay["W"]):
                for i, v in enumerate(row):
                    flat["%s.%d.W.%d.%d" % (net, layer, j, i)] = v
            for j, v in enumerate(lay["b"]):
                flat["%s.%d.b.%d" % (net, layer, j)] = v
    assert len(flat) > len(want["grad"]), "no net in %s" % model
    assert list(m.params) == list(flat), (list(m.params)[:8], list(flat)[:8])
    loss, g = m.grad(target)
    assert close(loss, want["loss"], 1e-9), (loss, want["loss"])
    big = max(abs(v) for v in flat.values())
    for k, v in flat.items():
        assert close(g[k], v, 1e-9, 1e-9 * big), (k, g[k], v)
    w = "tone.2.b.0"
    m.set(**{w: 0.25})
    assert m.params[w] == 0.25, m.params[w]


def wrapper(path, log, delay=0):
    """A dpmc that logs its subcommands (and sleeps in build)."""
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho \"$1\" >> '%s'\n" % log)
        if delay:
            f.write("[ \"$1\" = build ] && sleep %s\n" % delay)
        f.write("exec '%s' \"$@\"\n" % DPMC)
    os.chmod(path, 0o755)


def builds(log):
    try:
        with open(log) as f:
            return sum(1 for line in f if line.strip() == "build")
    except FileNotFoundError:
        return 0


def cache_checks():
    d = os.path.join(T, "cache-t")
    log = os.path.join(T, "dpmc.log")
    w = os.path.join(T, "dpmc-logged")
    wrapper(w, log)
    src = os.path.join(T, "imp")
    os.makedirs(src)
    with open(os.path.join(src, "shape.dpm"), "w") as f:
        f.write("fn shape(x) = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)\n")
    model = os.path.join(src, "m.dpm")
    with open(IDEAL) as f:
        text = f.read()
    text = text.replace("init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)", "init u = shape(x)")
    text = text.replace("model ideal_string", 'model ideal_string\nimport "shape.dpm"')
    assert "shape(x)" in text, text
    with open(model, "w") as f:
        f.write(text)
    a = dpm.load(model, dpmc=w, cache=d)
    assert builds(log) == 1, "first load: %d builds" % builds(log)
    b = dpm.load(model, dpmc=w, cache=d)
    assert builds(log) == 1, "second load built again"
    assert a.path == b.path and os.path.dirname(a.path) == d, (a.path, b.path)
    y1 = a.render(0.02)
    # the import changes: another key, another object, another sound
    with open(os.path.join(src, "shape.dpm"), "w") as f:
        f.write("fn shape(x) = 0.02 * max(0, 1 - abs(x - 0.3) / 0.05)\n")
    c = dpm.load(model, dpmc=w, cache=d)
    assert builds(log) == 2 and c.path != a.path, (builds(log), c.path, a.path)
    assert np.allclose(c.render(0.02), 2 * y1, rtol=1e-5, atol=1e-9), "the import's change not seen"
    st = os.stat(d)
    assert stat.S_IMODE(st.st_mode) == 0o700, oct(st.st_mode)
    assert stat.S_IMODE(os.stat(a.path).st_mode) & 0o022 == 0, oct(os.stat(a.path).st_mode)
    left = [n for n in os.listdir(d) if n.startswith(".build-")]
    assert not left, left


def cache_trim():
    """After a new entry: entries unused for 30 days and a killed build's
    leftovers a day old go, other files stay; past DPM_CACHE_MB the least
    recently used go, never the new one; a hit counts as a use."""
    d = os.path.join(T, "cache-trim")
    os.makedirs(d, mode=0o700)
    old = time.time() - 31 * 86400
    stale = os.path.join(d, "old-" + "0" * 32)
    for ext in (".so", ".h"):
        with open(stale + ext, "w") as f:
            f.write("x")
        os.utime(stale + ext, (old, old))
    keep = os.path.join(d, "notes.txt")
    with open(keep, "w") as f:
        f.write("mine")
    os.utime(keep, (old, old))
    dead = os.path.join(d, ".build-dead")
    os.mkdir(dead)
    os.utime(dead, (time.time() - 2 * 86400,) * 2)
    a = dpm.load(IDEAL, cache=d)
    names = set(os.listdir(d))
    assert not any(n.startswith("old-") for n in names), names
    assert "notes.txt" in names and ".build-dead" not in names, names
    assert os.path.basename(a.path) in names, names
    # a limit of 1 byte: the next new entry removes the older one
    os.utime(a.path, (old + 86400,) * 2)
    os.environ["DPM_CACHE_MB"] = "0.000001"
    try:
        b = dpm.load(STRING, cache=d)
    finally:
        del os.environ["DPM_CACHE_MB"]
    sos = sorted(n for n in os.listdir(d) if n.endswith(".so"))
    assert sos == [os.path.basename(b.path)], sos
    assert b.render(0.01).shape == (441, 2) and a.render(0.01).shape == (441, 1), "loaded maps lost"
    # a hit touches its entry
    os.utime(b.path, (old + 86400,) * 2)
    dpm.load(STRING, cache=d)
    assert time.time() - os.stat(b.path).st_mtime < 3600, "a hit did not touch its entry"


def concurrent_loads():
    """Two processes load one model into an empty cache at once: one build."""
    d = os.path.join(T, "cache-c")
    log = os.path.join(T, "dpmc-c.log")
    w = os.path.join(T, "dpmc-slow")
    wrapper(w, log, delay=0.5)
    code = textwrap.dedent("""
        import sys, dpm
        m = dpm.load(sys.argv[1], dpmc=sys.argv[2], cache=sys.argv[3])
        print(m.render(0.01).shape)
    """)
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
    ps = [subprocess.Popen([sys.executable, "-c", code, IDEAL, w, d], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
          for _ in range(2)]
    outs = [p.communicate() for p in ps]
    for p, (o, e) in zip(ps, outs):
        assert p.returncode == 0 and o.strip() == "(441, 1)", (p.returncode, o, e)
    assert builds(log) == 1, "%d builds for two loads at once" % builds(log)
    sos = [n for n in os.listdir(d) if n.endswith(".so")]
    assert len(sos) == 1, sos


def scratch_model(name, param, pde, rest):
    """A string on [0, 1] with fixed ends, written to the scratch folder
    and loaded."""
    path = os.path.join(T, name + ".dpm")
    with open(path, "w") as f:
        f.write("model %s\n%s\ndomain x in [0, 1]\nfield u(x)\n%s\nboundary x = 0, x = 1: fixed\n%s\n"
                % (name, param, pde, rest))
    return dpm.load(path)


def error_checks():
    bad = os.path.join(T, "bad.dpm")
    with open(bad, "w") as f:
        f.write("model bad\nparam f0 = 220 in [20, 4000]\ndomain x in [0, 1]\nfield u(x)\n"
                "pde u.tt = (2*f0)^2 * u.xxq\n")
    p = dpmc("check", bad, ok_status=(1,))
    want = p.stderr.strip().splitlines()[0]
    msg = raises(lambda: dpm.load(bad), dpm.Error, want)
    assert "bad.dpm:5:" in msg, msg
    raises(lambda: dpm.load(os.path.join(T, "none.dpm")), dpm.Error, "none.dpm")
    raises(lambda: dpm.load(T), dpm.Error, "is a folder")
    raises(lambda: dpm.load(STRING, threads="a"), ValueError, "threads='a'")
    raises(lambda: dpm.load(STRING, threads=-3), ValueError, "threads=-3")
    raises(lambda: dpm.load(STRING, backend="tcc"), ValueError, "backend='cc'")
    raises(lambda: dpm.load(STRING, backend="llvm"), ValueError, "backend='cc'")
    raises(lambda: dpm.load(STRING, backend="gcc"), ValueError, "backend='cc'")
    raises(lambda: dpm.load(STRING, dpmc=os.path.join(T, "no-dpmc")), dpm.Error, "no-dpmc")
    # a shared object without the interface
    c = os.path.join(T, "plain.c")
    so = os.path.join(T, "plain.so")
    with open(c, "w") as f:
        f.write("int plain(void) { return 1; }\n")
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-o", so, c], check=True)
    raises(lambda: dpm.load(so), dpm.Error, "dpm_* interface", "dpm_new")
    # a cache others may write is refused, naming the fix
    open_dir = os.path.join(T, "cache-open")
    os.makedirs(open_dir)
    os.chmod(open_dir, 0o777)
    raises(lambda: dpm.load(STRING, cache=open_dir), dpm.Error, "chmod go-w")
    m = dpm.load(STRING)
    raises(lambda: m.render(0), ValueError, "positive")
    raises(lambda: m.render(1e-6), ValueError, "shorter than one sample")
    raises(lambda: m.render(0.01, rate=-5), ValueError, "rate")
    raises(lambda: m.index("nope"), ValueError, "nope")
    # on a fixed grid a pitch it cannot take is the C side's error, and
    # nothing changes
    fx = dpm.load(STRING, grid=87)
    raises(lambda: fx.set(xo=0.5, f0=990), dpm.Error, "unstable")
    assert fx.params == fx.defaults and fx.grid == (87,), (fx.params, fx.grid)
    raises(lambda: dpm.load(STRING, grid=(87, 10)), ValueError, "one per axis")
    # rate and grid as dpmc's -r and --grid take them
    raises(lambda: dpm.load(STRING, rate=0), ValueError, "whole number of Hz")
    raises(lambda: dpm.load(STRING, grid=0), ValueError, "at least 1")
    raises(lambda: dpm.load(STRING, grid=50.5), ValueError, "whole numbers of intervals")
    raises(lambda: m.render(0.01, rate=44100.5), ValueError, "whole number of Hz")
    raises(lambda: m.render(1e9), ValueError, "more than the 134217728", "shorter duration")
    # render(rate=) where the params in force cannot run: dpmc's message at its place
    msg = raises(lambda: m.render(0.01, rate=100), dpm.Error, "unstable on every grid", "raise the rate")
    assert re.search(r"\.dpm:\d+:\d+: error:", msg) and "^" in msg, msg
    # a model that cannot start there: dpmc's message at its place, not
    # dpm_new's either-or
    msg = raises(lambda: dpm.load(STRING, rate=100), dpm.Error, "unstable on every grid", "raise the rate")
    assert re.search(r"\.dpm:\d+:\d+: error:", msg) and "^" in msg, msg
    # a forward that blows up raises, as render does: a tension that rises
    # with the state past what the grid takes
    b = scratch_model("blow", "param K = 0 in [0, 1e15]",
                      "pde u.tt = (400^2 + K * u(0.5)^2) * u.xx + 1e4 * delta(x - 0.3)",
                      "output out = u(0.5)")
    b.set(K=1e12)
    raises(lambda: b.forward(0.05), dpm.Error, "blew up")
    # a grid stable only for the params= given with it (as dpmc grad --grid --set)
    g = dpm.load(IDEAL, grid=102, params={"f0": 215})
    assert g.grid == (102,) and g.params["f0"] == 215 and g.copy().grid == (102,), (g.grid, g.params)
    # an output past float's range where the state is finite is said as
    # such (it was "the state blew up ... unstable")
    b = scratch_model("big", "param g = 1 in [0, 1e300]", "pde u.tt = 400^2 * u.xx",
                      "init u = 0.01 * sin(pi * x)\noutput out = g * u(0.5)")
    b.set(g=1e300)
    raises(lambda: b.render(0.01), dpm.Error, "output 'out' is", "beyond 32-bit float", "dpm_forward")
    assert b.forward(0.01).max() > 1e297
    # the model still works after all that
    assert m.render(0.01).shape == (441, 2)


def recompiled():
    """A second field's grid is fixed when the model is compiled: set()
    and load(params=) compile it again for values it cannot take (the
    violin's kappa = 8 was refused; a probe's), bit for bit dpmc
    render's with --set; the names, ranges and defaults stay."""
    path = CHAIN
    c = dpm.load(path)
    first = c.path
    c.set(cw=600)
    assert c.path != first, "set(cw=600) did not compile the model again"
    assert c.defaults["cw"] == 100 and c.params["cw"] == 600, (c.defaults, c.params)
    wav = os.path.join(T, "chain600.wav")
    dpmc("render", path, "--raw", "-d", 0.05, "--set", "cw=600", "-o", wav)
    want, _ = read_float_wav(wav)
    y = c.render(0.05)
    assert np.array_equal(y, want), "render differs from dpmc render --set cw=600"
    loss, g = c.grad(want)
    assert loss < 1e-15 and set(g) == {"cw", "K"}, (loss, g)
    d = dpm.load(path, params={"cw": 600})
    assert np.array_equal(d.render(0.05), want) and d.defaults["cw"] == 100
    assert np.array_equal(c.copy().render(0.05), want)
    # a .so loaded as it is cannot be compiled again: dpm_set's message
    raises(lambda: dpm.load(first).set(cw=600), dpm.Error, "compile the model again")


def chain_wav(seconds, *args):
    """`dpmc render chain.dpm --raw` with args, as float32 (frames, 2)."""
    wav = os.path.join(T, "chain-%s.wav" % "_".join(str(a).strip("-") for a in args))
    dpmc("render", CHAIN, "--raw", "-d", seconds, "-o", wav, *args)
    return read_float_wav(wav)[0]


def second_field_history():
    """A second field's grid is planned for the params in force, whatever
    came before (a probe's: set(cw=700) then set(cw=60) kept the grid
    planned for 700, 2.7e-6 away from dpmc; a fresh set(cw=60) kept the
    defaults' 440 intervals where dpmc plans 734, 1.4e-7 away)."""
    want = chain_wav(0.01, "--set", "cw=60", "--set", "K=500")
    a = dpm.load(CHAIN)
    a.set(cw=60, K=500)
    assert np.array_equal(a.render(0.01), want), "a fresh set(cw=60) differs from dpmc render"
    b = dpm.load(CHAIN)
    b.set(cw=700)
    b.set(cw=60, K=500)
    assert np.array_equal(b.render(0.01), want), "set(cw=60) after cw=700 differs from dpmc render"
    c = dpm.load(CHAIN, params={"cw": 60, "K": 500})
    assert np.array_equal(c.render(0.01), want), "load(params=) differs from dpmc render"
    assert a.path == b.path == c.path, (a.path, b.path, c.path)
    # back to the defaults: the first object again, the defaults' sound
    b.set(**b.defaults)
    assert np.array_equal(b.render(0.01), chain_wav(0.01)), "back to the defaults"


def second_field_net():
    """A net that sets a second field's speed: its weights are params the
    build plans that grid for (set() left them out: 0.86 % of the peak
    from dpmc render --set, and sp.2.b.0 = 0.5 refused as unstable; a
    probe's)."""
    path = os.path.join(HERE, "netfield.dpm")
    for b in (-0.5, 0.5):
        wav = os.path.join(T, "netfield%g.wav" % b)
        dpmc("render", path, "--raw", "-d", 0.05, "--set", "sp.2.b.0=%r" % b, "-o", wav)
        want, _ = read_float_wav(wav)
        n = dpm.load(path)
        n.set(**{"sp.2.b.0": b})
        assert np.array_equal(n.render(0.05), want), "sp.2.b.0 = %g differs from dpmc render" % b


def second_field_rate():
    """A second field's grid is planned for the rate too: render(rate=)
    and load(rate=) build the model for it, as `dpmc render -r` (both
    raised: "does not start at 22050 Hz" with no reason, and advice to
    --set values)."""
    want = chain_wav(0.01, "-r", 22050)
    m = dpm.load(CHAIN)
    y = m.render(0.01, rate=22050)
    assert np.array_equal(y, want), "render(rate=22050) differs from dpmc render -r 22050"
    assert m.rate == 44100 and np.array_equal(m.render(0.01), chain_wav(0.01)), m.rate
    r = dpm.load(CHAIN, rate=22050)
    assert r.rate == 22050 and np.array_equal(r.render(0.01), want), r.rate
    r.set(cw=700)
    assert np.array_equal(r.render(0.01), chain_wav(0.01, "-r", 22050, "--set", "cw=700"))
    # a plain load of the same model still has the model's own rate
    assert dpm.load(CHAIN).rate == 44100


def after_chdir():
    """A model loaded by a relative path is built again and explained
    after the process changes folder (it raised "chain.dpm: no such
    model file")."""
    here = os.getcwd()
    os.chdir(HERE)
    try:
        c = dpm.load("chain.dpm")
        s = dpm.load(os.path.relpath(STRING))
        os.chdir(T)
        c.set(cw=700)
        assert np.array_equal(c.render(0.01), chain_wav(0.01, "--set", "cw=700"))
        raises(lambda: s.render(0.01, rate=100), dpm.Error, "unstable on every grid")
    finally:
        os.chdir(here)


def grid_range():
    """grid= as --grid takes it: past a C int's half it was wrapped
    (2**32 + 10 gave 10) or taken as 'plan it' (2**40)."""
    for g in (2 ** 32 + 10, 2 ** 40, (2 ** 31,), 2 ** 30):
        raises(lambda: dpm.load(STRING, grid=g), ValueError, "at most 1073741823")
    p = dpmc("render", STRING, "--grid", 2 ** 30, "-d", 0.01, "-o", os.path.join(T, "g.wav"),
             ok_status=(1, 2))
    assert "--grid" in p.stderr, p.stderr


def set_error_placed():
    """An error the compiled model gives in set() names the model's file,
    as dpmc prints it: FILE:LINE:COL: error: ..., the line, a caret (it
    said "7:12: the scheme is unstable...")."""
    g = scratch_model("grow", "param sigma = 1 in [-2000, 100]",
                      "pde u.tt = 440^2 * u.xx - 2 * sigma * u.t",
                      "init u = 0.01 * max(0, 1 - abs(x - 0.3) / 0.05)\noutput out = u(0.77)")
    p = dpmc("render", os.path.join(T, "grow.dpm"), "--set", "sigma=-2000", "-d", 0.01,
             "-o", os.path.join(T, "grow.wav"), ok_status=(1,))
    want = p.stderr.strip()
    assert want.startswith(os.path.join(T, "grow.dpm") + ":5:"), want
    msg = raises(lambda: g.set(sigma=-2000), dpm.Error)
    assert msg == want, "%r, dpmc: %r" % (msg, want)
    assert g.params["sigma"] == 1, g.params


def closed():
    """Every use of a closed model says so (params read NaN, set raised
    Error(''), grad "a call failed without a message", copy "f0 = nan is
    outside its range")."""
    m = dpm.load(STRING)
    t = m.render(0.01)
    with m:
        pass
    uses = {
        "params": lambda: m.params, "rate": lambda: m.rate, "grid": lambda: m.grid,
        "set": lambda: m.set(f0=300), "render": lambda: m.render(0.01),
        "render(rate=)": lambda: m.render(0.01, rate=22050), "grad": lambda: m.grad(t),
        "forward": lambda: m.forward(0.01), "backward": lambda: m.backward(t),
        "copy": lambda: m.copy(),
    }
    for what, f in uses.items():
        try:
            raises(f, dpm.Error, "is closed")
        except AssertionError as e:
            raise AssertionError("%s: %s" % (what, e))
    assert "closed" in repr(m) and m.names == ("f0", "B", "T60", "xo"), repr(m)
    m.close()       # twice is fine


def not_dpmc():
    """A dpmc= that is not dpmc is said to be so (/bin/true gave a raw
    FileNotFoundError of the .so it did not make), and a dpmc that exits
    0 without making the object is said to."""
    d = os.path.join(T, "cache-notdpmc")
    raises(lambda: dpm.load(STRING, dpmc="/bin/true", cache=d), dpm.Error, "/bin/true is not dpmc")
    fake = os.path.join(T, "dpmc-fake")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\n[ \"$1\" = --version ] && echo 'dpmc 0.0'\nexit 0\n")
    os.chmod(fake, 0o755)
    raises(lambda: dpm.load(STRING, dpmc=fake, cache=d), dpm.Error, "dpmc-fake build", "made no X.so")


m = check("load-params", load_and_params)
if m is None:
    done()
check("set-errors", lambda: set_errors(m))
check("render", lambda: render_checks(m))
grad_checks(m)
check("nets", nets)
check("cache", cache_checks)
check("cache-concurrent", concurrent_loads)
check("cache-trim", cache_trim)
check("errors", error_checks)
check("second-field-compiled-again", recompiled)
check("so-path", lambda: dpm.load(m.path).render(0.01).shape == (441, 2) or 1 / 0)
check("second-field-history", second_field_history)
check("second-field-rate", second_field_rate)
check("second-field-net", second_field_net)
check("after-chdir", after_chdir)
check("grid-range", grid_range)
check("set-error-placed", set_error_placed)
check("closed", closed)
check("not-dpmc", not_dpmc)
done()
