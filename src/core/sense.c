// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sense as data: the one table from enum scst_sense_reason to status, sense
 * key, ASC and ASCQ, and the one place that writes sense bytes (SPC-4 4.5).
 * Everything else in the framework passes reasons around.
 */
#include <string.h>
#include "scst/sense.h"

/*
 * A row of the table. cd says that the sense-key specific field pointer of
 * this reason points into the CDB rather than into the parameter list
 * (C/D bit, SPC-4 4.5.2.4.2).
 */
struct sense_row {
	struct scst_sense_desc d;
	bool cd;
};

#define CC(k, a, q, n) { .d = { SCST_STATUS_CHECK_CONDITION, (k), (a), (q), (n) } }
#define CC_CDB(k, a, q, n) { .d = { SCST_STATUS_CHECK_CONDITION, (k), (a), (q), (n) }, .cd = true }
#define STATUS(s, n) { .d = { (s), 0, 0, 0, (n) } }

/* ASC/ASCQ values and names from SPC-4 annex D. */
static const struct sense_row sense_table[SCST_SENSE_REASON_COUNT] = {
	[SCST_SENSE_NONE] = STATUS(SCST_STATUS_GOOD, "GOOD"),
	[SCST_SENSE_NO_SENSE] = CC(SCST_KEY_NO_SENSE, 0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"),

	[SCST_SENSE_INVALID_OPCODE] =
		CC_CDB(SCST_KEY_ILLEGAL_REQUEST, 0x20, 0x00, "INVALID COMMAND OPERATION CODE"),
	[SCST_SENSE_INVALID_FIELD_IN_CDB] =
		CC_CDB(SCST_KEY_ILLEGAL_REQUEST, 0x24, 0x00, "INVALID FIELD IN CDB"),
	[SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x26, 0x00, "INVALID FIELD IN PARAMETER LIST"),
	/* The field in error is the PARAMETER LIST LENGTH field of the CDB. */
	[SCST_SENSE_PARAM_LIST_LENGTH_ERROR] =
		CC_CDB(SCST_KEY_ILLEGAL_REQUEST, 0x1a, 0x00, "PARAMETER LIST LENGTH ERROR"),
	[SCST_SENSE_LBA_OUT_OF_RANGE] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE"),
	[SCST_SENSE_LUN_NOT_SUPPORTED] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"),
	[SCST_SENSE_SAVING_PARAMS_NOT_SUPPORTED] =
		CC_CDB(SCST_KEY_ILLEGAL_REQUEST, 0x39, 0x00, "SAVING PARAMETERS NOT SUPPORTED"),
	[SCST_SENSE_INVALID_RELEASE_OF_PR] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x26, 0x04,
		   "INVALID RELEASE OF PERSISTENT RESERVATION"),
	[SCST_SENSE_INSUFFICIENT_REGISTRATION_RESOURCES] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x55, 0x04, "INSUFFICIENT REGISTRATION RESOURCES"),
	[SCST_SENSE_INVALID_MESSAGE_ERROR] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x49, 0x00, "INVALID MESSAGE ERROR"),
	/*
	 * SPC-4 EXTENDED COPY: a copy target that cannot be reached ends the
	 * copy with sense key COPY ABORTED, not ILLEGAL REQUEST.
	 */
	[SCST_SENSE_COPY_TARGET_DEVICE_NOT_REACHABLE] =
		CC(SCST_KEY_COPY_ABORTED, 0x0d, 0x02, "COPY TARGET DEVICE NOT REACHABLE"),
	[SCST_SENSE_COPY_ABORTED] = CC(SCST_KEY_COPY_ABORTED, 0x00, 0x00, "COPY ABORTED"),
	[SCST_SENSE_COPY_ABORTED_WRITE_PROTECTED] =
		CC(SCST_KEY_COPY_ABORTED, 0x27, 0x00, "COPY ABORTED, WRITE PROTECTED"),
	[SCST_SENSE_MEDIUM_REMOVAL_PREVENTED] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x53, 0x02, "MEDIUM REMOVAL PREVENTED"),
	[SCST_SENSE_UNSUPPORTED_SEGMENT_DESCRIPTOR] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x26, 0x09,
		   "UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE"),
	[SCST_SENSE_TOO_MANY_SEGMENT_DESCRIPTORS] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x26, 0x08, "TOO MANY SEGMENT DESCRIPTORS"),
	[SCST_SENSE_TOO_MANY_TARGET_DESCRIPTORS] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x26, 0x06, "TOO MANY TARGET DESCRIPTORS"),
	[SCST_SENSE_UNSUPPORTED_TARGET_DESCRIPTOR] =
		CC(SCST_KEY_ILLEGAL_REQUEST, 0x26, 0x07, "UNSUPPORTED TARGET DESCRIPTOR TYPE CODE"),

	[SCST_SENSE_NOT_READY_MEDIUM_NOT_PRESENT] =
		CC(SCST_KEY_NOT_READY, 0x3a, 0x00, "MEDIUM NOT PRESENT"),
	[SCST_SENSE_NOT_READY_MANUAL_INTERVENTION] =
		CC(SCST_KEY_NOT_READY, 0x04, 0x03,
		   "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED"),
	[SCST_SENSE_NOT_READY_FORMAT_IN_PROGRESS] =
		CC(SCST_KEY_NOT_READY, 0x04, 0x04, "LOGICAL UNIT NOT READY, FORMAT IN PROGRESS"),
	[SCST_SENSE_NOT_READY_SANITIZE_IN_PROGRESS] =
		CC(SCST_KEY_NOT_READY, 0x04, 0x1b, "LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS"),
	[SCST_SENSE_NOT_READY_TRANSITIONING] =
		CC(SCST_KEY_NOT_READY, 0x04, 0x0a,
		   "LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION"),
	[SCST_SENSE_NOT_READY_STANDBY] =
		CC(SCST_KEY_NOT_READY, 0x04, 0x0b,
		   "LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE"),
	[SCST_SENSE_NOT_READY_UNAVAILABLE] =
		CC(SCST_KEY_NOT_READY, 0x04, 0x0c,
		   "LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE"),
	[SCST_SENSE_NOT_READY_OFFLINE] = CC(SCST_KEY_NOT_READY, 0x04, 0x12, "LOGICAL UNIT NOT READY, OFFLINE"),

	[SCST_SENSE_UNRECOVERED_READ_ERROR] =
		CC(SCST_KEY_MEDIUM_ERROR, 0x11, 0x00, "UNRECOVERED READ ERROR"),
	[SCST_SENSE_WRITE_ERROR] = CC(SCST_KEY_MEDIUM_ERROR, 0x0c, 0x00, "WRITE ERROR"),
	[SCST_SENSE_MEDIUM_ERROR] =
		CC(SCST_KEY_MEDIUM_ERROR, 0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"),

	[SCST_SENSE_INTERNAL_TARGET_FAILURE] =
		CC(SCST_KEY_HARDWARE_ERROR, 0x44, 0x00, "INTERNAL TARGET FAILURE"),

	[SCST_SENSE_WRITE_PROTECTED] = CC(SCST_KEY_DATA_PROTECT, 0x27, 0x00, "WRITE PROTECTED"),
	[SCST_SENSE_SPACE_ALLOCATION_FAILED] =
		CC(SCST_KEY_DATA_PROTECT, 0x27, 0x07, "SPACE ALLOCATION FAILED WRITE PROTECT"),

	[SCST_SENSE_ABORTED_COMMAND] =
		CC(SCST_KEY_ABORTED_COMMAND, 0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION"),
	[SCST_SENSE_NO_MEMORY] =
		CC(SCST_KEY_ABORTED_COMMAND, 0x55, 0x03, "INSUFFICIENT RESOURCES"),
	[SCST_SENSE_DATA_OFFSET_ERROR] =
		CC(SCST_KEY_ABORTED_COMMAND, 0x4b, 0x05, "DATA OFFSET ERROR"),
	[SCST_SENSE_PROTOCOL_SERVICE_CRC_ERROR] =
		CC(SCST_KEY_ABORTED_COMMAND, 0x47, 0x05, "PROTOCOL SERVICE CRC ERROR"),

	[SCST_SENSE_MISCOMPARE_DURING_VERIFY] =
		CC(SCST_KEY_MISCOMPARE, 0x1d, 0x00, "MISCOMPARE DURING VERIFY OPERATION"),

	[SCST_SENSE_UA_POWER_ON] = CC(SCST_KEY_UNIT_ATTENTION, 0x29, 0x01, "POWER ON OCCURRED"),
	[SCST_SENSE_UA_RESET] = CC(SCST_KEY_UNIT_ATTENTION, 0x29, 0x00,
				   "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"),
	[SCST_SENSE_UA_BUS_DEVICE_RESET] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x29, 0x03, "BUS DEVICE RESET FUNCTION OCCURRED"),
	[SCST_SENSE_UA_I_T_NEXUS_LOSS] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x29, 0x07, "I_T NEXUS LOSS OCCURRED"),
	[SCST_SENSE_UA_MODE_PARAMETERS_CHANGED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2a, 0x01, "MODE PARAMETERS CHANGED"),
	[SCST_SENSE_UA_RESERVATIONS_PREEMPTED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2a, 0x03, "RESERVATIONS PREEMPTED"),
	[SCST_SENSE_UA_RESERVATIONS_RELEASED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2a, 0x04, "RESERVATIONS RELEASED"),
	[SCST_SENSE_UA_REGISTRATIONS_PREEMPTED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2a, 0x05, "REGISTRATIONS PREEMPTED"),
	[SCST_SENSE_UA_ASYMMETRIC_ACCESS_STATE_CHANGED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2a, 0x06, "ASYMMETRIC ACCESS STATE CHANGED"),
	[SCST_SENSE_UA_CAPACITY_DATA_CHANGED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2a, 0x09, "CAPACITY DATA HAS CHANGED"),
	[SCST_SENSE_UA_MEDIUM_CHANGED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x28, 0x00, "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED"),
	[SCST_SENSE_UA_COMMANDS_CLEARED_BY_ANOTHER_INITIATOR] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x2f, 0x00, "COMMANDS CLEARED BY ANOTHER INITIATOR"),
	[SCST_SENSE_UA_REPORTED_LUNS_DATA_CHANGED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x3f, 0x0e, "REPORTED LUNS DATA HAS CHANGED"),
	[SCST_SENSE_UA_INQUIRY_DATA_CHANGED] =
		CC(SCST_KEY_UNIT_ATTENTION, 0x3f, 0x03, "INQUIRY DATA HAS CHANGED"),

	[SCST_SENSE_RESERVATION_CONFLICT] =
		STATUS(SCST_STATUS_RESERVATION_CONFLICT, "RESERVATION CONFLICT"),
	[SCST_SENSE_BUSY] = STATUS(SCST_STATUS_BUSY, "BUSY"),
	[SCST_SENSE_TASK_SET_FULL] = STATUS(SCST_STATUS_TASK_SET_FULL, "TASK SET FULL"),
	[SCST_SENSE_TASK_ABORTED] = STATUS(SCST_STATUS_TASK_ABORTED, "TASK ABORTED"),
	[SCST_SENSE_ACA_ACTIVE] = STATUS(SCST_STATUS_ACA_ACTIVE, "ACA ACTIVE"),
};

