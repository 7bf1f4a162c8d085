/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Code shared by the vdisk handlers: opening the backing store, the io_uring
 * I/O engine used by vdisk_fileio and vdisk_blockio, error translation and
 * statistics, and registration.
 *
 * A bio walks through stages, all on its reactor, each one SQE at a time:
 *   RW          read/write; a short transfer resubmits the rest, a zero-byte
 *               one is an error (the file shrank under us), so a bio never hangs
 *   FSYNC       IORING_OP_FSYNC with DATASYNC
 *   PUNCH       fallocate(PUNCH_HOLE|KEEP_SIZE)    } zeroing ops try these in
 *   ZERO_RANGE  fallocate(ZERO_RANGE|KEEP_SIZE)    } order and fall through on
 *   ZERO_WRITE  plain writes from a shared zero map } EOPNOTSUPP
 * bio->hstate holds the stage and whether the bio made data durable (for the
 * syncs counter); bio->progress counts bytes done in RW and ZERO_WRITE.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/uio.h>
#include <unistd.h>

#include "scst/builtins.h"
#include "vdisk.h"

enum vd_stage {
	VD_RW,
	VD_FSYNC,
	VD_PUNCH,
	VD_ZERO_RANGE,
	VD_ZERO_WRITE,
};

#define VD_STAGE_MASK 0xff
#define VD_SYNCED (1 << 8) /* the data of this bio was made durable */

/* Writes of zeros go out in pieces of this size from one read-only zero mapping. */
#define VD_ZERO_CHUNK (1u << 20)
#define VD_MAX_IOV 1024 /* IOV_MAX */

static const uint8_t *zero_map;
static pthread_once_t zero_once = PTHREAD_ONCE_INIT;

