// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sense table and the sense writer: every reason's status and
 * key/ASC/ASCQ through build and parse in both formats, and the exact bytes
 * of fixed (SPC-4 4.5.3) and descriptor (SPC-4 4.5.2) sense with the
 * INFORMATION field and the field pointer (SPC-4 4.5.2.4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scst/sense.h"

struct expect {
	enum scst_sense_reason reason;
	uint8_t status, key, asc, ascq;
};

#define CC SCST_STATUS_CHECK_CONDITION

/* Written from the comments in include/scst/sense.h and SPC-4 annex D, not from sense.c. */
static const struct expect expected[] = {
	{ SCST_SENSE_NONE, SCST_STATUS_GOOD, 0, 0, 0 },
	{ SCST_SENSE_NO_SENSE, CC, 0x0, 0x00, 0x00 },
	{ SCST_SENSE_INVALID_OPCODE, CC, 0x5, 0x20, 0x00 },
	{ SCST_SENSE_INVALID_FIELD_IN_CDB, CC, 0x5, 0x24, 0x00 },
	{ SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST, CC, 0x5, 0x26, 0x00 },
	{ SCST_SENSE_PARAM_LIST_LENGTH_ERROR, CC, 0x5, 0x1a, 0x00 },
	{ SCST_SENSE_LBA_OUT_OF_RANGE, CC, 0x5, 0x21, 0x00 },
	{ SCST_SENSE_LUN_NOT_SUPPORTED, CC, 0x5, 0x25, 0x00 },
	{ SCST_SENSE_SAVING_PARAMS_NOT_SUPPORTED, CC, 0x5, 0x39, 0x00 },
	{ SCST_SENSE_INVALID_RELEASE_OF_PR, CC, 0x5, 0x26, 0x04 },
	{ SCST_SENSE_INSUFFICIENT_REGISTRATION_RESOURCES, CC, 0x5, 0x55, 0x04 },
	{ SCST_SENSE_INVALID_MESSAGE_ERROR, CC, 0x5, 0x49, 0x00 },
	/* SPC-4 EXTENDED COPY: COPY ABORTED, not ILLEGAL REQUEST. */
	{ SCST_SENSE_COPY_TARGET_DEVICE_NOT_REACHABLE, CC, 0xa, 0x0d, 0x02 },
	{ SCST_SENSE_MEDIUM_REMOVAL_PREVENTED, CC, 0x5, 0x53, 0x02 },
	{ SCST_SENSE_UNSUPPORTED_SEGMENT_DESCRIPTOR, CC, 0x5, 0x26, 0x09 },
	{ SCST_SENSE_TOO_MANY_SEGMENT_DESCRIPTORS, CC, 0x5, 0x26, 0x08 },
	{ SCST_SENSE_TOO_MANY_TARGET_DESCRIPTORS, CC, 0x5, 0x26, 0x06 },
	{ SCST_SENSE_UNSUPPORTED_TARGET_DESCRIPTOR, CC, 0x5, 0x26, 0x07 },
	{ SCST_SENSE_NOT_READY_MEDIUM_NOT_PRESENT, CC, 0x2, 0x3a, 0x00 },
	{ SCST_SENSE_NOT_READY_MANUAL_INTERVENTION, CC, 0x2, 0x04, 0x03 },
	{ SCST_SENSE_NOT_READY_FORMAT_IN_PROGRESS, CC, 0x2, 0x04, 0x04 },
	{ SCST_SENSE_NOT_READY_SANITIZE_IN_PROGRESS, CC, 0x2, 0x04, 0x1b },
	{ SCST_SENSE_NOT_READY_TRANSITIONING, CC, 0x2, 0x04, 0x0a },
	{ SCST_SENSE_NOT_READY_STANDBY, CC, 0x2, 0x04, 0x0b },
	{ SCST_SENSE_NOT_READY_UNAVAILABLE, CC, 0x2, 0x04, 0x0c },
	{ SCST_SENSE_NOT_READY_OFFLINE, CC, 0x2, 0x04, 0x12 },
	{ SCST_SENSE_UNRECOVERED_READ_ERROR, CC, 0x3, 0x11, 0x00 },
	{ SCST_SENSE_WRITE_ERROR, CC, 0x3, 0x0c, 0x00 },
	{ SCST_SENSE_MEDIUM_ERROR, CC, 0x3, 0x00, 0x00 },
	{ SCST_SENSE_INTERNAL_TARGET_FAILURE, CC, 0x4, 0x44, 0x00 },
	{ SCST_SENSE_WRITE_PROTECTED, CC, 0x7, 0x27, 0x00 },
	{ SCST_SENSE_SPACE_ALLOCATION_FAILED, CC, 0x7, 0x27, 0x07 },
	{ SCST_SENSE_ABORTED_COMMAND, CC, 0xb, 0x00, 0x00 },
	{ SCST_SENSE_NO_MEMORY, CC, 0xb, 0x55, 0x03 },
	{ SCST_SENSE_DATA_OFFSET_ERROR, CC, 0xb, 0x4b, 0x05 },
	{ SCST_SENSE_PROTOCOL_SERVICE_CRC_ERROR, CC, 0xb, 0x47, 0x05 },
	{ SCST_SENSE_MISCOMPARE_DURING_VERIFY, CC, 0xe, 0x1d, 0x00 },
	{ SCST_SENSE_UA_POWER_ON, CC, 0x6, 0x29, 0x01 },
	{ SCST_SENSE_UA_RESET, CC, 0x6, 0x29, 0x00 },
	{ SCST_SENSE_UA_BUS_DEVICE_RESET, CC, 0x6, 0x29, 0x03 },
	{ SCST_SENSE_UA_I_T_NEXUS_LOSS, CC, 0x6, 0x29, 0x07 },
	{ SCST_SENSE_UA_MODE_PARAMETERS_CHANGED, CC, 0x6, 0x2a, 0x01 },
	{ SCST_SENSE_UA_RESERVATIONS_PREEMPTED, CC, 0x6, 0x2a, 0x03 },
	{ SCST_SENSE_UA_RESERVATIONS_RELEASED, CC, 0x6, 0x2a, 0x04 },
	{ SCST_SENSE_UA_REGISTRATIONS_PREEMPTED, CC, 0x6, 0x2a, 0x05 },
	{ SCST_SENSE_UA_ASYMMETRIC_ACCESS_STATE_CHANGED, CC, 0x6, 0x2a, 0x06 },
	{ SCST_SENSE_UA_CAPACITY_DATA_CHANGED, CC, 0x6, 0x2a, 0x09 },
	{ SCST_SENSE_UA_MEDIUM_CHANGED, CC, 0x6, 0x28, 0x00 },
	{ SCST_SENSE_COPY_ABORTED, CC, 0xa, 0x00, 0x00 },
	{ SCST_SENSE_COPY_ABORTED_WRITE_PROTECTED, CC, 0xa, 0x27, 0x00 },
	{ SCST_SENSE_UA_COMMANDS_CLEARED_BY_ANOTHER_INITIATOR, CC, 0x6, 0x2f, 0x00 },
	{ SCST_SENSE_UA_REPORTED_LUNS_DATA_CHANGED, CC, 0x6, 0x3f, 0x0e },
	{ SCST_SENSE_UA_INQUIRY_DATA_CHANGED, CC, 0x6, 0x3f, 0x03 },
	{ SCST_SENSE_RESERVATION_CONFLICT, SCST_STATUS_RESERVATION_CONFLICT, 0, 0, 0 },
	{ SCST_SENSE_BUSY, SCST_STATUS_BUSY, 0, 0, 0 },
	{ SCST_SENSE_TASK_SET_FULL, SCST_STATUS_TASK_SET_FULL, 0, 0, 0 },
	{ SCST_SENSE_TASK_ABORTED, SCST_STATUS_TASK_ABORTED, 0, 0, 0 },
	{ SCST_SENSE_ACA_ACTIVE, SCST_STATUS_ACA_ACTIVE, 0, 0, 0 },
};

static void test_every_reason(void **state)
{
	bool seen[SCST_SENSE_REASON_COUNT] = { false };

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct expect *e = &expected[i];
		const struct scst_sense_desc *d = scst_sense_lookup(e->reason);
		uint8_t buf[SCST_SENSE_BUFFERSIZE], key, asc, ascq;
		unsigned len;

		seen[e->reason] = true;
		assert_non_null(d);
		assert_non_null(d->name);
		assert_int_equal(d->status, e->status);
		assert_int_equal(d->key, e->key);
		assert_int_equal(d->asc, e->asc);
		assert_int_equal(d->ascq, e->ascq);

		for (int desc = 0; desc < 2; desc++) {
			memset(buf, 0xee, sizeof(buf));
			len = scst_sense_build(buf, e->reason, NULL, desc);
			if (e->status != CC) {
				/* No sense for GOOD and the statuses without sense data. */
				assert_int_equal(len, 0);
				assert_int_equal(buf[0], 0xee);
				continue;
			}
			assert_int_equal(len, desc ? 8 : 18);
			assert_true(scst_sense_parse(buf, len, &key, &asc, &ascq));
			assert_int_equal(key, e->key);
			assert_int_equal(asc, e->asc);
			assert_int_equal(ascq, e->ascq);
		}
	}
	for (unsigned r = 0; r < SCST_SENSE_REASON_COUNT; r++)
		assert_true(seen[r]);
	assert_null(scst_sense_lookup(SCST_SENSE_REASON_COUNT));
	assert_int_equal(scst_sense_build((uint8_t[SCST_SENSE_BUFFERSIZE]){ 0 },
					  SCST_SENSE_REASON_COUNT, NULL, false),
			 0);
}

