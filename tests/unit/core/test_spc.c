/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The core-emulated SPC/SBC commands through the local driver: INQUIRY and
 * its VPD pages, MODE SENSE/SELECT, REQUEST SENSE, REPORT LUNS, REPORT
 * SUPPORTED OPERATION CODES / TASK MANAGEMENT FUNCTIONS, READ CAPACITY, and
 * the small ones. Every test asserts the exact bytes the initiator receives.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scst/builtins.h"
#include "scst/core.h"
#include "scst/local.h"
#include "opcodes.h"

#define TGT1 "iqn.2024-01.org.scst:tgt1"
#define TGT2 "tgt2"

static struct scst_local_session *s1, *s2, *s3;

static uint8_t buf[65536];

static int run(struct scst_local_session *s, uint64_t lun, const uint8_t *cdb, unsigned len,
	       enum scst_data_dir dir, void *data, uint32_t dlen, struct scst_local_result *res)
{
	return scst_local_exec(s, lun, cdb, len, dir, data, dlen, -1, res);
}

/* Data-in command into buf; asserts it ran. */
static void in(struct scst_local_session *s, uint64_t lun, const uint8_t *cdb, unsigned len,
	       struct scst_local_result *res)
{
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(run(s, lun, cdb, len, SCST_DATA_READ, buf, sizeof(buf), res), 0);
}

static void assert_good(const struct scst_local_result *res)
{
	assert_int_equal(res->status, SCST_STATUS_GOOD);
	assert_int_equal(res->sense_len, 0);
}

