/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * REPORT LUNS (SPC-4 6.33), REPORT SUPPORTED OPERATION CODES (SPC-4 6.35)
 * and REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-4 6.36).
 *
 * The first two can be long (4096 LUNs make 32 KiB), so they are written
 * straight into the command's buffer: what fits in the allocation length is
 * stored, and the length fields always tell the whole length (SPC-4 4.2.5.6).
 * Supported operation codes come only from the opcode table.
 */
#include <string.h>

#include "core_priv.h"
#include "opcodes.h"

/* Writes into cmd->buf up to bufflen, counting what the full response would be. */
struct resp {
	uint8_t *buf;
	uint32_t cap;
	uint32_t len;
};

static void resp_init(struct resp *r, struct scst_cmd *cmd)
{
	r->buf = cmd->buf;
	r->cap = cmd->bufflen;
	r->len = 0;
}

static void resp_put(struct resp *r, const void *src, uint32_t n)
{
	if (r->len < r->cap) {
		uint32_t room = r->cap - r->len;

		memcpy(r->buf + r->len, src, n < room ? n : room);
	}
	r->len += n;
}

/* Patch bytes already reserved at off (a length field); only what was stored. */
static void resp_patch(struct resp *r, uint32_t off, const void *src, uint32_t n)
{
	for (uint32_t i = 0; i < n && off + i < r->cap; i++)
		r->buf[off + i] = ((const uint8_t *)src)[i];
}

/* Same bookkeeping as scst_cmd_respond(), for data built in place. */
static void resp_finish(struct resp *r, struct scst_cmd *cmd)
{
	cmd->resp_data_len = r->len < r->cap ? r->len : r->cap;
	cmd->resp_full_len = r->len < cmd->data_len ? r->len : cmd->data_len;
}

