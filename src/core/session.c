/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sessions (I_T nexus) and their tgt_devs (I_T_L nexus).
 *
 * A session belongs to the reactor it was registered on: its command pool,
 * active list, LUN table view and tgt_devs are touched only there. The
 * management thread changes a session's LUN table by posting a message to
 * that reactor, which swaps the table and queues REPORTED LUNS DATA HAS
 * CHANGED on the nexus (SPC-4 7.x, SAM-5 6.x).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

struct luns_msg {
	struct scst_session *sess;
	struct scst_lun_table *table;
};

static unsigned hash_lun(uint64_t lun)
{
	return (unsigned)(lun % SCST_TGT_DEV_HASH);
}

static void session_get(struct scst_session *s)
{
	atomic_fetch_add(&s->refcount, 1);
}

void scst_session_get(struct scst_session *s)
{
	session_get(s);
}

static void session_put(struct scst_session *s);

void scst_session_put(struct scst_session *s)
{
	session_put(s);
}

static void session_put(struct scst_session *s)
{
	if (atomic_fetch_sub(&s->refcount, 1) != 1)
		return;
	while (s->free_cmds) {
		struct scst_cmd *c = s->free_cmds;

		s->free_cmds = c->next;
		free(c);
	}
	free(s);
}

void scst_device_release(struct scst_device *dev)
{
	atomic_fetch_sub(&dev->refcount, 1);
}

struct scst_session *scst_session_register(struct scst_target *tgt, const char *initiator_name,
					   const char *initiator_port, struct scst_reactor *r,
					   void *tgt_priv)
{
	struct scst_session *s;

	if (!initiator_name || strlen(initiator_name) >= SCST_MAX_NAME || !r) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->initiator_name, sizeof(s->initiator_name), "%s", initiator_name);
	snprintf(s->initiator_port, sizeof(s->initiator_port), "%s",
		 initiator_port ? initiator_port : initiator_name);
	s->tgt = tgt;
	s->reactor = r;
	s->tgt_priv = tgt_priv;
	s->cmd_size = sizeof(struct scst_cmd) + tgt->tmpl->cmd_priv_size;
	atomic_init(&s->refcount, 1);
	pthread_mutex_lock(&scst_mgmt_lock);
	if (!tgt->enabled) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		free(s);
		errno = EACCES;
		return NULL;
	}
	s->acg = scst_acg_for_initiator(tgt, initiator_name);
	s->luns = scst_lun_table_get(s->acg->luns);
	s->next = tgt->sessions;
	tgt->sessions = s;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return s;
}

void *scst_session_tgt_priv(struct scst_session *sess)
{
	return sess->tgt_priv;
}

struct scst_reactor *scst_session_reactor(struct scst_session *sess)
{
	return sess->reactor;
}

struct scst_target *scst_session_target(struct scst_session *sess)
{
	return sess->tgt;
}

const char *scst_session_initiator_name(const struct scst_session *sess)
{
	return sess->initiator_name;
}

unsigned scst_session_active_cmds(const struct scst_session *sess)
{
	return sess->active;
}

static struct scst_tgt_dev *tgt_dev_lookup(struct scst_session *s, uint64_t lun)
{
	for (struct scst_tgt_dev *td = s->tgt_devs[hash_lun(lun)]; td; td = td->hash_next)
		if (td->lun == lun)
			return td;
	return NULL;
}

static void tgt_dev_unhash(struct scst_session *s, struct scst_tgt_dev *td)
{
	struct scst_tgt_dev **pp = &s->tgt_devs[hash_lun(td->lun)];

	while (*pp && *pp != td)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = td->hash_next;
	td->hash_next = NULL;
}

/* Free a tgt_dev once nothing refers to it (no command in flight). */
void scst_tgt_dev_maybe_free(struct scst_tgt_dev *td)
{
	struct scst_device *dev = td->dev;

	if (!td->gone || td->inflight || td->blocked_head || td->cmd_refs)
		return;
	/* Nexus loss ends an SPC-2 reservation (SPC-2 5.5.1) and its prevent (SPC-4 6.13). */
	scst_res_drop(dev, td);
	scst_medium_nexus_gone(td);
	pthread_mutex_lock(&dev->lock);
	if (td->dev_prev)
		td->dev_prev->dev_next = td->dev_next;
	else if (dev->tgt_devs == td)
		dev->tgt_devs = td->dev_next;
	if (td->dev_next)
		td->dev_next->dev_prev = td->dev_prev;
	scst_ua_clear(td);
	pthread_mutex_unlock(&dev->lock);
	scst_device_release(dev);
	free(td);
}

