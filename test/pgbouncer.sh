#!/usr/bin/env bash
# test/pgbouncer.sh: notifications through a transaction pooler (PgBouncer,
# pool_mode = transaction), as an application developer meets them.  Prints
# TAP.  Needs PGHOST etc. of a server where we may create databases and
# roles, and the pgbouncer binary (Debian package pgbouncer; test/setup.sh
# installs it).
#   - A LISTEN left on a pooled server connection hears of later
#     notifications of other tenants: it must learn nothing but that some
#     notification exists (an empty payload on booking_notification).
#   - The pull path: my unread notifications after a cursor, in pages, each
#     page one transaction with act_as, marked delivered, through row-level
#     security; the identity never outlives its transaction on the pool.
set -u
cd "$(dirname "$0")/.."
db=booking_pgb
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
is() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got '$1', expected '$2'"; failed=$((failed + 1)); fi; }

. test/include/pgbouncer.sh
if [ ! -x "$bouncer" ]; then
	echo "not ok 1 - pgbouncer is installed (Debian package pgbouncer, see test/setup.sh)"
	echo "# pgbouncer all passed=0 failed=1"
	exit 1
fi

dropdb --if-exists $db 2>/dev/null
createdb $db
psql -X -q -d $db -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION booking CASCADE;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_pgb_app') THEN
    CREATE ROLE regress_pgb_app LOGIN PASSWORD 'regress_pgb_app';
  END IF;
END $$;
SELECT booking.grant_app_role('regress_pgb_app', trusted => true);
INSERT INTO booking.app_user (id, email, full_name) VALUES
  ('00000000-0000-0000-0000-00000000f001', 'pgb.owner@example.com', 'Owner'),
  ('00000000-0000-0000-0000-00000000f002', 'pgb.fac@example.com', 'Facilitator'),
  ('00000000-0000-0000-0000-00000000f003', 'pgb.student@example.com', 'Student'),
  ('00000000-0000-0000-0000-00000000f004', 'pgb.other@example.com', 'Other owner');
