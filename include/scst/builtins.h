/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Registration entry points of the handlers and drivers built into scstd.
 * The core knows none of them; src/builtins.c calls these in order.
 */
#ifndef SCST_BUILTINS_H
#define SCST_BUILTINS_H

void scst_vdisk_register(void); /* vdisk_fileio, vdisk_blockio, vdisk_nullio */
void scst_local_register(void); /* the local target driver */
void scst_iscsi_register(void); /* the iscsi target driver */

/* All of the above. */
void scst_register_builtins(void);

#endif
