"""dpm._build: a model file to a loaded shared object, through dpmc.

`dpmc build MODEL -o X.so` under a cache folder keyed by what decides the
object's code: the C dpmc emits for the model (so the text of the model
and of everything it imports), dpmc's version and its binary, and the
backend.  A build goes to a private temporary name and is renamed into
place under a lock on the folder, so two processes loading one model at
once build it once and never load half a file; the folder is trimmed as
dpmc's own cc cache is (30 days unused, DPM_CACHE_MB).  Like dpmc's own cc cache
(compiler/back/jit_cc.c), code is loaded only from a folder and a file that
are the user's alone.
"""

import fcntl
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time

from ._errors import Error

# how the .so is made, for the cache key: bump when the build command changes
_KEY_VERSION = b"dpm-python-build 2"
# the words of the error a second field's grid gives when the params need
# a finer one (emit_c.c; cli.h's REPLAN_MARK): in the C only when a field's
# grid is planned when the model is compiled, for the values and rate given
REPLANS = b"was planned for the values it was compiled with"
# an entry: STEM-KEY.so and the header dpmc wrote beside it, STEM-KEY.h
_ENTRY = re.compile(r"^(.+-[0-9a-f]{32})\.(so|h)$")

_BACKENDS = {
    "cc": None,
    "tcc": "TinyCC compiles into dpmc's own memory, which Python cannot share",
    "llvm": "LLVM compiles into dpmc's own memory, which Python cannot share",
}


def check_backend(backend):
    """Only a shared object can be loaded by ctypes: that is what `dpmc
    build -o X.so` makes, with the system C compiler."""
    if backend not in _BACKENDS:
        raise ValueError("backend %r: unknown; use backend='cc' (the one Python can load)" % (backend,))
    why = _BACKENDS[backend]
    if why:
        raise ValueError("backend %r: %s; use backend='cc' (dpmc builds a shared object with the "
                         "system C compiler, cached, so only the first load pays for it)"
                         % (backend, why))


def find_dpmc(explicit=None):
    """dpmc: the argument, else $DPMC, else the one beside this package in
    a source tree (REPO/python/dpm -> REPO/dpmc), else the one `make
    install` recorded, else the first on PATH."""
    if explicit:
        return _usable(explicit, "the dpmc argument")
    env = os.environ.get("DPMC")
    if env:
        return _usable(env, "$DPMC")
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.join(os.path.dirname(os.path.dirname(here)), "dpmc")
    if os.path.isfile(tree) and os.access(tree, os.X_OK):
        return tree
    try:
        from . import _installed
        if os.path.isfile(_installed.DPMC) and os.access(_installed.DPMC, os.X_OK):
            return _installed.DPMC
    except ImportError:
        pass
    found = shutil.which("dpmc")
    if found:
        return os.path.abspath(found)
    raise Error("dpmc not found: not beside the dpm package, not on PATH and $DPMC unset; "
                "build it (./configure && make), install it (make install), or set DPMC=/path/to/dpmc")


def _usable(path, where):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise Error("%s names %s, which is not an executable dpmc" % (where, path))
    return os.path.abspath(path)


def _run(cmd):
    """cmd's stdout; its stderr as an Error's message when it fails."""
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    except OSError as e:
        raise Error("cannot run %s: %s" % (cmd[0], e)) from None
    if p.returncode != 0:
        msg = p.stderr.decode("utf-8", "replace").strip()
        raise Error(msg or "%s exited with status %d" % (" ".join(cmd), p.returncode))
    return p.stdout


_versions = {}


