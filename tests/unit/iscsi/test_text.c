/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text key=value parsing and building (RFC 7143 6.1, 6.2) and the full
 * feature phase Text Request with SendTargets (RFC 7143 11.10, Appendix C).
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

#include "scst/builtins.h"
#include "scst/core.h"
#include "login.h"
#include "textkv.h"

static char err[256];

/* Parse a literal of len bytes (a copy with one spare byte, as the API wants). */
static int parse(const char *s, size_t len, struct iscsi_kvlist *kl, char **keep)
{
	char *b = malloc(len + 1);

	memcpy(b, s, len);
	*keep = b;
	return iscsi_kv_parse(b, (uint32_t)len, kl);
}

static void test_parse_basic(void **state)
{
	static const char in[] = "InitiatorName=iqn.x\0SessionType=Normal\0Empty=\0";
	struct iscsi_kvlist kl;
	char *b;

	(void)state;
	assert_int_equal(parse(in, sizeof(in) - 1, &kl, &b), 0);
	assert_int_equal(kl.n, 3);
	assert_string_equal(kl.kv[0].key, "InitiatorName");
	assert_string_equal(kl.kv[0].value, "iqn.x");
	assert_int_equal(kl.kv[0].vlen, 5);
	assert_string_equal(kl.kv[1].value, "Normal");
	assert_string_equal(kl.kv[2].key, "Empty");
	assert_string_equal(kl.kv[2].value, "");
	assert_non_null(iscsi_kv_find(&kl, "SessionType"));
	assert_null(iscsi_kv_find(&kl, "TargetName"));
	free(b);
}

static void test_parse_trailing_nul_optional(void **state)
{
	static const char in[] = "A=1\0B=2"; /* no NUL after the last pair */
	static const char padded[] = "A=1\0\0\0\0"; /* padding inside the length */
	struct iscsi_kvlist kl;
	char *b;

	(void)state;
	assert_int_equal(parse(in, sizeof(in) - 1, &kl, &b), 0);
	assert_int_equal(kl.n, 2);
	assert_string_equal(kl.kv[1].value, "2");
	free(b);
	assert_int_equal(parse(padded, sizeof(padded) - 1, &kl, &b), 0);
	assert_int_equal(kl.n, 1);
	free(b);
}

static void test_parse_key_length(void **state)
{
	char in[200];
	struct iscsi_kvlist kl;
	char *b;

	(void)state;
	memset(in, 'K', 63);
	strcpy(in + 63, "=v");
	assert_int_equal(parse(in, strlen(in) + 1, &kl, &b), 0);
	assert_int_equal(kl.n, 1);
	assert_int_equal(strlen(kl.kv[0].key), 63);
	free(b);
	memset(in, 'K', 64);
	strcpy(in + 64, "=v");
	assert_int_equal(parse(in, strlen(in) + 1, &kl, &b), -EPROTO);
	free(b);
}

static void test_parse_malformed(void **state)
{
	static const char noeq[] = "A=1\0JustAKey\0";
	static const char emptykey[] = "=value\0";
	static const char badkey[] = "Ke y=1\0";
	static const char ctrl[] = "A=1\x01\x02\0";
	static const char dup[] = "A=1\0B=2\0A=3\0";
	struct iscsi_kvlist kl;
	char *b;

	(void)state;
	assert_int_equal(parse(noeq, sizeof(noeq) - 1, &kl, &b), -EPROTO);
	free(b);
	assert_int_equal(parse(emptykey, sizeof(emptykey) - 1, &kl, &b), -EPROTO);
	free(b);
	assert_int_equal(parse(badkey, sizeof(badkey) - 1, &kl, &b), -EPROTO);
	free(b);
	assert_int_equal(parse(ctrl, sizeof(ctrl) - 1, &kl, &b), -EPROTO);
	free(b);
	assert_int_equal(parse(dup, sizeof(dup) - 1, &kl, &b), -EEXIST);
	free(b);
}

static void test_parse_value_length(void **state)
{
	size_t n = 2 + 8192 + 1;
	char *in = malloc(65536 + 8);
	struct iscsi_kvlist kl;
	char *b;

	(void)state;
	/* 8192 bytes: the largest value RFC 7143 6.1 allows. */
	memcpy(in, "V=", 2);
	memset(in + 2, 'a', 8192);
	in[n - 1] = '\0';
	assert_int_equal(parse(in, n, &kl, &b), 0);
	assert_int_equal(kl.kv[0].vlen, 8192);
	free(b);
	memset(in + 2, 'a', 8193);
	in[2 + 8193] = '\0';
	assert_int_equal(parse(in, 2 + 8193 + 1, &kl, &b), -EPROTO);
	free(b);
	/* 64 KiB value. */
	memset(in + 2, 'a', 65536 - 3);
	in[65535] = '\0';
	assert_int_equal(parse(in, 65536, &kl, &b), -EPROTO);
	free(b);
	free(in);
}

