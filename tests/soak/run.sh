#!/usr/bin/env bash
# make soak [SOAK_SECONDS=120]: turnpike under churn on loopback, then
# back to its baseline.
#
# For SOAK_SECONDS, in cycles: allocations created and deleted at a high
# rate (loadgen alloc-rate, UDP), relay sessions with permissions,
# channels and ChannelData both ways at a moderate fixed rate (loadgen
# relay, UDP, 0 loss required), allocations held and abandoned (loadgen
# hold killed: left to expire), turnutils_uclient over UDP (channels,
# left to expire) and TCP (deleted when the connection closes), and
# allocations refreshed then left to expire (stunprobe); all the while
# two signaling clients at a time join rooms, chat and leave, over and
# over. Allocation lifetimes are short (SOAK_LIFETIME, default 15 s).
#
# Then, once every allocation has had time to expire, against the
# baseline taken after the server started:
#   RSS <= baseline + max(2 MiB, 10 %) (glibc keeps some freed memory);
#   open fds == baseline; relay sockets (UDP and TCP) == 0;
#   alloc.created == alloc.deleted + alloc.expired (from the server log);
#   0 packets lost in the relay phases; 0 signaling failures.
# Prints TAP lines, the figures as "# " lines, and "N passed, N failed".
# SOAK_KEEP_LOG=FILE keeps the server's log; SOAK_RATE sets the relay
# phase's offered rate (packets/s, default 2000).
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN       # signaling needs the HTTP listener

SOAK_SECONDS=${SOAK_SECONDS:-120}
LIFETIME=${SOAK_LIFETIME:-15}
LOADGEN=${LOADGEN:-build/bench/loadgen}
WS=$TOOLS/wsprobe
RATE=${SOAK_RATE:-2000}          # relay phase: packets/s offered in all

summary() {
	echo "1..$T_N"
	echo "$((T_N - T_FAIL)) passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
for b in "$TURNPIKE" "$LOADGEN" "$PROBE" "$WS"; do
	[ -x "$b" ] || { not_ok "missing $b (make tests)"; summary; exit 1; }
done
command -v turnutils_uclient >/dev/null ||
	{ not_ok "turnutils_uclient not installed (make test-deps)"; summary; exit 1; }

PORT=$(free_port) || { not_ok "no free port"; summary; exit 1; }
HPORT=$(free_port)
PEER_PORT=$(free_port)
# 3000 relay ports below the kernel's ephemeral range (see relay_range),
# clear of the server's own listening ports and the peer's: a listener in
# the range would be counted as a relay socket (and never closes).
read -r EPH_LO _ </proc/sys/net/ipv4/ip_local_port_range
[ "$EPH_LO" -gt 14000 ] || { not_ok "ephemeral range starts at $EPH_LO (< 14000)"; summary; exit 1; }
for _ in $(seq 1 100); do
	RLO=$((10000 + RANDOM % (EPH_LO - 14000)))
	RHI=$((RLO + 2999))
	clash=0
	for p in "$PORT" "$HPORT" "$PEER_PORT"; do
		[ "$p" -ge "$RLO" ] && [ "$p" -le "$RHI" ] && clash=1
	done
	[ "$clash" -eq 0 ] && break
done
[ "$clash" -eq 0 ] || { not_ok "no relay range clear of ports $PORT $HPORT $PEER_PORT"; summary; exit 1; }
SECRET=soak-secret-$RANDOM

cat >"$WORK/soak.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
realm = "soak.example";
users = ( "alice:wonderland" );
auth-secrets = ( "$SECRET" );
relay-ports = "$RLO-$RHI";
allow-peer = ( "127.0.0.1/32" );
user-quota = 0;
default-lifetime = $LIFETIME;
max-lifetime = $LIFETIME;
tcp-idle-timeout = 5;
# Every soak client but loadgen's comes from 127.0.0.1: the per-source
# answer rate limit is raised so it does not shape the load.
rate-limit = 10000;
join-rate = 100000;
room-capacity = 4;
log-level = "info";
CONF

PIDS=""
trap 'kill $PIDS 2>/dev/null; cleanup' EXIT
turnutils_peer -L 127.0.0.1 -p "$PEER_PORT" >"$WORK/peer.log" 2>&1 &
PIDS="$PIDS $!"

if ! start_server -c "$WORK/soak.conf" --http-listen "127.0.0.1:$HPORT"; then
	not_ok "server starts"; summary; exit 1
fi
ok "server starts (TURN on 127.0.0.1:$PORT, HTTP on $HPORT, lifetime ${LIFETIME}s, relay ports $RLO-$RHI)"
LOG=$WORK/server.log

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVER_PID/status"; }
nfd() { find "/proc/$SERVER_PID/fd" -mindepth 1 2>/dev/null | wc -l; }
# Sockets of the server bound in the relay port range (UDP, then TCP).
relay_socks() { # u|t
	ss -Hn"$1"ap 2>/dev/null | grep "pid=$SERVER_PID," |
		awk -v lo="$RLO" -v hi="$RHI" '{ n = split($4, a, ":"); p = a[n] + 0;
			if (p >= lo && p <= hi) c++ } END { print c + 0 }'
}
events() { grep -c " info: alloc\.$1 " "$LOG"; }
live() { echo $(($(events created) - $(events deleted) - $(events expired))); }

