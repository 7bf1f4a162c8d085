// SPDX-License-Identifier: GPL-2.0-only
/*
 * The opcode table and CDB parser: direction and exact transfer length of
 * every command we classify, at 512 and 4096-byte blocks; LBA and block
 * count decoding; INVALID COMMAND OPERATION CODE and INVALID FIELD IN CDB
 * with the exact byte and bit (SPC-4 4.5.2.4.2); and properties of the
 * table itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core_priv.h"
#include "opcodes.h"

#define ALL_CAPS (SCST_DH_CAP_FLUSH | SCST_DH_CAP_WRITE_ZEROES | SCST_DH_CAP_UNMAP | \
		  SCST_DH_CAP_LBA_STATUS | SCST_CAP_ALUA)

static struct scst_cmd *cmd_new(const uint8_t *cdb, unsigned len)
{
	struct scst_cmd *cmd = calloc(1, sizeof(*cmd));

	assert_non_null(cmd);
	memcpy(cmd->cdb, cdb, len);
	cmd->cdb_len = (uint8_t)len;
	return cmd;
}

static enum scst_sense_reason parse(struct scst_cmd *cmd, uint8_t type, uint32_t caps,
				    uint32_t bs)
{
	cmd->reason = SCST_SENSE_NONE;
	memset(&cmd->detail, 0, sizeof(cmd->detail));
	return scst_opcode_parse(cmd, type, caps, bs);
}

/* How the expected length of a case scales: not at all, per block, or one block. */
enum unit { BYTES, BLOCKS };

struct pcase {
	const char *name;
	uint8_t cdb[16];
	uint8_t len;
	enum scst_data_dir dir;
	enum unit unit;
	uint32_t n; /* bytes, or blocks when unit is BLOCKS */
	uint64_t lba;
	uint32_t nblocks;
	bool fua;
};

#define L4(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)
#define L2(v) (uint8_t)((v) >> 8), (uint8_t)(v)