static void test_parse_too_many_keys(void **state)
{
	char *in = malloc(ISCSI_MAX_TEXT_TOTAL);
	size_t len = 0;
	struct iscsi_kvlist kl;
	char *b;

	(void)state;
	for (int i = 0; i < ISCSI_MAX_KEYS + 1; i++)
		len += (size_t)sprintf(in + len, "K%d=1", i) + 1;
	assert_int_equal(parse(in, len, &kl, &b), -E2BIG);
	free(b);
	free(in);
}

static void test_textbuf_accumulate(void **state)
{
	struct iscsi_textbuf tb = { 0 };
	struct iscsi_kvlist kl;
	uint8_t *big = calloc(1, ISCSI_MAX_TEXT_TOTAL);

	(void)state;
	/* A pair split over two PDUs (RFC 7143 6.2). */
	assert_int_equal(iscsi_textbuf_append(&tb, (const uint8_t *)"Initiator", 9), 0);
	assert_int_equal(iscsi_textbuf_append(&tb, (const uint8_t *)"Name=iqn.a\0X=1", 15), 0);
	assert_int_equal(tb.len, 24);
	assert_int_equal(iscsi_kv_parse(tb.data, tb.len, &kl), 0);
	assert_int_equal(kl.n, 2);
	assert_string_equal(kl.kv[0].key, "InitiatorName");
	assert_string_equal(kl.kv[0].value, "iqn.a");
	iscsi_textbuf_reset(&tb);
	/* The whole exchange is bounded. */
	assert_int_equal(iscsi_textbuf_append(&tb, big, ISCSI_MAX_TEXT_TOTAL), 0);
	assert_int_equal(iscsi_textbuf_append(&tb, big, 1), -E2BIG);
	iscsi_textbuf_free(&tb);
	free(big);
}

static void test_textout_chunks(void **state)
{
	struct iscsi_textout o = { 0 };
	uint8_t *c;
	bool more;

	(void)state;
	assert_int_equal(iscsi_textout_add(&o, "A", "12345"), 0);
	assert_int_equal(iscsi_textout_addf(&o, "B", "%u", 42u), 0);
	assert_int_equal(o.len, 13);
	assert_memory_equal(o.data, "A=12345\0B=42\0", 13);
	assert_int_equal(iscsi_textout_next(&o, 8, &c, &more), 8);
	assert_true(more);
	assert_memory_equal(c, "A=12345\0", 8);
	assert_int_equal(iscsi_textout_next(&o, 8, &c, &more), 5);
	assert_false(more);
	assert_false(iscsi_textout_pending(&o));
	iscsi_textout_free(&o);
}

