/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ALUA on the command path (SPC-4 5.15): the pre-exec check of a path's
 * asymmetric access state, REPORT TARGET PORT GROUPS and SET TARGET PORT
 * GROUPS. The groups themselves are in alua.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "opcodes.h"
#include "scst/alua.h"

/* RTPG descriptor: SUPPORTED bits T_SUP, O_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP
 * (no LBD). */
#define TPG_SUPPORTED 0xcf
#define TPG_DESC_LEN 8
#define TPG_PORT_LEN 4

/*
 * SPC-4 5.15.2.4: which commands a path in each state takes. The opcode table
 * says per command which of standby, unavailable and transitioning allow it;
 * offline allows what unavailable allows except SET TARGET PORT GROUPS.
 */
enum scst_sense_reason scst_alua_check(struct scst_cmd *cmd)
{
	uint32_t f = cmd->op->flags;

	switch (scst_alua_state(cmd->tgt_dev)) {
	case SCST_ALUA_STANDBY:
		return (f & SCST_OPF_ALUA_STANDBY_OK) ? SCST_SENSE_NONE :
							SCST_SENSE_NOT_READY_STANDBY;
	case SCST_ALUA_UNAVAILABLE:
		return (f & SCST_OPF_ALUA_UNAVAIL_OK) ? SCST_SENSE_NONE :
							SCST_SENSE_NOT_READY_UNAVAILABLE;
	case SCST_ALUA_OFFLINE:
		return (f & SCST_OPF_ALUA_UNAVAIL_OK) && cmd->op->exec != scst_spc_set_tpgs ?
			       SCST_SENSE_NONE :
			       SCST_SENSE_NOT_READY_OFFLINE;
	case SCST_ALUA_TRANSITIONING:
		return (f & SCST_OPF_ALUA_TRANS_OK) ? SCST_SENSE_NONE :
						      SCST_SENSE_NOT_READY_TRANSITIONING;
	default:
		return SCST_SENSE_NONE;
	}
}

uint32_t scst_td_caps(struct scst_tgt_dev *td)
{
	return td->dev->handler->caps | (scst_alua_state(td) != SCST_ALUA_NONE ? SCST_CAP_ALUA : 0);
}

struct rtpg {
	bool ext; /* PARAMETER DATA FORMAT 001b: extended header */
	uint8_t *b;
	size_t len, cap;
};

/* Grow r->b to hold n more bytes; false when out of memory. */
static bool reserve(struct rtpg *r, size_t n)
{
	uint8_t *nb;

	if (r->len + n <= r->cap)
		return true;
	nb = realloc(r->b, (r->len + n) * 2);
	if (!nb)
		return false;
	memset(nb + r->cap, 0, (r->len + n) * 2 - r->cap);
	r->b = nb;
	r->cap = (r->len + n) * 2;
	return true;
}

/* Called under the ALUA lock: one descriptor per target group with an id. */
static void rtpg_fill(const struct scst_dev_group *dg, void *arg)
{
	struct rtpg *r = arg;

	r->len = r->ext ? 8 : 4;
	if (!reserve(r, 0))
		return;
	for (const struct scst_target_group *tg = dg ? dg->tgs : NULL; tg; tg = tg->next) {
		uint8_t *d;
		unsigned ports = 0;

		if (!tg->group_id)
			continue; /* not yet numbered: no initiator can name it */
		for (const struct scst_tg_tgt *t = tg->tgts; t; t = t->next)
			ports++;
		if (!reserve(r, TPG_DESC_LEN + ports * TPG_PORT_LEN)) {
			free(r->b);
			r->b = NULL;
			return;
		}
		d = r->b + r->len;
		d[0] = (uint8_t)((tg->preferred ? 0x80 : 0) | (atomic_load(&tg->state) & 0x0f));
		d[1] = TPG_SUPPORTED;
		scst_put_be16(d + 2, tg->group_id);
		d[5] = atomic_load(&tg->status);
		ports = 0;
		for (const struct scst_tg_tgt *t = tg->tgts; t; t = t->next) {
			uint16_t id = scst_tg_tgt_rel_id(t);

			if (!id)
				continue; /* a port of another node without a configured id */
			scst_put_be16(d + TPG_DESC_LEN + ports * TPG_PORT_LEN + 2, id);
			ports++;
		}
		d[7] = (uint8_t)ports;
		r->len += TPG_DESC_LEN + ports * TPG_PORT_LEN;
	}
}

/* REPORT TARGET PORT GROUPS (SPC-4 6.37). */
void scst_spc_report_tpgs(struct scst_cmd *cmd)
{
	uint8_t fmt = cmd->cdb[1] >> 5;
	struct rtpg r = { .ext = fmt == 1 };

	if (fmt > 1) {
		scst_cmd_set_invalid_field(cmd, true, 1, 7);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (!reserve(&r, 64)) {
		scst_cmd_done(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	scst_alua_with_group(cmd->tgt_dev->dev, rtpg_fill, &r);
	if (!r.b) {
		scst_cmd_done(cmd, SCST_SENSE_NO_MEMORY);
		return;
	}
	scst_put_be32(r.b, (uint32_t)(r.len - 4));
	if (r.ext) {
		r.b[4] = 0x10; /* FORMAT TYPE 001b */
		r.b[5] = 0; /* IMPLICIT TRANSITION TIME: transitions are immediate */
	}
	scst_cmd_respond(cmd, r.b, (uint32_t)r.len);
	free(r.b);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/* States SET TARGET PORT GROUPS may request (SPC-4 6.46: not offline, not
 * transitioning). */
static bool settable(uint8_t st)
{
	return st == SCST_ALUA_ACTIVE || st == SCST_ALUA_NONOPTIMIZED || st == SCST_ALUA_STANDBY ||
	       st == SCST_ALUA_UNAVAILABLE;
}

#define STPG_MAX_DESC 256

/* SET TARGET PORT GROUPS (SPC-4 6.46): all descriptors or none. */
void scst_spc_set_tpgs(struct scst_cmd *cmd)
{
	const uint8_t *p = cmd->buf;
	uint32_t len = cmd->bufflen;
	uint16_t ids[STPG_MAX_DESC];
	uint8_t states[STPG_MAX_DESC];
	unsigned n = 0, bad = 0;

	if (len == 0) {
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	if (len < 4 || (len - 4) % 4) {
		scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	for (uint32_t off = 4; off < len; off += 4) {
		if (n == STPG_MAX_DESC) {
			scst_cmd_done(cmd, SCST_SENSE_PARAM_LIST_LENGTH_ERROR);
			return;
		}
		if (!settable(p[off] & 0x0f)) {
			scst_cmd_set_invalid_field(cmd, false, off, 3);
			scst_cmd_done(cmd, SCST_SENSE_NONE);
			return;
		}
		states[n] = p[off] & 0x0f;
		ids[n++] = scst_get_be16(p + off + 2);
	}
	if (scst_alua_set_states(cmd->tgt_dev->dev, ids, states, n, cmd->sess, &bad)) {
		scst_cmd_set_invalid_field(cmd, false, 4 + bad * 4 + 2, -1);
		scst_cmd_done(cmd, SCST_SENSE_NONE);
		return;
	}
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}
