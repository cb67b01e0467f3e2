#!/usr/bin/env python3
"""Benchmark `tracebook serve`: reads behind sign-in, and edits committed per second.

    python3 scripts/bench_serve.py [--runs 3] [--duration 10] [--connections 64]
                                   [--edits 300] [--writers 4] [--bin PATH] [--no-build]

On a fresh clone of this repository (the demo project, tracebook's own specification) in a
temporary folder, with the accounts in SQLite (the embedded default):

* `wrk -c64` against a signed-in item page (`/items/REQ-001/index.html` with the session
  cookie from a real sign-in) and against `GET /api/items/REQ-001` (bearer token): requests
  per second and the 99th percentile latency, median of `--runs` runs of `--duration` s;
* edits: `--writers` clients each take their own items and loop GET (ETag) + PUT with
  If-Match, changing the title, until `--edits` commits are made; commits per second is
  commits / wall time, and the script checks that git holds exactly that many new commits.
  The in-process rebuild runs (coalesced) during the edits, as on a real server.

Targets on this 2-core machine: 10k reads/s with p99 < 20 ms; 100 commits/s.
wrk runs on the same 2 cores as the server, so the read figures are a floor.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "a long benchmark password"


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "tracebook"))
    ap.add_argument("--no-build", action="store_true", help="skip cargo build --release")
    ap.add_argument("--work", default=None,
                    help="folder for the demo clone (e.g. /dev/shm: this machine's ext4 disk "
                         "makes creating files slow, and every commit creates about eight)")
    return ap.parse_args(argv)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def start_server(binary, root):
    proc = subprocess.Popen([binary, "serve", root, "--port", "0",
                             "--out", os.path.join(root, "public")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r"http://([\d.]+):(\d+)/", line)
    if not match:
        proc.kill()
        sys.exit(f"no address in {line!r}")
    return proc, match.group(1), int(match.group(2))


def sign_in(host, port, name):
    conn = http.client.HTTPConnection(host, port)
    body = urllib.parse.urlencode({"name": name, "password": PASSWORD, "next": "/"})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie")
    if response.status != 303 or not cookie:
        sys.exit(f"sign-in failed: {response.status}")
    return cookie.split(";")[0]


def wrk(url, header, args):
    out = run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
               "-H", header, url], capture_output=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return rps, float(p99.group(1)) * scale


def writer(host, port, token, items, quota):
    conn = http.client.HTTPConnection(host, port)
    auth = {"Authorization": f"Bearer {token}"}
    done = stale = 0
    n = 0
    while done < quota:
        item = items[n % len(items)]
        n += 1
        conn.request("GET", f"/api/items/{item}", headers=auth)
        response = conn.getresponse()
        response.read()
        etag = response.getheader("ETag")
        body = json.dumps({"title": f"Benchmark title {item} {n}"})
        conn.request("PUT", f"/api/items/{item}", body,
                     {**auth, "If-Match": etag, "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        elif response.status == 412:
            stale += 1
        else:
            sys.exit(f"PUT {item}: {response.status}")
    return done, stale


def requirement_ids(host, port, token):
    """Every requirement of the demo, from the API itself (ids have gaps)."""
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/api/items?kind=requirement&limit=1000",
                 headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    listing = json.loads(response.read())
    return [item["id"] for item in listing["items"]]


def commits(root):
    return int(run(["git", "-C", root, "rev-list", "--count", "HEAD"],
                   capture_output=True).stdout)


def main(argv):
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    if not args.no_build:
        run(["cargo", "build", "--release", "--locked", "--bin", "tracebook"], cwd=REPO)
    work = tempfile.mkdtemp(prefix="tracebook-bench-serve-", dir=args.work)
    root = os.path.join(work, "demo")
    run(["git", "clone", "-q", REPO, root])
    run(["git", "-C", root, "config", "user.name", "bench"])
    run(["git", "-C", root, "config", "user.email", "bench@example.invalid"])
    for name, role in [("reader", "viewer"), ("writer", "editor")]:
        run([args.bin, "user", "add", name, "--role", role, "--password-stdin", "--root", root],
            input=PASSWORD + "\n", capture_output=True)
    token = run([args.bin, "token", "create", "--user", "writer", "--name", "bench", "--root", root],
                capture_output=True).stdout.strip()
    proc, host, port = start_server(args.bin, root)
    try:
        cookie = sign_in(host, port, "reader")
        base = f"http://{host}:{port}"
        rows = []
        for label, url, header in [
            ("signed-in item page", f"{base}/items/REQ-001/index.html", f"Cookie: {cookie}"),
            ("GET /api/items/{id}", f"{base}/api/items/REQ-001", f"Authorization: Bearer {token}"),
        ]:
            results = [wrk(url, header, args) for _ in range(args.runs)]
            rps = statistics.median(r[0] for r in results)
            p99 = statistics.median(r[1] for r in results)
            rows.append((label, rps, p99))
        items = requirement_ids(host, port, token)
        per_writer = args.edits // args.writers
        before = commits(root)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.writers) as pool:
            futures = [pool.submit(writer, host, port, token, items[w::args.writers], per_writer)
                       for w in range(args.writers)]
            outcomes = [f.result() for f in futures]
        elapsed = time.monotonic() - started
        made = sum(o[0] for o in outcomes)
        stale = sum(o[1] for o in outcomes)
        in_git = commits(root) - before
        if in_git != made:
            sys.exit(f"{made} PUTs answered 200 but git holds {in_git} new commits")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"tracebook serve on the demo project, {args.connections} connections, "
          f"median of {args.runs} x {args.duration} s")
    print(f"| {'route':<22} | {'requests/s':>10} | {'p99 ms':>7} | target |")
    print(f"|{'-' * 24}|{'-' * 12}|{'-' * 9}|--------|")
    for label, rps, p99 in rows:
        ok = "PASS" if rps >= 10000 and p99 < 20 else "MISS"
        print(f"| {label:<22} | {rps:>10.0f} | {p99:>7.2f} | {ok:<6} |")
    rate = made / elapsed
    ok = "PASS" if rate >= 100 else "MISS"
    print(f"edits: {made} commits in {elapsed:.2f} s = {rate:.0f} commits/s with {args.writers} "
          f"writers ({stale} stale ETags retried; git holds exactly {in_git} new commits) {ok}")


if __name__ == "__main__":
    main(sys.argv[1:])
