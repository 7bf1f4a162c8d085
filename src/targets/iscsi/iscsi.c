// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iscsi target template: registration with the core, defaults,
 * TransportIDs for persistent reservations, and shutdown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "scst/builtins.h"
#include "scst/log.h"
#include "iscsi_priv.h"

struct scst_iscsi_limits iscsi_limits = {
	.max_recv_dsl = ISCSI_DEF_MAX_RECV_DSL,
	.max_burst = ISCSI_DEF_MAX_BURST,
	.first_burst = ISCSI_DEF_FIRST_BURST,
	.max_outstanding_r2t = ISCSI_DEF_MAX_OUTSTANDING_R2T,
	.queue_depth = 128,
	.nop_interval_ms = 5000,
	.nop_timeout_ms = 10000,
	.login_timeout_ms = 30000,
	.zerocopy = SCST_ISCSI_ZC_AUTO,
};

void scst_iscsi_set_limits(const struct scst_iscsi_limits *l)
{
	pthread_mutex_lock(&iscsi_global_lock);
	if (l->max_recv_dsl)
		iscsi_limits.max_recv_dsl = l->max_recv_dsl < 512 ? 512 :
					    l->max_recv_dsl > 16777215 ? 16777215 :
									 l->max_recv_dsl;
	if (l->max_burst)
		iscsi_limits.max_burst = l->max_burst < 512 ? 512 : l->max_burst;
	if (l->first_burst)
		iscsi_limits.first_burst = l->first_burst < 512 ? 512 : l->first_burst;
	if (iscsi_limits.first_burst > iscsi_limits.max_burst)
		iscsi_limits.first_burst = iscsi_limits.max_burst; /* RFC 7143 13.14 */
	if (l->max_outstanding_r2t)
		iscsi_limits.max_outstanding_r2t =
			l->max_outstanding_r2t > 65535 ? 65535 : l->max_outstanding_r2t;
	if (l->queue_depth)
		iscsi_limits.queue_depth = l->queue_depth > 1024 ? 1024 : l->queue_depth;
	if (l->nop_interval_ms)
		iscsi_limits.nop_interval_ms = l->nop_interval_ms;
	if (l->nop_timeout_ms)
		iscsi_limits.nop_timeout_ms = l->nop_timeout_ms;
	if (l->login_timeout_ms)
		iscsi_limits.login_timeout_ms = l->login_timeout_ms;
	if (l->zerocopy >= SCST_ISCSI_ZC_AUTO && l->zerocopy <= SCST_ISCSI_ZC_OFF)
		iscsi_limits.zerocopy = l->zerocopy;
	pthread_mutex_unlock(&iscsi_global_lock);
}

void scst_iscsi_get_limits(struct scst_iscsi_limits *l)
{
	pthread_mutex_lock(&iscsi_global_lock);
	*l = iscsi_limits;
	pthread_mutex_unlock(&iscsi_global_lock);
}

/* SPC-4 7.6.4.6: iSCSI TransportID, initiator port format ("name,i,0xISID"). */
static size_t iscsi_transport_id(struct scst_session *sess, uint8_t *buf, size_t len)
{
	struct iscsi_conn *c = scst_session_tgt_priv(sess);
	char name[ISCSI_MAX_NAME + 32];
	const uint8_t *isid;
	size_t n, total;

	if (!c || !c->login)
		return 0;
	isid = iscsi_login_isid(c->login);
	snprintf(name, sizeof(name), "%s,i,0x%02x%02x%02x%02x%02x%02x",
		 iscsi_login_initiator_name(c->login), isid[0], isid[1], isid[2], isid[3],
		 isid[4], isid[5]);
	n = strlen(name) + 1;
	n = (n + 3) & ~(size_t)3;
	if (n < 20)
		n = 20;
	total = 4 + n;
	if (total > len)
		return 0;
	memset(buf, 0, total);
	buf[0] = 0x40 | 0x05; /* FORMAT CODE 01b, PROTOCOL IDENTIFIER iSCSI */
	scst_put_be16(buf + 2, (uint16_t)n);
	memcpy(buf + 4, name, strlen(name));
	return total;
}

static const struct scst_tgt_template iscsi_template = {
	.name = "iscsi",
	.cmd_priv_size = sizeof(struct iscsi_cmd),
	.rdy_to_xfer = iscsi_rdy_to_xfer,
	.xmit_response = iscsi_xmit_response,
	.on_free_cmd = iscsi_on_free_cmd,
	.task_mgmt_done = iscsi_task_mgmt_done,
	.transport_id = iscsi_transport_id,
};

void scst_iscsi_register(void)
{
	if (scst_register_target_template(&iscsi_template))
		scst_log(LOG_ERR, "iscsi: cannot register the target template");
}

void scst_iscsi_set_discovery_auth(const char *incoming, const char *outgoing)
{
	iscsi_discovery_auth_set(incoming, outgoing);
}

unsigned scst_iscsi_conn_count(void)
{
	return iscsi_conn_count();
}

static void close_one(struct iscsi_conn *c, void *arg)
{
	iscsi_conn_post_close_locked(c);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int scst_iscsi_shutdown_wait(unsigned timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	scst_iscsi_portals_close();
	pthread_mutex_lock(&iscsi_global_lock);
	iscsi_conn_for_each_locked(close_one, NULL);
	pthread_mutex_unlock(&iscsi_global_lock);
	while (iscsi_conn_count()) {
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
	return 0;
}
