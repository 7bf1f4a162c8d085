/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vdisk handlers driven directly through the handler contract: a reactor
 * bound to this thread, devices built by hand, bios submitted and the ring
 * pumped until done() runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include <cmocka.h>

#include "scst/builtins.h"
#include "scst/core.h"
#include "scst/device.h"
#include "scst/local.h"
#include "scst/reactor.h"
#include "scst/sgv.h"
#include "vdisk.h"

static struct scst_reactor *R;
static char tmpdir[64];

struct bio_result {
	bool done;
	enum scst_sense_reason reason;
	int calls;
};

static void on_done(struct scst_bio *bio, enum scst_sense_reason reason)
{
	struct bio_result *res = bio->priv;

	res->done = true;
	res->reason = reason;
	res->calls++;
}

static enum scst_sense_reason run_bio(struct scst_device *dev, enum scst_bio_op op,
				      uint32_t flags, uint64_t off, uint64_t len,
				      struct iovec *iov, int iovcnt)
{
	struct bio_result res = { 0 };
	struct scst_bio bio;
	int i;

	memset(&bio, 0, sizeof(bio));
	bio.dev = dev;
	bio.reactor = R;
	bio.op = op;
	bio.flags = flags;
	bio.offset = off;
	bio.len = len;
	bio.iov = iov;
	bio.iovcnt = iovcnt;
	bio.done = on_done;
	bio.priv = &res;
	dev->handler->submit(&bio);
	for (i = 0; !res.done && i < 1000; i++)
		scst_reactor_run_once(R, 100);
	assert_true(res.done);
	/* Let a stray second completion show up, if there were one. */
	scst_reactor_run_once(R, 0);
	assert_int_equal(res.calls, 1);
	return res.reason;
}

static enum scst_sense_reason run_buf(struct scst_device *dev, enum scst_bio_op op,
				      uint32_t flags, uint64_t off, void *buf, uint64_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return run_bio(dev, op, flags, off, len, &iov, 1);
}

static struct scst_device *make_dev(const struct scst_dev_handler *h, const char *file,
				    uint64_t size, uint32_t bs)
{
	struct scst_device *dev = calloc(1, sizeof(*dev));
	char err[256] = "";
	int ret;

	assert_non_null(dev);
	snprintf(dev->name, sizeof(dev->name), "t");
	dev->handler = h;
	dev->type = h->type;
	dev->filename = file ? strdup(file) : NULL;
	dev->size = size;
	dev->block_size = bs;
	dev->wce = true; /* write-back unless a test says otherwise */
	ret = h->attach(dev, err, sizeof(err));
	if (ret)
		fprintf(stderr, "attach: %s\n", err);
	assert_int_equal(ret, 0);
	return dev;
}

static void free_dev(struct scst_device *dev)
{
	dev->handler->detach(dev);
	free(dev->filename);
	free(dev);
}

static void path_in_tmp(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static uint64_t file_blocks(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_blocks;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((seed * 2654435761u + i * 7 + (i >> 9)) & 0xff);
}

/*
 * Write patterns at several offsets and sizes, read them back byte for byte
 * through the handler (one iovec and split iovecs), and check the backing
 * store directly with pread when there is one.
 */
static void check_rw(struct scst_device *dev, const char *backing)
{
	static const struct {
		uint64_t off;
		uint32_t len;
	} cases[] = {
		{ 0, 512 },	     { 512, 4096 },	{ 3 * 4096, 65536 },
		{ (1 << 20) + 512, 1 << 20 }, { 10u << 20, 8192 }, { (16u << 20) - 4096, 4096 },
	};
	struct scst_sgv_cache *c = scst_reactor_sgv(R);
	uint64_t w0 = atomic_load(&dev->stats.writes), r0 = atomic_load(&dev->stats.reads);
	uint64_t wb0 = atomic_load(&dev->stats.write_bytes);
	uint64_t rb0 = atomic_load(&dev->stats.read_bytes), total = 0;
	struct scst_buffer wbuf, rbuf;
	int fd = backing ? open(backing, O_RDONLY) : -1;
	uint8_t *check = malloc(1 << 20);
	unsigned i;

	assert_non_null(check);
	assert_int_equal(scst_sgv_get(c, 1 << 20, &wbuf), 0);
	assert_int_equal(scst_sgv_get(c, 1 << 20, &rbuf), 0);
	for (i = 0; i < SCST_ARRAY_SIZE(cases); i++) {
		uint32_t len = cases[i].len;
		uint64_t off = cases[i].off;

		if (len < dev->block_size || off % dev->block_size)
			continue;
		fill(wbuf.data, len, i + 1);
		assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, off, wbuf.data, len), 0);
		memset(rbuf.data, 0xee, len);
		assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, off, rbuf.data, len), 0);
		assert_memory_equal(rbuf.data, wbuf.data, len);
		total += len;
		if (fd >= 0) {
			assert_int_equal(pread(fd, check, len, (off_t)off), (ssize_t)len);
			assert_memory_equal(check, wbuf.data, len);
		}
	}
	/* Three uneven segments (block multiples, so O_DIRECT takes them too). */
	{
		uint32_t bs = dev->block_size;
		struct iovec iov[3] = {
			{ wbuf.data, bs }, { wbuf.data + bs, 3 * bs }, { wbuf.data + 4 * bs, 12 * bs },
		};
		struct iovec riov[3] = {
			{ rbuf.data, 8 * bs }, { rbuf.data + 8 * bs, bs }, { rbuf.data + 9 * bs, 7 * bs },
		};

		fill(wbuf.data, 16 * bs, 99);
		memset(rbuf.data, 0xee, 16 * bs);
		assert_int_equal(run_bio(dev, SCST_BIO_WRITE, 0, 2u << 20, 16 * bs, iov, 3), 0);
		assert_int_equal(run_bio(dev, SCST_BIO_READ, 0, 2u << 20, 16 * bs, riov, 3), 0);
		assert_memory_equal(rbuf.data, wbuf.data, 16 * bs);
		total += 16 * bs;
		if (fd >= 0) {
			assert_int_equal(pread(fd, check, 16 * bs, 2 << 20), (ssize_t)(16 * bs));
			assert_memory_equal(check, wbuf.data, 16 * bs);
		}
	}
	assert_int_equal(atomic_load(&dev->stats.writes) - w0, atomic_load(&dev->stats.reads) - r0);
	assert_int_equal(atomic_load(&dev->stats.write_bytes) - wb0, total);
	assert_int_equal(atomic_load(&dev->stats.read_bytes) - rb0, total);
	assert_int_equal(atomic_load(&dev->stats.errors), 0);
	scst_sgv_put(c, &wbuf);
	scst_sgv_put(c, &rbuf);
	free(check);
	if (fd >= 0)
		close(fd);
}

