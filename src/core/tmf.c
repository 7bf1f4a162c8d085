/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Task management (SAM-5 7). Task sets are per I_T nexus (TST=001b), so
 * ABORT TASK SET and CLEAR TASK SET touch only this session's commands.
 * LOGICAL UNIT RESET and TARGET RESET abort every task of the logical unit(s),
 * of every I_T nexus, and tell every nexus with BUS DEVICE RESET FUNCTION
 * OCCURRED; commands of other nexuses end with TASK ABORTED when the control
 * mode page's TAS is 1, silently otherwise.
 *
 * The response goes out once no affected command can still reach the
 * backend: each affected command holds a count in the TMF's waiter until it
 * reaches xmit (then it goes out silently, cmd->aborted). Other sessions live
 * on other reactors: each gets a message, aborts its own commands there, and
 * sends one back when they are all out (OWNERSHIP.md rule 1).
 */
#include <stdlib.h>

#include "core_priv.h"

static void affect(struct scst_abort_waiter *w, struct scst_cmd *cmd, bool tas)
{
	if (cmd->aborted || cmd->state >= SCST_CMD_STATE_XMIT || cmd->abort_waiter)
		return;
	cmd->abort_waiter = w;
	cmd->abort_tas = tas;
	w->pending++;
	scst_cmd_abort(cmd);
}

static void abort_matching(struct scst_mgmt_cmd *m, bool by_lun, uint64_t lun)
{
	struct scst_cmd *cmd, *next;

	for (cmd = m->sess->active_head; cmd; cmd = next) {
		next = cmd->next;
		if (!by_lun || (cmd->tgt_dev && cmd->lun == lun))
			affect(&m->waiter, cmd, false);
	}
}

/* ---- other nexuses ---- */

struct remote_abort {
	struct scst_abort_waiter w; /* this session's aborted commands, on its reactor */
	struct scst_abort_waiter *home; /* who waits, on home_reactor */
	struct scst_reactor *home_reactor;
	struct scst_session *sess;
	struct scst_device *dev;
	enum scst_sense_reason ua;
};

/* On the home reactor: one more session is done. */
static void remote_back(void *arg)
{
	struct remote_abort *ra = arg;
	struct scst_abort_waiter *home = ra->home;

	free(ra);
	if (--home->pending == 0)
		home->done(home);
}

/* On the session's reactor: its last aborted command reached xmit. */
static void remote_done(struct scst_abort_waiter *w)
{
	struct remote_abort *ra = scst_container_of(w, struct remote_abort, w);

	scst_session_put(ra->sess);
	ra->sess = NULL;
	/* The mailbox keeps a message it accepted; only a failed allocation fails. */
	while (scst_reactor_post(ra->home_reactor, remote_back, ra))
		;
}

/* On the session's reactor: abort its commands on ra->dev. */
static void remote_run(void *arg)
{
	struct remote_abort *ra = arg;
	struct scst_session *s = ra->sess;
	bool tas, any = false;

	pthread_mutex_lock(&ra->dev->lock);
	tas = ra->dev->tas;
	pthread_mutex_unlock(&ra->dev->lock);
	ra->w.pending = 1; /* held while scanning */
	ra->w.done = remote_done;
	for (struct scst_cmd *cmd = s->active_head, *next; cmd; cmd = next) {
		next = cmd->next;
		if (!cmd->tgt_dev || cmd->tgt_dev->dev != ra->dev || cmd->aborted ||
		    cmd->state >= SCST_CMD_STATE_XMIT || cmd->abort_waiter)
			continue;
		affect(&ra->w, cmd, tas);
		any = true;
	}
	if (any && !tas && ra->ua != SCST_SENSE_NONE && !s->unregistering)
		for (unsigned h = 0; h < SCST_TGT_DEV_HASH; h++)
			for (struct scst_tgt_dev *td = s->tgt_devs[h]; td; td = td->hash_next)
				if (td->dev == ra->dev)
					scst_ua_queue(td, ra->ua);
	if (--ra->w.pending == 0)
		remote_done(&ra->w);
}

void scst_abort_other_nexuses(struct scst_device *dev, const struct scst_session *except,
			      bool (*match)(const struct scst_session *s, void *arg), void *arg,
			      enum scst_sense_reason ua, struct scst_abort_waiter *w)
{
	struct scst_session **list = NULL;
	unsigned n = 0, cap = 0;

