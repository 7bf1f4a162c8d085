/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The management object tree, in the layout of SCST's sysfs interface:
 *
 *   handlers/<handler>/{mgmt,type,<dev> -> devices/<dev>}
 *   devices/<dev>/{handler,filename,size,blocksize,read_only,...,
 *                  exported/exportN -> targets/.../luns/<lun>,
 *                  stats/{reads,writes,read_bytes,write_bytes,syncs,unmaps,errors}}
 *   targets/<driver>/{mgmt,enabled,<target>/}
 *   targets/<driver>/<target>/{enabled,rel_tgt_id,IncomingUser,OutgoingUser,...,
 *       luns/{mgmt,<lun>/{device,read_only}},
 *       ini_groups/{mgmt,<group>/{initiators/{mgmt,<pattern>},luns/...}},
 *       sessions/<initiator>/{initiator_name,commands,bytes_read,bytes_written,
 *                             active_commands,luns -> its group's luns}}
 *   sgv/{hits,misses,allocs,frees,purges,bytes_held,bytes_in_use,cap}
 *   device_groups/{mgmt,<dg>/{devices/{mgmt,<dev> -> devices/<dev>},
 *       target_groups/{mgmt,<tg>/{mgmt,group_id,state,preferred,<target>/rel_tgt_id}}}}
 *
 * Every directory with a `mgmt` entry takes SCST-style commands (see
 * PROTOCOL.md). Every call validates first; a rejected one changes nothing
 * and writes a one-line reason into err.
 *
 * Threads: the management thread only (scstd's control thread, or a test's
 * only thread). Reads walk the registry under scst_mgmt_lock; writes resolve
 * the path under it and then call the core's management API, which takes the
 * lock itself. Pointers stay valid in between because only the management
 * thread changes the registry (src/core/OWNERSHIP.md).
 */
#ifndef SCST_MGMT_TREE_H
#define SCST_MGMT_TREE_H

#include <stdbool.h>
#include <stddef.h>

struct scst_conf;

/* A growing text buffer; oom is set (and text dropped) when memory runs out. */
struct scst_sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void scst_sbuf_add(struct scst_sbuf *b, const char *s, size_t n);
void scst_sbuf_printf(struct scst_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void scst_sbuf_free(struct scst_sbuf *b);

/*
 * List a directory. One line per entry: "d NAME" (directory), "m NAME" (a
 * mgmt entry), "a NAME<TAB>VALUE" (attribute; '\\' and newlines in VALUE
 * escaped as \\ and \n) or "l NAME<TAB>PATH" (a link, as SCST's sysfs
 * symlinks: a path through NAME continues at PATH). With recursive, NAME is
 * the path below path and the listing descends into every directory, not
 * into links.
 */
int scst_tree_ls(const char *path, bool recursive, struct scst_sbuf *out, char *err,
		 size_t errlen);
/* Read an attribute (a mgmt entry reads as the list of its commands). */
int scst_tree_get(const char *path, struct scst_sbuf *out, char *err, size_t errlen);
/* Write an attribute; writing a mgmt entry runs the command. */
int scst_tree_set(const char *path, const char *value, char *err, size_t errlen);
/* Run a command on a mgmt entry; path may name the entry or its directory. */
int scst_tree_mgmt(const char *path, const char *cmd, char *err, size_t errlen);
/*
 * All sessions, one line each: driver, target, session name, initiator name,
 * commands, bytes read, bytes written, active commands; TAB separated.
 */
int scst_tree_sessions(struct scst_sbuf *out);

/*
 * conf_apply.c (belongs in conf.h, which this layer does not own): make the
 * running state equal to a parsed configuration. Checks everything first
 * (scst_conf_apply_check); a rejected file changes nothing. Then adds new
 * devices (undone if one fails to attach), disables targets the file wants
 * disabled, removes LUNs, groups, targets and devices the file no longer has,
 * changes device and target attributes, creates targets, and groups with
 * their LUNs, changes each target's initiator patterns in one step (sessions
 * re-bind at once), adds or replaces the other LUNs and enables targets last
 * (conf_apply.c says why).
 * Errors are "FILE:LINE: message" (line 0 for things the file does not have).
 */
int scst_conf_apply_check(const struct scst_conf *want, char *err, size_t errlen);
int scst_conf_apply(const struct scst_conf *want, char *err, size_t errlen);
/* Parse text (name is used in messages), then check (apply false) or apply it. */
int scst_conf_apply_string(const char *text, const char *name, bool apply, char *err,
			   size_t errlen);

#endif
