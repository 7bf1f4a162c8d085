/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The management object tree (layout in tree.h, commands in PROTOCOL.md).
 *
 * A path is resolved one component at a time into a node: what kind of
 * object it is and pointers to the objects on the way (device, target, LUN
 * table owner, session). Listing and reading happen with scst_mgmt_lock held
 * for the whole walk; writing resolves under the lock, releases it and calls
 * the core's management API, which validates and takes the lock itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "core_priv.h"
#include "scst/alua.h"
#include "scst/sgv.h"
#include "scst/log.h"
#include "tree.h"

#define MAX_DEPTH 16
#define ATTR_LEN 4096

/* ---- text buffer ---- */

void scst_sbuf_add(struct scst_sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void scst_sbuf_printf(struct scst_sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		scst_sbuf_add(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);

	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	scst_sbuf_add(b, big, (size_t)n);
	free(big);
}

void scst_sbuf_free(struct scst_sbuf *b)
{
	free(b->p);
	*b = (struct scst_sbuf){ 0 };
}

/* ---- nodes ---- */

enum nkind {
	N_ROOT,
	N_HANDLERS,
	N_HANDLER,
	N_DEVICES,
	N_DEVICE,
	N_TARGETS,
	N_DRIVER,
	N_TARGET,
	N_LUNS,
	N_LUN,
	N_GROUPS,
	N_GROUP,
	N_INITS,
	N_SESSIONS,
	N_SESSION,
	N_SGV,
	N_EXPORTED, /* devices/<dev>/exported: links to the LUNs naming the device */
	N_DSTATS, /* devices/<dev>/stats: the device's I/O counters */
	N_DGS, /* device_groups: ALUA */
	N_DG,
	N_DG_DEVS, /* device_groups/<dg>/devices: links to the devices */
	N_TGS, /* device_groups/<dg>/target_groups */
	N_TG,
	N_TG_TGT, /* a target port in a target group */
	N_ATTR, /* a file: dir says of what */
	N_MGMT, /* the mgmt file of dir */
};

struct node {
	enum nkind kind;
	enum nkind dir; /* N_ATTR, N_MGMT: the directory's kind */
	const struct scst_dev_handler *h;
	struct scst_device *dev;
	const struct scst_tgt_template *drv;
	struct scst_target *tgt;
	struct scst_acg *acg; /* the LUN table's owner, or the group */
	uint64_t lun;
	struct scst_session *sess;
	struct scst_dev_group *dg;
	struct scst_target_group *tg;
	struct scst_tg_tgt *tgt_ent;
	char attr[SCST_MAX_NAME];
};

/* Drivers this build knows; the core has no way to list its templates yet. */
static const char *const known_drivers[] = { "iscsi", "local" };

static const char *const device_attrs[] = {
	"handler", "filename", "size", "blocksize", "read_only", "write_through", "nv_cache",
	"t10_dev_id", "usn", "rotational", "thin_provisioned", "removable", "o_direct",
	"t10_vendor_id", "prod_id", "prod_rev_lvl", "lb_per_pb_exp",
};

/* The I/O counters of a device (struct scst_device_stats), in the order listed. */
static const char *const dev_stat_names[] = {
	"reads", "writes", "read_bytes", "write_bytes", "syncs", "unmaps", "errors",
};

static uint64_t dev_stat(const struct scst_device *d, const char *name)
{
	const struct scst_device_stats *st = &d->stats;
	const atomic_uint_fast64_t *c = !strcmp(name, "reads")	     ? &st->reads
					: !strcmp(name, "writes")      ? &st->writes
					: !strcmp(name, "read_bytes")  ? &st->read_bytes
					: !strcmp(name, "write_bytes") ? &st->write_bytes
					: !strcmp(name, "syncs")       ? &st->syncs
					: !strcmp(name, "unmaps")      ? &st->unmaps
								       : &st->errors;

	return atomic_load_explicit(c, memory_order_relaxed);
}

static const char *const session_attrs[] = {
	"initiator_name", "commands", "bytes_read", "bytes_written", "active_commands",
};

static const char *const tg_attrs[] = { "group_id", "state", "preferred" };

static const char *const sgv_attrs[] = {
	"hits", "misses", "allocs", "frees", "purges", "bytes_held", "bytes_in_use", "cap",
};

static bool in_list(const char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i], s))
			return true;
	return false;
}

static bool is_iscsi(const struct scst_target *t)
{
	return !strcmp(t->tmpl->name, "iscsi");
}

