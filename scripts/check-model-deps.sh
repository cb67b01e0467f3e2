#!/usr/bin/env bash
# Dependency rules of the crates (ARCHITECTURE.md), checked on their normal dependency trees
# (`cargo tree -e normal`, so dev-dependencies of tests do not count). Fails listing offenders.
#
# 1. tracebook-model stays pure (STYLE.md): no async runtime, database, git, templates, web or
#    file walking.
# 2. tracebook-worker, tracebook-store and tracebook-edit link no HTTP stack: the worker runs
#    without the server, and only tracebook-api (and the CLI above it) may know about HTTP.
#    Denied: the server framework (axum, axum-core, axum-extra), its middleware (tower,
#    tower-http), the HTTP implementation (hyper, hyper-util, h2, http, http-body,
#    http-body-util) and the
#    HTTP client (reqwest), and tracebook-api itself.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0

# The crates of `$1`'s normal dependency tree, one `name vX.Y.Z` a line. A plain assignment,
# so that a failing `cargo tree` stops the script (set -e) rather than pass as "no offenders".
tree_of() {
  cargo tree -p "$1" -e normal --prefix none --locked | sort -u
}

model_deny='^(tokio|sqlx|redis|git2|tera|axum|hyper|reqwest|walkdir|rayon|tantivy|notify) '
tree=$(tree_of tracebook-model)
found=$(grep -E "$model_deny" <<<"$tree" || true)
if [ -n "$found" ]; then
  echo "tracebook-model depends on crates it must not use:" >&2
  echo "$found" >&2
  status=1
else
  echo "tracebook-model dependencies: ok"
fi

http_deny='^(axum|axum-core|axum-extra|tower|tower-http|hyper|hyper-util|h2|http|http-body|http-body-util|reqwest|tracebook-api) '
for crate in tracebook-worker tracebook-store tracebook-edit; do
  tree=$(tree_of "$crate")
  found=$(grep -E "$http_deny" <<<"$tree" || true)
  if [ -n "$found" ]; then
    echo "$crate links the HTTP stack, which only tracebook-api may use:" >&2
    echo "$found" >&2
    status=1
  else
    echo "$crate dependencies: no HTTP stack: ok"
  fi
done

exit "$status"
