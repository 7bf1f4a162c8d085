/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Core-internal object model. See OWNERSHIP.md for which thread owns what.
 */
#ifndef SCST_CORE_PRIV_H
#define SCST_CORE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include "scst/alua.h"
#include "scst/core.h"
#include "scst/log.h"
#include "scst/device.h"
#include "scst/target.h"

struct scst_lun_entry {
	uint64_t lun;
	struct scst_device *dev;
	bool read_only;
};

/*
 * An immutable LUN table. Management builds a new one for every change and
 * publishes it; sessions hold a reference to the one they use. Entries are
 * sorted by LUN; by_lun indexes LUNs below max_index directly.
 */
struct scst_lun_table {
	atomic_int refcount;
	unsigned count;
	struct scst_lun_entry *entries; /* sorted by lun */
	uint32_t index_size; /* max lun + 1, or 0 */
	int32_t *by_lun; /* lun -> entry index or -1 */
};

struct scst_pattern {
	char *pattern;
	struct scst_pattern *next;
};

struct scst_acg {
	char name[64];
	struct scst_target *tgt;
	struct scst_pattern *initiators; /* in order of addition */
	struct scst_lun_table *luns; /* published; management owns the pointer */
	struct scst_acg *next;
};

struct scst_attr_kv {
	char *name;
	char *value;
	struct scst_attr_kv *next;
};

struct scst_target {
	char name[SCST_MAX_NAME];
	const struct scst_tgt_template *tmpl;
	bool enabled;
	uint16_t rel_tgt_id;
	struct scst_acg dflt; /* default LUN table: initiators matching no group */
	struct scst_acg *groups;
	struct scst_attr_kv *attrs; /* driver-level attributes (IncomingUser, ...) */
	struct scst_session *sessions; /* under scst_mgmt_lock */
	struct scst_target *next;
};

/* Per (session, device): the I_T_L nexus state. Owned by the session's reactor,
 * except the UA queue, which device-wide events fill under dev->lock. */
struct scst_ua {
	enum scst_sense_reason reason;
	struct scst_ua *next;
};

struct scst_tgt_dev {
	struct scst_session *sess;
	struct scst_device *dev;
	uint64_t lun;
	bool read_only;
	/* Unit attentions, oldest first; under dev->lock. */
	struct scst_ua *ua_head, **ua_tail;
	atomic_bool ua_pending; /* fast check without the lock */
	/* Deferred sense for REQUEST SENSE (last CHECK CONDITION without autosense is not
	 * kept: iSCSI always autosenses). */
	/* Ordering (SAM-5 8.6): commands in flight on this nexus and the blocked queue. */
	unsigned inflight;
	unsigned inflight_ordered;
	struct scst_cmd *blocked_head, *blocked_tail;
	bool gone; /* LUN removed; commands finish with LUN NOT SUPPORTED */
	atomic_bool prevent; /* PREVENT ALLOW MEDIUM REMOVAL held by this nexus (medium.c) */
	/* Gone because the LUN now names another device (replace, re-bind): commands
	 * received before the change still run here, on the device they were parsed for,
	 * as if they had completed before it. */
	bool replaced;
	unsigned cmd_refs; /* commands initialised on this tgt_dev and not yet freed */
	struct scst_work drain_work; /* runs the blocked queue after a completion */
	bool drain_scheduled;
	struct scst_tgt_dev *dev_next, *dev_prev; /* device's list, under dev->lock */
	struct scst_tgt_dev *hash_next;
	/* ALUA as this nexus sees it, valid while alua_gen equals dev->alua_gen (alua.c). */
	unsigned alua_gen;
	uint8_t alua_state; /* enum scst_alua_state */
	uint16_t alua_group_id;
};

#define SCST_TGT_DEV_HASH 64

/* Status of one EXTENDED COPY kept for RECEIVE COPY RESULTS (xcopy.c). */
#define SCST_XCOPY_STATUS_SLOTS 8
struct scst_xcopy_status {
	bool used;
	uint8_t list_id;
	uint8_t status; /* COPY MANAGER STATUS */
	uint16_t segments;
	uint32_t blocks;
};

