#!/usr/bin/env python3
"""Benchmark tracebook's `check` and full `build` on synthetic corpora of several sizes.

    python3 scripts/bench.py [--sizes 1000,10000,100000] [--runs N] [--bin PATH]
                             [--work DIR] [--generator PATH] [--no-build] [--json FILE]
                             [--fresh-dirs] [--no-search] [--search-bin PATH]

    python3 scripts/bench.py --sizes 200 --runs 1          # quick smoke run

What is measured, for each corpus size N (number of items):

* `tracebook check DIR`: the median wall time and the peak resident set size (RSS).
  Exit code 0 or 1 are both accepted, because the generated corpus deliberately has
  unverified requirements (coverage findings); exit code 2 or a signal is a failure.
* `tracebook build DIR --out OUT`: the median wall time and the peak RSS. The output
  directory is removed before every run (or, with `--fresh-dirs`, every run gets a new
  one), so every run is a full build. Must exit 0.
* The file-system floor: `cp -r OUT OUT.copy` of the site just built (the copy is
  removed before every run), in the same session, right after the builds. Writing N
  small files into N folders is the least work any static site generator has to do,
  so "build / floor" says how much the generator costs on top of the file system,
  on this machine, today. The file count and total size of OUT are reported as well.
  `build` includes updating the server-side search index: `<DIR>/.tracebook` is
  removed before every build run, so every build indexes every item too.
* The server-side search index (tantivy), unless `--no-search`: the search bench
  (`generator/benches/search.rs`: `search DIR FILE --limit 20`) deletes the index,
  indexes every item and then runs a fixed mix of 50 queries (SEARCH_QUERIES plus five ids of the corpus) inside
  that one process: one untimed pass, then 5 timed passes of the whole mix (so query
  latency excludes process start and project load). Reported: the median index build
  time (the sync, as the bench measures it), the index size on disk, and the p50,
  p99 and maximum of the 250 query latencies of the last run. Each query returns 20
  hits (the API's default) with snippets, and facet counts, as the API does.

How:

* Each command is run with its stdout and stderr redirected to log files under the
  work directory (the tail is printed when a command fails). Wall time is
  `time.perf_counter()` around Popen .. `os.wait4`; peak RSS is the `ru_maxrss` that
  `os.wait4` returns for that child (KiB on Linux; it includes any children the
  command itself waited for). Linux folds the peak RSS of the memory image a child
  had before its exec into ru_maxrss, and Python starts children with vfork, so a
  reading can never be below this script's own peak RSS (about 15-20 MiB). Each
  sample records that floor too; a value at the floor is shown as "<= X".
* The reported time is the median over the runs, not the mean or the minimum: the
  benchmark machine has few cores and is shared, so single runs are noisy and the
  median is the most robust summary of a handful of samples. Peak RSS is the
  maximum over the runs (memory is a limit, not an average). Every raw sample is
  written out with `--json FILE`, with the user and system CPU time of each run
  (also shown in the progress lines), which tell tool work from file-system work.
* Before every run, untimed, the previous output is removed and `os.sync()` flushes
  dirty pages, so a run does not pay for the write-back of the one before it.
* On this machine's file system (ext4 mounted with `discard`), creating a large tree
  right after deleting one is often several times slower, almost all of it kernel
  time: a `cp -r` of the 10k site took 7-8 s right after an `rm -rf` of a similar
  tree and 0.8-2 s when nothing had been deleted, however long one waited in between.
  Removing OUT before every run puts every build and every copy in the slow case; both
  pay it, so "build / floor" stays meaningful, but the absolute times are high and
  noisy. `--fresh-dirs` writes every run into a new folder instead (still a full build
  into a folder that does not exist yet) and deletes them all after the size, which
  avoids most of that cost.
* There is no separate warm-up run: `check` runs first and reads the whole corpus,
  which warms the page cache for `build`; the median absorbs a cold first sample.
* Corpora come from the repository's generator (`scripts/gen_corpus.py`, or `--generator`)
  and are cached in the work directory,
  keyed by N and a hash of the generator file, so a changed generator means a fresh
  corpus.

Unless `--no-build` is given, `cargo build --release --locked -p tracebook` runs first,
and `cargo bench --no-run --locked -p tracebook-generator --bench search` (the release
profile) builds the search bench unless `--no-search` is given.

The report is a Markdown table followed by the targets (PASS/FAIL, only for the sizes
that were run): build <= 2x the cp -r floor at 10k and 100k items, check < 0.3 s at
10k items, peak RSS < 1 GiB at 100k items, search query p99 < 10 ms at 100k
items. The script exits 0 when every command ran,
whether or not the targets are met (it is a report), and 1 when a command failed.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SIZES = [1000, 10000, 100000]
DEFAULT_RUNS = 5
LARGE_SIZE = 100000  # from this size on, the default number of runs is LARGE_RUNS
LARGE_RUNS = 3
TAIL_LINES = 40
GIB_KIB = 1024 * 1024


class CommandFailed(Exception):
    """A measured or preparatory command exited with an unacceptable status."""


# ----------------------------------------------------------------------------- arguments
def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated corpus sizes in items (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=None,
                    help=f"runs per measurement (default: {DEFAULT_RUNS}, "
                         f"{LARGE_RUNS} for {LARGE_SIZE} items and more)")
    ap.add_argument("--bin", default=None,
                    help="tracebook binary (default: target/release/tracebook in the repository)")
    ap.add_argument("--work", default=os.path.join("/tmp", "tracebook-bench"),
                    help="work directory for corpora, sites and logs (default: %(default)s)")
    ap.add_argument("--generator", default=os.path.join(REPO, "scripts", "gen_corpus.py"),
                    help="the corpus generator (default: scripts/gen_corpus.py)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run cargo build --release first")
    ap.add_argument("--json", metavar="FILE", help="write every raw sample to FILE")
    ap.add_argument("--fresh-dirs", action="store_true",
                    help="build and copy into a new folder per run instead of removing the "
                         "previous one before each run (avoids the cost of creating files "
                         "right after deleting a large tree; see above)")
    ap.add_argument("--no-search", action="store_true",
                    help="skip the server-side search index benchmark")
    ap.add_argument("--search-bin", default=None,
                    help="search bench binary (default: built by cargo bench --no-run)")
    args = ap.parse_args(argv)
    if args.no_build and not args.no_search and not args.search_bin:
        ap.error("--no-build needs --search-bin (or --no-search)")
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not args.sizes or any(n < 1 for n in args.sizes):
        ap.error("--sizes needs at least one positive size")
    if args.runs is not None and args.runs < 1:
        ap.error("--runs must be at least 1")
    args.bin = os.path.abspath(args.bin) if args.bin else default_bin()
    args.search_bin = os.path.abspath(args.search_bin) if args.search_bin else None
    args.work = os.path.abspath(args.work)
    args.generator = os.path.abspath(args.generator)
    return args


def default_bin():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    return os.path.join(os.path.abspath(target), "release", "tracebook")


def runs_for(n, args):
    if args.runs is not None:
        return args.runs
    return LARGE_RUNS if n >= LARGE_SIZE else DEFAULT_RUNS


# ----------------------------------------------------------------------------- helpers
def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def remove_tree(path):
    """`rm -rf path`, in a child process: shutil.rmtree of a 100k-folder site would grow
    this script's own peak RSS, which is the floor of every later RSS reading."""
    if os.path.lexists(path):
        code = subprocess.call(["rm", "-rf", "--", path])
        if code != 0:
            raise CommandFailed(f"rm -rf {path} failed ({describe_status(code)})")


