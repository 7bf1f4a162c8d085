// SPDX-License-Identifier: GPL-2.0-only
/*
 * EXTENDED COPY (LID1) and RECEIVE COPY RESULTS (SPC-4 6.4, 6.18): the copy
 * manager in the device server, for block-to-block segments between logical
 * units named by identification CSCD descriptors (0xE4), as VMware (VAAI
 * XCOPY) and Windows (ODX over LID1) use it.
 *
 * Security (the CVE-2020-28374 class): a CSCD descriptor names a logical unit
 * by its designator. It is resolved ONLY among the LUNs the calling session
 * can see, through the session's own LUN table, never through the global
 * device list; a destination the session sees read-only is refused. So a
 * copy can reach nothing the initiator could not read or write itself.
 *
 * The whole parameter list is checked before the first block moves. The copy
 * then runs on the command's reactor, one CHUNK at a time through the
 * handlers' bios (read into one buffer from the SGV cache, write from it),
 * never blocking the reactor. The session's LUN table is held for the
 * duration, so the devices stay. Copy status is kept per session by LIST
 * IDENTIFIER for RECEIVE COPY RESULTS (COPY STATUS) when LIST ID USAGE asks.
 */
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "scst/sgv.h"

#define XC_HDR 16
#define XC_CSCD_LEN 32 /* identification descriptor CSCD (0xE4) */
#define XC_SEG_B2B_LEN 28 /* block-to-block segment (0x02), with its 4-byte header */
#define XC_MAX_CSCD 8
#define XC_MAX_SEGS 64
#define XC_MAX_LIST_LEN 4096 /* MAXIMUM DESCRIPTOR LIST LENGTH */
#define XC_MAX_SEG_BLOCKS 65535u /* the segment's two-byte NUMBER OF BLOCKS */
#define XC_CHUNK (1u << 20)

struct xc_cscd {
	struct scst_device *dev; /* NULL: not a LUN of this session */
	bool read_only;
	uint32_t block_size; /* from the descriptor; 0: not given */
};

struct xc_seg {
	uint16_t src, dst;
	uint32_t nblocks;
	uint64_t src_lba, dst_lba;
};

struct xc_ctx {
	struct scst_cmd *cmd;
	struct scst_lun_table *luns;
	struct scst_buffer buf;
	uint8_t list_id;
	bool keep_status;
	unsigned ncscd, nseg, cur;
	uint64_t pos; /* blocks done in the current segment */
	uint32_t chunk; /* blocks in flight */
	uint64_t blocks_done;
	bool writing, in_submit, sync_done;
	enum scst_sense_reason sync_reason;
	struct xc_cscd cscd[XC_MAX_CSCD];
	struct xc_seg seg[XC_MAX_SEGS];
};

/* ---- copy status per session (RECEIVE COPY RESULTS, COPY STATUS) ---- */

static void status_record(struct scst_session *s, uint8_t list_id, uint8_t status, uint16_t segs,
			  uint64_t blocks)
{
	struct scst_xcopy_status *st = NULL;

	for (unsigned i = 0; i < SCST_XCOPY_STATUS_SLOTS && !st; i++)
		if (s->xcopy_status[i].used && s->xcopy_status[i].list_id == list_id)
			st = &s->xcopy_status[i];
	if (!st)
		st = &s->xcopy_status[s->xcopy_next++ % SCST_XCOPY_STATUS_SLOTS];
	st->used = true;
	st->list_id = list_id;
	st->status = status;
	st->segments = segs;
	st->blocks = blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)blocks;
}

/* ---- parsing ---- */

static enum scst_sense_reason bad_param(struct scst_cmd *cmd, unsigned byte, int bit)
{
	scst_cmd_set_invalid_field(cmd, false, byte, bit);
	return SCST_SENSE_NONE;
}

/* Find the LUN of this session whose NAA designator is the descriptor's. */
static void resolve_cscd(struct xc_ctx *x, const uint8_t *d, struct xc_cscd *c)
{
	const uint8_t *desig = d + 4;
	uint8_t type = desig[1] & 0x0f, len = desig[3];

	c->dev = NULL;
	c->block_size = (uint32_t)d[29] << 16 | (uint32_t)d[30] << 8 | d[31];
	/* VPD 0x83 names our devices by an 8-byte NAA designator (spc_inquiry.c). */
	if (type != 3 || len != 8)
		return;
	for (unsigned i = 0; i < x->luns->count; i++) {
		const struct scst_lun_entry *e = &x->luns->entries[i];

		if (e->dev->naa_id == scst_get_be64(desig + 4)) {
			c->dev = e->dev;
			c->read_only = e->read_only || e->dev->read_only || e->dev->swp;
			return;
		}
	}
}