static void test_fileio_rw(void **state)
{
	struct scst_device *dev;
	char path[128];
	struct stat st;

	(void)state;
	path_in_tmp(path, sizeof(path), "fileio.img");
	dev = make_dev(&vdisk_fileio_handler, path, 16u << 20, 512);
	/* Created sparse, of the requested size. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 16u << 20);
	assert_int_equal(st.st_blocks, 0);
	assert_int_equal(dev->nblocks, (16u << 20) / 512);
	assert_int_equal(dev->block_shift, 9);
	assert_false(vdisk_priv(dev)->direct);
	check_rw(dev, path);
	free_dev(dev);

	/* Reopened without a size: the size comes from the file; 4096-byte blocks. */
	dev = make_dev(&vdisk_fileio_handler, path, 0, 4096);
	assert_int_equal(dev->size, 16u << 20);
	assert_int_equal(dev->nblocks, 4096);
	check_rw(dev, path);
	free_dev(dev);
	unlink(path);
}

/* On tmpfs, fileio reads and writes run inline (no io_uring, no worker thread):
 * the same round trips, uneven iovecs, partial-iovec and range checks hold. */
static void test_fileio_tmpfs_inline(void **state)
{
	struct scst_device *dev;
	char path[128];

	(void)state;
	if (access("/dev/shm", W_OK)) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "/dev/shm/test_vdisk.%d.img", (int)getpid());
	unlink(path);
	dev = make_dev(&vdisk_fileio_handler, path, 16u << 20, 512);
	assert_true(vdisk_priv(dev)->memory_backed);
	check_rw(dev, path);
	free_dev(dev);
	dev = make_dev(&vdisk_fileio_handler, path, 0, 4096);
	assert_true(vdisk_priv(dev)->memory_backed);
	check_rw(dev, path);
	free_dev(dev);
	/* A file elsewhere keeps the io_uring path unless that is a memory fs too. */
	unlink(path);
	path_in_tmp(path, sizeof(path), "disk.img");
	dev = make_dev(&vdisk_fileio_handler, path, 1u << 20, 512);
	{
		struct statfs sfs;

		assert_int_equal(statfs(tmpdir, &sfs), 0);
		assert_int_equal(vdisk_priv(dev)->memory_backed,
				 sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC);
	}
	free_dev(dev);
	unlink(path);
}

static void test_blockio_file(void **state)
{
	struct scst_device *dev;
	char path[128];

	(void)state;
	path_in_tmp(path, sizeof(path), "blockio.img");
	dev = make_dev(&vdisk_blockio_handler, path, 16u << 20, 512);
	assert_true(vdisk_priv(dev)->direct);
	assert_false(vdisk_priv(dev)->is_blkdev);
	check_rw(dev, path);
	free_dev(dev);
	unlink(path);
}

static void test_blockio_loop(void **state)
{
	char path[128], cmd[256], loopdev[64] = "";
	struct scst_device *dev;
	uint8_t buf[4096] __attribute__((aligned(4096)));
	uint64_t n;
	bool mapped;
	FILE *f;
	int fd;

	(void)state;
	path_in_tmp(path, sizeof(path), "loop.img");
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 16 << 20), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s 2>/dev/null", path);
	f = geteuid() == 0 ? popen(cmd, "r") : NULL;
	if (f) {
		if (!fgets(loopdev, sizeof(loopdev), f))
			loopdev[0] = 0;
		pclose(f);
	}
	loopdev[strcspn(loopdev, "\n")] = 0;
	if (strncmp(loopdev, "/dev/loop", 9)) {
		unlink(path);
		skip(); /* no root or no loop devices: counted as skipped */
	}
	dev = make_dev(&vdisk_blockio_handler, loopdev, 0, 512);
	assert_true(vdisk_priv(dev)->is_blkdev);
	assert_int_equal(dev->size, 16u << 20);
	check_rw(dev, NULL);
	/* FUA and flush on a real block device. */
	memset(buf, 0x5a, sizeof(buf));
	n = atomic_load(&dev->stats.syncs);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, SCST_BIO_FUA, 0, buf, sizeof(buf)), 0);
	assert_int_equal(run_bio(dev, SCST_BIO_FLUSH, 0, 0, 0, NULL, 0), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs) - n, 2);
	/* Unmap through the block device still reads back zeros. */
	assert_int_equal(run_bio(dev, SCST_BIO_UNMAP, 0, 0, 4096, NULL, 0), 0);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 0, buf, sizeof(buf)), 0);
	for (n = 0; n < sizeof(buf); n++)
		assert_int_equal(buf[n], 0);
	/* A block device reports everything mapped. */
	assert_int_equal(vdisk_lba_status(dev, 0, &n, &mapped), 0);
	assert_true(mapped);
	assert_int_equal(n, dev->nblocks);
	free_dev(dev);
	snprintf(cmd, sizeof(cmd), "losetup -d %s", loopdev);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static void test_nullio(void **state)
{
	struct scst_device *dev = make_dev(&vdisk_nullio_handler, NULL, 1u << 30, 4096);
	static uint8_t buf[65536];
	unsigned i;

	(void)state;
	assert_int_equal(dev->nblocks, (1u << 30) / 4096);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, SCST_BIO_FUA, 4096, buf, sizeof(buf)), 0);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 4096, buf, sizeof(buf)), 0);
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(run_bio(dev, SCST_BIO_FLUSH, 0, 0, 0, NULL, 0), 0);
	assert_int_equal(run_bio(dev, SCST_BIO_UNMAP, 0, 0, 1u << 20, NULL, 0), 0);
	assert_int_equal(run_bio(dev, SCST_BIO_WRITE_ZEROES, 0, 0, 1u << 20, NULL, 0), 0);
	assert_int_equal(atomic_load(&dev->stats.reads), 1);
	assert_int_equal(atomic_load(&dev->stats.writes), 2);
	assert_int_equal(atomic_load(&dev->stats.read_bytes), sizeof(buf));
	assert_int_equal(atomic_load(&dev->stats.unmaps), 1);
	assert_int_equal(atomic_load(&dev->stats.syncs), 0);
	/* Outside the device: refused, counted as an error. */
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, (1u << 30) - 4096, buf, 8192),
			 SCST_SENSE_LBA_OUT_OF_RANGE);
	assert_int_equal(atomic_load(&dev->stats.errors), 1);
	free_dev(dev);
}