/* Positional rows keep the table readable; trailing fields default to zero. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct pcase cases[] = {
	{ "TEST UNIT READY", { 0x00 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "REQUEST SENSE", { 0x03, 0x01, 0, 0, 252, 0 }, 6, SCST_DATA_READ, BYTES, 252 },
	{ "INQUIRY", { 0x12, 0x01, 0x83, L2(300), 0 }, 6, SCST_DATA_READ, BYTES, 300 },
	{ "MODE SELECT(6)", { 0x15, 0x10, 0, 0, 24, 0 }, 6, SCST_DATA_WRITE, BYTES, 24 },
	{ "MODE SELECT(10)", { 0x55, 0x11, 0, 0, 0, 0, 0, L2(256), 0 }, 10, SCST_DATA_WRITE,
	  BYTES, 256 },
	{ "MODE SENSE(6)", { 0x1a, 0x08, 0x3f, 0xff, 192, 0 }, 6, SCST_DATA_READ, BYTES, 192 },
	{ "MODE SENSE(10)", { 0x5a, 0x18, 0x3f, 0, 0, 0, 0, L2(4096), 0 }, 10, SCST_DATA_READ,
	  BYTES, 4096 },
	{ "START STOP UNIT", { 0x1b, 0x01, 0, 0, 0x03, 0 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "PREVENT ALLOW", { 0x1e, 0, 0, 0, 0x01, 0 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "READ CAPACITY(10)", { 0x25 }, 10, SCST_DATA_READ, BYTES, 8 },
	{ "READ CAPACITY(16)", { 0x9e, 0x10, [10] = L4(32) }, 16, SCST_DATA_READ, BYTES, 32 },
	{ "GET LBA STATUS", { 0x9e, 0x12, 0, 0, 0, 0, L4(0x1000), L4(4096) }, 16,
	  SCST_DATA_READ, BYTES, 4096, 0x1000, 1 },
	{ "READ(6) 0 means 256", { 0x08, 0x1f, 0xff, 0xff, 0, 0 }, 6, SCST_DATA_READ, BLOCKS, 256,
	  0x1fffff, 256 },
	{ "READ(6)", { 0x08, 0x01, 0x02, 0x03, 8, 0 }, 6, SCST_DATA_READ, BLOCKS, 8, 0x10203, 8 },
	{ "WRITE(6) 0 means 256", { 0x0a, 0x00, 0x00, 0x07, 0, 0 }, 6, SCST_DATA_WRITE, BLOCKS,
	  256, 7, 256 },
	{ "WRITE(6)", { 0x0a, 0x10, 0x00, 0x00, 1, 0 }, 6, SCST_DATA_WRITE, BLOCKS, 1, 0x100000,
	  1 },
	{ "READ(10) FUA", { 0x28, 0x08, L4(0x1000), 0, L2(32), 0 }, 10, SCST_DATA_READ, BLOCKS,
	  32, 0x1000, 32, true },
	{ "READ(10) DPO", { 0x28, 0x10, L4(0xfffffffe), 0x1f, L2(0xffff), 0 }, 10,
	  SCST_DATA_READ, BLOCKS, 0xffff, 0xfffffffe, 0xffff },
	{ "READ(10) zero length", { 0x28, 0, L4(5), 0, 0, 0, 0 }, 10, SCST_DATA_NONE, BYTES, 0,
	  5, 0 },
	{ "READ(12)", { 0xa8, 0, L4(77), L4(9), 0, 0 }, 12, SCST_DATA_READ, BLOCKS, 9, 77, 9 },
	{ "READ(16)", { 0x88, 0x08, L4(0x12), L4(0x3456789a), L4(128), 0, 0 }, 16,
	  SCST_DATA_READ, BLOCKS, 128, 0x123456789aull, 128, true },
	{ "READ(16) zero length", { 0x88, 0, [9] = 1 }, 16, SCST_DATA_NONE, BYTES, 0, 1, 0 },
	{ "WRITE(10)", { 0x2a, 0, L4(1), 0, L2(8), 0 }, 10, SCST_DATA_WRITE, BLOCKS, 8, 1, 8 },
	{ "WRITE(10) FUA", { 0x2a, 0x08, L4(2), 0, L2(1), 0 }, 10, SCST_DATA_WRITE, BLOCKS, 1, 2,
	  1, true },
	{ "WRITE(10) zero length", { 0x2a, 0, L4(2), 0, 0, 0, 0 }, 10, SCST_DATA_NONE, BYTES, 0,
	  2, 0 },
	{ "WRITE(12)", { 0xaa, 0x08, L4(3), L4(16), 0, 0 }, 12, SCST_DATA_WRITE, BLOCKS, 16, 3,
	  16, true },
	{ "WRITE(16)", { 0x8a, 0, L4(1), L4(0), L4(256), 0, 0 }, 16, SCST_DATA_WRITE, BLOCKS,
	  256, 0x100000000ull, 256 },
	{ "WRITE AND VERIFY(10)", { 0x2e, 0x02, L4(4), 0, L2(4), 0 }, 10, SCST_DATA_WRITE, BLOCKS,
	  4, 4, 4 },
	{ "WRITE AND VERIFY(10) BYTCHK 0", { 0x2e, 0x00, L4(4), 0, L2(3), 0 }, 10,
	  SCST_DATA_WRITE, BLOCKS, 3, 4, 3 },
	{ "WRITE AND VERIFY(12)", { 0xae, 0x02, L4(5), L4(5), 0, 0 }, 12, SCST_DATA_WRITE,
	  BLOCKS, 5, 5, 5 },
	{ "WRITE AND VERIFY(16)", { 0x8e, 0x10, L4(0), L4(6), L4(6), 0, 0 }, 16,
	  SCST_DATA_WRITE, BLOCKS, 6, 6, 6 },
	{ "VERIFY(10) BYTCHK 0", { 0x2f, 0x00, L4(8), 0, L2(16), 0 }, 10, SCST_DATA_NONE, BYTES,
	  0, 8, 16 },
	{ "VERIFY(10) BYTCHK 1", { 0x2f, 0x02, L4(8), 0, L2(16), 0 }, 10, SCST_DATA_WRITE,
	  BLOCKS, 16, 8, 16 },
	{ "VERIFY(10) BYTCHK 3", { 0x2f, 0x06, L4(8), 0, L2(16), 0 }, 10, SCST_DATA_WRITE,
	  BLOCKS, 1, 8, 16 },
	{ "VERIFY(10) BYTCHK 3 zero length", { 0x2f, 0x06, L4(8), 0, 0, 0, 0 }, 10,
	  SCST_DATA_NONE, BYTES, 0, 8, 0 },
	{ "VERIFY(12) BYTCHK 0", { 0xaf, 0x10, L4(9), L4(2), 0, 0 }, 12, SCST_DATA_NONE, BYTES,
	  0, 9, 2 },
	{ "VERIFY(12) BYTCHK 1", { 0xaf, 0x02, L4(9), L4(2), 0, 0 }, 12, SCST_DATA_WRITE, BLOCKS,
	  2, 9, 2 },
	{ "VERIFY(12) BYTCHK 3", { 0xaf, 0x06, L4(9), L4(2), 0, 0 }, 12, SCST_DATA_WRITE, BLOCKS,
	  1, 9, 2 },
	{ "VERIFY(16) BYTCHK 0", { 0x8f, 0x00, L4(0), L4(10), L4(3), 0, 0 }, 16, SCST_DATA_NONE,
	  BYTES, 0, 10, 3 },
	{ "VERIFY(16) BYTCHK 1", { 0x8f, 0x02, L4(0), L4(10), L4(3), 0, 0 }, 16,
	  SCST_DATA_WRITE, BLOCKS, 3, 10, 3 },
	{ "VERIFY(16) BYTCHK 3", { 0x8f, 0x06, L4(0), L4(10), L4(3), 0, 0 }, 16,
	  SCST_DATA_WRITE, BLOCKS, 1, 10, 3 },
	{ "SYNCHRONIZE CACHE(10)", { 0x35, 0x02, L4(100), 0, L2(50), 0 }, 10, SCST_DATA_NONE,
	  BYTES, 0, 100, 50 },
	{ "SYNCHRONIZE CACHE(16)", { 0x91, 0, L4(0), L4(200), L4(0), 0, 0 }, 16, SCST_DATA_NONE,
	  BYTES, 0, 200, 0 },
	{ "REPORT LUNS", { 0xa0, 0, 0x02, 0, 0, 0, L4(4096), 0, 0 }, 12, SCST_DATA_READ, BYTES,
	  4096 },
	{ "REPORT SUPPORTED OPERATION CODES", { 0xa3, 0x0c, 0x82, 0x28, 0, 0, L4(512), 0, 0 },
	  12, SCST_DATA_READ, BYTES, 512 },
	{ "REPORT SUPPORTED TMFS", { 0xa3, 0x0d, 0x80, 0, 0, 0, L4(16), 0, 0 }, 12,
	  SCST_DATA_READ, BYTES, 16 },
	{ "REPORT TARGET PORT GROUPS", { 0xa3, 0x2a, 0, 0, 0, 0, L4(1024), 0, 0 }, 12,
	  SCST_DATA_READ, BYTES, 1024 },
	{ "SET TARGET PORT GROUPS", { 0xa4, 0x0a, 0, 0, 0, 0, L4(32), 0, 0 }, 12,
	  SCST_DATA_WRITE, BYTES, 32 },
	{ "RESERVE(6)", { 0x16 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "RELEASE(6)", { 0x17 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "RESERVE(10)", { 0x56 }, 10, SCST_DATA_NONE, BYTES, 0 },
	{ "RELEASE(10)", { 0x57 }, 10, SCST_DATA_NONE, BYTES, 0 },
	{ "PR IN READ KEYS", { 0x5e, 0x00, 0, 0, 0, 0, 0, L2(8192), 0 }, 10, SCST_DATA_READ,
	  BYTES, 8192 },
	{ "PR IN READ RESERVATION", { 0x5e, 0x01, 0, 0, 0, 0, 0, L2(24), 0 }, 10,
	  SCST_DATA_READ, BYTES, 24 },
	{ "PR IN REPORT CAPABILITIES", { 0x5e, 0x02, 0, 0, 0, 0, 0, L2(8), 0 }, 10,
	  SCST_DATA_READ, BYTES, 8 },
	{ "PR IN READ FULL STATUS", { 0x5e, 0x03, 0, 0, 0, 0, 0, L2(1000), 0 }, 10,
	  SCST_DATA_READ, BYTES, 1000 },
	{ "PR OUT REGISTER", { 0x5f, 0x00, 0x00, 0, 0, L4(24), 0 }, 10, SCST_DATA_WRITE, BYTES,
	  24 },
	{ "PR OUT RESERVE", { 0x5f, 0x01, 0x01, 0, 0, L4(24), 0 }, 10, SCST_DATA_WRITE, BYTES,
	  24 },
	{ "PR OUT RELEASE", { 0x5f, 0x02, 0x03, 0, 0, L4(24), 0 }, 10, SCST_DATA_WRITE, BYTES,
	  24 },
	{ "PR OUT CLEAR", { 0x5f, 0x03, 0, 0, 0, L4(24), 0 }, 10, SCST_DATA_WRITE, BYTES, 24 },
	{ "PR OUT PREEMPT", { 0x5f, 0x04, 0x05, 0, 0, L4(24), 0 }, 10, SCST_DATA_WRITE, BYTES,
	  24 },
	{ "PR OUT PREEMPT AND ABORT", { 0x5f, 0x05, 0x06, 0, 0, L4(24), 0 }, 10,
	  SCST_DATA_WRITE, BYTES, 24 },
	{ "PR OUT REGISTER AND IGNORE", { 0x5f, 0x06, 0, 0, 0, L4(24), 0 }, 10, SCST_DATA_WRITE,
	  BYTES, 24 },
	{ "PR OUT REGISTER AND MOVE", { 0x5f, 0x07, 0x01, 0, 0, L4(0x10000), 0 }, 10,
	  SCST_DATA_WRITE, BYTES, 0x10000 },
	{ "PR OUT REPLACE LOST RESERVATION", { 0x5f, 0x08, 0x01, 0, 0, L4(24), 0 }, 10,
	  SCST_DATA_WRITE, BYTES, 24 },
	{ "UNMAP", { 0x42, 0, 0, 0, 0, 0, 0, L2(24), 0 }, 10, SCST_DATA_WRITE, BYTES, 24 },
	{ "WRITE SAME(10)", { 0x41, 0x08, L4(64), 0, L2(16), 0 }, 10, SCST_DATA_WRITE, BLOCKS, 1,
	  64, 16 },
	{ "WRITE SAME(10) to the end", { 0x41, 0, L4(64), 0, 0, 0, 0 }, 10, SCST_DATA_WRITE,
	  BLOCKS, 1, 64, 0 },
	{ "WRITE SAME(16)", { 0x93, 0x08, L4(0), L4(65), L4(1000), 0, 0 }, 16, SCST_DATA_WRITE,
	  BLOCKS, 1, 65, 1000 },
	{ "WRITE SAME(16) NDOB", { 0x93, 0x09, L4(0), L4(65), L4(1000), 0, 0 }, 16,
	  SCST_DATA_NONE, BYTES, 0, 65, 1000 },
	{ "COMPARE AND WRITE", { 0x89, 0x08, L4(0), L4(7), 0, 0, 0, 4, 0, 0 }, 16,
	  SCST_DATA_WRITE, BLOCKS, 8, 7, 4, true },
	{ "COMPARE AND WRITE zero", { 0x89, 0, L4(0), L4(7), 0, 0, 0, 0, 0, 0 }, 16,
	  SCST_DATA_NONE, BYTES, 0, 7, 0 },
	{ "EXTENDED COPY", { 0x83, 0x00, [10] = L4(64) }, 16, SCST_DATA_WRITE, BYTES, 64 },
	{ "RECEIVE COPY STATUS", { 0x84, 0x00, 7, [10] = L4(96) }, 16, SCST_DATA_READ, BYTES,
	  96 },
	{ "RECEIVE COPY OPERATING PARAMETERS", { 0x84, 0x03, [10] = L4(256) }, 16,
	  SCST_DATA_READ, BYTES, 256 },
	{ "READ DEFECT DATA(10)", { 0x37, 0, 0x18, 0, 0, 0, 0, L2(4), 0 }, 10, SCST_DATA_READ,
	  BYTES, 4 },
	{ "READ DEFECT DATA(12)", { 0xb7, 0x1d, 0, 0, 0, 0, L4(8), 0, 0 }, 12, SCST_DATA_READ,
	  BYTES, 8 },
	{ "FORMAT UNIT", { 0x04 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "FORMAT UNIT FMTDATA", { 0x04, 0x10 }, 6, SCST_DATA_WRITE, BYTES, 4 },
	{ "FORMAT UNIT FMTDATA LONGLIST", { 0x04, 0x30 }, 6, SCST_DATA_WRITE, BYTES, 8 },
	{ "SANITIZE OVERWRITE", { 0x48, 0x81, 0, 0, 0, 0, 0, L2(16), 0 }, 10, SCST_DATA_WRITE,
	  BYTES, 16 },
	{ "SANITIZE BLOCK ERASE", { 0x48, 0x02 }, 10, SCST_DATA_NONE, BYTES, 0 },
	{ "SANITIZE CRYPTO ERASE", { 0x48, 0x23 }, 10, SCST_DATA_NONE, BYTES, 0 },
	{ "SANITIZE EXIT FAILURE MODE", { 0x48, 0x1f }, 10, SCST_DATA_NONE, BYTES, 0 },
	{ "PRE-FETCH(10)", { 0x34, 0x02, L4(11), 0, L2(12), 0 }, 10, SCST_DATA_NONE, BYTES, 0, 11,
	  12 },
	{ "PRE-FETCH(16)", { 0x90, 0, L4(0), L4(13), L4(14), 0, 0 }, 16, SCST_DATA_NONE, BYTES, 0,
	  13, 14 },
	{ "ORWRITE(16)", { 0x8b, 0x08, L4(0), L4(15), L4(2), 0, 0 }, 16, SCST_DATA_WRITE, BLOCKS,
	  2, 15, 2, true },
	{ "WRITE ATOMIC(16)", { 0x9c, 0, L4(0), L4(16), 0, 0, L2(8), 0, 0 }, 16, SCST_DATA_WRITE,
	  BLOCKS, 8, 16, 8 },
	{ "LOG SENSE", { 0x4d, 0, 0x4d, 0, 0, 0, 0, L2(512), 0 }, 10, SCST_DATA_READ, BYTES,
	  512 },
	{ "LOG SELECT", { 0x4c, 0x00, 0x40, 0, 0, 0, 0, L2(40), 0 }, 10, SCST_DATA_WRITE, BYTES,
	  40 },
	{ "LOG SELECT PCR", { 0x4c, 0x02, 0xc0 }, 10, SCST_DATA_NONE, BYTES, 0 },
	{ "SEND DIAGNOSTIC SELFTEST", { 0x1d, 0x04 }, 6, SCST_DATA_NONE, BYTES, 0 },
	{ "SEND DIAGNOSTIC PF", { 0x1d, 0x10, 0, L2(8), 0 }, 6, SCST_DATA_WRITE, BYTES, 8 },
	{ "RECEIVE DIAGNOSTIC RESULTS", { 0x1c, 0x01, 0, L2(256), 0 }, 6, SCST_DATA_READ, BYTES,
	  256 },
	{ "READ BUFFER", { 0x3c, 0x02, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0 }, 10, SCST_DATA_READ,
	  BYTES, 0x10000 },
	{ "WRITE BUFFER", { 0x3b, 0x02, 0, 0, 0, 0, 0, 0x02, 0x00, 0 }, 10, SCST_DATA_WRITE,
	  BYTES, 512 },
	{ "READ LONG(10)", { 0x3e, 0x02, L4(17), 0, L2(520), 0 }, 10, SCST_DATA_READ, BYTES, 520,
	  17, 1 },
	{ "READ LONG(16)", { 0x9e, 0x11, L4(0), L4(18), 0, 0, L2(520), 0x01, 0 }, 16,
	  SCST_DATA_READ, BYTES, 520, 18, 1 },
	{ "WRITE LONG(10)", { 0x3f, 0x00, L4(19), 0, L2(520), 0 }, 10, SCST_DATA_WRITE, BYTES,
	  520, 19, 1 },
	{ "WRITE LONG(16)", { 0x9f, 0x11, L4(0), L4(20), 0, 0, L2(520), 0, 0 }, 16,
	  SCST_DATA_WRITE, BYTES, 520, 20, 1 },
};

#pragma GCC diagnostic pop

static void check_case(const struct pcase *c, uint32_t bs)
{
	struct scst_cmd *cmd = cmd_new(c->cdb, c->len);
	enum scst_sense_reason r = parse(cmd, SCST_TYPE_DISK, ALL_CAPS, bs);
	uint32_t want = c->unit == BLOCKS ? c->n * bs : c->n;

	if (r != SCST_SENSE_NONE || cmd->dir != c->dir || cmd->data_len != want ||
	    cmd->lba != c->lba || cmd->nblocks != c->nblocks || cmd->fua != c->fua)
		print_error("%s (bs %u): reason %d dir %d len %u lba %llu nblocks %u fua %d\n",
			    c->name, bs, r, cmd->dir, cmd->data_len,
			    (unsigned long long)cmd->lba, cmd->nblocks, cmd->fua);
	assert_int_equal(r, SCST_SENSE_NONE);
	assert_non_null(cmd->op);
	assert_int_equal(cmd->op->opcode, c->cdb[0]);
	assert_int_equal(cmd->dir, c->dir);
	assert_int_equal(cmd->data_len, want);
	assert_int_equal(cmd->lba, c->lba);
	assert_int_equal(cmd->nblocks, c->nblocks);
	assert_int_equal(cmd->fua, c->fua);
	assert_int_equal(cmd->reason, SCST_SENSE_NONE);
	free(cmd);
}

static void test_lengths_512(void **state)
{
	for (size_t i = 0; i < SCST_ARRAY_SIZE(cases); i++)
		check_case(&cases[i], 512);
}

static void test_lengths_4096(void **state)
{
	for (size_t i = 0; i < SCST_ARRAY_SIZE(cases); i++)
		check_case(&cases[i], 4096);
}

/* Expect INVALID FIELD IN CDB pointing at byte/bit (bit -1: no bit pointer). */
static void expect_field(const uint8_t *cdb, unsigned len, uint8_t type, unsigned byte, int bit)
{
	struct scst_cmd *cmd = cmd_new(cdb, len);
	enum scst_sense_reason r = parse(cmd, type, ALL_CAPS, 512);

	if (r != SCST_SENSE_INVALID_FIELD_IN_CDB || cmd->detail.field_byte != byte ||
	    cmd->detail.field_bit != bit)
		print_error("opcode %02x: reason %d byte %u bit %d, want byte %u bit %d\n", cdb[0],
			    r, cmd->detail.field_byte, cmd->detail.field_bit, byte, bit);
	assert_int_equal(r, SCST_SENSE_INVALID_FIELD_IN_CDB);
	assert_int_equal(cmd->reason, SCST_SENSE_INVALID_FIELD_IN_CDB);
	assert_true(cmd->detail.field_valid);
	assert_int_equal(cmd->detail.field_byte, byte);
	assert_int_equal(cmd->detail.field_bit, bit);
	free(cmd);
}

