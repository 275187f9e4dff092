/**
 * @file ice.c  The iceServers of the TURN REST API shape
 * (draft-uberti-behave-turn-rest-00 §2.2): one entry whose urls are this
 * server's stun:, turn: (UDP and TCP) and turns: addresses, and with a
 * REST secret a credential: username "EXPIRY:ID" (or "EXPIRY:relay:ID",
 * scoped to relay-to-relay: the HMAC covers the scope), credential
 * base64(HMAC-SHA1(secret, username)), the same the TURN auth accepts.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth.h"
#include "sig.h"

static int
add_url(json_t *urls, const char *fmt, const char *host, unsigned port)
{
	char url[SIG_HOST_MAX + 64];

	snprintf(url, sizeof(url), fmt, host, port);
	return json_array_append_new(urls, json_string(url));
}

static json_t *
ice_urls(const struct sig_ice *ice, const char *host, bool turn)
{
	json_t *urls = json_array();
	int err = 0;

	if (urls == NULL)
		return NULL;
	err |= add_url(urls, "stun:%s:%u", host, ice->port);
	if (turn) {
		err |= add_url(urls, "turn:%s:%u?transport=udp", host,
			       ice->port);
		err |= add_url(urls, "turn:%s:%u?transport=tcp", host,
			       ice->port);
		if (ice->tls_port != 0)
			err |= add_url(urls, "turns:%s:%u?transport=tcp", host,
				       ice->tls_port);
	}
	if (err != 0) {
		json_decref(urls);
		return NULL;
	}
	return urls;
}

static int
add_credential(json_t *entry, const struct sig_ice *ice, const char *id,
	       int64_t wall_s, enum sig_cred cred)
{
	char user[96], pass[64];
	int err;

	if (auth_rest_username(user, sizeof(user), wall_s + ice->ttl,
			       cred == SIG_CRED_RELAY, id) == 0 ||
	    auth_rest_password(ice->secret, user, pass, sizeof(pass)) == 0)
		return -1;
	err = json_object_set_new(entry, "username", json_string(user));
	err |= json_object_set_new(entry, "credential", json_string(pass));
	err |= json_object_set_new(entry, "credentialType",
				   json_string("password"));
	OPENSSL_cleanse(pass, sizeof(pass));
	return err;
}

json_t *
sig_ice_servers(const struct sig_ice *ice, const char *host, const char *id,
		int64_t wall_s, enum sig_cred cred)
{
	json_t *arr = json_array(), *entry = json_object();
	bool turn = ice->secret != NULL && cred != SIG_CRED_NONE;

	if (arr == NULL || entry == NULL)
		goto fail;
	if (ice->port == 0)
		goto done;      /* no STUN/TURN port: an empty list */
	if (json_object_set_new(entry, "urls", ice_urls(ice, host, turn)) != 0 ||
	    (turn && add_credential(entry, ice, id, wall_s, cred) != 0) ||
	    json_array_append(arr, entry) != 0)
		goto fail;
done:
	json_decref(entry);
	return arr;
fail:
	json_decref(entry);
	json_decref(arr);
	return NULL;
}
