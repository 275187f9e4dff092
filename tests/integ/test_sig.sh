#!/usr/bin/env bash
# The HTTP listener and the signaling WebSocket against the real binary,
# driven by tests/tools/wsprobe (a scripted C client: no node, no curl):
# HTTP status codes and limits, static files, the WebSocket handshake and
# Origin policy, join/relay/chat/leave between real connections, room
# isolation, error codes, frame-level limits, resume with a session token,
# the connection cap, and /api/ice-servers whose credential the TURN side
# of the same daemon accepts.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN       # this test sets its own listeners

WS=$TOOLS/wsprobe
PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
HPORT=$(free_port)
SECRET=rest-secret-$RANDOM
APIKEY=api-key-$RANDOM$RANDOM
mkdir -p "$WORK/www/sub" "$WORK/www/.git"
echo '<!doctype html><title>turnpike test page</title>' >"$WORK/www/index.html"
echo 'body { color: red }' >"$WORK/www/sub/style.css"
echo 'secret' >"$WORK/www/.git/config"
ln -s /etc/passwd "$WORK/www/passwd"
cat >"$WORK/sig.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
http-listen = ( "127.0.0.1:1" );
www-dir = "$WORK/www";
realm = "test.example";
auth-secrets = ( "$SECRET" );
api-key = "$APIKEY";
max-sig-conns = 5;
sig-max-message = 4096;
chat-history = 5;
CONF

# --http-listen on the command line replaces the file's list.
if ! start_server -c "$WORK/sig.conf" --http-listen "127.0.0.1:$HPORT"; then
	not_ok "server starts"; finish; exit 1
fi
ws() { timeout 60 "$WS" 127.0.0.1 "$HPORT"; }
has() { grep -qF -- "$1" <<<"$OUT"; }
for _ in $(seq 1 50); do
	OUT=$(echo 'http GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n' | ws)
	has "HTTP 200" && break
	sleep 0.1
done
check "server starts with the HTTP listener from --http-listen" has "HTTP 200"
check "GET /healthz: 200 ok" has "BODY ok"

# --- plain HTTP
BIG=$(printf 'X-Pad: %09000d\\r\\n' 0)
OUT=$(ws <<EOF
http GET /nope.html HTTP/1.1\r\nHost: h\r\n\r\n
http POST /healthz HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc
http GET / HTTP/1.1\r\nHost: h\r\n$BIG\r\n
http GET / HTTP/1.1\r\nHost: h\r\n\r\n
http HEAD /sub/style.css HTTP/1.1\r\nHost: h\r\n\r\n
http GET /../../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n
http GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n
http GET /passwd HTTP/1.1\r\nHost: h\r\n\r\n
http GET /.git/config HTTP/1.1\r\nHost: h\r\n\r\n
http GET / HTTP/2.0\r\nHost: h\r\n\r\n
http GET / HTTP/1.1\r\n\r\n
EOF
)
codes=$(grep '^HTTP ' <<<"$OUT" | cut -d' ' -f2 | tr '\n' ' ')
[ "$codes" = "404 405 431 200 200 404 404 404 404 505 400 " ] && ok "HTTP codes: 404, 405 for POST, 431 for a 9 KB head, 200, HEAD 200, traversal/symlink/hidden 404, 505, 400 without Host" || { not_ok "HTTP codes"; echo "# got: $codes"; }
check "GET / serves www-dir/index.html" has "BODY <!doctype html><title>turnpike test page</title>"
check "HEAD sends no body" bash -c '! grep -q "color: red" <<<"$0"' "$OUT"
check "no file outside www-dir leaked" bash -c '! grep -qE "root:|secret" <<<"$0"' "$OUT"

# --- handshake and Origin
OUT=$(ws <<EOF
http GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n
http GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n
open O1 http://evil.example
open O2 http://127.0.0.1:$HPORT
EOF
)
codes=$(grep '^HTTP ' <<<"$OUT" | cut -d' ' -f2 | tr '\n' ' ')
check "bad upgrade (no key): 400; version 8: 426 ($codes)" test "$codes" = "400 426 "
check "a foreign Origin: 403" has "O1 status 403"
check "the same-host Origin: 101" has "O2 open 101"

