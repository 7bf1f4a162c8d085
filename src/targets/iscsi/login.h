/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Login and text negotiation as pure functions over PDUs: the connection
 * layer (conn.c) feeds whole request PDUs (header already checked for
 * length, digests verified) and sends the response PDUs this module builds.
 * It does no I/O and keeps no global state; targets, their CHAP secrets and
 * access rights come from the core (scst_target_find(), scst_target_get_attr(),
 * scst_target_initiator_allowed()).
 */
#ifndef ISCSI_LOGIN_H
#define ISCSI_LOGIN_H

#include <stdbool.h>
#include <stdint.h>
#include "iscsi_proto.h"

struct scst_target;

enum iscsi_session_type {
	ISCSI_SESSION_NORMAL,
	ISCSI_SESSION_DISCOVERY,
};

/* Operational parameters in force after login (RFC 7143 13). */
struct iscsi_params {
	bool header_digest; /* CRC32C negotiated */
	bool data_digest;
	uint32_t max_recv_dsl; /* what we receive: our declared MaxRecvDataSegmentLength */
	uint32_t max_xmit_dsl; /* what we send: the initiator's MaxRecvDataSegmentLength */
	uint32_t max_burst;
	uint32_t first_burst;
	bool initial_r2t;
	bool immediate_data;
	uint32_t max_outstanding_r2t;
	bool data_pdu_in_order;
	bool data_seq_in_order;
	uint32_t default_time2wait;
	uint32_t default_time2retain;
	uint32_t erl;
	uint32_t max_connections;
};

/*
 * The target's defaults, for every portal and target that does not set its own.
 * FirstBurstLength is as large as one data segment: a write of up to 256 KiB then
 * travels as immediate data with its command, without an R2T round trip.
 */
#define ISCSI_DEF_MAX_RECV_DSL 262144
#define ISCSI_DEF_MAX_BURST 1048576
#define ISCSI_DEF_FIRST_BURST 262144
#define ISCSI_DEF_MAX_OUTSTANDING_R2T 32

/* Target-side defaults and limits a portal offers; see iscsi_target_limits_default(). */
struct iscsi_target_limits {
	uint32_t max_recv_dsl; /* up to 16777215 */
	uint32_t max_burst;
	uint32_t first_burst;
	uint32_t max_outstanding_r2t;
	/* The target's own offer for the boolean and list keys; zero values are the
	 * defaults (take unsolicited and immediate data, either digest). */
	bool initial_r2t; /* InitialR2T=Yes: require R2T for all data */
	bool no_immediate_data; /* ImmediateData=No */
	char header_digest[16]; /* "" (any), "None", "CRC32C", or a list in our order */
	char data_digest[16];
};

/* Keep limits inside what RFC 7143 13.12-13.17 allows (defaults where not). */
void iscsi_target_limits_clamp(struct iscsi_target_limits *lim);

/* What the connection is reachable at, for TargetAddress and SendTargets. */
struct iscsi_portal_info {
	char addr[64]; /* "127.0.0.1:3260" or "[::1]:3260" */
	uint16_t tpgt;
};

enum iscsi_login_result {
	ISCSI_LOGIN_MORE, /* send the response, wait for the next request */
	ISCSI_LOGIN_DONE, /* send the response; full feature phase starts after it */
	ISCSI_LOGIN_FAILED, /* send the response (a login reject); then close */
	ISCSI_LOGIN_DROP, /* close without answering (garbage before any valid login) */
};

/* A response PDU: BHS plus data segment (unpadded length in the BHS). */
struct iscsi_pdu_out {
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t *data; /* owned by the login/text state; valid until its next call */
	uint32_t data_len;
};

/* Fill lim with our defaults: 262144, 1048576, 262144, 32. */
void iscsi_target_limits_default(struct iscsi_target_limits *lim);

/*
 * CHAP for discovery sessions, for all portals: incoming is "name secret"
 * (several entries separated by ';'), outgoing "name secret" for mutual
 * CHAP. NULL or "" clears. With an incoming user set, discovery logins must
 * authenticate with CHAP. Thread-safe (management thread).
 */
void iscsi_discovery_auth_set(const char *incoming, const char *outgoing);

struct iscsi_login;

struct iscsi_login *iscsi_login_new(const struct iscsi_portal_info *portal,
				    const struct iscsi_target_limits *limits);
void iscsi_login_free(struct iscsi_login *l);

/*
 * Handle one Login Request (bhs, and data of len bytes). Fills out with the
 * Login Response. On ISCSI_LOGIN_DONE the accessors below tell the outcome.
 * The TSIH in the final response is 0: the connection layer assigns it (and
 * does session reinstatement) with iscsi_login_set_tsih() before sending.
 */
enum iscsi_login_result iscsi_login_rx(struct iscsi_login *l, const uint8_t *bhs,
				       const uint8_t *data, uint32_t len,
				       struct iscsi_pdu_out *out);
void iscsi_login_set_tsih(struct iscsi_pdu_out *out, uint16_t tsih);
/* Turn a final response into a reject (e.g. reinstatement failed). */
void iscsi_login_reject(struct iscsi_login *l, struct iscsi_pdu_out *out, uint8_t cls,
			uint8_t detail);

const struct iscsi_params *iscsi_login_params(const struct iscsi_login *l);
enum iscsi_session_type iscsi_login_session_type(const struct iscsi_login *l);
struct scst_target *iscsi_login_target(const struct iscsi_login *l); /* NULL for discovery */
const char *iscsi_login_initiator_name(const struct iscsi_login *l);
const uint8_t *iscsi_login_isid(const struct iscsi_login *l); /* 6 bytes */
uint16_t iscsi_login_tsih_requested(const struct iscsi_login *l);
uint16_t iscsi_login_cid(const struct iscsi_login *l);
uint32_t iscsi_login_exp_cmdsn(const struct iscsi_login *l); /* CmdSN of the login */
uint32_t iscsi_login_exp_statsn(const struct iscsi_login *l); /* StatSN to use next */

/*
 * Text Requests in full feature phase (RFC 7143 11.10): SendTargets in
 * discovery (and normal) sessions, multi-PDU requests and responses with
 * the C/F bits and Target Transfer Tags. One state per connection.
 */
struct iscsi_text;

struct iscsi_text *iscsi_text_new(const struct iscsi_portal_info *portal,
				  const char *initiator_name, enum iscsi_session_type type,
				  struct scst_target *session_target, uint32_t max_xmit_dsl);
void iscsi_text_free(struct iscsi_text *t);
/*
 * Handle one Text Request. Returns 0 and fills out (the Text Response; the
 * caller sets StatSN/ExpCmdSN/MaxCmdSN), or -EPROTO when the request must be
 * answered with a Reject (reason in *reject_reason).
 */
int iscsi_text_rx(struct iscsi_text *t, const uint8_t *bhs, const uint8_t *data, uint32_t len,
		  struct iscsi_pdu_out *out, uint8_t *reject_reason);
/* The initiator may re-declare MaxRecvDataSegmentLength in a Text Request (RFC 7143 13.12). */
uint32_t iscsi_text_max_xmit_dsl(const struct iscsi_text *t);

#endif
