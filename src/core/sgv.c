/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SGV buffer cache (see include/scst/sgv.h).
 *
 * Ownership: a cache belongs to one reactor; only that reactor's thread gets,
 * puts and purges on it, so the free lists take no lock. Buffers are mapped
 * once (page aligned, populated up front) and reused: on this kind of VM a
 * page fault or an mmap/munmap per I/O costs more than the I/O itself.
 *
 * A free buffer holds its own list links in its first bytes, so keeping a
 * buffer on a free list costs no other memory. Each class is a LIFO (the
 * most recently used buffer is the warmest) with a tail, so the purge frees
 * from the cold end.
 *
 * Idle purge: per class, low_water is the smallest length the free list had
 * since the previous purge. That many buffers at the cold end were not used
 * during the whole interval; purge(c, false) frees exactly those.
 *
 * Shared state: the bytes held on all free lists, the bytes handed out and
 * the cap are global atomics. Counters are per cache (relaxed atomics, written
 * only by the owner) and summed under the registry mutex, which only stats,
 * create and destroy take.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "scst/sgv.h"

#define SGV_DEFAULT_CAP (1ull << 30)
#define SGV_PAGE 4096u

struct sgv_free {
	struct sgv_free *next, *prev; /* next: toward the cold end */
};

struct sgv_class {
	struct sgv_free *head, *tail;
	uint32_t count;
	uint32_t low_water;
};

struct scst_sgv_cache {
	struct sgv_class cls[SCST_SGV_CLASSES];
	atomic_uint_fast64_t hits, misses, allocs, frees, purges;
	struct scst_sgv_cache *next, *prev; /* registry, under reg_lock */
};

static atomic_uint_fast64_t bytes_held;
static atomic_int_fast64_t bytes_in_use;
static atomic_uint_fast64_t cap = SGV_DEFAULT_CAP;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct scst_sgv_cache *reg_head;
/* Counters of destroyed caches, so totals never go backwards. */
static uint64_t gone_hits, gone_misses, gone_allocs, gone_frees, gone_purges;