static void expect_reason(const uint8_t *cdb, unsigned len, uint8_t type, uint32_t caps,
			  enum scst_sense_reason want)
{
	struct scst_cmd *cmd = cmd_new(cdb, len);

	assert_int_equal(parse(cmd, type, caps, 512), want);
	free(cmd);
}

static void test_unknown_opcode(void **state)
{
	static const uint8_t ops[] = { 0x02, 0x05, 0x7e, 0xc0, 0xff };

	for (size_t i = 0; i < sizeof(ops); i++) {
		uint8_t cdb[16] = { ops[i] };
		struct scst_cmd *cmd = cmd_new(cdb, 16);

		assert_int_equal(parse(cmd, SCST_TYPE_DISK, ALL_CAPS, 512),
				 SCST_SENSE_INVALID_OPCODE);
		assert_null(cmd->op);
		assert_int_equal(cmd->dir, SCST_DATA_NONE);
		assert_int_equal(cmd->data_len, 0);
		free(cmd);
	}
}

/* SPC-4: an unsupported service action is INVALID FIELD IN CDB at the SERVICE ACTION field. */
static void test_unknown_service_action(void **state)
{
	static const uint8_t cdbs[][16] = {
		{ 0x9e, 0x1f }, { 0x9f, 0x10 }, { 0xa3, 0x05 }, { 0xa4, 0x06 },
		{ 0x5e, 0x04 }, { 0x5f, 0x09 }, { 0x48, 0x04 }, { 0x83, 0x01 },
		{ 0x84, 0x02 },
	};
	static const uint8_t lens[] = { 16, 16, 12, 12, 10, 10, 10, 16, 16 };

	for (size_t i = 0; i < SCST_ARRAY_SIZE(cdbs); i++)
		expect_field(cdbs[i], lens[i], SCST_TYPE_DISK, 1, 4);
}

