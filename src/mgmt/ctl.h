/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: a Unix stream socket served by one thread, which is
 * the daemon's management thread from the moment it starts. Protocol in
 * PROTOCOL.md: one request per connection, responses "OK <len>" + body or
 * "ERR <one line>".
 */
#ifndef SCST_MGMT_CTL_H
#define SCST_MGMT_CTL_H

#include <stddef.h>

#define SCST_CTL_DEFAULT_PATH "/run/scst/scstd.sock"
#define SCST_CTL_MAX_REQUEST (1u << 20)

/*
 * Create the socket at path (mode 0600; the directory is created, mode 0755,
 * when missing; a stale socket nobody answers on is replaced) and start the
 * control thread. Returns 0 or -errno with a one-line reason in err.
 */
int scst_ctl_start(const char *path, char *err, size_t errlen);
/* Stop the thread (after the request in progress), close and unlink the socket. */
void scst_ctl_stop(void);

/*
 * Handle one request (verb and body as on the wire) and append the response
 * body to out. Returns 0, or -errno with the one-line reason in err. Exposed
 * for tests; the control thread calls it.
 */
struct scst_sbuf;
int scst_ctl_handle(const char *verb, char *body, size_t len, struct scst_sbuf *out, char *err,
		    size_t errlen);

#endif
