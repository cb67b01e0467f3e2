#!/usr/bin/env bash
# tracebook-model must stay pure (STYLE.md): no async runtime, database, git, templates, web or
# file walking in its normal dependency tree. Fails listing the offenders.
set -euo pipefail
cd "$(dirname "$0")/.."
deny='^(tokio|sqlx|redis|git2|tera|axum|hyper|reqwest|walkdir|rayon|tantivy|notify) '
found=$(cargo tree -p tracebook-model -e normal --prefix none --locked | sort -u | grep -E "$deny" || true)
if [ -n "$found" ]; then
  echo "tracebook-model depends on crates it must not use:" >&2
  echo "$found" >&2
  exit 1
fi
echo "tracebook-model dependencies: ok"