static void assert_sense(const struct scst_local_result *res, uint8_t key, uint8_t asc,
			 uint8_t ascq)
{
	assert_int_equal(res->status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(res->key, key);
	assert_int_equal(res->asc, asc);
	assert_int_equal(res->ascq, ascq);
}

/* INVALID FIELD IN CDB / PARAMETER LIST with the field pointer (fixed sense, SPC-4 4.5.2.4.2). */
static void assert_field(const struct scst_local_result *res, bool cdb, unsigned byte, int bit)
{
	uint8_t sks = 0x80 | (cdb ? 0x40 : 0);

	assert_sense(res, 5, cdb ? 0x24 : 0x26, 0);
	assert_int_equal(res->sense[0], 0x70);
	if (bit >= 0)
		sks |= 0x08 | (uint8_t)bit;
	assert_int_equal(res->sense[15], sks);
	assert_int_equal(scst_get_be16(res->sense + 16), byte);
}

/* Report and drop pending unit attentions (POWER ON after login) on one LUN. */
static void clear_ua(struct scst_local_session *s, uint64_t lun)
{
	static const uint8_t tur[6] = { 0x00 };
	struct scst_local_result res;

	for (int i = 0; i < 16; i++) {
		assert_int_equal(run(s, lun, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
		if (res.status == SCST_STATUS_GOOD)
			return;
		assert_int_equal(res.key, 6);
	}
	fail_msg("unit attentions do not clear");
}

static bool supported(uint8_t opcode, uint16_t sa, const struct scst_device *dev)
{
	const struct scst_opcode_desc *d = scst_opcode_find(opcode, sa, dev->type);

	return d && scst_opcode_supported(d, dev->handler->caps);
}

static int setup(void **state)
{
	char err[256];
	struct scst_target *t1, *t2;

	(void)state;
	assert_int_equal(scst_core_init(1), 0);
	scst_register_builtins();
	scst_reactor_bind(scst_core_reactor(0));

	assert_int_equal(scst_device_add("vdisk_nullio", "null0", "size=1048576;blocksize=512", err,
					 sizeof(err)), 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "thin0",
					 "size=1048576;blocksize=512;thin_provisioned=1;"
					 "rotational=0", err, sizeof(err)), 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "big4k", "size=1048576;blocksize=4096",
					 err, sizeof(err)), 0);
	/* 2^33 blocks of 512 bytes: more than READ CAPACITY (10) can express. */
	assert_int_equal(scst_device_add("vdisk_nullio", "huge", "size=4398046511104;blocksize=512",
					 err, sizeof(err)), 0);

	assert_int_equal(scst_target_add("local", TGT1, err, sizeof(err)), 0);
	t1 = scst_target_find("local", TGT1);
	assert_non_null(t1);
	assert_int_equal(scst_lun_add(t1, NULL, 0, "null0", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(t1, NULL, 5, "thin0", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(t1, NULL, 300, "big4k", false, err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(t1, true), 0);

	/* A second target without LUN 0, with a read-only LUN. */
	assert_int_equal(scst_target_add("local", TGT2, err, sizeof(err)), 0);
	t2 = scst_target_find("local", TGT2);
	assert_non_null(t2);
	assert_int_equal(scst_lun_add(t2, NULL, 1, "huge", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(t2, NULL, 2, "null0", true, err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(t2, true), 0);

	s1 = scst_local_session_open(TGT1, "iqn.2024-01.org.scst:init1");
	assert_non_null(s1);
	s2 = scst_local_session_open(TGT1, "iqn.2024-01.org.scst:init2");
	assert_non_null(s2);
	s3 = scst_local_session_open(TGT2, "iqn.2024-01.org.scst:init3");
	assert_non_null(s3);
	clear_ua(s1, 0);
	clear_ua(s1, 5);
	clear_ua(s1, 300);
	clear_ua(s2, 0);
	clear_ua(s3, 1);
	clear_ua(s3, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scst_local_session_close(s1);
	scst_local_session_close(s2);
	scst_local_session_close(s3);
	return 0;
}

/* ---- INQUIRY ---- */

static void test_inquiry_standard(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 0, 0, 0, 0xff, 0 };
	struct scst_device *dev = scst_device_find("null0");
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 74);
	assert_int_equal(buf[0], 0x00); /* qualifier 0, direct access */
	assert_int_equal(buf[1], 0x00); /* not removable */
	assert_int_equal(buf[2], 0x06); /* SPC-4 */
	assert_int_equal(buf[3], 0x12); /* HISUP, format 2 */
	assert_int_equal(buf[4], 69);
	assert_int_equal(buf[5], supported(0x83, 0x00, dev) ? 0x08 : 0x00);
	assert_int_equal(buf[6], 0x00);
	assert_int_equal(buf[7], 0x02); /* CMDQUE */
	assert_memory_equal(buf + 8, "SCST    ", 8);
	assert_memory_equal(buf + 16, "vdisk           ", 16);
	assert_memory_equal(buf + 32, "0.1 ", 4);
	/* SAM-5, SPC-4, SBC-3; no iSCSI descriptor on the local driver. */
	assert_int_equal(scst_get_be16(buf + 58), 0x00a0);
	assert_int_equal(scst_get_be16(buf + 60), 0x0460);
	assert_int_equal(scst_get_be16(buf + 62), 0x04c0);
	for (int i = 64; i < 74; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[74], 0xee);
}

static void test_inquiry_alloc_len(void **state)
{
	static const uint8_t cdb36[6] = { 0x12, 0, 0, 0, 36, 0 };
	static const uint8_t cdb0[6] = { 0x12, 0, 0, 0, 0, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb36, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 36);
	assert_int_equal(buf[4], 69); /* ADDITIONAL LENGTH is not truncated */
	assert_int_equal(buf[36], 0xee);

	in(s1, 0, cdb0, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 0);
	assert_int_equal(buf[0], 0xee);
}

static void test_inquiry_invalid(void **state)
{
	static const uint8_t page_no_evpd[6] = { 0x12, 0, 0x80, 0, 0xff, 0 };
	static const uint8_t bad_page[6] = { 0x12, 1, 0x99, 0, 0xff, 0 };
	static const uint8_t c8_page[6] = { 0x12, 1, 0xc8, 0, 0xff, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, page_no_evpd, 6, &res);
	assert_field(&res, true, 2, 7);
	assert_int_equal(res.data_len, 0);
	in(s1, 0, bad_page, 6, &res);
	assert_field(&res, true, 2, 7);
	in(s1, 0, c8_page, 6, &res);
	assert_field(&res, true, 2, 7);
}

static void test_inquiry_no_lun(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 0, 0, 0, 0xff, 0 };
	struct scst_local_result res;

	(void)state;
	/* LUN 3 is not mapped: qualifier 011b, type 1Fh (SPC-4 6.6.2). */
	in(s1, 3, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 36);
	assert_int_equal(buf[0], 0x7f);
}

static void test_vpd_supported(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 1, 0x00, 0, 0xff, 0 };
	static const uint8_t want[] = { 0x00, 0x00, 0x00, 0x07, 0x00,
					0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_vpd_serial(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 1, 0x80, 0, 0xff, 0 };
	struct scst_device *dev = scst_device_find("null0");
	size_t n = strlen(dev->usn);
	struct scst_local_result res;

	(void)state;
	assert_true(n > 0);
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4 + n);
	assert_int_equal(buf[0], 0x00);
	assert_int_equal(buf[1], 0x80);
	assert_int_equal(scst_get_be16(buf + 2), n);
	assert_memory_equal(buf + 4, dev->usn, n);
}

static void test_vpd_devid(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 1, 0x83, 0, 0xff, 0 };
	struct scst_device *dev = scst_device_find("null0");
	struct scst_target *t1 = scst_target_find("local", TGT1);
	uint8_t naa[8];
	const uint8_t *p;
	size_t namelen = strlen(TGT1), padded = (namelen + 1 + 3) & ~(size_t)3;
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(buf[1], 0x83);
	assert_int_equal(scst_get_be16(buf + 2), 12 + (4 + 8 + 5) + 8 + 4 + padded);
	assert_int_equal(res.data_len, 4 + scst_get_be16(buf + 2));
	p = buf + 4;

	/* NAA, logical unit, binary: the device's NAA 5 identifier. */
	assert_int_equal(p[0], 0x01);
	assert_int_equal(p[1], 0x03);
	assert_int_equal(p[3], 8);
	scst_put_be64(naa, dev->naa_id);
	assert_memory_equal(p + 4, naa, 8);
	assert_int_equal(p[4] >> 4, 5);
	p += 12;

	/* T10 vendor ID, ASCII: vendor padded to 8, then the device id. */
	assert_int_equal(p[0], 0x02);
	assert_int_equal(p[1], 0x01);
	assert_int_equal(p[3], 13);
	assert_memory_equal(p + 4, "SCST    null0", 13);
	p += 17;

	/* Relative target port, target port association; PIV 0 off iSCSI. */
	assert_int_equal(p[0], 0x01);
	assert_int_equal(p[1], 0x14);
	assert_int_equal(p[3], 4);
	assert_int_equal(scst_get_be16(p + 4), 0);
	assert_int_equal(scst_get_be16(p + 6), scst_target_rel_id(t1));
	assert_int_not_equal(scst_target_rel_id(t1), 0);
	p += 8;

	/* SCSI name string of the target port, UTF-8, NUL-padded to 4. */
	assert_int_equal(p[0], 0x03);
	assert_int_equal(p[1], 0x18);
	assert_int_equal(p[3], padded);
	assert_memory_equal(p + 4, TGT1, namelen);
	for (size_t i = namelen; i < padded; i++)
		assert_int_equal(p[4 + i], 0);
}

static void test_vpd_block_limits(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 1, 0xb0, 0, 0xff, 0 };
	struct scst_device *thin = scst_device_find("thin0");
	bool unmap = supported(0x42, SCST_NO_SA, thin);
	bool ws = supported(0x93, SCST_NO_SA, thin) || supported(0x41, SCST_NO_SA, thin);
	struct scst_local_result res;

	(void)state;
	/* Fully provisioned 512-byte device. */
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 64);
	assert_int_equal(buf[1], 0xb0);
	assert_int_equal(scst_get_be16(buf + 2), 0x3c);
	assert_int_equal(buf[4], 0x00); /* WSNZ 0: zero blocks means to the end */
	assert_int_equal(buf[5], supported(0x89, SCST_NO_SA, thin) ? 255 : 0);
	assert_int_equal(scst_get_be16(buf + 6), 1);
	assert_int_equal(scst_get_be32(buf + 8), 16384); /* 8 MiB / 512 */
	assert_int_equal(scst_get_be32(buf + 12), 16384);
	assert_int_equal(scst_get_be32(buf + 20), 0); /* no UNMAP on a thick device */
	assert_int_equal(scst_get_be32(buf + 24), 0);
	assert_int_equal(scst_get_be32(buf + 28), 0);
	assert_int_equal(scst_get_be64(buf + 36), ws ? 131072 : 0); /* 64 MiB / 512 */

	/* Thin, and the handler unmaps: the UNMAP limits appear if UNMAP exists. */
	in(s1, 5, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(scst_get_be32(buf + 20), unmap ? 0xffffffffu : 0);
	assert_int_equal(scst_get_be32(buf + 24), unmap ? 256 : 0);
	assert_int_equal(scst_get_be32(buf + 28), unmap ? 1 : 0);

	/* 4096-byte blocks: 2048 blocks per 8 MiB. */
	in(s1, 300, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(scst_get_be32(buf + 8), 2048);
}

static void test_vpd_block_chars(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 1, 0xb1, 0, 0xff, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 64);
	assert_int_equal(scst_get_be16(buf + 2), 0x3c);
	assert_int_equal(scst_get_be16(buf + 4), 0); /* rotational: rate not reported */
	in(s1, 5, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(scst_get_be16(buf + 4), 1); /* non-rotating */
}

static void test_vpd_lbp(void **state)
{
	static const uint8_t cdb[6] = { 0x12, 1, 0xb2, 0, 0xff, 0 };
	static const uint8_t thick[8] = { 0x00, 0xb2, 0x00, 0x04, 0, 0, 0, 0 };
	struct scst_device *thin = scst_device_find("thin0");
	uint8_t bits = 0x04;
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);
	assert_memory_equal(buf, thick, 8);

	if (supported(0x42, SCST_NO_SA, thin))
		bits |= 0x80;
	if (supported(0x93, SCST_NO_SA, thin))
		bits |= 0x40;
	if (supported(0x41, SCST_NO_SA, thin))
		bits |= 0x20;
	in(s1, 5, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);
	assert_int_equal(scst_get_be16(buf + 2), 4);
	assert_int_equal(buf[4], 0);
	assert_int_equal(buf[5], bits);
	assert_int_equal(buf[6], 0x02); /* thin */
	assert_int_equal(buf[7], 0);
}

/* ---- MODE SENSE / MODE SELECT ---- */

static const uint8_t caching_wce[20] = { 0x08, 0x12, 0x04 };
static const uint8_t control_cur[12] = { 0x0a, 0x0a, 0x20, 0x10, 0x00, 0x40 };
static const uint8_t iec_cur[12] = { 0x1c, 0x0a };

static void test_mode_sense6_pages(void **state)
{
	static const uint8_t caching[6] = { 0x1a, 0, 0x08, 0, 0xff, 0 };
	static const uint8_t control_dbd[6] = { 0x1a, 0x08, 0x0a, 0, 0xff, 0 };
	static const uint8_t iec_dbd[6] = { 0x1a, 0x08, 0x1c, 0, 0xff, 0 };
	static const uint8_t bd[8] = { 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02, 0x00 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, caching, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4 + 8 + 20);
	assert_int_equal(buf[0], 31);
	assert_int_equal(buf[1], 0);
	assert_int_equal(buf[2], 0x10); /* DPOFUA, not write protected */
	assert_int_equal(buf[3], 8);
	assert_memory_equal(buf + 4, bd, 8); /* 2048 blocks of 512 */
	assert_memory_equal(buf + 12, caching_wce, 20);

	in(s1, 0, control_dbd, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 16);
	assert_int_equal(buf[0], 15);
	assert_int_equal(buf[3], 0);
	assert_memory_equal(buf + 4, control_cur, 12);

	in(s1, 0, iec_dbd, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 16);
	assert_memory_equal(buf + 4, iec_cur, 12);
}

static void test_mode_sense_all(void **state)
{
	static const uint8_t all6[6] = { 0x1a, 0x08, 0x3f, 0, 0xff, 0 };
	static const uint8_t all_sub[6] = { 0x1a, 0x08, 0x3f, 0xff, 0xff, 0 };
	static const uint8_t short6[6] = { 0x1a, 0x08, 0x3f, 0, 10, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, all6, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4 + 20 + 12 + 12);
	assert_int_equal(buf[0], 47);
	assert_memory_equal(buf + 4, caching_wce, 20);
	assert_memory_equal(buf + 24, control_cur, 12);
	assert_memory_equal(buf + 36, iec_cur, 12);

	in(s1, 0, all_sub, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 48);
	assert_memory_equal(buf + 4, caching_wce, 20);

	/* Truncated to the allocation length; MODE DATA LENGTH tells the whole. */
	in(s1, 0, short6, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 10);
	assert_int_equal(buf[0], 47);
	assert_int_equal(buf[10], 0xee);
}

static void test_mode_sense10_llbaa(void **state)
{
	static const uint8_t cdb[10] = { 0x5a, 0x10, 0x08, 0, 0, 0, 0, 0, 0xff, 0 };
	static const uint8_t cdb_short[10] = { 0x5a, 0x00, 0x0a, 0, 0, 0, 0, 0, 0xff, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 300, cdb, 10, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8 + 16 + 20);
	assert_int_equal(scst_get_be16(buf), 42);
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[3], 0x10);
	assert_int_equal(buf[4], 0x01); /* LONGLBA */
	assert_int_equal(scst_get_be16(buf + 6), 16);
	assert_int_equal(scst_get_be64(buf + 8), 256); /* 1 MiB of 4096-byte blocks */
	assert_int_equal(scst_get_be32(buf + 16), 0);
	assert_int_equal(scst_get_be32(buf + 20), 4096);
	assert_memory_equal(buf + 24, caching_wce, 20);

	in(s1, 300, cdb_short, 10, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8 + 8 + 12);
	assert_int_equal(scst_get_be16(buf), 26);
	assert_int_equal(buf[4], 0);
	assert_int_equal(scst_get_be16(buf + 6), 8);
	assert_int_equal(scst_get_be32(buf + 8), 256);
	assert_int_equal(scst_get_be24(buf + 13), 4096);
	assert_memory_equal(buf + 16, control_cur, 12);
}

