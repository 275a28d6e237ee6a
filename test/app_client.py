#!/usr/bin/env python3
"""test/app_client.py: the README's application guide, run (issue 19, point 7).

A small psycopg 3 client that talks to booking through PgBouncer in
transaction mode, as an application developer would: the getting-started
flow, row-returning functions, types from the driver, retries of 40001,
idempotency keys, and the public booking page as the visitor role.  Prints
TAP.  Run by test/app_guide.sh, which starts the pooler and passes three
connection strings: the application role's, the same through a pool of one
server connection, and the visitor role's.
"""
import datetime
import sys
import uuid

import psycopg
from psycopg import errors
from psycopg.types.enum import EnumInfo, register_enum
from psycopg.types.multirange import Multirange

APP, APP_ONE, PAGE = sys.argv[1:4]
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {what}")
    else:
        failed += 1
        print(f"not ok {n} - {what}")


def connect(dsn, **kw):
    # Through a transaction pooler: no named prepared statements.
    kw.setdefault("prepare_threshold", None)
    return psycopg.connect(dsn, **kw)


def in_transaction(conn, work, retries=5):
    """Run work(cur) in one transaction; retry it on 40001 and 40P01."""
    for attempt in range(retries):
        try:
            with conn.transaction():
                with conn.cursor() as cur:
                    return work(cur)
        except (errors.SerializationFailure, errors.DeadlockDetected):
            if attempt == retries - 1:
                raise
    return None


app = connect(APP, autocommit=True)
cur = app.cursor()

# The getting-started flow.
cur.execute("SELECT booking.register_user(%s, %s)", ("ann.guide@example.com", "Ann Owner"))
ann = cur.fetchone()[0]
cur.execute("SELECT booking.create_org(%s, %s, %s, %s, slug => %s)",
            ("Fahrschule Guide", "Europe/Berlin", "EUR", ann, "fahrschule-guide"))
org = cur.fetchone()[0]
ok(isinstance(org, uuid.UUID), "register_user and create_org through the pooler; uuids come back as uuid.UUID")

# Enum arrays: registered once, booking.org_role[] comes back as a list.
info = EnumInfo.fetch(app, "booking.org_role")
register_enum(info, app)


def setup(c):
    c.execute("SELECT booking.act_as(%s, %s)", (org, ann))
    roles = c.fetchone()[0]
    c.execute("INSERT INTO booking.service (name, duration_minutes, buffer_after_minutes, published)"
              " VALUES ('Lesson', 45, 10, true) RETURNING id")
    service = c.fetchone()[0]
    # A price: a service without one is refused (23M01) unless marked free.
    c.execute("INSERT INTO booking.rate_card (name, currency, is_default) VALUES ('Standard', 'EUR', true)"
              " RETURNING id")
    card = c.fetchone()[0]
    c.execute("INSERT INTO booking.rate_card_item (rate_card_id, service_id, price_cents) VALUES (%s, %s, 5500)",
              (card, service))
    c.execute("INSERT INTO booking.resource (display_name, license_classes, home_base)"
              " VALUES ('Ingo', '{B}', ST_Point(%s, %s, 4326)::geography) RETURNING id", (13.405, 52.52))
    resource = c.fetchone()[0]
    c.execute("INSERT INTO booking.working_hours (resource_id, weekday, hours, break)"
              " SELECT %s, d, '[08:00,17:00)', '[12:00,13:00)' FROM generate_series(1, 7) d", (resource,))
    c.execute("INSERT INTO booking.client (full_name, email) VALUES ('Ben Student', 'ben@example.com') RETURNING id")
    client = c.fetchone()[0]
    c.execute("UPDATE booking.org SET published = true, min_notice_minutes = 0 WHERE id = %s", (org,))
    return roles, service, resource, client


roles, service, resource, client = in_transaction(app, setup)
ok([str(r.name) for r in roles] == ["owner"], "act_as answers booking.org_role[] as a list of enum members (registered with EnumInfo)")

# A Monday three weeks ahead, local 00:00 to 24:00 (never a weekend or DST surprise).
cur.execute("SELECT ((date_trunc('week', now() AT TIME ZONE 'UTC') + interval '21 days')::date"
            " + time '00:00') AT TIME ZONE 'Europe/Berlin'")
