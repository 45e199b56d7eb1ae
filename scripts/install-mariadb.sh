#!/usr/bin/env bash
# Installs the MariaDB server binaries the metastore's MySQL-dialect test starts on 127.0.0.1
# (mariadbd, mariadb-install-db), idempotently, and prints where they are.
#
# Nothing is started here: the test runs `mariadb-install-db` in a temporary directory, starts its own
# server on a free loopback port and stops it. Run as root on Debian/Ubuntu (apt-get), or with sudo.
set -euo pipefail

find_bin() {
  local name dir
  for name in "$@"; do
    for dir in $(echo "$PATH" | tr ':' ' ') /usr/sbin /usr/bin; do
      if [ -x "$dir/$name" ]; then
        echo "$dir/$name"
        return 0
      fi
    done
  done
  return 1
}

if ! find_bin mariadbd mysqld >/dev/null || ! find_bin mariadb-install-db mysql_install_db >/dev/null; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-mariadb.sh: MariaDB server binaries not found and apt-get is not available;" >&2
    echo "install the MariaDB (or MySQL) server package with your package manager." >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-mariadb.sh: MariaDB is not installed; run this script as root (or with sudo)." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
fi

server=$(find_bin mariadbd mysqld) || { echo "install-mariadb.sh: mariadbd not found after installing" >&2; exit 1; }
echo "MariaDB server: $server ($("$server" --version))"
