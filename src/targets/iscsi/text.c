// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text key=value helpers (RFC 7143 6.1, 6.2) and the full feature phase
 * Text Request (RFC 7143 11.10, 11.11) with SendTargets (Appendix C).
 *
 * Ownership: an iscsi_text belongs to one connection and runs on that
 * connection's reactor; it keeps no global state. The core's target list is
 * read under the core's management lock through scst_target_for_each().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scst/target.h"
#include "login.h"
#include "textkv.h"

/* ---- parsing ---- */

/* RFC 7143 6.1: key-name is letters, digits, '.', '-', '+', '@', '_'. */
static bool key_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '+' || c == '@' || c == '_';
}

int iscsi_kv_parse(char *buf, uint32_t len, struct iscsi_kvlist *out)
{
	uint32_t pos = 0;

	out->n = 0;
	buf[len] = '\0'; /* a missing NUL after the last pair is tolerated, nowhere else */
	while (pos < len) {
		char *pair = buf + pos;
		uint32_t plen = (uint32_t)strnlen(pair, len - pos);
		char *eq;
		uint32_t klen;

		pos += plen + 1;
		if (plen == 0)
			continue; /* padding or a doubled NUL */
		eq = memchr(pair, '=', plen);
		if (!eq)
			return -EPROTO;
		klen = (uint32_t)(eq - pair);
		if (klen == 0 || klen > ISCSI_MAX_KEY_NAME)
			return -EPROTO;
		/* ... plus the "X#" prefix of IANA-registered extension keys (RFC 7143 13). */
		for (uint32_t i = 0; i < klen; i++)
			if (!key_char_ok((unsigned char)pair[i]) &&
			    !(i == 1 && pair[0] == 'X' && pair[1] == '#'))
				return -EPROTO;
		if (plen - klen - 1 > ISCSI_MAX_VALUE)
			return -EPROTO;
		for (char *v = eq + 1; *v; v++)
			if ((unsigned char)*v < 0x20 || *v == 0x7f)
				return -EPROTO;
		*eq = '\0';
		/* RFC 7143 6.2: a key may not be sent twice in one exchange. */
		if (iscsi_kv_find(out, pair))
			return -EEXIST;
		if (out->n == ISCSI_MAX_KEYS)
			return -E2BIG;
		out->kv[out->n].key = pair;
		out->kv[out->n].value = eq + 1;
		out->kv[out->n].vlen = plen - klen - 1;
		out->n++;
	}
	return 0;
}

const struct iscsi_kv *iscsi_kv_find(const struct iscsi_kvlist *l, const char *key)
{
	for (unsigned i = 0; i < l->n; i++)
		if (!strcmp(l->kv[i].key, key))
			return &l->kv[i];
	return NULL;
}

