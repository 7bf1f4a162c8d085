/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SBC-3 commands the core builds from the handler primitives: VERIFY, WRITE
 * AND VERIFY, WRITE SAME, UNMAP, GET LBA STATUS, COMPARE AND WRITE, PRE-FETCH,
 * READ DEFECT DATA and FORMAT UNIT.
 *
 * Each runs on the command's reactor as a chain of bios on cmd->bio, one at a
 * time. The chain's state lives in the command's core scratch fields, so no
 * memory is allocated per command beyond a scratch buffer from the reactor's
 * SGV cache (returned before the command finishes):
 *   core_u64[0]  next byte (or descriptor) to do
 *   core_u64[1]  where the chain ends
 *   core_u64[2]  XS_* flags, the step kind and the result of a bio that
 *                completed inside submit()
 *   core_u64[3]  scratch buffer size | class << 32; core_priv its data
 * A handler may complete a bio inside submit() (nullio); the driver loop below
 * then runs the next step iteratively, so a long chain never recurses.
 */
#include <errno.h>
#include <string.h>

#include "core_priv.h"
#include "scst/sgv.h"

#define CHUNK (1u << 20) /* bytes per bio for chunked reads and writes */
/* Must match MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT in the Block Limits VPD page. */
#define MAX_UNMAP_DESCRIPTORS 256u
/* NUMBER OF LOGICAL BLOCKS is one byte; any of it fits in one scratch buffer. */
#define MAX_CAW_BLOCKS 255u

enum x_kind {
	XK_VERIFY,
	XK_WRITE_VERIFY,
	XK_WRITE_SAME,
	XK_UNMAP,
	XK_CAW,
	XK_ORWRITE,
};

/* core_u64[2] layout. */
#define XS_KIND_SHIFT 0 /* enum x_kind, 8 bits */
#define XS_PHASE_SHIFT 8 /* kind-specific, 8 bits */
#define XS_REASON_SHIFT 16 /* reason of a bio completed inside submit(), 8 bits */
#define XS_BYTCHK_SHIFT 24 /* VERIFY's BYTCHK, 2 bits */
#define XS_IN_SUBMIT (1ull << 32)
#define XS_SYNC_DONE (1ull << 33)
#define XS_FUA (1ull << 34)
#define XS_UNMAP (1ull << 35) /* WRITE SAME: deallocate zeros when possible */

#define X_POS(c) ((c)->core_u64[0])
#define X_END(c) ((c)->core_u64[1])
#define X_ST(c) ((c)->core_u64[2])

static inline unsigned x_field(const struct scst_cmd *cmd, unsigned shift)
{
	return (unsigned)(X_ST(cmd) >> shift) & 0xff;
}

static inline void x_set_field(struct scst_cmd *cmd, unsigned shift, unsigned v)
{
	X_ST(cmd) = (X_ST(cmd) & ~(0xffull << shift)) | (uint64_t)(v & 0xff) << shift;
}

static inline struct scst_device *cmd_dev(const struct scst_cmd *cmd)
{
	return cmd->tgt_dev->dev;
}

static inline struct scst_sgv_cache *cmd_sgv(const struct scst_cmd *cmd)
{
	return scst_reactor_sgv(cmd->sess->reactor);
}

static void x_init(struct scst_cmd *cmd, enum x_kind kind)
{
	cmd->core_priv = NULL;
	memset(cmd->core_u64, 0, sizeof(cmd->core_u64));
	x_set_field(cmd, XS_KIND_SHIFT, kind);
}

static int scratch_get(struct scst_cmd *cmd, size_t len)
{
	struct scst_buffer b;

	if (scst_sgv_get(cmd_sgv(cmd), len, &b))
		return -ENOMEM;
	cmd->core_priv = b.data;
	cmd->core_u64[3] = b.size | (uint64_t)(uint8_t)b.cls << 32;
	return 0;
}

static inline uint8_t *scratch(const struct scst_cmd *cmd)
{
	return cmd->core_priv;
}

static inline uint32_t scratch_size(const struct scst_cmd *cmd)
{
	return (uint32_t)cmd->core_u64[3];
}

