// SPDX-License-Identifier: GPL-2.0-only
/*
 * An iSCSI connection on its reactor: the receive state machine (BHS, AHS,
 * header digest, data segment straight into its destination, data digest,
 * dispatch), the send queue (PDUs batched into one sendmsg), login, NOP,
 * Text, Logout and Reject, keep-alive pings, close and free.
 *
 * Receiving works in two phases (RFC 7143 11.2): the header is read and
 * checked, which decides where the data segment lands (a command's buffer
 * at the right offset, the connection's buffer for small control PDUs, or a
 * scratch area for data we throw away); then the PDU is handled once its
 * data is in place and its digest verified. Bytes are read into a small
 * stage buffer for lookahead; large data segments are read directly into
 * their destination with the stage appended to catch the next header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "scst/log.h"
#include "iscsi_priv.h"

pthread_mutex_t iscsi_global_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iscsi_conn *conn_list;
static unsigned conn_nr;

static void rx_submit(struct iscsi_conn *c);
static void rx_complete(struct scst_io_cb *cb, int res, uint32_t flags);
static void rx_data_complete(struct scst_io_cb *cb, int res, uint32_t flags);
static void tx_complete(struct scst_io_cb *cb, int res, uint32_t flags);
static void tx_kick(struct iscsi_conn *c);
static void conn_ticker(struct scst_ticker *t, uint64_t now_ms);

static void conn_log(struct iscsi_conn *c, int prio, const char *what)
{
	scst_log(prio, "iscsi: %s: %s", c->peer, what);
}

/* ---- control PDU pool ---- */

struct iscsi_ctrl *iscsi_ctrl_get(struct iscsi_conn *c)
{
	struct iscsi_ctrl *p = c->ctrl_free;

	if (c->ctrl_count >= ISCSI_MAX_CTRL)
		return NULL; /* the peer does not read what we send */
	if (p) {
		c->ctrl_free = (struct iscsi_ctrl *)p->tx.next;
	} else {
		p = malloc(sizeof(*p));
		if (!p)
			return NULL;
	}
	memset(p, 0, offsetof(struct iscsi_ctrl, inline_data));
	p->tx.kind = ISCSI_TX_CTRL;
	c->ctrl_count++;
	return p;
}

void iscsi_ctrl_put(struct iscsi_conn *c, struct iscsi_ctrl *p)
{
	free(p->heap);
	p->heap = NULL;
	p->tx.next = (struct iscsi_tx *)c->ctrl_free;
	c->ctrl_free = p;
	c->ctrl_count--;
}

/* Attach a copy of data to a control PDU. */
static int ctrl_set_data(struct iscsi_ctrl *p, const uint8_t *data, uint32_t len)
{
	if (!len)
		return 0;
	if (len <= ISCSI_CTRL_INLINE) {
		p->data = p->inline_data;
	} else {
		p->heap = malloc(len);
		if (!p->heap)
			return -ENOMEM;
		p->data = p->heap;
	}
	memcpy(p->data, data, len);
	p->data_len = len;
	iscsi_set_dlength((struct iscsi_bhs *)p->bhs, len);
	return 0;
}

static void ctrl_send(struct iscsi_conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len,
		      enum iscsi_sn_mode mode, bool close_after)
{
	struct iscsi_ctrl *p = iscsi_ctrl_get(c);

	if (!p) {
		iscsi_conn_close(c, "too many queued control PDUs");
		return;
	}
	memcpy(p->bhs, bhs, ISCSI_BHS_LEN);
	p->sn_mode = (uint8_t)mode;
	p->close_after = close_after;
	if (ctrl_set_data(p, data, len)) {
		iscsi_ctrl_put(c, p);
		iscsi_conn_close(c, "out of memory");
		return;
	}
	iscsi_tx_queue(c, &p->tx);
}

void iscsi_conn_send_raw(struct iscsi_conn *c, const uint8_t *bhs, const uint8_t *data,
			 uint32_t len, bool close)
{
	if (close)
		c->rx_state = ISCSI_RX_STOPPED;
	ctrl_send(c, bhs, data, len, ISCSI_SN_RAW, close);
}

/* RFC 7143 11.17: the rejected header goes back as the data segment. */
void iscsi_send_reject(struct iscsi_conn *c, const uint8_t *bad, uint8_t reason, bool close)
{
	uint8_t bhs[ISCSI_BHS_LEN] = { 0 };

	if (c->closing)
		return;
	bhs[0] = ISCSI_OP_REJECT;
	bhs[1] = ISCSI_FLAG_FINAL;
	bhs[2] = reason;
	scst_put_be32(bhs + 16, ISCSI_RESERVED_TAG);
	if (close)
		c->rx_state = ISCSI_RX_STOPPED;
	ctrl_send(c, bhs, bad, ISCSI_BHS_LEN, ISCSI_SN_ADVANCE, close);
}

/* A Login Response with an error status (RFC 7143 11.13), then close. */
static void send_login_reject(struct iscsi_conn *c, const uint8_t *req, uint8_t cls, uint8_t detail)
{
	uint8_t bhs[ISCSI_BHS_LEN] = { 0 };

	bhs[0] = ISCSI_OP_LOGIN_RSP;
	memcpy(bhs + 8, req + 8, 8); /* ISID, TSIH */
	memcpy(bhs + 16, req + 16, 4); /* ITT */
	memcpy(bhs + 28, req + 24, 4); /* ExpCmdSN = CmdSN */
	memcpy(bhs + 32, req + 24, 4); /* MaxCmdSN */
	bhs[36] = cls;
	bhs[37] = detail;
	c->rx_state = ISCSI_RX_STOPPED;
	ctrl_send(c, bhs, NULL, 0, ISCSI_SN_RAW, true);
}

/* ---- sequence numbers ---- */

uint32_t iscsi_conn_max_cmdsn(struct iscsi_conn *c)
{
	uint32_t cand = c->exp_cmdsn + c->window - 1 - c->inflight;

	/* RFC 7143 4.2.2.1: MaxCmdSN never moves back. */
	if (iscsi_sn_gt(cand, c->max_cmdsn))
		c->max_cmdsn = cand;
	return c->max_cmdsn;
}

