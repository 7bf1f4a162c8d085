/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iSCSI target driver internals: connections, iSCSI sessions and the
 * per-command state that lives in scst_cmd::tgt_priv.
 *
 * Ownership (see DESIGN.md "Processes and threads"):
 *  - A connection (struct iscsi_conn), its commands, its send queue and its
 *    buffers belong to one reactor for their whole life. Everything below
 *    runs on that reactor, except what is marked "global".
 *  - The accept thread (portal.c) only accepts sockets and posts each one to
 *    a reactor (scst_reactor_post); it never touches a connection.
 *  - The session table (session.c) and the list of connections are global:
 *    they are guarded by iscsi_global_lock and touched at login, logout,
 *    reinstatement and shutdown only, never per command.
 *  - Another thread asks a connection to close by posting to its reactor;
 *    conn->posted_refs (under iscsi_global_lock) keeps the connection alive
 *    until every such post has run.
 */
#ifndef ISCSI_PRIV_H
#define ISCSI_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "scst/iscsi.h"
#include "scst/reactor.h"
#include "scst/target.h"
#include "iscsi_proto.h"
#include "login.h"

/* ---- pure helpers (conn_rx.c), unit tested in tests/unit/iscsi/test_pdu.c ---- */

/* Serial number arithmetic, RFC 1982 with SERIAL_BITS 32 (RFC 7143 4.2.2.1). */
static inline bool iscsi_sn_lt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) < 0;
}

static inline bool iscsi_sn_gt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0;
}

/* Is sn inside [exp, max] (RFC 7143 4.2.2.1)? An empty window (max == exp - 1) holds nothing. */
static inline bool iscsi_sn_in_window(uint32_t sn, uint32_t exp, uint32_t max)
{
	return !iscsi_sn_lt(sn, exp) && !iscsi_sn_gt(sn, max);
}

/* CRC32C as RFC 7143 13.1 / RFC 3385 define it: seed ~0, final complement. */
uint32_t iscsi_crc32c(const void *buf, uint32_t len);
uint32_t iscsi_crc32c_iov(const struct iovec *iov, unsigned n);
/* Running form: start from 0xffffffff, complement the end result. */
uint32_t iscsi_crc32c_update(uint32_t crc, const void *buf, uint32_t len);
/* Digest bytes on the wire are least significant byte first (RFC 3720 B.4 examples). */
static inline void iscsi_put_digest(uint8_t *p, uint32_t crc)
{
	p[0] = (uint8_t)crc;
	p[1] = (uint8_t)(crc >> 8);
	p[2] = (uint8_t)(crc >> 16);
	p[3] = (uint8_t)(crc >> 24);
}

