/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * INQUIRY (SPC-4 6.6): standard data and the vital product data pages.
 *
 * VPD pages say exactly what the core and the device's handler implement:
 * thin provisioning fields appear only when the device is thin provisioned
 * and its handler can unmap, and every command limit is taken from the opcode
 * table, so an initiator never learns of a feature it would then be refused.
 */
#include <stdio.h>
#include <string.h>

#include "core_priv.h"
#include "opcodes.h"

/* Largest data transfer we advertise (block limits page); the SGV cache serves it. */
#define SPC_MAX_XFER_BYTES (8u << 20)
/* UNMAP limits (SBC-3 6.6.4): any LBA count per command, descriptors per list. */
#define SPC_MAX_UNMAP_LBA_COUNT 0xffffffffu
#define SPC_MAX_UNMAP_DESCRIPTORS 256u /* MAX_UNMAP_DESCRIPTORS in sbc_ext.c */
#define SPC_MAX_CAW_BLOCKS 255u /* MAX_CAW_BLOCKS in sbc_ext.c */
/* iSCSI target portal group tag in the target port's SCSI name (RFC 7143 13.9). */
#define SPC_ISCSI_TPGT 1u
/* SPC-4 7.6.1 table 459: protocol identifier of iSCSI. */
#define SPC_PROTO_ISCSI 0x5

/* Version descriptors (SPC-4 table 143). */
#define VD_SAM5 0x00a0
#define VD_ISCSI 0x0960
#define VD_SPC4 0x0460
#define VD_SBC3 0x04c0

#define STD_INQ_LEN 74 /* through the eight version descriptors (bytes 58-73) */
#define VPD_BUF_LEN 512

