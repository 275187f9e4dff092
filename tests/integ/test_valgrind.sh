#!/usr/bin/env bash
# A short session under valgrind: Binding over UDP and TCP, an Allocate
# with a permission and a channel, then SIGTERM. No leak, no error.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
case $TURNPIKE in *asan*)
	echo "# the ASan build runs under LeakSanitizer instead"; exit 0 ;;
esac

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
cat >"$WORK/v.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
users = ( "alice:wonderland" );
allow-peer = ( "127.0.0.1/32" );
CONF
REAL=$TURNPIKE
TURNPIKE="valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=3 $REAL"
# valgrind is slow to start: start_server polls for up to 5 s.
start_server() {
	$TURNPIKE "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	local i
	for i in $(seq 1 100); do
		"$PROBE" udp 127.0.0.1 "$PORT" >/dev/null 2>&1 && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.2
	done
	return 1
}
if ! start_server -c "$WORK/v.conf"; then not_ok "server starts under valgrind"; finish; exit 1; fi
ok "server starts under valgrind"
check "Binding over TCP" bash -c '"$0" tcp 127.0.0.1 "$1" multi | grep -q XOR-MAPPED' "$PROBE" "$PORT"
out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland perm 127.0.0.1)
check "Allocate and CreatePermission" grep -q '^PERM 200' <<<"$out"
out=$(timeout 30 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r 9 -u alice -w wonderland -m 2 -n 10 -c 127.0.0.1 2>&1)
check "uclient session (channels) ran" grep -q 'Total transmit time' <<<"$out"
"$PROBE" garbage-udp 127.0.0.1 "$PORT" 200 >/dev/null
check "SIGTERM: exit 0, valgrind found no leak or error" stop_server
finish
