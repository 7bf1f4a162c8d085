/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SANITIZE (SBC-4 5.30, 4.11). OVERWRITE writes the initialization pattern
 * over the whole medium, BLOCK ERASE deallocates it (thin devices; elsewhere
 * it writes zeros), EXIT FAILURE MODE succeeds as we never enter the failure
 * mode. CRYPTOGRAPHIC ERASE is not offered: the data is not stored encrypted.
 *
 * A sanitize is an operation of the logical unit, not of the command that
 * started it (SBC-4 4.11.2): it runs as a job of its own on the reactor that
 * received the command, holding the device, and goes on when that command is
 * aborted, by ABORT TASK, a reset or the loss of its I_T nexus; the command
 * then ends at once (the abort's TMF response does not wait for the whole
 * medium) and the job finishes alone. Until it does, commands that need the
 * medium get NOT READY, SANITIZE IN PROGRESS from every nexus (medium.c). IMMED
 * is refused: the command, if nobody aborts it, completes with the operation.
 *
 * The overwrite runs once with the pattern of the last pass: OVERWRITE COUNT
 * passes with INVERT would leave exactly that on the medium, and on a file or
 * a thin volume earlier passes reach nothing the last does not.
 */
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "scst/sgv.h"

#define CHUNK (1u << 20) /* bytes per write of the overwrite */

struct sanitize_job {
	struct scst_bio bio;
	struct scst_device *dev;
	struct scst_reactor *r;
	struct scst_buffer buf; /* the pattern, CHUNK bytes (OVERWRITE only) */
	uint64_t pos, end;
	bool erase, unmap;
	bool in_submit, sync_done; /* a bio completed inside submit: no recursion */
	enum scst_sense_reason sync_reason;
	struct scst_cmd *cmd; /* the SANITIZE still waiting for the job, or NULL */
};

static void fail_field(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit)
{
	scst_cmd_set_invalid_field(cmd, in_cdb, byte, bit);
	scst_cmd_done(cmd, in_cdb ? SCST_SENSE_INVALID_FIELD_IN_CDB :
				    SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST);
}

static void job_finish(struct sanitize_job *j, enum scst_sense_reason reason)
{
	struct scst_cmd *cmd = j->cmd;

	if (j->buf.data)
		scst_sgv_put(scst_reactor_sgv(j->r), &j->buf);
	atomic_store(&j->dev->sanitizing, false);
	atomic_fetch_sub(&j->dev->refcount, 1);
	if (reason != SCST_SENSE_NONE)
		scst_warn("device %s: SANITIZE failed at byte %llu", j->dev->name,
			  (unsigned long long)j->pos);
	free(j);
	if (cmd) {
		cmd->core_priv = NULL;
		cmd->on_abort = NULL;
		scst_cmd_done(cmd, reason);
	}
}

static void job_bio_done(struct scst_bio *bio, enum scst_sense_reason reason);

/* Submit the next piece; false when there is none left (the job is finished). */
static bool job_submit(struct sanitize_job *j)
{
	struct scst_bio *b = &j->bio;
	uint64_t len = j->end - j->pos;

	if (j->pos >= j->end) {
		job_finish(j, SCST_SENSE_NONE);
		return false;
	}
	memset(b, 0, sizeof(*b));
	b->dev = j->dev;
	b->reactor = j->r;
	b->offset = j->pos;
	b->done = job_bio_done;
	b->priv = j;
	if (j->erase) {
		/* The whole medium as one request: the handler zeroes or deallocates it. */
		if (j->dev->handler->caps & SCST_DH_CAP_WRITE_ZEROES) {
			b->op = SCST_BIO_WRITE_ZEROES;
			b->flags = j->unmap ? SCST_BIO_UNMAP_OK : 0;
		} else {
			b->op = SCST_BIO_UNMAP;
		}
	} else {
		if (len > j->buf.size)
			len = j->buf.size;
		b->op = SCST_BIO_WRITE;
		b->iov_inline.iov_base = j->buf.data;
		b->iov_inline.iov_len = len;
		b->iov = &b->iov_inline;
		b->iovcnt = 1;
	}
	b->len = len;
	j->pos += len;
	j->dev->handler->submit(b);
	return true;
}

/* Submit until a piece is in flight or the job is done. */
static void job_run(struct sanitize_job *j)
{
	for (;;) {
		j->in_submit = true;
		j->sync_done = false;
		if (!job_submit(j))
			return;
		j->in_submit = false;
		if (!j->sync_done)
			return; /* job_bio_done() goes on */
		if (j->sync_reason != SCST_SENSE_NONE) {
			job_finish(j, j->sync_reason);
			return;
		}
	}
}

