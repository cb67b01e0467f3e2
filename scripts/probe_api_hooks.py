"""Schemathesis hooks of scripts/probe-api.sh: checks that look at the project's git repository.

Loaded with SCHEMATHESIS_HOOKS=probe_api_hooks; PROBE_REPO names the served project. The probe
runs one worker, so the repository changes only through the request being checked:

* a request answered with an error (>= 400) committed nothing and left the work tree clean;
* a successful item write is committed before its answer: the answer's `commit` is HEAD, and
  the work tree is clean (the server commits synchronously);
* every answer carries the security headers (and `no-store`: everything here is signed in).
"""

import json
import os
import subprocess

import schemathesis

REPO = os.environ["PROBE_REPO"]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}

_before = {"head": None}


def _git(*args):
    return subprocess.run(["git", "-C", REPO, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def _state():
    head = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=all")
    return head, dirty


@schemathesis.hook
def before_call(context, case, kwargs):
    _before["head"] = _git("rev-parse", "HEAD")


@schemathesis.check
def no_commit_on_error(ctx, response, case):
    """An error answer changed nothing in git; a write's answer comes after its commit."""
    head, dirty = _state()
    if dirty:
        raise AssertionError(f"the work tree is not clean after {case.method} {case.path}:\n"
                             f"{dirty}")
    before = _before["head"]
    if response.status_code >= 400 and before is not None and head != before:
        raise AssertionError(f"{case.method} {case.path} answered {response.status_code} but "
                             f"HEAD moved from {before} to {head}")
    if 200 <= response.status_code < 300 and case.method.upper() in WRITES \
            and case.path.startswith("/api/items"):
        body = json.loads(response.content or b"{}")
        if body.get("commit") != head:
            raise AssertionError(f"{case.method} {case.path} answered commit "
                                 f"{body.get('commit')} but HEAD is {head}")


@schemathesis.check
def security_headers(ctx, response, case):
    """Every answer carries the security headers and no-store."""
    for name, expected in SECURITY_HEADERS.items():
        values = response.headers.get(name) or []
        value = values[0] if values else None
        if value is None or expected not in value:
            raise AssertionError(f"{case.method} {case.path} ({response.status_code}): "
                                 f"{name} is {value!r}, expected {expected!r}")
