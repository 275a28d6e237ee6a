#!/usr/bin/env bash
# test/demo.sh: the demo.  Installs what is missing (Debian 12), builds and
# installs booking, starts a throwaway PostgreSQL 15 cluster, loads three
# tenants' data (test/data/demo.sql) and shows the engine at work
# (test/data/demo_show.sql).  The cluster is dropped at the end.
set -eu
cd "$(dirname "$0")/.."
export PATH="/usr/lib/postgresql/15/bin:$PATH"
bash test/setup.sh
pg_virtualenv -t bash -c '
	set -e
	createdb booking_demo
	psql -X -q -d booking_demo -c "CREATE EXTENSION booking CASCADE" 2>&1 | grep -v "^NOTICE" || true
	echo "loading three tenants ..."
	psql -X -q -d booking_demo -v scale="${DEMO_SCALE:-1}" -f test/data/demo.sql
	psql -X -q -d booking_demo -f test/data/demo_show.sql
'
