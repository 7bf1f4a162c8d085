/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Targets: creation, attributes (driver-level key/values such as
 * IncomingUser), enabling, removal. Management thread, scst_mgmt_lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

static struct scst_target *targets;

/*
 * Drivers switched off as a whole (targets/<driver>/enabled 0, or "enabled 0" in
 * a TARGET_DRIVER block): none of their targets takes a new login, whatever its
 * own enabled says. Under scst_mgmt_lock. A driver is one of the few registered
 * templates, so a small array is enough.
 */
#define MAX_DISABLED_DRIVERS 8
static const struct scst_tgt_template *disabled_drivers[MAX_DISABLED_DRIVERS];

bool scst_driver_enabled_locked(const struct scst_tgt_template *tmpl)
{
	for (unsigned i = 0; i < MAX_DISABLED_DRIVERS; i++)
		if (disabled_drivers[i] == tmpl)
			return false;
	return true;
}

const struct scst_tgt_template *scst_driver_disabled_at(unsigned i)
{
	for (unsigned k = 0; k < MAX_DISABLED_DRIVERS; k++)
		if (disabled_drivers[k] && !i--)
			return disabled_drivers[k];
	return NULL;
}

bool scst_driver_enabled(const char *driver)
{
	const struct scst_tgt_template *tmpl = scst_find_target_template(driver);
	bool on;

	pthread_mutex_lock(&scst_mgmt_lock);
	on = !tmpl || scst_driver_enabled_locked(tmpl);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return on;
}

int scst_driver_set_enabled(const char *driver, bool enabled, char *err, size_t errlen)
{
	const struct scst_tgt_template *tmpl = scst_find_target_template(driver);
	int ret = 0;

	if (!tmpl)
		return scst_errf(err, errlen, -ENOENT, "unknown target driver %s", driver);
	pthread_mutex_lock(&scst_mgmt_lock);
	for (unsigned i = 0; i < MAX_DISABLED_DRIVERS; i++) {
		if (enabled && disabled_drivers[i] == tmpl)
			disabled_drivers[i] = NULL;
		if (!enabled && !disabled_drivers[i] && scst_driver_enabled_locked(tmpl))
			disabled_drivers[i] = tmpl;
	}
	if (!enabled && scst_driver_enabled_locked(tmpl))
		ret = scst_errf(err, errlen, -ENOSPC, "too many drivers disabled");
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ret;
}

struct scst_target *scst_target_first(void)
{
	return targets;
}

static struct scst_target *target_find_locked(const char *driver, const char *name)
{
	for (struct scst_target *t = targets; t; t = t->next)
		if (!strcmp(t->name, name) && (!driver || !strcmp(t->tmpl->name, driver)))
			return t;
	return NULL;
}

struct scst_target *scst_target_find(const char *driver, const char *name)
{
	struct scst_target *t;

	pthread_mutex_lock(&scst_mgmt_lock);
	t = target_find_locked(driver, name);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return t;
}

const char *scst_target_name(const struct scst_target *tgt)
{
	return tgt->name;
}

uint16_t scst_target_rel_id(const struct scst_target *tgt)
{
	return tgt->rel_tgt_id;
}

bool scst_target_enabled(const struct scst_target *tgt)
{
	return tgt->enabled;
}

static uint16_t next_rel_id(void)
{
	uint16_t id;

	for (id = 1; id; id++) {
		bool used = false;

		for (struct scst_target *t = targets; t; t = t->next)
			if (t->rel_tgt_id == id)
				used = true;
		if (!used)
			return id;
	}
	return 1;
}

int scst_target_add(const char *driver, const char *name, char *err, size_t errlen)
{
	const struct scst_tgt_template *tmpl = scst_find_target_template(driver);
	struct scst_target *t;

	if (!tmpl)
		return scst_errf(err, errlen, -ENOENT, "unknown target driver %s", driver);
	if (!scst_name_valid(name, SCST_MAX_NAME))
		return scst_errf(err, errlen, -EINVAL, "invalid target name '%s'", name);
	t = calloc(1, sizeof(*t));
	if (!t)
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	t->dflt.luns = scst_lun_table_new_empty();
	if (!t->dflt.luns) {
		free(t);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	scst_copy_str(t->name, sizeof(t->name), name);
	t->tmpl = tmpl;
	t->dflt.tgt = t;
	pthread_mutex_lock(&scst_mgmt_lock);
	if (target_find_locked(NULL, name)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		scst_lun_table_put(t->dflt.luns);
		free(t);
		return scst_errf(err, errlen, -EEXIST, "target %s already exists", name);
	}
	t->rel_tgt_id = next_rel_id();
	t->next = targets;
	targets = t;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_target_del(const char *driver, const char *name, char *err, size_t errlen)
{
	struct scst_target **pp, *t;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (pp = &targets; (t = *pp); pp = &t->next)
		if (!strcmp(t->name, name) && !strcmp(t->tmpl->name, driver))
			break;
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOENT, "no target %s", name);
	}
	if (t->sessions) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -EBUSY, "target %s has sessions; disable it first", name);
	}
	*pp = t->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	scst_acg_free(&t->dflt);
	while (t->groups) {
		struct scst_acg *g = t->groups;

		t->groups = g->next;
		scst_acg_free(g);
		free(g);
	}
	while (t->attrs) {
		struct scst_attr_kv *kv = t->attrs;

		t->attrs = kv->next;
		free(kv->name);
		free(kv->value);
		free(kv);
	}
	free(t);
	return 0;
}

int scst_target_set_enabled(struct scst_target *tgt, bool enabled)
{
	pthread_mutex_lock(&scst_mgmt_lock);
	tgt->enabled = enabled;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

void scst_target_set_rel_id(struct scst_target *tgt, uint16_t id)
{
	pthread_mutex_lock(&scst_mgmt_lock);
	tgt->rel_tgt_id = id;
	pthread_mutex_unlock(&scst_mgmt_lock);
}

int scst_target_set_attr(struct scst_target *tgt, const char *name, const char *value, char *err,
			 size_t errlen)
{
	struct scst_attr_kv *kv, **pp;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (pp = &tgt->attrs; (kv = *pp); pp = &kv->next)
		if (!strcmp(kv->name, name))
			break;
	if (!value) {
		if (kv) {
			*pp = kv->next;
			free(kv->name);
			free(kv->value);
			free(kv);
		}
		pthread_mutex_unlock(&scst_mgmt_lock);
		return 0;
	}
	if (!kv) {
		kv = calloc(1, sizeof(*kv));
		if (!kv || !(kv->name = strdup(name))) {
			free(kv);
			pthread_mutex_unlock(&scst_mgmt_lock);
			return scst_errf(err, errlen, -ENOMEM, "out of memory");
		}
		*pp = kv;
	}
	char *v = strdup(value);

	if (!v) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	free(kv->value);
	kv->value = v;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

const char *scst_target_get_attr(struct scst_target *tgt, const char *name, char *buf, size_t len)
{
	const char *ret = NULL;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (struct scst_attr_kv *kv = tgt->attrs; kv; kv = kv->next) {
		if (!strcmp(kv->name, name)) {
			snprintf(buf, len, "%s", kv->value);
			ret = buf;
			break;
		}
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ret;
}

void scst_target_for_each(const char *driver, void (*fn)(struct scst_target *, void *), void *arg)
{
	pthread_mutex_lock(&scst_mgmt_lock);
	for (struct scst_target *t = targets; t; t = t->next)
		if (!driver || !strcmp(t->tmpl->name, driver))
			fn(t, arg);
	pthread_mutex_unlock(&scst_mgmt_lock);
}
