#!/usr/bin/env bash
# Safe by default, against the real binary on loopback (docs/security.md):
# - the TURN credential in a signaling welcome without a join ticket is
#   scoped to relay-to-relay (anonymous-relay "relay", the default): it
#   relays between allocations of this server (turnutils_uclient -y) and
#   gets 403 for any other peer, public ones included; editing the scope
#   out of the username breaks its HMAC; "any" and "off" do what they say;
# - the peer policy covers every listener of the server (TURN, TLS, DTLS,
#   HTTP, admin) and the host's own addresses, on CreatePermission,
#   ChannelBind, Send/ChannelData and RFC 6062 Connect, even inside an
#   allowed range;
# - forged UDP requests with made-up nonces from a client's own IP lock
#   nobody out: its signed Refresh is still answered.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN TURNPIKE_ADMIN_LISTEN

WS=$TOOLS/wsprobe
PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
HPORT=$(free_port); APORT=$(free_port); TPORT=$(free_port)
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
tp() { "$PROBE" turn 127.0.0.1 "$PORT" "$@" 2>&1; }
ws() { timeout 30 "$WS" 127.0.0.1 "$HPORT"; }

# welcome_cred: join a room over the WebSocket; sets USER and CRED from
# the welcome's iceServers (empty when it carries none).
welcome_cred() {
	local out
	out=$(printf '%s\n' 'open W' \
		'send W {"type":"join","room":"safe","name":"eve"}' \
		'expect W welcome' | ws)
	USER=$(sed -n 's/.*"username":"\([^"]*\)".*/\1/p' <<<"$out" | head -1)
	CRED=$(sed -n 's/.*"credential":"\([^"]*\)".*/\1/p' <<<"$out" |
		head -1 | sed 's#\\/#/#g')
}

# serve NAME EXTRA-CONFIG: a server with the HTTP listener and no users.
serve() {
	cat >"$WORK/$1.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
http-listen = ( "127.0.0.1:$HPORT" );
realm = "safe.test";
relay-ports = "$RELAY_PORTS";
$2
CONF
	start_server -c "$WORK/$1.conf" || return 1
	case $2 in *cert*) return 0;; esac     # HTTPS then: TURN is up
	for _ in $(seq 1 50); do
		echo 'http GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n' | ws |
			grep -q "HTTP 200" && return 0
		sleep 0.1
	done
	return 1
}

# --- 1. the demo's credential (no users, no secret: one made up at start)
if ! serve demo ""; then not_ok "demo server starts"; finish; exit 1; fi
check "startup log names the credential mode" \
	grep -q "anonymous-relay=relay: joins without a ticket get TURN credentials that relay only" "$WORK/server.log"
welcome_cred
check "welcome carries a scoped credential EXPIRY:relay:ID ($USER)" \
	grep -qE '^[0-9]+:relay:[A-Za-z0-9_-]+$' <<<"$USER"
out=$(tp "$USER" "$CRED" perm 8.8.8.8)
check "scoped credential allocates" grep -q '^ALLOCATE 200' <<<"$out"
check "scoped credential: CreatePermission to 8.8.8.8 is 403" grep -q '^PERM 403' <<<"$out"
out=$(tp "$USER" "$CRED" chanbind 1.1.1.1:53)
check "scoped credential: ChannelBind to 1.1.1.1:53 is 403" grep -q '^CHANBIND 403' <<<"$out"
out=$(tp "${USER/:relay:/:}" "$CRED" perm 8.8.8.8)
check "the scope edited out of the username: 401" grep -q '^ALLOCATE 401' <<<"$out"
out=$(timeout 60 turnutils_uclient -p "$PORT" -u "$USER" -w "$CRED" -y -c \
	-m 5 -n 50 -z 5 127.0.0.1 2>&1)
check "scoped credential relays to another allocation (uclient -y): 0% loss" \
	grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"
stop_server >/dev/null

# The same with a configured secret and the peer range allowed: the scope
# still wins over allow-peer.
SECRET=safe-secret-$RANDOM
if serve secret "auth-secrets = ( \"$SECRET\" ); allow-peer = ( \"0.0.0.0/0\" );"; then
	welcome_cred
	out=$(tp "$USER" "$CRED" perm 8.8.8.8)
	check "auth-secrets, no join-secret: still scoped, 403 despite allow-peer 0.0.0.0/0" \
		grep -q '^PERM 403' <<<"$out"
	out=$(tp "$(( $(date +%s) + 600 )):app-user" "rest:$SECRET" perm 8.8.8.8)
	check "an app-minted REST credential is not scoped: 200" grep -q '^PERM 200' <<<"$out"
	stop_server >/dev/null
