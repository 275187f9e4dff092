#!/usr/bin/env bash
# The demo page (www/) in real Chromium through turnpike's own signaling
# and TURN: two, then three participants join one room with "relay only"
# on; every peer connection must reach "connected" over a relay/relay
# candidate pair, decode video, get the chat, and see a leaver go. Then
# the `make run` experience: the shipped etc/turnpike.conf (no secret: the
# daemon generates one), the URL it logs, two tabs calling relay only.
# Last, TURN over TLS as a browser uses it: a certificate for IP 127.0.0.1
# from a test CA, the page over https:// with ?transports=turns (only the
# welcome's turns: URL kept), two participants relay only; the selected
# pair's local relay candidate must have relayProtocol "tls".
# Between them, sessions (tests/browser/session.js, room-capacity 2): a
# server restart during a direct call (this script stops the server when
# the node script asks through $SYNC/stop, keeps it down 4 s, starts it
# again and writes $SYNC/up): media must flow while it is down, both
# pages must be back in the room within 10 s of its return (same ids and
# connections: the config's auth secret signs the tokens); a reloaded
# tab comes back with the same id; refused joins (wrong password, room
# full) say what to do. No ICE error 440 on any connection, also from
# http://localhost (the shipped config's URL).
# The page's state is read through window.turnpikeDemo, not DOM text.
#
# How (see also shared notes on browsers here):
# - Chromium is Debian's /usr/bin/chromium driven by playwright-core from
#   npm (tests/browser, pinned in package-lock.json, installed with
#   `npm ci`; never `npx playwright install`, which downloads a browser).
# - Everything runs in a network namespace made here (tp-browser-PID)
#   that has only "lo": turnpike listens on 127.0.0.1:3478 (TURN) and
#   127.0.0.1:8080 (page and /ws), and node + Chromium run inside it with
#   `ip netns exec`. Nothing clashes with other servers on the machine and
#   no packet leaves the namespace. It is deleted on exit.
# - In a namespace with only loopback, Chromium gathers no ICE candidates
#   at all unless it gets --allow-loopback-in-peer-connection. The page
#   comes from http://127.0.0.1:8080; --unsafely-treat-insecure-origin-
#   as-secure for that origin makes sure it may open the (fake) camera:
#   --use-fake-device-for-media-stream --use-fake-ui-for-media-stream.
# - The server's config has an auth secret (the welcome's TURN credential
#   is made with it), no join-secret and the default peer policy: the
#   welcome's credential is scoped to relay-to-relay (anonymous-relay
#   "relay"), which is all a relay-only call needs.
# - turns: Chromium verifies the TURN server's certificate (a SAN matching
#   the URL's IP): the test CA is trusted through an NSS database in a
#   throw-away HOME ($WORK/home/.pki/nssdb, certutil from libnss3-tools),
#   the HOME node and Chromium run with. Only if that cannot be set up
#   does Chromium get --ignore-certificate-errors (said in the output).
# Needs root (namespaces, and apt for chromium if it is missing); without
# it the checks are reported as skipped, with the reason.
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
unset TURNPIKE_HTTP_LISTEN

NS=tp-browser-$$
DESCS=("two participants connect relay/relay, decode video, chat"
       "three participants connect pairwise relay/relay"
       "a leaver disappears from the others' participant lists"
       "turns: only: relay/relay over TURN over TLS (relayProtocol tls), video decoded"
       "a server restart: media flows while it is down, both pages rejoin within 10 s"
       "a reloaded tab rejoins with the same id"
       "refused joins (wrong password, room full) in plain words"
       "from http://localhost: no ICE error 440")

skip_all() {
	local d
	for d in "${DESCS[@]}"; do ok "# SKIP $d: $1"; done
	finish; exit 0
}

