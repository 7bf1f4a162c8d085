/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The login state machine (RFC 7143 6.3, 11.12, 11.13) driven with
 * hand-built Login Request PDUs against a real core: exact response BHS
 * fields, status class/detail bytes and response keys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "scst/builtins.h"
#include "scst/core.h"
#include "login.h"
#include "textkv.h"

#define T1 "iqn.2026-11.org.scst:t1"
#define TCHAP "iqn.2026-11.org.scst:chap"
#define TOFF "iqn.2026-11.org.scst:off"
#define TNOLUN "iqn.2026-11.org.scst:nolun"
#define INI "iqn.2026-11.org.test:ini"

#define SEC 0
#define OPR 1
#define FFP 3
#define TBIT ISCSI_LOGIN_TRANSIT
#define CBIT ISCSI_LOGIN_CONTINUE

static char err[256];
static const struct iscsi_portal_info portal = { "192.0.2.1:3260", 1 };
static const uint8_t isid[6] = { 0x80, 0x12, 0x34, 0x56, 0x00, 0x01 };

static void nop_fn(struct scst_cmd *cmd)
{
	(void)cmd;
}

static void nop_tmf(struct scst_mgmt_cmd *m)
{
	(void)m;
}

static const struct scst_tgt_template fake_iscsi = {
	.name = "iscsi",
	.rdy_to_xfer = nop_fn,
	.xmit_response = nop_fn,
	.task_mgmt_done = nop_tmf,
};

static struct scst_target *make_target(const char *name, bool enabled, bool lun)
{
	struct scst_target *t;

	assert_int_equal(scst_target_add("iscsi", name, err, sizeof(err)), 0);
	t = scst_target_find("iscsi", name);
	assert_non_null(t);
	if (lun)
		assert_int_equal(scst_lun_add(t, NULL, 0, "n0", false, err, sizeof(err)), 0);
	scst_target_set_enabled(t, enabled);
	return t;
}

static int core_setup(void **state)
{
	struct scst_target *t;

	(void)state;
	if (scst_core_init(1))
		return -1;
	scst_vdisk_register();
	if (!scst_find_target_template("iscsi"))
		scst_register_target_template(&fake_iscsi);
	if (scst_device_add("vdisk_nullio", "n0", "size=1048576", err, sizeof(err)))
		return -1;
	make_target(T1, true, true);
	make_target(TOFF, false, true);
	make_target(TNOLUN, true, false);
	t = make_target(TCHAP, true, true);
	scst_target_set_attr(t, "IncomingUser", "user secretsecret", err, sizeof(err));
	scst_target_set_attr(t, "OutgoingUser", "tuser tsecretsecret", err, sizeof(err));
	return 0;
}

/* ---- PDU helpers ---- */