static void fill_sn(struct iscsi_conn *c, uint8_t *bhs, enum iscsi_sn_mode mode)
{
	if (mode == ISCSI_SN_RAW)
		return;
	scst_put_be32(bhs + 24, mode == ISCSI_SN_ADVANCE ? c->stat_sn++ : c->stat_sn);
	scst_put_be32(bhs + 28, c->exp_cmdsn);
	scst_put_be32(bhs + 32, iscsi_conn_max_cmdsn(c));
}

/* ---- send machine ---- */

/*
 * The end of the turn's dispatch for a connection with responses queued: they
 * leave in one send. A send still in flight by then (its completion was not in
 * this turn's batch) is what the queued responses wait for: the next wait must
 * not linger for other completions.
 */
static void tx_flush(struct scst_work *w)
{
	struct iscsi_conn *c = scst_container_of(w, struct iscsi_conn, tx_flush_work);

	c->tx_flush_queued = false;
	if (c->tx_inflight && c->txq_head)
		scst_reactor_urgent(c->r);
	tx_kick(c);
	iscsi_conn_maybe_free(c);
}

void iscsi_tx_queue(struct iscsi_conn *c, struct iscsi_tx *t)
{
	t->next = NULL;
	if (c->txq_tail)
		c->txq_tail->next = t;
	else
		c->txq_head = t;
	c->txq_tail = t;
	if (!c->tx_flush_queued) {
		c->tx_flush_queued = true;
		c->tx_flush_work.fn = tx_flush;
		scst_reactor_defer(c->r, &c->tx_flush_work);
	}
}

static void tx_item_done(struct iscsi_conn *c, struct iscsi_tx *t)
{
	if (t->kind == ISCSI_TX_CTRL) {
		struct iscsi_ctrl *p = scst_container_of(t, struct iscsi_ctrl, tx);

		if (p->close_after)
			c->close_after_tx = true;
		iscsi_ctrl_put(c, p);
	} else {
		iscsi_cmd_tx_done(scst_container_of(t, struct iscsi_cmd, tx));
	}
}

/* Closing: everything still queued is dropped; commands are finished without sending. */
static void tx_drop_all(struct iscsi_conn *c)
{
	iscsi_zc_batch_done(c); /* the batch's buffers stay with its set */
	while (c->done_head) {
		struct iscsi_tx *t = c->done_head;

		c->done_head = t->next;
		tx_item_done(c, t);
	}
	c->done_tail = NULL;
	while (c->txq_head) {
		struct iscsi_tx *t = c->txq_head;

		c->txq_head = t->next;
		if (!c->txq_head)
			c->txq_tail = NULL;
		tx_item_done(c, t);
	}
}

static unsigned tx_build(struct iscsi_conn *c, unsigned *slots_used)
{
	unsigned slot = 0, n = 0;
	bool last = true;

	c->tx_payload = 0;
	c->tx_copy_only = false;
	while (c->txq_head && slot < ISCSI_TX_SLOTS) {
		struct iscsi_tx *t = c->txq_head;
		struct iscsi_tx_slot *s = &c->slots[slot++];
		const uint8_t *data = NULL;
		uint32_t len = 0, pad;
		bool raw = false, finish_login = false;

		last = true;
		if (t->kind == ISCSI_TX_CTRL) {
			struct iscsi_ctrl *p = scst_container_of(t, struct iscsi_ctrl, tx);

			memcpy(s->bhs, p->bhs, ISCSI_BHS_LEN);
			fill_sn(c, s->bhs, p->sn_mode);
			data = p->data;
			len = p->data_len;
			raw = p->sn_mode == ISCSI_SN_RAW;
			finish_login = p->finish_login;
			c->tx_copy_only = true;
		} else {
			iscsi_cmd_tx_fill(c, scst_container_of(t, struct iscsi_cmd, tx), s, &data,
					  &len, &last);
			c->tx_payload += len;
		}
		c->tx_iov[n++] = (struct iovec){ s->bhs, ISCSI_BHS_LEN };
		if (!raw && c->tx_hd) {
			iscsi_put_digest(s->hdigest, iscsi_crc32c(s->bhs, ISCSI_BHS_LEN));
			c->tx_iov[n++] = (struct iovec){ s->hdigest, ISCSI_DIGEST_LEN };
		}
		if (len) {
			uint32_t tail = 0;

			pad = iscsi_pad4(len) - len;
			c->tx_iov[n++] = (struct iovec){ (void *)data, len };
			memset(s->tail, 0, 3);
			tail = pad;
			if (!raw && c->tx_dd) {
				struct iovec d[2] = { { (void *)data, len }, { s->tail, pad } };

				iscsi_put_digest(s->tail + pad, iscsi_crc32c_iov(d, 2));
				tail += ISCSI_DIGEST_LEN;
			}
			if (tail)
				c->tx_iov[n++] = (struct iovec){ s->tail, tail };
		}
		if (finish_login) {
			/* RFC 7143 13.1: digests start with the PDU after the final Login Response. */
			c->tx_hd = c->params.header_digest;
			c->tx_dd = c->params.data_digest;
		}
		if (last) {
			c->txq_head = t->next;
			if (!c->txq_head)
				c->txq_tail = NULL;
			t->next = NULL;
			if (c->done_tail)
				c->done_tail->next = t;
			else
				c->done_head = t;
			c->done_tail = t;
		}
	}
	if (!last)
		c->tx_copy_only = true; /* a command goes on in the next batch */
	*slots_used = slot;
	return n;
}

