/* SPDX-License-Identifier: GPL-2.0-only */
/* scst.conf: parser tree and messages, validation, loading into the core, save and reload. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "core_priv.h"
#include "scst/builtins.h"
#include "scst/core.h"

static const char example[] =
	"# comment\n"
	"HANDLER vdisk_fileio {\n"
	"\tDEVICE disk1 {\n"
	"\t\tfilename /var/lib/disk1.img\n"
	"\t\tblocksize 4096\n"
	"\t\twrite_through 1\n"
	"\t}\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"\tenabled 1\n"
	"\tTARGET iqn.2026-11.org.scst:t1 {\n"
	"\t\tenabled 1\n"
	"\t\trel_tgt_id 1\n"
	"\t\tIncomingUser \"user1 secret12chars\"\n"
	"\t\tOutgoingUser \"tgtuser secret\"\n"
	"\t\tLUN 0 disk1\n"
	"\t\tLUN 1 disk2 { read_only 1 }\n"
	"\t\tGROUP hostA {\n"
	"\t\t\tINITIATOR iqn.1993-08.org.debian:01:host*\n"
	"\t\t\tLUN 0 disk1\n"
	"\t\t}\n"
	"\t}\n"
	"}\n";

static struct scst_conf *parse_ok(const char *text)
{
	struct scst_conf *c = NULL;
	char err[256] = "";
	int ret = scst_conf_parse_string(text, "t.conf", &c, err, sizeof(err));

	if (ret)
		fail_msg("parse failed: %s", err);
	assert_non_null(c);
	return c;
}

static void assert_attr(const struct scst_conf_attr *a, const char *key, const char *value,
			unsigned line)
{
	assert_non_null(a);
	assert_string_equal(a->key, key);
	assert_string_equal(a->value, value);
	assert_int_equal(a->pos.line, line);
	assert_string_equal(a->pos.file, "t.conf");
}

static void test_parse_example(void **state)
{
	struct scst_conf *c = parse_ok(example);
	const struct scst_conf_handler *h = c->handlers;
	const struct scst_conf_device *d;
	const struct scst_conf_driver *drv;
	const struct scst_conf_target *t;
	const struct scst_conf_lun *l;
	const struct scst_conf_group *g;

	assert_null(c->attrs);
	assert_null(c->dev_groups);
	assert_non_null(h);
	assert_null(h->next);
	assert_string_equal(h->name, "vdisk_fileio");
	assert_int_equal(h->pos.line, 2);
	d = h->devices;
	assert_non_null(d);
	assert_null(d->next);
	assert_string_equal(d->name, "disk1");
	assert_int_equal(d->pos.line, 3);
	assert_attr(d->attrs, "filename", "/var/lib/disk1.img", 4);
	assert_attr(d->attrs->next, "blocksize", "4096", 5);
	assert_attr(d->attrs->next->next, "write_through", "1", 6);
	assert_null(d->attrs->next->next->next);

	drv = c->drivers;
	assert_non_null(drv);
	assert_null(drv->next);
	assert_string_equal(drv->name, "iscsi");
	assert_int_equal(drv->pos.line, 9);
	assert_attr(drv->attrs, "enabled", "1", 10);
	assert_null(drv->attrs->next);
	t = drv->targets;
	assert_non_null(t);
	assert_null(t->next);
	assert_string_equal(t->name, "iqn.2026-11.org.scst:t1");
	assert_int_equal(t->pos.line, 11);
	assert_attr(t->attrs, "enabled", "1", 12);
	assert_attr(t->attrs->next, "rel_tgt_id", "1", 13);
	assert_attr(t->attrs->next->next, "IncomingUser", "user1 secret12chars", 14);
	assert_attr(t->attrs->next->next->next, "OutgoingUser", "tgtuser secret", 15);
	assert_null(t->attrs->next->next->next->next);
	l = t->luns;
	assert_non_null(l);
	assert_int_equal(l->lun, 0);
	assert_string_equal(l->device, "disk1");
	assert_int_equal(l->pos.line, 16);
	assert_null(l->attrs);
	l = l->next;
	assert_non_null(l);
	assert_int_equal(l->lun, 1);
	assert_string_equal(l->device, "disk2");
	assert_int_equal(l->pos.line, 17);
	assert_attr(l->attrs, "read_only", "1", 17);
	assert_null(l->attrs->next);
	assert_null(l->next);
	g = t->groups;
	assert_non_null(g);
	assert_null(g->next);
	assert_string_equal(g->name, "hostA");
	assert_int_equal(g->pos.line, 18);
	assert_null(g->attrs);
	assert_non_null(g->initiators);
	assert_string_equal(g->initiators->pattern, "iqn.1993-08.org.debian:01:host*");
	assert_int_equal(g->initiators->pos.line, 19);
	assert_null(g->initiators->next);
	assert_non_null(g->luns);
	assert_int_equal(g->luns->lun, 0);
	assert_string_equal(g->luns->device, "disk1");
	assert_int_equal(g->luns->pos.line, 20);
	assert_null(g->luns->next);

	assert_ptr_equal(scst_conf_device_find(c, "disk1"), d);
	assert_null(scst_conf_device_find(c, "disk2"));
	assert_ptr_equal(scst_conf_target_find(drv, "iqn.2026-11.org.scst:t1"), t);
	scst_conf_free(c);
}

static void test_parse_values(void **state)
{
	struct scst_conf *c = parse_ok("setup_id 0x1234 # trailing comment\n"
				       "HANDLER vdisk_fileio\n"
				       "{\n"
				       "  DEVICE d1\n"
				       "  {\n"
				       "    filename \"/tmp/a b\\\"c\\\\d\" \n"
				       "    t10_dev_id \"x\\y\"\n"
				       "    usn \"\"\n"
				       "  }\n"
				       "  DEVICE d2\n"
				       "}\n"
				       "TARGET_DRIVER iscsi {\n"
				       "  TARGET t {\n"
				       "    IncomingUser   joe    secret12chars\n"
				       "    IncomingUser \"ann\" \"other secret\"\n"
				       "    HeaderDigest CRC32C,None\n"
				       "  }\n"
				       "  TARGET t2\n"
				       "}");
	const struct scst_conf_device *d;
	const struct scst_conf_target *t;

	assert_attr(c->attrs, "setup_id", "0x1234", 1);
	assert_string_equal(c->handlers->name, "vdisk_fileio");
	d = c->handlers->devices;
	assert_string_equal(d->name, "d1");
	assert_int_equal(d->pos.line, 4);
	assert_attr(d->attrs, "filename", "/tmp/a b\"c\\d", 6);
	/* A backslash before anything but '"' or '\' stays: Windows-like paths survive. */
	assert_attr(d->attrs->next, "t10_dev_id", "x\\y", 7);
	assert_attr(d->attrs->next->next, "usn", "", 8);
	assert_string_equal(d->next->name, "d2");
	assert_null(d->next->attrs);
	t = c->drivers->targets;
	assert_attr(t->attrs, "IncomingUser", "joe secret12chars", 14);
	assert_attr(t->attrs->next, "IncomingUser", "ann other secret", 15);
	assert_attr(t->attrs->next->next, "HeaderDigest", "CRC32C,None", 16);
	assert_string_equal(t->next->name, "t2");
	assert_null(t->next->attrs);
	assert_null(t->next->luns);
	scst_conf_free(c);
}

