/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistent reservations (SPC-4 5.13): the per-device state shared by
 * pr.c (the commands and the conflict check) and pr_file.c (the state file).
 * Everything here is guarded by dev->lock.
 */
#ifndef SCST_CORE_PR_H
#define SCST_CORE_PR_H

#include "core_priv.h"

/* Reservation types (SPC-4 6.16.2 table). */
enum {
	PR_TYPE_NONE = 0,
	PR_TYPE_WE = 1, /* write exclusive */
	PR_TYPE_EA = 3, /* exclusive access */
	PR_TYPE_WE_RO = 5, /* write exclusive, registrants only */
	PR_TYPE_EA_RO = 6, /* exclusive access, registrants only */
	PR_TYPE_WE_AR = 7, /* write exclusive, all registrants */
	PR_TYPE_EA_AR = 8, /* exclusive access, all registrants */
};

/* One registration: an I_T nexus (initiator port, target port) and its key. */
struct scst_pr_reg {
	uint64_t key;
	char iport[SCST_MAX_NAME + 32]; /* "iqn...,i,0x<isid>" */
	uint16_t rel_tgt_id; /* the target port; any port when all_tg_pt */
	bool all_tg_pt;
	struct scst_pr_reg *next;
};

struct scst_pr {
	uint32_t generation;
	bool aptpl; /* persist through power loss (restart) */
	uint8_t type; /* PR_TYPE_NONE when not reserved */
	struct scst_pr_reg *holder; /* for the all-registrants types: any registrant */
	struct scst_pr_reg *regs;
};

static inline bool pr_type_all_regs(uint8_t type)
{
	return type == PR_TYPE_WE_AR || type == PR_TYPE_EA_AR;
}

/* pr_file.c: write the state atomically (temp, fsync, rename, fsync dir); 0 or -errno. */
int scst_pr_file_save(const struct scst_device *dev, const struct scst_pr *pr);
/* Read the state file of dev into pr (zeroed first). 0, -ENOENT, or -EINVAL with a reason. */
int scst_pr_file_load(const struct scst_device *dev, struct scst_pr *pr, char *err, size_t errlen);
void scst_pr_regs_free(struct scst_pr *pr);
/* The state directory, NULL when persistence is off. */
const char *scst_pr_state_dir(void);

#endif