static void test_numbers(void **state)
{
	uint64_t v;
	bool b;

	(void)state;
	assert_int_equal(iscsi_parse_number("8192", 512, 16777215, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(iscsi_parse_number("0x2000", 512, 16777215, &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(iscsi_parse_number("511", 512, 16777215, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("16777216", 512, 16777215, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("", 0, 10, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("12a", 0, 1000, &v), -EINVAL);
	assert_int_equal(iscsi_parse_number("99999999999999999999999", 0, UINT64_MAX, &v),
			 -EINVAL);
	assert_int_equal(iscsi_parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(iscsi_parse_bool("No", &b), 0);
	assert_false(b);
	assert_int_equal(iscsi_parse_bool("yes", &b), -EINVAL);
}

/* ---- Text Request / SendTargets ---- */

static const char *const T1 = "iqn.2026-11.org.scst:t1";
static const char *const T2 = "iqn.2026-11.org.scst:t2";
static const char *const T3 = "iqn.2026-11.org.scst:disabled";
static const char *const INI = "iqn.2026-11.org.test:ini";

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

static void make_target(const char *name, bool enabled, bool lun)
{
	struct scst_target *t;

	assert_int_equal(scst_target_add("iscsi", name, err, sizeof(err)), 0);
	t = scst_target_find("iscsi", name);
	assert_non_null(t);
	if (lun)
		assert_int_equal(scst_lun_add(t, NULL, 0, "n0", false, err, sizeof(err)), 0);
	scst_target_set_enabled(t, enabled);
}

static int core_setup(void **state)
{
	(void)state;
	if (scst_core_init(1))
		return -1;
	scst_vdisk_register();
	if (!scst_find_target_template("iscsi"))
		scst_register_target_template(&fake_iscsi);
	if (scst_device_add("vdisk_nullio", "n0", "size=1048576", err, sizeof(err)))
		return -1;
	make_target(T1, true, true);
	make_target(T2, true, true);
	make_target(T3, false, true);
	make_target("iqn.2026-11.org.scst:nolun", true, false);
	return 0;
}

static void text_bhs(uint8_t *bhs, uint8_t flags, uint32_t itt, uint32_t ttt, uint32_t dlen)
{
	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[0] = ISCSI_OP_TEXT_REQ | ISCSI_OP_IMMEDIATE;
	bhs[1] = flags;
	iscsi_set_dlength((struct iscsi_bhs *)bhs, dlen);
	bhs[16] = (uint8_t)(itt >> 24);
	bhs[17] = (uint8_t)(itt >> 16);
	bhs[18] = (uint8_t)(itt >> 8);
	bhs[19] = (uint8_t)itt;
	bhs[20] = (uint8_t)(ttt >> 24);
	bhs[21] = (uint8_t)(ttt >> 16);
	bhs[22] = (uint8_t)(ttt >> 8);
	bhs[23] = (uint8_t)ttt;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const struct iscsi_portal_info portal = { "192.0.2.1:3260", 7 };

static void test_sendtargets_all(void **state)
{
	static const char req[] = "SendTargets=All";
	struct iscsi_text *t = iscsi_text_new(&portal, INI, ISCSI_SESSION_DISCOVERY, NULL, 8192);
	struct iscsi_pdu_out out;
	uint8_t bhs[ISCSI_BHS_LEN], reason = 0;
	char *txt;

	(void)state;
	text_bhs(bhs, ISCSI_FLAG_FINAL, 0x11, ISCSI_RESERVED_TAG, sizeof(req));
	assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)req, sizeof(req), &out, &reason),
			 0);
	assert_int_equal(out.bhs[0], ISCSI_OP_TEXT_RSP);
	assert_int_equal(out.bhs[1], ISCSI_FLAG_FINAL);
	assert_int_equal(be32(out.bhs + 16), 0x11);
	assert_int_equal(be32(out.bhs + 20), ISCSI_RESERVED_TAG);
	assert_int_equal(iscsi_dlength((struct iscsi_bhs *)out.bhs), out.data_len);
	/* Only enabled targets that show this initiator a LUN; newest first in the core list. */
	txt = malloc(out.data_len + 1);
	memcpy(txt, out.data, out.data_len);
	txt[out.data_len] = '\0';
	{
		char want[512];
		int n = snprintf(want, sizeof(want),
				 "TargetName=%s%cTargetAddress=192.0.2.1:3260,7%c"
				 "TargetName=%s%cTargetAddress=192.0.2.1:3260,7%c",
				 T2, 0, 0, T1, 0, 0);

		assert_int_equal(out.data_len, n);
		assert_memory_equal(out.data, want, (size_t)n);
	}
	free(txt);
	iscsi_text_free(t);
}

static void test_sendtargets_named_and_normal(void **state)
{
	char req[128];
	struct iscsi_text *t = iscsi_text_new(&portal, INI, ISCSI_SESSION_DISCOVERY, NULL, 8192);
	struct iscsi_pdu_out out;
	uint8_t bhs[ISCSI_BHS_LEN], reason = 0;
	int n;
	char want[256];
	int wn;

	(void)state;
	n = snprintf(req, sizeof(req), "SendTargets=%s", T1) + 1;
	text_bhs(bhs, ISCSI_FLAG_FINAL, 1, ISCSI_RESERVED_TAG, (uint32_t)n);
	assert_int_equal(iscsi_text_rx(t, bhs, (uint8_t *)req, (uint32_t)n, &out, &reason), 0);
	wn = snprintf(want, sizeof(want), "TargetName=%s%cTargetAddress=192.0.2.1:3260,7%c", T1, 0,
		      0);
	assert_int_equal(out.data_len, wn);
	assert_memory_equal(out.data, want, (size_t)wn);
	/* A disabled target is not listed. */
	n = snprintf(req, sizeof(req), "SendTargets=%s", T3) + 1;
	text_bhs(bhs, ISCSI_FLAG_FINAL, 2, ISCSI_RESERVED_TAG, (uint32_t)n);
	assert_int_equal(iscsi_text_rx(t, bhs, (uint8_t *)req, (uint32_t)n, &out, &reason), 0);
	assert_int_equal(out.data_len, 0);
	iscsi_text_free(t);

	/* A normal session: an empty value means the session's own target. */
	t = iscsi_text_new(&portal, INI, ISCSI_SESSION_NORMAL, scst_target_find("iscsi", T2),
			   8192);
	text_bhs(bhs, ISCSI_FLAG_FINAL, 3, ISCSI_RESERVED_TAG, 13);
	assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)"SendTargets=", 13, &out, &reason),
			 0);
	wn = snprintf(want, sizeof(want), "TargetName=%s%cTargetAddress=192.0.2.1:3260,7%c", T2, 0,
		      0);
	assert_int_equal(out.data_len, wn);
	assert_memory_equal(out.data, want, (size_t)wn);
	iscsi_text_free(t);
}

static void test_text_other_keys(void **state)
{
	static const char req[] = "X-vendor=1\0HeaderDigest=None\0MaxRecvDataSegmentLength=4096";
	static const char want[] = "X-vendor=NotUnderstood\0HeaderDigest=Reject\0";
	struct iscsi_text *t = iscsi_text_new(&portal, INI, ISCSI_SESSION_DISCOVERY, NULL, 8192);
	struct iscsi_pdu_out out;
	uint8_t bhs[ISCSI_BHS_LEN], reason = 0;

	(void)state;
	text_bhs(bhs, ISCSI_FLAG_FINAL, 5, ISCSI_RESERVED_TAG, sizeof(req));
	assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)req, sizeof(req), &out, &reason),
			 0);
	assert_int_equal(out.data_len, sizeof(want) - 1);
	assert_memory_equal(out.data, want, sizeof(want) - 1);
	assert_int_equal(iscsi_text_max_xmit_dsl(t), 4096);
	/* A key without '=' gets a Reject PDU (protocol error). */
	text_bhs(bhs, ISCSI_FLAG_FINAL, 6, ISCSI_RESERVED_TAG, 8);
	assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)"NoEqual", 8, &out, &reason),
			 -EPROTO);
	assert_int_equal(reason, ISCSI_REJECT_PROTOCOL_ERROR);
	/* C and F together are a protocol error. */
	text_bhs(bhs, ISCSI_FLAG_FINAL | ISCSI_TEXT_CONTINUE, 7, ISCSI_RESERVED_TAG, 0);
	assert_int_equal(iscsi_text_rx(t, bhs, NULL, 0, &out, &reason), -EPROTO);
	/* A TTT we never gave out. */
	text_bhs(bhs, ISCSI_FLAG_FINAL, 8, 0x1234, 0);
	assert_int_equal(iscsi_text_rx(t, bhs, NULL, 0, &out, &reason), -EPROTO);
	assert_int_equal(reason, ISCSI_REJECT_INVALID_PDU_FIELD);
	iscsi_text_free(t);
}

