// SPDX-License-Identifier: GPL-2.0-only
/*
 * scsi-client: a few SCSI commands over iSCSI (libiscsi) for the integration
 * tests, for what libiscsi's own tools do not send: persistent reservations,
 * UNMAP and GET LBA STATUS.
 *
 *   scsi-client URL INITIATOR register KEY [aptpl]      REGISTER AND IGNORE EXISTING KEY
 *   scsi-client URL INITIATOR reserve KEY TYPE
 *   scsi-client URL INITIATOR read-keys                 "gen G keys K..." (hex)
 *   scsi-client URL INITIATOR read-reservation          "gen G key K type T" or "gen G none"
 *   scsi-client URL INITIATOR burst FIRST COUNT         REGISTER AND IGNORE with keys
 *                                                       FIRST.. with APTPL, "ack K" each
 *   scsi-client URL INITIATOR write LBA                 WRITE(16) of one block of zeros
 *   scsi-client URL INITIATOR unmap LBA BLOCKS
 *   scsi-client URL INITIATOR lba-status LBA            "LBA BLOCKS mapped|deallocated" lines
 *   scsi-client URL INITIATOR register-spec KEY TID...  REGISTER with SPEC_I_PT
 *   scsi-client URL INITIATOR register-move KEY SAKEY REL TID [unreg] [badproto]
 *                                                       REGISTER AND MOVE
 *   TID: "name" (TransportID format 00b) or "name,i,0xISID" (01b).
 *
 * Exit status 0 on GOOD, 1 on a SCSI error (printed), 2 on usage or login errors.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static struct iscsi_context *iscsi;
static int lun;

static int check(struct scsi_task *t, const char *what)
{
	if (!t) {
		fprintf(stderr, "%s: %s\n", what, iscsi_get_error(iscsi));
		return 1;
	}
	if (t->status != SCSI_STATUS_GOOD) {
		printf("%s: status 0x%02x sense %x/%02x%02x\n", what, t->status, t->sense.key,
		       t->sense.ascq >> 8, t->sense.ascq & 0xff);
		scsi_free_scsi_task(t);
		return 1;
	}
	return 0;
}

static int pr_out(int sa, int type, uint64_t key, uint64_t sa_key, int aptpl)
{
	struct scsi_persistent_reserve_out_basic p = {
		.reservation_key = key, .service_action_reservation_key = sa_key, .aptpl = aptpl
	};
	struct scsi_task *t = iscsi_persistent_reserve_out_sync(iscsi, lun, sa, 0, type, &p);

	if (check(t, "PERSISTENT RESERVE OUT"))
		return 1;
	scsi_free_scsi_task(t);
	return 0;
}

static int read_keys(void)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(iscsi, lun,
							       SCSI_PERSISTENT_RESERVE_READ_KEYS, 8192);
	struct scsi_persistent_reserve_in_read_keys *rk;

	if (check(t, "READ KEYS"))
		return 1;
	rk = scsi_datain_unmarshall(t);
	if (!rk) {
		fprintf(stderr, "READ KEYS: cannot unmarshall\n");
		return 1;
	}
	printf("gen %" PRIu32 " keys", rk->prgeneration);
	for (int i = 0; i < rk->num_keys; i++)
		printf(" %" PRIx64, rk->keys[i]);
	printf("\n");
	scsi_free_scsi_task(t);
	return 0;
}

static int read_reservation(void)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(
		iscsi, lun, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 8192);
	struct scsi_persistent_reserve_in_read_reservation *rr;

	if (check(t, "READ RESERVATION"))
		return 1;
	rr = scsi_datain_unmarshall(t);
	if (!rr) {
		fprintf(stderr, "READ RESERVATION: cannot unmarshall\n");
		return 1;
	}
	if (rr->reserved)
		printf("gen %" PRIu32 " key %" PRIx64 " type %u\n", rr->prgeneration,
		       rr->reservation_key, rr->pr_type);
	else
		printf("gen %" PRIu32 " none\n", rr->prgeneration);
	scsi_free_scsi_task(t);
	return 0;
}

/* An iSCSI TransportID (SPC-4 7.6.4.6) for tid at p; its length. */
static uint32_t put_tid(uint8_t *p, const char *tid, int proto)
{
	uint32_t n = (uint32_t)strlen(tid) + 1, alen = (n + 3) & ~3u;

	if (alen < 20)
		alen = 20;
	memset(p, 0, 4 + alen);
	p[0] = (uint8_t)((strstr(tid, ",i,0x") ? 0x40 : 0) | proto);
	p[2] = (uint8_t)(alen >> 8);
	p[3] = (uint8_t)alen;
	memcpy(p + 4, tid, n - 1);
	return 4 + alen;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* PERSISTENT RESERVE OUT with a parameter list built here. */
static int pr_out_raw(int sa, const uint8_t *data, uint32_t len)
{
	struct scsi_task *t = calloc(1, sizeof(*t));
	struct iscsi_data d = { .data = (unsigned char *)data, .size = len };

	if (!t)
		return 1;
	t->cdb[0] = 0x5f;
	t->cdb[1] = (uint8_t)sa;
	t->cdb[2] = 0x01; /* TYPE write exclusive; REGISTER ignores it, MOVE keeps the held type */
	t->cdb[5] = (uint8_t)(len >> 24);
	t->cdb[6] = (uint8_t)(len >> 16);
	t->cdb[7] = (uint8_t)(len >> 8);
	t->cdb[8] = (uint8_t)len;
	t->cdb_size = 10;
	t->xfer_dir = SCSI_XFER_WRITE;
	t->expxferlen = (int)len;
	t = iscsi_scsi_command_sync(iscsi, lun, t, &d);
	if (check(t, "PERSISTENT RESERVE OUT"))
		return 1;
	scsi_free_scsi_task(t);
	return 0;
}

static int register_spec(uint64_t key, char **tids, int n)
{
	uint8_t p[4096] = { 0 };
	uint32_t off = 28;

	put_be64(p + 8, key);
	p[20] = 0x08; /* SPEC_I_PT */
	for (int i = 0; i < n && off < sizeof(p) - 300; i++)
		off += put_tid(p + off, tids[i], 5);
	p[24] = (uint8_t)((off - 28) >> 24);
	p[25] = (uint8_t)((off - 28) >> 16);
	p[26] = (uint8_t)((off - 28) >> 8);
	p[27] = (uint8_t)(off - 28);
	return pr_out_raw(0, p, off);
}

static int register_move(uint64_t key, uint64_t sa_key, unsigned rel, const char *tid, int unreg,
			 int proto)
{
	uint8_t p[512] = { 0 };
	uint32_t n;

	put_be64(p, key);
	put_be64(p + 8, sa_key);
	p[17] = unreg ? 0x02 : 0;
	p[18] = (uint8_t)(rel >> 8);
	p[19] = (uint8_t)rel;
	n = put_tid(p + 24, tid, proto);
	p[22] = (uint8_t)(n >> 8);
	p[23] = (uint8_t)n;
	return pr_out_raw(7, p, 24 + n);
}

static int burst(uint64_t first, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		if (pr_out(SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0,
			   first + i, 1))
			return 1;
		printf("ack %" PRIx64 "\n", first + i);
		fflush(stdout);
	}
	return 0;
}

