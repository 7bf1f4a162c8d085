// SPDX-License-Identifier: GPL-2.0-only
/*
 * The login key table and the negotiation rules of RFC 7143 6.2 and 13.
 * Each row cites its RFC 7143 section; the table is the audit point.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scst/log.h"
#include "params.h"

#define SEC ISCSI_KEY_SECURITY
#define OPR ISCSI_KEY_OPERATIONAL
#define LO ISCSI_KEY_LEADING_ONLY
#define NRM ISCSI_KEY_NORMAL_ONLY

static const struct iscsi_key_def key_table[ISCSI_KEY__COUNT] = {
	/* 13.1: list, None or CRC32C, IO. */
	[ISCSI_KEY_HEADER_DIGEST] = { "HeaderDigest", ISCSI_RULE_LIST, 0, 0, OPR },
	[ISCSI_KEY_DATA_DIGEST] = { "DataDigest", ISCSI_RULE_LIST, 0, 0, OPR },
	/* 13.2: min, 1..65535, LO, irrelevant in discovery. We have no MC/S: 1. */
	[ISCSI_KEY_MAX_CONNECTIONS] = { "MaxConnections", ISCSI_RULE_MIN, 1, 65535,
					OPR | LO | NRM },
	/* 13.3: full feature phase only. */
	[ISCSI_KEY_SEND_TARGETS] = { "SendTargets", ISCSI_RULE_TARGET_ONLY, 0, 0, SEC | OPR },
	/*
	 * 13.4, 13.5: names, declared by the initiator in the first request of
	 * every connection (so not LO, like SessionType below: whether a login
	 * may add a connection is the connection layer's call).
	 */
	[ISCSI_KEY_TARGET_NAME] = { "TargetName", ISCSI_RULE_NONE, 0, 0, SEC | OPR },
	[ISCSI_KEY_INITIATOR_NAME] = { "InitiatorName", ISCSI_RULE_NONE, 0, 0, SEC | OPR },
	/* 13.6, 13.7: aliases; only the target sends TargetAlias. */
	[ISCSI_KEY_TARGET_ALIAS] = { "TargetAlias", ISCSI_RULE_TARGET_ONLY, 0, 0, SEC | OPR },
	[ISCSI_KEY_INITIATOR_ALIAS] = { "InitiatorAlias", ISCSI_RULE_DECLARATIVE, 0, 0,
					SEC | OPR },
	/* 13.8, 13.9: target-only declarations. */
	[ISCSI_KEY_TARGET_ADDRESS] = { "TargetAddress", ISCSI_RULE_TARGET_ONLY, 0, 0, SEC | OPR },
	[ISCSI_KEY_TARGET_PORTAL_GROUP_TAG] = { "TargetPortalGroupTag", ISCSI_RULE_TARGET_ONLY, 0,
						0, SEC | OPR },
	/* 13.10: OR, LO; 13.11: AND, LO. */
	[ISCSI_KEY_INITIAL_R2T] = { "InitialR2T", ISCSI_RULE_OR, 0, 0, OPR | LO | NRM },
	[ISCSI_KEY_IMMEDIATE_DATA] = { "ImmediateData", ISCSI_RULE_AND, 0, 0, OPR | LO | NRM },
	/* 13.12: declarative, 512..2^24-1, ALL. */
	[ISCSI_KEY_MAX_RECV_DSL] = { "MaxRecvDataSegmentLength", ISCSI_RULE_DECLARATIVE, 512,
				     16777215, OPR },
	/* 13.13, 13.14: min, 512..2^24-1, LO; FirstBurstLength <= MaxBurstLength. */
	[ISCSI_KEY_MAX_BURST] = { "MaxBurstLength", ISCSI_RULE_MIN, 512, 16777215, OPR | LO | NRM },
	[ISCSI_KEY_FIRST_BURST] = { "FirstBurstLength", ISCSI_RULE_MIN, 512, 16777215,
				    OPR | LO | NRM },
	/* 13.15: max, 0..3600; 13.16: min, 0..3600. */
	[ISCSI_KEY_DEFAULT_TIME2WAIT] = { "DefaultTime2Wait", ISCSI_RULE_MAX, 0, 3600, OPR | LO },
	[ISCSI_KEY_DEFAULT_TIME2RETAIN] = { "DefaultTime2Retain", ISCSI_RULE_MIN, 0, 3600,
					    OPR | LO },
	/* 13.17: min, 1..65535, LO. */
	[ISCSI_KEY_MAX_OUTSTANDING_R2T] = { "MaxOutstandingR2T", ISCSI_RULE_MIN, 1, 65535,
					    OPR | LO | NRM },
	/* 13.18, 13.19: OR, LO. */
	[ISCSI_KEY_DATA_PDU_IN_ORDER] = { "DataPDUInOrder", ISCSI_RULE_OR, 0, 0, OPR | LO | NRM },
	[ISCSI_KEY_DATA_SEQ_IN_ORDER] = { "DataSequenceInOrder", ISCSI_RULE_OR, 0, 0,
					  OPR | LO | NRM },
	/* 13.20: min, 0..2, LO. We offer 0. */
	[ISCSI_KEY_ERL] = { "ErrorRecoveryLevel", ISCSI_RULE_MIN, 0, 2, OPR | LO },
	/* 13.21: declarative, handled by the login. */
	[ISCSI_KEY_SESSION_TYPE] = { "SessionType", ISCSI_RULE_NONE, 0, 0, SEC | OPR },
	/* 12.1: security stage only, handled by the login (with CHAP_*). */
	[ISCSI_KEY_AUTH_METHOD] = { "AuthMethod", ISCSI_RULE_NONE, 0, 0, SEC },
	/* 13.25: obsolete marker keys. */
	[ISCSI_KEY_OF_MARKER] = { "OFMarker", ISCSI_RULE_OBSOLETE, 0, 0, OPR },
	[ISCSI_KEY_IF_MARKER] = { "IFMarker", ISCSI_RULE_OBSOLETE, 0, 0, OPR },
	[ISCSI_KEY_OF_MARK_INT] = { "OFMarkInt", ISCSI_RULE_OBSOLETE, 0, 0, OPR },
	[ISCSI_KEY_IF_MARK_INT] = { "IFMarkInt", ISCSI_RULE_OBSOLETE, 0, 0, OPR },
	/* 13.23: list, LO; we offer only RFC3720 semantics. */
	[ISCSI_KEY_TASK_REPORTING] = { "TaskReporting", ISCSI_RULE_LIST, 0, 0, OPR | LO | NRM },
};

