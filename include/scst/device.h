/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices and the dev handler contract.
 *
 * A block dev handler implements a few primitives on byte ranges (read and
 * write into an iovec, flush, write zeroes, unmap, LBA status); the core
 * emulates SPC/SBC on top of them. A handler never sees a transport. Whole-
 * CDB handlers (pass-through, user) may set exec_cdb instead.
 *
 * Threads: attach/detach run on the management thread and may block.
 * submit() runs on the reactor that owns the command and must not block:
 * it queues io_uring SQEs on bio->reactor and calls bio->done() from the
 * completion (or at once, e.g. nullio).
 */
#ifndef SCST_DEVICE_H
#define SCST_DEVICE_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>
#include "scst/reactor.h"
#include "scst/sense.h"
#include "scst/types.h"

struct scst_cmd;
struct scst_device;

enum scst_bio_op {
	SCST_BIO_READ,
	SCST_BIO_WRITE,
	SCST_BIO_FLUSH, /* make [offset, offset+len) durable; len 0 means the whole device */
	SCST_BIO_WRITE_ZEROES, /* may deallocate when SCST_BIO_UNMAP_OK is set */
	SCST_BIO_UNMAP, /* deallocate; reads after it return zeros (LBPRZ) */
};

#define SCST_BIO_FUA (1u << 0) /* data durable before done() (SBC-3 FUA, write-through) */
#define SCST_BIO_UNMAP_OK (1u << 1)

struct scst_bio {
	struct scst_device *dev;
	struct scst_reactor *reactor;
	enum scst_bio_op op;
	uint32_t flags;
	uint64_t offset; /* bytes */
	uint64_t len; /* bytes */
	struct iovec *iov;
	int iovcnt;
	void (*done)(struct scst_bio *bio, enum scst_sense_reason reason);
	void *priv; /* the submitter's */

	/* Handler-owned scratch, valid between submit() and done(). */
	struct scst_io_cb cb;
	uint64_t progress;
	int hstate;
	uint64_t hscratch[2]; /* e.g. a timespec for an io_uring timeout */
	/* The submitter may point iov at this single entry; handlers only read it. */
	struct iovec iov_inline;
};

/* Capabilities a handler advertises; the core offers only what is here. */
#define SCST_DH_CAP_FLUSH (1u << 0)
#define SCST_DH_CAP_WRITE_ZEROES (1u << 1)
#define SCST_DH_CAP_UNMAP (1u << 2)
#define SCST_DH_CAP_LBA_STATUS (1u << 3)

struct scst_dev_handler {
	const char *name; /* "vdisk_fileio" */
	uint8_t type; /* enum scst_dev_type */
	uint32_t caps;
	/* Attribute names add_device accepts besides the common ones; NULL-terminated. */
	const char *const *attrs;
	/* Open the backing store; set dev->size, block_size, nblocks. Returns 0 or -errno
	 * and a one-line reason in err. */
	int (*attach)(struct scst_device *dev, char *err, size_t errlen);
	void (*detach)(struct scst_device *dev);
	void (*submit)(struct scst_bio *bio);
	/* Optional: is the block at lba mapped, and for how many blocks does that hold. */
	int (*lba_status)(struct scst_device *dev, uint64_t lba, uint64_t *nblocks, bool *mapped);
	/* Optional, whole-CDB handlers: execute cmd and call scst_cmd_done(). */
	void (*exec_cdb)(struct scst_cmd *cmd);
};

int scst_register_dev_handler(const struct scst_dev_handler *h);
const struct scst_dev_handler *scst_find_dev_handler(const char *name);
/* Registered handlers, NULL-terminated order of registration; i from 0. */
const struct scst_dev_handler *scst_dev_handler_at(unsigned i);

struct scst_device_stats {
	atomic_uint_fast64_t reads, writes, read_bytes, write_bytes;
	atomic_uint_fast64_t syncs; /* data syncs done (FUA, write-through, SYNCHRONIZE CACHE) */
	atomic_uint_fast64_t unmaps, errors;
};

struct scst_ua;
struct scst_tgt_dev;
struct scst_pr;
struct scst_lba_lock;
struct scst_dev_group;

struct scst_device {
	char name[64];
	const struct scst_dev_handler *handler;
	void *hpriv; /* the handler's */
	uint8_t type;

	/* Attributes. Set by management before attach; attach fills size/nblocks. */
	char *filename; /* backing file or NULL; the core allocates and frees it */
	uint64_t size; /* bytes */
	uint32_t block_size; /* 512 or 4096 */
	unsigned block_shift;
	uint64_t nblocks;
	bool read_only;
	bool write_through;
	bool nv_cache; /* cache is non-volatile: SYNCHRONIZE CACHE may be a no-op */
	bool thin_provisioned;
	bool rotational;
	bool removable;
	bool o_direct;
	uint32_t delay_ms; /* vdisk_nullio: complete every I/O this much later (tests) */
	/* LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT of READ CAPACITY(16), as SCST's
	 * lb_per_pb_exp; by default 3 at 512-byte blocks (4 KiB pages), else 0. */
	uint8_t lb_per_pb_exp;
	char t10_dev_id[17];
	char usn[21];
	char t10_vendor_id[9];
	char prod_id[17];
	char prod_rev[5];
	uint64_t naa_id; /* NAA-6 identifier low 64 bits, derived from the name */

	/* Mode pages (changeable through MODE SELECT; guarded by lock). */
	bool wce; /* caching page WCE: write-back enabled */
	bool d_sense; /* control page: descriptor format sense */
	bool tas; /* control page: task aborted status */
	uint8_t qerr;
	bool swp; /* control page: software write protect */

	struct scst_device_stats stats;

	/* Core-private below: device-wide SAM state, under lock. */
	pthread_mutex_t lock;
	atomic_int refcount; /* LUN table entries + live tgt_devs */
	struct scst_tgt_dev *tgt_devs; /* list of nexuses using this device, under lock */
	unsigned export_count; /* LUN entries naming this device, management thread */
	/* SPC-2 reservation holder: the I_T_L nexus (tgt_dev) or NULL. Changed under
	 * lock; read without it in the pre-exec check. */
	_Atomic(struct scst_tgt_dev *) res_holder;
	/* Persistent reservations (pr.c), under lock; pr_active: any registration. */
	struct scst_pr *pr;
	atomic_bool pr_active;
	/* Removable medium (medium.c): ejected, and how many nexuses prevent removal. */
	atomic_bool medium_absent;
	atomic_bool sanitizing; /* a SANITIZE is running (sbc_ext.c) */
	struct scst_lba_lock *lba_locks; /* read-modify-write ranges held, under lock */
	atomic_int prevent_count;
	/* ALUA (alua.c): the device group, and a generation bumped on every change. */
	struct scst_dev_group *alua_dg;
	atomic_uint alua_gen;
	struct scst_device *next; /* registry list, management */
};

/* Helpers for handlers. */
static inline uint64_t scst_dev_lba_to_bytes(const struct scst_device *d, uint64_t lba)
{
	return lba << d->block_shift;
}

#endif
