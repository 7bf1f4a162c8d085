/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket server (protocol in PROTOCOL.md). One thread accepts
 * and serves connections one at a time: requests are short management
 * operations, and serving them in order makes this thread the only one that
 * changes the registry. A client that stalls is dropped after a timeout so
 * it cannot hold management up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "scst/log.h"
#include "tree.h"

#define IO_TIMEOUT_MS 5000
#define HEADER_MAX 64

static struct {
	int lfd;
	int stop_pipe[2];
	pthread_t thread;
	bool running;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} ctl = { .lfd = -1, .stop_pipe = { -1, -1 } };

/* Wait until fd is ready for events or the timeout runs out. */
static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;

		if (wait_fd(fd, POLLIN))
			return -ETIMEDOUT;
		n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		off += (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n;

		if (wait_fd(fd, POLLOUT))
			return -ETIMEDOUT;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "VERB LEN\n": read byte by byte (the header is tiny) so the body stays in the socket. */
static int read_header(int fd, char *verb, size_t vlen, size_t *len, char *err, size_t errlen)
{
	char h[HEADER_MAX + 1], *sp, *end;
	size_t n = 0;
	unsigned long long l;

	for (;;) {
		if (n == HEADER_MAX) {
			snprintf(err, errlen, "request header too long");
			return -EINVAL;
		}
		if (read_full(fd, h + n, 1)) {
			snprintf(err, errlen, "incomplete request header");
			return -EINVAL;
		}
		if (h[n] == '\n')
			break;
		n++;
	}
	h[n] = 0;
	sp = strchr(h, ' ');
	if (!sp || sp == h || (size_t)(sp - h) >= vlen) {
		snprintf(err, errlen, "bad request header: expected 'VERB LENGTH'");
		return -EINVAL;
	}
	*sp = 0;
	errno = 0;
	if (sp[1] < '0' || sp[1] > '9' || (l = strtoull(sp + 1, &end, 10), errno || *end)) {
		snprintf(err, errlen, "bad request length");
		return -EINVAL;
	}
	if (l > SCST_CTL_MAX_REQUEST) {
		snprintf(err, errlen, "request too large: %llu bytes, at most %u", l,
			 SCST_CTL_MAX_REQUEST);
		return -E2BIG;
	}
	memcpy(verb, h, (size_t)(sp - h) + 1);
	*len = (size_t)l;
	return 0;
}

/* Split "FIRST\nREST" in place; rest is "" when there is no newline. */
static char *split_line(char *body, char **restp)
{
	char *nl = strchr(body, '\n');

	if (nl) {
		*nl = 0;
		*restp = nl + 1;
	} else {
		*restp = body + strlen(body);
	}
	return body;
}

static int do_save(struct scst_sbuf *out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int ret;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = scst_conf_save(f);
	fclose(f);
	if (!ret)
		scst_sbuf_add(out, text, size);
	else
		snprintf(err, errlen, "cannot write the configuration: %s", strerror(-ret));
	free(text);
	return ret;
}

int scst_ctl_handle(const char *verb, char *body, size_t len, struct scst_sbuf *out, char *err,
		    size_t errlen)
{
	char *rest;

	if (memchr(body, 0, len)) {
		snprintf(err, errlen, "request body contains a NUL byte");
		return -EINVAL;
	}
	if (!strcmp(verb, "ls") || !strcmp(verb, "ls-R"))
		return scst_tree_ls(body, verb[2] != 0, out, err, errlen);
	if (!strcmp(verb, "get"))
		return scst_tree_get(body, out, err, errlen);
	if (!strcmp(verb, "set") || !strcmp(verb, "mgmt")) {
		char *path = split_line(body, &rest);

		if (verb[0] == 's')
			return scst_tree_set(path, rest, err, errlen);
		return scst_tree_mgmt(path, rest, err, errlen);
	}
	if (!strcmp(verb, "sessions"))
		return scst_tree_sessions(out);
	if (!strcmp(verb, "save"))
		return do_save(out, err, errlen);
	if (!strcmp(verb, "apply") || !strcmp(verb, "check")) {
		char *name = split_line(body, &rest);
		int ret = scst_conf_apply_string(rest, *name ? name : "(stdin)", verb[0] == 'a',
						 err, errlen);

		if (!ret)
			scst_sbuf_printf(out, "%s\n", verb[0] == 'a' ? "applied" : "valid");
		return ret;
	}
	snprintf(err, errlen, "unknown request '%s'", verb);
	return -EINVAL;
}

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static void serve(int fd)
{
	char verb[32], err[1024] = "", hdr[48];
	struct scst_sbuf out = { 0 };
	size_t len = 0;
	char *body = NULL;
	int ret;

	ret = read_header(fd, verb, sizeof(verb), &len, err, sizeof(err));
	if (!ret) {
		body = malloc(len + 1);
		if (!body) {
			snprintf(err, sizeof(err), "out of memory");
			ret = -ENOMEM;
		} else if (read_full(fd, body, len)) {
			snprintf(err, sizeof(err), "incomplete request body");
			ret = -EINVAL;
		} else {
			body[len] = 0;
			ret = scst_ctl_handle(verb, body, len, &out, err, sizeof(err));
			if (!ret && out.oom) {
				snprintf(err, sizeof(err), "out of memory");
				ret = -ENOMEM;
			}
		}
	}
	if (ret) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-ret));
		char line[sizeof(err) + 8];

		one_line(err);
		/* One write: a client reading once gets the whole line. */
		snprintf(line, sizeof(line), "ERR %s\n", err);
		write_full(fd, line, strlen(line));
	} else {
		snprintf(hdr, sizeof(hdr), "OK %zu\n", out.len);
		if (!write_full(fd, hdr, strlen(hdr)) && out.len)
			write_full(fd, out.p, out.len);
	}
	free(body);
	scst_sbuf_free(&out);
}

