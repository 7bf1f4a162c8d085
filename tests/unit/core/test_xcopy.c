/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EXTENDED COPY and RECEIVE COPY RESULTS through the local driver on
 * vdisk_fileio: a good copy between two LUNs moves the data; a copy naming a
 * device the session cannot see, or a destination it sees read-only, is
 * refused and changes nothing (the CVE-2020-28374 class); the copy status is
 * kept per LIST IDENTIFIER.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scst/builtins.h"
#include "scst/core.h"
#include "scst/local.h"
#include "core_priv.h"

static char dir[64];
static struct scst_local_session *S;
static uint8_t buf[1 << 20];

static void ex(uint64_t lun, const uint8_t *cdb, unsigned len, enum scst_data_dir d, void *data,
	       uint32_t n, struct scst_local_result *r)
{
	assert_int_equal(scst_local_exec(S, lun, cdb, len, d, data, n, -1, r), 0);
}

static void rw(uint64_t lun, bool write, uint64_t lba, uint32_t blocks, uint8_t *data)
{
	uint8_t c[16] = { write ? 0x8a : 0x88 };
	struct scst_local_result r;

	scst_put_be64(c + 2, lba);
	scst_put_be32(c + 10, blocks);
	ex(lun, c, 16, write ? SCST_DATA_WRITE : SCST_DATA_READ, data, blocks * 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
}

/* An identification CSCD descriptor naming dev by its NAA designator. */
static void cscd(uint8_t *d, const char *dev)
{
	memset(d, 0, 32);
	d[0] = 0xe4;
	d[4] = 0x01; /* binary */
	d[5] = 0x03; /* NAA, associated with the logical unit */
	d[7] = 8;
	scst_put_be64(d + 8, scst_device_find(dev)->naa_id);
	scst_put_be16(d + 30, 512); /* DISK BLOCK LENGTH (bytes 29-31) */
}

/* EXTENDED COPY of n blocks from src LBA 0 to dst LBA 100, LIST ID 7 kept. */
static void xcopy(const char *src, const char *dst, uint16_t n, struct scst_local_result *r)
{
	static uint8_t p[16 + 64 + 28];
	uint8_t c[16] = { 0x83, 0x00 };

	memset(p, 0, sizeof(p));
	p[0] = 7; /* LIST IDENTIFIER; LIST ID USAGE 00b: keep the status */
	scst_put_be16(p + 2, 64);
	scst_put_be32(p + 8, 28);
	cscd(p + 16, src);
	cscd(p + 48, dst);
	p[80] = 0x02;
	scst_put_be16(p + 82, 24);
	scst_put_be16(p + 84, 0); /* source: CSCD 0 */
	scst_put_be16(p + 86, 1); /* destination: CSCD 1 */
	scst_put_be16(p + 90, n);
	scst_put_be64(p + 92, 0);
	scst_put_be64(p + 100, 100);
	scst_put_be32(c + 10, sizeof(p));
	ex(0, c, 16, SCST_DATA_WRITE, p, sizeof(p), r);
}

static int setup(void **state)
{
	char err[256], attrs[256];
	struct scst_target *t;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_xcopy.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	assert_int_equal(scst_core_init(1), 0);
	scst_register_builtins();
	scst_reactor_bind(scst_core_reactor(0));
	for (int i = 0; i < 4; i++) {
		static const char *const names[] = { "a", "b", "ro", "hidden" };

		snprintf(attrs, sizeof(attrs), "filename=%s/%s.img;size=4194304", dir, names[i]);
		assert_int_equal(scst_device_add("vdisk_fileio", names[i], attrs, err, sizeof(err)),
				 0);
	}
	assert_int_equal(scst_target_add("local", "xc", err, sizeof(err)), 0);
	t = scst_target_find("local", "xc");
	assert_int_equal(scst_lun_add(t, NULL, 0, "a", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(t, NULL, 1, "b", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(t, NULL, 2, "ro", true, err, sizeof(err)), 0);
	/* "hidden" is exported only to another group's initiators. */
	assert_int_equal(scst_group_add(t, "others", err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(t, "others", 0, "hidden", false, err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(t, true), 0);
	S = scst_local_session_open("xc", "iqn.2026-11.org.test:xcopy");
	assert_non_null(S);
	for (uint64_t lun = 0; lun < 3; lun++) {
		static const uint8_t tur[6];
		struct scst_local_result r;

		do
			ex(lun, tur, 6, SCST_DATA_NONE, NULL, 0, &r);
		while (r.status != SCST_STATUS_GOOD);
	}
	return 0;
}

static int teardown(void **state)
{
	static const char *const names[] = { "a", "b", "ro", "hidden" };
	char path[128];

	(void)state;
	scst_local_session_close(S);
	scst_core_exit();
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.img", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

static void test_copy_and_status(void **state)
{
	static uint8_t want[256 * 512];
	static const uint8_t rcr_status[16] = { 0x84, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64 };
	static const uint8_t rcr_other[16] = { 0x84, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64 };
	struct scst_local_result r;

	(void)state;
	for (unsigned i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i * 7 + 3);
	rw(0, true, 0, 256, want);
	xcopy("a", "b", 256, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	rw(1, false, 100, 256, buf);
	assert_memory_equal(buf, want, sizeof(want));
	/* COPY STATUS of LIST ID 7: completed, one segment, 256 blocks. */
	ex(0, rcr_status, 16, SCST_DATA_READ, buf, 64, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(scst_get_be16(buf + 5), 1);
	assert_int_equal(scst_get_be32(buf + 8), 256);
	/* An unknown LIST IDENTIFIER is INVALID FIELD IN CDB. */
	ex(0, rcr_other, 16, SCST_DATA_READ, buf, 64, &r);
	assert_int_equal(r.key, 0x05);
	assert_int_equal(r.asc, 0x24);
}

static void test_copy_refused(void **state)
{
	static uint8_t zeros[8 * 512];
	struct scst_local_result r;

	(void)state;
	/* A device this session cannot see: unreachable, and untouched. */
	xcopy("a", "hidden", 8, &r);
	assert_int_equal(r.key, 0x0a);
	assert_int_equal(r.asc, 0x0d);
	assert_int_equal(r.ascq, 0x02);
	xcopy("hidden", "b", 8, &r);
	assert_int_equal(r.key, 0x0a);
	assert_int_equal(r.asc, 0x0d);
	/* A destination this session sees read-only. */
	xcopy("a", "ro", 8, &r);
	assert_int_equal(r.key, 0x0a);
	assert_int_equal(r.asc, 0x27);
	rw(2, false, 100, 8, buf);
	assert_memory_equal(buf, zeros, sizeof(zeros));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_and_status),
		cmocka_unit_test(test_copy_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
