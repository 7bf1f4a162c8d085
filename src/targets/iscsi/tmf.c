// SPDX-License-Identifier: GPL-2.0-only
/*
 * Task Management Function Request and Response (RFC 7143 11.5, 11.6;
 * RFC 7144 for QUERY TASK and I_T NEXUS RESET). The core runs the function
 * and answers through task_mgmt_done(), on the session's reactor.
 */
#include <stdlib.h>
#include <string.h>

#include "iscsi_priv.h"

#define ISCSI_TMF_QUERY_TASK 9
#define ISCSI_TMF_I_T_NEXUS_RESET 11
#define ISCSI_TMF_RSP_SUCCEEDED 7

struct iscsi_tmf {
	struct scst_mgmt_cmd m;
	struct iscsi_conn *conn;
	uint32_t itt;
	bool ref_not_received; /* ABORT TASK: RefCmdSN still inside the CmdSN window */
	uint32_t ref_cmdsn;
};

static void send_tmf_rsp(struct iscsi_conn *c, uint32_t itt, uint8_t rsp, bool close)
{
	struct iscsi_ctrl *p;

	if (c->closing)
		return;
	p = iscsi_ctrl_get(c);
	if (!p) {
		iscsi_conn_close(c, "too many queued control PDUs");
		return;
	}
	p->bhs[0] = ISCSI_OP_TMF_RSP;
	p->bhs[1] = ISCSI_FLAG_FINAL;
	p->bhs[2] = rsp;
	scst_put_be32(p->bhs + 16, itt);
	p->sn_mode = ISCSI_SN_ADVANCE;
	p->close_after = close;
	iscsi_tx_queue(c, &p->tx);
}

static uint8_t map_response(enum scst_tmf_response r)
{
	switch (r) {
	case SCST_TMF_RESP_COMPLETE:
		return ISCSI_TMF_RSP_COMPLETE;
	case SCST_TMF_RESP_TASK_DOES_NOT_EXIST:
		return ISCSI_TMF_RSP_NO_TASK;
	case SCST_TMF_RESP_LUN_DOES_NOT_EXIST:
		return ISCSI_TMF_RSP_NO_LUN;
	case SCST_TMF_RESP_NOT_SUPPORTED:
		return ISCSI_TMF_RSP_NOT_SUPPORTED;
	case SCST_TMF_RESP_SUCCEEDED:
		return ISCSI_TMF_RSP_SUCCEEDED;
	default:
		return ISCSI_TMF_RSP_REJECTED;
	}
}

void iscsi_rx_tmf(struct iscsi_conn *c)
{
	const uint8_t *h = c->hdr;
	uint8_t fn = h[1] & 0x7f;
	uint32_t itt = scst_get_be32(h + 16), rtt = scst_get_be32(h + 20);
	enum scst_tmf_fn sfn;
	struct iscsi_tmf *t;
	bool in_order;

	if (!iscsi_cmdsn_accept(c, h, &in_order))
		return;
	switch (fn) {
	case ISCSI_TMF_ABORT_TASK:
		if (iscsi_abort_queued(c, rtt)) {
			send_tmf_rsp(c, itt, ISCSI_TMF_RSP_COMPLETE, false);
			return;
		}
		sfn = SCST_TMF_ABORT_TASK;
		break;
	case ISCSI_TMF_ABORT_TASK_SET:
		sfn = SCST_TMF_ABORT_TASK_SET;
		break;
	case ISCSI_TMF_CLEAR_TASK_SET:
		sfn = SCST_TMF_CLEAR_TASK_SET;
		break;
	case ISCSI_TMF_LUN_RESET:
		sfn = SCST_TMF_LUN_RESET;
		break;
	case ISCSI_TMF_TARGET_WARM_RESET:
		sfn = SCST_TMF_TARGET_RESET;
		break;
	case ISCSI_TMF_TARGET_COLD_RESET:
		sfn = SCST_TMF_TARGET_COLD_RESET;
		break;
	case ISCSI_TMF_QUERY_TASK:
		sfn = SCST_TMF_QUERY_TASK;
		break;
	case ISCSI_TMF_I_T_NEXUS_RESET:
		sfn = SCST_TMF_I_T_NEXUS_RESET;
		break;
	case ISCSI_TMF_TASK_REASSIGN:
		/* RFC 7143 11.5.1: allegiance reassignment needs ErrorRecoveryLevel 2. */
		send_tmf_rsp(c, itt, ISCSI_TMF_RSP_NO_FAILOVER, false);
		return;
	case ISCSI_TMF_CLEAR_ACA:
	default:
		send_tmf_rsp(c, itt, ISCSI_TMF_RSP_NOT_SUPPORTED, false);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		send_tmf_rsp(c, itt, ISCSI_TMF_RSP_REJECTED, false);
		return;
	}
	t->conn = c;
	t->itt = itt;
	t->m.sess = c->sess;
	t->m.fn = sfn;
	memcpy(t->m.lun_raw, h + 8, 8);
	t->m.tag = rtt;
	t->m.tgt_priv = t;
	/* RFC 7143 11.6.1 (b)/(c): a task the target does not know is one not yet
	 * received if RefCmdSN lies in the window and before this request. */
	if (sfn == SCST_TMF_ABORT_TASK) {
		uint32_t ref = scst_get_be32(h + 32), sn = scst_get_be32(h + 24);

		t->ref_not_received = iscsi_sn_in_window(ref, c->exp_cmdsn, c->max_cmdsn) &&
				      iscsi_sn_lt(ref, sn);
		t->ref_cmdsn = ref;
	}
	c->tmf_pending++;
	scst_rx_mgmt_fn(&t->m);
}

void iscsi_task_mgmt_done(struct scst_mgmt_cmd *m)
{
	struct iscsi_tmf *t = m->tgt_priv;
	struct iscsi_conn *c = t->conn;

	c->tmf_pending--;
	/*
	 * RFC 7143 11.6.1 (b): an unknown task not yet received counts as aborted:
	 * FUNCTION COMPLETE. (c): one already finished (its status sent, RefCmdSN
	 * behind the window) does not exist. libiscsi's AbortTaskSimpleAsync holds
	 * a target to exactly that: a WRITE answered GOOD and then an ABORT TASK
	 * answered FUNCTION COMPLETE is a failure there.
	 */
	if (m->fn == SCST_TMF_ABORT_TASK && m->response == SCST_TMF_RESP_TASK_DOES_NOT_EXIST &&
	    t->ref_not_received) {
		m->response = SCST_TMF_RESP_COMPLETE;
		/* "...must consider the CmdSN as received": no hole stalls the window. */
		iscsi_cmdsn_consume(c, t->ref_cmdsn);
	}
	/* TARGET COLD RESET: the connection closes after the response (RFC 7143 11.5.1). */
	send_tmf_rsp(c, t->itt, map_response(m->response), m->fn == SCST_TMF_TARGET_COLD_RESET);
	free(t);
	iscsi_conn_maybe_free(c);
}
