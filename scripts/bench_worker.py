#!/usr/bin/env python3
"""Benchmark the rebuild after an edit: PUT -> published, and `tracebook mirror sync`.

    python3 scripts/bench_worker.py [--sizes demo,10000] [--edits 50] [--warmup 2]
                                    [--runtimes embedded,redis] [--poll-ms 3] [--no-settle]
                                    [--mirror-dbs sqlite,postgres] [--mirror-runs 3]
                                    [--no-mirror] [--redis-url URL] [--pg-url URL]
                                    [--work DIR] [--cache DIR] [--generator PATH] [--bin PATH]
                                    [--skip-build] [--keep] [--json OUT]

    python3 scripts/bench_worker.py --sizes demo --edits 5 --runtimes embedded --no-mirror \\
        --skip-build                                       # quick smoke run
    python3 scripts/bench_worker.py --work /dev/shm/tb-worker --json /tmp/worker.json

What is measured, for each project (`demo`: this repository's `tracebook.yaml` and `content/`
as committed at HEAD, without `baselines/` (they name commits of our history), in a new git
repository with one commit; `N`: the synthetic corpus of N items from
`scripts/gen_corpus.py` (or `--generator`), cached in `<cache>/corpus` like scripts/bench_incremental.py
does (by default in that script's default work directory, so the two share corpora), committed
the same way) and each runtime:

* `embedded`: `tracebook serve ROOT --out SITE --port 0` (accounts and mirror in SQLite, the
  rebuild worker in process);
* `redis`: the same server with `REDIS_URL` and a unique `TRACEBOOK_QUEUE_PREFIX`, plus one
  `tracebook worker ROOT --out SITE --name w1` with the same environment (the keys
  `<prefix>:*` are deleted afterwards).

PUT -> published: an editor (`tracebook user add`, `tracebook token create`) changes the title
of one item `--edits` times, one edit after the other. Per edit: GET /api/items/{id} for the
ETag (untimed), then the clock starts, PUT /api/items/{id} `{"title": ...}` with If-Match, and
`SITE/build-info.json` is polled every `--poll-ms` ms until its `commit` is the one the PUT
answered; the clock stops. Then (untimed) the script reads the build's record in
`.SITE.builds.json` (written as published as soon as the site is, then again once the
after-publish steps, server-side search index and SQL mirror, are done: its `mirror` field) and
waits for the steps, so every edit starts from an idle worker (`--no-settle`: the next edit
starts at once, overlapping the steps). `--warmup` untimed edits come first (the worker's first
build after start-up loads its state). Reported: p50 and p99 (nearest rank: with 50 edits p99
is the slowest), min and max; the median split of the time into PUT answered / queued (answer
to the build's start, from the record's `started_at_ms`: the worker's fetch into its private
clone, the queue) / build until visible; the after-publish steps (visible to the record saying
how they went, polled every 5 ms; not in the latency); the median of `files_rendered` against
all site files (`files_rendered + files_unchanged`).

Mirror sync (numeric sizes only): `tracebook mirror sync --root ROOT` on another committed copy
of the corpus, in SQLite (the default `ROOT/.tracebook/tracebook.db`, removed before each run)
and in PostgreSQL (`DATABASE_URL=<--pg-url>/<db>`, a database created with psql for each run
and dropped afterwards). Each of `--mirror-runs` runs: the first sync (empty mirror), a second
sync of the same commit (no-op), then one commit changing one item's title (untimed) and its
sync. Wall time of the process, median of the runs.

Targets: PUT -> published p50 < 300 ms on the demo; a one-item change at 10k items
does not re-render every page (MISS when the median build rendered as many files as there are
items, each item having its own page). Exit code 0 when every command ran, 1 otherwise.
"""

import argparse
import http.client
import json
import math
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_incremental as bi  # noqa: E402  (helpers: corpus cache, formatting, machine info)
import bench_serve as bs  # noqa: E402  (the benchmark password)
from bench_incremental import CommandFailed, fmt_ms, fmt_range, progress, remove_tree  # noqa: E402

REPO = bi.REPO
DEMO = "demo"
DEMO_ITEM = "REQ-001"
TARGET_DEMO_P50_MS = 300
PUBLISH_TIMEOUT_S = 120.0
RECORD_TIMEOUT_S = 120.0
START_TIMEOUT_S = 600.0
REDIS_URL = "redis://127.0.0.1:6379"
PG_URL = "postgres://postgres@127.0.0.1:5432"