/* A session's name in the tree: its initiator, "_N" added for the Nth duplicate. */
static void session_name(const struct scst_session *s, char *buf, size_t len)
{
	unsigned dup = 0;

	for (const struct scst_session *o = s->tgt->sessions; o && o != s; o = o->next)
		if (!strcmp(o->initiator_name, s->initiator_name))
			dup++;
	if (dup)
		snprintf(buf, len, "%s_%u", s->initiator_name, dup);
	else
		snprintf(buf, len, "%s", s->initiator_name);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* The target attributes a listing shows: the fixed ones and the driver's key-values. */
static bool target_has_attr(const struct scst_target *t, const char *name)
{
	if (!strcmp(name, "enabled") || !strcmp(name, "rel_tgt_id"))
		return true;
	if (is_iscsi(t) && (!strcmp(name, "IncomingUser") || !strcmp(name, "OutgoingUser")))
		return true;
	for (const struct scst_attr_kv *kv = t->attrs; kv; kv = kv->next)
		if (!strcmp(kv->name, name))
			return true;
	return false;
}

static int set_attr_node(struct node *c, enum nkind dir, const char *name)
{
	c->kind = N_ATTR;
	c->dir = dir;
	snprintf(c->attr, sizeof(c->attr), "%s", name);
	return 0;
}

/* ---- links (SCST's sysfs symlinks): an entry that names another path ---- */

/* Path of the LUN table of acg: the target's luns/ or a group's. */
static void luns_path(const struct scst_acg *g, char *buf, size_t len)
{
	const struct scst_target *t = g->tgt;

	if (g == &t->dflt)
		snprintf(buf, len, "targets/%s/%s/luns", t->tmpl->name, t->name);
	else
		snprintf(buf, len, "targets/%s/%s/ini_groups/%s/luns", t->tmpl->name, t->name,
			 g->name);
}

/* The idx-th LUN (over all targets and their tables) naming dev, as a tree path. */
static bool nth_export(const struct scst_device *dev, unsigned idx, char *buf, size_t len)
{
	unsigned k = 0;

	for (struct scst_target *t = scst_target_first(); t; t = t->next) {
		for (struct scst_acg *g = &t->dflt; g; g = g == &t->dflt ? t->groups : g->next) {
			for (unsigned i = 0; i < g->luns->count; i++) {
				char lp[512];

				if (g->luns->entries[i].dev != dev || k++ != idx)
					continue;
				luns_path(g, lp, sizeof(lp));
				snprintf(buf, len, "%s/%" PRIu64, lp, g->luns->entries[i].lun);
				return true;
			}
		}
	}
	return false;
}

/* Is name in directory n a link? Then 0 and its target path in buf. Lock held. */
static int link_target(const struct node *n, const char *name, char *buf, size_t len)
{
	unsigned idx;
	char extra;

	switch (n->kind) {
	case N_HANDLER: {
		const struct scst_device *d = scst_device_find(name);

		if (!d || d->handler != n->h || !strcmp(name, "mgmt") || !strcmp(name, "type"))
			return -ENOENT;
		snprintf(buf, len, "devices/%s", d->name);
		return 0;
	}
	case N_EXPORTED:
		if (sscanf(name, "export%u%c", &idx, &extra) != 1)
			return -ENOENT;
		return nth_export(n->dev, idx, buf, len) ? 0 : -ENOENT;
	case N_DG_DEVS:
		for (const struct scst_dg_dev *d = n->dg->devs; d; d = d->next) {
			if (!strcmp(d->dev->name, name)) {
				snprintf(buf, len, "devices/%s", d->dev->name);
				return 0;
			}
		}
		return -ENOENT;
	case N_SESSION:
		if (strcmp(name, "luns"))
			return -ENOENT;
		luns_path(n->sess->acg, buf, len);
		return 0;
	default:
		return -ENOENT;
	}
}

static int resolve(const char *path, struct node *out, char *err, size_t errlen);

/* Step from directory n to its child name. Called with scst_mgmt_lock held. */
static int lookup(const struct node *n, const char *name, struct node *c)
{
	char target[1024];

	if (!link_target(n, name, target, sizeof(target)))
		return resolve(target, c, NULL, 0);
	*c = *n;
	if (!strcmp(name, "mgmt") &&
	    (n->kind == N_HANDLER || n->kind == N_DRIVER || n->kind == N_LUNS ||
	     n->kind == N_GROUPS || n->kind == N_INITS || n->kind == N_DGS ||
	     n->kind == N_DG_DEVS || n->kind == N_TGS || n->kind == N_TG)) {
		c->kind = N_MGMT;
		c->dir = n->kind;
		return 0;
	}
	switch (n->kind) {
	case N_ROOT:
		if (!strcmp(name, "handlers"))
			c->kind = N_HANDLERS;
		else if (!strcmp(name, "devices"))
			c->kind = N_DEVICES;
		else if (!strcmp(name, "targets"))
			c->kind = N_TARGETS;
		else if (!strcmp(name, "sgv"))
			c->kind = N_SGV;
		else if (!strcmp(name, "device_groups"))
			c->kind = N_DGS;
		else
			return -ENOENT;
		return 0;
	case N_DGS:
		c->dg = scst_dg_find(name);
		c->kind = N_DG;
		return c->dg ? 0 : -ENOENT;
	case N_DG:
		if (!strcmp(name, "devices"))
			c->kind = N_DG_DEVS;
		else if (!strcmp(name, "target_groups"))
			c->kind = N_TGS;
		else
			return -ENOENT;
		return 0;
	case N_DG_DEVS: /* only links, found above */
		return -ENOENT;
	case N_TGS:
		c->tg = scst_tg_find(n->dg, name);
		c->kind = N_TG;
		return c->tg ? 0 : -ENOENT;
	case N_TG:
		if (in_list(tg_attrs, SCST_ARRAY_SIZE(tg_attrs), name))
			return set_attr_node(c, N_TG, name);
		for (struct scst_tg_tgt *t = n->tg->tgts; t; t = t->next) {
			if (!strcmp(t->name, name)) {
				c->kind = N_TG_TGT;
				c->tgt_ent = t;
				return 0;
			}
		}
		return -ENOENT;
	case N_TG_TGT:
		return strcmp(name, "rel_tgt_id") ? -ENOENT : set_attr_node(c, N_TG_TGT, name);
	case N_HANDLERS:
		c->h = scst_find_dev_handler(name);
		c->kind = N_HANDLER;
		return c->h ? 0 : -ENOENT;
	case N_HANDLER:
		return strcmp(name, "type") ? -ENOENT : set_attr_node(c, N_HANDLER, name);
	case N_DEVICES:
		c->dev = scst_device_find(name);
		c->kind = N_DEVICE;
		return c->dev ? 0 : -ENOENT;
	case N_DEVICE:
		if (!strcmp(name, "exported")) {
			c->kind = N_EXPORTED;
			return 0;
		}
		if (!strcmp(name, "stats")) {
			c->kind = N_DSTATS;
			return 0;
		}
		if (!in_list(device_attrs, SCST_ARRAY_SIZE(device_attrs), name))
			return -ENOENT;
		return set_attr_node(c, N_DEVICE, name);
	case N_TARGETS:
		c->drv = scst_find_target_template(name);
		c->kind = N_DRIVER;
		return c->drv ? 0 : -ENOENT;
	case N_DRIVER:
		if (!strcmp(name, "enabled"))
			return set_attr_node(c, N_DRIVER, name);
		for (struct scst_target *t = scst_target_first(); t; t = t->next) {
			if (t->tmpl == n->drv && !strcmp(t->name, name)) {
				c->tgt = t;
				c->kind = N_TARGET;
				return 0;
			}
		}
		return -ENOENT;
	case N_TARGET:
		if (!strcmp(name, "luns")) {
			c->kind = N_LUNS;
			c->acg = &n->tgt->dflt;
		} else if (!strcmp(name, "ini_groups")) {
			c->kind = N_GROUPS;
		} else if (!strcmp(name, "sessions")) {
			c->kind = N_SESSIONS;
		} else if (target_has_attr(n->tgt, name)) {
			return set_attr_node(c, N_TARGET, name);
		} else {
			return -ENOENT;
		}
		return 0;
	case N_LUNS: {
		uint64_t lun;

		if (!parse_u64(name, &lun) || !scst_lun_table_find(n->acg->luns, lun))
			return -ENOENT;
		c->kind = N_LUN;
		c->lun = lun;
		return 0;
	}
	case N_LUN:
		if (strcmp(name, "device") && strcmp(name, "read_only"))
			return -ENOENT;
		return set_attr_node(c, N_LUN, name);
	case N_GROUPS:
		for (struct scst_acg *g = n->tgt->groups; g; g = g->next) {
			if (!strcmp(g->name, name)) {
				c->kind = N_GROUP;
				c->acg = g;
				return 0;
			}
		}
		return -ENOENT;
	case N_GROUP:
		if (!strcmp(name, "initiators"))
			c->kind = N_INITS;
		else if (!strcmp(name, "luns"))
			c->kind = N_LUNS;
		else
			return -ENOENT;
		return 0;
	case N_INITS:
		for (struct scst_pattern *p = n->acg->initiators; p; p = p->next)
			if (!strcmp(p->pattern, name))
				return set_attr_node(c, N_INITS, name);
		return -ENOENT;
	case N_SESSIONS:
		for (struct scst_session *s = n->tgt->sessions; s; s = s->next) {
			char sn[SCST_MAX_NAME + 16];

			session_name(s, sn, sizeof(sn));
			if (!strcmp(sn, name)) {
				c->kind = N_SESSION;
				c->sess = s;
				return 0;
			}
		}
		return -ENOENT;
	case N_SESSION:
		if (!in_list(session_attrs, SCST_ARRAY_SIZE(session_attrs), name))
			return -ENOENT;
		return set_attr_node(c, N_SESSION, name);
	case N_SGV:
		if (!in_list(sgv_attrs, SCST_ARRAY_SIZE(sgv_attrs), name))
			return -ENOENT;
		return set_attr_node(c, N_SGV, name);
	case N_EXPORTED: /* only links, found above */
		return -ENOENT;
	case N_DSTATS:
		if (!in_list(dev_stat_names, SCST_ARRAY_SIZE(dev_stat_names), name))
			return -ENOENT;
		return set_attr_node(c, N_DSTATS, name);
	case N_ATTR:
	case N_MGMT:
		return -ENOTDIR;
	}
	return -ENOENT;
}

/* Resolve path (components separated by '/'; empty ones ignored). Lock held. */
static int resolve(const char *path, struct node *out, char *err, size_t errlen)
{
	char buf[1024];
	char *save = NULL, *comp;
	struct node n = { .kind = N_ROOT };

	if (strlen(path) >= sizeof(buf))
		return scst_errf(err, errlen, -ENAMETOOLONG, "path too long");
	snprintf(buf, sizeof(buf), "%s", path);
	for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		struct node c;
		int ret = lookup(&n, comp, &c);

		if (ret == -ENOTDIR)
			return scst_errf(err, errlen, ret, "%s: not a directory (at '%s')", path, comp);
		if (ret)
			return scst_errf(err, errlen, ret, "%s: no such entry '%s'", path, comp);
		n = c;
	}
	*out = n;
	return 0;
}

