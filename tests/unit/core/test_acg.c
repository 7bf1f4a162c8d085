/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LUN masking changes on live sessions (local driver): `replace` swaps a LUN's
 * device in one published table (INQUIRY DATA HAS CHANGED on that LUN, nothing
 * for the others), a read_only change gives MODE PARAMETERS CHANGED, and
 * initiator pattern changes re-bind live sessions to their new group at once.
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

#include "core_priv.h"
#include "scst/builtins.h"
#include "scst/local.h"

static char err[256];

static void setup_core(void)
{
	assert_int_equal(scst_core_init(1), 0);
	scst_register_builtins();
	scst_reactor_bind(scst_core_reactor(0));
}

/* Let the reactor take the LUN table messages management posted to it. */
static void pump(void)
{
	for (int i = 0; i < 10; i++)
		scst_reactor_run_once(scst_core_reactor(0), 2);
}

static struct scst_target *tgt(void)
{
	struct scst_target *t = scst_target_find("local", "t");

	assert_non_null(t);
	return t;
}

static void add_devices(void)
{
	assert_int_equal(scst_device_add("vdisk_nullio", "x", "size=1048576;usn=serial-x", err,
					 sizeof(err)),
			 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "y", "size=1048576;usn=serial-y", err,
					 sizeof(err)),
			 0);
	assert_int_equal(scst_device_add("vdisk_nullio", "z", "size=1048576;usn=serial-z", err,
					 sizeof(err)),
			 0);
	assert_int_equal(scst_target_add("local", "t", err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(tgt(), true), 0);
}

static void tur(struct scst_local_session *s, uint64_t lun, struct scst_local_result *r)
{
	uint8_t cdb[6] = { 0 };

	assert_int_equal(scst_local_exec(s, lun, cdb, 6, SCST_DATA_NONE, NULL, 0, -1, r), 0);
}

