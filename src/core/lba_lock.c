// SPDX-License-Identifier: GPL-2.0-only
/*
 * LBA range locks for read-modify-write commands (COMPARE AND WRITE, ORWRITE).
 *
 * Such a command reads blocks, decides, and writes them. Two of them on the
 * same blocks from two sessions (two reactor threads) must not interleave:
 * VMware's ATS locking, for one, relies on exactly one of two racing COMPARE
 * AND WRITEs winning (SBC-3 5.2: the compare and the write are one atomic
 * operation). A command locks [lba, lba + n) for the whole of its read and
 * write; a second one on an overlapping range waits on the holder's list and
 * is resumed on its own reactor (a mailbox message) when the holder finishes.
 * Nothing blocks a thread, and commands without overlap never wait.
 *
 * Plain WRITEs do not take these locks: they are ordered against a
 * read-modify-write of their own session by the task set ordering, not
 * against other sessions' (documented in README).
 *
 * State: a short list per device under dev->lock (few such commands run at a
 * time); the lock record lives in the command (cmd->core_u64 is the x-engine's,
 * so the record is a small allocation made only on this rare path).
 */
#include <stdlib.h>

#include "core_priv.h"

struct scst_lba_lock {
	uint64_t lba, n;
	struct scst_cmd *owner;
	void (*resume)(struct scst_cmd *cmd);
	struct scst_lba_lock *waiters; /* commands waiting for this range */
	struct scst_lba_lock *next; /* device list, or the holder's waiter list */
};

static bool overlaps(const struct scst_lba_lock *a, uint64_t lba, uint64_t n)
{
	return lba < a->lba + a->n && a->lba < lba + n;
}

static void resume_msg(void *arg)
{
	struct scst_lba_lock *l = arg;
	struct scst_cmd *cmd = l->owner;
	void (*resume)(struct scst_cmd *) = l->resume;
	uint64_t lba = l->lba, n = l->n;

	free(l);
	/* Try again: another waiter may have taken an overlapping range first. */
	if (scst_lba_lock(cmd, lba, n, resume))
		resume(cmd);
}

bool scst_lba_lock(struct scst_cmd *cmd, uint64_t lba, uint64_t n,
		   void (*resume)(struct scst_cmd *cmd))
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	struct scst_lba_lock *l = calloc(1, sizeof(*l)), *h;

	if (!l) {
		/* Run unlocked rather than hang the command; say so. */
		scst_err("%s: no memory for an LBA range lock; running unlocked", dev->name);
		return true;
	}
	l->lba = lba;
	l->n = n;
	l->owner = cmd;
	l->resume = resume;
	pthread_mutex_lock(&dev->lock);
	for (h = dev->lba_locks; h; h = h->next)
		if (overlaps(h, lba, n))
			break;
	if (h) {
		l->next = h->waiters;
		h->waiters = l;
	} else {
		l->next = dev->lba_locks;
		dev->lba_locks = l;
		cmd->lba_lock = l;
	}
	pthread_mutex_unlock(&dev->lock);
	return !h;
}

void scst_lba_unlock(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->tgt_dev->dev;
	struct scst_lba_lock *l = cmd->lba_lock, **pp, *w, *next;

	if (!l)
		return;
	cmd->lba_lock = NULL;
	pthread_mutex_lock(&dev->lock);
	for (pp = &dev->lba_locks; *pp && *pp != l; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = l->next;
	w = l->waiters;
	pthread_mutex_unlock(&dev->lock);
	free(l);
	for (; w; w = next) {
		next = w->next;
		w->next = NULL;
		/* The waiter belongs to its session's reactor: resume it there. */
		if (scst_reactor_post(w->owner->sess->reactor, resume_msg, w))
			scst_err("%s: cannot resume a command waiting for an LBA range", dev->name);
	}
}
