#!/usr/bin/env bash
# Property-based probe of the JSON API with schemathesis, from the server's own OpenAPI document.
#
# usage: scripts/probe-api.sh [SECONDS]        (default 150: the time budget of the fuzzing)
#        PROBE_SEED=N replays a run; PROBE_BIN=PATH probes that binary instead of a debug build
#
# Serves a temporary copy of tests/fixtures/valid/minimal (in a git repository of its own,
# accounts in SQLite: the embedded defaults) with `tracebook serve`, signed in as an editor
# through an API token made with the CLI, and lets schemathesis generate requests for every
# documented operation (examples, coverage, fuzzing and stateful phases). Fails on any:
# - 5xx answer, or an answer (status, content type, headers, body) the document does not allow;
# - accepted invalid input or refused valid input, ignored authentication;
# - request answered with an error that committed something or left the work tree dirty, or a
#   write answered before its commit (scripts/probe_api_hooks.py);
# - answer without the security headers and `Cache-Control: no-store`.
# Reports (JUnit, NDJSON) go to target/probe-api/.
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-150}"
repo_root=$(pwd)

venv=target/probe-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$(grep -o '[0-9.]*$' scripts/probe-requirements.txt)"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r scripts/probe-requirements.txt
fi
# PROBE_BIN=path probes another build (a release binary, say) instead of building one.
bin="${PROBE_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --locked --quiet --bin tracebook
  bin="$repo_root/target/debug/tracebook"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

project="$work/project"
cp -r tests/fixtures/valid/minimal "$project"
printf '.tracebook/\n' >"$project/.gitignore"
git -C "$project" init --quiet --initial-branch=main
git -C "$project" add -A
git -C "$project" -c user.name=probe -c user.email=probe@example.invalid commit --quiet -m "fixture"

echo "a long probe password" | "$bin" user add probe-editor --role editor --password-stdin --root "$project" >/dev/null
token=$("$bin" token create --user probe-editor --name probe --root "$project" | tail -n 1)

# The git hook on (with a secret no request knows), so its signature check is probed too.
TRACEBOOK_WEBHOOK_SECRET="probe-$RANDOM$RANDOM" "$bin" serve "$project" --port 0 --out "$work/site" >"$work/serve.out" 2>"$work/serve.log" &
server=$!
base=""
for _ in $(seq 1 600); do
  base=$(grep -o 'http://[0-9.]*:[0-9]*' "$work/serve.out" | head -n 1 || true)
  if [ -n "$base" ] && curl -fs "$base/healthz" >/dev/null; then break; fi
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; echo "tracebook serve exited"; exit 1; }
  sleep 0.2
done
[ -n "$base" ] || { cat "$work/serve.log"; echo "tracebook serve did not come up"; exit 1; }
curl -fs -H "Authorization: Bearer $token" "$base/api/openapi.json" >"$work/openapi.json"
echo "== probing $base with schemathesis (${budget} s, document: $(wc -c <"$work/openapi.json") bytes)"

reports=target/probe-api
rm -rf "$reports"
mkdir -p "$reports"
status=0
PYTHONPATH=scripts SCHEMATHESIS_HOOKS=probe_api_hooks PROBE_REPO="$project" \
  "$venv/bin/schemathesis" --config-file scripts/probe-schemathesis.toml \
    run "$work/openapi.json" --url "$base" \
    -H "Authorization: Bearer $token" \
    --checks all --workers 1 --max-time "$budget" --request-timeout 30 \
    --seed "${PROBE_SEED:-$RANDOM}" --suppress-health-check all --no-color \
    --report junit,ndjson --report-dir "$reports" || status=$?

# The summary: requests sent, checks run, failures (from the NDJSON events).
python3 - "$reports" "$project" <<'PY'
import glob, json, subprocess, sys
requests = checks = failed = 0
for path in glob.glob(f"{sys.argv[1]}/*.ndjson"):
    for line in open(path):
        event = json.loads(line)
        for name, body in event.items():
            if name != "ScenarioFinished":
                continue
            for interaction in (body.get("recorder") or {}).get("interactions", {}).values():
                requests += 1
            for case_checks in (body.get("recorder") or {}).get("checks", {}).values():
                for check in case_checks:
                    checks += 1
                    failed += str(check.get("status")).upper() == "FAILURE"
commits = subprocess.run(["git", "-C", sys.argv[2], "rev-list", "--count", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
print(f"probe-api: {requests} requests, {checks} checks, {failed} failed checks, "
      f"{int(commits) - 1} commits made by the API")
PY
if [ "$status" -ne 0 ]; then
  echo "probe-api: FAILED (schemathesis exit $status; server log: last lines below)"
  tail -n 20 "$work/serve.log"
fi
exit "$status"