for _ in $(seq 1 50); do
	echo 'http GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n' | timeout 5 "$WS" 127.0.0.1 "$HPORT" 2>/dev/null |
		grep -q 'HTTP 200' && break
	sleep 0.1
done
sleep 1
RSS0=$(rss) FD0=$(nfd) U0=$(relay_socks u) T0=$(relay_socks t)
echo "# baseline: rss ${RSS0} kB, fds $FD0, relay sockets udp $U0 tcp $T0, allocations $(live)"
check "baseline: no relay sockets, no allocations" test "$U0" -eq 0 -a "$T0" -eq 0 -a "$(live)" -eq 0

START=$(date +%s)
END=$((START + SOAK_SECONDS))

# Sampler: peaks during the run.
( while [ "$(date +%s)" -lt "$END" ] && kill -0 "$SERVER_PID" 2>/dev/null; do
	echo "$(rss) $(nfd) $(relay_socks u)"; sleep 1
  done >"$WORK/samples" ) &
PIDS="$PIDS $!"

# Signaling: two clients join a room, chat, one leaves, both close;
# again until the end. Two such loops at once.
sig_loop() { # tag
	local n=0 fails=0 out room
	while [ "$(date +%s)" -lt "$END" ]; do
		room=soak-$1-$((n % 50))
		out=$(timeout 30 "$WS" 127.0.0.1 "$HPORT" <<EOF
open A
open B
send A {"type":"join","room":"$room","name":"a$n"}
expect A "type":"welcome"
send B {"type":"join","room":"$room","name":"b$n"}
expect B "type":"welcome"
expect A "type":"peer-joined"
send B {"type":"chat","text":"hello $n"}
expect A "hello $n"
send B {"type":"leave"}
expect A "type":"peer-left"
close B
close A
EOF
)
		n=$((n + 1))
		if grep -q 'EXPECT-FAIL' <<<"$out" || ! grep -q '^A open 101' <<<"$out"; then
			fails=$((fails + 1))
			[ $fails -le 3 ] && sed "s/^/sig $1 fail: /" <<<"$out" >>"$WORK/sig.errors"
		fi
	done
	echo "$n $fails" >"$WORK/sig.$1"
}
sig_loop 1 & SIG1=$!
sig_loop 2 & SIG2=$!
PIDS="$PIDS $SIG1 $SIG2"

# Results of the TURN phases, one line each: "phase key=value ...".
R=$WORK/results
: >"$R"
lg() { "$LOADGEN" "$1" -s "127.0.0.1:$PORT" -u alice -p wonderland -T 1 "${@:2}"; }
uclient() { # tag, flags...
	local tag=$1 out lost; shift
	out=$(timeout 60 turnutils_uclient -p "$PORT" -e 127.0.0.1 -r "$PEER_PORT" \
		-u alice -w wonderland "$@" 127.0.0.1 2>&1)
	lost=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' <<<"$out" | tail -1)
	echo "uclient-$tag lost=${lost:-none}" >>"$R"
	[ -n "$lost" ] || tail -5 <<<"$out" | sed "s/^/uclient-$tag: /" >>"$WORK/uclient.errors"
}
mkfifo "$WORK/hold.in"
cycle=0
while [ "$(date +%s)" -lt "$END" ]; do
	cycle=$((cycle + 1))
	# 1. Allocate/Refresh(0) churn on fresh sockets: created, deleted.
	out=$(lg alloc-rate -c 8 -d 2)
	echo "alloc $out" >>"$R"
	# 2. Relay sessions at a moderate fixed rate: allocations, permissions,
	#    channels, ChannelData both ways; deleted at the end.
	out=$(lg relay -n 20 -r "$RATE" -d 3 -D 0.5 | grep -E '^(step|sessions)' | tr '\n' ' ')
	echo "relay $out" >>"$R"
	# 3. Allocations held, then abandoned: left to expire.
	"$LOADGEN" hold -s "127.0.0.1:$PORT" -u alice -p wonderland -T 1 \
		-n 300 -c 16 -w 60 <"$WORK/hold.in" >"$WORK/hold.out" 2>&1 &
	HPID=$!
	exec 8>"$WORK/hold.in"
	for _ in $(seq 1 300); do grep -q '^held' "$WORK/hold.out" && break; sleep 0.1; done
	kill -KILL "$HPID" 2>/dev/null; wait "$HPID" 2>/dev/null
	exec 8>&-
	echo "hold $(grep '^held' "$WORK/hold.out")" >>"$R"
	# 4. coturn's client: UDP with channels (left to expire), TCP (deleted
	#    when each connection closes).
	uclient udp -m 10 -n 50 -z 5 -c
	uclient tcp -t -m 10 -n 50 -z 5 -c
	# 5. Refreshed, then left to expire.
	for _ in 1 2 3 4 5; do
		out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland refresh 2>&1)
		echo "refresh $(tr '\n' ' ' <<<"$out")" >>"$R"
	done
