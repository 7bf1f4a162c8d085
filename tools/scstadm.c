/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scstadm: the admin CLI. It talks to scstd only through the control socket
 * protocol (DESIGN.md "Management"); `check` validates a file offline.
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: scstadm [-s SOCKET] ls|get|set|mgmt|apply|save|check|sessions ...\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	fprintf(stderr, "scstadm: the control socket arrives with the management issue; "
			"'%s' is not available in this build\n", argv[1]);
	return 2;
}
