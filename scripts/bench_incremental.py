#!/usr/bin/env python3
"""Benchmark tracebook's incremental rebuilds on synthetic corpora.

    python3 scripts/bench_incremental.py [--sizes 10000,100000] [--runs N] [--full-runs N]
                                         [--cli-runs N] [--work DIR] [--generator PATH]
                                         [--no-build] [--no-cli] [--json FILE]

    python3 scripts/bench_incremental.py --sizes 1000 --runs 3 --cli-runs 2   # quick smoke run
    python3 scripts/bench_incremental.py --work /dev/shm/tb-incr              # sites in RAM

What is measured, for each corpus size N (number of items):

* In process, by the bench binary `generator/benches/incremental.rs` (see its header; built
  with `cargo bench --no-run`, i.e. the release profile): one long-lived `SiteBuilder` builds
  the corpus, builds it again with no change (warm-up), then times `--runs` builds (default 7)
  after each of these edits: one requirement's body (a new sentence each run), the same
  requirement's title (it has links in and out; its neighbours' pages show the title), one more
  `verifies` link from a verification to an already verified requirement. For comparison: the
  body edit built by a new `SiteBuilder` each run (state and files read from disk: a new
  `tracebook build` process without the process start) and a full build into a new folder
  (`--full-runs`, default `--runs`, 3 from 100k items). This is what `tracebook preview` and the
  rebuild workers do, build after build.
* The real CLI, one process per build: `tracebook build CORPUS --out OUT` after a one-item body
  change (`gen_corpus.py --mutate ID`, untimed; the site and its state come from the build
  before), and `tracebook build CORPUS --out OUT --full` (same OUT: renders every page into
  the spare folder, then swaps), `--cli-runs` each (default 5, 3 from 100k items). Before
  them, untimed: one build (nothing there yet) and one more with no change, as in the bench.
  Every CLI run is preceded by `os.sync()` (untimed); wall time is `time.perf_counter()`
  around the process; the files rendered come from the command's summary line. The CLI also
  updates the server-side search index (`CORPUS/.tracebook`) after each build.

Reported: a Markdown table (items, scenario, median, min-max, files rendered, ratio to the
median full build of the same kind: in-process rows to the in-process full build, CLI rows to
`--full`), then the targets: body change < 100 ms at 10k items and < 1 s at 100k items, in
process. Medians, because the machine is shared and has two cores. `--json FILE` writes every
raw sample.

Corpora come from `scripts/gen_corpus.py` (or `--generator`) and are cached under `<work>/corpus`, keyed
by N and a hash of the generator (the same layout as scripts/bench.py, so one `--work` serves
both). The bench and the CLI runs edit a copy of the corpus (`<work>/copy/nN`, made afresh for
each size); sites go to `<work>/out`. Unless `--no-build` is given, `cargo build --release
--locked -p tracebook` and `cargo bench --no-run --locked -p tracebook-generator --bench
incremental` run first. Exit code 0 when every command ran (targets met or not), 1 otherwise.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SIZES = [10000, 100000]
DEFAULT_RUNS = 7
DEFAULT_CLI_RUNS = 5
LARGE_SIZE = 100000  # from this size on, full builds and CLI runs default to LARGE_RUNS
LARGE_RUNS = 3
TARGETS_MS = {10000: 100, 100000: 1000}  # body change, in process
TAIL_LINES = 40
SUMMARY_RE = re.compile(r"\((\d+) files rendered, (\d+) unchanged\)")


class CommandFailed(Exception):
    """A measured or preparatory command failed."""


# ----------------------------------------------------------------------------- arguments
def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated corpus sizes in items (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                    help="in-process runs per scenario (default: %(default)s)")
    ap.add_argument("--full-runs", type=int, default=None,
                    help=f"in-process full builds (default: --runs, {LARGE_RUNS} from "
                         f"{LARGE_SIZE} items)")
    ap.add_argument("--cli-runs", type=int, default=None,
                    help=f"CLI runs of each kind (default: {DEFAULT_CLI_RUNS}, {LARGE_RUNS} "
                         f"from {LARGE_SIZE} items)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "tracebook-bench-incremental"),
                    help="work directory for corpora, copies, sites and logs "
                         "(default: %(default)s; /dev/shm/... keeps it all in RAM)")
    ap.add_argument("--generator", default=os.path.join(REPO, "scripts", "gen_corpus.py"),
                    help="the corpus generator (default: scripts/gen_corpus.py)")
    ap.add_argument("--bin", default=None,
                    help="tracebook binary (default: target/release/tracebook)")
    ap.add_argument("--bench-bin", default=None,
                    help="incremental bench binary (default: built by cargo bench --no-run)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not run cargo first (needs --bench-bin unless --no-inprocess)")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI runs")
    ap.add_argument("--no-inprocess", action="store_true", help="skip the bench binary")
    ap.add_argument("--json", metavar="FILE", help="write every raw sample to FILE")
    args = ap.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not args.sizes or any(n < 1 for n in args.sizes):
        ap.error("--sizes needs at least one positive size")
    for name in ("runs", "full_runs", "cli_runs"):
        value = getattr(args, name)
        if value is not None and value < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.no_build and not args.no_inprocess and not args.bench_bin:
        ap.error("--no-build needs --bench-bin (or --no-inprocess)")
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    args.bin = os.path.abspath(args.bin or os.path.join(target, "release", "tracebook"))
    args.bench_bin = os.path.abspath(args.bench_bin) if args.bench_bin else None
    args.work = os.path.abspath(args.work)
    args.generator = os.path.abspath(args.generator)
    return args


def full_runs_for(n, args):
    if args.full_runs is not None:
        return args.full_runs
    return LARGE_RUNS if n >= LARGE_SIZE else args.runs


def cli_runs_for(n, args):
    if args.cli_runs is not None:
        return args.cli_runs
    return LARGE_RUNS if n >= LARGE_SIZE else DEFAULT_CLI_RUNS


# ----------------------------------------------------------------------------- helpers
def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def remove_tree(path):
    if os.path.lexists(path):
        code = subprocess.call(["rm", "-rf", "--", path])
        if code != 0:
            raise CommandFailed(f"rm -rf {path} failed (exit {code})")


def tail(path, lines=TAIL_LINES):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"(cannot read {path}: {e})"
    return "\n".join(text.splitlines()[-lines:])


def fmt_ms(ms):
    if ms is None:
        return "-"
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def fmt_range(lo, hi):
    if lo is None or hi is None:
        return "-"
    return f"{fmt_ms(lo)} - {fmt_ms(hi)}"


def fmt_count(x):
    if x is None:
        return "-"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def machine_info(binary):
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        version = None
    return {"nproc": nproc, "cpu": cpu, "kernel": platform.release(), "loadavg": load,
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "tracebook": version}


# ----------------------------------------------------------------------------- building
def cargo(cmd, capture=False):
    progress(f"$ {' '.join(cmd)}")
    try:
        if capture:
            r = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
            out = r.stdout
        else:
            r = subprocess.run(cmd, cwd=REPO, stdout=sys.stderr)
            out = ""
    except OSError as e:
        raise CommandFailed(f"cannot run cargo: {e}")
    if r.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} failed (exit {r.returncode})")
    return out


def build_binaries(args):
    cargo(["cargo", "build", "--release", "--locked", "-p", "tracebook"])
    if args.no_inprocess:
        return
    out = cargo(["cargo", "bench", "--no-run", "--locked", "-p", "tracebook-generator",
                 "--bench", "incremental", "--message-format=json-render-diagnostics"],
                capture=True)
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (msg.get("reason") == "compiler-artifact" and msg.get("executable")
                and msg.get("target", {}).get("name") == "incremental"):
            args.bench_bin = msg["executable"]
    if not args.bench_bin:
        raise CommandFailed("cargo bench --no-run did not report the incremental bench binary")
    progress(f"bench binary: {args.bench_bin}")


# ----------------------------------------------------------------------------- corpus
def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def ensure_corpus(n, gen, work):
    """The cached pristine corpus of N items (generated unless cached; same layout as
    scripts/bench.py)."""
    base = os.path.join(work, "corpus")
    os.makedirs(base, exist_ok=True)
    name = f"n{n}-{file_hash(gen)}"
    path = os.path.join(base, name)
    if os.path.isdir(path):
        progress(f"[{n}] corpus cached: {path}")
        return path
    for old in os.listdir(base):  # corpora of this size from an older generator
        if old.startswith(f"n{n}-") and old != name:
            remove_tree(os.path.join(base, old))
    tmp = path + ".tmp"
    remove_tree(tmp)
    progress(f"[{n}] generating corpus ...")
    cmd = [sys.executable, gen, "--n", str(n), "--format", "tracebook", "--out", tmp]
    start = time.perf_counter()
    code = subprocess.call(cmd, stdout=sys.stderr)
    if code != 0:
        raise CommandFailed(f"corpus generation failed (exit {code}): {' '.join(cmd)}")
    os.rename(tmp, path)  # only a complete corpus gets the cache name
    progress(f"[{n}] corpus generated in {time.perf_counter() - start:.1f} s: {path}")
    return path


def working_copy(n, pristine, work):
    """A fresh copy of the corpus, which the bench and the CLI runs may edit."""
    copy = os.path.join(work, "copy", f"n{n}")
    remove_tree(copy)
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    code = subprocess.call(["cp", "-a", "--", pristine, copy])
    if code != 0:
        raise CommandFailed(f"cp -a {pristine} {copy} failed (exit {code})")
    return copy


def middle_requirement(corpus):
    names = sorted(f[:-3] for f in os.listdir(os.path.join(corpus, "content", "system"))
                   if f.endswith(".md"))
    if not names:
        raise CommandFailed(f"no requirements in {corpus}/content/system")
    return names[len(names) // 2]


# ----------------------------------------------------------------------------- in process
def run_bench(n, corpus, args, logs):
    out = os.path.join(args.work, "out", f"n{n}-bench")
    cmd = [args.bench_bin, corpus, "--runs", str(args.runs),
           "--full-runs", str(full_runs_for(n, args)), "--out", out]
    progress(f"[{n}] $ {' '.join(cmd)}")
    stdout_path = os.path.join(logs, f"{n}-bench.stdout")
    with open(stdout_path, "w") as stdout:
        code = subprocess.call(cmd, stdout=stdout, stdin=subprocess.DEVNULL)
    if code != 0:
        raise CommandFailed(f"[{n}] bench failed (exit {code}): {' '.join(cmd)}\n"
                            f"--- stdout ---\n{tail(stdout_path)}")
    results = {}
    with open(stdout_path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                obj = json.loads(line)
                results[obj["scenario"]] = obj
    return results, cmd


# ----------------------------------------------------------------------------- CLI
def run_cli(binary, cmd_args, log_prefix):
    """One CLI build: (wall ms, user s, sys s, files rendered or None)."""
    cmd = [binary] + cmd_args
    os.sync()
    with open(log_prefix + ".stdout", "wb") as out, open(log_prefix + ".stderr", "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code != 0:
        raise CommandFailed(f"{' '.join(cmd)} failed (exit {code})\n--- stderr ---\n"
                            f"{tail(log_prefix + '.stderr')}")
    rendered = None
    with open(log_prefix + ".stderr", errors="replace") as f:
        for m in SUMMARY_RE.finditer(f.read()):
            rendered = int(m.group(1))
    return {"wall_ms": wall * 1000, "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
            "rendered": rendered}


def summarize_cli(samples):
    walls = [s["wall_ms"] for s in samples]
    rendered = [s["rendered"] for s in samples if s["rendered"] is not None]
    return {"median_ms": statistics.median(walls), "min_ms": min(walls), "max_ms": max(walls),
            "files_rendered": statistics.median(rendered) if rendered else None,
            "samples": samples}


def cli_scenarios(n, corpus, item, gen, args, logs):
    runs = cli_runs_for(n, args)
    out = os.path.join(args.work, "out", f"n{n}-cli", "site")
    remove_tree(os.path.dirname(out))
    os.makedirs(os.path.dirname(out))
    build = ["build", corpus, "--out", out]
    for i, label in enumerate(("first build", "no-change build")):
        s = run_cli(args.bin, build, os.path.join(logs, f"{n}-cli-prep-{i}"))
        progress(f"[{n}] CLI {label} (untimed): {fmt_ms(s['wall_ms'])}, "
                 f"{s['rendered']} files rendered")
    body = []
    for i in range(1, runs + 1):
        code = subprocess.call([sys.executable, gen, "--mutate", item, "--format", "tracebook",
                                "--out", corpus], stdout=subprocess.DEVNULL)
        if code != 0:
            raise CommandFailed(f"gen_corpus.py --mutate {item} failed (exit {code})")
        s = run_cli(args.bin, build, os.path.join(logs, f"{n}-cli-body-{i}"))
        progress(f"[{n}] CLI body change {i}/{runs}: {fmt_ms(s['wall_ms'])} (user "
                 f"{s['user_s']:.2f} s, sys {s['sys_s']:.2f} s), {s['rendered']} rendered")
        body.append(s)
    full = []
    for i in range(1, runs + 1):
        s = run_cli(args.bin, build + ["--full"], os.path.join(logs, f"{n}-cli-full-{i}"))
        progress(f"[{n}] CLI --full {i}/{runs}: {fmt_ms(s['wall_ms'])} (user "
                 f"{s['user_s']:.2f} s, sys {s['sys_s']:.2f} s), {s['rendered']} rendered")
        full.append(s)
    remove_tree(os.path.dirname(out))
    return {"cli_body": summarize_cli(body), "cli_full": summarize_cli(full),
            "item": item, "cmd": [args.bin] + build}


# ----------------------------------------------------------------------------- report
ROWS = [  # (key, label, group): group "bench" is compared with "full", "cli" with "cli_full"
    ("warmup", "in process: no change (warm-up, 1 run)", "bench"),
    ("body", "in process: body change", "bench"),
    ("title", "in process: title change", "bench"),
    ("link", "in process: link added", "bench"),
    ("fresh", "in process, new SiteBuilder: body change", "bench"),
    ("full", "in process: full build", "bench"),
    ("cli_body", "CLI `build`: body change", "cli"),
    ("cli_full", "CLI `build --full`", "cli"),
]


def row_values(key, res):
    r = res.get(key)
    if r is None:
        return None
    if key == "warmup":
        return r["ms"], r["ms"], r["ms"], r["files"]["rendered"]
    return r["median_ms"], r["min_ms"], r["max_ms"], r.get("files_rendered")


def print_report(info, results, args):
    print("# tracebook incremental-rebuild benchmark\n")
    print(f"- machine: {info['nproc']} cores, {info['cpu']}, Linux {info['kernel']}")
    print(f"- date: {info['date']}")
    if info["loadavg"] is not None:
        print(f"- load average at start: {' '.join(map(str, info['loadavg']))}")
    if info["tracebook"]:
        print(f"- binary: {info['tracebook']}")
    print(f"- work directory: {args.work}")
    print()
    print("| items | scenario | runs | median | min - max | load / publish (median) "
          "| files rendered | / full build |")
    print("|------:|---|---:|------:|------:|------:|------:|------:|")
    for n, res in results.items():
        for key, label, group in ROWS:
            values = row_values(key, res)
            if values is None:
                continue
            med, lo, hi, rendered = values
            ref = row_values("full" if group == "bench" else "cli_full", res)
            ratio = f"{med / ref[0]:.3f}x" if ref and ref[0] else "-"
            r = res[key]
            runs = r.get("runs") or len(r.get("samples", [])) or 1
            split = "-"
            if "load_median_ms" in r:
                split = f"{fmt_ms(r['load_median_ms'])} / {fmt_ms(r['publish_median_ms'])}"
            print(f"| {n:,} | {label} | {runs} | {fmt_ms(med)} | {fmt_range(lo, hi)} | {split} "
                  f"| {fmt_count(rendered)} | {ratio} |")
    print()
    for n, res in results.items():
        title, link = res.get("title") or {}, res.get("link") or {}
        item = (res.get("body") or title).get("item")
        if item:
            print(f"- {n:,} items: body and title edits on {item} ({title.get('links_out', '?')} "
                  f"links out, {title.get('links_in', '?')} in); links added from "
                  f"{link.get('verification', '-')}")
        if "bench_cmd" in res:
            print(f"- {n:,} items, in process: `{' '.join(res['bench_cmd'])}`")
        if "cli_cmd" in res:
            print(f"- {n:,} items, CLI: `{' '.join(res['cli_cmd'])}` [--full], after "
                  f"`gen_corpus.py --mutate {res['cli_item']}`")
    print()
    print("Targets (in process, a body change with a long-lived SiteBuilder, median):")
    shown = False
    for n, res in results.items():
        target = TARGETS_MS.get(n)
        body = res.get("body")
        if target is None or body is None:
            continue
        shown = True
        verdict = "PASS" if body["median_ms"] < target else "FAIL"
        print(f"- {n:,} items: body change < {fmt_ms(target)}: {fmt_ms(body['median_ms'])} "
              f"-> {verdict}")
    if not shown:
        print(f"- (targets exist for {', '.join(f'{n:,}' for n in TARGETS_MS)} items only)")
    print()
    sys.stdout.flush()


# ----------------------------------------------------------------------------- main
def main(argv):
    args = parse_args(argv)
    gen = args.generator
    if not os.path.isfile(gen):
        progress(f"corpus generator not found: {gen} (use --generator PATH)")
        return 1
    os.makedirs(args.work, exist_ok=True)
    logs = os.path.join(args.work, "logs")
    os.makedirs(logs, exist_ok=True)
    results = {}
    raw = {"args": {k: v for k, v in vars(args).items()}, "sizes": {}}
    status = 0
    try:
        if not args.no_build:
            build_binaries(args)
        info = machine_info(args.bin)
        raw["machine"] = info
        for n in args.sizes:
            pristine = ensure_corpus(n, gen, args.work)
            corpus = working_copy(n, pristine, args.work)
            res = {}
            results[n] = res
            item = None
            if not args.no_inprocess:
                bench, cmd = run_bench(n, corpus, args, logs)
                res.update(bench)
                res["bench_cmd"] = cmd
                item = (bench.get("body") or {}).get("item")
            if not args.no_cli:
                cli = cli_scenarios(n, corpus, item or middle_requirement(corpus), gen, args,
                                    logs)
                res.update(cli_body=cli["cli_body"], cli_full=cli["cli_full"],
                           cli_cmd=cli["cmd"], cli_item=cli["item"])
            raw["sizes"][n] = res
            remove_tree(corpus)
    except CommandFailed as e:
        progress(f"error: {e}")
        status = 1
    if results:
        print_report(raw.get("machine") or machine_info(args.bin), results, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=2)
        progress(f"raw samples: {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