struct req {
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t data[16384];
	uint32_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ITT 0x0a0b0c0du
#define CMDSN 5u
#define EXPSTATSN 0x100u

/* A Login Request: flags, then "key=value" strings terminated by NULL. */
static void mkreq(struct req *r, uint8_t flags, int csg, int nsg, ...)
{
	va_list ap;
	const char *kv;

	memset(r, 0, sizeof(*r));
	r->bhs[0] = ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE;
	r->bhs[1] = (uint8_t)(flags | csg << ISCSI_LOGIN_CSG_SHIFT | nsg);
	memcpy(r->bhs + 8, isid, 6);
	put32(r->bhs + 16, ITT);
	r->bhs[20] = 0x00;
	r->bhs[21] = 0x07; /* CID */
	put32(r->bhs + 24, CMDSN);
	put32(r->bhs + 28, EXPSTATSN);
	va_start(ap, nsg);
	while ((kv = va_arg(ap, const char *))) {
		size_t n = strlen(kv) + 1;

		memcpy(r->data + r->len, kv, n);
		r->len += (uint32_t)n;
	}
	va_end(ap);
	iscsi_set_dlength((struct iscsi_bhs *)r->bhs, r->len);
}

static enum iscsi_login_result rx(struct iscsi_login *l, struct req *r,
				    struct iscsi_pdu_out *out)
{
	return iscsi_login_rx(l, r->bhs, r->data, r->len, out);
}

/* Common checks of every response (RFC 7143 11.13). */
static void check_rsp(const struct iscsi_pdu_out *o, uint8_t flags, uint32_t statsn, uint8_t cls,
		      uint8_t detail)
{
	assert_int_equal(o->bhs[0], ISCSI_OP_LOGIN_RSP);
	assert_int_equal(o->bhs[1], flags);
	assert_int_equal(o->bhs[2], 0); /* Version-max */
	assert_int_equal(o->bhs[3], 0); /* Version-active */
	assert_int_equal(o->bhs[4], 0);
	assert_int_equal(iscsi_dlength((const struct iscsi_bhs *)o->bhs), o->data_len);
	assert_memory_equal(o->bhs + 8, isid, 6);
	assert_int_equal(o->bhs[14], 0);
	assert_int_equal(o->bhs[15], 0);
	assert_int_equal(get32(o->bhs + 16), ITT);
	assert_int_equal(get32(o->bhs + 24), statsn);
	assert_int_equal(get32(o->bhs + 28), CMDSN);
	assert_int_equal(get32(o->bhs + 32), CMDSN + 127);
	assert_int_equal(o->bhs[36], cls);
	assert_int_equal(o->bhs[37], detail);
}

static void expect_data(const struct iscsi_pdu_out *o, const char *want, size_t len)
{
	assert_int_equal(o->data_len, len);
	assert_memory_equal(o->data, want, len);
}

#define EXPECT_DATA(o, lit) expect_data(o, lit, sizeof(lit) - 1)

static const char *get(const struct iscsi_pdu_out *o, const char *key, char *buf)
{
	size_t kl = strlen(key);

	for (uint32_t p = 0; p < o->data_len; p += (uint32_t)strlen((char *)o->data + p) + 1) {
		if (!strncmp((char *)o->data + p, key, kl) && o->data[p + kl] == '=') {
			strcpy(buf, (char *)o->data + p + kl + 1);
			return buf;
		}
	}
	return NULL;
}

static struct iscsi_login *new_login(void)
{
	struct iscsi_target_limits lim;

	iscsi_target_limits_default(&lim);
	return iscsi_login_new(&portal, &lim);
}

/* A failure in the first request: status bytes, FAILED, then DROP. */
static void expect_fail(struct iscsi_login *l, struct req *r, uint32_t statsn, uint8_t cls,
			uint8_t detail)
{
	struct iscsi_pdu_out o;

	assert_int_equal(rx(l, r, &o), ISCSI_LOGIN_FAILED);
	check_rsp(&o, 0, statsn, cls, detail);
	assert_int_equal(o.data_len, 0);
	assert_int_equal(rx(l, r, &o), ISCSI_LOGIN_DROP);
}

/* ---- tests ---- */

static void test_normal_no_auth(void **state)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;
	const struct iscsi_params *p;

