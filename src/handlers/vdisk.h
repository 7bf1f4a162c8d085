/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared parts of the vdisk handlers (vdisk_fileio, vdisk_blockio,
 * vdisk_nullio). Private to src/handlers; unit tests include it to reach the
 * backing fd and the error translation.
 *
 * Threads: vdisk_attach()/vdisk_detach() run on the management thread and may
 * block. vdisk_uring_submit() runs on the reactor that owns the bio and only
 * queues SQEs on bio->reactor; everything after that happens in completions
 * on the same reactor. lba_status() is synchronous (lseek) by design.
 */
#ifndef SCST_VDISK_H
#define SCST_VDISK_H

#include "scst/device.h"
#include "scst/log.h"

struct vdisk_priv {
	int fd;
	bool is_blkdev;
	bool direct; /* opened with O_DIRECT */
	bool memory_backed; /* tmpfs/ramfs: reads and writes are done inline (vdisk_common.c) */
	/* Whether a fallocate mode was refused (EOPNOTSUPP): skip it next time.
	 * Written only by reactors, racing benignly (the result is the same). */
	bool no_zero_range;
	bool no_punch_hole;
};

static inline struct vdisk_priv *vdisk_priv(const struct scst_device *dev)
{
	return dev->hpriv;
}

/* Open flags and policy one handler asks of vdisk_attach(). */
struct vdisk_open_args {
	bool direct; /* O_DIRECT */
	bool allow_create; /* create a missing regular file of dev->size bytes, sparse */
};

int vdisk_attach(struct scst_device *dev, const struct vdisk_open_args *a, char *err,
		 size_t errlen);
void vdisk_detach(struct scst_device *dev);

/* io_uring backed submit shared by fileio and blockio. */
void vdisk_uring_submit(struct scst_bio *bio);
/* SEEK_DATA/SEEK_HOLE based provisioning status. */
int vdisk_lba_status(struct scst_device *dev, uint64_t lba, uint64_t *nblocks, bool *mapped);

/* Validate block_size (0 means 512), set block_shift; -EINVAL with a reason otherwise. */
int vdisk_set_block_size(struct scst_device *dev, char *err, size_t errlen);

/* Map a negative errno from a backend operation to a sense reason (never NONE). */
enum scst_sense_reason vdisk_errno_to_reason(enum scst_bio_op op, int err);

/* Complete a bio: update dev->stats and call bio->done(). */
void vdisk_bio_complete(struct scst_bio *bio, enum scst_sense_reason reason);

/* Are writes on dev to be durable before completion (FUA, write-through, WCE=0)? */
bool vdisk_write_is_sync(const struct scst_device *dev, const struct scst_bio *bio);

extern const struct scst_dev_handler vdisk_fileio_handler;
extern const struct scst_dev_handler vdisk_blockio_handler;
extern const struct scst_dev_handler vdisk_nullio_handler;

#endif