/* A long response over several PDUs (RFC 7143 11.11.1) and a split request. */
static void test_text_multi_pdu(void **state)
{
	static const char part1[] = "SendT";
	static const char part2[] = "argets=All";
	struct iscsi_text *t = iscsi_text_new(&portal, INI, ISCSI_SESSION_DISCOVERY, NULL, 512);
	struct iscsi_pdu_out out;
	uint8_t bhs[ISCSI_BHS_LEN], reason = 0;
	char names[40][64];
	char *all = malloc(ISCSI_MAX_TEXT_TOTAL);
	size_t got = 0, want_len = 0;
	uint32_t ttt;
	int pdus = 0;

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "iqn.2026-11.org.scst:many-%02d", i);
		make_target(names[i], true, true);
	}
	/* The request comes in two parts: C bit, then the rest. */
	text_bhs(bhs, ISCSI_TEXT_CONTINUE, 0x77, ISCSI_RESERVED_TAG, sizeof(part1) - 1);
	assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)part1, sizeof(part1) - 1, &out,
				       &reason),
			 0);
	assert_int_equal(out.data_len, 0);
	assert_int_equal(out.bhs[1], 0); /* neither F nor C */
	ttt = be32(out.bhs + 20);
	assert_int_not_equal(ttt, ISCSI_RESERVED_TAG);
	text_bhs(bhs, ISCSI_FLAG_FINAL, 0x77, ttt, sizeof(part2));
	assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)part2, sizeof(part2), &out,
				       &reason),
			 0);
	for (;;) {
		pdus++;
		assert_true(out.data_len <= 512);
		memcpy(all + got, out.data, out.data_len);
		got += out.data_len;
		if (out.bhs[1] == ISCSI_FLAG_FINAL) {
			assert_int_equal(be32(out.bhs + 20), ISCSI_RESERVED_TAG);
			break;
		}
		assert_int_equal(out.bhs[1], ISCSI_TEXT_CONTINUE);
		assert_int_equal(out.data_len, 512);
		ttt = be32(out.bhs + 20);
		assert_int_not_equal(ttt, ISCSI_RESERVED_TAG);
		text_bhs(bhs, ISCSI_FLAG_FINAL, 0x77, ttt, 0);
		assert_int_equal(iscsi_text_rx(t, bhs, NULL, 0, &out, &reason), 0);
	}
	/* 22 targets of ~80 bytes each: several PDUs, nothing lost. */
	for (int i = 0; i < 20; i++)
		want_len += strlen("TargetName=") + strlen(names[i]) + 1 +
			    strlen("TargetAddress=192.0.2.1:3260,7") + 1;
	want_len += 2 * (strlen("TargetName=") + strlen(T1) + 1 +
			 strlen("TargetAddress=192.0.2.1:3260,7") + 1);
	assert_int_equal(got, want_len);
	assert_true(pdus >= 4);
	/* A new request (TTT reserved) in the middle of another resets it. */
	text_bhs(bhs, ISCSI_FLAG_FINAL, 0x78, ISCSI_RESERVED_TAG,
		 sizeof(part1) + sizeof(part2) - 1);
	{
		char req[32];

		snprintf(req, sizeof(req), "%s%s", part1, part2);
		assert_int_equal(iscsi_text_rx(t, bhs, (uint8_t *)req, (uint32_t)strlen(req) + 1,
					       &out, &reason),
				 0);
		assert_int_equal(out.bhs[1], ISCSI_TEXT_CONTINUE);
		text_bhs(bhs, ISCSI_FLAG_FINAL, 0x79, ISCSI_RESERVED_TAG, 4);
		assert_int_equal(iscsi_text_rx(t, bhs, (const uint8_t *)"A=1", 4, &out, &reason),
				 0);
		assert_int_equal(out.bhs[1], ISCSI_FLAG_FINAL);
		assert_int_equal(out.data_len, strlen("A=NotUnderstood") + 1);
	}
	for (int i = 0; i < 20; i++)
		assert_int_equal(scst_target_del("iscsi", names[i], err, sizeof(err)), 0);
	free(all);
	iscsi_text_free(t);
}

