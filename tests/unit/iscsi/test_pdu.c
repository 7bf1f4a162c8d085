// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure parts of the iSCSI connection layer: header validation, CmdSN
 * window arithmetic with serial number wrap (RFC 1982), CRC32C digests
 * (RFC 3720 B.4 vectors), Data-Out placement checks and AHS parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "iscsi_priv.h"

static void test_crc32c_vectors(void **state)
{
	uint8_t buf[32];

	memset(buf, 0, sizeof(buf));
	assert_int_equal(iscsi_crc32c(buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(iscsi_crc32c(buf, 32), 0x62A8AB43u);
	for (unsigned i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(iscsi_crc32c(buf, 32), 0x46DD794Eu);
	for (unsigned i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(iscsi_crc32c(buf, 32), 0x113FDB5Cu);
}

static void test_crc32c_chained(void **state)
{
	uint8_t buf[100];
	struct iovec iov[3] = { { buf, 7 }, { buf + 7, 50 }, { buf + 57, 43 } };
	uint32_t crc = 0xffffffffu;

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(iscsi_crc32c_iov(iov, 3), iscsi_crc32c(buf, sizeof(buf)));
	crc = iscsi_crc32c_update(crc, buf, 10);
	crc = iscsi_crc32c_update(crc, buf + 10, 90);
	assert_int_equal(~crc, iscsi_crc32c(buf, sizeof(buf)));
}

static void test_digest_wire_order(void **state)
{
	uint8_t d[4];

	/* RFC 3720 B.4: 32 zero bytes give the bytes aa 36 91 8a on the wire. */
	iscsi_put_digest(d, 0x8A9136AAu);
	assert_int_equal(d[0], 0xaa);
	assert_int_equal(d[1], 0x36);
	assert_int_equal(d[2], 0x91);
	assert_int_equal(d[3], 0x8a);
	assert_int_equal(iscsi_get_digest(d), 0x8A9136AAu);
}

static void test_serial_arith(void **state)
{
	assert_true(iscsi_sn_lt(1, 2));
	assert_false(iscsi_sn_lt(2, 2));
	assert_true(iscsi_sn_lt(0xffffffffu, 0));
	assert_true(iscsi_sn_gt(0, 0xffffffffu));
	assert_true(iscsi_sn_gt(5, 0xfffffff0u));
	assert_false(iscsi_sn_gt(0xfffffff0u, 5));
	assert_true(iscsi_sn_lt(0x7ffffffeu, 0xfffffff0u));
}

static void test_cmdsn_window(void **state)
{
	/* [exp, max] = [10, 137] */
	assert_true(iscsi_sn_in_window(10, 10, 137));
	assert_true(iscsi_sn_in_window(137, 10, 137));
	assert_false(iscsi_sn_in_window(9, 10, 137));
	assert_false(iscsi_sn_in_window(138, 10, 137));
	/* Across the wrap. */
	assert_true(iscsi_sn_in_window(0xffffffffu, 0xfffffff0u, 0x70u));
	assert_true(iscsi_sn_in_window(0, 0xfffffff0u, 0x70u));
	assert_true(iscsi_sn_in_window(0x70u, 0xfffffff0u, 0x70u));
	assert_false(iscsi_sn_in_window(0x71u, 0xfffffff0u, 0x70u));
	assert_false(iscsi_sn_in_window(0xffffffefu, 0xfffffff0u, 0x70u));
	/* A closed window (MaxCmdSN = ExpCmdSN - 1) holds nothing. */
	assert_false(iscsi_sn_in_window(10, 10, 9));
	assert_false(iscsi_sn_in_window(9, 10, 9));
	assert_false(iscsi_sn_in_window(0, 0, 0xffffffffu));
}

static void mk_bhs(uint8_t *b, uint8_t op, uint32_t dsl, uint8_t ahs, uint32_t itt)
{
	memset(b, 0, ISCSI_BHS_LEN);
	b[0] = op;
	b[1] = ISCSI_FLAG_FINAL;
	b[4] = ahs;
	iscsi_set_dlength((struct iscsi_bhs *)b, dsl);
	scst_put_be32(b + 16, itt);
}

static void test_bhs_login_phase(void **state)
{
	struct iscsi_rx_limits lim = { ISCSI_PHASE_LOGIN, 8192, false };
	uint8_t b[ISCSI_BHS_LEN], r;

	mk_bhs(b, ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE, 100, 0, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_OK);
	mk_bhs(b, ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE, 8193, 0, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_LOGIN_REJECT);
	mk_bhs(b, ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE, 0, 1, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_LOGIN_REJECT);
	/* Anything else before a login: drop silently; after one: login reject. */
	mk_bhs(b, ISCSI_OP_SCSI_CMD, 0, 0, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_DROP);
	lim.login_started = true;
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_LOGIN_REJECT);
}

static void test_bhs_full_feature(void **state)
{
	struct iscsi_rx_limits lim = { ISCSI_PHASE_FULL, 262144, true };
	uint8_t b[ISCSI_BHS_LEN], r;

	mk_bhs(b, ISCSI_OP_SCSI_CMD, 4096, 0, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_OK);
	mk_bhs(b, ISCSI_OP_SCSI_CMD, 0, 2, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_OK);
	mk_bhs(b, ISCSI_OP_SCSI_CMD, 262145, 0, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT_CLOSE);
	assert_int_equal(r, ISCSI_REJECT_PROTOCOL_ERROR);
	mk_bhs(b, 0x1e, 0, 0, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
	assert_int_equal(r, ISCSI_REJECT_CMD_NOT_SUPPORTED);
	mk_bhs(b, ISCSI_OP_SNACK_REQ, 0, 0, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
	assert_int_equal(r, ISCSI_REJECT_SNACK);
	mk_bhs(b, ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE, 0, 1, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
	assert_int_equal(r, ISCSI_REJECT_INVALID_PDU_FIELD);
	mk_bhs(b, ISCSI_OP_NOOP_OUT, 0, 0, ISCSI_RESERVED_TAG);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
	mk_bhs(b, ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE, 0, 0, ISCSI_RESERVED_TAG);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_OK);
	mk_bhs(b, ISCSI_OP_LOGIN_REQ | ISCSI_OP_IMMEDIATE, 0, 0, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT_CLOSE);
	mk_bhs(b, ISCSI_OP_SCSI_CMD, 0, 0, ISCSI_RESERVED_TAG);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
	/* Target opcodes from an initiator are unknown to us. */
	mk_bhs(b, ISCSI_OP_SCSI_RSP, 0, 0, 7);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
}

static void test_bhs_discovery(void **state)
{
	struct iscsi_rx_limits lim = { ISCSI_PHASE_DISCOVERY, 8192, true };
	uint8_t b[ISCSI_BHS_LEN], r;

	mk_bhs(b, ISCSI_OP_TEXT_REQ | ISCSI_OP_IMMEDIATE, 100, 0, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_OK);
	mk_bhs(b, ISCSI_OP_SCSI_CMD, 0, 0, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_REJECT);
	assert_int_equal(r, ISCSI_REJECT_PROTOCOL_ERROR);
	mk_bhs(b, ISCSI_OP_LOGOUT_REQ | ISCSI_OP_IMMEDIATE, 0, 0, 1);
	assert_int_equal(iscsi_bhs_check(b, &lim, &r), ISCSI_PDU_OK);
}

static void test_dout_solicited(void **state)
{
	struct iscsi_dout_expect e = { 0x10001, 0, 65536, 65536 + 262144, true };

	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 65536, 8192, false), ISCSI_DOUT_OK);
	assert_int_equal(iscsi_dout_check(&e, 0x10002, 0, 65536, 8192, false), ISCSI_DOUT_BAD_TTT);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 1, 65536, 8192, false),
			 ISCSI_DOUT_BAD_DATASN);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0xffffffffu, 65536, 8192, false),
			 ISCSI_DOUT_BAD_DATASN);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 65536 + 512, 8192, false),
			 ISCSI_DOUT_BAD_OFFSET);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 0, 8192, false), ISCSI_DOUT_BAD_OFFSET);
	/* Past the burst, and the F bit at the wrong place. */
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 65536, 262145, true),
			 ISCSI_DOUT_OVERRUN);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 65536, 262144, false),
			 ISCSI_DOUT_BAD_FINAL);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 65536, 8192, true),
			 ISCSI_DOUT_BAD_FINAL);
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 65536, 262144, true), ISCSI_DOUT_OK);
	/* Offset near 4 GiB must not wrap. */
	e.offset = 0xfffff000u;
	e.end = 0xffffffffu;
	assert_int_equal(iscsi_dout_check(&e, 0x10001, 0, 0xfffff000u, 0x2000, true),
			 ISCSI_DOUT_OVERRUN);
}

