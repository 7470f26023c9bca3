#!/bin/sh
# Issue 17's figures on PostgreSQL, one benchmark after another (`make benchmark-postgres`):
#   1. the Celery first push: 2,000 researchers x 25 works, one worker as documented (bench_celery.py)
#   2. the reconcile's calls per record and budget share while a sync runs (bench_reconcile.py, default size)
#   3. the no-change run at 1,000,000 works: 20,000 researchers x 50 (bench_nochange.py)
#   4. CPU per bulk call at 25 and at 100 works per researcher, one bulk call each (bench_sync.py)
#   5. the works API at 2,000 works over HTTP, gunicorn with 3 workers (bench_works_api.py --gunicorn 3)
#
# Each benchmark has a PostgreSQL database of its own, created when missing (a role that may
# create databases) and EMPTIED by the benchmark before it loads: bench_pg_celery,
# bench_pg_reconcile, bench_pg_nochange, bench_pg_sync, bench_pg_works_api (prefix: BENCH_DB_PREFIX).
# At full size this takes some 20-30 minutes (estimated, not run) and the whole machine: run it on
# an otherwise idle host.
#
#   sh benchmarks/run_postgres.sh              # the sizes above
#   SMALL=1 sh benchmarks/run_postgres.sh      # every benchmark at a small size (a few minutes): does it run?
#   ONLY="sync works_api" sh benchmarks/run_postgres.sh
#
# Settings (environment): PGHOST (127.0.0.1), PGPORT (5432), PGUSER (orcid_portal),
# PGPASSWORD (orcid_portal), BENCH_DB_PREFIX (bench_pg_), SYNC_RESEARCHERS (1000: 1,000 bulk
# calls at each size, so the bucket's first burst of 40 is a small part), PYTHON (.venv/bin/python). PostgreSQL not running: `sh scripts/services.sh`.
set -eu

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-orcid_portal}
PGPASSWORD=${PGPASSWORD:-orcid_portal}
export PGHOST PGPORT PGUSER PGPASSWORD
PREFIX=${BENCH_DB_PREFIX:-bench_pg_}
SMALL=${SMALL:-}
ONLY=${ONLY:-celery reconcile nochange sync works_api}
export PORTAL_ENV_FILE=/nonexistent

if [ -n "$SMALL" ]; then
    CELERY="--researchers 20 --works 25"
    RECONCILE="--researchers 20 --paced-seconds 5"
    NOCHANGE="--researchers 200 --works 50"
    SYNC_RESEARCHERS=${SYNC_RESEARCHERS:-20}
    WORKS_API="--works 2000 --requests 10"
else
    CELERY="--researchers 2000 --works 25"
    RECONCILE=""
    NOCHANGE="--researchers 20000 --works 50"
    SYNC_RESEARCHERS=${SYNC_RESEARCHERS:-1000}
    WORKS_API="--works 2000 --requests 40"
fi

pg_isready -q || { echo "PostgreSQL does not answer on $PGHOST:$PGPORT (start it: sh scripts/services.sh)" >&2; exit 1; }

database() {  # the URL of the benchmark's own database, created when missing
    name="$PREFIX$1"
    if [ "$(psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
        psql -d postgres -qc "CREATE DATABASE \"$name\""
        echo "(created database $name)" >&2
    fi
    echo "postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$name"
}

header() {
    echo
    echo "######## $* ($(date '+%F %T'); load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores)"
}

for bench in $ONLY; do
    case $bench in
    celery)
        header "1. Celery first push: $CELERY, one worker (bench_celery.py)"
        url=$(database celery)
        # shellcheck disable=SC2086
        "$PYTHON" benchmarks/bench_celery.py $CELERY --database "$url"
        ;;
    reconcile)
        header "2. Reconcile: reads per record, budget share while a sync runs (bench_reconcile.py $RECONCILE)"
        url=$(database reconcile)
        # shellcheck disable=SC2086
        "$PYTHON" benchmarks/bench_reconcile.py $RECONCILE --database "$url"
        ;;
    nochange)
        header "3. No-change run: $NOCHANGE (bench_nochange.py)"
        url=$(database nochange)
        # shellcheck disable=SC2086
        "$PYTHON" benchmarks/bench_nochange.py $NOCHANGE --database "$url"
        ;;
    sync)
        url=$(database sync)
        for works in 25 100; do
            header "4. CPU per bulk call: $SYNC_RESEARCHERS researchers x $works works (bench_sync.py)"
            "$PYTHON" benchmarks/bench_sync.py --researchers "$SYNC_RESEARCHERS" --works "$works" --database "$url"
        done
        ;;
    works_api)
        header "5. Works API: $WORKS_API, gunicorn 3 workers over HTTP (bench_works_api.py)"
        url=$(database works_api)
        # shellcheck disable=SC2086
        "$PYTHON" benchmarks/bench_works_api.py $WORKS_API --gunicorn 3 --database "$url"
        ;;
    *)
        echo "unknown benchmark: $bench (celery reconcile nochange sync works_api)" >&2
        exit 2
        ;;
    esac
done
echo
echo "######## done ($(date '+%F %T'))"
