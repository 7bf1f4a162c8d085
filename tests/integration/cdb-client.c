// SPDX-License-Identifier: GPL-2.0-only
/*
 * cdb-client: send one or more raw CDBs over one iSCSI session (libiscsi) and
 * print what came back, for tests of commands no libiscsi tool sends
 * (REPORT / SET TARGET PORT GROUPS, INQUIRY pages).
 *
 *   cdb-client URL INITIATOR CDB[:in=N|:out=HEX] ...
 *
 * CDB is hex ("a30a00000000000010000000"); ":in=N" reads up to N bytes,
 * ":out=HEX" sends HEX as the data-out buffer. For each CDB one line:
 *   "status 0xSS sense K/ASC/ASCQ data HEX"  (sense and data only when present)
 * A spec "wait:PATH" instead of a CDB waits (10 s at most) until PATH exists,
 * so a test can change the target between two commands of one session.
 * Exit status 0 when every CDB got a status, 2 on usage or login errors.
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t unhex(const char *s, size_t n, unsigned char *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i + 2 <= n && k < max; i += 2) {
		char b[3] = { s[i], s[i + 1], 0 };

		out[k++] = (unsigned char)strtoul(b, NULL, 16);
	}
	return k;
}

static int run(struct iscsi_context *iscsi, int lun, const char *spec)
{
	unsigned char cdb[16], out[4096];
	const char *colon = strchr(spec, ':');
	size_t cdb_len = unhex(spec, colon ? (size_t)(colon - spec) : strlen(spec), cdb, 16);
	struct scsi_task *t = calloc(1, sizeof(*t));
	struct iscsi_data d = { 0 };
	int xfer = 0, dir = SCSI_XFER_NONE;

	if (!t)
		return 2;
	if (!strncmp(spec, "wait:", 5)) {
		free(t);
		for (int i = 0; i < 1000 && access(spec + 5, F_OK); i++)
			usleep(10000);
		return access(spec + 5, F_OK) ? 2 : 0;
	}
	if (colon && !strncmp(colon, ":in=", 4)) {
		xfer = atoi(colon + 4);
		dir = SCSI_XFER_READ;
	} else if (colon && !strncmp(colon, ":out=", 5)) {
		d.size = unhex(colon + 5, strlen(colon + 5), out, sizeof(out));
		d.data = out;
		xfer = (int)d.size;
		dir = SCSI_XFER_WRITE;
	}
	memcpy(t->cdb, cdb, cdb_len);
	t->cdb_size = (int)cdb_len;
	t->xfer_dir = dir;
	t->expxferlen = xfer;
	t = iscsi_scsi_command_sync(iscsi, lun, t, dir == SCSI_XFER_WRITE ? &d : NULL);
	if (!t) {
		fprintf(stderr, "%s: %s\n", spec, iscsi_get_error(iscsi));
		return 2;
	}
	printf("status 0x%02x", t->status);
	if (t->status == SCSI_STATUS_CHECK_CONDITION)
		printf(" sense %x/%02x/%02x", t->sense.key, t->sense.ascq >> 8,
		       t->sense.ascq & 0xff);
	if (t->datain.size > 0) {
		printf(" data ");
		for (int i = 0; i < t->datain.size; i++)
			printf("%02x", t->datain.data[i]);
	}
	printf("\n");
	scsi_free_scsi_task(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	struct iscsi_url *url;
	int ret = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: cdb-client URL INITIATOR CDB[:in=N|:out=HEX]...\n");
		return 2;
	}
	iscsi = iscsi_create_context(argv[2]);
	url = iscsi ? iscsi_parse_full_url(iscsi, argv[1]) : NULL;
	if (!url) {
		fprintf(stderr, "bad URL %s\n", argv[1]);
		return 2;
	}
	iscsi_set_noautoreconnect(iscsi, 1);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_targetname(iscsi, url->target);
	/* Connect and log in without libiscsi's TEST UNIT READY of a full connect: a
	 * path in standby answers it NOT READY, and that is what a test looks at. */
	if (iscsi_connect_sync(iscsi, url->portal) || iscsi_login_sync(iscsi)) {
		fprintf(stderr, "login: %s\n", iscsi_get_error(iscsi));
		return 2;
	}
	for (int i = 3; i < argc && !ret; i++)
		ret = run(iscsi, url->lun, argv[i]);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	return ret;
}
