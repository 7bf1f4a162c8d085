/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The core's management API: what the management thread (src/mgmt, the
 * daemon, tests) uses to build the object model. Not for the fast path.
 * Every call validates first; on failure it changes nothing, returns a
 * negative errno and writes a one-line reason into err.
 *
 * Threads: these run on the management thread (or the only thread in a
 * test). Reactors learn about changes through messages (see OWNERSHIP.md).
 */
#ifndef SCST_CORE_H
#define SCST_CORE_H

#include "scst/device.h"
#include "scst/target.h"

/* Start the core with n reactors (0: one per CPU); they are not yet running. */
int scst_core_init(unsigned nr_reactors);
/* Where persistent reservation state is kept (created if missing); NULL: nowhere
 * (APTPL refused). Set before devices are added. 0 or -errno. */
int scst_set_state_dir(const char *dir);
/* Start reactor threads. Tests that drive a reactor by hand skip this. */
int scst_core_start_reactors(void);
void scst_core_stop_reactors(void);
void scst_core_exit(void);
unsigned scst_core_nr_reactors(void);
struct scst_reactor *scst_core_reactor(unsigned i);
/* A reactor for a new connection: spreads load round-robin. */
struct scst_reactor *scst_core_pick_reactor(void);

/* Devices. attrs is "key=value;key=value" as in SCST's add_device. */
int scst_device_add(const char *handler, const char *name, const char *attrs, char *err,
		    size_t errlen);
int scst_device_del(const char *name, char *err, size_t errlen);
struct scst_device *scst_device_find(const char *name);
struct scst_device *scst_device_first(void);
/* Read or write one attribute by name; value written as text. */
int scst_device_get_attr(struct scst_device *dev, const char *attr, char *buf, size_t len);
int scst_device_set_attr(struct scst_device *dev, const char *attr, const char *value, char *err,
			 size_t errlen);
/* Capacity changed (resize): queue CAPACITY DATA HAS CHANGED to every nexus. */
void scst_device_capacity_changed(struct scst_device *dev);

/* Targets. */
int scst_target_add(const char *driver, const char *name, char *err, size_t errlen);
int scst_target_del(const char *driver, const char *name, char *err, size_t errlen);
int scst_target_set_enabled(struct scst_target *tgt, bool enabled);
int scst_target_set_attr(struct scst_target *tgt, const char *name, const char *value, char *err,
			 size_t errlen);
void scst_target_set_rel_id(struct scst_target *tgt, uint16_t id);
/*
 * A driver as a whole (SCST's targets/<driver>/enabled): switched off, none of
 * its targets takes a new login or shows in discovery; sessions already in stay.
 * Every driver starts switched on.
 */
int scst_driver_set_enabled(const char *driver, bool enabled, char *err, size_t errlen);
bool scst_driver_enabled(const char *driver);

/* Access groups; group NULL means the target's default LUN table. */
int scst_group_add(struct scst_target *tgt, const char *group, char *err, size_t errlen);
int scst_group_del(struct scst_target *tgt, const char *group, char *err, size_t errlen);
int scst_group_add_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen);
int scst_group_del_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen);
/* Move a pattern from one group to another in one step. */
int scst_group_move_initiator(struct scst_target *tgt, const char *from, const char *pattern,
			      const char *to, char *err, size_t errlen);

/*
 * Several pattern changes of one target as one: applied in order, all or none,
 * then live sessions whose initiator now matches another group are re-bound to
 * it at once (as SCST does): nexuses on LUNs that keep their device stay, the
 * rest follow the new group's table with the unit attentions of a LUN change.
 */
struct scst_initiator_change {
	const char *group;
	const char *pattern;
	bool add; /* false: remove */
};
int scst_group_change_initiators(struct scst_target *tgt, const struct scst_initiator_change *ch,
				 unsigned n, char *err, size_t errlen);

/* LUN tables. Changes reach live sessions at once with REPORTED LUNS DATA HAS CHANGED. */
int scst_lun_add(struct scst_target *tgt, const char *group, uint64_t lun, const char *device,
		 bool read_only, char *err, size_t errlen);
int scst_lun_del(struct scst_target *tgt, const char *group, uint64_t lun, char *err,
		 size_t errlen);
int scst_lun_clear(struct scst_target *tgt, const char *group, char *err, size_t errlen);
/*
 * Point LUN at device (or change its read_only) in one published table: no
 * moment without the LUN. The nexuses on that LUN get INQUIRY DATA HAS CHANGED
 * (another device) or MODE PARAMETERS CHANGED (read_only only). A LUN that does
 * not exist yet is added, as SCST's replace does.
 */
int scst_lun_replace(struct scst_target *tgt, const char *group, uint64_t lun, const char *device,
		     bool read_only, char *err, size_t errlen);
/*
 * Several changes to one LUN table published as one table (apply uses it: one
 * message and at most one unit attention per session for a whole file, and no
 * table copy per LUN). Each change adds or replaces its LUN (device set) or
 * removes it (device NULL; the LUN must exist); a LUN at most once. All or none.
 */
struct scst_lun_change {
	uint64_t lun;
	const char *device; /* NULL: remove the LUN */
	bool read_only;
};
int scst_lun_update(struct scst_target *tgt, const char *group, const struct scst_lun_change *ch,
		    unsigned n, char *err, size_t errlen);

/* Initiator name pattern match as in SCST: '*' any run, '?' one char. */
bool scst_pattern_match(const char *pattern, const char *name);

#endif
