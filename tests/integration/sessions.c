/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sessions: log N iSCSI sessions in to one target at the same time (libiscsi's
 * async API, one poll loop), send one TEST UNIT READY on each, log them all out.
 * Measures the time to log all of them in and, with --pid, the target daemon's
 * VmRSS before the first login and with all of them logged in.
 *
 *   sessions -p 127.0.0.1:3260 -T IQN [-n 512] [-l LUN] [-t SECONDS] [--pid PID]
 *            [-i INITIATOR_PREFIX] [-H HOLD_FILE]
 *
 * With -H the sessions stay logged in after their TEST UNIT READY (a line
 * "# holding" says so) until HOLD_FILE exists, so a test can change the target
 * under them; then each does one more TEST UNIT READY, which may first meet
 * the unit attentions of those changes (retried, as an initiator does), and
 * logs out.
 *
 * Each session has its own initiator name (PREFIX:N), so each is its own I_T
 * nexus. Prints "# " comment lines with the figures and one summary line:
 *
 *   sessions=N logged_in=N tur_good=N logged_out=N failed=F login_ms=T
 *
 * Exit status 0 only when every session logged in, its TEST UNIT READY was
 * GOOD and it logged out, all within the time limit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

enum phase { P_CONNECTING, P_TUR, P_READY, P_LOGGING_OUT, P_DONE, P_FAILED };

#define MAX_UA_RETRIES 8

struct sess {
	struct iscsi_context *iscsi;
	enum phase phase;
	unsigned idx;
	unsigned ua_retries;
};

static unsigned nsess = 512, logged_in, tur_good, logged_out, failed, uas;
static int lun;
static const char *portal, *target, *prefix = "iqn.2026-11.org.test:sess";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VmRSS of pid in KiB, or -1. */
static long rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void fail(struct sess *s, const char *what)
{
	if (failed < 5)
		fprintf(stderr, "sessions: session %u: %s: %s\n", s->idx, what,
			iscsi_get_error(s->iscsi));
	s->phase = P_FAILED;
	failed++;
}

static void logout_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct sess *s = priv;

	(void)iscsi;
	(void)data;
	if (status != SCSI_STATUS_GOOD) {
		fail(s, "logout");
		return;
	}
	s->phase = P_DONE;
	logged_out++;
}

static void tur_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct scsi_task *t = data;
	struct sess *s = priv;
	bool ua = status == SCSI_STATUS_CHECK_CONDITION && t &&
		  t->sense.key == SCSI_SENSE_UNIT_ATTENTION;

	if (t)
		scsi_free_scsi_task(t);
	if (ua && s->ua_retries++ < MAX_UA_RETRIES) {
		uas++;
		if (iscsi_testunitready_task(iscsi, lun, tur_cb, s))
			return;
		fail(s, "TEST UNIT READY resubmit");
		return;
	}
	if (status != SCSI_STATUS_GOOD) {
		fail(s, "TEST UNIT READY");
		return;
	}
	tur_good++;
	s->phase = P_READY;
}

/* A TEST UNIT READY on every session that is ready, all in flight at once. */
static void tur_all(struct sess *ss)
{
	for (unsigned i = 0; i < nsess; i++) {
		struct sess *s = &ss[i];

		if (s->phase != P_READY && s->phase != P_TUR)
			continue;
		s->phase = P_TUR;
		s->ua_retries = 0;
		if (!iscsi_testunitready_task(s->iscsi, lun, tur_cb, s))
			fail(s, "TEST UNIT READY submit");
	}
}

static void connect_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct sess *s = priv;

	(void)iscsi;
	(void)data;
	/* libiscsi calls this a second time when an established session drops. */
	if (s->phase != P_CONNECTING) {
		if (s->phase != P_DONE && s->phase != P_FAILED)
			fail(s, "connection lost");
		return;
	}
	if (status != SCSI_STATUS_GOOD) {
		fail(s, "login");
		return;
	}
	logged_in++;
	s->phase = P_TUR;
}

/* Poll every live context once (at most wait_ms); false when poll failed. */
static bool service_all(struct sess *ss, struct pollfd *pfd, int wait_ms)
{
	unsigned n = 0;
	int r;

	for (unsigned i = 0; i < nsess; i++) {
		struct sess *s = &ss[i];

		if (s->phase == P_DONE || s->phase == P_FAILED) {
			pfd[i].fd = -1;
			continue;
		}
		pfd[i].fd = iscsi_get_fd(s->iscsi);
		pfd[i].events = (short)iscsi_which_events(s->iscsi);
		pfd[i].revents = 0;
		n++;
	}
	if (!n)
		return true;
	r = poll(pfd, nsess, wait_ms);
	if (r < 0 && errno != EINTR) {
		perror("sessions: poll");
		return false;
	}
	for (unsigned i = 0; i < nsess; i++) {
		struct sess *s = &ss[i];

		if (pfd[i].fd < 0)
			continue;
		/* Zero revents lets libiscsi run its timeouts. */
		if (iscsi_service(s->iscsi, pfd[i].revents) < 0 && s->phase != P_FAILED &&
		    s->phase != P_DONE)
			fail(s, "service");
	}
	return true;
}

