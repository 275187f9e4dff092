/**
 * @file stun.h  STUN message codec (RFC 8489, RFC 8656, RFC 5780, RFC 6062).
 *
 * Pure: works on caller-owned byte buffers only. No sockets, no I/O, no
 * globals, no malloc. Decoding is zero-copy: attributes are indexes into
 * the caller's buffer, which must outlive the decoded message.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0|     STUN Message Type     |         Message Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Magic Cookie                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Transaction ID (96 bits)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | attributes: type(16) length(16) value, padded to 4 bytes ...  |
 * |  ... MESSAGE-INTEGRITY (covers all before it, length patched)  |
 * |  ... MESSAGE-INTEGRITY-SHA256                                  |
 * |  ... FINGERPRINT (CRC-32 of all before it, XOR 0x5354554e)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef TURNPIKE_STUN_H
#define TURNPIKE_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define STUN_MAGIC        0x2112A442u
#define STUN_HDR_LEN      20
#define STUN_TID_LEN      12
#define STUN_FP_XOR       0x5354554eu
#define STUN_MAX_ATTRS    40   /* more than this in one message: EBADMSG */
#define STUN_MAX_UNKNOWN  8    /* unknown comprehension-required kept for 420 */
#define STUN_MI_LEN       20
#define STUN_MI256_LEN    32

enum stun_class {
	STUN_REQUEST    = 0,
	STUN_INDICATION = 1,
	STUN_SUCCESS    = 2,
	STUN_ERROR      = 3,
};

enum stun_method {
	STUN_BINDING            = 0x001,
	STUN_ALLOCATE           = 0x003, /* RFC 8656 */
	STUN_REFRESH            = 0x004,
	STUN_SEND               = 0x006,
	STUN_DATA               = 0x007,
	STUN_CREATE_PERMISSION  = 0x008,
	STUN_CHANNEL_BIND       = 0x009,
	STUN_CONNECT            = 0x00a, /* RFC 6062 */
	STUN_CONNECTION_BIND    = 0x00b,
	STUN_CONNECTION_ATTEMPT = 0x00c,
};

enum stun_attr_type {
	/* comprehension-required (0x0000-0x7FFF) */
	STUN_A_MAPPED_ADDRESS           = 0x0001,
	STUN_A_CHANGE_REQUEST           = 0x0003, /* RFC 5780 */
	STUN_A_USERNAME                 = 0x0006,
	STUN_A_MESSAGE_INTEGRITY        = 0x0008,
	STUN_A_ERROR_CODE               = 0x0009,
	STUN_A_UNKNOWN_ATTRIBUTES       = 0x000A,
	STUN_A_CHANNEL_NUMBER           = 0x000C, /* RFC 8656 */
	STUN_A_LIFETIME                 = 0x000D,
	STUN_A_XOR_PEER_ADDRESS         = 0x0012,
	STUN_A_DATA                     = 0x0013,
	STUN_A_REALM                    = 0x0014,
	STUN_A_NONCE                    = 0x0015,
	STUN_A_XOR_RELAYED_ADDRESS      = 0x0016,
	STUN_A_REQUESTED_ADDRESS_FAMILY = 0x0017,
	STUN_A_EVEN_PORT                = 0x0018,
	STUN_A_REQUESTED_TRANSPORT      = 0x0019,
	STUN_A_DONT_FRAGMENT            = 0x001A,
	STUN_A_MESSAGE_INTEGRITY_SHA256 = 0x001C, /* RFC 8489 */
	STUN_A_PASSWORD_ALGORITHM       = 0x001D,
	STUN_A_USERHASH                 = 0x001E,
	STUN_A_XOR_MAPPED_ADDRESS       = 0x0020,
	STUN_A_RESERVATION_TOKEN        = 0x0022,
	STUN_A_PRIORITY                 = 0x0024, /* RFC 8445 (ICE) */
	STUN_A_USE_CANDIDATE            = 0x0025,
	STUN_A_PADDING                  = 0x0026, /* RFC 5780 */
	STUN_A_RESPONSE_PORT            = 0x0027,
	STUN_A_CONNECTION_ID            = 0x002A, /* RFC 6062 */
	/* comprehension-optional (0x8000-0xFFFF) */
	STUN_A_ADDITIONAL_ADDRESS_FAMILY = 0x8000, /* RFC 8656 */
	STUN_A_ADDRESS_ERROR_CODE       = 0x8001,
	STUN_A_PASSWORD_ALGORITHMS      = 0x8002, /* RFC 8489 */
	STUN_A_ALTERNATE_DOMAIN         = 0x8003,
	STUN_A_ICMP                     = 0x8004, /* RFC 8656 */
	STUN_A_SOFTWARE                 = 0x8022,
	STUN_A_ALTERNATE_SERVER         = 0x8023,
	STUN_A_CACHE_TIMEOUT            = 0x8027, /* RFC 5780 */
	STUN_A_FINGERPRINT              = 0x8028,
	STUN_A_ICE_CONTROLLED           = 0x8029,
	STUN_A_ICE_CONTROLLING          = 0x802A,
	STUN_A_RESPONSE_ORIGIN          = 0x802B, /* RFC 5780 */
	STUN_A_OTHER_ADDRESS            = 0x802C,
};