static void test_mode_sense_pc(void **state)
{
	static const uint8_t changeable[6] = { 0x1a, 0x08, 0x7f, 0, 0xff, 0 };
	static const uint8_t dflt[6] = { 0x1a, 0x08, 0xbf, 0, 0xff, 0 };
	static const uint8_t saved[6] = { 0x1a, 0x08, 0xff, 0, 0xff, 0 };
	static const uint8_t ch_caching[20] = { 0x08, 0x12, 0x04 };
	static const uint8_t ch_control[12] = { 0x0a, 0x0a, 0x04, 0, 0x08, 0x40 }; /* D_SENSE, SWP, TAS */
	struct scst_local_result res;

	(void)state;
	in(s1, 0, changeable, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 48);
	assert_memory_equal(buf + 4, ch_caching, 20);
	assert_memory_equal(buf + 24, ch_control, 12);
	assert_memory_equal(buf + 36, iec_cur, 12);

	in(s1, 0, dflt, 6, &res);
	assert_good(&res);
	assert_memory_equal(buf + 4, caching_wce, 20);
	assert_memory_equal(buf + 24, control_cur, 12);

	in(s1, 0, saved, 6, &res);
	assert_sense(&res, 5, 0x39, 0x00);
}

static void test_mode_sense_invalid(void **state)
{
	static const uint8_t page19[6] = { 0x1a, 0, 0x19, 0, 0xff, 0 };
	static const uint8_t sub1[6] = { 0x1a, 0, 0x08, 0x01, 0xff, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, page19, 6, &res);
	assert_field(&res, true, 2, 5);
	in(s1, 0, sub1, 6, &res);
	assert_field(&res, true, 3, 7);
}