def tail(path, lines=TAIL_LINES):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(cannot read {path}: {e})"
    return "\n".join(text.splitlines()[-lines:])


def describe_status(code):
    """`code` as returned by os.waitstatus_to_exitcode: negative means a signal."""
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def fmt_time(s):
    if s is None:
        return "-"
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def fmt_kib(kib):
    if kib is None:
        return "-"
    return f"{kib / 1024:.0f} MiB" if kib < GIB_KIB else f"{kib / GIB_KIB:.2f} GiB"


def fmt_rss(kib, floor_kib=None):
    """Peak RSS; "<= X" when the reading is this script's own floor (see the docstring)."""
    if kib is not None and floor_kib is not None and kib <= floor_kib:
        return "<= " + fmt_kib(kib)
    return fmt_kib(kib)


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def fmt_bytes(b):
    if b is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= scale:
            return f"{b / scale:.1f} {unit}"
    return f"{b} B"


# ----------------------------------------------------------------------------- machine
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(binary):
    try:
        r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            return None
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info(binary):
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "nproc": nproc,
        "cpu": cpu_model(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": load,
        "tracebook": tool_version(binary),
    }


def print_machine(info):
    print("# tracebook benchmark\n")
    print(f"- machine: {info['nproc']} cores, {info['cpu']}, Linux {info['kernel']}")
    print(f"- date: {info['date']}")
    if info["loadavg"] is not None:
        print(f"- load average at start: {' '.join(map(str, info['loadavg']))}")
    if info["tracebook"]:
        print(f"- binary: {info['tracebook']}")
    print(flush=True)


