#!/usr/bin/env python3
"""Benchmark what verification evidence costs.

    python3 scripts/bench_evidence.py [--items 10000] [--runs 5] [--bin PATH] [--work DIR]

On a generated corpus of N items (scripts/gen_corpus.py: 40% are verification cases),
the same project is timed twice: as generated, and with evidence: every verification case
names one JUnit case (`results: [{ junit: results/ci/junit.xml, case: ... }]`; one in 50 by a
glob instead of a name, one in 97 failing) in one cargo-nextest-style results file holding a
case per verification. Commands: `tracebook check`, `tracebook gate`, and a full
`tracebook build --full` into a new folder. Each runs `--runs` times; the report gives the
median wall time and peak RSS of each, and the ratio with evidence / without.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GEN = REPO / "scripts" / "gen_corpus.py"


def add_evidence(root: Path) -> int:
    cases = []
    files = sorted((root / "content" / "verification").glob("*.md"))
    for i, path in enumerate(files):
        text = path.read_text()
        vid = re.search(r"^id: (\S+)", text, re.M).group(1)
        name = "checks::" + vid.lower().replace("-", "_")
        case = f"pump-tests::{name}" if i % 50 else f"pump-tests::checks::{vid.lower()[:6]}*"
        end = text.index("\n---\n", 4)
        entry = f'\nresults: [{{ junit: results/ci/junit.xml, case: "{case}" }}]'
        path.write_text(text[:end] + entry + text[end:])
        cases.append((name, i % 97 == 0))
    out = root / "results" / "ci"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "junit.xml", "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="nextest-run">\n')
        f.write('<testsuite name="pump-tests">\n')
        for name, failing in cases:
            if failing:
                f.write(f'<testcase name="{name}" classname="pump-tests" time="0.010">'
                        '<failure message="assertion failed">panicked at src/lib.rs:1:1</failure>'
                        '</testcase>\n')
            else:
                f.write(f'<testcase name="{name}" classname="pump-tests" time="0.010"/>\n')
        f.write("</testsuite>\n</testsuites>\n")
    return len(cases)


def timed(cmd):
    """Wall seconds and peak RSS (MiB) of one run of `cmd`, with GNU time for the RSS (the
    children's ru_maxrss would be the peak of every earlier run too)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bin", default=str(REPO / "target" / "release" / "tracebook"))
    parser.add_argument("--work", default="/dev/shm/tracebook-bench-evidence")
    args = parser.parse_args()
    if not os.path.exists(args.bin):
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO, check=True)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    plain, evidence = work / "plain", work / "evidence"
    subprocess.run([sys.executable, str(GEN), "--n", str(args.items), "--format", "tracebook",
                    "--out", str(plain)], check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(plain, evidence)
    n = add_evidence(evidence)
    print(f"{args.items} items, {n} verification cases with evidence, median of {args.runs} runs")
    print(f"{'command':<22} {'without':>10} {'with':>10} {'ratio':>7} {'RSS without':>12} {'RSS with':>10}")
    for label, cmd in [("check", ["check"]), ("gate", ["gate"]), ("build --full", ["build", "--full"])]:
        results = {}
        for name, root in [("plain", plain), ("evidence", evidence)]:
            walls, peaks = [], []
            for run in range(args.runs):
                full = [args.bin] + cmd[:1] + [str(root)] + cmd[1:]
                if cmd[0] == "build":
                    full += ["--out", str(work / f"site-{name}-{run}")]
                wall, peak = timed(full)
                walls.append(wall)
                peaks.append(peak)
            results[name] = (statistics.median(walls), max(peaks))
        (w0, m0), (w1, m1) = results["plain"], results["evidence"]
        print(f"{label:<22} {w0 * 1000:>8.0f}ms {w1 * 1000:>8.0f}ms {w1 / w0:>6.2f}x {m0:>10.0f}MB {m1:>8.0f}MB")


if __name__ == "__main__":
    main()
