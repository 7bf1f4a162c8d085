/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * End-to-end through the core with the local driver (no expected lengths:
 * the core derives every transfer length from the CDB), on each handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core_priv.h"
#include "scst/builtins.h"
#include "scst/local.h"

#define DEV_SIZE (64u << 20)

static char tmpdir[64] = "/tmp/scst-local.XXXXXX";
static char err[256];

static void setup_core(void)
{
	assert_int_equal(scst_core_init(1), 0);
	scst_register_builtins();
	scst_reactor_bind(scst_core_reactor(0));
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Let the reactor take the management messages (LUN table swaps) posted to it. */
static void pump(void)
{
	for (int i = 0; i < 10; i++)
		scst_reactor_run_once(scst_core_reactor(0), 2);
}

static void add_target(const char *name)
{
	assert_int_equal(scst_target_add("local", name, err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(scst_target_find("local", name), true), 0);
}

static struct scst_target *tgt(const char *name)
{
	struct scst_target *t = scst_target_find("local", name);

	assert_non_null(t);
	return t;
}

static void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks, bool fua)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[1] = fua ? 0x08 : 0;
	scst_put_be32(cdb + 2, lba);
	scst_put_be16(cdb + 7, blocks);
}

static void rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	scst_put_be64(cdb + 2, lba);
	scst_put_be32(cdb + 10, blocks);
}

/* Clear the power-on UA a new nexus starts with (TEST UNIT READY until GOOD). */
static void clear_ua(struct scst_local_session *s, uint64_t lun)
{
	uint8_t tur[6] = { 0 };
	struct scst_local_result r;

	for (int i = 0; i < 8; i++) {
		assert_int_equal(scst_local_exec(s, lun, tur, 6, SCST_DATA_NONE, NULL, 0, -1, &r), 0);
		if (r.status == SCST_STATUS_GOOD)
			return;
		assert_int_equal(r.key, SCST_KEY_UNIT_ATTENTION);
	}
	fail_msg("unit attention never cleared");
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 31 + seed * 7 + (i >> 9)) ^ seed);
}

/* Write a pattern at several LBAs and sizes (1 block to 1 MiB), read it back. */
static void pattern_roundtrip(struct scst_local_session *s, uint32_t bs, bool zeros)
{
	static const uint32_t sizes[] = { 1, 2, 7, 8, 64, 255, 256, 1024, 2048 };
	uint8_t *out = malloc(1u << 20), *in = malloc(1u << 20);
	struct scst_local_result r;
	uint8_t cdb[16];
	uint32_t lba = 3;

	assert_non_null(out);
	assert_non_null(in);
	for (unsigned i = 0; i < SCST_ARRAY_SIZE(sizes); i++) {
		uint32_t blocks = sizes[i] * 512 / bs ? sizes[i] * 512 / bs : 1;
		uint32_t len = blocks * bs;

		if (len > (1u << 20))
			continue;
		fill(out, len, i + 1);
		if (i % 2)
			rw10(cdb, 0x2a, lba, (uint16_t)blocks, false);
		else
			rw16(cdb, 0x8a, lba, blocks);
		assert_int_equal(scst_local_exec(s, 0, cdb, i % 2 ? 10 : 16, SCST_DATA_WRITE, out,
						 len, -1, &r), 0);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		memset(in, 0xee, len);
		if (i % 2)
			rw10(cdb, 0x28, lba, (uint16_t)blocks, false);
		else
			rw16(cdb, 0x88, lba, blocks);
		assert_int_equal(scst_local_exec(s, 0, cdb, i % 2 ? 10 : 16, SCST_DATA_READ, in,
						 len, -1, &r), 0);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		assert_int_equal(r.data_len, len);
		if (zeros) {
			for (uint32_t k = 0; k < len; k++)
				assert_int_equal(in[k], 0);
		} else {
			assert_memory_equal(in, out, len);
		}
		lba += blocks + 5;
	}
	free(out);
	free(in);
}