	(void)state;
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "SessionType=Normal", "TargetName=" T1,
	      "AuthMethod=None", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, TBIT | SEC << 2 | OPR, EXPSTATSN, 0, 0);
	EXPECT_DATA(&o, "TargetPortalGroupTag=1\0AuthMethod=None\0");

	mkreq(&r, TBIT, OPR, FFP, "HeaderDigest=CRC32C,None", "DataDigest=None",
	      "MaxRecvDataSegmentLength=65536", "MaxBurstLength=262144", "FirstBurstLength=8192",
	      "ImmediateData=Yes", "InitialR2T=No", "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0",
	      "X-org.example.foo=bar", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	check_rsp(&o, TBIT | OPR << 2 | FFP, EXPSTATSN + 1, 0, 0);
	EXPECT_DATA(&o, "HeaderDigest=CRC32C\0DataDigest=None\0MaxRecvDataSegmentLength=262144\0"
			"MaxBurstLength=262144\0FirstBurstLength=8192\0ImmediateData=Yes\0"
			"InitialR2T=No\0MaxOutstandingR2T=1\0ErrorRecoveryLevel=0\0"
			"X-org.example.foo=NotUnderstood\0");

	p = iscsi_login_params(l);
	assert_true(p->header_digest);
	assert_false(p->data_digest);
	assert_int_equal(p->max_recv_dsl, 262144);
	assert_int_equal(p->max_xmit_dsl, 65536);
	assert_int_equal(p->max_burst, 262144);
	assert_int_equal(p->first_burst, 8192);
	assert_true(p->immediate_data);
	assert_false(p->initial_r2t);
	assert_int_equal(p->max_outstanding_r2t, 1);
	assert_int_equal(iscsi_login_session_type(l), ISCSI_SESSION_NORMAL);
	assert_ptr_equal(iscsi_login_target(l), scst_target_find("iscsi", T1));
	assert_string_equal(iscsi_login_initiator_name(l), INI);
	assert_memory_equal(iscsi_login_isid(l), isid, 6);
	assert_int_equal(iscsi_login_tsih_requested(l), 0);
	assert_int_equal(iscsi_login_cid(l), 7);
	assert_int_equal(iscsi_login_exp_cmdsn(l), CMDSN);
	assert_int_equal(iscsi_login_exp_statsn(l), EXPSTATSN + 2);
	iscsi_login_set_tsih(&o, 0x1234);
	assert_int_equal(o.bhs[14], 0x12);
	assert_int_equal(o.bhs[15], 0x34);
	/* The caller may still turn the final response into a reject (reinstatement failed). */
	iscsi_login_reject(l, &o, ISCSI_LOGIN_STATUS_TARGET_ERR,
			   ISCSI_LOGIN_DETAIL_SERVICE_UNAVAILABLE);
	assert_int_equal(o.bhs[1], 0);
	assert_int_equal(o.bhs[36], 3);
	assert_int_equal(o.bhs[37], 1);
	assert_int_equal(o.data_len, 0);
	assert_int_equal(iscsi_dlength((const struct iscsi_bhs *)o.bhs), 0);
	iscsi_login_free(l);
}

static void test_straight_to_ffp(void **state)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;

	(void)state;
	/* No security stage, and no operational keys: RFC 7143 defaults apply. */
	mkreq(&r, TBIT, OPR, FFP, "InitiatorName=" INI, "TargetName=" T1, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	check_rsp(&o, TBIT | OPR << 2 | FFP, EXPSTATSN, 0, 0);
	EXPECT_DATA(&o, "TargetPortalGroupTag=1\0MaxRecvDataSegmentLength=262144\0");
	assert_int_equal(iscsi_login_params(l)->max_xmit_dsl, 8192);
	iscsi_login_free(l);

	/* From security straight to full feature: we never declared, so 8192 stays ours. */
	l = new_login();
	mkreq(&r, TBIT, SEC, FFP, "InitiatorName=" INI, "TargetName=" T1, "AuthMethod=None",
	      NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	check_rsp(&o, TBIT | SEC << 2 | FFP, EXPSTATSN, 0, 0);
	assert_int_equal(iscsi_login_params(l)->max_recv_dsl, 8192);
	iscsi_login_free(l);
}

static void test_target_errors(void **state)
{
	struct iscsi_login *l;
	struct req r;

	(void)state;
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=iqn.2026-11.org.scst:nosuch",
	      NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 3);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" TOFF, NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 3);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" TNOLUN, NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 2);
	iscsi_login_free(l);
}

static void test_missing_names(void **state)
{
	struct iscsi_login *l;
	struct req r;

	(void)state;
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "TargetName=" T1, "AuthMethod=None", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 7);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "SessionType=Normal", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 7);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "SessionType=Bogus", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 9);
	iscsi_login_free(l);
}