static void test_parse_alua(void **state)
{
	struct scst_conf *c = parse_ok("DEVICE_GROUP dg1 {\n"
				       "\tDEVICE disk1\n"
				       "\tTARGET_GROUP tg1 {\n"
				       "\t\tgroup_id 1\n"
				       "\t\tstate active\n"
				       "\t\tTARGET iqn.x:t1\n"
				       "\t\tTARGET iqn.x:t2 { rel_tgt_id 2 }\n"
				       "\t}\n"
				       "}\n");
	const struct scst_conf_dev_group *dg = c->dev_groups;
	const struct scst_conf_tgt_group *tg;

	assert_non_null(dg);
	assert_string_equal(dg->name, "dg1");
	assert_string_equal(dg->devices->name, "disk1");
	assert_int_equal(dg->devices->pos.line, 2);
	tg = dg->tgt_groups;
	assert_string_equal(tg->name, "tg1");
	assert_attr(tg->attrs, "group_id", "1", 4);
	assert_attr(tg->attrs->next, "state", "active", 5);
	assert_string_equal(tg->targets->name, "iqn.x:t1");
	assert_string_equal(tg->targets->next->name, "iqn.x:t2");
	assert_attr(tg->targets->next->attrs, "rel_tgt_id", "2", 7);
	scst_conf_free(c);
}