# ----------------------------------------------------------------------------- commands
def cargo_build():
    """Build the release binary in the repository, showing cargo's output."""
    cmd = ["cargo", "build", "--release", "--locked", "-p", "tracebook"]
    progress(f"$ {' '.join(cmd)}")
    try:
        code = subprocess.call(cmd, cwd=REPO, stdout=sys.stderr)
    except OSError as e:
        raise CommandFailed(f"cannot run cargo: {e}")
    if code != 0:
        raise CommandFailed(f"cargo build failed ({describe_status(code)})")


def cargo_build_search_bench():
    """Build the search bench (release profile); returns the path of its binary."""
    cmd = ["cargo", "bench", "--no-run", "--locked", "-p", "tracebook-generator", "--bench",
           "search", "--message-format=json-render-diagnostics"]
    progress(f"$ {' '.join(cmd)}")
    try:
        r = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    except OSError as e:
        raise CommandFailed(f"cannot run cargo: {e}")
    if r.returncode != 0:
        raise CommandFailed(f"cargo bench --no-run failed ({describe_status(r.returncode)})")
    for line in r.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (msg.get("reason") == "compiler-artifact" and msg.get("executable")
                and msg.get("target", {}).get("name") == "search"):
            return msg["executable"]
    raise CommandFailed("cargo bench --no-run did not report the search bench binary")


def run_measured(cmd, log_prefix):
    """Run `cmd` once with output to log files.
    Returns (wall seconds, rusage, exit code, RSS floor KiB): see the module docstring for
    why the child's ru_maxrss cannot go below this process's own peak RSS."""
    with open(log_prefix + ".stdout", "wb") as out, open(log_prefix + ".stderr", "wb") as err:
        floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by wait4; keep Popen from waiting again
    return wall, usage, code, floor


def fail_with_logs(what, cmd, code, log_prefix):
    parts = [f"{what} failed ({describe_status(code)}): {' '.join(cmd)}"]
    for stream in ("stdout", "stderr"):
        path = f"{log_prefix}.{stream}"
        text = tail(path)
        parts.append(f"--- last lines of {stream} ({path}) ---\n{text if text else '(empty)'}")
    raise CommandFailed("\n".join(parts))


