#!/usr/bin/env bash
# test/setup.sh: install what building, testing and the demo need (Debian 12),
# then build and install the extension.  Safe to run again: it installs only
# missing packages.  As root it runs apt-get and make install directly; as
# another user it uses sudo for those two steps only.
set -eu
cd "$(dirname "$0")/.."

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "setup: run as root, or install sudo" >&2; exit 1; }
	SUDO=sudo
fi

# postgresql-15-pgrouting is optional for users of the extension; the tests
# install it so that test/sql/routing.sql routes (expected/routing.out)
# rather than checking only the error without it (expected/routing_1.out).
# pgbouncer: test/pgbouncer.sh tries notifications through a transaction pooler.
# python3-psycopg: test/app_guide.sh runs the README's application guide
# (test/app_client.py) through pgbouncer.
# libxml2-utils: test/day_svg.sh checks booking.day_svg's pictures with xmllint.
packages="make gcc clang libclang-rt-14-dev postgresql-common postgresql-15
postgresql-server-dev-15 postgresql-client-15 postgresql-15-postgis-3
postgresql-15-pgrouting postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl pgbouncer
python3-psycopg libxml2-utils"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# postgresql-common would otherwise create and start a default cluster
	$SUDO mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/booking-no-main.conf >/dev/null
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

export PATH="/usr/lib/postgresql/15/bin:$PATH"
make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
$SUDO make -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
echo "setup: booking $(sed -n "s/^default_version = '\(.*\)'/\1/p" booking.control) built and installed"
