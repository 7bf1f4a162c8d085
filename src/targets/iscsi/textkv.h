/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text key=value data (RFC 7143 6.1): parsing a received data segment into
 * pairs, accumulating multi-PDU requests (C bit), and building responses
 * that may be sent over several PDUs. Every length is checked before use;
 * nothing here trusts the network.
 */
#ifndef ISCSI_TEXTKV_H
#define ISCSI_TEXTKV_H

#include <stdbool.h>
#include <stdint.h>
#include "iscsi_proto.h"

#define ISCSI_MAX_KEYS 128 /* pairs in one exchange; more is an attack, not a login */
#define ISCSI_MAX_SIMPLE_VALUE 255 /* RFC 7143 6.1: simple-value, iSCSI-name-value... */

struct iscsi_kv {
	const char *key; /* NUL-terminated, 1..ISCSI_MAX_KEY_NAME bytes */
	const char *value; /* NUL-terminated, 0..ISCSI_MAX_VALUE bytes */
	uint32_t vlen;
};

struct iscsi_kvlist {
	unsigned n;
	struct iscsi_kv kv[ISCSI_MAX_KEYS];
};

/*
 * Parse len bytes of buf in place (NULs separate pairs; buf must have room
 * for one more byte, buf[len], which becomes the terminating NUL when the
 * last pair lacks one). Empty pairs (padding, doubled NULs) are skipped.
 * Returns 0, -EPROTO for a malformed pair (no '=', empty or too long key,
 * a key with characters RFC 7143 6.1 does not allow, a value too long or with
 * control characters), -EEXIST for a key given twice, -E2BIG for too many keys.
 */
int iscsi_kv_parse(char *buf, uint32_t len, struct iscsi_kvlist *out);
const struct iscsi_kv *iscsi_kv_find(const struct iscsi_kvlist *l, const char *key);

/* Accumulation of a multi-PDU request (C bit), bounded by ISCSI_MAX_TEXT_TOTAL. */
struct iscsi_textbuf {
	char *data; /* always one byte spare for the parser's NUL */
	uint32_t len;
	uint32_t cap;
};

/* Returns 0 or -E2BIG (exchange too long) / -ENOMEM. */
int iscsi_textbuf_append(struct iscsi_textbuf *b, const uint8_t *data, uint32_t len);
void iscsi_textbuf_reset(struct iscsi_textbuf *b);
void iscsi_textbuf_free(struct iscsi_textbuf *b);

/*
 * Response text: pairs appended with iscsi_textout_add(), then sent in
 * chunks of at most the peer's MaxRecvDataSegmentLength (RFC 7143 6.2:
 * a pair may span PDUs; every PDU but the last carries the C bit).
 */
struct iscsi_textout {
	char *data;
	uint32_t len;
	uint32_t cap;
	uint32_t sent; /* bytes already handed out in earlier chunks */
	bool overflow; /* a pair did not fit in ISCSI_MAX_TEXT_TOTAL */
};

/* Append "key=value\0". Returns 0 or -E2BIG (and sets overflow). */
int iscsi_textout_add(struct iscsi_textout *o, const char *key, const char *value);
int iscsi_textout_addf(struct iscsi_textout *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Next chunk of at most max bytes; *more tells whether anything remains after it. */
uint32_t iscsi_textout_next(struct iscsi_textout *o, uint32_t max, uint8_t **chunk, bool *more);
bool iscsi_textout_pending(const struct iscsi_textout *o);
void iscsi_textout_reset(struct iscsi_textout *o);
void iscsi_textout_free(struct iscsi_textout *o);

/* Numbers in RFC 7143 6.1 forms (decimal, 0x hex); -EINVAL if not a number in [min, max]. */
int iscsi_parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "Yes"/"No"; -EINVAL otherwise. */
int iscsi_parse_bool(const char *s, bool *out);

#endif
