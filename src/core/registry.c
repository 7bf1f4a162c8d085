/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registry of handlers, target templates, devices and targets, and the
 * management operations on them. Everything here runs on the management
 * thread under scst_mgmt_lock; reactors never take that lock per command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

#define MAX_HANDLERS 16
#define MAX_TEMPLATES 8

pthread_mutex_t scst_mgmt_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct scst_dev_handler *handlers[MAX_HANDLERS];
static unsigned nr_handlers;
static const struct scst_tgt_template *templates[MAX_TEMPLATES];
static unsigned nr_templates;
static struct scst_device *devices;
static struct scst_target *targets;

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int scst_register_dev_handler(const struct scst_dev_handler *h)
{
	if (scst_find_dev_handler(h->name))
		return 0;
	if (nr_handlers == MAX_HANDLERS)
		return -ENOSPC;
	handlers[nr_handlers++] = h;
	return 0;
}

const struct scst_dev_handler *scst_find_dev_handler(const char *name)
{
	for (unsigned i = 0; i < nr_handlers; i++)
		if (!strcmp(handlers[i]->name, name))
			return handlers[i];
	return NULL;
}

const struct scst_dev_handler *scst_dev_handler_at(unsigned i)
{
	return i < nr_handlers ? handlers[i] : NULL;
}

int scst_register_target_template(const struct scst_tgt_template *t)
{
	if (scst_find_target_template(t->name))
		return 0;
	if (nr_templates == MAX_TEMPLATES)
		return -ENOSPC;
	templates[nr_templates++] = t;
	return 0;
}

const struct scst_tgt_template *scst_find_target_template(const char *name)
{
	for (unsigned i = 0; i < nr_templates; i++)
		if (!strcmp(templates[i]->name, name))
			return templates[i];
	return NULL;
}

/* ---- devices ---- */