struct err_case {
	const char *text;
	const char *msg;
};

static const struct err_case parse_errors[] = {
	{ "FOO bar {\n}\n", "t.conf:1: unknown keyword 'FOO' at top level" },
	{ "LUN 0 disk1\n", "t.conf:1: unknown keyword 'LUN' at top level" },
	{ "HANDLER h {\n\tLUN 0 d\n}\n", "t.conf:2: unknown keyword 'LUN' in HANDLER block" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tGROUP g\n\t}\n}\n",
	  "t.conf:3: unknown keyword 'GROUP' in DEVICE block" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tINITIATOR x\n\t}\n}\n",
	  "t.conf:3: unknown keyword 'INITIATOR' in TARGET block" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tfilename /x\n}\n",
	  "t.conf:1: unbalanced braces: '{' is never closed" },
	{ "HANDLER h {\n}\n}\n", "t.conf:3: unbalanced braces: '}' without '{'" },
	{ "\n{\n", "t.conf:2: '{' without a keyword before it" },
	{ "HANDLER h {\n\tDEVICE\n}\n", "t.conf:2: missing name after DEVICE" },
	{ "HANDLER {\n}\n", "t.conf:1: missing name after HANDLER" },
	{ "HANDLER h {\n\tDEVICE a b\n}\n", "t.conf:2: unexpected 'b' after DEVICE a" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN 16384 d\n\t}\n}\n",
	  "t.conf:3: LUN number '16384' is not in 0..16383" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN -1 d\n\t}\n}\n",
	  "t.conf:3: LUN number '-1' is not in 0..16383" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN 99999999999999999999999 d\n\t}\n}\n",
	  "t.conf:3: LUN number '99999999999999999999999' is not in 0..16383" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN\n\t}\n}\n",
	  "t.conf:3: missing LUN number" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN 3\n\t}\n}\n",
	  "t.conf:3: missing device name after LUN 3" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN 0 d1\n\t\tLUN 1 d2\n\t\tLUN 0 d3\n\t}\n}\n",
	  "t.conf:5: duplicate LUN 0 (first at line 3)" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tLUN 7 d1\n\t\t\tLUN 7 d1\n"
	  "\t\t}\n\t}\n}\n",
	  "t.conf:5: duplicate LUN 7 (first at line 4)" },
	{ "HANDLER a {\n\tDEVICE d\n}\nHANDLER b {\n\tDEVICE d\n}\n",
	  "t.conf:5: duplicate device 'd' (first at line 2)" },
	{ "HANDLER a {\n\tDEVICE d\n\tDEVICE d\n}\n",
	  "t.conf:3: duplicate device 'd' (first at line 2)" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t\n}\nTARGET_DRIVER local {\n\tTARGET t\n}\n",
	  "t.conf:5: duplicate target 't' (first at line 2)" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t\n\tTARGET t\n}\n",
	  "t.conf:3: duplicate target 't' (first at line 2)" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tGROUP g\n\t\tGROUP g\n\t}\n}\n",
	  "t.conf:4: duplicate group 'g' (first at line 3)" },
	{ "HANDLER a {\n}\nHANDLER a {\n}\n", "t.conf:3: duplicate HANDLER 'a' (first at line 1)" },
	{ "setup_id \"abc\n", "t.conf:1: unterminated quote" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tfilename \"/x\\\"\n\t}\n}\n",
	  "t.conf:3: unterminated quote" },
	{ "setup_id\n", "t.conf:1: missing value for 'setup_id'" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tsize 1\n\t\tsize 2\n\t}\n}\n",
	  "t.conf:4: duplicate attribute 'size' (first at line 3)" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tINITIATOR a { }\n"
	  "\t\t}\n\t}\n}\n",
	  "t.conf:4: INITIATOR takes no block" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tINITIATOR a\n"
	  "\t\t\tINITIATOR a\n\t\t}\n\t}\n}\n",
	  "t.conf:5: duplicate initiator 'a' (first at line 4)" },
	{ "HANDLER h {\n\tDEVICE d {\n\t\tsize { }\n\t}\n}\n",
	  "t.conf:3: unknown keyword 'size' in DEVICE block" },
};

