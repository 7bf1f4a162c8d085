/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validating a parsed scst.conf and applying it to the core.
 *
 * Validation is a separate pass that calls nothing but lookups, so a file
 * with an error anywhere changes nothing. Applying then drives the core's
 * management API in an order that never shows a LUN to the wrong initiator:
 * devices, targets (disabled) with their attributes, every access group with
 * its initiators, then the LUN tables, and enabling targets last. A core call
 * can still fail (a missing backing file); what the load had created is then
 * removed again, so a failed load leaves the core as it found it.
 *
 * The attribute names this layer accepts are the tables below, one per object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "scst/alua.h"
#include "scst/core.h"

enum vtype {
	V_BOOL, /* 0 or 1 */
	V_UINT, /* number in [min, max], decimal or 0x hex */
	V_STR, /* any text of at most max characters (0: no limit) */
	V_BLOCKSIZE, /* 512 or 4096 */
	V_YESNO, /* iSCSI boolean (RFC 7143 6.2): Yes or No */
	V_DIGEST, /* iSCSI digest list (RFC 7143 13.1): None, CRC32C, comma separated */
	V_USER, /* CHAP account: "name secret" */
};

struct attr_spec {
	const char *name;
	enum vtype type;
	uint64_t min, max;
	const char *driver; /* target attributes only: the driver that takes it, NULL: all */
};

/* Top-level attributes: kept in the tree, nothing to apply in this core. */
static const struct attr_spec top_attrs[] = {
	{ "setup_id", V_UINT, 0, UINT32_MAX, NULL },
};

/* Device attributes every handler takes (src/core/registry.c common_attrs). */
static const struct attr_spec device_attrs[] = {
	{ "filename", V_STR, 1, 4095, NULL },
	{ "size", V_UINT, 0, UINT64_MAX, NULL },
	{ "blocksize", V_BLOCKSIZE, 0, 0, NULL },
	{ "read_only", V_BOOL, 0, 0, NULL },
	{ "write_through", V_BOOL, 0, 0, NULL },
	{ "nv_cache", V_BOOL, 0, 0, NULL },
	{ "rotational", V_BOOL, 0, 0, NULL },
	{ "thin_provisioned", V_BOOL, 0, 0, NULL },
	{ "removable", V_BOOL, 0, 0, NULL },
	{ "o_direct", V_BOOL, 0, 0, NULL },
	{ "t10_dev_id", V_STR, 0, 16, NULL },
	{ "usn", V_STR, 0, 20, NULL },
	{ "t10_vendor_id", V_STR, 0, 8, NULL },
	{ "prod_id", V_STR, 0, 16, NULL },
	{ "prod_rev_lvl", V_STR, 0, 4, NULL },
	{ "lb_per_pb_exp", V_UINT, 0, 7, NULL },
};

/* Driver-level attributes (TARGET_DRIVER block). */
static const struct attr_spec driver_attrs[] = {
	{ "enabled", V_BOOL, 0, 0, NULL },
};

/*
 * Target attributes. The iSCSI ones are the target's offer in login
 * negotiation (RFC 7143 13); ranges are the RFC's.
 */
static const struct attr_spec target_attrs[] = {
	{ "enabled", V_BOOL, 0, 0, NULL },
	{ "rel_tgt_id", V_UINT, 1, 65535, NULL },
	{ "IncomingUser", V_USER, 0, 0, "iscsi" },
	{ "OutgoingUser", V_USER, 0, 0, "iscsi" },
	{ "HeaderDigest", V_DIGEST, 0, 0, "iscsi" },
	{ "DataDigest", V_DIGEST, 0, 0, "iscsi" },
	{ "MaxRecvDataSegmentLength", V_UINT, 512, 16777215, "iscsi" },
	{ "MaxBurstLength", V_UINT, 512, 16777215, "iscsi" },
	{ "FirstBurstLength", V_UINT, 512, 16777215, "iscsi" },
	{ "InitialR2T", V_YESNO, 0, 0, "iscsi" },
	{ "ImmediateData", V_YESNO, 0, 0, "iscsi" },
	{ "MaxOutstandingR2T", V_UINT, 1, 65535, "iscsi" },
	{ "QueuedCommands", V_UINT, 1, 2048, "iscsi" },
	/* Seconds between pings of an idle initiator (0: none), and how long one
	 * may stay unanswered before the connection is closed (RFC 7143 11.19). */
	{ "NopInInterval", V_UINT, 0, 3600, "iscsi" },
	{ "NopInTimeout", V_UINT, 1, 3600, "iscsi" },
};

