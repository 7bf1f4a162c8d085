/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices: creation from handler and attributes, attributes, removal.
 * Management thread, under scst_mgmt_lock for the list.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

static struct scst_device *devices;

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
	{ "lb_per_pb_exp", false },
};

#define LB_PER_PB_EXP_DEFAULT 0xff /* worked out from the block size */

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

/* Apply one attribute to a device being created or changed. */
static int device_apply_attr(struct scst_device *d, const char *k, const char *v, char *err,
			     size_t errlen)
{
	uint64_t n;
	bool b;

	if (!strcmp(k, "filename")) {
		char *f;

		if (strlen(v) >= PATH_MAX)
			return scst_errf(err, errlen, -EINVAL,
					 "filename too long (at most %d bytes)", PATH_MAX - 1);
		/* Allocated: a path is rarely long, and 4096 devices must stay small. */
		f = strdup(v);
		if (!f)
			return scst_errf(err, errlen, -ENOMEM, "out of memory");
		free(d->filename);
		d->filename = f;
	} else if (!strcmp(k, "size")) {
		if (parse_u64(v, &n))
			return scst_errf(err, errlen, -EINVAL, "size: not a number: %s", v);
		d->size = n;
	} else if (!strcmp(k, "blocksize")) {
		if (parse_u64(v, &n) || (n != 512 && n != 4096))
			return scst_errf(err, errlen, -EINVAL, "blocksize must be 512 or 4096");
		d->block_size = (uint32_t)n;
	} else if (!strcmp(k, "lb_per_pb_exp")) {
		if (parse_u64(v, &n) || n > 7)
			return scst_errf(err, errlen, -EINVAL, "lb_per_pb_exp must be 0 to 7");
		d->lb_per_pb_exp = (uint8_t)n;
	} else if (!strcmp(k, "delay_ms")) {
		if (parse_u64(v, &n) || n > 60000)
			return scst_errf(err, errlen, -EINVAL, "delay_ms must be 0 to 60000");
		d->delay_ms = (uint32_t)n;
	} else if (!strcmp(k, "t10_dev_id")) {
		if (strlen(v) > 16)
			return scst_errf(err, errlen, -EINVAL, "t10_dev_id is at most 16 characters");
		scst_copy_str(d->t10_dev_id, sizeof(d->t10_dev_id), v);
	} else if (!strcmp(k, "usn")) {
		if (strlen(v) > 20)
			return scst_errf(err, errlen, -EINVAL, "usn is at most 20 characters");
		scst_copy_str(d->usn, sizeof(d->usn), v);
	} else if (!strcmp(k, "t10_vendor_id")) {
		if (strlen(v) > 8)
			return scst_errf(err, errlen, -EINVAL, "t10_vendor_id is at most 8 characters");
		scst_copy_str(d->t10_vendor_id, sizeof(d->t10_vendor_id), v);
	} else if (!strcmp(k, "prod_id")) {
		if (strlen(v) > 16)
			return scst_errf(err, errlen, -EINVAL, "prod_id is at most 16 characters");
		scst_copy_str(d->prod_id, sizeof(d->prod_id), v);
	} else if (!strcmp(k, "prod_rev_lvl")) {
		if (strlen(v) > 4)
			return scst_errf(err, errlen, -EINVAL, "prod_rev_lvl is at most 4 characters");
		scst_copy_str(d->prod_rev, sizeof(d->prod_rev), v);
	} else {
		if (parse_bool(v, &b))
			return scst_errf(err, errlen, -EINVAL, "%s must be 0 or 1", k);
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
			return scst_errf(err, errlen, -EINVAL, "unknown attribute %s", k);
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
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *eq, *k = tok, *v;

		while (*k == ' ' || *k == '\t')
			k++;
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			ret = scst_errf(err, errlen, -EINVAL, "attribute without '=': %s", k);
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
			ret = scst_errf(err, errlen, -EINVAL, "unknown attribute %s for handler %s", k,
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

/* Free a device that is not (or no longer) in the registry and not attached. */
static void device_free(struct scst_device *d)
{
	free(d->filename);
	free(d);
}

int scst_device_add(const char *handler, const char *name, const char *attrs, char *err,
		    size_t errlen)
{
	const struct scst_dev_handler *h = scst_find_dev_handler(handler);
	struct scst_device *d;
	uint64_t hash;
	int ret;

	if (!h)
		return scst_errf(err, errlen, -ENOENT, "unknown handler %s", handler);
	if (!scst_name_valid(name, sizeof(d->name)))
		return scst_errf(err, errlen, -EINVAL, "invalid device name '%s'", name);
	pthread_mutex_lock(&scst_mgmt_lock);
	if (scst_device_find(name)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -EEXIST, "device %s already exists", name);
	}
	pthread_mutex_unlock(&scst_mgmt_lock);

	d = calloc(1, sizeof(*d));
	if (!d)
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	scst_copy_str(d->name, sizeof(d->name), name);
	d->handler = h;
	d->type = h->type;
	d->block_size = 512;
	d->lb_per_pb_exp = LB_PER_PB_EXP_DEFAULT;
	d->rotational = true;
	hash = name_hash(name);
	scst_copy_str(d->t10_dev_id, sizeof(d->t10_dev_id), name);
	snprintf(d->usn, sizeof(d->usn), "%08" PRIx32, (uint32_t)(hash >> 32));
	scst_copy_str(d->t10_vendor_id, sizeof(d->t10_vendor_id), "SCST");
	scst_copy_str(d->prod_id, sizeof(d->prod_id), h->type == SCST_TYPE_ROM ? "vcdrom" : "vdisk");
	scst_copy_str(d->prod_rev, sizeof(d->prod_rev), "0.1");
	/* NAA 5 (IEEE Registered, SPC-4 7.8.6.6.4) with OUI 0 and 36 bits of the name hash. */
	d->naa_id = 0x5ull << 60 | (hash & 0xfffffffffull);
	ret = device_apply_attrs(d, attrs, err, errlen);
	if (ret) {
		device_free(d);
		return ret;
	}
	d->block_shift = d->block_size == 4096 ? 12 : 9;
	/* 512-byte blocks sit on 4 KiB pages and file system blocks: 8 to a physical
	 * block tells initiators to align to 4 KiB (SBC-3 5.16.2). */
	if (d->lb_per_pb_exp == LB_PER_PB_EXP_DEFAULT)
		d->lb_per_pb_exp = d->block_size == 512 ? 3 : 0;
	d->wce = !d->write_through;
	d->tas = true;
	pthread_mutex_init(&d->lock, NULL);
	/* Generation 1: a new nexus (generation 0) works out its ALUA state once. */
	atomic_init(&d->alua_gen, 1);
	ret = h->attach(d, err, errlen);
	if (ret) {
		pthread_mutex_destroy(&d->lock);
		device_free(d);
		return ret;
	}
	d->nblocks = d->size >> d->block_shift;
	scst_pr_dev_init(d);
	pthread_mutex_lock(&scst_mgmt_lock);
	if (scst_device_find(name)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		h->detach(d);
		scst_pr_dev_free(d);
		pthread_mutex_destroy(&d->lock);
		device_free(d);
		return scst_errf(err, errlen, -EEXIST, "device %s already exists", name);
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
		return scst_errf(err, errlen, -ENOENT, "no device %s", name);
	}
	if (d->export_count || atomic_load(&d->refcount)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -EBUSY, "device %s is in use by %u LUN(s); remove them first",
			    name, d->export_count);
	}
	*pp = d->next;
	scst_alua_device_gone(d);
	pthread_mutex_unlock(&scst_mgmt_lock);
	d->handler->detach(d);
	scst_pr_dev_free(d);
	pthread_mutex_destroy(&d->lock);
	device_free(d);
	return 0;
}

int scst_device_get_attr(struct scst_device *d, const char *attr, char *buf, size_t len)
{
	if (!strcmp(attr, "handler"))
		snprintf(buf, len, "%s", d->handler->name);
	else if (!strcmp(attr, "filename"))
		snprintf(buf, len, "%s", d->filename ? d->filename : "");
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
	else if (!strcmp(attr, "lb_per_pb_exp"))
		snprintf(buf, len, "%u", d->lb_per_pb_exp);
	else if (!strcmp(attr, "delay_ms"))
		snprintf(buf, len, "%" PRIu32, d->delay_ms);
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
			return scst_errf(err, errlen, -EPERM,
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
	return scst_errf(err, errlen, -ENOENT, "no attribute %s", attr);
}

void scst_device_capacity_changed(struct scst_device *dev)
{
	scst_ua_queue_device(dev, SCST_SENSE_UA_CAPACITY_DATA_CHANGED, NULL);
}
