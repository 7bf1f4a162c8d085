/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scst.conf layer: the grammar of SCST's scstadmin configuration file.
 *
 *   text --scst_conf_parse_*()--> struct scst_conf (a tree, file:line on every node)
 *        --scst_conf_validate()--> checked against the registered handlers/drivers
 *        --scst_conf_load()------> applied to the core through include/scst/core.h
 *   running state --scst_conf_save()--> text in the same grammar
 *
 * The tree is plain data with no link to the core, so a later `scstadm apply`
 * can parse a file, build a second tree from the running state and diff them.
 * Lists keep the order of the file. All strings and nodes of one tree live in
 * the tree's arena and go away with scst_conf_free().
 *
 * Errors are one line, "FILE:LINE: message", written into err.
 *
 * Threads: management thread only (the loader and writer drive the core's
 * management API and read its registry under scst_mgmt_lock).
 */
#ifndef SCST_MGMT_CONF_H
#define SCST_MGMT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Where a node came from: file is the tree's file name (shared, not copied per node). */
struct scst_conf_pos {
	const char *file;
	unsigned line;
};

/* "key value": several words after the key are joined with one space. */
struct scst_conf_attr {
	struct scst_conf_pos pos;
	char *key;
	char *value;
	struct scst_conf_attr *next;
};

struct scst_conf_lun {
	struct scst_conf_pos pos;
	uint64_t lun;
	char *device;
	struct scst_conf_attr *attrs; /* LUN 1 disk2 { read_only 1 } */
	struct scst_conf_lun *next;
};

struct scst_conf_initiator {
	struct scst_conf_pos pos;
	char *pattern;
	struct scst_conf_initiator *next;
};

/* GROUP: an access group of a target. */
struct scst_conf_group {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs;
	struct scst_conf_initiator *initiators;
	struct scst_conf_lun *luns;
	struct scst_conf_group *next;
};

struct scst_conf_target {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs;
	struct scst_conf_lun *luns; /* the default LUN table */
	struct scst_conf_group *groups;
	struct scst_conf_target *next;
};

struct scst_conf_driver {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs;
	struct scst_conf_target *targets;
	struct scst_conf_driver *next;
};

struct scst_conf_device {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs;
	struct scst_conf_device *next;
};

struct scst_conf_handler {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs;
	struct scst_conf_device *devices;
	struct scst_conf_handler *next;
};

/* ALUA (SPC-4 5.15): DEVICE_GROUP, TARGET_GROUP (conf_alua.c). */
struct scst_conf_name {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs; /* TARGET name { rel_tgt_id 2 } in a TARGET_GROUP */
	struct scst_conf_name *next;
};

struct scst_conf_tgt_group {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs; /* group_id, state, ... */
	struct scst_conf_name *targets;
	struct scst_conf_tgt_group *next;
};

struct scst_conf_dev_group {
	struct scst_conf_pos pos;
	char *name;
	struct scst_conf_attr *attrs;
	struct scst_conf_name *devices;
	struct scst_conf_tgt_group *tgt_groups;
	struct scst_conf_dev_group *next;
};

struct scst_conf_arena;

struct scst_conf {
	const char *file; /* name used in messages; every pos.file points here */
	struct scst_conf_attr *attrs; /* top level: setup_id, ... */
	struct scst_conf_handler *handlers;
	struct scst_conf_driver *drivers;
	struct scst_conf_dev_group *dev_groups;
	struct scst_conf_arena *arena;
};

/*
 * Parse text (NUL-terminated); name is the file name used in messages.
 * Returns 0 and *out, or -EINVAL (syntax) / -ENOMEM with the reason in err.
 * Only syntax and the checks that need no running state are done here.
 */
int scst_conf_parse_string(const char *text, const char *name, struct scst_conf **out, char *err,
			   size_t errlen);
/* As above for a file; -errno of open/read with "PATH: reason" in err. */
int scst_conf_parse_file(const char *path, struct scst_conf **out, char *err, size_t errlen);
void scst_conf_free(struct scst_conf *c);

