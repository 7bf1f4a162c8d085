/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing scst.conf: the running state becomes a tree (scst_conf_from_running),
 * the tree becomes text (scst_conf_write). The snapshot is taken under
 * scst_mgmt_lock and written after it is released, so a slow output stream
 * never holds up logins; a later `scstadm apply` diffs such a tree against a
 * parsed file.
 *
 * Only device attributes that differ from what scst_device_add() would
 * choose by itself are written, so a saved file stays short and a reload
 * reproduces the state. Target attributes are all written: rel_tgt_id is
 * assigned by the order of creation otherwise, and enabled is the point.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "core_priv.h"

/* ---- tree builders ---- */

static struct scst_conf_attr *attr_add(struct scst_conf *c, struct scst_conf_attr **list,
				       const char *key, const char *value)
{
	struct scst_conf_attr *a = scst_conf_alloc(c, sizeof(*a)), **tail;

	if (!a)
		return NULL;
	a->pos.file = c->file;
	a->key = scst_conf_strdup(c, key, (size_t)-1);
	a->value = scst_conf_strdup(c, value, (size_t)-1);
	if (!a->key || !a->value)
		return NULL;
	for (tail = list; *tail; tail = &(*tail)->next)
		;
	*tail = a;
	return a;
}

/* The core derives the default unit serial number from the name (FNV-1a, registry.c). */
static void default_usn(const char *name, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *s = name; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	snprintf(buf, len, "%08" PRIx32, (uint32_t)(h >> 32));
}

/*
 * The default of a device attribute, as scst_device_add() sets it before the
 * file's values; NULL: always write it when set. Should the core's defaults
 * drift, the attribute is merely written explicitly, which still reloads right.
 */
static const char *attr_default(const struct scst_device *d, const char *name, char *buf,
				size_t len)
{
	static const struct {
		const char *name, *dflt;
	} fixed[] = {
		{ "blocksize", "512" },	   { "read_only", "0" },	{ "write_through", "0" },
		{ "nv_cache", "0" },	   { "rotational", "1" },	{ "thin_provisioned", "0" },
		{ "removable", "0" },	   { "o_direct", "0" },		{ "t10_vendor_id", "SCST" },
		{ "prod_rev_lvl", "0.1" }, { "filename", "" },	{ "delay_ms", "0" },
	};

	for (size_t i = 0; i < SCST_ARRAY_SIZE(fixed); i++)
		if (!strcmp(fixed[i].name, name))
			return fixed[i].dflt;
	if (!strcmp(name, "t10_dev_id"))
		return d->name;
	if (!strcmp(name, "lb_per_pb_exp"))
		return d->block_size == 512 ? "3" : "0";
	if (!strcmp(name, "usn")) {
		default_usn(d->name, buf, len);
		return buf;
	}
	if (!strcmp(name, "prod_id"))
		return d->type == SCST_TYPE_ROM ? "vcdrom" : "vdisk";
	return NULL;
}

/* Common device attributes in the order a saved file lists them. */
static const char *const dev_attr_names[] = {
	"filename",	 "size",	 "blocksize",	"read_only",	  "write_through",
	"nv_cache",	 "o_direct",	 "rotational",	"thin_provisioned", "removable",
	"t10_dev_id",	 "usn",		 "t10_vendor_id", "prod_id",	  "prod_rev_lvl",
};

/*
 * A file-backed device takes its size from the file unless it exports only a
 * prefix of it; writing the size otherwise would pin it across a resize of the
 * file. Devices without a file (nullio) always need it.
 */
static bool size_needed(const struct scst_device *d)
{
	struct stat st;

	if (!d->filename || !d->filename[0])
		return d->size != 0;
	if (stat(d->filename, &st) || !S_ISREG(st.st_mode))
		return false;
	return d->size < ((uint64_t)st.st_size >> d->block_shift << d->block_shift);
}