const struct scst_sense_desc *scst_sense_lookup(enum scst_sense_reason reason)
{
	if ((unsigned)reason >= SCST_SENSE_REASON_COUNT)
		return NULL;
	return &sense_table[reason].d;
}

/* Fixed and descriptor format layout (SPC-4 4.5.2, 4.5.3). */
#define FIXED_LEN 18 /* additional sense length 10 */
#define DESC_HDR_LEN 8
#define INFO_DESC_LEN 12 /* SPC-4 4.5.2.2: type 00h, additional length 0Ah */
#define SKS_DESC_LEN 8 /* SPC-4 4.5.2.4: type 02h, additional length 06h */

/*
 * The three sense-key specific bytes of a field pointer (SPC-4 4.5.2.4.2):
 * SKSV, C/D (1 = CDB, 0 = parameter data), BPV with the bit pointer, and
 * the byte of the field in bytes 1-2.
 */
static void put_field_pointer(uint8_t *p, bool cd, const struct scst_sense_detail *detail)
{
	p[0] = 0x80;
	if (cd)
		p[0] |= 0x40;
	if (detail->field_bit >= 0 && detail->field_bit <= 7)
		p[0] |= 0x08 | (uint8_t)detail->field_bit;
	scst_put_be16(p + 1, detail->field_byte);
}