/* One attribute: an index into stun_msg.raw. off is the value's offset. */
struct stun_attr {
	uint16_t type;
	uint16_t len;
	uint32_t off;
};

/*
 * A decoded message. attrs[] holds only attributes that may be acted on:
 * those before MESSAGE-INTEGRITY, then MESSAGE-INTEGRITY itself,
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT. Everything else after
 * MESSAGE-INTEGRITY is skipped (RFC 8489 §14.5, §14.6).
 */
struct stun_msg {
	const uint8_t *raw;
	size_t len;                     /* header + body */
	uint16_t method;                /* enum stun_method */
	uint8_t cls;                    /* enum stun_class */
	bool classic;                   /* no magic cookie: RFC 3489 client */
	uint8_t tid[16];                /* header bytes 4..19: cookie + tid */
	struct stun_attr attrs[STUN_MAX_ATTRS];
	unsigned nattrs;
	int mi;                         /* index in attrs of MI, or -1 */
	int mi256;                      /* ... of MI-SHA256, or -1 */
	int fp;                         /* ... of FINGERPRINT, or -1 */
	uint16_t unknown[STUN_MAX_UNKNOWN]; /* unknown comp.-required types */
	unsigned nunknown;
};

/**
 * Decode and validate one STUN message occupying exactly buf[0..len).
 * Checks: len >= 20, top two bits 0, length field a multiple of 4 and
 * equal to len - 20, attribute TLVs inside the body with 4-byte padding,
 * FINGERPRINT last if present, MI/MI-SHA256 lengths, at most
 * STUN_MAX_ATTRS attributes. Does NOT verify FINGERPRINT or integrity:
 * see stun_check_fingerprint() and stun_check_integrity().
 * @return 0, or EBADMSG for anything malformed (drop it silently).
 */
int stun_decode(struct stun_msg *m, const uint8_t *buf, size_t len);

/** True if buf looks like a STUN message (top bits 00, and for len>=8 the
 *  magic cookie). A cheap demux test, not validation. */
bool stun_is_stun(const uint8_t *buf, size_t len);

/** First instance of an attribute of this type, or NULL. */
const struct stun_attr *stun_find(const struct stun_msg *m, uint16_t type);
/** Pointer to an attribute's value bytes. */
const uint8_t *stun_attr_val(const struct stun_msg *m,
			     const struct stun_attr *a);
/** 32-bit value (LIFETIME, PRIORITY, ...). EBADMSG if len != 4. */
int stun_attr_u32(const struct stun_msg *m, const struct stun_attr *a,
		  uint32_t *out);
/**
 * Address attribute (MAPPED-ADDRESS style, or XOR-* when xor is true)
 * into a sockaddr_in/sockaddr_in6. EBADMSG on bad family or length
 * (IPv4 needs len 8, IPv6 len 20).
 */
int stun_attr_addr(const struct stun_msg *m, const struct stun_attr *a,
		   bool xor, struct sockaddr_storage *out);
/** Error code (300..699) and reason of an ERROR-CODE attribute. */
int stun_attr_error(const struct stun_msg *m, const struct stun_attr *a,
		    int *code, const char **reason, size_t *reason_len);

