/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Asymmetric logical unit access (SPC-4 5.15), in SCST's model: a device
 * group holds devices and target groups; a target group has an id, an
 * asymmetric access state, a preferred bit and the target ports in it, named
 * by target name (a local target) or by name and relative target port id (a
 * port of another node of a cluster, reported but not served here).
 *
 * The state a nexus sees is that of the target group holding its target, in
 * the device group holding its device. A device in no group, or a target in
 * no group of its device's group, has no ALUA: TPGS 0 in INQUIRY and no
 * REPORT/SET TARGET PORT GROUPS on that path.
 *
 * Threads: the calls below are the management API (see core.h) and take
 * scst_mgmt_lock. The groups may be read by management with scst_mgmt_lock
 * held; reactors read them under the ALUA lock (alua.c).
 */
#ifndef SCST_ALUA_H
#define SCST_ALUA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scst/types.h"

/* Asymmetric access states (SPC-4 6.37 table 290). */
enum scst_alua_state {
	SCST_ALUA_ACTIVE = 0x0, /* active/optimized */
	SCST_ALUA_NONOPTIMIZED = 0x1, /* active/non-optimized */
	SCST_ALUA_STANDBY = 0x2,
	SCST_ALUA_UNAVAILABLE = 0x3,
	SCST_ALUA_OFFLINE = 0xe,
	SCST_ALUA_TRANSITIONING = 0xf,
	SCST_ALUA_NONE = 0xff, /* not under ALUA */
};

/* A target port in a target group. */
struct scst_tg_tgt {
	char name[SCST_MAX_NAME];
	uint16_t rel_tgt_id; /* configured id; 0: the local target's own */
	struct scst_tg_tgt *next;
};

struct scst_target_group {
	char name[SCST_MAX_NAME];
	uint16_t group_id;
	_Atomic uint8_t state; /* enum scst_alua_state */
	bool preferred;
	/* RTPG STATUS CODE: 0 none, 1 changed by SET TARGET PORT GROUPS, 2
	 * implicitly. */
	_Atomic uint8_t status;
	struct scst_tg_tgt *tgts;
	struct scst_target_group *next;
};

struct scst_dg_dev {
	struct scst_device *dev;
	struct scst_dg_dev *next;
};

struct scst_dev_group {
	char name[SCST_MAX_NAME];
	struct scst_dg_dev *devs;
	struct scst_target_group *tgs;
	struct scst_dev_group *next;
};

/* SCST's names: active, nonoptimized, standby, unavailable, offline,
 * transitioning. */
const char *scst_alua_state_name(uint8_t state);
/* The state for a name, or -1. */
int scst_alua_state_parse(const char *name);

/* First device group (scst_mgmt_lock held while walking ->next). */
struct scst_dev_group *scst_dg_first(void);
struct scst_dev_group *scst_dg_find(const char *name);
struct scst_target_group *scst_tg_find(const struct scst_dev_group *dg, const char *name);
/* The device group holding dev, or NULL (scst_mgmt_lock held). */
struct scst_dev_group *scst_dg_of_device(const struct scst_device *dev);

/*
 * Changes. Each checks first and changes nothing on error (-errno and one line
 * in err). Every change that alters what a nexus sees (its state, or the
 * REPORT TARGET PORT GROUPS data) gives every nexus of the group's devices
 * ASYMMETRIC ACCESS STATE CHANGED.
 */
int scst_dg_add(const char *dg, char *err, size_t errlen);
int scst_dg_del(const char *dg, char *err, size_t errlen);
/* A device belongs to one device group at most. */
int scst_dg_dev_add(const char *dg, const char *dev, char *err, size_t errlen);
int scst_dg_dev_del(const char *dg, const char *dev, char *err, size_t errlen);
int scst_tg_add(const char *dg, const char *tg, char *err, size_t errlen);
int scst_tg_del(const char *dg, const char *tg, char *err, size_t errlen);
/* group_id (1-65535, unique in the device group), state (a name above),
 * preferred (0/1). */
int scst_tg_set_attr(const char *dg, const char *tg, const char *attr, const char *value, char *err,
		     size_t errlen);
/* A target is in one target group of a device group at most. */
int scst_tg_tgt_add(const char *dg, const char *tg, const char *tgt, char *err, size_t errlen);
int scst_tg_tgt_del(const char *dg, const char *tg, const char *tgt, char *err, size_t errlen);
/* rel_tgt_id of a port of another node (0: the local target's own id). */
int scst_tg_tgt_set_rel_id(const char *dg, const char *tg, const char *tgt, uint16_t id, char *err,
			   size_t errlen);
/* The relative target port id reported for t: configured, else the local
 * target's, else 0. */
uint16_t scst_tg_tgt_rel_id(const struct scst_tg_tgt *t);

#endif