static void job_bio_done(struct scst_bio *bio, enum scst_sense_reason reason)
{
	struct sanitize_job *j = bio->priv;

	if (j->in_submit) {
		j->sync_done = true;
		j->sync_reason = reason;
		return;
	}
	if (reason != SCST_SENSE_NONE) {
		job_finish(j, reason);
		return;
	}
	job_run(j);
}

static void abort_done(struct scst_work *w)
{
	scst_cmd_done(scst_container_of(w, struct scst_cmd, work), SCST_SENSE_NONE);
}

/* The SANITIZE was aborted: it ends now, the operation goes on without it. */
static void sanitize_abort(struct scst_cmd *cmd)
{
	struct sanitize_job *j = cmd->core_priv;

	j->cmd = NULL;
	cmd->core_priv = NULL;
	cmd->on_abort = NULL;
	cmd->work.fn = abort_done;
	scst_reactor_defer(cmd->sess->reactor, &cmd->work);
}

/* SBC-4 5.30.2: the OVERWRITE parameter list, into the pattern buffer. */
static bool overwrite_setup(struct scst_cmd *cmd, struct sanitize_job *j, uint32_t plen)
{
	const uint8_t *p = cmd->buf;
	uint32_t iplen, bs = j->dev->block_size;
	bool invert;

	/* The header and at least one byte of pattern, and nothing else. */
	if (plen < 5 || cmd->bufflen < plen) {
		fail_field(cmd, true, 7, 7);
		return false;
	}
	iplen = scst_get_be16(p + 2);
	if (!iplen || iplen > bs) {
		fail_field(cmd, false, 2, 7);
		return false;
	}
	if (plen != iplen + 4) {
		fail_field(cmd, true, 7, 7);
		return false;
	}
	if (!(p[0] & 0x1f)) {
		fail_field(cmd, false, 0, 4); /* OVERWRITE COUNT 0 */
		return false;
	}
	if (p[0] & 0x60) {
		fail_field(cmd, false, 0, 6); /* TEST */
		return false;
	}
	if (scst_sgv_get(scst_reactor_sgv(j->r), CHUNK, &j->buf)) {
		j->buf.data = NULL;
		scst_cmd_done(cmd, SCST_SENSE_NO_MEMORY);
		return false;
	}
	/* INVERT: the pattern alternates between passes; an even count ends inverted. */
	invert = (p[0] & 0x80) && !((p[0] & 0x1f) & 1);
	for (uint32_t i = 0; i < j->buf.size; i++) {
		uint8_t b = p[4 + (i % bs) % iplen];

		j->buf.data[i] = invert ? (uint8_t)~b : b;
	}
	return true;
}

void scst_sbc_sanitize(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	uint8_t sa = cmd->cdb[1] & 0x1f;
	uint32_t plen = scst_get_be16(cmd->cdb + 7);
	struct sanitize_job *j;
	bool expected = false;

	if (cmd->cdb[1] & 0x80) {
		fail_field(cmd, true, 1, 7); /* IMMED */
		return;
	}
	if (sa == 0x1f) { /* EXIT FAILURE MODE */
		if (plen)
			fail_field(cmd, true, 7, 7);
		else
			scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (sa != 0x01 && sa != 0x02) {
		fail_field(cmd, true, 1, 4);
		return;
	}
	if (sa == 0x02 && plen) {
		fail_field(cmd, true, 7, 7); /* BLOCK ERASE has no parameter list */
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		scst_cmd_done(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	j->dev = dev;
	j->r = cmd->sess->reactor;
	j->end = dev->size;
	j->erase = sa == 0x02;
	j->unmap = j->erase && dev->thin_provisioned && (dev->handler->caps & SCST_DH_CAP_UNMAP);
	if (!j->erase && !overwrite_setup(cmd, j, plen)) {
		free(j);
		return;
	}
	if (!atomic_compare_exchange_strong(&dev->sanitizing, &expected, true)) {
		if (j->buf.data)
			scst_sgv_put(scst_reactor_sgv(j->r), &j->buf);
		free(j);
		scst_cmd_done(cmd, SCST_SENSE_NOT_READY_SANITIZE_IN_PROGRESS);
		return;
	}
	/* The device stays until the job ends, whoever is logged in by then. */
	atomic_fetch_add(&dev->refcount, 1);
	j->cmd = cmd;
	cmd->core_priv = j;
	cmd->on_abort = sanitize_abort;
	job_run(j);
}