/* ---- reading ---- */

static const char *type_name(uint8_t type)
{
	switch (type) {
	case SCST_TYPE_DISK:
		return "Direct-access device (e.g., magnetic disk)";
	case SCST_TYPE_TAPE:
		return "Sequential-access device (e.g., magnetic tape)";
	case SCST_TYPE_ROM:
		return "CD-ROM device";
	default:
		return "Other device";
	}
}

static const char *mgmt_help(enum nkind dir)
{
	switch (dir) {
	case N_HANDLER:
		return "Usage: echo \"add_device device_name [parameters]\" >mgmt\n"
		       "       echo \"del_device device_name\" >mgmt\n"
		       "where parameters are one or more key=value pairs separated by ';'\n";
	case N_DRIVER:
		return "Usage: echo \"add_target target_name [parameters]\" >mgmt\n"
		       "       echo \"del_target target_name\" >mgmt\n"
		       "where parameters are target attributes (IncomingUser, OutgoingUser,\n"
		       "rel_tgt_id, enabled, ...) as key=value pairs separated by ';'\n";
	case N_LUNS:
		return "Usage: echo \"add H:C:I:L lun [parameters]\" >mgmt\n"
		       "       echo \"add VNAME lun [parameters]\" >mgmt\n"
		       "       echo \"del lun\" >mgmt\n"
		       "       echo \"replace VNAME lun [parameters]\" >mgmt\n"
		       "       echo \"clear\" >mgmt\n"
		       "where parameters are read_only=0|1\n";
	case N_GROUPS:
		return "Usage: echo \"create GROUP_NAME\" >mgmt\n"
		       "       echo \"del GROUP_NAME\" >mgmt\n";
	case N_DGS:
		return "Usage: echo \"create GROUP_NAME\" >mgmt\n"
		       "       echo \"del GROUP_NAME\" >mgmt\n";
	case N_DG_DEVS:
		return "Usage: echo \"add DEVICE_NAME\" >mgmt\n"
		       "       echo \"del DEVICE_NAME\" >mgmt\n";
	case N_TGS:
		return "Usage: echo \"add TARGET_GROUP_NAME\" >mgmt\n"
		       "       echo \"del TARGET_GROUP_NAME\" >mgmt\n";
	case N_TG:
		return "Usage: echo \"add TARGET_NAME\" >mgmt\n"
		       "       echo \"del TARGET_NAME\" >mgmt\n";
	case N_INITS:
		return "Usage: echo \"add INITIATOR_NAME\" >mgmt\n"
		       "       echo \"del INITIATOR_NAME\" >mgmt\n"
		       "       echo \"move INITIATOR_NAME DEST_GROUP_NAME\" >mgmt\n"
		       "       echo \"clear\" >mgmt\n";
	default:
		return "";
	}
}

static uint64_t sgv_value(const struct scst_sgv_stats *st, const char *name)
{
	if (!strcmp(name, "hits"))
		return st->hits;
	if (!strcmp(name, "misses"))
		return st->misses;
	if (!strcmp(name, "allocs"))
		return st->allocs;
	if (!strcmp(name, "frees"))
		return st->frees;
	if (!strcmp(name, "purges"))
		return st->purges;
	if (!strcmp(name, "bytes_held"))
		return st->bytes_held;
	if (!strcmp(name, "bytes_in_use"))
		return st->bytes_in_use;
	return st->cap;
}

/* Value of an attribute node into out. Lock held. */
static int read_attr(const struct node *n, struct scst_sbuf *out, char *err, size_t errlen)
{
	char buf[ATTR_LEN];

	if (n->kind == N_MGMT) {
		scst_sbuf_printf(out, "%s", mgmt_help(n->dir));
		return 0;
	}
	if (n->kind != N_ATTR)
		return scst_errf(err, errlen, -EISDIR, "is a directory");
	switch (n->dir) {
	case N_HANDLER:
		scst_sbuf_printf(out, "%u - %s", n->h->type, type_name(n->h->type));
		return 0;
	case N_DEVICE:
		if (scst_device_get_attr(n->dev, n->attr, buf, sizeof(buf)))
			return scst_errf(err, errlen, -ENOENT, "no attribute %s", n->attr);
		scst_sbuf_printf(out, "%s", buf);
		return 0;
	case N_DRIVER:
		scst_sbuf_printf(out, "%d", scst_driver_enabled_locked(n->drv));
		return 0;
	case N_DSTATS:
		scst_sbuf_printf(out, "%" PRIu64, dev_stat(n->dev, n->attr));
		return 0;
	case N_TARGET:
		if (!strcmp(n->attr, "enabled")) {
			scst_sbuf_printf(out, "%d", n->tgt->enabled);
			return 0;
		}
		if (!strcmp(n->attr, "rel_tgt_id")) {
			scst_sbuf_printf(out, "%u", n->tgt->rel_tgt_id);
			return 0;
		}
		for (const struct scst_attr_kv *kv = n->tgt->attrs; kv; kv = kv->next) {
			if (!strcmp(kv->name, n->attr)) {
				scst_sbuf_printf(out, "%s", kv->value);
				return 0;
			}
		}
		return 0; /* IncomingUser/OutgoingUser not set: empty */
	case N_LUN: {
		const struct scst_lun_entry *e = scst_lun_table_find(n->acg->luns, n->lun);

		if (!e)
			return scst_errf(err, errlen, -ENOENT, "no LUN %" PRIu64, n->lun);
		if (!strcmp(n->attr, "device"))
			scst_sbuf_printf(out, "%s", e->dev->name);
		else
			scst_sbuf_printf(out, "%d", e->read_only);
		return 0;
	}
	case N_INITS:
		scst_sbuf_printf(out, "%s", n->attr);
		return 0;
	case N_SESSION: {
		const struct scst_session *s = n->sess;

		if (!strcmp(n->attr, "initiator_name"))
			scst_sbuf_printf(out, "%s", s->initiator_name);
		else if (!strcmp(n->attr, "commands"))
			scst_sbuf_printf(out, "%" PRIuFAST64, atomic_load_explicit(
					 &n->sess->cmds, memory_order_relaxed));
		else if (!strcmp(n->attr, "bytes_read"))
			scst_sbuf_printf(out, "%" PRIuFAST64, atomic_load_explicit(
					 &n->sess->bytes_read, memory_order_relaxed));
		else if (!strcmp(n->attr, "bytes_written"))
			scst_sbuf_printf(out, "%" PRIuFAST64, atomic_load_explicit(
					 &n->sess->bytes_written, memory_order_relaxed));
		else /* reactor-owned plain counter: a relaxed snapshot */
			scst_sbuf_printf(out, "%u", __atomic_load_n(&n->sess->active,
								    __ATOMIC_RELAXED));
		return 0;
	}
	case N_TG:
		if (!strcmp(n->attr, "group_id"))
			scst_sbuf_printf(out, "%u", n->tg->group_id);
		else if (!strcmp(n->attr, "state"))
			scst_sbuf_printf(out, "%s", scst_alua_state_name(atomic_load(&n->tg->state)));
		else
			scst_sbuf_printf(out, "%d", n->tg->preferred);
		return 0;
	case N_TG_TGT:
		scst_sbuf_printf(out, "%u", scst_tg_tgt_rel_id(n->tgt_ent));
		return 0;
	case N_SGV: {
		struct scst_sgv_stats st;

		scst_sgv_get_stats(&st);
		scst_sbuf_printf(out, "%" PRIu64, sgv_value(&st, n->attr));
		return 0;
	}
	default:
		return scst_errf(err, errlen, -ENOENT, "no such attribute");
	}
}

