/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdisk_nullio: no storage. Reads return zeros, writes are dropped, flush,
 * write zeroes and unmap do nothing. Every bio completes inside submit(), so
 * this measures the framework alone. The size attribute (bytes) is required.
 */
#include <errno.h>
#include <string.h>
#include <liburing.h>

#include "vdisk.h"

/* delay_ms: a slow device for tests (task management against commands that sit
 * in the backend) and for latency experiments; 0, the default, is no delay. */
static const char *const nullio_attrs[] = { "delay_ms", NULL };

static int nullio_attach(struct scst_device *dev, char *err, size_t errlen)
{
	int ret = vdisk_set_block_size(dev, err, errlen);

	if (ret)
		return ret;
	if ((dev->size >> dev->block_shift) == 0)
		return scst_errf(err, errlen, -EINVAL, "size (bytes, at least one block) is required");
	dev->hpriv = NULL;
	dev->nblocks = dev->size >> dev->block_shift;
	dev->size = dev->nblocks << dev->block_shift;
	return 0;
}

static void nullio_detach(struct scst_device *dev)
{
	(void)dev;
}

static void delay_done(struct scst_io_cb *cb, int res, uint32_t flags)
{
	(void)res; /* -ETIME: the delay passed */
	(void)flags;
	vdisk_bio_complete(scst_container_of(cb, struct scst_bio, cb), SCST_SENSE_NONE);
}

static void nullio_submit(struct scst_bio *bio)
{
	struct scst_device *dev = bio->dev;
	uint64_t left = bio->len;
	int i;

	bio->hstate = 0; /* never synced: nothing is stored */
	if (bio->op != SCST_BIO_READ && bio->op != SCST_BIO_FLUSH && dev->read_only) {
		vdisk_bio_complete(bio, SCST_SENSE_WRITE_PROTECTED);
		return;
	}
	if (bio->op != SCST_BIO_FLUSH &&
	    (bio->offset > dev->size || bio->len > dev->size - bio->offset)) {
		vdisk_bio_complete(bio, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	if (bio->op == SCST_BIO_READ) {
		for (i = 0; i < bio->iovcnt && left; i++) {
			size_t n = bio->iov[i].iov_len < left ? bio->iov[i].iov_len : left;

			memset(bio->iov[i].iov_base, 0, n);
			left -= n;
		}
	}
	bio->progress = bio->len;
	if (dev->delay_ms) {
		/* Complete later through an io_uring timeout: no thread, no sleep. */
		struct __kernel_timespec *ts = (struct __kernel_timespec *)bio->hscratch;
		struct io_uring_sqe *sqe;

		ts->tv_sec = dev->delay_ms / 1000;
		ts->tv_nsec = (long long)(dev->delay_ms % 1000) * 1000000;
		bio->cb.fn = delay_done;
		sqe = scst_reactor_sqe(bio->reactor, &bio->cb);
		io_uring_prep_timeout(sqe, ts, 0, 0);
		return;
	}
	vdisk_bio_complete(bio, SCST_SENSE_NONE);
}

const struct scst_dev_handler vdisk_nullio_handler = {
	.name = "vdisk_nullio",
	.type = SCST_TYPE_DISK,
	.caps = SCST_DH_CAP_FLUSH | SCST_DH_CAP_WRITE_ZEROES | SCST_DH_CAP_UNMAP,
	.attrs = nullio_attrs,
	.attach = nullio_attach,
	.detach = nullio_detach,
	.submit = nullio_submit,
};
