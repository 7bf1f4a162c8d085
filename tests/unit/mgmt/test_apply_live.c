/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scstadm apply on a target with live sessions (local driver): a LUN whose device
 * changes is replaced in one table when the initiator patterns stay (INQUIRY DATA
 * HAS CHANGED, never a missing LUN); when they change, sessions re-bind to their
 * new group in one step; a driver switched off in the file stays off and is saved so.
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

#include "conf.h"
#include "core_priv.h"
#include "scst/builtins.h"
#include "scst/core.h"
#include "scst/local.h"
#include "tree.h"

static char err[512];

#define DEVICES                                                                            \
	"HANDLER vdisk_nullio {\n"                                                         \
	"\tDEVICE x {\n\t\tsize 1048576\n\t\tusn serial-x\n\t}\n"                          \
	"\tDEVICE y {\n\t\tsize 1048576\n\t\tusn serial-y\n\t}\n"                          \
	"\tDEVICE z {\n\t\tsize 1048576\n\t\tusn serial-z\n\t}\n"                          \
	"}\n"

/* Default table: LUN 0 x, LUN 1 y; group g for iqn.test:h only. */
static const char conf_1[] = DEVICES "TARGET_DRIVER local {\n"
				     "\tTARGET t {\n"
				     "\t\tLUN 0 x\n"
				     "\t\tLUN 1 y\n"
				     "\t\tGROUP g {\n"
				     "\t\t\tINITIATOR iqn.test:h\n"
				     "\t\t\tLUN 0 x\n"
				     "\t\t}\n"
				     "\t\tenabled 1\n"
				     "\t}\n"
				     "}\n";

/* The same patterns, LUN 1 now names z. */
static const char conf_2[] = DEVICES "TARGET_DRIVER local {\n"
				     "\tTARGET t {\n"
				     "\t\tLUN 0 x\n"
				     "\t\tLUN 1 z\n"
				     "\t\tGROUP g {\n"
				     "\t\t\tINITIATOR iqn.test:h\n"
				     "\t\t\tLUN 0 x\n"
				     "\t\t}\n"
				     "\t\tenabled 1\n"
				     "\t}\n"
				     "}\n";

/* iqn.test:o moves into a new group g2 (LUN 0 x, LUN 1 z); the default LUN 1 is y again;
 * the driver is switched off as a whole. */
static const char conf_3[] = DEVICES "TARGET_DRIVER local {\n"
				     "\tTARGET t {\n"
				     "\t\tLUN 0 x\n"
				     "\t\tLUN 1 y\n"
				     "\t\tGROUP g {\n"
				     "\t\t\tINITIATOR iqn.test:h\n"
				     "\t\t\tLUN 0 x\n"
				     "\t\t}\n"
				     "\t\tGROUP g2 {\n"
				     "\t\t\tINITIATOR iqn.test:o\n"
				     "\t\t\tLUN 0 x\n"
				     "\t\t\tLUN 1 z\n"
				     "\t\t}\n"
				     "\t\tenabled 1\n"
				     "\t}\n"
				     "\tenabled 0\n"
				     "}\n";

static int core_setup(void **state)
{
	(void)state;
	if (scst_core_init(1))
		return -1;
	scst_register_builtins();
	scst_reactor_bind(scst_core_reactor(0));
	return 0;
}

static int core_teardown(void **state)
{
	(void)state;
	scst_driver_set_enabled("local", true, NULL, 0);
	scst_driver_set_enabled("iscsi", true, NULL, 0);
	scst_core_exit();
	return 0;
}

static struct scst_target *tgt_of(const char *name)
{
	struct scst_target *t = scst_target_find("local", name);

	assert_non_null(t);
	return t;
}

static void pump(void)
{
	for (int i = 0; i < 10; i++)
		scst_reactor_run_once(scst_core_reactor(0), 2);
}

static void apply(const char *text)
{
	int ret = scst_conf_apply_string(text, "live.conf", true, err, sizeof(err));

	if (ret)
		fprintf(stderr, "apply: %s\n", err);
	assert_int_equal(ret, 0);
	pump();
}

static void tur(struct scst_local_session *s, uint64_t lun, struct scst_local_result *r)
{
	uint8_t cdb[6] = { 0 };

	assert_int_equal(scst_local_exec(s, lun, cdb, 6, SCST_DATA_NONE, NULL, 0, -1, r), 0);
}

