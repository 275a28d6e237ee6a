#!/usr/bin/env bash
# test/relay.sh: the reference outbox relay (see README, "Outbox relay").
# It shows the protocol at work and prints what it would send; copy its
# loop into your own relay in the language of your message broker.
#
#   PGHOST=... PGDATABASE=... PGUSER=relay_role bash test/relay.sh [--drain] [--topic T] [--name N] [--batch B]
#
# Loop: claim a batch (booking.outbox_claim: FOR UPDATE SKIP LOCKED, a lease
# of 30 s, of each booking only its oldest open event), "send" every event
# (here: print it; an event whose topic ends in .fail_demo is failed on
# purpose, to show outbox_fail's back-off; a message.queued event is
# recorded as sent with booking.message_sent), acknowledge what was sent
# (booking.outbox_ack with the claim id), and when nothing is due wait for
# NOTIFY booking_outbox (an empty payload, sent at the commit of every
# transaction that writes events) or 5 s, whichever comes first.  --drain
# stops when nothing is due.  The role needs only booking.grant_relay_role:
# no table privilege, no BYPASSRLS, no identity.
set -u
name=relay-$$; batch=100; topic=NULL; drain=0
while [ $# -gt 0 ]; do
	case $1 in
		--drain) drain=1 ;;
		--topic) topic="'$2'"; shift ;;
		--name) name=$2; shift ;;
		--batch) batch=$2; shift ;;
		*) echo "relay: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
q() { psql -X -At -q -v ON_ERROR_STOP=1 -F $'\t' "$@"; }

# A waiting connection: LISTEN once, then a cheap ping every 0.1 s makes psql
# print the notifications it has received.
coproc WAITER { psql -X -At -q 2>/dev/null; }
echo "LISTEN booking_outbox;" >&"${WAITER[1]}"
wait_for_wake() {
	local i line
	for i in $(seq 50); do
		echo "SELECT 'tick';" >&"${WAITER[1]}"
		while read -r -t 1 line <&"${WAITER[0]}"; do
			case $line in
				tick) break ;;
				*booking_outbox*) echo "relay $name: woken by NOTIFY booking_outbox"; return ;;
			esac
		done
		sleep 0.1
	done
}

sent=0
while :; do
	batch_rows=$(q -c "SELECT claim_id, id, topic, attempts, payload FROM booking.outbox_claim('$name', $batch, '30 seconds', $topic)") || exit 1
	if [ -z "$batch_rows" ]; then
		[ $drain = 1 ] && break
		wait_for_wake
		continue
	fi
	claim=$(echo "$batch_rows" | head -1 | cut -f1); ok_ids=
	while IFS=$'\t' read -r _ id t attempts payload; do
		if [[ $t == *.fail_demo ]]; then
			r=$(q -c "SELECT status || ' until ' || to_char(available_at, 'HH24:MI:SS') FROM booking.outbox_fail('$claim', $id, 'demo: the provider refused it')")
			echo "relay $name: event $id $t failed (attempt $attempts): $r"
			continue
		fi
		echo "relay $name: would send event $id $t (attempt $attempts) $payload"
		if [ "$t" = message.queued ]; then
			# a message: record the provider's id for it (here a made-up one)
			q -v p="$payload" -v pid="demo-$id" >/dev/null <<<"SELECT booking.message_sent((:'p'::jsonb ->> 'org_id')::uuid, (:'p'::jsonb ->> 'message_id')::uuid, 'demo', :'pid')"
		fi
		ok_ids="$ok_ids${ok_ids:+,}$id"
	done <<<"$batch_rows"
	if [ -n "$ok_ids" ]; then
		n=$(q -c "SELECT booking.outbox_ack('$claim', '{$ok_ids}')") || exit 1
		sent=$((sent + n))
	fi
done
echo "relay $name: drained, $sent event(s) acknowledged"
echo '\q' >&"${WAITER[1]}"
