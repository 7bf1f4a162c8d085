/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command life cycle: init (parse, LUN lookup, buffer) -> start ->
 * rdy_to_xfer -> pre-exec checks -> exec -> dev done -> xmit -> finished.
 * All of it runs on the reactor that owns the command's session.
 *
 * Execution and completion may be synchronous (nullio, emulated commands), so
 * a command may already be freed when exec() returns: nothing here touches a
 * command after handing it on.
 *
 * Ordering (SAM-5 8.6) is per I_T_L nexus: the control mode page reports
 * TST=001b (one task set per I_T nexus), so a task set never spans reactors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "opcodes.h"

static void cmd_xmit(struct scst_cmd *cmd);
static void cmd_exec(struct scst_cmd *cmd);

struct scst_cmd *scst_cmd_alloc(struct scst_session *s)
{
	struct scst_cmd *cmd = s->free_cmds;

	if (likely(cmd)) {
		s->free_cmds = cmd->next;
	} else {
		cmd = aligned_alloc(16, (s->cmd_size + 15) & ~(size_t)15);
		if (!cmd)
			return NULL;
	}
	memset(cmd, 0, s->cmd_size);
	cmd->sess = s;
	cmd->buffer.cls = -2;
	cmd->state = SCST_CMD_STATE_INIT;
	return cmd;
}

void scst_cmd_free_to_pool(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;

	cmd->next = s->free_cmds;
	s->free_cmds = cmd;
}

void scst_cmd_set_error(struct scst_cmd *cmd, enum scst_sense_reason reason,
			const struct scst_sense_detail *detail)
{
	if (cmd->reason != SCST_SENSE_NONE || reason == SCST_SENSE_NONE)
		return; /* the first error wins */
	cmd->reason = reason;
	if (detail)
		cmd->detail = *detail;
	else
		memset(&cmd->detail, 0, sizeof(cmd->detail));
}

void scst_cmd_set_invalid_field(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit)
{
	struct scst_sense_detail d = {
		.field_valid = true,
		.field_byte = (uint16_t)byte,
		.field_bit = (int8_t)bit,
	};

	scst_cmd_set_error(cmd, in_cdb ? SCST_SENSE_INVALID_FIELD_IN_CDB :
			   SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST, &d);
}

void scst_cmd_respond(struct scst_cmd *cmd, const void *data, uint32_t len)
{
	uint32_t n = len < cmd->bufflen ? len : cmd->bufflen;

	if (n)
		memcpy(cmd->buf, data, n);
	cmd->resp_data_len = n;
	cmd->resp_full_len = len < cmd->data_len ? len : cmd->data_len;
}

uint32_t scst_cmd_residual(const struct scst_cmd *cmd, bool *over)
{
	uint32_t exp = cmd->expected_len;

	*over = false;
	if (!cmd->expected_valid)
		return 0;
	if (cmd->dir & SCST_DATA_WRITE) {
		if (cmd->data_len > exp) {
			*over = true;
			return cmd->data_len - exp;
		}
		return exp - cmd->data_len;
	}
	/* Data-in: what the command would have returned against what was asked. */
	if (cmd->resp_full_len > exp) {
		*over = true;
		return cmd->resp_full_len - exp;
	}
	return exp - cmd->resp_data_len;
}

static bool lba_out_of_range(const struct scst_cmd *cmd, const struct scst_device *dev)
{
	/* SBC-3 4.5: the range must lie inside the medium; an LBA past the last one is
	 * an error even for a zero transfer length. */
	return cmd->lba >= dev->nblocks || cmd->nblocks > dev->nblocks - cmd->lba;
}

static void release_buffer(struct scst_cmd *cmd)
{
	if (cmd->buffer.cls != -2) {
		scst_sgv_put(scst_reactor_sgv(cmd->sess->reactor), &cmd->buffer);
		cmd->buffer.cls = -2;
		cmd->buf = NULL;
	}
}

