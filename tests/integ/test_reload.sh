#!/usr/bin/env bash
# SIGHUP reload of the real binary: an allocation keeps relaying while the
# REST secret is rotated and users change; new credentials, policy and
# log level apply at once; a bad file is refused as a whole and the
# server keeps serving; a listener change is reported, not applied.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
PEER_PORT=$(free_port)
RELAY_PORTS=$(relay_range)
A=secret-a-$RANDOM B=secret-b-$RANDOM
conf() { # users, secret, extra lines...
	local users=$1 secret=$2; shift 2
	cat >"$WORK/r.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
realm = "test.example";
users = ( $users );
auth-secrets = ( "$secret" );
relay-ports = "$RELAY_PORTS";
allow-peer = ( "127.0.0.1/32" );
CONF
	printf '%s\n' "$@" >>"$WORK/r.conf"
}
turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill $PEER_PID 2>/dev/null; [ -n "${UC_PID:-}" ] && kill $UC_PID 2>/dev/null; cleanup' EXIT

conf '"alice:pw-one"' "$A"
start_server -c "$WORK/r.conf" || { not_ok "server starts"; finish; exit 1; }
tp() { "$PROBE" turn 127.0.0.1 "$PORT" "$@"; }
rest() { echo "$(( $(date +%s) + 600 )):$1"; }
check "before the reload: 8.8.4.4 is a permitted peer (the control)" \
	grep -q '^PERM 200' <<<"$(tp alice pw-one perm 8.8.4.4)"

# A relayed session that spans the reload: REST credentials from secret A,
# 300 messages 40 ms apart (12 s), channels.
timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" -W "$A" -u carol \
	-m 2 -n 300 -z 40 -c 127.0.0.1 >"$WORK/uclient.out" 2>&1 &
UC_PID=$!
sleep 3

# Rotate: secret B only, bob instead of alice, a peer denied, debug
# logging.
conf '"bob:pw-two"' "$B" 'log-level = "debug";' 'deny-peer = ( "8.8.4.0/24" );'
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$WORK/server.log" && break; sleep 0.1; done
check "SIGHUP: the new configuration is applied (reloaded)" grep -q 'reloaded' "$WORK/server.log"
check "alice (removed) is refused: 401" grep -q '^ALLOCATE 401' <<<"$(tp alice pw-one perm 8.8.8.8)"
check "bob (added) gets an allocation" grep -q '^ALLOCATE 200' <<<"$(tp bob pw-two perm 8.8.8.8)"
check "REST credential from the new secret: allocation" grep -q '^ALLOCATE 200' <<<"$(tp "$(rest dave)" "rest:$B" perm 8.8.8.8)"
check "REST credential from the retired secret: 401" grep -q '^ALLOCATE 401' <<<"$(tp "$(rest dave)" "rest:$A" perm 8.8.8.8)"
check "the new peer policy applies (8.8.4.4: 403)" grep -q '^PERM 403' <<<"$(tp bob pw-two perm 8.8.4.4)"
check "the new log level applies (debug lines appear)" grep -q 'debug:' "$WORK/server.log"

wait "$UC_PID"; UC_PID=""
if grep -qE 'Total lost packets 0 \(0\.0+%\)' "$WORK/uclient.out"; then
	ok "an allocation made before the reload kept relaying through it: 0% loss"
else
	not_ok "an allocation made before the reload kept relaying through it"; tail -5 "$WORK/uclient.out" | sed 's/^/#   /'
fi

# The per-source limits reload too: with auth-fail-limit = 2, two wrong
# passwords and the right one goes unheard; after a reload that turns
# it off, the right one is answered.
conf '"bob:pw-two"' "$B" 'auth-fail-limit = 2;'
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do [ "$(grep -c 'reloaded' "$WORK/server.log")" -ge 2 ] && break; sleep 0.1; done
tp bob wrong perm 8.8.8.8 >/dev/null; tp bob wrong perm 8.8.8.8 >/dev/null
check "auth-fail-limit = 2 by reload: after 2 failures the right password is unheard" \
	bash -c '! grep -q "^ALLOCATE 200" <<<"$("$0" turn 127.0.0.1 "$1" bob pw-two perm 8.8.8.8)"' "$PROBE" "$PORT"
conf '"bob:pw-two"' "$B" 'auth-fail-limit = 0;'
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do [ "$(grep -c 'reloaded' "$WORK/server.log")" -ge 3 ] && break; sleep 0.1; done
check "auth-fail-limit = 0 by reload: answered again" \
	grep -q '^ALLOCATE 200' <<<"$(tp bob pw-two perm 8.8.8.8)"

# A broken file is refused as a whole; the running configuration stays.
printf 'realm = "x"\nlisten = (;\n' >"$WORK/r.conf"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q 'reload refused' "$WORK/server.log" && break; sleep 0.1; done
check "a bad file on SIGHUP: refused, with file and line" grep -qE 'reload refused.*r\.conf:[0-9]' "$WORK/server.log"
check "after a refused reload: still serving bob" grep -q '^ALLOCATE 200' <<<"$(tp bob pw-two perm 8.8.8.8)"

# A listener change needs a restart: said, not done.
conf '"bob:pw-two"' "$B"
sed -i "s/127.0.0.1:$PORT/127.0.0.1:$((PORT + 1))/" "$WORK/r.conf"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q "'listen' changed" "$WORK/server.log" && break; sleep 0.1; done
check "a listen change is reported as needing a restart" grep -q "'listen' changed" "$WORK/server.log"
check "and the old listener still serves" grep -q '^ALLOCATE 200' <<<"$(tp bob pw-two perm 8.8.8.8)"
check "no secret in the log" bash -c '! grep -qE "$1|$2|pw-one|pw-two" "$0"' "$WORK/server.log" "$A" "$B"
echo "$SERVER_PID" >"$WORK/t.pid"
n=$(grep -c 'reloaded\|reload refused' "$WORK/server.log")
out=$("$TURNPIKE" -c "$WORK/r.conf" --pidfile "$WORK/t.pid" --reload 2>&1)
for _ in $(seq 1 50); do [ "$(grep -c 'reloaded\|reload refused' "$WORK/server.log")" -gt "$n" ] && break; sleep 0.1; done
check "turnpike --reload signals the server in the pid file" \
	bash -c 'grep -q "reload requested from pid $1" <<<"$0" && [ "$(grep -c "reloaded\|reload refused" "$2")" -gt "$3" ]' "$out" "$SERVER_PID" "$WORK/server.log" "$n"
check "SIGTERM: clean exit after six reloads" stop_server
finish