/* Children of a directory: fn(arg, name, kind) with kind 'd', 'a', 'm' or 'l' (a link).
 * Lock held. */
typedef void (*child_fn)(void *arg, const struct node *dir, const char *name, char kind);

static void children(const struct node *n, child_fn fn, void *arg)
{
	char name[SCST_MAX_NAME + 32];

	switch (n->kind) {
	case N_ROOT:
		fn(arg, n, "handlers", 'd');
		fn(arg, n, "devices", 'd');
		fn(arg, n, "targets", 'd');
		fn(arg, n, "sgv", 'd');
		fn(arg, n, "device_groups", 'd');
		break;
	case N_DGS:
		fn(arg, n, "mgmt", 'm');
		for (const struct scst_dev_group *g = scst_dg_first(); g; g = g->next)
			fn(arg, n, g->name, 'd');
		break;
	case N_DG:
		fn(arg, n, "devices", 'd');
		fn(arg, n, "target_groups", 'd');
		break;
	case N_DG_DEVS:
		fn(arg, n, "mgmt", 'm');
		for (const struct scst_dg_dev *d = n->dg->devs; d; d = d->next)
			fn(arg, n, d->dev->name, 'l');
		break;
	case N_TGS:
		fn(arg, n, "mgmt", 'm');
		for (const struct scst_target_group *tg = n->dg->tgs; tg; tg = tg->next)
			fn(arg, n, tg->name, 'd');
		break;
	case N_TG:
		fn(arg, n, "mgmt", 'm');
		for (size_t i = 0; i < SCST_ARRAY_SIZE(tg_attrs); i++)
			fn(arg, n, tg_attrs[i], 'a');
		for (const struct scst_tg_tgt *t = n->tg->tgts; t; t = t->next)
			fn(arg, n, t->name, 'd');
		break;
	case N_TG_TGT:
		fn(arg, n, "rel_tgt_id", 'a');
		break;
	case N_HANDLERS:
		for (unsigned i = 0; scst_dev_handler_at(i); i++)
			fn(arg, n, scst_dev_handler_at(i)->name, 'd');
		break;
	case N_HANDLER:
	case N_DEVICES: {
		/* The registry lists the newest first; show them in order of creation. A
		 * handler lists its own devices as links to devices/<name>, as in SCST. */
		unsigned cnt = 0, i;
		struct scst_device **all;

		if (n->kind == N_HANDLER) {
			fn(arg, n, "mgmt", 'm');
			fn(arg, n, "type", 'a');
		}
		for (struct scst_device *d = scst_device_first(); d; d = d->next)
			cnt++;
		all = calloc(cnt + 1, sizeof(*all));
		if (!all)
			break;
		i = cnt;
		for (struct scst_device *d = scst_device_first(); d; d = d->next)
			all[--i] = d;
		for (i = 0; i < cnt; i++)
			if (n->kind == N_DEVICES || all[i]->handler == n->h)
				fn(arg, n, all[i]->name, n->kind == N_DEVICES ? 'd' : 'l');
		free(all);
		break;
	}
	case N_DEVICE:
		for (size_t i = 0; i < SCST_ARRAY_SIZE(device_attrs); i++)
			fn(arg, n, device_attrs[i], 'a');
		fn(arg, n, "exported", 'd');
		fn(arg, n, "stats", 'd');
		break;
	case N_DSTATS:
		for (size_t i = 0; i < SCST_ARRAY_SIZE(dev_stat_names); i++)
			fn(arg, n, dev_stat_names[i], 'a');
		break;
	case N_EXPORTED: {
		char target[1024];

		for (unsigned i = 0; nth_export(n->dev, i, target, sizeof(target)); i++) {
			snprintf(name, sizeof(name), "export%u", i);
			fn(arg, n, name, 'l');
		}
		break;
	}
	case N_TARGETS:
		for (size_t i = 0; i < SCST_ARRAY_SIZE(known_drivers); i++)
			if (scst_find_target_template(known_drivers[i]))
				fn(arg, n, known_drivers[i], 'd');
		break;
	case N_DRIVER: {
		unsigned cnt = 0, i;
		struct scst_target **all;

		fn(arg, n, "mgmt", 'm');
		fn(arg, n, "enabled", 'a');
		for (struct scst_target *t = scst_target_first(); t; t = t->next)
			cnt++;
		all = calloc(cnt + 1, sizeof(*all));
		if (!all)
			break;
		i = cnt;
		for (struct scst_target *t = scst_target_first(); t; t = t->next)
			all[--i] = t;
		for (i = 0; i < cnt; i++)
			if (all[i]->tmpl == n->drv)
				fn(arg, n, all[i]->name, 'd');
		free(all);
		break;
	}
	case N_TARGET: {
		const struct scst_target *t = n->tgt;

		fn(arg, n, "enabled", 'a');
		fn(arg, n, "rel_tgt_id", 'a');
		if (is_iscsi(t)) {
			fn(arg, n, "IncomingUser", 'a');
			fn(arg, n, "OutgoingUser", 'a');
		}
		for (const struct scst_attr_kv *kv = t->attrs; kv; kv = kv->next)
			if (!is_iscsi(t) || (strcmp(kv->name, "IncomingUser") &&
					     strcmp(kv->name, "OutgoingUser")))
				fn(arg, n, kv->name, 'a');
		fn(arg, n, "luns", 'd');
		fn(arg, n, "ini_groups", 'd');
		fn(arg, n, "sessions", 'd');
		break;
	}
	case N_LUNS: {
		const struct scst_lun_table *t = n->acg->luns;

		fn(arg, n, "mgmt", 'm');
		for (unsigned i = 0; i < t->count; i++) {
			snprintf(name, sizeof(name), "%" PRIu64, t->entries[i].lun);
			fn(arg, n, name, 'd');
		}
		break;
	}
	case N_LUN:
		fn(arg, n, "device", 'a');
		fn(arg, n, "read_only", 'a');
		break;
	case N_GROUPS:
		fn(arg, n, "mgmt", 'm');
		for (struct scst_acg *g = n->tgt->groups; g; g = g->next)
			fn(arg, n, g->name, 'd');
		break;
	case N_GROUP:
		fn(arg, n, "initiators", 'd');
		fn(arg, n, "luns", 'd');
		break;
	case N_INITS:
		fn(arg, n, "mgmt", 'm');
		for (struct scst_pattern *p = n->acg->initiators; p; p = p->next)
			fn(arg, n, p->pattern, 'a');
		break;
	case N_SESSIONS:
		for (struct scst_session *s = n->tgt->sessions; s; s = s->next) {
			session_name(s, name, sizeof(name));
			fn(arg, n, name, 'd');
		}
		break;
	case N_SESSION:
		for (size_t i = 0; i < SCST_ARRAY_SIZE(session_attrs); i++)
			fn(arg, n, session_attrs[i], 'a');
		fn(arg, n, "luns", 'l');
		break;
	case N_SGV:
		for (size_t i = 0; i < SCST_ARRAY_SIZE(sgv_attrs); i++)
			fn(arg, n, sgv_attrs[i], 'a');
		break;
	case N_ATTR:
	case N_MGMT:
		break;
	}
}

