#!/usr/bin/env bash
# Feature isolation, measured: for the facade with no provider, each single provider, and all providers,
# prints the number of crates in the dependency graph and the time of a clean debug build (each in its own
# fresh target directory, so nothing is shared), plus the stripped size of the release CLI.
#
#   scripts/bench-build.sh            # all rows (about 15 minutes on 2 cores)
#   scripts/bench-build.sh vault      # one feature
set -euo pipefail
cd "$(dirname "$0")/.."

features=("$@")
if [ "${#features[@]}" -eq 0 ]; then
  features=(none vault aws-ssm aws-secrets-manager gcp-secret-manager azure-key-vault metastore all-providers)
fi
cargo fetch -q
printf '%-20s %8s %12s\n' feature crates "clean build"
for f in "${features[@]}"; do
  flags=(--no-default-features)
  [ "$f" != none ] && flags+=(--features "$f")
  crates=$(cargo tree -p airflow-secrets "${flags[@]}" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | wc -l)
  dir=$(mktemp -d)
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$dir" cargo build -q -p airflow-secrets "${flags[@]}"
  end=$(date +%s.%N)
  rm -rf "$dir"
  printf '%-20s %8s %11.0fs\n' "$f" "$crates" "$(echo "$end - $start" | bc)"
done
