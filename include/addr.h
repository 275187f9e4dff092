/**
 * @file addr.h  Socket address helpers: parsing, formatting, CIDR.
 * Pure: no sockets are opened here.
 */
#ifndef TURNPIKE_ADDR_H
#define TURNPIKE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define ADDR_STRLEN 64  /* "[ipv6%scope]:port" fits */

/**
 * Parse "IP:PORT", "[IPv6]:PORT" or a bare IP ("1.2.3.4", "::1", "[::1]";
 * port = default_port). Numeric only, no DNS; an IPv6 scope must be
 * numeric ("fe80::1%2"). An explicit port must be 1..65535. 0 or EINVAL.
 */
int addr_parse(const char *s, uint16_t default_port,
	       struct sockaddr_storage *out);
/** Parse a bare numeric IPv4/IPv6 address, port 0. 0 or EINVAL. */
int addr_parse_ip(const char *s, struct sockaddr_storage *out);
/** Format as "1.2.3.4:5" or "[::1]:5" into buf (ADDR_STRLEN). */
const char *addr_str(const struct sockaddr *sa, char *buf, size_t len);
/** Format the IP only. */
const char *addr_ip_str(const struct sockaddr *sa, char *buf, size_t len);
socklen_t addr_len(const struct sockaddr *sa);
uint16_t addr_port(const struct sockaddr *sa);
void addr_set_port(struct sockaddr *sa, uint16_t port);
/** Same family, IP and port (IPv6 scope ids are not compared). */
bool addr_eq(const struct sockaddr *a, const struct sockaddr *b);
/** Same family and IP (ports ignored). */
bool addr_ip_eq(const struct sockaddr *a, const struct sockaddr *b);
#define ADDR_KEY_LEN 16
/** The source an address counts as, for per-source limits: IPv4 as
 *  ::ffff:a.b.c.d, IPv6 cut to its /64 (one subscriber's usual share, so
 *  a host cannot dodge a cap by its 2^64 addresses); an IPv4-mapped IPv6
 *  address is its IPv4 address. Ports ignored. false: not IPv4 or IPv6. */
bool addr_src_key(const struct sockaddr *sa, uint8_t out[ADDR_KEY_LEN]);
/** Whether a and b count as the same source (addr_src_key). */
bool addr_same_source(const struct sockaddr *a, const struct sockaddr *b);
/** Unspecified address (0.0.0.0 or ::). */
bool addr_is_any(const struct sockaddr *sa);


/** A CIDR block. family AF_INET or AF_INET6; ip in network order. */
struct cidr {
	int family;
	uint8_t ip[16];
	uint8_t prefix;
};
/** Parse "10.0.0.0/8", "fe80::/10" or a bare IP (full prefix). 0/EINVAL.
 *  Host bits beyond the prefix are cleared. */
int cidr_parse(const char *s, struct cidr *out);
/** Whether sa's IP lies inside c. Families must match, except that an
 *  IPv4-mapped IPv6 address (::ffff:a.b.c.d) is tested as a.b.c.d against
 *  an IPv4 block, so a deny list cannot be bypassed by the mapped form. */
bool cidr_match(const struct cidr *c, const struct sockaddr *sa);
const char *cidr_str(const struct cidr *c, char *buf, size_t len);

/** The host's interface addresses into out (at most cap), each as a
 *  full-length block (127.0.0.1/32, not lo's /8: other loopback
 *  addresses are judged by the policy as usual). @return how many (0 if
 *  getifaddrs fails). */
size_t addr_host_cidrs(struct cidr *out, size_t cap);

#endif
