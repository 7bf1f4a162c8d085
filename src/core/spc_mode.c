/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MODE SENSE and MODE SELECT (SPC-4 6.11-6.14, 7.5): the caching, control and
 * informational exceptions control pages.
 *
 * One builder writes each page from a set of values, so the current, default
 * and changeable forms cannot drift apart, and MODE SELECT checks a page by
 * comparing it byte for byte with the current form under the changeable mask.
 * Only WCE (caching) and D_SENSE (control) can change; nothing can be saved.
 */
#include <string.h>

#include "core_priv.h"

#define PAGE_CACHING 0x08
#define PAGE_CONTROL 0x0a
#define PAGE_IEC 0x1c
#define PAGE_ALL 0x3f

#define PC_CURRENT 0
#define PC_CHANGEABLE 1
#define PC_DEFAULT 2
#define PC_SAVED 3

#define MODE_BUF_LEN 256

/* The changeable values of the pages, or for PC_CHANGEABLE a mask of them. */
struct mode_vals {
	bool wce;
	bool d_sense;
	bool tas;
	uint8_t qerr;
	bool swp;
	bool changeable; /* fill the changeable mask: fixed fields read as zero */
};

struct mode_page {
	uint8_t code;
	uint8_t len; /* PAGE LENGTH: bytes after byte 1 */
	bool disk_only;
	void (*build)(uint8_t *p, const struct mode_vals *v);
};

/* Caching (SBC-3 6.4.5). */
static void build_caching(uint8_t *p, const struct mode_vals *v)
{
	if (v->wce)
		p[2] |= 0x04; /* WCE; RCD stays 0: reads are cached */
}

/* Control (SPC-4 7.5.8). */
static void build_control(uint8_t *p, const struct mode_vals *v)
{
	/* TST 001b: a task set per I_T nexus, as the core orders commands per
	 * I_T_L nexus (cmd.c, SAM-5 8.6). */
	if (!v->changeable)
		p[2] |= 0x20;
	if (v->d_sense)
		p[2] |= 0x04;
	if (!v->changeable)
		p[3] |= 0x10; /* QUEUE ALGORITHM MODIFIER 1: unrestricted reordering */
	p[3] |= (uint8_t)((v->qerr & 0x3) << 1);
	if (v->swp)
		p[4] |= 0x08;
	if (v->tas)
		p[5] |= 0x40;
}

/* Informational Exceptions Control (SPC-4 7.5.11): nothing to report, MRIE 0. */
static void build_iec(uint8_t *p, const struct mode_vals *v)
{
	(void)p;
	(void)v;
}

/* Ascending page code, the order of a MODE SENSE for all pages (SPC-4 7.5.1). */
static const struct mode_page mode_pages[] = {
	{ PAGE_CACHING, 0x12, true, build_caching },
	{ PAGE_CONTROL, 0x0a, false, build_control },
	{ PAGE_IEC, 0x0a, false, build_iec },
};

static const struct mode_page *find_page(const struct scst_device *dev, uint8_t code)
{
	for (size_t i = 0; i < SCST_ARRAY_SIZE(mode_pages); i++) {
		const struct mode_page *mp = &mode_pages[i];

		if (mp->code == code && (!mp->disk_only || dev->type == SCST_TYPE_DISK))
			return mp;
	}
	return NULL;
}

/* Write page mp at p in page_0 format (SPC-4 7.5.7); PS 0: nothing is savable. */
static unsigned put_page(uint8_t *p, const struct mode_page *mp, const struct mode_vals *v)
{
	memset(p, 0, 2u + mp->len);
	p[0] = mp->code;
	p[1] = mp->len;
	mp->build(p, v);
	return 2u + mp->len;
}

static void current_vals(struct scst_device *dev, struct mode_vals *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&dev->lock);
	v->wce = dev->wce;
	v->d_sense = dev->d_sense;
	v->tas = dev->tas;
	v->qerr = dev->qerr;
	v->swp = dev->swp;
	pthread_mutex_unlock(&dev->lock);
}

static void pc_vals(struct scst_device *dev, unsigned pc, struct mode_vals *v)
{
	current_vals(dev, v);
	switch (pc) {
	case PC_CHANGEABLE:
		memset(v, 0, sizeof(*v));
		v->changeable = true;
		v->wce = true;
		v->d_sense = true;
		v->swp = true; /* software write protect: a device-wide DATA PROTECT switch */
		v->tas = true; /* task aborted status for other nexuses' aborts (tmf.c) */
		/* QERR stays 00b: a CHECK CONDITION leaves the other commands alone. */
		break;
	case PC_DEFAULT:
		/* The power-on values: write-back unless configured write-through, fixed
		 * sense format. The fixed fields have no other value than the current. */
		v->wce = !dev->write_through;
		v->d_sense = false;
		v->swp = false;
		v->tas = true; /* power-on value: aborted commands of other nexuses report it */
		break;
	default:
		break;
	}
}

