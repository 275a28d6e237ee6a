#!/usr/bin/env bash
# test/core.sh: build and run the tests of the pure C core (src/core), which
# includes no PostgreSQL header and so is tested here without a server.
#
#   test/core.sh unit            every test/unit/test_*.c, under ASan and UBSan
#   test/core.sh fuzz [SECONDS]  every test/fuzz/fuzz_*.c under libFuzzer with
#                                ASan and UBSan, SECONDS each (default 20)
#
# Each unit test is linked with every src/core/*.c file and prints TAP.
# Prints one line per program and exits non-zero if any failed.
set -u
cd "$(dirname "$0")/.."
mode=${1:-unit}
build=${BUILD_DIR:-build/core}
mkdir -p "$build"
core_src=$(ls src/core/*.c 2>/dev/null)
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
fail=0

case "$mode" in
unit)
	for t in test/unit/test_*.c; do
		[ -e "$t" ] || continue
		name=$(basename "$t" .c)
		if ! cc -std=c11 -O1 -g -Wall -Wextra -Werror $san -Isrc/core -Itest/unit \
			-o "$build/$name" $core_src "$t" -lm 2>"$build/$name.log"; then
			echo "not ok - $name (does not compile)"; cat "$build/$name.log"; fail=1; continue
		fi
		if "$build/$name" >"$build/$name.tap" 2>&1; then
			echo "ok - $name ($(grep -c '^ok' "$build/$name.tap") assertions)"
		else
			echo "not ok - $name"; grep -v '^ok' "$build/$name.tap" | head -40; fail=1
		fi
		# the runner's summary reads these counts
		echo "# core-unit $name passed=$(grep -c '^ok' "$build/$name.tap") failed=$(grep -c '^not ok' "$build/$name.tap")"
	done
	;;
fuzz)
	secs=${2:-20}
	if ! command -v clang >/dev/null; then echo "not ok - clang is not installed"; exit 1; fi
	for f in test/fuzz/fuzz_*.c; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .c)
		if ! clang -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=all -Isrc/core -o "$build/$name" $core_src "$f" -lm 2>"$build/$name.log"; then
			echo "not ok - $name (does not compile)"; cat "$build/$name.log"; fail=1; continue
		fi
		mkdir -p "$build/$name.corpus"
		if "$build/$name" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
			"$build/$name.corpus" >"$build/$name.log" 2>&1; then
			echo "ok - $name ($secs s, $(grep -o 'Done [0-9]* runs' "$build/$name.log" | tail -1))"
			echo "# core-fuzz $name passed=1 failed=0"
		else
			echo "not ok - $name"; tail -40 "$build/$name.log"; fail=1
			echo "# core-fuzz $name passed=0 failed=1"
		fi
	done
	;;
*) echo "usage: $0 unit|fuzz [SECONDS]" >&2; exit 2 ;;
esac
exit $fail
