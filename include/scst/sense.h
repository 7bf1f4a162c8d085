/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sense as data. Code everywhere returns an enum scst_sense_reason; one
 * table in src/core/sense.c maps a reason to sense key, ASC and ASCQ, and
 * one function writes the bytes (fixed or descriptor format). Drivers and
 * handlers never assemble sense bytes themselves.
 */
#ifndef SCST_SENSE_H
#define SCST_SENSE_H

#include "scst/types.h"

/* Sense keys (SPC-4 table 45). */
enum scst_sense_key {
	SCST_KEY_NO_SENSE = 0x0,
	SCST_KEY_RECOVERED_ERROR = 0x1,
	SCST_KEY_NOT_READY = 0x2,
	SCST_KEY_MEDIUM_ERROR = 0x3,
	SCST_KEY_HARDWARE_ERROR = 0x4,
	SCST_KEY_ILLEGAL_REQUEST = 0x5,
	SCST_KEY_UNIT_ATTENTION = 0x6,
	SCST_KEY_DATA_PROTECT = 0x7,
	SCST_KEY_BLANK_CHECK = 0x8,
	SCST_KEY_COPY_ABORTED = 0xa,
	SCST_KEY_ABORTED_COMMAND = 0xb,
	SCST_KEY_VOLUME_OVERFLOW = 0xd,
	SCST_KEY_MISCOMPARE = 0xe,
};

/*
 * Every outcome other than GOOD that the framework can report. Add a reason
 * here and a row in the table in sense.c; never write sense bytes elsewhere.
 * Reasons that are not CHECK CONDITION (RESERVATION CONFLICT, BUSY, TASK SET
 * FULL, TASK ABORTED) carry their status in the table and produce no sense.
 */
enum scst_sense_reason {
	SCST_SENSE_NONE = 0, /* GOOD status, no sense */
	SCST_SENSE_NO_SENSE, /* 0/00/00: REQUEST SENSE data when nothing is pending */

	/* ILLEGAL REQUEST */
	SCST_SENSE_INVALID_OPCODE, /* 5/20/00 */
	SCST_SENSE_INVALID_FIELD_IN_CDB, /* 5/24/00, field pointer into the CDB */
	SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST, /* 5/26/00, field pointer into data */
	SCST_SENSE_PARAM_LIST_LENGTH_ERROR, /* 5/1A/00 */
	SCST_SENSE_LBA_OUT_OF_RANGE, /* 5/21/00 */
	SCST_SENSE_LUN_NOT_SUPPORTED, /* 5/25/00 */
	SCST_SENSE_SAVING_PARAMS_NOT_SUPPORTED, /* 5/39/00 */
	SCST_SENSE_INVALID_RELEASE_OF_PR, /* 5/26/04 */
	SCST_SENSE_INSUFFICIENT_REGISTRATION_RESOURCES, /* 5/55/04 */
	SCST_SENSE_INVALID_MESSAGE_ERROR, /* 5/49/00 */
	SCST_SENSE_COPY_TARGET_DEVICE_NOT_REACHABLE, /* A/0D/02 (COPY ABORTED) */
	SCST_SENSE_COPY_ABORTED, /* A/00/00: a segment failed (range, I/O) */
	SCST_SENSE_COPY_ABORTED_WRITE_PROTECTED, /* A/27/00: the copy destination is read-only */
	SCST_SENSE_MEDIUM_REMOVAL_PREVENTED, /* 5/53/02 */
	SCST_SENSE_UNSUPPORTED_SEGMENT_DESCRIPTOR, /* 5/26/09 */
	SCST_SENSE_TOO_MANY_SEGMENT_DESCRIPTORS, /* 5/26/08 */
	SCST_SENSE_TOO_MANY_TARGET_DESCRIPTORS, /* 5/26/06 */
	SCST_SENSE_UNSUPPORTED_TARGET_DESCRIPTOR, /* 5/26/07 */

	/* NOT READY */
	SCST_SENSE_NOT_READY_MEDIUM_NOT_PRESENT, /* 2/3A/00 */
	SCST_SENSE_NOT_READY_MANUAL_INTERVENTION, /* 2/04/03 */
	SCST_SENSE_NOT_READY_FORMAT_IN_PROGRESS, /* 2/04/04 */
	SCST_SENSE_NOT_READY_SANITIZE_IN_PROGRESS, /* 2/04/1B */
	SCST_SENSE_NOT_READY_TRANSITIONING, /* 2/04/0A ALUA transition */
	SCST_SENSE_NOT_READY_STANDBY, /* 2/04/0B ALUA standby */
	SCST_SENSE_NOT_READY_UNAVAILABLE, /* 2/04/0C ALUA unavailable */
	SCST_SENSE_NOT_READY_OFFLINE, /* 2/04/12 ALUA offline */

