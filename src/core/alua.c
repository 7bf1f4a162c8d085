/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ALUA groups (SPC-4 5.15): the device groups and target groups of
 * include/scst/alua.h, their management API, and the state each I_T_L nexus
 * sees.
 *
 * Locks: the group lists change under scst_mgmt_lock and alua_lock both, so
 * either one is enough to read them: management reads under scst_mgmt_lock,
 * reactors (REPORT TARGET PORT GROUPS, a nexus refreshing its state) under
 * alua_lock. Order: scst_mgmt_lock, alua_lock, dev->lock.
 *
 * A nexus caches its state (td->alua_state). Every change bumps the
 * generation of each device concerned; a nexus whose cached generation is
 * older recomputes before its next command, so the common path costs one
 * atomic load and reactors never take a lock per command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "scst/alua.h"
#include "scst/log.h"

static pthread_mutex_t alua_lock = PTHREAD_MUTEX_INITIALIZER;
static struct scst_dev_group *dgs;

static const struct {
	const char *name;
	uint8_t state;
} state_names[] = {
	{ "active", SCST_ALUA_ACTIVE },	  { "nonoptimized", SCST_ALUA_NONOPTIMIZED },
	{ "standby", SCST_ALUA_STANDBY }, { "unavailable", SCST_ALUA_UNAVAILABLE },
	{ "offline", SCST_ALUA_OFFLINE }, { "transitioning", SCST_ALUA_TRANSITIONING },
};

const char *scst_alua_state_name(uint8_t state)
{
	for (size_t i = 0; i < SCST_ARRAY_SIZE(state_names); i++)
		if (state_names[i].state == state)
			return state_names[i].name;
	return "none";
}

int scst_alua_state_parse(const char *name)
{
	for (size_t i = 0; i < SCST_ARRAY_SIZE(state_names); i++)
		if (!strcmp(state_names[i].name, name))
			return state_names[i].state;
	return -1;
}

/* ---- lookups (either lock held) ---- */

struct scst_dev_group *scst_dg_first(void)
{
	return dgs;
}