# --- two peers, a third in another room
OUT=$(ws <<'EOF'
open A
send A {"type":"join","room":"demo","name":"Alice","video":true}
expect A "type":"welcome"
open B
frag B {"type":"join","room":"demo","name":"Bob <b>"}
expect B "peers":[{"id":"{{A}}","name":"Alice","state":{"audio":false,"video":true}}]
expect A "type":"peer-joined"
open C
send C {"type":"join","room":"other","name":"Carol"}
expect C "type":"welcome"
send A {"type":"offer","to":"{{B}}","sdp":"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n","x":"dropped"}
expect B {"type":"offer","from":"{{A}}","sdp":"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"}
send B {"type":"answer","to":"{{A}}","sdp":"v=0"}
expect A {"type":"answer","from":"{{B}}","sdp":"v=0"}
send B {"type":"candidate","to":"{{A}}","candidate":{"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}
expect A "type":"candidate","from":"{{B}}"
send A {"type":"chat","text":"hi </script><img src=x>"}
expect B "text":"hi <\/script><img src=x>"
expect A "type":"chat","from":"{{A}}"
send B {"type":"peer-state","audio":true,"video":false}
expect A {"type":"peer-state","id":"{{B}}","name":"Bob <b>","audio":true,"video":false}
send A {"type":"offer","to":"{{C}}","sdp":"x"}
expect A "code":"unknown-peer"
quiet C "from":
send A {"type":"nope"}
expect A "code":"unknown-type"
send A not json
expect A "code":"malformed"
send A {"type":"join","room":"demo","name":"again"}
expect A "code":"already-joined"
open D
send D {"type":"join","room":"demo","name":"\u0007bell"}
expect D "code":"bad-name"
send D {"type":"chat","text":"x"}
expect D "code":"not-joined"
send D {"type":"ping"}
expect D "type":"pong"
open E
send E {"type":"join","room":"late","name":"Eve"}
expect E "type":"welcome"
binary E abc
expect-close E
big D 5000
expect-close D
unmasked C {"type":"ping"}
expect-close C
drop B
expect A {"type":"peer-left","id":"{{B}}"}
open B2
send B2 {"type":"join","room":"demo","name":"Bob","token":"{{B.token}}"}
expect B2 "resumed":true
expect A "type":"peer-joined"
close B2
expect A "type":"peer-left"
send A {"type":"leave"}
send A {"type":"chat","text":"x"}
expect A "code":"not-joined"
EOF
)
check "join: welcome with the peers already there" has 'EXPECT-OK B "peers":[{"id":"'
check "peer-joined broadcast" has 'EXPECT-OK A "type":"peer-joined"'
check "offer relayed to 'to' with 'from', unknown fields dropped" has 'EXPECT-OK B {"type":"offer","from":"'
check "answer relayed back" has 'EXPECT-OK A {"type":"answer","from":"'
check "candidate relayed" has 'EXPECT-OK A "type":"candidate","from":"'
check "chat broadcast, escaped (<\/script>)" has 'EXPECT-OK B "text":"hi <\/script><img src=x>"'
check "chat echoed to the sender" has 'EXPECT-OK A "type":"chat","from":"'
check "peer-state broadcast" has 'EXPECT-OK A {"type":"peer-state","id":"'
check "a peer of another room: unknown-peer" has 'EXPECT-OK A "code":"unknown-peer"'
check "nothing reached the other room" has 'EXPECT-OK C "from":'
check "unknown-type, malformed, already-joined" bash -c 'grep -c "EXPECT-OK A \"code\":\"\(unknown-type\|malformed\|already-joined\)\"" <<<"$0" | grep -qx 3' "$OUT"
check "bad-name, not-joined, ping/pong" bash -c 'grep -c "EXPECT-OK D \"\(code\":\"bad-name\|code\":\"not-joined\|type\":\"pong\)\"" <<<"$0" | grep -qx 3' "$OUT"
check "binary frame: close 1003" has "E close 1003"
check "message over sig-max-message: close 1009" has "D close 1009"
check "unmasked frame: close 1002" has "C close 1002"
check "dropped connection: the others get peer-left" has 'EXPECT-OK A {"type":"peer-left","id":"'
check "reconnect with the session token keeps the id" has 'EXPECT-OK B2 "resumed":true'
check "after leave: not-joined" has 'EXPECT-OK A "code":"not-joined"'
grep -q EXPECT-FAIL <<<"$OUT" && { echo "# failed expectations:"; grep EXPECT-FAIL <<<"$OUT" | sed 's/^/#   /'; }

# --- rate limit and connection cap (max-sig-conns = 5)
sleep 0.3
OUT=$( { echo "open R"; for _ in $(seq 1 60); do echo 'send R {"type":"ping"}'; done
	 echo 'expect R "code":"rate-limited"'
	 for n in 1 2 3 4 5; do echo "open K$n"; done; } | ws)
check "a burst of messages: rate-limited" has 'EXPECT-OK R "code":"rate-limited"'
check "over max-sig-conns: 503" bash -c 'grep -c "^K[0-9] open 101" <<<"$0" | grep -qx 4 && grep -q "^K5 status 503" <<<"$0"' "$OUT"

# --- /api/ice-servers, and its credential on the TURN side
OUT=$(ws <<EOF
http GET /api/ice-servers HTTP/1.1\r\nHost: h\r\n\r\n
http GET /api/ice-servers?key=wrong HTTP/1.1\r\nHost: h\r\n\r\n
http GET /api/ice-servers HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer $APIKEY\r\n\r\n
http GET /api/ice-servers?key=$APIKEY HTTP/1.1\r\nHost: h\r\n\r\n
EOF
)
codes=$(grep '^HTTP ' <<<"$OUT" | cut -d' ' -f2 | tr '\n' ' ')
check "/api/ice-servers: 401 without or with a wrong key, 200 with Bearer or ?key= ($codes)" test "$codes" = "401 401 200 200 "
body=$(grep '^BODY {' <<<"$OUT" | head -1)
check "iceServers lists stun: and turn: URLs and a ttl" grep -qF "\"urls\":[\"stun:127.0.0.1:$PORT\",\"turn:127.0.0.1:$PORT?transport=udp\",\"turn:127.0.0.1:$PORT?transport=tcp\"]" <<<"$body"
user=$(sed -n 's/.*"username":"\([^"]*\)".*/\1/p' <<<"$body")
cred=$(sed -n 's/.*"credential":"\([^"]*\)".*/\1/p' <<<"$body" | sed 's#\\/#/#g')
exp=${user%%:*}
now=$(date +%s)
check "REST username EXPIRY:api-ID expires in about ttl (3600 s)" test -n "$exp" -a "$exp" -gt $((now + 3500)) -a "$exp" -le $((now + 3700))
out=$("$PROBE" turn 127.0.0.1 "$PORT" "$user" "$cred" perm 127.0.0.1 2>&1)
check "the handed-out credential allocates on the TURN port" grep -q '^ALLOCATE 200' <<<"$out"
out=$("$PROBE" turn 127.0.0.1 "$PORT" "$user" "x$cred" perm 127.0.0.1 2>&1)
check "a tampered credential does not" grep -q '^ALLOCATE 401' <<<"$out"

check "server still running" kill -0 "$SERVER_PID"
# Stop with two peers connected: each gets a close frame 1001 (going away:
# the page reconnects), no peer-left (a restart is not everyone leaving),
# and every connection is freed on the way out (the ASan run checks for
# leaks).
printf '%s\n' 'open L1' 'send L1 {"type":"join","room":"bye","name":"a"}' \
	'expect L1 welcome' 'open L2' 'send L2 {"type":"join","room":"bye","name":"b"}' \
	'expect L2 welcome' 'expect-close L1' 'expect-close L2' | ws >"$WORK/live.out" &
LIVE=$!
for _ in $(seq 1 30); do grep -q "EXPECT-OK L2" "$WORK/live.out" && break; sleep 0.1; done
check "two peers connected before the stop" grep -q "EXPECT-OK L2 welcome" "$WORK/live.out"
check "SIGTERM with WebSockets open: clean exit" stop_server
wait "$LIVE" 2>/dev/null
check "SIGTERM: both WebSockets get close 1001 (going away)" \
	test "$(grep -c '^L[12] close 1001$' "$WORK/live.out")" = 2
check "SIGTERM: no peer-left to the one still open" \
	bash -c '! grep -q "^L1< .*peer-left" "$0"' "$WORK/live.out"

# The built-in default listener (0.0.0.0:8080) never stops TURN: a busy
# port only warns. Here it is turned off and the server runs without it.
printf 'listen = ( "127.0.0.1:%s" );\nhttp-listen = ();\n' "$PORT" >"$WORK/off.conf"
start_server -c "$WORK/off.conf" || not_ok "server without HTTP starts"
check "http-listen = () turns the HTTP listener off" bash -c '! grep -q "(http, signaling)" "$0"' "$WORK/server.log"
check "clean exit without the HTTP listener" stop_server
finish