static int snap_device(struct scst_conf *c, struct scst_conf_handler *ch, struct scst_device *d)
{
	struct scst_conf_device *cd = scst_conf_alloc(c, sizeof(*cd));
	char val[4096], dflt[32];

	if (!cd || !(cd->name = scst_conf_strdup(c, d->name, (size_t)-1)))
		return -ENOMEM;
	cd->pos.file = c->file;
	for (size_t i = 0; i < SCST_ARRAY_SIZE(dev_attr_names); i++) {
		const char *name = dev_attr_names[i], *def;

		if (scst_device_get_attr(d, name, val, sizeof(val)))
			continue;
		if (!strcmp(name, "size")) {
			if (!size_needed(d))
				continue;
		} else {
			def = attr_default(d, name, dflt, sizeof(dflt));
			if (def && !strcmp(def, val))
				continue;
		}
		if (!attr_add(c, &cd->attrs, name, val))
			return -ENOMEM;
	}
	/* Handler-specific attributes the core can report, unless at their default. */
	for (const char *const *ha = d->handler->attrs; ha && *ha; ha++) {
		const char *def = attr_default(d, *ha, dflt, sizeof(dflt));

		if (scst_device_get_attr(d, *ha, val, sizeof(val)) || !val[0] ||
		    (def && !strcmp(def, val)))
			continue;
		if (!attr_add(c, &cd->attrs, *ha, val))
			return -ENOMEM;
	}
	SCST_CONF_APPEND(ch->devices, cd);
	return 0;
}

static int snap_devices(struct scst_conf *c)
{
	struct scst_device **all;
	unsigned n = 0, i;
	int ret = 0;

	for (struct scst_device *d = scst_device_first(); d; d = d->next)
		n++;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	/* The registry lists the newest first; a file lists them in order of creation. */
	i = n;
	for (struct scst_device *d = scst_device_first(); d; d = d->next)
		all[--i] = d;
	for (unsigned hi = 0; !ret && scst_dev_handler_at(hi); hi++) {
		const struct scst_dev_handler *h = scst_dev_handler_at(hi);
		struct scst_conf_handler *ch = NULL;

		for (i = 0; !ret && i < n; i++) {
			if (all[i]->handler != h)
				continue;
			if (!ch) {
				ch = scst_conf_alloc(c, sizeof(*ch));
				if (!ch || !(ch->name = scst_conf_strdup(c, h->name, (size_t)-1))) {
					ret = -ENOMEM;
					break;
				}
				ch->pos.file = c->file;
				SCST_CONF_APPEND(c->handlers, ch);
			}
			ret = snap_device(c, ch, all[i]);
		}
	}
	free(all);
	return ret;
}

static int snap_luns(struct scst_conf *c, struct scst_conf_lun **list,
		     const struct scst_lun_table *t)
{
	for (unsigned i = 0; t && i < t->count; i++) {
		struct scst_conf_lun *l = scst_conf_alloc(c, sizeof(*l));

		if (!l || !(l->device = scst_conf_strdup(c, t->entries[i].dev->name, (size_t)-1)))
			return -ENOMEM;
		l->pos.file = c->file;
		l->lun = t->entries[i].lun;
		if (t->entries[i].read_only && !attr_add(c, &l->attrs, "read_only", "1"))
			return -ENOMEM;
		SCST_CONF_APPEND(*list, l);
	}
	return 0;
}

/* IncomingUser1, IncomingUser2, ... are further CHAP accounts (see conf_load.c). */
static const char *conf_key(const char *core_name)
{
	const char *p = core_name + strlen("IncomingUser");

	if (strncmp(core_name, "IncomingUser", strlen("IncomingUser")) || !*p)
		return core_name;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return core_name;
	return "IncomingUser";
}

static int snap_target(struct scst_conf *c, struct scst_conf_driver *cd, struct scst_target *t)
{
	struct scst_conf_target *ct = scst_conf_alloc(c, sizeof(*ct));
	char num[16];

	if (!ct || !(ct->name = scst_conf_strdup(c, t->name, (size_t)-1)))
		return -ENOMEM;
	ct->pos.file = c->file;
	snprintf(num, sizeof(num), "%u", t->rel_tgt_id);
	if (!attr_add(c, &ct->attrs, "rel_tgt_id", num))
		return -ENOMEM;
	for (const struct scst_attr_kv *kv = t->attrs; kv; kv = kv->next)
		if (!attr_add(c, &ct->attrs, conf_key(kv->name), kv->value))
			return -ENOMEM;
	if (!attr_add(c, &ct->attrs, "enabled", t->enabled ? "1" : "0"))
		return -ENOMEM;
	if (snap_luns(c, &ct->luns, t->dflt.luns))
		return -ENOMEM;
	for (const struct scst_acg *g = t->groups; g; g = g->next) {
		struct scst_conf_group *cg = scst_conf_alloc(c, sizeof(*cg));

		if (!cg || !(cg->name = scst_conf_strdup(c, g->name, (size_t)-1)))
			return -ENOMEM;
		cg->pos.file = c->file;
		for (const struct scst_pattern *p = g->initiators; p; p = p->next) {
			struct scst_conf_initiator *i = scst_conf_alloc(c, sizeof(*i));

			if (!i || !(i->pattern = scst_conf_strdup(c, p->pattern, (size_t)-1)))
				return -ENOMEM;
			i->pos.file = c->file;
			SCST_CONF_APPEND(cg->initiators, i);
		}
		if (snap_luns(c, &cg->luns, g->luns))
			return -ENOMEM;
		SCST_CONF_APPEND(ct->groups, cg);
	}
	SCST_CONF_APPEND(cd->targets, ct);
	return 0;
}