const struct iscsi_key_def *iscsi_key_def(enum iscsi_key_id id)
{
	return id < ISCSI_KEY__COUNT ? &key_table[id] : NULL;
}

int iscsi_key_lookup(const char *key)
{
	for (int i = 0; i < ISCSI_KEY__COUNT; i++)
		if (!strcmp(key_table[i].name, key))
			return i;
	return -1;
}

void iscsi_params_rfc_defaults(struct iscsi_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_recv_dsl = 8192;
	p->max_xmit_dsl = 8192;
	p->max_burst = 262144;
	p->first_burst = 65536;
	p->initial_r2t = true;
	p->immediate_data = true;
	p->max_outstanding_r2t = 1;
	p->data_pdu_in_order = true;
	p->data_seq_in_order = true;
	p->default_time2wait = 2;
	p->default_time2retain = 20;
	p->erl = 0;
	p->max_connections = 1;
}

void iscsi_target_limits_default(struct iscsi_target_limits *lim)
{
	lim->max_recv_dsl = ISCSI_DEF_MAX_RECV_DSL;
	lim->max_burst = ISCSI_DEF_MAX_BURST;
	lim->first_burst = ISCSI_DEF_FIRST_BURST;
	lim->max_outstanding_r2t = ISCSI_DEF_MAX_OUTSTANDING_R2T;
}

