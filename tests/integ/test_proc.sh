#!/usr/bin/env bash
# Process duties of the real binary: pid file, privilege drop (when the
# test runs as root), refusal to run as root when the drop fails, the
# systemd readiness protocol, make install, and the man page.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
base_conf() {
	printf 'listen = ( "127.0.0.1:%s" );\nrealm = "test.example";\n' "$PORT"
	printf 'users = ( "alice:wonderland" );\nrelay-ports = "%s";\n' "$(relay_range)"
}
base_conf >"$WORK/p.conf"

# The systemd protocol: a datagram socket at $NOTIFY_SOCKET.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(15)
with open(sys.argv[2], "w") as out:
    for _ in range(2):
        try: out.write(s.recv(256).decode() + "\n"); out.flush()
        except socket.timeout: break
' "$WORK/notify.sock" "$WORK/notify.out" &
NPID=$!
for _ in $(seq 1 30); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$WORK/notify.sock start_server -c "$WORK/p.conf" --pidfile "$WORK/t.pid" ||
	{ not_ok "server starts"; finish; exit 1; }
check "pid file holds the server's pid" test "$(cat "$WORK/t.pid" 2>/dev/null)" = "$SERVER_PID"
for _ in $(seq 1 30); do grep -q READY=1 "$WORK/notify.out" 2>/dev/null && break; sleep 0.1; done
check "sd_notify: READY=1 once serving" grep -qx 'READY=1' "$WORK/notify.out"
check "SIGTERM: clean exit" stop_server
wait "$NPID" 2>/dev/null
check "sd_notify: STOPPING=1 on the way out" grep -qx 'STOPPING=1' "$WORK/notify.out"
check "pid file removed on a clean stop" test ! -e "$WORK/t.pid"

if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	start_server -c "$WORK/p.conf" --proc-user nobody || not_ok "server starts as root with proc-user nobody"
	uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$SERVER_PID/status")
	nuid=$(id -u nobody)
	check "proc-user nobody: real, effective, saved and fs uid all dropped" test "$uid" = "$nuid$nuid$nuid$nuid"
	groups=$(awk '/^Groups:/ {print $2 $3}' "/proc/$SERVER_PID/status")
	check "no supplementary group of root kept" test "$groups" = "$(id -g nobody)"
	out=$("$PROBE" turn 127.0.0.1 "$PORT" alice wonderland perm 8.8.8.8)
	check "after the drop: TURN allocations still work (relay sockets as nobody)" grep -q '^ALLOCATE 200' <<<"$out"
	check "after the drop: SIGTERM, clean exit" stop_server

	"$TURNPIKE" -c "$WORK/p.conf" --proc-user no-such-user-xyz >"$WORK/bad.log" 2>&1 &
	bpid=$!
	for _ in $(seq 1 50); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$bpid" 2>/dev/null; then kill -KILL "$bpid"; not_ok "an unknown proc-user: the server refuses to run"
	else wait "$bpid"; rc=$?
		check "an unknown proc-user: exit 1, 'refusing to run', never serves as root" \
			bash -c '[ "$1" = 1 ] && grep -q "no such user" "$0" && grep -q "refusing to run" "$0"' "$WORK/bad.log" "$rc"
	fi
else
	ok "# SKIP privilege drop: the tests do not run as root"
fi

make -s install DESTDIR="$WORK/root" PREFIX=/usr >/dev/null 2>&1
check "make install DESTDIR=... PREFIX=/usr: binary, man page, unit, config" \
	test -x "$WORK/root/usr/bin/turnpike" -a -f "$WORK/root/usr/share/man/man8/turnpike.8" \
	-a -f "$WORK/root/usr/lib/systemd/system/turnpike.service" -a -f "$WORK/root/etc/turnpike/turnpike.conf"
check "the installed unit is Type=notify and runs the installed binary" \
	bash -c 'grep -qx "Type=notify" "$0" && grep -qx "ExecStart=/usr/bin/turnpike -c /etc/turnpike/turnpike.conf" "$0" && ! grep -qE "@(BINDIR|SYSCONFDIR)@" "$0"' \
	"$WORK/root/usr/lib/systemd/system/turnpike.service"
missing=$("$TURNPIKE" --help | grep -oE -- '--[a-z-]+' | sort -u | while read -r f; do
	grep -qF -- "\\-\\-${f#--}" docs/turnpike.8 || grep -qF -- "$(sed 's/-/\\-/g' <<<"$f")" docs/turnpike.8 || echo "$f"; done)
check "the man page documents every flag of --help${missing:+ (missing: $missing)}" test -z "$missing"
finish
