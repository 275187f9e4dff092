#!/bin/bash
# docker-test.sh: prove the shipped image by a real build and run.
#
#   make docker-test     (or scripts/docker-test.sh after `make build/tools/stunprobe`)
#
# Needs root and Debian 12. It installs docker.io, debootstrap and
# docker-compose if missing, then, under a private temp dir $W:
#   1. starts its own dockerd (own socket, data-root and exec-root, no bridge,
#      no iptables): the host's Docker, if any, is never touched;
#   2. makes the base image debian:bookworm-slim without a registry
#      (debootstrap --variant=minbase, then docker import), caching the tar in
#      /var/cache/turnpike-docker so later runs skip debootstrap;
#   3. builds docker/Dockerfile unchanged;
#   4. runs the image with host networking on a free loopback port and checks
#      STUN, TURN, the user, the health check and `docker stop`;
#   5. runs docker/docker-compose.yml up and down.
# Everything it started is stopped by its pidfile, and $W is removed, on any
# exit. Output is TAP-like: "ok N - ...", "not ok N - ...", "# notes", and the
# last line is "N passed, N failed" (exit 0 only when nothing failed).
# See docs/docker.md.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${TURNPIKE_DOCKER_CACHE:-/var/cache/turnpike-docker}
BASE_TAR=$CACHE/bookworm-minbase.tar
PROBE=$ROOT/build/tools/stunprobe
SUFFIX=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
IMAGE=turnpike:test-$SUFFIX
CNAME=turnpike-test-$SUFFIX
PROJECT=tptest$SUFFIX
W=""
DOCKERD_PID=""
COMPOSE_UP=0
HAS_HTTP=0
HAS_ENV=0
HTTP_PORT=""
FLAGS=""
npass=0
nfail=0
nskip=0
ntest=0

# ------------------------------------------------------------------ output

note() { printf '# %s\n' "$*"; }

ok() {
	ntest=$((ntest + 1)); npass=$((npass + 1))
	printf 'ok %d - %s\n' "$ntest" "$1"
}

# skip DESCRIPTION REASON: a check this turnpike cannot have yet; not counted
# as passed.
skip() {
	ntest=$((ntest + 1)); nskip=$((nskip + 1))
	printf 'ok %d - %s # SKIP %s\n' "$ntest" "$1" "$2"
}

not_ok() {
	ntest=$((ntest + 1)); nfail=$((nfail + 1))
	printf 'not ok %d - %s\n' "$ntest" "$1"
}

# check DESCRIPTION COMMAND...: one test line from a command's exit status.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Print the last lines of a log file as TAP comments.
show_tail() {
	[ -f "$1" ] && tail -n "${2:-20}" "$1" | sed 's/^/#   /'
}

summary() {
	[ "$nskip" -gt 0 ] && note "$nskip skipped"
	printf '%d passed, %d failed\n' "$npass" "$nfail"
}

# Give up early: a failed step that the rest depends on.
bail() {
	not_ok "$1"
	[ -n "${2:-}" ] && show_tail "$2" 30
	teardown
	summary
	exit 1
}

# ------------------------------------------------------------------ helpers

