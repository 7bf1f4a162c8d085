// SPDX-License-Identifier: GPL-2.0-only
/*
 * LUN structure (SAM-5 4.7). We address single-level LUNs only: peripheral
 * device addressing (LUN 0..255) and flat space addressing (0..16383), as
 * Linux and SCST do. Every other form is not addressable here.
 */
#include <string.h>
#include "scst/target.h"

/* ADDRESS METHOD, byte 0 bits 7-6 of a first-level LUN (SAM-5 4.7). */
#define ADDR_PERIPHERAL 0x00
#define ADDR_FLAT 0x40
#define ADDR_MASK 0xc0

int64_t scst_lun_decode(const uint8_t raw[8])
{
	unsigned i;

	/* Bytes 2-7 are the second to fourth levels: zero for a single-level LUN (SAM-5 4.7). */
	for (i = 2; i < 8; i++)
		if (raw[i])
			return -1;

	switch (raw[0] & ADDR_MASK) {
	case ADDR_PERIPHERAL:
		/*
		 * Peripheral device addressing (SAM-5 4.7): BUS IDENTIFIER 0 is the
		 * logical unit itself; any other names a bus behind it.
		 */
		if (raw[0] & 0x3f)
			return -1;
		return raw[1];
	case ADDR_FLAT:
		/* Flat space addressing (SAM-5 4.7): 14 bits, byte 0 bits 5-0 and byte 1. */
		return (int64_t)(raw[0] & 0x3f) << 8 | raw[1];
	default:
		/* Logical unit addressing (10b) and extended addressing (11b) are not served. */
		return -1;
	}
}

void scst_lun_encode(uint64_t lun, uint8_t raw[8])
{
	memset(raw, 0, 8);
	if (lun < 256) {
		raw[1] = (uint8_t)lun;
	} else if (lun < SCST_MAX_LUN) {
		raw[0] = ADDR_FLAT | (uint8_t)(lun >> 8);
		raw[1] = (uint8_t)lun;
	} else {
		/*
		 * Not addressable with a single-level LUN. Rather than alias another LUN,
		 * write the extended form LOGICAL UNIT NOT SPECIFIED (SAM-5 4.7, byte 0 FFh),
		 * which scst_lun_decode() rejects.
		 */
		memset(raw, 0xff, 8);
	}
}