static void test_reserved_bits(void **state)
{
	/* READ(10) RDPROTECT: no protection information, so each RDPROTECT bit is invalid. */
	expect_field((const uint8_t[16]){ 0x28, 0x80, [8] = 1 }, 10, SCST_TYPE_DISK, 1, 7);
	expect_field((const uint8_t[16]){ 0x28, 0x40, [8] = 1 }, 10, SCST_TYPE_DISK, 1, 6);
	expect_field((const uint8_t[16]){ 0x28, 0x20, [8] = 1 }, 10, SCST_TYPE_DISK, 1, 5);
	expect_field((const uint8_t[16]){ 0x28, 0xf8, [8] = 1 }, 10, SCST_TYPE_DISK, 1, 7);
	/* Obsolete bit 0 of READ(10) byte 1 and the reserved GROUP NUMBER bits. */
	expect_field((const uint8_t[16]){ 0x28, 0x01 }, 10, SCST_TYPE_DISK, 1, 0);
	expect_field((const uint8_t[16]){ 0x28, 0, 0, 0, 0, 0, 0x20 }, 10, SCST_TYPE_DISK, 6, 5);
	/* WRITE(10) RARC position is reserved. */
	expect_field((const uint8_t[16]){ 0x2a, 0x04 }, 10, SCST_TYPE_DISK, 1, 2);
	/* WRITE(16) WRPROTECT and a reserved bit of byte 14. */
	expect_field((const uint8_t[16]){ 0x8a, 0x20 }, 16, SCST_TYPE_DISK, 1, 5);
	expect_field((const uint8_t[16]){ 0x8a, 0, [14] = 0x80 }, 16, SCST_TYPE_DISK, 14, 7);
	/* TEST UNIT READY has nothing but reserved bytes. */
	expect_field((const uint8_t[16]){ 0x00, 0, 0, 0, 0x01 }, 6, SCST_TYPE_DISK, 4, 0);
	expect_field((const uint8_t[16]){ 0x00, 0, 0x10 }, 6, SCST_TYPE_DISK, 2, 4);
	/* INQUIRY CMDDT (obsolete). */
	expect_field((const uint8_t[16]){ 0x12, 0x02, 0, 0, 36 }, 6, SCST_TYPE_DISK, 1, 1);
	/* READ(6) bits 7-5 of byte 1 (formerly the LUN). */
	expect_field((const uint8_t[16]){ 0x08, 0x20 }, 6, SCST_TYPE_DISK, 1, 5);
	/* UNMAP ANCHOR, WRITE SAME(10) PBDATA/LBDATA/ANCHOR, WRITE SAME(16) ANCHOR. */
	expect_field((const uint8_t[16]){ 0x42, 0x01 }, 10, SCST_TYPE_DISK, 1, 0);
	expect_field((const uint8_t[16]){ 0x41, 0x04 }, 10, SCST_TYPE_DISK, 1, 2);
	expect_field((const uint8_t[16]){ 0x41, 0x02 }, 10, SCST_TYPE_DISK, 1, 1);
	expect_field((const uint8_t[16]){ 0x41, 0x10 }, 10, SCST_TYPE_DISK, 1, 4);
	expect_field((const uint8_t[16]){ 0x93, 0x10 }, 16, SCST_TYPE_DISK, 1, 4);
	/* FORMAT UNIT FMTPINFO. */
	expect_field((const uint8_t[16]){ 0x04, 0x80 }, 6, SCST_TYPE_DISK, 1, 7);
	/* COMPARE AND WRITE reserved bytes 10-12. */
	expect_field((const uint8_t[16]){ 0x89, 0, [11] = 0x03, [13] = 1 }, 16, SCST_TYPE_DISK, 11,
		     1);
	/* RESERVE(10) third party. */
	expect_field((const uint8_t[16]){ 0x56, 0x10 }, 10, SCST_TYPE_DISK, 1, 4);
	/* READ CAPACITY(16) reserved bit of byte 14. */
	expect_field((const uint8_t[16]){ 0x9e, 0x10, [14] = 0x02 }, 16, SCST_TYPE_DISK, 14, 1);
	/* Bits above the SERVICE ACTION of MAINTENANCE IN are reserved. */
	expect_field((const uint8_t[16]){ 0xa3, 0x8c }, 12, SCST_TYPE_DISK, 1, 7);
}

