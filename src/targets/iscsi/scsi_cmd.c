// SPDX-License-Identifier: GPL-2.0-only
/*
 * SCSI commands over iSCSI (RFC 7143 11.3-11.8): SCSI Command with its
 * immediate data, the CmdSN window, unsolicited and solicited Data-Out,
 * R2T, Data-In and SCSI Response, and the core callbacks rdy_to_xfer,
 * xmit_response and on_free_cmd.
 *
 * Per-command state (struct iscsi_cmd) lives in scst_cmd::tgt_priv: no
 * allocation per command. The core may finish and free a command inside
 * scst_cmd_start() or scst_cmd_rx_data_done(): nothing here touches a
 * command after handing it on.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "scst/log.h"
#include "iscsi_priv.h"

/* A CmdSN slot whose PDU was handled early (non-SCSI, or an aborted queued command). */
static struct iscsi_cmd slot_consumed;

static unsigned itt_bucket(uint32_t itt)
{
	return (itt ^ (itt >> 8) ^ (itt >> 16) ^ (itt >> 24)) & (ISCSI_ITT_HASH - 1);
}

static void itt_hash(struct iscsi_conn *c, struct iscsi_cmd *ic)
{
	struct iscsi_cmd **head = &c->itt_hash[itt_bucket(ic->itt)];

	ic->hprev = NULL;
	ic->hnext = *head;
	if (*head)
		(*head)->hprev = ic;
	*head = ic;
	ic->hashed = true;
}

void iscsi_itt_unhash(struct iscsi_conn *c, struct iscsi_cmd *ic)
{
	if (!ic->hashed)
		return;
	if (ic->hprev)
		ic->hprev->hnext = ic->hnext;
	else
		c->itt_hash[itt_bucket(ic->itt)] = ic->hnext;
	if (ic->hnext)
		ic->hnext->hprev = ic->hprev;
	ic->hashed = false;
}

struct iscsi_cmd *iscsi_itt_find(struct iscsi_conn *c, uint32_t itt)
{
	for (struct iscsi_cmd *ic = c->itt_hash[itt_bucket(itt)]; ic; ic = ic->hnext)
		if (ic->itt == itt)
			return ic;
	return NULL;
}

/* ---- CmdSN ordering (RFC 7143 3.2.2.1, 4.2.2.1) ---- */

static void cmd_start(struct iscsi_conn *c, struct iscsi_cmd *ic)
{
	ic->started = true;
	if (!ic->immediate) {
		ic->counted = true;
		c->inflight++;
	}
	/* May finish and free the command before it returns. */
	scst_cmd_start(iscsi_cmd_scst(ic));
}

/* ExpCmdSN reached a slot: run what waits there, in order. */
void iscsi_cmdsn_advance(struct iscsi_conn *c)
{
	while (!c->closing && c->pending_count) {
		uint32_t i = c->exp_cmdsn % c->window;
		struct iscsi_cmd *ic = c->pending[i];

		if (!ic)
			break;
		c->pending[i] = NULL;
		c->pending_count--;
		c->exp_cmdsn++;
		if (ic == &slot_consumed)
			continue;
		ic->queued = false;
		cmd_start(c, ic);
	}
}

/*
 * A non-SCSI PDU that carries CmdSN: true when it must be handled. Outside
 * the window it is dropped silently (RFC 7143 3.2.2.1); immediate PDUs do
 * not advance ExpCmdSN.
 */
bool iscsi_cmdsn_accept(struct iscsi_conn *c, const uint8_t *bhs, bool *in_order)
{
	uint32_t sn = scst_get_be32(bhs + 24);

	*in_order = true;
	if (bhs[0] & ISCSI_OP_IMMEDIATE)
		return true;
	if (!iscsi_sn_in_window(sn, c->exp_cmdsn, iscsi_conn_max_cmdsn(c)))
		return false;
	if (sn == c->exp_cmdsn) {
		c->exp_cmdsn++;
		iscsi_cmdsn_advance(c);
		return true;
	}
	*in_order = false;
	if (c->pending[sn % c->window])
		return false; /* a duplicate */
	c->pending[sn % c->window] = &slot_consumed;
	c->pending_count++;
	return true;
}

