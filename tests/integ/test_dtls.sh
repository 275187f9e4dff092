#!/usr/bin/env bash
# DTLS session table against the real binary: one address must not fill
# it. With max-conns-per-ip 20: 30 full handshakes from 127.0.0.3 end in
# 20 sessions (the per-source session cap); 4,600 handshakes from
# 127.0.0.1, each through the stateless cookie exchange and then left
# hanging (more than the table's 4,096 slots), get at most 16 sessions
# in progress (the per-source handshake cap); a DTLS client from
# 127.0.0.2 then still completes its handshake and gets a Binding answer.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
TLSPROBE=$TOOLS/tlsprobe

if ! "$TURNPIKE" --help 2>&1 | grep -q -- '--tls-listen'; then
	ok "# SKIP TLS not built (no --tls-listen in --help)"; finish; exit 0
fi
PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
TPORT=$(free_port)
while [ "$TPORT" = "$PORT" ]; do TPORT=$(free_port); done
# ECDSA: a handshake costs the server little, so the flood is quick.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 2 -subj /CN=localhost -keyout "$WORK/key.pem" \
	-out "$WORK/cert.pem" >/dev/null 2>&1 ||
	{ not_ok "openssl req makes a test certificate"; finish; exit 1; }
cat >"$WORK/dtls.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
tls-listen = ( "127.0.0.1:$TPORT" );
cert = "$WORK/cert.pem";
key = "$WORK/key.pem";
max-conns-per-ip = 20;
log-level = "debug";
CONF
if ! start_server -c "$WORK/dtls.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts (tls-listen, max-conns-per-ip 20)"

out=$(timeout 60 "$TLSPROBE" dtls-flood 127.0.0.1 "$TPORT" 127.0.0.3 30 complete 2>&1)
echo "# 127.0.0.3: $out"
check "30 full DTLS handshakes from one address: 20 sessions (max-conns-per-ip)" \
	grep -qx 'started 30 answered 20 up 20' <<<"$out"

out=$(timeout 90 "$TLSPROBE" dtls-flood 127.0.0.1 "$TPORT" 127.0.0.1 4600 stall 2>&1)
echo "# 127.0.0.1: $out"
a=$(sed -n 's/^started 4600 answered \([0-9]*\) up 0$/\1/p' <<<"$out")
check "4600 stalled DTLS handshakes from one address: 1..16 get a session" \
	test -n "$a" -a "${a:-0}" -ge 1 -a "${a:-99}" -le 16
check "the rest are refused at the per-source handshake cap (logged)" \
	grep -q 'dtls 127.0.0.1:[0-9]*: refused (handshakes per source reached)' "$WORK/server.log"

out=$("$TLSPROBE" dtls 127.0.0.1 "$TPORT" 127.0.0.2 2>&1)
check "a DTLS client from 127.0.0.2 completes its handshake and gets a Binding answer" \
	bash -c 'grep -q "^PROTOCOL DTLSv1.2" <<<"$0" && grep -q "^XOR-MAPPED-ADDRESS 127.0.0.2:" <<<"$0"' "$out"
out=$("$PROBE" udp 127.0.0.1 "$PORT" 2>&1)
check "Binding over UDP still answered" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
check "SIGTERM: clean exit with the DTLS sessions" stop_server
finish
