// SPDX-License-Identifier: GPL-2.0-only
/*
 * The opcode table and the CDB parser. One entry per (opcode, service
 * action, device types) holds everything the core needs to know about a
 * command before it runs (see opcodes.h). The table is sorted by opcode and
 * service action; lookups are a binary search on the opcode.
 *
 * Masks follow the CDB layouts of SPC-4 (chapter 6) and SBC-3 (chapter 5).
 * A bit is in the mask only if we act on it or may safely ignore it. We
 * support no protection information, so RDPROTECT/WRPROTECT/VRPROTECT are
 * out of every mask, and no ACA, so the CONTROL byte mask is zero (NACA and
 * the obsolete LINK bit are rejected; SAM-5, CONTROL byte).
 */
#include "opcodes.h"
#include "core_priv.h"

/* Field masks, by byte offset. */
#define B2(o) [(o)] = 0xff, [(o) + 1] = 0xff
#define B3(o) B2(o), [(o) + 2] = 0xff
#define B4(o) B2(o), B2((o) + 2)
#define B8(o) B4(o), B4((o) + 4)

/* GROUP NUMBER field, bits 4-0 (SBC-3): accepted and ignored. */
#define GRP 0x1f
/* Byte 1 of READ(10/12/16): DPO, FUA, RARC, FUA_NV (SBC-3); no RDPROTECT. */
#define RD_B1 0x1e
/* Byte 1 of WRITE(10/12/16), COMPARE AND WRITE, ORWRITE: DPO, FUA, FUA_NV; no WRPROTECT. */
#define WR_B1 0x1a
/* Byte 1 of WRITE AND VERIFY: DPO, BYTCHK (SBC-3); no WRPROTECT. */
#define WV_B1 0x12
/* Byte 1 of VERIFY: DPO, BYTCHK (2 bits, SBC-3); no VRPROTECT. */
#define VF_B1 0x16
/* The SERVICE ACTION field in byte 1, bits 4-0. */
#define SA_B1 0x1f

#define T_DISK SCST_DEVT_DISK
#define T_SPC (SCST_DEVT_DISK | SCST_DEVT_ROM)

/*
 * ALUA (SPC-4, asymmetric access states): commands a port in standby, unavailable or
 * transitioning state still accepts.
 */
#define A_STBY SCST_OPF_ALUA_STANDBY_OK
#define A_UNAV (SCST_OPF_ALUA_STANDBY_OK | SCST_OPF_ALUA_UNAVAIL_OK)
#define A_ALL (SCST_OPF_ALUA_STANDBY_OK | SCST_OPF_ALUA_UNAVAIL_OK | SCST_OPF_ALUA_TRANS_OK)

/* Medium access: reads are allowed under Write Exclusive PRs, writes conflict (SBC-3 PR tables). */
#define F_READ (SCST_OPF_LBA | SCST_OPF_READ_PR | SCST_OPF_NEEDS_MEDIUM)
#define F_WRITE (SCST_OPF_LBA | SCST_OPF_WRITE_MEDIUM | SCST_OPF_EXCL_PR | SCST_OPF_NEEDS_MEDIUM)
/* Allowed whatever the reservations (SPC-2 RESERVE; SPC-4 PR command table). */
#define F_ANY_RES (SCST_OPF_RES_OK | SCST_OPF_ALLOW_PR)

static enum scst_sense_reason verify_len(struct scst_cmd *cmd, uint32_t block_size, uint32_t *len,
					 enum scst_data_dir *dir);
static enum scst_sense_reason write_same_len(struct scst_cmd *cmd, uint32_t block_size,
					     uint32_t *len, enum scst_data_dir *dir);
static enum scst_sense_reason caw_len(struct scst_cmd *cmd, uint32_t block_size, uint32_t *len,
				      enum scst_data_dir *dir);
static enum scst_sense_reason format_len(struct scst_cmd *cmd, uint32_t block_size, uint32_t *len,
					 enum scst_data_dir *dir);

/* PERSISTENT RESERVE IN (SPC-4): ALLOCATION LENGTH in bytes 7-8. */
#define PR_IN(s, n)                                                                          \
	{                                                                                    \
		.opcode = 0x5e, .sa = (s), .sa_byte = 1, .name = (n), .cdb_len = 10,         \
		.mask = { [1] = SA_B1, B2(7) }, .dir = SCST_DATA_READ,                       \
		.len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2, .dev_types = T_SPC, \
		.flags = F_ANY_RES | A_STBY, .ord = SCST_ORD_NONE, .exec = scst_pr_in,        \
	}

/* PERSISTENT RESERVE OUT (SPC-4): SCOPE/TYPE in byte 2, PARAMETER LIST LENGTH 5-8. */
#define PR_OUT(s, n, e)                                                                       \
	{                                                                                    \
		.opcode = 0x5f, .sa = (s), .sa_byte = 1, .name = (n), .cdb_len = 10,         \
		.mask = { [1] = SA_B1, [2] = 0xff, B4(5) }, .dir = SCST_DATA_WRITE,          \
		.len_kind = SCST_LEN_BYTES, .len_off = 5, .len_size = 4, .dev_types = T_SPC, \
		.flags = F_ANY_RES | A_STBY, .ord = SCST_ORD_BARRIER, .exec = (e),           \
	}

/* RECEIVE COPY RESULTS (SPC-4, LID1): LIST IDENTIFIER byte 2, ALLOCATION LENGTH 10-13. */
#define RCR(s, n, e)                                                                             \
	{                                                                                     \
		.opcode = 0x84, .sa = (s), .sa_byte = 1, .name = (n), .cdb_len = 16,          \
		.mask = { [1] = SA_B1, [2] = 0xff, B4(10) }, .dir = SCST_DATA_READ,           \
		.len_kind = SCST_LEN_BYTES, .len_off = 10, .len_size = 4, .dev_types = T_DISK, \
		.flags = SCST_OPF_READ_PR, .ord = SCST_ORD_NONE, .exec = (e),                 \
	}