struct ls_ctx {
	struct scst_sbuf *out;
	bool recursive;
	char prefix[1024];
	unsigned depth;
};

static void add_escaped(struct scst_sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			scst_sbuf_add(b, "\\\\", 2);
		else if (*s == '\n')
			scst_sbuf_add(b, "\\n", 2);
		else if (*s == '\t')
			scst_sbuf_add(b, "\\t", 2);
		else
			scst_sbuf_add(b, s, 1);
	}
}

static void ls_child(void *arg, const struct node *dir, const char *name, char kind)
{
	struct ls_ctx *x = arg;
	size_t plen = strlen(x->prefix);
	struct node c;

	scst_sbuf_printf(x->out, "%c %s%s", kind, x->prefix, name);
	if (kind == 'l') {
		char target[1024];

		/* A link shows where it points; ls -R does not follow it. */
		if (!link_target(dir, name, target, sizeof(target))) {
			scst_sbuf_add(x->out, "\t", 1);
			add_escaped(x->out, target);
		}
		scst_sbuf_add(x->out, "\n", 1);
		return;
	}
	if (kind == 'a' && !lookup(dir, name, &c)) {
		struct scst_sbuf v = { 0 };

		read_attr(&c, &v, NULL, 0);
		scst_sbuf_add(x->out, "\t", 1);
		add_escaped(x->out, v.p ? v.p : "");
		scst_sbuf_free(&v);
	}
	scst_sbuf_add(x->out, "\n", 1);
	if (kind != 'd' || !x->recursive || x->depth >= MAX_DEPTH ||
	    plen + strlen(name) + 2 >= sizeof(x->prefix) || lookup(dir, name, &c))
		return;
	snprintf(x->prefix + plen, sizeof(x->prefix) - plen, "%s/", name);
	x->depth++;
	children(&c, ls_child, x);
	x->depth--;
	x->prefix[plen] = 0;
}

int scst_tree_ls(const char *path, bool recursive, struct scst_sbuf *out, char *err,
		 size_t errlen)
{
	struct ls_ctx x = { .out = out, .recursive = recursive };
	struct node n;
	int ret;

	pthread_mutex_lock(&scst_mgmt_lock);
	ret = resolve(path, &n, err, errlen);
	if (!ret && (n.kind == N_ATTR || n.kind == N_MGMT))
		ret = scst_errf(err, errlen, -ENOTDIR, "%s: not a directory", path);
	if (!ret)
		children(&n, ls_child, &x);
	pthread_mutex_unlock(&scst_mgmt_lock);
	if (!ret && out->oom)
		ret = scst_errf(err, errlen, -ENOMEM, "out of memory");
	return ret;
}

int scst_tree_get(const char *path, struct scst_sbuf *out, char *err, size_t errlen)
{
	struct node n;
	int ret;

	pthread_mutex_lock(&scst_mgmt_lock);
	ret = resolve(path, &n, err, errlen);
	if (!ret && n.kind != N_ATTR && n.kind != N_MGMT)
		ret = scst_errf(err, errlen, -EISDIR, "%s: is a directory; use ls", path);
	if (!ret)
		ret = read_attr(&n, out, err, errlen);
	pthread_mutex_unlock(&scst_mgmt_lock);
	if (!ret && out->oom)
		ret = scst_errf(err, errlen, -ENOMEM, "out of memory");
	return ret;
}

int scst_tree_sessions(struct scst_sbuf *out)
{
	char name[SCST_MAX_NAME + 16];

	pthread_mutex_lock(&scst_mgmt_lock);
	for (struct scst_target *t = scst_target_first(); t; t = t->next) {
		for (struct scst_session *s = t->sessions; s; s = s->next) {
			session_name(s, name, sizeof(name));
			scst_sbuf_printf(out,
					 "%s\t%s\t%s\t%s\t%" PRIuFAST64 "\t%" PRIuFAST64
					 "\t%" PRIuFAST64 "\t%u\n",
					 t->tmpl->name, t->name, name, s->initiator_name,
					 atomic_load_explicit(&s->cmds, memory_order_relaxed),
					 atomic_load_explicit(&s->bytes_read, memory_order_relaxed),
					 atomic_load_explicit(&s->bytes_written,
							      memory_order_relaxed),
					 __atomic_load_n(&s->active, __ATOMIC_RELAXED));
		}
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
	return out->oom ? -ENOMEM : 0;
}

/* ---- writing ---- */

/* Split the next blank-separated word off *s; NULL when none is left. */
static char *word(char **s)
{
	char *p = *s, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	w = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*s = p;
	return w;
}

static char *rest(char **s)
{
	char *p = *s, *e;

	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	*s = e;
	return p;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "0") || !strcmp(v, "1")) {
		*out = v[0] == '1';
		return true;
	}
	return false;
}

