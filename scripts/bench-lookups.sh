#!/usr/bin/env bash
# The lookup benchmark in one command: starts OpenBao and moto on 127.0.0.1, seeds one variable in each
# store (Vault KV, SSM, Secrets Manager), runs crates/bench (the bench-lookups program) in release mode
# against all three, and stops the servers (by PID).
#
#   scripts/bench-lookups.sh                 # table
#   scripts/bench-lookups.sh --json          # JSON
#   scripts/bench-lookups.sh -n 5000 -c 32   # any bench-lookups option
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-test-env.sh >/dev/null
export PATH="$PWD/.venv/bin:$PATH"

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    if .venv/bin/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench-lookups: server on port $1 did not start" >&2; return 1
}

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

vault_port=$(free_port)
token=bench-root-token
HOME="$work" bao server -dev -dev-listen-address="127.0.0.1:$vault_port" -dev-root-token-id="$token" \
  >"$work/bao.log" 2>&1 &
pids+=($!)
ssm_port=$(free_port)
.venv/bin/python -m moto.server -H 127.0.0.1 -p "$ssm_port" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_port "$vault_port"
wait_port "$ssm_port"

HOME="$work" BAO_ADDR="http://127.0.0.1:$vault_port" BAO_TOKEN="$token" \
  bao kv put secret/variables/bench_var value=bench-value >/dev/null
AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
  .venv/bin/python - "$ssm_port" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/",
    data=json.dumps({"Name": "/airflow/variables/bench_var", "Value": "bench-value", "Type": "SecureString"}).encode(),
    headers={"X-Amz-Target": "AmazonSSM.PutParameter", "Content-Type": "application/x-amz-json-1.1",
             "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0"},
)
urllib.request.urlopen(req).read()
req = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/",
    data=json.dumps({"Name": "airflow/variables/bench_var", "SecretString": "bench-value"}).encode(),
    headers={"X-Amz-Target": "secretsmanager.CreateSecret", "Content-Type": "application/x-amz-json-1.1",
             "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0"},
)
urllib.request.urlopen(req).read()
PY

AWS_EC2_METADATA_DISABLED=true BENCH_VAULT_TOKEN="$token" \
  cargo run -q --release -p airflow-secrets-bench -- \
  --vault-url "http://127.0.0.1:$vault_port" --ssm-endpoint "http://127.0.0.1:$ssm_port" \
  --secrets-manager-endpoint "http://127.0.0.1:$ssm_port" "$@"