static enum scst_sense_reason parse_cscds(struct xc_ctx *x, const uint8_t *p, uint32_t len)
{
	for (uint32_t off = 0; off < len; off += XC_CSCD_LEN) {
		const uint8_t *d = p + off;

		/* Only identification descriptors name logical units we can reach. */
		if (d[0] != 0xe4)
			return SCST_SENSE_UNSUPPORTED_TARGET_DESCRIPTOR;
		if (len - off < XC_CSCD_LEN)
			return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
		if (x->ncscd == XC_MAX_CSCD)
			return SCST_SENSE_TOO_MANY_TARGET_DESCRIPTORS;
		/* SPC-4 6.4.5.2: LU ID TYPE is reserved but for 00b (LUN) and 01b (proxy);
		 * SPC-4 has it ignored by the copy manager, which resolves by designator.
		 * The device type must be a direct-access block device. */
		if ((d[1] & 0x1f) != 0)
			return SCST_SENSE_UNSUPPORTED_TARGET_DESCRIPTOR;
		resolve_cscd(x, d, &x->cscd[x->ncscd++]);
	}
	return SCST_SENSE_NONE;
}

static enum scst_sense_reason parse_segs(struct xc_ctx *x, const uint8_t *p, uint32_t len,
					 uint32_t base)
{
	for (uint32_t off = 0; off < len;) {
		const uint8_t *d = p + off;
		struct xc_seg *s;

		if (len - off < 4)
			return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
		if (d[0] != 0x02)
			return SCST_SENSE_UNSUPPORTED_SEGMENT_DESCRIPTOR;
		if (scst_get_be16(d + 2) != XC_SEG_B2B_LEN - 4)
			return bad_param(x->cmd, base + off + 2, 7);
		if (len - off < XC_SEG_B2B_LEN)
			return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
		if (x->nseg == XC_MAX_SEGS)
			return SCST_SENSE_TOO_MANY_SEGMENT_DESCRIPTORS;
		if (d[1] & 0x01)
			return bad_param(x->cmd, base + off + 1, 0); /* CAT: no residue handling */
		s = &x->seg[x->nseg++];
		s->src = scst_get_be16(d + 4);
		s->dst = scst_get_be16(d + 6);
		s->nblocks = scst_get_be16(d + 10);
		s->src_lba = scst_get_be64(d + 12);
		s->dst_lba = scst_get_be64(d + 20);
		off += XC_SEG_B2B_LEN;
	}
	return SCST_SENSE_NONE;
}

static enum scst_sense_reason parse(struct xc_ctx *x)
{
	struct scst_cmd *cmd = x->cmd;
	uint32_t plen = scst_get_be32(cmd->cdb + 10), cscd_len, seg_len, inline_len;
	const uint8_t *p = cmd->buf;
	enum scst_sense_reason r;

	if (plen < XC_HDR || cmd->bufflen < plen)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	x->list_id = p[0];
	/* LIST ID USAGE 00b and 01b: keep the status for RECEIVE COPY RESULTS. */
	x->keep_status = ((p[1] >> 3) & 3) < 2;
	cscd_len = scst_get_be16(p + 2);
	seg_len = scst_get_be32(p + 8);
	inline_len = scst_get_be32(p + 12);
	if ((uint64_t)XC_HDR + cscd_len + seg_len + inline_len > plen)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	/* SPC-4 6.4.3: a list longer than MAXIMUM DESCRIPTOR LIST LENGTH. */
	if ((uint64_t)cscd_len + seg_len > XC_MAX_LIST_LEN)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	if (inline_len)
		return bad_param(cmd, 12, 7); /* MAXIMUM INLINE DATA LENGTH is 0 */
	if (cscd_len % XC_CSCD_LEN && p[XC_HDR] == 0xe4)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	r = parse_cscds(x, p + XC_HDR, cscd_len);
	if (r != SCST_SENSE_NONE || cmd->reason != SCST_SENSE_NONE)
		return r;
	return parse_segs(x, p + XC_HDR + cscd_len, seg_len, XC_HDR + cscd_len);
}

/* ---- running the segments ---- */

static void x_finish(struct xc_ctx *x, enum scst_sense_reason r)
{
	struct scst_cmd *cmd = x->cmd;

	if (x->keep_status)
		status_record(cmd->sess, x->list_id, r == SCST_SENSE_NONE ? 1 : 2,
			      (uint16_t)x->cur, x->blocks_done);
	if (x->buf.data)
		scst_sgv_put(scst_reactor_sgv(cmd->sess->reactor), &x->buf);
	scst_lun_table_put(x->luns);
	cmd->core_priv = NULL;
	free(x);
	scst_cmd_done(cmd, r);
}

/* Check a segment before its first block moves (SPC-4 6.4.6.4). */
static enum scst_sense_reason seg_check(struct xc_ctx *x, const struct xc_seg *s)
{
	const struct xc_cscd *src, *dst;

