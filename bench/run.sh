#!/usr/bin/env bash
# bench/run.sh [NAME...]: install what is needed (test/setup.sh), then run
# bench/NAME.sh (default: every bench/*.sh but this one) against a throwaway
# PostgreSQL 15 cluster.  Figures are printed; nothing is asserted here.
set -eu
cd "$(dirname "$0")/.."
bash test/setup.sh >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in bench/*.sh; do [ "$(basename "$f")" = run.sh ] || names+=("$(basename "$f" .sh)"); done
fi
for n in "${names[@]}"; do
	echo "== bench/$n.sh"
	pg_virtualenv -t -o shared_buffers=256MB bash "bench/$n.sh"
done