static void test_sync_accounting(void **state)
{
	static uint8_t buf[8192] __attribute__((aligned(4096)));
	struct scst_device *dev;
	char path[128];

	(void)state;
	path_in_tmp(path, sizeof(path), "sync.img");
	dev = make_dev(&vdisk_fileio_handler, path, 4u << 20, 512);
	memset(buf, 1, sizeof(buf));
	/* Write-back: a plain write is no sync, FUA is one, a flush is one. */
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 0, buf, sizeof(buf)), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 0);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, SCST_BIO_FUA, 0, buf, sizeof(buf)), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 1);
	assert_int_equal(run_bio(dev, SCST_BIO_FLUSH, 0, 0, 0, NULL, 0), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 2);
	/* Reads never sync, even with FUA set. */
	assert_int_equal(run_buf(dev, SCST_BIO_READ, SCST_BIO_FUA, 0, buf, sizeof(buf)), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 2);

	/* Write-through: every write is durable before done(). */
	dev->write_through = true;
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 8192, buf, sizeof(buf)), 0);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 16384, buf, sizeof(buf)), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 4);
	dev->write_through = false;

	/* WCE=0 in the caching mode page is write-through too. */
	dev->wce = false;
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 0, buf, sizeof(buf)), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 5);
	dev->wce = true;

	/* A non-volatile cache: flush and FUA complete without a sync. */
	dev->nv_cache = true;
	assert_int_equal(run_bio(dev, SCST_BIO_FLUSH, 0, 0, 0, NULL, 0), 0);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, SCST_BIO_FUA, 0, buf, sizeof(buf)), 0);
	assert_int_equal(atomic_load(&dev->stats.syncs), 5);
	assert_int_equal(atomic_load(&dev->stats.writes), 6);
	free_dev(dev);
	unlink(path);
}

static void check_unmap(const struct scst_dev_handler *h, const char *name)
{
	struct scst_sgv_cache *c = scst_reactor_sgv(R);
	struct scst_device *dev;
	struct scst_buffer b;
	uint64_t blocks, n;
	char path[128];
	bool mapped;
	uint32_t i;

	path_in_tmp(path, sizeof(path), name);
	dev = make_dev(h, path, 8u << 20, 512);
	dev->thin_provisioned = true;
	assert_int_equal(scst_sgv_get(c, 2u << 20, &b), 0);

	/* Never written: one hole over the whole device. */
	assert_int_equal(vdisk_lba_status(dev, 0, &n, &mapped), 0);
	assert_false(mapped);
	assert_int_equal(n, dev->nblocks);

	fill(b.data, 2u << 20, 7);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, SCST_BIO_FUA, 1u << 20, b.data, 2u << 20), 0);
	blocks = file_blocks(path);
	assert_true(blocks >= (2u << 20) / 512);
	/* [0, 1 MiB) hole, [1 MiB, 3 MiB) data, then a hole to the end. */
	assert_int_equal(vdisk_lba_status(dev, 0, &n, &mapped), 0);
	assert_false(mapped);
	assert_int_equal(n, 2048);
	assert_int_equal(vdisk_lba_status(dev, 2048, &n, &mapped), 0);
	assert_true(mapped);
	assert_int_equal(n, 4096);
	assert_int_equal(vdisk_lba_status(dev, 3000, &n, &mapped), 0);
	assert_true(mapped);
	assert_int_equal(n, 6144 - 3000);
	assert_int_equal(vdisk_lba_status(dev, 6144, &n, &mapped), 0);
	assert_false(mapped);
	assert_int_equal(n, dev->nblocks - 6144);
	assert_int_equal(vdisk_lba_status(dev, dev->nblocks, &n, &mapped), -EINVAL);

	/* Unmap the first MiB of the data: space goes back, status says deallocated. */
	assert_int_equal(run_bio(dev, SCST_BIO_UNMAP, 0, 1u << 20, 1u << 20, NULL, 0), 0);
	assert_true(file_blocks(path) <= blocks - (1u << 20) / 512);
	assert_int_equal(atomic_load(&dev->stats.unmaps), 1);
	assert_int_equal(vdisk_lba_status(dev, 2048, &n, &mapped), 0);
	assert_false(mapped);
	assert_int_equal(n, 2048);
	assert_int_equal(vdisk_lba_status(dev, 0, &n, &mapped), 0);
	assert_false(mapped);
	assert_int_equal(n, 4096);
	assert_int_equal(vdisk_lba_status(dev, 4096, &n, &mapped), 0);
	assert_true(mapped);
	assert_int_equal(n, 2048);
	memset(b.data, 0xee, 1u << 20);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 1u << 20, b.data, 1u << 20), 0);
	for (i = 0; i < 1u << 20; i++)
		assert_int_equal(b.data[i], 0);

	/* WRITE ZEROES with UNMAP_OK on a thin device deallocates too. */
	blocks = file_blocks(path);
	assert_int_equal(run_bio(dev, SCST_BIO_WRITE_ZEROES, SCST_BIO_UNMAP_OK, 2u << 20, 4096,
				 NULL, 0), 0);
	assert_true(file_blocks(path) <= blocks - 8);
	/* Without it, the range reads zeros but stays allocated (thick). */
	blocks = file_blocks(path);
	assert_int_equal(run_bio(dev, SCST_BIO_WRITE_ZEROES, 0, (2u << 20) + 4096, 12288, NULL, 0),
			 0);
	assert_int_equal(file_blocks(path), blocks);
	memset(b.data, 0xee, 16384);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 2u << 20, b.data, 16384), 0);
	for (i = 0; i < 16384; i++)
		assert_int_equal(b.data[i], 0);
	/* The block after the zeroed range kept its data (pattern index 1 MiB + 16 KiB). */
	fill(b.data + 4096, (1u << 20) + 16384 + 512, 7);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, (2u << 20) + 16384, b.data, 512), 0);
	assert_memory_equal(b.data, b.data + 4096 + (1u << 20) + 16384, 512);
	assert_int_equal(atomic_load(&dev->stats.errors), 0);
	scst_sgv_put(c, &b);
	free_dev(dev);
	unlink(path);
}