static void tx_submit(struct iscsi_conn *c)
{
	struct io_uring_sqe *sqe;

	sqe = scst_reactor_sqe(c->r, &c->tx_cb);
	if (!c->tx_zc && c->tx_iov_cnt - c->tx_iov_pos == 1) {
		/* One piece (a status without data, an R2T): a plain send spares the
		 * kernel copying in a msghdr and an iovec. */
		const struct iovec *v = &c->tx_iov[c->tx_iov_pos];

		io_uring_prep_send(sqe, c->fd, v->iov_base, v->iov_len, MSG_NOSIGNAL);
	} else {
		memset(&c->tx_msg, 0, sizeof(c->tx_msg));
		c->tx_msg.msg_iov = c->tx_iov + c->tx_iov_pos;
		c->tx_msg.msg_iovlen = c->tx_iov_cnt - c->tx_iov_pos;
		if (c->tx_zc)
			iscsi_zc_prep_send(c, sqe);
		else
			io_uring_prep_sendmsg(sqe, c->fd, &c->tx_msg, MSG_NOSIGNAL);
	}
	/* Nothing waits behind this send: its completion only frees what it sent. */
	if (!c->txq_head)
		scst_reactor_sqe_not_urgent(c->r);
	c->tx_inflight = true;
}

static void tx_kick(struct iscsi_conn *c)
{
	unsigned slots_used;

	if (c->tx_inflight)
		return;
	if (c->closing) {
		tx_drop_all(c);
		return;
	}
	if (!c->txq_head)
		return;
	c->tx_iov_cnt = tx_build(c, &slots_used);
	c->tx_iov_pos = 0;
	iscsi_zc_prepare(c, slots_used);
	tx_submit(c);
}

void iscsi_tx_kick(struct iscsi_conn *c)
{
	tx_kick(c);
}

static void tx_complete(struct scst_io_cb *cb, int res, uint32_t flags)
{
	(void)flags;
	iscsi_tx_sent(scst_container_of(cb, struct iscsi_conn, tx_cb), res);
}

void iscsi_tx_sent(struct iscsi_conn *c, int res)
{
	size_t left = (size_t)(res > 0 ? res : 0);

	c->tx_inflight = false;
	if (res < 0 && !c->closing) {
		conn_log(c, LOG_INFO, "send failed");
		iscsi_conn_close(c, NULL);
	}
	if (c->closing) {
		tx_drop_all(c);
		iscsi_conn_maybe_free(c);
		return;
	}
	/* A short send: go on from where it stopped. */
	while (c->tx_iov_pos < c->tx_iov_cnt && left >= c->tx_iov[c->tx_iov_pos].iov_len)
		left -= c->tx_iov[c->tx_iov_pos++].iov_len;
	if (c->tx_iov_pos < c->tx_iov_cnt) {
		struct iovec *v = &c->tx_iov[c->tx_iov_pos];

		v->iov_base = (uint8_t *)v->iov_base + left;
		v->iov_len -= left;
		tx_submit(c);
		return;
	}
	iscsi_zc_batch_done(c);
	while (c->done_head) {
		struct iscsi_tx *t = c->done_head;

		c->done_head = t->next;
		if (!c->done_head)
			c->done_tail = NULL;
		tx_item_done(c, t);
	}
	if (c->close_after_tx) {
		iscsi_conn_close(c, NULL);
		iscsi_conn_maybe_free(c);
		return;
	}
	tx_kick(c);
}

/* ---- receive machine ---- */

static int rxbuf_reserve(struct iscsi_conn *c, uint32_t len)
{
	uint8_t *p;

	if (len <= c->rxbuf_size)
		return 0;
	p = realloc(c->rxbuf, len);
	if (!p)
		return -ENOMEM;
	c->rxbuf = p;
	c->rxbuf_size = len;
	return 0;
}

/* Place [0, dsl) of the current data segment: [buf_lo, buf_lo + buf_len) of it into buf. */
static void rx_sink_data(struct iscsi_conn *c, uint8_t *buf, uint32_t buf_len)
{
	c->nseg = 0;
	iscsi_seg_add(c, buf, buf_len, false, true);
	iscsi_seg_add(c, c->scratch, c->dsl - buf_len, true, true);
}

static void rx_sink_tail(struct iscsi_conn *c)
{
	uint32_t pad = iscsi_pad4(c->dsl) - c->dsl;

	iscsi_seg_add(c, c->tail, pad, false, true);
	if (c->dsl && c->dd)
		iscsi_seg_add(c, c->tail + 3, ISCSI_DIGEST_LEN, false, false);
	c->cur_seg = 0;
	c->rx_crc = 0xffffffffu;
	c->rx_state = ISCSI_RX_DATA;
}

static void rx_sink_discard(struct iscsi_conn *c)
{
	rx_sink_data(c, NULL, 0);
}

static void rx_login(struct iscsi_conn *c);
static void rx_nop(struct iscsi_conn *c);
static void rx_text(struct iscsi_conn *c);
static void rx_logout(struct iscsi_conn *c);

static void rx_header_done(struct iscsi_conn *c)
{
	struct iscsi_rx_limits lim = {
		.phase = c->phase,
		.max_recv_dsl = c->phase == ISCSI_PHASE_LOGIN ? ISCSI_MAX_TEXT_PDU :
								 c->params.max_recv_dsl,
		.login_started = c->login_seen,
	};
	uint8_t reason = 0;
	enum iscsi_verdict v;

	c->dsl = iscsi_dlength((const struct iscsi_bhs *)c->hdr);
	c->rx_cmd = NULL;
	c->rx_new_cmd = false;
	c->rx_ignore = false;
	c->nseg = 0;
	if (c->hd) {
		uint32_t hlen = c->hdr_need - ISCSI_DIGEST_LEN;

		if (iscsi_crc32c(c->hdr, hlen) != iscsi_get_digest(c->hdr + hlen)) {
			/* RFC 7143 7.8: the header cannot be trusted, so neither can the
			 * stream: at ERL 0 the connection goes. */
			conn_log(c, LOG_NOTICE, "header digest error");
			iscsi_conn_close(c, NULL);
			return;
		}
	}
	v = iscsi_bhs_check(c->hdr, &lim, &reason);
	c->rx_verdict = (uint8_t)v;
	c->rx_reason = reason;
	switch (v) {
	case ISCSI_PDU_DROP:
		iscsi_conn_close(c, "garbage before login");
		return;
	case ISCSI_PDU_LOGIN_REJECT:
		send_login_reject(c, c->hdr, ISCSI_LOGIN_STATUS_INITIATOR_ERR,
				  ISCSI_LOGIN_DETAIL_INIT_ERR);
		return;
	case ISCSI_PDU_REJECT_CLOSE:
		/* Do not read a data segment we refuse: answer and go. */
		iscsi_send_reject(c, c->hdr, reason, true);
		return;
	case ISCSI_PDU_REJECT:
		rx_sink_discard(c);
		break;
	case ISCSI_PDU_OK:
		switch (c->hdr[0] & ISCSI_OP_MASK) {
		case ISCSI_OP_SCSI_CMD:
			iscsi_rx_scsi_cmd_hdr(c);
			break;
		case ISCSI_OP_DATA_OUT:
			iscsi_rx_dataout_hdr(c);
			break;
		default:
			if (rxbuf_reserve(c, c->dsl)) {
				iscsi_conn_close(c, "out of memory");
				return;
			}
			rx_sink_data(c, c->rxbuf, c->dsl);
			break;
		}
		break;
	}
	if (c->closing || c->rx_state == ISCSI_RX_STOPPED)
		return;
	rx_sink_tail(c);
}