struct scst_session {
	struct scst_target *tgt;
	struct scst_acg *acg;
	char initiator_name[SCST_MAX_NAME];
	char initiator_port[SCST_MAX_NAME + 32];
	struct scst_reactor *reactor;
	void *tgt_priv;
	struct scst_lun_table *luns; /* reactor's view; replaced by a message */
	struct scst_tgt_dev *tgt_devs[SCST_TGT_DEV_HASH];
	/* Commands: a free pool (reactor-owned) and the active list. */
	struct scst_cmd *free_cmds;
	size_t cmd_size;
	struct scst_cmd *active_head;
	unsigned active;
	uint64_t next_sn;
	bool unregistering;
	bool unreg_queued;
	void (*unreg_done)(struct scst_session *, void *);
	void *unreg_arg;
	struct scst_work unreg_work;
	/* EXTENDED COPY results by LIST IDENTIFIER, reactor-owned (xcopy.c). */
	struct scst_xcopy_status xcopy_status[SCST_XCOPY_STATUS_SLOTS];
	unsigned xcopy_next;
	/* Counters for the management tree. */
	atomic_uint_fast64_t cmds, bytes_read, bytes_written;
	atomic_int refcount; /* the nexus itself + pending management messages */
	struct scst_session *next; /* target's list, under scst_mgmt_lock */
};

/* Global registry lock: taken by management and at login/logout, never per command. */
extern pthread_mutex_t scst_mgmt_lock;

/* Management helpers shared by the registry files. */
bool scst_name_valid(const char *name, size_t max);
void scst_copy_str(char *dst, size_t dstlen, const char *src);
struct scst_lun_table *scst_lun_table_new_empty(void);
void scst_lun_table_unexport(struct scst_lun_table *tbl);
void scst_acg_free(struct scst_acg *g);

struct scst_target *scst_target_first(void);
/* Is the driver switched on (scst_driver_set_enabled)? scst_mgmt_lock held. */
bool scst_driver_enabled_locked(const struct scst_tgt_template *tmpl);
/* The i-th driver switched off, NULL past the last; scst_mgmt_lock held. */
const struct scst_tgt_template *scst_driver_disabled_at(unsigned i);
struct scst_lun_table *scst_lun_table_get(struct scst_lun_table *t);
void scst_lun_table_put(struct scst_lun_table *t);
const struct scst_lun_entry *scst_lun_table_find(const struct scst_lun_table *t, uint64_t lun);
struct scst_acg *scst_acg_for_initiator(struct scst_target *tgt, const char *initiator);
struct scst_acg *scst_acg_find(struct scst_target *tgt, const char *group);

/* Sessions (session.c). */
struct scst_tgt_dev *scst_tgt_dev_get(struct scst_session *sess, uint64_t lun);
void scst_session_luns_changed(struct scst_acg *acg);
/* REPORT LUNS succeeded on s: the initiator has the new list, so REPORTED LUNS DATA HAS
 * CHANGED is cleared on every LUN of the I_T nexus, not only the one it was sent to
 * (SPC-4 6.33; SCST does the same). On the session's reactor. */
void scst_session_luns_reported(struct scst_session *s);
/* Bind s to another access group and send it that group's table (scst_mgmt_lock held). */
void scst_session_rebind(struct scst_session *s, struct scst_acg *acg);
void scst_tgt_dev_maybe_free(struct scst_tgt_dev *td);
void scst_session_cmd_gone(struct scst_session *s);
void scst_device_release(struct scst_device *dev);

/* Unit attentions (ua.c). */
void scst_ua_queue(struct scst_tgt_dev *td, enum scst_sense_reason reason);
/* The same with td->dev->lock already held. */
void scst_ua_queue_locked(struct scst_tgt_dev *td, enum scst_sense_reason reason);
void scst_ua_queue_device(struct scst_device *dev, enum scst_sense_reason reason,
			  struct scst_tgt_dev *except);
/* Pop the oldest UA of td into the command's sense; false if none. */
bool scst_ua_take(struct scst_tgt_dev *td, struct scst_cmd *cmd);
void scst_ua_clear(struct scst_tgt_dev *td);
/* Drop pending UAs of one kind (REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED). */
void scst_ua_clear_reason(struct scst_tgt_dev *td, enum scst_sense_reason reason);

/* Commands (cmd.c). */
void scst_cmd_exec_done(struct scst_cmd *cmd);
void scst_cmd_fill_data(struct scst_cmd *cmd, const void *data, uint32_t len);
void scst_cmd_free_to_pool(struct scst_cmd *cmd);
/* Mark cmd aborted (TMF, nexus loss); it still reaches xmit_response, which sends nothing. */
void scst_cmd_abort(struct scst_cmd *cmd);