static void test_parse_errors(void **state)
{
	for (size_t i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++) {
		struct scst_conf *c = (void *)1;
		char err[256] = "";
		int ret = scst_conf_parse_string(parse_errors[i].text, "t.conf", &c, err,
						 sizeof(err));

		if (ret != -EINVAL || strcmp(err, parse_errors[i].msg))
			fail_msg("case %zu: ret %d, got '%s', want '%s'", i, ret, err,
				 parse_errors[i].msg);
		assert_null(c);
	}
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_conf_XXXXXX";
	struct scst_conf *c;
	char err[256] = "";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "HANDLER x {\n\tDEVICE\n}\n", 22), 22);
	close(fd);
	assert_int_equal(scst_conf_parse_file(path, &c, err, sizeof(err)), -EINVAL);
	char want[300];

	snprintf(want, sizeof(want), "%s:2: missing name after DEVICE", path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(scst_conf_parse_file(path, &c, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
}

/* ---- against the core ---- */

static char tmpfile_path[64];

static int core_setup(void **state)
{
	int fd;

	if (scst_core_init(1))
		return -1;
	scst_register_builtins();
	snprintf(tmpfile_path, sizeof(tmpfile_path), "/tmp/test_conf_img_XXXXXX");
	fd = mkstemp(tmpfile_path);
	if (fd < 0 || ftruncate(fd, 8 << 20))
		return -1;
	close(fd);
	return 0;
}

static int core_teardown(void **state)
{
	scst_core_exit();
	unlink(tmpfile_path);
	return 0;
}

static bool core_empty(void)
{
	return !scst_device_first() && !scst_target_first();
}

static const struct err_case validate_errors[] = {
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1048576\n\t\tcolour blue\n\t}\n}\n",
	  "t.conf:4: unknown vdisk_nullio device attribute 'colour'" },
	{ "HANDLER vdisk_bogus {\n}\n", "t.conf:1: unknown handler 'vdisk_bogus'" },
	{ "TARGET_DRIVER fc {\n}\n", "t.conf:1: unknown target driver 'fc'" },
	{ "setup_id 12\nthreads 4\n", "t.conf:2: unknown top level attribute 'threads'" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1048576\n\t\tblocksize 1024\n\t}\n}\n",
	  "t.conf:4: 'blocksize' must be 512 or 4096, not '1024'" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1048576\n\t\tread_only yes\n\t}\n}\n",
	  "t.conf:4: 'read_only' must be 0 or 1, not 'yes'" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1M\n\t}\n}\n",
	  "t.conf:3: 'size' must be a number in 0..18446744073709551615, not '1M'" },
	{ "HANDLER vdisk_fileio {\n\tDEVICE n {\n\t\tfilename \"/a;b\"\n\t}\n}\n",
	  "t.conf:3: 'filename' must not contain ';'" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tt10_dev_id 01234567890123456\n\t}\n}\n",
	  "t.conf:3: 't10_dev_id' must be 0..16 characters long" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tenabled 1\n\t\tcolour red\n\t}\n}\n",
	  "t.conf:4: unknown target attribute 'colour'" },
	{ "TARGET_DRIVER local {\n\tTARGET t {\n\t\tInitialR2T Yes\n\t}\n}\n",
	  "t.conf:3: unknown target attribute 'InitialR2T'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tInitialR2T yes\n\t}\n}\n",
	  "t.conf:3: 'InitialR2T' must be Yes or No, not 'yes'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tHeaderDigest CRC32C,MD5\n\t}\n}\n",
	  "t.conf:3: 'HeaderDigest' must be None, CRC32C or a comma list of them, not "
	  "'CRC32C,MD5'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tMaxRecvDataSegmentLength 100\n\t}\n}\n",
	  "t.conf:3: 'MaxRecvDataSegmentLength' must be a number in 512..16777215, not '100'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tMaxBurstLength 8192\n"
	  "\t\tFirstBurstLength 65536\n\t}\n}\n",
	  "t.conf:4: FirstBurstLength exceeds MaxBurstLength" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tIncomingUser onlyname\n\t}\n}\n",
	  "t.conf:3: 'IncomingUser' must be \"name secret\"" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n"
	  "\t\tIncomingUser \"u0 s\"\n\t\tIncomingUser \"u1 s\"\n\t\tIncomingUser \"u2 s\"\n"
	  "\t\tIncomingUser \"u3 s\"\n\t\tIncomingUser \"u4 s\"\n\t\tIncomingUser \"u5 s\"\n"
	  "\t\tIncomingUser \"u6 s\"\n\t\tIncomingUser \"u7 s\"\n\t\tIncomingUser \"u8 s\"\n"
	  "\t\tIncomingUser \"u9 s\"\n\t\tIncomingUser \"ua s\"\n\t\tIncomingUser \"ub s\"\n"
	  "\t\tIncomingUser \"uc s\"\n\t\tIncomingUser \"ud s\"\n\t\tIncomingUser \"ue s\"\n"
	  "\t\tIncomingUser \"uf s\"\n\t\tIncomingUser \"ug s\"\n\t}\n}\n",
	  "t.conf:19: at most 16 IncomingUser accounts per target" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\trel_tgt_id 0\n\t}\n}\n",
	  "t.conf:3: 'rel_tgt_id' must be a number in 1..65535, not '0'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET a {\n\t\trel_tgt_id 5\n\t}\n"
	  "\tTARGET b {\n\t\trel_tgt_id 5\n\t}\n}\n",
	  "t.conf:6: rel_tgt_id 5 is also used by target 'a' (line 2)" },
	{ "TARGET_DRIVER iscsi {\n\tcolour 1\n}\n", "t.conf:2: unknown driver attribute 'colour'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN 0 nodev\n\t}\n}\n",
	  "t.conf:3: LUN 0: device 'nodev' is not defined" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1048576\n\t}\n}\n"
	  "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tLUN 0 n { write_through 1 }\n\t}\n}\n",
	  "t.conf:8: unknown LUN attribute 'write_through'" },
	{ "TARGET_DRIVER iscsi {\n\tTARGET t {\n\t\tGROUP g {\n\t\t\tcpu_mask ff\n\t\t}\n"
	  "\t}\n}\n",
	  "t.conf:4: unknown group attribute 'cpu_mask'" },
	{ "DEVICE_GROUP dg {\n\tDEVICE d\n}\n", "t.conf:2: DEVICE d is not defined in a HANDLER block" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1048576\n\t}\n}\n"
	  "DEVICE_GROUP dg {\n\tDEVICE n\n\tTARGET_GROUP a {\n\t\tgroup_id 1\n\t\tstate sleepy\n\t}\n}\n",
	  "t.conf:10: state: 'sleepy' is not one of active, nonoptimized, standby, unavailable, "
	  "offline, transitioning" },
	{ "HANDLER vdisk_nullio {\n\tDEVICE n {\n\t\tsize 1048576\n\t}\n}\n"
	  "DEVICE_GROUP dg {\n\tDEVICE n\n}\nDEVICE_GROUP dg2 {\n\tDEVICE n\n}\n",
	  "t.conf:10: device n is already in device group dg (line 7)" },
	{ "DEVICE_GROUP dg {\n\tTARGET_GROUP a {\n\t\tgroup_id 1\n\t}\n"
	  "\tTARGET_GROUP b {\n\t\tgroup_id 1\n\t}\n}\n",
	  "t.conf:6: group_id 1 is also target group a's (line 2)" },
	{ "DEVICE_GROUP dg {\n\tTARGET_GROUP a {\n\t\tTARGET t1 { rel_tgt_id 0 }\n\t}\n}\n",
	  "t.conf:3: rel_tgt_id: '0' is not a number in 1-65535" },
	{ "DEVICE_GROUP dg {\n\tTARGET_GROUP a {\n\t\tTARGET t1\n\t}\n"
	  "\tTARGET_GROUP b {\n\t\tTARGET t1\n\t}\n}\n",
	  "t.conf:6: target t1 is already in target group a (line 3)" },
};

