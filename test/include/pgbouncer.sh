# test/include/pgbouncer.sh: sourced by the suites that go through PgBouncer
# in transaction mode (test/pgbouncer.sh, test/app_guide.sh).
#
#   start_pgbouncer DIR PORT POOL_SIZE <<DATABASES
#   name = host=... port=... dbname=... user=... password=...
#   DATABASES
#
# writes DIR/pgbouncer.ini with the [databases] lines read from stdin,
# starts PgBouncer (as the owner of the server's socket directory when run
# as root: it refuses to run as root) listening on DIR/.s.PGSQL.PORT, and
# waits for its socket.  Stop it with: kill "$(cat DIR/pgbouncer.pid)".
bouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
start_pgbouncer() {
	local dir=$1 port=$2 pool=$3 asuser=
	{
		echo '[databases]'
		cat
		cat <<INI
[pgbouncer]
listen_addr =
listen_port = $port
unix_socket_dir = $dir
auth_type = any
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 20
server_reset_query =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
	} >"$dir/pgbouncer.ini"
	chmod 644 "$dir/pgbouncer.ini"
	[ "$(id -u)" = 0 ] && asuser="-u $(stat -c %U "$PGHOST" 2>/dev/null || echo postgres)" && chown "${asuser#-u }" "$dir"
	$bouncer -d $asuser "$dir/pgbouncer.ini" >"$dir/start.log" 2>&1
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$dir/.s.PGSQL.$port" ] && break; sleep 0.3; done
}
