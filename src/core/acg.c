/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Access groups (LUN masking): initiator name patterns and their LUN
 * tables; a session picks the first group whose pattern matches it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

static void free_patterns(struct scst_pattern *p)
{
	while (p) {
		struct scst_pattern *n = p->next;

		free(p->pattern);
		free(p);
		p = n;
	}
}


void scst_acg_free(struct scst_acg *g)
{
	scst_lun_table_unexport(g->luns);
	scst_lun_table_put(g->luns);
	free_patterns(g->initiators);
}


bool scst_pattern_match(const char *p, const char *s)
{
	/* Iterative glob with one backtrack point: linear in practice, no recursion. */
	const char *star = NULL, *ss = NULL;

	while (*s) {
		if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (*p == '*') {
			star = p++;
			ss = s;
		} else if (star) {
			p = star + 1;
			s = ++ss;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

struct scst_acg *scst_acg_find(struct scst_target *tgt, const char *group)
{
	if (!group)
		return &tgt->dflt;
	for (struct scst_acg *g = tgt->groups; g; g = g->next)
		if (!strcmp(g->name, group))
			return g;
	return NULL;
}

struct scst_acg *scst_acg_for_initiator(struct scst_target *tgt, const char *initiator)
{
	/* First matching group in order of creation, else the default table (SCST). */
	for (struct scst_acg *g = tgt->groups; g; g = g->next)
		for (struct scst_pattern *p = g->initiators; p; p = p->next)
			if (scst_pattern_match(p->pattern, initiator))
				return g;
	return &tgt->dflt;
}

bool scst_target_initiator_allowed(struct scst_target *tgt, const char *initiator)
{
	bool ok;

	pthread_mutex_lock(&scst_mgmt_lock);
	ok = tgt->enabled && scst_driver_enabled_locked(tgt->tmpl) &&
	     scst_acg_for_initiator(tgt, initiator)->luns->count > 0;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return ok;
}

int scst_group_add(struct scst_target *tgt, const char *group, char *err, size_t errlen)
{
	struct scst_acg *g, **pp;

	if (!scst_name_valid(group, sizeof(g->name)))
		return scst_errf(err, errlen, -EINVAL, "invalid group name '%s'", group);
	g = calloc(1, sizeof(*g));
	if (!g || !(g->luns = scst_lun_table_new_empty())) {
		free(g);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	scst_copy_str(g->name, sizeof(g->name), group);
	g->tgt = tgt;
	pthread_mutex_lock(&scst_mgmt_lock);
	if (scst_acg_find(tgt, group)) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		scst_lun_table_put(g->luns);
		free(g);
		return scst_errf(err, errlen, -EEXIST, "group %s already exists", group);
	}
	for (pp = &tgt->groups; *pp; pp = &(*pp)->next)
		;
	*pp = g;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_group_del(struct scst_target *tgt, const char *group, char *err, size_t errlen)
{
	struct scst_acg **pp, *g;

	pthread_mutex_lock(&scst_mgmt_lock);
	for (pp = &tgt->groups; (g = *pp); pp = &g->next)
		if (!strcmp(g->name, group))
			break;
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOENT, "no group %s", group);
	}
	for (struct scst_session *s = tgt->sessions; s; s = s->next) {
		if (s->acg == g) {
			pthread_mutex_unlock(&scst_mgmt_lock);
			return scst_errf(err, errlen, -EBUSY, "group %s has sessions", group);
		}
	}
	*pp = g->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	scst_acg_free(g);
	free(g);
	return 0;
}

/* Re-bind every session of tgt whose initiator now matches another group (as SCST's
 * scst_check_reassign_sessions does): the session keeps its nexuses on LUNs that name
 * the same device and gets the new group's table (session.c queues the UAs). Called
 * with scst_mgmt_lock held. */
static void sessions_rebind(struct scst_target *tgt)
{
	for (struct scst_session *s = tgt->sessions; s; s = s->next) {
		struct scst_acg *g = scst_acg_for_initiator(tgt, s->initiator_name);

		if (g == s->acg)
			continue;
		scst_notice("session %s on %s moves from group %s to group %s", s->initiator_name,
			    tgt->name, s->acg == &tgt->dflt ? "(default)" : s->acg->name,
			    g == &tgt->dflt ? "(default)" : g->name);
		scst_session_rebind(s, g);
	}
}

/* Undo record of one applied change: where a removed pattern was, or the added one. */
struct ini_undo {
	struct scst_acg *g;
	struct scst_pattern *p;
	struct scst_pattern **link; /* removal: the link p was unlinked from */
};

static int check_pattern(const char *pattern, char *err, size_t errlen)
{
	if (!pattern || !*pattern || strlen(pattern) >= SCST_MAX_NAME)
		return scst_errf(err, errlen, -EINVAL, "invalid initiator pattern");
	return 0;
}

/* Apply change c to the lists; lock held. p is the preallocated pattern for an add. */
static int ini_apply_one(struct scst_target *tgt, const struct scst_initiator_change *c,
			 struct scst_pattern *p, struct ini_undo *u, char *err, size_t errlen)
{
	struct scst_acg *g = c->group ? scst_acg_find(tgt, c->group) : NULL;
	struct scst_pattern **pp;

	if (!g)
		return scst_errf(err, errlen, -ENOENT, "no group %s",
				 c->group ? c->group : "(null)");
	for (pp = &g->initiators; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->pattern, c->pattern))
			break;
	u->g = g;
	if (c->add) {
		if (*pp)
			return scst_errf(err, errlen, -EEXIST, "initiator %s already in group %s",
					 c->pattern, c->group);
		*pp = p;
		u->p = p;
		u->link = NULL;
		return 0;
	}
	if (!*pp)
		return scst_errf(err, errlen, -ENOENT, "no initiator %s in group %s", c->pattern,
				 c->group);
	u->p = *pp;
	u->link = pp;
	*pp = u->p->next;
	return 0;
}

/* Undo the first n applied changes, newest first; lock held. */
static void ini_undo_all(struct ini_undo *u, unsigned n)
{
	while (n--) {
		if (u[n].link) {
			u[n].p->next = *u[n].link;
			*u[n].link = u[n].p;
			continue;
		}
		for (struct scst_pattern **pp = &u[n].g->initiators; *pp; pp = &(*pp)->next) {
			if (*pp == u[n].p) {
				*pp = u[n].p->next;
				break;
			}
		}
		u[n].p->next = NULL;
	}
}

static void free_pattern(struct scst_pattern *p)
{
	if (p) {
		free(p->pattern);
		free(p);
	}
}

int scst_group_change_initiators(struct scst_target *tgt, const struct scst_initiator_change *ch,
				 unsigned n, char *err, size_t errlen)
{
	struct scst_pattern **fresh = calloc(n ? n : 1, sizeof(*fresh));
	struct ini_undo *undo = calloc(n ? n : 1, sizeof(*undo));
	unsigned done = 0;
	int ret = 0;

	if (!fresh || !undo) {
		ret = scst_errf(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	/* Everything that can fail without the lock first: names and memory. */
	for (unsigned i = 0; i < n && !ret; i++) {
		ret = check_pattern(ch[i].pattern, err, errlen);
		if (ret || !ch[i].add)
			continue;
		fresh[i] = calloc(1, sizeof(*fresh[i]));
		if (!fresh[i] || !(fresh[i]->pattern = strdup(ch[i].pattern)))
			ret = scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	if (ret)
		goto out;
	pthread_mutex_lock(&scst_mgmt_lock);
	for (done = 0; done < n; done++) {
		ret = ini_apply_one(tgt, &ch[done], fresh[done], &undo[done], err, errlen);
		if (ret)
			break;
	}
	if (ret) {
		ini_undo_all(undo, done);
	} else {
		/* One re-binding for the whole batch: a session goes from its old group
		 * straight to its new one, never through a group in between. */
		sessions_rebind(tgt);
	}
	pthread_mutex_unlock(&scst_mgmt_lock);
out:
	for (unsigned i = 0; fresh && i < n; i++) {
		if (ret && ch[i].add)
			free_pattern(fresh[i]); /* never added, or taken back */
		if (!ret && !ch[i].add)
			free_pattern(undo[i].p); /* removed for good */
	}
	free(fresh);
	free(undo);
	return ret;
}

int scst_group_add_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen)
{
	const struct scst_initiator_change c = { group, pattern, true };

	return scst_group_change_initiators(tgt, &c, 1, err, errlen);
}

int scst_group_del_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen)
{
	const struct scst_initiator_change c = { group, pattern, false };

	return scst_group_change_initiators(tgt, &c, 1, err, errlen);
}

int scst_group_move_initiator(struct scst_target *tgt, const char *from, const char *pattern,
			      const char *to, char *err, size_t errlen)
{
	const struct scst_initiator_change c[2] = {
		{ from, pattern, false },
		{ to, pattern, true },
	};

	if (from && to && !strcmp(from, to))
		return scst_errf(err, errlen, -EEXIST, "initiator %s is already in group %s",
				 pattern, to);
	return scst_group_change_initiators(tgt, c, 2, err, errlen);
}
