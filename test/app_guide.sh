#!/usr/bin/env bash
# test/app_guide.sh: the README's application guide, run (issue 19, point
# 7): test/app_client.py, a psycopg 3 client (Debian package
# python3-psycopg), through PgBouncer in transaction mode (Debian package
# pgbouncer; test/setup.sh installs both), doing the getting-started flow
# and the public booking page with assertions, and showing that psycopg's
# default prepare_threshold fails through the pooler where
# prepare_threshold=None does not.  Prints TAP.  Needs PGHOST etc. of a
# server where we may create databases and roles.  A few seconds.
set -u
cd "$(dirname "$0")/.."
db=booking_app_guide

. test/include/pgbouncer.sh
# Debian's python3, where the python3-psycopg package installs (another
# python3 earlier on PATH would not have it).
py=/usr/bin/python3
[ -x $py ] || py=python3
if [ ! -x "$bouncer" ] || ! $py -c 'import psycopg' 2>/dev/null; then
	echo "not ok 1 - pgbouncer and python3-psycopg are installed (Debian packages, see test/setup.sh)"
	echo "# app_guide all passed=0 failed=1"
	exit 1
fi

dropdb --if-exists $db 2>/dev/null
createdb $db
psql -X -q -d $db -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_guide_app') THEN
    CREATE ROLE regress_guide_app LOGIN PASSWORD 'regress_guide_app';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_guide_visitor') THEN
    CREATE ROLE regress_guide_visitor LOGIN PASSWORD 'regress_guide_visitor';
  END IF;
END $$;
SELECT booking.grant_app_role('regress_guide_app', trusted => true);
SELECT booking.grant_visitor_role('regress_guide_visitor');
SQL

dir=$(mktemp -d)
chmod 755 "$dir"
bport=$((PGPORT + 1001))
server="host=$PGHOST port=$PGPORT dbname=$db"
start_pgbouncer "$dir" $bport 2 <<DATABASES
app = $server user=regress_guide_app password=regress_guide_app
app_one = $server user=regress_guide_app password=regress_guide_app pool_size=1
page = $server user=regress_guide_visitor password=regress_guide_visitor
DATABASES

pooled() { echo "host=$dir port=$bport dbname=$1 user=client connect_timeout=5"; }
timeout 60 $py test/app_client.py "$(pooled app)" "$(pooled app_one)" "$(pooled page)" 2>&1
rc=$?
if [ $rc -gt 1 ]; then
	echo "not ok - test/app_client.py stopped (exit $rc)"
	echo "# app_guide all passed=0 failed=1"
fi

kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null
sleep 0.5
rm -rf "$dir"
dropdb --if-exists $db
for r in regress_guide_app regress_guide_visitor; do
	psql -X -q -c "DROP OWNED BY $r" -c "DROP ROLE $r" >/dev/null 2>&1
done
[ $rc = 0 ]