void iscsi_target_limits_clamp(struct iscsi_target_limits *lim)
{
	if (lim->max_recv_dsl < 512 || lim->max_recv_dsl > 16777215)
		lim->max_recv_dsl = ISCSI_DEF_MAX_RECV_DSL;
	if (lim->max_burst < 512 || lim->max_burst > 16777215)
		lim->max_burst = ISCSI_DEF_MAX_BURST;
	if (lim->first_burst < 512 || lim->first_burst > lim->max_burst)
		lim->first_burst = lim->max_burst < ISCSI_DEF_FIRST_BURST ? lim->max_burst :
									  ISCSI_DEF_FIRST_BURST;
	if (lim->max_outstanding_r2t < 1 || lim->max_outstanding_r2t > 65535)
		lim->max_outstanding_r2t = ISCSI_DEF_MAX_OUTSTANDING_R2T;
}

void iscsi_neg_init(struct iscsi_neg *n, const struct iscsi_target_limits *lim)
{
	memset(n, 0, sizeof(*n));
	iscsi_params_rfc_defaults(&n->p);
	if (lim)
		n->lim = *lim;
	else
		iscsi_target_limits_default(&n->lim);
	iscsi_target_limits_clamp(&n->lim);
	n->type = ISCSI_SESSION_NORMAL;
}

/* Our value for a numerical key: what we offer or accept at most/least. */
static uint32_t our_number(const struct iscsi_neg *n, enum iscsi_key_id id)
{
	switch (id) {
	case ISCSI_KEY_MAX_CONNECTIONS:
		return 1; /* no MC/S */
	case ISCSI_KEY_MAX_BURST:
		return n->lim.max_burst;
	case ISCSI_KEY_FIRST_BURST:
		return n->lim.first_burst;
	case ISCSI_KEY_DEFAULT_TIME2WAIT:
		return 2;
	case ISCSI_KEY_DEFAULT_TIME2RETAIN:
		return 20;
	case ISCSI_KEY_MAX_OUTSTANDING_R2T:
		return n->lim.max_outstanding_r2t;
	case ISCSI_KEY_ERL:
		return 0; /* ERL 0 only (DESIGN.md) */
	default:
		return 0;
	}
}

static uint32_t *number_slot(struct iscsi_params *p, enum iscsi_key_id id)
{
	switch (id) {
	case ISCSI_KEY_MAX_CONNECTIONS:
		return &p->max_connections;
	case ISCSI_KEY_MAX_BURST:
		return &p->max_burst;
	case ISCSI_KEY_FIRST_BURST:
		return &p->first_burst;
	case ISCSI_KEY_DEFAULT_TIME2WAIT:
		return &p->default_time2wait;
	case ISCSI_KEY_DEFAULT_TIME2RETAIN:
		return &p->default_time2retain;
	case ISCSI_KEY_MAX_OUTSTANDING_R2T:
		return &p->max_outstanding_r2t;
	case ISCSI_KEY_ERL:
		return &p->erl;
	default:
		return NULL;
	}
}

static bool *bool_slot(struct iscsi_params *p, const struct iscsi_target_limits *lim,
		       enum iscsi_key_id id, bool *ours)
{
	switch (id) {
	case ISCSI_KEY_INITIAL_R2T:
		*ours = lim->initial_r2t; /* No unless the target asks for R2T */
		return &p->initial_r2t;
	case ISCSI_KEY_IMMEDIATE_DATA:
		*ours = !lim->no_immediate_data;
		return &p->immediate_data;
	case ISCSI_KEY_DATA_PDU_IN_ORDER:
		*ours = true;
		return &p->data_pdu_in_order;
	case ISCSI_KEY_DATA_SEQ_IN_ORDER:
		*ours = true;
		return &p->data_seq_in_order;
	default:
		return NULL;
	}
}

/* RFC 7143 6.2.1: the first value of the offer that we support, or NULL. */
static bool in_list(const char *list, const char *v, size_t l)
{
	while (*list) {
		const char *e = strchr(list, ',');
		size_t n = e ? (size_t)(e - list) : strlen(list);

		if (n == l && !strncmp(list, v, l))
			return true;
		if (!e)
			break;
		list = e + 1;
	}
	return false;
}