struct scst_device *scst_device_find(const char *name)
{
	for (struct scst_device *d = devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

struct scst_device *scst_device_first(void)
{
	return devices;
}

static bool valid_name(const char *name, size_t max)
{
	size_t len = strlen(name);

	if (!len || len >= max)
		return false;
	for (const char *p = name; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == '"' || *p == '{' || *p == '}' || *p == ';')
			return false;
	return true;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

/* FNV-1a: stable identifiers derived from a device name. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Attributes every device takes; set_at_runtime tells which may change later. */
static const struct {
	const char *name;
	bool runtime;
} common_attrs[] = {
	{ "filename", false }, { "size", false }, { "blocksize", false },
	{ "read_only", false }, { "write_through", false }, { "nv_cache", false },
	{ "t10_dev_id", true }, { "usn", true }, { "rotational", true },
	{ "thin_provisioned", false }, { "removable", false }, { "o_direct", false },
	{ "t10_vendor_id", true }, { "prod_id", true }, { "prod_rev_lvl", true },
};

static bool known_attr(const struct scst_dev_handler *h, const char *name)
{
	for (unsigned i = 0; i < SCST_ARRAY_SIZE(common_attrs); i++)
		if (!strcmp(common_attrs[i].name, name))
			return true;
	for (const char *const *a = h->attrs; a && *a; a++)
		if (!strcmp(*a, name))
			return true;
	return false;
}

static void copy_id(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src);
}

/* Apply one attribute to a device being created or changed. */
static int device_apply_attr(struct scst_device *d, const char *k, const char *v, char *err,
			     size_t errlen)
{
	uint64_t n;
	bool b;

	if (!strcmp(k, "filename")) {
		if (strlen(v) >= sizeof(d->filename))
			return fail(err, errlen, -EINVAL, "filename too long");
		copy_id(d->filename, sizeof(d->filename), v);
	} else if (!strcmp(k, "size")) {
		if (parse_u64(v, &n))
			return fail(err, errlen, -EINVAL, "size: not a number: %s", v);
		d->size = n;
	} else if (!strcmp(k, "blocksize")) {
		if (parse_u64(v, &n) || (n != 512 && n != 4096))
			return fail(err, errlen, -EINVAL, "blocksize must be 512 or 4096");
		d->block_size = (uint32_t)n;
	} else if (!strcmp(k, "t10_dev_id")) {
		if (strlen(v) > 16)
			return fail(err, errlen, -EINVAL, "t10_dev_id is at most 16 characters");
		copy_id(d->t10_dev_id, sizeof(d->t10_dev_id), v);
	} else if (!strcmp(k, "usn")) {
		if (strlen(v) > 20)
			return fail(err, errlen, -EINVAL, "usn is at most 20 characters");
		copy_id(d->usn, sizeof(d->usn), v);
	} else if (!strcmp(k, "t10_vendor_id")) {
		if (strlen(v) > 8)
			return fail(err, errlen, -EINVAL, "t10_vendor_id is at most 8 characters");
		copy_id(d->t10_vendor_id, sizeof(d->t10_vendor_id), v);
	} else if (!strcmp(k, "prod_id")) {
		if (strlen(v) > 16)
			return fail(err, errlen, -EINVAL, "prod_id is at most 16 characters");
		copy_id(d->prod_id, sizeof(d->prod_id), v);
	} else if (!strcmp(k, "prod_rev_lvl")) {
		if (strlen(v) > 4)
			return fail(err, errlen, -EINVAL, "prod_rev_lvl is at most 4 characters");
		copy_id(d->prod_rev, sizeof(d->prod_rev), v);
	} else {
		if (parse_bool(v, &b))
			return fail(err, errlen, -EINVAL, "%s must be 0 or 1", k);
		if (!strcmp(k, "read_only"))
			d->read_only = b;
		else if (!strcmp(k, "write_through"))
			d->write_through = b;
		else if (!strcmp(k, "nv_cache"))
			d->nv_cache = b;
		else if (!strcmp(k, "rotational"))
			d->rotational = b;
		else if (!strcmp(k, "thin_provisioned"))
			d->thin_provisioned = b;
		else if (!strcmp(k, "removable"))
			d->removable = b;
		else if (!strcmp(k, "o_direct"))
			d->o_direct = b;
		else
			return fail(err, errlen, -EINVAL, "unknown attribute %s", k);
	}
	return 0;
}

/* Split "k=v;k=v" (SCST add_device syntax) and apply each pair. */
static int device_apply_attrs(struct scst_device *d, const char *attrs, char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok;
	int ret = 0;

	if (!attrs || !*attrs)
		return 0;
	copy = strdup(attrs);
	if (!copy)
		return fail(err, errlen, -ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *eq, *k = tok, *v;

		while (*k == ' ' || *k == '\t')
			k++;
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			ret = fail(err, errlen, -EINVAL, "attribute without '=': %s", k);
			break;
		}
		*eq = 0;
		v = eq + 1;
		for (char *e = eq - 1; e >= k && (*e == ' ' || *e == '\t'); e--)
			*e = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = 0;
		if (!known_attr(d->handler, k)) {
			ret = fail(err, errlen, -EINVAL, "unknown attribute %s for handler %s", k,
				   d->handler->name);
			break;
		}
		ret = device_apply_attr(d, k, v, err, errlen);
		if (ret)
			break;
	}
	free(copy);
	return ret;
}

int scst_device_add(const char *handler, const char *name, const char *attrs, char *err,
		    size_t errlen)
{
	const struct scst_dev_handler *h = scst_find_dev_handler(handler);
	struct scst_device *d;
	uint64_t hash;
	int ret;

	if (!h)
		return fail(err, errlen, -ENOENT, "unknown handler %s", handler);
	if (!valid_name(name, sizeof(d->name)))
		return fail(err, errlen, -EINVAL, "invalid device name '%s'", name);
	pthread_mutex_lock(&scst_mgmt_lock);
	if (scst_device_find(name)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -EEXIST, "device %s already exists", name);
	}
	pthread_mutex_unlock(&scst_mgmt_lock);

