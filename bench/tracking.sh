#!/usr/bin/env bash
# bench/tracking.sh: GPS ingestion and trip figures (bench/tracking.sql) in a
# fresh database of the server given by the PG* environment variables.
set -eu
cd "$(dirname "$0")"
db=booking_bench_tracking
dropdb --if-exists "$db" && createdb "$db"
psql -X -q -d "$db" -f tracking.sql
dropdb "$db"
psql -X -q -c "DROP ROLE IF EXISTS bench_trk_app" >/dev/null
rm -f /tmp/booking_bench_tracking.copy /tmp/booking_bench_tracking_staged_[123].copy