static void test_validate_errors(void **state)
{
	for (size_t i = 0; i < sizeof(validate_errors) / sizeof(validate_errors[0]); i++) {
		struct scst_conf *c = parse_ok(validate_errors[i].text);
		char err[256] = "";
		int ret = scst_conf_validate(c, err, sizeof(err));

		if (ret != -EINVAL || strcmp(err, validate_errors[i].msg))
			fail_msg("case %zu: ret %d, got '%s', want '%s'", i, ret, err,
				 validate_errors[i].msg);
		/* The loader says the same and creates nothing. */
		err[0] = 0;
		assert_int_equal(scst_conf_load(c, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, validate_errors[i].msg);
		assert_true(core_empty());
		scst_conf_free(c);
	}
}

/* A configuration using both vdisk_nullio and vdisk_fileio on the temp file. */
static char *full_config(void)
{
	char *text;

	assert_true(asprintf(&text,
			     "setup_id 0x17\n"
			     "HANDLER vdisk_nullio {\n"
			     "\tDEVICE null0 {\n"
			     "\t\tsize 1048576\n"
			     "\t\tblocksize 4096\n"
			     "\t\tt10_dev_id \"serial 0\"\n"
			     "\t}\n"
			     "\tDEVICE null1 {\n"
			     "\t\tsize 2097152\n"
			     "\t\tread_only 1\n"
			     "\t\trotational 0\n"
			     "\t}\n"
			     "}\n"
			     "HANDLER vdisk_fileio {\n"
			     "\tDEVICE file0 {\n"
			     "\t\tfilename %s\n"
			     "\t\twrite_through 1\n"
			     "\t}\n"
			     "}\n"
			     "TARGET_DRIVER iscsi {\n"
			     "\tenabled 1\n"
			     "\tTARGET iqn.2026-11.org.scst:t1 {\n"
			     "\t\tenabled 1\n"
			     "\t\tIncomingUser \"user1 secret12chars\"\n"
			     "\t\tIncomingUser \"user2 secret34chars\"\n"
			     "\t\tOutgoingUser \"tgtuser secret\"\n"
			     "\t\tMaxRecvDataSegmentLength 65536\n"
			     "\t\tLUN 0 null0\n"
			     "\t\tLUN 1 file0 { read_only 1 }\n"
			     "\t\tGROUP hostA {\n"
			     "\t\t\tINITIATOR iqn.1993-08.org.debian:01:host*\n"
			     "\t\t\tINITIATOR iqn.1993-08.org.debian:01:other\n"
			     "\t\t\tLUN 0 null1\n"
			     "\t\t\tLUN 5 file0\n"
			     "\t\t}\n"
			     "\t}\n"
			     "\tTARGET iqn.2026-11.org.scst:t2 {\n"
			     "\t\trel_tgt_id 1\n"
			     "\t\tLUN 0 null1\n"
			     "\t}\n"
			     "}\n"
			     "TARGET_DRIVER local {\n"
			     "\tTARGET loc0 {\n"
			     "\t\tenabled 1\n"
			     "\t\tLUN 3 null0\n"
			     "\t}\n"
			     "}\n",
			     tmpfile_path) > 0);
	return text;
}

static void test_load(void **state)
{
	char *text = full_config(), err[256] = "", buf[64];
	struct scst_device *d;
	struct scst_target *t, *t2, *loc;
	struct scst_acg *g;
	const struct scst_lun_entry *e;

	if (scst_conf_load_string(text, "t.conf", err, sizeof(err)))
		fail_msg("load: %s", err);
	free(text);

	d = scst_device_find("null0");
	assert_non_null(d);
	assert_string_equal(d->handler->name, "vdisk_nullio");
	assert_int_equal(d->size, 1048576);
	assert_int_equal(d->block_size, 4096);
	assert_string_equal(d->t10_dev_id, "serial 0");
	d = scst_device_find("null1");
	assert_non_null(d);
	assert_int_equal(d->size, 2097152);
	assert_true(d->read_only);
	assert_false(d->rotational);
	d = scst_device_find("file0");
	assert_non_null(d);
	assert_string_equal(d->handler->name, "vdisk_fileio");
	assert_string_equal(d->filename, tmpfile_path);
	assert_int_equal(d->size, 8 << 20);
	assert_true(d->write_through);
	assert_int_equal(scst_device_get_attr(d, "blocksize", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "512");

	t = scst_target_find("iscsi", "iqn.2026-11.org.scst:t1");
	t2 = scst_target_find("iscsi", "iqn.2026-11.org.scst:t2");
	loc = scst_target_find("local", "loc0");
	assert_non_null(t);
	assert_non_null(t2);
	assert_non_null(loc);
	assert_true(scst_target_enabled(t));
	assert_false(scst_target_enabled(t2));
	assert_true(scst_target_enabled(loc));
	/* t2 asked for 1; t1 and loc0 get the lowest free ids in file order. */
	assert_int_equal(scst_target_rel_id(t2), 1);
	assert_int_equal(scst_target_rel_id(t), 2);
	assert_int_equal(scst_target_rel_id(loc), 3);
	assert_string_equal(scst_target_get_attr(t, "IncomingUser", buf, sizeof(buf)),
			    "user1 secret12chars");
	assert_string_equal(scst_target_get_attr(t, "IncomingUser1", buf, sizeof(buf)),
			    "user2 secret34chars");
	assert_string_equal(scst_target_get_attr(t, "OutgoingUser", buf, sizeof(buf)),
			    "tgtuser secret");
	assert_string_equal(scst_target_get_attr(t, "MaxRecvDataSegmentLength", buf, sizeof(buf)),
			    "65536");
	assert_null(scst_target_get_attr(t, "enabled", buf, sizeof(buf)));

	assert_int_equal(t->dflt.luns->count, 2);
	e = scst_lun_table_find(t->dflt.luns, 0);
	assert_non_null(e);
	assert_string_equal(e->dev->name, "null0");
	assert_false(e->read_only);
	e = scst_lun_table_find(t->dflt.luns, 1);
	assert_non_null(e);
	assert_string_equal(e->dev->name, "file0");
	assert_true(e->read_only);
	g = scst_acg_find(t, "hostA");
	assert_non_null(g);
	assert_string_equal(g->initiators->pattern, "iqn.1993-08.org.debian:01:host*");
	assert_string_equal(g->initiators->next->pattern, "iqn.1993-08.org.debian:01:other");
	assert_null(g->initiators->next->next);
	assert_int_equal(g->luns->count, 2);
	assert_string_equal(scst_lun_table_find(g->luns, 0)->dev->name, "null1");
	assert_string_equal(scst_lun_table_find(g->luns, 5)->dev->name, "file0");
	assert_ptr_equal(scst_acg_for_initiator(t, "iqn.1993-08.org.debian:01:host7"), g);
	assert_ptr_equal(scst_acg_for_initiator(t, "iqn.1993-08.org.debian:01:x"), &t->dflt);
	assert_string_equal(scst_lun_table_find(loc->dflt.luns, 3)->dev->name, "null0");

	/* Loading the same file again: everything exists, nothing changes. */
	text = full_config();
	assert_int_equal(scst_conf_load_string(text, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: device 'null0' already exists");
	free(text);
}

/* An error on the very last line: nothing at all is created. */
static void test_load_error_last_line(void **state)
{
	char *text = full_config(), *bad, err[256] = "";
	unsigned lines = 0;

	assert_true(asprintf(&bad, "%sbogus 1\n", text) > 0);
	for (const char *p = bad; *p; p++)
		lines += *p == '\n';
	char want[64];

	snprintf(want, sizeof(want), "t.conf:%u: unknown top level attribute 'bogus'", lines);
	assert_int_equal(scst_conf_load_string(bad, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	assert_true(core_empty());
	free(bad);

	/* A syntax error at the end is caught before anything is validated or applied. */
	assert_true(asprintf(&bad, "%s}\n", text) > 0);
	snprintf(want, sizeof(want), "t.conf:%u: unbalanced braces: '}' without '{'", lines);
	assert_int_equal(scst_conf_load_string(bad, "t.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	assert_true(core_empty());
	free(bad);
	free(text);
}

/* A failure only the core can see (a missing backing file) undoes what was created. */
static void test_load_rollback(void **state)
{
	char err[256] = "";
	const char *text = "HANDLER vdisk_nullio {\n"
			   "\tDEVICE n0 {\n\t\tsize 1048576\n\t}\n"
			   "}\n"
			   "HANDLER vdisk_fileio {\n"
			   "\tDEVICE f0 {\n\t\tfilename /nonexistent/dir/img\n\t}\n"
			   "}\n"
			   "TARGET_DRIVER iscsi {\n"
			   "\tTARGET t {\n\t\tLUN 0 n0\n\t\tLUN 1 f0\n\t}\n"
			   "}\n";

	assert_int_not_equal(scst_conf_load_string(text, "t.conf", err, sizeof(err)), 0);
	assert_memory_equal(err, "t.conf:7: ", 10);
	assert_non_null(strstr(err, "/nonexistent/dir/img"));
	assert_true(core_empty());
}

static char *save_to_string(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(scst_conf_save(f), 0);
	fclose(f);
	return out;
}

static void test_save_reload(void **state)
{
	char *text = full_config(), *saved, *again, err[256] = "";
	struct scst_target *t;

	if (scst_conf_load_string(text, "t.conf", err, sizeof(err)))
		fail_msg("load: %s", err);
	free(text);
	saved = save_to_string();
	/* Only non-default device attributes are written. */
	assert_non_null(strstr(saved, "\tDEVICE null0 {\n"
				      "\t\tsize 1048576\n"
				      "\t\tblocksize 4096\n"
				      "\t\tt10_dev_id \"serial 0\"\n"
				      "\t}\n"));
	assert_non_null(strstr(saved, "\t\tIncomingUser \"user1 secret12chars\"\n"
				      "\t\tIncomingUser \"user2 secret34chars\"\n"));
	assert_non_null(strstr(saved, "\t\tLUN 1 file0 {\n\t\t\tread_only 1\n\t\t}\n"));
	assert_null(strstr(saved, "nv_cache"));
	assert_null(strstr(saved, "usn"));

	scst_core_exit();
	assert_int_equal(scst_core_init(1), 0);
	assert_true(core_empty());
	if (scst_conf_load_string(saved, "saved.conf", err, sizeof(err)))
		fail_msg("reload: %s\n%s", err, saved);
	again = save_to_string();
	assert_string_equal(saved, again);

	t = scst_target_find("iscsi", "iqn.2026-11.org.scst:t1");
	assert_non_null(t);
	assert_true(scst_target_enabled(t));
	assert_int_equal(scst_target_rel_id(t), 2);
	assert_false(scst_target_enabled(scst_target_find("iscsi", "iqn.2026-11.org.scst:t2")));
	assert_true(scst_device_find("null1")->read_only);
	free(saved);
	free(again);
}

static void test_write_value(void **state)
{
	static const char *const values[] = { "plain", "", "a b", "q\"uote", "back\\slash",
					      "#hash", "{", "tab\there" };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct scst_conf *c;
	const struct scst_conf_attr *a;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		fprintf(f, "k%zu ", i);
		scst_conf_write_value(f, values[i]);
		fputc('\n', f);
	}
	fclose(f);
	c = parse_ok(out);
	a = c->attrs;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++, a = a->next) {
		assert_non_null(a);
		assert_string_equal(a->value, values[i]);
	}
	scst_conf_free(c);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_example),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_alua),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_write_value),
		cmocka_unit_test_setup_teardown(test_validate_errors, core_setup, core_teardown),
		cmocka_unit_test_setup_teardown(test_load, core_setup, core_teardown),
		cmocka_unit_test_setup_teardown(test_load_error_last_line, core_setup,
						core_teardown),
		cmocka_unit_test_setup_teardown(test_load_rollback, core_setup, core_teardown),
		cmocka_unit_test_setup_teardown(test_save_reload, core_setup, core_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