/* "read_only=0|1" (the only LUN parameter), or nothing. */
static int lun_params(char *s, bool *ro, char *err, size_t errlen)
{
	char *p = rest(&s);

	*ro = false;
	for (char *save = NULL, *kv = strtok_r(p, "; \t", &save); kv;
	     kv = strtok_r(NULL, "; \t", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq)
			return scst_errf(err, errlen, -EINVAL, "bad parameter '%s': expected key=value",
				    kv);
		*eq = 0;
		if (strcmp(kv, "read_only"))
			return scst_errf(err, errlen, -EINVAL, "unknown LUN parameter '%s'", kv);
		if (!parse_bool(eq + 1, ro))
			return scst_errf(err, errlen, -EINVAL, "read_only must be 0 or 1, not '%s'",
				    eq + 1);
	}
	return 0;
}

static int parse_lun(const char *s, uint64_t *lun, char *err, size_t errlen)
{
	if (!s)
		return scst_errf(err, errlen, -EINVAL, "missing LUN number");
	if (!parse_u64(s, lun) || *lun >= SCST_MAX_LUN)
		return scst_errf(err, errlen, -EINVAL, "LUN must be a number in 0..%u, not '%s'",
			    SCST_MAX_LUN - 1, s);
	return 0;
}

static int no_more(char **s, const char *cmd, char *err, size_t errlen)
{
	char *w = word(s);

	if (w)
		return scst_errf(err, errlen, -EINVAL, "%s: unexpected '%s'", cmd, w);
	return 0;
}

/* luns/mgmt of the default table (group NULL) or of a group. */
static int mgmt_luns(struct scst_target *tgt, const char *group, char *s, char *err,
		     size_t errlen)
{
	char *cmd = word(&s), *dev;
	uint64_t lun;
	bool ro;
	int ret;

	if (!cmd)
		return scst_errf(err, errlen, -EINVAL, "empty command");
	if (!strcmp(cmd, "clear")) {
		ret = no_more(&s, cmd, err, errlen);
		return ret ? ret : scst_lun_clear(tgt, group, err, errlen);
	}
	if (!strcmp(cmd, "del")) {
		ret = parse_lun(word(&s), &lun, err, errlen);
		if (!ret)
			ret = no_more(&s, cmd, err, errlen);
		return ret ? ret : scst_lun_del(tgt, group, lun, err, errlen);
	}
	if (strcmp(cmd, "add") && strcmp(cmd, "replace"))
		return scst_errf(err, errlen, -EINVAL,
			    "unknown command '%s' (add, del, replace, clear)", cmd);
	dev = word(&s);
	if (!dev)
		return scst_errf(err, errlen, -EINVAL, "%s: missing device name", cmd);
	ret = parse_lun(word(&s), &lun, err, errlen);
	if (!ret)
		ret = lun_params(s, &ro, err, errlen);
	if (ret)
		return ret;
	if (!scst_device_find(dev))
		return scst_errf(err, errlen, -ENOENT, "no device %s", dev);
	if (!strcmp(cmd, "add"))
		return scst_lun_add(tgt, group, lun, dev, ro, err, errlen);
	/* One published table: sessions never see the LUN missing. */
	return scst_lun_replace(tgt, group, lun, dev, ro, err, errlen);
}

/* initiators/mgmt "clear": every pattern of the group removed in one change. */
static int clear_inits(struct scst_target *tgt, const char *group, char *err, size_t errlen)
{
	struct scst_initiator_change *ch;
	struct scst_acg *g;
	unsigned n = 0, i = 0;
	bool oom;
	int ret;

	pthread_mutex_lock(&scst_mgmt_lock);
	g = scst_acg_find(tgt, group);
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOENT, "no group %s", group);
	}
	for (struct scst_pattern *p = g->initiators; p; p = p->next)
		n++;
	ch = calloc(n ? n : 1, sizeof(*ch));
	for (struct scst_pattern *p = ch ? g->initiators : NULL; p; p = p->next)
		ch[i++] = (struct scst_initiator_change){ group, strdup(p->pattern), false };
	pthread_mutex_unlock(&scst_mgmt_lock);
	oom = !ch;
	for (i = 0; ch && i < n; i++)
		oom = oom || !ch[i].pattern;
	ret = oom ? scst_errf(err, errlen, -ENOMEM, "out of memory")
		  : scst_group_change_initiators(tgt, ch, n, err, errlen);
	for (i = 0; ch && i < n; i++)
		free((char *)ch[i].pattern);
	free(ch);
	return ret;
}

static int mgmt_inits(struct scst_target *tgt, const char *group, char *s, char *err,
		      size_t errlen)
{
	char *cmd = word(&s), *pat, *dest;
	int ret;

	if (!cmd)
		return scst_errf(err, errlen, -EINVAL, "empty command");
	if (!strcmp(cmd, "clear")) {
		ret = no_more(&s, cmd, err, errlen);
		return ret ? ret : clear_inits(tgt, group, err, errlen);
	}
	if (strcmp(cmd, "add") && strcmp(cmd, "del") && strcmp(cmd, "move"))
		return scst_errf(err, errlen, -EINVAL,
				 "unknown command '%s' (add, del, move, clear)", cmd);
	pat = word(&s);
	if (!pat)
		return scst_errf(err, errlen, -EINVAL, "%s: missing initiator name", cmd);
	dest = strcmp(cmd, "move") ? NULL : word(&s);
	if (!strcmp(cmd, "move") && !dest)
		return scst_errf(err, errlen, -EINVAL, "move: missing destination group");
	ret = no_more(&s, cmd, err, errlen);
	if (ret)
		return ret;
	if (strchr(pat, '/'))
		return scst_errf(err, errlen, -EINVAL, "initiator pattern must not contain '/'");
	if (dest)
		return scst_group_move_initiator(tgt, group, pat, dest, err, errlen);
	if (!strcmp(cmd, "add"))
		return scst_group_add_initiator(tgt, group, pat, err, errlen);
	return scst_group_del_initiator(tgt, group, pat, err, errlen);
}

static int mgmt_groups(struct scst_target *tgt, char *s, char *err, size_t errlen)
{
	char *cmd = word(&s), *name;
	int ret;

	if (!cmd)
		return scst_errf(err, errlen, -EINVAL, "empty command");
	if (strcmp(cmd, "create") && strcmp(cmd, "del"))
		return scst_errf(err, errlen, -EINVAL, "unknown command '%s' (create, del)", cmd);
	name = word(&s);
	if (!name)
		return scst_errf(err, errlen, -EINVAL, "%s: missing group name", cmd);
	ret = no_more(&s, cmd, err, errlen);
	if (ret)
		return ret;
	if (!strcmp(cmd, "create"))
		return scst_group_add(tgt, name, err, errlen);
	return scst_group_del(tgt, name, err, errlen);
}

static int check_target_attr(const char *drv, const char *name, const char *value, char *err,
			     size_t errlen);
static int set_target(struct scst_target *tgt, const char *name, const char *value, char *err,
		      size_t errlen);