static const char *pick_list(const struct iscsi_neg *n, enum iscsi_key_id id, const char *offer)
{
	static const char *const digests[] = { "CRC32C", "None", NULL };
	static const char *const reporting[] = { "RFC3720", NULL };
	const char *const *ours = id == ISCSI_KEY_TASK_REPORTING ? reporting : digests;
	/* A target configured with HeaderDigest/DataDigest accepts only those. */
	const char *allowed = id == ISCSI_KEY_HEADER_DIGEST ? n->lim.header_digest :
			      id == ISCSI_KEY_DATA_DIGEST ? n->lim.data_digest : "";
	const char *p = offer;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		for (unsigned i = 0; ours[i]; i++)
			if (strlen(ours[i]) == l && !strncmp(ours[i], p, l) &&
			    (!allowed[0] || in_list(allowed, p, l)))
				return ours[i];
		if (!e)
			break;
		p = e + 1;
	}
	return NULL;
}

enum answer_kind {
	ANS_NONE,
	ANS_STR, /* a constant: Reject, Irrelevant, NotUnderstood, No, a list value */
	ANS_NUM, /* the negotiated number of the key */
	ANS_BOOL, /* the negotiated boolean of the key */
	ANS_DECLARE_MRDSL, /* our MaxRecvDataSegmentLength */
};

struct answer {
	enum answer_kind kind;
	const char *str;
	int id;
};

static struct answer negotiate_one(struct iscsi_neg *n, const struct iscsi_kv *kv, int id)
{
	const struct iscsi_key_def *d = &key_table[id];
	struct answer a = { ANS_NONE, NULL, id };
	uint64_t v;
	bool b, ours = false;

	if (n->type == ISCSI_SESSION_DISCOVERY && (d->flags & ISCSI_KEY_NORMAL_ONLY)) {
		a.kind = ANS_STR;
		a.str = "Irrelevant";
		return a;
	}
	/* RFC 7143 6.1: values are at most 255 bytes unless a key says otherwise. */
	if (kv->vlen > ISCSI_MAX_SIMPLE_VALUE && d->rule != ISCSI_RULE_TARGET_ONLY) {
		a.kind = ANS_STR;
		a.str = "Reject";
		return a;
	}
	switch (d->rule) {
	case ISCSI_RULE_NONE:
		break;
	case ISCSI_RULE_DECLARATIVE:
		if (id != ISCSI_KEY_MAX_RECV_DSL)
			break;
		if (iscsi_parse_number(kv->value, d->min, d->max, &v)) {
			a.kind = ANS_STR;
			a.str = "Reject";
			break;
		}
		n->p.max_xmit_dsl = (uint32_t)v;
		/* Declare ours in return (not an answer: declarations need none). */
		if (!n->declared_mrdsl)
			a.kind = ANS_DECLARE_MRDSL;
		break;
	case ISCSI_RULE_LIST:
		a.kind = ANS_STR;
		a.str = pick_list(n, id, kv->value);
		if (!a.str)
			a.str = "Reject";
		else if (id == ISCSI_KEY_HEADER_DIGEST)
			n->p.header_digest = !strcmp(a.str, "CRC32C");
		else if (id == ISCSI_KEY_DATA_DIGEST)
			n->p.data_digest = !strcmp(a.str, "CRC32C");
		break;
	case ISCSI_RULE_MIN:
	case ISCSI_RULE_MAX:
		if (iscsi_parse_number(kv->value, d->min, d->max, &v)) {
			a.kind = ANS_STR;
			a.str = "Reject";
			break;
		}
		{
			uint32_t o = our_number(n, (enum iscsi_key_id)id);
			uint32_t r;

			if (d->rule == ISCSI_RULE_MIN)
				r = (uint32_t)v < o ? (uint32_t)v : o;
			else
				r = (uint32_t)v > o ? (uint32_t)v : o;
			*number_slot(&n->p, (enum iscsi_key_id)id) = r;
		}
		a.kind = ANS_NUM;
		break;
	case ISCSI_RULE_AND:
	case ISCSI_RULE_OR:
		if (iscsi_parse_bool(kv->value, &b)) {
			a.kind = ANS_STR;
			a.str = "Reject";
			break;
		}
		{
			bool *slot = bool_slot(&n->p, &n->lim, (enum iscsi_key_id)id, &ours);

			*slot = d->rule == ISCSI_RULE_AND ? (b && ours) : (b || ours);
		}
		a.kind = ANS_BOOL;
		break;
	case ISCSI_RULE_OBSOLETE:
		/* RFC 7143 13.25: markers are gone; we never use them. */
		a.kind = ANS_STR;
		a.str = (id == ISCSI_KEY_OF_MARKER || id == ISCSI_KEY_IF_MARKER) ? "No" :
										     "Irrelevant";
		break;
	case ISCSI_RULE_TARGET_ONLY:
		a.kind = ANS_STR;
		a.str = "Reject";
		break;
	}
	return a;
}

