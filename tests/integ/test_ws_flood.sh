#!/usr/bin/env bash
# Bounded WebSocket output against the real binary: a client sends up to
# 100 MiB of pings (tests/tools/wsflood) and never reads the pongs wslay
# queues for each. The server must stop at its output cap (about 1 MiB):
# its peak RSS grows by less than 20 MiB, the connection is closed (1008
# when the client gets that far), and /healthz still answers. Then the
# same cap on the fan-out to a slow reader of a room: it is closed with
# 1008, the other member carries on.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN
# ASan keeps freed blocks in a quarantine (256 MiB by default), which
# would count in RSS however little is live: keep it small.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
WS=$TOOLS/wsprobe
MAX_GROWTH_KB=$((20 * 1024))

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
HPORT=$(free_port)
cat >"$WORK/ws.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
http-listen = ( "127.0.0.1:$HPORT" );
realm = "test.example";
sig-rate = 10000;
CONF
if ! start_server -c "$WORK/ws.conf"; then
	not_ok "server starts"; finish; exit 1
fi
healthz() {
	echo 'http GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n' |
		timeout 10 "$WS" 127.0.0.1 "$HPORT" | sed -n 's/^HTTP //p'
}
for _ in $(seq 1 50); do [ "$(healthz)" = 200 ] && break; sleep 0.1; done
check "server starts with the HTTP listener" test "$(healthz)" = 200
kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$SERVER_PID/status"; }
RSS0=$(kb VmRSS)

OUT=$(timeout 60 "$TOOLS/wsflood" 127.0.0.1 "$HPORT" 100 5)
sed 's/^/# wsflood: /' <<<"$OUT"
HWM=$(kb VmHWM)
echo "# server RSS before ${RSS0} kB, peak ${HWM} kB"
check "the WebSocket opened" grep -q '^open 101$' <<<"$OUT"
check "peak RSS grew by less than $((MAX_GROWTH_KB / 1024)) MiB ($(((HWM - RSS0) / 1024)) MiB)" \
	test $((HWM - RSS0)) -lt "$MAX_GROWTH_KB"
check "the server closed the connection" grep -q '^closed ' <<<"$OUT"
code=$(sed -n 's/^pongs [0-9]* close //p' <<<"$OUT")
check "with close 1008 (policy) after the pongs it had queued ($code)" test "$code" = 1008
check "/healthz answers after the flood" test "$(healthz)" = 200

# A slow reader in a room: A relays 300 offers of 60 kB to B, who reads
# nothing until then. B is closed with 1008 at the cap; A carries on.
SDP=$(printf '%060000d' 0)
{
	echo 'open A'; echo 'open B'
	echo 'send A {"type":"join","room":"slow","name":"a"}'
	echo 'expect A "type":"welcome"'
	echo 'send B {"type":"join","room":"slow","name":"b"}'
	echo 'expect B "type":"welcome"'
	echo 'expect A "type":"peer-joined"'
	for _ in $(seq 1 300); do
		echo "send A {\"type\":\"offer\",\"to\":\"{{B}}\",\"sdp\":\"$SDP\"}"
	done
	echo 'expect-close B'
	echo 'expect A "type":"peer-left"'
	echo 'send A {"type":"ping"}'
	echo 'expect A "type":"pong"'
} >"$WORK/slow.script"
timeout 60 "$WS" 127.0.0.1 "$HPORT" <"$WORK/slow.script" 2>&1 |
	grep -v '^B< ' >"$WORK/slow.out"
sed 's/^/# slow reader: /' "$WORK/slow.out" | cut -c1-160 | grep -v '^# slow reader: A< '
has() { grep -qF -- "$1" "$WORK/slow.out"; }
check "the slow reader B was closed with 1008 at its output cap" has "B close 1008"
check "A was told B left, and is still served (ping/pong)" \
	bash -c 'grep -qF "EXPECT-OK A \"type\":\"peer-left\"" "$0" &&
		 grep -qF "EXPECT-OK A \"type\":\"pong\"" "$0"' "$WORK/slow.out"
check "SIGTERM: clean exit" stop_server
finish