static inline uint32_t iscsi_get_digest(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum iscsi_phase {
	ISCSI_PHASE_LOGIN,
	ISCSI_PHASE_FULL, /* normal session */
	ISCSI_PHASE_DISCOVERY, /* full feature phase of a discovery session */
};

/* What to do with a PDU whose header failed a check. */
enum iscsi_verdict {
	ISCSI_PDU_OK = 0,
	ISCSI_PDU_REJECT, /* answer Reject (reason), throw the data segment away, go on */
	ISCSI_PDU_REJECT_CLOSE, /* answer Reject, then close the connection (ERL 0) */
	ISCSI_PDU_LOGIN_REJECT, /* login phase: answer a Login reject, then close */
	ISCSI_PDU_DROP, /* close without answering */
};

struct iscsi_rx_limits {
	enum iscsi_phase phase;
	uint32_t max_recv_dsl; /* ours: the largest data segment we accept */
	bool login_started; /* a Login Request was seen on this connection */
};

/*
 * Validate a Basic Header Segment before anything in it is used (RFC 7143
 * 11.2): opcode known and allowed in this phase, AHS only where defined,
 * DataSegmentLength within our MaxRecvDataSegmentLength.
 */
enum iscsi_verdict iscsi_bhs_check(const uint8_t *bhs, const struct iscsi_rx_limits *lim,
				   uint8_t *reject_reason);

/* Where the next Data-Out of a write command must fall (RFC 7143 11.7, 13.19, 13.20). */
struct iscsi_dout_expect {
	uint32_t ttt; /* ISCSI_RESERVED_TAG for unsolicited data */
	uint32_t datasn;
	uint32_t offset; /* DataPDUInOrder=Yes, DataSequenceInOrder=Yes: exactly this */
	uint32_t end; /* end of the current sequence (R2T burst or unsolicited limit) */
	bool final_required; /* the sequence ends exactly at end with the F bit */
};

enum iscsi_dout_err {
	ISCSI_DOUT_OK = 0,
	ISCSI_DOUT_BAD_TTT,
	ISCSI_DOUT_BAD_DATASN,
	ISCSI_DOUT_BAD_OFFSET,
	ISCSI_DOUT_OVERRUN, /* past the end of the burst */
	ISCSI_DOUT_BAD_FINAL, /* F missing at the end of a burst, or set before it */
};

enum iscsi_dout_err iscsi_dout_check(const struct iscsi_dout_expect *e, uint32_t ttt,
				     uint32_t datasn, uint32_t offset, uint32_t len, bool final);

/* Parse the AHS of a SCSI Command (RFC 7143 11.2.2): extended CDB and bidi read length. */
int iscsi_parse_ahs(const uint8_t *ahs, uint32_t ahs_len, uint8_t *cdb_ext, uint32_t *ext_len,
		    bool *has_bidi, uint32_t *bidi_len);

/* ---- connections ---- */

struct iscsi_conn;
struct iscsi_sess;

enum iscsi_tx_kind {
	ISCSI_TX_CTRL,
	ISCSI_TX_CMD,
};

/* A send queue entry: a control PDU, or a command's Data-In and status. */
struct iscsi_tx {
	struct iscsi_tx *next;
	uint8_t kind;
};

enum iscsi_sn_mode {
	ISCSI_SN_RAW, /* send the BHS as built (login responses), without digests */
	ISCSI_SN_ADVANCE, /* a status: StatSN = conn->stat_sn++ */
	ISCSI_SN_PEEK, /* carries StatSN without advancing it (R2T, target NOP-In) */
};

#define ISCSI_CTRL_INLINE 64

struct iscsi_ctrl {
	struct iscsi_tx tx;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t sn_mode;
	bool close_after; /* close the connection once this PDU is on the wire */
	bool finish_login; /* the final Login Response: switch to full feature phase after it */
	uint8_t *data;
	uint32_t data_len;
	uint8_t *heap; /* data allocated for this PDU (text, NOP echo), freed after */
	uint8_t inline_data[ISCSI_CTRL_INLINE];
};

/* Per-command state: scst_cmd::tgt_priv. */
struct iscsi_cmd {
	struct iscsi_conn *conn;
	struct iscsi_cmd *hnext, *hprev; /* connection's ITT hash */
	uint32_t itt;
	uint32_t cmdsn;
	uint32_t edtl; /* Expected Data Transfer Length (write part for bidi) */
	uint32_t edtl_in; /* data-in bytes the initiator expects */
	bool immediate;
	bool hashed;
	bool started; /* handed to scst_cmd_start() */
	bool queued; /* waiting in the CmdSN window */
	bool counted; /* occupies a slot of the command window until freed */
	bool in_rx; /* the receive machine writes into cmd->buf right now */
	bool xmit_after_rx; /* xmit_response came while in_rx */
	bool unsol_pending; /* unsolicited Data-Out sequence not yet ended (F) */
	bool rdy; /* rdy_to_xfer called, rx_data_done not yet */
	bool xmit_deferred; /* xmit_response waits for the unsolicited sequence */
	bool write_ok; /* cmd->buf may take write data */
	bool dead; /* Data-Out sequence error: rejected; swallow its data, answer nothing */
	uint32_t buf_need; /* write bytes that go into cmd->buf: min(bufflen, EDTL) */
	uint8_t data_err; /* enum scst_sense_reason for a data phase failure */
	uint32_t data_next; /* next expected buffer offset of write data */
	uint32_t unsol_datasn;
	uint32_t unsol_end; /* unsolicited data may reach up to here */
	/* R2T (RFC 7143 11.8): bursts are answered in order (DataSequenceInOrder=Yes). */
	uint32_t r2t_next_off; /* where the next R2T starts */
	uint32_t r2tsn; /* next R2TSN to send */
	uint32_t r2t_out; /* outstanding R2Ts */
	uint32_t r2t_head_end; /* end of the oldest outstanding burst */
	uint32_t r2t_head_datasn;
	uint32_t ttt_base;
	/* Response. */
	struct iscsi_tx tx;
	uint32_t din_off;
	uint32_t din_datasn;
	uint32_t resp_len;
	bool collapse; /* status rides in the last Data-In (RFC 7143 11.7.4) */
	bool status_sent;
	uint8_t rsp_data[2 + SCST_SENSE_BUFFERSIZE]; /* SenseLength + sense (11.4.7.2) */
};

static inline struct scst_cmd *iscsi_cmd_scst(struct iscsi_cmd *ic)
{
	return scst_container_of((void *)ic, struct scst_cmd, tgt_priv);
}

enum iscsi_rx_state {
	ISCSI_RX_HDR,
	ISCSI_RX_DATA,
	ISCSI_RX_STOPPED,
};

/* One place the receive machine writes a data segment to. */
struct iscsi_rx_seg {
	uint8_t *p;
	uint32_t len; /* bytes still to receive */
	bool discard; /* scratch: p never advances, len may exceed the scratch size */
	bool crc; /* covered by the data digest (data and pad, not the digest itself) */
};

#define ISCSI_HDR_MAX (ISCSI_BHS_LEN + ISCSI_MAX_AHS_LEN + ISCSI_DIGEST_LEN)
#define ISCSI_STAGE_SIZE 16384
/* Data segments at least this long are received whole, straight into place. */
#define ISCSI_RX_WAITALL_MIN 32768
#define ISCSI_SCRATCH_SIZE 65536
#define ISCSI_TX_SLOTS 32
#define ISCSI_ITT_HASH 256
#define ISCSI_MAX_CTRL 1024 /* queued control PDUs before we call the peer broken */

struct iscsi_tx_slot {
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t hdigest[ISCSI_DIGEST_LEN];
	uint8_t tail[3 + ISCSI_DIGEST_LEN]; /* pad, data digest */
};

/* Zero-copy sends (tx_zc.c). */
#define ISCSI_ZC_SETS 4
#define ISCSI_ZC_MIN 65536 /* Data-In bytes a batch needs to go zero-copy */
#define ISCSI_ZC_CLOSE_WAIT_MS 5000

/* What one zero-copy send points at, held until its notifications are in. */
struct iscsi_zc_set {
	struct iscsi_conn *conn;
	struct scst_io_cb cb; /* the send's completion and its notifications */
	struct iscsi_tx_slot slots[ISCSI_TX_SLOTS];
	struct scst_buffer held[ISCSI_TX_SLOTS]; /* taken from the batch's commands */
	unsigned nheld;
	unsigned notifs; /* notifications still due */
	bool sending; /* part of the batch is not sent yet */
	bool busy; /* sending, or notifications due */
};

struct iscsi_conn {
	int fd;
	struct scst_reactor *r;
	enum iscsi_phase phase;
	struct iscsi_portal_info portal;
	char peer[64];

	/* Life. */
	bool closing;
	uint64_t closing_ms;
	bool free_queued;
	bool sess_done; /* no scst session, or its unregister finished */
	unsigned tmf_pending;
	unsigned posted_refs; /* under iscsi_global_lock */
	bool rx_inflight;
	bool rx_data_inflight; /* a large data segment's receive, linked before the stage's */
	bool tx_inflight;
	bool tx_flush_queued; /* tx_flush_work waits in the reactor's deferred list */
	struct scst_work tx_flush_work;
	bool in_list;
	struct scst_work free_work;
	struct scst_ticker ticker;
	struct iscsi_conn *gnext, *gprev; /* global list, under iscsi_global_lock */

	/* Login. */
	struct iscsi_login *login;
	bool login_seen;
	uint64_t start_ms;
	bool waiting_reinstate;
	uint8_t login_rsp[ISCSI_BHS_LEN]; /* final response kept while reinstating */
	uint32_t login_rsp_len;
	uint8_t *login_rsp_data;

	/* Full feature phase. */
	struct iscsi_params params;
	struct iscsi_sess *isess;
	struct scst_session *sess;
	struct iscsi_text *text;
	bool hd, dd; /* digests in force for receiving */
	bool tx_hd, tx_dd; /* and for sending */
	uint16_t cid;
	bool logout_seen;

	/* Sequence numbers (RFC 7143 4.2.2). */
	uint32_t stat_sn;
	uint32_t exp_cmdsn;
	uint32_t max_cmdsn; /* last advertised */
	uint32_t window; /* command slots */
	uint32_t inflight; /* non-immediate commands started and not freed */
	struct iscsi_cmd **pending; /* window ring: out-of-order commands by CmdSN */
	uint32_t pending_count;
	uint32_t ttt_gen;

	/* Keep-alive (target NOP-In, RFC 7143 11.19). */
	uint64_t last_rx_ms;
	uint64_t ping_sent_ms;
	/* The target's NopInInterval and NopInTimeout (SCST's attributes), in ms;
	 * interval 0: no pings. */
	uint32_t nop_interval_ms, nop_timeout_ms;
	uint32_t ping_ttt;
	bool ping_out;

	/* Receive machine. */
	struct scst_io_cb rx_cb;
	struct scst_io_cb rx_data_cb;
	bool rx_linked; /* the stage receive in flight is linked behind rx_data_cb's */
	struct iscsi_rx_seg *rx_data_seg; /* segment rx_data_cb's receive fills */
	enum iscsi_rx_state rx_state;
	uint8_t hdr[ISCSI_HDR_MAX];
	uint32_t hdr_have, hdr_need;
	struct iscsi_rx_seg seg[5];
	unsigned nseg, cur_seg;
	uint8_t tail[3 + ISCSI_DIGEST_LEN]; /* pad and data digest of the current PDU */
	uint32_t dsl; /* DataSegmentLength of the current PDU */
	uint8_t rx_verdict; /* enum iscsi_verdict to apply once the data is read */
	uint8_t rx_reason;
	struct iscsi_cmd *rx_cmd; /* command whose buffer the current PDU fills */
	uint32_t rx_buf_off, rx_buf_len; /* part of the data segment inside cmd->buf */
	bool rx_new_cmd; /* current PDU is a SCSI Command (immediate data) */
	bool rx_ignore; /* outside the CmdSN window: read and forget (RFC 7143 4.2.2.1) */
	uint32_t rx_crc; /* running data digest */
	int8_t rx_iov_seg[5]; /* segment of each iovec of the recv in flight, -1: stage */
	unsigned rx_iov_cnt;
	uint8_t *stage;
	uint32_t stage_off, stage_len;
	uint8_t *rxbuf; /* data of non-data PDUs */
	uint32_t rxbuf_size;
	uint8_t *scratch; /* data we throw away */
	struct msghdr rx_msg;
	struct iovec rx_iov[4];

	/* Send machine. */
	struct scst_io_cb tx_cb;
	struct iscsi_tx *txq_head, *txq_tail;
	struct iscsi_tx *done_head, *done_tail; /* entries fully inside the in-flight batch */
	struct iscsi_tx_slot slots[ISCSI_TX_SLOTS];
	struct iovec tx_iov[ISCSI_TX_SLOTS * 4];
	unsigned tx_iov_cnt, tx_iov_pos;
	struct msghdr tx_msg;
	uint32_t tx_payload; /* Data-In bytes of the batch built */
	bool tx_copy_only; /* ... which has control PDUs or a command that goes on */
	bool zc; /* large Data-In batches go zero-copy */
	unsigned zc_busy; /* sets waiting for their notifications */
	struct iscsi_zc_set *tx_zc; /* the set of the batch in flight, if zero-copy */
	struct iscsi_zc_set *zc_sets[ISCSI_ZC_SETS]; /* made on first use */
	struct iscsi_ctrl *ctrl_free;
	unsigned ctrl_count; /* allocated control PDUs in use */
	bool close_after_tx;
	bool finish_login_after_tx;

	/* Commands by ITT. */
	struct iscsi_cmd *itt_hash[ISCSI_ITT_HASH];
};

/* Append a receive segment; none for an empty one. discard: into scratch, not kept. */
static inline void iscsi_seg_add(struct iscsi_conn *c, uint8_t *p, uint32_t len, bool discard,
				 bool crc)
{
	if (len)
		c->seg[c->nseg++] = (struct iscsi_rx_seg){ p, len, discard, crc };
}

extern pthread_mutex_t iscsi_global_lock;
extern struct scst_iscsi_limits iscsi_limits;

/* conn.c */
void iscsi_conn_start(int fd, const struct iscsi_portal_info *portal, const char *peer);
void iscsi_conn_close(struct iscsi_conn *c, const char *why);
void iscsi_conn_maybe_free(struct iscsi_conn *c);
struct iscsi_ctrl *iscsi_ctrl_get(struct iscsi_conn *c);
void iscsi_ctrl_put(struct iscsi_conn *c, struct iscsi_ctrl *p);
void iscsi_tx_queue(struct iscsi_conn *c, struct iscsi_tx *t);
void iscsi_tx_kick(struct iscsi_conn *c);
/* A send of the batch in flight completed with res (bytes, or -errno). */
void iscsi_tx_sent(struct iscsi_conn *c, int res);
void iscsi_send_reject(struct iscsi_conn *c, const uint8_t *bhs, uint8_t reason, bool close);
void iscsi_conn_ffp_start(struct iscsi_conn *c);
void iscsi_conn_send_login_final(struct iscsi_conn *c);
/* Queue a PDU as built (no sequence numbers, no digests); close after it if asked. */
void iscsi_conn_send_raw(struct iscsi_conn *c, const uint8_t *bhs, const uint8_t *data,
			 uint32_t len, bool close);
uint32_t iscsi_conn_max_cmdsn(struct iscsi_conn *c);
/* Post "close" to a connection's reactor from any thread (global lock held). */
void iscsi_conn_post_close_locked(struct iscsi_conn *c);
unsigned iscsi_conn_count(void);
void iscsi_conn_for_each_locked(void (*fn)(struct iscsi_conn *c, void *arg), void *arg);

/* tx_zc.c */
bool iscsi_zc_wanted(int fd, uint32_t mode);
void iscsi_zc_prepare(struct iscsi_conn *c, unsigned slots_used);
void iscsi_zc_prep_send(struct iscsi_conn *c, struct io_uring_sqe *sqe);
void iscsi_zc_batch_done(struct iscsi_conn *c);
void iscsi_zc_tick(struct iscsi_conn *c, uint64_t now_ms);
void iscsi_zc_free(struct iscsi_conn *c);

/* scsi_cmd.c */
void iscsi_rx_scsi_cmd_hdr(struct iscsi_conn *c);
void iscsi_rx_scsi_cmd_done(struct iscsi_conn *c, bool digest_ok);
void iscsi_rx_dataout_hdr(struct iscsi_conn *c);
void iscsi_rx_dataout_done(struct iscsi_conn *c, bool digest_ok);
void iscsi_cmdsn_advance(struct iscsi_conn *c);
bool iscsi_cmdsn_accept(struct iscsi_conn *c, const uint8_t *bhs, bool *in_order);
void iscsi_cmd_tx_fill(struct iscsi_conn *c, struct iscsi_cmd *ic, struct iscsi_tx_slot *s,
		       const uint8_t **data, uint32_t *len, bool *last);
void iscsi_cmd_tx_done(struct iscsi_cmd *ic);
void iscsi_conn_drop_cmds(struct iscsi_conn *c);
struct iscsi_cmd *iscsi_itt_find(struct iscsi_conn *c, uint32_t itt);
void iscsi_itt_unhash(struct iscsi_conn *c, struct iscsi_cmd *ic);
bool iscsi_abort_queued(struct iscsi_conn *c, uint32_t itt);
void iscsi_cmdsn_consume(struct iscsi_conn *c, uint32_t sn);
void iscsi_rdy_to_xfer(struct scst_cmd *cmd);
void iscsi_xmit_response(struct scst_cmd *cmd);
void iscsi_on_free_cmd(struct scst_cmd *cmd);

/* tmf.c */
void iscsi_rx_tmf(struct iscsi_conn *c);
void iscsi_task_mgmt_done(struct scst_mgmt_cmd *m);

/* session.c */
struct iscsi_sess {
	char iname[ISCSI_MAX_NAME + 1];
	uint8_t isid[6];
	struct scst_target *tgt;
	uint16_t tsih;
	struct iscsi_conn *conn; /* NULL once the connection is gone */
	struct iscsi_conn *waiter; /* new connection reinstating this session */
	bool listed;
	struct iscsi_sess *next;
};

/* Finish a login that negotiated successfully (ISCSI_LOGIN_DONE). */
void iscsi_session_login_done(struct iscsi_conn *c);
/* The connection is being freed: drop its session entry, wake a reinstating waiter. */
void iscsi_session_conn_gone(struct iscsi_conn *c);
void iscsi_session_register_scst(struct iscsi_conn *c);

#endif