/* Random Text Requests (seeded): an answer or -EPROTO, never a crash or an oversized PDU. */
static void test_text_random(void **state)
{
	static const char alphabet[] = "=\0aZ09,._-#XSendTargetsAll";
	struct iscsi_text *t = iscsi_text_new(&portal, INI, ISCSI_SESSION_DISCOVERY, NULL, 600);
	uint8_t bhs[ISCSI_BHS_LEN], data[1024], reason;
	struct iscsi_pdu_out out;
	unsigned seed = 777;
	uint32_t last_ttt = ISCSI_RESERVED_TAG;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint32_t len = (uint32_t)(rand_r(&seed) % 200);
		uint32_t ttt = rand_r(&seed) % 3 ? ISCSI_RESERVED_TAG : last_ttt;

		for (uint32_t k = 0; k < len; k++)
			data[k] = (uint8_t)alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		text_bhs(bhs, (uint8_t)(rand_r(&seed) & 0xc0), (uint32_t)rand_r(&seed) % 4, ttt,
			 len);
		if (iscsi_text_rx(t, bhs, data, len, &out, &reason) == 0) {
			assert_int_equal(out.bhs[0], ISCSI_OP_TEXT_RSP);
			assert_true(out.data_len <= 600);
			assert_int_equal(iscsi_dlength((struct iscsi_bhs *)out.bhs), out.data_len);
			last_ttt = be32(out.bhs + 20);
		}
	}
	iscsi_text_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_trailing_nul_optional),
		cmocka_unit_test(test_parse_key_length),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_value_length),
		cmocka_unit_test(test_parse_too_many_keys),
		cmocka_unit_test(test_textbuf_accumulate),
		cmocka_unit_test(test_textout_chunks),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_sendtargets_all),
		cmocka_unit_test(test_sendtargets_named_and_normal),
		cmocka_unit_test(test_text_other_keys),
		cmocka_unit_test(test_text_multi_pdu),
		cmocka_unit_test(test_text_random),
	};

	return cmocka_run_group_tests(tests, core_setup, NULL);
}
