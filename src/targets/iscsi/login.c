// SPDX-License-Identifier: GPL-2.0-only
/*
 * The login phase (RFC 7143 6.3, 11.12, 11.13): stage transitions, the
 * leading checks (names, target, access), authentication (CHAP or None)
 * and operational negotiation through params.c.
 *
 * Ownership: an iscsi_login belongs to one connection and runs on that
 * connection's reactor. The only shared state is the discovery CHAP
 * configuration, written by the management thread under a mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "scst/log.h"
#include "scst/target.h"
#include "chap.h"
#include "login.h"
#include "params.h"
#include "textkv.h"

#define LOGIN_CMDSN_WINDOW 128
#define CRED_MAX 4096 /* all "name secret" entries of one target */
#define INCOMING_NUMBERED 15 /* IncomingUser1..15, as SCST's sysfs names extra users */

/* ---- discovery CHAP (shared, management thread writes) ---- */

static pthread_mutex_t disc_lock = PTHREAD_MUTEX_INITIALIZER;
static char disc_incoming[CRED_MAX];
static char disc_outgoing[ISCSI_CHAP_NAME_MAX + ISCSI_CHAP_SECRET_MAX + 2];

void iscsi_discovery_auth_set(const char *incoming, const char *outgoing)
{
	pthread_mutex_lock(&disc_lock);
	OPENSSL_cleanse(disc_incoming, sizeof(disc_incoming));
	OPENSSL_cleanse(disc_outgoing, sizeof(disc_outgoing));
	snprintf(disc_incoming, sizeof(disc_incoming), "%s", incoming ? incoming : "");
	snprintf(disc_outgoing, sizeof(disc_outgoing), "%s", outgoing ? outgoing : "");
	pthread_mutex_unlock(&disc_lock);
}

/* ---- state ---- */

enum auth_state {
	AUTH_PENDING, /* no AuthMethod yet */
	AUTH_CHAP, /* CHAP chosen, in progress */
	AUTH_DONE, /* None chosen, not required, or CHAP succeeded */
};

struct iscsi_login {
	struct iscsi_portal_info portal;
	struct iscsi_neg neg;
	bool started; /* the first request was seen */
	bool names_done; /* the first complete request was checked */
	bool failed;
	bool leading;
	uint8_t stage; /* the CSG the next request must carry */
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;
	uint32_t cmdsn;
	uint32_t statsn; /* StatSN of the next response */
	char initiator[ISCSI_MAX_NAME + 1];
	char target_name[ISCSI_MAX_NAME + 1];
	struct scst_target *tgt;
	enum iscsi_session_type type;
	enum auth_state auth;
	bool auth_required;
	struct iscsi_chap chap;
	char incoming[CRED_MAX];
	char outgoing[ISCSI_CHAP_NAME_MAX + ISCSI_CHAP_SECRET_MAX + 2];
	struct iscsi_textbuf req;
	struct iscsi_textout rsp;
	/* A response split over several PDUs: flags and result of its last one. */
	uint8_t final_flags;
	enum iscsi_login_result final_result;
	struct iscsi_kvlist kl;
};

struct iscsi_login *iscsi_login_new(const struct iscsi_portal_info *portal,
				    const struct iscsi_target_limits *limits)
{
	struct iscsi_login *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (portal)
		l->portal = *portal;
	l->portal.addr[sizeof(l->portal.addr) - 1] = '\0';
	iscsi_neg_init(&l->neg, limits);
	iscsi_chap_init(&l->chap);
	l->type = ISCSI_SESSION_NORMAL;
	return l;
}

