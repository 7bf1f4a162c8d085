/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * READ CAPACITY (10) and (16) (SBC-3 5.15, 5.16).
 */
#include <string.h>

#include "core_priv.h"

static uint64_t last_lba(const struct scst_device *dev)
{
	return dev->nblocks ? dev->nblocks - 1 : 0;
}

void scst_sbc_read_capacity10(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->tgt_dev->dev;
	uint64_t last = last_lba(dev);
	uint8_t b[8];

	/* SBC-3 5.15.2: FFFFFFFFh tells the initiator to use READ CAPACITY (16). */
	scst_put_be32(b, last > 0xfffffffeull ? 0xffffffffu : (uint32_t)last);
	scst_put_be32(b + 4, dev->block_size);
	scst_cmd_respond(cmd, b, sizeof(b));
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

void scst_sbc_read_capacity16(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->tgt_dev->dev;
	uint8_t b[32];

	memset(b, 0, sizeof(b));
	scst_put_be64(b, last_lba(dev));
	scst_put_be32(b + 8, dev->block_size);
	/* No protection information. LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: the
	 * device's lb_per_pb_exp (device.c). */
	b[13] = dev->lb_per_pb_exp & 0x0f;
	/* LBPME and LBPRZ only when unmapping really happens (SBC-3 4.7.3.2). */
	if (dev->thin_provisioned && (dev->handler->caps & SCST_DH_CAP_UNMAP))
		b[14] = 0x80 | 0x40;
	scst_cmd_respond(cmd, b, sizeof(b));
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
