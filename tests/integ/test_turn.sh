#!/usr/bin/env bash
# TURN over UDP against the real binary, driven by coturn's turnutils
# clients: channels, Send indications, client-to-client, static user and
# REST secret, 0% loss; and the default peer policy.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
SECRET=rest-secret-$RANDOM
cat >"$WORK/turn.conf" <<CONF
listen = ( "127.0.0.1:$PORT", "[::1]:$PORT" );
realm = "test.example";
users = ( "alice:wonderland" );
auth-secrets = ( "old-secret", "$SECRET" );
relay-ports = "$RELAY_PORTS";
allow-peer = ( "127.0.0.1/32", "::1/128" );
user-quota = 500;
CONF

turnutils_peer -L 127.0.0.1 -L ::1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null; cleanup' EXIT

if ! start_server -c "$WORK/turn.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts with users, REST secrets and a loopback peer allowed"

# uclient: run bounded in time, assert 0% loss from its report.
uclient() { # description, extra flags...
	local d=$1; shift
	local out
	out=$(timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" "$@" 127.0.0.1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out" &&
	   grep -qE 'Total transmit time' <<<"$out"; then
		ok "$d"
	else
		not_ok "$d"; tail -8 <<<"$out" | sed 's/^/#   /'
	fi
}
uclient "uclient channels, static user, 50 clients x 100 msgs: 0% loss" \
	-u alice -w wonderland -m 50 -n 100 -z 5 -c
uclient "uclient Send indications (-s): 0% loss" \
	-u alice -w wonderland -m 50 -n 100 -z 5 -c -s
uclient "uclient client-to-client (-y), relay to relay: 0% loss" \
	-u alice -w wonderland -m 50 -n 100 -z 5 -y
uclient "uclient REST secret (-W) with a rotated secret: 0% loss" \
	-W "$SECRET" -u restuser -m 50 -n 100 -z 5 -c
uclient "uclient with RTCP pairs and DONT-FRAGMENT (-g): 0% loss" \
	-u alice -w wonderland -m 10 -n 50 -g
uclient "uclient IPv6 relay (-x) to an IPv6 peer: 0% loss" \
	-u alice -w wonderland -m 10 -n 50 -c -x -e ::1
# Mixed families (RFC 8656 §7.2 as RFC 6156 folded in): a client on ::1
# with an IPv4 relay, and with an IPv6 one.
uclient6() { # description, extra flags...
	local d=$1; shift
	local out
	out=$(timeout 60 turnutils_uclient -p "$PORT" -r "$PEER_PORT" -u alice -w wonderland "$@" ::1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"; then ok "$d"
	else not_ok "$d"; tail -8 <<<"$out" | sed 's/^/#   /'; fi
}
uclient6 "IPv6 client, IPv4 relay to an IPv4 peer: 0% loss" -m 5 -n 50 -c -e 127.0.0.1
uclient6 "IPv6 client, IPv6 relay (-x) to an IPv6 peer: 0% loss" -m 5 -n 50 -c -x -e ::1

out=$(timeout 20 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" -u alice -w wrong -m 1 -n 5 -c 127.0.0.1 2>&1)
check "wrong password: no relay" bash -c '! grep -qE "Total lost packets 0 \(0\.0+%\)" <<<"$0"' "$out"

# Our own probe: each refusal with its code.
tp() { "$PROBE" turn 127.0.0.1 "$PORT" "$@"; }
out=$(tp alice wonderland perm 169.254.169.254)
check "CreatePermission to 169.254.169.254: 403" grep -q '^PERM 403' <<<"$out"
out=$(tp alice wonderland perm 10.1.2.3)
check "CreatePermission to 10.1.2.3: 403" grep -q '^PERM 403' <<<"$out"
out=$(tp alice wonderland perm 127.0.0.1:$PORT)
check "CreatePermission to the server's own port: 403" grep -q '^PERM 403' <<<"$out"
out=$(tp alice wonderland perm 127.0.0.1)
check "CreatePermission to the allowed echo peer: 200" grep -q '^PERM 200' <<<"$out"
out=$(tp alice nope perm 127.0.0.1)
check "wrong password: 401" grep -q '^ALLOCATE 401' <<<"$out"
out=$(tp "$(( $(date +%s) - 10 )):restuser" "rest:$SECRET" perm 127.0.0.1)
check "expired REST username: 401" grep -q '^ALLOCATE 401' <<<"$out"
out=$(tp "$(( $(date +%s) + 600 )):restuser" "rest:$SECRET" perm 127.0.0.1)
check "valid REST username: allocation" grep -q '^ALLOCATE 200' <<<"$out"
# Bursts through one relay, sent back to back in rounds of 32 (read and
# sent in batches by the server): complete, in order, byte for byte.
out=$(tp alice wonderland burst 1000)
check "peer burst to client as Data indications: 1000/1000 in order" grep -q '^BURST-IND 1000/1000' <<<"$out"
check "peer burst to client as ChannelData: 1000/1000 in order" grep -q '^BURST-CHAN 1000/1000' <<<"$out"
check "client burst to peer as ChannelData: 1000/1000 in order" grep -q '^BURST-OUT 1000/1000' <<<"$out"
out=$(tp alice wonderland refresh0)
check "Refresh lifetime 0 deletes; next Refresh 437" grep -q '^REFRESH-AFTER-DELETE 437' <<<"$out"

check "server still running" kill -0 "$SERVER_PID"
check "SIGTERM: clean exit with allocations live" stop_server

# Default policy: no allow-peer → loopback peer refused, TURN still closed
# to strangers.
sed -i '/allow-peer/d' "$WORK/turn.conf"
echo 'nonce-lifetime = 2;' >>"$WORK/turn.conf"
start_server -c "$WORK/turn.conf" || not_ok "server restarts"
out=$(tp alice wonderland perm 127.0.0.1)
check "default policy: CreatePermission to 127.0.0.1 is 403" grep -q '^PERM 403' <<<"$out"
out=$(tp alice wonderland perm ::ffff:127.0.0.1)
check "default policy: ::ffff:127.0.0.1 is refused too" grep -qE '^PERM (403|443)' <<<"$out"
out=$(tp alice wonderland stale)
check "a nonce past nonce-lifetime: 438" grep -q '^STALE 438' <<<"$out"
stop_server >/dev/null

# No users and no secrets: Allocate refused, Binding works.
printf 'listen = ( "127.0.0.1:%s" );\n' "$PORT" >"$WORK/open.conf"
start_server -c "$WORK/open.conf" || not_ok "server without users starts"
out=$(tp anyone anything perm 8.8.8.8)
check "no users configured: Allocate refused (401)" grep -q '^ALLOCATE 401' <<<"$out"
check "no users configured: clean exit" stop_server
finish