static void rx_pdu_done(struct iscsi_conn *c)
{
	bool digest_ok = true;
	uint8_t op = c->hdr[0] & ISCSI_OP_MASK;

	c->rx_state = ISCSI_RX_HDR;
	c->hdr_have = 0;
	c->hdr_need = ISCSI_BHS_LEN;
	if (c->dsl && c->dd)
		digest_ok = ~c->rx_crc == iscsi_get_digest(c->tail + 3);

	if (c->rx_verdict == ISCSI_PDU_REJECT) {
		iscsi_send_reject(c, c->hdr, c->rx_reason, false);
		return;
	}
	switch (op) {
	case ISCSI_OP_SCSI_CMD:
		iscsi_rx_scsi_cmd_done(c, digest_ok);
		return;
	case ISCSI_OP_DATA_OUT:
		iscsi_rx_dataout_done(c, digest_ok);
		return;
	default:
		break;
	}
	if (!digest_ok) {
		/* RFC 7143 7.8: discard the PDU and say why; the initiator may retry. */
		iscsi_send_reject(c, c->hdr, ISCSI_REJECT_DATA_DIGEST, false);
		return;
	}
	switch (op) {
	case ISCSI_OP_LOGIN_REQ:
		rx_login(c);
		break;
	case ISCSI_OP_NOOP_OUT:
		rx_nop(c);
		break;
	case ISCSI_OP_TMF_REQ:
		iscsi_rx_tmf(c);
		break;
	case ISCSI_OP_TEXT_REQ:
		rx_text(c);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		rx_logout(c);
		break;
	default:
		iscsi_send_reject(c, c->hdr, ISCSI_REJECT_CMD_NOT_SUPPORTED, false);
		break;
	}
}

/* Account n bytes that arrived at segment i (already in place for direct reads). */
static void seg_filled(struct iscsi_conn *c, struct iscsi_rx_seg *s, const uint8_t *at, uint32_t n)
{
	if (s->crc && c->dd)
		c->rx_crc = iscsi_crc32c_update(c->rx_crc, at, n);
	if (!s->discard)
		s->p += n;
	s->len -= n;
}

/* Consume the stage. Returns when more bytes are needed or receiving stopped. */
static void rx_process(struct iscsi_conn *c)
{
	while (!c->closing && c->rx_state != ISCSI_RX_STOPPED) {
		uint32_t avail = c->stage_len - c->stage_off;
		uint8_t *src = c->stage + c->stage_off;

		if (c->rx_state == ISCSI_RX_HDR) {
			uint32_t n = c->hdr_need - c->hdr_have;

			if (n > avail)
				n = avail;
			memcpy(c->hdr + c->hdr_have, src, n);
			c->hdr_have += n;
			c->stage_off += n;
			if (c->hdr_have < c->hdr_need)
				return;
			if (c->hdr_need == ISCSI_BHS_LEN) {
				uint32_t more = c->hdr[4] * 4u + (c->hd ? ISCSI_DIGEST_LEN : 0);

				if (more) {
					c->hdr_need += more;
					continue;
				}
			}
			rx_header_done(c);
			continue;
		}
		/* ISCSI_RX_DATA */
		while (c->cur_seg < c->nseg && !c->seg[c->cur_seg].len)
			c->cur_seg++;
		if (c->cur_seg == c->nseg) {
			rx_pdu_done(c);
			continue;
		}
		if (!avail)
			return;
		{
			struct iscsi_rx_seg *s = &c->seg[c->cur_seg];
			uint32_t n = s->len < avail ? s->len : avail;
			uint8_t *dst = s->discard ? c->scratch : s->p;

			if (s->discard && n > ISCSI_SCRATCH_SIZE)
				n = ISCSI_SCRATCH_SIZE;
			memcpy(dst, src, n);
			seg_filled(c, s, dst, n);
			c->stage_off += n;
		}
	}
}

static void rx_submit_stage(struct iscsi_conn *c)
{
	struct io_uring_sqe *sqe = scst_reactor_sqe(c->r, &c->rx_cb);

	c->rx_iov[0] = (struct iovec){ c->stage, ISCSI_STAGE_SIZE };
	c->rx_iov_seg[0] = -1;
	c->rx_iov_cnt = 1;
	io_uring_prep_recv(sqe, c->fd, c->stage, ISCSI_STAGE_SIZE, 0);
	scst_reactor_sqe_peer(c->r);
	c->rx_inflight = true;
}

/*
 * A large data segment: one receive of all of it into the command's buffer
 * (MSG_WAITALL lets the kernel gather the TCP segments as they come instead of
 * waking us with each piece), and the stage's receive of what follows linked
 * behind it. When the next PDU is already queued both complete in the same
 * turn: one io_uring_enter per large PDU instead of one per receive. A short
 * data receive breaks the link and the stage's receive ends with -ECANCELED.
 */