	d = calloc(1, sizeof(*d));
	if (!d)
		return fail(err, errlen, -ENOMEM, "out of memory");
	copy_id(d->name, sizeof(d->name), name);
	d->handler = h;
	d->type = h->type;
	d->block_size = 512;
	d->rotational = true;
	hash = name_hash(name);
	copy_id(d->t10_dev_id, sizeof(d->t10_dev_id), name);
	snprintf(d->usn, sizeof(d->usn), "%08" PRIx32, (uint32_t)(hash >> 32));
	copy_id(d->t10_vendor_id, sizeof(d->t10_vendor_id), "SCST");
	copy_id(d->prod_id, sizeof(d->prod_id), h->type == SCST_TYPE_ROM ? "vcdrom" : "vdisk");
	copy_id(d->prod_rev, sizeof(d->prod_rev), "0.1");
	/* NAA 5 (IEEE Registered, SPC-4 7.8.6.6.4) with OUI 0 and 36 bits of the name hash. */
	d->naa_id = 0x5ull << 60 | (hash & 0xfffffffffull);
	ret = device_apply_attrs(d, attrs, err, errlen);
	if (ret) {
		free(d);
		return ret;
	}
	d->block_shift = d->block_size == 4096 ? 12 : 9;
	d->wce = !d->write_through;
	d->tas = true;
	pthread_mutex_init(&d->lock, NULL);
	ret = h->attach(d, err, errlen);
	if (ret) {
		pthread_mutex_destroy(&d->lock);
		free(d);
		return ret;
	}
	d->nblocks = d->size >> d->block_shift;
	pthread_mutex_lock(&scst_mgmt_lock);
	if (scst_device_find(name)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		h->detach(d);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return fail(err, errlen, -EEXIST, "device %s already exists", name);
	}
	d->next = devices;
	devices = d;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_device_del(const char *name, char *err, size_t errlen)
{
	struct scst_device **pp, *d;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (pp = &devices; (d = *pp); pp = &d->next)
		if (!strcmp(d->name, name))
			break;
	if (!d) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOENT, "no device %s", name);
	}
	if (d->export_count || atomic_load(&d->refcount)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -EBUSY, "device %s is in use by %u LUN(s); remove them first",
			    name, d->export_count);
	}
	*pp = d->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	d->handler->detach(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return 0;
}

int scst_device_get_attr(struct scst_device *d, const char *attr, char *buf, size_t len)
{
	if (!strcmp(attr, "handler"))
		snprintf(buf, len, "%s", d->handler->name);
	else if (!strcmp(attr, "filename"))
		snprintf(buf, len, "%s", d->filename);
	else if (!strcmp(attr, "size"))
		snprintf(buf, len, "%" PRIu64, d->size);
	else if (!strcmp(attr, "blocksize"))
		snprintf(buf, len, "%u", d->block_size);
	else if (!strcmp(attr, "read_only"))
		snprintf(buf, len, "%d", d->read_only);
	else if (!strcmp(attr, "write_through"))
		snprintf(buf, len, "%d", d->write_through);
	else if (!strcmp(attr, "nv_cache"))
		snprintf(buf, len, "%d", d->nv_cache);
	else if (!strcmp(attr, "t10_dev_id"))
		snprintf(buf, len, "%s", d->t10_dev_id);
	else if (!strcmp(attr, "usn"))
		snprintf(buf, len, "%s", d->usn);
	else if (!strcmp(attr, "rotational"))
		snprintf(buf, len, "%d", d->rotational);
	else if (!strcmp(attr, "thin_provisioned"))
		snprintf(buf, len, "%d", d->thin_provisioned);
	else if (!strcmp(attr, "removable"))
		snprintf(buf, len, "%d", d->removable);
	else if (!strcmp(attr, "o_direct"))
		snprintf(buf, len, "%d", d->o_direct);
	else if (!strcmp(attr, "t10_vendor_id"))
		snprintf(buf, len, "%s", d->t10_vendor_id);
	else if (!strcmp(attr, "prod_id"))
		snprintf(buf, len, "%s", d->prod_id);
	else if (!strcmp(attr, "prod_rev_lvl"))
		snprintf(buf, len, "%s", d->prod_rev);
	else if (!strcmp(attr, "syncs"))
		snprintf(buf, len, "%" PRIuFAST64, atomic_load(&d->stats.syncs));
	else
		return -ENOENT;
	return 0;
}

int scst_device_set_attr(struct scst_device *d, const char *attr, const char *value, char *err,
			 size_t errlen)
{
	for (unsigned i = 0; i < SCST_ARRAY_SIZE(common_attrs); i++) {
		if (strcmp(common_attrs[i].name, attr))
			continue;
		if (!common_attrs[i].runtime)
			return fail(err, errlen, -EPERM,
				    "%s cannot change while the device exists; re-create it", attr);
		pthread_mutex_lock(&d->lock);
		int ret = device_apply_attr(d, attr, value, err, errlen);
		pthread_mutex_unlock(&d->lock);
		if (!ret && (!strcmp(attr, "t10_dev_id") || !strcmp(attr, "usn") ||
			     !strcmp(attr, "t10_vendor_id") || !strcmp(attr, "prod_id") ||
			     !strcmp(attr, "prod_rev_lvl")))
			scst_ua_queue_device(d, SCST_SENSE_UA_INQUIRY_DATA_CHANGED, NULL);
		return ret;
	}
	return fail(err, errlen, -ENOENT, "no attribute %s", attr);
}