done
echo "# $cycle cycles in ${SOAK_SECONDS}s; allocations still live at the end: $(live)"
wait "$SIG1" "$SIG2"

# Every allocation gets its lifetime (plus the expiry timer's tick) to go.
deadline=$(($(date +%s) + LIFETIME + 20))
while [ "$(live)" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
sleep 3
RSS1=$(rss) FD1=$(nfd) U1=$(relay_socks u) T1=$(relay_socks t)
C=$(events created) D=$(events deleted) E=$(events expired) F=$(events refreshed)
peak=$(sort -n "$WORK/samples" | tail -1)
peak_fd=$(sort -k2 -n "$WORK/samples" | tail -1 | cut -d' ' -f2)
peak_u=$(sort -k3 -n "$WORK/samples" | tail -1 | cut -d' ' -f3)

echo "# end:      rss ${RSS1} kB, fds $FD1, relay sockets udp $U1 tcp $T1, allocations $(live)"
echo "# peak:     rss ${peak%% *} kB, fds ${peak_fd:-?}, relay udp sockets ${peak_u:-?}"
echo "# events:   created $C, deleted $D, expired $E, refreshed $F"

margin=$((RSS0 / 10)); [ $margin -lt 2048 ] && margin=2048
check "RSS back within max(2 MiB, 10%) of baseline: $RSS0 -> $RSS1 kB (limit $((RSS0 + margin)))" \
	test "$RSS1" -le $((RSS0 + margin))
check "open fds back to baseline: $FD0 -> $FD1" test "$FD1" -le "$FD0"
check "relay UDP sockets back to 0 (peak ${peak_u:-?})" test "$U1" -eq 0
check "relay TCP sockets back to 0" test "$T1" -eq 0
check "allocations: created $C == deleted $D + expired $E" test "$C" -eq $((D + E))
minc=$((SOAK_SECONDS * 50))
check "thousands of allocations under churn: $C created (>= $minc)" test "$C" -ge "$minc"
check "allocations left to expire did expire: $E" test "$E" -gt 0
check "allocations were refreshed: $F" test "$F" -gt 0
rok=$(grep -c '^refresh .*REFRESH 200' "$R"); rn=$(grep -c '^refresh ' "$R")
check "Refresh answered 200: $rok of $rn" test "$rok" -eq "$rn" -a "$rn" -gt 0

# Relay phases: sum of sent and received packets; loss must be 0.
read -r sent recv sess want <<<"$(awk '/^relay/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "sent") s += kv[2]; if (kv[1] == "recv") r += kv[2];
		if (kv[1] == "ready") rd += kv[2]; if (kv[1] == "want") w += kv[2] } }
	END { print s + 0, r + 0, rd + 0, w + 0 }' "$R")"
echo "# relay:    $sess of $want sessions ready; $sent ChannelData packets sent, $recv received, at $RATE pps offered"
check "relay sessions all set up (Allocate, CreatePermission, ChannelBind): $sess of $want" \
	test "$sess" -eq "$want" -a "$want" -gt 0
check "relay phases: 0 packets lost ($sent sent, $recv received)" test "$sent" -gt 0 -a "$sent" -eq "$recv"
ul=$(grep -c '^uclient-.* lost=0$' "$R"); un=$(grep -c '^uclient-' "$R")
check "turnutils_uclient UDP and TCP runs: 0 lost in $ul of $un" test "$ul" -eq "$un" -a "$un" -gt 0
[ -s "$WORK/uclient.errors" ] && head -20 "$WORK/uclient.errors" | sed 's/^/#   /'
af=$(awk '/^alloc/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "fails") f += kv[2] } } END { print f + 0 }' "$R")
check "alloc-rate churn: no failed allocation ($af)" test "$af" -eq 0
hn=$(grep -c '^hold held n=300 ' "$R"); hc=$(grep -c '^hold' "$R")
check "held allocations: all 300 granted in $hn of $hc rounds" test "$hn" -eq "$hc" -a "$hc" -gt 0
read -r s1 f1 <"$WORK/sig.1"; read -r s2 f2 <"$WORK/sig.2"
echo "# signaling: $((s1 + s2)) join/chat/leave rounds of two clients, $((f1 + f2)) failed"
check "signaling: clients joined and left rooms $((s1 + s2)) times, 0 failures" \
	test $((f1 + f2)) -eq 0 -a $((s1 + s2)) -gt 0
[ -s "$WORK/sig.errors" ] && head -20 "$WORK/sig.errors" | sed 's/^/#   /'
check "no warning or error in the server log" \
	bash -c '! grep -E " (warn|error): " "$0" | grep -v "udp-rcvbuf\|udp-sndbuf\|buffer" | grep -q .' "$LOG"
grep -E " (warn|error): " "$LOG" | head -5 | sed 's/^/#   /'
check "server still running" kill -0 "$SERVER_PID"
check "SIGTERM: clean exit" stop_server
[ -n "${SOAK_KEEP_LOG:-}" ] && cp "$LOG" "$SOAK_KEEP_LOG"
summary
