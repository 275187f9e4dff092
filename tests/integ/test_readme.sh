#!/usr/bin/env bash
# Every command of README.md, run against the real binary, so that the
# README cannot rot.
#
# The shell code blocks (```sh) are read in order. A block right after a
# "<!-- not run: REASON -->" comment is reported as a skip with its
# reason; every other line runs (a line ending in "\" goes on). In a
# private network namespace (as root), so the README's own addresses
# work unchanged: 0.0.0.0:3478, [::]:3478, 0.0.0.0:8080, :443.
#
# - A line that starts the server ("bin/turnpike ..." without --help,
#   --version, --check-config or --reload; "make run [ARGS=...]") runs in
#   the background; it passes when the server answers a STUN Binding on
#   127.0.0.1:3478 within 5 s. The next such line stops it first (by PID),
#   as the end does.
# - Any other line runs with a 60 s limit and passes when it exits 0; a
#   trailing "# prints: TEXT" must also be in its output (NNNNN: digits).
#   A plain assignment (VAR=...) stays set for the lines after it.
#
# What is changed before a line runs, and nothing else: "make run" is
# its recipe (checked against the Makefile below: its build and apt steps
# are not run here); bin/turnpike is $TURNPIKE; "$(pidof turnpike)" is
# the PID of the server this test started (never another one); the
# certificate paths under /etc/turnpike/ are a self-signed pair made
# here. Lines run in a scratch directory with links to etc/ and www/.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

README=$PWD/README.md
NS=tp-readme-$$

# steps: "LINE<TAB>skip<TAB>REASON" or "LINE<TAB>run<TAB>COMMAND".
readme_steps() {
	python3 - "$README" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
i, reason = 0, None
while i < len(lines):
    l = lines[i]
    m = re.match(r"<!-- not run: (.+?) -->\s*$", l)
    if m:
        reason = m.group(1)
    elif l.strip() == "```sh":
        i += 1
        start = i
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        if reason:
            print("%d\tskip\t%s" % (start, reason))
        else:
            cmd, at = "", 0
            for n in range(start, i):
                t = lines[n]
                if not cmd:
                    at = n + 1
                    if t.lstrip().startswith("#") or not t.strip():
                        continue
                if t.endswith("\\"):
                    cmd += t[:-1]
                    continue
                print("%d\trun\t%s" % (at, (cmd + t).strip()))
                cmd = ""
        reason = None
    elif l.strip():
        reason = None
    i += 1
PY
}

# The text a line runs as (see the header), and its "# prints:" regex.
rewrite() {
	local c=$1
	if [[ $c =~ ^make\ run(\ ARGS=\"([^\"]*)\")?(\ .*)?$ ]]; then
		c="./bin/turnpike -c etc/turnpike.conf ${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
	fi
	c=${c/#.\/bin\/turnpike/\"\$TURNPIKE\"}
	c=${c/#bin\/turnpike/\"\$TURNPIKE\"}
	c=${c//\$(pidof turnpike)/\$SERVER_PID}
	c=${c//\/etc\/turnpike\//$WORK/}
	printf '%s' "$c"
}
prints_re() {
	[[ $1 =~ \#\ prints:\ (.*)$ ]] || return 0
	python3 -c 'import re, sys
print(re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", sys.argv[1].strip()).replace("NNNNN", "[0-9]+"))' "${BASH_REMATCH[1]}"
}

is_server() {
	[[ $1 == \"\$TURNPIKE\"* ]] &&
		! [[ $1 =~ --(help|version|check-config|reload) ]]
}

# Stop the server this test started: SIGTERM, at most 5 s, exit 0 (an
# ASan build exits non-zero on a leak).
stop_ours() {
	local rc
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null; rc=$?
	SERVER_PID=""
	[ $rc -eq 0 ] && return 0
	not_ok "the server stops cleanly on SIGTERM (exit $rc)"
	tail -15 "$WORK/server.log" | sed 's/^/#   /'
}

run_server() { # where, command
	local _
	stop_ours
	if "$PROBE" udp 127.0.0.1 3478 >/dev/null 2>&1; then
		not_ok "$1: port 3478 free before: $2"; return 1
	fi
	eval "exec $2" >"$WORK/server.log" 2>&1 </dev/null &
	SERVER_PID=$!
	export SERVER_PID
	for _ in $(seq 1 50); do
		if "$PROBE" udp 127.0.0.1 3478 >/dev/null 2>&1 &&
		   kill -0 "$SERVER_PID" 2>/dev/null; then
			ok "$1: server up: $2"; return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	not_ok "$1: server up: $2"; sed 's/^/#   /' "$WORK/server.log" | tail -15
	SERVER_PID=""
}

run_line() { # where, command, prints regex
	local out rc
	if [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
		set -a +u; eval "$2"; rc=$?; set +a -u   # for the lines after it
		out=""
	else
		out=$(timeout 60 bash -c "$2" 2>&1 </dev/null); rc=$?
	fi
	if [ $rc -eq 0 ] && { [ -z "$3" ] || grep -qE -- "$3" <<<"$out"; }; then
		ok "$1: $2"
	else
		not_ok "$1: $2 (exit $rc${3:+, want /$3/})"
		tail -8 <<<"$out" | sed 's/^/#   /'
	fi
}

# Inside the namespace: run the steps in a scratch directory.
inner() {
	unset TURNPIKE_HTTP_LISTEN TURNPIKE_ADMIN_LISTEN    # the defaults, as printed
	TURNPIKE=$(realpath "$TURNPIKE") PROBE=$(realpath "$PROBE")
	export TURNPIKE
	ln -s "$PWD/etc" "$PWD/www" "$WORK/"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=turn.example.com \
		-keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" >/dev/null 2>&1 ||
		{ not_ok "a self-signed certificate"; return 1; }
	readme_steps >"$WORK/steps" || { not_ok "README parsed"; return 1; }
	cd "$WORK" || return 1
	local at kind text cmd
	while IFS=$'\t' read -r at kind text; do
		if [ "$kind" = skip ]; then
			ok "# SKIP README.md:$at: not run: $text"
			continue
		fi
		cmd=$(rewrite "$text")
		if is_server "$cmd"; then
			run_server "README.md:$at" "$cmd"
		else
			run_line "README.md:$at" "$cmd" "$(prints_re "$text")"
		fi
	done <"$WORK/steps"
	stop_ours
	finish
}

if [ "${1:-}" = --inner ]; then
	trap 'stop_ours; rm -rf "$WORK"' EXIT
	inner
	exit $?
fi

check "make run runs ./bin/turnpike -c etc/turnpike.conf \$(ARGS) (what this test runs instead)" \
	grep -qxF "	./bin/turnpike -c etc/turnpike.conf \$(ARGS)" Makefile
check "README: every not-run block says why" \
	bash -c '! grep -qE "<!-- not run: *-->" "$0"' "$README"
if [ "$(id -u)" != 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	ok "# SKIP README commands: need root and a network namespace (ip netns add)"
	finish; exit $?
fi
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" env TURNPIKE="$TURNPIKE" TOOLS="$TOOLS" \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}" bash "$0" --inner; rc=$?
finish >/dev/null
[ $rc -eq 0 ] && [ "$T_FAIL" -eq 0 ]