void scst_device_capacity_changed(struct scst_device *dev)
{
	scst_ua_queue_device(dev, SCST_SENSE_UA_CAPACITY_DATA_CHANGED, NULL);
}

/* ---- targets ---- */

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

static struct scst_lun_table *empty_table(void)
{
	struct scst_lun_table *t = calloc(1, sizeof(*t));

	if (t)
		atomic_init(&t->refcount, 1);
	return t;
}

int scst_target_add(const char *driver, const char *name, char *err, size_t errlen)
{
	const struct scst_tgt_template *tmpl = scst_find_target_template(driver);
	struct scst_target *t;

	if (!tmpl)
		return fail(err, errlen, -ENOENT, "unknown target driver %s", driver);
	if (!valid_name(name, SCST_MAX_NAME))
		return fail(err, errlen, -EINVAL, "invalid target name '%s'", name);
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail(err, errlen, -ENOMEM, "out of memory");
	t->dflt.luns = empty_table();
	if (!t->dflt.luns) {
		free(t);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	copy_id(t->name, sizeof(t->name), name);
	t->tmpl = tmpl;
	t->dflt.tgt = t;
	pthread_mutex_lock(&scst_mgmt_lock);
	if (target_find_locked(NULL, name)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		scst_lun_table_put(t->dflt.luns);
		free(t);
		return fail(err, errlen, -EEXIST, "target %s already exists", name);
	}
	t->rel_tgt_id = next_rel_id();
	t->next = targets;
	targets = t;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

static void free_patterns(struct scst_pattern *p)
{
	while (p) {
		struct scst_pattern *n = p->next;

		free(p->pattern);
		free(p);
		p = n;
	}
}

static void drop_luns(struct scst_lun_table *tbl)
{
	for (unsigned i = 0; i < tbl->count; i++)
		tbl->entries[i].dev->export_count--;
}

static void free_acg(struct scst_acg *g)
{
	drop_luns(g->luns);
	scst_lun_table_put(g->luns);
	free_patterns(g->initiators);
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
		return fail(err, errlen, -ENOENT, "no target %s", name);
	}
	if (t->sessions) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -EBUSY, "target %s has sessions; disable it first", name);
	}
	*pp = t->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	free_acg(&t->dflt);
	while (t->groups) {
		struct scst_acg *g = t->groups;

		t->groups = g->next;
		free_acg(g);
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
			return fail(err, errlen, -ENOMEM, "out of memory");
		}
		*pp = kv;
	}
	char *v = strdup(value);

	if (!v) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOMEM, "out of memory");
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

/* ---- access groups ---- */

