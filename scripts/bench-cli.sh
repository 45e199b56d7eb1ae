#!/usr/bin/env bash
# CLI start-up, end to end (process start to exit), with hyperfine: `airflow-secrets get variable my_var`
# with the local-filesystem backend (the shipped examples/data files) and with Vault (an OpenBao dev server
# on 127.0.0.1, token auth), plus the size of the stripped release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "installing hyperfine (apt-get)"; apt-get install -y -qq hyperfine >/dev/null; }
scripts/setup-test-env.sh >/dev/null
export PATH="$PWD/.venv/bin:$PATH"

cargo build -q --release -p airflow-secrets-cli
bin="${CARGO_TARGET_DIR:-target}/release/airflow-secrets"
echo "release binary: $(du -h "$bin" | cut -f1) ($(stat -c %s "$bin") bytes, stripped, all providers)"

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT

data="$PWD/examples/data"
export HOME="$work" AIRFLOW_HOME="$work/airflow"
hyperfine -N --warmup 20 --runs 200 --export-json "$work/local.json" \
  -n "get variable (local files)" \
  "env AIRFLOW__SECRETS__BACKEND=airflow.secrets.local_filesystem.LocalFilesystemBackend AIRFLOW__SECRETS__BACKEND_KWARGS='{\"variables_file_path\":\"$data/variables.json\"}' $bin get variable my_var"

port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bao server -dev -dev-listen-address="127.0.0.1:$port" -dev-root-token-id=bench-token >"$work/bao.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do bao status -address="http://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.1; done
BAO_ADDR="http://127.0.0.1:$port" BAO_TOKEN=bench-token bao kv put secret/variables/my_var value=my-test-variable >/dev/null
hyperfine -N --warmup 20 --runs 200 --export-json "$work/vault.json" \
  -n "get variable (Vault, token auth)" \
  "env AIRFLOW__SECRETS__BACKEND=airflow.providers.hashicorp.secrets.vault.VaultBackend AIRFLOW__SECRETS__BACKEND_KWARGS='{\"url\":\"http://127.0.0.1:$port\",\"token\":\"bench-token\"}' $bin get variable my_var"
