"""tests/python/test_docs.py — docs/python.md runs as written: its shell
lines (python3 being Debian's) from the repository, then its python
blocks in order as one script, in a folder holding the README's
string.dpm.  The blocks check their own claims (assert)."""

import os
import re
import subprocess
import sys

from common import REPO, T, check, done

DOC = os.path.join(REPO, "docs", "python.md")


def blocks(path):
    """(language, text, line) of every fenced block of a markdown file."""
    out, lang, buf, at = [], None, [], 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("```"):
                if lang is None:
                    lang, buf, at = line[3:].strip(), [], n
                else:
                    out.append((lang, "".join(buf), at))
                    lang = None
            elif lang is not None:
                buf.append(line)
    return out


def setup():
    d = os.path.join(T, "doc")
    os.makedirs(os.path.join(d, "bin"), exist_ok=True)
    os.symlink(sys.executable, os.path.join(d, "bin", "python3"))
    models = [t for lang, t, _ in blocks(os.path.join(REPO, "README.md"))
              if re.match(r"(\s*#.*\n)*model string\b", t)]
    assert models, "README.md has no `model string` block"
    with open(os.path.join(d, "string.dpm"), "w") as f:
        f.write(models[0])
    return d


def run(cmd, cwd, env, what):
    p = subprocess.run(cmd, cwd=cwd, env=env, shell=isinstance(cmd, str), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, "%s: exit %d: %s" % (what, p.returncode, p.stderr[-800:])
    return p.stdout


def shell_lines(d):
    env = dict(os.environ, PATH=os.path.join(d, "bin") + ":" + os.environ["PATH"])
    env.pop("PYTHONPATH")
    n = 0
    for lang, text, at in blocks(DOC):
        if lang == "":
            for line in text.splitlines():
                if line.startswith("PYTHONPATH=") or line.startswith("python3 "):
                    run(line, REPO, env, "docs/python.md:%d" % at)
                    n += 1
    assert n >= 1, "no shell line run"


def python_blocks(d):
    code = [(t, at) for lang, t, at in blocks(DOC) if lang == "python"]
    assert len(code) >= 4, "%d python blocks" % len(code)
    script = ""
    for t, at in code:
        script += "# docs/python.md:%d\n%s\n" % (at, t)
    path = os.path.join(d, "doc.py")
    with open(path, "w") as f:
        f.write(script)
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
    out = run([sys.executable, path], d, env, "the python blocks of docs/python.md")
    assert "<dpm.Model string" in out, out[:300]


d = check("docs-setup", setup)
if d:
    check("docs-shell", lambda: shell_lines(d))
    check("docs-python", lambda: python_blocks(d))
done()