else
	stop_server >/dev/null
	not_ok "server with a secret starts"
fi

if serve any 'anonymous-relay = "any";'; then
	check "startup log says anonymous-relay=any" grep -q "anonymous-relay=any" "$WORK/server.log"
	welcome_cred
	out=$(tp "$USER" "$CRED" perm 8.8.8.8)
	check "anonymous-relay any: unscoped, CreatePermission to 8.8.8.8 is 200" \
		grep -q '^PERM 200' <<<"$out"
	stop_server >/dev/null
else
	stop_server >/dev/null
	not_ok "server with anonymous-relay any starts"
fi

if serve off 'anonymous-relay = "off";'; then
	welcome_cred
	check "anonymous-relay off: no TURN credential in the welcome" test -z "$USER"
	stop_server >/dev/null
else
	stop_server >/dev/null
	not_ok "server with anonymous-relay off starts"
fi

# --- 5. the whole host: every listener, even with loopback allowed
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
if serve host "users = ( \"alice:wonderland\" );
allow-peer = ( \"127.0.0.1/32\" );
admin-listen = ( \"127.0.0.1:$APORT\" );
tls-listen = ( \"127.0.0.1:$TPORT\" );
cert = \"$WORK/cert.pem\";
key = \"$WORK/key.pem\";"; then
	for p in "$APORT admin" "$HPORT http" "$TPORT tls-dtls" "$PORT turn"; do
		set -- $p
		out=$(tp alice wonderland chanbind "127.0.0.1:$1")
		check "allow-peer 127.0.0.1/32: ChannelBind to the $2 listener is 403" \
			grep -q '^CHANBIND 403' <<<"$out"
		case $2 in admin|http) continue;; esac     # TCP only
		out=$(tp alice wonderland data 127.0.0.1 "127.0.0.1:$1")
		check "allow-peer 127.0.0.1/32: nothing reaches the $2 listener by Send or ChannelData" \
			grep -q '^SEND-ECHO 0' <<<"$out"
	done
	out=$(tp alice wonderland connect "127.0.0.1:$APORT")
	check "RFC 6062 Connect to the admin listener is 403" grep -q '^CONNECT 403' <<<"$out"
	out=$(tp alice wonderland connect "127.0.0.1:$HPORT")
	check "RFC 6062 Connect to the HTTP listener is 403" grep -q '^CONNECT 403' <<<"$out"
	out=$(tp alice wonderland perm 127.0.0.2)
	check "another loopback address, not allowed, is 403" \
		grep -q '^PERM 403' <<<"$out"
	turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
	PEER_PID=$!
	sleep 0.3
	out=$(tp alice wonderland data 127.0.0.1 "127.0.0.1:$PEER_PORT")
	check "a peer on the allowed address is still reached" grep -q '^SEND-ECHO 1' <<<"$out"
	kill "$PEER_PID" 2>/dev/null
	stop_server >/dev/null
else
	stop_server >/dev/null
	not_ok "server with every listener starts"; tail -5 "$WORK/server.log" | sed "s/^/# /"
fi

# The range around the host allowed, not the address: refused.
if serve range 'users = ( "alice:wonderland" ); allow-peer = ( "127.0.0.0/8" );'; then
	out=$(tp alice wonderland perm "127.0.0.1:$PEER_PORT")
	check "allow-peer 127.0.0.0/8 does not open the host's own 127.0.0.1: 403" grep -q '^PERM 403' <<<"$out"
	out=$(tp alice wonderland perm "127.0.0.2:$PEER_PORT")
	check "while 127.0.0.2, in the range and no interface address, is allowed: 200" \
		grep -q '^PERM 200' <<<"$out"
	grep -q 'alloc.denied.*(host)' "$WORK/server.log" && ok "the denial is logged as host" ||
		not_ok "the denial is logged as host"

	# --- 6. forged nonces from the client's own IP
	out=$(tp alice wonderland forged 150)
	check "150 forged signed requests: the real client's Refresh is still 200" \
		grep -q '^FORGED-REFRESH 200' <<<"$out"
	stop_server >/dev/null
else
	stop_server >/dev/null
	not_ok "server with 127.0.0.0/8 allowed starts"
fi
finish