# ----------------------------------------------------------------------------- arguments
def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="demo,10000",
                    help="comma-separated projects: 'demo' and/or corpus sizes in items "
                         "(default: %(default)s)")
    ap.add_argument("--edits", type=int, default=50, help="timed edits per run (default: 50)")
    ap.add_argument("--warmup", type=int, default=2,
                    help="untimed edits before them (default: %(default)s)")
    ap.add_argument("--runtimes", default="embedded,redis",
                    help="comma-separated: embedded, redis (default: %(default)s)")
    ap.add_argument("--poll-ms", type=float, default=3.0,
                    help="build-info.json poll interval (default: %(default)s)")
    ap.add_argument("--no-settle", dest="settle", action="store_false",
                    help="start the next edit as soon as the site shows the commit, while the "
                         "after-publish steps of its build may still run (default: wait for "
                         "them, untimed)")
    ap.add_argument("--mirror-dbs", default="sqlite,postgres",
                    help="comma-separated: sqlite, postgres (default: %(default)s)")
    ap.add_argument("--mirror-runs", type=int, default=3, help="(default: %(default)s)")
    ap.add_argument("--no-mirror", action="store_true", help="skip the mirror sync runs")
    ap.add_argument("--redis-url", default=REDIS_URL, help="(default: %(default)s)")
    ap.add_argument("--pg-url", default=PG_URL,
                    help="PostgreSQL server, without database (default: %(default)s)")
    ap.add_argument("--work", default=None,
                    help="work directory for the runs and logs (default: a new temporary "
                         "folder, removed at the end; /dev/shm/... keeps it in RAM)")
    ap.add_argument("--cache", default=None,
                    help="corpus cache, in CACHE/corpus (default: --work when given, else "
                         "scripts/bench_incremental.py's default work directory, so both "
                         "share their corpora)")
    ap.add_argument("--generator", default=os.path.join(REPO, "scripts", "gen_corpus.py"),
                    help="the corpus generator (default: scripts/gen_corpus.py)")
    ap.add_argument("--bin", default=None,
                    help="tracebook binary (default: target/release/tracebook)")
    ap.add_argument("--skip-build", action="store_true",
                    help="do not run cargo build --release first")
    ap.add_argument("--keep", action="store_true", help="keep the per-run folders and logs")
    ap.add_argument("--json", metavar="OUT", help="write the results and raw samples to OUT")
    args = ap.parse_args(argv)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in args.sizes:
        if s != DEMO and not (s.isdigit() and int(s) > 0):
            ap.error(f"--sizes: 'demo' or a positive number, got {s!r}")
    args.runtimes = [r.strip() for r in args.runtimes.split(",") if r.strip()]
    if not set(args.runtimes) <= {"embedded", "redis"}:
        ap.error("--runtimes: embedded and/or redis")
    args.mirror_dbs = [d.strip() for d in args.mirror_dbs.split(",") if d.strip()]
    if not set(args.mirror_dbs) <= {"sqlite", "postgres"}:
        ap.error("--mirror-dbs: sqlite and/or postgres")
    if args.edits < 1 or args.warmup < 0 or args.mirror_runs < 1:
        ap.error("--edits and --mirror-runs must be at least 1, --warmup at least 0")
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    args.bin = os.path.abspath(args.bin or os.path.join(target, "release", "tracebook"))
    args.generator = os.path.abspath(args.generator)
    args.temporary_work = args.work is None
    args.cache = os.path.abspath(args.cache or args.work or os.path.join(
        tempfile.gettempdir(), "tracebook-bench-incremental"))
    args.work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="tracebook-bench-worker-"))
    return args


# ----------------------------------------------------------------------------- helpers
def now_ms():
    return time.time() * 1000.0


def nearest_rank(values, q):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def run_quiet(cmd, log, **kw):
    """Runs a preparatory command; its output goes to the log, failures raise."""
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(cmd)}\n".encode())
        out.flush()
        r = subprocess.run(cmd, stdout=out, stderr=out, **kw)
    if r.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} failed (exit {r.returncode})\n{bi.tail(log)}")


