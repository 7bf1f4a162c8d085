/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DEVICE_GROUP blocks of scst.conf (ALUA, SPC-4 5.15), as SCST writes them:
 *
 *   DEVICE_GROUP dg1 {
 *       DEVICE disk1
 *       TARGET_GROUP local {
 *           group_id 1
 *           state active
 *           preferred 1
 *           TARGET iqn.2026-12.org.example:t1
 *       }
 *       TARGET_GROUP peer {
 *           group_id 2
 *           state nonoptimized
 *           TARGET iqn.2026-12.org.example:t2 { rel_tgt_id 2 }
 *       }
 *   }
 *
 * Checking, loading into an empty core, reconciling a running state with a
 * file (apply), and the running state as a tree (save). Management thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "core_priv.h"
#include "scst/alua.h"

/* ---- checking ---- */

static int check_u16(const struct scst_conf_attr *a, unsigned min, char *err, size_t errlen)
{
	char *end;
	unsigned long v = strtoul(a->value, &end, 0);

	if (!*a->value || *end || a->value[0] == '-' || v < min || v > 0xffff)
		return scst_conf_err(err, errlen, &a->pos, "%s: '%s' is not a number in %u-65535",
				     a->key, a->value, min);
	return 0;
}

static int check_tg_attrs(const struct scst_conf_tgt_group *tg, char *err, size_t errlen)
{
	for (const struct scst_conf_attr *a = tg->attrs; a; a = a->next) {
		int ret = 0;

		if (!strcmp(a->key, "group_id"))
			ret = check_u16(a, 1, err, errlen);
		else if (!strcmp(a->key, "state") && scst_alua_state_parse(a->value) < 0)
			ret = scst_conf_err(
				err, errlen, &a->pos,
				"state: '%s' is not one of active, nonoptimized, standby, "
				"unavailable, offline, transitioning",
				a->value);
		else if (!strcmp(a->key, "preferred") && strcmp(a->value, "0") &&
			 strcmp(a->value, "1"))
			ret = scst_conf_err(err, errlen, &a->pos, "preferred: '%s' is not 0 or 1",
					    a->value);
		else if (strcmp(a->key, "group_id") && strcmp(a->key, "state") &&
			 strcmp(a->key, "preferred"))
			ret = scst_conf_err(err, errlen, &a->pos,
					    "unknown TARGET_GROUP attribute '%s' (group_id, state, "
					    "preferred)",
					    a->key);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *attr_value(const struct scst_conf_attr *l, const char *key, const char *dflt)
{
	const struct scst_conf_attr *a = scst_conf_attr_find(l, key);

	return a ? a->value : dflt;
}

static int check_tg(const struct scst_conf_dev_group *g, const struct scst_conf_tgt_group *tg,
		    char *err, size_t errlen)
{
	int ret = check_tg_attrs(tg, err, errlen);
	const struct scst_conf_attr *ida = scst_conf_attr_find(tg->attrs, "group_id");
	const char *id = ida ? ida->value : NULL;

	if (ret)
		return ret;
	if (strlen(tg->name) >= SCST_MAX_NAME)
		return scst_conf_err(err, errlen, &tg->pos, "target group name too long");
	for (const struct scst_conf_tgt_group *o = g->tgt_groups; o != tg; o = o->next)
		if (id &&
		    strtoul(attr_value(o->attrs, "group_id", "0"), NULL, 0) == strtoul(id, NULL, 0))
			return scst_conf_err(err, errlen, &ida->pos,
					     "group_id %s is also target group %s's (line %u)", id,
					     o->name, o->pos.line);
	for (const struct scst_conf_name *t = tg->targets; t; t = t->next) {
		if (strlen(t->name) >= SCST_MAX_NAME)
			return scst_conf_err(err, errlen, &t->pos, "target name too long");
		for (const struct scst_conf_attr *a = t->attrs; a; a = a->next) {
			if (strcmp(a->key, "rel_tgt_id"))
				return scst_conf_err(err, errlen, &a->pos,
						     "unknown attribute '%s' of a target in a "
						     "TARGET_GROUP (rel_tgt_id)",
						     a->key);
			ret = check_u16(a, 1, err, errlen);
			if (ret)
				return ret;
		}
		/* One target port, one target group per device group. */
		for (const struct scst_conf_tgt_group *o = g->tgt_groups; o != tg; o = o->next)
			for (const struct scst_conf_name *ot = o->targets; ot; ot = ot->next)
				if (!strcmp(ot->name, t->name))
					return scst_conf_err(err, errlen, &t->pos,
							     "target %s is already in target group "
							     "%s (line %u)",
							     t->name, o->name, ot->pos.line);
	}
	return 0;
}

/* The same device named before d in any device group, or NULL. */
static const struct scst_conf_name *dev_earlier(const struct scst_conf *c,
						const struct scst_conf_name *d,
						const struct scst_conf_dev_group **og)
{
	for (const struct scst_conf_dev_group *o = c->dev_groups; o; o = o->next) {
		for (const struct scst_conf_name *od = o->devices; od; od = od->next) {
			if (od == d)
				return NULL;
			if (!strcmp(od->name, d->name)) {
				*og = o;
				return od;
			}
		}
	}
	return NULL;
}

int scst_conf_alua_validate(const struct scst_conf *c, char *err, size_t errlen)
{
	for (const struct scst_conf_dev_group *g = c->dev_groups; g; g = g->next) {
		if (g->attrs)
			return scst_conf_err(err, errlen, &g->attrs->pos,
					     "unknown DEVICE_GROUP attribute '%s'", g->attrs->key);
		if (strlen(g->name) >= SCST_MAX_NAME)
			return scst_conf_err(err, errlen, &g->pos, "device group name too long");
		for (const struct scst_conf_name *d = g->devices; d; d = d->next) {
			if (d->attrs)
				return scst_conf_err(
					err, errlen, &d->attrs->pos,
					"a DEVICE in a DEVICE_GROUP has no attributes");
			if (!scst_conf_device_find(c, d->name))
				return scst_conf_err(err, errlen, &d->pos,
						     "DEVICE %s is not defined in a HANDLER block",
						     d->name);
			const struct scst_conf_dev_group *og = NULL;
			const struct scst_conf_name *od = dev_earlier(c, d, &og);

			if (od)
				return scst_conf_err(err, errlen, &d->pos,
						     "device %s is already in device group %s "
						     "(line %u)",
						     d->name, og->name, od->pos.line);
		}
		for (const struct scst_conf_tgt_group *tg = g->tgt_groups; tg; tg = tg->next) {
			int ret = check_tg(g, tg, err, errlen);

			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- making the running groups equal to the file's ---- */

/* Where a change failed and why (the core's one line). */
struct where {
	const struct scst_conf_pos *pos;
	struct scst_conf_pos top; /* the file as a whole: a group it no longer has */
	char *err;
	size_t errlen;
};

static int fail(struct where *w, const struct scst_conf_pos *pos, int ret, const char *reason)
{
	w->pos = pos;
	snprintf(w->err, w->errlen, "%s", reason);
	return ret;
}

static const struct scst_conf_dev_group *want_dg(const struct scst_conf *c, const char *name)
{
	for (const struct scst_conf_dev_group *g = c->dev_groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static const struct scst_conf_tgt_group *want_tg(const struct scst_conf_dev_group *g,
						 const char *name)
{
	for (const struct scst_conf_tgt_group *tg = g ? g->tgt_groups : NULL; tg; tg = tg->next)
		if (!strcmp(tg->name, name))
			return tg;
	return NULL;
}

static const struct scst_conf_name *name_in(const struct scst_conf_name *l, const char *name)
{
	for (; l; l = l->next)
		if (!strcmp(l->name, name))
			return l;
	return NULL;
}

/*
 * First what goes: devices, targets and target groups the file does not have
 * where it has them, and whole device groups it does not have. A device that
 * moves to another group leaves the old one here, before it joins the new.
 */
static int remove_unwanted(const struct scst_conf *c, struct where *w)
{
	char reason[256];
	struct scst_dev_group *g, *next;
	int ret;

	for (g = scst_dg_first(); g; g = next) {
		const struct scst_conf_dev_group *wg = want_dg(c, g->name);
		struct scst_target_group *tg, *tgnext;

		next = g->next;
		if (!wg) {
			ret = scst_dg_del(g->name, reason, sizeof(reason));
			if (ret)
				return fail(w, &w->top, ret, reason);
			continue;
		}
		for (struct scst_dg_dev *d = g->devs, *dn; d; d = dn) {
			dn = d->next;
			if (!name_in(wg->devices, d->dev->name) &&
			    (ret = scst_dg_dev_del(g->name, d->dev->name, reason, sizeof(reason))))
				return fail(w, &wg->pos, ret, reason);
		}
		for (tg = g->tgs; tg; tg = tgnext) {
			const struct scst_conf_tgt_group *wt = want_tg(wg, tg->name);

			tgnext = tg->next;
			if (!wt) {
				ret = scst_tg_del(g->name, tg->name, reason, sizeof(reason));
				if (ret)
					return fail(w, &wg->pos, ret, reason);
				continue;
			}
			for (struct scst_tg_tgt *t = tg->tgts, *tn; t; t = tn) {
				tn = t->next;
				if (!name_in(wt->targets, t->name) &&
				    (ret = scst_tg_tgt_del(g->name, tg->name, t->name, reason,
							   sizeof(reason))))
					return fail(w, &wt->pos, ret, reason);
			}
		}
	}
	return 0;
}

static int sync_tg(const struct scst_conf_dev_group *wg, const struct scst_conf_tgt_group *wt,
		   struct where *w)
{
	static const char *const keys[] = { "group_id", "state", "preferred" };
	static const char *const dflt[] = { NULL, "active", "0" };
	char reason[256];
	int ret;

	if (!scst_tg_find(scst_dg_find(wg->name), wt->name) &&
	    (ret = scst_tg_add(wg->name, wt->name, reason, sizeof(reason))))
		return fail(w, &wt->pos, ret, reason);
	for (size_t i = 0; i < SCST_ARRAY_SIZE(keys); i++) {
		const char *v = attr_value(wt->attrs, keys[i], dflt[i]);

		if (v && (ret = scst_tg_set_attr(wg->name, wt->name, keys[i], v, reason,
						 sizeof(reason))))
			return fail(w, &wt->pos, ret, reason);
	}
	for (const struct scst_conf_name *t = wt->targets; t; t = t->next) {
		struct scst_target_group *tg = scst_tg_find(scst_dg_find(wg->name), wt->name);
		bool have = false;

		for (const struct scst_tg_tgt *x = tg->tgts; x; x = x->next)
			have |= !strcmp(x->name, t->name);
		if (!have &&
		    (ret = scst_tg_tgt_add(wg->name, wt->name, t->name, reason, sizeof(reason))))
			return fail(w, &t->pos, ret, reason);
		ret = scst_tg_tgt_set_rel_id(
			wg->name, wt->name, t->name,
			(uint16_t)strtoul(attr_value(t->attrs, "rel_tgt_id", "0"), NULL, 0), reason,
			sizeof(reason));
		if (ret)
			return fail(w, &t->pos, ret, reason);
	}
	return 0;
}

/* Then what comes: groups, their target groups with states, and last the
 * devices, so a device joins a group whose ports already have the file's
 * states. */
static int add_wanted(const struct scst_conf *c, struct where *w)
{
	char reason[256];
	int ret;

	for (const struct scst_conf_dev_group *wg = c->dev_groups; wg; wg = wg->next) {
		struct scst_dev_group *g = scst_dg_find(wg->name);

		if (!g && (ret = scst_dg_add(wg->name, reason, sizeof(reason))))
			return fail(w, &wg->pos, ret, reason);
		for (const struct scst_conf_tgt_group *wt = wg->tgt_groups; wt; wt = wt->next) {
			ret = sync_tg(wg, wt, w);
			if (ret)
				return ret;
		}
		g = scst_dg_find(wg->name);
		for (const struct scst_conf_name *d = wg->devices; d; d = d->next) {
			bool have = false;

			for (const struct scst_dg_dev *x = g->devs; x; x = x->next)
				have |= !strcmp(x->dev->name, d->name);
			if (!have &&
			    (ret = scst_dg_dev_add(wg->name, d->name, reason, sizeof(reason))))
				return fail(w, &d->pos, ret, reason);
		}
	}
	return 0;
}

int scst_conf_alua_apply(const struct scst_conf *c, const struct scst_conf_pos **pos, char *err,
			 size_t errlen)
{
	struct where w = { .err = err, .errlen = errlen, .top = { c->file, 0 } };
	int ret = remove_unwanted(c, &w);

	if (!ret)
		ret = add_wanted(c, &w);
	/* top lives on this stack: a group the file dropped is reported at line 0. */
	*pos = w.pos == &w.top ? NULL : w.pos;
	return ret;
}

/* ---- the running groups as a tree (scst_mgmt_lock held) ---- */

static int attr_add(struct scst_conf *c, struct scst_conf_attr **list, const char *k, const char *v)
{
	struct scst_conf_attr *a = scst_conf_alloc(c, sizeof(*a));

	if (!a || !(a->key = scst_conf_strdup(c, k, (size_t)-1)) ||
	    !(a->value = scst_conf_strdup(c, v, (size_t)-1)))
		return -ENOMEM;
	a->pos.file = c->file;
	SCST_CONF_APPEND(*list, a);
	return 0;
}

static struct scst_conf_name *name_new(struct scst_conf *c, const char *name)
{
	struct scst_conf_name *n = scst_conf_alloc(c, sizeof(*n));

	if (!n || !(n->name = scst_conf_strdup(c, name, (size_t)-1)))
		return NULL;
	n->pos.file = c->file;
	return n;
}

static int snap_tg(struct scst_conf *c, struct scst_conf_dev_group *cg,
		   const struct scst_target_group *tg)
{
	struct scst_conf_tgt_group *ct = scst_conf_alloc(c, sizeof(*ct));
	char buf[16];

	if (!ct || !(ct->name = scst_conf_strdup(c, tg->name, (size_t)-1)))
		return -ENOMEM;
	ct->pos.file = c->file;
	snprintf(buf, sizeof(buf), "%u", tg->group_id);
	if ((tg->group_id && attr_add(c, &ct->attrs, "group_id", buf)) ||
	    attr_add(c, &ct->attrs, "state", scst_alua_state_name(atomic_load(&tg->state))) ||
	    (tg->preferred && attr_add(c, &ct->attrs, "preferred", "1")))
		return -ENOMEM;
	for (const struct scst_tg_tgt *t = tg->tgts; t; t = t->next) {
		struct scst_conf_name *n = name_new(c, t->name);

		if (!n)
			return -ENOMEM;
		snprintf(buf, sizeof(buf), "%u", t->rel_tgt_id);
		if (t->rel_tgt_id && attr_add(c, &n->attrs, "rel_tgt_id", buf))
			return -ENOMEM;
		SCST_CONF_APPEND(ct->targets, n);
	}
	SCST_CONF_APPEND(cg->tgt_groups, ct);
	return 0;
}

int scst_conf_alua_snap(struct scst_conf *c)
{
	for (const struct scst_dev_group *g = scst_dg_first(); g; g = g->next) {
		struct scst_conf_dev_group *cg = scst_conf_alloc(c, sizeof(*cg));

		if (!cg || !(cg->name = scst_conf_strdup(c, g->name, (size_t)-1)))
			return -ENOMEM;
		cg->pos.file = c->file;
		for (const struct scst_dg_dev *d = g->devs; d; d = d->next) {
			struct scst_conf_name *n = name_new(c, d->dev->name);

			if (!n)
				return -ENOMEM;
			SCST_CONF_APPEND(cg->devices, n);
		}
		for (const struct scst_target_group *tg = g->tgs; tg; tg = tg->next)
			if (snap_tg(c, cg, tg))
				return -ENOMEM;
		SCST_CONF_APPEND(c->dev_groups, cg);
	}
	return 0;
}
