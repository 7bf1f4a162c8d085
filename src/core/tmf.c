/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Task management (SAM-5 7). Task sets are per I_T nexus (TST=001b), so
 * ABORT TASK SET and CLEAR TASK SET touch only this session's commands.
 * LOGICAL UNIT RESET and TARGET RESET abort this nexus's tasks on the LUN(s)
 * and tell the other nexuses with BUS DEVICE RESET FUNCTION OCCURRED.
 *
 * The response goes out once no affected command can still reach the
 * backend: each affected command counts in mcmd->pending until it reaches
 * xmit (it then goes out silently, cmd->aborted).
 */
#include "core_priv.h"

static void affect(struct scst_mgmt_cmd *m, struct scst_cmd *cmd)
{
	if (cmd->aborted || cmd->state >= SCST_CMD_STATE_XMIT || cmd->core_priv)
		return;
	cmd->core_priv = m;
	m->pending++;
	scst_cmd_abort(cmd);
}

static void abort_matching(struct scst_mgmt_cmd *m, bool by_lun, uint64_t lun)
{
	struct scst_cmd *cmd, *next;

	for (cmd = m->sess->active_head; cmd; cmd = next) {
		next = cmd->next;
		if (!by_lun || (cmd->tgt_dev && cmd->lun == lun))
			affect(m, cmd);
	}
}

static void reset_ua(struct scst_session *s, struct scst_device *dev)
{
	/* A reset ends an SPC-2 reservation (SPC-2 5.5.1) and medium removal prevention
	 * (SPC-4 6.13). */
	scst_res_clear(dev);
	scst_medium_reset(dev);
	/* SAM-5 6.3.3: other I_T nexuses learn about the reset; this one does too. */
	scst_ua_queue_device(dev, SCST_SENSE_UA_BUS_DEVICE_RESET, NULL);
	(void)s;
}

static void finish(struct scst_mgmt_cmd *m)
{
	/* Hold a pending count while scanning so synchronous completions cannot
	 * answer before every command was looked at. */
	if (--m->pending == 0)
		m->sess->tgt->tmpl->task_mgmt_done(m);
}

void scst_rx_mgmt_fn(struct scst_mgmt_cmd *m)
{
	struct scst_session *s = m->sess;
	int64_t lun = scst_lun_decode(m->lun_raw);
	const struct scst_lun_entry *e;

	m->pending = 1;
	m->response = SCST_TMF_RESP_COMPLETE;
	m->lun = lun < 0 ? 0 : (uint64_t)lun;
	switch (m->fn) {
	case SCST_TMF_ABORT_TASK:
	case SCST_TMF_QUERY_TASK: {
		struct scst_cmd *cmd;

		for (cmd = s->active_head; cmd; cmd = cmd->next)
			if (cmd->tag == m->tag)
				break;
		if (m->fn == SCST_TMF_QUERY_TASK) {
			m->response = cmd && !cmd->aborted ? SCST_TMF_RESP_SUCCEEDED :
							      SCST_TMF_RESP_COMPLETE;
			break;
		}
		/* The transport decides what an unknown task means: iSCSI answers
		 * FUNCTION COMPLETE for one not yet received and TASK DOES NOT EXIST for
		 * one already finished (RFC 7143 11.6.1). */
		if (cmd && cmd->state < SCST_CMD_STATE_XMIT)
			affect(m, cmd);
		else if (!cmd || !cmd->aborted)
			/* Unknown, or already delivering its status: finished as far as
			 * the initiator will see. */
			m->response = SCST_TMF_RESP_TASK_DOES_NOT_EXIST;
		break;
	}
	case SCST_TMF_ABORT_TASK_SET:
	case SCST_TMF_CLEAR_TASK_SET:
		if (lun < 0 || !scst_lun_table_find(s->luns, m->lun)) {
			m->response = SCST_TMF_RESP_LUN_DOES_NOT_EXIST;
			break;
		}
		abort_matching(m, true, m->lun);
		break;
	case SCST_TMF_LUN_RESET:
		e = lun < 0 ? NULL : scst_lun_table_find(s->luns, m->lun);
		if (!e) {
			m->response = SCST_TMF_RESP_LUN_DOES_NOT_EXIST;
			break;
		}
		abort_matching(m, true, m->lun);
		reset_ua(s, e->dev);
		break;
	case SCST_TMF_TARGET_RESET:
	case SCST_TMF_TARGET_COLD_RESET:
	case SCST_TMF_I_T_NEXUS_RESET:
	case SCST_TMF_NEXUS_LOSS:
		abort_matching(m, false, 0);
		if (m->fn == SCST_TMF_TARGET_RESET || m->fn == SCST_TMF_TARGET_COLD_RESET)
			for (unsigned i = 0; i < s->luns->count; i++)
				reset_ua(s, s->luns->entries[i].dev);
		break;
	case SCST_TMF_CLEAR_ACA:
	default:
		m->response = SCST_TMF_RESP_NOT_SUPPORTED;
		break;
	}
	finish(m);
}