struct scst_dev_group *scst_dg_find(const char *name)
{
	for (struct scst_dev_group *g = dgs; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

struct scst_target_group *scst_tg_find(const struct scst_dev_group *dg, const char *name)
{
	for (struct scst_target_group *t = dg->tgs; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

struct scst_dev_group *scst_dg_of_device(const struct scst_device *dev)
{
	return dev->alua_dg;
}

static struct scst_tg_tgt *tgt_in(const struct scst_target_group *tg, const char *name)
{
	for (struct scst_tg_tgt *t = tg->tgts; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* The target group of dg that holds target name, or NULL. */
static struct scst_target_group *tg_of_target(const struct scst_dev_group *dg, const char *name)
{
	for (struct scst_target_group *tg = dg->tgs; tg; tg = tg->next)
		if (tgt_in(tg, name))
			return tg;
	return NULL;
}

static struct scst_target *local_target(const char *name)
{
	for (struct scst_target *t = scst_target_first(); t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

uint16_t scst_tg_tgt_rel_id(const struct scst_tg_tgt *t)
{
	const struct scst_target *lt;

	if (t->rel_tgt_id)
		return t->rel_tgt_id;
	lt = local_target(t->name);
	return lt ? lt->rel_tgt_id : 0;
}

/* ---- what a nexus sees ---- */

void scst_alua_refresh(struct scst_tgt_dev *td, unsigned gen)
{
	const struct scst_dev_group *dg;
	const struct scst_target_group *tg = NULL;

	pthread_mutex_lock(&alua_lock);
	dg = td->dev->alua_dg;
	if (dg)
		tg = tg_of_target(dg, td->sess->tgt->name);
	td->alua_state = tg ? atomic_load(&tg->state) : SCST_ALUA_NONE;
	td->alua_group_id = tg ? tg->group_id : 0;
	pthread_mutex_unlock(&alua_lock);
	/* gen was read before the lock: a change made meanwhile shows as a newer one.
	 */
	td->alua_gen = gen;
}

/* Visit the device group of dev under alua_lock (REPORT TARGET PORT GROUPS). */
void scst_alua_with_group(const struct scst_device *dev,
			  void (*fn)(const struct scst_dev_group *dg, void *arg), void *arg)
{
	pthread_mutex_lock(&alua_lock);
	fn(dev->alua_dg, arg);
	pthread_mutex_unlock(&alua_lock);
}

/*
 * Tell every nexus of dev that ALUA changed: a new generation, and ASYMMETRIC
 * ACCESS STATE CHANGED for all but the nexuses of except (the session whose SET
 * TARGET PORT GROUPS made the change, SPC-4 5.15.2.3). alua_lock held.
 */
static void notify_device(struct scst_device *dev, const struct scst_session *except)
{
	atomic_fetch_add_explicit(&dev->alua_gen, 1, memory_order_release);
	pthread_mutex_lock(&dev->lock);
	for (struct scst_tgt_dev *td = dev->tgt_devs; td; td = td->dev_next)
		if (td->sess != except)
			scst_ua_queue_locked(td, SCST_SENSE_UA_ASYMMETRIC_ACCESS_STATE_CHANGED);
	pthread_mutex_unlock(&dev->lock);
}

static void notify_group(const struct scst_dev_group *dg, const struct scst_session *except)
{
	for (const struct scst_dg_dev *d = dg->devs; d; d = d->next)
		notify_device(d->dev, except);
}

/* ---- SET TARGET PORT GROUPS (spc_alua.c) ---- */

int scst_alua_set_states(const struct scst_device *dev, const uint16_t *ids, const uint8_t *states,
			 unsigned n, const struct scst_session *from, unsigned *bad)
{
	struct scst_dev_group *dg;
	bool changed = false;

	pthread_mutex_lock(&alua_lock);
	dg = dev->alua_dg;
	for (unsigned i = 0; i < n; i++) {
		const struct scst_target_group *tg = NULL;

		for (tg = dg ? dg->tgs : NULL; tg; tg = tg->next)
			if (tg->group_id == ids[i])
				break;
		if (!tg) {
			pthread_mutex_unlock(&alua_lock);
			*bad = i;
			return -ENOENT;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		for (struct scst_target_group *tg = dg->tgs; tg; tg = tg->next) {
			if (tg->group_id != ids[i])
				continue;
			if (atomic_load(&tg->state) != states[i])
				changed = true;
			atomic_store(&tg->state, states[i]);
			atomic_store(&tg->status, 1);
		}
	}
	if (changed)
		notify_group(dg, from);
	pthread_mutex_unlock(&alua_lock);
	if (changed)
		scst_log(LOG_INFO,
			 "device group %s: target port groups set by SET TARGET PORT GROUPS",
			 dg->name);
	return 0;
}

/* ---- management ---- */

/* Lock both; look up dg (and tg when tgname is not NULL). */
static int lock_find(const char *dgname, const char *tgname, struct scst_dev_group **dg,
		     struct scst_target_group **tg, char *err, size_t errlen)
{
	pthread_mutex_lock(&scst_mgmt_lock);
	pthread_mutex_lock(&alua_lock);
	*dg = scst_dg_find(dgname);
	if (!*dg)
		return scst_errf(err, errlen, -ENOENT, "no device group %s", dgname);
	if (tgname) {
		*tg = scst_tg_find(*dg, tgname);
		if (!*tg)
			return scst_errf(err, errlen, -ENOENT,
					 "no target group %s in device group %s", tgname, dgname);
	}
	return 0;
}

static int unlock_ret(int ret)
{
	pthread_mutex_unlock(&alua_lock);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ret;
}

static int check_name(const char *what, const char *name, char *err, size_t errlen)
{
	if (!*name || strlen(name) >= SCST_MAX_NAME || strpbrk(name, "/ \t\n"))
		return scst_errf(err, errlen, -EINVAL, "invalid %s name '%s'", what, name);
	return 0;
}

int scst_dg_add(const char *name, char *err, size_t errlen)
{
	struct scst_dev_group *g, **pp;
	int ret = check_name("device group", name, err, errlen);

	if (ret)
		return ret;
	pthread_mutex_lock(&scst_mgmt_lock);
	pthread_mutex_lock(&alua_lock);
	if (scst_dg_find(name))
		return unlock_ret(scst_errf(err, errlen, -EEXIST, "device group %s exists", name));
	g = calloc(1, sizeof(*g));
	if (!g)
		return unlock_ret(scst_errf(err, errlen, -ENOMEM, "out of memory"));
	snprintf(g->name, sizeof(g->name), "%s", name);
	for (pp = &dgs; *pp; pp = &(*pp)->next)
		;
	*pp = g;
	return unlock_ret(0);
}

static void tg_free(struct scst_target_group *tg)
{
	while (tg->tgts) {
		struct scst_tg_tgt *t = tg->tgts;

		tg->tgts = t->next;
		free(t);
	}
	free(tg);
}

/* Take dev out of its group; alua_lock held. */
static void dev_leave(struct scst_dev_group *dg, struct scst_dg_dev **pp)
{
	struct scst_dg_dev *d = *pp;

	*pp = d->next;
	d->dev->alua_dg = NULL;
	notify_device(d->dev, NULL);
	free(d);
}

int scst_dg_del(const char *name, char *err, size_t errlen)
{
	struct scst_dev_group *g, **pp;
	struct scst_target_group *unused;
	int ret = lock_find(name, NULL, &g, &unused, err, errlen);

	if (ret)
		return unlock_ret(ret);
	while (g->devs)
		dev_leave(g, &g->devs);
	while (g->tgs) {
		struct scst_target_group *tg = g->tgs;

		g->tgs = tg->next;
		tg_free(tg);
	}
	for (pp = &dgs; *pp != g; pp = &(*pp)->next)
		;
	*pp = g->next;
	free(g);
	return unlock_ret(0);
}

int scst_dg_dev_add(const char *dgname, const char *devname, char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *unused;
	struct scst_device *dev;
	struct scst_dg_dev *d, **pp;
	int ret = lock_find(dgname, NULL, &dg, &unused, err, errlen);

	if (ret)
		return unlock_ret(ret);
	for (dev = scst_device_first(); dev && strcmp(dev->name, devname); dev = dev->next)
		;
	if (!dev)
		return unlock_ret(scst_errf(err, errlen, -ENOENT, "no device %s", devname));
	if (dev->alua_dg)
		return unlock_ret(scst_errf(err, errlen, -EEXIST, "device %s is in device group %s",
					    devname, dev->alua_dg->name));
	d = calloc(1, sizeof(*d));
	if (!d)
		return unlock_ret(scst_errf(err, errlen, -ENOMEM, "out of memory"));
	d->dev = dev;
	for (pp = &dg->devs; *pp; pp = &(*pp)->next)
		;
	*pp = d;
	dev->alua_dg = dg;
	notify_device(dev, NULL);
	return unlock_ret(0);
}

int scst_dg_dev_del(const char *dgname, const char *devname, char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *unused;
	struct scst_dg_dev **pp;
	int ret = lock_find(dgname, NULL, &dg, &unused, err, errlen);

	if (ret)
		return unlock_ret(ret);
	for (pp = &dg->devs; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->dev->name, devname)) {
			dev_leave(dg, pp);
			return unlock_ret(0);
		}
	}
	return unlock_ret(scst_errf(err, errlen, -ENOENT, "device %s is not in device group %s",
				    devname, dgname));
}

void scst_alua_device_gone(struct scst_device *dev)
{
	pthread_mutex_lock(&alua_lock);
	if (dev->alua_dg) {
		struct scst_dg_dev **pp;

		for (pp = &dev->alua_dg->devs; *pp && (*pp)->dev != dev; pp = &(*pp)->next)
			;
		if (*pp)
			dev_leave(dev->alua_dg, pp);
	}
	pthread_mutex_unlock(&alua_lock);
}

int scst_tg_add(const char *dgname, const char *tgname, char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *unused, *tg, **pp;
	int ret = check_name("target group", tgname, err, errlen);

	if (ret)
		return ret;
	ret = lock_find(dgname, NULL, &dg, &unused, err, errlen);
	if (ret)
		return unlock_ret(ret);
	if (scst_tg_find(dg, tgname))
		return unlock_ret(scst_errf(err, errlen, -EEXIST,
					    "target group %s exists in device group %s", tgname,
					    dgname));
	tg = calloc(1, sizeof(*tg));
	if (!tg)
		return unlock_ret(scst_errf(err, errlen, -ENOMEM, "out of memory"));
	snprintf(tg->name, sizeof(tg->name), "%s", tgname);
	atomic_init(&tg->state, SCST_ALUA_ACTIVE);
	for (pp = &dg->tgs; *pp; pp = &(*pp)->next)
		;
	*pp = tg;
	/* Empty: no nexus sees it yet, and RTPG lists it only once it has an id. */
	return unlock_ret(0);
}

int scst_tg_del(const char *dgname, const char *tgname, char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *tg, **pp;
	int ret = lock_find(dgname, tgname, &dg, &tg, err, errlen);

	if (ret)
		return unlock_ret(ret);
	for (pp = &dg->tgs; *pp != tg; pp = &(*pp)->next)
		;
	*pp = tg->next;
	tg_free(tg);
	notify_group(dg, NULL);
	return unlock_ret(0);
}

static int parse_u16(const char *v, uint16_t *out)
{
	char *end;
	unsigned long x = strtoul(v, &end, 0);

	if (!*v || *end || x < 1 || x > 0xffff || *v == '-')
		return -1;
	*out = (uint16_t)x;
	return 0;
}

int scst_tg_set_attr(const char *dgname, const char *tgname, const char *attr, const char *value,
		     char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *tg;
	int ret = lock_find(dgname, tgname, &dg, &tg, err, errlen);

	if (ret)
		return unlock_ret(ret);
	if (!strcmp(attr, "group_id")) {
		uint16_t id;

		if (parse_u16(value, &id))
			return unlock_ret(scst_errf(err, errlen, -EINVAL,
						    "group_id: '%s' is not in 1-65535", value));
		for (const struct scst_target_group *o = dg->tgs; o; o = o->next)
			if (o != tg && o->group_id == id)
				return unlock_ret(scst_errf(
					err, errlen, -EEXIST,
					"group_id %u is taken by target group %s", id, o->name));
		if (tg->group_id == id)
			return unlock_ret(0);
		tg->group_id = id;
	} else if (!strcmp(attr, "state")) {
		int st = scst_alua_state_parse(value);

		if (st < 0)
			return unlock_ret(
				scst_errf(err, errlen, -EINVAL,
					  "state: '%s' is not one of active, nonoptimized, "
					  "standby, unavailable, offline, transitioning",
					  value));
		if (atomic_load(&tg->state) == st)
			return unlock_ret(0);
		atomic_store(&tg->state, (uint8_t)st);
		/* STATUS CODE "altered by implicit transition", once a device could have
		 * been seen in the old state; setting up a group is no transition. */
		if (dg->devs)
			atomic_store(&tg->status, 2);
	} else if (!strcmp(attr, "preferred")) {
		bool pref;

		if (strcmp(value, "0") && strcmp(value, "1"))
			return unlock_ret(scst_errf(err, errlen, -EINVAL,
						    "preferred: '%s' is not 0 or 1", value));
		pref = value[0] == '1';
		if (tg->preferred == pref)
			return unlock_ret(0);
		tg->preferred = pref;
	} else {
		return unlock_ret(
			scst_errf(err, errlen, -EINVAL, "target group has no attribute %s", attr));
	}
	notify_group(dg, NULL);
	scst_log(LOG_INFO, "device group %s, target group %s: %s %s", dgname, tgname, attr, value);
	return unlock_ret(0);
}

int scst_tg_tgt_add(const char *dgname, const char *tgname, const char *tgt, char *err,
		    size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *tg, *other;
	struct scst_tg_tgt *t, **pp;
	int ret = check_name("target", tgt, err, errlen);

	if (ret)
		return ret;
	ret = lock_find(dgname, tgname, &dg, &tg, err, errlen);
	if (ret)
		return unlock_ret(ret);
	other = tg_of_target(dg, tgt);
	if (other)
		return unlock_ret(scst_errf(err, errlen, -EEXIST,
					    "target %s is in target group %s of device group %s",
					    tgt, other->name, dgname));
	t = calloc(1, sizeof(*t));
	if (!t)
		return unlock_ret(scst_errf(err, errlen, -ENOMEM, "out of memory"));
	snprintf(t->name, sizeof(t->name), "%s", tgt);
	for (pp = &tg->tgts; *pp; pp = &(*pp)->next)
		;
	*pp = t;
	notify_group(dg, NULL);
	return unlock_ret(0);
}

int scst_tg_tgt_del(const char *dgname, const char *tgname, const char *tgt, char *err,
		    size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *tg;
	struct scst_tg_tgt **pp;
	int ret = lock_find(dgname, tgname, &dg, &tg, err, errlen);

	if (ret)
		return unlock_ret(ret);
	for (pp = &tg->tgts; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, tgt)) {
			struct scst_tg_tgt *t = *pp;

			*pp = t->next;
			free(t);
			notify_group(dg, NULL);
			return unlock_ret(0);
		}
	}
	return unlock_ret(scst_errf(err, errlen, -ENOENT, "target %s is not in target group %s",
				    tgt, tgname));
}

int scst_tg_tgt_set_rel_id(const char *dgname, const char *tgname, const char *tgt, uint16_t id,
			   char *err, size_t errlen)
{
	struct scst_dev_group *dg;
	struct scst_target_group *tg;
	struct scst_tg_tgt *t;
	int ret = lock_find(dgname, tgname, &dg, &tg, err, errlen);

	if (ret)
		return unlock_ret(ret);
	t = tgt_in(tg, tgt);
	if (!t)
		return unlock_ret(scst_errf(err, errlen, -ENOENT,
					    "target %s is not in target group %s", tgt, tgname));
	if (t->rel_tgt_id == id)
		return unlock_ret(0);
	t->rel_tgt_id = id;
	notify_group(dg, NULL);
	return unlock_ret(0);
}

void scst_alua_exit(void)
{
	pthread_mutex_lock(&scst_mgmt_lock);
	while (dgs) {
		struct scst_dev_group *g = dgs;

		pthread_mutex_lock(&alua_lock);
		while (g->devs)
			dev_leave(g, &g->devs);
		while (g->tgs) {
			struct scst_target_group *tg = g->tgs;

			g->tgs = tg->next;
			tg_free(tg);
		}
		dgs = g->next;
		pthread_mutex_unlock(&alua_lock);
		free(g);
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
}
