#!/usr/bin/env bash
# Slowloris against the real binary, with the default connection caps
# (max-conns-per-ip 64, max-conns 4096): 500 idle TCP connections spread
# over 127.0.0.2..127.0.0.10, and (when the binary has TLS) 100 stalled
# TLS handshakes, half silent and half stopped in the middle of a
# ClientHello. While they are all open a new client is served (Binding
# over UDP and TCP, an allocation relaying with 0% loss); all of them are
# closed by tcp-idle-timeout, none before; the server's open fds return
# to where they were. Then connections that trickle a byte every 2 s
# are closed by the absolute deadline (tcp-idle-timeout from the
# connect), and clients with allocations are not.
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
# all_closed FILE N LO HI: connflood's FILE says N connected, none
# refused, all N closed by the server, the last between LO and HI s.
all_closed() {
	local l
	grep -q "^connected $2$" "$1" && grep -q "^refused 0$" "$1" &&
		l=$(sed -n "s/^closed $2 open 0 last \([0-9]*\)$/\1/p" "$1") &&
		[ -n "$l" ] && [ "$l" -ge $(($3 * 1000)) ] && [ "$l" -le $(($4 * 1000)) ]
}
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
			all_closed "$WORK/tls.$f" 50 $((IDLE - 1)) $((IDLE + 4))
	done
else
	ok "# SKIP TLS not built"
fi

for _ in $(seq 1 30); do [ "$(nfd)" -le "$FD0" ] && break; sleep 0.2; done
check "server's open fds back to baseline ($FD0, now $(nfd))" test "$(nfd)" -le "$FD0"
out=$("$PROBE" tcp 127.0.0.1 "$PORT" 2>&1)
check "Binding over TCP answered after the flood" grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
check "SIGTERM: clean exit" stop_server

# Slowloris that trickles: a byte every 2 s keeps an inactivity timer
# from ever firing. With tcp-idle-timeout 4 s, 20 TCP connections
# trickling a STUN header (of a 1020-byte message) and 20 TLS ones
# trickling a ClientHello must be closed by the absolute deadline, about
# 4 s after their connect, while a TCP and a TLS client that relay for
# 6 s (an allocation, 60 messages 100 ms apart) are not disturbed.
DL=4
{ printf '\x00\x01\x03\xe8\x21\x12\xa4\x42'; head -c 12 /dev/urandom; } >"$WORK/stun-hdr"
sed -i "s/^tcp-idle-timeout = .*/tcp-idle-timeout = $DL;/" "$WORK/slow.conf"
if ! start_server -c "$WORK/slow.conf" "${TLS_ARGS[@]}"; then
	not_ok "server restarts (tcp-idle-timeout $DL)"; finish; exit 1
fi
"$FLOOD" 127.0.0.13 127.0.0.1 "$PORT" 20 12 "$WORK/stun-hdr" 2000 >"$WORK/trickle.tcp" 2>&1 &
FLOOD_PIDS="$!"
if [ $TLS -eq 1 ]; then
	"$FLOOD" 127.0.0.14 127.0.0.1 "$TPORT" 20 12 "$WORK/half-hello" 2000 >"$WORK/trickle.tls" 2>&1 &
	FLOOD_PIDS="$FLOOD_PIDS $!"
fi
relay6s() { # description, extra uclient flags: 6 s of relaying, 0% loss
	local d=$1; shift
	out=$(timeout 30 turnutils_uclient "$@" -e 127.0.0.1 -r "$PEER_PORT" \
		-u alice -w wonderland -m 1 -n 60 -z 100 -c 127.0.0.1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"; then ok "$d"
	else not_ok "$d"; tail -5 <<<"$out" | sed 's/^/#   /'; fi
}
relay6s "a TCP client relaying for 6 s (past the deadline) is served: 0% loss" -t -p "$PORT"
if [ $TLS -eq 1 ]; then
	relay6s "a TLS client relaying for 6 s (past the deadline) is served: 0% loss" -t -S -p "$TPORT"
fi
wait $FLOOD_PIDS; FLOOD_PIDS=""
for f in tcp tls; do
	[ -f "$WORK/trickle.$f" ] || { ok "# SKIP TLS not built"; continue; }
	sed 's/^/#   trickle '$f': /' "$WORK/trickle.$f"
	check "$f trickling a byte every 2 s: all 20 closed by the ${DL} s deadline ($((DL - 1))..$((DL + 2)) s)" \
		all_closed "$WORK/trickle.$f" 20 $((DL - 1)) $((DL + 2))
done
check "SIGTERM: clean exit after the trickle" stop_server
finish
