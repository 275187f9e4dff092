/**
 * @file sock.c  Socket creation for listeners, and the clock adapter.
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "addr.h"
#include "log.h"
#include "net.h"

static int
set_opts(int fd, int family, int type)
{
	int one = 1;

	/* TCP only: on UDP, SO_REUSEADDR would let two servers share a port. */
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		return errno;
	/* [::] and 0.0.0.0 on the same port are two separate listeners. */
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		return errno;
	return 0;
}

/* One buffer: SO_RCVBUF/SO_SNDBUF are capped by net.core.[rw]mem_max;
 * with CAP_NET_ADMIN the FORCE variants go past it. */
static void
set_buf(int fd, int opt, int force, unsigned bytes, const char *what)
{
	int v = bytes > (unsigned)INT32_MAX / 2 ? INT32_MAX / 2 : (int)bytes;
	int got = 0;
	socklen_t len = sizeof(got);

	if (bytes == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
	/* Linux reports twice what was granted (bookkeeping included). */
	if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) == 0 && got / 2 < v)
		log_warn("%s: %d bytes granted of %u (raise "
			 "net.core.%s_max)", what, got / 2, bytes,
			 opt == SO_RCVBUF ? "rmem" : "wmem");
}

void
sock_set_buffers(int fd, unsigned rcv, unsigned snd)
{
	set_buf(fd, SO_RCVBUF, SO_RCVBUFFORCE, rcv, "udp-rcvbuf");
	set_buf(fd, SO_SNDBUF, SO_SNDBUFFORCE, snd, "udp-sndbuf");
}

/**
 * Create, configure and bind a non-blocking, close-on-exec socket of the
 * given type (SOCK_DGRAM or SOCK_STREAM; a stream socket also listens).
 * @return 0 and *fd_out, or errno.
 */
static int
bind_opts(const struct sockaddr_storage *addr, int type, bool reuseport,
	  int *fd_out)
{
	const struct sockaddr *sa = (const struct sockaddr *)addr;
	int fd, err, one = 1;

	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	err = set_opts(fd, sa->sa_family, type);
	if (err == 0 && reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
		err = errno;
	if (err == 0 && bind(fd, sa, addr_len(sa)) != 0)
		err = errno;
	if (err == 0 && type == SOCK_STREAM && listen(fd, 511) != 0)
		err = errno;
	if (err != 0) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

int
sock_bind(const struct sockaddr_storage *addr, int type, int *fd_out)
{
	return bind_opts(addr, type, false, fd_out);
}

/*
 * One of several UDP sockets on the same address, one per worker: the
 * kernel spreads datagrams over them by a hash of the source address and
 * port, so a client's 5-tuple always meets the same worker. The caller
 * checks first, without SO_REUSEPORT, that no other program holds it.
 */
int
sock_bind_udp_shared(const struct sockaddr_storage *addr, int *fd_out)
{
	return bind_opts(addr, SOCK_DGRAM, true, fd_out);
}

/*
 * A TCP socket on a relayed transport address: the listening one and the
 * ones connecting out from it (RFC 6062 §4.3) share addr:port, which Linux
 * allows with SO_REUSEPORT on each.
 */
int
sock_bind_reuseport(const struct sockaddr_storage *addr, bool listening,
		    int *fd_out)
{
	const struct sockaddr *sa = (const struct sockaddr *)addr;
	int one = 1, fd, err = 0;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, sa, addr_len(sa)) != 0 ||
	    (listening && listen(fd, 64) != 0))
		err = errno;
	if (err != 0) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

/* Read both clocks once per event; the core never reads a clock. */
void
net_clock(uint64_t *now_ms, int64_t *wall_s)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	*now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	*wall_s = (int64_t)time(NULL);
}

/* Relay ports inside the kernel's ephemeral range can be taken at any
 * moment by an outgoing connection of some other program: allocations
 * then skip them, and a RESERVATION-TOKEN (whose port+1 is only booked
 * in our pool) may fail with 508. Say so once at startup. */
void
sock_warn_port_range(uint16_t lo, uint16_t hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned elo, ehi;

	if (f == NULL)
		return;
	if (fscanf(f, "%u %u", &elo, &ehi) == 2 && lo <= ehi && hi >= elo)
		log_warn("relay-ports %u-%u overlap the kernel's ephemeral "
			 "ports %u-%u: some relay ports will be busy (set "
			 "sysctl net.ipv4.ip_local_port_range=\"%u %u\" or "
			 "move relay-ports)", lo, hi, elo, ehi, elo,
			 lo > elo ? lo - 1u : ehi);
	fclose(f);
}
