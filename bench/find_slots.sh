#!/usr/bin/env bash
# bench/find_slots.sh: the paged best-first booking.find_slots
# (bench/find_slots.sql) on the data of bench/solver_data.sql, in a fresh
# database of the server given by the PG* environment variables.  Prints
# that the pages equal the unpaged list, the timings (best of several runs,
# interleaved, one backend) and their ratios.  KEEP=1 keeps the database
# booking_bench_find_slots; REUSE=1 uses a kept one.
set -eu
cd "$(dirname "$0")/.."
db=booking_bench_find_slots
if [ "${REUSE:-0}" != 1 ]; then
	dropdb --if-exists "$db" >/dev/null 2>&1
	createdb "$db"
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION booking CASCADE" -f bench/solver_data.sql >/dev/null
fi
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f bench/find_slots.sql
[ "${KEEP:-0}" = 1 ] || [ "${REUSE:-0}" = 1 ] || dropdb "$db"
