// SPDX-License-Identifier: GPL-2.0-only
/*
 * Removable medium (SBC-3 5.25 START STOP UNIT, SPC-4 6.13 / SBC-3 5.8
 * PREVENT ALLOW MEDIUM REMOVAL). A device with the `removable` attribute has
 * a medium an initiator can eject and load again; while it is out, every
 * command that needs it answers NOT READY, MEDIUM NOT PRESENT.
 *
 * Medium removal is prevented while at least one I_T_L nexus holds a prevent
 * (SPC-4 6.13: the prevent state is per nexus, and removal stays prevented
 * until every nexus that asked for it allows it again). A nexus's prevent ends
 * with its ALLOW, its loss (logout, connection drop, I_T NEXUS RESET) and any
 * LUN or target reset (SPC-4 6.13: "the prevention of medium removal ...
 * shall be cleared by ... a hard reset or a logical unit reset").
 *
 * State: dev->medium_absent and dev->prevent_count are device-wide atomics;
 * td->prevent is set and cleared with an atomic exchange so a reset from
 * another reactor and the nexus itself never both count the same prevent.
 */
#include "core_priv.h"
#include "opcodes.h"

enum scst_sense_reason scst_medium_check(const struct scst_cmd *cmd)
{
	const struct scst_device *dev = cmd->tgt_dev->dev;

	/* SBC-4 4.11.2: while a sanitize runs, every command but INQUIRY, REPORT LUNS
	 * and REQUEST SENSE (the ones a unit attention lets through too) is NOT READY. */
	if (unlikely(atomic_load_explicit(&dev->sanitizing, memory_order_relaxed)) &&
	    !(cmd->op->flags & SCST_OPF_UA_EXEMPT))
		return SCST_SENSE_NOT_READY_SANITIZE_IN_PROGRESS;
	if (!(cmd->op->flags & SCST_OPF_NEEDS_MEDIUM))
		return SCST_SENSE_NONE;
	if (atomic_load_explicit(&dev->medium_absent, memory_order_relaxed))
		return SCST_SENSE_NOT_READY_MEDIUM_NOT_PRESENT;
	return SCST_SENSE_NONE;
}

static void prevent_set(struct scst_tgt_dev *td, bool on)
{
	if (atomic_exchange(&td->prevent, on) != on)
		atomic_fetch_add(&td->dev->prevent_count, on ? 1 : -1);
}

void scst_medium_nexus_gone(struct scst_tgt_dev *td)
{
	prevent_set(td, false);
}

void scst_medium_reset(struct scst_device *dev)
{
	pthread_mutex_lock(&dev->lock);
	for (struct scst_tgt_dev *td = dev->tgt_devs; td; td = td->dev_next)
		prevent_set(td, false);
	pthread_mutex_unlock(&dev->lock);
}

/*
 * START STOP UNIT. A virtual disk has no spindle: START alone, IMMED and
 * NO_FLUSH change nothing. A POWER CONDITION other than 0 makes the device
 * ignore LOEJ and START (SBC-3 5.25). LOEJ loads (START=1) or ejects (START=0)
 * the medium of a removable device, unless a nexus prevents removal; on a
 * fixed disk it is accepted and changes nothing.
 */
void scst_spc_start_stop_unit(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;
	struct scst_device *dev = td->dev;
	bool loej = cmd->cdb[4] & 0x02, start = cmd->cdb[4] & 0x01;

	if ((cmd->cdb[4] >> 4) || !loej || !dev->removable) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (atomic_load(&dev->prevent_count)) {
		scst_cmd_done(cmd, SCST_SENSE_MEDIUM_REMOVAL_PREVENTED);
		return;
	}
	/* No NOT READY TO READY CHANGE unit attention to the other nexuses on a load
	 * by command: the initiators that share the device asked for it (SCST's vdisk
	 * does the same, and libiscsi's PreventAllow.2ITNexuses expects none). */
	atomic_store(&dev->medium_absent, !start);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * PREVENT ALLOW MEDIUM REMOVAL. PREVENT 01b prevents, 00b allows; 10b and 11b
 * are obsolete for direct-access devices (SBC-3 5.8) and rejected. Accepted
 * with or without a medium (an initiator may lock an empty drive).
 */
void scst_spc_prevent_allow(struct scst_cmd *cmd)
{
	uint8_t prevent = cmd->cdb[4] & 0x03;

	if (prevent > 1) {
		scst_cmd_set_invalid_field(cmd, true, 4, 1);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	prevent_set(cmd->tgt_dev, prevent);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