/* Emulated command executors (spc.c, sbc.c). Each ends with scst_cmd_done(). */
void scst_spc_test_unit_ready(struct scst_cmd *cmd);
void scst_spc_request_sense(struct scst_cmd *cmd);
void scst_spc_inquiry(struct scst_cmd *cmd);
void scst_spc_mode_sense(struct scst_cmd *cmd);
void scst_spc_mode_select(struct scst_cmd *cmd);
void scst_spc_report_luns(struct scst_cmd *cmd);
void scst_spc_report_supported_opcodes(struct scst_cmd *cmd);
void scst_spc_report_supported_tmfs(struct scst_cmd *cmd);
void scst_spc_start_stop_unit(struct scst_cmd *cmd);
void scst_spc_prevent_allow(struct scst_cmd *cmd);
void scst_spc_log_sense(struct scst_cmd *cmd);
void scst_spc_reserve(struct scst_cmd *cmd);
void scst_spc_release(struct scst_cmd *cmd);
/* SPC-2 reservations (reserve.c). */
bool scst_res_conflict(const struct scst_cmd *cmd);
/* Drop the reservation if td holds it (release, reset, nexus loss). */
void scst_res_drop(struct scst_device *dev, struct scst_tgt_dev *td);
/* Drop it whoever holds it (LUN reset, target reset). */
void scst_res_clear(struct scst_device *dev);
/* Persistent reservations (pr.c, pr_file.c). */
bool scst_pr_conflict(const struct scst_cmd *cmd);
/* SPC-4 5.13.3: while any registration exists, RESERVE and RELEASE conflict. */
bool scst_pr_has_registrations(struct scst_device *dev);
void scst_pr_in(struct scst_cmd *cmd);
void scst_pr_out(struct scst_cmd *cmd);
void scst_pr_dev_init(struct scst_device *dev);
void scst_pr_dev_free(struct scst_device *dev);

/* A reference that keeps a session's memory (not its nexus) alive. */
void scst_session_get(struct scst_session *s);
void scst_session_put(struct scst_session *s);

/*
 * Abort, on their own reactors, the commands other I_T nexuses have on dev
 * (tmf.c): every session with a nexus to dev other than except, and for which
 * match (if not NULL) says yes. Called on the reactor that owns w; w->pending
 * counts one per session reached and drops when that session's aborted
 * commands have all left the backend. With the control mode page's TAS 1 they
 * end with TASK ABORTED; with TAS 0 they end silently and, when ua is not
 * SCST_SENSE_NONE, their nexus gets that unit attention (SAM-5 5.6).
 */
void scst_abort_other_nexuses(struct scst_device *dev, const struct scst_session *except,
			      bool (*match)(const struct scst_session *s, void *arg), void *arg,
			      enum scst_sense_reason ua, struct scst_abort_waiter *w);

/* ALUA (alua.c, spc_alua.c). */
struct scst_dev_group;
void scst_alua_refresh(struct scst_tgt_dev *td, unsigned gen);
/* The asymmetric access state of td's path (SCST_ALUA_NONE: no ALUA here). */
static inline uint8_t scst_alua_state(struct scst_tgt_dev *td)
{
	unsigned gen = atomic_load_explicit(&td->dev->alua_gen, memory_order_acquire);

	if (unlikely(gen != td->alua_gen))
		scst_alua_refresh(td, gen);
	return td->alua_state;
}
void scst_alua_with_group(const struct scst_device *dev,
			  void (*fn)(const struct scst_dev_group *dg, void *arg), void *arg);
/* SET TARGET PORT GROUPS: all or none; on -ENOENT *bad is the unknown descriptor. */
int scst_alua_set_states(const struct scst_device *dev, const uint16_t *ids, const uint8_t *states,
			 unsigned n, const struct scst_session *from, unsigned *bad);
/* dev is being deleted (scst_mgmt_lock held): out of its device group. */
void scst_alua_device_gone(struct scst_device *dev);
void scst_alua_exit(void);
/* Pre-exec: the sense for cmd under its path's ALUA state, or SCST_SENSE_NONE. */
enum scst_sense_reason scst_alua_check(struct scst_cmd *cmd);
void scst_spc_report_tpgs(struct scst_cmd *cmd);
/* What the opcode table may require of td's path: its handler's capabilities,
 * and SCST_CAP_ALUA when the path is under ALUA. */