/* NACA (bit 2) and the obsolete LINK (bit 0) of the CONTROL byte are rejected: no ACA. */
static void test_control_byte(void **state)
{
	expect_field((const uint8_t[16]){ 0x00, 0, 0, 0, 0, 0x04 }, 6, SCST_TYPE_DISK, 5, 2);
	expect_field((const uint8_t[16]){ 0x00, 0, 0, 0, 0, 0x01 }, 6, SCST_TYPE_DISK, 5, 0);
	expect_field((const uint8_t[16]){ 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x04 }, 10, SCST_TYPE_DISK,
		     9, 2);
	expect_field((const uint8_t[16]){ 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0x04 }, 12,
		     SCST_TYPE_DISK, 11, 2);
	expect_field((const uint8_t[16]){ 0x88, [13] = 1, [15] = 0x04 }, 16, SCST_TYPE_DISK, 15, 2);
	/* Vendor-specific bits 7-6 are not ours either. */
	expect_field((const uint8_t[16]){ 0x88, [15] = 0xc0 }, 16, SCST_TYPE_DISK, 15, 7);
	/* Bytes after the command's length (iSCSI pads CDBs to 16) are not looked at. */
	expect_reason((const uint8_t[16]){ 0x28, [8] = 1, [12] = 0xff }, 16, SCST_TYPE_DISK, 0,
		      SCST_SENSE_NONE);
}

