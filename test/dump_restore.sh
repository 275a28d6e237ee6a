#!/usr/bin/env bash
# test/dump_restore.sh: pg_dump and pg_restore of a database that uses booking
# keep every row (the tables are marked with pg_extension_config_dump).
# Prints TAP.  Needs PGHOST etc. of a server where we may create databases.
set -u
cd "$(dirname "$0")/.."
src=booking_dump_src
dst=booking_dump_dst
dropdb --if-exists $src 2>/dev/null; dropdb --if-exists $dst 2>/dev/null
createdb $src && createdb $dst
psql -X -q -d $src -c "SET client_min_messages = warning" -c "CREATE EXTENSION booking CASCADE"
psql -X -q -d $src -v scale=0.2 -f test/data/demo.sql >/dev/null

dump=$(mktemp)
pg_dump -Fc -d $src -f "$dump"
pg_restore -d $dst "$dump" 2>&1 | grep -v '^$'
rc=${PIPESTATUS[0]}

# one fingerprint per table: row count and md5 of its rows in key order
fingerprint() {
	psql -X -At -d "$1" <<'SQL'
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(t::text, '','' ORDER BY t::text)), '''') FROM %s t',
              c.relname, c.oid::regclass)
  FROM pg_class c WHERE c.relnamespace = 'booking'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname
\gexec
SQL
}
fingerprint $src >"$dump.src"
fingerprint $dst >"$dump.dst"

failed=0
n=1
if [ "$rc" -eq 0 ]; then echo "ok $n - pg_restore succeeded"; else failed=1; echo "not ok $n - pg_restore exited with $rc"; fi
while read -r table count sum; do
	n=$((n + 1))
	other=$(grep "^$table " "$dump.dst")
	if [ "$other" = "$table $count $sum" ]; then
		echo "ok $n - $table: $count rows restored identically"
	else
		failed=1
		echo "not ok $n - $table: $count rows before, after: ${other:-nothing}"
	fi
done <"$dump.src"
n=$((n + 1))
seq=$(psql -X -At -d $dst -c "SELECT last_value >= (SELECT max(id) FROM booking.status_history) FROM booking.status_history_id_seq")
if [ "$seq" = t ]; then echo "ok $n - identity sequences keep their position"; else failed=1; echo "not ok $n - status_history_id_seq was reset"; fi
echo "1..$n"
rm -f "$dump" "$dump.src" "$dump.dst"
dropdb $src; dropdb $dst
[ "$failed" -eq 0 ]
