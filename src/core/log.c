/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "scst/log.h"

static bool use_syslog;
static int max_level = LOG_INFO;

void scst_log_to_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = true;
}

void scst_log_set_level(int level)
{
	max_level = level;
}

void scst_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		/* One write per line keeps lines whole when reactors log at once. */
		fprintf(stderr, "scstd: %s: %s\n", names[level & 7], line);
	}
	va_end(ap);
}

int scst_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}
