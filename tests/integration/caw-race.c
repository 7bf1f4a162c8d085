// SPDX-License-Identifier: GPL-2.0-only
/*
 * caw-race: two initiators race COMPARE AND WRITE on one block, ROUNDS times.
 * In each round both compare against the block's current content and try to
 * write their own pattern; exactly one must win (GOOD), the other must get
 * MISCOMPARE, and the block must then hold the winner's pattern, whole.
 *
 *   caw-race URL INITIATOR_A INITIATOR_B ROUNDS
 *
 * Prints "rounds R a_wins A b_wins B" and exits 0 when every round held, 1 at
 * the first round that did not (with what was seen), 2 on setup errors.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define BS 512
#define LBA 100

struct side {
	struct iscsi_context *iscsi;
	int lun;
	unsigned char buf[2 * BS]; /* compare half, write half */
	int done, status, key;
};

static void caw_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct side *s = priv;
	struct scsi_task *t = data;

	(void)iscsi;
	s->done = 1;
	s->status = status == SCSI_STATUS_GOOD ? 0 : t ? t->status : -1;
	s->key = t ? (int)t->sense.key : -1;
	if (t)
		scsi_free_scsi_task(t);
}

static int login(struct side *s, const char *url_s, const char *ini, uint32_t qualifier)
{
	struct iscsi_url *url;

	s->iscsi = iscsi_create_context(ini);
	url = s->iscsi ? iscsi_parse_full_url(s->iscsi, url_s) : NULL;
	if (!url)
		return -1;
	iscsi_set_isid_oui(s->iscsi, 0x00a0b0, qualifier);
	iscsi_set_session_type(s->iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_targetname(s->iscsi, url->target);
	s->lun = url->lun;
	if (iscsi_full_connect_sync(s->iscsi, url->portal, url->lun)) {
		fprintf(stderr, "login %s: %s\n", ini, iscsi_get_error(s->iscsi));
		return -1;
	}
	iscsi_destroy_url(url);
	return 0;
}

/* Run both event loops until both commands completed (bounded: 10 s). */
static int wait_both(struct side *a, struct side *b)
{
	for (int i = 0; i < 10000 && !(a->done && b->done); i++) {
		struct pollfd p[2] = {
			{ iscsi_get_fd(a->iscsi), (short)iscsi_which_events(a->iscsi), 0 },
			{ iscsi_get_fd(b->iscsi), (short)iscsi_which_events(b->iscsi), 0 },
		};

		if (poll(p, 2, 1) < 0)
			return -1;
		if (iscsi_service(a->iscsi, p[0].revents) || iscsi_service(b->iscsi, p[1].revents))
			return -1;
	}
	return a->done && b->done ? 0 : -1;
}

static int read_block(struct side *s, unsigned char *out)
{
	struct scsi_task *t = iscsi_read16_sync(s->iscsi, s->lun, LBA, BS, BS, 0, 0, 0, 0, 0);

	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size != BS)
		return -1;
	memcpy(out, t->datain.data, BS);
	scsi_free_scsi_task(t);
	return 0;
}

int main(int argc, char **argv)
{
	static struct side a, b;
	unsigned char cur[BS], now[BS];
	unsigned rounds, wins_a = 0, wins_b = 0;
	struct scsi_task *t;

	if (argc != 5) {
		fprintf(stderr, "usage: caw-race URL INITIATOR_A INITIATOR_B ROUNDS\n");
		return 2;
	}
	rounds = (unsigned)atoi(argv[4]);
	if (login(&a, argv[1], argv[2], 0xa) || login(&b, argv[1], argv[3], 0xb))
		return 2;
	memset(cur, 0, BS);
	t = iscsi_write16_sync(a.iscsi, a.lun, LBA, cur, BS, BS, 0, 0, 0, 0, 0);
	if (!t || t->status != SCSI_STATUS_GOOD)
		return 2;
	scsi_free_scsi_task(t);
	for (unsigned r = 1; r <= rounds; r++) {
		memcpy(a.buf, cur, BS);
		memcpy(b.buf, cur, BS);
		memset(a.buf + BS, (int)(2 * r) & 0xff, BS);
		memset(b.buf + BS, (int)(2 * r + 1) & 0xff, BS);
		a.done = b.done = 0;
		if (!iscsi_compareandwrite_task(a.iscsi, a.lun, LBA, a.buf, 2 * BS, BS, 0, 0, 0, 0,
						0, caw_cb, &a) ||
		    !iscsi_compareandwrite_task(b.iscsi, b.lun, LBA, b.buf, 2 * BS, BS, 0, 0, 0, 0,
						0, caw_cb, &b) ||
		    wait_both(&a, &b) || read_block(&a, now)) {
			fprintf(stderr, "round %u: I/O failed\n", r);
			return 2;
		}
		/* Exactly one GOOD; the other CHECK CONDITION with MISCOMPARE (0Eh). */
		if (!((a.status == 0 && b.status == 2 && b.key == 0x0e) ||
		      (b.status == 0 && a.status == 2 && a.key == 0x0e))) {
			printf("round %u: a status %d key %x, b status %d key %x\n", r, a.status,
			       a.key, b.status, b.key);
			return 1;
		}
		if (memcmp(now, a.status == 0 ? a.buf + BS : b.buf + BS, BS)) {
			printf("round %u: block is not the winner's pattern (first byte %02x)\n", r,
			       now[0]);
			return 1;
		}
		memcpy(cur, now, BS);
		if (a.status == 0)
			wins_a++;
		else
			wins_b++;
	}
	printf("rounds %u a_wins %u b_wins %u\n", rounds, wins_a, wins_b);
	iscsi_logout_sync(a.iscsi);
	iscsi_logout_sync(b.iscsi);
	iscsi_destroy_context(a.iscsi);
	iscsi_destroy_context(b.iscsi);
	return 0;
}