static void test_verify_bytchk_reserved(void **state)
{
	expect_field((const uint8_t[16]){ 0x2f, 0x04, [8] = 1 }, 10, SCST_TYPE_DISK, 1, 2);
	expect_field((const uint8_t[16]){ 0xaf, 0x04, [9] = 1 }, 12, SCST_TYPE_DISK, 1, 2);
	expect_field((const uint8_t[16]){ 0x8f, 0x04, [13] = 1 }, 16, SCST_TYPE_DISK, 1, 2);
	/* VRPROTECT */
	expect_field((const uint8_t[16]){ 0x2f, 0x20, [8] = 1 }, 10, SCST_TYPE_DISK, 1, 5);
}

/* A transfer that does not fit 32 bits of bytes names the length field, without a bit. */
static void test_length_overflow(void **state)
{
	expect_field((const uint8_t[16]){ 0x88, [10] = 0xff, 0xff, 0xff, 0xff }, 16, SCST_TYPE_DISK,
		     10, -1);
	expect_field((const uint8_t[16]){ 0x8f, 0x02, [10] = 0x00, 0x80, 0x00, 0x00 }, 16,
		     SCST_TYPE_DISK, 10, -1);
	/* 0x7fffff blocks of 512 still fit. */
	expect_reason((const uint8_t[16]){ 0x88, [10] = 0x00, 0x7f, 0xff, 0xff }, 16,
		      SCST_TYPE_DISK, 0, SCST_SENSE_NONE);

	struct scst_cmd *cmd = cmd_new((const uint8_t[16]){ 0xa8, [6] = 0x00, 0x0f, 0xff, 0xff },
				       12);

	assert_int_equal(parse(cmd, SCST_TYPE_DISK, 0, 4096), SCST_SENSE_NONE);
	assert_int_equal(cmd->data_len, 0xfffffu * 4096u);
	free(cmd);
	cmd = cmd_new((const uint8_t[16]){ 0xa8, [6] = 0x00, 0x10, 0x00, 0x00 }, 12);
	assert_int_equal(parse(cmd, SCST_TYPE_DISK, 0, 4096), SCST_SENSE_INVALID_FIELD_IN_CDB);
	assert_int_equal(cmd->detail.field_byte, 6);
	free(cmd);
}

/* What the handler cannot do is INVALID COMMAND OPERATION CODE (DESIGN.md). */
static void test_caps(void **state)
{
	const uint8_t unmap[10] = { 0x42, [8] = 24 };
	const uint8_t lbas[16] = { 0x9e, 0x12, [13] = 32 };

	expect_reason(unmap, 10, SCST_TYPE_DISK, 0, SCST_SENSE_INVALID_OPCODE);
	expect_reason(unmap, 10, SCST_TYPE_DISK, SCST_DH_CAP_LBA_STATUS,
		      SCST_SENSE_INVALID_OPCODE);
	expect_reason(unmap, 10, SCST_TYPE_DISK, SCST_DH_CAP_UNMAP, SCST_SENSE_NONE);
	expect_reason(lbas, 16, SCST_TYPE_DISK, SCST_DH_CAP_UNMAP, SCST_SENSE_INVALID_OPCODE);
	expect_reason(lbas, 16, SCST_TYPE_DISK, SCST_DH_CAP_LBA_STATUS, SCST_SENSE_NONE);
	/* WRITE SAME with UNMAP needs nothing at parse time; the executor decides. */
	expect_reason((const uint8_t[16]){ 0x93, 0x08, [13] = 1 }, 16, SCST_TYPE_DISK, 0,
		      SCST_SENSE_NONE);
}