	/* MEDIUM ERROR */
	SCST_SENSE_UNRECOVERED_READ_ERROR, /* 3/11/00 */
	SCST_SENSE_WRITE_ERROR, /* 3/0C/00 */
	SCST_SENSE_MEDIUM_ERROR, /* 3/00/00 other backend failure */

	/* HARDWARE ERROR */
	SCST_SENSE_INTERNAL_TARGET_FAILURE, /* 4/44/00 */

	/* DATA PROTECT */
	SCST_SENSE_WRITE_PROTECTED, /* 7/27/00 */
	SCST_SENSE_SPACE_ALLOCATION_FAILED, /* 7/27/07 thin provisioning ENOSPC */

	/* ABORTED COMMAND */
	SCST_SENSE_ABORTED_COMMAND, /* B/00/00 */
	SCST_SENSE_NO_MEMORY, /* B/55/03 insufficient resources */
	SCST_SENSE_DATA_OFFSET_ERROR, /* B/4B/05 iSCSI buffer offset */
	SCST_SENSE_PROTOCOL_SERVICE_CRC_ERROR, /* B/47/05 */

	/* MISCOMPARE */
	SCST_SENSE_MISCOMPARE_DURING_VERIFY, /* E/1D/00, INFORMATION = offset */

	/* UNIT ATTENTION, queued per I_T nexus (tgt_dev) */
	SCST_SENSE_UA_POWER_ON, /* 6/29/01 power on occurred */
	SCST_SENSE_UA_RESET, /* 6/29/00 power on, reset or bus device reset */
	SCST_SENSE_UA_BUS_DEVICE_RESET, /* 6/29/03 */
	SCST_SENSE_UA_I_T_NEXUS_LOSS, /* 6/29/07 */
	SCST_SENSE_UA_MODE_PARAMETERS_CHANGED, /* 6/2A/01 */
	SCST_SENSE_UA_RESERVATIONS_PREEMPTED, /* 6/2A/03 */
	SCST_SENSE_UA_RESERVATIONS_RELEASED, /* 6/2A/04 */
	SCST_SENSE_UA_REGISTRATIONS_PREEMPTED, /* 6/2A/05 */
	SCST_SENSE_UA_ASYMMETRIC_ACCESS_STATE_CHANGED, /* 6/2A/06 */
	SCST_SENSE_UA_CAPACITY_DATA_CHANGED, /* 6/2A/09 */
	SCST_SENSE_UA_MEDIUM_CHANGED, /* 6/28/00 not ready to ready change, medium may have changed */
	SCST_SENSE_UA_COMMANDS_CLEARED_BY_ANOTHER_INITIATOR, /* 6/2F/00 */
	SCST_SENSE_UA_REPORTED_LUNS_DATA_CHANGED, /* 6/3F/0E */
	SCST_SENSE_UA_INQUIRY_DATA_CHANGED, /* 6/3F/03 */

	/* Statuses without sense data. */
	SCST_SENSE_RESERVATION_CONFLICT, /* status 0x18 */
	SCST_SENSE_BUSY, /* status 0x08 */
	SCST_SENSE_TASK_SET_FULL, /* status 0x28 */
	SCST_SENSE_TASK_ABORTED, /* status 0x40 */
	SCST_SENSE_ACA_ACTIVE, /* status 0x30 */

	SCST_SENSE_REASON_COUNT
};

/* What one reason stands for; the single table is in sense.c. */
struct scst_sense_desc {
	uint8_t status; /* enum scst_status */
	uint8_t key; /* enum scst_sense_key, 0 when status is not CHECK CONDITION */
	uint8_t asc;
	uint8_t ascq;
	const char *name; /* for logs and tests */
};

const struct scst_sense_desc *scst_sense_lookup(enum scst_sense_reason reason);

/*
 * Extra detail for one sense: the INFORMATION field (an LBA or an offset)
 * and, for INVALID FIELD IN CDB / PARAMETER LIST, the sense-key specific
 * field pointer (SPC-4 4.5.2.4.2). bit is 0..7 or -1 when not given.
 */
struct scst_sense_detail {
	bool info_valid;
	uint64_t info;
	bool field_valid;
	uint16_t field_byte;
	int8_t field_bit;
};

/*
 * Write the sense bytes for reason into buf (at least SCST_SENSE_BUFFERSIZE
 * bytes). descriptor selects descriptor format (D_SENSE in the control mode
 * page). Returns the sense length, 0 when the reason carries no sense.
 */
unsigned scst_sense_build(uint8_t *buf, enum scst_sense_reason reason,
			  const struct scst_sense_detail *detail, bool descriptor);

/* Decode key/asc/ascq from fixed or descriptor sense; returns false if too short. */
bool scst_sense_parse(const uint8_t *sense, unsigned len, uint8_t *key, uint8_t *asc,
		      uint8_t *ascq);

#endif
