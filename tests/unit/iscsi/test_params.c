/* SPDX-License-Identifier: GPL-2.0-only */
/* Login key negotiation rules (RFC 7143 6.2, 13): one test per rule. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "params.h"

struct ctx {
	struct iscsi_neg n;
	struct iscsi_textout out;
	char buf[4096];
	struct iscsi_kvlist kl;
};

/* Run one request of NUL-separated pairs; returns iscsi_neg_process()'s result. */
static int run(struct ctx *c, const char *req, size_t len, int stage, bool leading)
{
	memcpy(c->buf, req, len);
	iscsi_textout_reset(&c->out);
	assert_int_equal(iscsi_kv_parse(c->buf, (uint32_t)len, &c->kl), 0);
	return iscsi_neg_process(&c->n, &c->kl, stage, leading, &c->out);
}

#define RUN(c, lit, stage) run(c, lit, sizeof(lit) - 1, stage, true)
#define OP ISCSI_STAGE_OPERATIONAL
#define SECU ISCSI_STAGE_SECURITY

static void expect_out(struct ctx *c, const char *want, size_t len)
{
	assert_int_equal(c->out.len, len);
	assert_memory_equal(c->out.data, want, len);
}

#define EXPECT(c, lit) expect_out(c, lit, sizeof(lit) - 1)

static struct ctx *new_ctx(void)
{
	struct ctx *c = calloc(1, sizeof(*c));

	iscsi_neg_init(&c->n, NULL);
	return c;
}

static void free_ctx(struct ctx *c)
{
	iscsi_textout_free(&c->out);
	free(c);
}

static void test_defaults(void **state)
{
	struct iscsi_target_limits lim;
	struct ctx *c = new_ctx();

	(void)state;
	iscsi_target_limits_default(&lim);
	assert_int_equal(lim.max_recv_dsl, 262144);
	assert_int_equal(lim.max_burst, 1048576);
	assert_int_equal(lim.first_burst, 262144);
	assert_int_equal(lim.max_outstanding_r2t, 32);
	/* Nothing negotiated: RFC 7143 13 defaults. */
	assert_false(c->n.p.header_digest);
	assert_int_equal(c->n.p.max_recv_dsl, 8192);
	assert_int_equal(c->n.p.max_xmit_dsl, 8192);
	assert_int_equal(c->n.p.max_burst, 262144);
	assert_int_equal(c->n.p.first_burst, 65536);
	assert_true(c->n.p.initial_r2t);
	assert_true(c->n.p.immediate_data);
	assert_int_equal(c->n.p.max_outstanding_r2t, 1);
	assert_int_equal(c->n.p.default_time2wait, 2);
	assert_int_equal(c->n.p.default_time2retain, 20);
	assert_int_equal(c->n.p.erl, 0);
	assert_int_equal(c->n.p.max_connections, 1);
	free_ctx(c);
}

static void test_digest_list(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	/* The initiator's first value we support wins (RFC 7143 6.2.1). */
	assert_int_equal(RUN(c, "HeaderDigest=CRC32C,None\0DataDigest=None,CRC32C\0", OP), 0);
	EXPECT(c, "HeaderDigest=CRC32C\0DataDigest=None\0");
	assert_true(c->n.p.header_digest);
	assert_false(c->n.p.data_digest);
	free_ctx(c);
	c = new_ctx();
	assert_int_equal(RUN(c, "HeaderDigest=MD5,CRC32C\0DataDigest=SHA1\0", OP), 0);
	EXPECT(c, "HeaderDigest=CRC32C\0DataDigest=Reject\0");
	assert_false(c->n.p.data_digest);
	free_ctx(c);
}

/* A target's own HeaderDigest/DataDigest/InitialR2T/ImmediateData settings limit its offer. */
static void test_target_overrides(void **state)
{
	struct iscsi_target_limits lim = { .max_recv_dsl = 262144 };
	struct ctx *c = calloc(1, sizeof(*c));

	(void)state;
	snprintf(lim.header_digest, sizeof(lim.header_digest), "None");
	snprintf(lim.data_digest, sizeof(lim.data_digest), "CRC32C");
	lim.initial_r2t = true;
	lim.no_immediate_data = true;
	iscsi_neg_init(&c->n, &lim);
	assert_int_equal(RUN(c, "HeaderDigest=CRC32C,None\0DataDigest=None\0InitialR2T=No\0"
				"ImmediateData=Yes\0", OP), 0);
	EXPECT(c, "HeaderDigest=None\0DataDigest=Reject\0InitialR2T=Yes\0ImmediateData=No\0");
	assert_false(c->n.p.header_digest);
	assert_true(c->n.p.initial_r2t);
	assert_false(c->n.p.immediate_data);
	free_ctx(c);
}

