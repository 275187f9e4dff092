#!/usr/bin/env bash
# bench.sh: turnpike against coturn on loopback, side by side (make bench).
#
# Starts bin/turnpike and coturn's turnserver (by PID, with their own
# flags; never a system service) with equivalent configs: the same
# long-term user and realm, the same relay port range, loopback peers
# allowed, UDP only. Drives both with tests/bench/loadgen, interleaved
# (A B A B: a fresh server for every block), and prints one table of
# medians with a turnpike/coturn ratio column.
#
# Environment:
#   BENCH_QUICK=1          smoke run, tiny numbers (< 30 s), for CI
#   BENCH_OUT=FILE         also write the table and the raw lines there
#   BENCH_REPS=N           blocks per server (default 5)
#   BENCH_COTURN_THREADS=N coturn --relay-threads (default: the best of
#                          0, 2, 4 by a flat-out relay probe)
#   BENCH_GEN_THREADS=N    load generator threads (default 2)
#   BENCH_WORKERS=N        turnpike's workers (default: the best of 1 and
#                          one per CPU, by the same probe as coturn's threads)
#   BENCH_PIN=1            the servers on CPUs 1.., the generator on CPU 0
#                          (taskset): each server gets whole cores of its
#                          own instead of competing with the generator
#   TURNPIKE, LOADGEN, PROBE, COTURN: the binaries
#
# Writes only under a mktemp directory (removed at exit) and BENCH_OUT.
# Stops only the processes it started, by PID.
set -u
TURNPIKE=${TURNPIKE:-bin/turnpike}
LOADGEN=${LOADGEN:-build/bench/loadgen}
PROBE=${PROBE:-build/tools/stunprobe}
COTURN=${COTURN:-$(command -v turnserver || true)}
QUICK=${BENCH_QUICK:-}
OUT=${BENCH_OUT:-}
GEN_T=${BENCH_GEN_THREADS:-2}
NCPU=$(nproc)
SRV_PIN=(); GEN_PIN=(); SRV_CPUS=$NCPU
if [ "${BENCH_PIN:-0}" = 1 ] && [ "$NCPU" -gt 1 ]; then
	SRV_CPUS=$((NCPU - 1))
	SRV_CPULIST=$([ "$NCPU" -eq 2 ] && echo 1 || echo "1-$SRV_CPUS")
	SRV_PIN=(taskset -c "$SRV_CPULIST"); GEN_PIN=(taskset -c 0)
fi

USER_NAME=bench
USER_PASS=bench-$RANDOM$RANDOM
REALM=bench.turnpike

if [ -n "$QUICK" ] && [ "$QUICK" != 0 ]; then
	QUICK=1
	REPS=${BENCH_REPS:-1}; HOLD_REPS=1
	SESS=4; STEP=0.2; STEPS=2; WIN=4
	ALLOC_SECS=0.3; CONCS="4 8"
	LAT_SESS=4; LAT_RATE=1000; LAT_SECS=0.3
	CPU_RATE=2000; CPU_SECS=0.3
	HOLD_A=10; HOLD_B=100
	CT_CANDIDATES=${BENCH_COTURN_THREADS:-2}
	TP_CANDIDATES=${BENCH_WORKERS:-1 2}
	RANGE=16000
else
	QUICK=
	REPS=${BENCH_REPS:-5}; HOLD_REPS=2
	SESS=100; STEP=0.5; STEPS=6; WIN=4
	ALLOC_SECS=2; CONCS="16 64"
	LAT_SESS=100; LAT_RATE=10000; LAT_SECS=1
	CPU_RATE=40000; CPU_SECS=2
	HOLD_A=1000; HOLD_B=10000
	CT_CANDIDATES=${BENCH_COTURN_THREADS:-0 2 4}
	TP_CANDIDATES=${BENCH_WORKERS:-$( [ "$SRV_CPUS" -gt 1 ] && echo "1 $SRV_CPUS" || echo 1)}
	RANGE=16000
fi

WORK=$(mktemp -d /tmp/turnpike-bench.XXXXXX)
RES=$WORK/results
RAW=$WORK/raw
SRV_PID=""
HOLD_PIDS=""
: >"$RES"; : >"$RAW"

