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

/*
 * Build a new table from old with edits applied: ed[] sorted by LUN, one per LUN;
 * an edit with a device adds or replaces its LUN, one without removes it. One
 * merge of two sorted lists, so a batch of edits costs one table, not one each.
 */
static struct scst_lun_table *table_merge(const struct scst_lun_table *old,
					  const struct scst_lun_entry *ed, unsigned ned)
{
	struct scst_lun_table *t = calloc(1, sizeof(*t));
	unsigned n = 0, i = 0, j = 0;
	uint64_t max = 0;

	if (!t)
		return NULL;
	atomic_init(&t->refcount, 1);
	t->entries = calloc(old->count + ned + 1, sizeof(*t->entries));
	if (!t->entries) {
		free(t);
		return NULL;
	}
	while (i < old->count || j < ned) {
		if (j == ned || (i < old->count && old->entries[i].lun < ed[j].lun)) {
			t->entries[n++] = old->entries[i++];
			continue;
		}
		if (i < old->count && old->entries[i].lun == ed[j].lun)
			i++; /* replaced or removed */
		if (ed[j].dev)
			t->entries[n++] = ed[j];
		j++;
	}
	t->count = n;
	for (unsigned k = 0; k < n; k++) {
		atomic_fetch_add(&t->entries[k].dev->refcount, 1);
		if (t->entries[k].lun > max)
			max = t->entries[k].lun;
	}
	if (n) {
		t->index_size = (uint32_t)max + 1;
		t->by_lun = malloc(t->index_size * sizeof(*t->by_lun));
		if (!t->by_lun) {
			t->count = 0;
			for (unsigned k = 0; k < n; k++)
				atomic_fetch_sub(&t->entries[k].dev->refcount, 1);
			free(t->entries);
			free(t);
			return NULL;
		}
		memset(t->by_lun, 0xff, t->index_size * sizeof(*t->by_lun));
		for (unsigned k = 0; k < n; k++)
			t->by_lun[t->entries[k].lun] = (int32_t)k;
	}
	return t;
}

/* One edit (add, replace, or remove with dev NULL). */
static struct scst_lun_table *table_rebuild(const struct scst_lun_table *old, uint64_t lun,
					    struct scst_device *dev, bool read_only)
{
	const struct scst_lun_entry e = { .lun = lun, .dev = dev, .read_only = read_only };

	return table_merge(old, &e, 1);
}

/* Export counts follow the edits: the entry a LUN had goes, the new one comes. */
static void count_exports(const struct scst_lun_table *old, const struct scst_lun_entry *ed,
			  unsigned ned)
{
	for (unsigned j = 0; j < ned; j++) {
		const struct scst_lun_entry *cur = scst_lun_table_find(old, ed[j].lun);

		if (cur)
			cur->dev->export_count--;
		if (ed[j].dev)
			ed[j].dev->export_count++;
	}
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
	t = table_rebuild(g->luns, lun, e.dev, read_only);
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
	t = table_rebuild(g->luns, lun, NULL, false);
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	e->dev->export_count--;
	table_publish(g, t);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_lun_replace(struct scst_target *tgt, const char *group, uint64_t lun, const char *device,
		     bool read_only, char *err, size_t errlen)
{
	struct scst_lun_entry e = { .lun = lun, .read_only = read_only };
	const struct scst_lun_entry *cur;
	struct scst_lun_table *t;
	struct scst_acg *g;

	if (lun >= SCST_MAX_LUN)
		return scst_errf(err, errlen, -EINVAL, "LUN %" PRIu64 " out of range 0..%u", lun,
				 SCST_MAX_LUN - 1);
	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	e.dev = scst_device_find(device);
	if (!g || !e.dev) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		if (!g)
			return scst_errf(err, errlen, -ENOENT, "no group %s", group);
		return scst_errf(err, errlen, -ENOENT, "no device %s", device);
	}
	cur = scst_lun_table_find(g->luns, lun);
	if (cur && cur->dev == e.dev && cur->read_only == read_only) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return 0; /* already so: no new table, no unit attention */
	}
	/* The entry changes in one rebuild: one table, no gap. */
	t = table_merge(g->luns, &e, 1);
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	count_exports(g->luns, &e, 1);
	table_publish(g, t);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

static int cmp_lun(const void *a, const void *b)
{
	const struct scst_lun_entry *x = a, *y = b;

	return x->lun < y->lun ? -1 : x->lun > y->lun;
}

/* Resolve and check a batch against g's table; lock held. 0, or -errno and err. */
static int check_changes(const struct scst_acg *g, const struct scst_lun_change *ch,
			 struct scst_lun_entry *ed, unsigned n, char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		ed[i] = (struct scst_lun_entry){ .lun = ch[i].lun, .read_only = ch[i].read_only };
		if (ch[i].lun >= SCST_MAX_LUN)
			return scst_errf(err, errlen, -EINVAL, "LUN %" PRIu64 " out of range 0..%u",
					 ch[i].lun, SCST_MAX_LUN - 1);
		if (ch[i].device && !(ed[i].dev = scst_device_find(ch[i].device)))
			return scst_errf(err, errlen, -ENOENT, "no device %s", ch[i].device);
		if (!ch[i].device && !scst_lun_table_find(g->luns, ch[i].lun))
			return scst_errf(err, errlen, -ENOENT, "no LUN %" PRIu64, ch[i].lun);
	}
	qsort(ed, n, sizeof(*ed), cmp_lun);
	for (unsigned i = 1; i < n; i++)
		if (ed[i].lun == ed[i - 1].lun)
			return scst_errf(err, errlen, -EINVAL, "LUN %" PRIu64 " is changed twice",
					 ed[i].lun);
	return 0;
}

/* Does edit e leave the table as it is? */
static bool edit_is_noop(const struct scst_lun_table *t, const struct scst_lun_entry *e)
{
	const struct scst_lun_entry *cur = scst_lun_table_find(t, e->lun);

	return e->dev && cur && cur->dev == e->dev && cur->read_only == e->read_only;
}

int scst_lun_update(struct scst_target *tgt, const char *group, const struct scst_lun_change *ch,
		    unsigned n, char *err, size_t errlen)
{
	struct scst_lun_entry *ed = calloc(n ? n : 1, sizeof(*ed));
	struct scst_lun_table *t;
	struct scst_acg *g;
	unsigned k = 0;
	int ret;

	if (!ed)
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	ret = g ? check_changes(g, ch, ed, n, err, errlen)
		: scst_errf(err, errlen, -ENOENT, "no group %s", group);
	/* Drop the edits that change nothing: no table and no unit attention for them. */
	for (unsigned i = 0; !ret && i < n; i++)
		if (!edit_is_noop(g->luns, &ed[i]))
			ed[k++] = ed[i];
	if (!ret && k) {
		t = table_merge(g->luns, ed, k);
		if (t) {
			count_exports(g->luns, ed, k);
			table_publish(g, t);
		} else {
			ret = scst_errf(err, errlen, -ENOMEM, "out of memory");
		}
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
	free(ed);
	return ret;
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