static void expect_good(struct scst_local_session *s, uint64_t lun)
{
	struct scst_local_result r;

	tur(s, lun, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
}

static void expect_ua(struct scst_local_session *s, uint64_t lun, uint8_t asc, uint8_t ascq)
{
	struct scst_local_result r;

	tur(s, lun, &r);
	assert_int_equal(r.status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(r.key, SCST_KEY_UNIT_ATTENTION);
	assert_int_equal(r.asc, asc);
	assert_int_equal(r.ascq, ascq);
}

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

/* Patterns unchanged: LUN 1 y -> z in one table; only LUN 1's nexus hears of it. */
static void test_apply_replaces_in_place(void **state)
{
	struct scst_local_session *o;

	(void)state;
	apply(conf_1);
	o = scst_local_session_open("t", "iqn.test:o");
	assert_non_null(o);
	expect_ua(o, 0, 0x29, 0x00);
	expect_ua(o, 1, 0x29, 0x00);
	expect_serial(o, 1, "serial-y");
	apply(conf_2);
	expect_good(o, 0); /* the LUN list is the same: no REPORTED LUNS DATA HAS CHANGED */
	expect_ua(o, 1, 0x3f, 0x03);
	expect_serial(o, 1, "serial-z");
	expect_good(o, 1);
	scst_local_session_close(o);
}

/* Patterns change: o re-binds to g2 in one step; p, in the default table, sees its
 * changed LUN 1 removed and added (a new nexus) instead of replaced, and nobody sees
 * a device the old or the new file does not give it. */
static void test_apply_rebinds_and_switches_driver(void **state)
{
	struct scst_local_session *o, *p;
	struct scst_conf *have;

	(void)state;
	apply(conf_2);
	o = scst_local_session_open("t", "iqn.test:o");
	p = scst_local_session_open("t", "iqn.test:p");
	assert_non_null(o);
	assert_non_null(p);
	expect_ua(o, 0, 0x29, 0x00);
	expect_ua(o, 1, 0x29, 0x00);
	expect_ua(p, 0, 0x29, 0x00);
	expect_ua(p, 1, 0x29, 0x00);
	apply(conf_3);
	/* Patterns change, so the default LUN 1 (z -> y) is removed before o leaves the
	 * default table and added after: o never sees y. It re-binds to g2, filled
	 * before the re-bind: its LUN 0 nexus stays (the same x), LUN 1 is a new nexus
	 * on z. */
	expect_ua(o, 0, 0x3f, 0x0e);
	expect_good(o, 0);
	expect_ua(o, 1, 0x29, 0x00);
	expect_serial(o, 1, "serial-z");
	assert_string_equal(scst_acg_for_initiator(tgt_of("t"), "iqn.test:o")->name, "g2");
	/* p's LUN 1 went away and came back with y: 3F/0E on LUN 0, a new nexus on LUN 1. */
	expect_ua(p, 0, 0x3f, 0x0e);
	expect_ua(p, 1, 0x29, 0x00);
	expect_serial(p, 1, "serial-y");
	/* The driver is off: no new login; the file's own enabled is kept for the target. */
	assert_false(scst_driver_enabled("local"));
	assert_true(scst_target_enabled(tgt_of("t")));
	assert_false(scst_target_initiator_allowed(tgt_of("t"), "iqn.test:q"));
	assert_int_equal(scst_conf_from_running(&have), 0);
	assert_true(scst_conf_attr_find(scst_conf_driver_find(have, "local")->attrs, "enabled") &&
		    !strcmp(scst_conf_attr_find(scst_conf_driver_find(have, "local")->attrs,
						"enabled")
				    ->value,
			    "0"));
	scst_conf_free(have);
	/* A file that does not switch it off switches it on again. (It keeps g2: a group
	 * with a session bound to it cannot go.) */
	{
		char on[sizeof(conf_3)];
		char *e;

		memcpy(on, conf_3, sizeof(conf_3));
		e = strstr(on, "\tenabled 0\n");
		assert_non_null(e);
		memmove(e, e + strlen("\tenabled 0\n"), strlen(e + strlen("\tenabled 0\n")) + 1);
		assert_int_equal(scst_conf_apply_string(conf_2, "drop-g2.conf", true, err,
							sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "group 'g2' of target 't' is not in the file but has "
					    "sessions (iqn.test:o)"));
		apply(on);
		/* A driver switched off with no target is saved too, and a file without it
		 * switches it on again. */
		assert_int_equal(scst_driver_set_enabled("iscsi", false, err, sizeof(err)), 0);
		assert_int_equal(scst_conf_from_running(&have), 0);
		assert_non_null(scst_conf_driver_find(have, "iscsi"));
		assert_string_equal(
			scst_conf_attr_find(scst_conf_driver_find(have, "iscsi")->attrs, "enabled")
				->value,
			"0");
		scst_conf_free(have);
		apply(on);
		assert_true(scst_driver_enabled("iscsi"));
	}
	assert_true(scst_driver_enabled("local"));
	assert_true(scst_target_initiator_allowed(tgt_of("t"), "iqn.test:q"));
	scst_local_session_close(o);
	scst_local_session_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_replaces_in_place, core_setup,
						core_teardown),
		cmocka_unit_test_setup_teardown(test_apply_rebinds_and_switches_driver, core_setup,
						core_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
