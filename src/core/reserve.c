/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SPC-2 RESERVE and RELEASE (logical unit reservations, SPC-2 7.21, 7.16).
 * One I_T_L nexus may hold a device; other nexuses get RESERVATION CONFLICT
 * for every command the opcode table does not mark SCST_OPF_RES_OK. The
 * reservation ends with RELEASE from the holder, a LUN or target reset, or
 * the loss of the holder's nexus. Persistent reservations (SPC-4) come later
 * and will take precedence as SPC-4 5.13 describes.
 */
#include "core_priv.h"
#include "opcodes.h"

bool scst_res_conflict(const struct scst_cmd *cmd)
{
	const struct scst_tgt_dev *td = cmd->tgt_dev;
	struct scst_tgt_dev *holder =
		atomic_load_explicit(&td->dev->res_holder, memory_order_acquire);

	return holder && holder != td && !(cmd->op->flags & SCST_OPF_RES_OK);
}

void scst_spc_reserve(struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev, *expected = NULL;
	struct scst_device *dev = td->dev;
	enum scst_sense_reason r = SCST_SENSE_NONE;

	/* SPC-4 5.13.3: while persistent registrations exist, RESERVE conflicts. */
	if (scst_pr_has_registrations(dev)) {
		scst_cmd_done(cmd, SCST_SENSE_RESERVATION_CONFLICT);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	/* Reserving again from the holder is allowed (SPC-2 7.21.1). */
	if (!atomic_compare_exchange_strong(&dev->res_holder, &expected, td) && expected != td)
		r = SCST_SENSE_RESERVATION_CONFLICT;
	pthread_mutex_unlock(&dev->lock);
	scst_cmd_done(cmd, r);
}

void scst_spc_release(struct scst_cmd *cmd)
{
	/* SPC-4 5.13.3: while persistent registrations exist, RELEASE conflicts. */
	if (scst_pr_has_registrations(cmd->tgt_dev->dev)) {
		scst_cmd_done(cmd, SCST_SENSE_RESERVATION_CONFLICT);
		return;
	}
	/* A RELEASE from a nexus that holds nothing is GOOD and changes nothing
	 * (SPC-2 7.16.1). */
	scst_res_drop(cmd->tgt_dev->dev, cmd->tgt_dev);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

void scst_res_drop(struct scst_device *dev, struct scst_tgt_dev *td)
{
	struct scst_tgt_dev *expected = td;

	pthread_mutex_lock(&dev->lock);
	atomic_compare_exchange_strong(&dev->res_holder, &expected, NULL);
	pthread_mutex_unlock(&dev->lock);
}

void scst_res_clear(struct scst_device *dev)
{
	pthread_mutex_lock(&dev->lock);
	atomic_store(&dev->res_holder, NULL);
	pthread_mutex_unlock(&dev->lock);
}
