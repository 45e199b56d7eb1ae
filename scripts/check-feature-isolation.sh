#!/usr/bin/env bash
# Checks that a single-provider build of the facade compiles no other provider's SDK:
#
#   scripts/check-feature-isolation.sh            # every provider listed below
#   scripts/check-feature-isolation.sh vault      # one
#
# For each feature it lists the normal (non-dev) dependency graph of
# `airflow-secrets --no-default-features --features <feature>` and fails when a crate matches the
# feature's forbidden pattern, or when a crate of a guarded family is not on the feature's allowlist
# (so a new transitive AWS/Google/Azure crate is a conscious decision, not an accident).
set -euo pipefail
cd "$(dirname "$0")/.."

# The crates a build may contain, by family prefix. Anything of a family that is not allowed fails.
FAMILIES='^(aws-|aws_|google-|google_|gcp|gcloud|azure-|azure_|ring$|openssl$|openssl-sys$)'

allowed_for() {
  case "$1" in
    # vault: aws-lc-rs/aws-lc-sys are rustls' crypto provider (every build has them). The aws_iam login
    # signs sts:GetCallerIdentity with aws-sigv4 (+ aws-credential-types) and reads sts:AssumeRole's XML
    # with aws-smithy-xml; the aws-smithy-* below come with those two. No AWS SDK service crate, no
    # aws-config (no credential chain, no IMDS), no aws-smithy-runtime/http-client, no Google or Azure
    # crate: gcp login JWTs are signed locally with jsonwebtoken.
    vault)
      echo 'aws-lc-rs aws-lc-sys aws-sigv4 aws-credential-types aws-smithy-async aws-smithy-http
            aws-smithy-runtime-api aws-smithy-runtime-api-macros aws-smithy-schema aws-smithy-types
            aws-smithy-xml'
      ;;
    *) echo "unknown feature $1" >&2; exit 2 ;;
  esac
}

check() {
  local feature="$1" allowed crates bad=()
  allowed=" $(allowed_for "$feature" | tr -s ' \n' ' ') "
  crates="$(cargo tree -p airflow-secrets --no-default-features --features "$feature" -e normal \
    --prefix none --format '{p}' | awk '{print $1}' | sort -u)"
  if [ -z "$crates" ]; then
    echo "feature-isolation: cargo tree printed nothing for $feature" >&2
    exit 1
  fi
  while read -r crate; do
    if [[ "$crate" =~ $FAMILIES ]] && [[ "$allowed" != *" $crate "* ]]; then
      bad+=("$crate")
    fi
  done <<<"$crates"
  if [ "${#bad[@]}" -gt 0 ]; then
    echo "feature-isolation: FAIL: the '$feature'-only build pulls in: ${bad[*]}" >&2
    echo "  (see: cargo tree -p airflow-secrets --no-default-features --features $feature -e normal -i <crate>)" >&2
    return 1
  fi
  local guarded
  guarded="$(grep -E "$FAMILIES" <<<"$crates" | tr '\n' ' ' || true)"
  echo "feature-isolation: ok: '$feature'-only build; guarded crates present: ${guarded:-none}"
}

features=("$@")
if [ "${#features[@]}" -eq 0 ]; then features=(vault); fi
status=0
for f in "${features[@]}"; do check "$f" || status=1; done
exit "$status"
