/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The target driver contract: a transport registers a template (ops table),
 * opens sessions (I_T nexus) on targets, and hands commands to the core.
 * A driver never calls a dev handler; it sees only commands.
 *
 * Command life cycle as seen by a driver (all on the session's reactor):
 *
 *   cmd = scst_cmd_alloc(sess)          from the session's pool
 *   fill cdb/cdb_len/lun_raw/tag/attr, and expected_* if the transport has them
 *   scst_cmd_init(cmd)                  parse CDB, look up the LUN, allocate
 *                                       cmd->buf; no side effects, may be done
 *                                       out of order; errors become status
 *   (driver may now receive unsolicited write data into cmd->buf, up to
 *    cmd->bufflen, and set cmd->write_received)
 *   scst_cmd_start(cmd)                 in command order; from here the core
 *                                       owns it. It may call, even before
 *                                       returning:
 *     tgtt->rdy_to_xfer(cmd)            fetch the rest of the write data, then
 *        scst_cmd_rx_data_done(cmd, reason)
 *     tgtt->xmit_response(cmd)          send data-in, status and sense, then
 *        scst_cmd_xmit_done(cmd)        the core frees the command
 *
 * A command allocated and maybe initialised but never started is released
 * with scst_cmd_discard(). An aborted command still reaches xmit_response
 * with cmd->aborted set; the driver sends nothing and calls
 * scst_cmd_xmit_done().
 */
#ifndef SCST_TARGET_H
#define SCST_TARGET_H

#include "scst/device.h"
#include "scst/reactor.h"
#include "scst/sense.h"
#include "scst/sgv.h"
#include "scst/types.h"

struct scst_cmd;
struct scst_session;
struct scst_target;
struct scst_mgmt_cmd;
struct scst_opcode_desc;
struct scst_lba_lock;

struct scst_tgt_template {
	const char *name; /* "iscsi", "local" */
	size_t cmd_priv_size; /* bytes of cmd->tgt_priv */
	void (*rdy_to_xfer)(struct scst_cmd *cmd);
	void (*xmit_response)(struct scst_cmd *cmd);
	void (*on_free_cmd)(struct scst_cmd *cmd); /* optional */
	void (*task_mgmt_done)(struct scst_mgmt_cmd *mcmd);
	/* Optional: SPC-4 TransportID of the session's initiator port, for PR. Returns length. */
	size_t (*transport_id)(struct scst_session *sess, uint8_t *buf, size_t len);
};

int scst_register_target_template(const struct scst_tgt_template *t);
const struct scst_tgt_template *scst_find_target_template(const char *name);

enum scst_cmd_state {
	SCST_CMD_STATE_INIT,
	SCST_CMD_STATE_PARSE,
	SCST_CMD_STATE_PREPARE_SPACE,
	SCST_CMD_STATE_RDY_TO_XFER,
	SCST_CMD_STATE_PRE_EXEC,
	SCST_CMD_STATE_EXEC,
	SCST_CMD_STATE_DEV_DONE,
	SCST_CMD_STATE_XMIT,
	SCST_CMD_STATE_FINISHED,
};

struct scst_cmd {
	/* Set by the driver before scst_cmd_init(). */
	struct scst_session *sess;
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	uint8_t cdb_len;
	uint8_t lun_raw[8]; /* SAM-5 LUN structure as received */
	uint64_t tag;
	enum scst_task_attr attr;
	bool expected_valid; /* transport sent an expected transfer length */
	enum scst_data_dir expected_dir;
	uint32_t expected_len; /* data-out length for writes, data-in for reads */
	uint32_t expected_in_len; /* data-in length of a bidirectional command */

	/* Set by the core in scst_cmd_init(). */
	uint64_t lun;
	enum scst_data_dir dir; /* from the CDB */
	uint32_t data_len; /* transfer length derived from the CDB, bytes */
	uint32_t bufflen; /* bytes the transport moves: data_len capped by expected_len */
	uint8_t *buf; /* == buffer.data */
	struct scst_buffer buffer;
	uint64_t lba; /* decoded for block commands */
	uint32_t nblocks;
	bool fua;
	const struct scst_opcode_desc *op;

	/* Driver progress on write data. */
	uint32_t write_received;

	/* Result: filled by the core before xmit_response. */
	uint8_t status;
	uint8_t sense_len;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	uint32_t resp_data_len; /* data-in bytes to send from buf */
	uint32_t resp_full_len; /* data-in the command would return without the expected-length cap */
	enum scst_sense_reason reason; /* first error, SCST_SENSE_NONE if good */
	struct scst_sense_detail detail; /* field pointer / information for reason */

	enum scst_cmd_state state;
	bool aborted; /* by task management or nexus loss: send nothing */
	bool started;

	/* Core-private. */
	struct scst_tgt_dev *tgt_dev;
	struct scst_bio bio;
	struct scst_work work;
	struct scst_cmd *next, *prev; /* session list of active commands */
	struct scst_cmd *blocked_next; /* device ordering queue */
	uint64_t sn; /* per-session arrival number */
	void *core_priv;
	uint64_t core_u64[4];
	struct scst_lba_lock *lba_lock; /* held LBA range lock (lba_lock.c) */
	/* Aborted by task management: who waits for it to leave the backend (tmf.c),
	 * and whether it ends with TASK ABORTED status (TAS, another nexus's abort). */
	struct scst_abort_waiter *abort_waiter;
	bool abort_tas;
	/* Executing, and able to end before its backend work does (a SANITIZE, whose
	 * operation outlives it): called when it is aborted. */
	void (*on_abort)(struct scst_cmd *cmd);

	/* The driver's per-command state, cmd_priv_size bytes. */
	_Alignas(16) uint8_t tgt_priv[];
};

static inline void *scst_cmd_priv(struct scst_cmd *cmd)
{
	return cmd->tgt_priv;
}

struct scst_cmd *scst_cmd_alloc(struct scst_session *sess);
void scst_cmd_init(struct scst_cmd *cmd);
void scst_cmd_start(struct scst_cmd *cmd);
void scst_cmd_rx_data_done(struct scst_cmd *cmd, enum scst_sense_reason reason);
void scst_cmd_xmit_done(struct scst_cmd *cmd);
void scst_cmd_discard(struct scst_cmd *cmd);
/*
 * Zero-copy transmit: before scst_cmd_xmit_done(), the driver takes the data
 * buffer the kernel may still read from (a send whose pages are only released
 * by a later notification). The command then ends without it; the driver gives
 * it back with scst_cmd_buffer_put() on the session's reactor. Returns false
 * (out untouched) when the command holds no buffer.
 */
bool scst_cmd_take_buffer(struct scst_cmd *cmd, struct scst_buffer *out);
void scst_cmd_buffer_put(struct scst_reactor *r, struct scst_buffer *b);

/* For whole-CDB handlers and core emulation: finish execution with reason. */
void scst_cmd_done(struct scst_cmd *cmd, enum scst_sense_reason reason);
/* Set a failure with detail (field pointer, information); first error wins. */
void scst_cmd_set_error(struct scst_cmd *cmd, enum scst_sense_reason reason,
			const struct scst_sense_detail *detail);
void scst_cmd_set_invalid_field(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit);

/*
 * Residual per SAM-5/RFC 7143 11.4.5: compares what the initiator expected
 * with what the command transfers. *over true for overflow. Returns the
 * residual count in bytes (0 when none).
 */
uint32_t scst_cmd_residual(const struct scst_cmd *cmd, bool *over);

/* Task management (SAM-5 7). */
enum scst_tmf_fn {
	SCST_TMF_ABORT_TASK,
	SCST_TMF_ABORT_TASK_SET,
	SCST_TMF_CLEAR_TASK_SET,
	SCST_TMF_CLEAR_ACA,
	SCST_TMF_LUN_RESET,
	SCST_TMF_TARGET_RESET,
	SCST_TMF_TARGET_COLD_RESET,
	SCST_TMF_I_T_NEXUS_RESET,
	SCST_TMF_QUERY_TASK,
	SCST_TMF_NEXUS_LOSS,
};

enum scst_tmf_response {
	SCST_TMF_RESP_COMPLETE = 0,
	SCST_TMF_RESP_TASK_DOES_NOT_EXIST,
	SCST_TMF_RESP_LUN_DOES_NOT_EXIST,
	SCST_TMF_RESP_NOT_SUPPORTED,
	SCST_TMF_RESP_REJECTED,
	SCST_TMF_RESP_FAILED,
	SCST_TMF_RESP_SUCCEEDED, /* QUERY TASK: task exists */
};

/*
 * Core-private: something (a TMF, a PREEMPT AND ABORT) waiting until the
 * commands it aborted can no longer reach the backend. Each affected command
 * holds one count until it reaches xmit; done() runs when the last one does,
 * on the reactor that owns the waiter.
 */
struct scst_abort_waiter {
	unsigned pending;
	void (*done)(struct scst_abort_waiter *w);
};

struct scst_mgmt_cmd {
	struct scst_session *sess;
	enum scst_tmf_fn fn;
	uint8_t lun_raw[8];
	uint64_t tag; /* ABORT TASK / QUERY TASK: the referenced task */
	enum scst_tmf_response response;
	void *tgt_priv;
	/* Core-private. */
	struct scst_abort_waiter waiter;
	uint64_t lun;
};

/*
 * Run a TMF on the session's reactor. The core calls tgtt->task_mgmt_done(mcmd)
 * once no affected command can still reach the backend; every affected command
 * reaches xmit_response with aborted set before that (SAM-5 7.11).
 */
void scst_rx_mgmt_fn(struct scst_mgmt_cmd *mcmd);

/* Sessions. */
struct scst_target *scst_target_find(const char *driver, const char *name);
/* May this initiator log in to tgt (enabled, and it would see at least one LUN)? */
bool scst_target_initiator_allowed(struct scst_target *tgt, const char *initiator);
const char *scst_target_name(const struct scst_target *tgt);
uint16_t scst_target_rel_id(const struct scst_target *tgt);
bool scst_target_enabled(const struct scst_target *tgt);
/* Driver-level per-target attribute store ("IncomingUser", ...); NULL if unset. */
const char *scst_target_get_attr(struct scst_target *tgt, const char *name, char *buf, size_t len);
/* Call fn for every target of a driver (management lock held; do not block). */
void scst_target_for_each(const char *driver, void (*fn)(struct scst_target *, void *), void *arg);

/*
 * Open an I_T nexus on reactor r. initiator is the initiator port name (for
 * iSCSI "iqn...,i,0x<isid>"), initiator_name the device name used for LUN
 * masking. Any thread. Returns NULL with errno set.
 */
struct scst_session *scst_session_register(struct scst_target *tgt, const char *initiator_name,
					   const char *initiator_port, struct scst_reactor *r,
					   void *tgt_priv);
/*
 * Close the nexus: active commands are aborted (nexus loss); done(sess, arg)
 * runs on the session's reactor once the last one is freed. Only from the
 * session's reactor.
 */
void scst_session_unregister(struct scst_session *sess,
			     void (*done)(struct scst_session *sess, void *arg), void *arg);
void *scst_session_tgt_priv(struct scst_session *sess);
struct scst_reactor *scst_session_reactor(struct scst_session *sess);
struct scst_target *scst_session_target(struct scst_session *sess);
const char *scst_session_initiator_name(const struct scst_session *sess);
unsigned scst_session_active_cmds(const struct scst_session *sess);

/* LUN addressing (SAM-5 4.7): decode the 8-byte LUN; -1 if not addressable. */
int64_t scst_lun_decode(const uint8_t raw[8]);
/* Encode lun: peripheral device addressing below 256, flat space above. */
void scst_lun_encode(uint64_t lun, uint8_t raw[8]);

#endif
