#!/usr/bin/env bash
# Slowloris against the real binary, with the default connection caps
# (max-conns-per-ip 64, max-conns 4096): 500 idle TCP connections spread
# over 127.0.0.2..127.0.0.10, and (when the binary has TLS) 100 stalled
# TLS handshakes, half silent and half stopped in the middle of a
# ClientHello. While they are all open a new client is served (Binding
# over UDP and TCP, an allocation relaying with 0% loss); all of them are
# closed by tcp-idle-timeout, none before; the server's open fds return
# to where they were.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
FLOOD=$TOOLS/connflood
IDLE=15         # tcp-idle-timeout, seconds
HOLD=$((IDLE + 8))

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
FLOOD_PIDS=""
trap 'kill $PEER_PID $FLOOD_PIDS 2>/dev/null; cleanup' EXIT

TLS=0
if "$TURNPIKE" --help 2>&1 | grep -q -- '--tls-listen'; then
	TLS=1
	TPORT=$(free_port)
	while [ "$TPORT" = "$PORT" ]; do TPORT=$(free_port); done
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
	TLS_ARGS=(--tls-listen "127.0.0.1:$TPORT" --cert "$WORK/cert.pem" --key "$WORK/key.pem")
else
	TLS_ARGS=()
fi

cat >"$WORK/slow.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
realm = "test.example";
users = ( "alice:wonderland" );
relay-ports = "$RELAY_PORTS";
allow-peer = ( "127.0.0.1/32" );
tcp-idle-timeout = $IDLE;
CONF

turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!

if ! start_server -c "$WORK/slow.conf" "${TLS_ARGS[@]}"; then
	not_ok "server starts"; finish; exit 1
fi
ok "server starts (tcp-idle-timeout $IDLE, default per-IP and total caps)"
nfd() { find "/proc/$SERVER_PID/fd" -mindepth 1 2>/dev/null | wc -l; }
FD0=$(nfd)
# Established connections to a local port, as the server sees them.
estab() { ss -Htn state established "( sport = :$1 )" | wc -l; }

# 500 idle TCP connections: 9 source addresses, 56 or 55 each (< 64).
# T0 is before the first connect: the idle clock of every connection
# starts after it, so "el < IDLE - 1 s" proves none can have timed out.
T0=$(date +%s%N)
i=0
for a in 2 3 4 5 6 7 8 9 10; do
	n=$((a <= 6 ? 56 : 55))
	"$FLOOD" "127.0.0.$a" 127.0.0.1 "$PORT" "$n" "$HOLD" >"$WORK/tcp.$a" 2>&1 &
	FLOOD_PIDS="$FLOOD_PIDS $!"
	i=$((i + n))