	/* The sessions with a nexus to dev, each once, held while their messages run. */
	pthread_mutex_lock(&dev->lock);
	for (struct scst_tgt_dev *td = dev->tgt_devs; td; td = td->dev_next) {
		struct scst_session *s = td->sess;
		bool seen = false;

		if (s == except || (match && !match(s, arg)))
			continue;
		for (unsigned i = 0; i < n && !seen; i++)
			seen = list[i] == s;
		if (seen)
			continue;
		if (n == cap) {
			struct scst_session **nl = realloc(list, (cap ? cap * 2 : 8) * sizeof(*nl));

			if (!nl)
				break; /* the sessions not reached keep their commands */
			list = nl;
			cap = cap ? cap * 2 : 8;
		}
		scst_session_get(s);
		list[n++] = s;
	}
	pthread_mutex_unlock(&dev->lock);
	for (unsigned i = 0; i < n; i++) {
		struct remote_abort *ra = calloc(1, sizeof(*ra));

		if (ra) {
			/* Filled before the post: the other reactor may run it at once. */
			ra->home = w;
			ra->home_reactor = except ? except->reactor : scst_reactor_self();
			ra->sess = list[i];
			ra->dev = dev;
			ra->ua = ua;
			w->pending++;
			if (!scst_reactor_post(list[i]->reactor, remote_run, ra))
				continue;
			w->pending--;
			free(ra);
		}
		scst_err("out of memory aborting the commands of session %s",
			 list[i]->initiator_name);
		scst_session_put(list[i]);
	}
	free(list);
}

/* ---- the functions ---- */

static void reset_ua(struct scst_device *dev)
{
	/* A reset ends an SPC-2 reservation (SPC-2 5.5.1) and medium removal prevention
	 * (SPC-4 6.13). */
	scst_res_clear(dev);
	scst_medium_reset(dev);
	/* SAM-5 6.3.3: every I_T nexus learns about the reset, this one too. */
	scst_ua_queue_device(dev, SCST_SENSE_UA_BUS_DEVICE_RESET, NULL);
}

/* LOGICAL UNIT RESET of dev: this nexus's tasks are already aborted; now every
 * other nexus's, then the reset's effects. */
static void reset_device(struct scst_mgmt_cmd *m, struct scst_device *dev)
{
	scst_abort_other_nexuses(dev, m->sess, NULL, NULL, SCST_SENSE_NONE, &m->waiter);
	reset_ua(dev);
}

static void mgmt_done(struct scst_abort_waiter *w)
{
	struct scst_mgmt_cmd *m = scst_container_of(w, struct scst_mgmt_cmd, waiter);

	m->sess->tgt->tmpl->task_mgmt_done(m);
}

static void finish(struct scst_mgmt_cmd *m)
{
	/* A pending count was held while scanning so that synchronous completions
	 * cannot answer before every command was looked at. */
	if (--m->waiter.pending == 0)
		mgmt_done(&m->waiter);
}

void scst_rx_mgmt_fn(struct scst_mgmt_cmd *m)
{
	struct scst_session *s = m->sess;
	int64_t lun = scst_lun_decode(m->lun_raw);
	const struct scst_lun_entry *e;

	m->waiter.pending = 1;
	m->waiter.done = mgmt_done;
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
			affect(&m->waiter, cmd, false);
		else if (!cmd || !cmd->aborted)
			/* Unknown (the transport knows whether it was ever received), or
			 * finished with its status on the way ahead of this response. */
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
		reset_device(m, e->dev);
		break;
	case SCST_TMF_TARGET_RESET:
	case SCST_TMF_TARGET_COLD_RESET:
	case SCST_TMF_I_T_NEXUS_RESET:
	case SCST_TMF_NEXUS_LOSS:
		abort_matching(m, false, 0);
		if (m->fn != SCST_TMF_TARGET_RESET && m->fn != SCST_TMF_TARGET_COLD_RESET)
			break;
		/* Every logical unit this nexus reaches, each once. */
		for (unsigned i = 0; i < s->luns->count; i++) {
			struct scst_device *dev = s->luns->entries[i].dev;
			bool seen = false;

			for (unsigned j = 0; j < i && !seen; j++)
				seen = s->luns->entries[j].dev == dev;
			if (!seen)
				reset_device(m, dev);
		}
		break;
	case SCST_TMF_CLEAR_ACA:
	default:
		m->response = SCST_TMF_RESP_NOT_SUPPORTED;
		break;
	}
	finish(m);
}
