/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdisk_fileio: a regular file or a block device through the page cache
 * (or O_DIRECT when the o_direct attribute is set). Write-back unless
 * write-through; FUA and SYNCHRONIZE CACHE become data syncs. A missing file
 * is created sparse when a size is given. The I/O engine is in vdisk_common.c.
 */
#include "vdisk.h"

static int fileio_attach(struct scst_device *dev, char *err, size_t errlen)
{
	const struct vdisk_open_args a = { .direct = dev->o_direct, .allow_create = true };

	return vdisk_attach(dev, &a, err, errlen);
}

const struct scst_dev_handler vdisk_fileio_handler = {
	.name = "vdisk_fileio",
	.type = SCST_TYPE_DISK,
	.caps = SCST_DH_CAP_FLUSH | SCST_DH_CAP_WRITE_ZEROES | SCST_DH_CAP_UNMAP |
		SCST_DH_CAP_LBA_STATUS,
	.attrs = NULL, /* the common attributes (o_direct included) are all it takes */
	.attach = fileio_attach,
	.detach = vdisk_detach,
	.submit = vdisk_uring_submit,
	.lba_status = vdisk_lba_status,
};