static void rx_submit_linked(struct iscsi_conn *c, struct iscsi_rx_seg *s)
{
	struct io_uring_sqe *sqe = scst_reactor_sqe(c->r, &c->rx_data_cb);

	io_uring_prep_recv(sqe, c->fd, s->p, s->len, MSG_WAITALL);
	sqe->flags |= IOSQE_IO_LINK;
	scst_reactor_sqe_peer(c->r);
	c->rx_data_seg = s;
	c->rx_data_inflight = true;
	c->rx_linked = true;
	rx_submit_stage(c);
}

static void rx_submit(struct iscsi_conn *c)
{
	struct io_uring_sqe *sqe;
	unsigned n = 0;

	if (c->rx_inflight || c->closing || c->rx_state == ISCSI_RX_STOPPED)
		return;
	c->stage_off = c->stage_len = 0;
	if (c->rx_state == ISCSI_RX_DATA) {
		uint32_t left = 0;

		for (unsigned i = c->cur_seg; i < c->nseg; i++)
			left += c->seg[i].len;
		while (c->cur_seg < c->nseg && !c->seg[c->cur_seg].len)
			c->cur_seg++;
		if (c->cur_seg < c->nseg && !c->seg[c->cur_seg].discard &&
		    c->seg[c->cur_seg].len >= ISCSI_RX_WAITALL_MIN) {
			rx_submit_linked(c, &c->seg[c->cur_seg]);
			return;
		}
		/* Large segments go straight to their destination; small ones via the stage. */
		if (left >= 1024) {
			for (unsigned i = c->cur_seg; i < c->nseg && n < 4; i++) {
				struct iscsi_rx_seg *s = &c->seg[i];
				uint32_t len = s->len;

				if (!len)
					continue;
				if (s->discard && len > ISCSI_SCRATCH_SIZE)
					len = ISCSI_SCRATCH_SIZE;
				c->rx_iov[n] = (struct iovec){ s->discard ? c->scratch : s->p, len };
				c->rx_iov_seg[n++] = (int8_t)i;
				if (s->discard)
					break; /* scratch can be used once per read */
			}
		}
	}
	if (!n) {
		/* Only the stage (the common case: waiting for the next header). */
		rx_submit_stage(c);
		return;
	}
	c->rx_iov[n] = (struct iovec){ c->stage, ISCSI_STAGE_SIZE };
	c->rx_iov_seg[n++] = -1;
	c->rx_iov_cnt = n;
	sqe = scst_reactor_sqe(c->r, &c->rx_cb);
	memset(&c->rx_msg, 0, sizeof(c->rx_msg));
	c->rx_msg.msg_iov = c->rx_iov;
	c->rx_msg.msg_iovlen = n;
	io_uring_prep_recvmsg(sqe, c->fd, &c->rx_msg, 0);
	scst_reactor_sqe_peer(c->r);
	c->rx_inflight = true;
}

/* The current PDU's command no longer receives: let deferred work on it run. */
static void rx_release_cmd(struct iscsi_conn *c)
{
	struct iscsi_cmd *ic = c->rx_cmd;

	if (!ic)
		return;
	c->rx_cmd = NULL;
	ic->in_rx = false;
	if (c->rx_new_cmd) {
		/* Never started: nobody else knows it. */
		iscsi_itt_unhash(c, ic);
		scst_cmd_discard(iscsi_cmd_scst(ic));
		return;
	}
	if (ic->xmit_after_rx) {
		ic->xmit_after_rx = false;
		iscsi_xmit_response(iscsi_cmd_scst(ic));
	}
}

static void rx_complete(struct scst_io_cb *cb, int res, uint32_t flags)
{
	struct iscsi_conn *c = scst_container_of(cb, struct iscsi_conn, rx_cb);
	size_t want = 0;
	uint32_t left;

	c->rx_inflight = false;
	if (c->rx_linked) {
		c->rx_linked = false;
		if (res == -ECANCELED && !c->closing) {
			/* The data receive before it came up short: receive the rest. */
			rx_process(c);
			rx_submit(c);
			return;
		}
	}
	if (res <= 0 && !c->closing)
		iscsi_conn_close(c, res == 0 ? "closed by peer" : "receive failed");
	if (c->closing) {
		rx_release_cmd(c);
		iscsi_conn_maybe_free(c);
		return;
	}
	c->last_rx_ms = scst_reactor_now_ms(c->r);
	left = (uint32_t)res;
	for (unsigned i = 0; i < c->rx_iov_cnt; i++)
		want += c->rx_iov[i].iov_len;
	/* A receive that filled every buffer left more behind in the socket: the
	 * next receive has work at once, so the next wait must not linger. */
	if ((size_t)res == want)
		scst_reactor_urgent(c->r);
	for (unsigned i = 0; i < c->rx_iov_cnt && left; i++) {
		uint32_t n = left < c->rx_iov[i].iov_len ? left : (uint32_t)c->rx_iov[i].iov_len;

		if (c->rx_iov_seg[i] < 0) {
			c->stage_len = n;
		} else {
			struct iscsi_rx_seg *s = &c->seg[c->rx_iov_seg[i]];

			seg_filled(c, s, c->rx_iov[i].iov_base, n);
		}
		left -= n;
	}
	rx_process(c);
	rx_submit(c);
	if (c->closing)
		iscsi_conn_maybe_free(c);
}

static void rx_data_complete(struct scst_io_cb *cb, int res, uint32_t flags)
{
	struct iscsi_conn *c = scst_container_of(cb, struct iscsi_conn, rx_data_cb);

	(void)flags;
	c->rx_data_inflight = false;
	if (res <= 0 && !c->closing)
		iscsi_conn_close(c, res == 0 ? "closed by peer" : "receive failed");
	if (c->closing) {
		/* The stage's receive (cancelled) completes next and releases the command. */
		iscsi_conn_maybe_free(c);
		return;
	}
	c->last_rx_ms = scst_reactor_now_ms(c->r);
	seg_filled(c, c->rx_data_seg, c->rx_data_seg->p, (uint32_t)res);
	/* The stage is empty (its receive is in flight): this finishes the PDU if
	 * nothing but the data segment was missing. */
	rx_process(c);
	if (c->closing)
		iscsi_conn_maybe_free(c);
}