static void test_version_and_garbage(void **state)
{
	struct iscsi_login *l;
	struct iscsi_pdu_out o;
	struct req r;

	(void)state;
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1, NULL);
	r.bhs[2] = 2; /* Version-max */
	r.bhs[3] = 1; /* Version-min */
	expect_fail(l, &r, EXPSTATSN, 2, 5);
	iscsi_login_free(l);

	/* A first PDU that is not a Login Request, or not immediate: drop silently. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, NULL);
	r.bhs[0] = ISCSI_OP_SCSI_CMD;
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DROP);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, NULL);
	r.bhs[0] = ISCSI_OP_LOGIN_REQ;
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DROP);
	iscsi_login_free(l);

	/* A key without '=': initiator error. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1, "Garbage", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 0);
	iscsi_login_free(l);

	/* A key name of 64 bytes. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1,
	      "X-01234567890123456789012345678901234567890123456789012345678901=1", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 0);
	iscsi_login_free(l);

	/* Data length in the BHS that does not match. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1, NULL);
	r.len -= 1;
	expect_fail(l, &r, EXPSTATSN, 2, 0);
	iscsi_login_free(l);
}

static void test_stage_rules(void **state)
{
	struct iscsi_login *l;
	struct iscsi_pdu_out o;
	struct req r;

	(void)state;
	/* An operational key in the security stage (RFC 7143 6.3). */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1, "MaxBurstLength=8192",
	      NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 0);
	iscsi_login_free(l);
	/* NSG 2 is reserved; C with T. */
	l = new_login();
	mkreq(&r, TBIT, SEC, 2, "InitiatorName=" INI, "TargetName=" T1, NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 0);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, TBIT | CBIT, SEC, OPR, "InitiatorName=" INI, NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 0);
	iscsi_login_free(l);
	/* Going back to the security stage after moving on. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, TBIT | OPR, EXPSTATSN, 0, 0);
	mkreq(&r, TBIT, SEC, OPR, NULL);
	expect_fail(l, &r, EXPSTATSN + 1, 2, 0);
	iscsi_login_free(l);
	/* T=0 in the operational stage: we stay there, no T in the answer. */
	l = new_login();
	mkreq(&r, 0, OPR, 0, "InitiatorName=" INI, "TargetName=" T1, "MaxConnections=4", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, OPR << 2, EXPSTATSN, 0, 0);
	EXPECT_DATA(&o, "TargetPortalGroupTag=1\0MaxConnections=1\0"
			"MaxRecvDataSegmentLength=262144\0");
	/* The same key again in the same login. */
	mkreq(&r, TBIT, OPR, FFP, "MaxConnections=1", NULL);
	expect_fail(l, &r, EXPSTATSN + 1, 2, 0);
	iscsi_login_free(l);
}

static void test_non_leading(void **state)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;

	(void)state;
	/* TSIH != 0: a login that joins an existing session; the TSIH is echoed. */
	mkreq(&r, TBIT, OPR, FFP, "InitiatorName=" INI, "TargetName=" T1,
	      "MaxRecvDataSegmentLength=16384", NULL);
	r.bhs[14] = 0x00;
	r.bhs[15] = 0x42;
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	assert_int_equal(o.bhs[14], 0x00);
	assert_int_equal(o.bhs[15], 0x42);
	assert_int_equal(iscsi_login_tsih_requested(l), 0x42);
	assert_int_equal(iscsi_login_params(l)->max_xmit_dsl, 16384);
	iscsi_login_free(l);
	/* Leading-only keys are not for it (RFC 7143 13: LO). */
	l = new_login();
	mkreq(&r, TBIT, OPR, FFP, "InitiatorName=" INI, "TargetName=" T1, "InitialR2T=Yes", NULL);
	r.bhs[15] = 0x42;
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_FAILED);
	assert_int_equal(o.bhs[36], 2);
	assert_int_equal(o.bhs[37], 0);
	iscsi_login_free(l);
}

/* ---- CHAP ---- */

static void chap_resp(const char *md, const char *id_s, const char *chal_hex, const char *secret,
		      char *out)
{
	uint8_t chal[64], dig[64], id = (uint8_t)atoi(id_s);
	unsigned n = 0, dl;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	for (const char *p = chal_hex + 2; *p; p += 2) {
		unsigned v;

		sscanf(p, "%2x", &v);
		chal[n++] = (uint8_t)v;
	}
	EVP_DigestInit_ex(ctx, EVP_get_digestbyname(md), NULL);
	EVP_DigestUpdate(ctx, &id, 1);
	EVP_DigestUpdate(ctx, secret, strlen(secret));
	EVP_DigestUpdate(ctx, chal, n);
	EVP_DigestFinal_ex(ctx, dig, &dl);
	EVP_MD_CTX_free(ctx);
	out += sprintf(out, "0x");
	for (unsigned i = 0; i < dl; i++)
		out += sprintf(out, "%02x", dig[i]);
}