static void test_mode_sense_read_only(void **state)
{
	static const uint8_t cdb[6] = { 0x1a, 0x08, 0x08, 0, 0xff, 0 };
	struct scst_local_result res;

	(void)state;
	in(s3, 2, cdb, 6, &res);
	assert_good(&res);
	assert_int_equal(buf[2], 0x90); /* WP | DPOFUA: the LUN is read-only */
}

static void mode_select6(struct scst_local_session *s, uint8_t byte1, const uint8_t *data,
			 uint8_t len, struct scst_local_result *res)
{
	uint8_t cdb[6] = { 0x15, byte1, 0, 0, len, 0 };
	uint8_t out[256];

	memcpy(out, data, len);
	assert_int_equal(run(s, 0, cdb, 6, SCST_DATA_WRITE, out, len, res), 0);
}

static void test_mode_select_wce(void **state)
{
	static const uint8_t sense6[6] = { 0x1a, 0x08, 0x08, 0, 0xff, 0 };
	static const uint8_t tur[6] = { 0 };
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 0xff, 0 };
	static const uint8_t rs_desc[6] = { 0x03, 1, 0, 0, 0xff, 0 };
	uint8_t pl[24] = { 0 };
	struct scst_local_result res;

	(void)state;
	/* Clear WCE. */
	memcpy(pl + 4, caching_wce, 20);
	pl[6] = 0x00;
	mode_select6(s1, 0x10, pl, 24, &res);
	assert_good(&res);
	in(s1, 0, sense6, 6, &res);
	assert_good(&res);
	assert_int_equal(buf[6], 0x00);
	assert_false(scst_device_find("null0")->wce);

	/* The changing nexus gets no UA; the other one does (SPC-4 7.5.1). */
	assert_int_equal(run(s1, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(s2, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_sense(&res, 6, 0x2a, 0x01);
	assert_int_equal(run(s2, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);

	/* Set it again: now REQUEST SENSE on the other nexus returns the UA as data. */
	pl[6] = 0x04;
	mode_select6(s1, 0x10, pl, 24, &res);
	assert_good(&res);
	assert_true(scst_device_find("null0")->wce);
	in(s2, 0, rs, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 18);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[2], 0x06);
	assert_int_equal(buf[7], 10);
	assert_int_equal(buf[12], 0x2a);
	assert_int_equal(buf[13], 0x01);
	/* Reported, hence gone: NO SENSE next, in the format the DESC bit asks. */
	in(s2, 0, rs, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 18);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[2], 0x00);
	assert_int_equal(buf[12], 0x00);
	assert_int_equal(buf[13], 0x00);
	in(s2, 0, rs_desc, 6, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);
	assert_int_equal(buf[0], 0x72);
	assert_int_equal(buf[1], 0x00);
	assert_int_equal(buf[2], 0x00);
	assert_int_equal(buf[3], 0x00);
	assert_int_equal(buf[7], 0);

	/* Same value again: nothing changes, no UA. */
	mode_select6(s1, 0x10, pl, 24, &res);
	assert_good(&res);
	assert_int_equal(run(s2, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
}

static void test_mode_select_d_sense(void **state)
{
	static const uint8_t bad_inq[6] = { 0x12, 0, 0x80, 0, 0xff, 0 };
	static const uint8_t tur[6] = { 0 };
	uint8_t cdb[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 20, 0 };
	uint8_t pl[20] = { 0 };
	struct scst_local_result res;

	(void)state;
	/* MODE SELECT (10): header of 8, control page with D_SENSE. */
	memcpy(pl + 8, control_cur, 12);
	pl[10] |= 0x04;
	assert_int_equal(run(s1, 0, cdb, 10, SCST_DATA_WRITE, pl, 20, &res), 0);
	assert_good(&res);
	assert_true(scst_device_find("null0")->d_sense);
	/* Errors now come in descriptor format (SPC-4 4.5.1). */
	in(s1, 0, bad_inq, 6, &res);
	assert_sense(&res, 5, 0x24, 0x00);
	assert_int_equal(res.sense[0], 0x72);
	assert_int_equal(run(s2, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_sense(&res, 6, 0x2a, 0x01);

	pl[10] &= (uint8_t)~0x04;
	assert_int_equal(run(s1, 0, cdb, 10, SCST_DATA_WRITE, pl, 20, &res), 0);
	assert_good(&res);
	assert_false(scst_device_find("null0")->d_sense);
	clear_ua(s2, 0);
}

static void test_mode_select_errors(void **state)
{
	uint8_t pl[24] = { 0 };
	uint8_t ctl[16] = { 0 };
	struct scst_local_result res;

	(void)state;
	memcpy(pl + 4, caching_wce, 20);
	/* SP=1: nothing can be saved. PF=0: only standard pages are taken. */
	mode_select6(s1, 0x11, pl, 24, &res);
	assert_field(&res, true, 1, 0);
	mode_select6(s1, 0x00, pl, 24, &res);
	assert_field(&res, true, 1, 4);

	/* A fixed field: RCD (caching byte 2 bit 0). */
	pl[6] |= 0x01;
	mode_select6(s1, 0x10, pl, 24, &res);
	assert_field(&res, false, 6, 0);
	pl[6] &= (uint8_t)~0x01;

	/* Wrong page length. */
	pl[5] = 0x11;
	mode_select6(s1, 0x10, pl, 24, &res);
	assert_field(&res, false, 5, 7);
	pl[5] = 0x12;

	/* Truncated page. */
	mode_select6(s1, 0x10, pl, 14, &res);
	assert_sense(&res, 5, 0x1a, 0x00);

	/* Unknown page. */
	pl[4] = 0x19;
	mode_select6(s1, 0x10, pl, 24, &res);
	assert_field(&res, false, 4, 5);
	pl[4] = 0x08;

	/* QERR is not changeable (control byte 3 bits 2-1). */
	memcpy(ctl + 4, control_cur, 12);
	ctl[7] |= 0x02;
	mode_select6(s1, 0x10, ctl, 16, &res);
	assert_field(&res, false, 7, 1);

	/* A block descriptor that would change the block length. */
	{
		uint8_t bd[12] = { 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x10, 0x00 };

		mode_select6(s1, 0x10, bd, 12, &res);
		assert_field(&res, false, 9, 7);
		bd[10] = 0x02; /* 512, the current one: accepted */
		mode_select6(s1, 0x10, bd, 12, &res);
		assert_good(&res);
	}

	/* Nothing changed by any of it. */
	assert_true(scst_device_find("null0")->wce);
	assert_true(scst_device_find("null0")->tas);

	/* A zero-length parameter list is not an error (SPC-4 6.9). */
	mode_select6(s1, 0x10, pl, 0, &res);
	assert_good(&res);
}

/* ---- REPORT LUNS ---- */

static void report_luns_cdb(uint8_t *cdb, uint8_t select, uint32_t alloc)
{
	memset(cdb, 0, 12);
	cdb[0] = 0xa0;
	cdb[2] = select;
	scst_put_be32(cdb + 6, alloc);
}

static void test_report_luns(void **state)
{
	static const uint8_t want[32] = {
		0, 0, 0, 24, 0, 0, 0, 0,
		0x00, 0x00, 0, 0, 0, 0, 0, 0,
		0x00, 0x05, 0, 0, 0, 0, 0, 0,
		0x41, 0x2c, 0, 0, 0, 0, 0, 0, /* 300: flat space addressing */
	};
	uint8_t cdb[12];
	struct scst_local_result res;

	(void)state;
	report_luns_cdb(cdb, 0x00, 4096);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 32);
	assert_memory_equal(buf, want, 32);

	/* Select 02h and 10h give the same list (no well-known LUs, all administrative). */
	report_luns_cdb(cdb, 0x02, 4096);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_memory_equal(buf, want, 32);
	report_luns_cdb(cdb, 0x10, 4096);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_memory_equal(buf, want, 32);

	/* Addressed to an unmapped LUN it still answers (SPC-4 6.33). */
	report_luns_cdb(cdb, 0x00, 4096);
	in(s1, 7, cdb, 12, &res);
	assert_good(&res);
	assert_memory_equal(buf, want, 32);

	/* 16 bytes: the header and the first LUN; LUN LIST LENGTH still tells all. */
	report_luns_cdb(cdb, 0x00, 16);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 16);
	assert_memory_equal(buf, want, 16);
	assert_int_equal(buf[16], 0xee);
}

static void test_report_luns_select(void **state)
{
	static const uint8_t empty[8] = { 0 };
	uint8_t cdb[12];
	struct scst_local_result res;

	(void)state;
	report_luns_cdb(cdb, 0x01, 4096);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);
	assert_memory_equal(buf, empty, 8);
	report_luns_cdb(cdb, 0x11, 4096);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);

	report_luns_cdb(cdb, 0x03, 4096);
	in(s1, 0, cdb, 12, &res);
	assert_field(&res, true, 2, 7);
	report_luns_cdb(cdb, 0x00, 15);
	in(s1, 0, cdb, 12, &res);
	assert_field(&res, true, 6, 7);
}

static void test_report_luns_no_lun0(void **state)
{
	static const uint8_t want[24] = {
		0, 0, 0, 16, 0, 0, 0, 0,
		0x00, 0x01, 0, 0, 0, 0, 0, 0,
		0x00, 0x02, 0, 0, 0, 0, 0, 0,
	};
	uint8_t cdb[12];
	struct scst_local_result res;

	(void)state;
	report_luns_cdb(cdb, 0x00, 4096);
	in(s3, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 24);
	assert_memory_equal(buf, want, 24);
}

/* 4096 LUNs: 32 KiB of list, built in the command buffer, truncated on request. */
static void test_report_luns_4096(void **state)
{
	struct scst_local_session *s;
	struct scst_target *t;
	char err[256];
	uint8_t cdb[12];
	struct scst_local_result res;

	(void)state;
	assert_int_equal(scst_target_add("local", "tgt3", err, sizeof(err)), 0);
	t = scst_target_find("local", "tgt3");
	assert_non_null(t);
	for (uint64_t lun = 0; lun < 4096; lun++)
		assert_int_equal(scst_lun_add(t, NULL, lun, "null0", false, err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(t, true), 0);
	s = scst_local_session_open("tgt3", "iqn.2024-01.org.scst:init5");
	assert_non_null(s);

	report_luns_cdb(cdb, 0x00, sizeof(buf));
	in(s, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8 + 4096 * 8);
	assert_int_equal(scst_get_be32(buf), 4096 * 8);
	for (unsigned i = 0; i < 4096; i++) {
		uint8_t raw[8];

		scst_lun_encode(i, raw);
		assert_memory_equal(buf + 8 + i * 8, raw, 8);
	}
	assert_int_equal(buf[8 + 255 * 8], 0x00); /* 255: peripheral device addressing */
	assert_int_equal(buf[8 + 255 * 8 + 1], 0xff);
	assert_int_equal(buf[8 + 256 * 8], 0x41); /* 256: flat space */
	assert_int_equal(buf[8 + 256 * 8 + 1], 0x00);

	report_luns_cdb(cdb, 0x00, 100);
	in(s, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 100);
	assert_int_equal(scst_get_be32(buf), 4096 * 8);
	assert_int_equal(buf[100], 0xee);

	scst_local_session_close(s);
	assert_int_equal(scst_lun_clear(t, NULL, err, sizeof(err)), 0);
}

/* ---- REPORT SUPPORTED OPERATION CODES / TMFs ---- */

struct count_ctx {
	uint32_t caps;
	unsigned n;
};

static void count_one(const struct scst_opcode_desc *d, void *arg)
{
	struct count_ctx *c = arg;

	if (scst_opcode_supported(d, c->caps))
		c->n++;
}

static void rsoc_cdb(uint8_t *cdb, uint8_t opts, uint8_t opcode, uint16_t sa, uint32_t alloc)
{
	memset(cdb, 0, 12);
	cdb[0] = 0xa3;
	cdb[1] = 0x0c;
	cdb[2] = opts;
	cdb[3] = opcode;
	scst_put_be16(cdb + 4, sa);
	scst_put_be32(cdb + 6, alloc);
}

static void test_rsoc_all(void **state)
{
	struct scst_device *dev = scst_device_find("null0");
	struct count_ctx c = { .caps = dev->handler->caps };
	bool seen_inquiry = false, seen_rsoc = false;
	uint8_t cdb[12];
	struct scst_local_result res;
	uint32_t len;

	(void)state;
	scst_opcode_for_each(dev->type, c.caps, count_one, &c);
	assert_true(c.n > 10);

	rsoc_cdb(cdb, 0, 0, 0, sizeof(buf));
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	len = scst_get_be32(buf);
	assert_int_equal(len, c.n * 8);
	assert_int_equal(res.data_len, 4 + len);
	for (uint32_t off = 4; off < 4 + len; off += 8) {
		const uint8_t *e = buf + off;
		bool sav = e[5] & 0x01;
		const struct scst_opcode_desc *d =
			scst_opcode_find(e[0], sav ? scst_get_be16(e + 2) : SCST_NO_SA, dev->type);

		assert_non_null(d);
		assert_true(scst_opcode_supported(d, c.caps));
		assert_int_equal(sav, d->sa != SCST_NO_SA);
		assert_int_equal(e[5] & ~0x01, 0);
		assert_int_equal(scst_get_be16(e + 6), d->cdb_len);
		if (e[0] == 0x12) {
			seen_inquiry = true;
			assert_int_equal(scst_get_be16(e + 6), 6);
		}
		if (e[0] == 0xa3 && sav && scst_get_be16(e + 2) == 0x0c)
			seen_rsoc = true;
	}
	assert_true(seen_inquiry);
	assert_true(seen_rsoc);

	/* RCTD: each descriptor carries a 12-byte timeouts descriptor and CTDP. */
	rsoc_cdb(cdb, 0x80, 0, 0, sizeof(buf));
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(scst_get_be32(buf), c.n * 20);
	assert_int_equal(buf[4 + 5] & 0x02, 0x02);
	assert_int_equal(scst_get_be16(buf + 4 + 8), 0x0a);

	/* Truncated: the length field still tells the whole list. */
	rsoc_cdb(cdb, 0, 0, 0, 12);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 12);
	assert_int_equal(scst_get_be32(buf), c.n * 8);
}

static void test_rsoc_one(void **state)
{
	struct scst_device *dev = scst_device_find("null0");
	const struct scst_opcode_desc *inq = scst_opcode_find(0x12, SCST_NO_SA, dev->type);
	const struct scst_opcode_desc *rc16 = scst_opcode_find(0x9e, 0x10, dev->type);
	uint8_t cdb[12];
	struct scst_local_result res;

	(void)state;
	assert_non_null(inq);
	assert_non_null(rc16);

	/* One opcode without a service action: usage data = opcode + mask. */
	rsoc_cdb(cdb, 1, 0x12, 0, 512);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4 + 6);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0x03);
	assert_int_equal(scst_get_be16(buf + 2), 6);
	assert_int_equal(buf[4], 0x12);
	assert_memory_equal(buf + 5, inq->mask + 1, 5);

	/* Opcode and service action: the SA sits in its field of the usage data. */
	rsoc_cdb(cdb, 2, 0x9e, 0x10, 512);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4 + 16);
	assert_int_equal(buf[1], 0x03);
	assert_int_equal(scst_get_be16(buf + 2), 16);
	assert_int_equal(buf[4], 0x9e);
	assert_int_equal(buf[5], (rc16->mask[1] & ~0x1f) | 0x10);
	assert_memory_equal(buf + 6, rc16->mask + 2, 14);

	/* Option 3 takes both forms. */
	rsoc_cdb(cdb, 3, 0x9e, 0x10, 512);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(buf[1], 0x03);
	rsoc_cdb(cdb, 3, 0x12, 0x55, 512);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(buf[1], 0x03);

	/* With RCTD: CTDP and the timeouts descriptor after the usage data. */
	rsoc_cdb(cdb, 0x81, 0x12, 0, 512);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4 + 6 + 12);
	assert_int_equal(buf[1], 0x83);
	assert_int_equal(scst_get_be16(buf + 10), 0x0a);

	/* An opcode that is not implemented: SUPPORT 001b, no usage data. */
	rsoc_cdb(cdb, 1, 0xfe, 0, 512);
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4);
	assert_int_equal(buf[1], 0x01);
	assert_int_equal(scst_get_be16(buf + 2), 0);
}