static void scratch_put(struct scst_cmd *cmd)
{
	struct scst_buffer b;

	if (!cmd->core_priv)
		return;
	b.data = cmd->core_priv;
	b.size = (uint32_t)cmd->core_u64[3];
	b.cls = (int8_t)(uint8_t)(cmd->core_u64[3] >> 32);
	scst_sgv_put(cmd_sgv(cmd), &b);
	cmd->core_priv = NULL;
}

/* End the command; returns false so steps can 'return finish(...)'. */
static bool finish(struct scst_cmd *cmd, enum scst_sense_reason reason)
{
	scst_lba_unlock(cmd);
	scratch_put(cmd);
	scst_cmd_done(cmd, reason);
	return false;
}

static bool finish_invalid(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit)
{
	scst_cmd_set_invalid_field(cmd, in_cdb, byte, bit);
	return finish(cmd, in_cdb ? SCST_SENSE_INVALID_FIELD_IN_CDB :
			      SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST);
}

/* MISCOMPARE DURING VERIFY with INFORMATION = offset of the first differing byte. */
static bool finish_miscompare(struct scst_cmd *cmd, uint64_t offset)
{
	struct scst_sense_detail d = { .info_valid = true, .info = offset };

	scst_cmd_set_error(cmd, SCST_SENSE_MISCOMPARE_DURING_VERIFY, &d);
	return finish(cmd, SCST_SENSE_MISCOMPARE_DURING_VERIFY);
}

static uint32_t write_flags(const struct scst_cmd *cmd, bool fua)
{
	const struct scst_device *dev = cmd_dev(cmd);

	/* As for WRITE: FUA or a write-through cache, unless the cache is non-volatile. */
	if ((fua || dev->write_through || !dev->wce) && !dev->nv_cache)
		return SCST_BIO_FUA;
	return 0;
}

static void x_bio_done(struct scst_bio *bio, enum scst_sense_reason reason);

static void x_submit(struct scst_cmd *cmd, enum scst_bio_op op, uint32_t flags, uint64_t off,
		     uint64_t len, void *buf)
{
	scst_cmd_submit_bio(cmd, op, flags, off, len, buf, x_bio_done);
}

static bool step(struct scst_cmd *cmd, enum scst_sense_reason last);

/*
 * Run steps until one leaves a bio in flight or the command ends. A step
 * returns true when it submitted a bio; false once it called finish() (the
 * command may then be gone: do not touch it).
 */
static void drive(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	for (;;) {
		uint64_t st;

		X_ST(cmd) = (X_ST(cmd) | XS_IN_SUBMIT) & ~XS_SYNC_DONE;
		if (!step(cmd, last))
			return;
		st = X_ST(cmd);
		X_ST(cmd) = st & ~(XS_IN_SUBMIT | XS_SYNC_DONE);
		if (!(st & XS_SYNC_DONE))
			return; /* in flight: x_bio_done() continues */
		last = (enum scst_sense_reason)((st >> XS_REASON_SHIFT) & 0xff);
	}
}

static void x_bio_done(struct scst_bio *bio, enum scst_sense_reason reason)
{
	struct scst_cmd *cmd = bio->priv;

	if (X_ST(cmd) & XS_IN_SUBMIT) {
		/* Completed inside submit(): let drive() take it without recursing. */
		X_ST(cmd) |= XS_SYNC_DONE;
		x_set_field(cmd, XS_REASON_SHIFT, reason);
		return;
	}
	drive(cmd, reason);
}

/* A read-modify-write command got its LBA range lock after waiting (lba_lock.c). */
static void x_resume(struct scst_cmd *cmd)
{
	drive(cmd, SCST_SENSE_NONE);
}

/*
 * Start a read-modify-write (COMPARE AND WRITE, ORWRITE) of nblocks blocks, len
 * bytes, once checked: a scratch buffer for the read, FUA from byte 1, and the
 * LBA range lock, since the read, the decision and the write are one atomic
 * operation (SBC-3 5.2, 5.10) against other read-modify-writes (lba_lock.c).
 */