/* Log in to TCHAP up to the challenge; returns CHAP_I and CHAP_C. */
static struct iscsi_login *chap_start(const char *alg_list, char *id, char *chal)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;
	char alg[64], buf[128];

	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "SessionType=Normal", "TargetName=" TCHAP,
	      "AuthMethod=CHAP,None", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	/* Authentication is not done: we answer T=0 and stay in the security stage. */
	check_rsp(&o, SEC << 2, EXPSTATSN, 0, 0);
	EXPECT_DATA(&o, "TargetPortalGroupTag=1\0AuthMethod=CHAP\0");
	snprintf(buf, sizeof(buf), "CHAP_A=%s", alg_list);
	mkreq(&r, 0, SEC, 0, buf, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, SEC << 2, EXPSTATSN + 1, 0, 0);
	assert_non_null(get(&o, "CHAP_A", alg));
	assert_non_null(get(&o, "CHAP_I", id));
	assert_non_null(get(&o, "CHAP_C", chal));
	return l;
}

static void test_chap_one_way(void **state)
{
	struct iscsi_pdu_out o;
	struct req r;
	char id[16], chal[200], resp[200], rr[300];
	struct iscsi_login *l = chap_start("5", id, chal);

	(void)state;
	assert_int_equal(strlen(chal), 2 + 32); /* 16-byte MD5 challenge */
	chap_resp("MD5", id, chal, "secretsecret", resp);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", resp);
	mkreq(&r, TBIT, SEC, OPR, "CHAP_N=user", rr, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, TBIT | SEC << 2 | OPR, EXPSTATSN + 2, 0, 0);
	assert_int_equal(o.data_len, 0);
	mkreq(&r, TBIT, OPR, FFP, "HeaderDigest=None", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	check_rsp(&o, TBIT | OPR << 2 | FFP, EXPSTATSN + 3, 0, 0);
	iscsi_login_free(l);
}

static void test_chap_wrong(void **state)
{
	struct req r;
	char id[16], chal[200], resp[200], rr[300];
	struct iscsi_login *l = chap_start("7,5", id, chal);

	(void)state;
	assert_int_equal(strlen(chal), 2 + 64); /* SHA-256: 32 bytes */
	chap_resp("SHA256", id, chal, "wrongsecret!", resp);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", resp);
	mkreq(&r, TBIT, SEC, OPR, "CHAP_N=user", rr, NULL);
	expect_fail(l, &r, EXPSTATSN + 2, 2, 1);
	iscsi_login_free(l);
}

static void test_chap_mutual(void **state)
{
	struct iscsi_pdu_out o;
	struct req r;
	char id[16], chal[200], resp[200], rr[300], want[300], got[300];
	struct iscsi_login *l = chap_start("8", id, chal);
	const char *ichal = "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

	(void)state;
	chap_resp("SHA3-256", id, chal, "secretsecret", resp);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", resp);
	snprintf(want, sizeof(want), "CHAP_C=%s", ichal);
	mkreq(&r, TBIT, SEC, OPR, "CHAP_N=user", rr, "CHAP_I=77", want, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, TBIT | SEC << 2 | OPR, EXPSTATSN + 2, 0, 0);
	assert_string_equal(get(&o, "CHAP_N", got), "tuser");
	chap_resp("SHA3-256", "77", ichal, "tsecretsecret", want);
	assert_string_equal(get(&o, "CHAP_R", got), want);
	iscsi_login_free(l);

	/* Reflection of our own challenge. */
	l = chap_start("5", id, chal);
	chap_resp("MD5", id, chal, "secretsecret", resp);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", resp);
	snprintf(want, sizeof(want), "CHAP_C=%s", chal);
	mkreq(&r, TBIT, SEC, OPR, "CHAP_N=user", rr, "CHAP_I=1", want, NULL);
	expect_fail(l, &r, EXPSTATSN + 2, 2, 1);
	iscsi_login_free(l);
}

static void test_chap_required(void **state)
{
	struct iscsi_login *l;
	struct req r;
	struct iscsi_pdu_out o;

	(void)state;
	/* The target has users: None alone is not enough. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" TCHAP, "AuthMethod=None",
	      NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 1);
	iscsi_login_free(l);
	/* Skipping the security stage. */
	l = new_login();
	mkreq(&r, TBIT, OPR, FFP, "InitiatorName=" INI, "TargetName=" TCHAP, NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 1);
	iscsi_login_free(l);
	/* CHAP keys before AuthMethod was agreed. */
	l = new_login();
	mkreq(&r, 0, SEC, 0, "InitiatorName=" INI, "TargetName=" TCHAP, "CHAP_A=5", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 1);
	iscsi_login_free(l);
	/* No algorithm in common. */
	l = new_login();
	mkreq(&r, 0, SEC, 0, "InitiatorName=" INI, "TargetName=" TCHAP, "AuthMethod=CHAP", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	mkreq(&r, 0, SEC, 0, "CHAP_A=1,2", NULL);
	expect_fail(l, &r, EXPSTATSN + 1, 2, 1);
	iscsi_login_free(l);
	/* A target without users offered CHAP only. */
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1, "AuthMethod=CHAP", NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 1);
	iscsi_login_free(l);
}

static void test_discovery(void **state)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;
	char id[16], chal[200], resp[200], rr[300], buf[64];

	(void)state;
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "SessionType=Discovery", "AuthMethod=None",
	      NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, TBIT | OPR, EXPSTATSN, 0, 0);
	EXPECT_DATA(&o, "AuthMethod=None\0"); /* no TargetPortalGroupTag in discovery */
	mkreq(&r, TBIT, OPR, FFP, "MaxBurstLength=8192", "HeaderDigest=None",
	      "MaxRecvDataSegmentLength=32768", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	EXPECT_DATA(&o, "MaxBurstLength=Irrelevant\0HeaderDigest=None\0"
			"MaxRecvDataSegmentLength=262144\0");
	assert_int_equal(iscsi_login_session_type(l), ISCSI_SESSION_DISCOVERY);
	assert_null(iscsi_login_target(l));
	assert_int_equal(iscsi_login_params(l)->max_xmit_dsl, 32768);
	iscsi_login_free(l);

	/* Discovery CHAP configured globally. */
	iscsi_discovery_auth_set("disc discsecret12", NULL);
	l = new_login();
	mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "SessionType=Discovery", "AuthMethod=None",
	      NULL);
	expect_fail(l, &r, EXPSTATSN, 2, 1);
	iscsi_login_free(l);
	l = new_login();
	mkreq(&r, 0, SEC, 0, "InitiatorName=" INI, "SessionType=Discovery", "AuthMethod=CHAP",
	      NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	EXPECT_DATA(&o, "AuthMethod=CHAP\0");
	mkreq(&r, 0, SEC, 0, "CHAP_A=6", NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	assert_string_equal(get(&o, "CHAP_A", buf), "6");
	get(&o, "CHAP_I", id);
	get(&o, "CHAP_C", chal);
	chap_resp("SHA1", id, chal, "discsecret12", resp);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", resp);
	mkreq(&r, TBIT, SEC, FFP, "CHAP_N=disc", rr, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	check_rsp(&o, TBIT | SEC << 2 | FFP, EXPSTATSN + 2, 0, 0);
	iscsi_login_free(l);
	iscsi_discovery_auth_set(NULL, NULL);
}

static void test_multi_pdu_request(void **state)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;
	static const char all[] = "InitiatorName=" INI "\0TargetName=" T1 "\0AuthMethod=None";

	(void)state;
	/* The request split mid-pair over two PDUs (C bit). */
	mkreq(&r, CBIT, SEC, OPR, NULL);
	memcpy(r.data, all, 20);
	r.len = 20;
	iscsi_set_dlength((struct iscsi_bhs *)r.bhs, r.len);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, SEC << 2, EXPSTATSN, 0, 0);
	assert_int_equal(o.data_len, 0);
	mkreq(&r, TBIT, SEC, OPR, NULL);
	memcpy(r.data, all + 20, sizeof(all) - 20);
	r.len = sizeof(all) - 20;
	iscsi_set_dlength((struct iscsi_bhs *)r.bhs, r.len);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	check_rsp(&o, TBIT | OPR, EXPSTATSN + 1, 0, 0);
	EXPECT_DATA(&o, "TargetPortalGroupTag=1\0AuthMethod=None\0");
	iscsi_login_free(l);
}