bool scst_cmd_take_buffer(struct scst_cmd *cmd, struct scst_buffer *out)
{
	if (cmd->buffer.cls == -2)
		return false;
	*out = cmd->buffer;
	cmd->buffer.cls = -2;
	cmd->buf = NULL;
	return true;
}

void scst_cmd_buffer_put(struct scst_reactor *r, struct scst_buffer *b)
{
	scst_sgv_put(scst_reactor_sgv(r), b);
	b->cls = -2;
}

void scst_cmd_init(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;
	struct scst_tgt_dev *td = NULL;
	struct scst_device *dev = NULL;
	enum scst_sense_reason reason;
	int64_t lun = scst_lun_decode(cmd->lun_raw);

	cmd->state = SCST_CMD_STATE_PARSE;
	if (lun >= 0) {
		cmd->lun = (uint64_t)lun;
		td = scst_tgt_dev_get(s, cmd->lun);
	}
	if (td) {
		dev = td->dev;
		cmd->tgt_dev = td;
		td->cmd_refs++;
	}
	reason = scst_opcode_parse(cmd, dev ? dev->type : SCST_TYPE_DISK, td ? scst_td_caps(td) : 0,
				   dev ? dev->block_size : 512);
	if (reason != SCST_SENSE_NONE) {
		scst_cmd_set_error(cmd, reason, NULL);
		if (!dev && reason == SCST_SENSE_INVALID_OPCODE)
			cmd->reason = SCST_SENSE_LUN_NOT_SUPPORTED;
		goto out;
	}
	/* Classified but not executable here (no executor, or the handler lacks a
	 * capability): the same answer REPORT SUPPORTED OPERATION CODES gives. */
	if (!scst_opcode_supported(cmd->op, td ? scst_td_caps(td) : 0)) {
		scst_cmd_set_error(cmd, SCST_SENSE_INVALID_OPCODE, NULL);
		goto out;
	}
	/* Without a LUN only REPORT LUNS and INQUIRY make sense (SPC-4 6.6.2, 6.33). */
	if (!dev && cmd->op->exec != scst_spc_report_luns && cmd->op->exec != scst_spc_inquiry &&
	    cmd->op->exec != scst_spc_request_sense) {
		scst_cmd_set_error(cmd, SCST_SENSE_LUN_NOT_SUPPORTED, NULL);
		goto out;
	}
	/* SAM-5 8.9.5: the ACA attribute is for commands under an ACA condition; with
	 * NACA refused (the CONTROL byte masks) there never is one. */
	if (cmd->attr == SCST_TASK_ACA) {
		scst_cmd_set_error(cmd, SCST_SENSE_INVALID_MESSAGE_ERROR, NULL);
		goto out;
	}
	if (dev && (cmd->op->flags & SCST_OPF_LBA) && lba_out_of_range(cmd, dev)) {
		scst_cmd_set_error(cmd, SCST_SENSE_LBA_OUT_OF_RANGE, NULL);
		goto out;
	}
	cmd->bufflen = cmd->data_len;
	if (cmd->expected_valid && cmd->expected_len != cmd->data_len) {
		/* COMPARE AND WRITE needs exactly what its CDB names (SBC-3 5.2). */
		if (cmd->op->exec == scst_sbc_compare_and_write) {
			scst_cmd_set_invalid_field(cmd, true, 13, -1);
			goto out;
		}
		/* FCP-4 9.4.2 (a), which iSCSI follows: process the command normally but
		 * move no data beyond the expected length; the residual tells the rest. */
		if (cmd->expected_len < cmd->bufflen)
			cmd->bufflen = cmd->expected_len;
		if ((cmd->dir & SCST_DATA_WRITE) && (cmd->op->flags & SCST_OPF_LBA) && dev) {
			/* A block write lands whole blocks only. */
			cmd->nblocks = cmd->bufflen >> dev->block_shift;
			cmd->bufflen = cmd->nblocks << dev->block_shift;
		}
	}
	if (cmd->bufflen) {
		if (scst_sgv_get(scst_reactor_sgv(s->reactor), cmd->bufflen, &cmd->buffer)) {
			cmd->bufflen = 0;
			scst_cmd_set_error(cmd, SCST_SENSE_NO_MEMORY, NULL);
			goto out;
		}
		cmd->buf = cmd->buffer.data;
	}
	cmd->state = (cmd->dir & SCST_DATA_WRITE) ? SCST_CMD_STATE_RDY_TO_XFER :
						     SCST_CMD_STATE_PRE_EXEC;
	return;
out:
	cmd->bufflen = 0;
}

