#!/usr/bin/env bash
# TURN over TCP against the real binary: turnutils_uclient over a TCP
# control connection (channels, Send indications, relay to relay, IPv6
# relay), RFC 6062 TCP relays with turnutils_peer and half-closes that
# lose no byte, and connection hygiene: idle connections closed, per-IP
# caps, 200 idle connections that do not stop a new client.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
FLOOD=$TOOLS/connflood

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
write_conf() { # extra lines...
	cat >"$WORK/tcp.conf" <<CONF
listen = ( "127.0.0.1:$PORT", "[::1]:$PORT" );
realm = "test.example";
users = ( "alice:wonderland" );
relay-ports = "$RELAY_PORTS";
allow-peer = ( "127.0.0.1/32", "::1/128" );
user-quota = 500;
CONF
	printf '%s\n' "$@" >>"$WORK/tcp.conf"
}

turnutils_peer -L 127.0.0.1 -L ::1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null; [ -n "${FLOOD_PID:-}" ] && kill $FLOOD_PID 2>/dev/null; cleanup' EXIT

write_conf 'tcp-idle-timeout = 2;' 'max-conns-per-ip = 0;'
if ! start_server -c "$WORK/tcp.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts (TCP and UDP on 127.0.0.1 and ::1)"

uclient() { # description, extra flags...
	local d=$1; shift
	local out
	out=$(timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" -u alice -w wonderland "$@" 127.0.0.1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out" &&
	   grep -qE 'Total transmit time' <<<"$out"; then
		ok "$d"
	else
		not_ok "$d"; tail -8 <<<"$out" | sed 's/^/#   /'
	fi
}
uclient "uclient -t channels, 20 clients x 100 msgs: 0% loss" -t -m 20 -n 100 -z 5 -c
uclient "uclient -t Send indications (-s): 0% loss" -t -m 20 -n 100 -z 5 -c -s
uclient "uclient -t client-to-client (-y): 0% loss" -t -m 20 -n 100 -z 5 -y
uclient "uclient -t IPv6 relay (-x) to an IPv6 peer: 0% loss" -t -m 10 -n 50 -c -x -e ::1
uclient "uclient -T RFC 6062 TCP relay with turnutils_peer: 0% loss" -T -m 20 -n 100
uclient "uclient -T RFC 6062, 1000-byte messages: 0% loss" -T -m 5 -n 50 -l 1000

# RFC 6062 half-close: a side that sends and closes at once loses
# nothing. The peer (stunprobe's child) writes before the data connection
# is even bound; 1 MB is past the pipe's 256 KiB back-pressure mark, so
# the tail is still queued in the server when the EOF is read. Every
# pipe is gone afterwards (the server's fds back to where they were).
nfd() { find "/proc/$SERVER_PID/fd" -mindepth 1 2>/dev/null | wc -l; }
FD0=$(nfd)
for n in 200 1000000; do
	out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland pipe-peer-close "$n" 2>&1)
	check "RFC 6062: a peer sends $n bytes and closes at once: the client's data connection gets all of them, then EOF" \
		grep -qx "PIPE got $n bad 0 eof 1" <<<"$out" || sed 's/^/#   /' <<<"$out"
	out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland pipe-client-close "$n" 2>&1)
	check "RFC 6062: the client sends $n bytes and closes its data connection: the peer gets all of them, then EOF" \
		grep -qx "PIPE got $n bad 0 eof 1" <<<"$out" || sed 's/^/#   /' <<<"$out"
done
for _ in $(seq 1 30); do [ "$(nfd)" -le "$FD0" ] && break; sleep 0.2; done
check "the half-closed pipes are freed (server fds $FD0, now $(nfd))" test "$(nfd)" -le "$FD0"

out=$("$PROBE" tcp 127.0.0.1 "$PORT" 2>&1)
check "Binding over TCP still answered" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"

# 200 idle connections (no per-IP cap here): a new client is still
# served while they are open, and the server closes them all after
# tcp-idle-timeout (2 s), not before.
"$FLOOD" 127.0.0.1 127.0.0.1 "$PORT" 200 10 >"$WORK/flood1.out" 2>&1 &
FLOOD_PID=$!
sleep 0.3
uclient "uclient -t served while 200 idle connections are open: 0% loss" -t -m 5 -n 20 -c
wait "$FLOOD_PID"; FLOOD_PID=""
sed 's/^/#   /' "$WORK/flood1.out"
check "200 idle connections all accepted" grep -q '^connected 200$' "$WORK/flood1.out"
check "none closed at once (no per-IP cap configured)" grep -q '^refused 0$' "$WORK/flood1.out"
last=$(sed -n 's/^closed 200 open 0 last \([0-9]*\)$/\1/p' "$WORK/flood1.out")
check "all 200 closed by the idle timeout, between 1.5 s and 6 s" \
	test -n "$last" -a "${last:-0}" -ge 1500 -a "${last:-0}" -le 6000
check "server still running" kill -0 "$SERVER_PID"
check "SIGTERM: clean exit" stop_server

# The per-IP cap: 100 connections from 127.0.0.2 with a cap of 64; the
# 36 over the cap are closed at once; 127.0.0.1 is still served.
write_conf 'tcp-idle-timeout = 30;' 'max-conns-per-ip = 64;'
start_server -c "$WORK/tcp.conf" || not_ok "server restarts"
"$FLOOD" 127.0.0.2 127.0.0.1 "$PORT" 100 3 >"$WORK/flood2.out" 2>&1 &
FLOOD_PID=$!
sleep 0.3
out=$("$PROBE" tcp 127.0.0.1 "$PORT" 2>&1)
check "another source IP is served while one is at its cap" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
wait "$FLOOD_PID"; FLOOD_PID=""
sed 's/^/#   /' "$WORK/flood2.out"
check "max-conns-per-ip 64: 36 of 100 refused at once" grep -q '^refused 36$' "$WORK/flood2.out"
check "the 64 admitted stay open within tcp-idle-timeout" grep -q '^closed 36 open 64' "$WORK/flood2.out"
check "SIGTERM: clean exit" stop_server
finish
