/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CHAP for iSCSI login (RFC 7143 12.1.3, RFC 1994): algorithm choice,
 * challenges, response check and the mutual answer. Hashes through
 * OpenSSL 3 EVP. Secrets never reach a log.
 *
 * Credentials come as text "name secret" (the secret is the rest of the
 * entry after the first run of blanks). Several entries may be given in one
 * string separated by ';' ("u1 s1;u2 s2"); a name or secret therefore cannot
 * hold ';'.
 */
#ifndef ISCSI_CHAP_H
#define ISCSI_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iscsi_proto.h"
#include "textkv.h"

/* CHAP_A values (IANA PPP authentication algorithms). */
#define ISCSI_CHAP_MD5 5
#define ISCSI_CHAP_SHA1 6
#define ISCSI_CHAP_SHA256 7
#define ISCSI_CHAP_SHA3_256 8

#define ISCSI_CHAP_MAX_DIGEST 32
#define ISCSI_CHAP_NAME_MAX 255
#define ISCSI_CHAP_SECRET_MAX 255

struct iscsi_chap_cred {
	char name[ISCSI_CHAP_NAME_MAX + 1];
	char secret[ISCSI_CHAP_SECRET_MAX + 1];
};

/* Entry for name in a ';'-separated list (name NULL: the first entry). 0 or -ENOENT. */
int iscsi_chap_find_cred(const char *cfg, const char *name, struct iscsi_chap_cred *out);

/* First algorithm of the initiator's CHAP_A list we support, or -1. */
int iscsi_chap_pick_alg(const char *list);
/* Digest (and our challenge) length of alg, 0 if unsupported. */
unsigned iscsi_chap_digest_len(int alg);
/* H(id || secret || challenge) into out (iscsi_chap_digest_len(alg) bytes). 0 or -EINVAL. */
int iscsi_chap_hash(int alg, uint8_t id, const void *secret, size_t slen, const uint8_t *chal,
		    size_t clen, uint8_t *out);

/*
 * Decode an RFC 7143 6.1 binary value: "0x"/"0X" hex (odd digit counts
 * take a leading zero) or "0b"/"0B" base64. Returns the byte count, or
 * -EINVAL (bad form, empty) / -E2BIG (more than max bytes).
 */
int iscsi_chap_decode(const char *s, uint8_t *out, size_t max);
/* "0x" + lowercase hex; out needs 2 * len + 3 bytes. */
void iscsi_chap_encode_hex(const uint8_t *in, size_t len, char *out);

enum iscsi_chap_state {
	ISCSI_CHAP_WAIT_A, /* AuthMethod=CHAP chosen, waiting for CHAP_A */
	ISCSI_CHAP_WAIT_R, /* challenge sent, waiting for CHAP_N/CHAP_R */
	ISCSI_CHAP_DONE,
};

struct iscsi_chap {
	enum iscsi_chap_state state;
	int alg;
	uint8_t id;
	uint8_t challenge[ISCSI_CHAP_MAX_DIGEST];
	unsigned clen;
};

void iscsi_chap_init(struct iscsi_chap *c);
/*
 * CHAP_A received: pick the algorithm, make a fresh identifier and
 * challenge, and append CHAP_A, CHAP_I, CHAP_C. -EACCES when no algorithm
 * of the list is supported (CHAP_A=Reject is appended; the login fails).
 */
int iscsi_chap_challenge(struct iscsi_chap *c, const char *alg_list, struct iscsi_textout *out);
/*
 * CHAP_N/CHAP_R (and for mutual CHAP, CHAP_I/CHAP_C; NULL if absent)
 * received: check the response against the incoming credentials; for
 * mutual CHAP answer with CHAP_N/CHAP_R from the outgoing credential
 * (NULL: none configured). 0, or -EACCES for an authentication failure.
 */
int iscsi_chap_response(struct iscsi_chap *c, const char *name, const char *resp,
			const char *mutual_id, const char *mutual_chal, const char *incoming,
			const char *outgoing, struct iscsi_textout *out);

#endif