static inline void cnt_inc(atomic_uint_fast64_t *c)
{
	/* Only the owner writes: a plain load/store pair avoids a locked add. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline uint64_t cnt_get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void scst_sgv_set_cap(uint64_t bytes)
{
	atomic_store_explicit(&cap, bytes ? bytes : SGV_DEFAULT_CAP, memory_order_relaxed);
}

struct scst_sgv_cache *scst_sgv_cache_create(void)
{
	struct scst_sgv_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	c->next = reg_head;
	if (reg_head)
		reg_head->prev = c;
	reg_head = c;
	pthread_mutex_unlock(&reg_lock);
	return c;
}

static void unmap_buf(void *p, size_t size)
{
	munmap(p, size);
}

/* Take the coldest buffer of a class off its list and unmap it. */
static void free_tail(struct scst_sgv_cache *c, unsigned i)
{
	struct sgv_class *k = &c->cls[i];
	struct sgv_free *f = k->tail;
	size_t size = (size_t)1 << (i + SCST_SGV_MIN_SHIFT);

	k->tail = f->prev;
	if (k->tail)
		k->tail->next = NULL;
	else
		k->head = NULL;
	k->count--;
	if (k->low_water > k->count)
		k->low_water = k->count;
	atomic_fetch_sub_explicit(&bytes_held, size, memory_order_relaxed);
	unmap_buf(f, size);
	cnt_inc(&c->frees);
}

void scst_sgv_cache_destroy(struct scst_sgv_cache *c)
{
	if (!c)
		return;
	scst_sgv_purge(c, true);
	pthread_mutex_lock(&reg_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		reg_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	gone_hits += cnt_get(&c->hits);
	gone_misses += cnt_get(&c->misses);
	gone_allocs += cnt_get(&c->allocs);
	gone_frees += cnt_get(&c->frees);
	gone_purges += cnt_get(&c->purges);
	pthread_mutex_unlock(&reg_lock);
	free(c);
}

static void *map_buf(size_t size)
{
	/* Populate now: the first I/O into the buffer must not fault page by page. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int size_class(size_t len)
{
	unsigned shift = SCST_SGV_MIN_SHIFT;

	if (len > SCST_SGV_MAX_CLASS_SIZE)
		return -1;
	while (((size_t)1 << shift) < len)
		shift++;
	return (int)(shift - SCST_SGV_MIN_SHIFT);
}

int scst_sgv_get(struct scst_sgv_cache *c, size_t len, struct scst_buffer *out)
{
	struct sgv_class *k;
	struct sgv_free *f;
	size_t size;
	int i;

	if (len == 0) {
		out->data = NULL;
		out->size = 0;
		out->cls = -2;
		return 0;
	}
	if (len > SCST_SGV_MAX_ALLOC)
		return -ENOMEM;
	i = size_class(len);
	if (i < 0) {
		/* Larger than any class: served directly, never kept. */
		size = (len + SGV_PAGE - 1) & ~(size_t)(SGV_PAGE - 1);
		out->data = map_buf(size);
		if (!out->data)
			return -ENOMEM;
		out->size = (uint32_t)size;
		out->cls = -1;
		cnt_inc(&c->misses);
		cnt_inc(&c->allocs);
		atomic_fetch_add_explicit(&bytes_in_use, (int_fast64_t)size, memory_order_relaxed);
		return 0;
	}
	size = (size_t)1 << (i + SCST_SGV_MIN_SHIFT);
	k = &c->cls[i];
	f = k->head;
	if (likely(f)) {
		k->head = f->next;
		if (k->head)
			k->head->prev = NULL;
		else
			k->tail = NULL;
		k->count--;
		if (k->low_water > k->count)
			k->low_water = k->count;
		atomic_fetch_sub_explicit(&bytes_held, size, memory_order_relaxed);
		cnt_inc(&c->hits);
		out->data = (uint8_t *)f;
	} else {
		out->data = map_buf(size);
		if (!out->data)
			return -ENOMEM;
		cnt_inc(&c->misses);
		cnt_inc(&c->allocs);
	}
	out->size = (uint32_t)size;
	out->cls = (int8_t)i;
	atomic_fetch_add_explicit(&bytes_in_use, (int_fast64_t)size, memory_order_relaxed);
	return 0;
}

void scst_sgv_put(struct scst_sgv_cache *c, struct scst_buffer *b)
{
	struct sgv_class *k;
	struct sgv_free *f;
	uint64_t held;
	size_t size = b->size;

	if (b->cls == -2 || !b->data)
		goto out;
	atomic_fetch_sub_explicit(&bytes_in_use, (int_fast64_t)size, memory_order_relaxed);
	if (b->cls < 0 || b->cls >= SCST_SGV_CLASSES) {
		unmap_buf(b->data, size);
		cnt_inc(&c->frees);
		goto out;
	}
	held = atomic_fetch_add_explicit(&bytes_held, size, memory_order_relaxed) + size;
	if (held > atomic_load_explicit(&cap, memory_order_relaxed)) {
		/* Over the cap: give the memory back instead of keeping it. */
		atomic_fetch_sub_explicit(&bytes_held, size, memory_order_relaxed);
		unmap_buf(b->data, size);
		cnt_inc(&c->frees);
		cnt_inc(&c->purges);
		goto out;
	}
	k = &c->cls[b->cls];
	f = (struct sgv_free *)b->data;
	f->prev = NULL;
	f->next = k->head;
	if (k->head)
		k->head->prev = f;
	else
		k->tail = f;
	k->head = f;
	k->count++;
out:
	b->data = NULL;
	b->size = 0;
	b->cls = -2;
}

void scst_sgv_purge(struct scst_sgv_cache *c, bool all)
{
	unsigned i;

	for (i = 0; i < SCST_SGV_CLASSES; i++) {
		struct sgv_class *k = &c->cls[i];
		uint32_t n = all ? k->count : k->low_water;

		while (n--) {
			free_tail(c, i);
			cnt_inc(&c->purges);
		}
		k->low_water = k->count;
	}
}

void scst_sgv_get_stats(struct scst_sgv_stats *st)
{
	struct scst_sgv_cache *c;
	int_fast64_t in_use;

	pthread_mutex_lock(&reg_lock);
	st->hits = gone_hits;
	st->misses = gone_misses;
	st->allocs = gone_allocs;
	st->frees = gone_frees;
	st->purges = gone_purges;
	for (c = reg_head; c; c = c->next) {
		st->hits += cnt_get(&c->hits);
		st->misses += cnt_get(&c->misses);
		st->allocs += cnt_get(&c->allocs);
		st->frees += cnt_get(&c->frees);
		st->purges += cnt_get(&c->purges);
	}
	pthread_mutex_unlock(&reg_lock);
	st->bytes_held = atomic_load_explicit(&bytes_held, memory_order_relaxed);
	in_use = atomic_load_explicit(&bytes_in_use, memory_order_relaxed);
	/* A put racing with this read on another reactor may leave it briefly negative. */
	st->bytes_in_use = in_use > 0 ? (uint64_t)in_use : 0;
	st->cap = atomic_load_explicit(&cap, memory_order_relaxed);
}
