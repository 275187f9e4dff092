#!/usr/bin/env bash
# The peer policy on every path and in every spelling, against the real
# binary: CreatePermission, ChannelBind and RFC 6062 Connect (over TCP)
# to loopback, its IPv4-mapped, IPv4-compatible and NAT64 spellings,
# the unspecified addresses, cloud metadata and a private address are
# refused with 403 under the default policy (no allow-peer), and the
# server logs why. The data paths (Send indications, ChannelData) are
# checked with an observable echo: what a denied peer would send back
# comes through a permission we hold, so "nothing came back" means
# "nothing was sent".
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
ECHO_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
write_conf() { # extra lines...
	cat >"$WORK/policy.conf" <<CONF
listen = ( "127.0.0.1:$PORT", "[::1]:$PORT" );
realm = "test.example";
users = ( "alice:wonderland" );
relay-ports = "$RELAY_PORTS";
user-quota = 0;
CONF
	printf '%s\n' "$@" >>"$WORK/policy.conf"
}
tp() { "$PROBE" turn 127.0.0.1 "$PORT" alice wonderland "$@" 2>&1; }
expect() { # description, regex, output: ok if a line matches, else show it
	if grep -qE "$2" <<<"$3"; then ok "$1"
	else not_ok "$1"; sed 's/^/#   /' <<<"$3"; fi
}

turnutils_peer -L 127.0.0.1 -L ::1 -p "$ECHO_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null; cleanup' EXIT

# --- 1. Control paths, default policy ----------------------------------
write_conf
if ! start_server -c "$WORK/policy.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts with the default peer policy (no allow-peer)"

# spelling|why (IPv6 spellings get an IPv6 relay: REQUESTED-ADDRESS-FAMILY,
# so the answer is the policy's, not 443 for a family mismatch)
SPELLINGS="
127.0.0.1:$ECHO_PORT|loopback
[::ffff:127.0.0.1]:$ECHO_PORT|IPv4-mapped loopback
[::127.0.0.1]:$ECHO_PORT|IPv4-compatible loopback
[64:ff9b::7f00:1]:$ECHO_PORT|NAT64 loopback
0.0.0.0:$ECHO_PORT|0.0.0.0
[::]:$ECHO_PORT|[::]
169.254.169.254:80|cloud metadata
10.0.0.1:$ECHO_PORT|private 10/8
"
while IFS='|' read -r peer why; do
	[ -n "$peer" ] || continue
	expect "CreatePermission to $peer ($why): 403" '^PERM 403' "$(tp perm "$peer")"
	expect "ChannelBind to $peer ($why): 403" '^CHANBIND 403' "$(tp chanbind "$peer")"
	expect "Connect (RFC 6062, TCP) to $peer ($why): 403" '^CONNECT 403' "$(tp connect "$peer")"
done <<<"$SPELLINGS"

# Controls: the same probes reach a public address (nothing is sent to
# it by CreatePermission or ChannelBind; Connect fails to connect: 447
# or the like, but not 403).
out=$(tp perm 8.8.8.8:53)
check "control: CreatePermission to 8.8.8.8 is 200" grep -q '^PERM 200' <<<"$out" ||
	sed 's/^/#   /' <<<"$out"
out=$(tp chanbind 8.8.8.8:53)
check "control: ChannelBind to 8.8.8.8 is 200" grep -q '^CHANBIND 200' <<<"$out"
out=$(tp connect 192.0.2.1:9)
check "control: Connect is judged too (192.0.2.1, documentation range: 403)" \
	grep -q '^CONNECT 403' <<<"$out"

log=$WORK/server.log
check "log: IPv6 spellings were judged on an IPv6 relay as the host's loopback" \
	grep -q 'relay=\[::1\]:[0-9]* peer="\[::ffff:127.0.0.1\]:[0-9]* (host)"' "$log"
