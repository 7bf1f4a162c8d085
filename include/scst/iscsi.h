/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The iSCSI target driver's portal API, for the daemon: listening addresses,
 * default limits and shutdown. Targets themselves are added through the core
 * (scst_target_add("iscsi", "iqn...", ...)).
 *
 * Threads: call these from the management thread. The reactors must be
 * running (scst_core_start_reactors()) for connections to be served.
 */
#ifndef SCST_ISCSI_H
#define SCST_ISCSI_H

#include <stddef.h>
#include <stdint.h>

/* Defaults a portal offers at login, and connection policy. 0 keeps a field's default. */
struct scst_iscsi_limits {
	uint32_t max_recv_dsl; /* MaxRecvDataSegmentLength we declare; default 262144 */
	uint32_t max_burst; /* MaxBurstLength; default 1048576 */
	uint32_t first_burst; /* FirstBurstLength; default 262144 */
	uint32_t max_outstanding_r2t; /* default 32 */
	uint32_t queue_depth; /* CmdSN window per session; default 128, at most 1024 */
	uint32_t nop_interval_ms; /* idle time before a NOP-In ping; default 5000 */
	uint32_t nop_timeout_ms; /* no answer for this long: the initiator is gone; 10000 */
	uint32_t login_timeout_ms; /* login must finish within; default 30000 */
	uint32_t zerocopy; /* zero-copy Data-In sends: SCST_ISCSI_ZC_*; 0 keeps the setting */
};

/*
 * Zero-copy sends (IORING_OP_SENDMSG_ZC) for batches of Data-In of at least
 * 64 KiB. AUTO (the default) uses them on connections whose local address is
 * on a network device with hardware behind it: loopback, veth, bridges and tap
 * devices deliver to a socket on this host, where the kernel copies the pages
 * anyway, so zero-copy would only add the cost of its notifications.
 */
enum {
	SCST_ISCSI_ZC_AUTO = 1,
	SCST_ISCSI_ZC_ON,
	SCST_ISCSI_ZC_OFF,
};

/* Set defaults for connections accepted from now on. */
void scst_iscsi_set_limits(const struct scst_iscsi_limits *l);
void scst_iscsi_get_limits(struct scst_iscsi_limits *l);

/*
 * Listen on "127.0.0.1:3260", "[::1]:3260", "0.0.0.0:3260" or "[::]:3260"
 * (port defaults to 3260). IPv6 sockets are IPV6_V6ONLY. Returns 0 or
 * -errno with a one-line reason in err.
 */
int scst_iscsi_portal_add(const char *addr_port, char *err, size_t errlen);
int scst_iscsi_portal_del(const char *addr_port, char *err, size_t errlen);
/* Stop listening on every portal; established connections stay. */
void scst_iscsi_portals_close(void);

/*
 * For SIGTERM: stop listening, close every connection (their sessions are
 * unregistered, so in-flight commands finish or are aborted by the core) and
 * wait until all are freed or timeout_ms passed. Returns 0, or -ETIMEDOUT.
 */
int scst_iscsi_shutdown_wait(unsigned timeout_ms);

/*
 * CHAP for discovery sessions on every portal: incoming "name secret" (several
 * separated by ';'), outgoing "name secret" for mutual CHAP; NULL or "" clears.
 */
void scst_iscsi_set_discovery_auth(const char *incoming, const char *outgoing);

/* Live iSCSI connections (all sessions, including discovery). */
unsigned scst_iscsi_conn_count(void);

#endif