void iscsi_login_free(struct iscsi_login *l)
{
	if (!l)
		return;
	iscsi_textbuf_free(&l->req);
	iscsi_textout_free(&l->rsp);
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

/* ---- responses ---- */

/* RFC 7143 11.13: the Login Response header. */
static void rsp_bhs(struct iscsi_login *l, const uint8_t *req, struct iscsi_pdu_out *out,
		    uint8_t flags, uint8_t cls, uint8_t detail, uint32_t dlen)
{
	uint8_t *b = out->bhs;

	memset(b, 0, ISCSI_BHS_LEN);
	b[0] = ISCSI_OP_LOGIN_RSP;
	b[1] = flags;
	b[2] = 0; /* Version-max */
	b[3] = 0; /* Version-active */
	iscsi_set_dlength((struct iscsi_bhs *)b, dlen);
	memcpy(b + 8, req + 8, 6); /* ISID */
	b[14] = req[14]; /* TSIH as sent; the final one is the caller's */
	b[15] = req[15];
	memcpy(b + 16, req + 16, 4); /* ITT */
	scst_put_be32(b + 24, l->statsn++);
	scst_put_be32(b + 28, l->cmdsn); /* Login is immediate: ExpCmdSN = CmdSN */
	scst_put_be32(b + 32, l->cmdsn + LOGIN_CMDSN_WINDOW - 1);
	b[36] = cls;
	b[37] = detail;
}

static const char *login_failure_text(uint8_t cls, uint8_t detail)
{
	if (cls == ISCSI_LOGIN_STATUS_TARGET_ERR)
		return "target error (out of resources)";
	switch (detail) {
	case ISCSI_LOGIN_DETAIL_AUTH_FAILED:
		return "authentication failed";
	case ISCSI_LOGIN_DETAIL_FORBIDDEN:
		return "initiator not allowed on this target";
	case ISCSI_LOGIN_DETAIL_NOT_FOUND:
		return "target not found or disabled";
	case ISCSI_LOGIN_DETAIL_UNSUPPORTED_VERSION:
		return "unsupported iSCSI version";
	case ISCSI_LOGIN_DETAIL_MISSING_PARAMETER:
		return "missing InitiatorName or TargetName";
	case ISCSI_LOGIN_DETAIL_SESSION_TYPE_UNSUPPORTED:
		return "unsupported SessionType";
	default:
		return "malformed or out-of-order login request";
	}
}

/* Every refused login leaves one line for the operator (never a secret). */
static enum iscsi_login_result fail_at(struct iscsi_login *l, const uint8_t *req,
				       struct iscsi_pdu_out *out, uint8_t cls, uint8_t detail,
				       int line)
{
	l->failed = true;
	out->data = NULL;
	out->data_len = 0;
	rsp_bhs(l, req, out, 0, cls, detail, 0);
	scst_notice("iscsi: login from %s to %s refused (status 0x%02x%02x): %s",
		    l->initiator[0] ? l->initiator : "(unnamed initiator)",
		    l->target_name[0] ? l->target_name :
		    (l->type == ISCSI_SESSION_DISCOVERY ? "discovery" : "(no TargetName)"), cls, detail,
		    login_failure_text(cls, detail));
	scst_dbg("iscsi: login refused at login.c:%d", line);
	return ISCSI_LOGIN_FAILED;
}

#define fail(l, req, out, cls, detail) fail_at(l, req, out, cls, detail, __LINE__)
#define init_err(l, req, out, detail) \
	fail_at(l, req, out, ISCSI_LOGIN_STATUS_INITIATOR_ERR, detail, __LINE__)

/* Next chunk of the response text; 8192 bytes at most during login (RFC 7143 13.12). */
static enum iscsi_login_result send_chunk(struct iscsi_login *l, const uint8_t *req,
					  struct iscsi_pdu_out *out)
{
	uint8_t *chunk;
	bool more;
	uint32_t n = iscsi_textout_next(&l->rsp, ISCSI_MAX_TEXT_PDU, &chunk, &more);

	out->data = chunk;
	out->data_len = n;
	if (more) {
		/* RFC 7143 11.13.2: C set, T clear; the initiator asks for the rest. */
		uint8_t f = ISCSI_LOGIN_CONTINUE | (uint8_t)(l->stage << ISCSI_LOGIN_CSG_SHIFT);

		rsp_bhs(l, req, out, f, 0, 0, n);
		return ISCSI_LOGIN_MORE;
	}
	rsp_bhs(l, req, out, l->final_flags, 0, 0, n);
	if ((l->final_flags & ISCSI_LOGIN_TRANSIT))
		l->stage = l->final_flags & ISCSI_LOGIN_NSG_MASK;
	return l->final_result;
}

/* ---- checks of the first request ---- */

static void load_credentials(struct iscsi_login *l)
{
	char buf[CRED_MAX], name[32];
	size_t used = 0;

	l->incoming[0] = l->outgoing[0] = '\0';
	if (l->type == ISCSI_SESSION_DISCOVERY) {
		pthread_mutex_lock(&disc_lock);
		memcpy(l->incoming, disc_incoming, sizeof(l->incoming));
		memcpy(l->outgoing, disc_outgoing, sizeof(l->outgoing));
		pthread_mutex_unlock(&disc_lock);
		return;
	}
	/* "IncomingUser" may hold "u1 s1;u2 s2"; SCST-style IncomingUser1..N add more. */
	for (int i = 0; i <= INCOMING_NUMBERED; i++) {
		const char *v;
		int n;

		if (i)
			snprintf(name, sizeof(name), "IncomingUser%d", i);
		v = scst_target_get_attr(l->tgt, i ? name : "IncomingUser", buf, sizeof(buf));
		if (!v || !*v)
			continue;
		n = snprintf(l->incoming + used, sizeof(l->incoming) - used, "%s%s",
			     used ? ";" : "", v);
		if (n < 0 || (size_t)n >= sizeof(l->incoming) - used)
			break;
		used += (size_t)n;
	}
	/* Too long to be "name secret": leave it unset, so mutual CHAP fails. */
	if (scst_target_get_attr(l->tgt, "OutgoingUser", buf, sizeof(buf)) &&
	    strlen(buf) < sizeof(l->outgoing))
		memcpy(l->outgoing, buf, strlen(buf) + 1);
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* RFC 7143 13.4, 13.5, 13.21: the declarations the first request must carry. */
static int check_leading(struct iscsi_login *l, uint8_t *cls, uint8_t *detail)
{
	const struct iscsi_kv *st = iscsi_kv_find(&l->kl, "SessionType");
	const struct iscsi_kv *in = iscsi_kv_find(&l->kl, "InitiatorName");
	const struct iscsi_kv *tn = iscsi_kv_find(&l->kl, "TargetName");

	*cls = ISCSI_LOGIN_STATUS_INITIATOR_ERR;
	if (st) {
		if (!strcmp(st->value, "Discovery")) {
			l->type = ISCSI_SESSION_DISCOVERY;
		} else if (strcmp(st->value, "Normal")) {
			*detail = ISCSI_LOGIN_DETAIL_SESSION_TYPE_UNSUPPORTED;
			return -EINVAL;
		}
	}
	if (!in || !in->vlen) {
		*detail = ISCSI_LOGIN_DETAIL_MISSING_PARAMETER;
		return -EINVAL;
	}
	if (in->vlen > ISCSI_MAX_NAME) {
		*detail = ISCSI_LOGIN_DETAIL_INIT_ERR;
		return -EINVAL;
	}
	memcpy(l->initiator, in->value, in->vlen + 1);
	l->neg.type = l->type;
	if (l->type == ISCSI_SESSION_DISCOVERY) {
		/* A discovery session has no target; TargetName, if any, is ignored. */
		load_credentials(l);
		return 0;
	}
	if (!tn || !tn->vlen) {
		*detail = ISCSI_LOGIN_DETAIL_MISSING_PARAMETER;
		return -EINVAL;
	}
	if (tn->vlen > ISCSI_MAX_NAME) {
		*detail = ISCSI_LOGIN_DETAIL_NOT_FOUND;
		return -EINVAL;
	}
	memcpy(l->target_name, tn->value, tn->vlen + 1);
	l->tgt = scst_target_find("iscsi", l->target_name);
	if (!l->tgt || !scst_target_enabled(l->tgt)) {
		l->tgt = NULL;
		*detail = ISCSI_LOGIN_DETAIL_NOT_FOUND;
		return -ENOENT;
	}
	if (!scst_target_initiator_allowed(l->tgt, l->initiator)) {
		l->tgt = NULL;
		*detail = ISCSI_LOGIN_DETAIL_FORBIDDEN;
		return -EACCES;
	}
	load_credentials(l);
	return 0;
}

/* ---- security stage (RFC 7143 6.3.1, 12) ---- */

static bool list_has(const char *list, const char *item)
{
	size_t il = strlen(item);

	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == il && !strncmp(p, item, n))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

/* Returns 0, or the login status detail of a failure (class 2). */
static uint8_t security_keys(struct iscsi_login *l)
{
	const struct iscsi_kv *am = iscsi_kv_find(&l->kl, "AuthMethod");
	const struct iscsi_kv *ca = iscsi_kv_find(&l->kl, "CHAP_A");
	const struct iscsi_kv *cn = iscsi_kv_find(&l->kl, "CHAP_N");
	const struct iscsi_kv *cr = iscsi_kv_find(&l->kl, "CHAP_R");
	const struct iscsi_kv *ci = iscsi_kv_find(&l->kl, "CHAP_I");
	const struct iscsi_kv *cc = iscsi_kv_find(&l->kl, "CHAP_C");

	if (am) {
		/* RFC 7143 12: we pick CHAP when the target has users, else None. */
		const char *pick = NULL;

		if (l->auth != AUTH_PENDING)
			return ISCSI_LOGIN_DETAIL_INIT_ERR;
		if (l->auth_required && list_has(am->value, "CHAP"))
			pick = "CHAP";
		else if (!l->auth_required && list_has(am->value, "None"))
			pick = "None";
		if (!pick) {
			iscsi_textout_add(&l->rsp, "AuthMethod", "Reject");
			return ISCSI_LOGIN_DETAIL_AUTH_FAILED;
		}
		if (iscsi_textout_add(&l->rsp, "AuthMethod", pick))
			return ISCSI_LOGIN_DETAIL_INIT_ERR;
		l->auth = pick[0] == 'C' ? AUTH_CHAP : AUTH_DONE;
	}
	if (!ca && !cn && !cr && !ci && !cc)
		return 0;
	if (l->auth != AUTH_CHAP)
		return ISCSI_LOGIN_DETAIL_AUTH_FAILED;
	if (ca) {
		if (cn || cr || ci || cc)
			return ISCSI_LOGIN_DETAIL_AUTH_FAILED;
		if (iscsi_chap_challenge(&l->chap, ca->value, &l->rsp))
			return ISCSI_LOGIN_DETAIL_AUTH_FAILED;
		return 0;
	}
	/* RFC 7143 12.1.3: CHAP_N and CHAP_R, with CHAP_I and CHAP_C for mutual CHAP. */
	if (!cn || !cr)
		return ISCSI_LOGIN_DETAIL_AUTH_FAILED;
	if (iscsi_chap_response(&l->chap, cn->value, cr->value, ci ? ci->value : NULL,
				cc ? cc->value : NULL, l->incoming,
				l->outgoing[0] ? l->outgoing : NULL, &l->rsp))
		return ISCSI_LOGIN_DETAIL_AUTH_FAILED;
	l->auth = AUTH_DONE;
	return 0;
}

static bool has_chap_keys(const struct iscsi_kvlist *kl)
{
	for (unsigned i = 0; i < kl->n; i++)
		if (!strncmp(kl->kv[i].key, "CHAP_", 5))
			return true;
	return false;
}

/* A numeric target attribute, if set and valid (the config layer checked its range). */
static void target_number(struct scst_target *tgt, const char *name, uint32_t *out)
{
	char buf[32];
	char *end;
	unsigned long v;

	if (!scst_target_get_attr(tgt, name, buf, sizeof(buf)))
		return;
	v = strtoul(buf, &end, 10);
	if (!*end && v > 0 && v <= 16777215)
		*out = (uint32_t)v;
}

/*
 * The target's own session parameters (scst.conf target attributes, as in SCST's
 * iscsi driver) replace the portal defaults for this login's offer (RFC 7143 13).
 */
static void apply_target_params(struct iscsi_login *l)
{
	struct iscsi_target_limits *lim = &l->neg.lim;
	char buf[32];

	target_number(l->tgt, "MaxRecvDataSegmentLength", &lim->max_recv_dsl);
	target_number(l->tgt, "MaxBurstLength", &lim->max_burst);
	target_number(l->tgt, "FirstBurstLength", &lim->first_burst);
	target_number(l->tgt, "MaxOutstandingR2T", &lim->max_outstanding_r2t);
	if (scst_target_get_attr(l->tgt, "InitialR2T", buf, sizeof(buf)))
		lim->initial_r2t = !strcmp(buf, "Yes");
	if (scst_target_get_attr(l->tgt, "ImmediateData", buf, sizeof(buf)))
		lim->no_immediate_data = !strcmp(buf, "No");
	if (!scst_target_get_attr(l->tgt, "HeaderDigest", lim->header_digest,
				  sizeof(lim->header_digest)))
		lim->header_digest[0] = '\0';
	if (!scst_target_get_attr(l->tgt, "DataDigest", lim->data_digest,
				  sizeof(lim->data_digest)))
		lim->data_digest[0] = '\0';
	iscsi_target_limits_clamp(lim);
}

/* A name declared again later in the login must say the same thing (RFC 7143 6.3). */
static bool names_changed(const struct iscsi_login *l)
{
	const struct iscsi_kv *in = iscsi_kv_find(&l->kl, "InitiatorName");
	const struct iscsi_kv *tn = iscsi_kv_find(&l->kl, "TargetName");
	const struct iscsi_kv *st = iscsi_kv_find(&l->kl, "SessionType");

	if (in && strcmp(in->value, l->initiator))
		return true;
	if (tn && strcmp(tn->value, l->target_name))
		return true;
	if (st && strcmp(st->value, l->type == ISCSI_SESSION_DISCOVERY ? "Discovery" : "Normal"))
		return true;
	return false;
}

/* ---- the request ---- */

enum iscsi_login_result iscsi_login_rx(struct iscsi_login *l, const uint8_t *bhs,
				       const uint8_t *data, uint32_t len,
				       struct iscsi_pdu_out *out)
{
	uint8_t flags = bhs[1];
	bool transit = flags & ISCSI_LOGIN_TRANSIT, cont = flags & ISCSI_LOGIN_CONTINUE;
	uint8_t csg = (flags & ISCSI_LOGIN_CSG_MASK) >> ISCSI_LOGIN_CSG_SHIFT;
	uint8_t nsg = flags & ISCSI_LOGIN_NSG_MASK;
	uint8_t rflags, detail;
	enum iscsi_login_result res = ISCSI_LOGIN_MORE;
	int ret;

	out->data = NULL;
	out->data_len = 0;
	if (l->failed)
		return ISCSI_LOGIN_DROP;
	/* RFC 7143 11.12: a Login Request is always immediate. */
	if ((bhs[0] & ISCSI_OP_MASK) != ISCSI_OP_LOGIN_REQ || !(bhs[0] & ISCSI_OP_IMMEDIATE)) {
		if (!l->started) {
			l->failed = true;
			return ISCSI_LOGIN_DROP;
		}
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	}
	if (!l->started) {
		l->started = true;
		memcpy(l->isid, bhs + 8, 6);
		l->tsih = (uint16_t)(bhs[14] << 8 | bhs[15]);
		l->cid = (uint16_t)(bhs[20] << 8 | bhs[21]);
		l->cmdsn = scst_get_be32(bhs + 24);
		/* RFC 7143 11.13.4: any starting StatSN will do; continue the initiator's count. */
		l->statsn = scst_get_be32(bhs + 28);
		l->leading = l->tsih == 0;
		l->stage = csg;
		/* RFC 7143 11.12.4: we speak version 0x00 only. */
		if (bhs[3] > 0)
			return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_UNSUPPORTED_VERSION);
	} else if (memcmp(l->isid, bhs + 8, 6) || l->tsih != (uint16_t)(bhs[14] << 8 | bhs[15]) ||
		   l->cid != (uint16_t)(bhs[20] << 8 | bhs[21])) {
		/* RFC 7143 6.3: ISID, TSIH and CID stay the same during a login. */
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	}
	if (len != iscsi_dlength((const struct iscsi_bhs *)bhs))
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	/* RFC 7143 11.12.2: C and T never together; stages as agreed; NSG after CSG. */
	if (cont && transit)
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	if (csg != l->stage || csg == 2 || csg == ISCSI_STAGE_FULL_FEATURE)
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	if (transit && (nsg <= csg || nsg == 2))
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);

	if (iscsi_textout_pending(&l->rsp)) {
		/* The initiator collects the rest of a long response with empty requests. */
		if (len || cont)
			return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
		return send_chunk(l, bhs, out);
	}
	iscsi_textout_reset(&l->rsp);

	if (iscsi_textbuf_append(&l->req, data, len))
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	if (cont) {
		/* RFC 7143 6.2: a partial request is acknowledged with an empty response. */
		rsp_bhs(l, bhs, out, (uint8_t)(csg << ISCSI_LOGIN_CSG_SHIFT), 0, 0, 0);
		return ISCSI_LOGIN_MORE;
	}
	ret = iscsi_kv_parse(l->req.data, l->req.len, &l->kl);
	iscsi_textbuf_reset(&l->req);
	if (ret)
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);

	if (l->names_done && names_changed(l))
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	if (!l->names_done) {
		uint8_t cls;

		if (check_leading(l, &cls, &detail))
			return fail(l, bhs, out, cls, detail);
		if (l->tgt)
			apply_target_params(l);
		l->names_done = true;
		l->auth_required = l->incoming[0] != '\0';
		l->auth = AUTH_PENDING;
		/* RFC 7143 13.9: TargetPortalGroupTag in the first response of a normal session. */
		if (l->type == ISCSI_SESSION_NORMAL &&
		    iscsi_textout_addf(&l->rsp, "TargetPortalGroupTag", "%u", l->portal.tpgt))
			return fail(l, bhs, out, ISCSI_LOGIN_STATUS_TARGET_ERR,
				    ISCSI_LOGIN_DETAIL_OUT_OF_RESOURCES);
	}

	if (csg == ISCSI_STAGE_SECURITY) {
		detail = security_keys(l);
		if (detail)
			return init_err(l, bhs, out, detail);
	} else {
		/* RFC 7143 6.3: an initiator that must authenticate cannot skip security. */
		if (l->auth_required && l->auth != AUTH_DONE)
			return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_AUTH_FAILED);
		if (has_chap_keys(&l->kl))
			return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
		l->auth = AUTH_DONE;
	}
	ret = iscsi_neg_process(&l->neg, &l->kl, csg, l->leading, &l->rsp);
	if (ret == -EPROTO)
		return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_INIT_ERR);
	if (ret)
		return fail(l, bhs, out, ISCSI_LOGIN_STATUS_TARGET_ERR,
			    ISCSI_LOGIN_DETAIL_OUT_OF_RESOURCES);
	if (csg == ISCSI_STAGE_OPERATIONAL && iscsi_neg_declare(&l->neg, &l->rsp))
		return fail(l, bhs, out, ISCSI_LOGIN_STATUS_TARGET_ERR,
			    ISCSI_LOGIN_DETAIL_OUT_OF_RESOURCES);

	rflags = (uint8_t)(csg << ISCSI_LOGIN_CSG_SHIFT);
	if (transit) {
		if (l->auth == AUTH_PENDING && !l->auth_required)
			l->auth = AUTH_DONE; /* no AuthMethod offered and none needed */
		if (l->auth == AUTH_DONE) {
			/* RFC 7143 6.3: we agree to the stage the initiator asks for. */
			rflags |= ISCSI_LOGIN_TRANSIT | nsg;
			if (nsg == ISCSI_STAGE_FULL_FEATURE)
				res = ISCSI_LOGIN_DONE;
		} else if (l->auth == AUTH_PENDING) {
			/* Leaving security without authenticating when we require it. */
			return init_err(l, bhs, out, ISCSI_LOGIN_DETAIL_AUTH_FAILED);
		}
		/* CHAP still in progress: answer T=0 and stay (RFC 7143 11.13.3). */
	}
	l->final_flags = rflags;
	l->final_result = res;
	return send_chunk(l, bhs, out);
}

