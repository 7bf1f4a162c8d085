/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LUN tables: immutable, reference counted, rebuilt for every change and
 * published to the sessions that use them (see OWNERSHIP.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

struct scst_lun_table *scst_lun_table_new_empty(void)
{
	struct scst_lun_table *t = calloc(1, sizeof(*t));

	if (t)
		atomic_init(&t->refcount, 1);
	return t;
}


void scst_lun_table_unexport(struct scst_lun_table *tbl)
{
	for (unsigned i = 0; i < tbl->count; i++)
		tbl->entries[i].dev->export_count--;
}


struct scst_lun_table *scst_lun_table_get(struct scst_lun_table *t)
{
	atomic_fetch_add(&t->refcount, 1);
	return t;
}

void scst_lun_table_put(struct scst_lun_table *t)
{
	if (!t || atomic_fetch_sub(&t->refcount, 1) != 1)
		return;
	for (unsigned i = 0; i < t->count; i++)
		scst_device_release(t->entries[i].dev);
	free(t->entries);
	free(t->by_lun);
	free(t);
}

const struct scst_lun_entry *scst_lun_table_find(const struct scst_lun_table *t, uint64_t lun)
{
	if (lun < t->index_size) {
		int32_t i = t->by_lun[lun];

		return i < 0 ? NULL : &t->entries[i];
	}
	return NULL;
}

/* Build a new table from old, with entry 'add' added (or LUN 'del' removed). */
static struct scst_lun_table *table_rebuild(const struct scst_lun_table *old,
					    const struct scst_lun_entry *add, int64_t del)
{
	struct scst_lun_table *t = calloc(1, sizeof(*t));
	unsigned n = 0;
	uint64_t max = 0;

	if (!t)
		return NULL;
	atomic_init(&t->refcount, 1);
	t->entries = calloc(old->count + 1, sizeof(*t->entries));
	if (!t->entries) {
		free(t);
		return NULL;
	}
	for (unsigned i = 0; i < old->count; i++) {
		if ((int64_t)old->entries[i].lun == del)
			continue;
		/* Keep entries sorted: the new LUN goes before the first larger one. */
		if (add && add->lun < old->entries[i].lun) {
			t->entries[n++] = *add;
			add = NULL;
		}
		t->entries[n++] = old->entries[i];
	}
	if (add)
		t->entries[n++] = *add;
	t->count = n;
	for (unsigned i = 0; i < n; i++) {
		atomic_fetch_add(&t->entries[i].dev->refcount, 1);
		if (t->entries[i].lun > max)
			max = t->entries[i].lun;
	}
	if (n) {
		t->index_size = (uint32_t)max + 1;
		t->by_lun = malloc(t->index_size * sizeof(*t->by_lun));
		if (!t->by_lun) {
			t->count = 0;
			for (unsigned i = 0; i < n; i++)
				atomic_fetch_sub(&t->entries[i].dev->refcount, 1);
			free(t->entries);
			free(t);
			return NULL;
		}
		memset(t->by_lun, 0xff, t->index_size * sizeof(*t->by_lun));
		for (unsigned i = 0; i < n; i++)
			t->by_lun[t->entries[i].lun] = (int32_t)i;
	}
	return t;
}

/* Publish a new table for g and tell the sessions using it. Called with the lock held. */
static void table_publish(struct scst_acg *g, struct scst_lun_table *t)
{
	struct scst_lun_table *old = g->luns;

	g->luns = t;
	scst_session_luns_changed(g);
	scst_lun_table_put(old);
}

int scst_lun_add(struct scst_target *tgt, const char *group, uint64_t lun, const char *device,
		 bool read_only, char *err, size_t errlen)
{
	struct scst_lun_entry e = { .lun = lun, .read_only = read_only };
	struct scst_lun_table *t;
	struct scst_acg *g;

	if (lun >= SCST_MAX_LUN)
		return scst_errf(err, errlen, -EINVAL, "LUN %" PRIu64 " out of range 0..%u", lun,
			    SCST_MAX_LUN - 1);
	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	e.dev = scst_device_find(device);
	if (!g || !e.dev || scst_lun_table_find(g->luns, lun)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		if (!g)
			return scst_errf(err, errlen, -ENOENT, "no group %s", group);
		if (!e.dev)
			return scst_errf(err, errlen, -ENOENT, "no device %s", device);
		return scst_errf(err, errlen, -EEXIST, "LUN %" PRIu64 " already exists", lun);
	}
	t = table_rebuild(g->luns, &e, -1);
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	e.dev->export_count++;
	table_publish(g, t);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_lun_del(struct scst_target *tgt, const char *group, uint64_t lun, char *err,
		 size_t errlen)
{
	const struct scst_lun_entry *e;
	struct scst_lun_table *t;
	struct scst_acg *g;

	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	e = g ? scst_lun_table_find(g->luns, lun) : NULL;
	if (!e) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		if (!g)
			return scst_errf(err, errlen, -ENOENT, "no group %s", group);
		return scst_errf(err, errlen, -ENOENT, "no LUN %" PRIu64, lun);
	}
	t = table_rebuild(g->luns, NULL, (int64_t)lun);
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	e->dev->export_count--;
	table_publish(g, t);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_lun_clear(struct scst_target *tgt, const char *group, char *err, size_t errlen)
{
	struct scst_lun_table *t;
	struct scst_acg *g;

	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOENT, "no group %s", group);
	}
	t = scst_lun_table_new_empty();
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	scst_lun_table_unexport(g->luns);
	table_publish(g, t);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}
