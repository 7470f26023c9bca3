#!/bin/sh
# Makes PostgreSQL, Redis and Chromium available for the test suite, on loopback only.
# Installs the Debian packages when missing and we are root; starts what is not running.
# Prints shell assignments (TEST_DATABASE_URL, TEST_REDIS_URL, CHROMIUM) for what is usable;
# everything else goes to stderr.
set -u
log() { echo "services: $*" >&2; }
is_root() { [ "$(id -u)" = "0" ]; }

missing=""
command -v pg_ctlcluster >/dev/null 2>&1 || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
if [ -n "$missing" ]; then
  if is_root && command -v apt-get >/dev/null 2>&1; then
    log "installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || log "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing fonts-liberation >&2 || log "apt-get install failed"
  else
    log "missing:$missing (run as root to install them)"
  fi
fi

# PostgreSQL: start the first cluster, make the role the tests use (it creates test databases).
if command -v pg_ctlcluster >/dev/null 2>&1; then
  cluster=$(pg_lsclusters -h 2>/dev/null | head -n 1)
  if [ -z "$cluster" ] && is_root; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
    pg_createcluster "$version" main >&2 && cluster=$(pg_lsclusters -h | head -n 1)
  fi
  if [ -n "$cluster" ]; then
    version=$(echo "$cluster" | awk '{print $1}'); name=$(echo "$cluster" | awk '{print $2}')
    port=$(echo "$cluster" | awk '{print $3}'); status=$(echo "$cluster" | awk '{print $4}')
    if [ "$status" != "online" ] && is_root; then
      pg_ctlcluster "$version" "$name" start >&2 || log "could not start PostgreSQL $version/$name"
    fi
    if is_root; then
      su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='orcid_portal'\"" 2>/dev/null | grep -q 1 || \
        su postgres -c "psql -p $port -qc \"CREATE ROLE orcid_portal LOGIN PASSWORD 'orcid_portal' CREATEDB\"" >&2
      su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_database WHERE datname='orcid_portal'\"" 2>/dev/null | grep -q 1 || \
        su postgres -c "createdb -p $port -O orcid_portal orcid_portal" >&2
    fi
    if PGPASSWORD=orcid_portal psql -h 127.0.0.1 -p "$port" -U orcid_portal -d orcid_portal -qtAc "SELECT 1" >/dev/null 2>&1; then
      echo "TEST_DATABASE_URL=postgres://orcid_portal:orcid_portal@127.0.0.1:$port/orcid_portal"
    else
      log "PostgreSQL is not reachable on 127.0.0.1:$port"
    fi
  fi
fi

# Redis, on loopback only.
if command -v redis-server >/dev/null 2>&1; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2 || log "could not start Redis"
    sleep 0.5
  fi
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "TEST_REDIS_URL=redis://127.0.0.1:6379/15"
  fi
fi

if [ -x /usr/bin/chromium ]; then
  echo "CHROMIUM=/usr/bin/chromium"
fi
exit 0
