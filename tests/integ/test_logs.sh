#!/usr/bin/env bash
# Logs of the real binary: log-format json gives one JSON object per line;
# allocation lifecycle events; a failed authentication, once, at info with
# user and source; no password or secret; SIGUSR1 reopens the
# file after logrotate moved it; the environment sets the config.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh

PORT=$(free_port) || { not_ok "no free port"; finish; exit 1; }
LOG=$WORK/turnpike.log
SECRET=rest-secret-$RANDOM
cat >"$WORK/log.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
realm = "test.example";
users = ( "alice:wonderland-pw" );
log-target = "file";
log-file = "$LOG";
allow-peer = ( "127.0.0.1/32" );
relay-ports = "$(relay_range)";
CONF

# The format comes from the environment (TURNPIKE_LOG_FORMAT) on purpose.
export TURNPIKE_LOG_FORMAT=json TURNPIKE_AUTH_SECRETS="$SECRET"
start_server -c "$WORK/log.conf" || { not_ok "server starts"; finish; exit 1; }
unset TURNPIKE_LOG_FORMAT TURNPIKE_AUTH_SECRETS
ok "server starts with log-format json from the environment"

tp() { "$PROBE" turn 127.0.0.1 "$PORT" "$@"; }
out=$(tp alice wonderland-pw refresh0)
check "Allocate then Refresh 0 with a static user" grep -q '^ALLOCATE 200' <<<"$out"
out=$(tp alice wonderland-pw perm 10.0.0.1)
check "a refused peer (403)" grep -q '^PERM 403' <<<"$out"
out=$(tp "$(( $(date +%s) + 600 )):carol" "rest:$SECRET" perm 127.0.0.1)
check "REST user from TURNPIKE_AUTH_SECRETS: allocation" grep -q '^ALLOCATE 200' <<<"$out"
BADPW=guess-$RANDOM-pw
out=$(tp alice "$BADPW" refresh0)
check "a wrong password: 401" grep -q '^ALLOCATE 401' <<<"$out"

# logrotate: move the file, SIGUSR1, then new lines go to a new file.
mv "$LOG" "$LOG.1"
kill -USR1 "$SERVER_PID"
for _ in $(seq 1 30); do [ -s "$LOG" ] && break; tp alice wonderland-pw refresh0 >/dev/null; sleep 0.1; done
check "SIGUSR1: the log file is reopened at its path" test -s "$LOG"
check "SIGTERM: clean exit" stop_server
cat "$LOG.1" "$LOG" >"$WORK/all.log"
sed 's/^/#   /' "$WORK/all.log" | head -20

check "every line is one JSON object with time, level and event" python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert isinstance(o, dict) and {"time", "level", "event"} <= o.keys(), line
    n += 1
assert n >= 6, n
' "$WORK/all.log"
ev() { # event, extra jq-like python condition on o
	python3 -c '
import json, sys
ev, cond = sys.argv[2], sys.argv[3]
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["event"] == ev and eval(cond):
        sys.exit(0)
sys.exit(1)' "$WORK/all.log" "$1" "$2"
}
check "alloc.created at info with session, client, user, transport, relay, lifetime" \
	ev alloc.created 'o["level"] == "info" and o["session"].startswith("a") and o["user"] == "alice" and o["client"].startswith("127.0.0.1:") and o["transport"] == "udp" and "relay" in o and o["lifetime"] == "600"'
check "alloc.deleted with reason refresh 0, same session as its creation" \
	ev alloc.deleted 'o["reason"] == "refresh 0" and o["session"] == "a1"'
check "alloc.denied names the peer and the rule" ev alloc.denied 'o["peer"].startswith("10.0.0.1") and "(" in o["peer"]'
check "the REST user appears by name" ev alloc.created 'o["user"].endswith(":carol")'
check "a wrong password: one auth.failed line at info with user and source" python3 -c '
import json, sys
hits = [o for o in map(json.loads, open(sys.argv[1])) if o["event"] == "auth.failed"]
assert len(hits) == 1, hits
o = hits[0]
assert o["level"] == "info" and o["user"] == "alice", o
assert o["client"].startswith("127.0.0.1:"), o
' "$WORK/all.log"
check "start and stop events" bash -c 'grep -q "\"event\":\"start\"" "$0" && grep -q "\"event\":\"stop\"" "$0"' "$WORK/all.log"
check "no password or secret in the log" bash -c '! grep -qE "wonderland-pw|$1|$2" "$0"' "$WORK/all.log" "$SECRET" "$BADPW"
finish
