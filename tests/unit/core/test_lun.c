// SPDX-License-Identifier: GPL-2.0-only
/*
 * LUN addressing (SAM-5 4.7): single-level peripheral device (0..255) and
 * flat space (0..16383) LUNs round-trip; every other form decodes to -1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scst/target.h"

static void test_round_trip(void **state)
{
	for (uint64_t lun = 0; lun < SCST_MAX_LUN; lun++) {
		uint8_t raw[8];

		memset(raw, 0xaa, sizeof(raw));
		scst_lun_encode(lun, raw);
		if (lun < 256) {
			/* Peripheral device addressing, bus identifier 0. */
			assert_int_equal(raw[0], 0x00);
			assert_int_equal(raw[1], lun);
		} else {
			/* Flat space addressing: 01b and the 14-bit LUN. */
			assert_int_equal(raw[0], 0x40 | (lun >> 8));
			assert_int_equal(raw[1], lun & 0xff);
		}
		for (int i = 2; i < 8; i++)
			assert_int_equal(raw[i], 0);
		assert_int_equal(scst_lun_decode(raw), (int64_t)lun);
	}
}

static void test_exact_bytes(void **state)
{
	uint8_t raw[8];

	scst_lun_encode(0, raw);
	assert_memory_equal(raw, ((uint8_t[8]){ 0 }), 8);
	scst_lun_encode(255, raw);
	assert_memory_equal(raw, ((uint8_t[8]){ 0x00, 0xff }), 8);
	scst_lun_encode(256, raw);
	assert_memory_equal(raw, ((uint8_t[8]){ 0x41, 0x00 }), 8);
	scst_lun_encode(16383, raw);
	assert_memory_equal(raw, ((uint8_t[8]){ 0x7f, 0xff }), 8);
}

/* Flat space may also name LUNs below 256 (Linux sends these for some LUNs). */
static void test_flat_below_256(void **state)
{
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0x40, 0x00 }), 0);
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0x40, 0x05 }), 5);
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0x40, 0xff }), 255);
}

static void test_rejected(void **state)
{
	/* Peripheral device addressing with a non-zero bus identifier. */
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0x01, 0x00 }), -1);
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0x3f, 0x05 }), -1);
	/* Logical unit addressing (10b). */
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0x80, 0x01 }), -1);
	/* Extended addressing (11b), e.g. extended flat space and the well-known LUNs. */
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0xd2, 0x00, 0x01, 0x00 }), -1);
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0xc1, 0x01 }), -1);
	assert_int_equal(scst_lun_decode((uint8_t[8]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						       0xff }),
			 -1);
	/* A second level (or any non-zero byte 2-7). */
	for (int i = 2; i < 8; i++) {
		uint8_t raw[8] = { 0x00, 0x01 };

		raw[i] = 0x01;
		assert_int_equal(scst_lun_decode(raw), -1);
		raw[0] = 0x40;
		assert_int_equal(scst_lun_decode(raw), -1);
	}
}

/* A LUN with no single-level form is not aliased onto another LUN. */
static void test_encode_out_of_range(void **state)
{
	static const uint64_t luns[] = { SCST_MAX_LUN, 16384 + 5, 0xffffff, UINT64_MAX };

	for (size_t i = 0; i < sizeof(luns) / sizeof(luns[0]); i++) {
		uint8_t raw[8];

		scst_lun_encode(luns[i], raw);
		assert_int_equal(scst_lun_decode(raw), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_flat_below_256),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_encode_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