# Install what is missing: chromium (apt, as root) and playwright-core.
need_tools() {
	if [ ! -x /usr/bin/chromium ]; then
		echo "# installing chromium (apt-get install -y chromium)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends chromium >/dev/null; } ||
			return 1
	fi
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "# node and npm are needed (node >= 20 for playwright-core)"; return 1
	fi
	if ! command -v certutil >/dev/null; then
		echo "# installing libnss3-tools (certutil, for the turns: test CA)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			libnss3-tools >/dev/null 2>&1 ||
			echo "# libnss3-tools not installed: turns: falls back to --ignore-certificate-errors"
	fi
	if [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
		echo "# npm ci --prefix tests/browser"
		npm ci --prefix tests/browser --no-audit --no-fund >/dev/null 2>&1 || return 1
	fi
}

[ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace (and apt); run: sudo apt-get install chromium && npm ci --prefix tests/browser, then this test as root"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] 2>/dev/null || skip_all "playwright-core needs node >= 20 (have: ${node_major})"
if ! need_tools; then
	not_ok "chromium and playwright-core installed"; finish; exit 1
fi

cleanup_ns() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup_ns EXIT
if ! ip netns add "$NS" 2>/dev/null; then
	skip_all "cannot create a network namespace here (ip netns add failed)"
fi
ip netns exec "$NS" ip link set lo up

PORT=3478 HPORT=8080
cat >"$WORK/browser.conf" <<CONF
listen = ( "127.0.0.1:$PORT" );
http-listen = ( "127.0.0.1:$HPORT" );
www-dir = "$PWD/www";
realm = "browser.test";
auth-secrets = ( "browser-secret-$RANDOM$RANDOM" );
relay-ports = "40000-40999";
log-level = "info";
CONF

# serve ARGS...: turnpike in the namespace; wait until TURN and HTTP answer.
serve() {
	ip netns exec "$NS" "$TURNPIKE" "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	local _
	for _ in $(seq 1 50); do
		if ip netns exec "$NS" "$PROBE" udp 127.0.0.1 "$PORT" >/dev/null 2>&1 &&
		   ip netns exec "$NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/$HPORT" 2>/dev/null; then
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/#   /' "$WORK/server.log"
	return 1
}

# An ASan binary relays more slowly: give each wait more time, not more tests.
WAIT_MS=30000
case "$TURNPIKE" in *asan*) WAIT_MS=45000 ;; esac

# browse URL [ENV=VALUE...]: the node script in the namespace, its PASS and
# FAIL lines as TAP.
browse() {
	local url=$1 rc line start
	shift
	start=$(date +%s)
	timeout 150 ip netns exec "$NS" env DEMO_URL="$url" WAIT_MS=$WAIT_MS "$@" \
		node tests/browser/test.js >"$WORK/node.out" 2>&1 &
	local node=$!
	[ -z "${DURING:-}" ] || "$DURING"
	wait "$node"
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		*) echo "# $line" ;;
		esac
	done <"$WORK/node.out"
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$WORK/node.out" ||
		not_ok "browser test exited $rc (124: timed out)"
	echo "# browser run: $(($(date +%s) - start)) s"
	if [ $rc -ne 0 ]; then
		echo "# server log (last 60 lines):"; tail -60 "$WORK/server.log" | sed 's/^/#   /'
	fi
}

# stopped DESC: stop the server; it must exit 0 with no sanitizer report.
stopped() {
	check "$1: server stops cleanly (exit 0, no leak under ASan)" stop_server
	if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' "$WORK/server.log"; then
		not_ok "$1: no sanitizer report in the server log"
		grep -E -A20 'ERROR: [A-Za-z]+Sanitizer|runtime error' "$WORK/server.log" |
			head -40 | sed 's/^/#   /'
	fi
}

# restart_on_request: while the node script runs (RESTART=1): when it
# writes $SYNC/stop, stop the server (SIGTERM: close 1001 to the pages),
# keep it down 4 s, start it again and write $SYNC/up. Bounded: 120 s.
restart_on_request() {
	local _
	for _ in $(seq 1 1200); do
		[ -f "$SYNC/stop" ] && break
		kill -0 "$node" 2>/dev/null || return 0
		sleep 0.1
	done
	[ -f "$SYNC/stop" ] || return 0
	stopped "restart"
	sleep 4
	if serve -c "$WORK/session.conf"; then
		touch "$SYNC/up"
	else
		not_ok "restart: the server starts again"
	fi
}

# 1. The full scenario against a test config.
if ! serve -c "$WORK/browser.conf"; then
	not_ok "server starts in namespace $NS"; finish; exit 1
fi
ok "server starts in namespace $NS (TURN 127.0.0.1:$PORT, page http://127.0.0.1:$HPORT/)"
browse "http://127.0.0.1:$HPORT/"
stopped "test config"

