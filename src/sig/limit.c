/**
 * @file limit.c  Token buckets on the injected clock, the per-source join
 * limit (IPv4 address or IPv6 /64; a fixed table, least recently used
 * slot recycled), and the signed join tickets of join-secret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sig_int.h"

void
bucket_init(struct bucket *b, uint64_t now_ms, uint64_t burst)
{
	b->milli = burst * 1000;
	b->at_ms = now_ms;
}

/* n tokens per period_ms, at most burst saved; one taken if there. */
bool
bucket_take(struct bucket *b, uint64_t now_ms, uint64_t n,
	    uint64_t period_ms, uint64_t burst)
{
	uint64_t cap = burst * 1000;

	if (now_ms > b->at_ms) {
		uint64_t dt = now_ms - b->at_ms;

		if (dt > period_ms * (burst + 1))
			dt = period_ms * (burst + 1);   /* no overflow */
		b->milli += dt * n * 1000 / period_ms;
		if (b->milli > cap)
			b->milli = cap;
		b->at_ms = now_ms;
	}
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}

/* The key of a source IP string (from addr_ip_str): IPv4 by address,
 * IPv6 by its /64, as the TURN rate limits count (addr_src_key). A
 * string that is no IP (never from the transport) gets the zero key. */
static void
ip_key(const char *ip, uint8_t key[ADDR_KEY_LEN])
{
	struct sockaddr_storage ss;

	memset(key, 0, ADDR_KEY_LEN);
	if (addr_parse_ip(ip, &ss) == 0)
		addr_src_key((const struct sockaddr *)&ss, key);
}

static struct ip_slot *
ip_slot(struct sig *s, const char *ip, uint64_t now)
{
	struct ip_slot *victim = NULL;
	uint8_t key[ADDR_KEY_LEN];

	ip_key(ip, key);
	for (size_t i = 0; i < SIG_IP_SLOTS; i++) {
		struct ip_slot *e = &s->ips[i];

		if (!e->used) {
			if (victim == NULL || victim->used)
				victim = e;     /* an empty slot first */
			continue;
		}
		if (memcmp(e->key, key, ADDR_KEY_LEN) == 0)
			return e;
		if (victim == NULL ||
		    (victim->used && e->used_ms < victim->used_ms))
			victim = e;
	}
	memcpy(victim->key, key, ADDR_KEY_LEN);
	victim->used = true;
	bucket_init(&victim->b, now, s->lim.join_rate);
	return victim;
}

/* join_rate joins per minute from one source (an IPv4 address or an
 * IPv6 /64), a minute's worth in burst. */
bool
sig_join_allowed(struct sig *s, const char *ip)
{
	uint64_t now = sig_now(s);
	struct ip_slot *e = ip_slot(s, ip, now);

	e->used_ms = now;
	return bucket_take(&e->b, now, s->lim.join_rate, 60000,
			   s->lim.join_rate);
}

bool
sig_issue_allowed(struct sig *s, const char *ip)
{
	return sig_join_allowed(s, ip);
}

static void
ticket_mac(const char *secret, const char *room, const char *name,
	   const char *expiry, char hex[65])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	char msg[SIG_ROOM_MAX + SIG_NAME_MAX + 32];
	int n = snprintf(msg, sizeof(msg), "%s\n%s\n%s", room, name, expiry);

	hex[0] = '\0';
	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    HMAC(EVP_sha256(), secret, (int)strlen(secret), (uint8_t *)msg,
		 (size_t)n, mac, &maclen) == NULL || maclen != 32)
		return;
	for (unsigned i = 0; i < maclen; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

void
sig_ticket_make(const char *secret, const char *room, const char *name,
		int64_t expiry, char *out, size_t cap)
{
	char exp[24], hex[65];

	snprintf(exp, sizeof(exp), "%lld", (long long)expiry);
	ticket_mac(secret, room, name, exp, hex);
	snprintf(out, cap, "%s:%s", exp, hex);
}

int
sig_ticket_check(const char *secret, const char *room, const char *name,
		 const char *ticket, int64_t wall_s)
{
	const char *colon = ticket ? strchr(ticket, ':') : NULL;
	char exp[24], hex[65];
	size_t elen;
	long long e = 0;

	if (colon == NULL || (elen = (size_t)(colon - ticket)) == 0 ||
	    elen > 18 || strspn(ticket, "0123456789") != elen ||
	    strlen(colon + 1) != 64)
		return EACCES;
	memcpy(exp, ticket, elen);
	exp[elen] = '\0';
	e = strtoll(exp, NULL, 10);
	ticket_mac(secret, room, name, exp, hex);
	if (hex[0] == '\0' || CRYPTO_memcmp(hex, colon + 1, 64) != 0 ||
	    e < wall_s)
		return EACCES;
	return 0;
}
