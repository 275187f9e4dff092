#!/usr/bin/env bash
# Slowloris against the HTTP and the admin listener of the real binary:
# 100 connections from 127.0.0.2 trickle a request head a byte every 2 s
# (an inactivity timer never fires on them). http-max-conns-per-ip (64)
# refuses the 36 over it at once; /healthz from 127.0.0.1 is answered at
# once while the others are open; http-head-timeout, a deadline from the
# accept, closes every one of them at it (not before, not much after).
# The same on the admin listener (16 per source there).
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN TURNPIKE_ADMIN_LISTEN
FLOOD=$TOOLS/connflood
WS=$TOOLS/wsprobe
HEAD=4          # http-head-timeout, seconds
HOLD=$((HEAD + 8))
TRICKLE=2000    # ms between two bytes of a head

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
HPORT=$(free_port)
APORT=$(free_port)
FLOOD_PIDS=""
trap 'kill $FLOOD_PIDS 2>/dev/null; cleanup' EXIT
cat >"$WORK/http.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
http-listen = ( "127.0.0.1:$HPORT" );
admin-listen = ( "127.0.0.1:$APORT" );
realm = "test.example";
http-head-timeout = $HEAD;
CONF
# A head that never ends: a byte of it every TRICKLE ms.
printf 'GET /healthz HTTP/1.1\r\nHost: h\r\nX-Pad: %0200d' 0 >"$WORK/head"

if ! start_server -c "$WORK/http.conf"; then
	not_ok "server starts"; finish; exit 1
fi
ok "server starts (http-head-timeout $HEAD, default http-max-conns-per-ip)"
estab() { ss -Htn state established "( sport = :$1 )" | wc -l; }
# healthz PORT: the status of GET /healthz from 127.0.0.1 and its time.
healthz() {
	local t0 out
	t0=$(date +%s%N)
	out=$(echo 'http GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n' |
	      timeout 10 "$WS" 127.0.0.1 "$1" | sed -n 's/^HTTP //p')
	echo "$out $((($(date +%s%N) - t0) / 1000000))"
}
# flooded NAME FILE ACCEPTED REFUSED: connflood's report, judged.
flooded() {
	local up ref cl last first
	up=$(sed -n 's/^connected //p' "$2"); ref=$(sed -n 's/^refused //p' "$2")
	cl=$(sed -n 's/^closed \([0-9]*\) .*/\1/p' "$2")
	last=$(sed -n 's/.* last \([0-9]*\)$/\1/p' "$2")
	first=$(sed -n 's/^first //p' "$2")
	echo "# $1: connected $up refused $ref closed $cl, first $first last $last ms"
	check "$1: $(($3 + $4)) connected, $4 refused at once (over the per-source cap)" \
		test "${up:-0}" -eq $(($3 + $4)) -a "${ref:-0}" -eq "$4"
	check "$1: all $(($3 + $4)) closed by the server" test "${cl:-0}" -eq $(($3 + $4))
	check "$1: the trickling heads cut at the ${HEAD} s deadline: first $first, last $last ms" \
		test "${first:-0}" -ge $(((HEAD - 1) * 1000)) -a "${last:-0}" -le $(((HEAD + 2) * 1000))
}

# --- HTTP listener: 100 from 127.0.0.2, 64 of them accepted.
"$FLOOD" 127.0.0.2 127.0.0.1 "$HPORT" 100 "$HOLD" "$WORK/head" "$TRICKLE" \
	>"$WORK/http.flood" 2>&1 &
FLOOD_PIDS=$!
for _ in $(seq 1 50); do [ "$(estab "$HPORT")" -ge 64 ] && break; sleep 0.1; done
check "64 trickling connections held" test "$(estab "$HPORT")" -ge 64
read -r st ms <<<"$(healthz "$HPORT")"
check "/healthz from 127.0.0.1 answered at once during the flood ($st in $ms ms)" \
	test "$st" = 200 -a "$ms" -lt 1000
sleep 2.5       # a byte of each head came since: still no inactivity
read -r st ms <<<"$(healthz "$HPORT")"
check "and again after a trickled byte ($st in $ms ms)" test "$st" = 200 -a "$ms" -lt 1000
wait $FLOOD_PIDS; FLOOD_PIDS=""
flooded "http" "$WORK/http.flood" 64 36

# --- admin listener: 20 from 127.0.0.3, 16 of them accepted.
"$FLOOD" 127.0.0.3 127.0.0.1 "$APORT" 20 "$HOLD" "$WORK/head" "$TRICKLE" \
	>"$WORK/admin.flood" 2>&1 &
FLOOD_PIDS=$!
for _ in $(seq 1 50); do [ "$(estab "$APORT")" -ge 16 ] && break; sleep 0.1; done
read -r st ms <<<"$(healthz "$APORT")"
check "admin /healthz from 127.0.0.1 answered at once during the flood ($st in $ms ms)" \
	test "$st" = 200 -a "$ms" -lt 1000
wait $FLOOD_PIDS; FLOOD_PIDS=""
flooded "admin" "$WORK/admin.flood" 16 4

read -r st ms <<<"$(healthz "$HPORT")"
check "/healthz after the floods ($st)" test "$st" = 200
check "SIGTERM: clean exit" stop_server
finish