# 2. Sessions (tests/browser/session.js): a server restart during a
# direct call (media flows while it is down; both pages rejoin within
# 10 s of its return), a reloaded tab (same id, room, name), and refused
# joins in plain words (wrong password, room full: room-capacity 2 here).
sed -e '/^log-level/d' "$WORK/browser.conf" >"$WORK/session.conf"
printf 'room-capacity = 2;\nlog-level = "info";\n' >>"$WORK/session.conf"
SYNC="$WORK/sync"
mkdir -p "$SYNC"
if serve -c "$WORK/session.conf"; then
	DURING=restart_on_request browse "http://127.0.0.1:$HPORT/" RESTART=1 SYNC="$SYNC"
	browse "http://127.0.0.1:$HPORT/" RELOAD=1
	browse "http://127.0.0.1:$HPORT/" ERRORS=1 ${SHOT:+SHOT="$SHOT"}
	stopped "sessions"
else
	not_ok "server starts with room-capacity 2 in namespace $NS"
fi

# No TURN credential for the page (anonymous-relay off): the log says so
# at start, the page once joined.
if serve -c "$WORK/browser.conf" --anonymous-relay off; then
	check "anonymous-relay off: the startup log says joins get no TURN credential" \
		grep -q 'anonymous-relay=off: joins without a ticket get no TURN credential' "$WORK/server.log"
	browse "http://127.0.0.1:$HPORT/" NOTURN=1
	stopped "no TURN"
else
	not_ok "server starts with anonymous-relay off in namespace $NS"
fi

# 3. The `make run` experience: the shipped etc/turnpike.conf (no secret:
# the daemon makes one) and the URL it prints; two tabs call relay only.
if serve -c etc/turnpike.conf; then
	url=$(sed -n 's/.*demo page: //p' "$WORK/server.log" | head -1)
	check "default config: logs the demo page URL ($url)" test "$url" = "http://localhost:$HPORT/"
	check "default config: says it generated a REST secret, without printing it" \
		grep -q 'generated a random TURN REST secret' "$WORK/server.log"
	browse "$url" ONLY_TWO=1 TAG="default config"
	browse "$url" NORMAL=1 TAG="default config"
	stopped "default config"
else
	not_ok "server starts with etc/turnpike.conf in namespace $NS"
fi

# 4. turns: only. A test CA and a server certificate for IP 127.0.0.1 (the
# host in the welcome's turns:127.0.0.1:5349?transport=tcp); with cert and
# key the HTTP listener is HTTPS too, so the page comes from https://.
TPORT=5349
mkpki() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=turnpike browser test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$WORK/ca.key" -out "$WORK/ca.pem" &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=127.0.0.1" -keyout "$WORK/tls.key" -out "$WORK/tls.csr" &&
	printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$WORK/tls.ext" &&
	openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
		-CAcreateserial -days 2 -extfile "$WORK/tls.ext" -out "$WORK/tls.crt"
} >/dev/null 2>&1
# The CA trusted by Chromium through an NSS database in a throw-away HOME.
trust_ca() {
	command -v certutil >/dev/null || return 1
	mkdir -p "$WORK/home/.pki/nssdb" &&
	certutil -N -d "sql:$WORK/home/.pki/nssdb" --empty-password &&
	certutil -A -d "sql:$WORK/home/.pki/nssdb" -t C,, -n turnpike-test-ca -i "$WORK/ca.pem"
} >/dev/null 2>&1
if ! mkpki; then
	not_ok "turns: openssl makes a test CA and a certificate for IP 127.0.0.1"
else
	certenv=(HOME="$WORK/home")
	if ! trust_ca; then
		echo "# turns: no NSS database for the test CA (certutil missing or failed):"
		echo "# Chromium gets --ignore-certificate-errors instead (weaker)"
		mkdir -p "$WORK/home"
		certenv+=(IGNORE_CERT_ERRORS=1)
	fi
	sed -e '/^log-level/d' "$WORK/browser.conf" >"$WORK/turns.conf"
	cat >>"$WORK/turns.conf" <<CONF
tls-listen = ( "127.0.0.1:$TPORT" );
cert = "$WORK/tls.crt";
key = "$WORK/tls.key";
log-level = "info";
CONF
	if serve -c "$WORK/turns.conf"; then
		check "turns: server listens for TLS on 127.0.0.1:$TPORT" \
			grep -q "127.0.0.1:$TPORT (tls" "$WORK/server.log"
		browse "https://127.0.0.1:$HPORT/?transports=turns" TURNS=1 "${certenv[@]}"
		stopped "turns"
	else
		not_ok "server starts with tls-listen and a certificate in namespace $NS"
	fi
fi
finish