# docker with a bound: a hung engine must not hang the test. The CLI that
# comes with docker.io matches its engine; prefer it to any other on PATH.
DOCKER=docker
[ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker
d() { timeout "${DTIMEOUT:-120}" "$DOCKER" "$@"; }

compose() {
	timeout 180 docker-compose -p "$PROJECT" -f "$ROOT/docker/docker-compose.yml" \
		-f "$W/compose.override.yml" "$@"
}

# wait_for SECONDS COMMAND...: retry COMMAND every half second until it
# succeeds or SECONDS pass.
wait_for() {
	local end=$(( $(date +%s) + $1 )); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.5
	done
}

# A port free for both UDP and TCP on this host, outside the kernel's
# ephemeral range (host networking shares the host's ports), and not one of
# the ports given as arguments (picked already, not yet bound).
free_port() {
	local used p
	used=$(ss -Hlntu 2>/dev/null | awk '{n = split($5, a, ":"); print a[n]}' | sort -u)
	used=$(printf '%s\n' "$used" "$@")
	for _ in $(seq 1 200); do
		p=$(( 20000 + RANDOM % 10000 ))
		echo "$used" | grep -qx "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# ------------------------------------------------------------------ setup

# Install what is missing: the engine, debootstrap and compose v1.
ensure_packages() {
	local p missing=""
	for p in docker.io debootstrap docker-compose iproute2; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	note "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing >"$W/apt.log" 2>&1 ||
		{ apt-get update -qq >>"$W/apt.log" 2>&1 &&
		  apt-get install -y --no-install-recommends $missing >>"$W/apt.log" 2>&1; }
}

# A private engine: nothing shared with a host dockerd, no network setup.
start_engine() {
	mkdir -p "$W/data" "$W/exec"
	dockerd -H "unix://$W/docker.sock" --data-root "$W/data" --exec-root "$W/exec" \
		--pidfile "$W/dockerd.pid" --iptables=false --ip6tables=false \
		--ip-forward=false --ip-masq=false --bridge=none >"$W/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	export DOCKER_HOST="unix://$W/docker.sock" DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
	DTIMEOUT=10 wait_for 60 d info
}

# The first archive URI of the host's apt sources.
apt_mirror() {
	local m
	m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
	[ -z "$m" ] && m=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# debian:bookworm-slim without a registry: debootstrap once, cache the tar.
make_base_tar() {
	local rootfs=$W/rootfs f
	mkdir -p "$CACHE"
	timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$(apt_mirror)" \
		>"$W/debootstrap.log" 2>&1 || return 1
	# The host's apt sources and settings, so apt works in RUN as it does here.
	if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
		rm -f "$rootfs/etc/apt/sources.list"
		cp /etc/apt/sources.list.d/*.sources "$rootfs/etc/apt/sources.list.d/"
	fi
	for f in /etc/apt/apt.conf.d/*; do
		[ -f "$f" ] && cp "$f" "$rootfs/etc/apt/apt.conf.d/"
	done
	chroot "$rootfs" apt-get clean
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/var/log/*.log
	tar --numeric-owner -C "$rootfs" -cf "$BASE_TAR.tmp.$$" . &&
		mv "$BASE_TAR.tmp.$$" "$BASE_TAR"
}

import_base() {
	if [ ! -s "$BASE_TAR" ]; then
		note "no cached base image: debootstrap (1-2 minutes)"
		make_base_tar || return 1
	else
		note "base image from cache $BASE_TAR"
	fi
	DTIMEOUT=300 d import -c 'CMD ["bash"]' "$BASE_TAR" debian:bookworm-slim >/dev/null
}

build_image() {
	local t0=$SECONDS
	DTIMEOUT=1200 d build --force-rm --network=host -f "$ROOT/docker/Dockerfile" \
		-t "$IMAGE" "$ROOT" >"$W/build.log" 2>&1 || return 1
	note "image built in $((SECONDS - t0)) s, $(d image inspect -f '{{.Size}}' "$IMAGE" |
		awk '{printf "%.1f MB", $1 / 1e6}')"
	note "runtime packages: $(sed -n '/^runtime packages:/,/^ ---> /p' "$W/build.log" |
		grep -E '^[a-z0-9][a-z0-9.+-]*$' | tr '\n' ' ')"
}

# What the image's turnpike supports beyond the STUN/TURN basics, from its
# --help: the HTTP listener (keep the test off the host's port 8080) and
# configuration from TURNPIKE_* environment variables.
read_features() {
	d run --rm --network=none "$IMAGE" --help >"$W/help.txt" 2>&1
	grep -q -- '--http-listen' "$W/help.txt" && HAS_HTTP=1
	grep -q 'TURNPIKE_' "$W/help.txt" && HAS_ENV=1
	return 0
}

# Flags that keep newer listeners on loopback and free ports. Sets FLAGS
# (and HTTP_PORT); call it directly, not in $(...).
pick_flags() {
	HTTP_PORT="" FLAGS=""
	if [ "$HAS_HTTP" = 1 ]; then
		HTTP_PORT=$(free_port "$@") && FLAGS="--http-listen 127.0.0.1:$HTTP_PORT"
	fi
}

# ------------------------------------------------------------------ checks

binding_ok() {
	"$PROBE" udp 127.0.0.1 "$1" >"$W/probe.out" 2>&1 &&
		grep -q '^XOR-MAPPED-ADDRESS 127.0.0.1:' "$W/probe.out"
}

binding_tcp_ok() {
	"$PROBE" tcp 127.0.0.1 "$1" >"$W/probe.out" 2>&1 &&
		grep -q '^XOR-MAPPED-ADDRESS 127.0.0.1:' "$W/probe.out"
}

allocate_ok() {
	"$PROBE" turn 127.0.0.1 "$1" alice secret perm 8.8.8.8 >"$W/turn.out" 2>&1 &&
		grep -qx 'ALLOCATE 200' "$W/turn.out" && grep -qx 'PERM 200' "$W/turn.out"
}

allocate_refused() {
	"$PROBE" turn 127.0.0.1 "$1" alice wrong perm 8.8.8.8 >"$W/turn.out" 2>&1
	grep -qx 'ALLOCATE 401' "$W/turn.out"
}

# The container's main process, seen from the host, and `id -u` inside.
non_root() {
	local pid uid_host uid_exec
	pid=$(d inspect -f '{{.State.Pid}}' "$CNAME") || return 1
	uid_host=$(ps -o uid= -p "$pid" | tr -d ' ')
	uid_exec=$(d exec "$CNAME" id -u) || return 1
	note "uid of turnpike: $uid_host on the host, $uid_exec in the container ($(d exec "$CNAME" id -un))"
	[ -n "$uid_host" ] && [ "$uid_host" != 0 ] && [ "$uid_exec" != 0 ]
}

is_healthy() {
	[ "$(d inspect -f '{{.State.Health.Status}}' "$CNAME")" = healthy ]
}

# docker stop: SIGTERM, turnpike exits 0 well before the 10 s grace period.
stops_cleanly() {
	local t0 t1 code
	t0=$(date +%s%N)
	d stop -t 10 "$CNAME" >/dev/null || return 1
	t1=$(date +%s%N)
	code=$(d inspect -f '{{.State.ExitCode}}' "$CNAME")
	note "docker stop took $(( (t1 - t0) / 1000000 )) ms, exit code $code"
	[ "$code" = 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
}

test_container() {
	local port f
	port=$(free_port) || bail "a free port"
	pick_flags "$port"
	note "container $CNAME on 127.0.0.1:$port (host network) ${FLAGS}"
	# TURNPIKE_LISTEN (read by turnpike's environment support and by the
	# health check) and --listen say the same, so the test holds with or
	# without environment support in the binary.
	# shellcheck disable=SC2086
	d run -d --name "$CNAME" --network=host \
		--health-interval=1s --health-timeout=8s --health-retries=3 \
		-e TURNPIKE_LISTEN="127.0.0.1:$port" \
		"$IMAGE" --listen "127.0.0.1:$port" --user alice:secret $FLAGS \
		>"$W/run.log" 2>&1 || bail "container starts" "$W/run.log"
	if ! wait_for 15 binding_ok "$port"; then
		not_ok "STUN Binding over UDP answered from the container"
		d logs "$CNAME" >"$W/container.log" 2>&1; show_tail "$W/container.log"
	else
		ok "STUN Binding over UDP answered from the container"
	fi
	check "STUN Binding over TCP answered from the container" binding_tcp_ok "$port"
	check "TURN Allocate with test credentials (ALLOCATE 200, PERM 200)" allocate_ok "$port"
	check "TURN Allocate with a wrong password refused (401)" allocate_refused "$port"
	check "turnpike runs as a non-root user" non_root
	test_http
	check "HEALTHCHECK (STUN Binding from turnpike-probe) turns healthy" wait_for 30 is_healthy
	check "docker stop: exit code 0 within 5 s" stops_cleanly
	d logs "$CNAME" >"$W/container.log" 2>&1
	if grep -qi 'error' "$W/container.log"; then
		not_ok "container log has no errors"; show_tail "$W/container.log"
	else
		ok "container log has no errors"
	fi
	d rm -f "$CNAME" >/dev/null 2>&1
	test_default_config
	test_env_only
}

# The HTTP listener, when the binary has one: /healthz, and the demo page
# from www/ (copied to /usr/share/turnpike/www, found by the relative
# default www-dir from the image's WORKDIR).
test_http() {
	if [ -z "$HTTP_PORT" ]; then
		skip "HTTP listener serves the demo page" "no --http-listen in this turnpike"
		return 0
	fi
	check "HTTP /healthz answers 200" curl -fsS -o /dev/null --max-time 5 \
		"http://127.0.0.1:$HTTP_PORT/healthz"
	if [ -d "$ROOT/www" ]; then
		check "HTTP / serves the demo page from www/" curl -fsS -o /dev/null --max-time 5 \
			"http://127.0.0.1:$HTTP_PORT/"
	fi
}

# The image as shipped, no flags: the default config (0.0.0.0:3478 and
# [::]:3478) in a network namespace of its own, so no host port is taken;
# the health check's default target, 127.0.0.1:3478, must answer there.
test_default_config() {
	local name=$CNAME-default
	local desc="default config starts alone (--network=none) and its health check passes"
	if d run -d --name "$name" --network=none "$IMAGE" >"$W/run.log" 2>&1 &&
		wait_for 15 d exec "$name" /usr/local/bin/turnpike-healthcheck; then
		ok "$desc"
	else
		not_ok "$desc"
		d logs "$name" >"$W/container.log" 2>&1; show_tail "$W/container.log"
	fi
	d rm -f "$name" >/dev/null 2>&1
}

# Configuration from the environment alone (no flags): listen address, realm
# and a user from TURNPIKE_* variables, then a TURN Allocate with that user.
env_allocate_ok() {
	"$PROBE" turn 127.0.0.1 "$1" bob env-secret perm 8.8.8.8 >"$W/turn.out" 2>&1 &&
		grep -qx 'ALLOCATE 200' "$W/turn.out"
}

test_env_only() {
	local port name=$CNAME-env
	local desc="config from TURNPIKE_* variables only: Allocate as TURNPIKE_USERS' user"
	if [ "$HAS_ENV" != 1 ]; then
		skip "$desc" "no environment support in this turnpike"
		return 0
	fi
	port=$(free_port) || { not_ok "$desc"; return 0; }
	local envs=(-e "TURNPIKE_LISTEN=127.0.0.1:$port" -e TURNPIKE_REALM=env.example
		-e TURNPIKE_USERS=bob:env-secret)
	[ "$HAS_HTTP" = 1 ] && envs+=(-e TURNPIKE_HTTP_LISTEN=)
	if d run -d --name "$name" --network=host "${envs[@]}" "$IMAGE" >"$W/run.log" 2>&1 &&
		wait_for 15 binding_ok "$port" && env_allocate_ok "$port"; then
		ok "$desc"
	else
		not_ok "$desc"
		d logs "$name" >"$W/container.log" 2>&1; show_tail "$W/container.log"
	fi
	d rm -f "$name" >/dev/null 2>&1
}

# Variables compose passes through only when set: the server must see
# TURNPIKE_LISTEN and none of the unset ones (an empty one would empty a
# list). Read from the environment of the container's first process.
compose_env_ok() {
	local id env
	id=$(compose ps -q turnpike) || return 1
	env=$(d exec "$id" cat /proc/1/environ | tr '\0' '\n' | grep '^TURNPIKE_')
	note "compose service environment: $(echo "$env" | tr '\n' ' ')"
	[ "$env" = "TURNPIKE_LISTEN=127.0.0.1:$1" ]
}

compose_down_ok() {
	compose down >"$W/compose-down.log" 2>&1 || return 1
	COMPOSE_UP=0
	[ -z "$(d ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ]
}

test_compose() {
	local port f
	port=$(free_port) || bail "a free port"
	pick_flags "$port"
	# The override only adds flags for this test; the shipped file is as is.
	{
		echo "services:"
		echo "  turnpike:"
		printf '    command: ["--listen", "127.0.0.1:%s"' "$port"
		for f in $FLAGS; do printf ', "%s"' "$f"; done
		echo "]"
	} >"$W/compose.override.yml"
	note "compose project $PROJECT on 127.0.0.1:$port"
	unset TURNPIKE_REALM TURNPIKE_AUTH_SECRETS TURNPIKE_USERS TURNPIKE_EXTERNAL_IP \
		TURNPIKE_RELAY_PORTS TURNPIKE_RELAY_IPS TURNPIKE_LOG_LEVEL TURNPIKE_HEALTHCHECK
	export TURNPIKE_IMAGE=$IMAGE TURNPIKE_LISTEN=127.0.0.1:$port
	check "docker-compose config is valid" compose config -q
	if compose up -d --no-build >"$W/compose-up.log" 2>&1; then
		COMPOSE_UP=1; ok "docker-compose up -d --no-build"
	else
		not_ok "docker-compose up -d --no-build"; show_tail "$W/compose-up.log"
	fi
	check "STUN Binding answered from the compose service" wait_for 15 binding_ok "$port"
	check "compose passes only the TURNPIKE_* variables that are set" compose_env_ok "$port"
	check "docker-compose down removes the service" compose_down_ok
}

# ------------------------------------------------------------------ teardown

# Stop what this script started, by pidfile, and remove $W. Quiet and
# idempotent: it runs from the trap too.
teardown() {
	local pid
	[ -n "$W" ] && [ -d "$W" ] || return 0
	if [ -S "$W/docker.sock" ] && [ -n "$DOCKERD_PID" ]; then
		[ "$COMPOSE_UP" = 1 ] && compose down -t 5 >/dev/null 2>&1
		d rm -f "$CNAME" "$CNAME-env" "$CNAME-default" >/dev/null 2>&1
	fi
	pid=$(cat "$W/dockerd.pid" 2>/dev/null || echo "$DOCKERD_PID")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$pid" 2>/dev/null
	fi
	# dockerd's own containerd, if it outlived dockerd.
	pid=$(cat "$W/exec/containerd/containerd.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	awk -v w="$W" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r |
		xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$W"
	W=""
}

# ------------------------------------------------------------------ main

main() {
	[ "$(id -u)" = 0 ] || { not_ok "runs as root (a private dockerd needs root)"; summary; exit 1; }
	[ -x "$PROBE" ] || { not_ok "$PROBE exists (make build/tools/stunprobe)"; summary; exit 1; }
	W=$(mktemp -d /tmp/turnpike-docker.XXXXXX)
	trap 'teardown' EXIT
	trap 'teardown; exit 130' INT TERM

	ensure_packages || bail "install docker.io, debootstrap, docker-compose" "$W/apt.log"
	start_engine || bail "private dockerd starts" "$W/dockerd.log"
	ok "private dockerd starts ($(d version -f '{{.Server.Version}}'), $(d info -f '{{.Driver}}'))"
	import_base || bail "base image debian:bookworm-slim (debootstrap + docker import)" "$W/debootstrap.log"
	ok "base image debian:bookworm-slim (debootstrap + docker import)"
	build_image || bail "docker build -f docker/Dockerfile" "$W/build.log"
	ok "docker build -f docker/Dockerfile"
	read_features
	test_container
	test_compose
	teardown
	summary
	[ "$nfail" = 0 ]
}

main "$@"