	if (s->src >= x->ncscd || s->dst >= x->ncscd)
		return SCST_SENSE_COPY_TARGET_DEVICE_NOT_REACHABLE;
	src = &x->cscd[s->src];
	dst = &x->cscd[s->dst];
	if (!src->dev || !dst->dev)
		return SCST_SENSE_COPY_TARGET_DEVICE_NOT_REACHABLE;
	if (dst->read_only)
		return SCST_SENSE_COPY_ABORTED_WRITE_PROTECTED;
	if (src->dev->block_size != dst->dev->block_size ||
	    (src->block_size && src->block_size != src->dev->block_size) ||
	    (dst->block_size && dst->block_size != dst->dev->block_size))
		return SCST_SENSE_COPY_ABORTED;
	if (s->src_lba > src->dev->nblocks || s->nblocks > src->dev->nblocks - s->src_lba ||
	    s->dst_lba > dst->dev->nblocks || s->nblocks > dst->dev->nblocks - s->dst_lba)
		return SCST_SENSE_COPY_ABORTED;
	return SCST_SENSE_NONE;
}

static void bio_done(struct scst_bio *bio, enum scst_sense_reason reason);

static void submit(struct xc_ctx *x, struct scst_device *dev, enum scst_bio_op op, uint32_t flags,
		   uint64_t lba)
{
	scst_cmd_submit_bio_dev(x->cmd, dev, op, flags, scst_dev_lba_to_bytes(dev, lba),
				(uint64_t)x->chunk << dev->block_shift, x->buf.data, bio_done);
}

/* Issue the next read or write; true when a bio is in flight, false when done. */
static bool step(struct xc_ctx *x, enum scst_sense_reason last)
{
	const struct xc_seg *s;
	struct scst_device *dst;
	enum scst_sense_reason r;

	if (last != SCST_SENSE_NONE) {
		x_finish(x, SCST_SENSE_COPY_ABORTED);
		return false;
	}
	if (x->cmd->aborted) {
		x_finish(x, SCST_SENSE_ABORTED_COMMAND);
		return false;
	}
	if (x->writing) {
		/* A chunk was written: on to the next one. */
		x->writing = false;
		x->pos += x->chunk;
		x->blocks_done += x->chunk;
		if (x->pos == x->seg[x->cur].nblocks) {
			x->cur++;
			x->pos = 0;
		}
	} else if (x->chunk) {
		/* A chunk was read: write it. */
		s = &x->seg[x->cur];
		dst = x->cscd[s->dst].dev;
		x->writing = true;
		submit(x, dst, SCST_BIO_WRITE,
		       ((dst->write_through || !dst->wce) && !dst->nv_cache) ? SCST_BIO_FUA : 0,
		       s->dst_lba + x->pos);
		return true;
	}
	/* Start the next chunk, checking each segment as it begins. */
	while (x->cur < x->nseg && x->seg[x->cur].nblocks == 0)
		x->cur++;
	if (x->cur == x->nseg) {
		x_finish(x, SCST_SENSE_NONE);
		return false;
	}
	s = &x->seg[x->cur];
	if (x->pos == 0) {
		r = seg_check(x, s);
		if (r != SCST_SENSE_NONE) {
			x_finish(x, r);
			return false;
		}
	}
	x->chunk = (uint32_t)(x->buf.size >> x->cscd[s->src].dev->block_shift);
	if (x->chunk > s->nblocks - x->pos)
		x->chunk = (uint32_t)(s->nblocks - x->pos);
	submit(x, x->cscd[s->src].dev, SCST_BIO_READ, 0, s->src_lba + x->pos);
	return true;
}

/* Run steps until a bio stays in flight; bios completed inside submit() loop here. */
static void drive(struct xc_ctx *x, enum scst_sense_reason last)
{
	for (;;) {
		bool in_flight;

		x->in_submit = true;
		x->sync_done = false;
		in_flight = step(x, last);
		if (!in_flight)
			return; /* x is gone */
		x->in_submit = false;
		if (!x->sync_done)
			return;
		last = x->sync_reason;
	}
}

static void bio_done(struct scst_bio *bio, enum scst_sense_reason reason)
{
	struct xc_ctx *x = ((struct scst_cmd *)bio->priv)->core_priv;

	if (x->in_submit) {
		x->sync_done = true;
		x->sync_reason = reason;
		return;
	}
	drive(x, reason);
}