static void rmw_start(struct scst_cmd *cmd, uint32_t nblocks, uint64_t len)
{
	if (scratch_get(cmd, len)) {
		finish(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	if (cmd->cdb[1] & 0x08)
		X_ST(cmd) |= XS_FUA;
	X_END(cmd) = len;
	if (scst_lba_lock(cmd, cmd->lba, nblocks, x_resume))
		drive(cmd, SCST_SENSE_NONE);
}

/* Common loop guard: stop on an error or an abort. */
static bool chain_failed(struct scst_cmd *cmd, enum scst_sense_reason last, bool *ret)
{
	if (last != SCST_SENSE_NONE) {
		*ret = finish(cmd, last);
		return true;
	}
	if (cmd->aborted) {
		/* Nothing more reaches the medium; the response is not sent anyway. */
		*ret = finish(cmd, SCST_SENSE_ABORTED_COMMAND);
		return true;
	}
	return false;
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Index of the first byte where a and b differ; len when equal. */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i = 0;

	/* memcmp finds equality fast; the byte scan runs only on a miscompare. */
	if (!memcmp(a, b, len))
		return len;
	while (a[i] == b[i])
		i++;
	return i;
}

/*
 * VERIFY (SBC-3 5.30..5.32). Phase 0 issues a read of the next chunk, phase 1
 * checks the chunk just read against the data-out (BYTCHK 01b: the same
 * bytes; 11b: the single block sent, for every block).
 */
static bool step_verify(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	struct scst_device *dev = cmd_dev(cmd);
	unsigned bytchk = x_field(cmd, XS_BYTCHK_SHIFT);
	uint64_t start = scst_dev_lba_to_bytes(dev, cmd->lba), len;
	bool ret;

	if (chain_failed(cmd, last, &ret))
		return ret;
	if (x_field(cmd, XS_PHASE_SHIFT) == 1) {
		uint64_t pos = X_POS(cmd);

		len = min_u64(scratch_size(cmd), X_END(cmd) - pos);
		if (bytchk == 1) {
			size_t i = first_diff(scratch(cmd), cmd->buf + (pos - start), len);

			if (i < len)
				return finish_miscompare(cmd, pos - start + i);
		} else if (bytchk == 3) {
			uint64_t b;

			for (b = 0; b < len; b += dev->block_size) {
				size_t i = first_diff(scratch(cmd) + b, cmd->buf, dev->block_size);

				if (i < dev->block_size)
					return finish_miscompare(cmd, pos - start + b + i);
			}
		}
		X_POS(cmd) = pos + len;
	}
	if (X_POS(cmd) >= X_END(cmd))
		return finish(cmd, SCST_SENSE_NONE);
	x_set_field(cmd, XS_PHASE_SHIFT, 1);
	len = min_u64(scratch_size(cmd), X_END(cmd) - X_POS(cmd));
	x_submit(cmd, SCST_BIO_READ, 0, X_POS(cmd), len, scratch(cmd));
	return true;
}

void scst_sbc_verify(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	unsigned bytchk = (cmd->cdb[1] >> 1) & 3;
	uint64_t total = (uint64_t)cmd->nblocks << dev->block_shift;

	x_init(cmd, XK_VERIFY);
	if (cmd->cdb[1] & 0xe0) {
		/* VRPROTECT: no protection information on our devices (SBC-3 5.30). */
		finish_invalid(cmd, true, 1, 7);
		return;
	}
	if (bytchk == 2) {
		finish_invalid(cmd, true, 1, 2);
		return;
	}
	if (!cmd->nblocks) {
		finish(cmd, SCST_SENSE_NONE); /* SBC-3: zero blocks is not an error */
		return;
	}
	/* Compare only what the transport carried (bufflen may be capped like WRITE's). */
	if (bytchk == 1 && cmd->bufflen < total)
		total = (uint64_t)(cmd->bufflen >> dev->block_shift) << dev->block_shift;
	if (bytchk == 3 && cmd->bufflen < dev->block_size) {
		finish(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	if (!total) {
		finish(cmd, SCST_SENSE_NONE);
		return;
	}
	if (scratch_get(cmd, min_u64(total, CHUNK))) {
		finish(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	x_set_field(cmd, XS_BYTCHK_SHIFT, bytchk);
	X_POS(cmd) = scst_dev_lba_to_bytes(dev, cmd->lba);
	X_END(cmd) = X_POS(cmd) + total;
	drive(cmd, SCST_SENSE_NONE);
}

/* WRITE AND VERIFY (SBC-3 5.40..5.42): the write is durable before GOOD. */
static bool step_write_verify(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	struct scst_device *dev = cmd_dev(cmd);

	if (x_field(cmd, XS_PHASE_SHIFT) == 1)
		return finish(cmd, last);
	x_set_field(cmd, XS_PHASE_SHIFT, 1);
	x_submit(cmd, SCST_BIO_WRITE, SCST_BIO_FUA, scst_dev_lba_to_bytes(dev, cmd->lba),
		 X_END(cmd), cmd->buf);
	return true;
}

void scst_sbc_write_verify(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint64_t len = min_u64((uint64_t)cmd->nblocks << dev->block_shift, cmd->bufflen);

	x_init(cmd, XK_WRITE_VERIFY);
	len = (len >> dev->block_shift) << dev->block_shift;
	if (!len) {
		finish(cmd, SCST_SENSE_NONE);
		return;
	}
	X_END(cmd) = len;
	drive(cmd, SCST_SENSE_NONE);
}

/*
 * WRITE SAME (SBC-3 5.41, 5.42). Zeros go to the handler as one WRITE ZEROES
 * (deallocating with the UNMAP bit on a thin device); any other block is
 * replicated into a scratch buffer of up to CHUNK bytes written repeatedly.
 */
static bool step_write_same(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	uint64_t len;
	bool ret;

	if (chain_failed(cmd, last, &ret))
		return ret;
	if (X_POS(cmd) >= X_END(cmd))
		return finish(cmd, SCST_SENSE_NONE);
	if (!scratch(cmd)) {
		struct scst_device *dev = cmd_dev(cmd);
		bool unmap = X_ST(cmd) & XS_UNMAP;
		uint32_t flags = write_flags(cmd, false);

		len = X_END(cmd) - X_POS(cmd);
		X_POS(cmd) = X_END(cmd);
		if (dev->handler->caps & SCST_DH_CAP_WRITE_ZEROES)
			x_submit(cmd, SCST_BIO_WRITE_ZEROES, flags | (unmap ? SCST_BIO_UNMAP_OK : 0),
				 X_END(cmd) - len, len, NULL);
		else
			x_submit(cmd, SCST_BIO_UNMAP, 0, X_END(cmd) - len, len, NULL);
		return true;
	}
	len = min_u64(scratch_size(cmd), X_END(cmd) - X_POS(cmd));
	x_submit(cmd, SCST_BIO_WRITE, write_flags(cmd, false), X_POS(cmd), len, scratch(cmd));
	X_POS(cmd) += len;
	return true;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	return !len || (p[0] == 0 && !memcmp(p, p + 1, len - 1));
}

void scst_sbc_write_same(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	bool ws16 = cmd->cdb[0] == 0x93;
	bool ndob = ws16 && (cmd->cdb[1] & 0x01);
	bool unmap = cmd->cdb[1] & 0x08;
	uint64_t total = (uint64_t)cmd->nblocks << dev->block_shift;
	uint32_t bs = dev->block_size, cap = dev->handler->caps, fill;
	bool zeros;

	x_init(cmd, XK_WRITE_SAME);
	if (cmd->cdb[1] & 0xe0) {
		finish_invalid(cmd, true, 1, 7); /* WRPROTECT: no protection information */
		return;
	}
	if (cmd->cdb[1] & 0x10) {
		finish_invalid(cmd, true, 1, 4); /* ANCHOR: not supported (ANC_SUP = 0) */
		return;
	}
	/* SBC-3 5.45/5.46: zero blocks means from the LBA to the end of the medium
	 * (WSNZ 0 in VPD 0xB0), bounded by MAXIMUM WRITE SAME LENGTH like any other. */
	if (!cmd->nblocks && cmd->lba < dev->nblocks) {
		uint64_t rest = dev->nblocks - cmd->lba;

		if (rest > scst_max_write_same_blocks(dev)) {
			finish_invalid(cmd, true, ws16 ? 10 : 7, -1);
			return;
		}
		cmd->nblocks = (uint32_t)rest;
		total = (uint64_t)cmd->nblocks << dev->block_shift;
	}
	/* SBC-3 5.46: more than MAXIMUM WRITE SAME LENGTH is INVALID FIELD IN CDB. */
	if (cmd->nblocks > scst_max_write_same_blocks(dev)) {
		finish_invalid(cmd, true, ws16 ? 10 : 7, -1);
		return;
	}
	if (cmd->lba >= dev->nblocks || cmd->nblocks > dev->nblocks - cmd->lba) {
		finish(cmd, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	/* The data-out buffer is exactly one logical block (SBC-3 5.45): more or less
	 * than that from the initiator is a length error, not a truncation. */
	if (!ndob && (cmd->bufflen < bs || (cmd->expected_valid && cmd->expected_len != bs))) {
		finish(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	zeros = ndob || all_zero(cmd->buf, bs);
	X_POS(cmd) = scst_dev_lba_to_bytes(dev, cmd->lba);
	X_END(cmd) = X_POS(cmd) + total;
	/* The UNMAP bit is for a thin device whose handler unmaps (LBPWS/LBPWS10 in
	 * VPD 0xB2); elsewhere it is INVALID FIELD IN CDB (SBC-3 5.45, 5.46). */
	if (unmap) {
		if (!dev->thin_provisioned || !(cap & SCST_DH_CAP_UNMAP)) {
			finish_invalid(cmd, true, 1, 3);
			return;
		}
		X_ST(cmd) |= XS_UNMAP;
		/* SBC-3 5.45: with UNMAP set the device server deallocates the range
		 * whatever the data block holds (as SCST and LIO do); reads of it then
		 * return zeros (LBPRZ). */
		zeros = true;
	}
	if (zeros && ((cap & SCST_DH_CAP_WRITE_ZEROES) || (X_ST(cmd) & XS_UNMAP))) {
		drive(cmd, SCST_SENSE_NONE);
		return;
	}
	if (scratch_get(cmd, min_u64(total, CHUNK))) {
		finish(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	/* Replicate the block: copy it once, then double what is there. */
	if (ndob) {
		memset(scratch(cmd), 0, scratch_size(cmd));
	} else {
		memcpy(scratch(cmd), cmd->buf, bs);
		for (fill = bs; fill < scratch_size(cmd); fill *= 2)
			memcpy(scratch(cmd) + fill, scratch(cmd),
			       min_u64(fill, scratch_size(cmd) - fill));
	}
	drive(cmd, SCST_SENSE_NONE);
}

/*
 * UNMAP (SBC-3 5.28): an 8-byte header (UNMAP DATA LENGTH, UNMAP BLOCK
 * DESCRIPTOR DATA LENGTH) and 16-byte descriptors (LBA, NUMBER OF LOGICAL
 * BLOCKS). Everything is checked before the first descriptor runs, so a bad
 * list changes nothing; then one SCST_BIO_UNMAP per descriptor, in order.
 */
static bool step_unmap(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	struct scst_device *dev = cmd_dev(cmd);
	bool ret;

	if (chain_failed(cmd, last, &ret))
		return ret;
	while (X_POS(cmd) < X_END(cmd)) {
		const uint8_t *d = cmd->buf + 8 + 16 * X_POS(cmd);
		uint64_t lba = scst_get_be64(d);
		uint32_t n = scst_get_be32(d + 8);

		X_POS(cmd)++;
		if (!n)
			continue;
		x_submit(cmd, SCST_BIO_UNMAP, 0, scst_dev_lba_to_bytes(dev, lba),
			 (uint64_t)n << dev->block_shift, NULL);
		return true;
	}
	return finish(cmd, SCST_SENSE_NONE);
}

void scst_sbc_unmap(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint32_t plen = scst_get_be16(cmd->cdb + 7), dlen, bdlen, count, i;
	const uint8_t *p = cmd->buf;

	x_init(cmd, XK_UNMAP);
	/* Without thin provisioning the command is not supported at all (SBC-3 4.7.3). */
	if (!dev->thin_provisioned || !(dev->handler->caps & SCST_DH_CAP_UNMAP)) {
		finish(cmd, SCST_SENSE_INVALID_OPCODE);
		return;
	}
	if (cmd->cdb[1] & 0x01) {
		finish_invalid(cmd, true, 1, 0); /* ANCHOR */
		return;
	}
	/* A zero PARAMETER LIST LENGTH is not an error: nothing to do. */
	if (!plen) {
		finish(cmd, SCST_SENSE_NONE);
		return;
	}
	if (plen < 8 || cmd->bufflen < 8) {
		finish(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	if (plen > cmd->bufflen)
		plen = cmd->bufflen; /* only what arrived is parsed */
	dlen = scst_get_be16(p);
	bdlen = scst_get_be16(p + 2);
	/* The UNMAP DATA LENGTH counts the bytes after itself. */
	if (dlen + 2u > plen || dlen < bdlen + 6u) {
		finish_invalid(cmd, false, 0, -1);
		return;
	}
	if (bdlen % 16) {
		finish_invalid(cmd, false, 2, -1);
		return;
	}
	if (8u + bdlen > plen) {
		finish(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	count = bdlen / 16;
	if (count > MAX_UNMAP_DESCRIPTORS) {
		finish_invalid(cmd, false, 2, -1);
		return;
	}
	for (i = 0; i < count; i++) {
		uint64_t lba = scst_get_be64(p + 8 + 16 * i);
		uint32_t n = scst_get_be32(p + 16 + 16 * i);

		if (lba > dev->nblocks || n > dev->nblocks - lba) {
			struct scst_sense_detail det = { .info_valid = true, .info = lba };

			scst_cmd_set_error(cmd, SCST_SENSE_LBA_OUT_OF_RANGE, &det);
			finish(cmd, SCST_SENSE_LBA_OUT_OF_RANGE);
			return;
		}
	}
	X_POS(cmd) = 0;
	X_END(cmd) = count;
	drive(cmd, SCST_SENSE_NONE);
}

/*
 * GET LBA STATUS (SBC-3 5.7): descriptors from the starting LBA on, as many
 * as the allocation length holds (and at most one per call to the handler's
 * synchronous lba_status for each), merging neighbours of the same state.
 */
#define LBA_STATUS_MAX_DESC 256u

void scst_sbc_get_lba_status(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint64_t lba = scst_get_be64(cmd->cdb + 2), n;
	uint32_t alloc = cmd->bufflen, ndesc = 0, max;
	uint8_t small[24], *out;
	bool mapped;

	if (lba >= dev->nblocks) {
		scst_cmd_done(cmd, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	/* Build in place when the buffer holds at least one descriptor, else in a
	 * small array that scst_cmd_respond() truncates. */
	out = alloc >= sizeof(small) ? cmd->buf : small;
	max = alloc >= sizeof(small) ? (alloc - 8) / 16 : 1;
	if (max > LBA_STATUS_MAX_DESC)
		max = LBA_STATUS_MAX_DESC;
	memset(out, 0, 8);
	while (ndesc < max && lba < dev->nblocks) {
		uint8_t *d = out + 8 + 16 * ndesc;
		uint64_t total = 0;
		bool first_state = true, state = true;

		/* Merge what the handler reports in pieces, up to a 32-bit count. */
		while (lba + total < dev->nblocks && total < UINT32_MAX) {
			if (!dev->handler->lba_status ||
			    dev->handler->lba_status(dev, lba + total, &n, &mapped)) {
				mapped = true; /* cannot tell: report mapped, never lose data */
				n = dev->nblocks - lba - total;
			}
			if (!n)
				n = 1;
			if (n > dev->nblocks - lba - total)
				n = dev->nblocks - lba - total;
			if (!first_state && mapped != state)
				break;
			state = mapped;
			first_state = false;
			total += n;
		}
		if (total > UINT32_MAX)
			total = UINT32_MAX;
		memset(d, 0, 16);
		scst_put_be64(d, lba);
		scst_put_be32(d + 8, (uint32_t)total);
		d[12] = state ? 0 : 1; /* PROVISIONING STATUS: mapped / deallocated */
		lba += total;
		ndesc++;
	}
	scst_put_be32(out, 4 + 16 * ndesc); /* PARAMETER DATA LENGTH: bytes after itself */
	if (out == small) {
		scst_cmd_respond(cmd, small, 8 + 16 * ndesc);
	} else {
		cmd->resp_data_len = 8 + 16 * ndesc;
		cmd->resp_full_len = cmd->resp_data_len;
	}
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * COMPARE AND WRITE (SBC-3 5.2): read the blocks, compare them with the first
 * half of the data-out and, if equal, write the second half. Against other
 * COMPARE AND WRITEs and ORWRITEs, from any session, the range is held with an
 * LBA range lock (lba_lock.c); against plain writes of the same session the
 * task set ordering keeps it whole. A device lock held across the I/O would
 * stall the reactor.
 */
static bool step_caw(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint64_t off = scst_dev_lba_to_bytes(dev, cmd->lba), len = X_END(cmd);
	size_t i;
	bool ret;

	if (chain_failed(cmd, last, &ret))
		return ret;
	switch (x_field(cmd, XS_PHASE_SHIFT)) {
	case 0:
		x_set_field(cmd, XS_PHASE_SHIFT, 1);
		x_submit(cmd, SCST_BIO_READ, 0, off, len, scratch(cmd));
		return true;
	case 1:
		i = first_diff(scratch(cmd), cmd->buf, len);
		if (i < len)
			return finish_miscompare(cmd, i);
		x_set_field(cmd, XS_PHASE_SHIFT, 2);
		x_submit(cmd, SCST_BIO_WRITE, write_flags(cmd, X_ST(cmd) & XS_FUA), off, len,
			 cmd->buf + len);
		return true;
	default:
		return finish(cmd, SCST_SENSE_NONE);
	}
}

void scst_sbc_compare_and_write(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint32_t nblocks = cmd->cdb[13];
	uint64_t len = (uint64_t)nblocks << dev->block_shift;

	x_init(cmd, XK_CAW);
	if (cmd->cdb[1] & 0xe0) {
		finish_invalid(cmd, true, 1, 7); /* WRPROTECT */
		return;
	}
	if (!nblocks) {
		finish(cmd, SCST_SENSE_NONE); /* SBC-3: zero blocks is not an error */
		return;
	}
	if (nblocks > MAX_CAW_BLOCKS) {
		finish_invalid(cmd, true, 13, -1);
		return;
	}
	if (cmd->lba >= dev->nblocks || nblocks > dev->nblocks - cmd->lba) {
		finish(cmd, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	if (cmd->bufflen < 2 * len) {
		finish(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	rmw_start(cmd, nblocks, len);
}

/*
 * ORWRITE(16) (SBC-3 5.10) with BMOP 000b: read the blocks, OR the data-out
 * into them and write the result. Like COMPARE AND WRITE it runs as one
 * read-modify-write on the command's own scratch buffer.
 */
static bool step_orwrite(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint64_t off = scst_dev_lba_to_bytes(dev, cmd->lba), len = X_END(cmd);
	uint8_t *s = scratch(cmd);
	bool ret;

	if (chain_failed(cmd, last, &ret))
		return ret;
	switch (x_field(cmd, XS_PHASE_SHIFT)) {
	case 0:
		x_set_field(cmd, XS_PHASE_SHIFT, 1);
		x_submit(cmd, SCST_BIO_READ, 0, off, len, s);
		return true;
	case 1:
		for (uint64_t i = 0; i < len; i++)
			s[i] |= cmd->buf[i];
		x_set_field(cmd, XS_PHASE_SHIFT, 2);
		x_submit(cmd, SCST_BIO_WRITE, write_flags(cmd, X_ST(cmd) & XS_FUA), off, len, s);
		return true;
	default:
		return finish(cmd, SCST_SENSE_NONE);
	}
}

void scst_sbc_orwrite(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);
	uint64_t len = (uint64_t)cmd->nblocks << dev->block_shift;

	x_init(cmd, XK_ORWRITE);
	if (!cmd->nblocks) {
		finish(cmd, SCST_SENSE_NONE); /* SBC-3: zero blocks is not an error */
		return;
	}
	if (cmd->lba >= dev->nblocks || cmd->nblocks > dev->nblocks - cmd->lba) {
		finish(cmd, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	if (cmd->bufflen < len) {
		finish(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	rmw_start(cmd, cmd->nblocks, len);
}

static bool step(struct scst_cmd *cmd, enum scst_sense_reason last)
{
	switch ((enum x_kind)x_field(cmd, XS_KIND_SHIFT)) {
	case XK_VERIFY:
		return step_verify(cmd, last);
	case XK_WRITE_VERIFY:
		return step_write_verify(cmd, last);
	case XK_WRITE_SAME:
		return step_write_same(cmd, last);
	case XK_UNMAP:
		return step_unmap(cmd, last);
	case XK_CAW:
		return step_caw(cmd, last);
	case XK_ORWRITE:
		return step_orwrite(cmd, last);
	}
	return finish(cmd, SCST_SENSE_INTERNAL_TARGET_FAILURE);
}

/* PRE-FETCH (SBC-3 5.9, 5.10): nothing to stage; the range was checked by the core. */
void scst_sbc_prefetch(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd_dev(cmd);

	if (cmd->lba >= dev->nblocks || cmd->nblocks > dev->nblocks - cmd->lba) {
		scst_cmd_done(cmd, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * READ DEFECT DATA (SBC-3 5.12, 5.13): a virtual medium has no defects. The
 * lists asked for are reported valid and empty, in the format asked for.
 */
void scst_sbc_read_defect_data(struct scst_cmd *cmd)
{
	uint8_t b[8] = { 0 };

	if (cmd->cdb[0] == 0x37) {
		b[1] = cmd->cdb[2] & 0x1f; /* PLISTV, GLISTV, DEFECT LIST FORMAT */
		scst_cmd_respond(cmd, b, 4);
	} else {
		b[1] = cmd->cdb[1] & 0x1f;
		scst_cmd_respond(cmd, b, 8);
	}
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * FORMAT UNIT (SBC-3 5.3). The medium keeps its data: SBC lets a device
 * format without initialising, and a virtual disk has nothing to lay out.
 * The parameter list (FMTDATA) is parsed so that options we cannot honour
 * (protection, initialization patterns, defect lists) are refused.
 */
void scst_sbc_format_unit(struct scst_cmd *cmd)
{
	bool longlist = cmd->cdb[1] & 0x20;
	unsigned hlen = longlist ? 8 : 4;
	const uint8_t *p = cmd->buf;
	unsigned bad;
	uint32_t dl;

	if (cmd->cdb[1] & 0xc0) {
		scst_cmd_set_invalid_field(cmd, true, 1, 7); /* FMTPINFO */
		scst_cmd_done(cmd, SCST_SENSE_INVALID_FIELD_IN_CDB);
		return;
	}
	if (!(cmd->cdb[1] & 0x10)) {
		/* No FMTDATA: CMPLST and DEFECT LIST FORMAT have no meaning (SBC-3 5.3.1). */
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (cmd->bufflen < hlen) {
		scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	if (p[0] & 0x07) {
		scst_cmd_set_invalid_field(cmd, false, 0, 2); /* PROTECTION FIELD USAGE */
		scst_cmd_done(cmd, SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST);
		return;
	}
	/* FOV 0: DPRY, DCRT, STPF and IP must be zero; with FOV 1 an initialization
	 * pattern (IP) is the one option we cannot honour. */
	bad = p[1] & ((p[1] & 0x80) ? 0x08 : 0x78);
	if (bad) {
		scst_cmd_set_invalid_field(cmd, false, 1, 31 - __builtin_clz(bad));
		scst_cmd_done(cmd, SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST);
		return;
	}
	dl = longlist ? scst_get_be32(p + 4) : scst_get_be16(p + 2);
	if (dl) {
		scst_cmd_set_invalid_field(cmd, false, longlist ? 4 : 2, -1); /* DEFECT LIST */
		scst_cmd_done(cmd, SCST_SENSE_INVALID_FIELD_IN_PARAM_LIST);
		return;
	}
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