static void assert_bytes(const uint8_t *got, unsigned got_len, const uint8_t *want,
			 unsigned want_len)
{
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
}

/* INVALID FIELD IN CDB, byte 2 bit 5: SKSV | C/D | BPV | 5 = 0xCD, field pointer 0x0002. */
static void test_fixed_field_pointer(void **state)
{
	static const uint8_t want[18] = {
		0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0x00, 0, 0xcd, 0x00, 0x02,
	};
	struct scst_sense_detail d = { .field_valid = true, .field_byte = 2, .field_bit = 5 };
	uint8_t buf[SCST_SENSE_BUFFERSIZE];

	assert_bytes(buf, scst_sense_build(buf, SCST_SENSE_INVALID_FIELD_IN_CDB, &d, false), want,
		     18);

	/* No bit pointer: BPV clear. A field byte above 255 uses both pointer bytes. */
	d.field_bit = -1;
	d.field_byte = 0x123;
	scst_sense_build(buf, SCST_SENSE_INVALID_FIELD_IN_CDB, &d, false);
	assert_int_equal(buf[15], 0xc0);
	assert_int_equal(buf[16], 0x01);
	assert_int_equal(buf[17], 0x23);

	/* In the parameter list: C/D clear. Byte 3 bit 7 -> SKSV | BPV | 7. */
	d.field_byte = 3;
	d.field_bit = 7;
	scst_sense_build(buf, SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST, &d, false);
	assert_int_equal(buf[2], 0x05);
	assert_int_equal(buf[12], 0x26);
	assert_int_equal(buf[15], 0x8f);
	assert_int_equal(buf[16], 0x00);
	assert_int_equal(buf[17], 0x03);

	/* Byte 9 bit 0: LINK in the CONTROL byte of a 10-byte CDB; BPV with bit pointer 0. */
	d.field_byte = 9;
	d.field_bit = 0;
	scst_sense_build(buf, SCST_SENSE_INVALID_FIELD_IN_CDB, &d, false);
	assert_int_equal(buf[15], 0xc8);
	assert_int_equal(buf[17], 0x09);
}

