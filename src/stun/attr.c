/**
 * @file attr.c  Names of attributes and methods, default reason phrases.
 */
#include <stddef.h>
#include "stun.h"

struct name {
	int id;
	const char *name;
};

static const struct name attr_names[] = {
	{STUN_A_MAPPED_ADDRESS,           "MAPPED-ADDRESS"},
	{STUN_A_CHANGE_REQUEST,           "CHANGE-REQUEST"},
	{STUN_A_USERNAME,                 "USERNAME"},
	{STUN_A_MESSAGE_INTEGRITY,        "MESSAGE-INTEGRITY"},
	{STUN_A_ERROR_CODE,               "ERROR-CODE"},
	{STUN_A_UNKNOWN_ATTRIBUTES,       "UNKNOWN-ATTRIBUTES"},
	{STUN_A_CHANNEL_NUMBER,           "CHANNEL-NUMBER"},
	{STUN_A_LIFETIME,                 "LIFETIME"},
	{STUN_A_XOR_PEER_ADDRESS,         "XOR-PEER-ADDRESS"},
	{STUN_A_DATA,                     "DATA"},
	{STUN_A_REALM,                    "REALM"},
	{STUN_A_NONCE,                    "NONCE"},
	{STUN_A_XOR_RELAYED_ADDRESS,      "XOR-RELAYED-ADDRESS"},
	{STUN_A_REQUESTED_ADDRESS_FAMILY, "REQUESTED-ADDRESS-FAMILY"},
	{STUN_A_EVEN_PORT,                "EVEN-PORT"},
	{STUN_A_REQUESTED_TRANSPORT,      "REQUESTED-TRANSPORT"},
	{STUN_A_DONT_FRAGMENT,            "DONT-FRAGMENT"},
	{STUN_A_MESSAGE_INTEGRITY_SHA256, "MESSAGE-INTEGRITY-SHA256"},
	{STUN_A_PASSWORD_ALGORITHM,       "PASSWORD-ALGORITHM"},
	{STUN_A_USERHASH,                 "USERHASH"},
	{STUN_A_XOR_MAPPED_ADDRESS,       "XOR-MAPPED-ADDRESS"},
	{STUN_A_RESERVATION_TOKEN,        "RESERVATION-TOKEN"},
	{STUN_A_PRIORITY,                 "PRIORITY"},
	{STUN_A_USE_CANDIDATE,            "USE-CANDIDATE"},
	{STUN_A_PADDING,                  "PADDING"},
	{STUN_A_RESPONSE_PORT,            "RESPONSE-PORT"},
	{STUN_A_CONNECTION_ID,            "CONNECTION-ID"},
	{STUN_A_ADDITIONAL_ADDRESS_FAMILY, "ADDITIONAL-ADDRESS-FAMILY"},
	{STUN_A_ADDRESS_ERROR_CODE,       "ADDRESS-ERROR-CODE"},
	{STUN_A_PASSWORD_ALGORITHMS,      "PASSWORD-ALGORITHMS"},
	{STUN_A_ALTERNATE_DOMAIN,         "ALTERNATE-DOMAIN"},
	{STUN_A_ICMP,                     "ICMP"},
	{STUN_A_SOFTWARE,                 "SOFTWARE"},
	{STUN_A_ALTERNATE_SERVER,         "ALTERNATE-SERVER"},
	{STUN_A_CACHE_TIMEOUT,            "CACHE-TIMEOUT"},
	{STUN_A_FINGERPRINT,              "FINGERPRINT"},
	{STUN_A_ICE_CONTROLLED,           "ICE-CONTROLLED"},
	{STUN_A_ICE_CONTROLLING,          "ICE-CONTROLLING"},
	{STUN_A_RESPONSE_ORIGIN,          "RESPONSE-ORIGIN"},
	{STUN_A_OTHER_ADDRESS,            "OTHER-ADDRESS"},
};

static const struct name method_names[] = {
	{STUN_BINDING,            "Binding"},
	{STUN_ALLOCATE,           "Allocate"},
	{STUN_REFRESH,            "Refresh"},
	{STUN_SEND,               "Send"},
	{STUN_DATA,               "Data"},
	{STUN_CREATE_PERMISSION,  "CreatePermission"},
	{STUN_CHANNEL_BIND,       "ChannelBind"},
	{STUN_CONNECT,            "Connect"},
	{STUN_CONNECTION_BIND,    "ConnectionBind"},
	{STUN_CONNECTION_ATTEMPT, "ConnectionAttempt"},
};

/* RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3, RFC 8445 §7.3.1.1 */
static const struct name reasons[] = {
	{300, "Try Alternate"},
	{400, "Bad Request"},
	{401, "Unauthorized"},
	{403, "Forbidden"},
	{405, "Mobility Forbidden"},
	{420, "Unknown Attribute"},
	{437, "Allocation Mismatch"},
	{438, "Stale Nonce"},
	{440, "Address Family not Supported"},
	{441, "Wrong Credentials"},
	{442, "Unsupported Transport Protocol"},
	{443, "Peer Address Family Mismatch"},
	{446, "Connection Already Exists"},
	{447, "Connection Timeout or Failure"},
	{486, "Allocation Quota Reached"},
	{487, "Role Conflict"},
	{500, "Server Error"},
	{508, "Insufficient Capacity"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
lookup(const struct name *tab, size_t n, int id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (tab[i].id == id)
			return tab[i].name;
	}

	return NULL;
}

const char *
stun_attr_name(uint16_t type)
{
	return lookup(attr_names, NELEM(attr_names), type);
}

bool
stun_attr_known(uint16_t type)
{
	return stun_attr_name(type) != NULL;
}

const char *
stun_method_name(uint16_t method)
{
	const char *s = lookup(method_names, NELEM(method_names), method);

	return s ? s : "unknown";
}

const char *
stun_reason(int code)
{
	const char *s = lookup(reasons, NELEM(reasons), code);

	return s ? s : "Error";
}