unsigned scst_sense_build(uint8_t *buf, enum scst_sense_reason reason,
			  const struct scst_sense_detail *detail, bool descriptor)
{
	const struct sense_row *row;
	bool info, field;
	unsigned len;

	if ((unsigned)reason >= SCST_SENSE_REASON_COUNT)
		return 0;
	row = &sense_table[reason];
	if (row->d.status != SCST_STATUS_CHECK_CONDITION)
		return 0;

	info = detail && detail->info_valid;
	/* A field pointer is ILLEGAL REQUEST's sense-key specific data (SPC-4 4.5.2.4). */
	field = detail && detail->field_valid && row->d.key == SCST_KEY_ILLEGAL_REQUEST;

	if (!descriptor) {
		memset(buf, 0, FIXED_LEN);
		buf[0] = 0x70; /* current error, fixed format */
		buf[2] = row->d.key;
		/*
		 * SPC-4 4.5.3: the INFORMATION field has four bytes; a value that does not
		 * fit (an LBA above 2^32 - 1) is reported with VALID = 0 (SBC-3 4.18.1).
		 */
		if (info && detail->info <= UINT32_MAX) {
			buf[0] |= 0x80;
			scst_put_be32(buf + 3, (uint32_t)detail->info);
		}
		buf[7] = FIXED_LEN - 8;
		buf[12] = row->d.asc;
		buf[13] = row->d.ascq;
		if (field)
			put_field_pointer(buf + 15, row->cd, detail);
		return FIXED_LEN;
	}

	memset(buf, 0, DESC_HDR_LEN + INFO_DESC_LEN + SKS_DESC_LEN);
	buf[0] = 0x72; /* current error, descriptor format */
	buf[1] = row->d.key;
	buf[2] = row->d.asc;
	buf[3] = row->d.ascq;
	len = DESC_HDR_LEN;
	if (info) {
		uint8_t *d = buf + len;

		d[0] = 0x00;
		d[1] = INFO_DESC_LEN - 2;
		d[2] = 0x80; /* VALID shall be one (SPC-4 4.5.2.2) */
		scst_put_be64(d + 4, detail->info);
		len += INFO_DESC_LEN;
	}
	if (field) {
		uint8_t *d = buf + len;

		d[0] = 0x02;
		d[1] = SKS_DESC_LEN - 2;
		put_field_pointer(d + 4, row->cd, detail);
		len += SKS_DESC_LEN;
	}
	buf[7] = (uint8_t)(len - DESC_HDR_LEN);
	return len;
}

bool scst_sense_parse(const uint8_t *sense, unsigned len, uint8_t *key, uint8_t *asc,
		      uint8_t *ascq)
{
	uint8_t k = 0, a = 0, q = 0;
	bool ok = false;

	if (sense && len >= 1) {
		switch (sense[0] & 0x7f) {
		case 0x70: /* fixed, current or deferred (SPC-4 4.5.3) */
		case 0x71:
			if (len >= 14) {
				k = sense[2] & 0x0f;
				a = sense[12];
				q = sense[13];
				ok = true;
			}
			break;
		case 0x72: /* descriptor, current or deferred (SPC-4 4.5.2) */
		case 0x73:
			if (len >= 4) {
				k = sense[1] & 0x0f;
				a = sense[2];
				q = sense[3];
				ok = true;
			}
			break;
		default:
			break;
		}
	}
	if (key)
		*key = k;
	if (asc)
		*asc = a;
	if (ascq)
		*ascq = q;
	return ok;
}