/*
 * RFC 7143 11.6.1 (b): ABORT TASK named a task not yet received whose RefCmdSN
 * lies in the window: that CmdSN counts as received, so ExpCmdSN moves past
 * it and the command, should it still come, is dropped as a duplicate.
 */
void iscsi_cmdsn_consume(struct iscsi_conn *c, uint32_t sn)
{
	if (c->closing || !c->pending ||
	    !iscsi_sn_in_window(sn, c->exp_cmdsn, iscsi_conn_max_cmdsn(c)))
		return;
	if (sn == c->exp_cmdsn) {
		c->exp_cmdsn++;
		iscsi_cmdsn_advance(c);
		return;
	}
	if (c->pending[sn % c->window])
		return; /* it arrived meanwhile and waits for its turn */
	c->pending[sn % c->window] = &slot_consumed;
	c->pending_count++;
}

/* ABORT TASK of a command still waiting for its CmdSN: it never reaches the core. */
bool iscsi_abort_queued(struct iscsi_conn *c, uint32_t itt)
{
	for (struct iscsi_cmd *ic = c->itt_hash[itt_bucket(itt)]; ic; ic = ic->hnext) {
		if (ic->itt != itt || !ic->queued || ic->unsol_pending)
			continue;
		/* Its CmdSN stays consumed, so later commands still run. */
		c->pending[ic->cmdsn % c->window] = &slot_consumed;
		ic->queued = false;
		iscsi_itt_unhash(c, ic);
		scst_cmd_discard(iscsi_cmd_scst(ic));
		return true;
	}
	return false;
}

/* ---- SCSI Command (RFC 7143 11.3) ---- */

