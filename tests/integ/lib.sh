# Helpers for integration tests against the real binary, on loopback.
# Every wait is bounded; we stop only the processes we started, by PID.
# shellcheck shell=bash
set -u
TURNPIKE=${TURNPIKE:-bin/turnpike}
TOOLS=${TOOLS:-build/tools}
PROBE=$TOOLS/stunprobe
T_N=0 T_FAIL=0
# The HTTP listener defaults to 0.0.0.0:8080: tests stay on loopback, so
# it is off unless a test asks for it (test_sig.sh unsets this).
export TURNPIKE_HTTP_LISTEN=off
# The admin listener defaults to 127.0.0.1:9641, shared by every test run
# at once: off unless a test asks for it (test_metrics.sh).
export TURNPIKE_ADMIN_LISTEN=off
WORK=$(mktemp -d /tmp/turnpike-integ.XXXXXX)
SERVER_PID=""

ok()     { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; return 1; fi; }

cleanup() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# A port free for both UDP and TCP on loopback (checked, not guessed).
free_port() {
	local p i
	for i in $(seq 1 50); do
		# Below the kernel's ephemeral range (32768+), where a client's
		# connected socket could hold the port; any state counts.
		p=$((10000 + RANDOM % 22000))
		if ! ss -Hanut "( sport = :$p )" | grep -q .; then
			echo "$p"; return 0
		fi
	done
	return 1
}

# relay_range: "LO-HI", 1000 relay ports outside the kernel's ephemeral
# range (where the clients' own sockets live: a relay port taken by one
# of them would make an Allocate with a RESERVATION-TOKEN fail at random).
relay_range() { # [N]: N ports (1000)
	local lo hi r n=${1:-1000}
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	if [ "$hi" -lt $((65000 - n)) ]; then
		r=$((hi + 1 + RANDOM % (65000 - n - hi)))
	else r=$((10000 + RANDOM % (lo - 10000 - n))); fi
	echo "$r-$((r + n - 1))"
}

# start_server ARGS...: start turnpike in the background, wait until it
# answers a Binding on UDP (at most 5 s).
start_server() {
	"$TURNPIKE" "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	local i
	for i in $(seq 1 50); do
		if "$PROBE" udp 127.0.0.1 "$PORT" >/dev/null 2>&1; then return 0; fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# server did not come up:"; sed 's/^/#   /' "$WORK/server.log"
	return 1
}

# stop_server: SIGTERM, wait at most 5 s; succeeds if it exited 0.
stop_server() {
	local i rc
	kill -TERM "$SERVER_PID" 2>/dev/null || return 1
	for i in $(seq 1 50); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -KILL "$SERVER_PID"; SERVER_PID=""; return 1
	fi
	wait "$SERVER_PID"; rc=$?
	SERVER_PID=""
	[ $rc -eq 0 ] || { echo "# server exited $rc:"; tail -30 "$WORK/server.log" | sed 's/^/#   /'; }
	return $rc
}

finish() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}