static int snap_targets(struct scst_conf *c)
{
	struct scst_target **all;
	unsigned n = 0, i;
	int ret = 0;

	for (struct scst_target *t = scst_target_first(); t; t = t->next)
		n++;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	/* Newest first in the registry; oldest first in the file. */
	i = n;
	for (struct scst_target *t = scst_target_first(); t; t = t->next)
		all[--i] = t;
	for (i = 0; !ret && i < n; i++) {
		const char *drv = all[i]->tmpl->name;
		struct scst_conf_driver *cd;

		cd = (struct scst_conf_driver *)scst_conf_driver_find(c, drv);

		if (!cd) {
			cd = scst_conf_alloc(c, sizeof(*cd));
			if (!cd || !(cd->name = scst_conf_strdup(c, drv, (size_t)-1))) {
				ret = -ENOMEM;
				break;
			}
			cd->pos.file = c->file;
			SCST_CONF_APPEND(c->drivers, cd);
			/* A driver switched off as a whole (targets/<driver>/enabled 0). */
			if (!scst_driver_enabled_locked(all[i]->tmpl) &&
			    !attr_add(c, &cd->attrs, "enabled", "0")) {
				ret = -ENOMEM;
				break;
			}
		}
		ret = snap_target(c, cd, all[i]);
	}
	free(all);
	return ret;
}

/* A driver switched off that has no target still gets its block, with "enabled 0". */
static int snap_disabled_drivers(struct scst_conf *c)
{
	const struct scst_tgt_template *t;

	for (unsigned i = 0; (t = scst_driver_disabled_at(i)); i++) {
		struct scst_conf_driver *cd;

		if (scst_conf_driver_find(c, t->name))
			continue;
		cd = scst_conf_alloc(c, sizeof(*cd));
		if (!cd || !(cd->name = scst_conf_strdup(c, t->name, (size_t)-1)) ||
		    !attr_add(c, &cd->attrs, "enabled", "0"))
			return -ENOMEM;
		cd->pos.file = c->file;
		SCST_CONF_APPEND(c->drivers, cd);
	}
	return 0;
}