static void fail_field(struct scst_cmd *cmd, unsigned byte, int bit)
{
	scst_cmd_set_invalid_field(cmd, true, byte, bit);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/* ASCII fields of INQUIRY data are left-aligned and padded with spaces (SPC-4 4.4.1). */
static void put_ascii(uint8_t *dst, const char *src, size_t n)
{
	size_t l = strnlen(src, n);

	memcpy(dst, src, l);
	memset(dst + l, ' ', n - l);
}

static bool op_supported(const struct scst_device *dev, uint8_t opcode, uint16_t sa)
{
	const struct scst_opcode_desc *d = scst_opcode_find(opcode, sa, dev->type);

	return d && scst_opcode_supported(d, dev->handler->caps);
}

/* Logical block provisioning is offered only when it is real (SBC-3 4.7). */
static bool dev_thin(const struct scst_device *dev)
{
	return dev->thin_provisioned && (dev->handler->caps & SCST_DH_CAP_UNMAP);
}

/* Peripheral qualifier 000b and the device type (SPC-4 6.6.2). */
static uint8_t peripheral(const struct scst_device *dev)
{
	return dev->type & 0x1f;
}

static uint32_t std_inquiry(const struct scst_cmd *cmd, const struct scst_device *dev, uint8_t *b)
{
	bool iscsi = !strcmp(scst_session_target(cmd->sess)->tmpl->name, "iscsi");
	unsigned vd = 58;

	memset(b, 0, STD_INQ_LEN);
	b[0] = peripheral(dev);
	b[1] = dev->removable ? 0x80 : 0; /* RMB */
	b[2] = 0x06; /* VERSION: SPC-4 */
	b[3] = 0x10 | 0x02; /* HISUP, RESPONSE DATA FORMAT 2 */
	b[4] = STD_INQ_LEN - 5;
	/* 3PC only when EXTENDED COPY is implemented (SPC-4 6.6.2, 6.3). */
	if (op_supported(dev, 0x83, 0x00))
		b[5] |= 0x08;
	/* TPGS 11b on a path under ALUA: implicit transitions (management) and explicit
	 * ones (SET TARGET PORT GROUPS), SPC-4 5.15.2.1. */
	if (cmd->tgt_dev && scst_alua_state(cmd->tgt_dev) != SCST_ALUA_NONE)
		b[5] |= 0x30;
	b[7] = 0x02; /* CMDQUE: SAM-5 task management of queued commands */
	put_ascii(b + 8, dev->t10_vendor_id, 8);
	put_ascii(b + 16, dev->prod_id, 16);
	put_ascii(b + 32, dev->prod_rev, 4);
	scst_put_be16(b + vd, VD_SAM5);
	vd += 2;
	if (iscsi) {
		scst_put_be16(b + vd, VD_ISCSI);
		vd += 2;
	}
	scst_put_be16(b + vd, VD_SPC4);
	vd += 2;
	if (dev->type == SCST_TYPE_DISK)
		scst_put_be16(b + vd, VD_SBC3);
	return STD_INQ_LEN;
}

/* The VPD pages this device has, ascending (SPC-4 7.8.13). */
static unsigned vpd_pages(const struct scst_device *dev, uint8_t *pages)
{
	unsigned n = 0;

	pages[n++] = 0x00;
	pages[n++] = 0x80;
	pages[n++] = 0x83;
	/* Third-party Copy: where EXTENDED COPY is offered. */
	if (op_supported(dev, 0x83, 0x00))
		pages[n++] = 0x8f;
	/* The SBC-3 pages exist only for direct-access devices. */
	if (dev->type == SCST_TYPE_DISK) {
		pages[n++] = 0xb0;
		pages[n++] = 0xb1;
		pages[n++] = 0xb2;
	}
	return n;
}

static uint32_t vpd_supported(const struct scst_device *dev, uint8_t *b)
{
	unsigned n = vpd_pages(dev, b + 4);

	scst_put_be16(b + 2, (uint16_t)n);
	return 4 + n;
}

/* Unit Serial Number (SPC-4 7.8.15). */
static uint32_t vpd_serial(const struct scst_device *dev, uint8_t *b)
{
	size_t n = strnlen(dev->usn, sizeof(dev->usn));

	if (n == 0) {
		/* "not available" is reported as ASCII spaces */
		memset(b + 4, ' ', 4);
		n = 4;
	} else {
		memcpy(b + 4, dev->usn, n);
	}
	scst_put_be16(b + 2, (uint16_t)n);
	return 4 + (uint32_t)n;
}

/* Device Identification (SPC-4 7.8.6). Returns the page length. */
static uint32_t vpd_devid(const struct scst_cmd *cmd, const struct scst_device *dev, uint8_t *b)
{
	const struct scst_target *tgt = scst_session_target(cmd->sess);
	bool iscsi = !strcmp(tgt->tmpl->name, "iscsi");
	/* PIV=1 with the iSCSI protocol identifier for target port designators; other
	 * drivers are not a SCSI transport and leave PIV 0 (SPC-4 7.8.6.1). */
	uint8_t proto = iscsi ? (uint8_t)(SPC_PROTO_ISCSI << 4) : 0;
	uint8_t piv = iscsi ? 0x80 : 0;
	uint8_t *p = b + 4;
	char name[SCST_MAX_NAME + 16];
	size_t n;
	int w;

	/* NAA IEEE Registered (SPC-4 7.8.6.6.4), logical unit, binary. */
	p[0] = 0x01;
	p[1] = 0x03;
	p[3] = 8;
	scst_put_be64(p + 4, dev->naa_id);
	p += 12;

	/* T10 vendor ID based (SPC-4 7.8.6.4), logical unit, ASCII. */
	n = strnlen(dev->t10_dev_id, sizeof(dev->t10_dev_id));
	p[0] = 0x02;
	p[1] = 0x01;
	p[3] = (uint8_t)(8 + n);
	put_ascii(p + 4, dev->t10_vendor_id, 8);
	memcpy(p + 12, dev->t10_dev_id, n);
	p += 4 + 8 + n;

	/* Relative target port (SPC-4 7.8.6.7), target port, binary. */
	p[0] = proto | 0x01;
	p[1] = piv | 0x10 | 0x04;
	p[3] = 4;
	scst_put_be16(p + 6, scst_target_rel_id(tgt));
	p += 8;

	/*
	 * SCSI name string of the target port (SPC-4 7.8.6.11), UTF-8, NUL
	 * terminated and padded to a multiple of four. For iSCSI it is the target
	 * port name of RFC 7143: the target name, ",t,0x" and the portal group tag.
	 */
	if (iscsi)
		w = snprintf(name, sizeof(name), "%s,t,0x%04x", scst_target_name(tgt),
			     SPC_ISCSI_TPGT);
	else
		w = snprintf(name, sizeof(name), "%s", scst_target_name(tgt));
	n = w < 0 ? 0 : strnlen(name, sizeof(name) - 1);
	memcpy(p + 4, name, n);
	n = (n + 1 + 3) & ~(size_t)3; /* b is zeroed: the NUL and the pad are there */
	p[0] = proto | 0x03;
	p[1] = piv | 0x10 | 0x08;
	p[3] = (uint8_t)n;
	p += 4 + n;

	/* Target port group (SPC-4 7.8.6.8) of this path, under ALUA. */
	if (cmd->tgt_dev && scst_alua_state(cmd->tgt_dev) != SCST_ALUA_NONE) {
		p[0] = 0x01;
		p[1] = 0x10 | 0x05;
		p[3] = 4;
		scst_put_be16(p + 6, cmd->tgt_dev->alua_group_id);
		p += 8;
	}

	scst_put_be16(b + 2, (uint16_t)(p - b - 4));
	return (uint32_t)(p - b);
}

/* Block Limits (SBC-3 6.6.4). */
static uint32_t vpd_block_limits(const struct scst_device *dev, uint8_t *b)
{
	uint32_t max_blocks = SPC_MAX_XFER_BYTES / dev->block_size;

	scst_put_be16(b + 2, 0x3c);
	/* WSNZ 0: WRITE SAME with zero blocks means "to the end" (sbc_ext.c). */
	/* MAXIMUM COMPARE AND WRITE LENGTH: the whole one-byte NUMBER OF LOGICAL BLOCKS
	 * range sbc_ext.c accepts, when COMPARE AND WRITE exists. */
	if (op_supported(dev, 0x89, SCST_NO_SA))
		b[5] = SPC_MAX_CAW_BLOCKS;
	scst_put_be16(b + 6, 1); /* OPTIMAL TRANSFER LENGTH GRANULARITY: one logical block */
	scst_put_be32(b + 8, max_blocks);
	scst_put_be32(b + 12, max_blocks);
	if (dev_thin(dev) && op_supported(dev, 0x42, SCST_NO_SA)) {
		scst_put_be32(b + 20, SPC_MAX_UNMAP_LBA_COUNT);
		scst_put_be32(b + 24, SPC_MAX_UNMAP_DESCRIPTORS);
		scst_put_be32(b + 28, 1); /* OPTIMAL UNMAP GRANULARITY */
	}
	/* MAXIMUM WRITE SAME LENGTH: only if WRITE SAME is implemented. */
	if (op_supported(dev, 0x93, SCST_NO_SA) || op_supported(dev, 0x41, SCST_NO_SA))
		scst_put_be64(b + 36, scst_max_write_same_blocks(dev));
	/* MAXIMUM ATOMIC TRANSFER LENGTH (SBC-4 6.6.4); ATOMIC ALIGNMENT, ATOMIC TRANSFER
	 * LENGTH GRANULARITY and the boundary fields stay 0: none required, none offered. */
	if (op_supported(dev, 0x9c, SCST_NO_SA))
		scst_put_be32(b + 44, scst_max_atomic_blocks(dev));
	return 64;
}

/* Block Device Characteristics (SBC-3 6.6.2). */
static uint32_t vpd_block_chars(const struct scst_device *dev, uint8_t *b)
{
	scst_put_be16(b + 2, 0x3c);
	/* MEDIUM ROTATION RATE: 0001h non-rotating medium, 0000h not reported. */
	scst_put_be16(b + 4, dev->rotational ? 0x0000 : 0x0001);
	/* WABEREQ 01b (SBC-4 6.6.2): a read after SANITIZE BLOCK ERASE succeeds and
	 * returns the erased (zero) data. WACEREQ stays 0: no CRYPTOGRAPHIC ERASE. */
	if (op_supported(dev, 0x48, 0x02))
		b[7] = 0x40;
	return 64;
}

/* Logical Block Provisioning (SBC-3 6.6.5). */
static uint32_t vpd_lbp(const struct scst_device *dev, uint8_t *b)
{
	scst_put_be16(b + 2, 4);
	/* THRESHOLD EXPONENT 0: no thresholds. */
	if (dev_thin(dev)) {
		if (op_supported(dev, 0x42, SCST_NO_SA))
			b[5] |= 0x80; /* LBPU: UNMAP */
		if (op_supported(dev, 0x93, SCST_NO_SA))
			b[5] |= 0x40; /* LBPWS: WRITE SAME (16) with UNMAP */
		if (op_supported(dev, 0x41, SCST_NO_SA))
			b[5] |= 0x20; /* LBPWS10: WRITE SAME (10) with UNMAP */
		b[5] |= 0x04; /* LBPRZ: an unmapped block reads as zeros (device.h) */
		b[6] = 0x02; /* PROVISIONING TYPE: thin */
	}
	return 8;
}

void scst_spc_inquiry(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev ? cmd->tgt_dev->dev : NULL;
	bool evpd = cmd->cdb[1] & 0x01;
	uint8_t page = cmd->cdb[2];
	uint8_t b[VPD_BUF_LEN];
	uint8_t pages[16];
	uint32_t len;
	unsigned i, n;

	/* SPC-4 6.6.2: a page code without EVPD is an error. */
	if (!evpd && page != 0) {
		fail_field(cmd, 2, 7);
		return;
	}
	memset(b, 0, sizeof(b));
	if (!dev) {
		/*
		 * No logical unit at this LUN: peripheral qualifier 011b, type 1Fh
		 * (SPC-4 6.6.2); standard data only.
		 */
		if (evpd) {
			fail_field(cmd, 1, 0);
			return;
		}
		b[0] = 0x7f;
		b[2] = 0x06;
		b[3] = 0x12;
		b[4] = 31;
		scst_cmd_respond(cmd, b, 36);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (!evpd) {
		len = std_inquiry(cmd, dev, b);
		scst_cmd_respond(cmd, b, len);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}

	n = vpd_pages(dev, pages);
	for (i = 0; i < n && pages[i] != page; i++)
		;
	if (i == n) {
		fail_field(cmd, 2, 7);
		return;
	}
	b[0] = peripheral(dev);
	b[1] = page;
	switch (page) {
	case 0x00:
		len = vpd_supported(dev, b);
		break;
	case 0x80:
		len = vpd_serial(dev, b);
		break;
	case 0x83:
		len = vpd_devid(cmd, dev, b);
		break;
	case 0x8f:
		len = scst_spc_vpd_third_party_copy(b);
		break;
	case 0xb0:
		len = vpd_block_limits(dev, b);
		break;
	case 0xb1:
		len = vpd_block_chars(dev, b);
		break;
	default: /* 0xb2, the last one vpd_pages() lists */
		len = vpd_lbp(dev, b);
		break;
	}
	scst_cmd_respond(cmd, b, len);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