static int write_block(uint64_t lba)
{
	static unsigned char zeros[4096];
	struct scsi_task *t = iscsi_write16_sync(iscsi, lun, lba, zeros, 512, 512, 0, 0, 0, 0, 0);

	if (check(t, "WRITE(16)"))
		return 1;
	scsi_free_scsi_task(t);
	return 0;
}

static int unmap(uint64_t lba, uint32_t n)
{
	struct unmap_list l = { .lba = lba, .num = n };
	struct scsi_task *t = iscsi_unmap_sync(iscsi, lun, 0, 0, &l, 1);

	if (check(t, "UNMAP"))
		return 1;
	scsi_free_scsi_task(t);
	return 0;
}

static int lba_status(uint64_t lba)
{
	struct scsi_task *t = iscsi_get_lba_status_sync(iscsi, lun, lba, 8 + 16 * 64);
	struct scsi_get_lba_status *st;

	if (check(t, "GET LBA STATUS"))
		return 1;
	st = scsi_datain_unmarshall(t);
	if (!st) {
		fprintf(stderr, "GET LBA STATUS: cannot unmarshall\n");
		return 1;
	}
	for (uint32_t i = 0; i < st->num_descriptors; i++)
		printf("%" PRIu64 " %" PRIu32 " %s\n", st->descriptors[i].lba,
		       st->descriptors[i].num_blocks,
		       st->descriptors[i].provisioning == SCSI_PROVISIONING_TYPE_MAPPED ?
			       "mapped" :
			       "deallocated");
	scsi_free_scsi_task(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct iscsi_url *url;
	const char *cmd;
	int ret;

	if (argc < 4) {
		fprintf(stderr, "usage: scsi-client URL INITIATOR COMMAND [ARGS]\n");
		return 2;
	}
	iscsi = iscsi_create_context(argv[2]);
	url = iscsi ? iscsi_parse_full_url(iscsi, argv[1]) : NULL;
	if (!url) {
		fprintf(stderr, "bad URL %s\n", argv[1]);
		return 2;
	}
	/* A fixed ISID: every run of one initiator name is the same initiator port,
	 * so the same I_T nexus for persistent reservations (SPC-4 5.13.2). */
	iscsi_set_isid_oui(iscsi, 0x00a0b0, 0x5c51);
	/* libiscsi's automatic reconnect logs in again with a new random ISID: that
	 * would be another I_T nexus. A lost connection ends the run instead. */
	iscsi_set_noautoreconnect(iscsi, 1);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_targetname(iscsi, url->target);
	lun = url->lun;
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun)) {
		fprintf(stderr, "login: %s\n", iscsi_get_error(iscsi));
		return 2;
	}
	cmd = argv[3];
	if (!strcmp(cmd, "register") && argc >= 5)
		ret = pr_out(SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0,
			     strtoull(argv[4], NULL, 16), argc > 5 && !strcmp(argv[5], "aptpl"));
	else if (!strcmp(cmd, "reserve") && argc >= 6)
		ret = pr_out(SCSI_PERSISTENT_RESERVE_RESERVE, atoi(argv[5]),
			     strtoull(argv[4], NULL, 16), 0, 0);
	else if (!strcmp(cmd, "read-keys"))
		ret = read_keys();
	else if (!strcmp(cmd, "read-reservation"))
		ret = read_reservation();
	else if (!strcmp(cmd, "burst") && argc >= 6)
		ret = burst(strtoull(argv[4], NULL, 16), (unsigned)atoi(argv[5]));
	else if (!strcmp(cmd, "write") && argc >= 5)
		ret = write_block(strtoull(argv[4], NULL, 10));
	else if (!strcmp(cmd, "unmap") && argc >= 6)
		ret = unmap(strtoull(argv[4], NULL, 10), (uint32_t)atoi(argv[5]));
	else if (!strcmp(cmd, "lba-status") && argc >= 5)
		ret = lba_status(strtoull(argv[4], NULL, 10));
	else if (!strcmp(cmd, "register-spec") && argc >= 6)
		ret = register_spec(strtoull(argv[4], NULL, 16), argv + 5, argc - 5);
	else if (!strcmp(cmd, "register-move") && argc >= 8) {
		int unreg = 0, proto = 5;

		for (int i = 8; i < argc; i++) {
			unreg |= !strcmp(argv[i], "unreg");
			if (!strcmp(argv[i], "badproto"))
				proto = 1;
		}
		ret = register_move(strtoull(argv[4], NULL, 16), strtoull(argv[5], NULL, 16),
				    (unsigned)atoi(argv[6]), argv[7], unreg, proto);
	}
	else {
		fprintf(stderr, "unknown command or missing arguments: %s\n", cmd);
		ret = 2;
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return ret;
}