static void *ctl_thread(void *arg)
{
	struct pollfd p[2] = {
		{ .fd = ctl.lfd, .events = POLLIN },
		{ .fd = ctl.stop_pipe[0], .events = POLLIN },
	};

	for (;;) {
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			scst_err("control socket: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(ctl.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
	return NULL;
}

/* mkdir -p for the socket's directory. */
static int make_dirs(const char *path)
{
	char buf[sizeof(ctl.path)];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int scst_ctl_start(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ret = make_dirs(path);
	if (ret) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", path, strerror(-ret));
		return ret;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto sys_fail;
	/* A socket file nobody answers on is left over from a daemon that died: replace it. */
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		snprintf(err, errlen, "%s: another scstd is serving this socket", path);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED)
		unlink(path);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto sys_fail;
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(path, 0600) || listen(fd, 16)) {
		ret = -errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (pipe2(ctl.stop_pipe, O_CLOEXEC)) {
		ret = -errno;
		close(fd);
		unlink(path);
		snprintf(err, errlen, "pipe: %s", strerror(-ret));
		return ret;
	}
	ctl.lfd = fd;
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	ret = pthread_create(&ctl.thread, NULL, ctl_thread, NULL);
	if (ret) {
		scst_ctl_stop();
		snprintf(err, errlen, "cannot start the control thread: %s", strerror(ret));
		return -ret;
	}
	ctl.running = true;
	return 0;
sys_fail:
	ret = -errno;
	snprintf(err, errlen, "socket: %s", strerror(-ret));
	return ret;
}

void scst_ctl_stop(void)
{
	if (ctl.running) {
		if (write(ctl.stop_pipe[1], "x", 1) < 0)
			scst_err("control socket: cannot stop its thread: %s", strerror(errno));
		pthread_join(ctl.thread, NULL);
		ctl.running = false;
	}
	for (int i = 0; i < 2; i++) {
		if (ctl.stop_pipe[i] >= 0)
			close(ctl.stop_pipe[i]);
		ctl.stop_pipe[i] = -1;
	}
	if (ctl.lfd >= 0) {
		close(ctl.lfd);
		unlink(ctl.path);
		ctl.lfd = -1;
	}
}