static const struct attr_spec lun_attrs[] = {
	{ "read_only", V_BOOL, 0, 0, NULL },
};

/* Sizes of the core's name fields (struct scst_device.name, struct scst_acg.name). */
#define DEV_NAME_MAX 64
#define GROUP_NAME_MAX 64
/* CHAP accounts per target the iSCSI driver looks up (IncomingUser, IncomingUser1..15). */
#define MAX_INCOMING_USERS 16u

int scst_conf_err(char *err, size_t errlen, const struct scst_conf_pos *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s:%u: ", pos->file, pos->line);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const struct attr_spec *spec_find(const struct attr_spec *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static int parse_uint(const char *v, uint64_t *out)
{
	char *end;

	/* strtoull would take a sign and leading blanks; a configuration must not. */
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

/* The same rule as the core's names: no blanks, '/', '"', braces or ';'. */
static bool valid_name(const char *name, size_t max)
{
	size_t len = strlen(name);

	if (!len || len >= max)
		return false;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '/' || *p == '"' || *p == '{' || *p == '}' ||
		    *p == ';')
			return false;
	return true;
}

static bool valid_digest(const char *v)
{
	const char *p = v;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (!((n == 4 && !strncmp(p, "None", 4)) || (n == 6 && !strncmp(p, "CRC32C", 6))))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static int check_value(const struct attr_spec *s, const struct scst_conf_attr *a, char *err,
		       size_t errlen)
{
	const char *v = a->value;
	uint64_t n;

	switch (s->type) {
	case V_BOOL:
		if (strcmp(v, "0") && strcmp(v, "1"))
			return scst_conf_err(err, errlen, &a->pos, "'%s' must be 0 or 1, not '%s'", a->key,
				    v);
		break;
	case V_UINT:
		if (parse_uint(v, &n) || n < s->min || n > s->max)
			return scst_conf_err(err, errlen, &a->pos,
				    "'%s' must be a number in %" PRIu64 "..%" PRIu64 ", not '%s'",
				    a->key, s->min, s->max, v);
		break;
	case V_STR:
		if (strlen(v) < s->min || (s->max && strlen(v) > s->max))
			return scst_conf_err(err, errlen, &a->pos, "'%s' must be %" PRIu64 "..%" PRIu64
				    " characters long", a->key, s->min, s->max);
		break;
	case V_BLOCKSIZE:
		if (strcmp(v, "512") && strcmp(v, "4096"))
			return scst_conf_err(err, errlen, &a->pos, "'%s' must be 512 or 4096, not '%s'",
				    a->key, v);
		break;
	case V_YESNO:
		if (strcmp(v, "Yes") && strcmp(v, "No"))
			return scst_conf_err(err, errlen, &a->pos, "'%s' must be Yes or No, not '%s'",
				    a->key, v);
		break;
	case V_DIGEST:
		if (!valid_digest(v))
			return scst_conf_err(err, errlen, &a->pos,
				    "'%s' must be None, CRC32C or a comma list of them, not '%s'",
				    a->key, v);
		break;
	case V_USER: {
		const char *sp = strchr(v, ' ');

		if (!sp || sp == v || !sp[1] || strchr(sp + 1, ' '))
			return scst_conf_err(err, errlen, &a->pos, "'%s' must be \"name secret\"", a->key);
		break;
	}
	}
	return 0;
}

/* Every attribute of list must be in table (and, for targets, meant for driver). */
static int check_attrs(const struct scst_conf_attr *list, const struct attr_spec *t, size_t n,
		       const char *driver, const char *what, char *err, size_t errlen)
{
	for (const struct scst_conf_attr *a = list; a; a = a->next) {
		const struct attr_spec *s = spec_find(t, n, a->key);
		int ret;

		if (!s || (s->driver && (!driver || strcmp(s->driver, driver))))
			return scst_conf_err(err, errlen, &a->pos, "unknown %s attribute '%s'", what,
				    a->key);
		ret = check_value(s, a, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_device(const struct scst_conf_handler *ch, const struct scst_dev_handler *h,
			const struct scst_conf_device *d, char *err, size_t errlen)
{
	char what[96];

	if (!valid_name(d->name, DEV_NAME_MAX))
		return scst_conf_err(err, errlen, &d->pos, "invalid device name '%s'", d->name);
	if (scst_device_find(d->name))
		return scst_conf_err(err, errlen, &d->pos, "device '%s' already exists", d->name);
	snprintf(what, sizeof(what), "%s device", ch->name);
	for (const struct scst_conf_attr *a = d->attrs; a; a = a->next) {
		const struct attr_spec *s = spec_find(device_attrs, SCST_ARRAY_SIZE(device_attrs),
						      a->key);
		bool handler_attr = false;
		int ret;

		for (const char *const *ha = h->attrs; !s && ha && *ha; ha++)
			if (!strcmp(*ha, a->key))
				handler_attr = true;
		if (!s && !handler_attr)
			return scst_conf_err(err, errlen, &a->pos, "unknown %s attribute '%s'", what,
				    a->key);
		/* add_device takes "k=v;k=v": a ';' would split the value. */
		if (strchr(a->value, ';'))
			return scst_conf_err(err, errlen, &a->pos, "'%s' must not contain ';'", a->key);
		if (s) {
			ret = check_value(s, a, err, errlen);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int check_luns(const struct scst_conf *c, const struct scst_conf_lun *l, char *err,
		      size_t errlen)
{
	for (; l; l = l->next) {
		int ret = check_attrs(l->attrs, lun_attrs, SCST_ARRAY_SIZE(lun_attrs), NULL, "LUN",
				      err, errlen);

		if (ret)
			return ret;
		/* The whole configuration: the file's devices and those already running. */
		if (!scst_conf_device_find(c, l->device) && !scst_device_find(l->device))
			return scst_conf_err(err, errlen, &l->pos,
				    "LUN %" PRIu64 ": device '%s' is not defined", l->lun,
				    l->device);
	}
	return 0;
}

/* Relative target port ids in use: a bit per id. */
struct id_set {
	uint8_t bits[65536 / 8];
};

static void id_mark(struct id_set *s, uint16_t id)
{
	s->bits[id >> 3] |= (uint8_t)(1u << (id & 7));
}

static bool id_used(const struct id_set *s, uint16_t id)
{
	return s->bits[id >> 3] & (1u << (id & 7));
}

static void mark_running(struct scst_target *t, void *arg)
{
	id_mark(arg, scst_target_rel_id(t));
}

/* rel_tgt_id of t, or 0 when the file leaves it to the loader. */
static uint16_t rel_id_of(const struct scst_conf_target *t)
{
	const struct scst_conf_attr *a = scst_conf_attr_find(t->attrs, "rel_tgt_id");
	uint64_t n = 0;

	if (a && parse_uint(a->value, &n))
		n = 0;
	return (uint16_t)n;
}

static int check_target(const struct scst_conf *c, const struct scst_conf_driver *cd,
			const struct scst_conf_target *t, char *err, size_t errlen)
{
	const struct scst_conf_attr *fb, *mb;
	unsigned nusers = 0;
	uint16_t id;
	int ret;

	if (!valid_name(t->name, SCST_MAX_NAME))
		return scst_conf_err(err, errlen, &t->pos, "invalid target name '%s'", t->name);
	if (scst_target_find(NULL, t->name))
		return scst_conf_err(err, errlen, &t->pos, "target '%s' already exists", t->name);
	ret = check_attrs(t->attrs, target_attrs, SCST_ARRAY_SIZE(target_attrs), cd->name,
			  "target", err, errlen);
	if (ret)
		return ret;
	/* The iSCSI driver reads IncomingUser and IncomingUser1..15 (see set_target_attrs). */
	for (const struct scst_conf_attr *a = t->attrs; a; a = a->next) {
		if (strcmp(a->key, "IncomingUser"))
			continue;
		if (++nusers > MAX_INCOMING_USERS)
			return scst_conf_err(err, errlen, &a->pos,
				    "at most %u IncomingUser accounts per target",
				    MAX_INCOMING_USERS);
	}
	/* RFC 7143 13.14: FirstBurstLength must not exceed MaxBurstLength. */
	fb = scst_conf_attr_find(t->attrs, "FirstBurstLength");
	mb = scst_conf_attr_find(t->attrs, "MaxBurstLength");
	if (fb && mb && strtoull(fb->value, NULL, 0) > strtoull(mb->value, NULL, 0))
		return scst_conf_err(err, errlen, &fb->pos, "FirstBurstLength exceeds MaxBurstLength");
	/* SPC-4 7.8.6.4: relative target port identifiers are unique in the SCSI device. */
	id = rel_id_of(t);
	if (id) {
		const struct scst_conf_pos *ipos =
			&scst_conf_attr_find(t->attrs, "rel_tgt_id")->pos;
		struct id_set *running = calloc(1, sizeof(*running));
		bool busy;

		if (!running)
			return scst_conf_err(err, errlen, ipos, "out of memory");
		scst_target_for_each(NULL, mark_running, running);
		busy = id_used(running, id);
		free(running);
		if (busy)
			return scst_conf_err(err, errlen, ipos, "rel_tgt_id %u is used by a running target",
				    id);
		for (const struct scst_conf_driver *d = c->drivers; d; d = d->next)
			for (const struct scst_conf_target *o = d->targets; o; o = o->next)
				if (o != t && rel_id_of(o) == id && o->pos.line < t->pos.line)
					return scst_conf_err(err, errlen, ipos,
						    "rel_tgt_id %u is also used by target '%s' "
						    "(line %u)",
						    id, o->name, o->pos.line);
	}
	ret = check_luns(c, t->luns, err, errlen);
	if (ret)
		return ret;
	for (const struct scst_conf_group *g = t->groups; g; g = g->next) {
		if (!valid_name(g->name, GROUP_NAME_MAX))
			return scst_conf_err(err, errlen, &g->pos, "invalid group name '%s'", g->name);
		ret = check_attrs(g->attrs, NULL, 0, NULL, "group", err, errlen);
		if (ret)
			return ret;
		for (const struct scst_conf_initiator *i = g->initiators; i; i = i->next)
			if (strlen(i->pattern) >= SCST_MAX_NAME)
				return scst_conf_err(err, errlen, &i->pos, "initiator pattern too long");
		ret = check_luns(c, g->luns, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int scst_conf_validate(const struct scst_conf *c, char *err, size_t errlen)
{
	int ret;

	ret = check_attrs(c->attrs, top_attrs, SCST_ARRAY_SIZE(top_attrs), NULL, "top level", err,
			  errlen);
	if (ret)
		return ret;
	for (const struct scst_conf_handler *ch = c->handlers; ch; ch = ch->next) {
		const struct scst_dev_handler *h = scst_find_dev_handler(ch->name);

		if (!h)
			return scst_conf_err(err, errlen, &ch->pos, "unknown handler '%s'", ch->name);
		ret = check_attrs(ch->attrs, NULL, 0, NULL, "handler", err, errlen);
		if (ret)
			return ret;
		for (const struct scst_conf_device *d = ch->devices; d; d = d->next) {
			ret = check_device(ch, h, d, err, errlen);
			if (ret)
				return ret;
		}
	}
	for (const struct scst_conf_driver *cd = c->drivers; cd; cd = cd->next) {
		if (!scst_find_target_template(cd->name))
			return scst_conf_err(err, errlen, &cd->pos, "unknown target driver '%s'", cd->name);
		ret = check_attrs(cd->attrs, driver_attrs, SCST_ARRAY_SIZE(driver_attrs), NULL,
				  "driver", err, errlen);
		if (ret)
			return ret;
		for (const struct scst_conf_target *t = cd->targets; t; t = t->next) {
			ret = check_target(c, cd, t, err, errlen);
			if (ret)
				return ret;
		}
	}
	return scst_conf_alua_validate(c, err, errlen);
}

/* ---- applying ---- */

/* What this load created, to remove again if a later step fails. */
struct undo {
	const struct scst_conf_device **devs;
	unsigned ndevs;
	const struct scst_conf_target **tgts;
	const char **tgt_drivers;
	unsigned ntgts;
};

static void undo_all(struct undo *u)
{
	char dummy[256];

	/* Targets first: they hold the LUN references that keep devices busy. */
	while (u->ntgts--)
		scst_target_del(u->tgt_drivers[u->ntgts], u->tgts[u->ntgts]->name, dummy,
				sizeof(dummy));
	while (u->ndevs--)
		scst_device_del(u->devs[u->ndevs]->name, dummy, sizeof(dummy));
}

/* A core call failed: prefix its one-line reason with the node's position. */
static int core_fail(char *err, size_t errlen, const struct scst_conf_pos *pos, int ret,
		     const char *reason)
{
	scst_conf_err(err, errlen, pos, "%s", reason);
	return ret;
}

/* "k=v;k=v" for scst_device_add, in file order. */
char *scst_conf_device_attrs(const struct scst_conf_device *d)
{
	size_t len = 1, off = 0;
	char *s;

	for (const struct scst_conf_attr *a = d->attrs; a; a = a->next)
		len += strlen(a->key) + strlen(a->value) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = 0;
	for (const struct scst_conf_attr *a = d->attrs; a; a = a->next)
		off += (size_t)sprintf(s + off, "%s%s=%s", off ? ";" : "", a->key, a->value);
	return s;
}

static int load_devices(const struct scst_conf *c, struct undo *u, char *err, size_t errlen)
{
	char reason[512];

	for (const struct scst_conf_handler *ch = c->handlers; ch; ch = ch->next) {
		for (const struct scst_conf_device *d = ch->devices; d; d = d->next) {
			char *attrs = scst_conf_device_attrs(d);
			int ret;

			if (!attrs)
				return core_fail(err, errlen, &d->pos, -ENOMEM, "out of memory");
			reason[0] = 0;
			ret = scst_device_add(ch->name, d->name, attrs, reason, sizeof(reason));
			free(attrs);
			if (ret)
				return core_fail(err, errlen, &d->pos, ret, reason);
			u->devs[u->ndevs++] = d;
		}
	}
	return 0;
}

/*
 * Ids for targets the file gives none: the lowest that neither a running
 * target nor any target of the file asks for, so an automatic id never
 * collides with an explicit one further down the file.
 */
static uint16_t id_alloc(struct id_set *s)
{
	for (uint32_t id = 1; id <= UINT16_MAX; id++) {
		if (!id_used(s, (uint16_t)id)) {
			id_mark(s, (uint16_t)id);
			return (uint16_t)id;
		}
	}
	return 0;
}

static int set_target_attrs(const struct scst_conf_target *t, struct scst_target *rt, char *err,
			    size_t errlen)
{
	unsigned nusers = 0;
	char reason[512];

	for (const struct scst_conf_attr *a = t->attrs; a; a = a->next) {
		char name[64];
		int ret;

		if (!strcmp(a->key, "enabled") || !strcmp(a->key, "rel_tgt_id"))
			continue;
		/*
		 * Several CHAP accounts: IncomingUser, IncomingUser1, ... as in SCST's sysfs,
		 * since the core keeps one value per attribute name.
		 */
		if (!strcmp(a->key, "IncomingUser") && nusers++)
			snprintf(name, sizeof(name), "IncomingUser%u", nusers - 1);
		else
			snprintf(name, sizeof(name), "%s", a->key);
		reason[0] = 0;
		ret = scst_target_set_attr(rt, name, a->value, reason, sizeof(reason));
		if (ret)
			return core_fail(err, errlen, &a->pos, ret, reason);
	}
	return 0;
}

static int load_targets(const struct scst_conf *c, struct undo *u, char *err, size_t errlen)
{
	struct id_set *ids = calloc(1, sizeof(*ids));
	char reason[512];
	int ret = 0;

	if (!ids)
		return core_fail(err, errlen, &(struct scst_conf_pos){ c->file, 0 }, -ENOMEM,
				 "out of memory");
	scst_target_for_each(NULL, mark_running, ids);
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next)
		for (const struct scst_conf_target *t = d->targets; t; t = t->next)
			if (rel_id_of(t))
				id_mark(ids, rel_id_of(t));

	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			struct scst_target *rt;
			uint16_t id;

			reason[0] = 0;
			ret = scst_target_add(d->name, t->name, reason, sizeof(reason));
			if (ret) {
				ret = core_fail(err, errlen, &t->pos, ret, reason);
				goto out;
			}
			u->tgts[u->ntgts] = t;
			u->tgt_drivers[u->ntgts++] = d->name;
			rt = scst_target_find(d->name, t->name);
			id = rel_id_of(t);
			if (!id)
				id = id_alloc(ids);
			scst_target_set_rel_id(rt, id);
			ret = set_target_attrs(t, rt, err, errlen);
			if (ret)
				goto out;
		}
	}
out:
	free(ids);
	return ret;
}

static int load_groups(const struct scst_conf *c, char *err, size_t errlen)
{
	char reason[512];

	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			struct scst_target *rt = scst_target_find(d->name, t->name);

			for (const struct scst_conf_group *g = t->groups; g; g = g->next) {
				int ret;

				reason[0] = 0;
				ret = scst_group_add(rt, g->name, reason, sizeof(reason));
				if (ret)
					return core_fail(err, errlen, &g->pos, ret, reason);
				for (const struct scst_conf_initiator *i = g->initiators; i;
				     i = i->next) {
					ret = scst_group_add_initiator(rt, g->name, i->pattern,
								       reason, sizeof(reason));
					if (ret)
						return core_fail(err, errlen, &i->pos, ret,
								 reason);
				}
			}
		}
	}
	return 0;
}

static int load_lun_table(struct scst_target *rt, const char *group, const struct scst_conf_lun *l,
			  char *err, size_t errlen)
{
	char reason[512];

	for (; l; l = l->next) {
		const struct scst_conf_attr *ro = scst_conf_attr_find(l->attrs, "read_only");
		int ret;

		reason[0] = 0;
		ret = scst_lun_add(rt, group, l->lun, l->device, ro && !strcmp(ro->value, "1"),
				   reason, sizeof(reason));
		if (ret)
			return core_fail(err, errlen, &l->pos, ret, reason);
	}
	return 0;
}

static int load_luns(const struct scst_conf *c, char *err, size_t errlen)
{
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			struct scst_target *rt = scst_target_find(d->name, t->name);
			int ret = load_lun_table(rt, NULL, t->luns, err, errlen);

			if (ret)
				return ret;
			for (const struct scst_conf_group *g = t->groups; g; g = g->next) {
				ret = load_lun_table(rt, g->name, g->luns, err, errlen);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

static bool attr_is_one(const struct scst_conf_attr *list, const char *key)
{
	const struct scst_conf_attr *a = scst_conf_attr_find(list, key);

	return a && !strcmp(a->value, "1");
}

static bool attr_is_zero(const struct scst_conf_attr *list, const char *key)
{
	const struct scst_conf_attr *a = scst_conf_attr_find(list, key);

	return a && !strcmp(a->value, "0");
}

/*
 * Last step: nothing can fail any more. A driver with "enabled 0" is switched off
 * as a whole (SCST: the driver serves no target; scst_driver_set_enabled), its
 * targets keep their own enabled for when it is switched on again.
 */
static void enable_targets(const struct scst_conf *c)
{
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next) {
		if (attr_is_zero(d->attrs, "enabled"))
			scst_driver_set_enabled(d->name, false, NULL, 0);
		for (const struct scst_conf_target *t = d->targets; t; t = t->next)
			if (attr_is_one(t->attrs, "enabled"))
				scst_target_set_enabled(scst_target_find(d->name, t->name), true);
	}
}

int scst_conf_load(const struct scst_conf *c, char *err, size_t errlen)
{
	struct undo u = { 0 };
	unsigned ndevs = 0, ntgts = 0;
	int ret;

	ret = scst_conf_validate(c, err, errlen);
	if (ret)
		return ret;
	for (const struct scst_conf_handler *h = c->handlers; h; h = h->next)
		for (const struct scst_conf_device *d = h->devices; d; d = d->next)
			ndevs++;
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next)
		for (const struct scst_conf_target *t = d->targets; t; t = t->next)
			ntgts++;
	u.devs = calloc(ndevs + 1, sizeof(*u.devs));
	u.tgts = calloc(ntgts + 1, sizeof(*u.tgts));
	u.tgt_drivers = calloc(ntgts + 1, sizeof(*u.tgt_drivers));
	if (!u.devs || !u.tgts || !u.tgt_drivers) {
		ret = -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", c->file);
		goto out;
	}
	ret = load_devices(c, &u, err, errlen);
	if (!ret)
		ret = load_targets(c, &u, err, errlen);
	if (!ret)
		ret = load_groups(c, err, errlen);
	/* ALUA states before LUNs: no path is ever open that the file has closed. */
	if (!ret) {
		const struct scst_conf_pos *pos;
		char reason[256];

		ret = scst_conf_alua_apply(c, &pos, reason, sizeof(reason));
		if (ret)
			scst_conf_err(err, errlen, pos ? pos : &(struct scst_conf_pos){ c->file, 0 },
				      "%s", reason);
	}
	if (!ret)
		ret = load_luns(c, err, errlen);
	if (ret) {
		char dummy[256];

		for (const struct scst_conf_dev_group *g = c->dev_groups; g; g = g->next)
			scst_dg_del(g->name, dummy, sizeof(dummy));
		undo_all(&u);
	}
	else
		enable_targets(c);
out:
	free(u.devs);
	free(u.tgts);
	free(u.tgt_drivers);
	return ret;
}

int scst_conf_load_file(const char *path, char *err, size_t errlen)
{
	struct scst_conf *c;
	int ret = scst_conf_parse_file(path, &c, err, errlen);

	if (ret)
		return ret;
	ret = scst_conf_load(c, err, errlen);
	scst_conf_free(c);
	return ret;
}

int scst_conf_load_string(const char *text, const char *name, char *err, size_t errlen)
{
	struct scst_conf *c;
	int ret = scst_conf_parse_string(text, name, &c, err, errlen);

	if (ret)
		return ret;
	ret = scst_conf_load(c, err, errlen);
	scst_conf_free(c);
	return ret;
}
