/* SPDX-License-Identifier: GPL-2.0-only */
/* The handlers and drivers linked into this program, registered with the core. */
#include "scst/builtins.h"

void scst_register_builtins(void)
{
	scst_vdisk_register();
	scst_local_register();
	scst_iscsi_register();
}