static void test_rsoc_invalid(void **state)
{
	uint8_t cdb[12];
	struct scst_local_result res;

	(void)state;
	/* Option 1 for an opcode with service actions, 2 for one without. */
	rsoc_cdb(cdb, 1, 0x9e, 0, 512);
	in(s1, 0, cdb, 12, &res);
	assert_field(&res, true, 2, 2);
	rsoc_cdb(cdb, 2, 0x12, 0, 512);
	in(s1, 0, cdb, 12, &res);
	assert_field(&res, true, 2, 2);
}

static void test_rstmf(void **state)
{
	static const uint8_t cdb[12] = { 0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0 };
	static const uint8_t cdb_ext[12] = { 0xa3, 0x0d, 0x80, 0, 0, 0, 0, 0, 0, 0xff, 0, 0 };
	static const uint8_t want[4] = { 0xda, 0x01, 0, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, cdb, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 4);
	assert_memory_equal(buf, want, 4);
	in(s1, 0, cdb_ext, 12, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 16);
	assert_memory_equal(buf, want, 2);
	assert_int_equal(buf[3], 0x0c);
}

/* ---- READ CAPACITY ---- */

static void test_read_capacity(void **state)
{
	static const uint8_t rc10[10] = { 0x25 };
	static const uint8_t rc16[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 };
	static const uint8_t rc16_short[16] = { 0x9e, 0x10, [13] = 12 };
	static const uint8_t want10_512[8] = { 0, 0, 0x07, 0xff, 0, 0, 0x02, 0 };
	static const uint8_t want10_4k[8] = { 0, 0, 0, 0xff, 0, 0, 0x10, 0 };
	static const uint8_t want10_huge[8] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0 };
	struct scst_local_result res;

	(void)state;
	in(s1, 0, rc10, 10, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);
	assert_memory_equal(buf, want10_512, 8);
	in(s1, 300, rc10, 10, &res);
	assert_good(&res);
	assert_memory_equal(buf, want10_4k, 8);
	in(s3, 1, rc10, 10, &res);
	assert_good(&res);
	assert_memory_equal(buf, want10_huge, 8);

	in(s1, 0, rc16, 16, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 32);
	assert_int_equal(scst_get_be64(buf), 2047);
	assert_int_equal(scst_get_be32(buf + 8), 512);
	assert_int_equal(buf[13], 3); /* 8 logical blocks per 4 KiB physical block */
	for (int i = 12; i < 32; i++)
		if (i != 13)
			assert_int_equal(buf[i], 0);

	/* Thin and the handler unmaps: LBPME and LBPRZ. */
	in(s1, 5, rc16, 16, &res);
	assert_good(&res);
	assert_int_equal(buf[13], 3);
	assert_int_equal(buf[14], 0xc0);

	in(s1, 300, rc16, 16, &res);
	assert_good(&res);
	assert_int_equal(scst_get_be64(buf), 255);
	assert_int_equal(scst_get_be32(buf + 8), 4096);
	in(s3, 1, rc16, 16, &res);
	assert_good(&res);
	assert_int_equal(scst_get_be64(buf), (1ull << 33) - 1);

	in(s1, 0, rc16_short, 16, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 12);
	assert_int_equal(buf[12], 0xee);
}