static void test_unmap_fileio(void **state)
{
	(void)state;
	check_unmap(&vdisk_fileio_handler, "unmap_f.img");
}

static void test_unmap_blockio(void **state)
{
	(void)state;
	check_unmap(&vdisk_blockio_handler, "unmap_b.img");
}

static void test_errors(void **state)
{
	static uint8_t buf[4096] __attribute__((aligned(4096)));
	struct scst_device *dev;
	char path[128];
	int fd, rofd;

	(void)state;
	path_in_tmp(path, sizeof(path), "err.img");
	dev = make_dev(&vdisk_fileio_handler, path, 1u << 20, 512);
	memset(buf, 3, sizeof(buf));
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 0, buf, sizeof(buf)), 0);

	/* The file shrank under the device: a read past its end is a read error, not a hang. */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2048), 0);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 0, buf, sizeof(buf)),
			 SCST_SENSE_UNRECOVERED_READ_ERROR);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 8192, buf, sizeof(buf)),
			 SCST_SENSE_UNRECOVERED_READ_ERROR);
	assert_int_equal(atomic_load(&dev->stats.errors), 2);
	assert_int_equal(atomic_load(&dev->stats.reads), 0);
	/* A short read of the part that is still there was continued before failing. */

	/* A descriptor that cannot write (EBADF): medium error for data, internal failure else. */
	rofd = open(path, O_RDONLY);
	assert_true(rofd >= 0);
	assert_int_equal(dup2(rofd, vdisk_priv(dev)->fd), vdisk_priv(dev)->fd);
	close(rofd);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 0, buf, sizeof(buf)),
			 SCST_SENSE_MEDIUM_ERROR);
	assert_int_equal(run_bio(dev, SCST_BIO_UNMAP, 0, 0, 4096, NULL, 0),
			 SCST_SENSE_INTERNAL_TARGET_FAILURE);
	assert_int_equal(atomic_load(&dev->stats.errors), 4);
	close(fd);

	/* The rest of the table. */
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_WRITE, -ENOSPC),
			 SCST_SENSE_SPACE_ALLOCATION_FAILED);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_WRITE_ZEROES, -ENOSPC),
			 SCST_SENSE_SPACE_ALLOCATION_FAILED);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_READ, -EIO),
			 SCST_SENSE_UNRECOVERED_READ_ERROR);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_WRITE, -EIO), SCST_SENSE_WRITE_ERROR);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_FLUSH, -EIO), SCST_SENSE_WRITE_ERROR);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_READ, -EBADF), SCST_SENSE_MEDIUM_ERROR);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_FLUSH, -EBADF),
			 SCST_SENSE_INTERNAL_TARGET_FAILURE);
	assert_int_equal(vdisk_errno_to_reason(SCST_BIO_UNMAP, -EIO),
			 SCST_SENSE_INTERNAL_TARGET_FAILURE);
	free_dev(dev);
	unlink(path);
}

