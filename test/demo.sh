#!/usr/bin/env bash
# test/demo.sh: the demo.  Installs what is missing (Debian 12), builds and
# installs booking, starts a throwaway PostgreSQL 15 cluster, loads three
# tenants' data (test/data/demo.sql) and shows the engine at work
# (test/data/demo_show.sql, which writes the picture of an instructor's day
# to build/demo-day.svg), then the reference outbox relay drains the outbox
# (test/relay.sh).  The cluster is dropped at the end.
set -eu
cd "$(dirname "$0")/.."
export PATH="/usr/lib/postgresql/15/bin:$PATH"
bash test/setup.sh
mkdir -p build
pg_virtualenv -t bash -c '
	set -e
	createdb booking_demo
	psql -X -q -d booking_demo -c "CREATE EXTENSION booking CASCADE" 2>&1 | grep -v "^NOTICE" || true
	echo "loading three tenants ..."
	psql -X -q -d booking_demo -v scale="${DEMO_SCALE:-1}" -f test/data/demo.sql
	psql -X -q -d booking_demo -f test/data/demo_show.sql
	xmllint --noout build/demo-day.svg && echo "the picture of a day (booking.day_svg): $(pwd)/build/demo-day.svg"
	echo "== The reference relay (test/relay.sh) drains the outbox as a relay role (no table privilege, no identity) =="
	psql -X -q -d booking_demo -c "CREATE ROLE booking_demo_relay" -c "SELECT booking.grant_relay_role('"'"'booking_demo_relay'"'"')" >/dev/null
	PGDATABASE=booking_demo PGOPTIONS="-c role=booking_demo_relay" bash test/relay.sh --drain --name demo-relay |
		awk '"'"'NR <= 12 { print } { last = $0 } END { if (NR > 12) { print "..."; print last } }'"'"'
'
