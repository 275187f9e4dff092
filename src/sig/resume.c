/**
 * @file resume.c  Signed session tokens, which resume a session across a
 * restart of the process (sessions live in memory).
 *
 * With a resume key (join-secret, or an auth-secrets[0] from the
 * configuration: a key the next process has too), a session's token is
 *
 *     ID (12 hex) | EXPIRY (8 hex, Unix seconds) | MAC (32 hex)
 *
 * MAC the first 16 bytes of HMAC-SHA256(key, "resume\n" ID "\n" ROOM
 * "\n" EXPIRY-in-hex). It can be checked without the session: a join to
 * ROOM with it before EXPIRY gets ID back, here or after a restart.
 * EXPIRY is sig-grace + SIG_RESUME_SLACK_S from the token's issue; every
 * pong carries a fresh one, so a page that pings every 25 s always holds
 * a token that outlives a drop by its grace period.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sig_int.h"

#define EXP_HEX 8
#define MAC_HEX 32

static bool
resume_mac(const char *key, const char *id, const char *room,
	   const char *exp, char out[MAC_HEX + 1])
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	char msg[SIG_ID_LEN + SIG_ROOM_MAX + EXP_HEX + 16];
	int n = snprintf(msg, sizeof(msg), "resume\n%s\n%s\n%s", id, room, exp);

	if (n < 0 || (size_t)n >= sizeof(msg) ||
	    HMAC(EVP_sha256(), key, (int)strlen(key), (uint8_t *)msg,
		 (size_t)n, mac, &maclen) == NULL || maclen < MAC_HEX / 2)
		return false;
	for (unsigned i = 0; i < MAC_HEX / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return true;
}

bool
resume_signing(const struct sig *s)
{
	return s->lim.resume_key != NULL && s->lim.resume_key[0] != '\0';
}

void
resume_sign(struct sig *s, struct sig_session *p)
{
	int64_t exp = sig_wall_ms(s) / 1000 + (int64_t)s->lim.grace_s +
		      SIG_RESUME_SLACK_S;
	char hexp[EXP_HEX + 1], mac[MAC_HEX + 1];

	if (!resume_signing(s))
		return;
	snprintf(hexp, sizeof(hexp), "%08x", (unsigned)(uint32_t)exp);
	if (!resume_mac(s->lim.resume_key, p->id, p->room, hexp, mac))
		return;         /* keeps the random token */
	snprintf(p->token, sizeof(p->token), "%s%s%s", p->id, hexp, mac);
}

static bool
all_hex(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') ||
		      (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return true;
}

bool
resume_check(struct sig *s, const char *token, const char *room,
	     char id[SIG_ID_LEN + 1])
{
	char hexp[EXP_HEX + 1], mac[MAC_HEX + 1];
	unsigned long exp;

	if (!resume_signing(s) ||
	    strlen(token) != SIG_ID_LEN + EXP_HEX + MAC_HEX ||
	    !all_hex(token, SIG_ID_LEN + EXP_HEX + MAC_HEX))
		return false;
	memcpy(id, token, SIG_ID_LEN);
	id[SIG_ID_LEN] = '\0';
	memcpy(hexp, token + SIG_ID_LEN, EXP_HEX);
	hexp[EXP_HEX] = '\0';
	exp = strtoul(hexp, NULL, 16);
	if (!resume_mac(s->lim.resume_key, id, room, hexp, mac) ||
	    CRYPTO_memcmp(mac, token + SIG_ID_LEN + EXP_HEX, MAC_HEX) != 0)
		return false;
	return (int64_t)exp >= sig_wall_ms(s) / 1000;
}
