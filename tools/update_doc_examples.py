#!/usr/bin/env python3
"""Rewrites the output shown under each `$ build/dfsim ARGS` example in README.md and docs/*.md with
what the command prints now (tests/test_doc_examples.cpp checks them; run this after a change that
alters an example, then read `git diff` before committing).

A block is run as the test runs it: in a fresh folder that links the tree's entries, `$ cat FILE`
writing the lines after it into FILE. An example's text with no "..." line is replaced by the
output; with "..." lines, the lines before the first "..." by as many first lines of the output and
the lines after the last "..." by as many last lines (lines between two "..." are left as they are).
Blocks marked `<!-- doc-example: record ... -->` are dated measurements and are left alone.

  tools/update_doc_examples.py [--binary build/dfsim] [FILE.md ...]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPEN = re.compile(r"^\s*```+\s*[^`\s]*\s*$")
CLOSE = re.compile(r"^\s*```+\s*$")
GIT = re.compile(r"\(git ([0-9a-f]{7,40}(-modified)?|unknown)\)")
MARKER = re.compile(r"^\s*<!--\s*doc-example:\s*(.*?)\s*-->\s*$")


def run_example(body, binary):
    """The block's new body (a list of lines)."""
    out_body = []
    with tempfile.TemporaryDirectory(prefix="dfsim_docs_update_") as d:
        for name in os.listdir(ROOT):
            if not name.startswith(".") and not name.startswith("build"):
                os.symlink(os.path.join(ROOT, name), os.path.join(d, name))
        i = 0
        while i < len(body):
            cmd = body[i][2:]
            j = i + 1
            while j < len(body) and not body[j].startswith("$ "):
                j += 1
            text = body[i + 1:j]
            out_body.append(body[i])
            if cmd.startswith("cat "):
                with open(os.path.join(d, cmd[4:]), "w") as f:
                    f.write("".join(l + "\n" for l in text))
                out_body += text
            else:
                args = re.sub(r"^(build/)?dfsim ", "", cmd)
                r = subprocess.run(f"{os.path.abspath(binary)} {args}", shell=True, cwd=d,
                                   capture_output=True, text=True)
                out = r.stdout + (r.stderr if r.returncode != 0 else "")
                out = out.replace(d + "/", "")
                # the commit is masked by the test: keep the one the block showed, so that a
                # rewrite does not touch every example's commit
                old = next((m.group(0) for m in map(GIT.search, text) if m), None)
                if old:
                    out = GIT.sub(old, out)
                act = out.split("\n")
                if act and act[-1] == "":
                    act.pop()
                if "..." not in text:
                    out_body += act
                else:
                    first = text.index("...")
                    last = len(text) - 1 - text[::-1].index("...")
                    tail = len(text) - 1 - last
                    out_body += act[:first] + text[first:last + 1] + (act[len(act) - tail:] if tail else [])
            i = j
    return out_body


def update(path, binary):
    lines = open(path).read().split("\n")
    out, i, changed = [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        if not OPEN.match(lines[i]):
            i += 1
            continue
        marker = MARKER.match(lines[i - 1]) if i > 0 else None
        j = i + 1
        while j < len(lines) and not CLOSE.match(lines[j]):
            j += 1
        body = lines[i + 1:j]
        if body and body[0].startswith("$ ") and not (marker and marker.group(1).startswith("record")):
            new = run_example(body, binary)
            changed += new != body
            body = new
        out += body
        if j < len(lines):
            out.append(lines[j])
        i = j + 1
    open(path, "w").write("\n".join(out))
    return changed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=os.path.join(ROOT, "build", "dfsim"))
    p.add_argument("files", nargs="*")
    a = p.parse_args()
    files = a.files or [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    for f in files:
        n = update(f, a.binary)
        if n:
            print(f"{os.path.relpath(f, ROOT)}: {n} example(s) rewritten")


if __name__ == "__main__":
    sys.exit(main())