cleanup() {
	local p
	for p in $HOLD_PIDS $SRV_PID; do kill -KILL "$p" 2>/dev/null; done
	exec 7>&- 8>&- 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

for b in "$TURNPIKE" "$LOADGEN" "$PROBE"; do
	[ -x "$b" ] || die "$b missing: run make first"
done
HAVE_COTURN=1
if [ -z "$COTURN" ] || [ ! -x "$COTURN" ]; then
	HAVE_COTURN=
	say "coturn (turnserver) not installed: turnpike only"
fi

# A port free for UDP and TCP on loopback (checked, not guessed).
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 10000))
		if ! ss -Hlnut "( sport = :$p )" | grep -q .; then
			echo "$p"; return 0
		fi
	done
	return 1
}

# The relay range: RANGE ports below the kernel's ephemeral range (where
# the generator's own sockets live) and below 20000 (other tests'
# listeners), the same for both servers; only one server runs at a time.
# coturn keeps a deleted allocation's relay port about a second: at ~10k
# Allocate/s the range must hold ~10k ports in limbo, hence 16000.
read -r EPH_LO _ </proc/sys/net/ipv4/ip_local_port_range
TOP=$((EPH_LO < 20000 ? EPH_LO : 20000))
[ "$TOP" -gt $((RANGE + 2100)) ] || die "no room for $RANGE relay ports below $TOP"
RELAY_LO=$((2000 + RANDOM % (TOP - RANGE - 2000)))
RELAY_HI=$((RELAY_LO + RANGE - 1))

PORT=$(free_port) || die "no free port"
SRV="127.0.0.1:$PORT"

cat >"$WORK/turnpike.conf" <<EOF
listen = ( "$SRV" );
log-level = "warn";
realm = "$REALM";
users = ( "$USER_NAME:$USER_PASS" );
relay-ports = "$RELAY_LO-$RELAY_HI";
allow-peer = ( "127.0.0.0/8" );
user-quota = 1000000;
max-conns-per-ip = 0;
workers = 1;
EOF

