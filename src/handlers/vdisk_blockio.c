/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdisk_blockio: a block device (or a regular file) with O_DIRECT, so data
 * goes between the SGV buffers (page aligned) and the device without the page
 * cache. FUA is RWF_DSYNC, a flush is a data sync, unmap punches a hole
 * (block devices take FALLOC_FL_PUNCH_HOLE on Linux 6.x); when the device
 * refuses, the engine falls back to zeroing so that unmapped blocks still
 * read back as zeros. BLKDISCARD is not used: a discard need not zero.
 */
#include "vdisk.h"

static int blockio_attach(struct scst_device *dev, char *err, size_t errlen)
{
	const struct vdisk_open_args a = { .direct = true, .allow_create = true };

	return vdisk_attach(dev, &a, err, errlen);
}

const struct scst_dev_handler vdisk_blockio_handler = {
	.name = "vdisk_blockio",
	.type = SCST_TYPE_DISK,
	.caps = SCST_DH_CAP_FLUSH | SCST_DH_CAP_WRITE_ZEROES | SCST_DH_CAP_UNMAP |
		SCST_DH_CAP_LBA_STATUS,
	.attrs = NULL,
	.attach = blockio_attach,
	.detach = vdisk_detach,
	.submit = vdisk_uring_submit,
	.lba_status = vdisk_lba_status,
};
