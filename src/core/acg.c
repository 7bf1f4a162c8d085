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
	ok = tgt->enabled && scst_acg_for_initiator(tgt, initiator)->luns->count > 0;
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

int scst_group_add_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen)
{
	struct scst_acg *g;
	struct scst_pattern *p, **pp;

	if (!*pattern || strlen(pattern) >= SCST_MAX_NAME)
		return scst_errf(err, errlen, -EINVAL, "invalid initiator pattern");
	p = calloc(1, sizeof(*p));
	if (!p || !(p->pattern = strdup(pattern))) {
		free(p);
		return scst_errf(err, errlen, -ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&scst_mgmt_lock);
	g = group ? scst_acg_find(tgt, group) : NULL;
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		free(p->pattern);
		free(p);
		return scst_errf(err, errlen, -ENOENT, "no group %s", group ? group : "(null)");
	}
	for (pp = &g->initiators; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->pattern, pattern)) {
			pthread_mutex_unlock(&scst_mgmt_lock);
			free(p->pattern);
			free(p);
			return scst_errf(err, errlen, -EEXIST, "initiator %s already in group %s",
				    pattern, group);
		}
	}
	*pp = p;
	pthread_mutex_unlock(&scst_mgmt_lock);
	return 0;
}

int scst_group_del_initiator(struct scst_target *tgt, const char *group, const char *pattern,
			     char *err, size_t errlen)
{
	struct scst_acg *g;
	struct scst_pattern *p, **pp;

	pthread_mutex_lock(&scst_mgmt_lock);
	g = group ? scst_acg_find(tgt, group) : NULL;
	if (!g) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOENT, "no group %s", group ? group : "(null)");
	}
	for (pp = &g->initiators; (p = *pp); pp = &p->next)
		if (!strcmp(p->pattern, pattern))
			break;
	if (!p) {
		pthread_mutex_unlock(&scst_mgmt_lock);
		return scst_errf(err, errlen, -ENOENT, "no initiator %s in group %s", pattern, group);
	}
	*pp = p->next;
	pthread_mutex_unlock(&scst_mgmt_lock);
	free(p->pattern);
	free(p);
	return 0;
}
