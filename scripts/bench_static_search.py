#!/usr/bin/env python3
"""Benchmark the static search index on synthetic corpora.

    python3 scripts/bench_static_search.py [--sizes 10000,100000] [--work DIR] [--generator PATH]
                                           [--no-build] [--json FILE]

For each corpus size N (items), from the repository's generator (`scripts/gen_corpus.py`,
cached in the work directory per N and generator hash):

* the index alone: `generator/examples/static_index.rs` (release) loads the corpus and runs
  `write_static_search`; reported are its wall time (index only, load excluded), the peak RSS
  of the whole process (load included: the index adds to the loaded model, see the note), the
  number of files, total bytes, the term shards' bytes and the largest file;
* the bytes a reader downloads for three typical queries, from a cold cache: the search page's
  own engine (themes/default/static/search-engine.js) runs under Node through
  `scripts/search-query.js` and counts every index file it loads for the query and the first
  page of 10 results: the manifest, the term shards, the document chunks. The page itself and
  its two scripts (about 20 KB, cached after the first visit) are not included. Sizes are
  uncompressed; a server that gzips would send less.

The three queries: two title words (`occlusion alarm`), a word and a prefix (`pressure sens*`),
and an exact id (a requirement in the middle of the corpus).

Unless `--no-build` is given, `cargo build --release --locked -p tracebook-generator --example
static_index` runs first. Exits 1 when a command fails.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = ["occlusion alarm", "pressure sens*"]


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--work", default=os.path.join("/tmp", "tracebook-bench-search"))
    ap.add_argument("--generator", default=os.path.join(REPO, "scripts", "gen_corpus.py"),
                    help="the corpus generator (default: scripts/gen_corpus.py)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="write the raw figures to FILE")
    args = ap.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    return args


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.stderr.write(f"command failed: {' '.join(cmd)}\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
        sys.exit(1)
    return proc.stdout


def corpus(args, n):
    gen = args.generator
    with open(gen, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    out = os.path.join(args.work, f"corpus-{n}-{digest}")
    if not os.path.exists(os.path.join(out, "tracebook.yaml")):
        run([sys.executable, gen, "--n", str(n), "--format", "tracebook", "--out", out])
    return out


def middle_requirement(root):
    """The id of the requirement in the middle of the corpus (by file name)."""
    for dirpath, _, files in sorted(os.walk(os.path.join(root, "content"))):
        names = sorted(f for f in files if f.startswith("SYS-") and f.endswith(".md"))
        if names:
            return names[len(names) // 2][:-3]
    sys.exit("no SYS- requirement in the corpus")


def index(args, root, out):
    exe = os.path.join(REPO, "target", "release", "examples", "static_index")
    started = time.perf_counter()
    proc = subprocess.Popen([exe, root, out], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"static_index failed on {root}:\n{stderr}")
    report = json.loads(stdout)
    report["wall_seconds"] = wall
    report["peak_rss_mib"] = usage.ru_maxrss / 1024
    return report


def queries(out, qs):
    text = run(["node", os.path.join(REPO, "scripts", "search-query.js"), out, *qs])
    return [json.loads(line) for line in text.splitlines()]


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    if not args.no_build:
        run(["cargo", "build", "--release", "--locked", "-p", "tracebook-generator",
             "--example", "static_index"], cwd=REPO)
    rows = []
    for n in args.sizes:
        root = corpus(args, n)
        out = os.path.join(args.work, f"index-{n}")
        run(["rm", "-rf", out])
        report = index(args, root, out)
        answers = queries(out, QUERIES + [middle_requirement(root)])
        rows.append({"items": n, "index": report, "queries": answers})
        print(f"{n} items: index {report['index_seconds']:.2f} s, "
              f"{report['files']} files, {report['bytes'] / 1e6:.1f} MB", file=sys.stderr)

    print("| items | index time | peak RSS (load + index) | files | total | shards | largest file |"
          " query: bytes fetched (files, hits) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        r = row["index"]
        qs = "; ".join(
            f"`{a['query']}` {a['bytes'] / 1024:.0f} KiB ({len(a['files'])}, {a['total']})"
            for a in row["queries"])
        print(f"| {row['items']} | {r['index_seconds']:.2f} s | {r['peak_rss_mib']:.0f} MiB "
              f"| {r['files']} | {r['bytes'] / 1e6:.1f} MB | {r['shards']} "
              f"({r['shard_bytes'] / 1e6:.1f} MB) | {r['largest_file'] / 1024:.0f} KiB | {qs} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
