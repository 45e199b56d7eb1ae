#!/usr/bin/env bash
# Installs the PostgreSQL server binaries the metastore tests start on 127.0.0.1 (initdb, pg_ctl,
# postgres), idempotently, and prints where they are.
#
# Debian keeps them in /usr/lib/postgresql/<version>/bin, off PATH; the tests look there (and on PATH).
# Nothing is started here: each test runs `initdb` in a temporary directory, starts its own server on a
# free loopback port and stops it. Run as root on Debian/Ubuntu (apt-get), or with sudo.
set -euo pipefail

find_bindir() {
  local dir
  # Highest version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if ! bindir=$(find_bindir); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgres.sh: PostgreSQL server binaries not found and apt-get is not available;" >&2
    echo "install the PostgreSQL server package (initdb, pg_ctl, postgres) with your package manager." >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-postgres.sh: PostgreSQL is not installed; run this script as root (or with sudo)." >&2
    exit 1
  fi
  # The tests start their own throw-away servers: keep the package from creating (and starting) the
  # system-wide "main" cluster on port 5432.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    postgresql >/dev/null
  bindir=$(find_bindir) || {
    echo "install-postgres.sh: apt-get installed postgresql but no initdb/pg_ctl/postgres was found under /usr/lib/postgresql/*/bin" >&2
    exit 1
  }
fi

# As root the tests run the server as this user (PostgreSQL refuses to run as root); the package creates it.
if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
  echo "install-postgres.sh: warning: no 'postgres' user; the tests will run the server as 'nobody'" >&2
fi

echo "PostgreSQL server binaries: $bindir ($("$bindir/postgres" --version))"
