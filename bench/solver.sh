#!/usr/bin/env bash
# bench/solver.sh: the availability solver benchmark (bench/solver.sql) in a
# fresh database of the server given by the PG* environment variables; the
# SQL reference comes from test/reference/slots_reference.sql.  Prints the
# data's size, that the C solver and the reference agree, the timings and
# their ratios, the median and p99 of single calls, and the backend's memory
# before and after 100,000 calls (read from /proc: run it as a superuser).
# KEEP=1 keeps the database booking_bench_solver.
set -eu
cd "$(dirname "$0")/.."
db=booking_bench_solver
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION booking CASCADE" -f test/reference/slots_reference.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/solver.sql
[ "${KEEP:-0}" = 1 ] || dropdb "$db"