void scst_spc_extended_copy(struct scst_cmd *cmd)
{
	struct xc_ctx *x;
	enum scst_sense_reason r;

	/* SPC-4 6.4.1: a zero PARAMETER LIST LENGTH is not an error; nothing happens. */
	if (!scst_get_be32(cmd->cdb + 10)) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		scst_cmd_done(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	x->cmd = cmd;
	x->luns = scst_lun_table_get(cmd->sess->luns);
	r = parse(x);
	if (r != SCST_SENSE_NONE || cmd->reason != SCST_SENSE_NONE) {
		scst_lun_table_put(x->luns);
		free(x);
		scst_cmd_done(cmd, r);
		return;
	}
	if (scst_sgv_get(scst_reactor_sgv(cmd->sess->reactor), XC_CHUNK, &x->buf)) {
		scst_lun_table_put(x->luns);
		free(x);
		scst_cmd_done(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	cmd->core_priv = x;
	drive(x, SCST_SENSE_NONE);
}

/* ---- RECEIVE COPY RESULTS ---- */

static void copy_status(struct scst_cmd *cmd)
{
	struct scst_session *s = cmd->sess;
	uint8_t b[12];

	for (unsigned i = 0; i < SCST_XCOPY_STATUS_SLOTS; i++) {
		const struct scst_xcopy_status *st = &s->xcopy_status[i];

		if (!st->used || st->list_id != cmd->cdb[2])
			continue;
		memset(b, 0, sizeof(b));
		scst_put_be32(b, 8); /* AVAILABLE DATA */
		b[4] = st->status; /* HDD 0; 01h completed, 02h completed with errors */
		scst_put_be16(b + 5, st->segments);
		b[7] = 0xf1; /* TRANSFER COUNT UNITS: logical blocks of the destination */
		scst_put_be32(b + 8, st->blocks);
		scst_cmd_respond(cmd, b, sizeof(b));
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	/* SPC-4 6.18.3: no copy with that LIST IDENTIFIER is known. */
	scst_cmd_set_invalid_field(cmd, true, 2, 7);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

static void operating_parameters(struct scst_cmd *cmd)
{
	uint8_t b[46];

	memset(b, 0, sizeof(b));
	scst_put_be32(b, sizeof(b) - 4); /* AVAILABLE DATA */
	scst_put_be16(b + 8, XC_MAX_CSCD);
	scst_put_be16(b + 10, XC_MAX_SEGS);
	scst_put_be32(b + 12, XC_MAX_LIST_LEN);
	scst_put_be32(b + 16, XC_MAX_SEG_BLOCKS * 4096u); /* MAXIMUM SEGMENT LENGTH (bytes) */
	/* MAXIMUM INLINE DATA LENGTH, HELD DATA LIMIT, MAXIMUM STREAM DEVICE TRANSFER
	 * SIZE: 0 (no inline data, no held data, no stream devices). */
	scst_put_be16(b + 34, 1); /* TOTAL CONCURRENT COPIES: one per command, per nexus */
	b[36] = 1; /* MAXIMUM CONCURRENT COPIES */
	b[37] = 9; /* DATA SEGMENT GRANULARITY: 2^9 bytes */
	b[43] = 2; /* IMPLEMENTED DESCRIPTOR LIST LENGTH */
	b[44] = 0x02; /* block device to block device */
	b[45] = 0xe4; /* identification descriptor CSCD */
	scst_cmd_respond(cmd, b, sizeof(b));
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

void scst_spc_receive_copy_results(struct scst_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x1f) == 0x00)
		copy_status(cmd);
	else
		operating_parameters(cmd);
}

/* Third-party Copy VPD page 0x8F (SPC-4 7.8.17) for LID1 copies. */
uint32_t scst_spc_vpd_third_party_copy(uint8_t *b)
{
	static const uint8_t cmds[] = { 0x83, 1, 0x00, 0x84, 2, 0x00, 0x03 };
	uint8_t *p = b + 4;

	/* Supported Commands (0001h): EXTENDED COPY(LID1), RECEIVE COPY RESULTS. */
	scst_put_be16(p, 0x0001);
	scst_put_be16(p + 2, 8);
	p[4] = sizeof(cmds);
	memcpy(p + 5, cmds, sizeof(cmds));
	p += 12;
	/* Parameter Data (0008h): the limits EXTENDED COPY enforces. */
	scst_put_be16(p, 0x0008);
	scst_put_be16(p + 2, 28);
	memset(p + 4, 0, 28);
	scst_put_be16(p + 8, XC_MAX_CSCD);
	scst_put_be16(p + 10, XC_MAX_SEGS);
	scst_put_be32(p + 12, XC_MAX_LIST_LEN);
	p += 32;
	/* Supported Descriptors (0004h): block-to-block segments, identification CSCDs. */
	scst_put_be16(p, 0x0004);
	scst_put_be16(p + 2, 4);
	p[4] = 2;
	p[5] = 0x02;
	p[6] = 0xe4;
	p[7] = 0;
	p += 8;
	scst_put_be16(b + 2, (uint16_t)(p - b - 4));
	return (uint32_t)(p - b);
}