/* A request whose answers need more than 8192 bytes: 120 unknown 63-byte keys. */
static uint32_t long_request(struct req *r)
{
	uint32_t want = 0;
	char key[80];

	mkreq(r, TBIT, OPR, FFP, "InitiatorName=" INI, "TargetName=" T1, NULL);
	for (int i = 0; i < 120; i++) {
		int n = snprintf(key, sizeof(key), "X-%061d=1", i);

		memcpy(r->data + r->len, key, (size_t)n + 1);
		r->len += (uint32_t)n + 1;
		want += 63 + 1 + 13 + 1;
	}
	iscsi_set_dlength((struct iscsi_bhs *)r->bhs, r->len);
	return want + sizeof("TargetPortalGroupTag=1") + sizeof("MaxRecvDataSegmentLength=262144");
}

static void test_long_response_split(void **state)
{
	struct iscsi_login *l = new_login();
	struct iscsi_pdu_out o;
	struct req r;
	uint32_t total = 0, want = long_request(&r);

	(void)state;
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	/* RFC 7143 11.13.2: C set, T clear, at most 8192 bytes during login. */
	check_rsp(&o, CBIT | OPR << 2, EXPSTATSN, 0, 0);
	assert_int_equal(o.data_len, 8192);
	total += o.data_len;
	/* The initiator fetches the rest with an empty request. */
	mkreq(&r, TBIT, OPR, FFP, NULL);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_DONE);
	check_rsp(&o, TBIT | OPR << 2 | FFP, EXPSTATSN + 1, 0, 0);
	total += o.data_len;
	assert_int_equal(total, want);
	iscsi_login_free(l);

	/* New keys while we still have text to send: initiator error. */
	l = new_login();
	long_request(&r);
	assert_int_equal(rx(l, &r, &o), ISCSI_LOGIN_MORE);
	mkreq(&r, TBIT, OPR, FFP, "HeaderDigest=None", NULL);
	expect_fail(l, &r, EXPSTATSN + 1, 2, 0);
	iscsi_login_free(l);
}