static bool write_protected(const struct scst_cmd *cmd, const struct scst_device *dev)
{
	return cmd->tgt_dev->read_only || dev->read_only || dev->swp;
}

static void fail_field(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit)
{
	scst_cmd_set_invalid_field(cmd, in_cdb, byte, bit);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

void scst_spc_mode_sense(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	bool ten = cmd->cdb[0] == 0x5a;
	bool dbd = cmd->cdb[1] & 0x08;
	bool llbaa = ten && (cmd->cdb[1] & 0x10);
	unsigned pc = cmd->cdb[2] >> 6;
	uint8_t page = cmd->cdb[2] & 0x3f;
	uint8_t subpage = cmd->cdb[3];
	unsigned hdr = ten ? 8 : 4;
	unsigned off, bdlen = 0;
	struct mode_vals v;
	uint8_t b[MODE_BUF_LEN];

	if (pc == PC_SAVED) {
		/* SPC-4 6.11: saved values are not implemented. */
		scst_cmd_done(cmd, SCST_SENSE_SAVING_PARAMS_NOT_SUPPORTED);
		return;
	}
	/* No page has subpages: only 00h, and FFh ("all subpages", SPC-4 table 460). */
	if (subpage != 0x00 && subpage != 0xff) {
		fail_field(cmd, true, 3, 7);
		return;
	}
	if (page != PAGE_ALL && !find_page(dev, page)) {
		fail_field(cmd, true, 2, 5);
		return;
	}
	pc_vals(dev, pc, &v);

	memset(b, 0, sizeof(b));
	off = hdr;
	/* Block descriptor (SBC-3 6.4.2) for direct-access devices unless DBD. */
	if (!dbd && dev->type == SCST_TYPE_DISK) {
		uint64_t nb = pc == PC_CHANGEABLE ? 0 : dev->nblocks;
		uint32_t bs = pc == PC_CHANGEABLE ? 0 : dev->block_size;

		if (llbaa) {
			bdlen = 16;
			scst_put_be64(b + off, nb);
			scst_put_be32(b + off + 12, bs);
		} else {
			bdlen = 8;
			scst_put_be32(b + off, nb > 0xffffffffull ? 0xffffffffu : (uint32_t)nb);
			scst_put_be24(b + off + 5, bs);
		}
		off += bdlen;
	}
	for (size_t i = 0; i < SCST_ARRAY_SIZE(mode_pages); i++) {
		const struct mode_page *mp = &mode_pages[i];

		if ((page == PAGE_ALL || page == mp->code) && find_page(dev, mp->code) == mp)
			off += put_page(b + off, mp, &v);
	}

	/* Header: medium type 0; device-specific parameter (SBC-3 6.4.1): WP, DPOFUA. */
	if (ten) {
		scst_put_be16(b, (uint16_t)(off - 2));
		if (dev->type == SCST_TYPE_DISK)
			b[3] = (uint8_t)((write_protected(cmd, dev) ? 0x80 : 0) | 0x10);
		b[4] = llbaa && bdlen ? 0x01 : 0; /* LONGLBA */
		scst_put_be16(b + 6, (uint16_t)bdlen);
	} else {
		b[0] = (uint8_t)(off - 1);
		if (dev->type == SCST_TYPE_DISK)
			b[2] = (uint8_t)((write_protected(cmd, dev) ? 0x80 : 0) | 0x10);
		b[3] = (uint8_t)bdlen;
	}
	scst_cmd_respond(cmd, b, off);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * Check the block descriptor of a MODE SELECT: the capacity and block length
 * cannot change, so each field must be zero ("no change", SBC-3 6.4.2) or the
 * current value. Returns the offset of a bad field or -1.
 */
static int check_block_desc(const struct scst_device *dev, const uint8_t *d, unsigned len)
{
	uint64_t nb;
	uint32_t bs;

	if (len == 16) {
		nb = scst_get_be64(d);
		bs = scst_get_be32(d + 12);
		if (nb && nb != dev->nblocks)
			return 0;
		if (bs && bs != dev->block_size)
			return 12;
	} else {
		nb = scst_get_be32(d);
		bs = scst_get_be24(d + 5);
		if (nb && nb != (dev->nblocks > 0xffffffffull ? 0xffffffffull : dev->nblocks))
			return 0;
		if (bs && bs != dev->block_size)
			return 5;
	}
	return -1;
}

/* Highest bit set in x (x != 0). */
static int top_bit(uint8_t x)
{
	int bit = 7;

	while (!(x & (1u << bit)))
		bit--;
	return bit;
}

/*
 * MODE SELECT (6) and (10) (SPC-4 6.9, 6.10). The whole parameter list is
 * checked first and applied only if all of it is acceptable, so a rejected
 * command changes nothing.
 */
void scst_spc_mode_select(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	bool ten = cmd->cdb[0] == 0x55;
	uint32_t plen = ten ? scst_get_be16(cmd->cdb + 7) : cmd->cdb[4];
	const uint8_t *d = cmd->buf;
	unsigned hdr = ten ? 8 : 4;
	unsigned off, bdlen;
	struct mode_vals cur, mask, nv;
	bool have_wce = false, have_dsense = false, changed = false;
	uint8_t curp[MODE_BUF_LEN], maskp[MODE_BUF_LEN];

	/* SP: no saved values (SPC-4 6.9). PF 0 would mean vendor-specific pages. */
	if (cmd->cdb[1] & 0x01) {
		fail_field(cmd, true, 1, 0);
		return;
	}
	if (!(cmd->cdb[1] & 0x10)) {
		fail_field(cmd, true, 1, 4);
		return;
	}
	/* A zero parameter list length transfers nothing and is not an error. */
	if (plen == 0) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (plen > cmd->bufflen)
		plen = cmd->bufflen;
	if (plen < hdr) {
		scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	/* MODE DATA LENGTH is reserved in MODE SELECT; MEDIUM TYPE must stay 0. */
	if (d[ten ? 2 : 1]) {
		fail_field(cmd, false, ten ? 2 : 1, 7);
		return;
	}
	if (ten) {
		bdlen = scst_get_be16(d + 6);
		if (bdlen && bdlen != ((d[4] & 0x01) ? 16u : 8u)) {
			fail_field(cmd, false, 6, 7);
			return;
		}
	} else {
		bdlen = d[3];
		if (bdlen && bdlen != 8) {
			fail_field(cmd, false, 3, 7);
			return;
		}
	}
	if (hdr + bdlen > plen) {
		scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	if (bdlen) {
		int bad = dev->type == SCST_TYPE_DISK ? check_block_desc(dev, d + hdr, bdlen) : 0;

		if (bad >= 0) {
			fail_field(cmd, false, hdr + (unsigned)bad, 7);
			return;
		}
	}

	current_vals(dev, &cur);
	pc_vals(dev, PC_CHANGEABLE, &mask);
	nv = cur;
	for (off = hdr + bdlen; off < plen;) {
		const struct mode_page *mp;
		unsigned n;

		if (plen - off < 2) {
			scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
			return;
		}
		/* PS is reserved here; SPF would name a subpage, and we have none. */
		mp = (d[off] & 0x40) ? NULL : find_page(dev, d[off] & 0x3f);
		if (!mp) {
			fail_field(cmd, false, off, (d[off] & 0x40) ? 6 : 5);
			return;
		}
		if (d[off + 1] != mp->len) {
			fail_field(cmd, false, off + 1, 7);
			return;
		}
		/* SPC-4 6.9: a truncated page is a PARAMETER LIST LENGTH ERROR. */
		if (plen - off < 2u + mp->len) {
			scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
			return;
		}
		n = put_page(curp, mp, &cur);
		put_page(maskp, mp, &mask);
		/* Anything that differs from the current value outside the changeable
		 * mask is an attempt to change a fixed field (SPC-4 7.5.1). */
		for (unsigned i = 2; i < n; i++) {
			uint8_t bad = (uint8_t)((d[off + i] ^ curp[i]) & ~maskp[i]);

			if (bad) {
				fail_field(cmd, false, off + i, top_bit(bad));
				return;
			}
		}
		if (mp->code == PAGE_CACHING) {
			nv.wce = d[off + 2] & 0x04;
			have_wce = true;
		} else if (mp->code == PAGE_CONTROL) {
			nv.d_sense = d[off + 2] & 0x04;
			nv.swp = d[off + 4] & 0x08;
			nv.tas = d[off + 5] & 0x40;
			have_dsense = true;
		}
		off += n;
	}

	pthread_mutex_lock(&dev->lock);
	if (have_wce && dev->wce != nv.wce) {
		dev->wce = nv.wce;
		changed = true;
	}
	if (have_dsense && dev->d_sense != nv.d_sense) {
		dev->d_sense = nv.d_sense;
		changed = true;
	}
	/* SPC-4 7.5.8: SWP 1 makes the device write protected for every nexus. */
	if (have_dsense && dev->swp != nv.swp) {
		dev->swp = nv.swp;
		changed = true;
	}
	if (have_dsense && dev->tas != nv.tas) {
		dev->tas = nv.tas;
		changed = true;
	}
	pthread_mutex_unlock(&dev->lock);

	/* SPC-4 7.5.1: the other I_T nexuses learn of the change by a unit attention. */
	if (changed)
		scst_ua_queue_device(dev, SCST_SENSE_UA_MODE_PARAMETERS_CHANGED, cmd->tgt_dev);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
