#!/usr/bin/env python3
"""What a person does in a browser, for scripts/compose-test.sh: sign in through the real form,
edit an item through the real edit form, read pages, hammer the sign-in form. Standard library
only (no registry on the test machine). Cookies are handled by hand so one session can be
used against any replica, over https (through Caddy) or plain http (a replica directly).

Every command prints one line and exits non-zero with a reason when an expectation fails.
"""

import argparse
import html
import http.client
import json
import re
import ssl
import sys
import time
import urllib.parse


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Client:
    """HTTP to one base URL, with the session cookie kept in a file."""

    def __init__(self, base, cookie_file=None, ca=None):
        self.base = urllib.parse.urlsplit(base)
        self.cookie_file = cookie_file
        self.ca = ca
        self.cookies = {}
        if cookie_file:
            try:
                with open(cookie_file) as f:
                    self.cookies = json.load(f)
            except FileNotFoundError:
                pass

    def save(self):
        if self.cookie_file:
            with open(self.cookie_file, "w") as f:
                json.dump(self.cookies, f)

    def request(self, method, path, form=None, headers=None, body=None):
        host = self.base.hostname
        port = self.base.port
        if self.base.scheme == "https":
            context = ssl.create_default_context(cafile=self.ca)
            conn = http.client.HTTPSConnection(host, port, timeout=30, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val:
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        conn.close()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), data


def field(page, name):
    """The value of the form field `name` (input value or textarea text), unescaped."""
    m = re.search(r'<input[^>]*name="%s"[^>]*value="([^"]*)"' % re.escape(name), page)
    if m:
        return html.unescape(m.group(1))
    m = re.search(r'<textarea[^>]*name="%s"[^>]*>\n?(.*?)</textarea>' % re.escape(name), page, re.S)
    if m:
        return html.unescape(m.group(1))
    return None


def sign_in(args):
    client = Client(args.base, args.cookies, args.ca)
    status, _, page = client.request("GET", "/login")
    if status != 200 or 'name="password"' not in page:
        fail(f"GET /login answered {status} without the sign-in form")
    status, headers, _ = client.request(
        "POST", "/login", form={"name": args.name, "password": args.password, "next": "/"}
    )
    if status != 303 or "tb_session" not in client.cookies:
        fail(f"signing in as {args.name} answered {status}, cookies {sorted(client.cookies)}")
    client.save()
    print(f"signed in as {args.name} at {args.base} (303 to {headers.get('location')})")


def me(args):
    client = Client(args.base, args.cookies, args.ca)
    status, _, body = client.request("GET", "/api/me")
    if status != 200:
        fail(f"GET /api/me at {args.base} answered {status}: {body[:200]}")
    name = json.loads(body)["name"]
    if name != args.expect:
        fail(f"GET /api/me at {args.base} is {name}, not {args.expect}")
    print(f"session valid at {args.base}: {name}")


def edit(args):
    """The edit form, as a browser posts it: GET the form, change the title, POST it back."""
    client = Client(args.base, args.cookies, args.ca)
    path = f"/items/{args.item}/edit"
    status, _, page = client.request("GET", path)
    if status != 200:
        fail(f"GET {path} answered {status}: {page[:200]}")
    form = {}
    for name in ["csrf_token", "etag", "title", "status", "tags", "body"]:
        value = field(page, name)
        if value is None:
            fail(f"the edit form has no field {name}")
        form[name] = value
    form["title"] = args.title
    status, headers, page = client.request("POST", path, form=form)
    if status not in (200, 303):
        fail(f"POST {path} answered {status}: {page[:300]}")
    print(f"edited {args.item}: title {args.title!r} ({status} {headers.get('location', '')})")


