#!/usr/bin/env bash
# Checks that a single-provider build of the facade compiles no other provider's SDK:
#
#   scripts/check-feature-isolation.sh            # every provider feature
#   scripts/check-feature-isolation.sh vault      # one
#
# For each feature it lists the normal (non-dev) dependency graph of
# `airflow-secrets --no-default-features --features <feature>` and fails when a crate of a guarded family
# (the provider SDKs, database drivers, and the TLS stacks we keep out) is not on that feature's
# allowlist — so a new transitive AWS/Google/Azure/Vault/SQL crate is a conscious decision, not an accident.
set -euo pipefail
cd "$(dirname "$0")/.."

# Crates that belong to some provider (vaultrs/rustify: no build uses them any more, keep them out),
# or to a TLS stack no build may contain (ring, OpenSSL).
FAMILIES='^(aws-|aws_|google-|google_|gcp|gcloud|azure-|azure_|typespec|vaultrs|rustify|sqlx|fernet|ring$|openssl$|openssl-sys$)'
# aws-lc-rs/aws-lc-sys are rustls' crypto provider in every build.
TLS='aws-lc-rs|aws-lc-sys'
AWS_SESSION='aws-config|aws-credential-types|aws-runtime|aws-sdk-sts|aws-sigv4|aws-smithy-.*|aws-types'

allowed_for() {
  case "$1" in
    # The aws_iam login signs sts:GetCallerIdentity with aws-sigv4 and reads sts:AssumeRole's XML with
    # aws-smithy-xml; without static keys it takes AWS's default credential chain (profile, web identity,
    # container, IMDS) from the AWS session crate, as Airflow takes boto3's: aws-config with its STS client.
    # No other AWS service crate, no Google or Azure crate: gcp login JWTs are signed locally.
    vault) echo "^($TLS|$AWS_SESSION)\$" ;;
    # The AWS session shared by both AWS backends (aws-config with STS, the smithy runtime), and each
    # backend's own service crate only: an SSM build has no Secrets Manager crate and the reverse.
    aws-ssm) echo "^($TLS|$AWS_SESSION|aws-sdk-ssm)\$" ;;
    aws-secrets-manager) echo "^($TLS|$AWS_SESSION|aws-sdk-secretsmanager)\$" ;;
    gcp-secret-manager) echo "^($TLS|google-cloud-.*)\$" ;;
    azure-key-vault) echo "^($TLS|azure_.*|typespec.*)\$" ;;
    metastore) echo "^($TLS|sqlx|sqlx-.*|fernet)\$" ;;
    *) echo "unknown feature $1" >&2; exit 2 ;;
  esac
}

check() {
  local feature="$1" allowed crates bad=()
  allowed="$(allowed_for "$feature")"
  crates="$(cargo tree -p airflow-secrets --no-default-features --features "$feature" -e normal \
    --prefix none --format '{p}' | awk '{print $1}' | sort -u)"
  if [ -z "$crates" ]; then
    echo "feature-isolation: cargo tree printed nothing for $feature" >&2
    exit 1
  fi
  while read -r crate; do
    if [[ "$crate" =~ $FAMILIES ]] && ! [[ "$crate" =~ $allowed ]]; then
      bad+=("$crate")
    fi
  done <<<"$crates"
  if [ "${#bad[@]}" -gt 0 ]; then
    echo "feature-isolation: FAIL: the '$feature'-only build pulls in: ${bad[*]}" >&2
    echo "  (see: cargo tree -p airflow-secrets --no-default-features --features $feature -e normal -i <crate>)" >&2
    return 1
  fi
  local guarded count
  guarded="$(grep -E "$FAMILIES" <<<"$crates" | tr '\n' ' ' || true)"
  count="$(wc -l <<<"$crates")"
  echo "feature-isolation: ok: '$feature'-only build ($count crates); guarded crates present: ${guarded:-none}"
}

features=("$@")
if [ "${#features[@]}" -eq 0 ]; then features=(vault aws-ssm aws-secrets-manager gcp-secret-manager azure-key-vault metastore); fi
status=0
for f in "${features[@]}"; do check "$f" || status=1; done
exit "$status"
