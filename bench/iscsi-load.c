/*
 * iscsi-load: a bounded iSCSI load generator for bench/run.sh.
 *
 * One libiscsi session, one LUN, a fixed number of commands in flight
 * (queue depth), random or sequential 4 KiB..1 MiB READ(16)/WRITE(16),
 * for a fixed time (and at most a fixed number of commands). Prints one
 * line of key=value results on stdout:
 *
 *   ops=N secs=S iops=X mbps=Y lat_us=MEAN p50_us=P50 p99_us=P99 errors=E
 *   cpu_us_per_op=C   (the initiator's own CPU, to tell when it is the limit)
 *
 * Why not iscsi-perf / qemu-img bench: iscsi-perf only reads, and qemu-img
 * bench only steps sequentially; this tool does both directions, random and
 * sequential, with the same code path for every target, bounded in time.
 *
 * Build: cc -O2 -o iscsi-load iscsi-load.c -liscsi
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define HIST_US 200000 /* 1 us buckets up to 200 ms; above goes to the last */

struct slot {
	struct timespec start;
	unsigned char *buf;
	struct scsi_iovec iov;
	int busy;
};

static struct iscsi_context *iscsi;
static int lun;
static uint32_t blocksize;
static uint64_t nblocks;
static uint32_t iosize;
static int is_write, is_random;
static uint64_t seq_lba;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t ops, errors, max_ops;
static uint64_t issued;
static double lat_sum_us;
static uint32_t *hist;
static int stopping;
static int inflight;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void submit(struct slot *s);

static void done_cb(struct iscsi_context *ctx, int status, void *command_data, void *private_data)
{
	struct slot *s = private_data;
	struct scsi_task *task = command_data;
	struct timespec end;
	(void)ctx;

	clock_gettime(CLOCK_MONOTONIC, &end);
	double us = (double)(end.tv_sec - s->start.tv_sec) * 1e6 +
		    (double)(end.tv_nsec - s->start.tv_nsec) / 1e3;
	if (status != SCSI_STATUS_GOOD) {
		errors++;
		if (errors < 5)
			fprintf(stderr, "iscsi-load: command failed: %s\n", iscsi_get_error(iscsi));
	} else {
		ops++;
		lat_sum_us += us;
		uint64_t b = (uint64_t)us;
		hist[b < HIST_US ? b : HIST_US - 1]++;
	}
	if (task)
		scsi_free_scsi_task(task);
	s->busy = 0;
	inflight--;
	if (!stopping && errors < 100)
		submit(s);
}

static void submit(struct slot *s)
{
	uint32_t nb = iosize / blocksize;
	uint64_t lba;

	if (max_ops && issued >= max_ops)
		return;
	if (is_random) {
		uint64_t slots = nblocks / nb;
		lba = (xorshift() % slots) * nb;
	} else {
		if (seq_lba + nb > nblocks)
			seq_lba = 0;
		lba = seq_lba;
		seq_lba += nb;
	}
	s->iov.iov_base = s->buf;
	s->iov.iov_len = iosize;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	struct scsi_task *t;
	if (is_write)
		t = iscsi_write16_iov_task(iscsi, lun, lba, NULL, iosize, (int)blocksize, 0, 0, 0, 0, 0,
					   done_cb, s, &s->iov, 1);
	else
		t = iscsi_read16_iov_task(iscsi, lun, lba, iosize, (int)blocksize, 0, 0, 0, 0, 0,
					  done_cb, s, &s->iov, 1);
	if (!t) {
		fprintf(stderr, "iscsi-load: cannot queue command: %s\n", iscsi_get_error(iscsi));
		errors++;
		return;
	}
	s->busy = 1;
	inflight++;
	issued++;
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "iscsi-load: hard time limit reached\n";
	if (write(2, m, sizeof m - 1) < 0) {
	}
	_exit(3);
}