static void active_link(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;

	cmd->prev = NULL;
	cmd->next = s->active_head;
	if (s->active_head)
		s->active_head->prev = cmd;
	s->active_head = cmd;
	s->active++;
}

static void active_unlink(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;

	if (cmd->prev)
		cmd->prev->next = cmd->next;
	else
		s->active_head = cmd->next;
	if (cmd->next)
		cmd->next->prev = cmd->prev;
	cmd->next = cmd->prev = NULL;
	s->active--;
}

static bool is_write_protected(const struct scst_cmd *cmd)
{
	const struct scst_tgt_dev *td = cmd->tgt_dev;

	return td->read_only || td->dev->read_only || td->dev->swp;
}

/* SAM-5 8.6: may cmd enter the enabled state now? */
static bool may_run(const struct scst_tgt_dev *td, const struct scst_cmd *cmd)
{
	if (cmd->attr == SCST_TASK_HEAD_OF_QUEUE)
		return true;
	if (td->blocked_head || td->inflight_ordered)
		return false;
	if (cmd->attr == SCST_TASK_ORDERED)
		return td->inflight == 0;
	return true;
}

static void block_cmd(struct scst_tgt_dev *td, struct scst_cmd *cmd)
{
	cmd->blocked_next = NULL;
	if (td->blocked_tail)
		td->blocked_tail->blocked_next = cmd;
	else
		td->blocked_head = cmd;
	td->blocked_tail = cmd;
}

static void pre_exec(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;

	cmd->state = SCST_CMD_STATE_PRE_EXEC;
	if (cmd->aborted || cmd->reason != SCST_SENSE_NONE) {
		cmd_xmit(cmd);
		return;
	}
	if (!td) {
		cmd_exec(cmd);
		return;
	}
	if (unlikely(td->gone && !td->replaced)) {
		scst_cmd_set_error(cmd, SCST_SENSE_LUN_NOT_SUPPORTED, NULL);
		cmd_xmit(cmd);
		return;
	}
	/* SAM-5 5.14: a pending UA ends the command, except for the few that report it. */
	if (!(cmd->op->flags & SCST_OPF_UA_EXEMPT) && scst_ua_take(td, cmd)) {
		cmd_xmit(cmd);
		return;
	}
	/* SPC-4 5.15.2.4: a path in standby, unavailable, offline or transitioning
	 * state takes only the commands its state allows. */
	if (unlikely(scst_alua_state(td) != SCST_ALUA_NONE)) {
		enum scst_sense_reason r = scst_alua_check(cmd);

		if (r != SCST_SENSE_NONE) {
			scst_cmd_set_error(cmd, r, NULL);
			cmd_xmit(cmd);
			return;
		}
	}
	/* SPC-2 5.5.1: another nexus's reservation blocks all but a few commands. */
	if (unlikely(scst_res_conflict(cmd) || scst_pr_conflict(cmd))) {
		scst_cmd_set_error(cmd, SCST_SENSE_RESERVATION_CONFLICT, NULL);
		cmd_xmit(cmd);
		return;
	}
	if (unlikely(scst_medium_check(cmd) != SCST_SENSE_NONE)) {
		scst_cmd_set_error(cmd, scst_medium_check(cmd), NULL);
		cmd_xmit(cmd);
		return;
	}
	if ((cmd->op->flags & SCST_OPF_WRITE_MEDIUM) && is_write_protected(cmd)) {
		scst_cmd_set_error(cmd, SCST_SENSE_WRITE_PROTECTED, NULL);
		cmd_xmit(cmd);
		return;
	}
	if (!may_run(td, cmd)) {
		block_cmd(td, cmd);
		return;
	}
	cmd_exec(cmd);
}