/* Random requests (seeded): every outcome is an answer or a drop, never a crash. */
static void test_random_requests(void **state)
{
	static const char alphabet[] = "=\0aAZ09,._-#X~CHAP_AuthMethodNoneInitiatorNameTarget";
	unsigned seed = 12345;
	struct req r;

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		struct iscsi_login *l = new_login();
		struct iscsi_pdu_out o;
		int pdus = 1 + rand_r(&seed) % 4;

		for (int k = 0; k < pdus; k++) {
			enum iscsi_login_result res;

			mkreq(&r, (uint8_t)(rand_r(&seed) & 0xc0), rand_r(&seed) % 4,
			      rand_r(&seed) % 4, NULL);
			if (k == 0 && iter % 2)
				mkreq(&r, TBIT, SEC, OPR, "InitiatorName=" INI, "TargetName=" T1,
				      NULL);
			if (iter % 7 == 0)
				r.bhs[rand_r(&seed) % ISCSI_BHS_LEN] = (uint8_t)rand_r(&seed);
			for (int n = rand_r(&seed) % 300; n > 0 && r.len < sizeof(r.data); n--)
				r.data[r.len++] =
					(uint8_t)alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
			iscsi_set_dlength((struct iscsi_bhs *)r.bhs, r.len);
			res = rx(l, &r, &o);
			if (res != ISCSI_LOGIN_DROP) {
				assert_int_equal(o.bhs[0], ISCSI_OP_LOGIN_RSP);
				assert_int_equal(iscsi_dlength((const struct iscsi_bhs *)o.bhs),
						 o.data_len);
				assert_true(o.data_len <= ISCSI_MAX_TEXT_PDU);
			}
			if (res == ISCSI_LOGIN_FAILED || res == ISCSI_LOGIN_DROP ||
			    res == ISCSI_LOGIN_DONE)
				break;
		}
		iscsi_login_free(l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_no_auth),
		cmocka_unit_test(test_straight_to_ffp),
		cmocka_unit_test(test_target_errors),
		cmocka_unit_test(test_missing_names),
		cmocka_unit_test(test_version_and_garbage),
		cmocka_unit_test(test_stage_rules),
		cmocka_unit_test(test_non_leading),
		cmocka_unit_test(test_chap_one_way),
		cmocka_unit_test(test_chap_wrong),
		cmocka_unit_test(test_chap_mutual),
		cmocka_unit_test(test_chap_required),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_multi_pdu_request),
		cmocka_unit_test(test_long_response_split),
		cmocka_unit_test(test_random_requests),
	};

	return cmocka_run_group_tests(tests, core_setup, NULL);
}
