#!/usr/bin/env python3
"""Benchmark tracebook on a repository with a long git history.

    python3 scripts/bench_history.py [--items 10000] [--commits 1000] [--runs 5]
                                     [--bin PATH] [--work DIR] [--no-build]

What is measured, on a generated repository of N items (scripts/gen_corpus.py) with
C commits (default 10k items, 1,000 commits):

* `tracebook diff v1.0 v2.0 --format json`: the change and impact report between two tags
  (v1.0 at commit C/2, v2.0 at the last commit), read from git objects only.
* `tracebook diff R1.0`: baseline R1.0 (baselines/R1.0.yaml, ref v1.0) to the working tree.
* `tracebook build` of the repository: a full build that reads both baselines at their
  tags, renders the baseline pages with changes and impact, and walks the whole log once
  for the history section of every item page. Cold: `.tracebook/history-steps.json` (the
  per-commit cache of what each commit changed) is removed before each run, so every commit
  is diffed; warm: the cache of the previous run is used, as on a machine that built
  before.
* The same build of the same files outside git (a copy without .git): the difference is
  what history and baselines cost.

The history is made with `git fast-import` (this script may run git; tracebook itself reads
git with git2 only). Commit 1 adds the corpus; each later commit edits 1-4 items chosen by
a seeded random generator: appends a sentence to a body (most), retitles an item, or changes
a status, and every 50th commit renames a file. So every commit touches items, as in a busy
project.

Each command runs `--runs` times; the report gives the median wall time (the machine is
shared and noisy, so medians, not minima) and the peak RSS. Builds write a new output
folder per run. Targets: diff between two tags < 3 s and full build including
history pages < 3 s at 10k items and 1,000 commits.
"""

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.path.join(REPO, "scripts", "gen_corpus.py")
TARGET_S = 3.0


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "tracebook"))
    ap.add_argument("--work", default="/tmp/tracebook-bench-history")
    ap.add_argument("--no-build", action="store_true", help="skip cargo build --release")
    ap.add_argument("--sites", default=None,
                    help="folder the builds write into (default: WORK/sites). On this machine's "
                         "ext4 (discard) creating 10k folders right after deleting others costs "
                         "seconds of kernel time; /dev/shm shows the tool's own cost")
    args = ap.parse_args(argv)
    if args.commits < 2:
        ap.error("--commits must be at least 2 (two tags)")
    return args


def progress(msg):
    print(f"[bench-history] {msg}", file=sys.stderr, flush=True)


