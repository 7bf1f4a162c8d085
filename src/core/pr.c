// SPDX-License-Identifier: GPL-2.0-only
/*
 * Persistent reservations (SPC-4 5.13, 6.15, 6.16): PERSISTENT RESERVE IN and
 * OUT, and the conflict check of the pre-exec stage.
 *
 * A registration belongs to an I_T nexus: the initiator port (for iSCSI the
 * name with its ISID, "iqn...,i,0x<isid>") and the target port (the target's
 * relative target port id; any port with ALL_TG_PT). The state is per device,
 * shared by every target that exports it, guarded by dev->lock; dev->pr_active
 * says without the lock whether there is any registration, so the common case
 * (no PR on the device) costs one atomic load per command.
 *
 * Every change is made durable (pr_file.c) before the command returns GOOD;
 * if that fails, the old state is put back and the command fails.
 *
 * REGISTER with SPEC_I_PT registers the initiator ports its iSCSI TransportIDs
 * name (format 01b: one port, name and ISID; 00b: the name, any ISID);
 * REGISTER AND MOVE hands the reservation to the nexus its TransportID and
 * relative target port id name. PREEMPT AND ABORT also aborts the preempted
 * nexuses' commands on the device (tmf.c's scst_abort_other_nexuses). Not
 * implemented, and so answered INVALID COMMAND OPERATION CODE and left out of
 * REPORT SUPPORTED OPERATION CODES by the opcode table: REPLACE LOST
 * RESERVATION (there is no way to lose one here).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "opcodes.h"
#include "pr.h"

/* PR OUT service actions (SPC-4 6.16.2). */
enum {
	PR_REGISTER = 0,
	PR_RESERVE = 1,
	PR_RELEASE = 2,
	PR_CLEAR = 3,
	PR_PREEMPT = 4,
	PR_PREEMPT_ABORT = 5,
	PR_REGISTER_IGNORE = 6,
	PR_REGISTER_MOVE = 7,
};

#define PR_PROTO_ISCSI 0x5 /* SPC-4 7.6.1 */
#define PR_MAX_SPEC_TIDS 64

#define PR_OUT_PARAM_LEN 24

static uint16_t nexus_rel_id(const struct scst_tgt_dev *td)
{
	return scst_target_rel_id(td->sess->tgt);
}

/* An initiator port registered by name only (a TransportID of format 00b)
 * stands for every ISID of that name. */
static bool port_matches(const char *reg_port, const char *iport)
{
	const char *sep;
	size_t n;

	if (!strcmp(reg_port, iport))
		return true;
	if (strstr(reg_port, ",i,0x"))
		return false;
	sep = strstr(iport, ",i,0x");
	n = sep ? (size_t)(sep - iport) : strlen(iport);
	return strlen(reg_port) == n && !strncmp(reg_port, iport, n);
}

static bool reg_matches(const struct scst_pr_reg *r, const char *iport, uint16_t rel)
{
	return port_matches(r->iport, iport) && (r->all_tg_pt || r->rel_tgt_id == rel);
}

static struct scst_pr_reg *find_reg(struct scst_pr *pr, const struct scst_tgt_dev *td)
{
	for (struct scst_pr_reg *r = pr->regs; r; r = r->next)
		if (reg_matches(r, td->sess->initiator_port, nexus_rel_id(td)))
			return r;
	return NULL;
}

static bool is_holder(const struct scst_pr *pr, const struct scst_pr_reg *reg)
{
	if (!reg || pr->type == PR_TYPE_NONE)
		return false;
	return pr_type_all_regs(pr->type) || pr->holder == reg;
}

/* Queue reason to every nexus of dev that r identifies (except except). Under dev->lock. */
static void ua_to_reg(struct scst_device *dev, const struct scst_pr_reg *r,
		      const struct scst_tgt_dev *except, enum scst_sense_reason reason)
{
	for (struct scst_tgt_dev *td = dev->tgt_devs; td; td = td->dev_next)
		if (td != except && reg_matches(r, td->sess->initiator_port, nexus_rel_id(td)))
			scst_ua_queue_locked(td, reason);
}

/* ---- the conflict check (SPC-4 5.13.1, table of commands allowed per type) ---- */