/* Split "k=v;k=v" in place into at most max pairs; the number of pairs or -errno. */
static int split_params(char *p, char **keys, char **vals, int max, char *err, size_t errlen)
{
	int n = 0;

	for (char *save = NULL, *kv = strtok_r(p, ";", &save); kv;
	     kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '='), *k = kv;

		while (*k == ' ' || *k == '\t')
			k++;
		if (!*k)
			continue;
		if (!eq)
			return scst_errf(err, errlen, -EINVAL,
					 "bad parameter '%s': expected key=value", k);
		if (n == max)
			return scst_errf(err, errlen, -E2BIG, "more than %d parameters", max);
		*eq = 0;
		for (char *e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = 0;
		keys[n] = k;
		vals[n++] = rest(&(char *){ eq + 1 });
	}
	return n;
}

/*
 * add_target NAME [key=value;...] (SCST's add_target parameters): every value is
 * checked as `set` would check it before the target exists; enabled goes last.
 */
static int add_target(const struct scst_tgt_template *drv, const char *name, char *params,
		      char *err, size_t errlen)
{
	char *keys[32], *vals[32];
	struct scst_target *t;
	int n, ret = 0;
	bool b;

	n = split_params(params, keys, vals, 32, err, errlen);
	if (n < 0)
		return n;
	for (int i = 0; i < n && !ret; i++) {
		if (!strcmp(keys[i], "enabled") && !parse_bool(vals[i], &b))
			ret = scst_errf(err, errlen, -EINVAL, "enabled must be 0 or 1, not '%s'",
					vals[i]);
		else if (strcmp(keys[i], "enabled") && strcmp(keys[i], "rel_tgt_id") && *vals[i])
			ret = check_target_attr(drv->name, keys[i], vals[i], err, errlen);
	}
	if (ret)
		return ret;
	ret = scst_target_add(drv->name, name, err, errlen);
	if (ret)
		return ret;
	t = scst_target_find(drv->name, name);
	for (int pass = 0; pass < 2 && !ret; pass++)
		for (int i = 0; i < n && !ret; i++)
			if ((pass == 1) == !strcmp(keys[i], "enabled"))
				ret = set_target(t, keys[i], vals[i], err, errlen);
	if (ret) {
		/* Not enabled yet, so no session: removing it undoes the whole command. */
		char dummy[128];

		scst_target_del(drv->name, name, dummy, sizeof(dummy));
	}
	return ret;
}

static int mgmt_driver(const struct scst_tgt_template *drv, char *s, char *err, size_t errlen)
{
	char *cmd = word(&s), *name;
	int ret;

	if (!cmd)
		return scst_errf(err, errlen, -EINVAL, "empty command");
	if (strcmp(cmd, "add_target") && strcmp(cmd, "del_target"))
		return scst_errf(err, errlen, -EINVAL, "unknown command '%s' (add_target, del_target)",
			    cmd);
	name = word(&s);
	if (!name)
		return scst_errf(err, errlen, -EINVAL, "%s: missing target name", cmd);
	if (!strcmp(cmd, "add_target"))
		return add_target(drv, name, rest(&s), err, errlen);
	ret = no_more(&s, cmd, err, errlen);
	if (ret)
		return ret;
	return scst_target_del(drv->name, name, err, errlen);
}

static int mgmt_handler(const struct scst_dev_handler *h, char *s, char *err, size_t errlen)
{
	char *cmd = word(&s), *name;

	if (!cmd)
		return scst_errf(err, errlen, -EINVAL, "empty command");
	if (strcmp(cmd, "add_device") && strcmp(cmd, "del_device"))
		return scst_errf(err, errlen, -EINVAL, "unknown command '%s' (add_device, del_device)",
			    cmd);
	name = word(&s);
	if (!name)
		return scst_errf(err, errlen, -EINVAL, "%s: missing device name", cmd);
	if (!strcmp(cmd, "add_device"))
		return scst_device_add(h->name, name, rest(&s), err, errlen);
	int ret = no_more(&s, cmd, err, errlen);

	if (ret)
		return ret;
	struct scst_device *d = scst_device_find(name);

	if (!d)
		return scst_errf(err, errlen, -ENOENT, "no device %s", name);
	if (d->handler != h)
		return scst_errf(err, errlen, -EINVAL, "device %s belongs to handler %s", name,
			    d->handler->name);
	return scst_device_del(name, err, errlen);
}

/*
 * ALUA mgmt files, as SCST's: device_groups "create|del NAME"; a group's
 * devices and target_groups "add|del NAME"; a target group "add|del TARGET".
 */
static int mgmt_alua(const struct node *n, char *s, char *err, size_t errlen)
{
	char *cmd = word(&s), *name = word(&s);
	bool add;
	int ret;

	if (!cmd)
		return scst_errf(err, errlen, -EINVAL, "empty command");
	add = !strcmp(cmd, n->dir == N_DGS ? "create" : "add");
	if (!add && strcmp(cmd, "del"))
		return scst_errf(err, errlen, -EINVAL, "unknown command '%s' (%s, del)", cmd,
				 n->dir == N_DGS ? "create" : "add");
	if (!name)
		return scst_errf(err, errlen, -EINVAL, "%s: missing name", cmd);
	ret = no_more(&s, cmd, err, errlen);
	if (ret)
		return ret;
	switch (n->dir) {
	case N_DGS:
		return add ? scst_dg_add(name, err, errlen) : scst_dg_del(name, err, errlen);
	case N_DG_DEVS:
		return add ? scst_dg_dev_add(n->dg->name, name, err, errlen) :
			     scst_dg_dev_del(n->dg->name, name, err, errlen);
	case N_TGS:
		return add ? scst_tg_add(n->dg->name, name, err, errlen) :
			     scst_tg_del(n->dg->name, name, err, errlen);
	default:
		return add ? scst_tg_tgt_add(n->dg->name, n->tg->name, name, err, errlen) :
			     scst_tg_tgt_del(n->dg->name, n->tg->name, name, err, errlen);
	}
}

static int run_mgmt(const struct node *n, const char *command, char *err, size_t errlen)
{
	char *copy = strdup(command), *s;
	char group[sizeof(((struct scst_acg *)0)->name)];
	const char *gname = NULL;
	int ret;

	if (!copy)
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	s = copy;
	s[strcspn(s, "\r\n")] = 0;
	if (n->acg && n->acg != &n->tgt->dflt) {
		snprintf(group, sizeof(group), "%s", n->acg->name);
		gname = group;
	}
	switch (n->dir) {
	case N_HANDLER:
		ret = mgmt_handler(n->h, s, err, errlen);
		break;
	case N_DRIVER:
		ret = mgmt_driver(n->drv, s, err, errlen);
		break;
	case N_LUNS:
		ret = mgmt_luns(n->tgt, gname, s, err, errlen);
		break;
	case N_GROUPS:
		ret = mgmt_groups(n->tgt, s, err, errlen);
		break;
	case N_INITS:
		ret = mgmt_inits(n->tgt, gname, s, err, errlen);
		break;
	case N_DGS:
	case N_DG_DEVS:
	case N_TGS:
	case N_TG:
		ret = mgmt_alua(n, s, err, errlen);
		break;
	default:
		ret = scst_errf(err, errlen, -EINVAL, "no mgmt here");
	}
	free(copy);
	return ret;
}