static void cmd_exec(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;

	cmd->state = SCST_CMD_STATE_EXEC;
	if (td) {
		td->inflight++;
		if (cmd->attr == SCST_TASK_ORDERED)
			td->inflight_ordered++;
	}
	/* The command may be finished and freed when this returns. */
	cmd->op->exec(cmd);
}

static void drain_blocked(struct scst_work *w)
{
	struct scst_tgt_dev *td = scst_container_of(w, struct scst_tgt_dev, drain_work);

	td->drain_scheduled = false;
	while (td->blocked_head) {
		struct scst_cmd *cmd = td->blocked_head;

		if (!cmd->aborted) {
			if (td->inflight_ordered)
				break;
			if (cmd->attr == SCST_TASK_ORDERED && td->inflight)
				break;
		}
		td->blocked_head = cmd->blocked_next;
		if (!td->blocked_head)
			td->blocked_tail = NULL;
		if (cmd->aborted)
			cmd_xmit(cmd);
		else
			cmd_exec(cmd);
	}
	scst_tgt_dev_maybe_free(td);
}

static void schedule_drain(struct scst_tgt_dev *td)
{
	if (!td->blocked_head || td->drain_scheduled)
		return;
	td->drain_scheduled = true;
	td->drain_work.fn = drain_blocked;
	scst_reactor_defer(td->sess->reactor, &td->drain_work);
}

void scst_cmd_done(struct scst_cmd *cmd, enum scst_sense_reason reason)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;

	if (reason != SCST_SENSE_NONE)
		scst_cmd_set_error(cmd, reason, NULL);
	cmd->state = SCST_CMD_STATE_DEV_DONE;
	if (td) {
		td->inflight--;
		if (cmd->attr == SCST_TASK_ORDERED)
			td->inflight_ordered--;
		schedule_drain(td);
	}
	/* SPC-4 6.33: REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED (on every LUN of the
	 * nexus, even when sent to a LUN it does not have). */
	if (cmd->op && cmd->op->exec == scst_spc_report_luns && cmd->reason == SCST_SENSE_NONE)
		scst_session_luns_reported(cmd->sess);
	cmd_xmit(cmd);
}

