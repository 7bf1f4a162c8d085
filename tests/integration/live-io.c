/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * live-io: one iSCSI session doing I/O on one LUN while the target is changed
 * under it, reporting every unit attention it meets, for the integration tests
 * of live management (LUNs added, removed and replaced; CHAP secrets rotated).
 *
 *   live-io -u iscsi://[USER%SECRET@]HOST:PORT/IQN/LUN [-i INITIATOR] [-t SECONDS]
 *           [-n MAX_OPS] [-s STOP_FILE]
 *
 * Alternates 4 KiB WRITE(16) and READ(16) on the LUN until the time is up, the
 * stop file exists, SIGTERM arrives or MAX_OPS commands are done. As a real
 * initiator does, a command that meets a unit attention is retried; every other
 * CHECK CONDITION or a lost connection is an error. Lines on stdout (flushed):
 *
 *   ready                           logged in, I/O starts
 *   ua LUN 06/3F/0E                 a unit attention (sense key/ASC/ASCQ, hex)
 *   luns 0 1 2                      REPORT LUNS after REPORTED LUNS DATA HAS CHANGED
 *   gone LUN 05/25/00               a LUN that left the list, probed with TEST UNIT READY
 *   error ...                       anything else
 *   done ops=N errors=E uas=U
 *
 * After each REPORT LUNS every listed LUN gets a TEST UNIT READY (so the session
 * has a nexus on it and hears of later changes there) and every LUN that left
 * the list gets one too, whose sense is printed. Exit status 0 when no error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define IO_SIZE 4096
#define MAX_LUNS 16384
#define MAX_UA_RETRIES 16

static volatile sig_atomic_t stop;
static struct iscsi_context *iscsi;
static uint64_t ops, errors, uas;
static bool listed[MAX_LUNS];

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sense_str(const struct scsi_task *t, char *buf, size_t len)
{
	snprintf(buf, len, "%02X/%02X/%02X", (unsigned)t->sense.key,
		 (unsigned)(t->sense.ascq >> 8) & 0xff, (unsigned)t->sense.ascq & 0xff);
}

static bool is_ua(const struct scsi_task *t)
{
	return t->status == SCSI_STATUS_CHECK_CONDITION &&
	       t->sense.key == SCSI_SENSE_UNIT_ATTENTION;
}

static bool is_luns_changed(const struct scsi_task *t)
{
	return is_ua(t) && t->sense.ascq == 0x3f0e;
}

static void report_ua(int lun, const struct scsi_task *t)
{
	char s[16];

	sense_str(t, s, sizeof(s));
	printf("ua %d %s\n", lun, s);
	uas++;
}

/* LUN number from the first two bytes REPORT LUNS gives (SAM-5 4.7): peripheral
 * device addressing with bus 0, or flat space; -1 for anything else. */
static int decode_lun(uint16_t raw)
{
	if ((raw >> 8) == 0)
		return raw;
	if ((raw >> 14) == 1)
		return raw & 0x3fff;
	return -1;
}

static void tur_lun(int lun, bool print_sense)
{
	for (int i = 0; i < MAX_UA_RETRIES; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, lun);
		char s[16];

		if (!t) {
			printf("error TEST UNIT READY on LUN %d: %s\n", lun,
			       iscsi_get_error(iscsi));
			errors++;
			return;
		}
		if (t->status == SCSI_STATUS_GOOD || !is_ua(t)) {
			if (print_sense) {
				sense_str(t, s, sizeof(s));
				printf("gone %d %s\n", lun,
				       t->status == SCSI_STATUS_GOOD ? "GOOD" : s);
			}
			scsi_free_scsi_task(t);
			return;
		}
		report_ua(lun, t);
		scsi_free_scsi_task(t);
	}
}

/* REPORT LUNS: print the list, touch every LUN, probe the ones that left it. */
static void report_luns(void)
{
	static bool now[MAX_LUNS];
	struct scsi_reportluns_list *list;
	struct scsi_task *t = NULL;

	for (int i = 0; i < MAX_UA_RETRIES; i++) {
		t = iscsi_reportluns_sync(iscsi, 0, 16 + 8 * MAX_LUNS);
		if (!t || !is_ua(t))
			break;
		report_ua(0, t);
		scsi_free_scsi_task(t);
		t = NULL;
	}
	if (!t || t->status != SCSI_STATUS_GOOD || !(list = scsi_datain_unmarshall(t))) {
		printf("error REPORT LUNS: %s\n", iscsi_get_error(iscsi));
		errors++;
		if (t)
			scsi_free_scsi_task(t);
		return;
	}
	memset(now, 0, sizeof(now));
	printf("luns");
	for (uint32_t i = 0; i < list->num; i++) {
		int l = decode_lun(list->luns[i]);

		if (l >= 0 && l < MAX_LUNS) {
			now[l] = true;
			printf(" %d", l);
		}
	}
	printf("\n");
	scsi_free_scsi_task(t);
	for (int l = 0; l < MAX_LUNS; l++) {
		if (now[l])
			tur_lun(l, false);
		else if (listed[l])
			tur_lun(l, true);
		listed[l] = now[l];
	}
}