/* A name no running target has, for validating one attribute through the conf layer. */
static void scratch_target_name(char *buf, size_t len)
{
	for (unsigned i = 0;; i++) {
		snprintf(buf, len, "~attr-check-%u", i);
		if (!scst_target_find(NULL, buf))
			return;
	}
}

/*
 * Check "name value" for a target of driver drv with the same rules as a
 * configuration file (conf_load.c's table), by validating a one-target tree.
 * IncomingUser1..15 are checked as IncomingUser.
 */
static int check_target_attr(const char *drv, const char *name, const char *value, char *err,
			     size_t errlen)
{
	struct scst_conf *c = scst_conf_new("set");
	struct scst_conf_driver *d;
	struct scst_conf_target *t;
	struct scst_conf_attr *a;
	char tname[64], key[SCST_MAX_NAME], reason[512];
	size_t klen;
	int ret;

	if (!c)
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	snprintf(key, sizeof(key), "%s", name);
	klen = strlen(key);
	while (klen && key[klen - 1] >= '0' && key[klen - 1] <= '9')
		klen--;
	if (klen == strlen("IncomingUser") && !strncmp(key, "IncomingUser", klen) &&
	    strlen(key) - klen <= 2)
		key[klen] = 0;
	scratch_target_name(tname, sizeof(tname));
	d = scst_conf_alloc(c, sizeof(*d));
	t = scst_conf_alloc(c, sizeof(*t));
	a = scst_conf_alloc(c, sizeof(*a));
	if (!d || !t || !a) {
		scst_conf_free(c);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	d->pos = t->pos = a->pos = (struct scst_conf_pos){ c->file, 1 };
	d->name = scst_conf_strdup(c, drv, (size_t)-1);
	t->name = scst_conf_strdup(c, tname, (size_t)-1);
	a->key = scst_conf_strdup(c, key, (size_t)-1);
	a->value = scst_conf_strdup(c, value, (size_t)-1);
	if (!d->name || !t->name || !a->key || !a->value) {
		scst_conf_free(c);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	t->attrs = a;
	d->targets = t;
	c->drivers = d;
	ret = scst_conf_validate(c, reason, sizeof(reason));
	scst_conf_free(c);
	if (ret) {
		/* Drop the "set:1: " prefix: the message is about the value. */
		const char *m = strstr(reason, ": ");

		return scst_errf(err, errlen, ret, "%s", m ? m + 2 : reason);
	}
	return 0;
}

static int set_target(struct scst_target *tgt, const char *name, const char *value, char *err,
		      size_t errlen)
{
	bool b;

	if (!strcmp(name, "enabled")) {
		if (!parse_bool(value, &b))
			return scst_errf(err, errlen, -EINVAL, "enabled must be 0 or 1, not '%s'",
				    value);
		return scst_target_set_enabled(tgt, b);
	}
	if (!strcmp(name, "rel_tgt_id")) {
		uint64_t id;
		bool used = false;

		if (!parse_u64(value, &id) || !id || id > 65535)
			return scst_errf(err, errlen, -EINVAL,
				    "rel_tgt_id must be a number in 1..65535, not '%s'", value);
		pthread_mutex_lock(&scst_mgmt_lock);
		for (struct scst_target *t = scst_target_first(); t; t = t->next)
			if (t != tgt && t->rel_tgt_id == id)
				used = true;
		pthread_mutex_unlock(&scst_mgmt_lock);
		if (used)
			return scst_errf(err, errlen, -EEXIST, "rel_tgt_id %" PRIu64
				    " is used by another target", id);
		scst_target_set_rel_id(tgt, (uint16_t)id);
		return 0;
	}
	/* An empty value removes the attribute (no CHAP account). */
	if (!*value)
		return scst_target_set_attr(tgt, name, NULL, err, errlen);
	int ret = check_target_attr(tgt->tmpl->name, name, value, err, errlen);

	return ret ? ret : scst_target_set_attr(tgt, name, value, err, errlen);
}

int scst_tree_set(const char *path, const char *value, char *err, size_t errlen)
{
	struct node n;
	int ret;

	pthread_mutex_lock(&scst_mgmt_lock);
	ret = resolve(path, &n, err, errlen);
	pthread_mutex_unlock(&scst_mgmt_lock);
	if (ret)
		return ret;
	if (n.kind == N_MGMT)
		return run_mgmt(&n, value, err, errlen);
	if (n.kind != N_ATTR)
		return scst_errf(err, errlen, -EISDIR, "%s: is a directory", path);
	switch (n.dir) {
	case N_DEVICE:
		if (!strcmp(n.attr, "handler"))
			return scst_errf(err, errlen, -EPERM,
				    "handler is fixed; del_device and add_device to change it");
		return scst_device_set_attr(n.dev, n.attr, value, err, errlen);
	case N_TARGET:
		return set_target(n.tgt, n.attr, value, err, errlen);
	case N_DRIVER: {
		bool b;

		if (!parse_bool(value, &b))
			return scst_errf(err, errlen, -EINVAL, "enabled must be 0 or 1, not '%s'",
					 value);
		return scst_driver_set_enabled(n.drv->name, b, err, errlen);
	}
	case N_TG:
		return scst_tg_set_attr(n.dg->name, n.tg->name, n.attr, value, err, errlen);
	case N_TG_TGT: {
		uint64_t id;

		if (!parse_u64(value, &id) || id > 65535)
			return scst_errf(err, errlen, -EINVAL,
					 "rel_tgt_id must be a number in 0..65535, not '%s'", value);
		return scst_tg_tgt_set_rel_id(n.dg->name, n.tg->name, n.tgt_ent->name,
					      (uint16_t)id, err, errlen);
	}
	case N_LUN:
		return scst_errf(err, errlen, -EPERM,
			    "%s of a LUN is read-only; use 'replace DEVICE LUN [read_only=1]' "
			    "in luns/mgmt",
			    n.attr);
	case N_INITS:
		return scst_errf(err, errlen, -EPERM, "initiators change through initiators/mgmt");
	case N_SESSION:
		return scst_errf(err, errlen, -EPERM,
				 "%s of a session is read-only: the daemon keeps it", n.attr);
	case N_SGV:
		return scst_errf(err, errlen, -EPERM,
				 "%s is a counter of the buffer cache: read-only", n.attr);
	case N_DSTATS:
		return scst_errf(err, errlen, -EPERM,
				 "%s is an I/O counter of the device: read-only", n.attr);
	case N_HANDLER:
		return scst_errf(err, errlen, -EPERM,
				 "%s is the SCSI device type of the handler's devices: read-only",
				 n.attr);
	default:
		return scst_errf(err, errlen, -EPERM, "read-only");
	}
}

int scst_tree_mgmt(const char *path, const char *cmd, char *err, size_t errlen)
{
	struct node n, m;
	int ret;

	pthread_mutex_lock(&scst_mgmt_lock);
	ret = resolve(path, &n, err, errlen);
	if (!ret && n.kind != N_MGMT) {
		if (lookup(&n, "mgmt", &m) || m.kind != N_MGMT)
			ret = scst_errf(err, errlen, -EINVAL, "%s: no mgmt entry here", path);
		else
			n = m;
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ret ? ret : run_mgmt(&n, cmd, err, errlen);
}