/* ---- login ---- */

static void rx_login(struct iscsi_conn *c)
{
	struct iscsi_pdu_out out;
	enum iscsi_login_result res;

	memset(&out, 0, sizeof(out));
	c->login_seen = true;
	res = iscsi_login_rx(c->login, c->hdr, c->rxbuf, c->dsl, &out);
	switch (res) {
	case ISCSI_LOGIN_MORE:
		ctrl_send(c, out.bhs, out.data, out.data_len, ISCSI_SN_RAW, false);
		break;
	case ISCSI_LOGIN_FAILED:
		c->rx_state = ISCSI_RX_STOPPED;
		ctrl_send(c, out.bhs, out.data, out.data_len, ISCSI_SN_RAW, true);
		break;
	case ISCSI_LOGIN_DROP:
		iscsi_conn_close(c, "login dropped");
		break;
	case ISCSI_LOGIN_DONE:
		memcpy(c->login_rsp, out.bhs, ISCSI_BHS_LEN);
		c->login_rsp_len = out.data_len;
		free(c->login_rsp_data);
		c->login_rsp_data = NULL;
		if (out.data_len) {
			c->login_rsp_data = malloc(out.data_len);
			if (!c->login_rsp_data) {
				iscsi_conn_close(c, "out of memory");
				return;
			}
			memcpy(c->login_rsp_data, out.data, out.data_len);
		}
		/* No more requests until the session exists (reinstatement may wait). */
		c->rx_state = ISCSI_RX_STOPPED;
		iscsi_session_login_done(c);
		break;
	}
}

/* Send the final Login Response kept in c->login_rsp (TSIH set) and enter full feature phase. */
void iscsi_conn_send_login_final(struct iscsi_conn *c)
{
	struct iscsi_ctrl *p = iscsi_ctrl_get(c);

	if (!p) {
		iscsi_conn_close(c, "out of memory");
		return;
	}
	memcpy(p->bhs, c->login_rsp, ISCSI_BHS_LEN);
	p->sn_mode = ISCSI_SN_RAW;
	p->finish_login = true;
	if (ctrl_set_data(p, c->login_rsp_data, c->login_rsp_len)) {
		iscsi_ctrl_put(c, p);
		iscsi_conn_close(c, "out of memory");
		return;
	}
	iscsi_conn_ffp_start(c);
	iscsi_tx_queue(c, &p->tx);
	if (c->rx_state == ISCSI_RX_STOPPED && !c->closing) {
		c->rx_state = ISCSI_RX_HDR;
		c->hdr_have = 0;
		c->hdr_need = ISCSI_BHS_LEN;
		/* Bytes already staged (none expected: the initiator waits) stay valid. */
		rx_process(c);
		rx_submit(c);
	}
}

void iscsi_conn_ffp_start(struct iscsi_conn *c)
{
	const struct iscsi_params *p = iscsi_login_params(c->login);
	struct scst_target *tgt = iscsi_login_target(c->login);
	uint32_t w = iscsi_limits.queue_depth;
	char qc[16];

	/* SCST's per-target QueuedCommands: the session's command window. */
	if (tgt && scst_target_get_attr(tgt, "QueuedCommands", qc, sizeof(qc))) {
		unsigned long v = strtoul(qc, NULL, 10);

		if (v >= 1 && v <= 2048)
			w = (uint32_t)v;
	}

	c->nop_interval_ms = iscsi_limits.nop_interval_ms;
	c->nop_timeout_ms = iscsi_limits.nop_timeout_ms;
	if (tgt && scst_target_get_attr(tgt, "NopInInterval", qc, sizeof(qc)))
		c->nop_interval_ms = (uint32_t)strtoul(qc, NULL, 10) * 1000u;
	if (tgt && scst_target_get_attr(tgt, "NopInTimeout", qc, sizeof(qc)) &&
	    strtoul(qc, NULL, 10) > 0)
		c->nop_timeout_ms = (uint32_t)strtoul(qc, NULL, 10) * 1000u;
	c->params = *p;
	if (c->params.max_xmit_dsl < 512)
		c->params.max_xmit_dsl = 512; /* RFC 7143 13.12: at least 512 */
	if (c->params.max_recv_dsl < ISCSI_MAX_TEXT_PDU)
		c->params.max_recv_dsl = ISCSI_MAX_TEXT_PDU;
	if (!c->params.max_outstanding_r2t)
		c->params.max_outstanding_r2t = 1;
	if (!c->params.max_burst)
		c->params.max_burst = 262144;
	c->phase = iscsi_login_session_type(c->login) == ISCSI_SESSION_DISCOVERY ?
			   ISCSI_PHASE_DISCOVERY :
			   ISCSI_PHASE_FULL;
	c->cid = iscsi_login_cid(c->login);
	c->hd = c->params.header_digest;
	c->dd = c->params.data_digest;
	/* The final response carries the numbers the initiator starts from. */
	c->stat_sn = scst_get_be32(c->login_rsp + 24) + 1;
	c->exp_cmdsn = scst_get_be32(c->login_rsp + 28);
	c->max_cmdsn = scst_get_be32(c->login_rsp + 32);
	if (iscsi_sn_lt(c->max_cmdsn, c->exp_cmdsn - 1))
		c->max_cmdsn = c->exp_cmdsn - 1;
	c->window = w;
	c->pending = calloc(w, sizeof(*c->pending));
	if (!c->pending)
		iscsi_conn_close(c, "out of memory");
	c->last_rx_ms = scst_reactor_now_ms(c->r);
}

/* ---- NOP, Text, Logout ---- */