/* One WRITE(16) or READ(16), retried across unit attentions. */
static void one_io(int lun, uint64_t lba, bool write, unsigned char *buf)
{
	for (int i = 0; i < MAX_UA_RETRIES; i++) {
		struct scsi_task *t;
		char s[16];

		t = write ? iscsi_write16_sync(iscsi, lun, lba, buf, IO_SIZE, 512, 0, 0, 0, 0, 0)
			  : iscsi_read16_sync(iscsi, lun, lba, IO_SIZE, 512, 0, 0, 0, 0, 0);
		if (!t) {
			printf("error %s: %s\n", write ? "WRITE" : "READ", iscsi_get_error(iscsi));
			errors++;
			stop = 1; /* the connection is gone */
			return;
		}
		if (t->status == SCSI_STATUS_GOOD) {
			ops++;
			scsi_free_scsi_task(t);
			return;
		}
		if (!is_ua(t)) {
			sense_str(t, s, sizeof(s));
			printf("error %s LBA %" PRIu64 ": status 0x%02x sense %s\n",
			       write ? "WRITE" : "READ", lba, t->status, s);
			errors++;
			scsi_free_scsi_task(t);
			return;
		}
		report_ua(lun, t);
		bool changed = is_luns_changed(t);

		scsi_free_scsi_task(t);
		if (changed)
			report_luns();
	}
	printf("error: %d unit attentions in a row\n", MAX_UA_RETRIES);
	errors++;
}

static void usage(void)
{
	fprintf(stderr, "usage: live-io -u iscsi://[USER%%SECRET@]HOST:PORT/IQN/LUN\n"
			"               [-i INITIATOR] [-t SECONDS] [-n MAX_OPS] [-s STOP_FILE]\n");
}

int main(int argc, char **argv)
{
	const char *url_s = NULL, *ini = "iqn.2026-11.org.test:live-io", *stop_file = NULL;
	unsigned secs = 30;
	uint64_t max_ops = 1000000;
	struct iscsi_url *url;
	unsigned char *buf;
	double deadline;
	int c;

	while ((c = getopt(argc, argv, "u:i:t:n:s:")) != -1) {
		switch (c) {
		case 'u':
			url_s = optarg;
			break;
		case 'i':
			ini = optarg;
			break;
		case 't':
			secs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			max_ops = strtoull(optarg, NULL, 10);
			break;
		case 's':
			stop_file = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!url_s) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	buf = malloc(IO_SIZE);
	iscsi = iscsi_create_context(ini);
	if (!buf || !iscsi) {
		fprintf(stderr, "live-io: out of memory\n");
		return 1;
	}
	url = iscsi_parse_full_url(iscsi, url_s);
	if (!url) {
		fprintf(stderr, "live-io: %s\n", iscsi_get_error(iscsi));
		return 2;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	/* A reconnect would hide a dropped session: it is an error here. */
	iscsi_set_noautoreconnect(iscsi, 1);
	if (url->user[0])
		iscsi_set_initiator_username_pwd(iscsi, url->user, url->passwd);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun)) {
		printf("error login: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	printf("ready\n");
	/* Know the list from the start, so a LUN that leaves it is probed. */
	report_luns();
	deadline = now_s() + secs;
	for (uint64_t i = 0; !stop && ops < max_ops && now_s() < deadline; i++) {
		memset(buf, (int)(i & 0xff), IO_SIZE);
		one_io(url->lun, (i / 2) % 256 * (IO_SIZE / 512), !(i & 1), buf);
		if (stop_file && !(i & 63) && access(stop_file, F_OK) == 0)
			break;
	}
	printf("done ops=%" PRIu64 " errors=%" PRIu64 " uas=%" PRIu64 "\n", ops, errors, uas);
	if (!errors)
		iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	free(buf);
	return errors ? 1 : 0;
}