day = cur.fetchone()[0]
during = (day, day + datetime.timedelta(days=1))


def slots(c):
    c.execute("SELECT booking.act_as(%s, %s)", (org, ann))
    # A row-returning function: SELECT * FROM f(...), never SELECT (f(...)).*
    c.execute("SELECT * FROM booking.available_slots(%s, %s, tstzrange(%s, %s))", (resource, service, *during))
    return c.fetchall()


found = in_transaction(app, slots)
first = found[0][0]
ok(len(found) > 0 and first.astimezone(datetime.timezone.utc) == (day + datetime.timedelta(hours=8)).astimezone(datetime.timezone.utc),
   "available_slots through the pooler: the first slot is at 08:00 local, as a timezone-aware datetime")

key = str(uuid.uuid4())


def book(c):
    c.execute("SELECT booking.act_as(%s, %s)", (org, ann))
    c.execute("SELECT * FROM booking.book(client_id => %s, service_id => %s, starts_at => %s,"
              " resource_id => %s, idempotency_key => %s)", (client, service, first, resource, key))
    return c.fetchone(), [d.name for d in c.description]


row, cols = in_transaction(app, book)
again, _ = in_transaction(app, book)
b = dict(zip(cols, row))
ok(b["status"] == "pending" and again[cols.index("id")] == b["id"],
   "booking.book as SELECT * FROM: one row with named columns; the same idempotency key again returns the same booking")


def count_bookings(c):
    c.execute("SELECT booking.act_as(%s, %s)", (org, ann))
    c.execute("SELECT count(*) FROM booking.booking")
    return c.fetchone()[0]


ok(in_transaction(app, count_bookings) == 1, "the retry booked nothing twice")


def star_vs_dot(c):
    # (f()).* expands to (f()).a, (f()).b, ...: f runs once per column.
    c.execute("CREATE TEMP SEQUENCE calls")
    c.execute("CREATE FUNCTION pg_temp.f(OUT a int, OUT b int, OUT c int)"
              " LANGUAGE sql VOLATILE AS $$ SELECT nextval('calls')::int, 0, 0 $$")
    c.execute("SELECT (pg_temp.f()).*")
    c.execute("SELECT last_value FROM calls")
    dot = c.fetchone()[0]
    c.execute("SELECT * FROM pg_temp.f()")
    c.execute("SELECT last_value FROM calls")
    star = c.fetchone()[0] - dot
    c.execute("DROP FUNCTION pg_temp.f()")
    c.execute("DROP SEQUENCE calls")
    return dot, star


dot, star = in_transaction(app, star_vs_dot)
ok(dot == 3 and star == 1, f"SELECT (f()).* called a 3-column function {dot} times, SELECT * FROM f() {star} time")


def free(c):
    c.execute("SELECT booking.act_as(%s, %s)", (org, ann))
    c.execute("SELECT booking.free_time(%s, tstzrange(%s, %s))", (resource, *during))
    mr = c.fetchone()[0]
    c.execute("SELECT ST_Y(home_base::geometry), ST_X(home_base::geometry) FROM booking.resource WHERE id = %s", (resource,))
    return mr, c.fetchone()


mr, (lat, lng) = in_transaction(app, free)
ok(isinstance(mr, Multirange) and len(mr) == 2 and mr[0].lower.astimezone(datetime.timezone.utc) == (first + datetime.timedelta(minutes=55)).astimezone(datetime.timezone.utc),
   "free_time comes back as a psycopg Multirange: after the booking and its buffer until the break, then after the break")
ok(abs(lat - 52.52) < 1e-9 and abs(lng - 13.405) < 1e-9, "a point written as ST_Point(lng, lat, 4326) reads back as latitude and longitude")


def local_setting(c):
    c.execute("SET LOCAL statement_timeout = '5s'")
    c.execute("SHOW statement_timeout")
    return c.fetchone()[0]


inside = in_transaction(app, local_setting)
cur.execute("SHOW statement_timeout")
ok(inside == "5s" and cur.fetchone()[0] == "0", "SET LOCAL holds for its transaction only, so it never leaks to the next client of the pool")

# Retries: a real 40001 under REPEATABLE READ, retried by in_transaction.
other = connect(APP, autocommit=True)
attempts = []