def measure(label, n, runs, cmd_for, log_dir, accept, samples, before=None):
    """Run `cmd_for(i)` for i = 1..runs, appending one sample per run to `samples` (so a
    failure keeps the samples taken so far); `accept(code)` says whether an exit code is
    fine. `before(i)` runs untimed before each run (e.g. to remove the output directory)."""
    for i in range(1, runs + 1):
        cmd = cmd_for(i)
        if before:
            before(i)
        os.sync()  # untimed: leave no dirty pages from the previous run to flush in this one
        progress(f"[{n}] {label} run {i}/{runs} ...")
        log_prefix = os.path.join(log_dir, f"{n}-{label.replace(' ', '_')}-{i}")
        wall, usage, code, floor = run_measured(cmd, log_prefix)
        rss = usage.ru_maxrss
        progress(f"[{n}] {label} run {i}/{runs}: {fmt_time(wall)} (user {usage.ru_utime:.2f} s, "
                 f"sys {usage.ru_stime:.2f} s), {fmt_rss(rss, floor)}, exit {code}")
        samples.append({"run": i, "wall_s": wall, "user_s": usage.ru_utime,
                        "sys_s": usage.ru_stime, "maxrss_kib": rss, "exit": code,
                        "rss_floor_kib": floor})
        if not accept(code):
            fail_with_logs(f"[{n}] {label}", cmd, code, log_prefix)


def summarize(samples):
    peak = max(samples, key=lambda s: s["maxrss_kib"])
    return {
        "median_s": statistics.median(s["wall_s"] for s in samples),
        "min_s": min(s["wall_s"] for s in samples),
        "max_s": max(s["wall_s"] for s in samples),
        "peak_rss_kib": peak["maxrss_kib"],
        "peak_rss_floor_kib": peak["rss_floor_kib"],
        "exit_codes": sorted({s["exit"] for s in samples}),
    }


# ----------------------------------------------------------------------------- corpus
def generator_path(path):
    if not os.path.isfile(path):
        raise CommandFailed(f"corpus generator not found: {path} (use --generator PATH)")
    return path


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def ensure_corpus(n, gen, work):
    """Return the corpus directory for N items, generating it unless it is cached."""
    digest = file_hash(gen)
    base = os.path.join(work, "corpus")
    os.makedirs(base, exist_ok=True)
    name = f"n{n}-{digest}"
    path = os.path.join(base, name)
    if os.path.isdir(path):
        progress(f"[{n}] corpus cached: {path}")
        return path, None
    for old in os.listdir(base):  # corpora of this size from an older generator
        if old.startswith(f"n{n}-") and old != name:
            remove_tree(os.path.join(base, old))
    tmp = path + ".tmp"
    remove_tree(tmp)
    progress(f"[{n}] generating corpus ...")
    cmd = [sys.executable, gen, "--n", str(n), "--format", "tracebook", "--out", tmp]
    start = time.perf_counter()
    code = subprocess.call(cmd, stdout=sys.stderr)
    elapsed = time.perf_counter() - start
    if code != 0:
        raise CommandFailed(f"corpus generation failed ({describe_status(code)}): {' '.join(cmd)}")
    os.rename(tmp, path)  # only a complete corpus gets the cache name
    progress(f"[{n}] corpus generated in {elapsed:.1f} s: {path}")
    return path, elapsed


def tree_stats(path):
    """(file count, total apparent size in bytes) of the files under `path`.
    Streams `find` output rather than walking in Python, to keep this script small."""
    files = total = 0
    cmd = ["find", path, "-type", "f", "-printf", "%s\n"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
        for line in proc.stdout:
            files += 1
            total += int(line)
    if proc.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} failed ({describe_status(proc.returncode)})")
    return files, total