/* Run the loop until cond() holds for every session or the deadline passes. */
static bool run_until(struct sess *ss, struct pollfd *pfd, double deadline,
		      bool (*settled)(const struct sess *))
{
	for (;;) {
		bool all = true;

		for (unsigned i = 0; i < nsess && all; i++)
			all = settled(&ss[i]);
		if (all)
			return true;
		if (now_ms() > deadline || !service_all(ss, pfd, 100))
			return false;
	}
}

static bool past_connect(const struct sess *s)
{
	return s->phase != P_CONNECTING;
}

static bool past_tur(const struct sess *s)
{
	return s->phase != P_CONNECTING && s->phase != P_TUR;
}

static const char *hold_file;

/* Keep the sessions serviced (NOP-Ins answered) until the hold file exists. */
static bool held(const struct sess *s)
{
	(void)s;
	return access(hold_file, F_OK) == 0;
}

static bool finished(const struct sess *s)
{
	return s->phase == P_DONE || s->phase == P_FAILED;
}

static void usage(void)
{
	fprintf(stderr, "usage: sessions -p HOST:PORT -T TARGET [-n N] [-l LUN] [-t SECONDS]\n"
			"                [-i INITIATOR_PREFIX] [--pid PID] [-H HOLD_FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned secs = 60;
	long pid = 0, rss0 = -1, rss1 = -1;
	double t0, t_login, deadline;
	struct sess *ss;
	struct pollfd *pfd;
	struct rlimit rl;
	int c;

	while ((c = getopt_long(argc, argv, "p:T:n:l:t:i:H:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			portal = optarg;
			break;
		case 'T':
			target = optarg;
			break;
		case 'n':
			nsess = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			lun = atoi(optarg);
			break;
		case 't':
			secs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			prefix = optarg;
			break;
		case 'P':
			pid = strtol(optarg, NULL, 10);
			break;
		case 'H':
			hold_file = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!portal || !target || !nsess || nsess > 65536) {
		usage();
		return 2;
	}
	/* One socket per session, plus stdio and libiscsi's own. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < nsess + 64) {
		rl.rlim_cur = rl.rlim_max < nsess + 64 ? rl.rlim_max : nsess + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < nsess + 64) {
			fprintf(stderr, "sessions: file descriptor limit %lu is below %u\n",
				(unsigned long)rl.rlim_cur, nsess + 64);
			return 1;
		}
	}
	ss = calloc(nsess, sizeof(*ss));
	pfd = calloc(nsess, sizeof(*pfd));
	if (!ss || !pfd) {
		fprintf(stderr, "sessions: out of memory\n");
		return 1;
	}
	if (pid)
		rss0 = rss_kb(pid);
	deadline = now_ms() + secs * 1e3;
	t0 = now_ms();
	for (unsigned i = 0; i < nsess; i++) {
		char name[256];
		struct sess *s = &ss[i];

		snprintf(name, sizeof(name), "%s:%u", prefix, i);
		s->idx = i;
		s->iscsi = iscsi_create_context(name);
		if (!s->iscsi) {
			fprintf(stderr, "sessions: cannot create context %u\n", i);
			return 1;
		}
		iscsi_set_targetname(s->iscsi, target);
		iscsi_set_session_type(s->iscsi, ISCSI_SESSION_NORMAL);
		iscsi_set_header_digest(s->iscsi, ISCSI_HEADER_DIGEST_NONE);
		iscsi_set_noautoreconnect(s->iscsi, 1);
		if (iscsi_full_connect_async(s->iscsi, portal, lun, connect_cb, s))
			fail(s, "connect");
	}
	run_until(ss, pfd, deadline, past_connect);
	t_login = now_ms() - t0;
	tur_all(ss);
	run_until(ss, pfd, deadline, past_tur);
	if (pid)
		rss1 = rss_kb(pid);
	if (hold_file) {
		printf("# holding %u sessions\n", tur_good);
		fflush(stdout);
		run_until(ss, pfd, deadline, held);
		tur_good = 0;
		tur_all(ss);
		run_until(ss, pfd, deadline, past_tur);
	}
	for (unsigned i = 0; i < nsess; i++) {
		struct sess *s = &ss[i];

		if (s->phase != P_READY)
			continue;
		s->phase = P_LOGGING_OUT;
		if (iscsi_logout_async(s->iscsi, logout_cb, s))
			fail(s, "logout submit");
	}
	if (!run_until(ss, pfd, deadline, finished))
		fprintf(stderr, "sessions: time limit of %u s reached\n", secs);
	printf("# %u sessions logged in in %.0f ms (%.2f ms each)\n", logged_in, t_login,
	       logged_in ? t_login / logged_in : 0.0);
	if (rss0 > 0 && rss1 > 0)
		printf("# scstd VmRSS %ld kB before, %ld kB with %u sessions: "
		       "%.1f KiB per session\n",
		       rss0, rss1, logged_in, logged_in ? (double)(rss1 - rss0) / logged_in : 0.0);
	printf("sessions=%u logged_in=%u tur_good=%u logged_out=%u failed=%u uas=%u login_ms=%.0f\n",
	       nsess, logged_in, tur_good, logged_out, failed, uas, t_login);
	for (unsigned i = 0; i < nsess; i++)
		iscsi_destroy_context(ss[i].iscsi);
	free(ss);
	free(pfd);
	return logged_out == nsess && tur_good == nsess && !failed ? 0 : 1;
}