/* Builders, for the parser and for code that makes a tree from the running state. */
struct scst_conf *scst_conf_new(const char *name);
/* Copy of s (len bytes, or all of it when len is (size_t)-1) in c's arena; NULL if no memory. */
char *scst_conf_strdup(struct scst_conf *c, const char *s, size_t len);
/* Zeroed memory in c's arena; NULL if no memory. */
void *scst_conf_alloc(struct scst_conf *c, size_t size);

/* Lookups in a tree; NULL when absent. */
const struct scst_conf_attr *scst_conf_attr_find(const struct scst_conf_attr *list,
						 const char *key);
const struct scst_conf_device *scst_conf_device_find(const struct scst_conf *c, const char *name);
const struct scst_conf_driver *scst_conf_driver_find(const struct scst_conf *c, const char *name);
const struct scst_conf_target *scst_conf_target_find(const struct scst_conf_driver *d,
						     const char *name);

/*
 * Check a tree against the registered handlers and drivers and the running
 * state, without changing anything: known names, known attributes with valid
 * values, LUNs naming defined devices, no name that already exists.
 * Returns 0 or -EINVAL with "FILE:LINE: message" in err.
 */
/* Append node to a singly linked list through ->next, keeping file order. */
#define SCST_CONF_APPEND(list, node)                                   \
	do {                                                           \
		__typeof__(node) *t_ = &(list);                        \
		while (*t_)                                            \
			t_ = &(*t_)->next;                             \
		*t_ = (node);                                          \
	} while (0)

/* Write "FILE:LINE: message" for pos into err; returns -EINVAL. */
int scst_conf_err(char *err, size_t errlen, const struct scst_conf_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A DEVICE block's attributes as "k=v;k=v" for scst_device_add(); malloc'd, NULL on OOM. */
char *scst_conf_device_attrs(const struct scst_conf_device *d);

int scst_conf_validate(const struct scst_conf *c, char *err, size_t errlen);

/*
 * Apply a tree to an empty running state. Validates first; on any error
 * returns a negative errno with "FILE:LINE: message" and leaves the core as it
 * was (what a failed core call had already created is removed again).
 * Order: devices, targets and their attributes, access groups and their
 * initiators, LUNs, and enabling targets last, so that no initiator ever sees
 * a LUN meant for another.
 */
int scst_conf_load(const struct scst_conf *c, char *err, size_t errlen);
int scst_conf_load_file(const char *path, char *err, size_t errlen);
int scst_conf_load_string(const char *text, const char *name, char *err, size_t errlen);

/*
 * A tree of the running state (devices with their non-default attributes,
 * targets, groups, LUN tables), built under scst_mgmt_lock. Positions have
 * line 0. Returns 0 and *out, or -ENOMEM.
 */
int scst_conf_from_running(struct scst_conf **out);
/* Write any tree in the grammar; -EIO when the stream fails. */
int scst_conf_write(FILE *out, const struct scst_conf *c);

/*
 * Write the running state in the same grammar: devices with their
 * non-default attributes, targets with attributes, LUNs and groups. Loading
 * the output into an empty core reproduces the state. Returns 0 or -errno.
 */
int scst_conf_save(FILE *out);

/*
 * DEVICE_GROUP blocks (conf_alua.c): check them (part of scst_conf_validate),
 * make the running device groups equal to the file's (load and apply), and add
 * the running ones to a tree (scst_mgmt_lock held).
 */
int scst_conf_alua_validate(const struct scst_conf *c, char *err, size_t errlen);
/* On failure *pos is the node (NULL: the file as a whole) and err the core's reason. */
int scst_conf_alua_apply(const struct scst_conf *c, const struct scst_conf_pos **pos, char *err,
			 size_t errlen);
int scst_conf_alua_snap(struct scst_conf *c);

/* Write a value so that the parser reads it back as it is (quoted when needed). */
void scst_conf_write_value(FILE *out, const char *value);

#endif