static void rx_nop(struct iscsi_conn *c)
{
	const uint8_t *h = c->hdr;
	uint32_t itt = scst_get_be32(h + 16), ttt = scst_get_be32(h + 20);
	uint8_t bhs[ISCSI_BHS_LEN] = { 0 };
	bool in_order;

	if (!iscsi_cmdsn_accept(c, h, &in_order))
		return;
	if (ttt != ISCSI_RESERVED_TAG) {
		/* The answer to our ping (RFC 7143 11.18.2). */
		if (c->ping_out && ttt == c->ping_ttt)
			c->ping_out = false;
		return;
	}
	if (itt == ISCSI_RESERVED_TAG)
		return;
	/* RFC 7143 11.19: echo the ping data. */
	bhs[0] = ISCSI_OP_NOOP_IN;
	bhs[1] = ISCSI_FLAG_FINAL;
	memcpy(bhs + 8, h + 8, 8);
	scst_put_be32(bhs + 16, itt);
	scst_put_be32(bhs + 20, ISCSI_RESERVED_TAG);
	ctrl_send(c, bhs, c->rxbuf, c->dsl, ISCSI_SN_ADVANCE, false);
}

static void send_ping(struct iscsi_conn *c, uint64_t now)
{
	uint8_t bhs[ISCSI_BHS_LEN] = { 0 };

	bhs[0] = ISCSI_OP_NOOP_IN;
	bhs[1] = ISCSI_FLAG_FINAL;
	c->ping_ttt = (c->ping_ttt + 1) & 0x7fffffffu;
	scst_put_be32(bhs + 16, ISCSI_RESERVED_TAG);
	scst_put_be32(bhs + 20, c->ping_ttt | 0x80000000u);
	c->ping_ttt |= 0x80000000u;
	c->ping_out = true;
	c->ping_sent_ms = now;
	/* RFC 7143 11.19.4: StatSN of a target-initiated NOP-In is not advanced. */
	ctrl_send(c, bhs, NULL, 0, ISCSI_SN_PEEK, false);
}

static void rx_text(struct iscsi_conn *c)
{
	struct iscsi_pdu_out out;
	uint8_t reason = ISCSI_REJECT_PROTOCOL_ERROR;
	bool in_order;

	if (!iscsi_cmdsn_accept(c, c->hdr, &in_order))
		return;
	if (!c->text) {
		c->text = iscsi_text_new(&c->portal, iscsi_login_initiator_name(c->login),
					 iscsi_login_session_type(c->login),
					 iscsi_login_target(c->login), c->params.max_xmit_dsl);
		if (!c->text) {
			iscsi_conn_close(c, "out of memory");
			return;
		}
	}
	memset(&out, 0, sizeof(out));
	if (iscsi_text_rx(c->text, c->hdr, c->rxbuf, c->dsl, &out, &reason)) {
		iscsi_send_reject(c, c->hdr, reason, false);
		return;
	}
	/* RFC 7143 13.12: the initiator may declare a new MaxRecvDataSegmentLength. */
	c->params.max_xmit_dsl = iscsi_text_max_xmit_dsl(c->text);
	if (c->params.max_xmit_dsl < 512)
		c->params.max_xmit_dsl = 512;
	ctrl_send(c, out.bhs, out.data, out.data_len, ISCSI_SN_ADVANCE, false);
}

static void rx_logout(struct iscsi_conn *c)
{
	const uint8_t *h = c->hdr;
	uint8_t bhs[ISCSI_BHS_LEN] = { 0 };
	uint8_t why = h[1] & 0x7f, rsp;
	bool in_order;

	if (!iscsi_cmdsn_accept(c, h, &in_order))
		return;
	switch (why) {
	case ISCSI_LOGOUT_CLOSE_SESSION:
		rsp = ISCSI_LOGOUT_RSP_OK;
		break;
	case ISCSI_LOGOUT_CLOSE_CONNECTION:
		rsp = scst_get_be16(h + 20) == c->cid ? ISCSI_LOGOUT_RSP_OK :
							 ISCSI_LOGOUT_RSP_CID_NOT_FOUND;
		break;
	case ISCSI_LOGOUT_REMOVE_FOR_RECOVERY:
		/* RFC 7143 11.15.1: no connection recovery at ERL 0. */
		rsp = ISCSI_LOGOUT_RSP_RECOVERY_UNSUPPORTED;
		break;
	default:
		iscsi_send_reject(c, h, ISCSI_REJECT_INVALID_PDU_FIELD, false);
		return;
	}
	bhs[0] = ISCSI_OP_LOGOUT_RSP;
	bhs[1] = ISCSI_FLAG_FINAL;
	bhs[2] = rsp;
	memcpy(bhs + 16, h + 16, 4);
	if (rsp == ISCSI_LOGOUT_RSP_OK) {
		/* RFC 7143 11.14: the connection closes once the response is sent. */
		c->logout_seen = true;
		c->rx_state = ISCSI_RX_STOPPED;
	}
	ctrl_send(c, bhs, NULL, 0, ISCSI_SN_ADVANCE, rsp == ISCSI_LOGOUT_RSP_OK);
}

/* ---- life cycle ---- */

static struct scst_iscsi_limits conn_limits(void)
{
	struct scst_iscsi_limits l;

	pthread_mutex_lock(&iscsi_global_lock);
	l = iscsi_limits;
	pthread_mutex_unlock(&iscsi_global_lock);
	return l;
}

void iscsi_conn_start(int fd, const struct iscsi_portal_info *portal, const char *peer)
{
	struct scst_reactor *r = scst_reactor_self();
	struct scst_iscsi_limits l = conn_limits();
	struct iscsi_target_limits tl = {
		.max_recv_dsl = l.max_recv_dsl,
		.max_burst = l.max_burst,
		.first_burst = l.first_burst,
		.max_outstanding_r2t = l.max_outstanding_r2t,
	};
	struct iscsi_conn *c = calloc(1, sizeof(*c));

	if (!c || !r) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->r = r;
	c->zc = iscsi_zc_wanted(fd, l.zerocopy);
	c->portal = *portal;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->stage = malloc(ISCSI_STAGE_SIZE);
	c->scratch = malloc(ISCSI_SCRATCH_SIZE);
	c->login = iscsi_login_new(portal, &tl);
	if (!c->stage || !c->scratch || !c->login || rxbuf_reserve(c, ISCSI_MAX_TEXT_PDU)) {
		free(c->stage);
		free(c->scratch);
		free(c->rxbuf);
		if (c->login)
			iscsi_login_free(c->login);
		free(c);
		close(fd);
		return;
	}
	c->rx_cb.fn = rx_complete;
	c->rx_data_cb.fn = rx_data_complete;
	c->tx_cb.fn = tx_complete;
	c->rx_state = ISCSI_RX_HDR;
	c->hdr_need = ISCSI_BHS_LEN;
	c->phase = ISCSI_PHASE_LOGIN;
	c->sess_done = true; /* until a session is registered */
	c->start_ms = scst_reactor_now_ms(r);
	if (c->zc)
		conn_log(c, LOG_DEBUG, "large Data-In goes zero-copy");
	c->ticker.fn = conn_ticker;
	scst_reactor_add_ticker(r, &c->ticker);
	pthread_mutex_lock(&iscsi_global_lock);
	c->gnext = conn_list;
	if (conn_list)
		conn_list->gprev = c;
	conn_list = c;
	conn_nr++;
	c->in_list = true;
	pthread_mutex_unlock(&iscsi_global_lock);
	rx_submit(c);
}

