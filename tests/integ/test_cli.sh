#!/usr/bin/env bash
# The command line and config file of the real binary.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

out=$("$TURNPIKE" --version 2>&1); rc=$?
check "--version prints the version, exit 0" \
	bash -c '[ "$1" -eq 0 ] && grep -qE "^turnpike [0-9]+\.[0-9]+" <<<"$0"' "$out" $rc
out=$("$TURNPIKE" --help 2>&1); rc=$?
check "--help lists --listen and --check-config, exit 0" \
	bash -c '[ "$1" -eq 0 ] && grep -q -- "--listen" <<<"$0" && grep -q -- "--check-config" <<<"$0"' "$out" $rc
# Each flag's description starts at one column, two spaces or more after
# the flag, or alone on the next line when the flag is too long;
# continuation lines start at that column too; nothing passes 79.
check "--help: descriptions line up, no flag glued to its text" python3 -c '
import re, sys
rows = [l for l in sys.argv[1].splitlines() if l.startswith("  ")]
flag = re.compile(r"^  (-., |    )--[a-z-]+( [^ ]+)?")
cols = set()
for i, l in enumerate(rows):
    assert len(l) <= 79, "too long: " + l
    m = flag.match(l)
    if m is None:
        continue
    rest = l[m.end():]
    if rest == "":
        nxt = rows[i + 1]
        col = len(nxt) - len(nxt.lstrip(" "))
        assert not flag.match(nxt) and col > 8, "no description: " + l
    else:
        assert rest.startswith("  "), "glued: " + l
        col = m.end() + len(rest) - len(rest.lstrip(" "))
    cols.add(col)
for l in rows:
    if not flag.match(l):
        cols.add(len(l) - len(l.lstrip(" ")))
assert len(cols) == 1, "descriptions start at columns %s" % sorted(cols)
' "$out"

out=$("$TURNPIKE" --check-config -c etc/turnpike.conf 2>&1); rc=$?
check "the shipped etc/turnpike.conf is valid" \
	bash -c '[ "$1" -eq 0 ] && grep -q "configuration OK" <<<"$0"' "$out" $rc

printf 'realm = "x";\n\nrelay-ports = "9000-100";\n' >"$WORK/bad.conf"
out=$("$TURNPIKE" --check-config -c "$WORK/bad.conf" 2>&1); rc=$?
check "bad value: exit 2 and names file and line" \
	bash -c '[ "$1" -eq 2 ] && grep -q "bad.conf:3" <<<"$0" && grep -q "relay-ports" <<<"$0"' "$out" $rc

printf 'realm = "x";\nno-such-key = 1;\n' >"$WORK/unknown.conf"
out=$("$TURNPIKE" --check-config -c "$WORK/unknown.conf" 2>&1); rc=$?
check "unknown key: exit 2, file:line and the key" \
	bash -c '[ "$1" -eq 2 ] && grep -q "unknown.conf:2" <<<"$0" && grep -q "no-such-key" <<<"$0"' "$out" $rc

printf 'realm = "x"\nlisten = (;\n' >"$WORK/syntax.conf"
out=$("$TURNPIKE" --check-config -c "$WORK/syntax.conf" 2>&1); rc=$?
check "syntax error: exit 2 with file:line" \
	bash -c '[ "$1" -eq 2 ] && grep -q "syntax.conf:[0-9]" <<<"$0"' "$out" $rc
check "syntax error: libconfig's text once (not 'syntax error: syntax error')" \
	bash -c '[ "$(grep -o "syntax error" <<<"$0" | wc -l)" -eq 1 ]' "$out"

out=$("$TURNPIKE" --check-config -c "$WORK/missing.conf" 2>&1); rc=$?
check "missing file: exit 2, names the file" \
	bash -c '[ "$1" -eq 2 ] && grep -q "missing.conf" <<<"$0"' "$out" $rc

out=$("$TURNPIKE" --no-such-flag 2>&1); rc=$?
check "unknown flag: exit 2" test "$rc" -eq 2
check "unknown flag: the error, then try 'turnpike --help'" \
	bash -c 'grep -q "^turnpike: .*--no-such-flag" <<<"$0" && [ "$(tail -1 <<<"$0")" = "try '"'turnpike --help'"'" ]' "$out"
out=$("$TURNPIKE" --check-config --listen 1.2.3.4:99999 2>&1); rc=$?
check "bad --listen port: exit 2" test "$rc" -eq 2
check "bad flag value: the error, then try 'turnpike --help'" \
	bash -c 'grep -q "^turnpike: --listen: " <<<"$0" && [ "$(tail -1 <<<"$0")" = "try '"'turnpike --help'"'" ]' "$out"
out=$("$TURNPIKE" --check-config -c "$WORK/bad.conf" 2>&1)
check "a config file error does not point to --help" \
	bash -c '! grep -q -- "--help" <<<"$0"' "$out"

# Flags override the file; secrets never reach the log.
PORT=$(free_port)
printf 'listen = ( "127.0.0.1:1" );\nlog-level = "debug";\n' >"$WORK/base.conf"
if start_server -c "$WORK/base.conf" --listen "127.0.0.1:$PORT" \
	--software "turnpike-test" --user "alice:s3cr3t-pass" \
	--auth-secret "rest-s3cr3t"; then
	ok "--listen overrides the file's listen"
	out=$("$PROBE" udp 127.0.0.1 "$PORT" plain)
	check "--software adds SOFTWARE" grep -q '^SOFTWARE turnpike-test' <<<"$out"
	check "SIGTERM: clean exit" stop_server
	check "no password or secret in the debug log" \
		bash -c '! grep -qE "s3cr3t" "$0"' "$WORK/server.log"
else
	not_ok "--listen overrides the file's listen"
fi

# A port already taken: exit 1 with a clear message, not a crash.
PORT=$(free_port)
printf 'listen = ( "127.0.0.1:%s" );\n' "$PORT" >"$WORK/p.conf"
if start_server -c "$WORK/p.conf"; then
	out=$(timeout 5 "$TURNPIKE" -c "$WORK/p.conf" 2>&1); rc=$?
	check "second server on a taken port: exit 1, says why" \
		bash -c '[ "$1" -eq 1 ] && grep -qi "address already in use" <<<"$0"' "$out" $rc
	stop_server >/dev/null
else
	not_ok "server on $PORT"
fi
finish
