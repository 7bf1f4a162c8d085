// SPDX-License-Identifier: GPL-2.0-only
/*
 * WRITE ATOMIC(16) (SBC-4 5.48). The whole transfer goes to the backing store
 * as one write: one io_uring write (or one pwritev2) of the command's buffer.
 * File systems serialise writes to one file under its inode lock, so another
 * write to the same blocks lands entirely before or entirely after it, never
 * in between. The limits in the Block Limits VPD page (spc_inquiry.c) come from
 * scst_max_atomic_blocks(): no alignment and no granularity requirement, and
 * no atomic boundaries (MAXIMUM ATOMIC BOUNDARY SIZE 0, so a nonzero ATOMIC
 * BOUNDARY field is refused).
 */
#include "core_priv.h"

void scst_sbc_write_atomic(struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->tgt_dev->dev;

	if (scst_get_be16(cmd->cdb + 10)) {
		scst_cmd_set_invalid_field(cmd, true, 10, 7); /* ATOMIC BOUNDARY */
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	/* SBC-4 5.48: more than MAXIMUM ATOMIC TRANSFER LENGTH is INVALID FIELD IN CDB. */
	if (cmd->nblocks > scst_max_atomic_blocks(dev)) {
		scst_cmd_set_invalid_field(cmd, true, 12, 7);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	scst_sbc_write(cmd);
}
