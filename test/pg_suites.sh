#!/usr/bin/env bash
# test/pg_suites.sh OUTDIR: the suites that need a server; run by test/run.sh
# inside pg_virtualenv, which exports PGHOST, PGPORT, PGUSER and PGPASSWORD.
set -u
cd "$(dirname "$0")/.."
out=$1
status=0

# A version check: the control file, META.json and the server agree.
{
	control=$(sed -n "s/^default_version = '\(.*\)'/\1/p" booking.control)
	meta=$(sed -n 's/^ *"version": "\([0-9.]*\)",*$/\1/p' META.json | head -1)
	provided=$(sed -n '/"provides"/,/}/s/^ *"version": "\([0-9.]*\)",*$/\1/p' META.json | head -1)
	server=$(psql -X -At -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'booking'")
	n=0; p=0
	for pair in "META.json version:$meta" "META.json provides:$provided" "installed default_version:$server"; do
		n=$((n + 1))
		if [ "${pair##*:}" = "$control" ]; then echo "ok $n - ${pair%%:*} is $control"; p=$((p + 1));
		else echo "not ok $n - ${pair%%:*} is '${pair##*:}', booking.control says '$control'"; status=1; fi
	done
	# Released scripts are frozen: each keeps the checksum it was released with.
	while read -r sum file; do
		n=$((n + 1))
		if [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sum" ]; then echo "ok $n - released $file is unchanged"; p=$((p + 1));
		else echo "not ok $n - released $file was edited (sql/released.sha256)"; status=1; fi
	done <sql/released.sha256
	echo "# meta versions passed=$p failed=$((n - p))"
} | tee "$out/meta.log"
grep -q '^not ok' "$out/meta.log" && status=1

# The README against the code: the generated Reference, the SQLSTATE table,
# the availability rules' numbers.
bash test/docs.sh | tee "$out/docs.out" | grep -v '^ok'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep '^# docs all ' "$out/docs.out" >"$out/docs.log" || echo "# docs all passed=0 failed=1" >"$out/docs.log"

# pg_regress, then the isolation tester.  PostgreSQL 15 prints one line per
# test: "test NAME ... ok" (or "... FAILED").
for suite in pg_regress isolation; do
	if [ $suite = pg_regress ]; then vars="ISOLATION="; diffs=regression.diffs;
	else vars="REGRESS="; diffs=output_iso/regression.diffs; fi
	make -s installcheck $vars >"$out/$suite.out" 2>&1 || status=1
	grep -E '^(test| *[a-z_0-9]+ +\.\.\.)|tests (passed|failed)' "$out/$suite.out"
	[ -f $diffs ] && cp $diffs "$out/$suite.diffs" && head -300 $diffs
	echo "# $suite all passed=$(grep -c '\.\.\. ok' "$out/$suite.out") failed=$(grep -c '\.\.\. FAILED' "$out/$suite.out")" >"$out/$suite.log"
done

# pgTAP, one file per concern, in a database of its own.
createdb booking_tap
psql -X -q -d booking_tap -c "CREATE EXTENSION booking CASCADE" -c "CREATE EXTENSION pgtap" >/dev/null
pg_prove -v -d booking_tap test/pgtap/*.sql >"$out/pgtap.out" 2>&1 || status=1
grep -v '^ok' "$out/pgtap.out" | grep -v '^\s*$' | grep -v '^1\.\.' | tail -40
echo "# pgtap all passed=$(grep -c '^ok [0-9]' "$out/pgtap.out") failed=$(grep -c '^not ok [0-9]' "$out/pgtap.out")" >"$out/pgtap.log"

# pg_dump and pg_restore keep the data of a database using the extension.
bash test/dump_restore.sh | tee "$out/dump_restore.out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "# dump_restore all passed=$(grep -c '^ok' "$out/dump_restore.out") failed=$(grep -c '^not ok' "$out/dump_restore.out")" >"$out/dump_restore.log"

# The picture of a day (booking.day_svg): well-formed SVG by xmllint, and
# what it marks (test/day_svg.sh).
bash test/day_svg.sh "$out/day_svg" | tee "$out/day_svg.out" | grep -v '^ok'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep '^# day_svg all ' "$out/day_svg.out" >"$out/day_svg.log" ||
	echo "# day_svg all passed=0 failed=1" >"$out/day_svg.log"

# Crash safety: kill -9 of the postmaster of a cluster of its own during a
# concurrent write load; after recovery amcheck is clean and the invariants
# hold (about 15 s).
bash test/crash.sh | tee "$out/crash.out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "# crash all passed=$(grep -c '^ok' "$out/crash.out") failed=$(grep -c '^not ok' "$out/crash.out")" >"$out/crash.log"

# Notifications through a transaction pooler (PgBouncer): a stale LISTEN
# learns nothing, the pull path pages through row-level security.
bash test/pgbouncer.sh | tee "$out/pgbouncer.out" | grep -v '^ok'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep '^# pgbouncer all ' "$out/pgbouncer.out" >"$out/pgbouncer.log" ||
	echo "# pgbouncer all passed=0 failed=1" >"$out/pgbouncer.log"

# The README's application guide, run: a psycopg client through PgBouncer
# in transaction mode (getting started, the public booking page, retries,
# driver types, and psycopg's default prepare_threshold failing there).
bash test/app_guide.sh | tee "$out/app_guide.out" | grep -v '^ok'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep '^# app_guide all ' "$out/app_guide.out" >"$out/app_guide.log" ||
	echo "# app_guide all passed=0 failed=1" >"$out/app_guide.log"

# The update from every released version: schema equal to a fresh install,
# rows kept, hostile objects never called, refusals that change nothing.
bash test/update.sh "$out" | tee "$out/update.out" | grep -v '^ok'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep '^# update all ' "$out/update.out" >"$out/update.log" ||
	echo "# update all passed=0 failed=1" >"$out/update.log"

# The solver against its independent SQL reference on 1,000 random cases.
bash test/differential.sh | tee "$out/differential.out" | grep -v '^ok' | tail -8
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
grep '^# differential all ' "$out/differential.out" >"$out/differential.log" ||
	echo "# differential all passed=0 failed=1" >"$out/differential.log"

exit $status
