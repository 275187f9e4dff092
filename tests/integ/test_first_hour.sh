#!/usr/bin/env bash
# What a new user meets first, against the real binary and the shipped
# config (etc/turnpike.conf: wildcard listeners on 3478 and 8080), inside
# a network namespace this test makes (only loopback in it, deleted on
# exit):
# - the shipped config starts without a single warning (its relay-ports
#   sit above the kernel's ephemeral range);
# - a client on ::1 asking no address family gets an IPv4 relay, not 440
#   (turnutils_uclient -y ::1 against the default listeners);
# - adding a static user (--user) keeps the demo page's TURN credentials:
#   the welcome still carries turn: URLs and a credential that allocates.
# Needs root for the namespace; without it every check is skipped.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN TURNPIKE_ADMIN_LISTEN

NS=tp-first-$$
DESCS=("the shipped config starts without warnings"
       "uclient -y from ::1 against the default listeners: 0% loss"
       "--user keeps the welcome's TURN credentials")
skip_all() {
	local d
	for d in "${DESCS[@]}"; do ok "# SKIP $d: $1"; done
	finish; exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace"
cleanup_ns() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup_ns EXIT
ip netns add "$NS" 2>/dev/null || skip_all "cannot create a network namespace (ip netns add failed)"
ip netns exec "$NS" ip link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

# serve ARGS...: the daemon in the namespace; wait until STUN and HTTP answer.
serve() {
	ip netns exec "$NS" "$TURNPIKE" "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 50); do
		if in_ns "$PROBE" udp 127.0.0.1 3478 >/dev/null 2>&1 &&
		   echo 'http GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n' |
			in_ns "$TOOLS/wsprobe" 127.0.0.1 8080 2>/dev/null | grep -q 'HTTP 200'; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

if serve -c etc/turnpike.conf; then
	ok "the shipped config serves STUN on 3478 and HTTP on 8080"
	warns=$(grep -E ' (warn|error): ' "$WORK/server.log")
	check "the shipped config starts without warnings${warns:+ (got: $warns)}" test -z "$warns"
	stop_server >/dev/null
else
	not_ok "the shipped config serves STUN on 3478 and HTTP on 8080"
	tail -5 "$WORK/server.log" | sed 's/^/#   /'
fi

if serve -c etc/turnpike.conf --user alice:first-hour; then
	out=$(timeout 60 ip netns exec "$NS" turnutils_uclient -p 3478 -u alice -w first-hour \
		-y -c -m 5 -n 50 -z 5 ::1 2>&1)
	check "uclient -y from ::1 against the default listeners: 0% loss (no 440)" \
		grep -qE 'Total lost packets 0 \(0\.0+%\)' <<<"$out" ||
		tail -5 <<<"$out" | sed 's/^/#   /'
	check "the allocations from ::1 got IPv4 relays" \
		grep -qE 'client=\[::1\]:[0-9]+ user=alice transport=udp relay=127\.0\.0\.1:' "$WORK/server.log"
	out=$(printf '%s\n' 'open W' 'send W {"type":"join","room":"r","name":"n"}' \
		'expect W welcome' | timeout 30 ip netns exec "$NS" "$TOOLS/wsprobe" 127.0.0.1 8080)
	user=$(sed -n 's/.*"username":"\([^"]*\)".*/\1/p' <<<"$out" | head -1)
	cred=$(sed -n 's/.*"credential":"\([^"]*\)".*/\1/p' <<<"$out" | head -1 | sed 's#\\/#/#g')
	check "--user keeps the welcome's turn: URLs" grep -q '"turn:' <<<"$out"
	out=$(in_ns "$PROBE" turn 127.0.0.1 3478 "$user" "$cred" refresh 2>&1)
	check "--user keeps the welcome's TURN credential working (Allocate 200)" \
		grep -q '^ALLOCATE 200' <<<"$out"
	check "the log says static users and the signaling secret coexist" \
		grep -q 'static users work as well' "$WORK/server.log"
	stop_server >/dev/null
else
	not_ok "the shipped config with --user starts"
	tail -5 "$WORK/server.log" | sed 's/^/#   /'
fi
finish