static void test_dout_unsolicited(void **state)
{
	struct iscsi_dout_expect e = { ISCSI_RESERVED_TAG, 1, 8192, 65536, false };

	assert_int_equal(iscsi_dout_check(&e, ISCSI_RESERVED_TAG, 1, 8192, 8192, false),
			 ISCSI_DOUT_OK);
	/* The unsolicited sequence may end early with F. */
	assert_int_equal(iscsi_dout_check(&e, ISCSI_RESERVED_TAG, 1, 8192, 8192, true),
			 ISCSI_DOUT_OK);
	/* ...but must carry F when it reaches FirstBurstLength. */
	assert_int_equal(iscsi_dout_check(&e, ISCSI_RESERVED_TAG, 1, 8192, 57344, false),
			 ISCSI_DOUT_BAD_FINAL);
	assert_int_equal(iscsi_dout_check(&e, ISCSI_RESERVED_TAG, 1, 8192, 57345, true),
			 ISCSI_DOUT_OVERRUN);
	assert_int_equal(iscsi_dout_check(&e, 5, 1, 8192, 512, false), ISCSI_DOUT_BAD_TTT);
}

static void test_ahs(void **state)
{
	uint8_t ahs[64], ext[SCST_MAX_CDB_SIZE];
	uint32_t ext_len, bidi;
	bool has_bidi;

	/* Extended CDB of 16 more bytes: AHSLength 17, padded to 20 + 3 header bytes. */
	memset(ahs, 0, sizeof(ahs));
	scst_put_be16(ahs, 17);
	ahs[2] = 1;
	for (unsigned i = 0; i < 16; i++)
		ahs[4 + i] = (uint8_t)(0xa0 + i);
	/* then a bidi read length AHS */
	scst_put_be16(ahs + 20, 5);
	ahs[22] = 2;
	scst_put_be32(ahs + 24, 4096);
	assert_int_equal(iscsi_parse_ahs(ahs, 28, ext, &ext_len, &has_bidi, &bidi), 0);
	assert_int_equal(ext_len, 16);
	assert_int_equal(ext[0], 0xa0);
	assert_int_equal(ext[15], 0xaf);
	assert_true(has_bidi);
	assert_int_equal(bidi, 4096);
	/* Too long a CDB, a length past the AHS, an unknown type. */
	scst_put_be16(ahs, 18);
	assert_int_not_equal(iscsi_parse_ahs(ahs, 28, ext, &ext_len, &has_bidi, &bidi), 0);
	scst_put_be16(ahs, 100);
	assert_int_not_equal(iscsi_parse_ahs(ahs, 28, ext, &ext_len, &has_bidi, &bidi), 0);
	scst_put_be16(ahs, 5);
	ahs[2] = 9;
	assert_int_not_equal(iscsi_parse_ahs(ahs, 8, ext, &ext_len, &has_bidi, &bidi), 0);
	assert_int_not_equal(iscsi_parse_ahs(ahs, 3, ext, &ext_len, &has_bidi, &bidi), 0);
	scst_put_be16(ahs, 0);
	assert_int_not_equal(iscsi_parse_ahs(ahs, 4, ext, &ext_len, &has_bidi, &bidi), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_crc32c_chained),
		cmocka_unit_test(test_digest_wire_order),
		cmocka_unit_test(test_serial_arith),
		cmocka_unit_test(test_cmdsn_window),
		cmocka_unit_test(test_bhs_login_phase),
		cmocka_unit_test(test_bhs_full_feature),
		cmocka_unit_test(test_bhs_discovery),
		cmocka_unit_test(test_dout_solicited),
		cmocka_unit_test(test_dout_unsolicited),
		cmocka_unit_test(test_ahs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