uint32_t scst_td_caps(struct scst_tgt_dev *td);
void scst_spc_set_tpgs(struct scst_cmd *cmd);
/* LBA range locks of read-modify-write commands (lba_lock.c). true: locked now;
 * false: queued, resume(cmd) runs on cmd's reactor once the range is locked. */
bool scst_lba_lock(struct scst_cmd *cmd, uint64_t lba, uint64_t n,
		   void (*resume)(struct scst_cmd *cmd));
void scst_lba_unlock(struct scst_cmd *cmd);
/* Removable medium (medium.c). */
/* NOT READY reason for a command that needs the medium (ejected, sanitizing), or NONE. */
enum scst_sense_reason scst_medium_check(const struct scst_cmd *cmd);
void scst_medium_nexus_gone(struct scst_tgt_dev *td);
void scst_medium_reset(struct scst_device *dev);
void scst_sbc_read_capacity10(struct scst_cmd *cmd);
void scst_sbc_read_capacity16(struct scst_cmd *cmd);
void scst_sbc_read(struct scst_cmd *cmd);
void scst_sbc_write(struct scst_cmd *cmd);
void scst_sbc_write_verify(struct scst_cmd *cmd);
void scst_sbc_verify(struct scst_cmd *cmd);
void scst_sbc_sync_cache(struct scst_cmd *cmd);
void scst_sbc_write_same(struct scst_cmd *cmd);
void scst_sbc_unmap(struct scst_cmd *cmd);
void scst_sbc_get_lba_status(struct scst_cmd *cmd);
void scst_sbc_compare_and_write(struct scst_cmd *cmd);
void scst_sbc_prefetch(struct scst_cmd *cmd);
void scst_sbc_read_defect_data(struct scst_cmd *cmd);
void scst_sbc_format_unit(struct scst_cmd *cmd);
void scst_sbc_orwrite(struct scst_cmd *cmd);
void scst_sbc_write_atomic(struct scst_cmd *cmd);
void scst_sbc_sanitize(struct scst_cmd *cmd);
void scst_spc_extended_copy(struct scst_cmd *cmd);
void scst_spc_receive_copy_results(struct scst_cmd *cmd);
/* Third-party Copy VPD page (0x8F) into b; returns its length. */
uint32_t scst_spc_vpd_third_party_copy(uint8_t *b);

/* MAXIMUM ATOMIC TRANSFER LENGTH (VPD 0xB0) in blocks: 1 MiB, one backend write. */
static inline uint32_t scst_max_atomic_blocks(const struct scst_device *dev)
{
	return (1u << 20) >> dev->block_shift;
}

/*
 * MAXIMUM WRITE SAME LENGTH (VPD 0xB0) in blocks: reported and enforced from here.
 * Equal to the largest data buffer of one command (the MAXIMUM TRANSFER LENGTH),
 * because initiators check a WRITE SAME of that many blocks by first writing
 * them with one WRITE (libiscsi's WriteSame16.Unmap does).
 */
static inline uint64_t scst_max_write_same_blocks(const struct scst_device *dev)
{
	return (uint64_t)SCST_SGV_MAX_ALLOC >> dev->block_shift;
}

/* Issue cmd's bio (cmd->bio) to its device's handler: op on [off, off+len) of the
 * device, data in buf (NULL for none); done() runs on completion. */
void scst_cmd_submit_bio(struct scst_cmd *cmd, enum scst_bio_op op, uint32_t flags, uint64_t off,
			 uint64_t len, void *buf,
			 void (*done)(struct scst_bio *bio, enum scst_sense_reason reason));
/* The same on another device the command may reach (EXTENDED COPY). */
void scst_cmd_submit_bio_dev(struct scst_cmd *cmd, struct scst_device *dev, enum scst_bio_op op,
			     uint32_t flags, uint64_t off, uint64_t len, void *buf,
			     void (*done)(struct scst_bio *bio, enum scst_sense_reason reason));

/* Copy what fits of a response into the command's data-in buffer: response data is
 * truncated to the allocation length (SPC-4 4.2.5.6) without an error. */
void scst_cmd_respond(struct scst_cmd *cmd, const void *data, uint32_t len);

#endif
