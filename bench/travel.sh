#!/usr/bin/env bash
# bench/travel.sh: the travel-time benchmark (bench/travel.sql) in a fresh
# database of the server given by the PG* environment variables.
set -eu
cd "$(dirname "$0")"
db=booking_bench_travel
dropdb --if-exists "$db" && createdb "$db"
psql -X -q -d "$db" -f travel.sql
dropdb "$db"