static void usage(void)
{
	fprintf(stderr, "usage: iscsi-load -u iscsi://HOST:PORT/IQN/LUN -m randread|randwrite|read|write\n"
			"                  [-b BYTES] [-q DEPTH] [-t SECONDS] [-n MAX_OPS] [-i INITIATOR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url = NULL, *mode = "randread";
	const char *ini = "iqn.2026-11.org.scst:bench-initiator";
	int depth = 1, c;
	double secs = 5;

	while ((c = getopt(argc, argv, "u:m:b:q:t:n:i:")) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 'm': mode = optarg; break;
		case 'b': iosize = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'q': depth = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': max_ops = strtoull(optarg, NULL, 0); break;
		case 'i': ini = optarg; break;
		default: usage();
		}
	}
	if (!url || depth < 1 || depth > 1024 || secs <= 0)
		usage();
	if (!iosize)
		iosize = 4096;
	if (!strcmp(mode, "randread")) {
		is_random = 1;
	} else if (!strcmp(mode, "randwrite")) {
		is_random = 1, is_write = 1;
	} else if (!strcmp(mode, "read")) {
	} else if (!strcmp(mode, "write")) {
		is_write = 1;
	} else {
		usage();
	}

	/* Everything, login and drain included, is bounded. */
	signal(SIGALRM, on_alarm);
	alarm((unsigned)secs + 30);

	iscsi = iscsi_create_context(ini);
	if (!iscsi) {
		fprintf(stderr, "iscsi-load: no context\n");
		return 1;
	}
	struct iscsi_url *u = iscsi_parse_full_url(iscsi, url);
	if (!u) {
		fprintf(stderr, "iscsi-load: bad URL %s: %s\n", url, iscsi_get_error(iscsi));
		return 1;
	}
	iscsi_set_targetname(iscsi, u->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	lun = u->lun;
	if (iscsi_full_connect_sync(iscsi, u->portal, u->lun) != 0) {
		fprintf(stderr, "iscsi-load: login to %s failed: %s\n", url, iscsi_get_error(iscsi));
		return 1;
	}
	/* Consume the unit attentions a new nexus reports. */
	for (int i = 0; i < 5; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, lun);
		int ok = t && t->status == SCSI_STATUS_GOOD;
		if (t)
			scsi_free_scsi_task(t);
		if (ok)
			break;
	}
	struct scsi_task *t = iscsi_readcapacity16_sync(iscsi, lun);
	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "iscsi-load: READ CAPACITY(16) failed: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	struct scsi_readcapacity16 *rc = scsi_datain_unmarshall(t);
	if (!rc) {
		fprintf(stderr, "iscsi-load: cannot parse READ CAPACITY(16)\n");
		return 1;
	}
	blocksize = rc->block_length;
	nblocks = rc->returned_lba + 1;
	scsi_free_scsi_task(t);
	if (!blocksize || iosize % blocksize || nblocks < iosize / blocksize) {
		fprintf(stderr, "iscsi-load: I/O size %u does not fit block size %u x %" PRIu64 "\n",
			iosize, blocksize, nblocks);
		return 1;
	}

	hist = calloc(HIST_US, sizeof *hist);
	struct slot *slots = calloc((size_t)depth, sizeof *slots);
	if (!hist || !slots)
		return 1;
	for (int i = 0; i < depth; i++) {
		if (posix_memalign((void **)&slots[i].buf, 4096, iosize))
			return 1;
		memset(slots[i].buf, 0xa5 ^ i, iosize);
	}
	rng ^= (uint64_t)getpid() * 0x100000001b3ULL;

	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	double t0 = now_s(), deadline = t0 + secs, tend = 0;
	for (int i = 0; i < depth; i++)
		submit(&slots[i]);
	while (inflight > 0) {
		struct pollfd pfd = {.fd = iscsi_get_fd(iscsi), .events = (short)iscsi_which_events(iscsi)};
		int n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		if (iscsi_service(iscsi, n > 0 ? pfd.revents : 0) < 0) {
			fprintf(stderr, "iscsi-load: service: %s\n", iscsi_get_error(iscsi));
			return 1;
		}
		if (!stopping && (now_s() >= deadline || errors >= 100)) {
			stopping = 1;
		}
		if (stopping && now_s() > deadline + 20) {
			fprintf(stderr, "iscsi-load: %d commands still in flight after 20 s\n", inflight);
			return 1;
		}
	}
	tend = now_s();
	getrusage(RUSAGE_SELF, &ru1);
	double el = tend - t0;

	double p50 = 0, p99 = 0;
	uint64_t acc = 0;
	for (uint64_t i = 0; i < HIST_US; i++) {
		acc += hist[i];
		if (!p50 && acc * 2 >= ops)
			p50 = (double)i + 0.5;
		if (!p99 && acc * 100 >= ops * 99) {
			p99 = (double)i + 0.5;
			break;
		}
	}
	double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
			      ru0.ru_stime.tv_sec) * 1e6 +
		     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
			      ru0.ru_stime.tv_usec);
	printf("ops=%" PRIu64 " secs=%.3f iops=%.0f mbps=%.1f lat_us=%.1f p50_us=%.1f p99_us=%.1f "
	       "errors=%" PRIu64 " ini_cpu_us_per_op=%.2f\n",
	       ops, el, ops / el, (double)ops * iosize / el / 1e6, ops ? lat_sum_us / (double)ops : 0,
	       p50, p99, errors, ops ? cpu / (double)ops : 0);
	fflush(stdout);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	iscsi_destroy_url(u);
	return errors ? 1 : 0;
}
