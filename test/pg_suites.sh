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
	echo "# suite meta versions passed=$p failed=$((n - p))"
} | tee "$out/meta.log"
grep -q '^not ok' "$out/meta.log" && status=1

# pg_regress and the isolation tester (make installcheck runs both).
make -s installcheck >"$out/installcheck.out" 2>&1 || status=1
cat "$out/installcheck.out"
[ -f regression.diffs ] && cp regression.diffs "$out/" && head -200 regression.diffs
[ -f output_iso/regression.diffs ] && cp output_iso/regression.diffs "$out/isolation.diffs" && head -200 output_iso/regression.diffs
# PostgreSQL 15's pg_regress prints "test NAME ... ok" (or "... FAILED")
awk '/^# ---/ {next} /isolation/ {iso=1} {print}' "$out/installcheck.out" >/dev/null
regress_ok=$(sed -n '/pg_regress.*--inputdir=test --dbname=booking_regress/,/tests passed\|tests failed\|failed/p' "$out/installcheck.out" | grep -c '\.\.\. ok')
regress_bad=$(sed -n '/pg_regress.*--inputdir=test --dbname=booking_regress/,/tests passed\|tests failed\|failed/p' "$out/installcheck.out" | grep -c '\.\.\. FAILED')
iso_ok=$(sed -n '/pg_isolation_regress/,$p' "$out/installcheck.out" | grep -c '\.\.\. ok')
iso_bad=$(sed -n '/pg_isolation_regress/,$p' "$out/installcheck.out" | grep -c '\.\.\. FAILED')
echo "# suite pg_regress all passed=$regress_ok failed=$regress_bad" >"$out/pg_regress.log"
echo "# suite isolation all passed=$iso_ok failed=$iso_bad" >"$out/isolation.log"

# pgTAP, one file per concern, in a database of its own.
createdb booking_tap
psql -X -q -d booking_tap -c "CREATE EXTENSION booking CASCADE" -c "CREATE EXTENSION pgtap" >/dev/null
pg_prove -v -d booking_tap test/pgtap/*.sql >"$out/pgtap.out" 2>&1 || status=1
grep -v '^ok' "$out/pgtap.out" | grep -v '^\s*$' | grep -v '^1\.\.' | tail -40
echo "# suite pgtap all passed=$(grep -c '^ok' "$out/pgtap.out") failed=$(grep -c '^not ok' "$out/pgtap.out")" >"$out/pgtap.log"

# pg_dump and pg_restore keep the data of a database using the extension.
bash test/dump_restore.sh | tee "$out/dump_restore.out"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "# suite dump_restore all passed=$(grep -c '^ok' "$out/dump_restore.out") failed=$(grep -c '^not ok' "$out/dump_restore.out")" >"$out/dump_restore.log"

exit $status