static void fail_field(struct scst_cmd *cmd, unsigned byte, int bit)
{
	scst_cmd_set_invalid_field(cmd, true, byte, bit);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/* ---- REPORT LUNS ---- */

void scst_spc_report_luns(struct scst_cmd *cmd)
{
	const struct scst_lun_table *t = cmd->sess->luns;
	uint8_t select = cmd->cdb[2];
	uint32_t alloc = scst_get_be32(cmd->cdb + 6);
	bool all;
	struct resp r;
	uint8_t hdr[8];
	unsigned n = 0;

	switch (select) {
	case 0x00: /* all logical units except well-known ones */
	case 0x02: /* all, well-known included: we have none */
	case 0x10: /* administrative LUs (SPC-5): every LU is one, nothing is subsidiary */
		all = true;
		break;
	case 0x01: /* well-known logical units only: none */
	case 0x11: /* subsidiary LUs of the addressed administrative LU: none */
	case 0x12:
		all = false;
		break;
	default:
		fail_field(cmd, 2, 7);
		return;
	}
	/* SPC-4 6.33: an allocation length below 16 is an error. */
	if (alloc < 16) {
		fail_field(cmd, 6, 7);
		return;
	}
	if (all && t)
		n = t->count;

	resp_init(&r, cmd);
	memset(hdr, 0, sizeof(hdr));
	scst_put_be32(hdr, n * 8u); /* LUN LIST LENGTH: the whole list, always */
	resp_put(&r, hdr, 8);
	for (unsigned i = 0; i < n; i++) {
		uint8_t raw[8];

		/* Once the buffer is full only the count matters. */
		if (r.len >= r.cap) {
			r.len += (n - i) * 8u;
			break;
		}
		scst_lun_encode(t->entries[i].lun, raw);
		resp_put(&r, raw, 8);
	}
	resp_finish(&r, cmd);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/* ---- REPORT SUPPORTED OPERATION CODES ---- */

struct rsoc_ctx {
	struct resp *r;
	bool rctd;
	uint32_t caps;
};

/* Command timeouts descriptor (SPC-4 6.35.4), in seconds. */
static void put_timeouts(struct resp *r, const struct scst_opcode_desc *d)
{
	uint8_t t[12];

	memset(t, 0, sizeof(t));
	scst_put_be16(t, 0x0a);
	scst_put_be32(t + 4, d->timeout);
	scst_put_be32(t + 8, d->timeout);
	resp_put(r, t, sizeof(t));
}

/* One all_commands descriptor (SPC-4 6.35.2). */
static void rsoc_one(const struct scst_opcode_desc *d, void *arg)
{
	struct rsoc_ctx *c = arg;
	uint8_t e[8];

	if (!scst_opcode_supported(d, c->caps))
		return;
	memset(e, 0, sizeof(e));
	e[0] = d->opcode;
	if (d->sa != SCST_NO_SA) {
		scst_put_be16(e + 2, d->sa);
		e[5] |= 0x01; /* SERVACTV */
	}
	if (c->rctd)
		e[5] |= 0x02; /* CTDP */
	scst_put_be16(e + 6, d->cdb_len);
	resp_put(c->r, e, sizeof(e));
	if (c->rctd)
		put_timeouts(c->r, d);
}

/*
 * CDB USAGE DATA (SPC-4 6.35.3): the opcode, then a bit map of the bits the
 * CDB may set, except that a service action field holds the service action.
 */
static void cdb_usage(const struct scst_opcode_desc *d, uint8_t *u)
{
	memcpy(u, d->mask, d->cdb_len);
	u[0] = d->opcode;
	if (d->sa == SCST_NO_SA)
		return;
	if (d->sa_byte == 1) {
		u[1] = (uint8_t)((u[1] & ~0x1fu) | (d->sa & 0x1f));
	} else if (d->sa_byte + 1u < d->cdb_len) {
		scst_put_be16(u + d->sa_byte, d->sa);
	}
}

void scst_spc_report_supported_opcodes(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	uint32_t caps = scst_td_caps(cmd->tgt_dev);
	bool rctd = cmd->cdb[2] & 0x80;
	unsigned opts = cmd->cdb[2] & 0x07;
	uint8_t opcode = cmd->cdb[3];
	uint16_t sa = scst_get_be16(cmd->cdb + 4);
	const struct scst_opcode_desc *d = NULL;
	struct resp r;
	uint8_t one[4 + SCST_MAX_CDB_SIZE];
	bool has_sa;

	resp_init(&r, cmd);
	if (opts == 0) {
		struct rsoc_ctx c = { .r = &r, .rctd = rctd, .caps = caps };
		uint8_t hdr[4] = { 0 };

		resp_put(&r, hdr, 4);
		scst_opcode_for_each(dev->type, caps, rsoc_one, &c);
		scst_put_be32(hdr, r.len - 4); /* COMMAND DATA LENGTH */
		resp_patch(&r, 0, hdr, 4);
		resp_finish(&r, cmd);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}

	has_sa = scst_opcode_has_sa(opcode, dev->type);
	switch (opts) {
	case 1: /* opcode alone: one with service actions is an error */
		if (has_sa) {
			fail_field(cmd, 2, 2);
			return;
		}
		d = scst_opcode_find(opcode, SCST_NO_SA, dev->type);
		break;
	case 2: /* opcode and service action: one without is an error, if we know it */
		if (!has_sa) {
			if (scst_opcode_find(opcode, SCST_NO_SA, dev->type)) {
				fail_field(cmd, 2, 2);
				return;
			}
			break;
		}
		d = scst_opcode_find(opcode, sa, dev->type);
		break;
	case 3: /* SPC-5: the service action counts only if the opcode has them */
		d = scst_opcode_find(opcode, has_sa ? sa : SCST_NO_SA, dev->type);
		break;
	default:
		fail_field(cmd, 2, 2);
		return;
	}

	memset(one, 0, sizeof(one));
	if (d && scst_opcode_supported(d, caps)) {
		one[1] = 0x03; /* SUPPORT: supported as the standard says */
		if (rctd)
			one[1] |= 0x80; /* CTDP */
		scst_put_be16(one + 2, d->cdb_len);
		cdb_usage(d, one + 4);
		resp_put(&r, one, 4u + d->cdb_len);
		if (rctd)
			put_timeouts(&r, d);
	} else {
		one[1] = 0x01; /* SUPPORT: not supported */
		resp_put(&r, one, 4);
	}
	resp_finish(&r, cmd);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/* ---- REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS ---- */

void scst_spc_report_supported_tmfs(struct scst_cmd *cmd)
{
	bool repd = cmd->cdb[2] & 0x80;
	uint8_t b[16];

	memset(b, 0, sizeof(b));
	/*
	 * What scst_rx_mgmt_fn() performs (SAM-5 7): ABORT TASK (ATS), ABORT TASK
	 * SET (ATSS), CLEAR TASK SET (CTSS), LOGICAL UNIT RESET (LURS), TARGET
	 * RESET (TRS) and I_T NEXUS RESET (ITNRS). No CLEAR ACA: ACA is not
	 * supported; no QUERY TASK / QUERY TASK SET / QUERY ASYNCHRONOUS EVENT.
	 */
	b[0] = 0x80 | 0x40 | 0x10 | 0x08 | 0x02;
	b[1] = 0x01;
	if (repd) {
		/* Extended format (SPC-4 6.36.3): no timeouts reported. */
		b[3] = 0x0c;
		scst_cmd_respond(cmd, b, 16);
	} else {
		scst_cmd_respond(cmd, b, 4);
	}
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