static void test_partial_iovec_and_limits(void **state)
{
	static uint8_t buf[8192] __attribute__((aligned(4096)));
	static uint8_t chk[8192];
	struct scst_device *dev;
	struct iovec iov;
	char path[128];
	int fd;

	(void)state;
	path_in_tmp(path, sizeof(path), "limits.img");
	dev = make_dev(&vdisk_fileio_handler, path, 1u << 20, 512);
	/* The iovec is larger than len: exactly len bytes go out. */
	memset(buf, 0x77, sizeof(buf));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	assert_int_equal(run_bio(dev, SCST_BIO_WRITE, 0, 0, 1536, &iov, 1), 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, chk, sizeof(chk), 0), (ssize_t)sizeof(chk));
	assert_memory_equal(chk, buf, 1536);
	assert_int_equal(chk[1536], 0);
	close(fd);
	/* An iovec shorter than len is the submitter's bug: internal failure, no hang. */
	iov.iov_len = 512;
	assert_int_equal(run_bio(dev, SCST_BIO_READ, 0, 0, 1024, &iov, 1),
			 SCST_SENSE_INTERNAL_TARGET_FAILURE);
	/* Past the end of the device. */
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, (1u << 20) - 512, buf, 1024),
			 SCST_SENSE_LBA_OUT_OF_RANGE);
	/* Zero-length I/O completes at once. */
	assert_int_equal(run_bio(dev, SCST_BIO_READ, 0, 0, 0, NULL, 0), 0);
	free_dev(dev);

	/* Read-only device: writes refused without touching the file. */
	dev = calloc(1, sizeof(*dev));
	dev->handler = &vdisk_fileio_handler;
	dev->filename = strdup(path);
	dev->read_only = true;
	assert_int_equal(dev->handler->attach(dev, NULL, 0), 0);
	assert_int_equal(dev->block_size, 512);
	assert_int_equal(run_buf(dev, SCST_BIO_WRITE, 0, 0, buf, 512), SCST_SENSE_WRITE_PROTECTED);
	assert_int_equal(run_buf(dev, SCST_BIO_READ, 0, 0, buf, 512), 0);
	free_dev(dev);
	unlink(path);
}