def git_commit_all(root, message, log):
    run_quiet(["git", "-C", root, "add", "-A"], log)
    run_quiet(["git", "-C", root, "commit", "-q", "-m", message], log)


def new_repo(root, log):
    """A git repository of the files in ROOT, one commit."""
    with open(os.path.join(root, ".gitignore"), "w") as f:
        f.write(".tracebook/\n")
    run_quiet(["git", "init", "-q", "-b", "main", root], log)
    run_quiet(["git", "-C", root, "config", "user.name", "bench"], log)
    run_quiet(["git", "-C", root, "config", "user.email", "bench@example.invalid"], log)
    git_commit_all(root, "benchmark project", log)


def project_copy(size, args, dest, log):
    """A committed copy of the project `size` in DEST (which must not exist)."""
    if size == DEMO:
        os.makedirs(dest)
        archive = subprocess.run(["git", "-C", REPO, "archive", "HEAD", "--",
                                  "tracebook.yaml", "content"], stdout=subprocess.PIPE)
        if archive.returncode != 0:
            raise CommandFailed("git archive HEAD tracebook.yaml content failed")
        subprocess.run(["tar", "-x", "-C", dest], input=archive.stdout, check=True)
    else:
        gen = args.generator
        if not os.path.isfile(gen):
            raise CommandFailed(f"corpus generator not found: {gen} (use --generator PATH)")
        pristine = bi.ensure_corpus(int(size), gen, args.cache)
        run_quiet(["cp", "-a", "--", pristine, dest], log)
    new_repo(dest, log)
    return dest


def item_file(root, item):
    for folder, _, files in os.walk(os.path.join(root, "content")):
        if item + ".md" in files:
            return os.path.join(folder, item + ".md")
    raise CommandFailed(f"no file for {item} under {root}/content")


def set_title(path, title):
    with open(path) as f:
        text = f.read()
    new, count = re.subn(r"(?m)^title:.*$", lambda _: f"title: {json.dumps(title)}", text,
                         count=1)
    if count != 1:
        raise CommandFailed(f"no title line in {path}")
    with open(path, "w") as f:
        f.write(new)


def pick_item(size, root):
    if size == DEMO:
        item_file(root, DEMO_ITEM)  # it exists
        return DEMO_ITEM
    return bi.middle_requirement(root)  # links in and out: neighbours show its title


class Api:
    """A keep-alive connection to the server, reopened when the server closed it."""

    def __init__(self, host, port, token):
        self.host, self.port = host, port
        self.auth = {"Authorization": f"Bearer {token}"}
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body, {**self.auth, **(headers or {})})
                response = self.conn.getresponse()
                data = response.read()
                return response, data
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()


def read_json(path):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


