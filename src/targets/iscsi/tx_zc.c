// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zero-copy sends of large Data-In batches (IORING_OP_SENDMSG_ZC, Linux 6.1).
 *
 * A zero-copy send completes twice: first when the kernel has queued the
 * bytes (the send machine goes on), then with a notification once no packet
 * refers to our pages any more (after the peer's ACK, or when the socket is
 * torn down). Until then everything the send pointed at must stay as it was,
 * or a retransmission would carry other bytes: the PDU headers, so a batch
 * that goes zero-copy has its slots copied into a set of its own, and the
 * commands' data buffers, which the commands hand over to the set
 * (scst_cmd_take_buffer) so they can end as usual, ITT free and CmdSN window
 * open, while the set keeps the memory until the notification.
 *
 * Only batches of command PDUs that end inside the batch go zero-copy: a
 * control PDU's memory or a command still sending would have to be held too.
 * A connection that closes with notifications due waits for them; a peer that
 * does not acknowledge within ISCSI_ZC_CLOSE_WAIT_MS gets a reset, which drops
 * the queued packets and so brings the notifications.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scst/log.h"
#include "iscsi_priv.h"

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static bool zc_supported;

static void probe_kernel(void)
{
	struct io_uring_probe *p = io_uring_get_probe();

	if (p) {
		zc_supported = io_uring_opcode_supported(p, IORING_OP_SENDMSG_ZC);
		io_uring_free_probe(p);
	}
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (!a || a->sa_family != b->ss_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return false;
}

/*
 * Whether the connection's local address sits on a network device with
 * hardware behind it (/sys/class/net/IF/device). Loopback, veth, bridges and
 * tap devices deliver to a socket on this host, and the kernel copies
 * zero-copy pages there (skb_orphan_frags_rx): only the cost would remain.
 */
static bool local_addr_on_nic(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ifaddrs *ifs, *i;
	char path[64 + IF_NAMESIZE];
	bool nic = false;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) || getifaddrs(&ifs))
		return false;
	for (i = ifs; i; i = i->ifa_next) {
		if (!same_addr(i->ifa_addr, &ss))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/device", i->ifa_name);
		nic = access(path, F_OK) == 0;
		break;
	}
	freeifaddrs(ifs);
	return nic;
}

bool iscsi_zc_wanted(int fd, uint32_t mode)
{
	if (mode == SCST_ISCSI_ZC_OFF)
		return false;
	pthread_once(&probe_once, probe_kernel);
	if (!zc_supported)
		return false;
	return mode == SCST_ISCSI_ZC_ON || local_addr_on_nic(fd);
}

static void zc_put_held(struct iscsi_conn *c, struct iscsi_zc_set *z)
{
	for (unsigned i = 0; i < z->nheld; i++)
		scst_cmd_buffer_put(c->r, &z->held[i]);
	z->nheld = 0;
}

/* The set's batch is sent and every notification is in: its memory is free. */
static bool zc_try_release(struct iscsi_conn *c, struct iscsi_zc_set *z)
{
	if (!z->busy || z->sending || z->notifs)
		return false;
	zc_put_held(c, z);
	z->busy = false;
	c->zc_busy--;
	return true;
}

static void zc_event(struct scst_io_cb *cb, int res, uint32_t flags)
{
	struct iscsi_zc_set *z = scst_container_of(cb, struct iscsi_zc_set, cb);
	struct iscsi_conn *c = z->conn;

	if (flags & IORING_CQE_F_NOTIF) {
		z->notifs--;
		if (zc_try_release(c, z)) {
			iscsi_tx_kick(c); /* it may have waited for a free set */
			iscsi_conn_maybe_free(c);
		}
		return;
	}
	if (flags & IORING_CQE_F_MORE)
		z->notifs++; /* a notification follows this completion */
	iscsi_tx_sent(c, res);
}

static struct iscsi_zc_set *zc_free_set(struct iscsi_conn *c)
{
	for (unsigned i = 0; i < ISCSI_ZC_SETS; i++) {
		struct iscsi_zc_set *z = c->zc_sets[i];

		if (!z) {
			z = calloc(1, sizeof(*z));
			if (!z)
				return NULL;
			z->conn = c;
			z->cb.fn = zc_event;
			c->zc_sets[i] = z;
		}
		if (!z->busy)
			return z;
	}
	return NULL;
}

/*
 * The batch tx_build just made: send it zero-copy? Then its header slots move
 * into a free set, the iovecs follow them and c->tx_zc names the set. No free set (every one waits for
 * its notification): the batch goes by copy, which needs nothing held.
 */
void iscsi_zc_prepare(struct iscsi_conn *c, unsigned slots_used)
{
	const uint8_t *lo = (const uint8_t *)c->slots, *hi = lo + sizeof(c->slots);
	struct iscsi_zc_set *z;

	if (!c->zc || c->tx_copy_only || c->tx_payload < ISCSI_ZC_MIN)
		return;
	z = zc_free_set(c);
	if (!z)
		return;
	memcpy(z->slots, c->slots, slots_used * sizeof(c->slots[0]));
	for (unsigned i = 0; i < c->tx_iov_cnt; i++) {
		const uint8_t *p = c->tx_iov[i].iov_base;

		if (p >= lo && p < hi)
			c->tx_iov[i].iov_base = (uint8_t *)z->slots + (p - lo);
	}
	z->busy = true;
	z->sending = true;
	c->zc_busy++;
	c->tx_zc = z;
}

void iscsi_zc_prep_send(struct iscsi_conn *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_sendmsg_zc(sqe, c->fd, &c->tx_msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, &c->tx_zc->cb);
}

/*
 * The zero-copy batch is completely sent (or dropped): its commands give their
 * data buffers to the set and may end now; the set keeps them until the
 * notifications are in.
 */
void iscsi_zc_batch_done(struct iscsi_conn *c)
{
	struct iscsi_zc_set *z = c->tx_zc;

	if (!z)
		return;
	for (struct iscsi_tx *t = c->done_head; t; t = t->next) {
		struct iscsi_cmd *ic;

		if (t->kind == ISCSI_TX_CTRL)
			continue; /* never in a zero-copy batch (iscsi_zc_prepare) */
		ic = scst_container_of(t, struct iscsi_cmd, tx);
		if (ic->resp_len && z->nheld < ISCSI_TX_SLOTS &&
		    scst_cmd_take_buffer(iscsi_cmd_scst(ic), &z->held[z->nheld]))
			z->nheld++;
	}
	z->sending = false;
	c->tx_zc = NULL;
	zc_try_release(c, z);
}

/* Closing with notifications due and a peer that does not acknowledge: reset. */
void iscsi_zc_tick(struct iscsi_conn *c, uint64_t now_ms)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (!c->zc_busy || c->fd < 0 || c->rx_inflight || c->rx_data_inflight || c->tx_inflight ||
	    now_ms - c->closing_ms < ISCSI_ZC_CLOSE_WAIT_MS)
		return;
	scst_log(LOG_INFO, "iscsi: %s: zero-copy data unacknowledged after %u ms: reset",
		 c->peer, ISCSI_ZC_CLOSE_WAIT_MS);
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
	c->fd = -1;
}

void iscsi_zc_free(struct iscsi_conn *c)
{
	for (unsigned i = 0; i < ISCSI_ZC_SETS; i++) {
		if (c->zc_sets[i])
			zc_put_held(c, c->zc_sets[i]);
		free(c->zc_sets[i]);
		c->zc_sets[i] = NULL;
	}
}