/** FINGERPRINT present and correct: 0; absent: ENOENT; wrong: EBADMSG. */
int stun_check_fingerprint(const struct stun_msg *m);
/**
 * Verify MESSAGE-INTEGRITY (HMAC-SHA1) or, when sha256 is true,
 * MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated to 16..32
 * bytes) with the given key, comparing in constant time.
 * @return 0 ok, ENOENT attribute absent, EACCES mismatch.
 */
int stun_check_integrity(const struct stun_msg *m, bool sha256,
			 const uint8_t *key, size_t keylen);

/** Human name of an attribute type ("XOR-MAPPED-ADDRESS"), or NULL. */
const char *stun_attr_name(uint16_t type);
/** Whether this codec knows the attribute type. */
bool stun_attr_known(uint16_t type);
/** Name of a method ("Allocate"), or "unknown". */
const char *stun_method_name(uint16_t method);
/** Default reason phrase for an error code ("Unauthorized"). Short: they
 *  go on the wire to unauthenticated clients. */
const char *stun_reason(int code);

/*
 * Encoder: a builder over a caller-owned buffer. Errors (no space) are
 * sticky and reported by stun_enc_finish(); callers need not check each
 * step.
 */
struct stun_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;           /* 0 or ENOSPC / EINVAL */
};

/** Start a message. tid16 = 16 header bytes (cookie + tid), copied as is
 *  so RFC 3489 transaction ids are echoed verbatim. */
void stun_enc_begin(struct stun_enc *e, uint8_t *buf, size_t cap,
		    uint16_t method, uint8_t cls, const uint8_t tid16[16]);
void stun_enc_attr(struct stun_enc *e, uint16_t type, const void *val,
		   size_t len);
void stun_enc_u32(struct stun_enc *e, uint16_t type, uint32_t v);
void stun_enc_str(struct stun_enc *e, uint16_t type, const char *s);
/** Address attribute; xor selects the XOR-* encoding (uses the header's
 *  cookie and transaction id). */
void stun_enc_addr(struct stun_enc *e, uint16_t type,
		   const struct sockaddr *sa, bool xor);
/** ERROR-CODE; reason NULL means stun_reason(code). */
void stun_enc_error(struct stun_enc *e, int code, const char *reason);
void stun_enc_unknown(struct stun_enc *e, const uint16_t *types,
		      unsigned n);
/** Append MESSAGE-INTEGRITY (HMAC-SHA1 over the message so far). */
void stun_enc_integrity(struct stun_enc *e, const uint8_t *key,
			size_t keylen);
/** Append MESSAGE-INTEGRITY-SHA256 (full 32 bytes). */
void stun_enc_integrity_sha256(struct stun_enc *e, const uint8_t *key,
			       size_t keylen);
/** Append FINGERPRINT. Must be last. */
void stun_enc_fingerprint(struct stun_enc *e);
/** @return 0 and *out_len = message length, or the sticky error. */
int stun_enc_finish(struct stun_enc *e, size_t *out_len);

/*
 * Stream framing (RFC 8489 §6.2.2, RFC 8656 §12.5) and ChannelData.
 *
 *  ChannelData:  | channel number (16) | length (16) | data ... |
 */
#define STUN_CHAN_MIN     0x4000
#define STUN_CHAN_MAX     0x4FFF  /* RFC 8656 §12 */
#define STUN_CHAN_MAX_OLD 0x7FFF  /* RFC 5766 range, still used by clients */

/**
 * Length of the frame at the start of a stream buffer: a STUN message
 * (20 + length) or ChannelData (4 + length, padded to 4 on streams).
 * @return 0 and *frame_len, EAGAIN if fewer than 4 bytes are buffered,
 * EBADMSG if the first bytes are neither.
 */
int stun_frame_len(const uint8_t *buf, size_t len, size_t *frame_len);

struct chandata {
	uint16_t chan;
	uint16_t len;
	const uint8_t *data;
};
/**
 * Decode ChannelData (first byte 0x40..0x7F). len may exceed 4 + data
 * length (padding on streams, or UDP padding).
 * @return 0, or EBADMSG (too short, length beyond buffer).
 */
int chandata_decode(struct chandata *cd, const uint8_t *buf, size_t len);
/** Write a ChannelData header into buf[0..4). */
void chandata_hdr(uint8_t buf[4], uint16_t chan, uint16_t len);

#endif