# ----------------------------------------------------------------------------- processes
class Processes:
    """The server (and worker) of one run; stopped with SIGTERM, then SIGKILL."""

    def __init__(self):
        self.procs = []

    def start(self, cmd, env, stderr_path, stdout=subprocess.DEVNULL):
        err = open(stderr_path, "ab")
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=err, text=stdout == subprocess.PIPE)
        err.close()
        self.procs.append(proc)
        return proc

    def stop(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs = []


def start_server(binary, root, site, env, log, procs):
    cmd = [binary, "serve", root, "--out", site, "--port", "0"]
    progress(f"  $ {' '.join(cmd)}")
    started = time.perf_counter()
    proc = procs.start(cmd, env, log, stdout=subprocess.PIPE)
    line = proc.stdout.readline()  # after the first build of the site
    match = re.search(r"http://([\d.]+):(\d+)/", line)
    if not match:
        raise CommandFailed(f"serve printed {line!r} (exit {proc.poll()})\n{bi.tail(log)}")
    progress(f"  serving after {time.perf_counter() - started:.1f} s: {line.strip()}")
    return match.group(1), int(match.group(2))


def redis_cli(url, *argv):
    r = subprocess.run(["redis-cli", "-u", url, *argv], capture_output=True, text=True)
    if r.returncode != 0:
        raise CommandFailed(f"redis-cli {' '.join(argv)}: {r.stderr.strip()}")
    return r.stdout


def redis_clean(url, prefix):
    keys = [k for k in redis_cli(url, "--scan", "--pattern", f"{prefix}:*").split() if k]
    for key in keys:
        redis_cli(url, "DEL", key)
    return keys


# ----------------------------------------------------------------------------- edits
def one_edit(api, root_item, site, builds_path, poll_s, n, settle):
    """One timed edit: (sample dict). Raises CommandFailed when something is off."""
    path = f"/api/items/{root_item}"
    response, _ = api.request("GET", path)
    if response.status != 200:
        raise CommandFailed(f"GET {path}: {response.status}")
    etag = response.getheader("ETag")
    body = json.dumps({"title": f"Benchmark title {n} {secrets.token_hex(3)}"})
    headers = {"If-Match": etag, "Content-Type": "application/json"}
    t_send = now_ms()
    p0 = time.perf_counter()
    response, data = api.request("PUT", path, body, headers)
    p_answer = time.perf_counter()
    t_answer = now_ms()
    if response.status != 200:
        raise CommandFailed(f"PUT {path}: {response.status} {data[:300]!r}")
    written = json.loads(data)
    commit = written["commit"]
    if written.get("warnings"):
        progress(f"  PUT answered with a warning: {written}")
    info_path = os.path.join(site, "build-info.json")
    deadline = p0 + PUBLISH_TIMEOUT_S
    polls = 0
    while True:
        info = read_json(info_path)
        polls += 1
        if info and info.get("commit") == commit:
            break
        if time.perf_counter() > deadline:
            raise CommandFailed(f"{commit} not published after {PUBLISH_TIMEOUT_S:.0f} s")
        time.sleep(poll_s)
    p_seen = time.perf_counter()
    t_seen = t_send + (p_seen - p0) * 1000.0
    # Untimed: the build's record. It is written as published once the site is (duration_ms:
    # the time to publish), then again after the after-publish steps (search index, SQL
    # mirror) with `mirror` saying how they went. By default (not --no-settle) the next edit
    # waits for that, so every edit starts from an idle worker; the wait is reported as steps.
    record = None
    deadline = time.perf_counter() + RECORD_TIMEOUT_S
    while time.perf_counter() < deadline:
        for r in read_json(builds_path) or []:
            if r.get("commit") == commit and r.get("result") != "running":
                record = r
                break
        if record and (not settle or record.get("mirror") is not None):
            break
        time.sleep(0.005)
    p_steps = time.perf_counter()
    sample = {"commit": commit, "publish_ms": (p_seen - p0) * 1000.0,
              "put_ms": (p_answer - p0) * 1000.0, "polls": polls}
    if record is None:
        progress(f"  no build record for {commit[:10]} in {builds_path}")
        return sample
    start = record["started_at_ms"]
    sample.update({
        "result": record.get("result"), "jobs": record.get("jobs"),
        "files_rendered": record.get("files_rendered"),
        "files_unchanged": record.get("files_unchanged"),
        "build_duration_ms": record["duration_ms"], "mirror": record.get("mirror"),
        "queued_ms": start - t_answer,               # answer -> build start
        "build_visible_ms": t_seen - start,          # build start -> seen published
    })
    if settle:
        if record.get("mirror") is None:
            progress(f"  {commit[:10]}: the after-publish steps did not finish in "
                     f"{RECORD_TIMEOUT_S:.0f} s")
        else:
            sample["steps_ms"] = (p_steps - p_seen) * 1000.0  # seen published -> steps done
    return sample


def summarize_edits(samples):
    pub = [s["publish_ms"] for s in samples]
    out = {"edits": len(samples), "p50_ms": statistics.median(pub),
           "p99_ms": nearest_rank(pub, 0.99), "min_ms": min(pub), "max_ms": max(pub),
           "mean_ms": statistics.fmean(pub)}
    for key in ("put_ms", "queued_ms", "build_visible_ms", "steps_ms", "build_duration_ms",
                "files_rendered", "files_unchanged"):
        values = [s[key] for s in samples if s.get(key) is not None]
        out[f"median_{key}"] = statistics.median(values) if values else None
    rendered = out["median_files_rendered"]
    totals = [s["files_rendered"] + s["files_unchanged"] for s in samples
              if s.get("files_rendered") is not None and s.get("files_unchanged") is not None]
    out["total_files"] = statistics.median(totals) if totals else None
    out["max_files_rendered"] = max((s["files_rendered"] for s in samples
                                     if s.get("files_rendered") is not None), default=None)
    out["coalesced"] = sum(1 for s in samples if (s.get("jobs") or 1) > 1)
    out["rendered_share"] = (rendered / out["total_files"]
                             if rendered is not None and out["total_files"] else None)
    return out


def log_lines(path, needle):
    """Lines of a stderr log containing needle (the `published the site` lines)."""
    try:
        with open(path, errors="replace") as f:
            return [line.rstrip() for line in f if needle in line]
    except OSError:
        return []


def edit_run(size, runtime, args, logs):
    """Starts the runtime on a fresh committed copy, makes the edits, stops it."""
    label = f"{size}-{runtime}"
    base = os.path.join(args.work, "runs", label)
    remove_tree(base)
    os.makedirs(base)
    root, site = os.path.join(base, "repo"), os.path.join(base, "site")
    prep = os.path.join(logs, f"{label}-prep.log")
    project_copy(size, args, root, prep)
    item = pick_item(size, root)
    run_quiet([args.bin, "user", "add", "eddie", "--role", "editor", "--password-stdin",
               "--root", root], prep, input=(bs.PASSWORD + "\n").encode())
    token = subprocess.run([args.bin, "token", "create", "--user", "eddie", "--name", "bench",
                            "--root", root], capture_output=True, text=True)
    if token.returncode != 0 or not token.stdout.strip():
        raise CommandFailed(f"token create failed: {token.stderr.strip()}")
    token = token.stdout.strip().splitlines()[-1].strip()
    env = dict(os.environ, TRACEBOOK_LOG="info")
    prefix = None
    if runtime == "redis":
        prefix = f"tbbench-{os.getpid()}-{secrets.token_hex(4)}"
        env.update(REDIS_URL=args.redis_url, TRACEBOOK_QUEUE_PREFIX=prefix)
    env.pop("DATABASE_URL", None)
    procs = Processes()
    serve_log = os.path.join(logs, f"{label}-serve.stderr")
    worker_log = os.path.join(logs, f"{label}-worker.stderr")
    samples, warm = [], []
    try:
        host, port = start_server(args.bin, root, site, env, serve_log, procs)
        if runtime == "redis":
            cmd = [args.bin, "worker", root, "--out", site, "--name", "w1"]
            progress(f"  $ {' '.join(cmd)}")
            procs.start(cmd, env, worker_log)
        api = Api(host, port, token)
        response, data = api.request("GET", "/api/items?limit=1")
        if response.status != 200:
            raise CommandFailed(f"GET /api/items: {response.status} {data[:200]!r}")
        items = json.loads(data)["total"]
        builds_path = os.path.join(os.path.dirname(site), f".{os.path.basename(site)}.builds.json")
        poll_s = args.poll_ms / 1000.0
        progress(f"  {items} items; editing the title of {item}")
        for i in range(args.warmup):
            s = one_edit(api, item, site, builds_path, poll_s, f"warm-up {i}", args.settle)
            warm.append(s)
            progress(f"  warm-up {i + 1}/{args.warmup}: {fmt_ms(s['publish_ms'])}")
        for i in range(args.edits):
            s = one_edit(api, item, site, builds_path, poll_s, i, args.settle)
            samples.append(s)
            if i < 3 or (i + 1) % 10 == 0:
                progress(f"  edit {i + 1}/{args.edits}: {fmt_ms(s['publish_ms'])} (PUT "
                         f"{fmt_ms(s['put_ms'])}, build record {s.get('build_duration_ms')} ms, "
                         f"{s.get('files_rendered')} rendered)")
        api.close()
        for proc in procs.procs:
            if proc.poll() is not None:
                raise CommandFailed(f"{proc.args[1]} exited early ({proc.returncode})")
    finally:
        procs.stop()
        if prefix:
            keys = redis_clean(args.redis_url, prefix)
            progress(f"  deleted Redis keys {', '.join(keys) or '(none)'}")
    commits = int(subprocess.run(["git", "-C", root, "rev-list", "--count", "HEAD"],
                                 capture_output=True, text=True).stdout or 0)
    published_lines = log_lines(worker_log if runtime == "redis" else serve_log,
                                "published the site")
    result = {"size": size, "runtime": runtime, "items": items, "item": item,
              "commits": commits, "summary": summarize_edits(samples), "samples": samples,
              "warmup": warm, "published_log_lines": published_lines[-3:],
              "logs": [serve_log] + ([worker_log] if runtime == "redis" else [])}
    if commits != 1 + args.warmup + args.edits:
        raise CommandFailed(f"{label}: git holds {commits} commits, expected "
                            f"{1 + args.warmup + args.edits}")
    if not args.keep:
        remove_tree(base)
    return result


# ----------------------------------------------------------------------------- mirror
def psql(args, sql):
    r = subprocess.run(["psql", args.pg_url + "/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c",
                        sql], capture_output=True, text=True)
    if r.returncode != 0:
        raise CommandFailed(f"psql -c {sql!r}: {r.stderr.strip()}")


def timed_sync(args, root, env, log):
    cmd = [args.bin, "mirror", "sync", "--root", root]
    with open(log, "ab") as out:
        start = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        wall = (time.perf_counter() - start) * 1000.0
    if r.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} failed (exit {r.returncode})\n{bi.tail(log)}")
    return wall


