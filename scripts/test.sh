#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests drive when it is missing, then
# runs every test with cargo-nextest (profile `ci`: JUnit XML in target/nextest/ci/junit.xml,
# which .ci/run imports as our own verification evidence), then the doc tests, which nextest
# does not run. The real-browser tests drive Debian's Chromium through chromedriver and fail,
# rather than skip, without them; the static-search engine test runs the page's script under
# Node, which this machine kind ships.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromedriver >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi
cargo nextest run --workspace --locked --profile ci "$@"
cargo test --workspace --locked --doc
