/**
 * @file dtls_sess.c  DTLS building blocks: the stateless cookie (RFC 6347
 * §4.2.1), the session table keyed by client address with its
 * per-source caps, and sending what OpenSSL wrote to a memory BIO as
 * datagrams.
 *
 * The cookie is HMAC-SHA256(process key, client address and port): a
 * source that cannot receive our HelloVerifyRequest cannot echo it, so
 * spoofed ClientHellos cost one HMAC and one small reply, and no state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "addr.h"
#include "dtls_int.h"

#define COOKIE_LEN 32
#define REC_HDR    13           /* DTLS record header (RFC 6347 §4.1) */

/* Per-process secret: restarts invalidate outstanding cookies, which
 * only costs a client one more round trip. */
static uint8_t cookie_key[32];
static bool cookie_ready;

int
dtls_cookie_init(void)
{
	if (cookie_ready)
		return 0;
	if (RAND_bytes(cookie_key, sizeof(cookie_key)) != 1)
		return EIO;
	cookie_ready = true;
	return 0;
}

/* An address as bytes to hash: family, port, IP. */
static size_t
sa_bytes(const struct sockaddr *sa, uint8_t *out)
{
	size_t n = 0;

	if (sa == NULL)
		return 0;
	out[n++] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		memcpy(out + n, &in->sin_port, 2);
		memcpy(out + n + 2, &in->sin_addr, 4);
		n += 6;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		memcpy(out + n, &in6->sin6_port, 2);
		memcpy(out + n + 2, &in6->sin6_addr, 16);
		n += 18;
	}
	return n;
}

static bool
cookie_make(SSL *ssl, uint8_t *md)
{
	uint8_t data[32];
	unsigned mdlen = 0;
	size_t n = sa_bytes(SSL_get_app_data(ssl), data);

	return n > 1 && HMAC(EVP_sha256(), cookie_key, sizeof(cookie_key),
			     data, n, md, &mdlen) != NULL &&
	       mdlen == COOKIE_LEN;
}

static int
cookie_gen_cb(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
	if (!cookie_make(ssl, cookie))
		return 0;
	*len = COOKIE_LEN;
	return 1;
}

static int
cookie_verify_cb(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
	uint8_t md[COOKIE_LEN];

	return len == COOKIE_LEN && cookie_make(ssl, md) &&
	       CRYPTO_memcmp(md, cookie, COOKIE_LEN) == 0;
}

void
dtls_cookie_setup(SSL_CTX *ctx)
{
	SSL_CTX_set_cookie_generate_cb(ctx, cookie_gen_cb);
	SSL_CTX_set_cookie_verify_cb(ctx, cookie_verify_cb);
	SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
}

/* --- the session table: hash of client addresses, plus a list to sweep */

static unsigned
bucket(const struct sockaddr *sa)
{
	uint8_t b[32];
	unsigned h = 2166136261u;               /* FNV-1a */
	size_t n = sa_bytes(sa, b);

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h % DTLS_BUCKETS;
}

struct dtls_sess *
dtls_sess_find(struct dtls_listener *l, const struct sockaddr *from)
{
	for (struct dtls_sess *s = l->bucket[bucket(from)]; s != NULL;
	     s = s->next)
		if (addr_eq((struct sockaddr *)&s->client, from))
			return s;
	return NULL;
}

bool
dtls_sess_add(struct dtls_listener *l, struct dtls_sess *s)
{
	unsigned b = bucket((struct sockaddr *)&s->client);

	if (l->nsess >= DTLS_MAX_SESS)
		return false;
	s->next = l->bucket[b];
	l->bucket[b] = s;
	TAILQ_INSERT_TAIL(&l->all, s, link);
	l->nsess++;
	return true;
}

/* One pass over the table (DTLS_MAX_SESS at most), made only for a
 * source whose cookie checked out: a forged source never costs it. */
const char *
dtls_sess_admit(const struct dtls_listener *l, const struct sockaddr *from)
{
	unsigned cap = l->srv->conf->max_conns_per_ip;
	const struct dtls_sess *s;
	size_t all = 0, hs = 0;

	TAILQ_FOREACH(s, &l->all, link) {
		if (!addr_same_source((const struct sockaddr *)&s->client, from))
			continue;
		all++;
		hs += !s->up;
	}
	if (hs >= DTLS_HS_PER_SRC)
		return "handshakes per source";
	if (cap != 0 && all >= cap)
		return "max-conns-per-ip";
	return NULL;
}

void
dtls_sess_remove(struct dtls_listener *l, struct dtls_sess *s)
{
	struct dtls_sess **pp = &l->bucket[bucket((struct sockaddr *)&s->client)];

	while (*pp != NULL && *pp != s)
		pp = &(*pp)->next;
	if (*pp == s)
		*pp = s->next;
	TAILQ_REMOVE(&l->all, s, link);
	l->nsess--;
}

/* --- output: mem BIO bytes → datagrams */

static int
send_dgram(int fd, const struct sockaddr *to, const uint8_t *buf, size_t len)
{
	ssize_t n = sendto(fd, buf, len, 0, to, addr_len(to));

	return n == (ssize_t)len ? 0 : errno;
}

/*
 * Everything OpenSSL wrote since the last call, as datagrams. The memory
 * BIO loses record boundaries, so the records are cut again from their
 * headers and packed up to DTLS_DGRAM_MAX bytes a datagram (a handshake
 * flight of several records in one datagram is allowed, RFC 6347 §4.1.1;
 * a larger record goes alone).
 */
int
dtls_flush(int fd, SSL *ssl, const struct sockaddr *to)
{
	static _Thread_local uint8_t buf[65536];   /* scratch, not state */
	BIO *wbio = SSL_get_wbio(ssl);
	size_t len, off = 0, start = 0;
	int n, err = 0;

	while ((len = BIO_ctrl_pending(wbio)) > 0) {
		n = BIO_read(wbio, buf, (int)(len < sizeof(buf) ? len : sizeof(buf)));
		if (n <= 0)
			return EIO;
		len = (size_t)n;
		off = start = 0;
		while (off + REC_HDR <= len) {
			size_t rec = REC_HDR + ((size_t)buf[off + 11] << 8 |
						buf[off + 12]);

			if (off + rec > len)
				break;
			if (off > start && off + rec - start > DTLS_DGRAM_MAX) {
				err = send_dgram(fd, to, buf + start, off - start);
				start = off;
			}
			off += rec;
		}
		if (len > start)
			err = send_dgram(fd, to, buf + start, len - start);
	}
	return err;
}
