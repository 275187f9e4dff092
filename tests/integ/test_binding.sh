#!/usr/bin/env bash
# Binding over UDP and TCP against the real binary on loopback.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
cat >"$WORK/t.conf" <<CONF
listen = ( "127.0.0.1:$PORT", "[::1]:$PORT" );
log-level = "debug";
realm = "test.example";
CONF

if ! start_server -c "$WORK/t.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts with a temporary config"

# turnutils_stunclient (coturn) over UDP sees its own address.
out=$(timeout 10 turnutils_stunclient -p "$PORT" 127.0.0.1 2>&1)
check "turnutils_stunclient gets a reflexive address" \
	grep -qE 'UDP reflexive addr: 127\.0\.0\.1:[0-9]+' <<<"$out"

# Our probe compares the mapped address with its own socket address.
mapped_matches() { # output of stunprobe, attribute name
	local local_a mapped
	local_a=$(sed -n 's/^local //p' <<<"$1")
	mapped=$(sed -n "s/^$2 //p" <<<"$1" | head -1)
	[ -n "$local_a" ] && [ "$local_a" = "$mapped" ]
}
out=$("$PROBE" udp 127.0.0.1 "$PORT" plain)
check "UDP: XOR-MAPPED-ADDRESS is the client's address" mapped_matches "$out" XOR-MAPPED-ADDRESS
check "UDP: no MAPPED-ADDRESS, SOFTWARE or FINGERPRINT unasked" \
	bash -c '! grep -qE "^(MAPPED-ADDRESS|SOFTWARE|FINGERPRINT)" <<<"$0"' "$out"
out=$("$PROBE" udp ::1 "$PORT" plain)
check "UDP over IPv6: XOR-MAPPED-ADDRESS" mapped_matches "$out" XOR-MAPPED-ADDRESS
out=$("$PROBE" udp 127.0.0.1 "$PORT" fp)
check "UDP: FINGERPRINT answered with a valid FINGERPRINT" grep -q '^FINGERPRINT ok' <<<"$out"
out=$("$PROBE" udp 127.0.0.1 "$PORT" classic)
check "UDP: RFC 3489 request gets MAPPED-ADDRESS" mapped_matches "$out" MAPPED-ADDRESS
out=$("$PROBE" udp 127.0.0.1 "$PORT" unknown)
check "UDP: unknown comprehension-required attribute gets 420" \
	bash -c 'grep -q "^ERROR 420" <<<"$0" && grep -q "^UNKNOWN 0x7777" <<<"$0"' "$out"
out=$("$PROBE" udp 127.0.0.1 "$PORT" badfp)
check "UDP: wrong FINGERPRINT is dropped silently" grep -q '^NO ANSWER' <<<"$out"

out=$("$PROBE" tcp 127.0.0.1 "$PORT" one)
check "TCP: one request, XOR-MAPPED-ADDRESS" mapped_matches "$out" XOR-MAPPED-ADDRESS
out=$("$PROBE" tcp 127.0.0.1 "$PORT" split)
check "TCP: one request split over three segments" mapped_matches "$out" XOR-MAPPED-ADDRESS
out=$("$PROBE" tcp 127.0.0.1 "$PORT" multi)
check "TCP: three requests in one segment get three answers" \
	test "$(grep -c '^XOR-MAPPED-ADDRESS' <<<"$out")" -eq 3
out=$("$PROBE" tcp ::1 "$PORT" one)
check "TCP over IPv6: XOR-MAPPED-ADDRESS" mapped_matches "$out" XOR-MAPPED-ADDRESS

# Garbage: the server drops it, counts it, and keeps answering.
"$PROBE" garbage-udp 127.0.0.1 "$PORT" 3000 >/dev/null
out=$("$PROBE" garbage-tcp 127.0.0.1 "$PORT")
check "TCP: a non-STUN stream is closed" grep -q '^CLOSED' <<<"$out"
out=$("$PROBE" udp 127.0.0.1 "$PORT" plain)
check "still answers after 3000 garbage datagrams and bad TCP" mapped_matches "$out" XOR-MAPPED-ADDRESS
check "server still running" kill -0 "$SERVER_PID"

check "SIGTERM stops it cleanly (exit 0, no sanitizer report)" stop_server
check "log has no secrets and says it stopped" grep -qE 'info: stop$' "$WORK/server.log"
finish