def api_edit(args):
    """The write API (returns once committed and queued, without waiting for the site)."""
    client = Client(args.base, args.cookies, args.ca)
    status, _, body = client.request("GET", "/api/me")
    if status != 200:
        fail(f"GET /api/me answered {status}: {body[:200]}")
    token = json.loads(body)["csrf_token"]
    status, headers, body = client.request("GET", f"/api/items/{args.item}")
    if status != 200:
        fail(f"GET /api/items/{args.item} answered {status}: {body[:200]}")
    item = json.loads(body)
    # What the write API takes: the item's fields without its id and kind.
    item = {k: v for k, v in item.items() if k in ("title", "status", "tags", "links", "fields", "body")}
    item["title"] = args.title
    status, _, body = client.request(
        "PUT",
        f"/api/items/{args.item}",
        headers={"If-Match": headers["etag"], "X-CSRF-Token": token},
        body=item,
    )
    if status != 200:
        fail(f"PUT /api/items/{args.item} answered {status}: {body[:300]}")
    print(f"committed {args.item}: title {args.title!r} ({json.loads(body).get('commit', '')[:12]})")


def wait_page(args):
    """Polls a page until it contains the text; prints how long that took."""
    client = Client(args.base, args.cookies, args.ca)
    start = time.monotonic()
    last = None
    while time.monotonic() - start < args.timeout:
        try:
            status, headers, page = client.request("GET", args.path)
            last = status
            if status == 200 and args.text in page:
                print(
                    f"{args.base}{args.path} shows {args.text!r} after "
                    f"{time.monotonic() - start:.1f} s ({headers.get('content-type')})"
                )
                return
        except OSError as err:
            last = str(err)
        time.sleep(0.5)
    fail(f"{args.base}{args.path} did not show {args.text!r} in {args.timeout} s (last: {last})")


def status_of(args):
    """Prints the status of GET path; fails unless it is one of --expect."""
    client = Client(args.base, args.cookies, args.ca)
    form = dict(urllib.parse.parse_qsl(args.data)) if args.data else None
    status, headers, body = client.request(args.method, args.path, form=form)
    if args.expect and str(status) not in args.expect.split(","):
        fail(f"{args.method} {args.base}{args.path} answered {status}, not {args.expect}: {body[:200]}")
    print(f"{args.method} {args.path} at {args.base}: {status} {headers.get('content-type', '')} {body[:120]!r}")


def hammer(args):
    """Wrong sign-ins, round robin over the bases; prints the attempt that first got 429."""
    clients = [Client(base, None, args.ca) for base in args.bases.split(",")]
    first_429 = None
    codes = []
    for attempt in range(1, args.count + 1):
        client = clients[(attempt - 1) % len(clients)]
        status, _, _ = client.request(
            "POST", "/login", form={"name": args.name, "password": "wrong-password-x", "next": "/"}
        )
        codes.append(status)
        if status == 429 and first_429 is None:
            first_429 = attempt
    print(f"{args.count} wrong sign-ins over {len(clients)} replicas: {codes}")
    if first_429 is None:
        fail("no attempt was refused with 429")
    if first_429 > args.limit + 1:
        fail(f"the first 429 came at attempt {first_429}: the limit of {args.limit} is not shared")
    print(f"first 429 at attempt {first_429} (limit {args.limit} per minute, shared)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ca", help="CA certificate for https")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sign-in")
    p.add_argument("base"), p.add_argument("name"), p.add_argument("password")
    p.add_argument("--cookies", required=True)
    p.set_defaults(run=sign_in)

    p = sub.add_parser("me")
    p.add_argument("base"), p.add_argument("expect")
    p.add_argument("--cookies", required=True)
    p.set_defaults(run=me)

    for name, run in [("edit", edit), ("api-edit", api_edit)]:
        p = sub.add_parser(name)
        p.add_argument("base"), p.add_argument("item"), p.add_argument("title")
        p.add_argument("--cookies", required=True)
        p.set_defaults(run=run)

    p = sub.add_parser("wait-page")
    p.add_argument("base"), p.add_argument("path"), p.add_argument("text")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--cookies")
    p.set_defaults(run=wait_page)

    p = sub.add_parser("status")
    p.add_argument("base"), p.add_argument("path")
    p.add_argument("--method", default="GET")
    p.add_argument("--data", help="a form body, urlencoded")
    p.add_argument("--expect")
    p.add_argument("--cookies")
    p.set_defaults(run=status_of)

    p = sub.add_parser("hammer")
    p.add_argument("bases"), p.add_argument("name")
    p.add_argument("--count", type=int, default=30)
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(run=hammer)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
