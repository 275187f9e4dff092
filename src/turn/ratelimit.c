/**
 * @file ratelimit.c  Per-source rate limits: a bounded, keyed,
 * set-associative table of GCRA buckets (see ratelimit.h).
 *
 * GCRA ("generic cell rate algorithm", the virtual-scheduling form of a
 * token bucket): each bucket keeps TAT, the theoretical arrival time of
 * the next event. With emission interval T = period / rate and
 * tolerance tau = (burst - 1) * T, an event at t conforms when
 * TAT - t <= tau, and then TAT = max(TAT, t) + T. One 64-bit word per
 * bucket, no division on the fast path, exact for any rate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ratelimit.h"

#define WAYS 4

struct rl_entry {
	uint8_t src[16];            /* IPv4-mapped, or an IPv6 /64 */
	bool used;
	uint64_t last_ms;           /* for LRU within the set */
	uint64_t tat[RL_KINDS];     /* µs; 0: never */
};

struct ratelimit {
	uint64_t k0, k1;            /* SipHash key */
	uint64_t t_us[RL_KINDS];    /* emission interval; 0: kind off */
	uint64_t tau_us[RL_KINDS];
	size_t nsets;               /* a power of two */
	size_t used;
	struct rl_entry e[];        /* nsets * WAYS */
};

/* ---- SipHash-2-4 of a 16-byte message (Aumasson & Bernstein) ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t
siphash16(uint64_t k0, uint64_t k1, const uint8_t in[16])
{
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
		k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull,
	};
	uint64_t m[3] = { le64(in), le64(in + 8), (uint64_t)16 << 56 };

	for (int i = 0; i < 3; i++) {
		v[3] ^= m[i];
		sip_round(v);
		sip_round(v);
		v[0] ^= m[i];
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- the table ---- */

int
rl_new(struct ratelimit **out, const struct rl_rate rates[RL_KINDS],
       size_t entries, const uint8_t key[16])
{
	struct ratelimit *rl;
	size_t nsets = 1;

	*out = NULL;
	for (int k = 0; k < RL_KINDS; k++)
		if (rates[k].rate > 0 &&
		    (rates[k].period_ms == 0 || rates[k].burst == 0))
			return EINVAL;
	while (nsets * 2 * WAYS <= entries && nsets < ((size_t)1 << 24))
		nsets *= 2;
	rl = calloc(1, sizeof(*rl) + nsets * WAYS * sizeof(rl->e[0]));
	if (rl == NULL)
		return ENOMEM;
	rl->k0 = le64(key);
	rl->k1 = le64(key + 8);
	rl->nsets = nsets;
	for (int k = 0; k < RL_KINDS; k++) {
		if (rates[k].rate == 0)
			continue;
		rl->t_us[k] = (uint64_t)rates[k].period_ms * 1000 / rates[k].rate;
		if (rl->t_us[k] == 0)
			rl->t_us[k] = 1;
		rl->tau_us[k] = (uint64_t)(rates[k].burst - 1) * rl->t_us[k];
	}
	*out = rl;
	return 0;
}

void
rl_free(struct ratelimit *rl)
{
	free(rl);
}

static struct rl_entry *
set_of(const struct ratelimit *rl, const uint8_t src[16])
{
	uint64_t h = siphash16(rl->k0, rl->k1, src);

	return (struct rl_entry *)&rl->e[(h & (rl->nsets - 1)) * WAYS];
}

static struct rl_entry *
find(const struct ratelimit *rl, const uint8_t src[16])
{
	struct rl_entry *set = set_of(rl, src);

	for (int i = 0; i < WAYS; i++)
		if (set[i].used && memcmp(set[i].src, src, 16) == 0)
			return &set[i];
	return NULL;
}

/* The entry of src, made (a free way, else the least recently used). */
static struct rl_entry *
find_or_make(struct ratelimit *rl, const uint8_t src[16])
{
	struct rl_entry *set = set_of(rl, src), *e = find(rl, src), *v;

	if (e != NULL)
		return e;
	v = &set[0];
	for (int i = 0; i < WAYS; i++) {
		if (!set[i].used) {
			v = &set[i];
			rl->used++;
			break;
		}
		if (set[i].last_ms < v->last_ms)
			v = &set[i];
	}
	memset(v, 0, sizeof(*v));
	memcpy(v->src, src, 16);
	v->used = true;
	return v;
}

static bool
conforms(const struct ratelimit *rl, enum rl_kind k, uint64_t tat,
	 uint64_t now_us)
{
	return tat <= now_us || tat - now_us <= rl->tau_us[k];
}

bool
rl_take(struct ratelimit *rl, enum rl_kind k, const struct sockaddr *src,
	uint64_t now_ms)
{
	uint64_t now_us = now_ms * 1000;
	struct rl_entry *e;
	uint8_t key[16];

	if (rl == NULL || k >= RL_KINDS || rl->t_us[k] == 0 ||
	    !addr_source_key(src, key))
		return true;
	e = find_or_make(rl, key);
	e->last_ms = now_ms;
	if (!conforms(rl, k, e->tat[k], now_us))
		return false;
	e->tat[k] = (e->tat[k] > now_us ? e->tat[k] : now_us) + rl->t_us[k];
	return true;
}

bool
rl_over(const struct ratelimit *rl, enum rl_kind k,
	const struct sockaddr *src, uint64_t now_ms)
{
	const struct rl_entry *e;
	uint8_t key[16];

	if (rl == NULL || k >= RL_KINDS || rl->t_us[k] == 0 ||
	    !addr_source_key(src, key) || (e = find(rl, key)) == NULL)
		return false;
	return !conforms(rl, k, e->tat[k], now_ms * 1000);
}

size_t
rl_used(const struct ratelimit *rl)
{
	return rl ? rl->used : 0;
}

size_t
rl_capacity(const struct ratelimit *rl)
{
	return rl ? rl->nsets * WAYS : 0;
}