/* ---- the small ones ---- */

static void test_misc(void **state)
{
	static const uint8_t tur[6] = { 0x00 };
	static const uint8_t ssu[6] = { 0x1b, 0x01, 0, 0, 0x03, 0 }; /* IMMED, LOEJ, START */
	static const uint8_t pa[6] = { 0x1e, 0, 0, 0, 0x01, 0 };
	static const uint8_t log0[10] = { 0x4d, 0, 0x00, 0, 0, 0, 0, 0, 0xff, 0 };
	static const uint8_t log0ff[10] = { 0x4d, 0, 0x00, 0xff, 0, 0, 0, 0, 0xff, 0 };
	static const uint8_t log0d[10] = { 0x4d, 0, 0x0d, 0, 0, 0, 0, 0, 0xff, 0 };
	static const uint8_t want_log[5] = { 0, 0, 0, 1, 0 };
	static const uint8_t want_logff[8] = { 0x40, 0xff, 0, 4, 0, 0, 0, 0xff };
	struct scst_local_result res;

	(void)state;
	assert_int_equal(run(s1, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(s1, 0, ssu, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(s1, 0, pa, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);

	in(s1, 0, log0, 10, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 5);
	assert_memory_equal(buf, want_log, 5);
	in(s1, 0, log0ff, 10, &res);
	assert_good(&res);
	assert_int_equal(res.data_len, 8);
	assert_memory_equal(buf, want_logff, 8);
	in(s1, 0, log0d, 10, &res);
	assert_field(&res, true, 2, 5);
}

/* Removable medium: eject and load with START STOP UNIT, PREVENT per nexus, resets. */
static void test_removable_medium(void **state)
{
	static const uint8_t tur[6] = { 0x00 };
	static const uint8_t eject[6] = { 0x1b, 0, 0, 0, 0x02, 0 };
	static const uint8_t load[6] = { 0x1b, 0, 0, 0, 0x03, 0 };
	static const uint8_t pwr_eject[6] = { 0x1b, 0, 0, 0, 0x32, 0 }; /* POWER CONDITION 3 */
	static const uint8_t prevent[6] = { 0x1e, 0, 0, 0, 0x01, 0 };
	static const uint8_t allow[6] = { 0x1e, 0, 0, 0, 0x00, 0 };
	static const uint8_t persistent[6] = { 0x1e, 0, 0, 0, 0x02, 0 };
	static const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct scst_local_session *r1, *r2;
	struct scst_local_result res;
	struct scst_target *t;
	char err[256];

	(void)state;
	assert_int_equal(scst_device_add("vdisk_nullio", "rem0", "size=1048576;removable=1", err,
					 sizeof(err)), 0);
	assert_int_equal(scst_target_add("local", "tgt-rem", err, sizeof(err)), 0);
	t = scst_target_find("local", "tgt-rem");
	assert_int_equal(scst_lun_add(t, NULL, 7, "rem0", false, err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(t, true), 0);
	r1 = scst_local_session_open("tgt-rem", "iqn.2024-01.org.scst:rem1");
	r2 = scst_local_session_open("tgt-rem", "iqn.2024-01.org.scst:rem2");
	assert_non_null(r1);
	assert_non_null(r2);
	clear_ua(r1, 7);
	clear_ua(r2, 7);
	/* A prevent from either nexus blocks an eject from both. */
	assert_int_equal(run(r1, 7, prevent, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r2, 7, prevent, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r2, 7, eject, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_sense(&res, 5, 0x53, 0x02);
	assert_int_equal(run(r1, 7, allow, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r1, 7, eject, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_sense(&res, 5, 0x53, 0x02);
	assert_int_equal(run(r2, 7, allow, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	/* A power condition makes LOEJ ignored; the obsolete PREVENT values are refused. */
	assert_int_equal(run(r1, 7, pwr_eject, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r1, 7, persistent, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_field(&res, true, 4, 1);
	/* Ejected: commands needing the medium are NOT READY, MEDIUM NOT PRESENT. */
	assert_int_equal(run(r1, 7, eject, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r1, 7, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_sense(&res, 2, 0x3a, 0x00);
	assert_int_equal(run(r2, 7, read10, 10, SCST_DATA_READ, buf, 512, &res), 0);
	assert_sense(&res, 2, 0x3a, 0x00);
	/* An empty drive may be locked; a load under the lock is refused too. */
	assert_int_equal(run(r1, 7, prevent, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r1, 7, load, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_sense(&res, 5, 0x53, 0x02);
	assert_int_equal(run(r1, 7, allow, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_int_equal(run(r1, 7, load, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(r1, 7, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	/* The other nexus sees the medium again, without a unit attention. */
	assert_int_equal(run(r2, 7, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	/* A fixed disk takes LOEJ and changes nothing. */
	assert_int_equal(run(s1, 0, eject, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	assert_int_equal(run(s1, 0, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	scst_local_session_close(r1);
	scst_local_session_close(r2);
}

static void test_request_sense_power_on(void **state)
{
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 0xff, 0 };
	static const uint8_t tur[6] = { 0 };
	struct scst_local_session *s4 = scst_local_session_open(TGT1, "iqn.2024-01.org.scst:i4");
	struct scst_local_result res;

	(void)state;
	assert_non_null(s4);
	/* The new nexus has POWER ON, RESET OR BUS DEVICE RESET pending; REQUEST SENSE reports it as data. */
	in(s4, 5, rs, 6, &res);
	assert_good(&res);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[2], 0x06);
	assert_int_equal(buf[12], 0x29);
	assert_int_equal(buf[13], 0x00);
	assert_int_equal(run(s4, 5, tur, 6, SCST_DATA_NONE, NULL, 0, &res), 0);
	assert_good(&res);
	/* An unmapped LUN: LOGICAL UNIT NOT SUPPORTED as data, GOOD status. */
	in(s4, 9, rs, 6, &res);
	assert_good(&res);
	assert_int_equal(buf[2], 0x05);
	assert_int_equal(buf[12], 0x25);
	scst_local_session_close(s4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inquiry_standard),
		cmocka_unit_test(test_inquiry_alloc_len),
		cmocka_unit_test(test_inquiry_invalid),
		cmocka_unit_test(test_inquiry_no_lun),
		cmocka_unit_test(test_vpd_supported),
		cmocka_unit_test(test_vpd_serial),
		cmocka_unit_test(test_vpd_devid),
		cmocka_unit_test(test_vpd_block_limits),
		cmocka_unit_test(test_vpd_block_chars),
		cmocka_unit_test(test_vpd_lbp),
		cmocka_unit_test(test_mode_sense6_pages),
		cmocka_unit_test(test_mode_sense_all),
		cmocka_unit_test(test_mode_sense10_llbaa),
		cmocka_unit_test(test_mode_sense_pc),
		cmocka_unit_test(test_mode_sense_invalid),
		cmocka_unit_test(test_mode_sense_read_only),
		cmocka_unit_test(test_mode_select_wce),
		cmocka_unit_test(test_mode_select_d_sense),
		cmocka_unit_test(test_mode_select_errors),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_report_luns_select),
		cmocka_unit_test(test_report_luns_no_lun0),
		cmocka_unit_test(test_report_luns_4096),
		cmocka_unit_test(test_rsoc_all),
		cmocka_unit_test(test_rsoc_one),
		cmocka_unit_test(test_rsoc_invalid),
		cmocka_unit_test(test_rstmf),
		cmocka_unit_test(test_read_capacity),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_request_sense_power_on),
		cmocka_unit_test(test_removable_medium),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