/* The field pointer is ILLEGAL REQUEST's sense-key specific data only. */
static void test_field_pointer_only_illegal_request(void **state)
{
	struct scst_sense_detail d = { .field_valid = true, .field_byte = 2, .field_bit = 5 };
	uint8_t buf[SCST_SENSE_BUFFERSIZE];

	assert_int_equal(scst_sense_build(buf, SCST_SENSE_UA_RESET, &d, false), 18);
	assert_int_equal(buf[15], 0);
	assert_int_equal(buf[16], 0);
	assert_int_equal(buf[17], 0);
	assert_int_equal(scst_sense_build(buf, SCST_SENSE_UA_RESET, &d, true), 8);
	assert_int_equal(buf[7], 0);
}

static void test_fixed_information(void **state)
{
	static const uint8_t want[18] = {
		0xf0, 0, 0x0e, 0x00, 0x00, 0x12, 0x34, 0x0a, 0, 0, 0, 0, 0x1d, 0x00, 0, 0, 0, 0,
	};
	struct scst_sense_detail d = { .info_valid = true, .info = 0x1234, .field_bit = -1 };
	uint8_t buf[SCST_SENSE_BUFFERSIZE];

	assert_bytes(buf, scst_sense_build(buf, SCST_SENSE_MISCOMPARE_DURING_VERIFY, &d, false),
		     want, 18);

	/* 0xffffffff still fits the four-byte field. */
	d.info = 0xffffffffu;
	scst_sense_build(buf, SCST_SENSE_LBA_OUT_OF_RANGE, &d, false);
	assert_int_equal(buf[0], 0xf0);
	assert_int_equal(buf[3], 0xff);
	assert_int_equal(buf[6], 0xff);

	/* An LBA above 32 bits does not fit fixed format: VALID = 0, field zero. */
	d.info = 0x100000000ull;
	scst_sense_build(buf, SCST_SENSE_LBA_OUT_OF_RANGE, &d, false);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[3] | buf[4] | buf[5] | buf[6], 0);

	/* Without info_valid, VALID stays clear. */
	d.info_valid = false;
	d.info = 7;
	scst_sense_build(buf, SCST_SENSE_LBA_OUT_OF_RANGE, &d, false);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(buf[6], 0);
}

