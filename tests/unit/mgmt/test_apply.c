/* SPDX-License-Identifier: GPL-2.0-only */
/* scstadm apply: make the running state equal to a file; checks first, changes in order. */
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
#include "tree.h"

#define TGT "iqn.2026-11.org.scst:apply"

static const char conf_a[] =
	"HANDLER vdisk_nullio {\n"
	"\tDEVICE x {\n"
	"\t\tsize 1048576\n"
	"\t}\n"
	"\tDEVICE y {\n"
	"\t\tsize 2097152\n"
	"\t}\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"\tTARGET " TGT " {\n"
	"\t\tLUN 0 y\n"
	"\t\tGROUP hostA {\n"
	"\t\t\tINITIATOR iqn.a:*\n"
	"\t\t\tLUN 0 x\n"
	"\t\t\tLUN 1 y\n"
	"\t\t}\n"
	"\t\tenabled 1\n"
	"\t}\n"
	"}\n";

/* y moves from the default table to group hostB (read-only), x gets LUN 2 in hostA, z is new,
 * LUN 1 leaves hostA, x's t10_dev_id changes. */
static const char conf_b[] =
	"HANDLER vdisk_nullio {\n"
	"\tDEVICE x {\n"
	"\t\tsize 1048576\n"
	"\t\tt10_dev_id newid\n"
	"\t}\n"
	"\tDEVICE y {\n"
	"\t\tsize 2097152\n"
	"\t}\n"
	"\tDEVICE z {\n"
	"\t\tsize 1048576\n"
	"\t}\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"\tTARGET " TGT " {\n"
	"\t\tLUN 0 z\n"
	"\t\tGROUP hostA {\n"
	"\t\t\tINITIATOR iqn.a:*\n"
	"\t\t\tLUN 0 x\n"
	"\t\t\tLUN 2 x\n"
	"\t\t}\n"
	"\t\tGROUP hostB {\n"
	"\t\t\tINITIATOR iqn.b:*\n"
	"\t\t\tLUN 0 y {\n"
	"\t\t\t\tread_only 1\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t\tenabled 1\n"
	"\t}\n"
	"}\n";

static int core_setup(void **state)
{
	if (scst_core_init(1))
		return -1;
	scst_register_builtins();
	return 0;
}

static int core_teardown(void **state)
{
	scst_core_exit();
	return 0;
}

static char *saved(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	assert_int_equal(scst_conf_save(f), 0);
	fclose(f);
	return text;
}

static void apply_ok(const char *text)
{
	char err[512] = "";
	int ret = scst_conf_apply_string(text, "t.conf", true, err, sizeof(err));

	if (ret)
		fail_msg("apply failed: %s", err);
}

static const struct scst_lun_entry *lun(const char *group, uint64_t n)
{
	struct scst_target *t = scst_target_find("iscsi", TGT);
	struct scst_acg *g;

	assert_non_null(t);
	g = scst_acg_find(t, group);
	return g ? scst_lun_table_find(g->luns, n) : NULL;
}

static void assert_lun(const char *group, uint64_t n, const char *dev, bool ro)
{
	const struct scst_lun_entry *e = lun(group, n);

	assert_non_null(e);
	assert_string_equal(e->dev->name, dev);
	assert_int_equal(e->read_only, ro);
}

static void test_apply_to_empty(void **state)
{
	apply_ok(conf_a);
	assert_lun(NULL, 0, "y", false);
	assert_lun("hostA", 0, "x", false);
	assert_lun("hostA", 1, "y", false);
	assert_true(scst_target_enabled(scst_target_find("iscsi", TGT)));
	assert_string_equal(scst_acg_for_initiator(scst_target_find("iscsi", TGT), "iqn.a:1")->name,
			    "hostA");
}

static void test_apply_changes(void **state)
{
	char buf[64];

	apply_ok(conf_a);
	apply_ok(conf_b);
	assert_lun(NULL, 0, "z", false);
	assert_null(lun(NULL, 1));
	assert_lun("hostA", 0, "x", false);
	assert_null(lun("hostA", 1));
	assert_lun("hostA", 2, "x", false);
	assert_lun("hostB", 0, "y", true);
	assert_string_equal(scst_acg_for_initiator(scst_target_find("iscsi", TGT), "iqn.b:1")->name,
			    "hostB");
	assert_int_equal(scst_device_get_attr(scst_device_find("x"), "t10_dev_id", buf,
					      sizeof(buf)), 0);
	assert_string_equal(buf, "newid");
	assert_true(scst_target_enabled(scst_target_find("iscsi", TGT)));

	/* And back: z and hostB go, t10_dev_id returns to its default. */
	apply_ok(conf_a);
	assert_null(scst_device_find("z"));
	assert_null(scst_acg_find(scst_target_find("iscsi", TGT), "hostB"));
	assert_lun(NULL, 0, "y", false);
	assert_lun("hostA", 1, "y", false);
	assert_null(lun("hostA", 2));
	assert_int_equal(scst_device_get_attr(scst_device_find("x"), "t10_dev_id", buf,
					      sizeof(buf)), 0);
	assert_string_equal(buf, "x");
}

static void test_apply_saved_is_noop(void **state)
{
	struct scst_target *t;
	struct scst_lun_table *dflt, *ga, *gb;
	char *before, *after;

	apply_ok(conf_b);
	t = scst_target_find("iscsi", TGT);
	dflt = t->dflt.luns;
	ga = scst_acg_find(t, "hostA")->luns;
	gb = scst_acg_find(t, "hostB")->luns;
	before = saved();
	apply_ok(before);
	after = saved();
	assert_string_equal(before, after);
	/* Nothing was republished: sessions saw no change. */
	assert_ptr_equal(t->dflt.luns, dflt);
	assert_ptr_equal(scst_acg_find(t, "hostA")->luns, ga);
	assert_ptr_equal(scst_acg_find(t, "hostB")->luns, gb);
	free(before);
	free(after);
}

struct bad_case {
	const char *text;
	const char *msg;
};

static void test_apply_bad_changes_nothing(void **state)
{
	static const struct bad_case cases[] = {
		/* A syntax error. */
		{ "HANDLER vdisk_nullio {\n\tDEVICE x {\n", "t.conf:" },
		/* An unknown attribute deep in the file, after valid changes. */
		{ "HANDLER vdisk_nullio {\n\tDEVICE x {\n\t\tsize 1048576\n\t}\n"
		  "\tDEVICE w {\n\t\tsize 1048576\n\t}\n}\n"
		  "TARGET_DRIVER iscsi {\n\tTARGET " TGT " {\n\t\tLUN 0 w\n"
		  "\t\tcolour blue\n\t}\n}\n",
		  "t.conf:12: unknown target attribute 'colour'" },
		/* A LUN naming a device the file drops. */
		{ "HANDLER vdisk_nullio {\n\tDEVICE x {\n\t\tsize 1048576\n\t}\n}\n"
		  "TARGET_DRIVER iscsi {\n\tTARGET " TGT " {\n\t\tLUN 0 y\n\t}\n}\n",
		  "t.conf:8: LUN 0: device 'y' is not in the file" },
		/* An attribute the core cannot change on a live device. */
		{ "HANDLER vdisk_nullio {\n\tDEVICE x {\n\t\tsize 4194304\n\t}\n"
		  "\tDEVICE y {\n\t\tsize 2097152\n\t}\n}\n",
		  "t.conf:3: 'size' of device 'x' is '1048576' and cannot change while the device "
		  "exists; remove the device first" },
		/* A device that would need another handler. */
		{ "HANDLER vdisk_fileio {\n\tDEVICE x {\n\t\tfilename /dev/null\n\t}\n}\n",
		  "t.conf:2: device 'x' runs with handler vdisk_nullio" },
		/* Duplicate rel_tgt_id. */
		{ "TARGET_DRIVER iscsi {\n\tTARGET a {\n\t\trel_tgt_id 5\n\t}\n"
		  "\tTARGET b {\n\t\trel_tgt_id 5\n\t}\n}\n",
		  "t.conf:6: rel_tgt_id 5 is also used by target 'a' (line 2)" },
		/* A new device that fails to attach: the other new device is removed again. */
		{ "HANDLER vdisk_nullio {\n\tDEVICE x {\n\t\tsize 1048576\n\t}\n"
		  "\tDEVICE y {\n\t\tsize 2097152\n\t}\n\tDEVICE n2 {\n\t\tsize 1048576\n\t}\n}\n"
		  "HANDLER vdisk_fileio {\n\tDEVICE f {\n\t\tfilename /nonexistent/dir/f.img\n"
		  "\t}\n}\n",
		  "t.conf:13: cannot open /nonexistent/dir/f.img" },
	};
	char *before;

	apply_ok(conf_a);
	before = saved();
	for (size_t i = 0; i < SCST_ARRAY_SIZE(cases); i++) {
		char err[512] = "", *after;
		int ret = scst_conf_apply_string(cases[i].text, "t.conf", true, err, sizeof(err));

		assert_int_not_equal(ret, 0);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: got '%s', want '%s...'", i, err, cases[i].msg);
		after = saved();
		assert_string_equal(before, after);
		free(after);
		/* check reports the same and changes nothing either. */
		ret = scst_conf_apply_string(cases[i].text, "t.conf", false, err, sizeof(err));
		if (i < SCST_ARRAY_SIZE(cases) - 1)
			assert_int_not_equal(ret, 0);
	}
	assert_null(scst_device_find("n2"));
	free(before);
}

static void test_tree(void **state)
{
	struct scst_sbuf out = { 0 };
	char err[256] = "";

	apply_ok(conf_a);
	assert_int_equal(scst_tree_get("devices/x/size", &out, err, sizeof(err)), 0);
	assert_string_equal(out.p, "1048576");
	scst_sbuf_free(&out);
	assert_int_not_equal(scst_tree_set("devices/x/size", "5", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "cannot change"));
	assert_int_equal(scst_tree_mgmt("handlers/vdisk_nullio", "add_device q size=1048576", err,
					sizeof(err)),
			 0);
	assert_int_equal(scst_tree_mgmt("targets/iscsi/" TGT "/ini_groups/hostA/luns",
					"add q 7 read_only=1", err, sizeof(err)),
			 0);
	assert_lun("hostA", 7, "q", true);
	assert_int_equal(scst_tree_mgmt("targets/iscsi/" TGT "/ini_groups/hostA/luns/mgmt",
					"replace x 7", err, sizeof(err)),
			 0);
	assert_lun("hostA", 7, "x", false);
	assert_int_not_equal(scst_tree_mgmt("targets/iscsi/" TGT "/luns", "add nosuch 3", err,
					    sizeof(err)),
			     0);
	assert_string_equal(err, "no device nosuch");
	assert_int_not_equal(scst_tree_set("targets/iscsi/" TGT "/rel_tgt_id", "0", err,
					   sizeof(err)),
			     0);
	assert_int_not_equal(scst_tree_set("targets/iscsi/" TGT "/IncomingUser", "nospace", err,
					   sizeof(err)),
			     0);
	assert_int_equal(scst_tree_set("targets/iscsi/" TGT "/IncomingUser", "u secret12345",
				       err, sizeof(err)),
			 0);
	assert_int_equal(scst_tree_ls("targets/iscsi/" TGT, true, &out, err, sizeof(err)), 0);
	assert_non_null(strstr(out.p, "a IncomingUser\tu secret12345\n"));
	assert_non_null(strstr(out.p, "a ini_groups/hostA/luns/7/device\tx\n"));
	assert_non_null(strstr(out.p, "a ini_groups/hostA/initiators/iqn.a:*\tiqn.a:*\n"));
	scst_sbuf_free(&out);
	assert_int_not_equal(scst_tree_ls("nope", false, &out, err, sizeof(err)), 0);
	scst_sbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_to_empty, core_setup, core_teardown),
		cmocka_unit_test_setup_teardown(test_apply_changes, core_setup, core_teardown),
		cmocka_unit_test_setup_teardown(test_apply_saved_is_noop, core_setup,
						core_teardown),
		cmocka_unit_test_setup_teardown(test_apply_bad_changes_nothing, core_setup,
						core_teardown),
		cmocka_unit_test_setup_teardown(test_tree, core_setup, core_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
