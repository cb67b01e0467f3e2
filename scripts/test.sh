#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests drive when it is missing, then
# runs every test. The real-browser test (tests/it/browser.rs) drives Debian's Chromium through
# chromedriver and fails, rather than skips, without them; the static-search engine test runs
# the page's script under Node, which this machine kind ships.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromedriver >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
fi
exec cargo test --workspace --locked "$@"
