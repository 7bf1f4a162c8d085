/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SGV buffer cache: page-aligned data buffers in power-of-two size
 * classes from 4 KiB to SCST_SGV_MAX_CLASS_SIZE, kept on per-reactor free
 * lists after use (no lock on the fast path), with a global cap on the
 * bytes held and a purge of idle buffers. Larger requests are served
 * directly (and counted as misses) up to SCST_SGV_MAX_ALLOC.
 */
#ifndef SCST_SGV_H
#define SCST_SGV_H

#include "scst/types.h"

#define SCST_SGV_MIN_SHIFT 12
#define SCST_SGV_MAX_SHIFT 23 /* 8 MiB */
#define SCST_SGV_CLASSES (SCST_SGV_MAX_SHIFT - SCST_SGV_MIN_SHIFT + 1)
#define SCST_SGV_MAX_CLASS_SIZE (1u << SCST_SGV_MAX_SHIFT)
#define SCST_SGV_MAX_ALLOC (64u << 20)

struct scst_buffer {
	uint8_t *data;
	uint32_t size; /* usable bytes, >= what was asked */
	int8_t cls; /* size class, -1 for a direct allocation, -2 for none */
};

struct scst_sgv_stats {
	uint64_t hits, misses, allocs, frees, purges;
	uint64_t bytes_held; /* on free lists */
	uint64_t bytes_in_use;
	uint64_t cap;
};

struct scst_sgv_cache;

/* Global cap on bytes kept on free lists (all reactors). 0 keeps the default (1 GiB). */
void scst_sgv_set_cap(uint64_t bytes);

struct scst_sgv_cache *scst_sgv_cache_create(void);
void scst_sgv_cache_destroy(struct scst_sgv_cache *c);

/* Get a buffer of at least len bytes (len 0 gives an empty buffer). Returns 0 or -ENOMEM. */
int scst_sgv_get(struct scst_sgv_cache *c, size_t len, struct scst_buffer *out);
/* Give it back to c (the cache of the reactor that owns the command). */
void scst_sgv_put(struct scst_sgv_cache *c, struct scst_buffer *b);
/* Free idle buffers above the cache's share; called from the reactor's ticker. */
void scst_sgv_purge(struct scst_sgv_cache *c, bool all);

/* Sum over all caches (approximate while reactors run). */
void scst_sgv_get_stats(struct scst_sgv_stats *st);

#endif