def mirror_runs(size, args, logs):
    base = os.path.join(args.work, "runs", f"{size}-mirror")
    remove_tree(base)
    os.makedirs(base)
    root = os.path.join(base, "repo")
    prep = os.path.join(logs, f"{size}-mirror-prep.log")
    project_copy(size, args, root, prep)
    item = pick_item(size, root)
    path = item_file(root, item)
    results = {}
    edit = 0
    try:
        for db in args.mirror_dbs:
            samples = {"first": [], "noop": [], "one_title": []}
            log = os.path.join(logs, f"{size}-mirror-{db}.log")
            for run in range(1, args.mirror_runs + 1):
                env = dict(os.environ)
                env.pop("DATABASE_URL", None)
                name = None
                if db == "sqlite":
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        p = os.path.join(root, ".tracebook", "tracebook.db" + suffix)
                        if os.path.exists(p):
                            os.remove(p)
                else:
                    name = f"tbbench_{os.getpid()}_{run}"
                    psql(args, f"DROP DATABASE IF EXISTS {name}")
                    psql(args, f"CREATE DATABASE {name}")
                    env["DATABASE_URL"] = f"{args.pg_url}/{name}"
                try:
                    os.sync()
                    first = timed_sync(args, root, env, log)
                    noop = timed_sync(args, root, env, log)
                    edit += 1
                    set_title(path, f"Mirror benchmark title {edit}")
                    git_commit_all(root, f"title of {item} ({edit})", prep)
                    one = timed_sync(args, root, env, log)
                finally:
                    if name:
                        psql(args, f"DROP DATABASE IF EXISTS {name}")
                samples["first"].append(first)
                samples["noop"].append(noop)
                samples["one_title"].append(one)
                progress(f"  mirror {db} run {run}/{args.mirror_runs}: first {fmt_ms(first)}, "
                         f"no-op {fmt_ms(noop)}, one title {fmt_ms(one)}")
            results[db] = {k: {"median_ms": statistics.median(v), "min_ms": min(v),
                               "max_ms": max(v), "samples": v} for k, v in samples.items()}
    finally:
        if not args.keep:
            remove_tree(base)
    return {"size": size, "item": item, "dbs": results}