static void read_past_end(struct scst_local_session *s, uint64_t nblocks)
{
	struct scst_local_result r;
	uint8_t cdb[16], buf[4096];

	rw16(cdb, 0x88, nblocks - 1, 2);
	assert_int_equal(scst_local_exec(s, 0, cdb, 16, SCST_DATA_READ, buf, sizeof(buf), -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(r.key, SCST_KEY_ILLEGAL_REQUEST);
	assert_int_equal(r.asc, 0x21);
	assert_int_equal(r.ascq, 0x00);
	rw16(cdb, 0x88, nblocks, 0);
	assert_int_equal(scst_local_exec(s, 0, cdb, 16, SCST_DATA_READ, buf, 0, -1, &r), 0);
	assert_int_equal(r.asc, 0x21);
	/* The last block itself is fine. */
	rw16(cdb, 0x88, nblocks - 1, 1);
	assert_int_equal(scst_local_exec(s, 0, cdb, 16, SCST_DATA_READ, buf, sizeof(buf), -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
}

static void run_handler(const char *handler, const char *attrs, uint32_t bs, bool zeros)
{
	struct scst_local_session *s;

	setup_core();
	assert_int_equal(scst_device_add(handler, "d0", attrs, err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "d0", false, err, sizeof(err)), 0);
	s = scst_local_session_open("t", "iqn.test:init");
	assert_non_null(s);
	clear_ua(s, 0);
	pattern_roundtrip(s, bs, zeros);
	read_past_end(s, DEV_SIZE / bs);
	scst_local_session_close(s);
	scst_core_exit();
}

static void test_fileio_roundtrip(void **state)
{
	char attrs[256];

	(void)state;
	snprintf(attrs, sizeof(attrs), "filename=%s/f512.img;size=%u", tmpdir, DEV_SIZE);
	run_handler("vdisk_fileio", attrs, 512, false);
	snprintf(attrs, sizeof(attrs), "filename=%s/f4k.img;size=%u;blocksize=4096", tmpdir,
		 DEV_SIZE);
	run_handler("vdisk_fileio", attrs, 4096, false);
}

static void test_blockio_file_roundtrip(void **state)
{
	char attrs[256];

	(void)state;
	snprintf(attrs, sizeof(attrs), "filename=%s/b.img;size=%u", tmpdir, DEV_SIZE);
	run_handler("vdisk_blockio", attrs, 512, false);
}

/* vdisk_blockio on a real block device: a loop device on a file, when this machine allows it. */
static void test_blockio_loop_device(void **state)
{
	char cmd[256], dev[64] = "", attrs[256];
	FILE *p;

	(void)state;
	snprintf(cmd, sizeof(cmd), "truncate -s %u %s/loop.img && losetup -f --show %s/loop.img 2>/dev/null",
		 DEV_SIZE, tmpdir, tmpdir);
	p = popen(cmd, "r");
	if (!p || !fgets(dev, sizeof(dev), p) || strncmp(dev, "/dev/loop", 9)) {
		if (p)
			pclose(p);
		skip(); /* no loop devices here (container without CAP_SYS_ADMIN) */
	}
	pclose(p);
	dev[strcspn(dev, "\n")] = 0;
	snprintf(attrs, sizeof(attrs), "filename=%s", dev);
	run_handler("vdisk_blockio", attrs, 512, false);
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	assert_int_equal(system(cmd), 0);
}

static void test_nullio_zeros(void **state)
{
	char attrs[64];

	(void)state;
	snprintf(attrs, sizeof(attrs), "size=%u", DEV_SIZE);
	run_handler("vdisk_nullio", attrs, 512, true);
}

/* A read-only LUN, and a read-only device, reject writes with DATA PROTECT / WRITE PROTECTED. */
static void test_read_only(void **state)
{
	struct scst_local_session *s;
	struct scst_local_result r;
	uint8_t cdb[10], buf[512] = { 0 };

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "n0", "size=1048576", err, sizeof(err)), 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "n1", "size=1048576;read_only=1", err,
					 sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "n0", true, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 1, "n1", false, err, sizeof(err)), 0);
	s = scst_local_session_open("t", "iqn.test:init");
	for (uint64_t lun = 0; lun < 2; lun++) {
		clear_ua(s, lun);
		rw10(cdb, 0x2a, 0, 1, false);
		assert_int_equal(scst_local_exec(s, lun, cdb, 10, SCST_DATA_WRITE, buf, 512, -1, &r), 0);
		assert_int_equal(r.status, SCST_STATUS_CHECK_CONDITION);
		assert_int_equal(r.key, SCST_KEY_DATA_PROTECT);
		assert_int_equal(r.asc, 0x27);
		assert_int_equal(r.ascq, 0x00);
		rw10(cdb, 0x28, 0, 1, false);
		assert_int_equal(scst_local_exec(s, lun, cdb, 10, SCST_DATA_READ, buf, 512, -1, &r), 0);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
	}
	scst_local_session_close(s);
	scst_core_exit();
}

static unsigned report_luns(struct scst_local_session *s, uint64_t *luns, unsigned max)
{
	static uint8_t buf[8 + 8 * 16384];
	uint8_t cdb[12] = { 0xa0 };
	struct scst_local_result r;
	unsigned n;

	scst_put_be32(cdb + 6, sizeof(buf));
	assert_int_equal(scst_local_exec(s, 0, cdb, 12, SCST_DATA_READ, buf, sizeof(buf), -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	n = scst_get_be32(buf) / 8;
	assert_true(r.data_len >= 8 + n * 8);
	for (unsigned i = 0; i < n && i < max; i++)
		luns[i] = (uint64_t)scst_lun_decode(buf + 8 + i * 8);
	return n;
}

/* LUN masking: each initiator sees exactly its group's LUNs (or the default table). */
static void test_report_luns_by_group(void **state)
{
	struct scst_local_session *a, *b, *c;
	uint64_t luns[8];

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "x", "size=1048576", err, sizeof(err)), 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "y", "size=1048576", err, sizeof(err)), 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "z", "size=1048576", err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_group_add(tgt("t"), "ga", err, sizeof(err)), 0);
	assert_int_equal(scst_group_add(tgt("t"), "gb", err, sizeof(err)), 0);
	assert_int_equal(scst_group_add_initiator(tgt("t"), "ga", "iqn.test:a*", err, sizeof(err)), 0);
	assert_int_equal(scst_group_add_initiator(tgt("t"), "gb", "iqn.test:b?", err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), "ga", 0, "x", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), "ga", 1, "y", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), "gb", 0, "y", true, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), "gb", 300, "z", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 7, "z", false, err, sizeof(err)), 0);
	/* A duplicate LUN is refused and changes nothing. */
	assert_int_not_equal(scst_lun_add(tgt("t"), "gb", 300, "x", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a-host");
	b = scst_local_session_open("t", "iqn.test:b1");
	c = scst_local_session_open("t", "iqn.test:other");
	assert_int_equal(report_luns(a, luns, 8), 2);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 1);
	assert_int_equal(report_luns(b, luns, 8), 2);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 300);
	assert_int_equal(report_luns(c, luns, 8), 1);
	assert_int_equal(luns[0], 7);
	scst_local_session_close(a);
	scst_local_session_close(b);
	scst_local_session_close(c);
	scst_core_exit();
}

