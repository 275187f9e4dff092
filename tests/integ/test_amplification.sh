#!/usr/bin/env bash
# Reflection amplification over UDP at the default settings, realm of 12
# characters: for every request a stranger can send without credentials,
# bytes answered / bytes sent (UDP payloads), measured by ampprobe.
#   Binding (plain, RFC 3489, FINGERPRINT, PADDING, odd optional
#   attributes, CHANGE-REQUEST): <= 2.0 over IPv4. Over IPv6 the
#   XOR-MAPPED-ADDRESS alone is 24 bytes: 44/20 = 2.2 is the floor.
#   Everything else (Allocate, Refresh, CreatePermission, ChannelBind,
#   Connect, ConnectionBind, indication methods sent as requests, a 420,
#   a 400): <= 3.5. Each must still be answered (no dropping).
#   ConnectionBind over UDP is 400 (RFC 6062 §5.4: TCP only), never a
#   401 challenge.
# Then no state for unauthenticated requests: 10,000 unsigned Allocates
# from 100 source ports leave the daemon's RSS within 1 MiB.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
AMP=$TOOLS/ampprobe

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
cat >"$WORK/amp.conf" <<CONF
listen = ( "127.0.0.1:$PORT", "[::1]:$PORT" );
realm = "example.org1";
users = ( "alice:wonderland" );
relay-ports = "$(relay_range)";
CONF

if ! start_server -c "$WORK/amp.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts (defaults, realm example.org1)"

# check_ratios ADDR MAX_BINDING: one assertion per case.
check_ratios() {
	local addr=$1 maxb=$2 out name o i r code max
	out=$(timeout 30 "$AMP" "$addr" "$PORT") || { not_ok "ampprobe $addr ran"; return; }
	while read -r name _ o _ i _ r _ code; do
		max=3.5 want=any
		[[ $name == binding* ]] && max=$maxb
		[[ $name == connection-bind* ]] && want=400
		if [ "$code" != 0 ] && { [ $want = any ] || [ "$code" = $want ]; } && awk -v r="$r" -v m="$max" 'BEGIN { exit !(r <= m) }'; then
			ok "$addr $name: $i/$o bytes = ${r}x <= ${max}x (answered $code)"
		else
			not_ok "$addr $name: $i/$o bytes = ${r}x, answer $code (limit ${max}x, answer $want)"
		fi
	done <<<"$out"
}
check_ratios 127.0.0.1 2.0
check_ratios ::1 2.2

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
before=$(rss)
timeout 60 "$AMP" 127.0.0.1 "$PORT" flood 10000 >/dev/null
after=$(rss)
check "10,000 unsigned Allocates: RSS ${before} -> ${after} KiB (<= +1024)" \
	test "$after" -le $((before + 1024))
# Still serving (the flood source is rate-limited, not the server).
check "Binding still answered after the flood" \
	bash -c "timeout 5 '$AMP' ::1 '$PORT' binding | grep -q 'code 200'"

check "server stops cleanly" stop_server
finish
