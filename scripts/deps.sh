#!/bin/sh
# Install what turnpike needs from Debian 12, only what is missing.
#   scripts/deps.sh build   compiler and -dev libraries
#   scripts/deps.sh test    the above plus test tools (cmocka, coturn's
#                           turnutils clients, openssl)
#   scripts/deps.sh fuzz    the build packages plus clang (libFuzzer)
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

BUILD_PKGS="gcc make pkg-config libevent-dev libssl-dev libconfig-dev zlib1g-dev\
	libjansson-dev libwslay-dev"
TEST_PKGS="libcmocka-dev coturn openssl iproute2 procps valgrind python3 chromium libnss3-tools"

case "${1:-build}" in
build) want="$BUILD_PKGS" ;;
test)  want="$BUILD_PKGS $TEST_PKGS" ;;
fuzz)  want="$BUILD_PKGS clang" ;;
*) echo "usage: $0 build|test|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "turnpike needs these Debian packages:$missing" >&2
	echo "install them with:  sudo $cmd" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# The service of Debian's coturn package must not start: we only want its
# client tools (and a reference server we start ourselves, by PID).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$cmd >/dev/null 2>&1 || { apt-get update -qq && $cmd; }