static enum scst_task_attr map_attr(uint8_t a)
{
	switch (a) {
	case 0:
		return SCST_TASK_UNTAGGED;
	case 2:
		return SCST_TASK_ORDERED;
	case 3:
		return SCST_TASK_HEAD_OF_QUEUE;
	case 4:
		return SCST_TASK_ACA;
	default:
		return SCST_TASK_SIMPLE;
	}
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void iscsi_rx_scsi_cmd_hdr(struct iscsi_conn *c)
{
	const uint8_t *h = c->hdr;
	uint8_t flags = h[1];
	bool imm = h[0] & ISCSI_OP_IMMEDIATE, w = flags & ISCSI_CMD_WRITE,
	     rd = flags & ISCSI_CMD_READ, fin = flags & ISCSI_FLAG_FINAL;
	uint32_t itt = scst_get_be32(h + 16), edtl = scst_get_be32(h + 20);
	uint32_t cmdsn = scst_get_be32(h + 24), dsl = c->dsl, ahs_len = h[4] * 4u;
	uint32_t ext_len = 0, bidi_len = 0, unsol_limit;
	uint8_t ext[SCST_MAX_CDB_SIZE];
	bool has_bidi = false;
	struct scst_cmd *cmd;
	struct iscsi_cmd *ic;

	if (ahs_len &&
	    iscsi_parse_ahs(h + ISCSI_BHS_LEN, ahs_len, ext, &ext_len, &has_bidi, &bidi_len)) {
		iscsi_send_reject(c, h, ISCSI_REJECT_INVALID_PDU_FIELD, true);
		return;
	}
	/* RFC 7143 11.3: immediate and unsolicited data only for writes, within
	 * FirstBurstLength and the expected length, and only as negotiated. */
	unsol_limit = min_u32(c->params.first_burst, edtl);
	if (!fin && (!w || c->params.initial_r2t || dsl >= unsol_limit)) {
		iscsi_send_reject(c, h, ISCSI_REJECT_PROTOCOL_ERROR, true);
		return;
	}
	if (dsl && (!w || !c->params.immediate_data || dsl > unsol_limit)) {
		iscsi_send_reject(c, h, ISCSI_REJECT_PROTOCOL_ERROR, true);
		return;
	}
	if (!imm && !iscsi_sn_in_window(cmdsn, c->exp_cmdsn, iscsi_conn_max_cmdsn(c))) {
		/* RFC 7143 3.2.2.1: outside the window: silently ignored. A command that
		 * announced unsolicited data makes the stream unusable; close then. */
		if (!fin) {
			iscsi_conn_close(c, "CmdSN outside the window with unsolicited data");
			return;
		}
		c->rx_ignore = true;
		c->nseg = 0;
		iscsi_seg_add(c, c->scratch, dsl, true, true);
		return;
	}
	cmd = scst_cmd_alloc(c->sess);
	if (!cmd) {
		iscsi_conn_close(c, "out of command slots");
		return;
	}
	ic = scst_cmd_priv(cmd);
	memset(ic, 0, sizeof(*ic));
	ic->conn = c;
	ic->itt = itt;
	ic->cmdsn = cmdsn;
	ic->immediate = imm;
	cmd->sess = c->sess;
	memcpy(cmd->cdb, h + 32, 16);
	memcpy(cmd->cdb + 16, ext, ext_len);
	cmd->cdb_len = (uint8_t)(16 + ext_len);
	memcpy(cmd->lun_raw, h + 8, 8);
	cmd->tag = itt;
	cmd->attr = map_attr(flags & ISCSI_CMD_ATTR_MASK);
	cmd->expected_valid = true;
	cmd->expected_len = edtl;
	if (w && rd) {
		cmd->expected_dir = SCST_DATA_BIDI;
		cmd->expected_in_len = has_bidi ? bidi_len : 0;
		ic->edtl = edtl;
		ic->edtl_in = cmd->expected_in_len;
	} else if (w) {
		cmd->expected_dir = SCST_DATA_WRITE;
		ic->edtl = edtl;
	} else if (rd) {
		cmd->expected_dir = SCST_DATA_READ;
		ic->edtl_in = edtl;
	} else {
		cmd->expected_dir = SCST_DATA_NONE;
	}
	scst_cmd_init(cmd);

	ic->write_ok = w && cmd->reason == SCST_SENSE_NONE && cmd->buf &&
		       (cmd->dir & SCST_DATA_WRITE);
	ic->buf_need = ic->write_ok ? min_u32(cmd->bufflen, edtl) : 0;
	if (!fin) {
		ic->unsol_pending = true;
		ic->unsol_end = unsol_limit;
	}
	ic->data_next = dsl;
	itt_hash(c, ic);

	/* Immediate data: the part the command takes lands in cmd->buf, the rest is dropped. */
	c->rx_cmd = ic;
	c->rx_new_cmd = true;
	ic->in_rx = true;
	c->nseg = 0;
	{
		uint32_t in_buf = min_u32(dsl, ic->buf_need);

		iscsi_seg_add(c, cmd->buf, in_buf, false, true);
		iscsi_seg_add(c, c->scratch, dsl - in_buf, true, true);
	}
}

void iscsi_rx_scsi_cmd_done(struct iscsi_conn *c, bool digest_ok)
{
	struct iscsi_cmd *ic = c->rx_cmd;
	struct scst_cmd *cmd;
	uint32_t slot;

	if (c->rx_ignore || !ic)
		return;
	cmd = iscsi_cmd_scst(ic);
	c->rx_cmd = NULL;
	c->rx_new_cmd = false;
	ic->in_rx = false;
	if (!digest_ok) {
		/* RFC 7143 7.8: the command PDU is discarded; at ERL 0 the CmdSN it
		 * held cannot be retried on this connection, so the connection goes. */
		iscsi_itt_unhash(c, ic);
		scst_cmd_discard(cmd);
		iscsi_send_reject(c, c->hdr, ISCSI_REJECT_DATA_DIGEST, true);
		return;
	}
	cmd->write_received = min_u32(ic->data_next, ic->buf_need);
	if (ic->immediate) {
		cmd_start(c, ic);
		return;
	}
	if (ic->cmdsn == c->exp_cmdsn) {
		c->exp_cmdsn++;
		cmd_start(c, ic);
		iscsi_cmdsn_advance(c);
		return;
	}
	/* Ahead of ExpCmdSN: wait for the gap to fill (bounded by the window). */
	slot = ic->cmdsn % c->window;
	if (c->pending[slot]) {
		iscsi_itt_unhash(c, ic);
		scst_cmd_discard(cmd);
		return;
	}
	c->pending[slot] = ic;
	c->pending_count++;
	ic->queued = true;
}

/* ---- write data: Data-Out and R2T (RFC 7143 11.7, 11.8) ---- */

static uint32_t r2t_ttt(const struct iscsi_cmd *ic, uint32_t r2tsn)
{
	return ic->ttt_base | (r2tsn & 0xffff);
}

static void send_r2t(struct iscsi_conn *c, struct iscsi_cmd *ic, uint32_t off, uint32_t len)
{
	struct iscsi_ctrl *p = iscsi_ctrl_get(c);
	struct scst_cmd *cmd = iscsi_cmd_scst(ic);

	if (!p) {
		iscsi_conn_close(c, "too many queued control PDUs");
		return;
	}
	p->bhs[0] = ISCSI_OP_R2T;
	p->bhs[1] = ISCSI_FLAG_FINAL;
	memcpy(p->bhs + 8, cmd->lun_raw, 8);
	scst_put_be32(p->bhs + 16, ic->itt);
	scst_put_be32(p->bhs + 20, r2t_ttt(ic, ic->r2tsn));
	scst_put_be32(p->bhs + 36, ic->r2tsn);
	scst_put_be32(p->bhs + 40, off);
	scst_put_be32(p->bhs + 44, len);
	p->sn_mode = ISCSI_SN_PEEK; /* RFC 7143 11.8: R2T does not advance StatSN */
	ic->r2tsn++;
	ic->r2t_out++;
	iscsi_tx_queue(c, &p->tx);
}

/* Ask for what is missing, or hand the data to the core once all is here. */
static void rdy_continue(struct iscsi_conn *c, struct iscsi_cmd *ic)
{
	uint32_t need = ic->buf_need;

	if (ic->unsol_pending)
		return;
	if (!ic->r2t_out && (ic->data_next >= need || ic->dead)) {
		ic->rdy = false;
		scst_cmd_rx_data_done(iscsi_cmd_scst(ic), (enum scst_sense_reason)ic->data_err);
		return;
	}
	if (!ic->ttt_base && !ic->r2tsn)
		ic->ttt_base = (c->ttt_gen++ & 0x7fffu) << 16;
	/* RFC 7143 13.17, 13.13: at most MaxOutstandingR2T bursts of MaxBurstLength. */
	while (!c->closing && ic->r2t_out < c->params.max_outstanding_r2t &&
	       ic->r2t_next_off < need) {
		uint32_t len = min_u32(c->params.max_burst, need - ic->r2t_next_off);

		if (!ic->r2t_out) {
			ic->r2t_head_end = ic->r2t_next_off + len;
			ic->r2t_head_datasn = 0;
		}
		send_r2t(c, ic, ic->r2t_next_off, len);
		ic->r2t_next_off += len;
	}
}

void iscsi_rdy_to_xfer(struct scst_cmd *cmd)
{
	struct iscsi_cmd *ic = scst_cmd_priv(cmd);

	ic->rdy = true;
	if (ic->unsol_pending)
		return; /* continued when the unsolicited sequence ends */
	if (!ic->r2t_out && ic->r2t_next_off < ic->data_next)
		ic->r2t_next_off = ic->data_next;
	rdy_continue(ic->conn, ic);
}

/* RFC 7143 11.7: Reject this Data-Out as an invalid PDU field; its payload is read and dropped. */
static void reject_data_out(struct iscsi_conn *c, uint32_t len)
{
	c->rx_verdict = ISCSI_PDU_REJECT;
	c->rx_reason = ISCSI_REJECT_INVALID_PDU_FIELD;
	c->nseg = 0;
	iscsi_seg_add(c, c->scratch, len, true, true);
}

static void do_xmit(struct iscsi_cmd *ic);

void iscsi_rx_dataout_hdr(struct iscsi_conn *c)
{
	const uint8_t *h = c->hdr;
	uint32_t itt = scst_get_be32(h + 16), ttt = scst_get_be32(h + 20);
	uint32_t datasn = scst_get_be32(h + 36), off = scst_get_be32(h + 40), len = c->dsl;
	bool fin = h[1] & ISCSI_FLAG_FINAL;
	struct iscsi_dout_expect e;
	struct iscsi_cmd *ic = iscsi_itt_find(c, itt);
	enum iscsi_dout_err err;

	if (!ic || ic->in_rx || (!ic->unsol_pending && !ic->r2t_out)) {
		/* RFC 7143 11.7: no task with this tag wants data. */
		reject_data_out(c, len);
		return;
	}
	if (ttt == ISCSI_RESERVED_TAG) {
		e = (struct iscsi_dout_expect){ ISCSI_RESERVED_TAG, ic->unsol_datasn, ic->data_next,
						ic->unsol_end, false };
		if (!ic->unsol_pending)
			e.ttt = 0; /* force a TTT error */
	} else {
		uint32_t head = ic->r2tsn - ic->r2t_out;

		e = (struct iscsi_dout_expect){ r2t_ttt(ic, head), ic->r2t_head_datasn,
						ic->data_next, ic->r2t_head_end, true };
		if (!ic->r2t_out || ic->unsol_pending)
			e.ttt = ISCSI_RESERVED_TAG;
	}
	err = iscsi_dout_check(&e, ttt, datasn, off, len, fin);
	if (err == ISCSI_DOUT_BAD_TTT) {
		reject_data_out(c, len);
		return;
	}
	if (err && !ic->dead) {
		/*
		 * A sequence error (RFC 7143 7.1.4.1): the PDU is rejected, which ends the
		 * task at the initiator (libiscsi's iSCSIdatasn tests expect an answer, not
		 * a dropped connection). The task is then dead here: the rest of its data
		 * is swallowed and it finishes silently, so no response meets a task the
		 * initiator no longer knows.
		 */
		scst_log(LOG_NOTICE, "iscsi: %s: Data-Out error %d (itt 0x%x datasn %u offset %u)",
		       c->peer, err, itt, datasn, off);
		ic->dead = true;
		ic->data_err = SCST_SENSE_ABORTED_COMMAND;
		iscsi_send_reject(c, h, ISCSI_REJECT_PROTOCOL_ERROR, false);
	}
	if (ic->dead) {
		c->rx_cmd = ic;
		ic->in_rx = true;
		c->nseg = 0;
		iscsi_seg_add(c, c->scratch, len, true, true);
		return;
	}
	c->rx_cmd = ic;
	ic->in_rx = true;
	c->nseg = 0;
	{
		struct scst_cmd *cmd = iscsi_cmd_scst(ic);
		uint32_t in_buf = 0;

		if (off < ic->buf_need)
			in_buf = min_u32(len, ic->buf_need - off);
		iscsi_seg_add(c, cmd->buf + off, in_buf, false, true);
		iscsi_seg_add(c, c->scratch, len - in_buf, true, true);
	}
}

static void unsol_done(struct iscsi_conn *c, struct iscsi_cmd *ic)
{
	if (ic->xmit_deferred) {
		ic->xmit_deferred = false;
		do_xmit(ic);
		return;
	}
	if (ic->rdy) {
		if (ic->r2t_next_off < ic->data_next)
			ic->r2t_next_off = ic->data_next;
		rdy_continue(c, ic);
	}
}

void iscsi_rx_dataout_done(struct iscsi_conn *c, bool digest_ok)
{
	struct iscsi_cmd *ic = c->rx_cmd;
	const uint8_t *h = c->hdr;
	bool fin = h[1] & ISCSI_FLAG_FINAL;
	bool unsol = scst_get_be32(h + 20) == ISCSI_RESERVED_TAG;

	if (!ic)
		return;
	c->rx_cmd = NULL;
	ic->in_rx = false;
	if (!digest_ok && !ic->dead) {
		/* RFC 7143 7.8: the PDU is rejected, which ends the task at the initiator;
		 * here the task dies as after a sequence error (see iscsi_rx_dataout_hdr). */
		ic->dead = true;
		ic->data_err = SCST_SENSE_PROTOCOL_SERVICE_CRC_ERROR;
		iscsi_send_reject(c, h, ISCSI_REJECT_DATA_DIGEST, false);
	}
	if (ic->dead) {
		/* Count the ends of the sequences the initiator still sends. */
		if (fin && unsol)
			ic->unsol_pending = false;
		else if (fin && ic->r2t_out)
			ic->r2t_out--;
		ic->r2t_next_off = ic->buf_need; /* no more R2Ts */
	} else {
		ic->data_next += c->dsl;
		iscsi_cmd_scst(ic)->write_received = min_u32(ic->data_next, ic->buf_need);
	}
	if (ic->dead)
		goto out;
	if (unsol) {
		ic->unsol_datasn++;
		if (fin)
			ic->unsol_pending = false;
	} else {
		ic->r2t_head_datasn++;
		if (fin) {
			/* The oldest burst is complete; the next one starts here. */
			ic->r2t_out--;
			ic->r2t_head_datasn = 0;
			ic->r2t_head_end =
				min_u32(ic->data_next + c->params.max_burst, ic->r2t_next_off);
		}
	}
out:
	if (ic->xmit_after_rx) {
		/* Aborted (or finished) while this PDU came in. */
		ic->xmit_after_rx = false;
		iscsi_xmit_response(iscsi_cmd_scst(ic));
		return;
	}
	if (!fin)
		return;
	if (unsol)
		unsol_done(c, ic);
	else if (ic->rdy)
		rdy_continue(c, ic);
}

/* ---- responses: Data-In and SCSI Response (RFC 7143 11.4, 11.7) ---- */

static void do_xmit(struct iscsi_cmd *ic)
{
	struct scst_cmd *cmd = iscsi_cmd_scst(ic);
	struct iscsi_conn *c = ic->conn;

	ic->rdy = false;
	if (cmd->aborted || c->closing || ic->dead) {
		/* target.h: an aborted command goes out silently; so does a dead one. */
		ic->unsol_pending = false;
		ic->r2t_out = 0;
		iscsi_itt_unhash(c, ic);
		scst_cmd_xmit_done(cmd);
		return;
	}
	if (ic->unsol_pending) {
		/* The initiator still sends unsolicited data under this tag: answer after it. */
		ic->xmit_deferred = true;
		return;
	}
	ic->r2t_out = 0; /* Data-Outs still on the way are rejected as unknown */
	ic->resp_len = 0;
	if ((cmd->dir & SCST_DATA_READ) && cmd->buf)
		ic->resp_len = min_u32(min_u32(cmd->resp_data_len, cmd->bufflen), ic->edtl_in);
	/* RFC 7143 11.7.4: status in the last Data-In only without sense. */
	ic->collapse = ic->resp_len && !cmd->sense_len && cmd->status == SCST_STATUS_GOOD &&
		       cmd->dir != SCST_DATA_BIDI;
	ic->din_off = 0;
	ic->din_datasn = 0;
	ic->status_sent = false;
	ic->tx.kind = ISCSI_TX_CMD;
	iscsi_tx_queue(c, &ic->tx);
}

void iscsi_xmit_response(struct scst_cmd *cmd)
{
	struct iscsi_cmd *ic = scst_cmd_priv(cmd);

	if (ic->in_rx) {
		/* The receive machine is writing into cmd->buf: finish after that PDU. */
		ic->xmit_after_rx = true;
		return;
	}
	do_xmit(ic);
}

static void put_residual(struct scst_cmd *cmd, uint8_t *bhs)
{
	bool over = false;
	uint32_t res = scst_cmd_residual(cmd, &over);

	if (!res)
		return;
	bhs[1] |= over ? ISCSI_RSP_OVERFLOW : ISCSI_RSP_UNDERFLOW;
	scst_put_be32(bhs + 44, res);
}

void iscsi_cmd_tx_fill(struct iscsi_conn *c, struct iscsi_cmd *ic, struct iscsi_tx_slot *s,
		       const uint8_t **data, uint32_t *len, bool *last)
{
	struct scst_cmd *cmd = iscsi_cmd_scst(ic);
	uint8_t *b = s->bhs;

	memset(b, 0, ISCSI_BHS_LEN);
	if (ic->din_off < ic->resp_len) {
		uint32_t seg = min_u32(c->params.max_xmit_dsl, ic->resp_len - ic->din_off);
		bool final = ic->din_off + seg == ic->resp_len;

		b[0] = ISCSI_OP_DATA_IN;
		if (final)
			b[1] = ISCSI_FLAG_FINAL;
		iscsi_set_dlength((struct iscsi_bhs *)b, seg);
		memcpy(b + 8, cmd->lun_raw, 8);
		scst_put_be32(b + 16, ic->itt);
		scst_put_be32(b + 20, ISCSI_RESERVED_TAG);
		if (final && ic->collapse) {
			b[1] |= ISCSI_DATA_STATUS;
			b[3] = cmd->status;
			scst_put_be32(b + 24, c->stat_sn++);
			put_residual(cmd, b);
		}
		scst_put_be32(b + 28, c->exp_cmdsn);
		scst_put_be32(b + 32, iscsi_conn_max_cmdsn(c));
		scst_put_be32(b + 36, ic->din_datasn++);
		scst_put_be32(b + 40, ic->din_off);
		*data = cmd->buf + ic->din_off;
		*len = seg;
		ic->din_off += seg;
		*last = final && ic->collapse;
		return;
	}
	b[0] = ISCSI_OP_SCSI_RSP;
	b[1] = ISCSI_FLAG_FINAL;
	b[2] = ISCSI_RSP_COMPLETED;
	b[3] = cmd->status;
	scst_put_be32(b + 16, ic->itt);
	scst_put_be32(b + 24, c->stat_sn++);
	scst_put_be32(b + 28, c->exp_cmdsn);
	scst_put_be32(b + 32, iscsi_conn_max_cmdsn(c));
	scst_put_be32(b + 36, ic->din_datasn); /* ExpDataSN: Data-In PDUs sent */
	put_residual(cmd, b);
	*data = NULL;
	*len = 0;
	if (cmd->sense_len) {
		/* RFC 7143 11.4.7: SenseLength, then the sense bytes. */
		scst_put_be16(ic->rsp_data, cmd->sense_len);
		memcpy(ic->rsp_data + 2, cmd->sense, cmd->sense_len);
		*data = ic->rsp_data;
		*len = 2u + cmd->sense_len;
		iscsi_set_dlength((struct iscsi_bhs *)b, *len);
	}
	*last = true;
}

void iscsi_cmd_tx_done(struct iscsi_cmd *ic)
{
	struct scst_cmd *cmd = iscsi_cmd_scst(ic);

	iscsi_itt_unhash(ic->conn, ic);
	scst_cmd_xmit_done(cmd);
}

void iscsi_on_free_cmd(struct scst_cmd *cmd)
{
	struct iscsi_cmd *ic = scst_cmd_priv(cmd);
	struct iscsi_conn *c = ic->conn;

	if (!c)
		return;
	iscsi_itt_unhash(c, ic);
	if (ic->counted) {
		ic->counted = false;
		c->inflight--;
	}
	ic->conn = NULL;
}

/* Closing: release what the core does not own yet, finish what waits on us. */
void iscsi_conn_drop_cmds(struct iscsi_conn *c)
{
	if (c->pending) {
		for (uint32_t i = 0; i < c->window; i++) {
			struct iscsi_cmd *ic = c->pending[i];

			c->pending[i] = NULL;
			if (!ic || ic == &slot_consumed)
				continue;
			ic->queued = false;
			iscsi_itt_unhash(c, ic);
			scst_cmd_discard(iscsi_cmd_scst(ic));
		}
		c->pending_count = 0;
	}
	for (unsigned b = 0; b < ISCSI_ITT_HASH; b++) {
		struct iscsi_cmd *ic = c->itt_hash[b], *next;

		for (; ic; ic = next) {
			next = ic->hnext;
			if (ic->xmit_deferred && !ic->in_rx) {
				ic->xmit_deferred = false;
				iscsi_itt_unhash(c, ic);
				scst_cmd_xmit_done(iscsi_cmd_scst(ic));
			}
		}
	}
}