static void test_numeric_min_max(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	assert_int_equal(RUN(c,
			     "MaxBurstLength=16776192\0FirstBurstLength=4096\0"
			     "MaxOutstandingR2T=64\0DefaultTime2Wait=0\0DefaultTime2Retain=60\0"
			     "ErrorRecoveryLevel=2\0MaxConnections=8\0",
			     OP),
			 0);
	EXPECT(c, "MaxBurstLength=1048576\0FirstBurstLength=4096\0MaxOutstandingR2T=32\0"
		  "DefaultTime2Wait=2\0DefaultTime2Retain=20\0ErrorRecoveryLevel=0\0"
		  "MaxConnections=1\0");
	assert_int_equal(c->n.p.max_burst, 1048576);
	assert_int_equal(c->n.p.first_burst, 4096);
	assert_int_equal(c->n.p.max_outstanding_r2t, 32);
	assert_int_equal(c->n.p.default_time2wait, 2);
	assert_int_equal(c->n.p.default_time2retain, 20);
	assert_int_equal(c->n.p.erl, 0);
	assert_int_equal(c->n.p.max_connections, 1);
	free_ctx(c);
	c = new_ctx();
	assert_int_equal(RUN(c, "MaxBurstLength=8192\0DefaultTime2Wait=5\0DefaultTime2Retain=0\0",
			     OP),
			 0);
	EXPECT(c, "MaxBurstLength=8192\0DefaultTime2Wait=5\0DefaultTime2Retain=0\0");
	free_ctx(c);
}

static void test_numeric_out_of_range(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	assert_int_equal(RUN(c,
			     "MaxBurstLength=511\0FirstBurstLength=16777216\0"
			     "MaxOutstandingR2T=0\0ErrorRecoveryLevel=3\0DefaultTime2Wait=x\0",
			     OP),
			 0);
	EXPECT(c, "MaxBurstLength=Reject\0FirstBurstLength=Reject\0MaxOutstandingR2T=Reject\0"
		  "ErrorRecoveryLevel=Reject\0DefaultTime2Wait=Reject\0");
	assert_int_equal(c->n.p.max_burst, 262144); /* unchanged */
	free_ctx(c);
}

static void test_first_burst_le_max_burst(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	/* RFC 7143 13.14: FirstBurstLength <= MaxBurstLength, whatever the order. */
	assert_int_equal(RUN(c, "FirstBurstLength=65536\0MaxBurstLength=16384\0", OP), 0);
	EXPECT(c, "FirstBurstLength=16384\0MaxBurstLength=16384\0");
	assert_int_equal(c->n.p.first_burst, 16384);
	free_ctx(c);
}

static void test_booleans(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	/* InitialR2T OR (ours No), ImmediateData AND (ours Yes), in-order OR (ours Yes). */
	assert_int_equal(RUN(c,
			     "InitialR2T=No\0ImmediateData=Yes\0DataPDUInOrder=No\0"
			     "DataSequenceInOrder=No\0",
			     OP),
			 0);
	EXPECT(c, "InitialR2T=No\0ImmediateData=Yes\0DataPDUInOrder=Yes\0"
		  "DataSequenceInOrder=Yes\0");
	assert_false(c->n.p.initial_r2t);
	assert_true(c->n.p.immediate_data);
	free_ctx(c);
	c = new_ctx();
	assert_int_equal(RUN(c, "InitialR2T=Yes\0ImmediateData=No\0DataPDUInOrder=maybe\0", OP), 0);
	EXPECT(c, "InitialR2T=Yes\0ImmediateData=No\0DataPDUInOrder=Reject\0");
	assert_true(c->n.p.initial_r2t);
	assert_false(c->n.p.immediate_data);
	free_ctx(c);
}

static void test_mrdsl_declarative(void **state)
{
	struct iscsi_target_limits lim = {
		.max_recv_dsl = 131072, .max_burst = 1048576, .first_burst = 65536,
		.max_outstanding_r2t = 16,
	};
	struct ctx *c = new_ctx();

	(void)state;
	iscsi_neg_init(&c->n, &lim);
	/* The initiator's value is what we may send; we declare ours in return. */
	assert_int_equal(RUN(c, "MaxRecvDataSegmentLength=65536\0", OP), 0);
	EXPECT(c, "MaxRecvDataSegmentLength=131072\0");
	assert_int_equal(c->n.p.max_xmit_dsl, 65536);
	assert_int_equal(c->n.p.max_recv_dsl, 131072);
	/* Declared once only. */
	iscsi_textout_reset(&c->out);
	assert_int_equal(iscsi_neg_declare(&c->n, &c->out), 0);
	assert_int_equal(c->out.len, 0);
	free_ctx(c);
	c = new_ctx();
	assert_int_equal(RUN(c, "MaxRecvDataSegmentLength=100\0", OP), 0);
	EXPECT(c, "MaxRecvDataSegmentLength=Reject\0");
	assert_int_equal(c->n.p.max_xmit_dsl, 8192);
	free_ctx(c);
}

