#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read untrusted files, with cargo-fuzz (libFuzzer):
#   item    item files (Markdown front matter and YAML lists) against our tracebook.yaml
#   yaml    the located YAML reader
#   config  tracebook.yaml
#   junit   imported test results (JUnit XML, run.yaml)
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 45 s, every target)
# A long run, e.g. overnight: scripts/fuzz.sh 28800 item
#
# Seeds come from the repository (tests/fixtures/, content/, results/) and fuzz/regressions/
# (inputs that once crashed); what the fuzzer learns is kept in fuzz/corpus/ (not committed).
# A crash stops the run with a non-zero exit; its input is in fuzz/artifacts/TARGET/. Keep it
# under fuzz/regressions/TARGET/ with a regression test in the model crate.
# cargo-fuzz needs nightly compiler flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-45}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(item yaml config junit)

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

# Seed folders, rebuilt from the repository on every run.
seeds=target/fuzz-seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{item,yaml,config,junit}
copy() { # copy FOLDER FILES... : each file under a name unique to its path
  local folder="$1"; shift
  for file in "$@"; do cp "$file" "$folder/$(echo "$file" | tr '/' '_')"; done
}
mapfile -t markdown < <(find content tests/fixtures -name '*.md' -type f | sort)
mapfile -t yaml_items < <(find tests/fixtures -path '*/content/*' -name '*.yaml' -type f | sort)
mapfile -t configs < <(find . tests/fixtures -maxdepth 4 -name tracebook.yaml -type f \
  -not -path './target/*' -not -path './fuzz/*' | sort -u)
mapfile -t junit < <(find tests/fixtures results -name '*.xml' -type f | sort)
mapfile -t runs < <(find tests/fixtures results -name run.yaml -type f | sort)
# The item and junit targets read a selector byte first: 0 (Markdown / run.yaml) or 1.
for file in "${markdown[@]}"; do
  { printf '\0'; cat "$file"; } >"$seeds/item/$(echo "$file" | tr '/' '_')"
  # The front matter alone, for the YAML reader.
  awk 'NR==1 && $0=="---" {on=1; next} on && $0=="---" {exit} on {print}' "$file" \
    >"$seeds/yaml/$(echo "$file" | tr '/' '_')"
done
for file in "${yaml_items[@]}"; do
  { printf '\1'; cat "$file"; } >"$seeds/item/$(echo "$file" | tr '/' '_')"
done
copy "$seeds/yaml" "${configs[@]}" "${yaml_items[@]}"
copy "$seeds/config" "${configs[@]}"
for file in "${junit[@]}"; do
  { printf '\1'; cat "$file"; } >"$seeds/junit/$(echo "$file" | tr '/' '_')"
done
for file in "${runs[@]}"; do
  { printf '\0'; cat "$file"; } >"$seeds/junit/$(echo "$file" | tr '/' '_')"
done

cd fuzz
status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "regressions/$target" "artifacts/$target"
  echo "== fuzz $target: ${seconds} s"
  log="../target/fuzz-$target.log"
  # -max_len: JUnit files of real suites are large; item files are small.
  max_len=16384
  [ "$target" = junit ] && max_len=262144
  if cargo fuzz run "$target" "corpus/$target" "../$seeds/$target" "regressions/$target" -- \
      -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
    result="no crash"
  else
    result="FAILED (see $log and fuzz/artifacts/$target/)"
    status=1
    tail -n 40 "$log"
  fi
  executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  corpus=$(find "corpus/$target" -type f | wc -l)
  echo "fuzz $target: ${executions} executions, corpus ${corpus} inputs, ${result}"
done
exit "$status"