def move_note(c):
    attempts.append(1)
    c.execute("SELECT booking.act_as(%s, %s)", (org, ann))
    c.execute("SELECT notes FROM booking.booking WHERE id = %s", (b["id"],))
    if len(attempts) == 1:                 # someone else changes it meanwhile
        with other.transaction():
            other.execute("SELECT booking.act_as(%s, %s)", (org, ann))
            other.execute("UPDATE booking.booking SET notes = 'from the office' WHERE id = %s", (b["id"],))
    c.execute("UPDATE booking.booking SET notes = 'from the app' WHERE id = %s", (b["id"],))


app.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
in_transaction(app, move_note)
app.isolation_level = None
ok(len(attempts) == 2, "a concurrent update made the first attempt fail with 40001; the retry succeeded")
other.close()

# The public booking page, as the visitor role (no act_as).
page = connect(PAGE, autocommit=True)
pc = page.cursor()
pc.execute("SELECT * FROM booking.public_services(%s)", ("fahrschule-guide",))
services = pc.fetchall()
ok([s[1] for s in services] == ["Lesson"], "the visitor lists the published services")
pc.execute("SELECT * FROM booking.public_slots(%s, %s, tstzrange(%s, %s), page_size => 3)", ("fahrschule-guide", service, *during))
page1 = pc.fetchall()
pc.execute("SELECT * FROM booking.public_slots(%s, %s, tstzrange(%s, %s), page_size => 3,"
           " after_starts_at => %s, after_resource_id => %s)", ("fahrschule-guide", service, *during, page1[-1][0], page1[-1][2]))
page2 = pc.fetchall()
ok(len(page1) == 3 and len(page2) == 3 and page2[0][0] > page1[-1][0] and all(s[3] is None for s in page1),
   "free slots in pages of 3 (keyset), resources unnamed")
form = str(uuid.uuid4())
args = ("fahrschule-guide", service, page2[0][0], "cleo@example.com", "Cleo Visitor", form)
sql = "SELECT * FROM booking.public_book(%s, %s, %s, email => %s, full_name => %s, idempotency_key => %s)"
pc.execute(sql, args)
visit = pc.fetchone()
pc.execute(sql, args)
ok(visit[1] == "pending" and pc.fetchone()[0] == visit[0], "the visitor books in one call; the same form key again returns the same booking")
try:
    pc.execute(sql, ("fahrschule-guide", service, page2[0][0], "not an e-mail", "Cleo Visitor", str(uuid.uuid4())))
    ok(False, "a bad e-mail is refused with 22023")
except psycopg.Error as e:
    ok(e.sqlstate == "22023", f"a bad e-mail is refused with 22023 (got {e.sqlstate})")
try:
    pc.execute("SELECT count(*) FROM booking.client")
    ok(False, "the visitor reads no table")
except errors.InsufficientPrivilege:
    ok(True, "the visitor reads no table (42501)")
page.close()

# The default prepare_threshold through a pool of one server connection:
# psycopg prepares a statement after 5 runs under a name (_pg3_0, ...) that
# lives on the server connection, which the pooler hands to the other
# client: 42P05 (already exists) or 26000 (does not exist).  With
# prepare_threshold=None nothing is named and both clients run on.
def alternate(threshold):
    kw = {} if threshold == "default" else {"prepare_threshold": threshold}
    a = psycopg.connect(APP_ONE, autocommit=True, **kw)
    z = psycopg.connect(APP_ONE, autocommit=True, **kw)
    errs = set()
    for i in range(12):
        for c in (a, z):
            try:
                c.execute("SELECT %s::int + 1", (i,)).fetchone()
            except psycopg.Error as e:
                errs.add(e.sqlstate)
    a.close()
    z.close()
    return errs


default_errs = alternate("default")
ok(default_errs & {"42P05", "26000", "08P01"}, f"psycopg's default prepare_threshold fails through the transaction pooler ({', '.join(sorted(default_errs))})")
ok(alternate(None) == set(), "prepare_threshold=None: no error")

app.close()
print(f"1..{n}")
print(f"# app_guide all passed={n - failed} failed={failed}")
sys.exit(1 if failed else 0)