static void test_unknown_and_obsolete(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	assert_int_equal(RUN(c,
			     "X-com.example.Foo=1\0X#bar=2\0Wibble=3\0OFMarker=Yes\0IFMarker=No\0"
			     "OFMarkInt=2048\0IFMarkInt=1~65535\0TaskReporting=FastAbort,RFC3720\0",
			     OP),
			 0);
	EXPECT(c, "X-com.example.Foo=NotUnderstood\0X#bar=NotUnderstood\0Wibble=NotUnderstood\0"
		  "OFMarker=No\0IFMarker=No\0OFMarkInt=Irrelevant\0IFMarkInt=Irrelevant\0"
		  "TaskReporting=RFC3720\0");
	free_ctx(c);
}

static void test_target_only_keys(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	assert_int_equal(RUN(c,
			     "TargetAlias=x\0TargetAddress=1.2.3.4\0TargetPortalGroupTag=1\0"
			     "InitiatorAlias=host\0",
			     OP),
			 0);
	EXPECT(c, "TargetAlias=Reject\0TargetAddress=Reject\0TargetPortalGroupTag=Reject\0");
	free_ctx(c);
}

static void test_stage_and_leading_rules(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	/* RFC 7143 6.3: operational keys are not for the security stage. */
	assert_int_equal(RUN(c, "MaxBurstLength=8192\0", SECU), -EPROTO);
	free_ctx(c);
	c = new_ctx();
	/* Leading-only keys in a login that adds a connection. */
	assert_int_equal(run(c, "InitialR2T=Yes", 15, OP, false), -EPROTO);
	free_ctx(c);
	c = new_ctx();
	/* MaxRecvDataSegmentLength is allowed on any connection. */
	assert_int_equal(run(c, "MaxRecvDataSegmentLength=8192", 30, OP, false), 0);
	free_ctx(c);
	c = new_ctx();
	/* The same key twice in one login (over two requests). */
	assert_int_equal(RUN(c, "MaxBurstLength=8192\0", OP), 0);
	assert_int_equal(RUN(c, "MaxBurstLength=4096\0", OP), -EPROTO);
	free_ctx(c);
}

static void test_discovery_irrelevant(void **state)
{
	struct ctx *c = new_ctx();

	(void)state;
	c->n.type = ISCSI_SESSION_DISCOVERY;
	assert_int_equal(RUN(c,
			     "MaxBurstLength=8192\0InitialR2T=Yes\0HeaderDigest=None\0"
			     "MaxConnections=1\0DefaultTime2Wait=2\0",
			     OP),
			 0);
	EXPECT(c, "MaxBurstLength=Irrelevant\0InitialR2T=Irrelevant\0HeaderDigest=None\0"
		  "MaxConnections=Irrelevant\0DefaultTime2Wait=2\0");
	assert_int_equal(c->n.p.max_burst, 262144);
	free_ctx(c);
}

static void test_long_simple_value(void **state)
{
	struct ctx *c = new_ctx();
	char req[400];
	int n;

	(void)state;
	/* RFC 7143 6.1: at most 255 bytes for simple values. */
	n = snprintf(req, sizeof(req), "HeaderDigest=");
	memset(req + n, 'A', 256);
	req[n + 256] = '\0';
	assert_int_equal(run(c, req, (size_t)n + 257, OP, true), 0);
	EXPECT(c, "HeaderDigest=Reject\0");
	free_ctx(c);
}

static void test_table_lookup(void **state)
{
	(void)state;
	assert_int_equal(iscsi_key_lookup("MaxBurstLength"), ISCSI_KEY_MAX_BURST);
	assert_int_equal(iscsi_key_lookup("maxburstlength"), -1);
	assert_string_equal(iscsi_key_def(ISCSI_KEY_ERL)->name, "ErrorRecoveryLevel");
	assert_int_equal(iscsi_key_def(ISCSI_KEY_MAX_RECV_DSL)->max, 16777215);
	assert_true(iscsi_key_def(ISCSI_KEY_INITIAL_R2T)->flags & ISCSI_KEY_LEADING_ONLY);
	assert_false(iscsi_key_def(ISCSI_KEY_MAX_RECV_DSL)->flags & ISCSI_KEY_LEADING_ONLY);
	for (int i = 0; i < ISCSI_KEY__COUNT; i++)
		assert_non_null(iscsi_key_def((enum iscsi_key_id)i)->name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_digest_list),
		cmocka_unit_test(test_target_overrides),
		cmocka_unit_test(test_numeric_min_max),
		cmocka_unit_test(test_numeric_out_of_range),
		cmocka_unit_test(test_first_burst_le_max_burst),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_mrdsl_declarative),
		cmocka_unit_test(test_unknown_and_obsolete),
		cmocka_unit_test(test_target_only_keys),
		cmocka_unit_test(test_stage_and_leading_rules),
		cmocka_unit_test(test_discovery_irrelevant),
		cmocka_unit_test(test_long_simple_value),
		cmocka_unit_test(test_table_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
