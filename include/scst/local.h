/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local target driver: in-process access to the core without a network.
 * It sends no expected transfer length unless asked, so the core derives the
 * length from the CDB, as for parallel SCSI.
 *
 * Calls run the command to completion on the calling thread's reactor (the
 * caller must be bound to one: scst_reactor_bind() or inside its loop).
 */
#ifndef SCST_LOCAL_H
#define SCST_LOCAL_H

#include "scst/target.h"

#define SCST_LOCAL_DRIVER "local"

struct scst_local_result {
	uint8_t status;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	unsigned sense_len;
	uint8_t key, asc, ascq; /* decoded from sense, 0 if none */
	uint32_t data_len; /* data-in bytes copied into the caller's buffer */
	uint32_t residual;
	bool overflow;
};

struct scst_local_session;

void scst_local_register(void);

/* Open a nexus as initiator on target (a target of the "local" driver). */
struct scst_local_session *scst_local_session_open(const char *target, const char *initiator);
void scst_local_session_close(struct scst_local_session *s);

/*
 * Execute one CDB on lun. For data-out, buf holds buflen bytes to send; for
 * data-in, up to buflen bytes are copied back. expected_len < 0: no expected
 * length (derived from the CDB); otherwise it is passed as the transport's
 * expected transfer length with direction dir. Returns 0, or -errno if the
 * command could not be run at all.
 */
int scst_local_exec(struct scst_local_session *s, uint64_t lun, const uint8_t *cdb,
		    unsigned cdb_len, enum scst_data_dir dir, void *buf, uint32_t buflen,
		    int64_t expected_len, struct scst_local_result *res);
int scst_local_exec_attr(struct scst_local_session *s, uint64_t lun, const uint8_t *cdb,
			 unsigned cdb_len, enum scst_task_attr attr, enum scst_data_dir dir,
			 void *buf, uint32_t buflen, int64_t expected_len,
			 struct scst_local_result *res);
/* Task management on the local nexus. */
enum scst_tmf_response scst_local_tmf(struct scst_local_session *s, enum scst_tmf_fn fn,
				      uint64_t lun, uint64_t tag);

#endif