# wait_up: until the server answers a Binding (at most 5 s).
wait_up() {
	local i
	for i in $(seq 1 50); do
		if "$PROBE" udp 127.0.0.1 "$PORT" >/dev/null 2>&1; then return 0; fi
		kill -0 "$SRV_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_server tp|ct [turnpike workers | coturn relay threads]
start_server() {
	local which=$1 th
	if [ "$which" = tp ]; then
		th=${2:-$TP_WORKERS}
		sed -i "s/^workers = .*/workers = $th;/" "$WORK/turnpike.conf"
		"${SRV_PIN[@]}" "$TURNPIKE" -c "$WORK/turnpike.conf" >>"$WORK/turnpike.log" 2>&1 &
	else
		th=${2:-$CT_THREADS}
		rm -rf "$WORK/coturn"; mkdir -p "$WORK/coturn"
		"${SRV_PIN[@]}" "$COTURN" -n --listening-ip 127.0.0.1 --listening-port "$PORT" \
			--relay-ip 127.0.0.1 --min-port "$RELAY_LO" --max-port "$RELAY_HI" \
			--lt-cred-mech --user "$USER_NAME:$USER_PASS" --realm "$REALM" \
			--no-tls --no-dtls --no-cli --no-tcp-relay \
			--allow-loopback-peers --no-multicast-peers \
			--relay-threads "$th" --no-software-attribute \
			--pidfile "$WORK/coturn/pid" --userdb "$WORK/coturn/db" \
			--log-file "$WORK/coturn/log" --simple-log --no-stdout-log \
			>>"$WORK/coturn.out" 2>&1 &
	fi
	SRV_PID=$!
	wait_up || { say "$which did not come up"; tail -5 "$WORK"/*.log "$WORK/coturn.out" 2>/dev/null >&2; return 1; }
}

stop_server() {
	local i
	[ -n "$SRV_PID" ] || return 0
	kill -TERM "$SRV_PID" 2>/dev/null
	for i in $(seq 1 30); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
}

lg() { # tag, loadgen args... : run it, keep its lines in RAW, print them
	local tag=$1; shift
	"${GEN_PIN[@]}" timeout 120 "$LOADGEN" "$@" -s "$SRV" -u "$USER_NAME" -p "$USER_PASS" \
		-T "$GEN_T" >"$WORK/lg.out" 2>&1
	sed "s/^/$tag: /" "$WORK/lg.out" >>"$RAW"
	cat "$WORK/lg.out"
}

# key KEY [TAG]: the value of KEY= on the last line starting with TAG
# (default "result") of standard input.
key() {
	awk -v k="$1" -v t="${2:-result}" '
		$1 == t { for (i = 2; i <= NF; i++) { n = index($i, "=");
			if (substr($i, 1, n - 1) == k) v = substr($i, n + 1) } }
		END { print v }'
}

rec() { # server metric value
	[ -n "$3" ] && echo "$1 $2 $3" >>"$RES"
}

# udp_drops: "CLIENT RELAY": datagrams the kernel dropped (receive buffer
# full) on loopback sockets bound to the server's port, and to the relay
# range, from /proc/net/udp (cumulative per socket; a fresh server per
# block, so differences around a run are that run's).
udp_drops() {
	awk -v p="$PORT" -v lo="$RELAY_LO" -v hi="$RELAY_HI" '
		function hex(x,  i, n) { n = 0; x = toupper(x)
			for (i = 1; i <= length(x); i++)
				n = n * 16 + index("0123456789ABCDEF", substr(x, i, 1)) - 1
			return n }
		NR > 1 { split($2, a, ":"); port = hex(a[2])
			if (a[1] != "0100007F") next
			if (port == p) c += $NF; else if (port >= lo && port <= hi) r += $NF }
		END { print c + 0, r + 0 }' /proc/net/udp
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SRV_PID/status"; }

# One traffic block on a fresh server: relay (64 B, 1200 B), latency,
# Allocate rate at each concurrency, CPU at a fixed rate.
block() {
	local s=$1 o c dc0 dr0 dc1 dr1
	start_server "$s" || return 1
	for len in 64 1200; do
		read -r dc0 dr0 <<<"$(udp_drops)"
		o=$(lg "$s relay$len" relay -n "$SESS" -l "$len" -d "$STEP" -k "$STEPS" \
			-W "$WIN" -P "$SRV_PID")
		read -r dc1 dr1 <<<"$(udp_drops)"
		rec "$s" dropc $((dc1 - dc0))
		rec "$s" dropr $((dr1 - dr0))
		rec "$s" dropg "$(awk -F'gen_drops=' 'NF > 1 { t += $2 } END { print t + 0 }' <<<"$o")"
		rec "$s" "zero$len" "$(key zero_loss_pps <<<"$o")"
		rec "$s" "max$len" "$(key max_pps <<<"$o")"
		[ "$len" = 64 ] && rec "$s" cpuflat "$(grep 'mode=window' <<<"$o" | key cpu_s_per_mpkt step)"
	done
	# The same to a plain UDP peer in the generator: each packet crosses
	# the server once (no relay-to-relay inside it), as a real peer's.
	o=$(lg "$s peer64" relay -x -n "$SESS" -l 64 -d "$STEP" -k "$STEPS" \
		-W "$WIN" -P "$SRV_PID")
	rec "$s" zeropeer "$(key zero_loss_pps <<<"$o")"
	rec "$s" maxpeer "$(key max_pps <<<"$o")"
	o=$(lg "$s latency" latency -n "$LAT_SESS" -r "$LAT_RATE" -d "$LAT_SECS")
	rec "$s" p50 "$(key added_p50_us <<<"$o")"
	rec "$s" p99 "$(key added_p99_us <<<"$o")"
	for c in $CONCS; do
		o=$(lg "$s alloc$c" alloc-rate -c "$c" -d "$ALLOC_SECS")
		rec "$s" "alloc$c" "$(key rate alloc <<<"$o")"
		rec "$s" "allocfail$c" "$(key fails alloc <<<"$o")"
	done
	o=$(lg "$s cpu" relay -n "$SESS" -l 64 -r "$CPU_RATE" -d "$CPU_SECS" -P "$SRV_PID")
	rec "$s" cpufixed "$(key cpu_s_per_mpkt <<<"$o")"
	rec "$s" cpuloss "$(key loss <<<"$o")"
	o=$(lg "$s cpupeer" relay -x -n "$SESS" -l 64 -r "$CPU_RATE" -d "$CPU_SECS" -P "$SRV_PID")
	rec "$s" cpupeer "$(key cpu_s_per_mpkt <<<"$o")"
	stop_server
}

# hold_start N FD: a loadgen holding N allocations, released when FD
# closes; sets HELD to how many it holds.
hold_start() {
	local n=$1 fifo=$WORK/hold$2 out=$WORK/hold$2.out i
	rm -f "$fifo"; mkfifo "$fifo"
	"${GEN_PIN[@]}" timeout 300 "$LOADGEN" hold -s "$SRV" -u "$USER_NAME" -p "$USER_PASS" \
		-T "$GEN_T" -n "$n" -c 64 <"$fifo" >"$out" 2>&1 &
	HOLD_PIDS="$HOLD_PIDS $!"
	eval "exec $2>\"$fifo\""
	for i in $(seq 1 600); do
		grep -q '^held' "$out" && break
		sleep 0.1
	done
	sed "s/^/hold$n: /" "$out" >>"$RAW"
	HELD=$(key n held <"$out")
	HELD=${HELD:-0}
}

# Memory: fresh server, RSS before, with HOLD_A held, then with HOLD_B.
hold_block() {
	local s=$1 r0 r1 r2 n1 n2
	start_server "$s" || return 1
	sleep 0.2
	r0=$(rss_kb)
	hold_start "$HOLD_A" 7; n1=$HELD
	r1=$(rss_kb)
	hold_start $((HOLD_B - HOLD_A)) 8; n2=$HELD
	r2=$(rss_kb)
	exec 7>&- 8>&-
	wait $HOLD_PIDS 2>/dev/null
	HOLD_PIDS=""
	echo "$s rss: before=${r0}kB with $n1: ${r1}kB with $((n1 + n2)): ${r2}kB" >>"$RAW"
	[ "$n1" -gt 0 ] && rec "$s" rssA $(((r1 - r0) * 1024 / n1))
	[ $((n1 + n2)) -gt 0 ] && rec "$s" rssB $(((r2 - r0) * 1024 / (n1 + n2)))
	rec "$s" heldB $((n1 + n2))
	stop_server
}

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
SERVERS=tp
[ -n "$HAVE_COTURN" ] && SERVERS="tp ct"

# Each server's best thread count (coturn --relay-threads, turnpike
# workers): a flat-out relay probe with each candidate, in the order
# given (a later one wins only if 5% faster); prints "BEST N" last and
# "N: pkt/s" for each.
tune() { # tp|ct, candidates...
	local s=$1 best=0 bt th d; shift
	bt=$1
	for th in "$@"; do
		start_server "$s" "$th" || die "$s did not start"
		d=$(lg "tune $s$th" relay -n "$SESS" -l 64 -d 1 -k 0 -W "$WIN" | key max_pps)
		stop_server
		say "$s with $th threads: ${d:-0} pkt/s flat out"
		echo "$th: ${d:-0}"
		# A later candidate must be 5% faster: a coin toss between
		# two equal figures would otherwise flip the table.
		if [ "${d%.*}" -gt $((best + best / 20)) ] 2>/dev/null; then best=${d%.*}; bt=$th; fi
	done
	echo "BEST $bt"
}
CT_THREADS=${CT_CANDIDATES%% *}
CT_TUNE=""
if [ -n "$HAVE_COTURN" ] && [ "$CT_CANDIDATES" != "$CT_THREADS" ]; then
	t=$(tune ct $CT_CANDIDATES)
	CT_THREADS=$(sed -n 's/^BEST //p' <<<"$t")
	CT_TUNE=" $(grep -v '^BEST' <<<"$t" | tr '\n' ' ')"
fi
TP_WORKERS=${TP_CANDIDATES%% *}
TP_TUNE=""
if [ "$TP_CANDIDATES" != "$TP_WORKERS" ]; then
	t=$(tune tp $TP_CANDIDATES)
	TP_WORKERS=$(sed -n 's/^BEST //p' <<<"$t")
	TP_TUNE=" $(grep -v '^BEST' <<<"$t" | tr '\n' ' ')"
fi

for r in $(seq 1 "$REPS"); do
	for s in $SERVERS; do
		say "block $r/$REPS: $s"
		block "$s" || die "$s: block failed"
	done
done
for r in $(seq 1 "$HOLD_REPS"); do
	for s in $SERVERS; do
		say "memory $r/$HOLD_REPS: $s"
		hold_block "$s" || die "$s: memory block failed"
	done
done
T1=$(date +%s)

med() { # server metric -> median, or empty
	awk -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3 }' "$RES" | sort -g |
		awk '{ a[NR] = $1 } END { if (NR == 0) exit;
			if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

MISSING=0
row() { # label metric format better
	local a b ratio
	a=$(med tp "$2"); b=$(med ct "$2")
	[ -n "$a" ] || MISSING=1
	[ -n "$HAVE_COTURN" ] && [ -z "$b" ] && MISSING=1
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a";
		else printf "%.2f", a / b }')
	[ -n "$a" ] && a=$(printf "$3" "$a") || a=n/a
	[ -n "$b" ] && b=$(printf "$3" "$b") || b=n/a
	printf "| %-56s | %10s | %10s | %7s | %-6s |\n" "$1" "$a" "$b" "$ratio" "$4"
}

note_hold() {
	local s n c
	awk '$3 == "sessions" { split($5, w, "="); split($6, r, "=");
		if (w[2] != r[2]) print "note: " $1 " " $2 " only " r[2] " of " w[2] " sessions set up (" $7 " " $NF ")" }' "$RAW"
	for s in $SERVERS; do
		for c in $CONCS; do
			n=$(awk -v s="$s" -v m="allocfail$c" '$1 == s && $2 == m { t += $3 } END { print t + 0 }' "$RES")
			[ "$n" -gt 0 ] && echo "note: $s: $n failed Allocate cycles at concurrency $c (all blocks; see raw lines)"
		done
		n=$(med "$s" heldB)
		[ -n "$n" ] && [ "${n%.*}" -lt "$HOLD_B" ] &&
			echo "note: $s held only ${n%.*} of $HOLD_B allocations (see raw lines)"
	done
}

{
	echo "turnpike $(git describe --always --dirty 2>/dev/null || echo '?') vs coturn $(dpkg-query -W -f '${Version}' coturn 2>/dev/null || echo '?')" \
		"(--relay-threads $CT_THREADS); turnpike workers $TP_WORKERS; $NCPU cores${SRV_PIN[*]:+ (pinned: servers on CPU $SRV_CPULIST, loadgen on CPU 0)}; loadgen $GEN_T threads;" \
		"${REPS} blocks per server (A B A B), medians${QUICK:+; QUICK smoke run: numbers mean nothing}"
	[ -n "$CT_TUNE" ] && echo "coturn relay-threads tried (64 B flat out, pkt/s):$CT_TUNE"
	[ -n "$TP_TUNE" ] && echo "turnpike workers tried (64 B flat out, pkt/s):$TP_TUNE"
	echo "load average before: $LOAD0, after: $(cut -d' ' -f1-3 /proc/loadavg); took $((T1 - T0)) s"
	echo
	printf "| %-56s | %10s | %10s | %7s | %-6s |\n" Metric turnpike coturn tp/ct better
	printf "|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..58})" "$(printf -- '-%.0s' {1..12})" \
		"$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..8})"
	row "Relay-to-relay pkt/s at <=0.1% loss, 64 B, $SESS sessions" zero64 "%.0f" higher
	row "Relay-to-relay pkt/s max delivered (knee), 64 B" max64 "%.0f" higher
	row "Relay-to-relay pkt/s at <=0.1% loss, 1200 B, $SESS sessions" zero1200 "%.0f" higher
	row "Relay-to-relay pkt/s max delivered (knee), 1200 B" max1200 "%.0f" higher
	row "To a UDP peer: pkt/s at <=0.1% loss, 64 B, $SESS sessions" zeropeer "%.0f" higher
	row "To a UDP peer: pkt/s max delivered (knee), 64 B" maxpeer "%.0f" higher
	row "Added RTT p50 (us) at $LAT_RATE pkt/s, $LAT_SESS sessions" p50 "%.1f" lower
	row "Added RTT p99 (us) at $LAT_RATE pkt/s" p99 "%.1f" lower
	for c in $CONCS; do
		row "Allocate/s incl. 401 round trip, concurrency $c" "alloc$c" "%.0f" higher
	done
	row "RSS bytes per allocation, $HOLD_A held" rssA "%.0f" lower
	row "RSS bytes per allocation, $HOLD_B held" rssB "%.0f" lower
	row "Server CPU s per 1M relayed pkts, 64 B at $CPU_RATE pkt/s" cpufixed "%.2f" lower
	row "Server CPU s per 1M relayed pkts, 64 B flat out" cpuflat "%.2f" lower
	row "  (loss in the fixed-rate CPU run)" cpuloss "%.4f" info
	row "Server CPU s per 1M pkts to a UDP peer, 64 B at $CPU_RATE/s" cpupeer "%.2f" lower
	note_hold
	for s in $SERVERS; do
		awk -v s="$s" '$1 == s { t[$2] += $3 } END {
			printf "note: %s: datagrams dropped in the relay runs (all blocks, probe and steps): " \
				"%d at its client-facing socket(s), %d at relay sockets, %d at the generator\n",
				s, t["dropc"], t["dropr"], t["dropg"] }' "$RES"
	done
} >"$WORK/table"

cat "$WORK/table"
if [ -n "$OUT" ]; then
	{ cat "$WORK/table"; echo; echo "raw loadgen lines:"; cat "$RAW"; } >"$OUT"
	say "wrote $OUT"
fi
[ "$MISSING" = 0 ] || die "some measurements produced no result (see above)"
exit 0