static void expect_ua(struct scst_local_session *s, uint64_t lun, uint8_t asc, uint8_t ascq)
{
	uint8_t tur[6] = { 0 };
	struct scst_local_result r;

	assert_int_equal(scst_local_exec(s, lun, tur, 6, SCST_DATA_NONE, NULL, 0, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(r.key, SCST_KEY_UNIT_ATTENTION);
	assert_int_equal(r.asc, asc);
	assert_int_equal(r.ascq, ascq);
}

static void expect_good(struct scst_local_session *s, uint64_t lun)
{
	uint8_t tur[6] = { 0 };
	struct scst_local_result r;

	assert_int_equal(scst_local_exec(s, lun, tur, 6, SCST_DATA_NONE, NULL, 0, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
}

/* UAs: power-on once per nexus; LUN inventory changes reach only the affected group. */
static void test_unit_attentions(void **state)
{
	struct scst_local_session *a, *b;
	uint64_t luns[4];

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "x", "size=1048576", err, sizeof(err)), 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "y", "size=1048576", err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_group_add(tgt("t"), "gb", err, sizeof(err)), 0);
	assert_int_equal(scst_group_add_initiator(tgt("t"), "gb", "iqn.test:b", err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "x", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), "gb", 0, "x", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a");
	b = scst_local_session_open("t", "iqn.test:b");
	/* Power on / reset, reported once, then GOOD. */
	expect_ua(a, 0, 0x29, 0x00);
	expect_good(a, 0);
	expect_ua(b, 0, 0x29, 0x00);
	expect_good(b, 0);
	/* INQUIRY does not consume or report a UA (SAM-5 5.14). */
	/* Add a LUN to the default table: only a (default group) hears of it. */
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 1, "y", false, err, sizeof(err)), 0);
	pump();
	expect_ua(a, 0, 0x3f, 0x0e);
	expect_good(a, 0);
	expect_good(b, 0);
	assert_int_equal(report_luns(a, luns, 4), 2);
	/* REPORT LUNS clears a pending REPORTED LUNS DATA HAS CHANGED. */
	assert_int_equal(scst_lun_del(tgt("t"), NULL, 1, err, sizeof(err)), 0);
	pump();
	assert_int_equal(report_luns(a, luns, 4), 1);
	expect_good(a, 0);
	/* A removed LUN answers LOGICAL UNIT NOT SUPPORTED. */
	{
		uint8_t tur[6] = { 0 };
		struct scst_local_result r;

		assert_int_equal(scst_local_exec(a, 1, tur, 6, SCST_DATA_NONE, NULL, 0, -1, &r), 0);
		assert_int_equal(r.key, SCST_KEY_ILLEGAL_REQUEST);
		assert_int_equal(r.asc, 0x25);
	}
	/* A device in use cannot be deleted. */
	assert_int_not_equal(scst_device_del("x", err, sizeof(err)), 0);
	scst_local_session_close(a);
	scst_local_session_close(b);
	scst_core_exit();
}

static uint64_t syncs(const char *dev)
{
	char buf[32];

	assert_int_equal(scst_device_get_attr(scst_device_find(dev), "syncs", buf, sizeof(buf)), 0);
	return strtoull(buf, NULL, 10);
}

/* FUA and write-through make a data sync before status; plain write-back writes do not. */
static void test_fileio_fua_syncs(void **state)
{
	struct scst_local_session *s;
	struct scst_local_result r;
	char attrs[256];
	uint8_t cdb[10], buf[4096];
	uint64_t before;

	(void)state;
	setup_core();
	snprintf(attrs, sizeof(attrs), "filename=%s/wb.img;size=%u", tmpdir, DEV_SIZE);
	assert_int_equal(scst_device_add("vdisk_fileio", "wb", attrs, err, sizeof(err)), 0);
	snprintf(attrs, sizeof(attrs), "filename=%s/wt.img;size=%u;write_through=1", tmpdir, DEV_SIZE);
	assert_int_equal(scst_device_add("vdisk_fileio", "wt", attrs, err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "wb", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 1, "wt", false, err, sizeof(err)), 0);
	s = scst_local_session_open("t", "iqn.test:init");
	clear_ua(s, 0);
	clear_ua(s, 1);
	fill(buf, sizeof(buf), 9);

	before = syncs("wb");
	rw10(cdb, 0x2a, 8, 8, false);
	assert_int_equal(scst_local_exec(s, 0, cdb, 10, SCST_DATA_WRITE, buf, 4096, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(syncs("wb"), before);
	rw10(cdb, 0x2a, 16, 8, true);
	assert_int_equal(scst_local_exec(s, 0, cdb, 10, SCST_DATA_WRITE, buf, 4096, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_true(syncs("wb") > before);

	before = syncs("wt");
	rw10(cdb, 0x2a, 8, 8, false);
	assert_int_equal(scst_local_exec(s, 1, cdb, 10, SCST_DATA_WRITE, buf, 4096, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_true(syncs("wt") > before);

	/* SYNCHRONIZE CACHE(10) is a data sync too. */
	before = syncs("wb");
	memset(cdb, 0, 10);
	cdb[0] = 0x35;
	assert_int_equal(scst_local_exec(s, 0, cdb, 10, SCST_DATA_NONE, NULL, 0, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_true(syncs("wb") > before);
	scst_local_session_close(s);
	scst_core_exit();
}

/* An unsupported opcode and a reserved bit, as a transport without lengths sees them. */
static void test_cdb_errors(void **state)
{
	struct scst_local_session *s;
	struct scst_local_result r;
	uint8_t cdb[10] = { 0 }, buf[512];

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "n", "size=1048576", err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "n", false, err, sizeof(err)), 0);
	s = scst_local_session_open("t", "iqn.test:init");
	clear_ua(s, 0);
	cdb[0] = 0xc7; /* vendor specific, unknown */
	assert_int_equal(scst_local_exec(s, 0, cdb, 10, SCST_DATA_NONE, NULL, 0, -1, &r), 0);
	assert_int_equal(r.key, SCST_KEY_ILLEGAL_REQUEST);
	assert_int_equal(r.asc, 0x20);
	rw10(cdb, 0x28, 0, 1, false);
	cdb[1] = 0xe0; /* RDPROTECT: no protection information here */
	assert_int_equal(scst_local_exec(s, 0, cdb, 10, SCST_DATA_READ, buf, 512, -1, &r), 0);
	assert_int_equal(r.key, SCST_KEY_ILLEGAL_REQUEST);
	assert_int_equal(r.asc, 0x24);
	/* Sense-key specific field pointer: SKSV, C/D, BPV, byte 1. */
	assert_int_equal(r.sense[15] & 0xc8, 0xc8);
	assert_int_equal(scst_get_be16(r.sense + 16), 1);
	/* An expected length shorter than the CDB's: a residual overflow, not a crash. */
	rw10(cdb, 0x28, 0, 2, false);
	assert_int_equal(scst_local_exec(s, 0, cdb, 10, SCST_DATA_READ, buf, 512, 512, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(r.data_len, 512);
	assert_true(r.overflow);
	assert_int_equal(r.residual, 512);
	scst_local_session_close(s);
	scst_core_exit();
}

/* Task management on the local nexus: unknown tasks, LUN reset and its UA to others. */
static void test_task_management(void **state)
{
	struct scst_local_session *a, *b;

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "n", "size=1048576", err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "n", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a");
	b = scst_local_session_open("t", "iqn.test:b");
	clear_ua(a, 0);
	clear_ua(b, 0);
	/* The transport maps an unknown task (iSCSI: RFC 7143 11.6.1). */
	assert_int_equal(scst_local_tmf(a, SCST_TMF_ABORT_TASK, 0, 12345),
			 SCST_TMF_RESP_TASK_DOES_NOT_EXIST);
	assert_int_equal(scst_local_tmf(a, SCST_TMF_LUN_RESET, 7, 0),
			 SCST_TMF_RESP_LUN_DOES_NOT_EXIST);
	assert_int_equal(scst_local_tmf(a, SCST_TMF_LUN_RESET, 0, 0), SCST_TMF_RESP_COMPLETE);
	/* SAM-5 6.3.3: every nexus of the LU learns of the reset. */
	expect_ua(b, 0, 0x29, 0x03);
	expect_good(b, 0);
	expect_ua(a, 0, 0x29, 0x03);
	expect_good(a, 0);
	assert_int_equal(scst_local_tmf(a, SCST_TMF_CLEAR_ACA, 0, 0), SCST_TMF_RESP_NOT_SUPPORTED);
	scst_local_session_close(a);
	scst_local_session_close(b);
	scst_core_exit();
}

static uint8_t run_status(struct scst_local_session *s, uint8_t op)
{
	uint8_t cdb[6] = { op };
	struct scst_local_result r;
	uint8_t buf[96];

	if (op == 0x12)
		cdb[4] = 96;
	assert_int_equal(scst_local_exec(s, 0, cdb, 6, op == 0x12 ? SCST_DATA_READ : SCST_DATA_NONE,
					 buf, op == 0x12 ? 96 : 0, -1, &r), 0);
	return r.status;
}

/* SPC-2 RESERVE/RELEASE: other nexuses get RESERVATION CONFLICT until it ends. */
static void test_reserve_release(void **state)
{
	struct scst_local_session *a, *b;

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "n", "size=1048576", err, sizeof(err)), 0);
	add_target("t");
	assert_int_equal(scst_lun_add(tgt("t"), NULL, 0, "n", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a");
	b = scst_local_session_open("t", "iqn.test:b");
	clear_ua(a, 0);
	clear_ua(b, 0);
	assert_int_equal(run_status(a, 0x16), SCST_STATUS_GOOD); /* RESERVE(6) */
	assert_int_equal(run_status(a, 0x16), SCST_STATUS_GOOD); /* again, by the holder */
	assert_int_equal(run_status(a, 0x00), SCST_STATUS_GOOD);
	assert_int_equal(run_status(b, 0x00), SCST_STATUS_RESERVATION_CONFLICT);
	assert_int_equal(run_status(b, 0x16), SCST_STATUS_RESERVATION_CONFLICT);
	assert_int_equal(run_status(b, 0x12), SCST_STATUS_GOOD); /* INQUIRY is allowed */
	assert_int_equal(run_status(b, 0x17), SCST_STATUS_GOOD); /* RELEASE by another: no effect */
	assert_int_equal(run_status(b, 0x00), SCST_STATUS_RESERVATION_CONFLICT);
	assert_int_equal(run_status(a, 0x17), SCST_STATUS_GOOD);
	assert_int_equal(run_status(b, 0x00), SCST_STATUS_GOOD);
	/* A LUN reset ends it. */
	assert_int_equal(run_status(b, 0x16), SCST_STATUS_GOOD);
	assert_int_equal(scst_local_tmf(a, SCST_TMF_LUN_RESET, 0, 0), SCST_TMF_RESP_COMPLETE);
	clear_ua(a, 0);
	assert_int_equal(run_status(a, 0x00), SCST_STATUS_GOOD);
	/* So does the holder's nexus loss. */
	clear_ua(b, 0);
	assert_int_equal(run_status(b, 0x16), SCST_STATUS_GOOD);
	assert_int_equal(run_status(a, 0x00), SCST_STATUS_RESERVATION_CONFLICT);
	scst_local_session_close(b);
	assert_int_equal(run_status(a, 0x00), SCST_STATUS_GOOD);
	scst_local_session_close(a);
	scst_core_exit();
}

/* 4096 LUNs in one table: REPORT LUNS lists them all, LUN 4095 works. */
static void test_4096_luns(void **state)
{
	static uint64_t luns[4096];
	struct scst_local_session *s;
	struct scst_local_result r;
	uint8_t cdb[10], buf[512];

	(void)state;
	setup_core();
	assert_int_equal(scst_device_add("vdisk_nullio", "n", "size=1048576", err, sizeof(err)), 0);
	add_target("t");
	for (uint64_t l = 0; l < 4096; l++)
		assert_int_equal(scst_lun_add(tgt("t"), NULL, l, "n", false, err, sizeof(err)), 0);
	s = scst_local_session_open("t", "iqn.test:init");
	assert_int_equal(report_luns(s, luns, 4096), 4096);
	for (uint64_t l = 0; l < 4096; l++)
		assert_int_equal(luns[l], l);
	clear_ua(s, 4095);
	rw10(cdb, 0x28, 5, 1, false);
	assert_int_equal(scst_local_exec(s, 4095, cdb, 10, SCST_DATA_READ, buf, 512, -1, &r), 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(r.data_len, 512);
	scst_local_session_close(s);
	scst_core_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fileio_roundtrip),
		cmocka_unit_test(test_blockio_file_roundtrip),
		cmocka_unit_test(test_blockio_loop_device),
		cmocka_unit_test(test_nullio_zeros),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_report_luns_by_group),
		cmocka_unit_test(test_unit_attentions),
		cmocka_unit_test(test_fileio_fua_syncs),
		cmocka_unit_test(test_cdb_errors),
		cmocka_unit_test(test_task_management),
		cmocka_unit_test(test_reserve_release),
		cmocka_unit_test(test_4096_luns),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