/* A new I_T_L nexus for entry e; first_ua is the unit attention it starts with. */
static struct scst_tgt_dev *tgt_dev_create(struct scst_session *s, const struct scst_lun_entry *e,
					   enum scst_sense_reason first_ua)
{
	struct scst_tgt_dev *td = calloc(1, sizeof(*td));
	struct scst_device *dev = e->dev;

	if (!td)
		return NULL;
	td->sess = s;
	td->dev = dev;
	td->lun = e->lun;
	td->read_only = e->read_only;
	td->ua_tail = &td->ua_head;
	atomic_fetch_add(&dev->refcount, 1);
	pthread_mutex_lock(&dev->lock);
	td->dev_next = dev->tgt_devs;
	if (dev->tgt_devs)
		dev->tgt_devs->dev_prev = td;
	dev->tgt_devs = td;
	pthread_mutex_unlock(&dev->lock);
	scst_ua_queue(td, first_ua);
	td->hash_next = s->tgt_devs[hash_lun(e->lun)];
	s->tgt_devs[hash_lun(e->lun)] = td;
	return td;
}

struct scst_tgt_dev *scst_tgt_dev_get(struct scst_session *s, uint64_t lun)
{
	struct scst_tgt_dev *td = tgt_dev_lookup(s, lun);
	const struct scst_lun_entry *e;

	if (likely(td))
		return td;
	e = scst_lun_table_find(s->luns, lun);
	if (!e)
		return NULL;
	/* A new I_T_L nexus starts with POWER ON, RESET, OR BUS DEVICE RESET OCCURRED
	 * (SAM-5 6.3.3); 29/00 is the form initiators (libiscsi, Linux) retry on. */
	return tgt_dev_create(s, e, SCST_SENSE_UA_RESET);
}

void scst_session_luns_reported(struct scst_session *s)
{
	for (unsigned h = 0; h < SCST_TGT_DEV_HASH; h++)
		for (struct scst_tgt_dev *td = s->tgt_devs[h]; td; td = td->hash_next)
			scst_ua_clear_reason(td, SCST_SENSE_UA_REPORTED_LUNS_DATA_CHANGED);
}

/* Do two tables list the same LUN numbers (the inventory REPORT LUNS returns)? */
static bool same_inventory(const struct scst_lun_table *a, const struct scst_lun_table *b)
{
	if (a->count != b->count)
		return false;
	for (unsigned i = 0; i < a->count; i++)
		if (a->entries[i].lun != b->entries[i].lun)
			return false;
	return true;
}

/*
 * On the session's reactor: adopt a new LUN table (a LUN added, removed or
 * replaced, or the session re-bound to another access group). Unit attentions
 * go only to the nexuses a change affects:
 *  - the set of LUNs changed: REPORTED LUNS DATA HAS CHANGED (SPC-4 6.33) on
 *    every remaining nexus of the session;
 *  - a LUN now names another device: the old nexus ends and a new one starts
 *    with INQUIRY DATA HAS CHANGED (the logical unit behind the LUN, its
 *    identification and serial, is another one, which SPC-4 reports with this
 *    condition; the LUN list is the same, so REPORTED LUNS DATA HAS CHANGED
 *    would not tell the initiator to look again). SCST does the same;
 *  - only read_only changed: MODE PARAMETERS CHANGED (the WP bit of MODE SENSE).
 */
