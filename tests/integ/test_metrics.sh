#!/usr/bin/env bash
# The admin listener against the real binary: /metrics scraped before and
# after real traffic (turnutils_uclient with channels, a wrong password,
# a denied peer) moves as expected and parses as the Prometheus text
# format; /api/status is JSON; admin-token is enforced (applied by a
# reload); the built-in default address is loopback only.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_ADMIN_LISTEN

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
APORT=$(free_port)
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
TOKEN=tok-$RANDOM$RANDOM
cat >"$WORK/turn.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
realm = "test.example";
users = ( "alice:wonderland" );
relay-ports = "$RELAY_PORTS";
allow-peer = ( "127.0.0.1/32" );
CONF

# fetch PATH [TOKEN]: "STATUS" on the first line, then the body.
cat >"$WORK/fetch.py" <<'PY'
import http.client, sys
port, path = int(sys.argv[1]), sys.argv[2]
h = {"Authorization": "Bearer " + sys.argv[3]} if len(sys.argv) > 3 else {}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
c.request("GET", path, headers=h)
r = c.getresponse()
print(r.status)
sys.stdout.write(r.read().decode())
PY
# parse FILE: each sample line "name{labels} value" is valid, every family
# has HELP and TYPE first; prints "name{labels} value" lines, sorted.
cat >"$WORK/parse.py" <<'PY'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(\{%s(?:,%s)*\})? ([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)$' % (name, label, label))
typed, bad, out = {}, [], []
for l in open(sys.argv[1]).read().split('\n')[:-1]:
    if l.startswith('# HELP '):
        continue
    if l.startswith('# TYPE '):
        _, _, n, t = l.split(' ')
        if n in typed or t not in ('counter', 'gauge'): bad.append(l)
        if t == 'counter' and not n.endswith('_total'): bad.append(l)
        typed[n] = t
        continue
    m = sample.match(l)
    if not m or m.group(1) not in typed: bad.append(l); continue
    out.append('%s%s %s' % (m.group(1), m.group(2) or '', m.group(3)))
if bad:
    print('BAD ' + repr(bad[:3])); sys.exit(1)
print('\n'.join(sorted(out)))
PY

fetch() { timeout 10 python3 "$WORK/fetch.py" "$APORT" "$@" 2>/dev/null; }
# scrape NAME: /metrics into $WORK/NAME.txt, parsed into $WORK/NAME.vals
scrape() {
	fetch /metrics ${2:+"$2"} >"$WORK/$1.raw" || return 1
	[ "$(head -1 "$WORK/$1.raw")" = 200 ] || return 1
	tail -n +2 "$WORK/$1.raw" >"$WORK/$1.txt"
	python3 "$WORK/parse.py" "$WORK/$1.txt" >"$WORK/$1.vals"
}
# val NAME SERIES: its value (0 if absent)
val() { awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' "$WORK/$1.vals"; }
# grew SERIES MIN: after - before >= MIN
grew() {
	local b a
	b=$(val before "$1"); a=$(val after "$1")
	[ $((a - b)) -ge "$2" ] || { echo "# $1: $b -> $a (want +$2)"; return 1; }
}

turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null; cleanup' EXIT

if ! start_server -c "$WORK/turn.conf" --admin-listen "127.0.0.1:$APORT"; then
	not_ok "server starts"; finish; exit 1
fi
ok "server starts with --admin-listen 127.0.0.1:$APORT"
check "the log names the admin listener" \
	grep -q "listening on 127.0.0.1:$APORT (admin" "$WORK/server.log"

check "GET /metrics: 200, and it parses as the text format" scrape before
check "text format: HELP and TYPE lines" \
	grep -q '^# TYPE turnpike_allocations_created_total counter$' "$WORK/before.txt"
check "turnpike_build_info carries the version" \
	grep -qE '^turnpike_build_info\{version="[^"]+"\} 1$' "$WORK/before.txt"
start=$(val before process_start_time_seconds)
check "process_start_time_seconds is about now" \
	test "$start" -le "$(date +%s)" -a "$start" -gt $(( $(date +%s) - 120 ))
check "process_resident_memory_bytes is set" \
	test "$(val before process_resident_memory_bytes)" -gt 100000
check "process_open_fds is set" test "$(val before process_open_fds)" -gt 3

out=$(timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" \
	-u alice -w wonderland -m 5 -n 50 -z 5 -c 127.0.0.1 2>&1)
check "uclient with channels, 5 clients x 50 msgs: 0% loss" \
	grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"
tp() { "$PROBE" turn 127.0.0.1 "$PORT" "$@"; }
check "a wrong password: 401" grep -q '^ALLOCATE 401' <<<"$(tp alice nope perm 127.0.0.1)"
check "a denied peer: 403" grep -q '^PERM 403' <<<"$(tp alice wonderland perm 10.1.2.3)"

sleep 1.5   # workers other than the first publish their counters each second
check "GET /metrics after the traffic parses" scrape after
check "allocations created += 6 (5 uclient + 1 probe)" grew turnpike_allocations_created_total 6
check "relayed packets client to peer grew by 250" \
	grew 'turnpike_relay_packets_total{direction="client_to_peer"}' 250
check "relayed packets peer to client grew by 250" \
	grew 'turnpike_relay_packets_total{direction="peer_to_client"}' 250
check "relayed bytes grew both ways" bash -c "
	$(declare -f val grew); WORK=$WORK
	grew 'turnpike_relay_bytes_total{direction=\"client_to_peer\"}' 12500 &&
	grew 'turnpike_relay_bytes_total{direction=\"peer_to_client\"}' 12500"
check "ChannelData counted, not indications" bash -c "
	$(declare -f val grew); WORK=$WORK
	grew 'turnpike_relay_messages_total{direction=\"client_to_peer\",kind=\"channeldata\"}' 250 &&
	[ \$(val before 'turnpike_relay_messages_total{direction=\"client_to_peer\",kind=\"indication\"}') = \
	  \$(val after 'turnpike_relay_messages_total{direction=\"client_to_peer\",kind=\"indication\"}') ]"
check "Allocate 401 responses grew (challenges and the wrong password)" \
	grew 'turnpike_stun_responses_total{method="Allocate",code="401"}' 7
check "Allocate 200 responses grew by 6" \
	grew 'turnpike_stun_responses_total{method="Allocate",code="200"}' 6
check "ChannelBind 200 responses counted per method" \
	grew 'turnpike_stun_responses_total{method="ChannelBind",code="200"}' 5
check "CreatePermission 403 counted" \
	grew 'turnpike_stun_responses_total{method="CreatePermission",code="403"}' 1
check "peer_denied grew" grew turnpike_peer_denied_total 1
check "auth failures: wrong_credentials grew" \
	grew 'turnpike_auth_failures_total{reason="wrong_credentials"}' 1
check "auth failures: missing_credentials (first round trips) grew" \
	grew 'turnpike_auth_failures_total{reason="missing_credentials"}' 6
active=0
for t in udp tcp tls dtls; do for f in ipv4 ipv6 dual; do
	active=$((active + $(val after "turnpike_allocations_active{transport=\"$t\",family=\"$f\"}")))
done; done
check "allocations active: the live ones, by transport and family" \
	test "$active" -ge 1 -a "$(val after 'turnpike_allocations_active{transport="udp",family="ipv4"}')" -eq "$active"

st=$(fetch /api/status)
check "GET /api/status: 200 JSON with version, uptime and counts" python3 -c '
import json, sys
lines = sys.argv[1].split("\n", 1)
assert lines[0] == "200", lines[0]
o = json.loads(lines[1])
assert o["version"] and isinstance(o["uptime_s"], int) and o["uptime_s"] >= 0
assert len(o["config"]["sha256"]) == 16 and o["config"]["path"].endswith("turn.conf")
for k in ("allocations", "connections", "rooms", "participants"):
    assert isinstance(o["counts"][k], int)
' "$st"
sha=$(sha256sum "$WORK/turn.conf" | cut -c1-16)
check "config fingerprint: the first 16 hex digits of the file's SHA-256" grep -q "\"sha256\":\"$sha\"" <<<"$st"
check "GET /nope: 404" test "$(fetch /nope | head -1)" = 404
check "POST: 405" bash -c "printf 'POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n' | timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$APORT; cat >&3; head -1 <&3' | grep -q '^HTTP/1.1 405'"

# admin-token, added by a reload: 401 without it or with a wrong one.
echo "admin-token = \"$TOKEN\";" >>"$WORK/turn.conf"
kill -HUP "$SERVER_PID"
for i in $(seq 1 50); do
	grep -q 'reloaded' "$WORK/server.log" && break; sleep 0.1
done
check "reload with admin-token: no token, 401" test "$(fetch /metrics | head -1)" = 401
check "a wrong token: 401" test "$(fetch /metrics wrong-$TOKEN | head -1)" = 401
check "the token as a prefix: 401" test "$(fetch /metrics "${TOKEN%?}" | head -1)" = 401
check "the right token: 200" test "$(fetch /metrics "$TOKEN" | head -1)" = 200
check "the right token: /api/status 200" test "$(fetch /api/status "$TOKEN" | head -1)" = 200
check "the fingerprint follows the reloaded file" bash -c "
	python3 '$WORK/fetch.py' $APORT /api/status '$TOKEN' | grep -q \"\\\"sha256\\\":\\\"$(sha256sum "$WORK/turn.conf" | cut -c1-16)\\\"\""
check "the TURN listener still answers" bash -c "'$PROBE' udp 127.0.0.1 $PORT >/dev/null"
check "SIGTERM: clean exit" stop_server

# The built-in default: 127.0.0.1:9641 only (a busy port only warns, the
# server still starts). Nothing on a wildcard address.
sed -i '/admin-token/d' "$WORK/turn.conf"
if start_server -c "$WORK/turn.conf"; then
	check "default admin address: 127.0.0.1:9641 (bound, or busy and warned)" \
		grep -qE 'listening on 127\.0\.0\.1:9641 \(admin|warn: admin-listen 127\.0\.0\.1:9641: ' "$WORK/server.log"
	check "default admin address: no wildcard listener" \
		bash -c "! grep -qE '(0\.0\.0\.0|\[::\]):9641' '$WORK/server.log'"
	check "default admin address: clean exit" stop_server
else
	not_ok "server starts with the default admin address"
fi
# admin-listen = () turns it off.
echo 'admin-listen = ();' >>"$WORK/turn.conf"
start_server -c "$WORK/turn.conf" || not_ok "server starts with admin-listen = ()"
check "admin-listen = (): no admin listener" bash -c "! grep -q '(admin' '$WORK/server.log'"
stop_server >/dev/null
finish
