#!/usr/bin/env bash
# A wildcard UDP listener (0.0.0.0) on a host with several addresses must
# answer from the address each client sent to (IP_PKTINFO), or clients on
# connected sockets drop the answers. Runs in a network namespace made
# here (a wildcard bind must not reach the machine's real interfaces):
# its loopback holds all of 127.0.0.0/8, so 127.0.0.2 and 127.0.0.3 are
# other addresses of the same host. Needs root; else reports a skip.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

NS=tp-wild-$$
if [ "$(id -u)" != 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	ok "# SKIP wildcard listener answers from the address used: needs root and netns"
	finish; exit 0
fi
trap 'ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null; ip netns del "$NS" 2>/dev/null; cleanup' EXIT
ip netns exec "$NS" ip link set lo up
PORT=3478
in_ns() { ip netns exec "$NS" "$@"; }

ip netns exec "$NS" "$TURNPIKE" --listen "0.0.0.0:$PORT" --realm test.example \
	--user alice:wonderland --relay-ports 40000-40999 --allow-peer 127.0.0.1/32 \
	>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do in_ns "$PROBE" udp 127.0.0.1 "$PORT" >/dev/null 2>&1 && break; sleep 0.1; done

for ip in 127.0.0.1 127.0.0.2 127.0.0.3; do
	out=$(in_ns "$PROBE" udp "$ip" "$PORT" 2>&1)
	check "Binding sent to $ip:$PORT is answered from $ip (a connected client gets it)" \
		grep -q 'XOR-MAPPED-ADDRESS' <<<"$out"
done
out=$(in_ns "$PROBE" turn 127.0.0.3 "$PORT" alice wonderland perm 8.8.8.8 2>&1)
check "TURN through 127.0.0.3: 401, Allocate and CreatePermission answered from it" \
	bash -c 'grep -q "^ALLOCATE 200" <<<"$0" && grep -q "^PERM 200" <<<"$0"' "$out"
# Relayed data leaves in batches (sendmmsg), each message with its own
# source: a peer's burst reaches a client on a connected socket through
# 127.0.0.2 whole and in order, and the client's burst reaches the peer.
out=$(in_ns "$PROBE" turn 127.0.0.2 "$PORT" alice wonderland burst 300 2>&1)
check "burst through 127.0.0.2: Data indications and ChannelData from it, 300/300 in order each way" \
	bash -c 'grep -q "^BURST-IND 300/300" <<<"$0" && grep -q "^BURST-CHAN 300/300" <<<"$0" && grep -q "^BURST-OUT 300/300" <<<"$0"' "$out"
check "SIGTERM: clean exit" stop_server
finish
