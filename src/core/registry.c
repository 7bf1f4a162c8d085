/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The registry of dev handlers and target templates, and the small helpers
 * the management operations share (device.c, target.c, acg.c, lun_table.c).
 * All of it runs on the management thread; reactors never take
 * scst_mgmt_lock per command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

#define MAX_HANDLERS 16
#define MAX_TEMPLATES 8

pthread_mutex_t scst_mgmt_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct scst_dev_handler *handlers[MAX_HANDLERS];
static unsigned nr_handlers;
static const struct scst_tgt_template *templates[MAX_TEMPLATES];
static unsigned nr_templates;

int scst_register_dev_handler(const struct scst_dev_handler *h)
{
	if (scst_find_dev_handler(h->name))
		return 0;
	if (nr_handlers == MAX_HANDLERS)
		return -ENOSPC;
	handlers[nr_handlers++] = h;
	return 0;
}

const struct scst_dev_handler *scst_find_dev_handler(const char *name)
{
	for (unsigned i = 0; i < nr_handlers; i++)
		if (!strcmp(handlers[i]->name, name))
			return handlers[i];
	return NULL;
}

const struct scst_dev_handler *scst_dev_handler_at(unsigned i)
{
	return i < nr_handlers ? handlers[i] : NULL;
}

int scst_register_target_template(const struct scst_tgt_template *t)
{
	if (scst_find_target_template(t->name))
		return 0;
	if (nr_templates == MAX_TEMPLATES)
		return -ENOSPC;
	templates[nr_templates++] = t;
	return 0;
}

const struct scst_tgt_template *scst_find_target_template(const char *name)
{
	for (unsigned i = 0; i < nr_templates; i++)
		if (!strcmp(templates[i]->name, name))
			return templates[i];
	return NULL;
}

bool scst_name_valid(const char *name, size_t max)
{
	size_t len = strlen(name);

	if (!len || len >= max)
		return false;
	for (const char *p = name; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == '"' || *p == '{' || *p == '}' || *p == ';')
			return false;
	return true;
}


void scst_copy_str(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src);
}