done
# 100 stalled TLS handshakes: 50 that send nothing, 50 that send the
# first 47 bytes of a 517-byte ClientHello record and then nothing.
if [ $TLS -eq 1 ]; then
	{ printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'; head -c 32 /dev/urandom; } >"$WORK/half-hello"
	"$FLOOD" 127.0.0.11 127.0.0.1 "$TPORT" 50 "$HOLD" >"$WORK/tls.silent" 2>&1 &
	FLOOD_PIDS="$FLOOD_PIDS $!"
	"$FLOOD" 127.0.0.12 127.0.0.1 "$TPORT" 50 "$HOLD" "$WORK/half-hello" >"$WORK/tls.half" 2>&1 &
	FLOOD_PIDS="$FLOOD_PIDS $!"
fi
want=$i
for _ in $(seq 1 50); do [ "$(estab "$PORT")" -ge "$want" ] && break; sleep 0.1; done
check "$want idle TCP connections established" test "$(estab "$PORT")" -ge "$want"
if [ $TLS -eq 1 ]; then
	for _ in $(seq 1 30); do [ "$(estab "$TPORT")" -ge 100 ] && break; sleep 0.1; done
	check "100 stalled TLS handshakes established" test "$(estab "$TPORT")" -ge 100
fi

# A new client while they are open.
out=$("$PROBE" udp 127.0.0.1 "$PORT" 2>&1)
check "Binding over UDP answered during the flood" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
out=$("$PROBE" tcp 127.0.0.1 "$PORT" 2>&1)
check "Binding over TCP answered during the flood" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland connect 192.0.2.1:9 2>&1)
check "Allocate over TCP (a TCP relay) during the flood" grep -q '^ALLOCATE 200' <<<"$out"
out=$(timeout 30 turnutils_uclient -t -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" \
	-u alice -w wonderland -m 2 -n 20 -c 127.0.0.1 2>&1)
if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"; then
	ok "uclient -t relays with 0% loss during the flood"
else
	not_ok "uclient -t relays with 0% loss during the flood"; tail -5 <<<"$out" | sed 's/^/#   /'
fi
if [ $TLS -eq 1 ]; then
	out=$(timeout 30 turnutils_uclient -t -S -p "$TPORT" -e 127.0.0.1 -r "$PEER_PORT" \
		-u alice -w wonderland -m 1 -n 10 -c 127.0.0.1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"; then
		ok "a TLS client (uclient -S) is served during the stalled handshakes"
	else
		not_ok "a TLS client (uclient -S) is served during the stalled handshakes"
		tail -5 <<<"$out" | sed 's/^/#   /'
	fi
else
	ok "# SKIP TLS not built (no --tls-listen in --help)"
fi
el=$((($(date +%s%N) - T0) / 1000000))
# Still all open once the new client was served (not served by closing them).
if [ "$el" -lt $((IDLE * 1000 - 1000)) ]; then
	check "the flood was still open while the new client was served (${el} ms)" \
		test "$(estab "$PORT")" -ge "$want"
else
	ok "# SKIP the checks took ${el} ms, past the idle timeout: no proof the flood was open"
fi

wait $FLOOD_PIDS; FLOOD_PIDS=""
tot_up=0 tot_ref=0 tot_closed=0 max_last=0 min_last=999999
for f in "$WORK"/tcp.*; do
	up=$(sed -n 's/^connected //p' "$f")
	ref=$(sed -n 's/^refused //p' "$f")
	cl=$(sed -n 's/^closed \([0-9]*\) .*/\1/p' "$f")
	last=$(sed -n 's/.* last \([0-9]*\)$/\1/p' "$f")
	tot_up=$((tot_up + ${up:-0})); tot_ref=$((tot_ref + ${ref:-999}))
	tot_closed=$((tot_closed + ${cl:-0}))
	[ "${last:-0}" -gt "$max_last" ] && max_last=${last:-0}
	[ "${last:-0}" -lt "$min_last" ] && min_last=${last:-0}
done
echo "# TCP: connected $tot_up refused $tot_ref closed $tot_closed, last closes at $min_last..$max_last ms"
check "all $want TCP connections accepted" test "$tot_up" -eq "$want"
check "none refused (under max-conns-per-ip on each source)" test "$tot_ref" -eq 0
check "all $want closed by the server" test "$tot_closed" -eq "$want"
check "closed by tcp-idle-timeout ($IDLE s): last closes between $((IDLE - 1)) and $((IDLE + 4)) s" \
	test "$min_last" -ge $(((IDLE - 1) * 1000)) -a "$max_last" -le $(((IDLE + 4) * 1000))
if [ $TLS -eq 1 ]; then
	for f in silent half; do
		sed 's/^/#   tls '$f': /' "$WORK/tls.$f"
		check "TLS $f: 50 accepted, 50 closed after the idle timeout" \
			bash -c 'grep -q "^connected 50$" "$0" && grep -q "^refused 0$" "$0" &&
				 l=$(sed -n "s/^closed 50 open 0 last \([0-9]*\)$/\1/p" "$0") &&
				 [ -n "$l" ] && [ "$l" -ge $(('"$IDLE"' - 1))000 ] && [ "$l" -le $(('"$IDLE"' + 4))000 ]' \
			"$WORK/tls.$f"
	done
else
	ok "# SKIP TLS not built"
fi

for _ in $(seq 1 30); do [ "$(nfd)" -le "$FD0" ] && break; sleep 0.2; done
check "server's open fds back to baseline ($FD0, now $(nfd))" test "$(nfd)" -le "$FD0"
out=$("$PROBE" tcp 127.0.0.1 "$PORT" 2>&1)
check "Binding over TCP answered after the flood" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
check "SIGTERM: clean exit" stop_server
finish
