/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SBC-3 data path: READ, WRITE and SYNCHRONIZE CACHE become one bio on the
 * handler, on the command's reactor, using the command's own buffer.
 */
#include "core_priv.h"

static void bio_done(struct scst_bio *bio, enum scst_sense_reason reason)
{
	struct scst_cmd *cmd = bio->priv;

	if (reason == SCST_SENSE_NONE && bio->op == SCST_BIO_READ) {
		cmd->resp_data_len = (uint32_t)bio->len;
		cmd->resp_full_len = cmd->data_len;
	}
	scst_cmd_done(cmd, reason);
}

void scst_cmd_submit_bio(struct scst_cmd *cmd, enum scst_bio_op op, uint32_t flags, uint64_t off,
			 uint64_t len, void *buf,
			 void (*done)(struct scst_bio *bio, enum scst_sense_reason reason))
{
	scst_cmd_submit_bio_dev(cmd, cmd->tgt_dev->dev, op, flags, off, len, buf, done);
}

void scst_cmd_submit_bio_dev(struct scst_cmd *cmd, struct scst_device *dev, enum scst_bio_op op,
			     uint32_t flags, uint64_t off, uint64_t len, void *buf,
			     void (*done)(struct scst_bio *bio, enum scst_sense_reason reason))
{
	struct scst_bio *bio = &cmd->bio;

	bio->dev = dev;
	bio->reactor = cmd->sess->reactor;
	bio->op = op;
	bio->flags = flags;
	bio->offset = off;
	bio->len = len;
	bio->iov_inline.iov_base = buf;
	bio->iov_inline.iov_len = buf ? len : 0;
	bio->iov = buf ? &bio->iov_inline : NULL;
	bio->iovcnt = buf ? 1 : 0;
	bio->done = done;
	bio->priv = cmd;
	bio->progress = 0;
	bio->hstate = 0;
	dev->handler->submit(bio);
}

static void submit(struct scst_cmd *cmd, enum scst_bio_op op, uint64_t off, uint64_t len,
		   uint32_t flags)
{
	scst_cmd_submit_bio(cmd, op, flags, off, len, cmd->buf, bio_done);
}

static uint32_t fua_flags(const struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->tgt_dev->dev;

	/* SBC-3 5.x: FUA, or a write-through cache, makes the write durable first;
	 * a non-volatile cache already is (SBC-3 FUA_NV semantics). */
	if ((cmd->fua || dev->write_through || !dev->wce) && !dev->nv_cache)
		return SCST_BIO_FUA;
	return 0;
}

void scst_sbc_read(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;

	/* The command would return all its blocks; the residual is measured against that. */
	cmd->resp_full_len = cmd->data_len;
	if (!cmd->bufflen) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	/* Only what the transport will carry is read (bufflen <= data_len). */
	submit(cmd, SCST_BIO_READ, scst_dev_lba_to_bytes(dev, cmd->lba), cmd->bufflen, 0);
}

void scst_sbc_write(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;

	if (!cmd->bufflen) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	submit(cmd, SCST_BIO_WRITE, scst_dev_lba_to_bytes(dev, cmd->lba), cmd->bufflen,
	       fua_flags(cmd));
}

void scst_sbc_sync_cache(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	uint64_t len = (uint64_t)cmd->nblocks << dev->block_shift;

	/* SBC-3 5.22: NUMBER OF LOGICAL BLOCKS 0 means to the end of the medium. */
	if (!cmd->nblocks)
		len = (dev->nblocks - cmd->lba) << dev->block_shift;
	if (dev->nv_cache || !(dev->handler->caps & SCST_DH_CAP_FLUSH)) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	submit(cmd, SCST_BIO_FLUSH, scst_dev_lba_to_bytes(dev, cmd->lba), len, 0);
}