check "log: NAT64 loopback judged default-deny" \
	grep -q 'peer="\[64:ff9b::7f00:1\]:[0-9]* (default-deny)"' "$log"
check "log: 0.0.0.0 and [::] are never relayed to" \
	bash -c 'grep -q "peer=\"0.0.0.0:[0-9]* (never)\"" "$0" &&
		 grep -q "peer=\"\[::\]:[0-9]* (never)\"" "$0"' "$log"
check "log: TCP allocations logged their denials too" \
	grep -q 'transport=tcp .*peer="169.254.169.254:80 (default-deny)"' "$log"
check "server still running" kill -0 "$SERVER_PID"
check "SIGTERM: clean exit" stop_server

# --- 2. Data paths: Send indications and ChannelData -------------------
# Loopback allowed, so an echo peer can prove the probe sees what comes
# back; every target below would echo back through that permission.
write_conf 'allow-peer = ( "127.0.0.1/32", "::1/128" );'
start_server -c "$WORK/policy.conf" || not_ok "server restarts with loopback allowed"

out=$(tp data "127.0.0.1:$ECHO_PORT")
check "control: Send indication to the allowed echo peer comes back" \
	grep -q '^SEND-ECHO 1' <<<"$out"
check "control: ChannelData to the allowed echo peer comes back" \
	grep -q '^CHAN-ECHO 1' <<<"$out"
out=$(tp data "[::1]:$ECHO_PORT")
check "control: the same over an IPv6 relay" \
	bash -c 'grep -q "^SEND-ECHO 1" <<<"$0" && grep -q "^CHAN-ECHO 1" <<<"$0"' "$out"

datatest() { # description, perm peer, target
	local out
	out=$(tp data "$2" "$3")
	check "$1: ChannelBind 403" grep -q '^CHANBIND 403' <<<"$out"
	expect "$1: Send indication, nothing arrives" '^SEND-ECHO 0' "$out"
}
# The server's own listener (a Binding request would be answered).
datatest "to the server's own port 127.0.0.1:$PORT" "127.0.0.1:$ECHO_PORT" "127.0.0.1:$PORT"
datatest "to the server's own port [::1]:$PORT" "[::1]:$ECHO_PORT" "[::1]:$PORT"
# The unspecified addresses reach loopback on Linux; the echo would come
# back from the permitted loopback address.
datatest "to 0.0.0.0:$ECHO_PORT (would reach the echo)" "127.0.0.1:$ECHO_PORT" "0.0.0.0:$ECHO_PORT"
datatest "to [::]:$ECHO_PORT (would reach the echo)" "[::1]:$ECHO_PORT" "[::]:$ECHO_PORT"

# A permission and a channel to a peer that the policy then forbids
# (reload without allow-peer): Send and ChannelData stop at once.
mkfifo "$WORK/hold.in"
tp data "127.0.0.1:$ECHO_PORT" "127.0.0.1:$ECHO_PORT" hold <"$WORK/hold.in" >"$WORK/hold.out" &
HOLD_PID=$!
exec 7>"$WORK/hold.in"
for _ in $(seq 1 50); do grep -q '^HOLD' "$WORK/hold.out" && break; sleep 0.1; done
write_conf
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$WORK/server.log" && break; sleep 0.1; done
echo go >&7
exec 7>&-
wait "$HOLD_PID"
out=$(cat "$WORK/hold.out")
check "before the reload: Send and ChannelData reach the echo peer" \
	bash -c 'grep -q "^SEND-ECHO 1" <<<"$0" && grep -q "^CHAN-ECHO 1" <<<"$0"' "$out"
check "after a reload to the default policy: a Send indication on the old permission is dropped" \
	grep -q '^SEND-ECHO-AFTER 0' <<<"$out"
expect "after a reload to the default policy: ChannelData on the old channel is dropped" \
	'^CHAN-ECHO-AFTER 0' "$out"
check "SIGTERM: clean exit" stop_server
finish
