#!/bin/sh
# turnpike-healthcheck: the container's HEALTHCHECK. Sends a real STUN
# Binding request over UDP and exits 0 when an answer comes back (the probe
# tries three times, two seconds each), 1 when none does.
#
# Target: TURNPIKE_HEALTHCHECK=ADDR:PORT if set, else the first address of
# TURNPIKE_LISTEN (comma-separated, as turnpike reads it), else
# 127.0.0.1:3478. A wildcard address is probed on loopback; a bare IP means
# port 3478. If you set the listen address only in the config file or with
# --listen, set TURNPIKE_HEALTHCHECK too.
set -u

# Split "ADDR:PORT", "[V6]:PORT", "ADDR" or "[V6]" into "ADDR PORT".
split_addr() {
	a=$1
	case "$a" in
	\[*\]:*) host=${a%%]:*}; host=${host#[}; port=${a##*]:} ;;
	\[*\])   host=${a#[}; host=${host%]}; port=3478 ;;
	*:*:*)   host=$a; port=3478 ;;          # bare IPv6
	*:*)     host=${a%:*}; port=${a##*:} ;;
	*)       host=$a; port=3478 ;;
	esac
	case "$host" in
	0.0.0.0|'') host=127.0.0.1 ;;
	::)         host=::1 ;;
	esac
	echo "$host $port"
}

target=${TURNPIKE_HEALTHCHECK:-${TURNPIKE_LISTEN:-127.0.0.1:3478}}
first=$(echo "$target" | cut -d, -f1 | tr -d ' ')
# shellcheck disable=SC2046 # "ADDR PORT" splits into two arguments
set -- $(split_addr "$first")
exec /usr/local/bin/turnpike-probe udp "$1" "$2" >/dev/null