void scst_cmd_exec_done(struct scst_cmd *cmd)
{
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

static void finish_status(struct scst_cmd *cmd)
{
	const struct scst_sense_desc *d;
	bool desc_fmt = cmd->tgt_dev && cmd->tgt_dev->dev->d_sense;

	if (cmd->reason == SCST_SENSE_NONE) {
		if (!cmd->status)
			cmd->status = SCST_STATUS_GOOD;
		return;
	}
	d = scst_sense_lookup(cmd->reason);
	cmd->status = d->status;
	cmd->sense_len = (uint8_t)scst_sense_build(cmd->sense, cmd->reason, &cmd->detail, desc_fmt);
	cmd->resp_data_len = 0;
	cmd->resp_full_len = 0;
}

static void abort_reached_xmit(struct scst_cmd *cmd);

static void cmd_xmit(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;

	cmd->state = SCST_CMD_STATE_XMIT;
	if (unlikely(cmd->aborted && cmd->abort_tas)) {
		/* SPC-4 7.5.8 TAS 1: a command aborted by another I_T nexus's action ends
		 * with TASK ABORTED status instead of silently. */
		cmd->aborted = false;
		cmd->status = 0;
		cmd->reason = SCST_SENSE_TASK_ABORTED;
	}
	finish_status(cmd);
	if (cmd->dir & SCST_DATA_READ)
		atomic_fetch_add_explicit(&s->bytes_read, cmd->resp_data_len,
					  memory_order_relaxed);
	else if (cmd->dir & SCST_DATA_WRITE && cmd->reason == SCST_SENSE_NONE)
		atomic_fetch_add_explicit(&s->bytes_written, cmd->bufflen, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->cmds, 1, memory_order_relaxed);
	if (cmd->abort_waiter)
		abort_reached_xmit(cmd);
	s->tgt->tmpl->xmit_response(cmd);
}

void scst_cmd_start(struct scst_cmd *cmd)
{
	cmd->started = true;
	cmd->sn = cmd->sess->next_sn++;
	active_link(cmd);
	if (cmd->reason != SCST_SENSE_NONE || cmd->aborted) {
		cmd_xmit(cmd);
		return;
	}
	if ((cmd->dir & SCST_DATA_WRITE) && cmd->write_received < cmd->bufflen) {
		cmd->state = SCST_CMD_STATE_RDY_TO_XFER;
		cmd->sess->tgt->tmpl->rdy_to_xfer(cmd);
		return;
	}
	pre_exec(cmd);
}

void scst_cmd_rx_data_done(struct scst_cmd *cmd, enum scst_sense_reason reason)
{
	if (cmd->state != SCST_CMD_STATE_RDY_TO_XFER)
		return; /* aborted while the data came: already on its way out */
	if (reason != SCST_SENSE_NONE)
		scst_cmd_set_error(cmd, reason, NULL);
	pre_exec(cmd);
}

static void cmd_release(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;

	release_buffer(cmd);
	if (td) {
		td->cmd_refs--;
		scst_tgt_dev_maybe_free(td);
	}
	if (cmd->sess->tgt->tmpl->on_free_cmd)
		cmd->sess->tgt->tmpl->on_free_cmd(cmd);
	scst_cmd_free_to_pool(cmd);
}

void scst_cmd_xmit_done(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;

	cmd->state = SCST_CMD_STATE_FINISHED;
	active_unlink(cmd);
	cmd_release(cmd);
	scst_session_cmd_gone(s);
}

void scst_cmd_discard(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;

	if (cmd->started) {
		active_unlink(cmd);
		cmd_release(cmd);
		scst_session_cmd_gone(s);
		return;
	}
	cmd_release(cmd);
}

/* ---- aborts ---- */

static void abort_reached_xmit(struct scst_cmd *cmd)
{
	struct scst_abort_waiter *w = cmd->abort_waiter;

	cmd->abort_waiter = NULL;
	if (--w->pending == 0)
		w->done(w);
}

static void unblock(struct scst_tgt_dev *td, struct scst_cmd *cmd)
{
	struct scst_cmd **pp;

	for (pp = &td->blocked_head; *pp; pp = &(*pp)->blocked_next) {
		if (*pp == cmd) {
			*pp = cmd->blocked_next;
			break;
		}
	}
	td->blocked_tail = NULL;
	for (struct scst_cmd *c = td->blocked_head; c; c = c->blocked_next)
		td->blocked_tail = c;
}

static void abort_work(struct scst_work *w)
{
	struct scst_cmd *cmd = scst_container_of(w, struct scst_cmd, work);

	cmd_xmit(cmd);
}

void scst_cmd_abort(struct scst_cmd *cmd)
{
	if (cmd->aborted || cmd->state >= SCST_CMD_STATE_XMIT)
		return;
	cmd->aborted = true;
	switch (cmd->state) {
	case SCST_CMD_STATE_PRE_EXEC:
		/* Waiting in the ordering queue: it never reaches the backend. */
		if (cmd->tgt_dev)
			unblock(cmd->tgt_dev, cmd);
		/* fallthrough */
	case SCST_CMD_STATE_RDY_TO_XFER:
		/* Waiting for write data: the driver stops fetching it (cmd->aborted). */
		cmd->state = SCST_CMD_STATE_DEV_DONE;
		cmd->work.fn = abort_work;
		scst_reactor_defer(cmd->sess->reactor, &cmd->work);
		break;
	default:
		/* Executing: the backend finishes it, then it goes out silently; unless
		 * its executor can let it go sooner. */
		if (cmd->on_abort)
			cmd->on_abort(cmd);
		break;
	}
}
