/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reactors: one thread, one io_uring. Each loop turn submits every SQE queued
 * since the last turn and waits with a single io_uring_enter()
 * (io_uring_submit_and_wait_timeout), then dispatches the completions and the
 * deferred work. Other threads talk to a reactor only through its mailbox
 * (a mutex-protected list and an eventfd read kept armed on the ring).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "scst/log.h"
#include "scst/reactor.h"
#include "scst/sgv.h"

#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15)
#endif
#define CQE_BATCH 64
#define TICK_MS 1000

struct mbox_msg {
	void (*fn)(void *arg);
	void *arg;
	struct mbox_msg *next;
};

struct scst_reactor {
	unsigned id;
	struct io_uring ring;
	atomic_bool stop;
	uint64_t now_ms;
	uint64_t last_tick_ms;
	struct scst_work *work_head, *work_tail;
	struct scst_ticker *tickers;
	struct scst_sgv_cache *sgv;
	/* Mailbox: any thread may post. */
	pthread_mutex_t mbox_lock;
	struct mbox_msg *mbox_head, *mbox_tail;
	int efd;
	uint64_t efd_val;
	bool efd_armed;
	struct scst_io_cb efd_cb;
	struct scst_ticker sgv_ticker;
	/* The ring was created disabled (single issuer): the first thread that runs
	 * a turn enables it and becomes its only submitter. */
	bool ring_disabled;
	unsigned not_urgent; /* completions of this turn's SQEs nobody waits for */
	bool urgent; /* ... until somebody did after all */
	unsigned poll_us; /* spin this long before sleeping; 0: never */
	unsigned coalesce_us; /* linger this long for completions; 0: never */
	unsigned turn_sqes; /* SQEs queued this turn ... */
	unsigned peer_sqes; /* ... of which wait on a peer (receives) */
};

static _Thread_local struct scst_reactor *self_reactor;
static unsigned default_poll_us;
static unsigned default_coalesce_us;

void scst_reactor_set_poll_us(unsigned us)
{
	default_poll_us = us > 1000000 ? 1000000 : us;
}