# ----------------------------------------------------------------------------- report
def print_report(info, edit_results, mirror_results, load_after, args):
    print("# tracebook rebuild-worker benchmark\n")
    print(f"- machine: {info['nproc']} cores, {info['cpu']}, Linux {info['kernel']}")
    print(f"- date: {info['date']}")
    if info["loadavg"] is not None:
        print(f"- load average before: {' '.join(map(str, info['loadavg']))}; after: "
              f"{' '.join(map(str, load_after))}")
    if info["tracebook"]:
        print(f"- binary: {info['tracebook']} ({args.bin})")
    print(f"- work directory: {args.work}")
    print()
    if edit_results:
        print(f"PUT -> published ({args.edits} edits one after the other, after {args.warmup} "
              f"untimed; p99 is nearest rank; split = medians of PUT answered / queued / "
              f"build until visible; steps = after-publish steps, "
              f"{'waited for before' if args.settle else 'overlapping'} the next edit, "
              f"not in the latency)\n")
        print("| project | items | runtime | p50 | p99 | min - max | split | steps "
              "| files rendered / total (median) | target |")
        print("|---|---:|---|---:|---:|---:|---|---:|---:|---|")
        for r in edit_results:
            s = r["summary"]
            split = " / ".join(fmt_ms(s[f"median_{k}"]) for k in
                               ("put_ms", "queued_ms", "build_visible_ms"))
            files = "-"
            if s["median_files_rendered"] is not None and s["total_files"]:
                files = (f"{bi.fmt_count(s['median_files_rendered'])} / "
                         f"{bi.fmt_count(s['total_files'])} "
                         f"({100 * s['rendered_share']:.1f}%)")
            target = "-"
            if r["size"] == DEMO:
                target = (f"p50 < {TARGET_DEMO_P50_MS} ms: "
                          f"{'PASS' if s['p50_ms'] < TARGET_DEMO_P50_MS else 'MISS'}")
            elif s["median_files_rendered"] is not None:
                # Every page: at least as many files rendered as there are items (one page each).
                ok = s["median_files_rendered"] < r["items"]
                target = f"not every page: {'PASS' if ok else 'MISS'}"
            print(f"| {r['size']} | {r['items']:,} | {r['runtime']} | {fmt_ms(s['p50_ms'])} "
                  f"| {fmt_ms(s['p99_ms'])} | {fmt_range(s['min_ms'], s['max_ms'])} | {split} "
                  f"| {fmt_ms(s['median_steps_ms'])} | {files} | {target} |")
        print()
        for r in edit_results:
            s = r["summary"]
            print(f"- {r['size']} / {r['runtime']}: title of {r['item']}; build record median "
                  f"{fmt_ms(s['median_build_duration_ms'])} (time to publish); "
                  f"{s['coalesced']} builds answered more than one job; git: {r['commits']} "
                  f"commits")
        print()
    if mirror_results:
        print(f"`tracebook mirror sync` wall time (median of {args.mirror_runs}; min - max)\n")
        print("| items | database | first sync (empty) | no-op (same commit) "
              "| one title changed |")
        print("|---:|---|---:|---:|---:|")
        for m in mirror_results:
            for db, res in m["dbs"].items():
                cells = [f"{fmt_ms(res[k]['median_ms'])} "
                         f"({fmt_range(res[k]['min_ms'], res[k]['max_ms'])})"
                         for k in ("first", "noop", "one_title")]
                print(f"| {int(m['size']):,} | {db} | {' | '.join(cells)} |")
        print()
    sys.stdout.flush()


