/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The opcode table: one entry per (opcode, service action, device types) is
 * the single truth about a command: CDB length and allowed-bits mask, data
 * direction, how the transfer length follows from the CDB, which device
 * types take it, how it behaves under reservations, persistent reservations
 * and ALUA states, its ordering class, and who executes it. REPORT SUPPORTED
 * OPERATION CODES is generated from it.
 */
#ifndef SCST_CORE_OPCODES_H
#define SCST_CORE_OPCODES_H

#include "scst/target.h"

#define SCST_NO_SA 0xffff

/* How the transfer length is computed from the CDB. */
enum scst_len_kind {
	SCST_LEN_NONE, /* no data */
	SCST_LEN_BLOCKS, /* field at len_off/len_size counts logical blocks */
	SCST_LEN_BLOCKS_6, /* READ/WRITE(6): byte 4, 0 means 256 blocks (SBC-3 5.x) */
	SCST_LEN_BYTES, /* field at len_off/len_size counts bytes (allocation/parameter list length) */
	SCST_LEN_FIXED, /* len_off bytes, always */
	SCST_LEN_SPECIAL, /* computed by desc->get_len() */
};

/* Ordering class: how a command may pass others of the same device (SAM-5 8.6). */
enum scst_ord_class {
	SCST_ORD_NONE, /* touches no medium: passes everything */
	SCST_ORD_READ,
	SCST_ORD_WRITE,
	SCST_ORD_BARRIER, /* waits for everything before it and holds what follows */
};

/* Flags. */
#define SCST_OPF_WRITE_MEDIUM (1u << 0) /* changes the medium: DATA PROTECT on a read-only LUN */
#define SCST_OPF_UA_EXEMPT (1u << 1) /* INQUIRY, REPORT LUNS, REQUEST SENSE: a pending UA does not block it (SAM-5 5.14) */
#define SCST_OPF_RES_OK (1u << 2) /* allowed when another nexus holds an SPC-2 reservation (SPC-2 5.5.1 table) */
#define SCST_OPF_LBA (1u << 3) /* has lba/nblocks that must be inside the medium */
#define SCST_OPF_FUA (1u << 4) /* CDB byte 1 bit 3 is FUA */
#define SCST_OPF_EXCL_PR (1u << 5) /* conflicts like a write under WE/EA reservations of others */
#define SCST_OPF_ALLOW_PR (1u << 6) /* always allowed under any PR (INQUIRY, REPORT LUNS, PR IN/OUT...) */
#define SCST_OPF_READ_PR (1u << 7) /* allowed under Write Exclusive types for non-holders (a read) */
#define SCST_OPF_ALUA_STANDBY_OK (1u << 8)
#define SCST_OPF_ALUA_UNAVAIL_OK (1u << 9)
#define SCST_OPF_ALUA_TRANS_OK (1u << 10)
#define SCST_OPF_NEEDS_MEDIUM (1u << 11) /* NOT READY if the device has no medium */

/* Not a handler capability: the command's path is under ALUA (scst_td_caps()). */
#define SCST_CAP_ALUA (1u << 31)

#define SCST_DEVT(t) (1u << (t))
#define SCST_DEVT_DISK SCST_DEVT(SCST_TYPE_DISK)
#define SCST_DEVT_ROM SCST_DEVT(SCST_TYPE_ROM)
#define SCST_DEVT_ALL 0xffffffffu

struct scst_opcode_desc {
	uint8_t opcode;
	uint16_t sa; /* service action or SCST_NO_SA */
	uint8_t sa_byte; /* where the service action sits (1 with mask 0x1f, or 8-9 for 0x7f) */
	const char *name;
	uint8_t cdb_len;
	/* Bits a CDB may set, byte by byte; byte 0 ignored. The last byte (CONTROL)
	 * allows NACA (bit 2) only if the core supports ACA. */
	uint8_t mask[SCST_MAX_CDB_SIZE];
	enum scst_data_dir dir;
	enum scst_len_kind len_kind;
	uint8_t len_off;
	uint8_t len_size;
	/* SCST_LEN_SPECIAL: write the transfer length in bytes and direction; return a reason. */
	enum scst_sense_reason (*get_len)(struct scst_cmd *cmd, uint32_t block_size,
					  uint32_t *len, enum scst_data_dir *dir);
	uint8_t lba_off, lba_size; /* SCST_OPF_LBA: where the LBA is (0: none) */
	uint32_t dev_types; /* SCST_DEVT(...) mask */
	uint32_t flags;
	enum scst_ord_class ord;
	/* Handler capabilities this command needs; without them it is INVALID OPCODE
	 * and left out of REPORT SUPPORTED OPERATION CODES. */
	uint32_t needs_caps;
	/* Who executes it: a core function, or NULL when the command is classified but
	 * not implemented (answered INVALID OPCODE, not reported as supported). */
	void (*exec)(struct scst_cmd *cmd);
	/* Nominal command timeout hint for RSOC (seconds), 0 if none. */
	uint16_t timeout;
};

/*
 * Look up a descriptor: opcode, service action (ignored for opcodes without
 * one) and device type. NULL when unknown for this device type.
 */
const struct scst_opcode_desc *scst_opcode_find(uint8_t opcode, uint16_t sa, uint8_t dev_type);

/* Does the opcode use a service action, and where (for RSOC's SERVACTV bit)? */
bool scst_opcode_has_sa(uint8_t opcode, uint8_t dev_type);

/*
 * Parse cmd->cdb for a device of dev_type with handler capabilities caps and
 * block_size: find the descriptor, check CDB length and mask, and fill
 * cmd->op, cmd->dir, cmd->data_len, cmd->lba, cmd->nblocks, cmd->fua.
 * On error return the reason and set cmd's field pointer detail with
 * scst_cmd_set_error() (INVALID FIELD IN CDB names byte and bit).
 * Does not check LBA ranges (done by the core against the device size).
 */
enum scst_sense_reason scst_opcode_parse(struct scst_cmd *cmd, uint8_t dev_type, uint32_t caps,
					 uint32_t block_size);

/* Iterate over every descriptor usable on dev_type with caps (for RSOC). */
void scst_opcode_for_each(uint8_t dev_type, uint32_t caps,
			  void (*fn)(const struct scst_opcode_desc *d, void *arg), void *arg);
/* Is this descriptor supported (exec set, caps present)? */
bool scst_opcode_supported(const struct scst_opcode_desc *d, uint32_t caps);

#endif