static void test_descriptor_bytes(void **state)
{
	static const uint8_t want_field[16] = {
		0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0x08,
		0x02, 0x06, 0x00, 0x00, 0xcd, 0x00, 0x02, 0x00,
	};
	static const uint8_t want_info[20] = {
		0x72, 0x05, 0x21, 0x00, 0, 0, 0, 0x0c,
		0x00, 0x0a, 0x80, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a,
	};
	static const uint8_t want_both[28] = {
		0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0x14,
		0x00, 0x0a, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0x00, 0x2a,
		0x02, 0x06, 0x00, 0x00, 0xc0, 0x00, 0x07, 0x00,
	};
	static const uint8_t want_plain[8] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 0 };
	struct scst_sense_detail d = { .field_valid = true, .field_byte = 2, .field_bit = 5 };
	uint8_t buf[SCST_SENSE_BUFFERSIZE];

	assert_bytes(buf, scst_sense_build(buf, SCST_SENSE_INVALID_FIELD_IN_CDB, &d, true),
		     want_field, sizeof(want_field));

	d = (struct scst_sense_detail){ .info_valid = true, .info = 0x123456789aull };
	assert_bytes(buf, scst_sense_build(buf, SCST_SENSE_LBA_OUT_OF_RANGE, &d, true), want_info,
		     sizeof(want_info));

	d = (struct scst_sense_detail){ .info_valid = true, .info = 42, .field_valid = true,
					.field_byte = 7, .field_bit = -1 };
	assert_bytes(buf, scst_sense_build(buf, SCST_SENSE_INVALID_FIELD_IN_CDB, &d, true),
		     want_both, sizeof(want_both));

	assert_bytes(buf, scst_sense_build(buf, SCST_SENSE_UA_RESET, NULL, true), want_plain,
		     sizeof(want_plain));
}

static void test_parse(void **state)
{
	uint8_t key = 0xff, asc = 0xff, ascq = 0xff;
	uint8_t fixed[18] = { 0x71, 0, 0x0b, [7] = 10, [12] = 0x47, [13] = 0x05 };
	uint8_t desc[8] = { 0x73, 0x06, 0x2a, 0x09 };
	uint8_t bad[18] = { 0x7f, 0, 0x05, [12] = 0x24 };

	/* Deferred errors are decoded like current ones. */
	assert_true(scst_sense_parse(fixed, 18, &key, &asc, &ascq));
	assert_int_equal(key, 0xb);
	assert_int_equal(asc, 0x47);
	assert_int_equal(ascq, 0x05);
	assert_true(scst_sense_parse(desc, 4, &key, &asc, &ascq));
	assert_int_equal(key, 0x6);
	assert_int_equal(asc, 0x2a);
	assert_int_equal(ascq, 0x09);
	/* The VALID bit does not change the response code. */
	fixed[0] = 0xf0;
	assert_true(scst_sense_parse(fixed, 14, &key, NULL, NULL));
	assert_int_equal(key, 0xb);

	/* Too short, empty or unknown response codes. */
	assert_false(scst_sense_parse(fixed, 13, &key, &asc, &ascq));
	assert_int_equal(key, 0);
	assert_int_equal(asc, 0);
	assert_false(scst_sense_parse(desc, 3, &key, &asc, &ascq));
	assert_false(scst_sense_parse(desc, 0, &key, &asc, &ascq));
	assert_false(scst_sense_parse(NULL, 18, &key, &asc, &ascq));
	assert_false(scst_sense_parse(bad, 18, &key, &asc, &ascq));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason),
		cmocka_unit_test(test_fixed_field_pointer),
		cmocka_unit_test(test_field_pointer_only_illegal_request),
		cmocka_unit_test(test_fixed_information),
		cmocka_unit_test(test_descriptor_bytes),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
