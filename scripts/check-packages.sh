#!/usr/bin/env bash
# Packages every published crate the way `cargo publish` would (dependency order handled by cargo:
# unpublished workspace dependencies come from a local registry overlay) and checks what each package
# holds: no target/ directory, no key or credential file, no file over 256 KiB, the crate's README.
# Prints each package's size and file count.
#
#   scripts/check-packages.sh            # package and verify (builds each package from its tarball)
#   scripts/check-packages.sh --no-verify
set -euo pipefail
cd "$(dirname "$0")/.."

# publish = false: the test kit, the Azure mock, the benchmark, the workspace root.
unpublished=(airflow-secrets-testkit airflow-secrets-azure-key-vault-mock airflow-secrets-bench airflow-secrets-workspace)
excludes=()
for p in "${unpublished[@]}"; do excludes+=(--exclude "$p"); done

published=(airflow-secrets-core airflow-secrets airflow-secrets-cli airflow-secrets-vault
  airflow-secrets-aws-session airflow-secrets-aws-ssm airflow-secrets-aws-secrets-manager
  airflow-secrets-gcp-secret-manager airflow-secrets-azure-key-vault airflow-secrets-metastore)

# The verification builds each package against its siblings from a local registry overlay, at the same
# version every time. Cargo never re-extracts nor rebuilds a registry crate it already has, so a machine
# that verified an older tree would build against the old siblings: their extracted sources (under the
# overlay's `registry/src/-<hash>/` in CARGO_HOME) and their builds in target/ are removed first.
clean=()
for p in "${published[@]}"; do
  clean+=(-p "$p")
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$p"-[0-9]*
done
cargo clean -q "${clean[@]}"

cargo package --workspace "${excludes[@]}" --allow-dirty "$@"

version=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "airflow-secrets"))')
dir="${CARGO_TARGET_DIR:-target}/package"

status=0
printf '%-48s %10s %6s\n' package bytes files
for name in "${published[@]}"; do
  crate="$dir/$name-$version.crate"
  if [ ! -f "$crate" ]; then
    echo "check-packages: $crate was not produced" >&2; status=1; continue
  fi
  files=$(tar -tzf "$crate")
  name="$name-$version"
  printf '%-48s %10s %6s\n' "$name" "$(stat -c %s "$crate")" "$(wc -l <<<"$files")"
  if grep -Eq '(^|/)target/' <<<"$files"; then
    echo "check-packages: $name holds a target/ directory" >&2; status=1
  fi
  if grep -Eiq '\.(pem|key|p12|pfx|crt|der)$|(^|/)\.env$|id_rsa|credentials' <<<"$files"; then
    echo "check-packages: $name holds a key or credential file: $(grep -Ei '\.(pem|key|p12|pfx|crt|der)$|(^|/)\.env$|id_rsa|credentials' <<<"$files" | tr '\n' ' ')" >&2
    status=1
  fi
  if ! grep -q "^$name/README.md$" <<<"$files"; then
    echo "check-packages: $name has no README.md" >&2; status=1
  fi
  big=$(tar -tvzf "$crate" | awk '$3 > 262144 {print $6 " (" $3 " bytes)"}')
  if [ -n "$big" ]; then
    echo "check-packages: $name holds files over 256 KiB: $big" >&2; status=1
  fi
done
exit "$status"