static void test_device_types(void **state)
{
	const uint8_t w10[10] = { 0x2a, [8] = 1 };
	const uint8_t r10[10] = { 0x28, [8] = 1 };
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36 };
	const uint8_t rl[12] = { 0xa0, [9] = 16 };
	const uint8_t rc16[16] = { 0x9e, 0x10, [13] = 32 };

	/* A CD-ROM takes the SPC commands and reads, not writes. */
	expect_reason(w10, 10, SCST_TYPE_ROM, ALL_CAPS, SCST_SENSE_INVALID_OPCODE);
	expect_reason(r10, 10, SCST_TYPE_ROM, ALL_CAPS, SCST_SENSE_NONE);
	expect_reason(inq, 6, SCST_TYPE_ROM, 0, SCST_SENSE_NONE);
	expect_reason((const uint8_t[16]){ 0x25 }, 10, SCST_TYPE_ROM, 0, SCST_SENSE_NONE);
	expect_reason((const uint8_t[16]){ 0x1b, 0, 0, 0, 0x02 }, 6, SCST_TYPE_ROM, 0,
		      SCST_SENSE_NONE);
	/* An opcode with service actions known only for disks is an unknown opcode on a CD-ROM. */
	expect_reason(rc16, 16, SCST_TYPE_ROM, ALL_CAPS, SCST_SENSE_INVALID_OPCODE);
	/* Tape: nothing but REPORT LUNS. */
	expect_reason(inq, 6, SCST_TYPE_TAPE, ALL_CAPS, SCST_SENSE_INVALID_OPCODE);
	expect_reason(rl, 12, SCST_TYPE_TAPE, ALL_CAPS, SCST_SENSE_NONE);
	expect_reason(rl, 12, 40, ALL_CAPS, SCST_SENSE_INVALID_OPCODE);
}