static void test_attach_errors(void **state)
{
	struct scst_device dev;
	char path[128], err[256];

	(void)state;
	path_in_tmp(path, sizeof(path), "attach.img");
	memset(&dev, 0, sizeof(dev));
	dev.filename = path; /* the test's buffer: this device never reaches the core */
	/* Missing file without a size. */
	assert_int_equal(vdisk_fileio_handler.attach(&dev, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	/* Unsupported block size. */
	dev.size = 1 << 20;
	dev.block_size = 1000;
	assert_int_equal(vdisk_fileio_handler.attach(&dev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "blocksize"));
	assert_int_equal(access(path, F_OK), -1);
	/* Asking for more than the file holds. */
	dev.block_size = 512;
	assert_int_equal(vdisk_fileio_handler.attach(&dev, err, sizeof(err)), 0);
	vdisk_fileio_handler.detach(&dev);
	dev.size = 2 << 20;
	assert_int_equal(vdisk_fileio_handler.attach(&dev, err, sizeof(err)), -EINVAL);
	/* A smaller size exports a prefix. */
	dev.size = 4096;
	assert_int_equal(vdisk_fileio_handler.attach(&dev, err, sizeof(err)), 0);
	assert_int_equal(dev.nblocks, 8);
	vdisk_fileio_handler.detach(&dev);
	/* Not a file or block device. */
	dev.filename = tmpdir;
	dev.size = 0;
	assert_int_equal(vdisk_fileio_handler.attach(&dev, err, sizeof(err)), -EISDIR);
	/* nullio needs a size. */
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(vdisk_nullio_handler.attach(&dev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "size"));
	unlink(path);
}


/*
 * The core's SBC executors (src/core/sbc_ext.c) over vdisk devices, end to
 * end through the local driver. The core gets its own reactor; the test's is
 * bound again afterwards.
 */
static struct scst_local_session *LS;

static void ex(const uint8_t *cdb, unsigned len, enum scst_data_dir dir, void *buf, uint32_t n,
	       struct scst_local_result *r)
{
	assert_int_equal(scst_local_exec(LS, 0, cdb, len, dir, buf, n, -1, r), 0);
}

static void expect_sense(const struct scst_local_result *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(r->status, SCST_STATUS_CHECK_CONDITION);
	assert_int_equal(r->key, key);
	assert_int_equal(r->asc, asc);
	assert_int_equal(r->ascq, ascq);
}

/* INFORMATION of fixed-format sense (SPC-4 4.5.3), with VALID set. */
static uint32_t sense_info(const struct scst_local_result *r)
{
	assert_true(r->sense[0] & 0x80);
	return scst_get_be32(r->sense + 3);
}

static void core_up(const char *handler, const char *attrs)
{
	struct scst_local_result r;
	char err[256];
	uint8_t tur[6] = { 0 };
	int i;

	assert_int_equal(scst_core_init(1), 0);
	scst_vdisk_register();
	scst_local_register();
	scst_reactor_bind(scst_core_reactor(0));
	if (scst_device_add(handler, "d0", attrs, err, sizeof(err)))
		fail_msg("device_add: %s", err);
	assert_int_equal(scst_target_add("local", "t", err, sizeof(err)), 0);
	assert_int_equal(scst_target_set_enabled(scst_target_find("local", "t"), true), 0);
	assert_int_equal(scst_lun_add(scst_target_find("local", "t"), NULL, 0, "d0", false, err,
				      sizeof(err)), 0);
	for (i = 0; i < 10; i++)
		scst_reactor_run_once(scst_core_reactor(0), 2);
	LS = scst_local_session_open("t", "iqn.test:init");
	assert_non_null(LS);
	for (i = 0; i < 8; i++) {
		ex(tur, 6, SCST_DATA_NONE, NULL, 0, &r);
		if (r.status == SCST_STATUS_GOOD)
			return;
	}
	fail_msg("unit attention never cleared");
}

static void core_down(void)
{
	scst_local_session_close(LS);
	scst_core_exit();
	scst_reactor_bind(R);
}

static void cdb16(uint8_t *c, uint8_t op, uint8_t b1, uint64_t lba, uint32_t n)
{
	memset(c, 0, 16);
	c[0] = op;
	c[1] = b1;
	scst_put_be64(c + 2, lba);
	scst_put_be32(c + 10, n);
}

static void cdb10(uint8_t *c, uint8_t op, uint8_t b1, uint32_t lba, uint16_t n)
{
	memset(c, 0, 10);
	c[0] = op;
	c[1] = b1;
	scst_put_be32(c + 2, lba);
	scst_put_be16(c + 7, n);
}

static void read_blocks(uint64_t lba, uint32_t n, uint8_t *buf)
{
	struct scst_local_result r;
	uint8_t c[16];

	cdb16(c, 0x88, 0, lba, n);
	ex(c, 16, SCST_DATA_READ, buf, n * 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
}

/* GET LBA STATUS: the first descriptor for lba. */
static void lba_status(uint64_t lba, uint64_t *start, uint32_t *n, uint8_t *prov)
{
	struct scst_local_result r;
	uint8_t c[16], buf[8 + 16 * 4];

	cdb16(c, 0x9e, 0x12, lba, sizeof(buf));
	ex(c, 16, SCST_DATA_READ, buf, sizeof(buf), &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_true(r.data_len >= 24);
	assert_int_equal(scst_get_be32(buf), r.data_len - 4);
	*start = scst_get_be64(buf + 8);
	*n = scst_get_be32(buf + 16);
	*prov = buf[20] & 0x0f;
}

static void test_sbc_fileio(void **state)
{
	uint8_t *data = malloc(1u << 20), *back = malloc(1u << 20), c[16], blk[512];
	struct scst_local_result r;
	struct scst_device *dev;
	char attrs[256];
	uint64_t start, before;
	uint32_t n, i;
	uint8_t prov;

	(void)state;
	snprintf(attrs, sizeof(attrs), "filename=%s/sbc.img;size=%u;thin_provisioned=1", tmpdir,
		 8u << 20);
	core_up("vdisk_fileio", attrs);
	dev = scst_device_find("d0");

	/* WRITE SAME(16) of a pattern block over 3000 blocks (several 1 MiB chunks). */
	fill(blk, 512, 42);
	cdb16(c, 0x93, 0, 100, 3000);
	ex(c, 16, SCST_DATA_WRITE, blk, 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	for (i = 0; i < 3000; i += 1000) {
		read_blocks(100 + i, 1000, back);
		for (n = 0; n < 1000; n++)
			assert_memory_equal(back + n * 512, blk, 512);
	}
	read_blocks(99, 1, back);
	for (n = 0; n < 512; n++)
		assert_int_equal(back[n], 0);
	/* Zero blocks: from the LBA to the end of the medium (WSNZ 0). */
	cdb16(c, 0x93, 0, dev->nblocks - 8, 0);
	ex(c, 16, SCST_DATA_WRITE, blk, 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	read_blocks(dev->nblocks - 8, 8, back);
	for (n = 0; n < 8; n++)
		assert_memory_equal(back + n * 512, blk, 512);
	/* ORWRITE(16): zeros, then a5, then 5a read back as ff. */
	memset(back, 0, 4 * 512);
	cdb16(c, 0x8a, 0, 5000, 4);
	ex(c, 16, SCST_DATA_WRITE, back, 4 * 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	memset(back, 0xa5, 4 * 512);
	cdb16(c, 0x8b, 0, 5000, 4);
	ex(c, 16, SCST_DATA_WRITE, back, 4 * 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	memset(back, 0x5a, 4 * 512);
	cdb16(c, 0x8b, 0x08, 5000, 4); /* FUA */
	ex(c, 16, SCST_DATA_WRITE, back, 4 * 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	read_blocks(5000, 4, back);
	for (n = 0; n < 4 * 512; n++)
		assert_int_equal(back[n], 0xff);
	cdb16(c, 0x8b, 0, dev->nblocks - 1, 2);
	ex(c, 16, SCST_DATA_WRITE, back, 2 * 512, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x21, 0);
	/* WRITE ATOMIC(16): up to 1 MiB, no atomic boundary. */
	memset(back, 0x3c, 8 * 512);
	cdb16(c, 0x9c, 0, 5100, 8);
	ex(c, 16, SCST_DATA_WRITE, back, 8 * 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	memset(back, 0, 8 * 512);
	read_blocks(5100, 8, back);
	for (n = 0; n < 8 * 512; n++)
		assert_int_equal(back[n], 0x3c);
	cdb16(c, 0x9c, 0, 5100, 8);
	c[10] = 1; /* ATOMIC BOUNDARY */
	ex(c, 16, SCST_DATA_WRITE, back, 8 * 512, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
	cdb16(c, 0x9c, 0, 0, (1u << 20) / 512 + 1);
	ex(c, 16, SCST_DATA_WRITE, NULL, 0, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
	/* ANCHOR, out of range. */
	cdb10(c, 0x41, 0x10, 100, 1);
	ex(c, 10, SCST_DATA_WRITE, blk, 512, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
	cdb16(c, 0x93, 0, dev->nblocks - 1, 2);
	ex(c, 16, SCST_DATA_WRITE, blk, 512, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x21, 0);

	/* VERIFY(16) BYTCHK=0: readable. BYTCHK=1: equal, then one byte off. */
	cdb16(c, 0x8f, 0, 100, 3000);
	ex(c, 16, SCST_DATA_NONE, NULL, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	for (n = 0; n < 2048; n++)
		memcpy(data + n * 512, blk, 512);
	cdb16(c, 0x8f, 0x02, 100, 2048);
	ex(c, 16, SCST_DATA_WRITE, data, 1u << 20, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	data[700000] ^= 1;
	ex(c, 16, SCST_DATA_WRITE, data, 1u << 20, &r);
	expect_sense(&r, SCST_KEY_MISCOMPARE, 0x1d, 0);
	assert_int_equal(sense_info(&r), 700000);
	/* BYTCHK=3: the one block against each block of the range. */
	cdb10(c, 0x2f, 0x06, 100, 3000);
	ex(c, 10, SCST_DATA_WRITE, blk, 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	cdb10(c, 0x2f, 0x06, 99, 10);
	ex(c, 10, SCST_DATA_WRITE, blk, 512, &r);
	expect_sense(&r, SCST_KEY_MISCOMPARE, 0x1d, 0);
	assert_int_equal(sense_info(&r), 0);

	/* COMPARE AND WRITE: match writes the second half (FUA: one sync more). */
	memcpy(data, blk, 512);
	fill(data + 512, 512, 77);
	memset(c, 0, 16);
	c[0] = 0x89;
	c[1] = 0x08;
	scst_put_be64(c + 2, 100);
	c[13] = 1;
	before = atomic_load(&dev->stats.syncs);
	ex(c, 16, SCST_DATA_WRITE, data, 1024, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(atomic_load(&dev->stats.syncs) - before, 1);
	read_blocks(100, 1, back);
	assert_memory_equal(back, data + 512, 512);
	/* Mismatch: MISCOMPARE at the first differing byte; the medium is unchanged. */
	ex(c, 16, SCST_DATA_WRITE, data, 1024, &r);
	expect_sense(&r, SCST_KEY_MISCOMPARE, 0x1d, 0);
	for (n = 0; n < 512 && blk[n] == data[512 + n]; n++)
		;
	assert_int_equal(sense_info(&r), n);
	read_blocks(100, 1, back);
	assert_memory_equal(back, data + 512, 512);

	/* WRITE AND VERIFY(10): durable before GOOD. */
	before = atomic_load(&dev->stats.syncs);
	fill(data, 4096, 5);
	cdb10(c, 0x2e, 0, 8, 8);
	ex(c, 10, SCST_DATA_WRITE, data, 4096, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(atomic_load(&dev->stats.syncs) - before, 1);
	read_blocks(8, 8, back);
	assert_memory_equal(back, data, 4096);

	/* GET LBA STATUS: [0, 8) hole, [8, 16) written; past the end is out of range. */
	lba_status(0, &start, &n, &prov);
	assert_int_equal(start, 0);
	assert_int_equal(n, 8);
	assert_int_equal(prov, 1);
	lba_status(8, &start, &n, &prov);
	assert_int_equal(start, 8);
	assert_int_equal(n, 8);
	assert_int_equal(prov, 0);
	cdb16(c, 0x9e, 0x12, dev->nblocks, 64);
	ex(c, 16, SCST_DATA_READ, back, 64, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x21, 0);

	/* UNMAP [2048, 4096) (file blocks are 4 KiB: aligned), then it reads deallocated. */
	{
		uint8_t pl[8 + 16 * 2];

		fill(data, 1u << 20, 9);
		cdb16(c, 0x8a, 0, 2048, 2048);
		ex(c, 16, SCST_DATA_WRITE, data, 1u << 20, &r);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		lba_status(2048, &start, &n, &prov);
		assert_int_equal(prov, 0);
		memset(pl, 0, sizeof(pl));
		scst_put_be16(pl, 6 + 32);
		scst_put_be16(pl + 2, 32);
		scst_put_be64(pl + 8, 2048);
		scst_put_be32(pl + 16, 1024);
		scst_put_be64(pl + 24, 3072);
		scst_put_be32(pl + 32, 1024);
		cdb10(c, 0x42, 0, 0, 0);
		scst_put_be16(c + 7, sizeof(pl));
		before = atomic_load(&dev->stats.unmaps);
		ex(c, 10, SCST_DATA_WRITE, pl, sizeof(pl), &r);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		assert_int_equal(atomic_load(&dev->stats.unmaps) - before, 2);
		lba_status(2048, &start, &n, &prov);
		assert_int_equal(start, 2048);
		assert_int_equal(prov, 1);
		assert_true(n >= 2048);
		read_blocks(2048, 2048, back);
		for (n = 0; n < (1u << 20); n++)
			assert_int_equal(back[n], 0);
		/* Beyond the capacity: nothing happens at all. */
		scst_put_be64(pl + 24, dev->nblocks - 1);
		scst_put_be32(pl + 32, 2);
		ex(c, 10, SCST_DATA_WRITE, pl, sizeof(pl), &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x21, 0);
		/* A descriptor length that is not a multiple of 16. */
		scst_put_be16(pl + 2, 31);
		ex(c, 10, SCST_DATA_WRITE, pl, sizeof(pl), &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x26, 0);
		/* Shorter than the header. */
		scst_put_be16(c + 7, 4);
		ex(c, 10, SCST_DATA_WRITE, pl, 4, &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x1a, 0);
	}

	/* WRITE SAME(16) NDOB with UNMAP on a thin device deallocates. */
	cdb16(c, 0x93, 0x09, 100, 3000);
	ex(c, 16, SCST_DATA_NONE, NULL, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	read_blocks(100, 1000, back);
	for (n = 0; n < 1000 * 512; n++)
		assert_int_equal(back[n], 0);
	lba_status(1024, &start, &n, &prov);
	assert_int_equal(prov, 1);

	/* PRE-FETCH, READ DEFECT DATA, FORMAT UNIT. */
	cdb10(c, 0x34, 0, 0, 16);
	ex(c, 10, SCST_DATA_NONE, NULL, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	cdb10(c, 0x37, 0, 0, 0);
	c[2] = 0x18 | 0x05;
	scst_put_be16(c + 7, 64);
	memset(back, 0xee, 64);
	ex(c, 10, SCST_DATA_READ, back, 64, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(r.data_len, 4);
	assert_int_equal(back[1], 0x1d);
	assert_int_equal(scst_get_be16(back + 2), 0);
	memset(c, 0, 6);
	c[0] = 0x04;
	ex(c, 6, SCST_DATA_NONE, NULL, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	{
		uint8_t hdr[4] = { 0, 0x88, 0, 0 }; /* FOV + IP: no initialization patterns */

		c[1] = 0x10;
		ex(c, 6, SCST_DATA_WRITE, hdr, 4, &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x26, 0);
		hdr[1] = 0;
		ex(c, 6, SCST_DATA_WRITE, hdr, 4, &r);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
	}
	/* Data written before is still there (format keeps the medium). */
	read_blocks(8, 8, back);
	fill(data, 4096, 5);
	assert_memory_equal(back, data, 4096);
	/* SANITIZE OVERWRITE with a 3-byte pattern, INVERT and two passes: the medium
	 * ends with the inverted pattern, repeated within every block. */
	{
		uint8_t p[7] = { 0x82, 0, 0, 3, 0x11, 0x22, 0x33 };
		uint8_t sc[10] = { 0x48, 0x01, 0, 0, 0, 0, 0, 0, sizeof(p), 0 };

		ex(sc, 10, SCST_DATA_WRITE, p, sizeof(p), &r);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		read_blocks(dev->nblocks - 2, 2, back);
		for (n = 0; n < 1024; n++)
			assert_int_equal(back[n], (uint8_t)~p[4 + (n % 512) % 3]);
		p[0] = 0x00; /* OVERWRITE COUNT 0 */
		ex(sc, 10, SCST_DATA_WRITE, p, sizeof(p), &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x26, 0);
		sc[8] = 4; /* no pattern */
		ex(sc, 10, SCST_DATA_WRITE, p, 4, &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
		/* BLOCK ERASE on a thin device deallocates: zeros, and the file is sparse. */
		sc[1] = 0x02;
		sc[8] = 0;
		ex(sc, 10, SCST_DATA_NONE, NULL, 0, &r);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		read_blocks(0, 8, back);
		for (n = 0; n < 4096; n++)
			assert_int_equal(back[n], 0);
		snprintf(attrs, sizeof(attrs), "%s/sbc.img", tmpdir);
		assert_int_equal(file_blocks(attrs), 0);
		/* EXIT FAILURE MODE: nothing to exit; CRYPTOGRAPHIC ERASE is not offered. */
		sc[1] = 0x1f;
		ex(sc, 10, SCST_DATA_NONE, NULL, 0, &r);
		assert_int_equal(r.status, SCST_STATUS_GOOD);
		sc[1] = 0x03;
		ex(sc, 10, SCST_DATA_NONE, NULL, 0, &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x20, 0);
		sc[1] = 0x81; /* IMMED */
		ex(sc, 10, SCST_DATA_NONE, NULL, 0, &r);
		expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
	}
	assert_int_equal(atomic_load(&dev->stats.errors), 0);
	core_down();
	snprintf(attrs, sizeof(attrs), "%s/sbc.img", tmpdir);
	unlink(attrs);
	free(data);
	free(back);
}

/* On nullio every bio completes inside submit(): long chains of chunks (the
 * longest WRITE SAME, a 1 GiB VERIFY) must loop, not recurse once per chunk. */
static void test_sbc_nullio_long_chain(void **state)
{
	struct scst_local_result r;
	struct scst_device *dev;
	uint8_t c[16], blk[512];

	(void)state;
	core_up("vdisk_nullio", "size=68719476736");
	dev = scst_device_find("d0");
	memset(blk, 0x11, sizeof(blk));
	/* Beyond MAXIMUM WRITE SAME LENGTH (64 MiB): INVALID FIELD IN CDB, nothing written. */
	cdb16(c, 0x93, 0, 0, (uint32_t)(64u << 20) / 512 + 1);
	ex(c, 16, SCST_DATA_WRITE, blk, 512, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
	assert_int_equal(atomic_load(&dev->stats.writes), 0);
	/* Zero blocks to the end of a 64 GiB medium is beyond it too. */
	cdb16(c, 0x93, 0, 0, 0);
	ex(c, 16, SCST_DATA_WRITE, blk, 512, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x24, 0);
	/* The longest one allowed runs as 64 chunks of 1 MiB. */
	cdb16(c, 0x93, 0, 0, (uint32_t)(64u << 20) / 512);
	ex(c, 16, SCST_DATA_WRITE, blk, 512, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(atomic_load(&dev->stats.writes), 64);
	/* VERIFY over 1 GiB of zeros reads in chunks too. */
	cdb16(c, 0x8f, 0, 0, 1u << 21);
	ex(c, 16, SCST_DATA_NONE, NULL, 0, &r);
	assert_int_equal(r.status, SCST_STATUS_GOOD);
	assert_int_equal(atomic_load(&dev->stats.reads), 1024);
	/* UNMAP is not offered on a thick device. */
	memset(c, 0, 10);
	c[0] = 0x42;
	scst_put_be16(c + 7, 24);
	ex(c, 10, SCST_DATA_WRITE, blk, 24, &r);
	expect_sense(&r, SCST_KEY_ILLEGAL_REQUEST, 0x20, 0);
	core_down();
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_vdisk.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	R = scst_reactor_create(0, 256);
	if (!R)
		return -1;
	scst_reactor_bind(R);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scst_reactor_destroy(R);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fileio_rw),
		cmocka_unit_test(test_fileio_tmpfs_inline),
		cmocka_unit_test(test_blockio_file),
		cmocka_unit_test(test_blockio_loop),
		cmocka_unit_test(test_nullio),
		cmocka_unit_test(test_sync_accounting),
		cmocka_unit_test(test_unmap_fileio),
		cmocka_unit_test(test_unmap_blockio),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_partial_iovec_and_limits),
		cmocka_unit_test(test_attach_errors),
		cmocka_unit_test(test_sbc_fileio),
		cmocka_unit_test(test_sbc_nullio_long_chain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