/* SANITIZE (SBC-3): IMMED, AUSE, PARAMETER LIST LENGTH 7-8. */
#define SANITIZE(s, n, e)                                                                     \
	{                                                                                    \
		.opcode = 0x48, .sa = (s), .sa_byte = 1, .name = (n), .cdb_len = 10,        \
		.mask = { [1] = 0xa0 | SA_B1, B2(7) }, .dir = SCST_DATA_WRITE,              \
		.len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2, .dev_types = T_DISK, \
		.flags = SCST_OPF_WRITE_MEDIUM | SCST_OPF_EXCL_PR, .ord = SCST_ORD_BARRIER, \
		.exec = (e),                                                                 \
	}

static const struct scst_opcode_desc opcode_table[] = {
	/* SPC-4 */
	{
		.opcode = 0x00, .sa = SCST_NO_SA, .name = "TEST UNIT READY", .cdb_len = 6,
		.dir = SCST_DATA_NONE, .len_kind = SCST_LEN_NONE, .dev_types = T_SPC,
		.flags = SCST_OPF_ALLOW_PR | SCST_OPF_NEEDS_MEDIUM, .ord = SCST_ORD_NONE,
		.exec = scst_spc_test_unit_ready,
	},
	/* SPC-4: DESC bit */
	{
		.opcode = 0x03, .sa = SCST_NO_SA, .name = "REQUEST SENSE", .cdb_len = 6,
		.mask = { [1] = 0x01, [4] = 0xff }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 4, .len_size = 1, .dev_types = T_SPC,
		.flags = SCST_OPF_UA_EXEMPT | F_ANY_RES | A_ALL, .ord = SCST_ORD_NONE,
		.exec = scst_spc_request_sense,
	},
	/* SBC-3: FMTPINFO (protection) is out of the mask; FMTDATA brings a parameter list */
	{
		.opcode = 0x04, .sa = SCST_NO_SA, .name = "FORMAT UNIT", .cdb_len = 6,
		.mask = { [1] = 0x3f }, .dir = SCST_DATA_WRITE, .len_kind = SCST_LEN_SPECIAL,
		.get_len = format_len, .dev_types = T_DISK,
		.flags = SCST_OPF_WRITE_MEDIUM | SCST_OPF_EXCL_PR | SCST_OPF_NEEDS_MEDIUM,
		.ord = SCST_ORD_BARRIER, .exec = scst_sbc_format_unit, .timeout = 3600,
	},
	/* SBC-3: 21-bit LBA in bytes 1-3, TRANSFER LENGTH 0 means 256 */
	{
		.opcode = 0x08, .sa = SCST_NO_SA, .name = "READ(6)", .cdb_len = 6,
		.mask = { [1] = 0x1f, B3(2) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BLOCKS_6, .len_off = 4, .len_size = 1, .lba_off = 1,
		.lba_size = 3, .dev_types = T_DISK, .flags = F_READ, .ord = SCST_ORD_READ,
		.exec = scst_sbc_read,
	},
	/* SBC-3 */
	{
		.opcode = 0x0a, .sa = SCST_NO_SA, .name = "WRITE(6)", .cdb_len = 6,
		.mask = { [1] = 0x1f, B3(2) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS_6, .len_off = 4, .len_size = 1, .lba_off = 1,
		.lba_size = 3, .dev_types = T_DISK, .flags = F_WRITE, .ord = SCST_ORD_WRITE,
		.exec = scst_sbc_write,
	},
	/* SPC-4: EVPD; the obsolete CMDDT bit is rejected */
	{
		.opcode = 0x12, .sa = SCST_NO_SA, .name = "INQUIRY", .cdb_len = 6,
		.mask = { [1] = 0x01, [2] = 0xff, B2(3) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 3, .len_size = 2, .dev_types = T_SPC,
		.flags = SCST_OPF_UA_EXEMPT | F_ANY_RES | A_ALL, .ord = SCST_ORD_NONE,
		.exec = scst_spc_inquiry,
	},
	/* SPC-4: PF, SP */
	{
		.opcode = 0x15, .sa = SCST_NO_SA, .name = "MODE SELECT(6)", .cdb_len = 6,
		.mask = { [1] = 0x11, [4] = 0xff }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 4, .len_size = 1, .dev_types = T_SPC,
		.flags = SCST_OPF_EXCL_PR | A_STBY, .ord = SCST_ORD_BARRIER,
		.exec = scst_spc_mode_select,
	},
	/* SPC-2: third-party and extent reservations are not supported */
	{
		.opcode = 0x16, .sa = SCST_NO_SA, .name = "RESERVE(6)", .cdb_len = 6,
		.dir = SCST_DATA_NONE, .len_kind = SCST_LEN_NONE, .dev_types = T_SPC,
		.ord = SCST_ORD_BARRIER, .exec = scst_spc_reserve,
	},
	/* SPC-2 */
	{
		.opcode = 0x17, .sa = SCST_NO_SA, .name = "RELEASE(6)", .cdb_len = 6,
		.dir = SCST_DATA_NONE, .len_kind = SCST_LEN_NONE, .dev_types = T_SPC,
		.flags = SCST_OPF_RES_OK, .ord = SCST_ORD_BARRIER, .exec = scst_spc_release,
	},
	/* SPC-4: DBD, PC and PAGE CODE, SUBPAGE CODE */
	{
		.opcode = 0x1a, .sa = SCST_NO_SA, .name = "MODE SENSE(6)", .cdb_len = 6,
		.mask = { [1] = 0x08, [2] = 0xff, [3] = 0xff, [4] = 0xff },
		.dir = SCST_DATA_READ, .len_kind = SCST_LEN_BYTES, .len_off = 4, .len_size = 1,
		.dev_types = T_SPC, .flags = SCST_OPF_READ_PR | A_STBY, .ord = SCST_ORD_NONE,
		.exec = scst_spc_mode_sense,
	},
	/* SBC-3: IMMED, POWER CONDITION MODIFIER, POWER CONDITION, NO_FLUSH, LOEJ, START */
	{
		.opcode = 0x1b, .sa = SCST_NO_SA, .name = "START STOP UNIT", .cdb_len = 6,
		.mask = { [1] = 0x01, [3] = 0x0f, [4] = 0xf7 }, .dir = SCST_DATA_NONE,
		.len_kind = SCST_LEN_NONE, .dev_types = T_SPC, .flags = SCST_OPF_EXCL_PR,
		.ord = SCST_ORD_BARRIER, .exec = scst_spc_start_stop_unit,
	},
	/* SPC-4: PCV, PAGE CODE, ALLOCATION LENGTH */
	{
		.opcode = 0x1c, .sa = SCST_NO_SA, .name = "RECEIVE DIAGNOSTIC RESULTS",
		.cdb_len = 6, .mask = { [1] = 0x01, [2] = 0xff, B2(3) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 3, .len_size = 2, .dev_types = T_SPC,
		.flags = SCST_OPF_READ_PR | A_STBY, .ord = SCST_ORD_NONE,
	},
	/* SPC-4: SELF-TEST CODE, PF, SELFTEST, DEVOFFL, UNITOFFL */
	{
		.opcode = 0x1d, .sa = SCST_NO_SA, .name = "SEND DIAGNOSTIC", .cdb_len = 6,
		.mask = { [1] = 0xf7, B2(3) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 3, .len_size = 2, .dev_types = T_SPC,
		.flags = SCST_OPF_EXCL_PR | A_STBY, .ord = SCST_ORD_BARRIER,
	},
	/* SBC-3: PREVENT field (the PREVENT=1 conflict under PRs is the executor's) */
	{
		.opcode = 0x1e, .sa = SCST_NO_SA, .name = "PREVENT ALLOW MEDIUM REMOVAL",
		.cdb_len = 6, .mask = { [4] = 0x03 }, .dir = SCST_DATA_NONE,
		.len_kind = SCST_LEN_NONE, .dev_types = T_SPC, .flags = SCST_OPF_READ_PR,
		.ord = SCST_ORD_NONE, .exec = scst_spc_prevent_allow,
	},
	/* SBC-3: LBA and PMI (obsolete RELADR rejected) */
	{
		.opcode = 0x25, .sa = SCST_NO_SA, .name = "READ CAPACITY(10)", .cdb_len = 10,
		.mask = { B4(2), [8] = 0x01 }, .dir = SCST_DATA_READ, .len_kind = SCST_LEN_FIXED,
		.len_off = 8, .dev_types = T_SPC,
		.flags = F_ANY_RES | SCST_OPF_NEEDS_MEDIUM, .ord = SCST_ORD_NONE,
		.exec = scst_sbc_read_capacity10,
	},
	/* SBC-3; MMC-6 for CD-ROM */
	{
		.opcode = 0x28, .sa = SCST_NO_SA, .name = "READ(10)", .cdb_len = 10,
		.mask = { [1] = RD_B1, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_SPC, .flags = F_READ | SCST_OPF_FUA,
		.ord = SCST_ORD_READ, .exec = scst_sbc_read,
	},
	/* SBC-3 */
	{
		.opcode = 0x2a, .sa = SCST_NO_SA, .name = "WRITE(10)", .cdb_len = 10,
		.mask = { [1] = WR_B1, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_WRITE | SCST_OPF_FUA,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_write,
	},
	/* SBC-3: data-out is always the blocks; BYTCHK only selects the comparison */
	{
		.opcode = 0x2e, .sa = SCST_NO_SA, .name = "WRITE AND VERIFY(10)", .cdb_len = 10,
		.mask = { [1] = WV_B1, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_WRITE, .ord = SCST_ORD_WRITE,
		.exec = scst_sbc_write_verify,
	},
	/* SBC-3: data-out follows BYTCHK */
	{
		.opcode = 0x2f, .sa = SCST_NO_SA, .name = "VERIFY(10)", .cdb_len = 10,
		.mask = { [1] = VF_B1, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_SPECIAL, .get_len = verify_len, .len_off = 7, .len_size = 2,
		.lba_off = 2, .lba_size = 4, .dev_types = T_DISK, .flags = F_READ,
		.ord = SCST_ORD_READ, .exec = scst_sbc_verify,
	},
	/* SBC-3: IMMED */
	{
		.opcode = 0x34, .sa = SCST_NO_SA, .name = "PRE-FETCH(10)", .cdb_len = 10,
		.mask = { [1] = 0x02, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_NONE,
		.len_kind = SCST_LEN_NONE, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_READ, .ord = SCST_ORD_READ,
		.exec = scst_sbc_prefetch,
	},
	/* SBC-3: SYNC_NV, IMMED; NUMBER OF LOGICAL BLOCKS 0 means to the end */
	{
		.opcode = 0x35, .sa = SCST_NO_SA, .name = "SYNCHRONIZE CACHE(10)", .cdb_len = 10,
		.mask = { [1] = 0x06, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_NONE,
		.len_kind = SCST_LEN_NONE, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK,
		.flags = SCST_OPF_LBA | SCST_OPF_EXCL_PR | SCST_OPF_NEEDS_MEDIUM,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_sync_cache,
	},
	/* SBC-3: REQ_PLIST, REQ_GLIST, DEFECT LIST FORMAT */
	{
		.opcode = 0x37, .sa = SCST_NO_SA, .name = "READ DEFECT DATA(10)", .cdb_len = 10,
		.mask = { [2] = 0x1f, B2(7) }, .dir = SCST_DATA_READ, .len_kind = SCST_LEN_BYTES,
		.len_off = 7, .len_size = 2, .dev_types = T_DISK, .flags = SCST_OPF_READ_PR,
		.ord = SCST_ORD_NONE, .exec = scst_sbc_read_defect_data,
	},
	/* SPC-4: MODE SPECIFIC, MODE, BUFFER ID, BUFFER OFFSET, PARAMETER LIST LENGTH */
	{
		.opcode = 0x3b, .sa = SCST_NO_SA, .name = "WRITE BUFFER", .cdb_len = 10,
		.mask = { [1] = 0xff, [2] = 0xff, B3(3), B3(6) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 3, .dev_types = T_SPC,
		.flags = SCST_OPF_EXCL_PR, .ord = SCST_ORD_BARRIER,
	},
	/* SPC-4: MODE, BUFFER ID, BUFFER OFFSET, ALLOCATION LENGTH */
	{
		.opcode = 0x3c, .sa = SCST_NO_SA, .name = "READ BUFFER(10)", .cdb_len = 10,
		.mask = { [1] = 0x1f, [2] = 0xff, B3(3), B3(6) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 3, .dev_types = T_SPC,
		.flags = SCST_OPF_READ_PR, .ord = SCST_ORD_NONE,
	},
	/* SBC-3: PBLOCK, CORRCT; one logical block at LBA */
	{
		.opcode = 0x3e, .sa = SCST_NO_SA, .name = "READ LONG(10)", .cdb_len = 10,
		.mask = { [1] = 0x06, B4(2), B2(7) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_READ, .ord = SCST_ORD_READ,
	},
	/* SBC-3: COR_DIS, WR_UNCOR, PBLOCK */
	{
		.opcode = 0x3f, .sa = SCST_NO_SA, .name = "WRITE LONG(10)", .cdb_len = 10,
		.mask = { [1] = 0xe0, B4(2), B2(7) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_WRITE, .ord = SCST_ORD_WRITE,
	},
	/*
	 * SBC-3: UNMAP; ANCHOR, PBDATA and LBDATA are not supported. Data-out is
	 * one logical block. The UNMAP bit's need for the UNMAP capability is
	 * checked by the executor, not here: without it the core writes zeros.
	 */
	{
		.opcode = 0x41, .sa = SCST_NO_SA, .name = "WRITE SAME(10)", .cdb_len = 10,
		.mask = { [1] = 0x08, B4(2), [6] = GRP, B2(7) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_SPECIAL, .get_len = write_same_len, .len_off = 7,
		.len_size = 2, .lba_off = 2, .lba_size = 4, .dev_types = T_DISK,
		.flags = F_WRITE, .ord = SCST_ORD_WRITE, .exec = scst_sbc_write_same,
	},
	/* SBC-3: ANCHOR is rejected (we report ANC_SUP = 0) */
	{
		.opcode = 0x42, .sa = SCST_NO_SA, .name = "UNMAP", .cdb_len = 10,
		.mask = { [6] = GRP, B2(7) }, .dir = SCST_DATA_WRITE, .len_kind = SCST_LEN_BYTES,
		.len_off = 7, .len_size = 2, .dev_types = T_DISK,
		.flags = SCST_OPF_WRITE_MEDIUM | SCST_OPF_EXCL_PR | SCST_OPF_NEEDS_MEDIUM,
		.ord = SCST_ORD_WRITE, .needs_caps = SCST_DH_CAP_UNMAP, .exec = scst_sbc_unmap,
	},
	/* SBC-3 */
	SANITIZE(0x01, "SANITIZE OVERWRITE", scst_sbc_sanitize),
	SANITIZE(0x02, "SANITIZE BLOCK ERASE", scst_sbc_sanitize),
	/* Not offered: nothing is stored encrypted, there is no key to destroy. */
	SANITIZE(0x03, "SANITIZE CRYPTOGRAPHIC ERASE", NULL),
	SANITIZE(0x1f, "SANITIZE EXIT FAILURE MODE", scst_sbc_sanitize),
	/* SPC-4: PCR, SP, PC and PAGE CODE, SUBPAGE CODE */
	{
		.opcode = 0x4c, .sa = SCST_NO_SA, .name = "LOG SELECT", .cdb_len = 10,
		.mask = { [1] = 0x03, [2] = 0xff, [3] = 0xff, B2(7) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2, .dev_types = T_SPC,
		.flags = SCST_OPF_EXCL_PR | A_STBY, .ord = SCST_ORD_BARRIER,
	},
	/* SPC-4: SP, PC and PAGE CODE, SUBPAGE CODE, PARAMETER POINTER; obsolete PPC rejected */
	{
		.opcode = 0x4d, .sa = SCST_NO_SA, .name = "LOG SENSE", .cdb_len = 10,
		.mask = { [1] = 0x01, [2] = 0xff, [3] = 0xff, B2(5), B2(7) },
		.dir = SCST_DATA_READ, .len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2,
		.dev_types = T_SPC, .flags = F_ANY_RES | A_STBY, .ord = SCST_ORD_NONE,
		.exec = scst_spc_log_sense,
	},
	/* SPC-4 */
	{
		.opcode = 0x55, .sa = SCST_NO_SA, .name = "MODE SELECT(10)", .cdb_len = 10,
		.mask = { [1] = 0x11, B2(7) }, .dir = SCST_DATA_WRITE, .len_kind = SCST_LEN_BYTES,
		.len_off = 7, .len_size = 2, .dev_types = T_SPC,
		.flags = SCST_OPF_EXCL_PR | A_STBY, .ord = SCST_ORD_BARRIER,
		.exec = scst_spc_mode_select,
	},
	/* SPC-2: third-party reservations and parameter lists are not supported */
	{
		.opcode = 0x56, .sa = SCST_NO_SA, .name = "RESERVE(10)", .cdb_len = 10,
		.dir = SCST_DATA_NONE, .len_kind = SCST_LEN_NONE, .dev_types = T_SPC,
		.ord = SCST_ORD_BARRIER, .exec = scst_spc_reserve,
	},
	/* SPC-2 */
	{
		.opcode = 0x57, .sa = SCST_NO_SA, .name = "RELEASE(10)", .cdb_len = 10,
		.dir = SCST_DATA_NONE, .len_kind = SCST_LEN_NONE, .dev_types = T_SPC,
		.flags = SCST_OPF_RES_OK, .ord = SCST_ORD_BARRIER, .exec = scst_spc_release,
	},
	/* SPC-4: LLBAA, DBD, PC and PAGE CODE, SUBPAGE CODE */
	{
		.opcode = 0x5a, .sa = SCST_NO_SA, .name = "MODE SENSE(10)", .cdb_len = 10,
		.mask = { [1] = 0x18, [2] = 0xff, [3] = 0xff, B2(7) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 7, .len_size = 2, .dev_types = T_SPC,
		.flags = SCST_OPF_READ_PR | A_STBY, .ord = SCST_ORD_NONE,
		.exec = scst_spc_mode_sense,
	},
	PR_IN(0x00, "PERSISTENT RESERVE IN READ KEYS"),
	PR_IN(0x01, "PERSISTENT RESERVE IN READ RESERVATION"),
	PR_IN(0x02, "PERSISTENT RESERVE IN REPORT CAPABILITIES"),
	PR_IN(0x03, "PERSISTENT RESERVE IN READ FULL STATUS"),
	PR_OUT(0x00, "PERSISTENT RESERVE OUT REGISTER", scst_pr_out),
	PR_OUT(0x01, "PERSISTENT RESERVE OUT RESERVE", scst_pr_out),
	PR_OUT(0x02, "PERSISTENT RESERVE OUT RELEASE", scst_pr_out),
	PR_OUT(0x03, "PERSISTENT RESERVE OUT CLEAR", scst_pr_out),
	PR_OUT(0x04, "PERSISTENT RESERVE OUT PREEMPT", scst_pr_out),
	PR_OUT(0x05, "PERSISTENT RESERVE OUT PREEMPT AND ABORT", scst_pr_out),
	PR_OUT(0x06, "PERSISTENT RESERVE OUT REGISTER AND IGNORE EXISTING KEY", scst_pr_out),
	PR_OUT(0x07, "PERSISTENT RESERVE OUT REGISTER AND MOVE", scst_pr_out),
	PR_OUT(0x08, "PERSISTENT RESERVE OUT REPLACE LOST RESERVATION", NULL),
	/* SPC-4: EXTENDED COPY (LID1), PARAMETER LIST LENGTH in bytes 10-13 */
	{
		.opcode = 0x83, .sa = 0x00, .sa_byte = 1, .name = "EXTENDED COPY(LID1)",
		.cdb_len = 16, .mask = { [1] = SA_B1, B4(10) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 10, .len_size = 4, .dev_types = T_DISK,
		.flags = SCST_OPF_EXCL_PR, .ord = SCST_ORD_WRITE, .exec = scst_spc_extended_copy,
	},
	RCR(0x00, "RECEIVE COPY STATUS(LID1)", scst_spc_receive_copy_results),
	/* No held data (HELD DATA LIMIT 0) and no failure details kept. */
	RCR(0x01, "RECEIVE COPY DATA(LID1)", NULL),
	RCR(0x03, "RECEIVE COPY OPERATING PARAMETERS", scst_spc_receive_copy_results),
	RCR(0x04, "RECEIVE COPY FAILURE DETAILS(LID1)", NULL),
	/* SBC-3 */
	{
		.opcode = 0x88, .sa = SCST_NO_SA, .name = "READ(16)", .cdb_len = 16,
		.mask = { [1] = RD_B1, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_READ | SCST_OPF_FUA,
		.ord = SCST_ORD_READ, .exec = scst_sbc_read,
	},
	/* SBC-3: NUMBER OF LOGICAL BLOCKS in byte 13; data-out is verify + write data */
	{
		.opcode = 0x89, .sa = SCST_NO_SA, .name = "COMPARE AND WRITE", .cdb_len = 16,
		.mask = { [1] = WR_B1, B8(2), [13] = 0xff, [14] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_SPECIAL, .get_len = caw_len, .len_off = 13, .len_size = 1,
		.lba_off = 2, .lba_size = 8, .dev_types = T_DISK, .flags = F_WRITE | SCST_OPF_FUA,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_compare_and_write,
	},
	/* SBC-3 */
	{
		.opcode = 0x8a, .sa = SCST_NO_SA, .name = "WRITE(16)", .cdb_len = 16,
		.mask = { [1] = WR_B1, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_WRITE | SCST_OPF_FUA,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_write,
	},
	/* SBC-3: ORWRITE(16); ORPROTECT is not supported */
	{
		.opcode = 0x8b, .sa = SCST_NO_SA, .name = "ORWRITE(16)", .cdb_len = 16,
		.mask = { [1] = WR_B1, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_WRITE | SCST_OPF_FUA,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_orwrite,
	},
	/* SBC-3 */
	{
		.opcode = 0x8e, .sa = SCST_NO_SA, .name = "WRITE AND VERIFY(16)", .cdb_len = 16,
		.mask = { [1] = WV_B1, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_WRITE, .ord = SCST_ORD_WRITE,
		.exec = scst_sbc_write_verify,
	},
	/* SBC-3 */
	{
		.opcode = 0x8f, .sa = SCST_NO_SA, .name = "VERIFY(16)", .cdb_len = 16,
		.mask = { [1] = VF_B1, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_SPECIAL, .get_len = verify_len, .len_off = 10, .len_size = 4,
		.lba_off = 2, .lba_size = 8, .dev_types = T_DISK, .flags = F_READ,
		.ord = SCST_ORD_READ, .exec = scst_sbc_verify,
	},
	/* SBC-3 (PRE-FETCH(16)) */
	{
		.opcode = 0x90, .sa = SCST_NO_SA, .name = "PRE-FETCH(16)", .cdb_len = 16,
		.mask = { [1] = 0x02, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_NONE,
		.len_kind = SCST_LEN_NONE, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_READ, .ord = SCST_ORD_READ,
		.exec = scst_sbc_prefetch,
	},
	/* SBC-3 */
	{
		.opcode = 0x91, .sa = SCST_NO_SA, .name = "SYNCHRONIZE CACHE(16)", .cdb_len = 16,
		.mask = { [1] = 0x06, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_NONE,
		.len_kind = SCST_LEN_NONE, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK,
		.flags = SCST_OPF_LBA | SCST_OPF_EXCL_PR | SCST_OPF_NEEDS_MEDIUM,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_sync_cache,
	},
	/* SBC-3: UNMAP, NDOB (no data-out buffer); ANCHOR is not supported */
	{
		.opcode = 0x93, .sa = SCST_NO_SA, .name = "WRITE SAME(16)", .cdb_len = 16,
		.mask = { [1] = 0x09, B8(2), B4(10), [14] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_SPECIAL, .get_len = write_same_len, .len_off = 10,
		.len_size = 4, .lba_off = 2, .lba_size = 8, .dev_types = T_DISK,
		.flags = F_WRITE, .ord = SCST_ORD_WRITE, .exec = scst_sbc_write_same,
	},
	/* SBC-4: WRITE ATOMIC(16): ATOMIC BOUNDARY 10-11, TRANSFER LENGTH 12-13 */
	{
		.opcode = 0x9c, .sa = SCST_NO_SA, .name = "WRITE ATOMIC(16)", .cdb_len = 16,
		.mask = { [1] = 0x18, B8(2), B2(10), B2(12), [14] = GRP },
		.dir = SCST_DATA_WRITE, .len_kind = SCST_LEN_BLOCKS, .len_off = 12,
		.len_size = 2, .lba_off = 2, .lba_size = 8, .dev_types = T_DISK,
		.flags = F_WRITE | SCST_OPF_FUA, .ord = SCST_ORD_WRITE, .exec = scst_sbc_write_atomic,
	},
	/* SBC-3: READ CAPACITY(16), a SERVICE ACTION IN(16) */
	{
		.opcode = 0x9e, .sa = 0x10, .sa_byte = 1, .name = "READ CAPACITY(16)",
		.cdb_len = 16, .mask = { [1] = SA_B1, B8(2), B4(10), [14] = 0x01 },
		.dir = SCST_DATA_READ, .len_kind = SCST_LEN_BYTES, .len_off = 10, .len_size = 4,
		.dev_types = T_DISK, .flags = F_ANY_RES | SCST_OPF_NEEDS_MEDIUM,
		.ord = SCST_ORD_NONE, .exec = scst_sbc_read_capacity16,
	},
	/* SBC-3: READ LONG(16): BYTE TRANSFER LENGTH 12-13, PBLOCK, CORRCT */
	{
		.opcode = 0x9e, .sa = 0x11, .sa_byte = 1, .name = "READ LONG(16)", .cdb_len = 16,
		.mask = { [1] = SA_B1, B8(2), B2(12), [14] = 0x03 }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 12, .len_size = 2, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_READ, .ord = SCST_ORD_READ,
	},
	/* SBC-3: GET LBA STATUS; one LBA whose state is reported, checked against the medium */
	{
		.opcode = 0x9e, .sa = 0x12, .sa_byte = 1, .name = "GET LBA STATUS", .cdb_len = 16,
		.mask = { [1] = SA_B1, B8(2), B4(10) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 10, .len_size = 4, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK,
		.flags = SCST_OPF_LBA | F_ANY_RES | SCST_OPF_NEEDS_MEDIUM, .ord = SCST_ORD_READ,
		.needs_caps = SCST_DH_CAP_LBA_STATUS, .exec = scst_sbc_get_lba_status,
	},
	/* SBC-3: WRITE LONG(16), a SERVICE ACTION OUT(16) */
	{
		.opcode = 0x9f, .sa = 0x11, .sa_byte = 1, .name = "WRITE LONG(16)", .cdb_len = 16,
		.mask = { [1] = 0xe0 | SA_B1, B8(2), B2(12) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 12, .len_size = 2, .lba_off = 2,
		.lba_size = 8, .dev_types = T_DISK, .flags = F_WRITE, .ord = SCST_ORD_WRITE,
	},
	/* SPC-4: SELECT REPORT, ALLOCATION LENGTH 6-9 */
	{
		.opcode = 0xa0, .sa = SCST_NO_SA, .name = "REPORT LUNS", .cdb_len = 12,
		.mask = { [2] = 0xff, B4(6) }, .dir = SCST_DATA_READ, .len_kind = SCST_LEN_BYTES,
		.len_off = 6, .len_size = 4, .dev_types = SCST_DEVT_ALL,
		.flags = SCST_OPF_UA_EXEMPT | F_ANY_RES | A_ALL, .ord = SCST_ORD_NONE,
		.exec = scst_spc_report_luns,
	},
	/* SPC-4: REPORT TARGET PORT GROUPS, PARAMETER DATA FORMAT 000b or 001b */
	{
		.opcode = 0xa3, .sa = 0x0a, .sa_byte = 1, .name = "REPORT TARGET PORT GROUPS",
		.cdb_len = 12, .mask = { [1] = 0x20 | SA_B1, B4(6) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 4, .dev_types = T_SPC,
		.flags = F_ANY_RES | A_ALL, .ord = SCST_ORD_NONE, .needs_caps = SCST_CAP_ALUA,
		.exec = scst_spc_report_tpgs,
	},
	/* SPC-4: RCTD, REPORTING OPTIONS, REQUESTED OPERATION CODE and SERVICE ACTION */
	{
		.opcode = 0xa3, .sa = 0x0c, .sa_byte = 1,
		.name = "REPORT SUPPORTED OPERATION CODES", .cdb_len = 12,
		.mask = { [1] = SA_B1, [2] = 0x87, [3] = 0xff, B2(4), B4(6) },
		.dir = SCST_DATA_READ, .len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 4,
		.dev_types = T_SPC, .flags = F_ANY_RES | A_ALL, .ord = SCST_ORD_NONE,
		.exec = scst_spc_report_supported_opcodes,
	},
	/* SPC-4: REPD */
	{
		.opcode = 0xa3, .sa = 0x0d, .sa_byte = 1,
		.name = "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", .cdb_len = 12,
		.mask = { [1] = SA_B1, [2] = 0x80, B4(6) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 4, .dev_types = T_SPC,
		.flags = F_ANY_RES | A_ALL, .ord = SCST_ORD_NONE,
		.exec = scst_spc_report_supported_tmfs,
	},
	/* SPC-4: SET TARGET PORT GROUPS, PARAMETER LIST LENGTH 6-9 */
	{
		.opcode = 0xa4, .sa = 0x0a, .sa_byte = 1, .name = "SET TARGET PORT GROUPS",
		.cdb_len = 12, .mask = { [1] = SA_B1, B4(6) }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 4, .dev_types = T_SPC,
		.flags = SCST_OPF_EXCL_PR | A_UNAV, .ord = SCST_ORD_BARRIER,
		.needs_caps = SCST_CAP_ALUA, .exec = scst_spc_set_tpgs,
	},
	/* SBC-3; MMC-6 for CD-ROM */
	{
		.opcode = 0xa8, .sa = SCST_NO_SA, .name = "READ(12)", .cdb_len = 12,
		.mask = { [1] = RD_B1, B4(2), B4(6), [10] = GRP }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 6, .len_size = 4, .lba_off = 2,
		.lba_size = 4, .dev_types = T_SPC, .flags = F_READ | SCST_OPF_FUA,
		.ord = SCST_ORD_READ, .exec = scst_sbc_read,
	},
	/* SBC-3 */
	{
		.opcode = 0xaa, .sa = SCST_NO_SA, .name = "WRITE(12)", .cdb_len = 12,
		.mask = { [1] = WR_B1, B4(2), B4(6), [10] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 6, .len_size = 4, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_WRITE | SCST_OPF_FUA,
		.ord = SCST_ORD_WRITE, .exec = scst_sbc_write,
	},
	/* SBC-3 */
	{
		.opcode = 0xae, .sa = SCST_NO_SA, .name = "WRITE AND VERIFY(12)", .cdb_len = 12,
		.mask = { [1] = WV_B1, B4(2), B4(6), [10] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_BLOCKS, .len_off = 6, .len_size = 4, .lba_off = 2,
		.lba_size = 4, .dev_types = T_DISK, .flags = F_WRITE, .ord = SCST_ORD_WRITE,
		.exec = scst_sbc_write_verify,
	},
	/* SBC-3 */
	{
		.opcode = 0xaf, .sa = SCST_NO_SA, .name = "VERIFY(12)", .cdb_len = 12,
		.mask = { [1] = VF_B1, B4(2), B4(6), [10] = GRP }, .dir = SCST_DATA_WRITE,
		.len_kind = SCST_LEN_SPECIAL, .get_len = verify_len, .len_off = 6, .len_size = 4,
		.lba_off = 2, .lba_size = 4, .dev_types = T_DISK, .flags = F_READ,
		.ord = SCST_ORD_READ, .exec = scst_sbc_verify,
	},
	/* SBC-3: REQ_PLIST, REQ_GLIST, DEFECT LIST FORMAT, ADDRESS DESCRIPTOR INDEX */
	{
		.opcode = 0xb7, .sa = SCST_NO_SA, .name = "READ DEFECT DATA(12)", .cdb_len = 12,
		.mask = { [1] = 0x1f, B4(2), B4(6) }, .dir = SCST_DATA_READ,
		.len_kind = SCST_LEN_BYTES, .len_off = 6, .len_size = 4, .dev_types = T_DISK,
		.flags = SCST_OPF_READ_PR, .ord = SCST_ORD_NONE,
		.exec = scst_sbc_read_defect_data,
	},
};

#define TABLE_SIZE SCST_ARRAY_SIZE(opcode_table)

/*
 * VERIFY (SBC-3): BYTCHK 00b verifies the medium only, 01b sends the
 * blocks to compare, 11b sends one block compared against each of them;
 * 10b is reserved.
 */
static enum scst_sense_reason verify_len(struct scst_cmd *cmd, uint32_t block_size, uint32_t *len,
					 enum scst_data_dir *dir)
{
	unsigned bytchk = (cmd->cdb[1] >> 1) & 3;

	*dir = SCST_DATA_WRITE;
	switch (bytchk) {
	case 0:
		*len = 0;
		break;
	case 1:
		if ((uint64_t)cmd->nblocks * block_size > UINT32_MAX) {
			scst_cmd_set_invalid_field(cmd, true, cmd->op->len_off, -1);
			return SCST_SENSE_INVALID_FIELD_IN_CDB;
		}
		*len = cmd->nblocks * block_size;
		break;
	case 3:
		*len = cmd->nblocks ? block_size : 0;
		break;
	default:
		/* The bit pointer names the most significant bit of the field (SPC-4 4.5.2.4.2). */
		scst_cmd_set_invalid_field(cmd, true, 1, 2);
		return SCST_SENSE_INVALID_FIELD_IN_CDB;
	}
	return SCST_SENSE_NONE;
}

/* WRITE SAME (SBC-3): one logical block, none with NDOB (16-byte form only). */
static enum scst_sense_reason write_same_len(struct scst_cmd *cmd, uint32_t block_size,
					     uint32_t *len, enum scst_data_dir *dir)
{
	*dir = SCST_DATA_WRITE;
	*len = cmd->cdb[0] == 0x93 && (cmd->cdb[1] & 0x01) ? 0 : block_size;
	return SCST_SENSE_NONE;
}

/* COMPARE AND WRITE (SBC-3): the verify data followed by the write data. */
static enum scst_sense_reason caw_len(struct scst_cmd *cmd, uint32_t block_size, uint32_t *len,
				      enum scst_data_dir *dir)
{
	uint64_t n = 2 * (uint64_t)cmd->nblocks * block_size;

	*dir = SCST_DATA_WRITE;
	if (n > UINT32_MAX) {
		scst_cmd_set_invalid_field(cmd, true, 13, -1);
		return SCST_SENSE_INVALID_FIELD_IN_CDB;
	}
	*len = (uint32_t)n;
	return SCST_SENSE_NONE;
}

/*
 * FORMAT UNIT (SBC-3): with FMTDATA a parameter list follows whose size
 * the CDB does not give; we ask for its header (4 bytes, 8 with LONGLIST),
 * and the transport's expected length carries the rest.
 */
static enum scst_sense_reason format_len(struct scst_cmd *cmd, uint32_t block_size, uint32_t *len,
					 enum scst_data_dir *dir)
{
	*dir = SCST_DATA_WRITE;
	if (!(cmd->cdb[1] & 0x10))
		*len = 0;
	else
		*len = cmd->cdb[1] & 0x20 ? 8 : 4;
	return SCST_SENSE_NONE;
}

static uint64_t get_be(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | *p++;
	return v;
}

/* The first table entry with this opcode, or TABLE_SIZE. */
static size_t first_of(uint8_t opcode)
{
	size_t lo = 0, hi = TABLE_SIZE;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (opcode_table[mid].opcode < opcode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < TABLE_SIZE && opcode_table[lo].opcode == opcode ? lo : TABLE_SIZE;
}

static bool type_ok(const struct scst_opcode_desc *d, uint8_t dev_type)
{
	return dev_type < 32 && (d->dev_types & SCST_DEVT(dev_type));
}

const struct scst_opcode_desc *scst_opcode_find(uint8_t opcode, uint16_t sa, uint8_t dev_type)
{
	size_t i;

	for (i = first_of(opcode); i < TABLE_SIZE && opcode_table[i].opcode == opcode; i++) {
		const struct scst_opcode_desc *d = &opcode_table[i];

		if (type_ok(d, dev_type) && (d->sa == SCST_NO_SA || d->sa == sa))
			return d;
	}
	return NULL;
}

bool scst_opcode_has_sa(uint8_t opcode, uint8_t dev_type)
{
	size_t i;

	for (i = first_of(opcode); i < TABLE_SIZE && opcode_table[i].opcode == opcode; i++)
		if (type_ok(&opcode_table[i], dev_type))
			return opcode_table[i].sa != SCST_NO_SA;
	return false;
}

bool scst_opcode_supported(const struct scst_opcode_desc *d, uint32_t caps)
{
	return d->exec && (d->needs_caps & ~caps) == 0;
}

void scst_opcode_for_each(uint8_t dev_type, uint32_t caps,
			  void (*fn)(const struct scst_opcode_desc *d, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < TABLE_SIZE; i++)
		if (type_ok(&opcode_table[i], dev_type) &&
		    scst_opcode_supported(&opcode_table[i], caps))
			fn(&opcode_table[i], arg);
}

/* Highest set bit of a non-zero byte. */
static int high_bit(uint8_t v)
{
	return 31 - __builtin_clz(v);
}

/*
 * Find the descriptor for cmd's CDB. An opcode we do not know, or do not
 * serve on this device type, is INVALID COMMAND OPERATION CODE; a known
 * opcode with an unknown service action is INVALID FIELD IN CDB pointing at
 * the SERVICE ACTION field (SPC-4 4.5.2.4.2).
 */
static enum scst_sense_reason lookup(struct scst_cmd *cmd, uint8_t dev_type,
				     const struct scst_opcode_desc **out)
{
	const struct scst_opcode_desc *sa_desc = NULL;
	uint8_t opcode = cmd->cdb[0];
	size_t i;

	for (i = first_of(opcode); i < TABLE_SIZE && opcode_table[i].opcode == opcode; i++) {
		const struct scst_opcode_desc *d = &opcode_table[i];

		if (!type_ok(d, dev_type))
			continue;
		if (d->sa == SCST_NO_SA || d->sa == (cmd->cdb[d->sa_byte] & SA_B1)) {
			*out = d;
			return SCST_SENSE_NONE;
		}
		sa_desc = d;
	}
	if (!sa_desc)
		return SCST_SENSE_INVALID_OPCODE;
	scst_cmd_set_invalid_field(cmd, true, sa_desc->sa_byte, 4);
	return SCST_SENSE_INVALID_FIELD_IN_CDB;
}

enum scst_sense_reason scst_opcode_parse(struct scst_cmd *cmd, uint8_t dev_type, uint32_t caps,
					 uint32_t block_size)
{
	const struct scst_opcode_desc *d = NULL;
	enum scst_sense_reason r;
	uint64_t len = 0;
	unsigned i;

	cmd->op = NULL;
	cmd->dir = SCST_DATA_NONE;
	cmd->data_len = 0;
	cmd->lba = 0;
	cmd->nblocks = 0;
	cmd->fua = false;

	if (cmd->cdb_len == 0)
		return SCST_SENSE_INVALID_OPCODE;
	r = lookup(cmd, dev_type, &d);
	if (r != SCST_SENSE_NONE)
		return r;
	/* What the handler cannot do is not offered at all (DESIGN.md, dev handlers). */
	if (d->needs_caps & ~caps)
		return SCST_SENSE_INVALID_OPCODE;
	/* A CDB shorter than its opcode's group defines is not that command. */
	if (cmd->cdb_len < d->cdb_len || d->cdb_len > SCST_MAX_CDB_SIZE)
		return SCST_SENSE_INVALID_OPCODE;

	/* Reserved and unsupported bits, CONTROL byte included (SPC-4 4.5.2.4.2). */
	for (i = 1; i < d->cdb_len; i++) {
		uint8_t bad = cmd->cdb[i] & (uint8_t)~d->mask[i];

		if (bad) {
			scst_cmd_set_invalid_field(cmd, true, i, high_bit(bad));
			return SCST_SENSE_INVALID_FIELD_IN_CDB;
		}
	}
	cmd->op = d;

	if (d->flags & SCST_OPF_LBA) {
		cmd->lba = get_be(cmd->cdb + d->lba_off, d->lba_size);
		if (d->len_kind == SCST_LEN_BLOCKS_6)
			cmd->lba &= 0x1fffff; /* 21 bits (SBC-3) */
	}
	if (d->flags & SCST_OPF_FUA)
		cmd->fua = cmd->cdb[1] & 0x08;

	cmd->dir = d->dir;
	switch (d->len_kind) {
	case SCST_LEN_NONE:
		if (d->flags & SCST_OPF_LBA)
			cmd->nblocks = (uint32_t)get_be(cmd->cdb + d->len_off, d->len_size);
		break;
	case SCST_LEN_BLOCKS:
	case SCST_LEN_BLOCKS_6:
		cmd->nblocks = (uint32_t)get_be(cmd->cdb + d->len_off, d->len_size);
		if (d->len_kind == SCST_LEN_BLOCKS_6 && cmd->nblocks == 0)
			cmd->nblocks = 256; /* SBC-3: zero means 256 blocks */
		len = (uint64_t)cmd->nblocks * block_size;
		if (len > UINT32_MAX) {
			scst_cmd_set_invalid_field(cmd, true, d->len_off, -1);
			return SCST_SENSE_INVALID_FIELD_IN_CDB;
		}
		break;
	case SCST_LEN_BYTES:
		len = get_be(cmd->cdb + d->len_off, d->len_size);
		/* Byte counts with an LBA address one block (READ LONG, GET LBA STATUS). */
		if (d->flags & SCST_OPF_LBA)
			cmd->nblocks = 1;
		break;
	case SCST_LEN_FIXED:
		len = d->len_off;
		break;
	case SCST_LEN_SPECIAL: {
		uint32_t l = 0;
		enum scst_data_dir dir = d->dir;

		if ((d->flags & SCST_OPF_LBA) && d->len_size)
			cmd->nblocks = (uint32_t)get_be(cmd->cdb + d->len_off, d->len_size);
		r = d->get_len(cmd, block_size, &l, &dir);
		if (r != SCST_SENSE_NONE)
			return r;
		len = l;
		cmd->dir = dir;
		break;
	}
	}
	cmd->data_len = (uint32_t)len;
	/* A command that moves no data has no direction: a zero length is not an error (SBC-3). */
	if (cmd->data_len == 0)
		cmd->dir = SCST_DATA_NONE;
	return SCST_SENSE_NONE;
}
