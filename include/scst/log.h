/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging for every part of scst: to stderr when scstd runs in the
 * foreground (and in tests), to syslog otherwise. Never log secrets.
 */
#ifndef SCST_LOG_H
#define SCST_LOG_H

#include <syslog.h>

/* level is a syslog priority (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG). */
void scst_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void scst_log_to_syslog(const char *ident);
void scst_log_set_level(int max_level);

/*
 * Write a one-line reason into err (if given) and return ret: the way every
 * management call and attach() reports why it refused.
 */
int scst_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define scst_err(...) scst_log(LOG_ERR, __VA_ARGS__)
#define scst_warn(...) scst_log(LOG_WARNING, __VA_ARGS__)
#define scst_notice(...) scst_log(LOG_NOTICE, __VA_ARGS__)
#define scst_info(...) scst_log(LOG_INFO, __VA_ARGS__)
#define scst_dbg(...) scst_log(LOG_DEBUG, __VA_ARGS__)

#endif
