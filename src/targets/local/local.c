/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local target driver: in-process SCSI without a network. It sends no
 * expected transfer length unless asked, so the core derives it from the
 * CDB (like parallel SCSI). Each call runs its command to completion on the
 * caller's reactor; the copy into and out of the command buffer is the one
 * this driver needs, since the caller's buffer is not a registered one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scst/local.h"

struct scst_local_session {
	struct scst_session *sess;
	struct scst_reactor *reactor;
	uint64_t next_tag;
	bool closed;
};

struct local_cmd {
	bool done;
	struct scst_local_result *res;
	void *buf;
	uint32_t buflen;
	const void *out;
	uint32_t outlen;
};

struct local_tmf {
	bool done;
	enum scst_tmf_response resp;
};

static void local_rdy_to_xfer(struct scst_cmd *cmd)
{
	struct local_cmd *lc = scst_cmd_priv(cmd);
	uint32_t n = lc->outlen < cmd->bufflen ? lc->outlen : cmd->bufflen;

	memcpy(cmd->buf, lc->out, n);
	if (n < cmd->bufflen)
		memset(cmd->buf + n, 0, cmd->bufflen - n);
	cmd->write_received = cmd->bufflen;
	scst_cmd_rx_data_done(cmd, SCST_SENSE_NONE);
}

static void local_xmit_response(struct scst_cmd *cmd)
{
	struct local_cmd *lc = scst_cmd_priv(cmd);
	struct scst_local_result *res = lc->res;
	uint32_t n = 0;

	if (!cmd->aborted) {
		res->status = cmd->status;
		res->sense_len = cmd->sense_len;
		memcpy(res->sense, cmd->sense, cmd->sense_len);
		if (cmd->sense_len)
			scst_sense_parse(cmd->sense, cmd->sense_len, &res->key, &res->asc,
					 &res->ascq);
		if (cmd->dir & SCST_DATA_READ) {
			n = cmd->resp_data_len < lc->buflen ? cmd->resp_data_len : lc->buflen;
			if (n)
				memcpy(lc->buf, cmd->buf, n);
		}
		res->data_len = n;
		res->residual = scst_cmd_residual(cmd, &res->overflow);
	} else {
		res->status = SCST_STATUS_TASK_ABORTED;
	}
	lc->done = true;
	scst_cmd_xmit_done(cmd);
}

static void local_tmf_done(struct scst_mgmt_cmd *m)
{
	struct local_tmf *t = m->tgt_priv;

	t->resp = m->response;
	t->done = true;
}

static const struct scst_tgt_template local_template = {
	.name = SCST_LOCAL_DRIVER,
	.cmd_priv_size = sizeof(struct local_cmd),
	.rdy_to_xfer = local_rdy_to_xfer,
	.xmit_response = local_xmit_response,
	.task_mgmt_done = local_tmf_done,
};

void scst_local_register(void)
{
	scst_register_target_template(&local_template);
}

struct scst_local_session *scst_local_session_open(const char *target, const char *initiator)
{
	struct scst_target *tgt = scst_target_find(SCST_LOCAL_DRIVER, target);
	struct scst_reactor *r = scst_reactor_self();
	struct scst_local_session *s;

	if (!tgt || !r) {
		errno = tgt ? EINVAL : ENOENT;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->reactor = r;
	s->sess = scst_session_register(tgt, initiator, initiator, r, s);
	if (!s->sess) {
		free(s);
		return NULL;
	}
	return s;
}

static void closed(struct scst_session *sess, void *arg)
{
	struct scst_local_session *s = arg;

	(void)sess;
	s->closed = true;
}

void scst_local_session_close(struct scst_local_session *s)
{
	if (!s)
		return;
	scst_session_unregister(s->sess, closed, s);
	for (int i = 0; i < 100000 && !s->closed; i++)
		scst_reactor_run_once(s->reactor, 10);
	free(s);
}

int scst_local_exec_attr(struct scst_local_session *s, uint64_t lun, const uint8_t *cdb,
			 unsigned cdb_len, enum scst_task_attr attr, enum scst_data_dir dir,
			 void *buf, uint32_t buflen, int64_t expected_len,
			 struct scst_local_result *res)
{
	struct scst_cmd *cmd;
	struct local_cmd *lc;

	if (cdb_len == 0 || cdb_len > SCST_MAX_CDB_SIZE)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	cmd = scst_cmd_alloc(s->sess);
	if (!cmd)
		return -ENOMEM;
	lc = scst_cmd_priv(cmd);
	lc->res = res;
	lc->buf = buf;
	lc->buflen = buflen;
	lc->out = buf;
	lc->outlen = buflen;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = (uint8_t)cdb_len;
	scst_lun_encode(lun, cmd->lun_raw);
	cmd->tag = ++s->next_tag;
	cmd->attr = attr;
	if (expected_len >= 0) {
		cmd->expected_valid = true;
		cmd->expected_dir = dir;
		cmd->expected_len = (uint32_t)expected_len;
	}
	scst_cmd_init(cmd);
	scst_cmd_start(cmd);
	/* Bounded: a backend that never completes fails the call instead of hanging. */
	for (int i = 0; i < 60000 && !lc->done; i++)
		scst_reactor_run_once(s->reactor, 1);
	return lc->done ? 0 : -ETIMEDOUT;
}

int scst_local_exec(struct scst_local_session *s, uint64_t lun, const uint8_t *cdb,
		    unsigned cdb_len, enum scst_data_dir dir, void *buf, uint32_t buflen,
		    int64_t expected_len, struct scst_local_result *res)
{
	return scst_local_exec_attr(s, lun, cdb, cdb_len, SCST_TASK_SIMPLE, dir, buf, buflen,
				    expected_len, res);
}

enum scst_tmf_response scst_local_tmf(struct scst_local_session *s, enum scst_tmf_fn fn,
				      uint64_t lun, uint64_t tag)
{
	struct scst_mgmt_cmd m = { .sess = s->sess, .fn = fn, .tag = tag };
	struct local_tmf t = { 0 };

	scst_lun_encode(lun, m.lun_raw);
	m.tgt_priv = &t;
	scst_rx_mgmt_fn(&m);
	for (int i = 0; i < 60000 && !t.done; i++)
		scst_reactor_run_once(s->reactor, 1);
	return t.done ? t.resp : SCST_TMF_RESP_FAILED;
}