SELECT booking.create_org('Pool Studio', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-00000000f001') AS org \gset
SELECT booking.create_org('Other Studio', 'Europe/Berlin', 'EUR', '00000000-0000-0000-0000-00000000f004') AS other \gset
INSERT INTO booking.membership (org_id, user_id, role) VALUES
  (:'org', '00000000-0000-0000-0000-00000000f002', 'instructor'),
  (:'org', '00000000-0000-0000-0000-00000000f003', 'student');
-- 25 notifications of the facilitator, 3 of the other org's owner
INSERT INTO booking.notification (org_id, user_id, kind, payload)
SELECT :'org', '00000000-0000-0000-0000-00000000f002', 'booking.created', jsonb_build_object('n', g)
  FROM generate_series(1, 25) g;
INSERT INTO booking.notification (org_id, user_id, kind)
SELECT :'other', '00000000-0000-0000-0000-00000000f004', 'booking.created' FROM generate_series(1, 3);
SQL
org=$(psql -X -At -d $db -c "SELECT id FROM booking.org WHERE name = 'Pool Studio'")
other=$(psql -X -At -d $db -c "SELECT id FROM booking.org WHERE name = 'Other Studio'")
fac=00000000-0000-0000-0000-00000000f002
student=00000000-0000-0000-0000-00000000f003
otherowner=00000000-0000-0000-0000-00000000f004

dir=$(mktemp -d)
chmod 755 "$dir"
bport=$((PGPORT + 1000))
start_pgbouncer "$dir" $bport 1 <<DATABASES
$db = host=$PGHOST port=$PGPORT dbname=$db user=regress_pgb_app password=regress_pgb_app
DATABASES
pool() { psql -X -At -h "$dir" -p $bport -d $db -U app "$@" 2>&1; }
is "$(pool -c 'SELECT current_user')" regress_pgb_app "clients reach the server through PgBouncer in transaction mode"

# 1. A LISTEN left on the one pooled server connection.
probe=$(pool -c 'LISTEN booking_notification' -c 'LISTEN booking_user_00000000000000000000000000000f002')
is "$probe" "LISTEN
LISTEN" "an untrusted client LISTENs through the pool; the LISTEN stays on the server connection"
# other clients (other tenants) write notifications, then use the pool
heard=$(pool -c "BEGIN" -c "SELECT booking.act_as('$other', '$otherowner') IS NOT NULL" \
	-c "INSERT INTO booking.notification (user_id, kind, payload) VALUES ('$otherowner', 'booking.cancelled', '{\"secret\": 1}') RETURNING 'inserted'" \
	-c "COMMIT" -c "SELECT 'later client'")
echo "$heard" | sed 's/^/# /'
is "$(echo "$heard" | grep -c 'Asynchronous notification "booking_notification" received')" 1 \
	"a stale LISTEN on the pooled connection is heard by the next client: one notification on booking_notification"
is "$(echo "$heard" | grep -c 'with payload')" 0 "it carries no payload: no org, user, id or kind"
is "$(echo "$heard" | grep -c 'booking_user_')" 0 "nothing is announced on a per-user channel"
pool -c 'UNLISTEN *' >/dev/null

# 2. The pull path, one transaction per page, on a pool of one server
# connection shared with other clients.
page() { # user cursor size
	pool -v ON_ERROR_STOP=1 -c "BEGIN" -c "SELECT booking.act_as('$org', '$1') IS NOT NULL" \
		-c "SELECT seq || ' ' || id FROM booking.notifications_after($2, $3)" -c "COMMIT" | sed -n '/^[0-9]* [0-9a-f-]*$/p'
}
cursor=0; pages=0; got=0; sizes=
while :; do
	rows=$(page $fac $cursor 10)
	[ -z "$rows" ] && break
	k=$(echo "$rows" | wc -l); got=$((got + k)); pages=$((pages + 1)); sizes="$sizes$k "
	cursor=$(echo "$rows" | tail -1 | cut -d' ' -f1)
	ids=$(echo "$rows" | cut -d' ' -f2 | paste -sd, -)
	# someone else's transaction between the pages, without an identity
	pool -c "SELECT count(*) FROM booking.notification" >/dev/null
	marked=$(pool -c "BEGIN" -c "SELECT booking.act_as('$org', '$fac') IS NOT NULL" \
		-c "SELECT booking.mark_notifications_delivered('{$ids}')" -c "COMMIT" | sed -n '3p')
	[ "$marked" = "$k" ] || echo "# page $pages: marked $marked of $k"
	[ $pages -gt 10 ] && break
done
is "$sizes" "10 10 5 " "the facilitator pulls 25 unread notifications in pages of 10, 10 and 5 through the pool"
is "$(pool -c "BEGIN" -c "SELECT booking.act_as('$org', '$fac') IS NOT NULL" -c "SELECT count(*) FROM booking.notifications_after(0, 100)" -c "COMMIT" | sed -n 3p)" 0 \
	"after marking, none is unread"
is "$(pool -c "BEGIN" -c "SELECT booking.act_as('$org', '$fac') IS NOT NULL" -c "SELECT count(*) FROM booking.notifications_after(0, 100, include_delivered => true)" -c "COMMIT" | sed -n 3p)" 25 \
	"all 25 are kept, delivered"
is "$(pool -c "SELECT count(*) FROM booking.notification" | tail -1)" 0 \
	"a transaction without act_as on the same pooled connection sees no notification: the identity did not outlive its transaction"
is "$(pool -c "SELECT * FROM booking.notifications_after()" | grep -o 'needs an identity' | head -1)" "needs an identity" \
	"the pull without an identity is refused (42501)"
is "$(pool -c "BEGIN" -c "SELECT booking.act_as('$org', '$student') IS NOT NULL" -c "SELECT count(*) FROM booking.notification" -c "COMMIT" | sed -n 3p)" 0 \
	"a student of the same org reads none of the facilitator's notifications (row-level security)"
is "$(pool -c "BEGIN" -c "SELECT booking.act_as('$org', '$student') IS NOT NULL" \
	-c "SELECT booking.mark_notifications_delivered(array_agg(id)) FROM booking.notification" -c "COMMIT" | sed -n 3p)" 0 \
	"and marks none of them"
is "$(psql -X -At -d $db -c "SELECT count(*) FROM booking.notification WHERE org_id = '$other' AND NOT delivered")" 4 \
	"the other org's 4 notifications are untouched"

kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null
sleep 0.5
rm -rf "$dir"
dropdb --if-exists $db
psql -X -q -c "DROP OWNED BY regress_pgb_app" -c "DROP ROLE regress_pgb_app" >/dev/null 2>&1
echo "1..$n"
echo "# pgbouncer all passed=$((n - failed)) failed=$failed"
[ $failed = 0 ]