# ----------------------------------------------------------------------------- one size
def bench_size(n, args, gen, log_dir, result):
    """Measure one corpus size, filling in `result` as it goes (partial on failure)."""
    runs = runs_for(n, args)
    result.update(items=n, runs=runs, complete=False)
    corpus, gen_s = ensure_corpus(n, gen, args.work)
    result.update(corpus=corpus, corpus_generation_s=gen_s)
    site_dir = os.path.join(args.work, "site", f"n{n}")
    if args.fresh_dirs:
        remove_tree(site_dir)  # leftovers of an earlier invocation
    os.makedirs(site_dir, exist_ok=True)
    # Default: one OUT and one OUT.copy, removed before every run. --fresh-dirs: a new
    # pair of folders per run, all removed after this size (see the module docstring).
    def out_for(i):
        return os.path.join(site_dir, f"out.run{i}" if args.fresh_dirs else "out")

    def copy_for(i):
        return out_for(i) + ".copy"
    out = out_for(runs)  # the output of the last build: source of the copies, measured

    def check_cmd(i):
        return [args.bin, "check", corpus]
    result["check"] = {"cmd": check_cmd(1), "samples": []}
    measure("check", n, runs, check_cmd, log_dir, accept=lambda c: c in (0, 1),
            samples=result["check"]["samples"])

    def build_cmd(i):
        return [args.bin, "build", corpus, "--out", out_for(i)]
    result["build"] = {"cmd": build_cmd(1), "samples": []}
    def before_build(i):  # a full build: no site and no search index to update
        remove_tree(out_for(i))
        remove_tree(os.path.join(corpus, ".tracebook"))
    measure("build", n, runs, build_cmd, log_dir, accept=lambda c: c == 0,
            samples=result["build"]["samples"], before=before_build)
    if not os.path.isdir(out):
        raise CommandFailed(f"[{n}] build exited 0 but wrote no directory {out}")

    def cp_cmd(i):
        return ["cp", "-r", out, copy_for(i)]
    result["cp"] = {"cmd": cp_cmd(1), "samples": []}
    measure("cp -r floor", n, runs, cp_cmd, log_dir, accept=lambda c: c == 0,
            samples=result["cp"]["samples"], before=lambda i: remove_tree(copy_for(i)))

    result["site_files"], result["site_bytes"] = tree_stats(out)
    if args.fresh_dirs:
        progress(f"[{n}] removing the {2 * runs} output folders ...")
        remove_tree(site_dir)
    else:
        remove_tree(copy_for(runs))
    for key in ("check", "build", "cp"):
        result[key].update(summarize(result[key]["samples"]))
    if not args.no_search:
        bench_search(n, runs, args, corpus, log_dir, result)
    result["build_over_floor"] = (result["build"]["median_s"] / result["cp"]["median_s"]
                                  if result["cp"]["median_s"] > 0 else None)
    result["complete"] = True


# ----------------------------------------------------------------------------- search
# A fixed mix over the corpus generator's vocabulary: words, phrases, prefixes, filters,
# typos (the fuzzy fallback), exclusions, frequent words and words that match nothing.
# search_queries() adds five ids of the corpus (its id width depends on N).
SEARCH_QUERIES = [
    "occlusion", "alarm", "battery", "bolus", "watchdog", "bootloader", "pharmacist",
    "calibrate", "keypad", "firmware",
    '"downstream occlusion"', '"power loss"', '"motor stall"', '"alarm manager"',
    '"air bubble"', '"single fault condition"', '"dose limit violation"', '"door open event"',
    "occlusion alarm", "pump controller bolus", "sensor fault startup",
    "flow rate deviation display", "nurse acknowledge alarm",
    "occlu*", "calib*", "batt*", "time*", "pres*",
    "kind:requirement occlusion", "kind:verification motor", "status:approved alarm",
    "kind:need nurse", "status:draft kind:requirement bolus", 'kind:requirement "power loss"',
    "ocllusion", "baterry", "watchdgo", "calibrtion", "pharmacits",
    "occlusion -downstream", "alarm -kind:verification",
    "shall", "the", '"shall not"', "zebra",
]


