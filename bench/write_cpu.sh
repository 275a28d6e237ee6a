#!/usr/bin/env bash
# bench/write_cpu.sh: the server's CPU time for one valid appointment
# written through every check of the write path, against a plain INSERT of
# the same row into an unconstrained copy, on one backend.
#
#   PGHOST=... PGPORT=... PGUSER=... bash bench/write_cpu.sh [rows] [runs]
#
# Where bench/write_throughput.sh measures what clients see (pgbench,
# commits flushed, several connections on few cores), this measures only
# the work of the write itself: a procedure writes the rows one transaction
# each, with synchronous_commit off, so no client, protocol or disk wait is
# counted.  The data set is bench/write_setup.sql (database
# booking_write_cpu, dropped first); the rows are those of the throughput
# bench.  Prints the mean milliseconds per row of each run and the ratio of
# the means.
set -eu
rows=${1:-2000}
runs=${2:-3}
db=booking_write_cpu

dropdb --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$(dirname "$0")/write_setup.sql"
psql -X -q -v ON_ERROR_STOP=1 -d $db <<'SQL'
-- n rows, one transaction each; returns the mean milliseconds per row.
CREATE PROCEDURE bench.write(checked bool, n int, INOUT ms_per_row numeric DEFAULT NULL)
  LANGUAGE plpgsql AS $$
DECLARE
  k int8;
  t0 timestamptz := clock_timestamp();
BEGIN
  FOR i IN 1..n LOOP
    -- row k: resource k mod 200, local hour (k / 200) mod 10 of day k / 2000
    IF checked THEN
      k := nextval('bench.n_checked');
      INSERT INTO booking.booking (resource_id, client_id, starts_at, ends_at, service_id, currency)
      SELECT r, c, s, s + interval '45 minutes', '00000000-0000-0000-0000-00000000bb51', 'EUR'
        FROM (SELECT md5('r' || (k % 200))::uuid, md5('c' || (k % 1000))::uuid,
                     ((date '2031-01-06' + (k / 2000)::int4) + time '08:00' + ((k / 200) % 10) * interval '1 hour')
                     AT TIME ZONE 'Europe/Berlin') AS x(r, c, s);
    ELSE
      k := nextval('bench.n_plain');
      INSERT INTO bench.plain (org_id, id, resource_id, client_id, starts_at, ends_at, service_id, currency, status, seats,
                               price_cents, platform_fee_cents, resource_share_cents, buffer_before_minutes,
                               buffer_after_minutes, created_at, updated_at)
      SELECT '00000000-0000-0000-0000-00000000bb00', gen_random_uuid(), r, c, s, s + interval '45 minutes',
             '00000000-0000-0000-0000-00000000bb51', 'EUR', 'pending', 1, 0, 0, 0, 0, 10, now(), now()
        FROM (SELECT md5('r' || (k % 200))::uuid, md5('c' || (k % 1000))::uuid,
                     ((date '2031-01-06' + (k / 2000)::int4) + time '08:00' + ((k / 200) % 10) * interval '1 hour')
                     AT TIME ZONE 'Europe/Berlin') AS x(r, c, s);
    END IF;
    COMMIT;
  END LOOP;
  ms_per_row := round((extract(epoch FROM clock_timestamp() - t0) * 1000 / n)::numeric, 4);
END
$$;
VACUUM ANALYZE;
SQL

measure() {
	PGOPTIONS="-c booking.identity=00000000-0000-0000-0000-00000000bb00\\ 00000000-0000-0000-0000-00000000bb01\\ owner -c synchronous_commit=off" \
		psql -X -q -At -d $db -c "CALL bench.write($1, $rows)"
}
plain=(); checked=()
for run in $(seq 1 "$runs"); do
	plain+=("$(measure false)")
	checked+=("$(measure true)")
	echo "run $run: plain ${plain[-1]} ms, checked ${checked[-1]} ms per row"
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.4f", s / NR }'; }
echo "mean over $runs runs of $rows rows: plain $(mean "${plain[@]}") ms, checked $(mean "${checked[@]}") ms per row"
echo "checked costs $(echo "scale=1; $(mean "${checked[@]}") / $(mean "${plain[@]}")" | bc) times the plain INSERT"
