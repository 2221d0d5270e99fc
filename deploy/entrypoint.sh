#!/bin/sh
# Rumbo's container entrypoint. With no arguments: wait (bounded) for the database, migrate,
# make sure a signing key exists, optionally seed, then `rumbo serve`. With arguments: run them
# (`docker run IMAGE rumbo backup /backups/x.tar`). Every step is bounded; any failure stops the
# container with a non-zero code, so an orchestrator restarts it or says why.
#
# RUMBO_MIGRATE_ON_START  true (default) | false  run `rumbo migrate` (takes a lock on PostgreSQL,
#                                                  so several API containers may start at once)
# RUMBO_DB_WAIT_SECONDS   60                       how long to wait for the database
# RUMBO_CREATE_KEYS       true (default) | false   `rumbo keys generate` when RUMBO_KEYS_DIR has none
# RUMBO_SEED_ON_START     false (default) | true   `rumbo seed --if-empty` (demo and field laptops)
# RUMBO_WORKERS           2                        worker processes of `rumbo serve`
set -eu

RUMBO="${RUMBO_BIN:-rumbo}"

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

wait_for_database() {
  limit="${RUMBO_DB_WAIT_SECONDS:-60}"
  waited=0
  until "$RUMBO" check-database >/dev/null 2>&1; do
    if [ "$waited" -ge "$limit" ]; then
      echo "entrypoint: the database did not answer within ${limit}s" >&2
      "$RUMBO" check-database || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

wait_for_database
if [ "${RUMBO_MIGRATE_ON_START:-true}" = "true" ]; then
  "$RUMBO" migrate
fi
if [ "${RUMBO_CREATE_KEYS:-true}" = "true" ]; then
  "$RUMBO" keys generate
fi
if [ "${RUMBO_SEED_ON_START:-false}" = "true" ]; then
  "$RUMBO" seed --if-empty
fi
exec "$RUMBO" serve --workers "${RUMBO_WORKERS:-2}"
