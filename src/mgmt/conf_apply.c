/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `scstadm apply`: make the running state equal to a configuration file.
 *
 * The file (want) is compared with a tree of the running state (have, from
 * scst_conf_from_running). Checking comes first and changes nothing:
 *
 *  - the file's values go through scst_conf_validate() on a copy in which
 *    objects that already run are renamed (the validator refuses names that
 *    exist) and rel_tgt_id is left out (checked here: unique in the file);
 *  - an existing device may change only the attributes the core changes at
 *    run time (t10_dev_id, usn, rotational, t10_vendor_id, prod_id,
 *    prod_rev_lvl); any other difference, or another handler, is refused;
 *  - every LUN names a device of the file (devices not in it are removed);
 *  - targets and groups the file drops must have no sessions.
 *
 * Then the changes go in an order that never shows a LUN to the wrong
 * initiator, and that does first what is most likely to fail:
 *
 *   1. add new devices (a failing attach undoes the ones added: no change)
 *   2. disable targets the file wants disabled
 *   3. remove LUNs that go (and, on a target whose initiator patterns change,
 *      LUNs whose device or read_only changes)
 *   4. remove groups (with their patterns), then targets, then devices
 *   5. change device attributes; add targets, set rel_tgt_id and attributes;
 *      create new groups with their whole LUN table (no initiator yet: they
 *      expose nothing)
 *   6. per target, all initiator pattern changes as one core change: live
 *      sessions re-bind from their old group straight to their new one
 *   7. add LUNs to the tables that existed, and replace changed ones in place
 *      (one table: no gap)
 *   8. enable targets the file wants enabled
 *
 * So every table that existed holds, until step 7, only LUNs that both the old
 * and the new file give it, and a new group holds only what the new file gives
 * it; step 7 adds the rest once every session is in its new group. A LUN whose
 * device or read_only changes on a target whose patterns stay is swapped in one
 * table (INQUIRY DATA HAS CHANGED or MODE PARAMETERS CHANGED); where patterns
 * change it is removed in 3 and added in 7 (missing for that moment), since its
 * table may gain or lose sessions in 6. Every change to one table is published
 * as one table (scst_lun_update): one message per session, not one per LUN.
 * Should a core call fail after step 1 (out of memory), the message lists what
 * was done. Group order and the order of initiator patterns
 * inside a kept group are not rearranged; new ones are appended. Handler-specific
 * device attributes the core cannot report are not compared.
 *
 * Threads: management thread only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "core_priv.h"
#include "tree.h"

#define DEL_RETRY_MS 5000

static const char *const runtime_attrs[] = {
	"t10_dev_id", "usn", "rotational", "t10_vendor_id", "prod_id", "prod_rev_lvl",
};


static bool is_runtime(const char *name)
{
	for (size_t i = 0; i < SCST_ARRAY_SIZE(runtime_attrs); i++)
		if (!strcmp(runtime_attrs[i], name))
			return true;
	return false;
}

static bool attr_is(const struct scst_conf_attr *list, const char *key, const char *v)
{
	const struct scst_conf_attr *a = scst_conf_attr_find(list, key);

	return a && !strcmp(a->value, v);
}

/* A target's own switch; its driver's ("enabled 0" in TARGET_DRIVER) is separate. */
static bool want_enabled(const struct scst_conf_driver *d, const struct scst_conf_target *t)
{
	(void)d;
	return attr_is(t->attrs, "enabled", "1");
}

static bool want_driver_enabled(const struct scst_conf_driver *d)
{
	return !d || !attr_is(d->attrs, "enabled", "0");
}

static bool lun_ro(const struct scst_conf_lun *l)
{
	return attr_is(l->attrs, "read_only", "1");
}

static const struct scst_conf_lun *lun_find(const struct scst_conf_lun *l, uint64_t lun)
{
	for (; l; l = l->next)
		if (l->lun == lun)
			return l;
	return NULL;
}

static bool lun_same(const struct scst_conf_lun *a, const struct scst_conf_lun *b)
{
	return a && b && !strcmp(a->device, b->device) && lun_ro(a) == lun_ro(b);
}