int iscsi_neg_process(struct iscsi_neg *n, const struct iscsi_kvlist *kl, int stage,
		      bool leading, struct iscsi_textout *out)
{
	struct answer ans[ISCSI_MAX_KEYS];
	int ret = 0;

	for (unsigned i = 0; i < kl->n; i++) {
		const struct iscsi_kv *kv = &kl->kv[i];
		int id = iscsi_key_lookup(kv->key);
		const struct iscsi_key_def *d;

		ans[i].kind = ANS_NONE;
		if (id < 0) {
			/* CHAP_* belongs to the login's authentication step. */
			if (strncmp(kv->key, "CHAP_", 5)) {
				ans[i].kind = ANS_STR;
				ans[i].str = "NotUnderstood"; /* RFC 7143 6.2, incl. X- and X# */
			}
			continue;
		}
		d = &key_table[id];
		/* RFC 7143 6.2: negotiating a key twice in one login is an error. Plain
		 * declarations (names, SessionType) may be repeated; login.c checks the
		 * value stays the same (libiscsi re-declares InitiatorName). */
		if ((n->seen & (1ull << id)) && d->rule != ISCSI_RULE_NONE) {
			scst_dbg("iscsi: key %s negotiated twice", kv->key);
			return -EPROTO;
		}
		n->seen |= 1ull << id;
		/* RFC 7143 6.3: operational keys only in the operational stage. */
		if (!(d->flags & (stage == ISCSI_STAGE_SECURITY ? ISCSI_KEY_SECURITY :
								 ISCSI_KEY_OPERATIONAL))) {
			scst_dbg("iscsi: key %s not allowed in login stage %d", kv->key, stage);
			return -EPROTO;
		}
		if (!leading && (d->flags & ISCSI_KEY_LEADING_ONLY)) {
			scst_dbg("iscsi: key %s only in a leading login", kv->key);
			return -EPROTO;
		}
		ans[i] = negotiate_one(n, kv, id);
	}

	/* RFC 7143 13.14: FirstBurstLength must not exceed MaxBurstLength. */
	if (n->p.first_burst > n->p.max_burst)
		n->p.first_burst = n->p.max_burst;

	for (unsigned i = 0; i < kl->n && !ret; i++) {
		const char *key = kl->kv[i].key;

		switch (ans[i].kind) {
		case ANS_NONE:
			break;
		case ANS_STR:
			ret = iscsi_textout_add(out, key, ans[i].str);
			break;
		case ANS_NUM:
			ret = iscsi_textout_addf(out, key, "%u",
						 *number_slot(&n->p, (enum iscsi_key_id)ans[i].id));
			break;
		case ANS_BOOL: {
			bool ours = false;
			bool *slot = bool_slot(&n->p, &n->lim, (enum iscsi_key_id)ans[i].id, &ours);

			ret = iscsi_textout_add(out, key, *slot ? "Yes" : "No");
			break;
		}
		case ANS_DECLARE_MRDSL:
			ret = iscsi_neg_declare(n, out);
			break;
		}
	}
	return ret ? -E2BIG : 0;
}

int iscsi_neg_declare(struct iscsi_neg *n, struct iscsi_textout *out)
{
	if (n->declared_mrdsl)
		return 0;
	n->declared_mrdsl = true;
	n->p.max_recv_dsl = n->lim.max_recv_dsl;
	return iscsi_textout_addf(out, "MaxRecvDataSegmentLength", "%u", n->lim.max_recv_dsl);
}