bool scst_pr_conflict(const struct scst_cmd *cmd)
{
	struct scst_tgt_dev *td = cmd->tgt_dev;
	struct scst_device *dev = td->dev;
	uint32_t flags = cmd->op->flags;
	struct scst_pr_reg *reg;
	bool conflict = false;
	struct scst_pr *pr;

	if (!atomic_load_explicit(&dev->pr_active, memory_order_acquire) ||
	    (flags & SCST_OPF_ALLOW_PR))
		return false;
	pthread_mutex_lock(&dev->lock);
	pr = dev->pr;
	if (pr && pr->type != PR_TYPE_NONE) {
		reg = find_reg(pr, td);
		if (!is_holder(pr, reg)) {
			bool registrants_ok = pr->type == PR_TYPE_WE_RO || pr->type == PR_TYPE_EA_RO;
			bool write_excl = pr->type == PR_TYPE_WE || pr->type == PR_TYPE_WE_RO ||
					  pr->type == PR_TYPE_WE_AR;

			if (registrants_ok && reg)
				conflict = false;
			else if (write_excl)
				conflict = !(flags & SCST_OPF_READ_PR);
			else
				conflict = true;
		}
	}
	pthread_mutex_unlock(&dev->lock);
	return conflict;
}

bool scst_pr_has_registrations(struct scst_device *dev)
{
	return atomic_load_explicit(&dev->pr_active, memory_order_acquire);
}

/* ---- PERSISTENT RESERVE IN ---- */

static void put_transport_id(uint8_t *p, const char *iport, uint32_t *len)
{
	const char *isid = strstr(iport, ",i,0x");
	size_t n = strlen(iport) + 1;
	uint32_t padded = (uint32_t)((n + 3) & ~(size_t)3);

	if (padded < 20)
		padded = 20; /* SPC-4 7.6.4.6: at least 20 bytes of name */
	/* iSCSI TransportID (SPC-4 7.6.4.6): FORMAT CODE 01b with the ISID. */
	p[0] = (uint8_t)((isid ? 0x40 : 0x00) | 0x05);
	p[1] = 0;
	scst_put_be16(p + 2, (uint16_t)padded);
	memset(p + 4, 0, padded);
	memcpy(p + 4, iport, n);
	*len = 4 + padded;
}

static void pr_in_read_keys(struct scst_cmd *cmd, struct scst_pr *pr, uint8_t *b, uint32_t *len)
{
	uint32_t n = 8;

	for (struct scst_pr_reg *r = pr ? pr->regs : NULL; r; r = r->next, n += 8)
		scst_put_be64(b + n, r->key);
	scst_put_be32(b, pr ? pr->generation : 0);
	scst_put_be32(b + 4, n - 8);
	*len = n;
	(void)cmd;
}

static void pr_in_read_reservation(struct scst_pr *pr, uint8_t *b, uint32_t *len)
{
	scst_put_be32(b, pr ? pr->generation : 0);
	if (!pr || pr->type == PR_TYPE_NONE) {
		scst_put_be32(b + 4, 0);
		*len = 8;
		return;
	}
	scst_put_be32(b + 4, 16);
	memset(b + 8, 0, 16);
	/* SPC-4 6.15.3.3: the key is 0 for the all-registrants types. */
	scst_put_be64(b + 8, pr_type_all_regs(pr->type) ? 0 : pr->holder->key);
	b[21] = pr->type; /* SCOPE 0h: logical unit */
	*len = 24;
}