static const struct scst_conf_group *group_find(const struct scst_conf_target *t,
						const char *name)
{
	for (const struct scst_conf_group *g = t ? t->groups : NULL; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static bool init_find(const struct scst_conf_group *g, const char *pattern)
{
	for (const struct scst_conf_initiator *i = g ? g->initiators : NULL; i; i = i->next)
		if (!strcmp(i->pattern, pattern))
			return true;
	return false;
}

static const struct scst_conf_target *target_in(const struct scst_conf *c, const char *drv,
						const char *name)
{
	const struct scst_conf_driver *d = scst_conf_driver_find(c, drv);

	return d ? scst_conf_target_find(d, name) : NULL;
}

/* The handler a tree gives a device, NULL when absent. */
static const char *device_handler(const struct scst_conf *c, const char *name)
{
	for (const struct scst_conf_handler *h = c->handlers; h; h = h->next)
		for (const struct scst_conf_device *d = h->devices; d; d = d->next)
			if (!strcmp(d->name, name))
				return h->name;
	return NULL;
}

/* What the core sets by itself (registry.c, scst_device_add) for a runtime attribute. */
static void runtime_default(const struct scst_device *d, const char *name, char *buf, size_t len)
{
	if (!strcmp(name, "t10_dev_id")) {
		snprintf(buf, len, "%s", d->name);
	} else if (!strcmp(name, "usn")) {
		uint64_t h = 0xcbf29ce484222325ull;

		for (const char *s = d->name; *s; s++) {
			h ^= (uint8_t)*s;
			h *= 0x100000001b3ull;
		}
		snprintf(buf, len, "%08" PRIx32, (uint32_t)(h >> 32));
	} else if (!strcmp(name, "rotational")) {
		snprintf(buf, len, "1");
	} else if (!strcmp(name, "t10_vendor_id")) {
		snprintf(buf, len, "SCST");
	} else if (!strcmp(name, "prod_id")) {
		snprintf(buf, len, "%s", d->type == SCST_TYPE_ROM ? "vcdrom" : "vdisk");
	} else {
		snprintf(buf, len, "0.1");
	}
}

static bool value_equal(const char *name, const char *a, const char *b)
{
	if (!strcmp(name, "size") || !strcmp(name, "blocksize"))
		return strtoull(a, NULL, 0) == strtoull(b, NULL, 0);
	return !strcmp(a, b);
}

/* ---- checking ---- */

/* Kinds of change an apply counts, to say exactly what it did if it stops part way. */
enum change_kind {
	C_DEV_ADDED,
	C_TGT_DISABLED,
	C_LUN_REMOVED,
	C_DEV_CHANGED,
	C_TGT_ADDED,
	C_TGT_CHANGED,
	C_GRP_ADDED,
	C_INI_CHANGED,
	C_GRP_REMOVED,
	C_TGT_REMOVED,
	C_DEV_REMOVED,
	C_LUN_ADDED,
	C_COUNT
};

struct ctx {
	const struct scst_conf *want;
	struct scst_conf *have;
	unsigned scratch;
	char *err;
	size_t errlen;
	unsigned done[C_COUNT];
};

/* A name for a renamed copy that neither the running state nor the file uses. */
static char *scratch_name(struct ctx *x, struct scst_conf *v)
{
	char buf[32];

	for (;;) {
		snprintf(buf, sizeof(buf), "~apply-%u", x->scratch++);
		if (!scst_device_find(buf) && !scst_target_find(NULL, buf) &&
		    !device_handler(x->want, buf))
			return scst_conf_strdup(v, buf, (size_t)-1);
	}
}

static int copy_attrs(struct scst_conf *v, const struct scst_conf_attr *a, const char *skip,
		      struct scst_conf_attr **out)
{
	struct scst_conf_attr **tail = out;

	*out = NULL;
	for (; a; a = a->next) {
		struct scst_conf_attr *n;

		if (skip && !strcmp(a->key, skip))
			continue;
		n = scst_conf_alloc(v, sizeof(*n));
		if (!n)
			return -ENOMEM;
		*n = *a;
		n->next = NULL;
		*tail = n;
		tail = &n->next;
	}
	return 0;
}

/* An existing device: may only its runtime attributes differ? */
static int check_kept_device(struct ctx *x, const struct scst_conf_handler *ch,
			     const struct scst_conf_device *d, struct scst_device *rd)
{
	const struct scst_conf_device *hd = NULL;
	char cur[4096];

	if (strcmp(rd->handler->name, ch->name))
		return scst_conf_err(x->err, x->errlen, &d->pos,
			    "device '%s' runs with handler %s; remove it (apply a file without "
			    "it) before adding it with %s",
			    d->name, rd->handler->name, ch->name);
	for (const struct scst_conf_attr *a = d->attrs; a; a = a->next) {
		if (scst_device_get_attr(rd, a->key, cur, sizeof(cur)))
			continue; /* a handler attribute the core does not report */
		if (value_equal(a->key, a->value, cur) || is_runtime(a->key))
			continue;
		return scst_conf_err(x->err, x->errlen, &a->pos,
			    "'%s' of device '%s' is '%s' and cannot change while the device "
			    "exists; remove the device first",
			    a->key, d->name, cur);
	}
	for (const struct scst_conf_handler *h = x->have->handlers; h && !hd; h = h->next)
		for (hd = h->devices; hd && strcmp(hd->name, d->name); hd = hd->next)
			;
	for (const struct scst_conf_attr *a = hd ? hd->attrs : NULL; a; a = a->next) {
		if (is_runtime(a->key) || scst_conf_attr_find(d->attrs, a->key))
			continue;
		return scst_conf_err(x->err, x->errlen, &d->pos,
			    "'%s' of device '%s' is '%s' and the file leaves it out; it cannot "
			    "change while the device exists",
			    a->key, d->name, a->value);
	}
	return 0;
}

static int copy_handlers(struct ctx *x, struct scst_conf *v)
{
	struct scst_conf_handler **htail = &v->handlers;

	for (const struct scst_conf_handler *ch = x->want->handlers; ch; ch = ch->next) {
		struct scst_conf_handler *nh = scst_conf_alloc(v, sizeof(*nh));
		struct scst_conf_device **dtail;

		if (!nh)
			return -ENOMEM;
		*nh = *ch;
		nh->next = NULL;
		nh->devices = NULL;
		dtail = &nh->devices;
		*htail = nh;
		htail = &nh->next;
		for (const struct scst_conf_device *d = ch->devices; d; d = d->next) {
			struct scst_conf_device *nd = scst_conf_alloc(v, sizeof(*nd));
			struct scst_device *rd = scst_device_find(d->name);

			if (!nd)
				return -ENOMEM;
			*nd = *d;
			nd->next = NULL;
			if (rd && scst_find_dev_handler(ch->name)) {
				int ret = check_kept_device(x, ch, d, rd);

				if (ret)
					return ret;
				/* Runtime attributes are checked as values, under another name. */
				nd->name = scratch_name(x, v);
				if (!nd->name)
					return -ENOMEM;
			}
			*dtail = nd;
			dtail = &nd->next;
		}
	}
	return 0;
}

static int copy_drivers(struct ctx *x, struct scst_conf *v)
{
	struct scst_conf_driver **dtail = &v->drivers;

	for (const struct scst_conf_driver *cd = x->want->drivers; cd; cd = cd->next) {
		struct scst_conf_driver *nd = scst_conf_alloc(v, sizeof(*nd));
		struct scst_conf_target **ttail;

		if (!nd)
			return -ENOMEM;
		*nd = *cd;
		nd->next = NULL;
		nd->targets = NULL;
		ttail = &nd->targets;
		*dtail = nd;
		dtail = &nd->next;
		for (const struct scst_conf_target *t = cd->targets; t; t = t->next) {
			struct scst_conf_target *nt = scst_conf_alloc(v, sizeof(*nt));
			struct scst_target *rt = scst_target_find(NULL, t->name);

			if (!nt)
				return -ENOMEM;
			*nt = *t;
			nt->next = NULL;
			if (copy_attrs(v, t->attrs, "rel_tgt_id", &nt->attrs))
				return -ENOMEM;
			if (rt) {
				if (strcmp(rt->tmpl->name, cd->name))
					return scst_conf_err(x->err, x->errlen, &t->pos,
						    "target '%s' runs under driver %s", t->name,
						    rt->tmpl->name);
				nt->name = scratch_name(x, v);
				if (!nt->name)
					return -ENOMEM;
			}
			*ttail = nt;
			ttail = &nt->next;
		}
	}
	return 0;
}

static int check_rel_ids(struct ctx *x)
{
	for (const struct scst_conf_driver *d = x->want->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			const struct scst_conf_attr *a = scst_conf_attr_find(t->attrs,
									     "rel_tgt_id");
			char *end;
			unsigned long long id;

			if (!a)
				continue;
			errno = 0;
			id = strtoull(a->value, &end, 0);
			if (a->value[0] < '0' || a->value[0] > '9' || errno || *end || !id ||
			    id > 65535)
				return scst_conf_err(x->err, x->errlen, &a->pos,
					    "'rel_tgt_id' must be a number in 1..65535, not '%s'",
					    a->value);
			for (const struct scst_conf_driver *d2 = x->want->drivers; d2;
			     d2 = d2->next) {
				for (const struct scst_conf_target *o = d2->targets; o;
				     o = o->next) {
					const struct scst_conf_attr *b =
						scst_conf_attr_find(o->attrs, "rel_tgt_id");

					if (o != t && b && strtoull(b->value, NULL, 0) == id &&
					    b->pos.line < a->pos.line)
						return scst_conf_err(x->err, x->errlen, &a->pos,
							    "rel_tgt_id %llu is also used by "
							    "target '%s' (line %u)",
							    id, o->name, o->pos.line);
				}
			}
		}
	}
	return 0;
}

static int check_lun_devices(struct ctx *x, const struct scst_conf_lun *l)
{
	for (; l; l = l->next)
		if (!scst_conf_device_find(x->want, l->device))
			return scst_conf_err(x->err, x->errlen, &l->pos,
				    "LUN %" PRIu64 ": device '%s' is not in the file", l->lun,
				    l->device);
	return 0;
}

/* Sessions that would lose their target or group. Takes scst_mgmt_lock. */
static int check_sessions(struct ctx *x)
{
	const struct scst_conf_pos top = { x->want->file, 0 };
	int ret = 0;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (struct scst_target *t = scst_target_first(); t && !ret; t = t->next) {
		const struct scst_conf_target *wt = target_in(x->want, t->tmpl->name, t->name);

		if (!wt) {
			if (t->sessions)
				ret = scst_conf_err(x->err, x->errlen, &top,
					   "target '%s' is not in the file but has sessions; "
					   "disable it and let them log out first",
					   t->name);
			continue;
		}
		for (struct scst_session *s = t->sessions; s && !ret; s = s->next)
			if (s->acg != &t->dflt && !group_find(wt, s->acg->name))
				ret = scst_conf_err(x->err, x->errlen, &wt->pos,
					   "group '%s' of target '%s' is not in the file but "
					   "has sessions (%s)",
					   s->acg->name, t->name, s->initiator_name);
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ret;
}

static int check(struct ctx *x)
{
	struct scst_conf *v = scst_conf_new(x->want->file);
	int ret;

	if (!v)
		return -ENOMEM;
	v->attrs = x->want->attrs;
	ret = copy_handlers(x, v);
	if (!ret)
		ret = copy_drivers(x, v);
	if (!ret)
		ret = scst_conf_validate(v, x->err, x->errlen);
	/* Device groups name devices as the file does (v renames the kept ones). */
	if (!ret)
		ret = scst_conf_alua_validate(x->want, x->err, x->errlen);
	scst_conf_free(v);
	if (ret == -ENOMEM)
		snprintf(x->err, x->errlen, "%s: out of memory", x->want->file);
	if (ret)
		return ret;
	ret = check_rel_ids(x);
	for (const struct scst_conf_driver *d = x->want->drivers; d && !ret; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t && !ret; t = t->next) {
			ret = check_lun_devices(x, t->luns);
			for (const struct scst_conf_group *g = t->groups; g && !ret; g = g->next)
				ret = check_lun_devices(x, g->luns);
		}
	}
	return ret ? ret : check_sessions(x);
}

static int ctx_init(struct ctx *x, const struct scst_conf *want, char *err, size_t errlen)
{
	int ret;

	*x = (struct ctx){ .want = want, .err = err, .errlen = errlen };
	ret = scst_conf_from_running(&x->have);
	if (ret)
		snprintf(err, errlen, "%s: cannot read the running state: %s", want->file,
			 strerror(-ret));
	return ret;
}

int scst_conf_apply_check(const struct scst_conf *want, char *err, size_t errlen)
{
	struct ctx x;
	int ret = ctx_init(&x, want, err, errlen);

	if (ret)
		return ret;
	ret = check(&x);
	scst_conf_free(x.have);
	return ret;
}

/* ---- applying ---- */

/* A core call failed at pos: its one-line reason and exactly what the apply had done. */
static int core_fail(struct ctx *x, const struct scst_conf_pos *pos, int ret, const char *why)
{
	static const char *const what[] = {
		[C_DEV_ADDED] = "devices added",
		[C_TGT_DISABLED] = "drivers or targets disabled",
		[C_LUN_REMOVED] = "LUNs removed",	[C_DEV_CHANGED] = "device attributes set",
		[C_TGT_ADDED] = "targets added",	[C_TGT_CHANGED] = "target attributes set",
		[C_GRP_ADDED] = "groups added",		[C_INI_CHANGED] = "initiators changed",
		[C_GRP_REMOVED] = "groups removed",	[C_TGT_REMOVED] = "targets removed",
		[C_DEV_REMOVED] = "devices removed",	[C_LUN_ADDED] = "LUNs added or replaced",
	};
	char done[512];
	size_t n = 0;

	done[0] = 0;
	for (unsigned i = 0; i < C_COUNT && n < sizeof(done); i++)
		if (x->done[i])
			n += (size_t)snprintf(done + n, sizeof(done) - n, "%s%u %s", n ? ", " : "",
					      x->done[i], what[i]);
	scst_conf_err(x->err, x->errlen, pos,
		      "%s (apply stopped part way after %s; the running state is between the "
		      "old and the new configuration: fix the cause and apply again)",
		      why, n ? done : "no change");
	return ret;
}

/* Step 1: new devices; undo them all if one fails, so nothing changed. */
static int add_devices(struct ctx *x)
{
	char reason[512], dummy[256];
	int ret = 0;

	for (const struct scst_conf_handler *h = x->want->handlers; h && !ret; h = h->next) {
		for (const struct scst_conf_device *d = h->devices; d && !ret; d = d->next) {
			char *attrs;

			if (scst_device_find(d->name))
				continue;
			attrs = scst_conf_device_attrs(d);
			if (!attrs) {
				ret = scst_conf_err(x->err, x->errlen, &d->pos, "out of memory");
				break;
			}
			reason[0] = 0;
			ret = scst_device_add(h->name, d->name, attrs, reason, sizeof(reason));
			free(attrs);
			if (ret)
				scst_conf_err(x->err, x->errlen, &d->pos,
					      "%s (nothing was changed)", reason);
			else
				x->done[C_DEV_ADDED]++;
		}
	}
	if (!ret)
		return 0;
	/* Remove the devices this apply added: those the file has and the old state had not. */
	for (const struct scst_conf_handler *h = x->want->handlers; h; h = h->next)
		for (const struct scst_conf_device *d = h->devices; d; d = d->next)
			if (!device_handler(x->have, d->name))
				scst_device_del(d->name, dummy, sizeof(dummy));
	return ret;
}

/* Step 1b: device groups, target groups and their states. */
static int alua(struct ctx *x)
{
	const struct scst_conf_pos *pos;
	char reason[256];
	int ret = scst_conf_alua_apply(x->want, &pos, reason, sizeof(reason));

	if (ret)
		return core_fail(x, pos ? pos : &(struct scst_conf_pos){ x->want->file, 0 }, ret,
				 reason);
	return 0;
}

/* Step 2: drivers and targets the file switches off. */
static void disable_targets(struct ctx *x)
{
	for (const struct scst_conf_driver *wd = x->want->drivers; wd; wd = wd->next) {
		if (!want_driver_enabled(wd) && scst_driver_enabled(wd->name)) {
			scst_driver_set_enabled(wd->name, false, NULL, 0);
			x->done[C_TGT_DISABLED]++;
		}
	}
	for (const struct scst_conf_driver *hd = x->have->drivers; hd; hd = hd->next) {
		const struct scst_conf_driver *wd = scst_conf_driver_find(x->want, hd->name);

		for (const struct scst_conf_target *ht = hd->targets; ht; ht = ht->next) {
			const struct scst_conf_target *wt = wd ? scst_conf_target_find(wd, ht->name)
							       : NULL;
			struct scst_target *rt = scst_target_find(hd->name, ht->name);

			if (rt && scst_target_enabled(rt) && (!wt || !want_enabled(wd, wt))) {
				scst_target_set_enabled(rt, false);
				x->done[C_TGT_DISABLED]++;
			}
		}
	}
}

/* Does any initiator pattern of the target change (a group's added or removed)? */
static bool patterns_change(const struct scst_conf_target *ht, const struct scst_conf_target *wt)
{
	for (const struct scst_conf_group *hg = ht ? ht->groups : NULL; hg; hg = hg->next)
		for (const struct scst_conf_initiator *i = hg->initiators; i; i = i->next)
			if (!init_find(group_find(wt, hg->name), i->pattern))
				return true;
	for (const struct scst_conf_group *wg = wt ? wt->groups : NULL; wg; wg = wg->next)
		for (const struct scst_conf_initiator *i = wg->initiators; i; i = i->next)
			if (!init_find(group_find(ht, wg->name), i->pattern))
				return true;
	return false;
}

/* Publish the n changes of one table as one new table (one message per session). */
static int update_table(struct ctx *x, struct scst_target *rt, const char *group,
			const struct scst_lun_change *ch, unsigned n,
			const struct scst_conf_pos *pos, enum change_kind kind)
{
	char reason[512];
	int ret;

	if (!n)
		return 0;
	ret = scst_lun_update(rt, group, ch, n, reason, sizeof(reason));
	if (ret)
		return core_fail(x, pos, ret, reason);
	x->done[kind] += n;
	return 0;
}

static unsigned lun_count(const struct scst_conf_lun *l)
{
	unsigned n = 0;

	for (; l; l = l->next)
		n++;
	return n;
}

/* Step 3 for one table: LUNs of have that want lacks, and (unless they are replaced in
 * place in step 7) those it has with another device or read_only. */
static int del_luns(struct ctx *x, struct scst_target *rt, const char *group,
		    const struct scst_conf_lun *have, const struct scst_conf_lun *want,
		    bool keep_changed, const struct scst_conf_pos *pos)
{
	struct scst_lun_change *ch = calloc(lun_count(have) + 1, sizeof(*ch));
	unsigned n = 0;
	int ret;

	if (!ch)
		return core_fail(x, pos, -ENOMEM, "out of memory");
	for (const struct scst_conf_lun *l = have; l; l = l->next) {
		const struct scst_conf_lun *w = lun_find(want, l->lun);

		if (!lun_same(l, w) && !(w && keep_changed))
			ch[n++] = (struct scst_lun_change){ .lun = l->lun };
	}
	ret = update_table(x, rt, group, ch, n, pos, C_LUN_REMOVED);
	free(ch);
	return ret;
}

/*
 * Step 3. A changed LUN is replaced in place (one table, no gap) when the target's
 * initiator patterns stay as they are: the same sessions use the table before and
 * after. When they change, sessions may move between tables in step 5, so a changed
 * LUN is removed here and added in step 7: no session ever sees the old device under
 * a group it is joining, nor the new one under a group it is leaving.
 */
static int remove_luns(struct ctx *x)
{
	int ret = 0;

	for (const struct scst_conf_driver *hd = x->have->drivers; hd; hd = hd->next) {
		for (const struct scst_conf_target *ht = hd->targets; ht; ht = ht->next) {
			const struct scst_conf_target *wt = target_in(x->want, hd->name, ht->name);
			struct scst_target *rt = scst_target_find(hd->name, ht->name);
			const struct scst_conf_pos *pos = wt ? &wt->pos : &ht->pos;
			bool keep = wt && !patterns_change(ht, wt);

			if (!rt)
				continue;
			ret = del_luns(x, rt, NULL, ht->luns, wt ? wt->luns : NULL, keep, pos);
			for (const struct scst_conf_group *hg = ht->groups; hg && !ret;
			     hg = hg->next) {
				const struct scst_conf_group *wg = group_find(wt, hg->name);

				ret = del_luns(x, rt, hg->name, hg->luns, wg ? wg->luns : NULL,
					       keep, pos);
			}
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Step 5a: runtime attributes of kept devices. */
static int change_devices(struct ctx *x)
{
	char reason[512], cur[4096], dflt[64];
	int ret;

	for (const struct scst_conf_handler *h = x->want->handlers; h; h = h->next) {
		for (const struct scst_conf_device *d = h->devices; d; d = d->next) {
			struct scst_device *rd = scst_device_find(d->name);

			if (!rd || !device_handler(x->have, d->name))
				continue;
			for (size_t i = 0; i < SCST_ARRAY_SIZE(runtime_attrs); i++) {
				const char *name = runtime_attrs[i], *v;
				const struct scst_conf_attr *a = scst_conf_attr_find(d->attrs,
										     name);

				if (scst_device_get_attr(rd, name, cur, sizeof(cur)))
					continue;
				if (a) {
					v = a->value;
				} else {
					runtime_default(rd, name, dflt, sizeof(dflt));
					v = dflt;
				}
				if (!strcmp(v, cur))
					continue;
				ret = scst_device_set_attr(rd, name, v, reason, sizeof(reason));
				if (ret)
					return core_fail(x, a ? &a->pos : &d->pos, ret, reason);
				x->done[C_DEV_CHANGED]++;
			}
		}
	}
	return 0;
}

/* The core's attribute name of a file attribute: IncomingUser, IncomingUser1, ... */
static void core_attr_name(const struct scst_conf_attr *list, const struct scst_conf_attr *a,
			   char *buf, size_t len)
{
	unsigned n = 0;

	if (strcmp(a->key, "IncomingUser")) {
		snprintf(buf, len, "%s", a->key);
		return;
	}
	for (const struct scst_conf_attr *o = list; o != a; o = o->next)
		if (!strcmp(o->key, "IncomingUser"))
			n++;
	if (n)
		snprintf(buf, len, "IncomingUser%u", n);
	else
		snprintf(buf, len, "IncomingUser");
}

static bool rel_id_taken(const struct scst_conf *want, uint16_t id)
{
	bool used = false;

	for (const struct scst_conf_driver *d = want->drivers; d; d = d->next)
		for (const struct scst_conf_target *t = d->targets; t; t = t->next)
			if (scst_conf_attr_find(t->attrs, "rel_tgt_id") &&
			    strtoull(scst_conf_attr_find(t->attrs, "rel_tgt_id")->value, NULL, 0) ==
				    id)
				used = true;
	pthread_mutex_lock(&scst_mgmt_lock);
	for (struct scst_target *t = scst_target_first(); t; t = t->next)
		if (t->rel_tgt_id == id)
			used = true;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return used;
}

static int target_attrs(struct ctx *x, const struct scst_conf_target *t, struct scst_target *rt,
			bool created)
{
	const struct scst_conf_attr *rid = scst_conf_attr_find(t->attrs, "rel_tgt_id");
	char reason[512], name[80], cur[4096];
	char (*names)[80] = NULL;
	unsigned n = 0;
	int ret;

	if (rid && strtoull(rid->value, NULL, 0) != scst_target_rel_id(rt)) {
		scst_target_set_rel_id(rt, (uint16_t)strtoull(rid->value, NULL, 0));
	} else if (!rid && created) {
		/* The core gave the lowest free id; it must not be one the file asks for. */
		uint16_t id = scst_target_rel_id(rt);

		scst_target_set_rel_id(rt, 0);
		while (rel_id_taken(x->want, id))
			id++;
		scst_target_set_rel_id(rt, id);
	}
	for (const struct scst_conf_attr *a = t->attrs; a; a = a->next) {
		if (!strcmp(a->key, "enabled") || !strcmp(a->key, "rel_tgt_id"))
			continue;
		core_attr_name(t->attrs, a, name, sizeof(name));
		if (scst_target_get_attr(rt, name, cur, sizeof(cur)) && !strcmp(cur, a->value))
			continue;
		ret = scst_target_set_attr(rt, name, a->value, reason, sizeof(reason));
		if (ret)
			return core_fail(x, &a->pos, ret, reason);
		x->done[C_TGT_CHANGED]++;
	}
	/* Attributes the target has and the file does not: remove them. */
	pthread_mutex_lock(&scst_mgmt_lock);
	for (const struct scst_attr_kv *kv = rt->attrs; kv; kv = kv->next)
		n++;
	names = calloc(n + 1, sizeof(*names));
	n = 0;
	for (const struct scst_attr_kv *kv = rt->attrs; names && kv; kv = kv->next)
		snprintf(names[n++], sizeof(names[0]), "%s", kv->name);
	pthread_mutex_unlock(&scst_mgmt_lock);
	if (!names)
		return core_fail(x, &t->pos, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		bool keep = false;

		for (const struct scst_conf_attr *a = t->attrs; a && !keep; a = a->next) {
			core_attr_name(t->attrs, a, name, sizeof(name));
			keep = !strcmp(name, names[i]);
		}
		if (!keep)
			scst_target_set_attr(rt, names[i], NULL, reason, sizeof(reason));
	}
	free(names);
	return 0;
}

/* LUNs of want table wl that the running table (have: hl) lacks or has otherwise: added,
 * or replaced in place when step 3 kept them, all in one new table. */
static int add_table_luns(struct ctx *x, struct scst_target *rt, const char *group,
			  const struct scst_conf_lun *wl, const struct scst_conf_lun *hl)
{
	struct scst_lun_change *ch;
	const struct scst_conf_pos *pos = wl ? &wl->pos : NULL;
	unsigned n = 0;
	int ret;

	if (!wl)
		return 0;
	ch = calloc(lun_count(wl), sizeof(*ch));
	if (!ch)
		return core_fail(x, pos, -ENOMEM, "out of memory");
	for (; wl; wl = wl->next)
		if (!lun_same(wl, lun_find(hl, wl->lun)))
			ch[n++] = (struct scst_lun_change){ wl->lun, wl->device, lun_ro(wl) };
	ret = update_table(x, rt, group, ch, n, pos, C_LUN_ADDED);
	free(ch);
	return ret;
}

/* Step 5b: targets the file adds, attributes of every target, groups the file adds. */
static int add_targets_groups(struct ctx *x)
{
	char reason[512];
	int ret;

	for (const struct scst_conf_driver *d = x->want->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			struct scst_target *rt = scst_target_find(d->name, t->name);
			const struct scst_conf_target *ht = target_in(x->have, d->name, t->name);
			bool created = false;

			if (!rt) {
				ret = scst_target_add(d->name, t->name, reason, sizeof(reason));
				if (ret)
					return core_fail(x, &t->pos, ret, reason);
				x->done[C_TGT_ADDED]++;
				rt = scst_target_find(d->name, t->name);
				created = true;
			}
			ret = target_attrs(x, t, rt, created);
			if (ret)
				return ret;
			/* A new group has no initiator yet, so it exposes nothing: it gets
			 * its whole table now, and sessions re-bound to it in step 6 find
			 * every LUN there at once. */
			for (const struct scst_conf_group *g = t->groups; g; g = g->next) {
				if (group_find(ht, g->name))
					continue;
				ret = scst_group_add(rt, g->name, reason, sizeof(reason));
				if (ret)
					return core_fail(x, &g->pos, ret, reason);
				x->done[C_GRP_ADDED]++;
				ret = add_table_luns(x, rt, g->name, g->luns, NULL);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

/* Append one change to a batch; false without memory. */
static bool batch_add(struct scst_initiator_change **b, unsigned *n, const char *group,
		      const char *pattern, bool add)
{
	struct scst_initiator_change *nb = realloc(*b, (*n + 1) * sizeof(**b));

	if (!nb)
		return false;
	nb[(*n)++] = (struct scst_initiator_change){ group, pattern, add };
	*b = nb;
	return true;
}

/*
 * Step 6: for each target, every initiator pattern that goes from a kept group or
 * comes into a group, as one core change: a live session moves from its old group
 * straight to its new one (never through a group in between, nor the default
 * table). Patterns of groups that go left with their group in step 4.
 */
static int change_initiators(struct ctx *x)
{
	char reason[512];

	for (const struct scst_conf_driver *d = x->want->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			const struct scst_conf_target *ht = target_in(x->have, d->name, t->name);
			struct scst_target *rt = scst_target_find(d->name, t->name);
			struct scst_initiator_change *b = NULL;
			unsigned n = 0;
			bool ok = true;
			int ret;

			for (const struct scst_conf_group *hg = ht ? ht->groups : NULL; hg && ok;
			     hg = hg->next) {
				const struct scst_conf_group *wg = group_find(t, hg->name);

				for (const struct scst_conf_initiator *i = hg->initiators;
				     wg && i && ok; i = i->next)
					if (!init_find(wg, i->pattern))
						ok = batch_add(&b, &n, hg->name, i->pattern, false);
			}
			for (const struct scst_conf_group *g = t->groups; g && ok; g = g->next) {
				const struct scst_conf_group *hg = group_find(ht, g->name);

				for (const struct scst_conf_initiator *i = g->initiators; i && ok;
				     i = i->next)
					if (!init_find(hg, i->pattern))
						ok = batch_add(&b, &n, g->name, i->pattern, true);
			}
			ret = 0;
			if (!ok)
				ret = -ENOMEM;
			else if (n)
				ret = scst_group_change_initiators(rt, b, n, reason,
								   sizeof(reason));
			free(b);
			if (ret)
				return core_fail(x, &t->pos, ret, ok ? reason : "out of memory");
			x->done[C_INI_CHANGED] += n;
		}
	}
	return 0;
}

/* Step 4: groups, targets and devices the file no longer has. */
static int remove_old(struct ctx *x)
{
	const struct scst_conf_pos top = { x->want->file, 0 };
	char reason[512];
	int ret;

	for (const struct scst_conf_driver *hd = x->have->drivers; hd; hd = hd->next) {
		for (const struct scst_conf_target *ht = hd->targets; ht; ht = ht->next) {
			const struct scst_conf_target *wt = target_in(x->want, hd->name, ht->name);
			struct scst_target *rt = scst_target_find(hd->name, ht->name);

			/* A group without sessions (checked) binds no session, and a session of
			 * another group matches none of its patterns (first match wins): deleting
			 * it with its patterns moves nobody. Its LUNs went in step 3. */
			for (const struct scst_conf_group *hg = ht->groups; rt && wt && hg;
			     hg = hg->next) {
				if (group_find(wt, hg->name))
					continue;
				ret = scst_group_del(rt, hg->name, reason, sizeof(reason));
				if (ret)
					return core_fail(x, &wt->pos, ret, reason);
				x->done[C_GRP_REMOVED]++;
			}
		}
	}
	for (const struct scst_conf_driver *hd = x->have->drivers; hd; hd = hd->next) {
		for (const struct scst_conf_target *ht = hd->targets; ht; ht = ht->next) {
			if (target_in(x->want, hd->name, ht->name))
				continue;
			ret = scst_target_del(hd->name, ht->name, reason, sizeof(reason));
			if (ret)
				return core_fail(x, &top, ret, reason);
			x->done[C_TGT_REMOVED]++;
		}
	}
	for (const struct scst_conf_handler *hh = x->have->handlers; hh; hh = hh->next) {
		for (const struct scst_conf_device *hd = hh->devices; hd; hd = hd->next) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			if (device_handler(x->want, hd->name))
				continue;
			/* Sessions drop their last references on their reactors: wait a little. */
			for (unsigned ms = 0;; ms += 10) {
				ret = scst_device_del(hd->name, reason, sizeof(reason));
				if (ret != -EBUSY || ms >= DEL_RETRY_MS)
					break;
				nanosleep(&ts, NULL);
			}
			if (ret)
				return core_fail(x, &top, ret, reason);
			x->done[C_DEV_REMOVED]++;
		}
	}
	return 0;
}

/* Step 7: LUNs the file adds or changes in the tables that existed before (new
 * groups got theirs in step 5). */
static int add_luns(struct ctx *x)
{
	int ret;

	for (const struct scst_conf_driver *d = x->want->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			struct scst_target *rt = scst_target_find(d->name, t->name);
			const struct scst_conf_target *ht = target_in(x->have, d->name, t->name);

			ret = add_table_luns(x, rt, NULL, t->luns, ht ? ht->luns : NULL);
			for (const struct scst_conf_group *g = t->groups; g && !ret; g = g->next) {
				const struct scst_conf_group *hg = group_find(ht, g->name);

				if (hg)
					ret = add_table_luns(x, rt, g->name, g->luns, hg->luns);
			}
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Step 8: targets, then drivers the file switches on (a driver it does not name is on). */
static void enable_targets(struct ctx *x)
{
	for (const struct scst_conf_driver *d = x->want->drivers; d; d = d->next) {
		for (const struct scst_conf_target *t = d->targets; t; t = t->next) {
			struct scst_target *rt = scst_target_find(d->name, t->name);

			if (want_enabled(d, t) && !scst_target_enabled(rt))
				scst_target_set_enabled(rt, true);
		}
	}
	for (const struct scst_conf_driver *hd = x->have->drivers; hd; hd = hd->next)
		if (want_driver_enabled(scst_conf_driver_find(x->want, hd->name)) &&
		    !scst_driver_enabled(hd->name))
			scst_driver_set_enabled(hd->name, true, NULL, 0);
}

int scst_conf_apply(const struct scst_conf *want, char *err, size_t errlen)
{
	struct ctx x;
	int ret = ctx_init(&x, want, err, errlen);

	if (ret)
		return ret;
	ret = check(&x);
	if (!ret)
		ret = add_devices(&x);
	/* ALUA groups and states before any LUN changes: a path the file closes is
	 * closed before a new LUN appears on it. */
	if (!ret)
		ret = alua(&x);
	if (!ret) {
		disable_targets(&x);
		ret = remove_luns(&x);
	}
	if (!ret)
		ret = remove_old(&x);
	if (!ret)
		ret = change_devices(&x);
	if (!ret)
		ret = add_targets_groups(&x);
	if (!ret)
		ret = change_initiators(&x);
	if (!ret)
		ret = add_luns(&x);
	if (!ret)
		enable_targets(&x);
	scst_conf_free(x.have);
	return ret;
}

int scst_conf_apply_string(const char *text, const char *name, bool apply, char *err,
			   size_t errlen)
{
	struct scst_conf *c;
	int ret = scst_conf_parse_string(text, name, &c, err, errlen);

	if (ret)
		return ret;
	ret = apply ? scst_conf_apply(c, err, errlen) : scst_conf_apply_check(c, err, errlen);
	scst_conf_free(c);
	return ret;
}
