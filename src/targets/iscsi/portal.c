// SPDX-License-Identifier: GPL-2.0-only
/*
 * Listening portals. One small accept thread polls every listening socket;
 * each accepted connection is handed to a reactor (scst_core_pick_reactor,
 * round-robin) with scst_reactor_post(), and from then on lives there. The
 * accept thread never touches a connection after the hand-off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "scst/core.h"
#include "scst/log.h"
#include "iscsi_priv.h"

#define MAX_PORTALS 64

struct portal {
	int fd;
	char addr[64]; /* as given, normalised */
	struct portal *next;
};

static pthread_mutex_t portal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct portal *portals;
static pthread_t accept_thread;
static bool thread_running;
static int wake_pipe[2] = { -1, -1 };
static volatile bool stop_accept;

struct accepted {
	int fd;
	struct iscsi_portal_info info;
	char peer[64];
};

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
	}
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	unsigned long p = 3260;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (!e)
			return -EINVAL;
		hl = (size_t)(e - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (e[1] == ':')
			port = e + 2;
		else if (e[1])
			return -EINVAL;
	} else {
		const char *colon = strrchr(s, ':');

		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host) || (colon && strchr(s, ':') != colon))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = 0;
		if (colon)
			port = colon + 1;
	}
	if (port) {
		char *end;

		p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535)
			return -EINVAL;
	}
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (void *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		*sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (void *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		*sl = sizeof(*a);
	}
	return 0;
}

static void start_conn(void *arg)
{
	struct accepted *a = arg;

	iscsi_conn_start(a->fd, &a->info, a->peer);
	free(a);
}

static void handle_accept(int lfd)
{
	struct sockaddr_storage peer, local;
	socklen_t pl = sizeof(peer), ll = sizeof(local);
	struct scst_reactor *r;
	struct accepted *a;
	int one = 1;
	int fd = accept4(lfd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	a = calloc(1, sizeof(*a));
	r = scst_core_pick_reactor();
	if (!a || !r || getsockname(fd, (struct sockaddr *)&local, &ll)) {
		free(a);
		close(fd);
		return;
	}
	a->fd = fd;
	/* What the initiator reached, for TargetAddress and SendTargets. */
	format_addr(&local, a->info.addr, sizeof(a->info.addr));
	a->info.tpgt = 1;
	format_addr(&peer, a->peer, sizeof(a->peer));
	if (scst_reactor_post(r, start_conn, a)) {
		free(a);
		close(fd);
	}
}

static void *accept_main(void *arg)
{
	struct pollfd pfd[MAX_PORTALS + 1];

	while (!stop_accept) {
		unsigned n = 0;

		pfd[n++] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
		pthread_mutex_lock(&portal_lock);
		for (struct portal *p = portals; p && n < SCST_ARRAY_SIZE(pfd); p = p->next)
			pfd[n++] = (struct pollfd){ .fd = p->fd, .events = POLLIN };
		pthread_mutex_unlock(&portal_lock);
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents) {
			char buf[64];

			while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
				;
			continue; /* the portal list changed: its fds may be closed */
		}
		for (unsigned i = 1; i < n; i++)
			if (pfd[i].revents & POLLIN)
				handle_accept(pfd[i].fd);
	}
	return NULL;
}

static void wake(void)
{
	if (wake_pipe[1] >= 0) {
		ssize_t r = write(wake_pipe[1], "w", 1);

		(void)r;
	}
}

static int ensure_thread(void)
{
	if (thread_running)
		return 0;
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	stop_accept = false;
	if (pthread_create(&accept_thread, NULL, accept_main, NULL))
		return -EAGAIN;
	thread_running = true;
	return 0;
}

int scst_iscsi_portal_add(const char *addr_port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct portal *p;
	char norm[64];
	unsigned count = 0;
	int one = 1, fd, rc;

	if (!addr_port || parse_addr(addr_port, &ss, &sl)) {
		snprintf(err, errlen, "bad portal address '%s' (want ip:port or [ip6]:port)",
			 addr_port ? addr_port : "");
		return -EINVAL;
	}
	format_addr(&ss, norm, sizeof(norm));
	pthread_mutex_lock(&portal_lock);
	for (p = portals; p; p = p->next, count++) {
		if (!strcmp(p->addr, norm)) {
			pthread_mutex_unlock(&portal_lock);
			snprintf(err, errlen, "portal %s exists", norm);
			return -EEXIST;
		}
	}
	pthread_mutex_unlock(&portal_lock);
	if (count >= MAX_PORTALS) {
		snprintf(err, errlen, "too many portals");
		return -ENOSPC;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 128)) {
		rc = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", norm, strerror(errno));
		close(fd);
		return rc;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->fd = fd;
	snprintf(p->addr, sizeof(p->addr), "%s", norm);
	pthread_mutex_lock(&portal_lock);
	rc = ensure_thread();
	if (rc) {
		pthread_mutex_unlock(&portal_lock);
		close(fd);
		free(p);
		snprintf(err, errlen, "cannot start the accept thread");
		return rc;
	}
	p->next = portals;
	portals = p;
	pthread_mutex_unlock(&portal_lock);
	wake();
	scst_log(LOG_INFO, "iscsi: listening on %s", norm);
	return 0;
}

static void stop_thread(void)
{
	if (!thread_running)
		return;
	stop_accept = true;
	wake();
	pthread_join(accept_thread, NULL);
	thread_running = false;
}

int scst_iscsi_portal_del(const char *addr_port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct portal **pp, *p = NULL;
	char norm[64];

	if (!addr_port || parse_addr(addr_port, &ss, &sl)) {
		snprintf(err, errlen, "bad portal address '%s'", addr_port ? addr_port : "");
		return -EINVAL;
	}
	format_addr(&ss, norm, sizeof(norm));
	pthread_mutex_lock(&portal_lock);
	for (pp = &portals; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->addr, norm)) {
			p = *pp;
			*pp = p->next;
			break;
		}
	}
	pthread_mutex_unlock(&portal_lock);
	if (!p) {
		snprintf(err, errlen, "no portal %s", norm);
		return -ENOENT;
	}
	/* The accept thread may be polling this fd: stop it before closing. */
	stop_thread();
	close(p->fd);
	free(p);
	pthread_mutex_lock(&portal_lock);
	if (portals)
		ensure_thread();
	pthread_mutex_unlock(&portal_lock);
	return 0;
}

void scst_iscsi_portals_close(void)
{
	struct portal *list;

	stop_thread();
	pthread_mutex_lock(&portal_lock);
	list = portals;
	portals = NULL;
	pthread_mutex_unlock(&portal_lock);
	while (list) {
		struct portal *p = list;

		list = p->next;
		close(p->fd);
		free(p);
	}
}
