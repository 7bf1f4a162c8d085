/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit attention conditions, kept per I_T_L nexus (tgt_dev), SAM-5 5.14.
 * Device-wide events (capacity change, mode change, reset) reach every nexus
 * of the device under dev->lock; the owning reactor reports them one at a
 * time, oldest first, and a reported UA is gone.
 */
#include <stdlib.h>

#include "core_priv.h"

/* Caller holds td->dev->lock. */
static void ua_append_locked(struct scst_tgt_dev *td, enum scst_sense_reason reason)
{
	struct scst_ua *ua;

	/* A condition already pending is not queued twice (SAM-5 5.14: one per kind). */
	for (ua = td->ua_head; ua; ua = ua->next)
		if (ua->reason == reason)
			return;
	ua = malloc(sizeof(*ua));
	if (!ua)
		return;
	ua->reason = reason;
	ua->next = NULL;
	*td->ua_tail = ua;
	td->ua_tail = &ua->next;
	atomic_store_explicit(&td->ua_pending, true, memory_order_release);
}

void scst_ua_queue_locked(struct scst_tgt_dev *td, enum scst_sense_reason reason)
{
	ua_append_locked(td, reason);
}

void scst_ua_queue(struct scst_tgt_dev *td, enum scst_sense_reason reason)
{
	pthread_mutex_lock(&td->dev->lock);
	ua_append_locked(td, reason);
	pthread_mutex_unlock(&td->dev->lock);
}

void scst_ua_queue_device(struct scst_device *dev, enum scst_sense_reason reason,
			  struct scst_tgt_dev *except)
{
	pthread_mutex_lock(&dev->lock);
	for (struct scst_tgt_dev *td = dev->tgt_devs; td; td = td->dev_next)
		if (td != except)
			ua_append_locked(td, reason);
	pthread_mutex_unlock(&dev->lock);
}

bool scst_ua_take(struct scst_tgt_dev *td, struct scst_cmd *cmd)
{
	struct scst_ua *ua;

	if (!atomic_load_explicit(&td->ua_pending, memory_order_acquire))
		return false;
	pthread_mutex_lock(&td->dev->lock);
	ua = td->ua_head;
	if (ua) {
		td->ua_head = ua->next;
		if (!td->ua_head)
			td->ua_tail = &td->ua_head;
	}
	atomic_store(&td->ua_pending, td->ua_head != NULL);
	pthread_mutex_unlock(&td->dev->lock);
	if (!ua)
		return false;
	scst_cmd_set_error(cmd, ua->reason, NULL);
	free(ua);
	return true;
}

void scst_ua_clear_reason(struct scst_tgt_dev *td, enum scst_sense_reason reason)
{
	struct scst_ua **pp, *ua;

	if (!atomic_load(&td->ua_pending))
		return;
	pthread_mutex_lock(&td->dev->lock);
	for (pp = &td->ua_head; (ua = *pp);) {
		if (ua->reason == reason) {
			*pp = ua->next;
			free(ua);
		} else {
			pp = &ua->next;
		}
	}
	td->ua_tail = &td->ua_head;
	while (*td->ua_tail)
		td->ua_tail = &(*td->ua_tail)->next;
	atomic_store(&td->ua_pending, td->ua_head != NULL);
	pthread_mutex_unlock(&td->dev->lock);
}

/* Caller holds td->dev->lock. */
void scst_ua_clear(struct scst_tgt_dev *td)
{
	while (td->ua_head) {
		struct scst_ua *ua = td->ua_head;

		td->ua_head = ua->next;
		free(ua);
	}
	td->ua_tail = &td->ua_head;
	atomic_store(&td->ua_pending, false);
}