int scst_conf_from_running(struct scst_conf **out)
{
	struct scst_conf *c = scst_conf_new("running");
	int ret;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	pthread_mutex_lock(&scst_mgmt_lock);
	ret = snap_devices(c);
	if (!ret)
		ret = snap_targets(c);
	if (!ret)
		ret = snap_disabled_drivers(c);
	if (!ret)
		ret = scst_conf_alua_snap(c);
	pthread_mutex_unlock(&scst_mgmt_lock);
	if (ret) {
		scst_conf_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

/* ---- text ---- */

void scst_conf_write_value(FILE *out, const char *v)
{
	bool quote = !*v || *v == '#';

	for (const char *p = v; *p && !quote; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '{' || *p == '}')
			quote = true;
	if (!quote) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		/* A value cannot span lines in this grammar. */
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
	}
	fputc('"', out);
}

static void indent(FILE *out, unsigned depth)
{
	while (depth--)
		fputc('\t', out);
}

static void write_attr(FILE *out, unsigned depth, const struct scst_conf_attr *a)
{
	indent(out, depth);
	/* Keys are quoted when needed too: a quoted key in a file is a plain attribute. */
	scst_conf_write_value(out, a->key);
	fputc(' ', out);
	scst_conf_write_value(out, a->value);
	fputc('\n', out);
}

/* Attributes in order, but "enabled" with skip_enabled: it goes after the block's content. */
static void write_attrs(FILE *out, unsigned depth, const struct scst_conf_attr *a,
			bool skip_enabled)
{
	for (; a; a = a->next)
		if (!skip_enabled || strcmp(a->key, "enabled"))
			write_attr(out, depth, a);
}

static void write_enabled(FILE *out, unsigned depth, const struct scst_conf_attr *list)
{
	const struct scst_conf_attr *a = scst_conf_attr_find(list, "enabled");

	if (a)
		write_attr(out, depth, a);
}

static void open_block(FILE *out, unsigned depth, const char *kw, const char *name, bool block)
{
	indent(out, depth);
	fprintf(out, "%s ", kw);
	scst_conf_write_value(out, name);
	fputs(block ? " {\n" : "\n", out);
}

static void close_block(FILE *out, unsigned depth)
{
	indent(out, depth);
	fputs("}\n", out);
}

static void write_luns(FILE *out, unsigned depth, const struct scst_conf_lun *l)
{
	for (; l; l = l->next) {
		indent(out, depth);
		fprintf(out, "LUN %" PRIu64 " ", l->lun);
		scst_conf_write_value(out, l->device);
		if (!l->attrs) {
			fputc('\n', out);
			continue;
		}
		fputs(" {\n", out);
		write_attrs(out, depth + 1, l->attrs, false);
		close_block(out, depth);
	}
}

static void write_target(FILE *out, const struct scst_conf_target *t)
{
	bool block = t->attrs || t->luns || t->groups;

	open_block(out, 1, "TARGET", t->name, block);
	if (!block)
		return;
	write_attrs(out, 2, t->attrs, true);
	write_luns(out, 2, t->luns);
	for (const struct scst_conf_group *g = t->groups; g; g = g->next) {
		bool gblock = g->attrs || g->initiators || g->luns;

		open_block(out, 2, "GROUP", g->name, gblock);
		if (!gblock)
			continue;
		write_attrs(out, 3, g->attrs, false);
		for (const struct scst_conf_initiator *i = g->initiators; i; i = i->next) {
			indent(out, 3);
			fputs("INITIATOR ", out);
			scst_conf_write_value(out, i->pattern);
			fputc('\n', out);
		}
		write_luns(out, 3, g->luns);
		close_block(out, 2);
	}
	/* Last, as the loader applies it: a target serves once its tables are complete. */
	write_enabled(out, 2, t->attrs);
	close_block(out, 1);
}

static void write_names(FILE *out, unsigned depth, const char *kw, const struct scst_conf_name *n)
{
	for (; n; n = n->next) {
		open_block(out, depth, kw, n->name, n->attrs);
		if (n->attrs) {
			write_attrs(out, depth + 1, n->attrs, false);
			close_block(out, depth);
		}
	}
}

int scst_conf_write(FILE *out, const struct scst_conf *c)
{
	if (c->attrs) {
		write_attrs(out, 0, c->attrs, false);
		fputc('\n', out);
	}
	for (const struct scst_conf_handler *h = c->handlers; h; h = h->next) {
		fprintf(out, "HANDLER ");
		scst_conf_write_value(out, h->name);
		fputs(" {\n", out);
		write_attrs(out, 1, h->attrs, false);
		for (const struct scst_conf_device *d = h->devices; d; d = d->next) {
			open_block(out, 1, "DEVICE", d->name, d->attrs);
			if (d->attrs) {
				write_attrs(out, 2, d->attrs, false);
				close_block(out, 1);
			}
		}
		fputs("}\n\n", out);
	}
	for (const struct scst_conf_driver *d = c->drivers; d; d = d->next) {
		fprintf(out, "TARGET_DRIVER ");
		scst_conf_write_value(out, d->name);
		fputs(" {\n", out);
		write_attrs(out, 1, d->attrs, true);
		for (const struct scst_conf_target *t = d->targets; t; t = t->next)
			write_target(out, t);
		write_enabled(out, 1, d->attrs);
		fputs("}\n\n", out);
	}
	for (const struct scst_conf_dev_group *g = c->dev_groups; g; g = g->next) {
		fprintf(out, "DEVICE_GROUP ");
		scst_conf_write_value(out, g->name);
		fputs(" {\n", out);
		write_attrs(out, 1, g->attrs, false);
		write_names(out, 1, "DEVICE", g->devices);
		for (const struct scst_conf_tgt_group *tg = g->tgt_groups; tg; tg = tg->next) {
			open_block(out, 1, "TARGET_GROUP", tg->name, true);
			write_attrs(out, 2, tg->attrs, false);
			write_names(out, 2, "TARGET", tg->targets);
			close_block(out, 1);
		}
		fputs("}\n\n", out);
	}
	return fflush(out) || ferror(out) ? -EIO : 0;
}

int scst_conf_save(FILE *out)
{
	struct scst_conf *c;
	int ret = scst_conf_from_running(&c);

	if (ret)
		return ret;
	fputs("# scst.conf written by scst from the running state\n\n", out);
	ret = scst_conf_write(out, c);
	scst_conf_free(c);
	return ret;
}