void scst_reactor_set_coalesce_us(unsigned us)
{
	default_coalesce_us = us > 1000000 ? 1000000 : us;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void arm_mailbox(struct scst_reactor *r)
{
	struct io_uring_sqe *sqe;

	if (r->efd_armed)
		return;
	sqe = scst_reactor_sqe(r, &r->efd_cb);
	io_uring_prep_read(sqe, r->efd, &r->efd_val, sizeof(r->efd_val), 0);
	scst_reactor_sqe_peer(r);
	r->efd_armed = true;
}

static void drain_mailbox(struct scst_reactor *r)
{
	struct mbox_msg *m;

	pthread_mutex_lock(&r->mbox_lock);
	m = r->mbox_head;
	r->mbox_head = r->mbox_tail = NULL;
	pthread_mutex_unlock(&r->mbox_lock);
	while (m) {
		struct mbox_msg *next = m->next;

		m->fn(m->arg);
		free(m);
		m = next;
	}
}

static void mailbox_event(struct scst_io_cb *cb, int res, uint32_t flags)
{
	struct scst_reactor *r = scst_container_of(cb, struct scst_reactor, efd_cb);

	(void)res;
	(void)flags;
	r->efd_armed = false;
	drain_mailbox(r);
	if (!atomic_load(&r->stop))
		arm_mailbox(r);
}

static void sgv_tick(struct scst_ticker *t, uint64_t now)
{
	struct scst_reactor *r = scst_container_of(t, struct scst_reactor, sgv_ticker);

	(void)now;
	scst_sgv_purge(r->sgv, false);
}

/*
 * Only the reactor's thread ever submits to its ring, so the ring can be a
 * single-issuer one with deferred task running (Linux 6.1): completions of
 * socket and file I/O are then posted in a batch inside our own io_uring_enter
 * instead of interrupting the thread once each (task work by signal), which
 * costs a context switch-like trip through the kernel per completion on this
 * kind of VM. The ring starts disabled because it is created on the main thread;
 * the reactor's thread enables it on its first turn. Older kernels refuse the
 * flags with EINVAL: fall back to cooperative task running, then to none.
 */
static int ring_init(struct scst_reactor *r, unsigned entries)
{
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	int ret = -EINVAL;

	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		/* A larger CQ ring absorbs bursts from many connections. */
		p.flags = IORING_SETUP_CQSIZE | tries[i];
		/* A spinning reactor learns from the SQ ring's flags, without a system
		 * call, that task work (a completion to post) waits for it. Plain task
		 * running would post completions by interrupting the spinning thread
		 * instead: measured here, that costs more than the system call (QD 1
		 * reads 46 us against 23 us, 4 KiB writes at QD 32 88k IOPS against 127k). */
		if (r->poll_us && tries[i])
			p.flags |= IORING_SETUP_TASKRUN_FLAG;
		p.cq_entries = entries * 4;
		ret = io_uring_queue_init_params(entries, &r->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret == 0) {
		r->ring_disabled = (r->ring.flags & IORING_SETUP_R_DISABLED) != 0;
		if (!(r->ring.flags & IORING_SETUP_TASKRUN_FLAG))
			r->poll_us = 0; /* nothing to watch while spinning */
	}
	return ret;
}

struct scst_reactor *scst_reactor_create(unsigned id, unsigned ring_entries)
{
	struct scst_reactor *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return NULL;
	r->poll_us = default_poll_us;
	ret = ring_init(r, ring_entries);
	if (ret == 0 && default_coalesce_us) {
		static atomic_flag warned = ATOMIC_FLAG_INIT;

		/* The ring says whether io_uring_enter takes a minimum wait. */
		if (r->ring.features & IORING_FEAT_MIN_TIMEOUT)
			r->coalesce_us = default_coalesce_us;
		else if (!atomic_flag_test_and_set(&warned))
			scst_warn("--coalesce-us needs Linux 6.12 (a minimum wait in io_uring_enter); it is off");
	}
	if (ret < 0) {
		free(r);
		errno = -ret;
		return NULL;
	}
	r->id = id;
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->sgv = scst_sgv_cache_create();
	if (r->efd < 0 || !r->sgv) {
		if (r->efd >= 0)
			close(r->efd);
		if (r->sgv)
			scst_sgv_cache_destroy(r->sgv);
		io_uring_queue_exit(&r->ring);
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&r->mbox_lock, NULL);
	r->efd_cb.fn = mailbox_event;
	r->now_ms = monotonic_ms();
	r->last_tick_ms = r->now_ms;
	r->sgv_ticker.fn = sgv_tick;
	scst_reactor_add_ticker(r, &r->sgv_ticker);
	arm_mailbox(r);
	return r;
}

void scst_reactor_destroy(struct scst_reactor *r)
{
	if (!r)
		return;
	/* Run what is left in the mailbox so nothing posted is lost or leaked. */
	drain_mailbox(r);
	io_uring_queue_exit(&r->ring);
	close(r->efd);
	scst_sgv_cache_destroy(r->sgv);
	pthread_mutex_destroy(&r->mbox_lock);
	if (self_reactor == r)
		self_reactor = NULL;
	free(r);
}

struct scst_reactor *scst_reactor_self(void)
{
	return self_reactor;
}

void scst_reactor_bind(struct scst_reactor *r)
{
	self_reactor = r;
}

unsigned scst_reactor_id(const struct scst_reactor *r)
{
	return r->id;
}

struct io_uring_sqe *scst_reactor_sqe(struct scst_reactor *r, struct scst_io_cb *cb)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	while (unlikely(!sqe)) {
		/* The SQ ring is full: push it to the kernel now; rare under normal load. */
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	io_uring_sqe_set_data(sqe, cb);
	r->turn_sqes++;
	return sqe;
}

void scst_reactor_defer(struct scst_reactor *r, struct scst_work *w)
{
	w->next = NULL;
	if (r->work_tail)
		r->work_tail->next = w;
	else
		r->work_head = w;
	r->work_tail = w;
}

int scst_reactor_post(struct scst_reactor *r, void (*fn)(void *arg), void *arg)
{
	struct mbox_msg *m = malloc(sizeof(*m));
	uint64_t one = 1;
	bool was_empty;

	if (!m)
		return -ENOMEM;
	m->fn = fn;
	m->arg = arg;
	m->next = NULL;
	pthread_mutex_lock(&r->mbox_lock);
	was_empty = !r->mbox_head;
	if (r->mbox_tail)
		r->mbox_tail->next = m;
	else
		r->mbox_head = m;
	r->mbox_tail = m;
	pthread_mutex_unlock(&r->mbox_lock);
	/* Once queued the message is the mailbox's and will run: a failed wake-up
	 * (the eventfd counter cannot really overflow) only delays it to the next
	 * tick, which drains the mailbox too. Never report it as not posted, or the
	 * caller would free what the reactor is about to use. */
	if (was_empty && write(r->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		scst_warn("reactor %u: mailbox wake-up failed: %s", r->id, strerror(errno));
	return 0;
}

void scst_reactor_add_ticker(struct scst_reactor *r, struct scst_ticker *t)
{
	t->prev = NULL;
	t->next = r->tickers;
	if (r->tickers)
		r->tickers->prev = t;
	r->tickers = t;
}

void scst_reactor_del_ticker(struct scst_reactor *r, struct scst_ticker *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else if (r->tickers == t)
		r->tickers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

uint64_t scst_reactor_now_ms(const struct scst_reactor *r)
{
	return r->now_ms;
}

struct scst_sgv_cache *scst_reactor_sgv(struct scst_reactor *r)
{
	return r->sgv;
}

struct io_uring *scst_reactor_ring(struct scst_reactor *r)
{
	return &r->ring;
}

static int run_deferred(struct scst_reactor *r)
{
	int n = 0;

	while (r->work_head) {
		struct scst_work *w = r->work_head;

		r->work_head = w->next;
		if (!r->work_head)
			r->work_tail = NULL;
		w->fn(w);
		n++;
	}
	return n;
}

static void run_tickers(struct scst_reactor *r)
{
	struct scst_ticker *t, *next;

	if (r->now_ms - r->last_tick_ms < TICK_MS)
		return;
	r->last_tick_ms = r->now_ms;
	drain_mailbox(r); /* in case a wake-up was lost (scst_reactor_post) */
	for (t = r->tickers; t; t = next) {
		next = t->next; /* a ticker may remove itself */
		t->fn(t, r->now_ms);
	}
}

void scst_reactor_sqe_not_urgent(struct scst_reactor *r)
{
	r->not_urgent++;
}

void scst_reactor_sqe_peer(struct scst_reactor *r)
{
	r->peer_sqes++;
}

void scst_reactor_urgent(struct scst_reactor *r)
{
	r->urgent = true;
}

/*
 * How many completions the turn's wait asks for. A send that has nothing
 * queued behind it completes at once, and waking for it alone costs a second
 * io_uring_enter per command (submit and wake, then wait for the next
 * command): wait for it together with one more completion instead, but at
 * most NOT_URGENT_WAIT_MS, so a quiet connection's send is still reaped soon.
 */
#define NOT_URGENT_MAX 8
#define NOT_URGENT_WAIT_MS 1

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The kernel has task work queued for us (a completion to post): seen in the
 * SQ ring's flags, without a system call (IORING_SETUP_TASKRUN_FLAG). */
static inline bool taskrun_due(struct scst_reactor *r)
{
	return IO_URING_READ_ONCE(*r->ring.sq.kflags) & IORING_SQ_TASKRUN;
}

/*
 * Spin up to poll_us for more than `expect` completions, or for task work the
 * kernel has queued for us (IORING_SQ_TASKRUN: a receive's data arrived, say).
 * Reads only the shared rings: no system call while spinning.
 */
static bool spin_for_work(struct scst_reactor *r, unsigned expect)
{
	uint64_t end = monotonic_ns() + (uint64_t)r->poll_us * 1000u;

	for (unsigned i = 1;; i++) {
		if (io_uring_cq_ready(&r->ring) > expect || taskrun_due(r))
			return true;
		if (!(i % 64) && monotonic_ns() >= end)
			return false;
		cpu_relax();
	}
}

/*
 * The polling turn: submit without waiting (which also runs the task work
 * already due), and when nothing beyond the expected send completions came
 * back, spin before sleeping. A turn that finds work costs one system call
 * as before; one that finds it by spinning costs two but no context switch.
 */
static void submit_and_poll(struct scst_reactor *r, unsigned expect, struct __kernel_timespec *ts)
{
	struct io_uring_cqe *cqe;

	/* Nothing to submit and no task work due: straight to spinning. */
	if (io_uring_sq_ready(&r->ring) || taskrun_due(r))
		io_uring_submit_and_get_events(&r->ring);
	if (io_uring_cq_ready(&r->ring) > expect)
		return;
	if (spin_for_work(r, expect)) {
		if (io_uring_cq_ready(&r->ring) <= expect)
			io_uring_get_events(&r->ring);
		return;
	}
	io_uring_wait_cqes(&r->ring, &cqe, expect + 1, ts, NULL);
}

/*
 * The lingering wait (--coalesce-us): io_uring_enter with a minimum wait. The
 * kernel sleeps until COALESCE_NR completions are due or coalesce_us has passed;
 * then any completion ends the wait. liburing 2.3 has no call for it (its
 * io_uring_getevents_arg still names min_wait_usec "pad"), so the SQ ring's tail
 * is published here as io_uring_submit() would (no SQPOLL: a plain store).
 */
#define COALESCE_NR 64

static unsigned flush_sq(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned tail = sq->sqe_tail;

	if (sq->sqe_head != tail) {
		sq->sqe_head = tail;
		io_uring_smp_store_release(sq->ktail, tail);
	}
	return tail - IO_URING_READ_ONCE(*sq->khead);
}

static void submit_and_linger(struct scst_reactor *r, unsigned wait_nr, struct __kernel_timespec *ts)
{
	struct io_uring_getevents_arg arg = {
		.sigmask = 0,
		.sigmask_sz = _NSIG / 8,
		.pad = r->coalesce_us, /* min_wait_usec */
		.ts = (uint64_t)(uintptr_t)ts,
	};
	unsigned submit = flush_sq(&r->ring);

	if (syscall(__NR_io_uring_enter, r->ring.ring_fd, submit, wait_nr,
		    IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg)) < 0 &&
	    errno == EINVAL) {
		/* Refused as a whole (nothing was submitted): never again. */
		scst_warn("reactor %u: the kernel refuses a minimum wait; --coalesce-us is off", r->id);
		r->coalesce_us = 0;
	}
}

int scst_reactor_run_once(struct scst_reactor *r, int timeout_ms)
{
	struct { void *data; int res; uint32_t flags; } batch[CQE_BATCH];
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0, i, expect = 0;
	int events;

	if (unlikely(r->ring_disabled)) {
		/* liburing 2.3 declares io_uring_enable_rings() but does not export it. */
		syscall(__NR_io_uring_register, r->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
		r->ring_disabled = false;
	}
	events = run_deferred(r);
	if (events)
		timeout_ms = 0;
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
	/* Completions of this turn's sends that nobody waits for: wait for them
	 * together with one more, but not longer than NOT_URGENT_WAIT_MS. */
	if (timeout_ms > 0 && r->not_urgent && !r->urgent) {
		expect = r->not_urgent < NOT_URGENT_MAX ? r->not_urgent : NOT_URGENT_MAX;
		if (timeout_ms > NOT_URGENT_WAIT_MS) {
			ts.tv_sec = 0;
			ts.tv_nsec = NOT_URGENT_WAIT_MS * 1000000L;
		}
	}
	/* The one io_uring_enter() of this turn: submit and wait together (a
	 * polling reactor may need a second one: see submit_and_poll). */
	if (timeout_ms > 0 && r->poll_us)
		submit_and_poll(r, expect, &ts);
	else if (timeout_ms > 0 && r->coalesce_us && !r->urgent &&
		 r->turn_sqes == r->not_urgent + r->peer_sqes)
		/* Only peers to wait for (no disk I/O a command waits on): linger
		 * so that their completions come together. */
		submit_and_linger(r, expect + COALESCE_NR, &ts);
	else if (timeout_ms > 0)
		io_uring_submit_and_wait_timeout(&r->ring, &cqe, expect + 1, &ts, NULL);
	else
		io_uring_submit(&r->ring);
	r->not_urgent = 0;
	r->urgent = false;
	r->turn_sqes = r->peer_sqes = 0;
	r->now_ms = monotonic_ms();

	do {
		n = 0;
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			batch[n].data = io_uring_cqe_get_data(cqe);
			batch[n].res = cqe->res;
			batch[n].flags = cqe->flags;
			if (++n == CQE_BATCH)
				break;
		}
		io_uring_cq_advance(&r->ring, n);
		for (i = 0; i < n; i++) {
			struct scst_io_cb *cb = batch[i].data;

			if (cb)
				cb->fn(cb, batch[i].res, batch[i].flags);
		}
		events += (int)n;
		events += run_deferred(r);
	} while (n == CQE_BATCH);

	run_tickers(r);
	return events;
}

void scst_reactor_run(struct scst_reactor *r)
{
	self_reactor = r;
	while (!atomic_load(&r->stop))
		scst_reactor_run_once(r, TICK_MS);
	/* Flush what the last turn queued. */
	io_uring_submit(&r->ring);
}

void scst_reactor_stop(struct scst_reactor *r)
{
	uint64_t one = 1;

	atomic_store(&r->stop, true);
	if (write(r->efd, &one, sizeof(one)) < 0)
		return;
}
