/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reactors: one thread, one io_uring, one set of free lists. A connection,
 * its commands and their buffers belong to one reactor for their whole life;
 * everything about a command runs on that reactor (see src/core/OWNERSHIP.md).
 *
 * I/O: take an SQE with scst_reactor_sqe(), fill it with io_uring_prep_*();
 * the reactor submits all SQEs of a loop turn with one io_uring_enter() and
 * calls cb->fn(cb, res, cqe_flags) for each completion.
 */
#ifndef SCST_REACTOR_H
#define SCST_REACTOR_H

#include <liburing.h>
#include "scst/types.h"

struct scst_reactor;
struct scst_sgv_cache;

struct scst_io_cb {
	void (*fn)(struct scst_io_cb *cb, int res, uint32_t cqe_flags);
};

/* Work queued to run later on the same reactor, after the current event (no allocation). */
struct scst_work {
	void (*fn)(struct scst_work *w);
	struct scst_work *next;
};

/* Called about once a second on the reactor it is registered with. */
struct scst_ticker {
	void (*fn)(struct scst_ticker *t, uint64_t now_ms);
	struct scst_ticker *next, *prev;
};

/*
 * Reactors created from now on spin up to us microseconds for the next
 * completion before they sleep (0, the default: never spin). For a reactor
 * with a CPU of its own: fewer context switches and no wake-up delay, for the
 * CPU time the spinning takes (scstd --poll-us).
 */
void scst_reactor_set_poll_us(unsigned us);
/*
 * Interrupt moderation for reactors created from now on: a turn that waits only
 * on peers (receives, sends) sleeps until us microseconds have passed or enough
 * completions came, before it takes the first one; the next completion after
 * that ends the wait as usual. Busy connections then bring several commands
 * per receive: fewer turns, system calls and CPU per command, for up to us of
 * latency. 0 (the default) turns it off. Needs Linux 6.12 (IORING_FEAT_MIN_TIMEOUT):
 * on older kernels reactors warn once and leave it off. scstd --coalesce-us.
 */
void scst_reactor_set_coalesce_us(unsigned us);
struct scst_reactor *scst_reactor_create(unsigned id, unsigned ring_entries);
void scst_reactor_destroy(struct scst_reactor *r);

/* Loop until scst_reactor_stop() (any thread). Binds the reactor to the calling thread. */
void scst_reactor_run(struct scst_reactor *r);
/* One loop turn: submit, wait at most timeout_ms (0: do not wait), dispatch. Returns events handled. */
int scst_reactor_run_once(struct scst_reactor *r, int timeout_ms);
void scst_reactor_stop(struct scst_reactor *r);

/* The reactor bound to the calling thread, or NULL (management thread, tests before binding). */
struct scst_reactor *scst_reactor_self(void);
/* Bind r to the calling thread without running its loop (tests, local driver). */
void scst_reactor_bind(struct scst_reactor *r);
unsigned scst_reactor_id(const struct scst_reactor *r);

/* An SQE whose completion calls cb. Never NULL: flushes the ring to make room. */
struct io_uring_sqe *scst_reactor_sqe(struct scst_reactor *r, struct scst_io_cb *cb);

/*
 * The SQE just taken completes with nothing urgent to do (a send with nothing
 * queued behind it): the turn's wait may gather its completion together with
 * the next one that matters, instead of waking for it alone.
 */
void scst_reactor_sqe_not_urgent(struct scst_reactor *r);
/* The SQE just taken waits on a peer (a receive): a turn whose SQEs all wait on
 * peers or are not urgent may linger to gather completions (--coalesce-us). */
void scst_reactor_sqe_peer(struct scst_reactor *r);
/* Something now waits for a completion marked not urgent (more to send behind
 * it), or has work at once (a receive that filled its buffer): this turn's wait
 * wakes for the first completion again and does not linger. */
void scst_reactor_urgent(struct scst_reactor *r);

/* Run w->fn on r after the current event; only from r's own thread. */
void scst_reactor_defer(struct scst_reactor *r, struct scst_work *w);

/* Run fn(arg) on r; from any thread. Allocates; not for the fast path. Returns 0 or -errno. */
int scst_reactor_post(struct scst_reactor *r, void (*fn)(void *arg), void *arg);

void scst_reactor_add_ticker(struct scst_reactor *r, struct scst_ticker *t);
void scst_reactor_del_ticker(struct scst_reactor *r, struct scst_ticker *t);

/* Monotonic milliseconds, cached once per loop turn. */
uint64_t scst_reactor_now_ms(const struct scst_reactor *r);

struct scst_sgv_cache *scst_reactor_sgv(struct scst_reactor *r);
struct io_uring *scst_reactor_ring(struct scst_reactor *r);

#endif