static void session_swap_luns(void *arg)
{
	struct luns_msg *m = arg;
	struct scst_session *s = m->sess;
	struct scst_lun_table *old = s->luns;
	bool inv_changed;

	if (s->unregistering) {
		scst_lun_table_put(m->table);
		goto out;
	}
	s->luns = m->table;
	inv_changed = !same_inventory(old, s->luns);
	for (unsigned h = 0; h < SCST_TGT_DEV_HASH; h++) {
		struct scst_tgt_dev *td = s->tgt_devs[h], *next;

		for (; td; td = next) {
			const struct scst_lun_entry *e = scst_lun_table_find(s->luns, td->lun);

			next = td->hash_next;
			if (e && e->dev == td->dev) {
				if (e->read_only != td->read_only) {
					td->read_only = e->read_only;
					scst_ua_queue(td, SCST_SENSE_UA_MODE_PARAMETERS_CHANGED);
				}
				if (inv_changed)
					scst_ua_queue(td, SCST_SENSE_UA_REPORTED_LUNS_DATA_CHANGED);
				continue;
			}
			/* The LUN is gone or names another device: new commands will not
			 * find this tgt_dev; in-flight ones finish on it. */
			tgt_dev_unhash(s, td);
			td->gone = true;
			td->replaced = e != NULL;
			scst_tgt_dev_maybe_free(td);
			if (!e)
				continue;
			/* Replaced: the new nexus goes to the head of this bucket, behind the
			 * walk, so it is not visited again. Without memory it is created on
			 * the next command instead, with the power-on UA. */
			td = tgt_dev_create(s, e, SCST_SENSE_UA_INQUIRY_DATA_CHANGED);
			if (td && inv_changed)
				scst_ua_queue(td, SCST_SENSE_UA_REPORTED_LUNS_DATA_CHANGED);
		}
	}
	/* A nexus that has touched no LUN yet learns the change from the power-on UA
	 * its first tgt_dev gets. */
	scst_lun_table_put(old);
out:
	session_put(s);
	free(m);
}

/* Post the table of s's group to s's reactor. Called with scst_mgmt_lock held. */
static void session_post_luns(struct scst_session *s)
{
	struct luns_msg *m = malloc(sizeof(*m));

	if (m) {
		m->sess = s;
		m->table = scst_lun_table_get(s->acg->luns);
		session_get(s);
		if (!scst_reactor_post(s->reactor, session_swap_luns, m))
			return;
		scst_lun_table_put(m->table);
		atomic_fetch_sub(&s->refcount, 1);
		free(m);
	}
	/* Not silent: the session keeps its old view until the next change reaches it. */
	scst_err("session %s: out of memory sending it its new LUN table", s->initiator_name);
}

void scst_session_rebind(struct scst_session *s, struct scst_acg *acg)
{
	s->acg = acg;
	session_post_luns(s);
}

void scst_session_luns_changed(struct scst_acg *acg)
{
	for (struct scst_session *s = acg->tgt->sessions; s; s = s->next)
		if (s->acg == acg)
			session_post_luns(s);
}

static void session_finish_unregister(struct scst_session *s)
{
	struct scst_session **pp;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (pp = &s->tgt->sessions; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	for (unsigned h = 0; h < SCST_TGT_DEV_HASH; h++) {
		while (s->tgt_devs[h]) {
			struct scst_tgt_dev *td = s->tgt_devs[h];

			s->tgt_devs[h] = td->hash_next;
			td->hash_next = NULL;
			td->gone = true;
			scst_tgt_dev_maybe_free(td);
		}
	}
	scst_lun_table_put(s->luns);
	s->luns = NULL;
	if (s->unreg_done)
		s->unreg_done(s, s->unreg_arg);
	session_put(s);
}

static void unregister_work(struct scst_work *w)
{
	struct scst_session *s = scst_container_of(w, struct scst_session, unreg_work);

	s->unreg_queued = false;
	if (s->active)
		return; /* the last command to finish queues this again */
	session_finish_unregister(s);
}

static void queue_unregister(struct scst_session *s)
{
	/* One work item per session: queueing it twice would corrupt the list. */
	if (s->unreg_queued)
		return;
	s->unreg_queued = true;
	scst_reactor_defer(s->reactor, &s->unreg_work);
}

/* Called by cmd.c when an active command of an unregistering session is freed. */
void scst_session_cmd_gone(struct scst_session *s)
{
	if (s->unregistering && !s->active)
		queue_unregister(s);
}

void scst_session_unregister(struct scst_session *s,
			     void (*done)(struct scst_session *sess, void *arg), void *arg)
{
	s->unregistering = true;
	s->unreg_done = done;
	s->unreg_arg = arg;
	s->unreg_work.fn = unregister_work;
	/* Nexus loss (SAM-5 6.3.4): every task of this nexus is aborted. */
	for (struct scst_cmd *c = s->active_head; c; c = c->next)
		scst_cmd_abort(c);
	queue_unregister(s);
}