# ----------------------------------------------------------------------------- main
def main(argv):
    args = parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    logs = os.path.join(args.work, "logs")
    os.makedirs(logs, exist_ok=True)
    status = 0
    edit_results, mirror_results = [], []
    info = None
    try:
        if not args.skip_build:
            bi.cargo(["cargo", "build", "--release", "--locked", "--bin", "tracebook"])
        if not os.path.isfile(args.bin):
            raise CommandFailed(f"no binary at {args.bin} (build it or drop --skip-build)")
        if "redis" in args.runtimes and shutil.which("redis-cli") is None:
            raise CommandFailed("redis-cli is missing (needed to clean the queue keys)")
        info = bi.machine_info(args.bin)
        for size in args.sizes:
            for runtime in args.runtimes:
                progress(f"[{size} / {runtime}]")
                edit_results.append(edit_run(size, runtime, args, logs))
            if size != DEMO and not args.no_mirror and args.mirror_dbs:
                progress(f"[{size} / mirror sync]")
                mirror_results.append(mirror_runs(size, args, logs))
    except CommandFailed as e:
        progress(f"error: {e}")
        status = 1
    load_after = [round(x, 2) for x in os.getloadavg()]
    if info is None:
        info = bi.machine_info(args.bin)
    if edit_results or mirror_results:
        print_report(info, edit_results, mirror_results, load_after, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "load_after": load_after,
                       "args": {k: v for k, v in vars(args).items()},
                       "edits": edit_results, "mirror": mirror_results}, f, indent=2)
        progress(f"results: {args.json}")
    if args.temporary_work and not args.keep:
        remove_tree(args.work)
    else:
        progress(f"logs: {logs}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