def git(repo, *args, stdin=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return subprocess.run(["git", "-C", repo, *args], input=stdin, check=True, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_corpus(corpus):
    files = {}
    for dirpath, _, names in os.walk(corpus):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, corpus)
            with open(path, "rb") as f:
                files[rel] = f.read()
    return files


def mutate(text, rng, step):
    """One edit to an item file: a body sentence (most), a title, or a status."""
    roll = rng.random()
    lines = text.split(b"\n")
    if roll < 0.15:
        for i, line in enumerate(lines):
            if line.startswith(b"title: "):
                # Titles may be quoted: the suffix goes inside the quotes.
                quote = line[-1:] if line[-1:] in (b'"', b"'") else b""
                body = line[:-1] if quote else line
                lines[i] = body + b" (rev %d)" % step + quote
                return b"\n".join(lines)
    if roll < 0.25:
        for i, line in enumerate(lines):
            if line.startswith(b"status: "):
                lines[i] = b"status: review" if b"approved" in line else b"status: approved"
                return b"\n".join(lines)
    return text.rstrip(b"\n") + b"\nRevised in step %d to tighten the wording.\n" % step


def fast_import_stream(files, commits, seed):
    """A fast-import stream: commit 1 adds everything, then edits; tags at the middle and end."""
    rng = random.Random(seed)
    paths = sorted(p for p in files if p.startswith("content/"))
    out = []
    t0 = 1_700_000_000

    def commit(n, message, changes):
        out.append(b"commit refs/heads/main\n")
        out.append(b"mark :%d\n" % n)
        who = b"Engineer %d <e%d@example.com> %d +0000\n" % (n % 7, n % 7, t0 + n * 3600)
        out.append(b"author " + who)
        out.append(b"committer " + who)
        msg = message.encode()
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if n > 1:
            out.append(b"from :%d\n" % (n - 1))
        for change in changes:
            if change[0] == "M":
                _, path, data = change
                out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
            else:
                _, old, new = change
                out.append(b"R %s %s\n" % (old.encode(), new.encode()))

    commit(1, "Import the corpus", [("M", p, files[p]) for p in sorted(files)])
    middle = commits // 2
    for n in range(2, commits + 1):
        changes = []
        if n % 50 == 0:
            old = rng.choice(paths)
            new = old.replace(".md", f"-r{n}.md")
            files[new] = files.pop(old)
            paths[paths.index(old)] = new
            changes.append(("R", old, new))
        for _ in range(rng.randint(1, 4)):
            path = rng.choice(paths)
            files[path] = mutate(files[path], rng, n)
            changes.append(("M", path, files[path]))
        if n == commits:
            for name, ref, date in (("R1.0", "v1.0", "2026-01-15"), ("R2.0", "v2.0", "2026-06-01")):
                text = (f"name: {name}\ntitle: Release {name}\nref: {ref}\n"
                        f"approved_by: [a.chen]\ndate: {date}\n").encode()
                files[f"baselines/{name}.yaml"] = text
                changes.append(("M", f"baselines/{name}.yaml", text))
        commit(n, f"Edit {len(changes)} item(s), step {n}", changes)
        if n == middle:
            out.append(b"reset refs/tags/v1.0\nfrom :%d\n\n" % n)
    out.append(b"reset refs/tags/v2.0\nfrom :%d\n\n" % commits)
    return b"".join(out)


def make_repo(args):
    repo = os.path.join(args.work, f"repo-{args.items}-{args.commits}-v2")
    if os.path.isdir(os.path.join(repo, ".git")):
        progress(f"reusing {repo}")
        return repo
    corpus = os.path.join(args.work, f"corpus-{args.items}")
    if not os.path.isdir(corpus):
        progress(f"generating a {args.items}-item corpus")
        subprocess.run([sys.executable, GEN,
                        "--n", str(args.items), "--format", "tracebook", "--out", corpus],
                       check=True, stdout=subprocess.DEVNULL)
    tmp = repo + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    git(tmp, "init", "-q", "-b", "main")
    progress(f"writing {args.commits} commits with git fast-import")
    stream = fast_import_stream(read_corpus(corpus), args.commits, seed=4)
    git(tmp, "fast-import", "--quiet", stdin=stream)
    git(tmp, "checkout", "-q", "-f", "main")
    os.rename(tmp, repo)
    return repo


def run(cmd, log, accept=(0, 1)):
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in accept:
        with open(log, "rb") as f:
            sys.stderr.write(f.read()[-4000:].decode(errors="replace"))
        raise SystemExit(f"command failed ({code}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss


def measure(label, runs, cmd_for, work, accept=(0,)):
    walls, rss = [], 0
    for r in range(runs):
        cmd = cmd_for(r)
        wall, peak = run(cmd, os.path.join(work, "last.log"), accept)
        walls.append(wall)
        rss = max(rss, peak)
        progress(f"{label} run {r + 1}/{runs}: {wall:.3f} s")
    return {"label": label, "median": statistics.median(walls), "min": min(walls),
            "max": max(walls), "rss_mib": rss / 1024}


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "tracebook"],
                       cwd=REPO, check=True)
    repo = make_repo(args)
    plain = repo + "-nogit"
    if not os.path.isdir(plain):
        # Without git, baselines cannot resolve (E0303): leave them out of this copy.
        shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git", "baselines"))
    sites = args.sites or os.path.join(args.work, "sites")
    shutil.rmtree(sites, ignore_errors=True)
    os.makedirs(sites)
    b = args.bin

    def cold(cmd):
        # Untimed: the commit cache of the previous build goes first (the search index stays,
        # so that this row differs from the warm one by the history walk alone).
        try:
            os.remove(os.path.join(repo, ".tracebook", "history-steps.json"))
        except FileNotFoundError:
            pass
        return cmd

    rows = [
        measure("diff v1.0 v2.0 (json)", args.runs,
                lambda r: [b, "diff", "v1.0", "v2.0", "--root", repo, "--format", "json"], args.work),
        measure("diff R1.0 (to working tree)", args.runs,
                lambda r: [b, "diff", "R1.0", "--root", repo], args.work),
        measure("build with history + baselines, cold (no commit cache)", args.runs,
                lambda r: cold([b, "build", repo, "--out", os.path.join(sites, f"cold-{r}")]),
                args.work),
        measure("build with history + baselines, warm (commit cache from the last build)",
                args.runs,
                lambda r: [b, "build", repo, "--out", os.path.join(sites, f"git-{r}")], args.work),
        measure("build of the same files outside git", args.runs,
                lambda r: [b, "build", plain, "--out", os.path.join(sites, f"plain-{r}")], args.work),
    ]
    shutil.rmtree(sites, ignore_errors=True)
    print(f"\n{args.items} items, {args.commits} commits, median of {args.runs} runs, "
          f"sites written under {sites}\n")
    print("| command | median | min | max | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['label']} | {row['median']:.2f} s | {row['min']:.2f} s | "
              f"{row['max']:.2f} s | {row['rss_mib']:.0f} MiB |")
    for row in rows[2], rows[3]:
        print(f"\n{row['label']} / build without git: {row['median'] / rows[4]['median']:.2f}x")
    for row in rows[0], rows[2], rows[3]:
        verdict = "PASS" if row["median"] < TARGET_S else "FAIL"
        print(f"target: {row['label']} < {TARGET_S:.0f} s: {verdict} ({row['median']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