static void zero_map_init(void)
{
	/* Never written: every page maps the kernel's zero page, so it costs no memory. */
	void *p = mmap(NULL, VD_ZERO_CHUNK, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	zero_map = p == MAP_FAILED ? NULL : p;
}

int vdisk_set_block_size(struct scst_device *dev, char *err, size_t errlen)
{
	if (!dev->block_size)
		dev->block_size = 512;
	if (dev->block_size == 512)
		dev->block_shift = 9;
	else if (dev->block_size == 4096)
		dev->block_shift = 12;
	else
		return scst_errf(err, errlen, -EINVAL, "blocksize must be 512 or 4096");
	return 0;
}

/*
 * Is the file on a memory file system (tmpfs, ramfs)? There the page cache is
 * the store: a read or write is a copy that never waits for a disk. The kernel
 * still cannot do such I/O without blocking in io_uring's sense (tmpfs has no
 * FMODE_NOWAIT), so io_uring hands every one of them to an io-wq worker thread,
 * which costs two context switches and some 20 us per command on this kind of
 * VM. For these files a synchronous preadv2/pwritev2 on the reactor is cheaper
 * by far and cannot stall it on I/O.
 */
static bool is_memory_fs(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return false;
	return sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC;
}

int vdisk_attach(struct scst_device *dev, const struct vdisk_open_args *a, char *err,
		 size_t errlen)
{
	int flags = (dev->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | (a->direct ? O_DIRECT : 0);
	struct vdisk_priv *p;
	bool created = false;
	uint64_t fsize;
	struct stat st;
	int fd, ret;

	if (!dev->filename || !dev->filename[0])
		return scst_errf(err, errlen, -EINVAL, "filename is required");
	ret = vdisk_set_block_size(dev, err, errlen);
	if (ret)
		return ret;
	pthread_once(&zero_once, zero_map_init);
	if (!zero_map)
		return scst_errf(err, errlen, -ENOMEM, "cannot map the zero buffer");

	fd = open(dev->filename, flags);
	if (fd < 0 && errno == ENOENT && a->allow_create && dev->size && !dev->read_only) {
		/* A new backing file of the requested size, sparse until written. */
		fd = open(dev->filename, flags | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			created = true;
			if (ftruncate(fd, (off_t)dev->size)) {
				ret = -errno;
				goto fail_fd;
			}
		}
	}
	if (fd < 0) {
		ret = -errno;
		return scst_errf(err, errlen, ret, "cannot open %s: %s", dev->filename, strerror(-ret));
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto fail_fd;
	}
	if (S_ISBLK(st.st_mode)) {
		int lbs = 512;

		if (ioctl(fd, BLKGETSIZE64, &fsize)) {
			ret = -errno;
			goto fail_fd;
		}
		/* O_DIRECT I/O must be aligned to the device's logical block. */
		if (a->direct && !ioctl(fd, BLKSSZGET, &lbs) && (uint32_t)lbs > dev->block_size) {
			close(fd);
			return scst_errf(err, errlen, -EINVAL, "blocksize %u is below %s's logical block %d",
				    dev->block_size, dev->filename, lbs);
		}
	} else if (S_ISREG(st.st_mode)) {
		fsize = (uint64_t)st.st_size;
	} else {
		close(fd);
		return scst_errf(err, errlen, -EINVAL, "%s is not a regular file or block device",
			    dev->filename);
	}
	if (dev->size && !created) {
		/* An explicit size exports a prefix; it cannot exceed what is there. */
		if (dev->size > fsize) {
			close(fd);
			return scst_errf(err, errlen, -EINVAL, "size exceeds the size of %s",
				    dev->filename);
		}
		fsize = dev->size;
	}
	if ((fsize >> dev->block_shift) == 0) {
		if (created)
			unlink(dev->filename);
		close(fd);
		return scst_errf(err, errlen, -EINVAL, "%s is smaller than one block", dev->filename);
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = -ENOMEM;
		goto fail_fd;
	}
	p->fd = fd;
	p->is_blkdev = S_ISBLK(st.st_mode);
	p->direct = a->direct;
	p->memory_backed = !a->direct && S_ISREG(st.st_mode) && is_memory_fs(fd);
	dev->hpriv = p;
	dev->nblocks = fsize >> dev->block_shift;
	dev->size = dev->nblocks << dev->block_shift;
	return 0;

fail_fd:
	if (created)
		unlink(dev->filename);
	close(fd);
	return scst_errf(err, errlen, ret, "%s: %s", dev->filename, strerror(-ret));
}

void vdisk_detach(struct scst_device *dev)
{
	struct vdisk_priv *p = vdisk_priv(dev);

	if (!p)
		return;
	close(p->fd);
	free(p);
	dev->hpriv = NULL;
}

enum scst_sense_reason vdisk_errno_to_reason(enum scst_bio_op op, int err)
{
	bool data_op = op == SCST_BIO_READ || op == SCST_BIO_WRITE || op == SCST_BIO_WRITE_ZEROES;

	switch (err) {
	case -ENOSPC:
	case -EDQUOT:
		return SCST_SENSE_SPACE_ALLOCATION_FAILED;
	case -EROFS:
		return SCST_SENSE_WRITE_PROTECTED;
	case -ENOMEM:
		/* Transient: ABORTED COMMAND / insufficient resources makes the initiator retry. */
		return SCST_SENSE_NO_MEMORY;
	case -EIO:
		if (op == SCST_BIO_READ)
			return SCST_SENSE_UNRECOVERED_READ_ERROR;
		/* A failed flush means cached writes did not reach the medium. */
		if (op == SCST_BIO_WRITE || op == SCST_BIO_WRITE_ZEROES || op == SCST_BIO_FLUSH)
			return SCST_SENSE_WRITE_ERROR;
		break;
	default:
		break;
	}
	return data_op ? SCST_SENSE_MEDIUM_ERROR : SCST_SENSE_INTERNAL_TARGET_FAILURE;
}

bool vdisk_write_is_sync(const struct scst_device *dev, const struct scst_bio *bio)
{
	/* A non-volatile cache makes FUA and write-through moot (SCST's nv_cache). */
	if (dev->nv_cache)
		return false;
	/* WCE=0 in the caching mode page means write-through (SBC-3 6.4.5). */
	return (bio->flags & SCST_BIO_FUA) || dev->write_through || !dev->wce;
}

static inline void stat_add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

void vdisk_bio_complete(struct scst_bio *bio, enum scst_sense_reason reason)
{
	struct scst_device_stats *s = &bio->dev->stats;

	if (reason != SCST_SENSE_NONE) {
		stat_add(&s->errors, 1);
	} else {
		switch (bio->op) {
		case SCST_BIO_READ:
			stat_add(&s->reads, 1);
			stat_add(&s->read_bytes, bio->len);
			break;
		case SCST_BIO_WRITE:
		case SCST_BIO_WRITE_ZEROES:
			stat_add(&s->writes, 1);
			stat_add(&s->write_bytes, bio->len);
			break;
		case SCST_BIO_UNMAP:
			stat_add(&s->unmaps, 1);
			break;
		case SCST_BIO_FLUSH:
			break;
		}
		if (bio->hstate & VD_SYNCED)
			stat_add(&s->syncs, 1);
	}
	/* Last: done() may reuse or free the bio. */
	bio->done(bio, reason);
}

static void bio_fail(struct scst_bio *bio, int err)
{
	vdisk_bio_complete(bio, vdisk_errno_to_reason(bio->op, err));
}

static inline void set_stage(struct scst_bio *bio, enum vd_stage st)
{
	bio->hstate = (bio->hstate & ~VD_STAGE_MASK) | (int)st;
}

static inline enum vd_stage get_stage(const struct scst_bio *bio)
{
	return (enum vd_stage)(bio->hstate & VD_STAGE_MASK);
}

/* Queue the next read/write of the rest of the bio, starting at bio->progress. */
static void vd_cqe(struct scst_io_cb *cb, int res, uint32_t cqe_flags);

/* Memory-backed files: the read or write as one synchronous call (see is_memory_fs). */
static void rw_inline(struct scst_bio *bio, const struct iovec *iov, int n, uint64_t off)
{
	int fd = vdisk_priv(bio->dev)->fd;
	int flags = (bio->hstate & VD_SYNCED) ? RWF_DSYNC : 0;
	ssize_t res;

	if (bio->op == SCST_BIO_WRITE)
		res = pwritev2(fd, iov, n, (off_t)off, flags);
	else
		res = preadv2(fd, iov, n, (off_t)off, 0);
	vd_cqe(&bio->cb, res < 0 ? -errno : (int)res, 0);
}

static void rw_issue(struct scst_bio *bio)
{
	struct vdisk_priv *p = vdisk_priv(bio->dev);
	uint64_t left = bio->len - bio->progress, skip = bio->progress, sum;
	uint64_t off = bio->offset + bio->progress;
	bool wr = bio->op == SCST_BIO_WRITE;
	struct io_uring_sqe *sqe;
	int i = 0, n;

	while (i < bio->iovcnt && skip >= bio->iov[i].iov_len)
		skip -= bio->iov[i++].iov_len;
	if (unlikely(i >= bio->iovcnt)) {
		/* The iovec holds less than len: a submitter bug, not a medium error. */
		vdisk_bio_complete(bio, SCST_SENSE_INTERNAL_TARGET_FAILURE);
		return;
	}
	/* Whole segments that fit in what is left go as one vector. */
	for (n = 0, sum = 0; !skip && i + n < bio->iovcnt && n < VD_MAX_IOV; n++) {
		if (sum + bio->iov[i + n].iov_len > left)
			break;
		sum += bio->iov[i + n].iov_len;
	}
	if (p->memory_backed) {
		struct iovec one;

		if (n < 1) {
			one.iov_base = (uint8_t *)bio->iov[i].iov_base + skip;
			one.iov_len = bio->iov[i].iov_len - skip;
			if (one.iov_len > left)
				one.iov_len = left;
		}
		rw_inline(bio, n >= 1 ? &bio->iov[i] : &one, n >= 1 ? n : 1, off);
		return;
	}
	sqe = scst_reactor_sqe(bio->reactor, &bio->cb);
	if (n > 1) {
		if (wr)
			io_uring_prep_writev(sqe, p->fd, &bio->iov[i], (unsigned)n, off);
		else
			io_uring_prep_readv(sqe, p->fd, &bio->iov[i], (unsigned)n, off);
	} else {
		/* One segment, or the rest of a partly done one, or the tail of len. */
		uint8_t *base = (uint8_t *)bio->iov[i].iov_base + skip;
		uint64_t len = bio->iov[i].iov_len - skip;

		if (len > left)
			len = left;
		if (wr)
			io_uring_prep_write(sqe, p->fd, base, (unsigned)len, off);
		else
			io_uring_prep_read(sqe, p->fd, base, (unsigned)len, off);
	}
	if (wr && (bio->hstate & VD_SYNCED))
		sqe->rw_flags = RWF_DSYNC;
}

static void zero_write_issue(struct scst_bio *bio)
{
	struct vdisk_priv *p = vdisk_priv(bio->dev);
	uint64_t left = bio->len - bio->progress;
	struct io_uring_sqe *sqe;

	if (left > VD_ZERO_CHUNK)
		left = VD_ZERO_CHUNK;
	sqe = scst_reactor_sqe(bio->reactor, &bio->cb);
	io_uring_prep_write(sqe, p->fd, zero_map, (unsigned)left, bio->offset + bio->progress);
	if (bio->hstate & VD_SYNCED)
		sqe->rw_flags = RWF_DSYNC;
}

static void falloc_issue(struct scst_bio *bio, int mode)
{
	struct io_uring_sqe *sqe = scst_reactor_sqe(bio->reactor, &bio->cb);

	io_uring_prep_fallocate(sqe, vdisk_priv(bio->dev)->fd, mode, bio->offset, bio->len);
}

/* Start (or fall back to) the first zeroing method at or after st the store supports. */
static void zero_issue(struct scst_bio *bio, enum vd_stage st)
{
	struct vdisk_priv *p = vdisk_priv(bio->dev);

	if (st == VD_PUNCH && p->no_punch_hole)
		st = VD_ZERO_RANGE;
	if (st == VD_ZERO_RANGE && p->no_zero_range)
		st = VD_ZERO_WRITE;
	set_stage(bio, st);
	switch (st) {
	case VD_PUNCH:
		falloc_issue(bio, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
		break;
	case VD_ZERO_RANGE:
		falloc_issue(bio, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE);
		break;
	default:
		bio->progress = 0;
		zero_write_issue(bio);
		break;
	}
}

static void vd_cqe(struct scst_io_cb *cb, int res, uint32_t cqe_flags)
{
	struct scst_bio *bio = scst_container_of(cb, struct scst_bio, cb);
	struct vdisk_priv *p = vdisk_priv(bio->dev);
	enum vd_stage st = get_stage(bio);

	(void)cqe_flags;
	if ((st == VD_PUNCH || st == VD_ZERO_RANGE) && res == -EOPNOTSUPP) {
		/* Remember, so later bios go straight to what works. */
		if (st == VD_PUNCH)
			p->no_punch_hole = true;
		else
			p->no_zero_range = true;
		zero_issue(bio, st == VD_PUNCH ? VD_ZERO_RANGE : VD_ZERO_WRITE);
		return;
	}
	if (res < 0) {
		bio_fail(bio, res);
		return;
	}
	switch (st) {
	case VD_RW:
	case VD_ZERO_WRITE:
		if (res == 0) {
			/* Nothing moved: past the end of a file that shrank, or a full device. */
			bio_fail(bio, -EIO);
			return;
		}
		bio->progress += (unsigned)res;
		if (bio->progress < bio->len) {
			if (st == VD_RW)
				rw_issue(bio);
			else
				zero_write_issue(bio);
			return;
		}
		break;
	default:
		break;
	}
	vdisk_bio_complete(bio, SCST_SENSE_NONE);
}

void vdisk_uring_submit(struct scst_bio *bio)
{
	struct scst_device *dev = bio->dev;
	struct io_uring_sqe *sqe;

	bio->cb.fn = vd_cqe;
	bio->progress = 0;
	bio->hstate = VD_RW;
	if (bio->op != SCST_BIO_READ && bio->op != SCST_BIO_FLUSH && dev->read_only) {
		vdisk_bio_complete(bio, SCST_SENSE_WRITE_PROTECTED);
		return;
	}
	if (bio->op != SCST_BIO_FLUSH &&
	    (bio->offset > dev->size || bio->len > dev->size - bio->offset)) {
		vdisk_bio_complete(bio, SCST_SENSE_LBA_OUT_OF_RANGE);
		return;
	}
	switch (bio->op) {
	case SCST_BIO_READ:
	case SCST_BIO_WRITE:
		if (bio->op == SCST_BIO_WRITE && vdisk_write_is_sync(dev, bio))
			bio->hstate |= VD_SYNCED;
		if (!bio->len)
			break;
		rw_issue(bio);
		return;
	case SCST_BIO_FLUSH:
		if (dev->nv_cache)
			break; /* the cache survives power loss: nothing to do */
		bio->hstate = VD_FSYNC | VD_SYNCED;
		sqe = scst_reactor_sqe(bio->reactor, &bio->cb);
		/* A data sync of the whole file: sync_file_range would not flush metadata
		 * needed to read the data back nor the device's cache. */
		io_uring_prep_fsync(sqe, vdisk_priv(dev)->fd, IORING_FSYNC_DATASYNC);
		return;
	case SCST_BIO_WRITE_ZEROES:
		if (!bio->len)
			break;
		if (vdisk_write_is_sync(dev, bio))
			bio->hstate |= VD_SYNCED;
		if ((bio->flags & SCST_BIO_UNMAP_OK) && dev->thin_provisioned)
			zero_issue(bio, VD_PUNCH);
		else
			zero_issue(bio, VD_ZERO_RANGE);
		return;
	case SCST_BIO_UNMAP:
		if (!bio->len)
			break;
		/* Deallocation must read back as zeros (LBPRZ): never a bare discard. */
		zero_issue(bio, VD_PUNCH);
		return;
	}
	vdisk_bio_complete(bio, SCST_SENSE_NONE);
}

int vdisk_lba_status(struct scst_device *dev, uint64_t lba, uint64_t *nblocks, bool *mapped)
{
	struct vdisk_priv *p = vdisk_priv(dev);
	uint64_t left, end = dev->size;
	off_t off, data, hole;

	if (lba >= dev->nblocks)
		return -EINVAL;
	left = dev->nblocks - lba;
	off = (off_t)(lba << dev->block_shift);
	*mapped = true;
	*nblocks = left;
	if (p->is_blkdev)
		return 0; /* a block device does not tell: everything is mapped */
	data = lseek(p->fd, off, SEEK_DATA);
	if (data < 0) {
		if (errno == ENXIO)
			*mapped = false; /* only a hole up to the end of the file */
		return 0;
	}
	if ((uint64_t)data >= end) {
		*mapped = false;
		return 0;
	}
	if (((uint64_t)(data - off) >> dev->block_shift) > 0) {
		*mapped = false;
		*nblocks = (uint64_t)(data - off) >> dev->block_shift;
		return 0;
	}
	/* Data starts in this block: mapped up to the next hole, partial blocks included. */
	hole = lseek(p->fd, data, SEEK_HOLE);
	if (hole < 0 || (uint64_t)hole >= end)
		return 0;
	*nblocks = ((uint64_t)(hole - off) + dev->block_size - 1) >> dev->block_shift;
	if (*nblocks > left)
		*nblocks = left;
	return 0;
}

void scst_vdisk_register(void)
{
	scst_register_dev_handler(&vdisk_fileio_handler);
	scst_register_dev_handler(&vdisk_blockio_handler);
	scst_register_dev_handler(&vdisk_nullio_handler);
}
