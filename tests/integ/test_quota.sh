#!/usr/bin/env bash
# Quotas that fit real use (docs/security.md): one static user shared by
# many clients that leave their allocations to expire, as
# turnutils_uclient does, is not cut off by a per-user limit: ten
# back-to-back runs of uclient -m 50 -n 50 (100 allocations each, with
# their RTCP pairs) with one user all pass with 0% loss on the default
# quotas; and a scoped (anonymous) credential from one address stops at
# anonymous-quota-per-ip while a static user from that address still
# allocates.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
HPORT=$(free_port)
PEER_PORT=$(free_port)
SECRET=quota-secret-$RANDOM
# 3000 relay ports: the ten runs hold 1000 allocations until they expire.
cat >"$WORK/quota.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
http-listen = ( "127.0.0.1:$HPORT" );
realm = "quota.test";
users = ( "alice:wonderland" );
auth-secrets = ( "$SECRET" );
relay-ports = "$(relay_range 3000)";
allow-peer = ( "127.0.0.1/32" );
anonymous-quota-per-ip = 5;
CONF

turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null; cleanup' EXIT
if ! start_server -c "$WORK/quota.conf"; then not_ok "server starts"; finish; exit 1; fi
ok "server starts with one static user and the default quotas"

# Ten runs, none under ASan (each run is ~12 s, most of it uclient pacing
# its own connects; test_turn.sh runs uclient against the ASan build).
RUNS=10; case $TURNPIKE in *asan*) RUNS=0;; esac
for run in $(seq 1 "$RUNS"); do
	out=$(timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" \
		-u alice -w wonderland -m 50 -n 50 127.0.0.1 2>&1)
	if grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out"; then
		ok "uclient -m 50 -n 50 run $run with one static user: 0% loss"
	else
		not_ok "uclient -m 50 -n 50 run $run with one static user: 0% loss"
		tail -5 <<<"$out" | sed 's/^/#   /'
	fi
done

# Scoped credentials (what a join without a ticket gets): 5 per address.
name() { echo "$(( $(date +%s) + 600 )):relay:s$1"; }
codes=""
for i in 1 2 3 4 5 6; do
	out=$("$PROBE" turn 127.0.0.1 "$PORT" "$(name "$i")" "rest:$SECRET" refresh 2>&1)
	codes="$codes$(sed -n 's/^ALLOCATE //p' <<<"$out") "
done
check "scoped credentials from one address: 5 allocate, the 6th gets 486 ($codes)" \
	test "$codes" = "200 200 200 200 200 486 "
out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland refresh 2>&1)
check "a static user from the same address still allocates" grep -q '^ALLOCATE 200' <<<"$out"
check "server still running" kill -0 "$SERVER_PID"
stop_server >/dev/null
finish
