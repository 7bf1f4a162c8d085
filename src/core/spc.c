/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The small core-emulated SPC commands: TEST UNIT READY, REQUEST SENSE,
 * START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL and LOG SENSE. INQUIRY,
 * the mode pages and the REPORT commands have their own files.
 *
 * Each executor runs on the reactor that owns the command and ends with
 * scst_cmd_done(); response data is built on the stack and handed to
 * scst_cmd_respond(), which truncates it to the allocation length.
 */
#include <string.h>

#include "core_priv.h"

void scst_spc_test_unit_ready(struct scst_cmd *cmd)
{
	/* The core reported any pending unit attention before exec (SAM-5 5.14); a
	 * virtual device always has its medium, so the unit is ready. */
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * REQUEST SENSE (SPC-4 6.29). We keep no deferred sense (every CHECK CONDITION
 * carries autosense), so the answer is either a pending unit attention, which
 * the command reports and thereby clears (SAM-5 5.14, SPC-4 6.29.2), or NO SENSE.
 */
void scst_spc_request_sense(struct scst_cmd *cmd)
{
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	enum scst_sense_reason reason = SCST_SENSE_NONE;
	bool desc = cmd->cdb[1] & 0x01; /* DESC: the caller picks the format */
	unsigned len;

	if (!cmd->tgt_dev) {
		/* SPC-4 6.29.2: for a LUN that is not there, the sense data (with GOOD
		 * status) says LOGICAL UNIT NOT SUPPORTED. */
		reason = SCST_SENSE_LUN_NOT_SUPPORTED;
	} else {
		/*
		 * scst_ua_take() reports the UA as the command's error; we want it as
		 * data, so take it into a scratch command and keep only its reason.
		 */
		struct scst_cmd scratch;

		memset(&scratch, 0, sizeof(scratch));
		scratch.sess = cmd->sess;
		scratch.tgt_dev = cmd->tgt_dev;
		if (scst_ua_take(cmd->tgt_dev, &scratch))
			reason = scratch.reason;
	}

	memset(sense, 0, sizeof(sense));
	/* SPC-4 6.29.2: with nothing pending, NO SENSE (0/00/00) as data. */
	if (reason == SCST_SENSE_NONE)
		reason = SCST_SENSE_NO_SENSE;
	len = scst_sense_build(sense, reason, NULL, desc);
	scst_cmd_respond(cmd, sense, len);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * LOG SENSE (SPC-4 6.8). We keep no log parameters, so the only page is
 * Supported Log Pages (00h, SPC-4 7.3.18), which lists itself, and its
 * subpage form 00h/FFh (SPC-4 7.3.19).
 */
void scst_spc_log_sense(struct scst_cmd *cmd)
{
	uint8_t page = cmd->cdb[2] & 0x3f;
	uint8_t subpage = cmd->cdb[3];
	uint8_t buf[8];
	uint32_t len;

	/* SP: saving log parameters is not implemented (SPC-4 6.8). */
	if (cmd->cdb[1] & 0x01) {
		scst_cmd_set_invalid_field(cmd, true, 1, 0);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (page != 0x00) {
		scst_cmd_set_invalid_field(cmd, true, 2, 5);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	memset(buf, 0, sizeof(buf));
	if (subpage == 0x00) {
		buf[0] = 0x00;
		buf[1] = 0x00;
		scst_put_be16(buf + 2, 1);
		buf[4] = 0x00;
		len = 5;
	} else if (subpage == 0xff) {
		buf[0] = 0x40; /* SPF: subpage format */
		buf[1] = 0xff;
		scst_put_be16(buf + 2, 4);
		buf[4] = 0x00; /* page 00h subpage 00h */
		buf[5] = 0x00;
		buf[6] = 0x00; /* page 00h subpage FFh */
		buf[7] = 0xff;
		len = 8;
	} else {
		scst_cmd_set_invalid_field(cmd, true, 3, 7);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	scst_cmd_respond(cmd, buf, len);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