int iscsi_textbuf_append(struct iscsi_textbuf *b, const uint8_t *data, uint32_t len)
{
	if (len > ISCSI_MAX_TEXT_TOTAL || b->len + len > ISCSI_MAX_TEXT_TOTAL)
		return -E2BIG;
	if (b->len + len + 1 > b->cap) {
		uint32_t cap = b->cap ? b->cap : 1024;
		char *n;

		while (cap < b->len + len + 1)
			cap *= 2;
		n = realloc(b->data, cap);
		if (!n)
			return -ENOMEM;
		b->data = n;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

void iscsi_textbuf_reset(struct iscsi_textbuf *b)
{
	b->len = 0;
}

void iscsi_textbuf_free(struct iscsi_textbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ---- building responses ---- */

static int textout_reserve(struct iscsi_textout *o, uint32_t need)
{
	if (o->len + need > ISCSI_MAX_TEXT_TOTAL) {
		o->overflow = true;
		return -E2BIG;
	}
	if (o->len + need > o->cap) {
		uint32_t cap = o->cap ? o->cap : 1024;
		char *n;

		while (cap < o->len + need)
			cap *= 2;
		n = realloc(o->data, cap);
		if (!n) {
			o->overflow = true;
			return -ENOMEM;
		}
		o->data = n;
		o->cap = cap;
	}
	return 0;
}

int iscsi_textout_add(struct iscsi_textout *o, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);

	if (kl > ISCSI_MAX_KEY_NAME || vl > ISCSI_MAX_VALUE)
		return -EINVAL;
	if (textout_reserve(o, (uint32_t)(kl + vl + 2)))
		return -E2BIG;
	memcpy(o->data + o->len, key, kl);
	o->data[o->len + kl] = '=';
	memcpy(o->data + o->len + kl + 1, value, vl);
	o->data[o->len + kl + 1 + vl] = '\0';
	o->len += (uint32_t)(kl + vl + 2);
	return 0;
}

int iscsi_textout_addf(struct iscsi_textout *o, const char *key, const char *fmt, ...)
{
	char v[ISCSI_MAX_VALUE + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(v))
		return -EINVAL;
	return iscsi_textout_add(o, key, v);
}

uint32_t iscsi_textout_next(struct iscsi_textout *o, uint32_t max, uint8_t **chunk, bool *more)
{
	uint32_t n = o->len - o->sent;

	if (n > max)
		n = max;
	*chunk = n ? (uint8_t *)o->data + o->sent : NULL;
	o->sent += n;
	*more = o->sent < o->len;
	return n;
}

bool iscsi_textout_pending(const struct iscsi_textout *o)
{
	return o->sent < o->len;
}

void iscsi_textout_reset(struct iscsi_textout *o)
{
	o->len = o->sent = 0;
	o->overflow = false;
}

void iscsi_textout_free(struct iscsi_textout *o)
{
	free(o->data);
	o->data = NULL;
	o->len = o->cap = o->sent = 0;
}

/* ---- values ---- */

int iscsi_parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, digits = 0;

	/* RFC 7143 6.1: decimal-constant or hex-constant (0x...); no sign, no spaces. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (!digits || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int iscsi_parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "Yes"))
		*out = true;
	else if (!strcmp(s, "No"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* ---- full feature phase Text Request (RFC 7143 11.10) ---- */

struct iscsi_text {
	struct iscsi_portal_info portal;
	char initiator[ISCSI_MAX_NAME + 1];
	enum iscsi_session_type type;
	struct scst_target *target;
	uint32_t max_xmit_dsl;
	/* The exchange in progress: its ITT and the TTT we handed out. */
	bool active;
	uint32_t itt;
	uint32_t ttt;
	uint32_t next_ttt;
	struct iscsi_textbuf req;
	struct iscsi_textout rsp;
};

struct iscsi_text *iscsi_text_new(const struct iscsi_portal_info *portal,
				  const char *initiator_name, enum iscsi_session_type type,
				  struct scst_target *session_target, uint32_t max_xmit_dsl)
{
	struct iscsi_text *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->portal = *portal;
	t->portal.addr[sizeof(t->portal.addr) - 1] = '\0';
	snprintf(t->initiator, sizeof(t->initiator), "%s", initiator_name ? initiator_name : "");
	t->type = type;
	t->target = session_target;
	t->max_xmit_dsl = max_xmit_dsl >= 512 ? max_xmit_dsl : 512;
	t->next_ttt = 1;
	return t;
}

void iscsi_text_free(struct iscsi_text *t)
{
	if (!t)
		return;
	iscsi_textbuf_free(&t->req);
	iscsi_textout_free(&t->rsp);
	free(t);
}

uint32_t iscsi_text_max_xmit_dsl(const struct iscsi_text *t)
{
	return t->max_xmit_dsl;
}

/* Names of the driver's targets, copied out under the core's lock. */
struct name_list {
	unsigned n, cap;
	char (*names)[SCST_MAX_NAME];
	bool oom;
};

static void collect_target(struct scst_target *tgt, void *arg)
{
	struct name_list *nl = arg;

	/* No calls back into the core here: its management lock is held. */
	if (nl->oom)
		return;
	if (nl->n == nl->cap) {
		unsigned cap = nl->cap ? nl->cap * 2 : 16;
		void *p = realloc(nl->names, cap * sizeof(*nl->names));

		if (!p) {
			nl->oom = true;
			return;
		}
		nl->names = p;
		nl->cap = cap;
	}
	snprintf(nl->names[nl->n++], SCST_MAX_NAME, "%s", scst_target_name(tgt));
}

static int add_target_entry(struct iscsi_text *t, const char *name)
{
	int ret = iscsi_textout_add(&t->rsp, "TargetName", name);

	if (!ret)
		ret = iscsi_textout_addf(&t->rsp, "TargetAddress", "%s,%u", t->portal.addr,
					 t->portal.tpgt);
	return ret;
}

/* Append name if the initiator may log in to it (enabled and sees a LUN). */
static int add_if_allowed(struct iscsi_text *t, const char *name)
{
	struct scst_target *tgt = scst_target_find("iscsi", name);

	if (!tgt || !scst_target_enabled(tgt) || !scst_target_initiator_allowed(tgt, t->initiator))
		return 0;
	return add_target_entry(t, name);
}

/* RFC 7143 Appendix C. */
static int send_targets(struct iscsi_text *t, const char *value)
{
	if (t->type == ISCSI_SESSION_NORMAL) {
		/*
		 * A normal session reports only its own target (Appendix C);
		 * "All" and an empty value both mean that one.
		 */
		const char *own = t->target ? scst_target_name(t->target) : "";

		if (!*value || !strcmp(value, "All") || !strcmp(value, own))
			return t->target ? add_target_entry(t, own) : 0;
		return 0;
	}
	if (!*value)
		return iscsi_textout_add(&t->rsp, "SendTargets", "Reject");
	if (strcmp(value, "All"))
		return strlen(value) > ISCSI_MAX_NAME ? 0 : add_if_allowed(t, value);

	struct name_list nl = { 0 };
	int ret = 0;

	scst_target_for_each("iscsi", collect_target, &nl);
	for (unsigned i = 0; i < nl.n && !ret; i++)
		ret = add_if_allowed(t, nl.names[i]);
	free(nl.names);
	return nl.oom ? -ENOMEM : ret;
}

/* Keys that are only negotiable during login (RFC 7143 13: Use LO/IO). */
static const char *const login_only_keys[] = {
	"HeaderDigest",	       "DataDigest",	     "MaxConnections",	    "InitiatorName",
	"TargetName",	       "InitialR2T",	     "ImmediateData",	    "MaxBurstLength",
	"FirstBurstLength",    "DefaultTime2Wait",   "DefaultTime2Retain",  "MaxOutstandingR2T",
	"DataPDUInOrder",      "DataSequenceInOrder", "ErrorRecoveryLevel", "SessionType",
	"AuthMethod",	       "TargetPortalGroupTag", "TargetAddress",	    "TargetAlias",
	"InitiatorAlias",      "OFMarker",	     "IFMarker",	    "OFMarkInt",
	"IFMarkInt",
};

static int answer_keys(struct iscsi_text *t, const struct iscsi_kvlist *kl)
{
	int ret = 0;

	for (unsigned i = 0; i < kl->n && !ret; i++) {
		const char *k = kl->kv[i].key, *v = kl->kv[i].value;
		bool login_only = false;

		if (!strcmp(k, "SendTargets")) {
			ret = send_targets(t, v);
			continue;
		}
		if (!strcmp(k, "MaxRecvDataSegmentLength")) {
			/* RFC 7143 13.12: declarative, Use ALL: the initiator may re-declare it. */
			uint64_t n;

			if (iscsi_parse_number(v, 512, 16777215, &n))
				ret = iscsi_textout_add(&t->rsp, k, "Reject");
			else
				t->max_xmit_dsl = (uint32_t)n;
			continue;
		}
		for (size_t j = 0; j < SCST_ARRAY_SIZE(login_only_keys); j++)
			if (!strcmp(k, login_only_keys[j]))
				login_only = true;
		if (!strncmp(k, "CHAP_", 5))
			login_only = true;
		/* RFC 7143 6.2: unknown and private (X-, X#) keys are NotUnderstood. */
		ret = iscsi_textout_add(&t->rsp, k, login_only ? "Reject" : "NotUnderstood");
	}
	return ret;
}

static void text_rsp_bhs(struct iscsi_pdu_out *out, uint8_t flags, uint32_t itt, uint32_t ttt,
			 const uint8_t *lun, uint32_t dlen)
{
	memset(out->bhs, 0, sizeof(out->bhs));
	out->bhs[0] = ISCSI_OP_TEXT_RSP;
	out->bhs[1] = flags;
	iscsi_set_dlength((struct iscsi_bhs *)out->bhs, dlen);
	memcpy(out->bhs + 8, lun, 8); /* RFC 7143 11.11.3: echo LUN when TTT is set */
	scst_put_be32(out->bhs + 16, itt);
	scst_put_be32(out->bhs + 20, ttt);
}

static uint32_t new_ttt(struct iscsi_text *t)
{
	uint32_t v = t->next_ttt++;

	if (t->next_ttt == ISCSI_RESERVED_TAG)
		t->next_ttt = 1;
	return v;
}

static void text_reset(struct iscsi_text *t)
{
	t->active = false;
	iscsi_textbuf_reset(&t->req);
	iscsi_textout_reset(&t->rsp);
}

/*
 * Send the next chunk of the response (RFC 7143 11.11.1): C and a TTT while
 * more follows; F only on the last chunk and only if the request had F set
 * (a final response to a non-final request is a protocol error).
 */
static void text_send_chunk(struct iscsi_text *t, const uint8_t *lun, bool req_final,
			    struct iscsi_pdu_out *out)
{
	uint8_t *chunk;
	bool more;
	uint32_t n = iscsi_textout_next(&t->rsp, t->max_xmit_dsl, &chunk, &more);

	out->data = chunk;
	out->data_len = n;
	if (more || !req_final) {
		t->ttt = new_ttt(t);
		text_rsp_bhs(out, more ? ISCSI_TEXT_CONTINUE : 0, t->itt, t->ttt, lun, n);
	} else {
		text_rsp_bhs(out, ISCSI_FLAG_FINAL, t->itt, ISCSI_RESERVED_TAG, lun, n);
		t->active = false;
	}
}

int iscsi_text_rx(struct iscsi_text *t, const uint8_t *bhs, const uint8_t *data, uint32_t len,
		  struct iscsi_pdu_out *out, uint8_t *reject_reason)
{
	uint8_t flags = bhs[1];
	bool final = flags & ISCSI_FLAG_FINAL, cont = flags & ISCSI_TEXT_CONTINUE;
	uint32_t itt = scst_get_be32(bhs + 16), ttt = scst_get_be32(bhs + 20);
	struct iscsi_kvlist *kl;
	int ret;

	out->data = NULL;
	out->data_len = 0;
	*reject_reason = ISCSI_REJECT_PROTOCOL_ERROR;
	if ((bhs[0] & ISCSI_OP_MASK) != ISCSI_OP_TEXT_REQ ||
	    len != iscsi_dlength((const struct iscsi_bhs *)bhs))
		return -EPROTO;
	/* RFC 7143 11.10.2: C set requires F clear. */
	if (cont && final)
		return -EPROTO;
	if (itt == ISCSI_RESERVED_TAG) {
		*reject_reason = ISCSI_REJECT_INVALID_PDU_FIELD;
		return -EPROTO;
	}
	/* RFC 7143 11.10.4: TTT 0xffffffff starts a new exchange and drops the old one. */
	if (ttt == ISCSI_RESERVED_TAG) {
		text_reset(t);
		t->active = true;
		t->itt = itt;
	} else if (!t->active || ttt != t->ttt || itt != t->itt) {
		*reject_reason = ISCSI_REJECT_INVALID_PDU_FIELD;
		text_reset(t);
		return -EPROTO;
	}

	if (iscsi_textout_pending(&t->rsp)) {
		/* The initiator fetches the rest of our response with empty requests. */
		if (len || cont) {
			text_reset(t);
			return -EPROTO;
		}
		text_send_chunk(t, bhs + 8, final, out);
		return 0;
	}

	ret = iscsi_textbuf_append(&t->req, data, len);
	if (ret) {
		text_reset(t);
		return -EPROTO;
	}
	if (cont) {
		/* RFC 7143 6.2 / 11.11.1: acknowledge a partial request with an empty response. */
		t->ttt = new_ttt(t);
		text_rsp_bhs(out, 0, itt, t->ttt, bhs + 8, 0);
		return 0;
	}

	kl = malloc(sizeof(*kl));
	if (!kl) {
		text_reset(t);
		*reject_reason = ISCSI_REJECT_LONG_OP;
		return -ENOMEM;
	}
	ret = iscsi_kv_parse(t->req.data, t->req.len, kl);
	if (!ret)
		ret = answer_keys(t, kl);
	free(kl);
	iscsi_textbuf_reset(&t->req);
	if (ret || t->rsp.overflow) {
		text_reset(t);
		return -EPROTO;
	}
	text_send_chunk(t, bhs + 8, final, out);
	return 0;
}