def search_queries(corpus, path):
    """Write the query mix for this corpus to `path`: SEARCH_QUERIES and five ids."""
    ids = []
    for folder in ("system", "verification", "needs"):
        names = sorted(os.listdir(os.path.join(corpus, "content", folder)))
        ids.append(names[len(names) // 2][:-len(".md")])
    queries = SEARCH_QUERIES + ids + [ids[0].lower(), f"{ids[1]} shall"]
    with open(path, "w") as f:
        f.write("\n".join(queries) + "\n")
    return len(queries)


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


def fmt_us(us):
    return "-" if us is None else (f"{us:.0f} us" if us < 1000 else f"{us / 1000:.2f} ms")


def bench_search(n, runs, args, corpus, log_dir, result):
    """Index build time and size, and in-process query latency (see the module docstring)."""
    queries = os.path.join(args.work, f"search-queries-n{n}.txt")
    count = search_queries(corpus, queries)

    def search_cmd(i):
        return [args.search_bin, corpus, queries, "--limit", "20"]
    result["search"] = {"cmd": search_cmd(1), "samples": [], "queries": count}
    measure("search", n, runs, search_cmd, log_dir, accept=lambda c: c == 0,
            samples=result["search"]["samples"])
    reports = []
    for i in range(1, runs + 1):
        with open(os.path.join(log_dir, f"{n}-search-{i}.stdout")) as f:
            reports.append(json.loads(f.read()))
    last = reports[-1]
    latencies = [us for q in last["queries"] for us in q["us"]]
    slowest = max(last["queries"], key=lambda q: max(q["us"]))
    result["search"].update(summarize(result["search"]["samples"]))
    result["search"].update(
        index_build_ms=statistics.median(r["sync_ms"] for r in reports),
        index_bytes=last["index_bytes"],
        query_p50_us=percentile(latencies, 50),
        query_p99_us=percentile(latencies, 99),
        query_max_us=max(latencies),
        slowest_query=slowest["query"],
        per_query=[{"query": q["query"], "median_us": statistics.median(q["us"]),
                    "total": q["total"], "fuzzy": q["fuzzy"]} for q in last["queries"]])
    progress(f"[{n}] search: index {result['search']['index_build_ms']:.0f} ms, "
             f"{fmt_bytes(last['index_bytes'])}; query p50 {fmt_us(result['search']['query_p50_us'])}"
             f", p99 {fmt_us(result['search']['query_p99_us'])}")


def search_table(results):
    head = ["items", "index build", "index size", "search cmd peak RSS", "query p50",
            "query p99", "query max", "slowest query"]
    rows = []
    for r in results:
        if "search" not in r:
            continue
        s = r["search"]
        rows.append([f"{r['items']:,}", fmt_time(s["index_build_ms"] / 1000),
                     fmt_bytes(s["index_bytes"]),
                     fmt_rss(s["peak_rss_kib"], s["peak_rss_floor_kib"]),
                     fmt_us(s["query_p50_us"]), fmt_us(s["query_p99_us"]),
                     fmt_us(s["query_max_us"]), s["slowest_query"]])
    return markdown_table(head, rows, right=range(len(head) - 1))


# ----------------------------------------------------------------------------- report
def results_table(results):
    head = ["items", "check median", "check peak RSS", "build median", "build peak RSS",
            "cp -r floor", "build / floor", "site files", "site size"]
    rows = []
    for r in results:
        check, build, cp = r["check"], r["build"], r["cp"]
        rows.append([f"{r['items']:,}",
                     fmt_time(check["median_s"]),
                     fmt_rss(check["peak_rss_kib"], check["peak_rss_floor_kib"]),
                     fmt_time(build["median_s"]),
                     fmt_rss(build["peak_rss_kib"], build["peak_rss_floor_kib"]),
                     fmt_time(cp["median_s"]),
                     fmt_ratio(r["build_over_floor"]),
                     f"{r['site_files']:,}",
                     fmt_bytes(r["site_bytes"])])
    return markdown_table(head, rows, right=range(len(head)))


def markdown_table(head, rows, right=()):
    right = set(right)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]

    def line(cells):
        return "| " + " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    sep = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([line(head), sep] + [line(r) for r in rows])


def evaluate_targets(results):
    """[(target, measured, passed)] for the targets whose size was run."""
    by_n = {r["items"]: r for r in results}
    targets = []
    for n in (10000, 100000):
        if n in by_n:
            r = by_n[n]
            ratio = r["build_over_floor"]
            targets.append((f"build <= 2x cp -r floor at {n // 1000}k",
                            f"{fmt_ratio(ratio)} ({fmt_time(r['build']['median_s'])} vs "
                            f"{fmt_time(r['cp']['median_s'])})",
                            ratio is not None and ratio <= 2.0))
    if 10000 in by_n:
        s = by_n[10000]["check"]["median_s"]
        targets.append(("check < 0.3 s at 10k", fmt_time(s), s < 0.3))
    if 100000 in by_n:
        r = by_n[100000]
        peak = max(r["check"]["peak_rss_kib"], r["build"]["peak_rss_kib"])
        targets.append(("peak RSS < 1 GiB at 100k (check and build)", fmt_kib(peak),
                        peak < GIB_KIB))
        if "search" in r:
            p99 = r["search"]["query_p99_us"]
            targets.append(("search query p99 < 10 ms at 100k", fmt_us(p99), p99 < 10000))
    return targets


def targets_table(targets):
    rows = [[name, measured, "PASS" if ok else "FAIL"] for name, measured, ok in targets]
    return markdown_table(["target", "measured", "result"], rows)


def print_report(results, fresh_dirs):
    if not results:
        print("(no size completed)\n", flush=True)
        return []
    runs = "/".join(str(r) for r in sorted({r["runs"] for r in results}))
    print(f"Wall times are medians of {runs} run(s) per size; peak RSS is the maximum over "
          "the runs (\"<= X\": at the measurement floor, this script's own RSS).")
    codes = sorted({c for r in results for c in r["check"]["exit_codes"]})
    print(f"`check` exit codes seen: {', '.join(map(str, codes))} (0 and 1 are both accepted: "
          "the corpus has deliberate coverage gaps).")
    if fresh_dirs:
        print("Each build and copy wrote into a new folder (--fresh-dirs).\n")
    else:
        print("OUT and OUT.copy were removed before every run (see --fresh-dirs).\n")
    print(results_table(results))
    print()
    if any("search" in r for r in results):
        print(search_table(results))
        print()
    targets = evaluate_targets(results)
    if targets:
        print(targets_table(targets))
    else:
        print("(no targets apply to these sizes; they are defined at 10k and 100k items)")
    print(flush=True)
    return targets


def write_json(path, machine, args, results, targets, error):
    data = {
        "machine": machine,
        "args": {"sizes": args.sizes, "runs": args.runs, "bin": args.bin, "work": args.work,
                 "generator": args.generator, "no_build": args.no_build,
                 "fresh_dirs": args.fresh_dirs, "no_search": args.no_search,
                 "search_bin": args.search_bin},
        "results": results,
        "targets": [{"target": t, "measured": m, "pass": ok} for t, m, ok in targets],
        "error": error,
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    progress(f"raw samples written to {path}")


# ----------------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results, error, machine = [], None, None
    try:
        if not args.no_build:
            cargo_build()
            if not args.no_search:
                args.search_bin = cargo_build_search_bench()
        if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
            raise CommandFailed(f"tracebook binary not found or not executable: {args.bin}")
        gen = generator_path(args.generator)
        log_dir = os.path.join(args.work, "logs")
        os.makedirs(log_dir, exist_ok=True)
        machine = machine_info(args.bin)
        print_machine(machine)
        for n in args.sizes:
            results.append({})
            bench_size(n, args, gen, log_dir, results[-1])
    except CommandFailed as e:
        error = str(e)
    except KeyboardInterrupt:
        error = "interrupted"
    targets = print_report([r for r in results if r.get("complete")], args.fresh_dirs)
    if args.json:
        write_json(args.json, machine, args, results, targets, error)
    if error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