static void sess_unreg_done(struct scst_session *sess, void *arg)
{
	struct iscsi_conn *c = arg;

	c->sess = NULL;
	c->sess_done = true;
	iscsi_conn_maybe_free(c);
}

void iscsi_conn_close(struct iscsi_conn *c, const char *why)
{
	if (c->closing)
		return;
	if (why)
		conn_log(c, LOG_INFO, why);
	c->closing = true;
	c->closing_ms = scst_reactor_now_ms(c->r);
	c->rx_state = ISCSI_RX_STOPPED;
	/* Pending recv and send complete at once with an error or EOF. */
	shutdown(c->fd, SHUT_RDWR);
	iscsi_conn_drop_cmds(c);
	if (!c->tx_inflight)
		tx_drop_all(c);
	if (c->sess) {
		/* Nexus loss: the core aborts every active command; they come back through
		 * xmit_response with aborted set (target.h). */
		c->sess_done = false;
		scst_session_unregister(c->sess, sess_unreg_done, c);
	}
	iscsi_conn_maybe_free(c);
}

static void conn_free(struct scst_work *w)
{
	struct iscsi_conn *c = scst_container_of(w, struct iscsi_conn, free_work);

	scst_reactor_del_ticker(c->r, &c->ticker);
	iscsi_session_conn_gone(c);
	pthread_mutex_lock(&iscsi_global_lock);
	if (c->in_list) {
		if (c->gprev)
			c->gprev->gnext = c->gnext;
		else
			conn_list = c->gnext;
		if (c->gnext)
			c->gnext->gprev = c->gprev;
		conn_nr--;
		c->in_list = false;
	}
	pthread_mutex_unlock(&iscsi_global_lock);
	if (c->fd >= 0)
		close(c->fd); /* else closed with a reset (iscsi_zc_tick) */
	iscsi_zc_free(c);
	while (c->ctrl_free) {
		struct iscsi_ctrl *p = c->ctrl_free;

		c->ctrl_free = (struct iscsi_ctrl *)p->tx.next;
		free(p);
	}
	if (c->text)
		iscsi_text_free(c->text);
	if (c->login)
		iscsi_login_free(c->login);
	free(c->login_rsp_data);
	free(c->pending);
	free(c->stage);
	free(c->scratch);
	free(c->rxbuf);
	free(c);
}

void iscsi_conn_maybe_free(struct iscsi_conn *c)
{
	bool go;

	if (!c->closing || c->free_queued || c->rx_inflight || c->rx_data_inflight ||
	    c->tx_inflight || c->tx_flush_queued || c->zc_busy || !c->sess_done ||
	    c->tmf_pending)
		return;
	pthread_mutex_lock(&iscsi_global_lock);
	go = !c->posted_refs;
	pthread_mutex_unlock(&iscsi_global_lock);
	if (!go)
		return;
	c->free_queued = true;
	c->free_work.fn = conn_free;
	scst_reactor_defer(c->r, &c->free_work);
}

static void posted_close(void *arg)
{
	struct iscsi_conn *c = arg;

	pthread_mutex_lock(&iscsi_global_lock);
	c->posted_refs--;
	pthread_mutex_unlock(&iscsi_global_lock);
	iscsi_conn_close(c, "closed by request");
	iscsi_conn_maybe_free(c);
}

void iscsi_conn_post_close_locked(struct iscsi_conn *c)
{
	c->posted_refs++;
	if (scst_reactor_post(c->r, posted_close, c))
		c->posted_refs--;
}

unsigned iscsi_conn_count(void)
{
	unsigned n;

	pthread_mutex_lock(&iscsi_global_lock);
	n = conn_nr;
	pthread_mutex_unlock(&iscsi_global_lock);
	return n;
}

void iscsi_conn_for_each_locked(void (*fn)(struct iscsi_conn *c, void *arg), void *arg)
{
	for (struct iscsi_conn *c = conn_list; c; c = c->gnext)
		fn(c, arg);
}

static void conn_ticker(struct scst_ticker *t, uint64_t now)
{
	struct iscsi_conn *c = scst_container_of(t, struct iscsi_conn, ticker);
	struct scst_iscsi_limits *l = &iscsi_limits; /* read-mostly; set before serving */

	if (c->closing) {
		iscsi_zc_tick(c, now);
		return;
	}
	if (c->phase == ISCSI_PHASE_LOGIN) {
		if (now - c->start_ms >= l->login_timeout_ms && !c->waiting_reinstate)
			iscsi_conn_close(c, "login timed out");
		return;
	}
	if (c->logout_seen)
		return;
	/* RFC 7143 11.19: ping an idle initiator; one that stays silent is gone. */
	if (c->ping_out && c->last_rx_ms <= c->ping_sent_ms) {
		if (now - c->ping_sent_ms >= c->nop_timeout_ms)
			iscsi_conn_close(c, "no answer to NOP-In");
		return;
	}
	if (c->nop_interval_ms && now - c->last_rx_ms >= c->nop_interval_ms)
		send_ping(c, now);
}