static void pr_in_report_caps(struct scst_pr *pr, uint8_t *b, uint32_t *len)
{
	memset(b, 0, 8);
	scst_put_be16(b, 8);
	/* SIP_C (SPEC_I_PT), ATP_C (ALL_TG_PT); PTPL_C when a state directory keeps APTPL state. */
	b[2] = 0x08 | 0x04 | (scst_pr_state_dir() ? 0x01 : 0);
	b[3] = 0x80 | (pr && pr->aptpl ? 0x01 : 0); /* TMV; PTPL_A */
	/* PERSISTENT RESERVATION TYPE MASK: WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX; EX_AC_AR. */
	b[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;
	b[5] = 0x01;
	*len = 8;
}

static void pr_in_full_status(struct scst_pr *pr, uint8_t *b, uint32_t cap, uint32_t *len)
{
	uint32_t n = 8;

	for (struct scst_pr_reg *r = pr ? pr->regs : NULL; r; r = r->next) {
		uint8_t *d = b + n;
		uint32_t tid;

		if (n + 24 + 4 + sizeof(r->iport) + 4 > cap)
			break;
		memset(d, 0, 24);
		scst_put_be64(d, r->key);
		d[12] = (uint8_t)((r->all_tg_pt ? 0x02 : 0) | (is_holder(pr, r) ? 0x01 : 0));
		if (is_holder(pr, r))
			d[13] = pr->type;
		scst_put_be16(d + 18, r->rel_tgt_id);
		put_transport_id(d + 24, r->iport, &tid);
		scst_put_be32(d + 20, tid);
		n += 24 + tid;
	}
	scst_put_be32(b, pr ? pr->generation : 0);
	scst_put_be32(b + 4, n - 8);
	*len = n;
}

void scst_pr_in(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	uint8_t sa = cmd->cdb[1] & 0x1f;
	uint32_t cap = 8 + 256 * (24 + 4 + SCST_MAX_NAME + 32 + 4), len = 0;
	uint8_t *b = malloc(cap);

	if (!b) {
		scst_cmd_done(cmd, SCST_SENSE_INTERNAL_TARGET_FAILURE);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	switch (sa) {
	case 0:
		pr_in_read_keys(cmd, dev->pr, b, &len);
		break;
	case 1:
		pr_in_read_reservation(dev->pr, b, &len);
		break;
	case 2:
		pr_in_report_caps(dev->pr, b, &len);
		break;
	default:
		pr_in_full_status(dev->pr, b, cap, &len);
		break;
	}
	pthread_mutex_unlock(&dev->lock);
	scst_cmd_respond(cmd, b, len);
	free(b);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/* ---- PERSISTENT RESERVE OUT ---- */

struct pr_out {
	struct scst_cmd *cmd;
	struct scst_tgt_dev *td;
	struct scst_device *dev;
	struct scst_pr *pr;
	struct scst_pr_reg *reg; /* this nexus's registration, or NULL */
	uint64_t key, sa_key;
	uint8_t type, scope;
	bool aptpl, all_tg_pt;
	bool changed; /* the state must be saved */
	bool abort; /* PREEMPT AND ABORT: note the preempted nexuses in gone */
	struct scst_pr_reg *gone; /* copies of the preempted registrations */
	/* REGISTER with SPEC_I_PT: the other initiator ports; REGISTER AND MOVE: the
	 * destination (one), with UNREG and the relative target port id. */
	char (*tids)[SCST_MAX_NAME + 32];
	unsigned ntids;
	bool spec_i_pt, unreg;
	uint16_t move_rel;
};

static void remove_reg(struct pr_out *o, struct scst_pr_reg *victim)
{
	struct scst_pr_reg **pp = &o->pr->regs;

	while (*pp && *pp != victim)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = victim->next;
	if (o->pr->holder == victim) {
		o->pr->holder = NULL;
		if (!pr_type_all_regs(o->pr->type))
			o->pr->type = PR_TYPE_NONE;
	}
	if (o->reg == victim)
		o->reg = NULL;
	free(victim);
}

/* An all-registrants reservation ends with its last registrant (SPC-4 5.13.11.2.2). */
static void fix_all_regs_holder(struct scst_pr *pr)
{
	if (pr_type_all_regs(pr->type)) {
		pr->holder = pr->regs;
		if (!pr->regs)
			pr->type = PR_TYPE_NONE;
	}
}

static struct scst_pr_reg *add_reg(struct pr_out *o, const char *iport, uint16_t rel, bool all)
{
	struct scst_pr_reg *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->key = o->sa_key;
	scst_copy_str(r->iport, sizeof(r->iport), iport);
	r->rel_tgt_id = rel;
	r->all_tg_pt = all;
	r->next = o->pr->regs;
	o->pr->regs = r;
	return r;
}

/* Is an I_T nexus of iport on target port rel (any port with all) registered? */
static bool port_registered(const struct scst_pr *pr, const char *iport, uint16_t rel, bool all)
{
	for (const struct scst_pr_reg *r = pr->regs; r; r = r->next)
		if (port_matches(r->iport, iport) && (all || r->all_tg_pt || r->rel_tgt_id == rel))
			return true;
	return false;
}

/*
 * SPC-4 5.13.7 with SPEC_I_PT: the initiator ports named by TransportIDs are
 * registered with the same key on this target port (every port with
 * ALL_TG_PT), together with the sending nexus; all or none, and none of them
 * may be registered already.
 */
static enum scst_sense_reason register_spec_i_pt(struct pr_out *o)
{
	uint16_t rel = nexus_rel_id(o->td);

	for (unsigned i = 0; i < o->ntids; i++)
		if (port_registered(o->pr, o->tids[i], rel, o->all_tg_pt))
			return SCST_SENSE_RESERVATION_CONFLICT;
	for (unsigned i = 0; i < o->ntids; i++) {
		bool dup = false;

		for (unsigned j = 0; j < i && !dup; j++)
			dup = !strcmp(o->tids[i], o->tids[j]);
		if (!dup && !strcmp(o->tids[i], o->td->sess->initiator_port))
			dup = true; /* the sender is registered below */
		if (!dup && !add_reg(o, o->tids[i], rel, o->all_tg_pt))
			return SCST_SENSE_INTERNAL_TARGET_FAILURE;
	}
	return SCST_SENSE_NONE;
}

static enum scst_sense_reason do_register(struct pr_out *o, bool ignore)
{
	struct scst_pr_reg *r;

	if (!o->reg) {
		if (!ignore && o->key)
			return SCST_SENSE_RESERVATION_CONFLICT;
		if (!o->sa_key)
			return SCST_SENSE_NONE; /* SPC-4 5.13.7: unregistered and key 0: nothing */
		if (o->spec_i_pt) {
			enum scst_sense_reason why = register_spec_i_pt(o);

			if (why != SCST_SENSE_NONE)
				return why;
		}
		if (!add_reg(o, o->td->sess->initiator_port, nexus_rel_id(o->td), o->all_tg_pt))
			return SCST_SENSE_INTERNAL_TARGET_FAILURE;
		fix_all_regs_holder(o->pr);
	} else if (o->spec_i_pt) {
		/* SPC-4 5.13.7: a registered nexus may not name others. */
		scst_cmd_set_invalid_field(o->cmd, true, 1, -1);
		return SCST_SENSE_NONE;
	} else {
		if (!ignore && o->key != o->reg->key)
			return SCST_SENSE_RESERVATION_CONFLICT;
		if (!o->sa_key) {
			bool ro = o->pr->type == PR_TYPE_WE_RO || o->pr->type == PR_TYPE_EA_RO;
			bool released = is_holder(o->pr, o->reg) && (ro || !pr_type_all_regs(o->pr->type));

			remove_reg(o, o->reg);
			fix_all_regs_holder(o->pr);
			/* SPC-4 5.13.11.2.2: a registrants-only reservation released by its
			 * holder's unregistration tells the other registrants. */
			if (released && ro)
				for (r = o->pr->regs; r; r = r->next)
					ua_to_reg(o->dev, r, o->td, SCST_SENSE_UA_RESERVATIONS_RELEASED);
		} else {
			o->reg->key = o->sa_key;
		}
	}
	o->pr->aptpl = o->aptpl;
	o->pr->generation++;
	o->changed = true;
	return SCST_SENSE_NONE;
}

/*
 * REGISTER AND MOVE (SPC-4 5.13.8): the holder of a reservation that is not an
 * all-registrants one hands it to another I_T nexus, registering that nexus
 * with the service action key if it is not registered yet, and with UNREG
 * unregisters itself. The reservation keeps its type.
 */
static enum scst_sense_reason do_register_move(struct pr_out *o)
{
	struct scst_pr *pr = o->pr;
	struct scst_pr_reg *dest = NULL;
	const char *port = o->tids[0];

	if (!o->reg || o->key != o->reg->key)
		return SCST_SENSE_RESERVATION_CONFLICT;
	if (pr->type == PR_TYPE_NONE || pr_type_all_regs(pr->type) || pr->holder != o->reg)
		return SCST_SENSE_RESERVATION_CONFLICT;
	if (!o->sa_key) {
		scst_cmd_set_invalid_field(o->cmd, false, 8, -1);
		return SCST_SENSE_NONE;
	}
	if (!strchr(port, ',')) {
		/* The destination is one I_T nexus: a name without its ISID is not one. */
		scst_cmd_set_invalid_field(o->cmd, false, PR_OUT_PARAM_LEN, 7);
		return SCST_SENSE_NONE;
	}
	if (!strcmp(port, o->td->sess->initiator_port) && o->move_rel == nexus_rel_id(o->td)) {
		scst_cmd_set_invalid_field(o->cmd, false, PR_OUT_PARAM_LEN, -1);
		return SCST_SENSE_NONE;
	}
	for (struct scst_pr_reg *r = pr->regs; r && !dest; r = r->next)
		if (reg_matches(r, port, o->move_rel))
			dest = r;
	if (!dest) {
		dest = add_reg(o, port, o->move_rel, false);
		if (!dest)
			return SCST_SENSE_INTERNAL_TARGET_FAILURE;
	}
	pr->holder = dest;
	if (o->unreg)
		remove_reg(o, o->reg);
	pr->aptpl = o->aptpl;
	pr->generation++;
	o->changed = true;
	return SCST_SENSE_NONE;
}

static bool type_valid(uint8_t type)
{
	return type == PR_TYPE_WE || type == PR_TYPE_EA ||
	       (type >= PR_TYPE_WE_RO && type <= PR_TYPE_EA_AR);
}

static enum scst_sense_reason check_scope_type(struct pr_out *o)
{
	if (o->scope) {
		scst_cmd_set_invalid_field(o->cmd, true, 2, 7);
		return SCST_SENSE_NONE;
	}
	if (!type_valid(o->type)) {
		scst_cmd_set_invalid_field(o->cmd, true, 2, 3);
		return SCST_SENSE_NONE;
	}
	return SCST_SENSE_NONE;
}

static enum scst_sense_reason do_reserve(struct pr_out *o)
{
	if (!o->reg || o->key != o->reg->key)
		return SCST_SENSE_RESERVATION_CONFLICT;
	check_scope_type(o);
	if (o->cmd->reason != SCST_SENSE_NONE)
		return SCST_SENSE_NONE;
	if (o->pr->type == PR_TYPE_NONE) {
		o->pr->type = o->type;
		o->pr->holder = pr_type_all_regs(o->type) ? o->pr->regs : o->reg;
		o->changed = true;
		return SCST_SENSE_NONE;
	}
	/* SPC-4 5.13.9: the holder reserving again with the same type is GOOD. */
	if (is_holder(o->pr, o->reg) && o->pr->type == o->type)
		return SCST_SENSE_NONE;
	return SCST_SENSE_RESERVATION_CONFLICT;
}

static enum scst_sense_reason do_release(struct pr_out *o)
{
	uint8_t old = o->pr->type;

	if (!o->reg || o->key != o->reg->key)
		return SCST_SENSE_RESERVATION_CONFLICT;
	if (old == PR_TYPE_NONE || !is_holder(o->pr, o->reg))
		return SCST_SENSE_NONE; /* SPC-4 5.13.11.2.1: nothing to release */
	if (o->scope || o->type != old)
		return SCST_SENSE_INVALID_RELEASE_OF_PR;
	o->pr->type = PR_TYPE_NONE;
	o->pr->holder = NULL;
	o->changed = true;
	/* SPC-4 5.13.11.2.1: releasing a type other than WE/EA tells the other registrants. */
	if (old != PR_TYPE_WE && old != PR_TYPE_EA)
		for (struct scst_pr_reg *r = o->pr->regs; r; r = r->next)
			ua_to_reg(o->dev, r, o->td, SCST_SENSE_UA_RESERVATIONS_RELEASED);
	return SCST_SENSE_NONE;
}

static enum scst_sense_reason do_clear(struct pr_out *o)
{
	if (!o->reg || o->key != o->reg->key)
		return SCST_SENSE_RESERVATION_CONFLICT;
	for (struct scst_pr_reg *r = o->pr->regs; r; r = r->next)
		ua_to_reg(o->dev, r, o->td, SCST_SENSE_UA_RESERVATIONS_PREEMPTED);
	scst_pr_regs_free(o->pr);
	o->reg = NULL;
	o->pr->generation++;
	o->changed = true;
	return SCST_SENSE_NONE;
}

/* Remove every registration with key sa_key (but ours when keep_self); how many went. */
static unsigned preempt_key(struct pr_out *o, uint64_t key, bool all_others)
{
	struct scst_pr_reg *r, *next;
	unsigned n = 0;

	for (r = o->pr->regs; r; r = next) {
		next = r->next;
		if (r == o->reg || (!all_others && r->key != key))
			continue;
		ua_to_reg(o->dev, r, o->td, SCST_SENSE_UA_REGISTRATIONS_PREEMPTED);
		if (o->abort) {
			struct scst_pr_reg *g = malloc(sizeof(*g));

			/* Without memory the nexus keeps its queued commands; the
			 * preemption itself stands. */
			if (g) {
				*g = *r;
				g->next = o->gone;
				o->gone = g;
			}
		}
		remove_reg(o, r);
		n++;
	}
	return n;
}

static enum scst_sense_reason do_preempt(struct pr_out *o)
{
	struct scst_pr *pr = o->pr;

	if (!o->reg || o->key != o->reg->key)
		return SCST_SENSE_RESERVATION_CONFLICT;
	if (pr->type != PR_TYPE_NONE) {
		check_scope_type(o);
		if (o->cmd->reason != SCST_SENSE_NONE)
			return SCST_SENSE_NONE;
	}
	if (pr->type != PR_TYPE_NONE && pr_type_all_regs(pr->type) && !o->sa_key) {
		/* SPC-4 5.13.11.4.3: preempting an all-registrants reservation with key 0
		 * removes every other registration and reserves for us. */
		preempt_key(o, 0, true);
		pr->type = o->type;
		pr->holder = pr_type_all_regs(o->type) ? pr->regs : o->reg;
	} else if (pr->type != PR_TYPE_NONE && !pr_type_all_regs(pr->type) &&
		   pr->holder->key == o->sa_key) {
		/* SPC-4 5.13.11.4.3: the holder is preempted: we take the reservation. */
		struct scst_pr_reg *old_holder = pr->holder;
		uint8_t old_type = pr->type;

		preempt_key(o, o->sa_key, false);
		pr->type = o->type;
		pr->holder = pr_type_all_regs(o->type) ? pr->regs : o->reg;
		/* Preempting one's own reservation with a new type: the other registrants
		 * learn the reservation changed (SPC-4 5.13.11.4.3 note). */
		if (old_holder == o->reg && old_type != o->type)
			for (struct scst_pr_reg *r = pr->regs; r; r = r->next)
				ua_to_reg(o->dev, r, o->td, SCST_SENSE_UA_RESERVATIONS_RELEASED);
	} else {
		/* No reservation, or not the holder's key: only registrations go. */
		if (!o->sa_key) {
			scst_cmd_set_invalid_field(o->cmd, false, 8, -1);
			return SCST_SENSE_NONE;
		}
		if (!preempt_key(o, o->sa_key, false))
			return SCST_SENSE_RESERVATION_CONFLICT;
		fix_all_regs_holder(pr);
	}
	pr->generation++;
	o->changed = true;
	return SCST_SENSE_NONE;
}

/*
 * An iSCSI TransportID (SPC-4 7.6.4.6) at p, avail bytes, as an initiator
 * port string: "name,i,0x<isid>" (FORMAT CODE 01b, ISID in lower case as
 * logins name it) or "name" (00b: the initiator by name, any ISID). Returns
 * the TransportID's length, 0 when it is malformed or not iSCSI.
 */
static uint32_t parse_transport_id(const uint8_t *p, uint32_t avail, char *out, size_t outlen)
{
	uint32_t alen;
	const char *s = (const char *)p + 4;
	size_t n, name_len;

	if (avail < 4 || (p[0] & 0x0f) != PR_PROTO_ISCSI || (p[0] >> 6) > 1)
		return 0;
	alen = scst_get_be16(p + 2);
	if (alen < 20 || alen % 4 || alen > avail - 4)
		return 0;
	n = strnlen(s, alen);
	if (n == alen || n == 0)
		return 0; /* not NUL terminated, or empty */
	name_len = n;
	if (p[0] >> 6) {
		unsigned long long isid;
		char *end;
		size_t i;

		for (i = 0; i + 5 <= n && strncasecmp(s + i, ",i,0x", 5); i++)
			;
		if (i + 5 > n || n - i - 5 != 12)
			return 0;
		isid = strtoull(s + i + 5, &end, 16);
		if (end != s + n)
			return 0;
		name_len = i;
		if (!name_len || name_len >= SCST_MAX_NAME ||
		    snprintf(out, outlen, "%.*s,i,0x%012llx", (int)name_len, s, isid) >= (int)outlen)
			return 0;
	} else {
		if (memchr(s, ',', n) || n >= SCST_MAX_NAME)
			return 0;
		snprintf(out, outlen, "%.*s", (int)n, s);
	}
	return 4 + alen;
}

/* SPC-4 6.16.4: REGISTER AND MOVE's parameter list. */
static enum scst_sense_reason parse_move(struct pr_out *o, uint32_t plen)
{
	struct scst_cmd *cmd = o->cmd;
	const uint8_t *p = cmd->buf;
	uint32_t tlen;

	if (plen < PR_OUT_PARAM_LEN || cmd->bufflen < plen)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	o->key = scst_get_be64(p);
	o->sa_key = scst_get_be64(p + 8);
	if (p[17] & ~0x03) {
		scst_cmd_set_invalid_field(cmd, false, 17, 7);
		return SCST_SENSE_NONE;
	}
	o->unreg = p[17] & 0x02;
	o->aptpl = p[17] & 0x01;
	o->move_rel = scst_get_be16(p + 18);
	tlen = scst_get_be32(p + 20);
	if (tlen != plen - PR_OUT_PARAM_LEN)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	o->tids = calloc(1, sizeof(*o->tids));
	if (!o->tids)
		return SCST_SENSE_INTERNAL_TARGET_FAILURE;
	if (parse_transport_id(p + PR_OUT_PARAM_LEN, tlen, o->tids[0], sizeof(o->tids[0])) !=
	    tlen) {
		scst_cmd_set_invalid_field(cmd, false, PR_OUT_PARAM_LEN, -1);
		return SCST_SENSE_NONE;
	}
	o->ntids = 1;
	if (o->aptpl && !scst_pr_state_dir()) {
		scst_cmd_set_invalid_field(cmd, false, 17, 0);
		return SCST_SENSE_NONE;
	}
	return SCST_SENSE_NONE;
}

/* SPC-4 6.16.3: the TransportIDs after a REGISTER's 24 bytes with SPEC_I_PT. */
static enum scst_sense_reason parse_spec_i_pt(struct pr_out *o, uint32_t plen)
{
	struct scst_cmd *cmd = o->cmd;
	const uint8_t *p = cmd->buf;
	uint32_t tlen, off;

	if (plen < PR_OUT_PARAM_LEN + 4 || cmd->bufflen < plen)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	tlen = scst_get_be32(p + PR_OUT_PARAM_LEN);
	if (tlen != plen - PR_OUT_PARAM_LEN - 4)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	o->tids = calloc(PR_MAX_SPEC_TIDS, sizeof(*o->tids));
	if (!o->tids)
		return SCST_SENSE_INTERNAL_TARGET_FAILURE;
	for (off = PR_OUT_PARAM_LEN + 4; off < plen;) {
		uint32_t n;

		if (o->ntids == PR_MAX_SPEC_TIDS)
			return SCST_SENSE_INSUFFICIENT_REGISTRATION_RESOURCES;
		n = parse_transport_id(p + off, plen - off, o->tids[o->ntids],
				       sizeof(o->tids[0]));
		if (!n) {
			scst_cmd_set_invalid_field(cmd, false, off, -1);
			return SCST_SENSE_NONE;
		}
		o->ntids++;
		off += n;
	}
	return SCST_SENSE_NONE;
}

static enum scst_sense_reason pr_out_parse(struct pr_out *o, uint8_t sa)
{
	struct scst_cmd *cmd = o->cmd;
	uint32_t plen = scst_get_be32(cmd->cdb + 5);
	const uint8_t *p = cmd->buf;

	o->scope = cmd->cdb[2] >> 4;
	o->type = cmd->cdb[2] & 0x0f;
	if (sa == PR_REGISTER_MOVE)
		return parse_move(o, plen);
	if (plen < PR_OUT_PARAM_LEN || cmd->bufflen < PR_OUT_PARAM_LEN)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	o->spec_i_pt = p[20] & 0x08;
	if (o->spec_i_pt && sa != PR_REGISTER) {
		/* SPC-4 6.16.3: SPEC_I_PT is for REGISTER only. */
		scst_cmd_set_invalid_field(cmd, false, 20, 3);
		return SCST_SENSE_NONE;
	}
	/* Without SPEC_I_PT the parameter list is exactly 24 bytes. */
	if (!o->spec_i_pt && plen != PR_OUT_PARAM_LEN)
		return SCST_SENSE_PARAM_LIST_LENGTH_ERROR;
	o->key = scst_get_be64(p);
	o->sa_key = scst_get_be64(p + 8);
	if (p[20] & ~0x0d) {
		scst_cmd_set_invalid_field(cmd, false, 20, 7);
		return SCST_SENSE_NONE;
	}
	o->all_tg_pt = p[20] & 0x04;
	o->aptpl = p[20] & 0x01;
	if (o->aptpl && !scst_pr_state_dir()) {
		/* PTPL_C=0: nowhere to keep the state through a restart. */
		scst_cmd_set_invalid_field(cmd, false, 20, 0);
		return SCST_SENSE_NONE;
	}
	return o->spec_i_pt ? parse_spec_i_pt(o, plen) : SCST_SENSE_NONE;
}

/* A deep copy of the registrations, to put back if saving fails. */
static int pr_snapshot(const struct scst_pr *from, struct scst_pr *to)
{
	struct scst_pr_reg **tail = &to->regs;

	*to = *from;
	to->regs = NULL;
	to->holder = NULL;
	for (const struct scst_pr_reg *r = from->regs; r; r = r->next) {
		struct scst_pr_reg *c = malloc(sizeof(*c));

		if (!c) {
			scst_pr_regs_free(to);
			return -ENOMEM;
		}
		*c = *r;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
		if (from->holder == r)
			to->holder = c;
	}
	return 0;
}

static enum scst_sense_reason pr_out_run(struct pr_out *o, uint8_t sa)
{
	switch (sa) {
	case PR_REGISTER:
		return do_register(o, false);
	case PR_REGISTER_IGNORE:
		return do_register(o, true);
	case PR_RESERVE:
		return do_reserve(o);
	case PR_RELEASE:
		return do_release(o);
	case PR_CLEAR:
		return do_clear(o);
	case PR_PREEMPT:
	case PR_PREEMPT_ABORT:
		return do_preempt(o);
	case PR_REGISTER_MOVE:
		return do_register_move(o);
	default:
		scst_cmd_set_invalid_field(o->cmd, true, 1, 4);
		return SCST_SENSE_NONE;
	}
}

/* Is there a target port with this relative target port id? */
static bool rel_id_exists(uint16_t rel)
{
	bool found = false;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (struct scst_target *t = scst_target_first(); t && !found; t = t->next)
		found = t->rel_tgt_id == rel;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return found;
}

/* ---- PREEMPT AND ABORT: the preempted nexuses' commands ---- */

struct preempt_abort {
	struct scst_abort_waiter w;
	struct scst_cmd *cmd;
};

static bool preempted(const struct scst_session *s, void *arg)
{
	for (const struct scst_pr_reg *g = arg; g; g = g->next)
		if (reg_matches(g, s->initiator_port, scst_target_rel_id(s->tgt)))
			return true;
	return false;
}

static void preempt_abort_done(struct scst_abort_waiter *w)
{
	struct preempt_abort *pa = scst_container_of(w, struct preempt_abort, w);
	struct scst_cmd *cmd = pa->cmd;

	free(pa);
	scst_cmd_done(cmd, SCST_SENSE_NONE);
}

/*
 * SPC-4 5.13.11.2.4: the tasks of the preempted I_T nexuses on this logical
 * unit are aborted (TASK ABORTED with TAS 1; else silently, and those nexuses
 * get COMMANDS CLEARED BY ANOTHER INITIATOR), and the PERSISTENT RESERVE OUT
 * completes once none of them can reach the backend any more.
 */
static void preempt_abort(struct scst_cmd *cmd, struct scst_pr_reg *gone)
{
	struct preempt_abort *pa = malloc(sizeof(*pa));

	if (!pa) {
		scst_cmd_done(cmd, SCST_SENSE_NONE); /* preempted; the aborts are lost */
		return;
	}
	pa->cmd = cmd;
	pa->w.pending = 1;
	pa->w.done = preempt_abort_done;
	scst_abort_other_nexuses(cmd->tgt_dev->dev, cmd->sess, preempted, gone,
				 SCST_SENSE_UA_COMMANDS_CLEARED_BY_ANOTHER_INITIATOR, &pa->w);
	if (--pa->w.pending == 0)
		preempt_abort_done(&pa->w);
}

void scst_pr_out(struct scst_cmd *cmd)
{
	struct pr_out o = { .cmd = cmd, .td = cmd->tgt_dev, .dev = cmd->tgt_dev->dev };
	uint8_t sa = cmd->cdb[1] & 0x1f;
	enum scst_sense_reason r;
	struct scst_pr backup;

	r = pr_out_parse(&o, sa);
	if (r == SCST_SENSE_NONE && cmd->reason == SCST_SENSE_NONE && sa == PR_REGISTER_MOVE &&
	    !rel_id_exists(o.move_rel)) {
		/* SPC-4 5.13.8: the destination must be a target port of this device. */
		scst_cmd_set_invalid_field(cmd, false, 18, -1);
	}
	if (r != SCST_SENSE_NONE || cmd->reason != SCST_SENSE_NONE) {
		free(o.tids);
		scst_cmd_done(cmd, r);
		return;
	}
	pthread_mutex_lock(&o.dev->lock);
	if (!o.dev->pr)
		o.dev->pr = calloc(1, sizeof(*o.dev->pr));
	o.pr = o.dev->pr;
	if (!o.pr || pr_snapshot(o.pr, &backup)) {
		pthread_mutex_unlock(&o.dev->lock);
		scst_cmd_done(cmd, SCST_SENSE_INTERNAL_TARGET_FAILURE);
		return;
	}
	o.reg = find_reg(o.pr, o.td);
	o.abort = sa == PR_PREEMPT_ABORT;
	r = pr_out_run(&o, sa);
	if (r == SCST_SENSE_INTERNAL_TARGET_FAILURE ||
	    (o.changed && r == SCST_SENSE_NONE && cmd->reason == SCST_SENSE_NONE &&
	     scst_pr_file_save(o.dev, o.pr))) {
		/* Not durable: the command fails and nothing changed. */
		scst_pr_regs_free(o.pr);
		*o.pr = backup;
		backup.regs = NULL;
		r = SCST_SENSE_INTERNAL_TARGET_FAILURE;
	}
	scst_pr_regs_free(&backup);
	atomic_store_explicit(&o.dev->pr_active, o.pr->regs != NULL, memory_order_release);
	pthread_mutex_unlock(&o.dev->lock);
	if (o.gone && r == SCST_SENSE_NONE && cmd->reason == SCST_SENSE_NONE)
		preempt_abort(cmd, o.gone);
	else
		scst_cmd_done(cmd, r);
	while (o.gone) {
		struct scst_pr_reg *g = o.gone;

		o.gone = g->next;
		free(g);
	}
	free(o.tids);
}

/* ---- device life cycle ---- */

void scst_pr_dev_init(struct scst_device *dev)
{
	struct scst_pr *pr = calloc(1, sizeof(*pr));
	char err[512];
	int ret;

	if (!pr)
		return;
	ret = scst_pr_file_load(dev, pr, err, sizeof(err));
	if (ret == -EINVAL)
		scst_err("device %s: persistent reservations not restored: %s",
			 dev->name, err);
	/* SPC-4 5.13.5: without APTPL the registrations do not survive power loss. */
	if (ret || !pr->aptpl)
		scst_pr_regs_free(pr);
	dev->pr = pr;
	atomic_store(&dev->pr_active, pr->regs != NULL);
}

void scst_pr_dev_free(struct scst_device *dev)
{
	if (!dev->pr)
		return;
	scst_pr_regs_free(dev->pr);
	free(dev->pr);
	dev->pr = NULL;
}