static void expect_sense(struct scst_local_session *s, uint64_t lun, uint8_t key, uint8_t asc,
			 uint8_t ascq)
{
	struct scst_local_result r;

	tur(s, lun, &r);
	assert_int_equal(r.status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(r.key, key);
	assert_int_equal(r.asc, asc);
	assert_int_equal(r.ascq, ascq);
}

static void expect_ua(struct scst_local_session *s, uint64_t lun, uint8_t asc, uint8_t ascq)
{
	expect_sense(s, lun, SCST_KEY_UNIT_ATTENTION, asc, ascq);
}

static void expect_good(struct scst_local_session *s, uint64_t lun)
{
	struct scst_local_result r;

	tur(s, lun, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
}

static void expect_no_lun(struct scst_local_session *s, uint64_t lun)
{
	expect_sense(s, lun, SCST_KEY_ILLEGAL_REQUEST, 0x25, 0x00);
}

/* Unit serial number (VPD 0x80) of the device behind lun. */
static void expect_serial(struct scst_local_session *s, uint64_t lun, const char *serial)
{
	uint8_t cdb[6] = { 0x12, 0x01, 0x80, 0, 255, 0 }, buf[255];
	struct scst_local_result r;

	assert_int_equal(scst_local_exec(s, lun, cdb, 6, SCST_DATA_READ, buf, sizeof(buf), -1, &r),
			 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(buf[3], strlen(serial));
	assert_memory_equal(buf + 4, serial, strlen(serial));
}

static unsigned report_luns(struct scst_local_session *s, uint64_t *luns, unsigned max)
{
	uint8_t cdb[12] = { 0xa0 }, buf[8 + 8 * 16];
	struct scst_local_result r;
	unsigned n;

	scst_put_be32(cdb + 6, sizeof(buf));
	assert_int_equal(scst_local_exec(s, 0, cdb, 12, SCST_DATA_READ, buf, sizeof(buf), -1, &r),
			 0);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	n = scst_get_be32(buf) / 8;
	for (unsigned i = 0; i < n && i < max; i++)
		luns[i] = (uint64_t)scst_lun_decode(buf + 8 + i * 8);
	return n;
}

static void write_one(struct scst_local_session *s, uint64_t lun, struct scst_local_result *r)
{
	uint8_t cdb[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, buf[512] = { 0 };

	assert_int_equal(scst_local_exec(s, lun, cdb, 10, SCST_DATA_WRITE, buf, 512, -1, r), 0);
}

/* replace: one new table; the replaced LUN's nexus gets INQUIRY DATA HAS CHANGED only. */
static void test_replace_device(void **state)
{
	struct scst_local_session *a;
	uint64_t luns[4];

	(void)state;
	setup_core();
	add_devices();
	assert_int_equal(scst_lun_add(tgt(), NULL, 0, "x", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), NULL, 1, "y", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a");
	assert_non_null(a);
	expect_ua(a, 0, 0x29, 0x00);
	expect_ua(a, 1, 0x29, 0x00);
	expect_serial(a, 1, "serial-y");

	assert_int_equal(scst_lun_replace(tgt(), NULL, 1, "z", false, err, sizeof(err)), 0);
	pump();
	/* The LUN list is the same: no REPORTED LUNS DATA HAS CHANGED anywhere. */
	expect_good(a, 0);
	expect_ua(a, 1, 0x3f, 0x03);
	expect_good(a, 1);
	expect_serial(a, 1, "serial-z");
	assert_int_equal(report_luns(a, luns, 4), 2);
	assert_int_equal(luns[1], 1);
	/* y is free again (its export and nexus are gone); z is in use. */
	assert_int_equal(scst_device_del("y", err, sizeof(err)), 0);
	assert_int_equal(scst_device_del("z", err, sizeof(err)), -EBUSY);

	/* The same device and read_only again: nothing changes, no unit attention. */
	assert_int_equal(scst_lun_replace(tgt(), NULL, 1, "z", false, err, sizeof(err)), 0);
	pump();
	expect_good(a, 1);
	expect_good(a, 0);

	/* Refused: unknown device or group, LUN out of range; nothing changes. */
	assert_int_equal(scst_lun_replace(tgt(), NULL, 1, "nosuch", false, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no device nosuch");
	assert_int_equal(scst_lun_replace(tgt(), "nogroup", 1, "x", false, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(scst_lun_replace(tgt(), NULL, SCST_MAX_LUN, "x", false, err, sizeof(err)),
			 -EINVAL);
	pump();
	expect_good(a, 1);
	expect_serial(a, 1, "serial-z");

	/* A LUN that does not exist yet is added: the inventory changed. */
	assert_int_equal(scst_lun_replace(tgt(), NULL, 5, "x", false, err, sizeof(err)), 0);
	pump();
	expect_ua(a, 0, 0x3f, 0x0e);
	assert_int_equal(report_luns(a, luns, 4), 3);
	assert_int_equal(luns[2], 5);
	/* REPORT LUNS (through LUN 0) cleared the same UA pending on LUN 1 (SPC-4 6.33). */
	expect_good(a, 1);
	scst_local_session_close(a);
	scst_core_exit();
}

/* replace that changes only read_only: MODE PARAMETERS CHANGED, then DATA PROTECT. */
static void test_replace_read_only(void **state)
{
	struct scst_local_session *a;
	struct scst_local_result r;

	(void)state;
	setup_core();
	add_devices();
	assert_int_equal(scst_lun_add(tgt(), NULL, 0, "x", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a");
	expect_ua(a, 0, 0x29, 0x00);
	write_one(a, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(scst_lun_replace(tgt(), NULL, 0, "x", true, err, sizeof(err)), 0);
	pump();
	expect_ua(a, 0, 0x2a, 0x01);
	write_one(a, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(r.key, SCST_KEY_DATA_PROTECT);
	assert_int_equal(r.asc, 0x27);
	scst_local_session_close(a);
	scst_core_exit();
}

/* A batch of LUN changes is one table: all or nothing, one round of unit attentions. */
static void test_lun_update_batch(void **state)
{
	struct scst_local_session *a;
	uint64_t luns[8];

	(void)state;
	setup_core();
	add_devices();
	assert_int_equal(scst_lun_add(tgt(), NULL, 0, "x", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), NULL, 1, "y", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), NULL, 2, "y", false, err, sizeof(err)), 0);
	a = scst_local_session_open("t", "iqn.test:a");
	expect_ua(a, 0, 0x29, 0x00);
	expect_ua(a, 1, 0x29, 0x00);
	expect_ua(a, 2, 0x29, 0x00);

	/* Refused batches change nothing. */
	{
		const struct scst_lun_change bad_dev[] = { { 5, "x", false },
							   { 6, "nosuch", false } };
		const struct scst_lun_change bad_del[] = { { 5, "x", false }, { 9, NULL, false } };
		const struct scst_lun_change twice[] = { { 5, "x", false }, { 5, "y", false } };

		assert_int_equal(scst_lun_update(tgt(), NULL, bad_dev, 2, err, sizeof(err)),
				 -ENOENT);
		assert_string_equal(err, "no device nosuch");
		assert_int_equal(scst_lun_update(tgt(), NULL, bad_del, 2, err, sizeof(err)),
				 -ENOENT);
		assert_string_equal(err, "no LUN 9");
		assert_int_equal(scst_lun_update(tgt(), NULL, twice, 2, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "LUN 5 is changed twice");
		assert_int_equal(scst_lun_update(tgt(), "nogroup", twice, 1, err, sizeof(err)),
				 -ENOENT);
	}
	pump();
	expect_good(a, 0);
	assert_int_equal(report_luns(a, luns, 8), 3);

	/* Add 5 and 7, replace 1 with z, remove 2, leave 0 as it is: one new table. */
	{
		const struct scst_lun_change ch[] = {
			{ 7, "x", false }, { 1, "z", false }, { 2, NULL, false },
			{ 5, "y", true },  { 0, "x", false },
		};

		assert_int_equal(scst_lun_update(tgt(), NULL, ch, 5, err, sizeof(err)), 0);
	}
	pump();
	expect_ua(a, 0, 0x3f, 0x0e);
	expect_good(a, 0);
	expect_ua(a, 1, 0x3f, 0x03);
	expect_serial(a, 1, "serial-z");
	expect_no_lun(a, 2);
	assert_int_equal(report_luns(a, luns, 8), 4);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 1);
	assert_int_equal(luns[2], 5);
	assert_int_equal(luns[3], 7);
	/* The export counts follow: y is exported once (LUN 5), x twice. */
	assert_int_equal(scst_device_find("y")->export_count, 1);
	assert_int_equal(scst_device_find("x")->export_count, 2);

	/* A batch that changes nothing publishes nothing: no unit attention. */
	{
		const struct scst_lun_change same[] = { { 0, "x", false }, { 5, "y", true } };

		assert_int_equal(scst_lun_update(tgt(), NULL, same, 2, err, sizeof(err)), 0);
	}
	pump();
	expect_good(a, 0);
	expect_good(a, 1);
	scst_local_session_close(a);
	scst_core_exit();
}

/* Pattern changes re-bind a live session to the group it now matches, at once. */
static void test_rebind_sessions(void **state)
{
	struct scst_local_session *h, *o;
	uint64_t luns[4];

	(void)state;
	setup_core();
	add_devices();
	assert_int_equal(scst_group_add(tgt(), "ga", err, sizeof(err)), 0);
	assert_int_equal(scst_group_add(tgt(), "gb", err, sizeof(err)), 0);
	assert_int_equal(scst_group_add_initiator(tgt(), "ga", "iqn.test:h*", err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), "ga", 0, "x", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), "ga", 1, "y", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), "gb", 0, "x", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), "gb", 2, "z", false, err, sizeof(err)), 0);
	assert_int_equal(scst_lun_add(tgt(), NULL, 7, "z", false, err, sizeof(err)), 0);
	h = scst_local_session_open("t", "iqn.test:host");
	o = scst_local_session_open("t", "iqn.test:other");
	assert_non_null(h);
	assert_non_null(o);
	expect_ua(h, 0, 0x29, 0x00);
	expect_ua(h, 1, 0x29, 0x00);
	expect_ua(o, 7, 0x29, 0x00);

	/* A move is one change: ga -> gb, never through the default table. */
	assert_int_equal(scst_group_move_initiator(tgt(), "ga", "iqn.test:h*", "gb", err,
						   sizeof(err)),
			 0);
	pump();
	/* LUN 0 names x in both groups: the nexus stays and hears of the new list. */
	expect_ua(h, 0, 0x3f, 0x0e);
	expect_good(h, 0);
	expect_no_lun(h, 1);
	assert_int_equal(report_luns(h, luns, 4), 2);
	assert_int_equal(luns[0], 0);
	assert_int_equal(luns[1], 2);
	expect_good(o, 7); /* another group's session hears nothing */

	/* Refused moves change nothing. */
	assert_int_equal(scst_group_move_initiator(tgt(), "gb", "iqn.test:h*", "gb", err,
						   sizeof(err)),
			 -EEXIST);
	assert_int_equal(scst_group_move_initiator(tgt(), "gb", "iqn.test:h*", "nogroup", err,
						   sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "no group nogroup");
	assert_int_equal(scst_group_move_initiator(tgt(), "ga", "iqn.test:h*", "gb", err,
						   sizeof(err)),
			 -ENOENT);
	pump();
	expect_good(h, 0);
	assert_non_null(scst_acg_find(tgt(), "gb")->initiators);
	assert_null(scst_acg_find(tgt(), "ga")->initiators);

	/* A batch is all or nothing: its second change fails, the first is undone. */
	{
		const struct scst_initiator_change ch[2] = {
			{ "ga", "iqn.test:new", true },
			{ "ga", "iqn.test:absent", false },
		};

		assert_int_equal(scst_group_change_initiators(tgt(), ch, 2, err, sizeof(err)),
				 -ENOENT);
		assert_null(scst_acg_find(tgt(), "ga")->initiators);
	}

	/* Removing the pattern: the session falls back to the default table. */
	assert_int_equal(scst_group_del_initiator(tgt(), "gb", "iqn.test:h*", err, sizeof(err)),
			 0);
	pump();
	expect_no_lun(h, 0);
	assert_int_equal(report_luns(h, luns, 4), 1);
	assert_int_equal(luns[0], 7);
	expect_ua(h, 7, 0x29, 0x00); /* a new nexus for the session */
	/* gb has no session left: it can go. */
	assert_int_equal(scst_group_del(tgt(), "gb", err, sizeof(err)), 0);
	scst_local_session_close(h);
	scst_local_session_close(o);
	scst_core_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_device),
		cmocka_unit_test(test_replace_read_only),
		cmocka_unit_test(test_lun_update_batch),
		cmocka_unit_test(test_rebind_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