def _identity(dpmc):
    """dpmc's version and its binary's size and time: a rebuilt dpmc may
    emit other code for the same model under the same version."""
    st = os.stat(dpmc)
    key = (dpmc, st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _versions:
        v = _run([dpmc, "--version"]).strip()
        # any program that exits 0 would pass for one, and then make no .so
        if not v.startswith(b"dpmc "):
            raise Error("%s is not dpmc: `%s --version` printed %r, not 'dpmc VERSION'; give the "
                        "dpmc to build with (dpmc=, or $DPMC)" % (dpmc, dpmc, v.decode("utf-8", "replace")))
        _versions[key] = v
    return b"%s %d %d" % (_versions[key], st.st_size, st.st_mtime_ns)


def cache_dir(explicit=None):
    """The cache folder (made 0700 if missing): explicit, else
    $XDG_CACHE_HOME/dpm/python, else ~/.cache/dpm/python.  Refused unless
    it is the user's and nobody else may write it."""
    if explicit:
        d = explicit
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        if xdg and os.path.isabs(xdg):
            d = os.path.join(xdg, "dpm", "python")
        else:
            d = os.path.join(os.path.expanduser("~"), ".cache", "dpm", "python")
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        st = os.stat(d)
    except OSError as e:
        raise Error("the cache folder %s: %s; set XDG_CACHE_HOME to a folder of yours" % (d, e)) from None
    if not stat.S_ISDIR(st.st_mode):
        raise Error("the cache folder %s is not a folder; remove it" % d)
    if st.st_uid != os.geteuid():
        raise Error("the cache folder %s belongs to uid %d, not to you (uid %d); remove it, or set "
                    "XDG_CACHE_HOME to a folder of yours" % (d, st.st_uid, os.geteuid()))
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise Error("the cache folder %s may be written by the group or others (mode %04o); run "
                    "chmod go-w '%s'" % (d, st.st_mode & 0o7777, d))
    return d


def _trusted(path):
    """path is a regular file of ours nobody else may write (not a link)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def explain(model, rate=None, grid=None, include=(), dpmc=None, values=None):
    """Why the model will not start at rate, grid (dpm_new failed, and
    says nothing): what `dpmc info` says, with the model's file:line:col,
    or None when it starts there.  values: {name: value} of the declared
    params in force (default: their defaults)."""
    cmd = [find_dpmc(dpmc), "info", model]
    for d in include:
        cmd += ["-I", os.fspath(d)]
    if rate:
        cmd += ["-r", "%d" % int(rate)]
    if grid is not None:
        cmd += ["--grid", ",".join("%d" % int(g) for g in grid)]
    for k, v in (values or {}).items():
        cmd += ["--set", "%s=%r" % (k, float(v))]
    try:
        _run(cmd)
    except Error as e:
        return str(e)
    return None


def build(model, backend="cc", include=(), dpmc=None, cache=None, values=None, rate=None):
    """The path of a shared object built from model (cached), and whether
    its code depends on the values and rate it was built for.  values:
    {name: value} of declared params to build for (dpmc build --set), rate
    the rate (-r): a field written out as lumped points (a second field)
    gets the grid planned for them, and they become the object's defaults
    and rate.  A model without such a field is built without them: its
    code is the same for every value and rate."""
    check_backend(backend)
    if os.path.isdir(model):
        raise Error("%s is a folder; a model must be a regular file" % model)
    if not os.path.isfile(model):
        raise Error("%s: no such model file" % model)
    dpmc = find_dpmc(dpmc)
    who = _identity(dpmc)
    inc = []
    for d in include:
        inc += ["-I", os.fspath(d)]
    opts = []
    for k, v in (values or {}).items():
        opts += ["--set", "%s=%r" % (k, float(v))]
    if rate:
        opts += ["-r", "%d" % int(rate)]
    # the C dpmc emits decides the code: the model, its imports, a second
    # field's plan for the values and rate
    ctext = _run([dpmc, "emit", model, "--stage", "c"] + inc + opts)
    replans = REPLANS in ctext
    if not replans:
        values = rate = opts = None
    # what the C does not show: build makes the values and the rate the
    # object's defaults, so an object built for values (whichever first
    # had that plan) is not the model's own, nor one at another rate; the
    # model's own serves any values of its plan
    def entry(made):
        h = hashlib.sha256()
        for part in (_KEY_VERSION, backend.encode(), who, made, b"%d" % int(rate or 0), ctext):
            h.update(b"%d:" % len(part))
            h.update(part)
        return os.path.join(d, "%s-%s.so" % (stem, h.hexdigest()[:32]))
    stem = os.path.splitext(os.path.basename(model))[0]
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:40] or "model"
    d = cache_dir(cache)
    so = entry(b"defaults")
    if values and not _trusted(so):
        so = entry(b"values")
    if _trusted(so):
        _touch(so)
        return so, replans
    # one build at a time in the folder (flock on the folder itself, as
    # dpmc's `build -o X.c`): the second of two processes finds the first's
    lock = os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _trusted(so):
            _touch(so)
            return so, replans
        tmpdir = tempfile.mkdtemp(prefix=".build-", dir=d)
        try:
            tmp = os.path.join(tmpdir, "%s.so" % stem)
            _run([dpmc, "build", model, "-o", tmp] + inc + (opts or []))
            if not os.path.isfile(tmp):
                raise Error("`%s build %s -o X.so` exited 0 and made no X.so" % (dpmc, model))
            os.chmod(tmp, 0o700)
            h_tmp = os.path.join(tmpdir, "%s.h" % stem)
            if os.path.isfile(h_tmp):
                os.replace(h_tmp, so[:-3] + ".h")
            os.replace(tmp, so)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        trim(d, keep=so)
    finally:
        os.close(lock)
    return so, replans


def _touch(path):
    """An entry's mtime is its last use (trim goes by it)."""
    try:
        os.utime(path)
    except OSError:
        pass


def trim(d, keep=None):
    """The cache does not grow without end (the policy of dpmc's cc
    cache): after a new entry, entries unused for 30 days go, then the
    least recently used until the rest is under DPM_CACHE_MB (default 512
    MB; a third less, so that the next builds do not trim again), and what
    a killed build left (a day old).  Only our own files named as entries
    are removed; a process that has one loaded keeps its mapping."""
    try:
        limit = float(os.environ.get("DPM_CACHE_MB", "")) * 1e6
    except ValueError:
        limit = 0
    if not limit > 0:
        limit = 512e6
    now = time.time()
    entries, total = [], 0
    try:
        names = os.listdir(d)
    except OSError:
        return
    for n in names:
        path = os.path.join(d, n)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if st.st_uid != os.geteuid():
            continue
        age = now - st.st_mtime
        if n.startswith(".build-") and stat.S_ISDIR(st.st_mode):
            if age > 86400:
                shutil.rmtree(path, ignore_errors=True)
            continue
        m = _ENTRY.match(n)
        if not m or m.group(2) != "so" or not stat.S_ISREG(st.st_mode):
            continue
        total += st.st_size
        if path == keep:            # the entry just made stays
            continue
        if age > 30 * 86400:
            _remove(d, m.group(1))
            total -= st.st_size
        else:
            entries.append((st.st_mtime, st.st_size, m.group(1)))
    if total > limit:
        for _, size, stem in sorted(entries):
            if total <= limit * 2 / 3:
                break
            _remove(d, stem)
            total -= size


def _remove(d, stem):
    for ext in (".so", ".h"):
        try:
            os.unlink(os.path.join(d, stem + ext))
        except OSError:
            pass
