/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Login key negotiation as a table (RFC 7143 6.2, 13): each key has a
 * result function, an allowed range, the stages it may appear in and who
 * may send it. The login state machine feeds received keys in; the
 * answers come out as text; the results land in struct iscsi_params.
 */
#ifndef ISCSI_PARAMS_H
#define ISCSI_PARAMS_H

#include <stdbool.h>
#include <stdint.h>
#include "login.h"
#include "textkv.h"

enum iscsi_key_rule {
	ISCSI_RULE_NONE, /* handled by the login state machine (names, auth) */
	ISCSI_RULE_DECLARATIVE, /* RFC 7143 6.2: no answer; value taken as is */
	ISCSI_RULE_LIST, /* first value of the offer we support (6.2.1) */
	ISCSI_RULE_MIN, /* numerical minimum (6.2.2) */
	ISCSI_RULE_MAX, /* numerical maximum */
	ISCSI_RULE_AND, /* boolean AND */
	ISCSI_RULE_OR, /* boolean OR */
	ISCSI_RULE_OBSOLETE, /* RFC 7143 13.25 markers: answered No / Irrelevant */
	ISCSI_RULE_TARGET_ONLY, /* a key only a target sends: the initiator gets Reject */
};

/* Key flags. */
#define ISCSI_KEY_SECURITY 0x01 /* may appear in the security stage */
#define ISCSI_KEY_OPERATIONAL 0x02 /* may appear in the operational stage */
#define ISCSI_KEY_LEADING_ONLY 0x04 /* LO: only in the leading login (TSIH 0) */
#define ISCSI_KEY_NORMAL_ONLY 0x08 /* Irrelevant in a discovery session */

enum iscsi_key_id {
	ISCSI_KEY_HEADER_DIGEST,
	ISCSI_KEY_DATA_DIGEST,
	ISCSI_KEY_MAX_CONNECTIONS,
	ISCSI_KEY_SEND_TARGETS,
	ISCSI_KEY_TARGET_NAME,
	ISCSI_KEY_INITIATOR_NAME,
	ISCSI_KEY_TARGET_ALIAS,
	ISCSI_KEY_INITIATOR_ALIAS,
	ISCSI_KEY_TARGET_ADDRESS,
	ISCSI_KEY_TARGET_PORTAL_GROUP_TAG,
	ISCSI_KEY_INITIAL_R2T,
	ISCSI_KEY_IMMEDIATE_DATA,
	ISCSI_KEY_MAX_RECV_DSL,
	ISCSI_KEY_MAX_BURST,
	ISCSI_KEY_FIRST_BURST,
	ISCSI_KEY_DEFAULT_TIME2WAIT,
	ISCSI_KEY_DEFAULT_TIME2RETAIN,
	ISCSI_KEY_MAX_OUTSTANDING_R2T,
	ISCSI_KEY_DATA_PDU_IN_ORDER,
	ISCSI_KEY_DATA_SEQ_IN_ORDER,
	ISCSI_KEY_ERL,
	ISCSI_KEY_SESSION_TYPE,
	ISCSI_KEY_AUTH_METHOD,
	ISCSI_KEY_OF_MARKER,
	ISCSI_KEY_IF_MARKER,
	ISCSI_KEY_OF_MARK_INT,
	ISCSI_KEY_IF_MARK_INT,
	ISCSI_KEY_TASK_REPORTING,
	ISCSI_KEY__COUNT,
};

struct iscsi_key_def {
	const char *name;
	enum iscsi_key_rule rule;
	uint32_t min, max; /* numerical range (RFC 7143 13) */
	uint8_t flags;
};

const struct iscsi_key_def *iscsi_key_def(enum iscsi_key_id id);
/* -1 if key is not in the table. */
int iscsi_key_lookup(const char *key);

/* Negotiation state of one login. */
struct iscsi_neg {
	struct iscsi_params p; /* defaults, then results */
	struct iscsi_target_limits lim;
	enum iscsi_session_type type;
	uint64_t seen; /* keys received during this login, by enum iscsi_key_id */
	bool declared_mrdsl; /* our MaxRecvDataSegmentLength already sent */
};

void iscsi_neg_init(struct iscsi_neg *n, const struct iscsi_target_limits *lim);

/*
 * Negotiate the operational keys of one request: append answers to out in
 * the order the keys came. Keys with ISCSI_RULE_NONE are skipped (the
 * caller handles them). Unknown keys are answered NotUnderstood, values out
 * of range or not understood Reject (RFC 7143 6.2). Returns 0, or -EPROTO
 * for an error RFC 7143 makes a login failure (a key negotiated twice
 * (6.2), a key in the wrong stage (6.3), a leading-only key in a non-leading
 * login); the caller answers 0x0200 initiator error.
 */
int iscsi_neg_process(struct iscsi_neg *n, const struct iscsi_kvlist *kl, int stage,
		      bool leading, struct iscsi_textout *out);
/* Our declarations due at the end of the operational stage (MaxRecvDataSegmentLength). */
int iscsi_neg_declare(struct iscsi_neg *n, struct iscsi_textout *out);

/* The RFC 7143 13 defaults, before any negotiation. */
void iscsi_params_rfc_defaults(struct iscsi_params *p);

#endif
