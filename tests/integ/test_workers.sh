#!/usr/bin/env bash
# Several worker threads (workers = 4) against the real binary: the kernel
# spreads clients over four SO_REUSEPORT sockets, so what must hold across
# workers is tested with enough clients to land on several of them:
# relay-to-relay under the default policy (the exemption for another
# worker's relayed address), quotas counted across workers, reservation
# tokens redeemed on another worker, summed metrics, a reload reaching
# every worker, a second server refused on the same UDP port, clean exit;
# then external-ip PUBLIC alone: relay-to-relay by the public addresses.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_ADMIN_LISTEN

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
APORT=$(free_port)
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
cat >"$WORK/turn.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
admin-listen = ( "127.0.0.1:$APORT" );
realm = "test.example";
users = ( "alice:wonderland", "bob:builder", "carol:singer" );
auth-secrets = ( "first-secret" );
relay-ports = "$RELAY_PORTS";
user-quota = 100;
workers = 4;
CONF

if ! start_server -c "$WORK/turn.conf"; then not_ok "server starts"; finish; exit 1; fi
check "server starts with 4 workers" grep -q '4 worker threads' "$WORK/server.log"
check "four UDP sockets share the listen port (SO_REUSEPORT)" \
	test "$(ss -Hanu "( sport = :$PORT )" | wc -l)" -eq 4

# Loopback is denied by the default policy; the relays are on 127.0.0.1:
# only the relay-to-relay exemption lets these through, and with 20
# clients over 4 workers most pairs are on different workers.
# relay_to_relay DESC: turnutils_uclient -y, 20 clients, 50 messages each.
relay_to_relay() {
	local out
	out=$(timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -u alice \
		-w wonderland -m 20 -n 50 -z 5 -y 127.0.0.1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"; then ok "$1: 0% loss"
	else not_ok "$1"; tail -8 <<<"$out" | sed 's/^/#   /'; fi
}
relay_to_relay "relay to relay (-y), 20 clients on 4 workers, default policy"
tp() { "$PROBE" turn 127.0.0.1 "$PORT" "$@"; }

# EVEN-PORT with R on one socket, RESERVATION-TOKEN from 2 others: the
# shared token table answers wherever they land (one 200, then 508).
out=$(tp carol singer reserve 2>&1)
check "EVEN-PORT R and its RESERVATION-TOKEN across workers: one 200, then 508" \
	grep -q '^TOKEN 200 508' <<<"$out" || echo "$out" | sed 's/^/#   /'

# Summed metrics: every worker publishes once a second.
sleep 2
m=$(timeout 10 python3 - "$APORT" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/metrics"); print(c.getresponse().read().decode())
PY
)
created=$(sed -n 's/^turnpike_allocations_created_total \([0-9]*\)$/\1/p' <<<"$m")
check "metrics sum the workers: allocations created >= 22 ($created)" \
	test "${created:-0}" -ge 22
check "turnpike_workers is 4" grep -qx 'turnpike_workers 4' <<<"$m"
busy=$(grep -cE '^turnpike_worker_relay_packets_total\{worker="[0-3]"\} [1-9]' <<<"$m")
check "the kernel spread the 20 clients: at least 2 workers relayed ($busy)" \
	test "$busy" -ge 2
relayed=$(sed -n 's/^turnpike_relay_packets_total{direction="client_to_peer"} \([0-9]*\)$/\1/p' <<<"$m")
check "metrics sum the workers: 1000 packets relayed ($relayed)" \
	test "${relayed:-0}" -ge 1000

# A reload reaches every worker: the old REST secret stops working for
# new allocations and the new one works, for 10 clients on any worker;
# user-quota drops to 3.
sed -i -e 's/first-secret/second-secret/' -e 's/user-quota = 100/user-quota = 3/' "$WORK/turn.conf"
kill -HUP "$SERVER_PID"
for i in $(seq 1 50); do grep -q '"reloaded"\|reloaded' "$WORK/server.log" && break; sleep 0.1; done
sleep 0.5
new=0 old=0
for i in $(seq 1 10); do
	tp "$(( $(date +%s) + 600 )):u$i" "rest:second-secret" refresh0 | grep -q '^ALLOCATE 200' && new=$((new + 1))
	tp "$(( $(date +%s) + 600 )):v$i" "rest:first-secret" refresh0 | grep -q '^ALLOCATE 401' && old=$((old + 1))
done
check "after SIGHUP, every worker takes the new secret (10/10) and refuses the old (10/10)" \
	test "$new" -eq 10 -a "$old" -eq 10

# user-quota = 3 (from the reload), each probe from a new source port (a worker chosen by
# the kernel's hash): the fourth live allocation of bob is 486 wherever
# it lands.
codes=""
for i in 1 2 3 4 5 6; do
	codes="$codes $(tp bob builder refresh | sed -n 's/^ALLOCATE //p' | head -1)"
done
check "user-quota counted across workers: 3 allocations, then 486 ($codes)" \
	test "$codes" = " 200 200 200 486 486 486"

# Another server on the same UDP address is refused, not let in to share
# the port silently.
"$TURNPIKE" -c "$WORK/turn.conf" >"$WORK/second.log" 2>&1 &
SECOND=$!
for i in $(seq 1 50); do kill -0 $SECOND 2>/dev/null || break; sleep 0.1; done
if kill -0 $SECOND 2>/dev/null; then kill -KILL $SECOND; not_ok "a second server on the port is refused"
else
	wait $SECOND; rc=$?
	check "a second server on the same UDP port exits non-zero (address in use)" \
		bash -c "[ $rc -ne 0 ] && grep -qi 'in use' '$WORK/second.log'"
fi

check "server still running" kill -0 "$SERVER_PID"
check "SIGTERM: the workers stop and it exits cleanly" stop_server
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$WORK/server.log'"

# external-ip = PUBLIC alone: the clients learn relayed addresses on
# 203.0.113.5 (TEST-NET-3, not this machine). Relay-to-relay sent to them
# must go to the address each relay is bound on, on any worker, and come
# back from the public one; never out towards a NAT to hairpin. The
# relays are bound on the address the requests arrive on (127.0.0.1), not
# the first listen address, as on a host listening on a wildcard.
cat >"$WORK/ext.conf" <<CONF
listen = ( "127.0.0.2:$PORT", "127.0.0.1:$PORT" );
realm = "test.example";
users = ( "alice:wonderland" );
relay-ports = "$RELAY_PORTS";
external-ip = "203.0.113.5";
workers = 4;
CONF
if start_server -c "$WORK/ext.conf"; then
	relay_to_relay "external-ip PUBLIC alone: relay to relay (-y) by public addresses, 20 clients on 4 workers"
	check "external-ip server: SIGTERM, clean exit" stop_server
	check "external-ip server: no sanitizer report" \
		bash -c "! grep -q 'Sanitizer' '$WORK/server.log'"
else
	not_ok "external-ip server starts"
fi
finish