void iscsi_login_set_tsih(struct iscsi_pdu_out *out, uint16_t tsih)
{
	out->bhs[14] = (uint8_t)(tsih >> 8);
	out->bhs[15] = (uint8_t)tsih;
}

void iscsi_login_reject(struct iscsi_login *l, struct iscsi_pdu_out *out, uint8_t cls,
			uint8_t detail)
{
	l->failed = true;
	out->bhs[1] = 0;
	iscsi_set_dlength((struct iscsi_bhs *)out->bhs, 0);
	out->bhs[36] = cls;
	out->bhs[37] = detail;
	out->data = NULL;
	out->data_len = 0;
}

const struct iscsi_params *iscsi_login_params(const struct iscsi_login *l)
{
	return &l->neg.p;
}

enum iscsi_session_type iscsi_login_session_type(const struct iscsi_login *l)
{
	return l->type;
}

struct scst_target *iscsi_login_target(const struct iscsi_login *l)
{
	return l->type == ISCSI_SESSION_NORMAL ? l->tgt : NULL;
}

const char *iscsi_login_initiator_name(const struct iscsi_login *l)
{
	return l->initiator;
}

const uint8_t *iscsi_login_isid(const struct iscsi_login *l)
{
	return l->isid;
}

uint16_t iscsi_login_tsih_requested(const struct iscsi_login *l)
{
	return l->tsih;
}

uint16_t iscsi_login_cid(const struct iscsi_login *l)
{
	return l->cid;
}

uint32_t iscsi_login_exp_cmdsn(const struct iscsi_login *l)
{
	return l->cmdsn;
}

uint32_t iscsi_login_exp_statsn(const struct iscsi_login *l)
{
	return l->statsn;
}