bool scst_pattern_match(const char *p, const char *s)
{
	/* Iterative glob with one backtrack point: linear in practice, no recursion. */
	const char *star = NULL, *ss = NULL;

	while (*s) {
		if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (*p == '*') {
			star = p++;
			ss = s;
		} else if (star) {
			p = star + 1;
			s = ++ss;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

struct scst_acg *scst_acg_find(struct scst_target *tgt, const char *group)
{
	if (!group)
		return &tgt->dflt;
	for (struct scst_acg *g = tgt->groups; g; g = g->next)
		if (!strcmp(g->name, group))
			return g;
	return NULL;
}

struct scst_acg *scst_acg_for_initiator(struct scst_target *tgt, const char *initiator)
{
	/* First matching group in order of creation, else the default table (SCST). */
	for (struct scst_acg *g = tgt->groups; g; g = g->next)
		for (struct scst_pattern *p = g->initiators; p; p = p->next)
			if (scst_pattern_match(p->pattern, initiator))
				return g;
	return &tgt->dflt;
}

bool scst_target_initiator_allowed(struct scst_target *tgt, const char *initiator)
{
	bool ok;

	pthread_mutex_lock(&scst_mgmt_lock);
	ok = tgt->enabled && scst_acg_for_initiator(tgt, initiator)->luns->count > 0;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ok;
}

int scst_group_add(struct scst_target *tgt, const char *group, char *err, size_t errlen)
{
	struct scst_acg *g, **pp;

	if (!valid_name(group, sizeof(g->name)))
		return fail(err, errlen, -EINVAL, "invalid group name '%s'", group);
	g = calloc(1, sizeof(*g));
	if (!g || !(g->luns = empty_table())) {
		free(g);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	copy_id(g->name, sizeof(g->name), group);
	g->tgt = tgt;
	pthread_mutex_lock(&scst_mgmt_lock);
	if (scst_acg_find(tgt, group)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		scst_lun_table_put(g->luns);
		free(g);
		return fail(err, errlen, -EEXIST, "group %s already exists", group);
	}
	for (pp = &tgt->groups; *pp; pp = &(*pp)->next)
		;
	*pp = g;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_group_del(struct scst_target *tgt, const char *group, char *err, size_t errlen)
{
	struct scst_acg **pp, *g;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (pp = &tgt->groups; (g = *pp); pp = &g->next)
		if (!strcmp(g->name, group))
			break;
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOENT, "no group %s", group);
	}
	for (struct scst_session *s = tgt->sessions; s; s = s->next) {
		if (s->acg == g) {
			pthread_mutex_unlock(&scst_mgmt_lock);
			return fail(err, errlen, -EBUSY, "group %s has sessions", group);
		}
	}
	*pp = g->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	free_acg(g);
	free(g);
	return 0;
}

int scst_group_add_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen)
{
	struct scst_acg *g;
	struct scst_pattern *p, **pp;

	if (!*pattern || strlen(pattern) >= SCST_MAX_NAME)
		return fail(err, errlen, -EINVAL, "invalid initiator pattern");
	p = calloc(1, sizeof(*p));
	if (!p || !(p->pattern = strdup(pattern))) {
		free(p);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&scst_mgmt_lock);
	g = group ? scst_acg_find(tgt, group) : NULL;
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		free(p->pattern);
		free(p);
		return fail(err, errlen, -ENOENT, "no group %s", group ? group : "(null)");
	}
	for (pp = &g->initiators; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->pattern, pattern)) {
			pthread_mutex_unlock(&scst_mgmt_lock);
			free(p->pattern);
			free(p);
			return fail(err, errlen, -EEXIST, "initiator %s already in group %s",
				    pattern, group);
		}
	}
	*pp = p;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_group_del_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen)
{
	struct scst_acg *g;
	struct scst_pattern *p, **pp;

	pthread_mutex_lock(&scst_mgmt_lock);
	g = group ? scst_acg_find(tgt, group) : NULL;
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOENT, "no group %s", group ? group : "(null)");
	}
	for (pp = &g->initiators; (p = *pp); pp = &p->next)
		if (!strcmp(p->pattern, pattern))
			break;
	if (!p) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOENT, "no initiator %s in group %s", pattern, group);
	}
	*pp = p->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	free(p->pattern);
	free(p);
	return 0;
}

/* ---- LUN tables ---- */

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
		return fail(err, errlen, -EINVAL, "LUN %" PRIu64 " out of range 0..%u", lun,
			    SCST_MAX_LUN - 1);
	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	e.dev = scst_device_find(device);
	if (!g || !e.dev || scst_lun_table_find(g->luns, lun)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		if (!g)
			return fail(err, errlen, -ENOENT, "no group %s", group);
		if (!e.dev)
			return fail(err, errlen, -ENOENT, "no device %s", device);
		return fail(err, errlen, -EEXIST, "LUN %" PRIu64 " already exists", lun);
	}
	t = table_rebuild(g->luns, &e, -1);
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOMEM, "out of memory");
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
			return fail(err, errlen, -ENOENT, "no group %s", group);
		return fail(err, errlen, -ENOENT, "no LUN %" PRIu64, lun);
	}
	t = table_rebuild(g->luns, NULL, (int64_t)lun);
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOMEM, "out of memory");
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
		return fail(err, errlen, -ENOENT, "no group %s", group);
	}
	t = empty_table();
	if (!t) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	drop_luns(g->luns);
	table_publish(g, t);
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}