static void test_short_cdb(void **state)
{
	expect_reason((const uint8_t[16]){ 0x28, 0, 0, 0, 0, 0 }, 6, SCST_TYPE_DISK, 0,
		      SCST_SENSE_INVALID_OPCODE);
	expect_reason((const uint8_t[16]){ 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12,
		      SCST_TYPE_DISK, 0, SCST_SENSE_INVALID_OPCODE);
	expect_reason((const uint8_t[16]){ 0x00 }, 0, SCST_TYPE_DISK, 0,
		      SCST_SENSE_INVALID_OPCODE);
}

/* Every (opcode, service action) a device type knows, through the public lookup. */
struct seen {
	const struct scst_opcode_desc *d[512];
	unsigned n;
};

static void collect(uint8_t type, struct seen *s)
{
	s->n = 0;
	for (unsigned op = 0; op < 256; op++) {
		if (!scst_opcode_has_sa((uint8_t)op, type)) {
			const struct scst_opcode_desc *d =
				scst_opcode_find((uint8_t)op, SCST_NO_SA, type);

			if (d) {
				assert_int_equal(d->sa, SCST_NO_SA);
				s->d[s->n++] = d;
			}
			continue;
		}
		for (unsigned sa = 0; sa < 32; sa++) {
			const struct scst_opcode_desc *d =
				scst_opcode_find((uint8_t)op, (uint16_t)sa, type);

			if (d) {
				assert_int_equal(d->sa, sa);
				s->d[s->n++] = d;
			}
		}
	}
}

static void test_table_properties(void **state)
{
	static const uint8_t types[] = { SCST_TYPE_DISK, SCST_TYPE_ROM };
	static struct seen s;

	for (size_t t = 0; t < sizeof(types); t++) {
		collect(types[t], &s);
		/* Entries per device type; update when the table grows. */
		assert_int_equal(s.n, types[t] == SCST_TYPE_DISK ? 80 : 40);
		for (unsigned i = 0; i < s.n; i++) {
			const struct scst_opcode_desc *d = s.d[i];

			assert_non_null(d->name);
			assert_true(d->cdb_len == 6 || d->cdb_len == 10 || d->cdb_len == 12 ||
				    d->cdb_len == 16);
			/* CDB length follows the group code (SPC-4 4.3.3). */
			switch (d->opcode >> 5) {
			case 0:
				assert_int_equal(d->cdb_len, 6);
				break;
			case 1:
			case 2:
				assert_int_equal(d->cdb_len, 10);
				break;
			case 4:
				assert_int_equal(d->cdb_len, 16);
				break;
			case 5:
				assert_int_equal(d->cdb_len, 12);
				break;
			default:
				fail_msg("%s: opcode %02x in a vendor group", d->name, d->opcode);
			}
			/* No NACA, no LINK. */
			assert_int_equal(d->mask[d->cdb_len - 1], 0);
			if (d->sa != SCST_NO_SA) {
				assert_int_equal(d->sa_byte, 1);
				assert_int_equal(d->mask[1] & 0x1f, 0x1f);
			}
			if (d->len_kind == SCST_LEN_BLOCKS || d->len_kind == SCST_LEN_BLOCKS_6)
				assert_true(d->flags & SCST_OPF_LBA);
			if (d->len_kind == SCST_LEN_SPECIAL)
				assert_non_null(d->get_len);
			if (d->flags & SCST_OPF_LBA)
				assert_true(d->lba_off > 0 && d->lba_size > 0);
			if (d->flags & SCST_OPF_WRITE_MEDIUM)
				assert_int_equal(d->dir, SCST_DATA_WRITE);
		}
	}
}

/*
 * Every bit outside a descriptor's mask, alone in an otherwise empty CDB,
 * is reported at its byte and bit; the empty CDB itself parses.
 */
static void test_every_mask_bit(void **state)
{
	static struct seen s;

	collect(SCST_TYPE_DISK, &s);
	for (unsigned i = 0; i < s.n; i++) {
		const struct scst_opcode_desc *d = s.d[i];
		uint8_t cdb[16] = { d->opcode };

		if (d->sa != SCST_NO_SA)
			cdb[1] = (uint8_t)d->sa;
		expect_reason(cdb, d->cdb_len, SCST_TYPE_DISK, ALL_CAPS, SCST_SENSE_NONE);
		for (unsigned byte = 1; byte < d->cdb_len; byte++) {
			for (int bit = 0; bit < 8; bit++) {
				if (d->mask[byte] & (1u << bit))
					continue;
				cdb[byte] ^= (uint8_t)(1u << bit);
				expect_field(cdb, d->cdb_len, SCST_TYPE_DISK, byte, bit);
				cdb[byte] ^= (uint8_t)(1u << bit);
			}
		}
	}
}

struct each_ctx {
	unsigned n;
	int last; /* opcode << 16 | sa of the previous one */
	bool saw_unmap, saw_lba_status, saw_write, saw_unimplemented;
};

static void each_fn(const struct scst_opcode_desc *d, void *arg)
{
	struct each_ctx *c = arg;
	int key = d->opcode << 16 | (d->sa == SCST_NO_SA ? 0 : d->sa);

	/* REPORT SUPPORTED OPERATION CODES lists them in table order: sorted. */
	assert_true(key > c->last);
	c->last = key;
	c->n++;
	assert_non_null(d->exec);
	if (d->opcode == 0x42)
		c->saw_unmap = true;
	if (d->opcode == 0x9e && d->sa == 0x12)
		c->saw_lba_status = true;
	if (d->opcode == 0x2a)
		c->saw_write = true;
}

static void test_for_each(void **state)
{
	struct each_ctx c = { .last = -1 };

	scst_opcode_for_each(SCST_TYPE_DISK, 0, each_fn, &c);
	assert_false(c.saw_unmap);
	assert_false(c.saw_lba_status);
	assert_true(c.saw_write);
	unsigned without = c.n;

	c = (struct each_ctx){ .last = -1 };
	scst_opcode_for_each(SCST_TYPE_DISK, ALL_CAPS, each_fn, &c);
	assert_true(c.saw_unmap);
	assert_true(c.saw_lba_status);
	/* UNMAP, GET LBA STATUS; REPORT and SET TARGET PORT GROUPS on an ALUA path. */
	assert_int_equal(c.n, without + 4);

	c = (struct each_ctx){ .last = -1 };
	scst_opcode_for_each(SCST_TYPE_ROM, ALL_CAPS, each_fn, &c);
	assert_false(c.saw_write);
	assert_true(c.n > 10);

	/* Classified but not implemented: found, not supported. */
	const struct scst_opcode_desc *d = scst_opcode_find(0x5f, 0x08, SCST_TYPE_DISK);

	assert_non_null(d);
	assert_false(scst_opcode_supported(d, ALL_CAPS));
	d = scst_opcode_find(0x42, SCST_NO_SA, SCST_TYPE_DISK);
	assert_non_null(d);
	assert_false(scst_opcode_supported(d, 0));
	assert_true(scst_opcode_supported(d, SCST_DH_CAP_UNMAP));
	assert_true(scst_opcode_has_sa(0xa3, SCST_TYPE_DISK));
	assert_true(scst_opcode_has_sa(0x9e, SCST_TYPE_DISK));
	assert_false(scst_opcode_has_sa(0x9e, SCST_TYPE_ROM));
	assert_false(scst_opcode_has_sa(0x28, SCST_TYPE_DISK));
	assert_null(scst_opcode_find(0x9e, 0x13, SCST_TYPE_DISK));
	assert_null(scst_opcode_find(0x2a, SCST_NO_SA, SCST_TYPE_ROM));
}

/* Flags the core relies on for the commands it treats specially. */
static void test_flags(void **state)
{
	const struct scst_opcode_desc *d;

	d = scst_opcode_find(0x12, SCST_NO_SA, SCST_TYPE_DISK);
	assert_true(d->flags & SCST_OPF_UA_EXEMPT);
	assert_true(d->flags & SCST_OPF_ALLOW_PR);
	d = scst_opcode_find(0xa0, SCST_NO_SA, SCST_TYPE_DISK);
	assert_true(d->flags & SCST_OPF_UA_EXEMPT);
	d = scst_opcode_find(0x03, SCST_NO_SA, SCST_TYPE_DISK);
	assert_true(d->flags & SCST_OPF_UA_EXEMPT);
	d = scst_opcode_find(0x00, SCST_NO_SA, SCST_TYPE_DISK);
	assert_false(d->flags & SCST_OPF_UA_EXEMPT);
	d = scst_opcode_find(0x2a, SCST_NO_SA, SCST_TYPE_DISK);
	assert_true(d->flags & SCST_OPF_WRITE_MEDIUM);
	assert_true(d->flags & SCST_OPF_FUA);
	assert_int_equal(d->ord, SCST_ORD_WRITE);
	d = scst_opcode_find(0x28, SCST_NO_SA, SCST_TYPE_DISK);
	assert_false(d->flags & SCST_OPF_WRITE_MEDIUM);
	assert_int_equal(d->ord, SCST_ORD_READ);
	d = scst_opcode_find(0x42, SCST_NO_SA, SCST_TYPE_DISK);
	assert_int_equal(d->needs_caps, SCST_DH_CAP_UNMAP);
	assert_true(d->flags & SCST_OPF_WRITE_MEDIUM);
	d = scst_opcode_find(0x17, SCST_NO_SA, SCST_TYPE_DISK);
	assert_true(d->flags & SCST_OPF_RES_OK);
	assert_ptr_equal(d->exec, scst_spc_release);
	/* Classified, not executable: PERSISTENT RESERVE OUT REPLACE LOST RESERVATION. */
	d = scst_opcode_find(0x5f, 8, SCST_TYPE_DISK);
	assert_non_null(d);
	assert_null(d->exec);
	d = scst_opcode_find(0x5f, 7, SCST_TYPE_DISK);
	assert_ptr_equal(d->exec, scst_pr_out);
	d = scst_opcode_find(0x5e, 0, SCST_TYPE_DISK);
	assert_ptr_equal(d->exec, scst_pr_in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths_512),
		cmocka_unit_test(test_lengths_4096),
		cmocka_unit_test(test_unknown_opcode),
		cmocka_unit_test(test_unknown_service_action),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_control_byte),
		cmocka_unit_test(test_verify_bytchk_reserved),
		cmocka_unit_test(test_length_overflow),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_device_types),
		cmocka_unit_test(test_short_cdb),
		cmocka_unit_test(test_table_properties),
		cmocka_unit_test(test_every_mask_bit),
		cmocka_unit_test(test_for_each),
		cmocka_unit_test(test_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
