/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scstd: the daemon. Loads a configuration (scst.conf grammar), starts the
 * reactors, listens on the iSCSI portals, and stops cleanly on SIGTERM or
 * SIGINT: connections are closed, in-flight commands finish, and backing
 * files are synced as their devices are detached.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "conf.h"
#include "ctl.h"
#include "scst/builtins.h"
#include "scst/core.h"
#include "scst/iscsi.h"
#include "scst/log.h"
#include "scst/reactor.h"

#define DEFAULT_TARGET "iqn.2026-11.org.scst:default"
#define DEFAULT_FILE "/var/tmp/scst-default.img"
#define MAX_PORTALS 16
#define SHUTDOWN_TIMEOUT_MS 30000

/* The built-in configuration of `make run`: a sparse-file LUN and a null LUN. */
static const char default_conf_fmt[] =
	"HANDLER vdisk_fileio {\n"
	"\tDEVICE disk0 {\n"
	"\t\tfilename %s\n"
	"\t\tsize 1073741824\n"
	"\t}\n"
	"}\n"
	"HANDLER vdisk_nullio {\n"
	"\tDEVICE null0 {\n"
	"\t\tsize 1073741824\n"
	"\t}\n"
	"}\n"
	"TARGET_DRIVER iscsi {\n"
	"\tTARGET " DEFAULT_TARGET " {\n"
	"\t\tLUN 0 disk0\n"
	"\t\tLUN 1 null0\n"
	"\t\tenabled 1\n"
	"\t}\n"
	"}\n";

/* Persistent reservations with APTPL are kept here (one file per device). */
#define DEFAULT_STATE_DIR "/var/lib/scst"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: scstd (-c FILE | --default [--default-file PATH]) [-f] [--portal ADDR:PORT]...\n"
		"             [--threads N] [--poll-us US | --coalesce-us US] [--control SOCKET]\n"
		"             [--zerocopy auto|on|off] [--state-dir DIR] [--debug]\n"
		"  -c, --config FILE     load FILE (scst.conf grammar)\n"
		"      --default         built-in configuration: target " DEFAULT_TARGET "\n"
		"                        with LUN 0 on a sparse 1 GiB file and LUN 1 on vdisk_nullio\n"
		"      --default-file P  backing file of the default LUN 0 (" DEFAULT_FILE ")\n"
		"  -f, --foreground      stay in the foreground and log to stderr\n"
		"  -p, --portal A:P      listen on A:P (repeatable; default 0.0.0.0:3260; [::1]:3260 for IPv6)\n"
		"  -t, --threads N       reactor threads (default: one per CPU)\n"
		"      --poll-us US      a reactor spins up to US microseconds for work before it\n"
		"                        sleeps (default 0): for reactors with CPUs of their own\n"
		"      --coalesce-us US  a reactor waiting only on initiators gathers their\n"
		"                        commands for up to US microseconds before it wakes\n"
		"                        (default 0): less CPU per command under load, for up to\n"
		"                        US of latency; needs Linux 6.12\n"
		"      --zerocopy MODE   zero-copy sends of large Data-In (64 KiB and more in\n"
		"                        one send): auto (default: on connections over a NIC,\n"
		"                        not over loopback, veth or bridges), on or off\n"
		"  -s, --control SOCKET  scstadm's control socket (" SCST_CTL_DEFAULT_PATH ")\n"
		"      --state-dir DIR   persistent reservation state files (" DEFAULT_STATE_DIR ")\n"
		"  -d, --debug           log debug messages\n");
}

static void print_connect_help(const char *portal)
{
	char host[64];
	const char *colon = strrchr(portal, ':');
	size_t n = colon ? (size_t)(colon - portal) : strlen(portal);

	snprintf(host, sizeof(host), "%.*s", (int)n, portal);
	printf("\nscstd is serving target %s on %s\n"
	       "  LUN 0: vdisk_fileio, 1 GiB sparse file\n"
	       "  LUN 1: vdisk_nullio, 1 GiB (reads zeros, drops writes)\n\n"
	       "Use it from Linux (open-iscsi):\n"
	       "  iscsiadm -m discovery -t sendtargets -p %s\n"
	       "  iscsiadm -m node -T %s -p %s --login\n"
	       "From QEMU:\n"
	       "  qemu-img info iscsi://%s/%s/0\n"
	       "With libiscsi's tools:\n"
	       "  iscsi-ls -s iscsi://%s\n"
	       "  iscsi-inq iscsi://%s/%s/0\n\n"
	       "Stop with Ctrl-C.\n\n",
	       DEFAULT_TARGET, portal, portal, DEFAULT_TARGET, portal, portal, DEFAULT_TARGET,
	       portal, portal, DEFAULT_TARGET);
	(void)host;
	fflush(stdout);
}

/* A number of microseconds, 0 to 1000000; anything else is one line and exit 2. */
static int parse_us(const char *opt, const char *arg, unsigned *us)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || v > 1000000) {
		fprintf(stderr, "scstd: %s: a number of microseconds up to 1000000\n", opt);
		return -1;
	}
	*us = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "default", no_argument, NULL, 'D' },
		{ "default-file", required_argument, NULL, 'F' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "portal", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "poll-us", required_argument, NULL, 'P' },
		{ "coalesce-us", required_argument, NULL, 'C' },
		{ "zerocopy", required_argument, NULL, 'Z' },
		{ "control", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *default_file = DEFAULT_FILE, *control = NULL;
	const char *state_dir = NULL;
	const char *portals[MAX_PORTALS];
	unsigned nr_portals = 0, threads = 0, poll_us = 0, coalesce_us = 0;
	struct scst_iscsi_limits iscsi_set = { 0 };
	bool use_default = false, foreground = false;
	char err[512];
	sigset_t sigs;
	int c, sig, ret;

	while ((c = getopt_long(argc, argv, "c:fp:t:s:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'D':
			use_default = true;
			break;
		case 'F':
			default_file = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'p':
			if (nr_portals == MAX_PORTALS) {
				fprintf(stderr, "scstd: at most %d portals\n", MAX_PORTALS);
				return 2;
			}
			portals[nr_portals++] = optarg;
			break;
		case 't':
			threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			if (parse_us("--poll-us", optarg, &poll_us))
				return 2;
			break;
		case 'C':
			if (parse_us("--coalesce-us", optarg, &coalesce_us))
				return 2;
			break;
		case 'Z':
			if (!strcmp(optarg, "auto"))
				iscsi_set.zerocopy = SCST_ISCSI_ZC_AUTO;
			else if (!strcmp(optarg, "on"))
				iscsi_set.zerocopy = SCST_ISCSI_ZC_ON;
			else if (!strcmp(optarg, "off"))
				iscsi_set.zerocopy = SCST_ISCSI_ZC_OFF;
			else {
				fprintf(stderr, "scstd: --zerocopy: auto, on or off\n");
				return 2;
			}
			break;
		case 's':
			control = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'd':
			scst_log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (!config && !use_default) || (config && use_default)) {
		usage(stderr);
		return 2;
	}
	if (poll_us && coalesce_us) {
		/* A spinning reactor never sleeps, so it has no wait to stretch. */
		fprintf(stderr, "scstd: --poll-us and --coalesce-us exclude each other\n");
		return 2;
	}
	if (!nr_portals)
		portals[nr_portals++] = "0.0.0.0:3260";
	if (!foreground) {
		if (daemon(0, 0)) {
			perror("scstd: daemon");
			return 1;
		}
		scst_log_to_syslog("scstd");
	}

	/* Reactor threads inherit this mask; only the main thread takes signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* We may serve the host we run on: do not recurse into our own writeback. */
	prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);

	/* A directory asked for must work; without one, the default is tried and
	 * persistent reservations then only refuse APTPL if it cannot be made. */
	ret = scst_set_state_dir(state_dir ? state_dir : DEFAULT_STATE_DIR);
	if (ret && state_dir) {
		fprintf(stderr, "scstd: state directory %s: %s\n", state_dir, strerror(-ret));
		return 1;
	}
	if (ret)
		scst_warn("state directory %s: %s; APTPL persistent reservations are refused",
			  DEFAULT_STATE_DIR, strerror(-ret));
	scst_reactor_set_poll_us(poll_us);
	scst_reactor_set_coalesce_us(coalesce_us);
	ret = scst_core_init(threads);
	if (ret) {
		scst_err("cannot start the core: %s", strerror(-ret));
		return 1;
	}
	scst_register_builtins();
	scst_iscsi_set_limits(&iscsi_set); /* zeros keep the defaults */
	if (use_default) {
		char text[sizeof(default_conf_fmt) + 4096];

		snprintf(text, sizeof(text), default_conf_fmt, default_file);
		ret = scst_conf_load_string(text, "built-in default", err, sizeof(err));
	} else {
		ret = scst_conf_load_file(config, err, sizeof(err));
	}
	if (ret) {
		scst_err("%s", err);
		scst_core_exit();
		return 1;
	}
	ret = scst_core_start_reactors();
	if (ret) {
		scst_err("cannot start reactors: %s", strerror(-ret));
		scst_core_exit();
		return 1;
	}
	for (unsigned i = 0; i < nr_portals; i++) {
		if (scst_iscsi_portal_add(portals[i], err, sizeof(err))) {
			scst_err("portal %s: %s", portals[i], err);
			scst_iscsi_portals_close();
			scst_core_exit();
			return 1;
		}
		scst_notice("listening on %s", portals[i]);
	}
	/*
	 * From here the control thread is the management thread (src/core/OWNERSHIP.md).
	 * A socket asked for with --control must open; the default one may be taken by
	 * another scstd or not be writable for this user: then run without it.
	 */
	if (scst_ctl_start(control ? control : SCST_CTL_DEFAULT_PATH, err, sizeof(err))) {
		if (!control) {
			scst_warn("control socket: %s; scstadm cannot reach this daemon", err);
			goto serve;
		}
		scst_err("control socket: %s", err);
		scst_iscsi_portals_close();
		scst_iscsi_shutdown_wait(SHUTDOWN_TIMEOUT_MS);
		scst_core_exit();
		return 1;
	}
	scst_notice("control socket %s", control ? control : SCST_CTL_DEFAULT_PATH);
serve:
	if (use_default && foreground)
		print_connect_help(portals[0]);

	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGHUP)
			continue; /* reload is `scstadm apply`, not a signal */
		break;
	}
	scst_notice("signal %d: shutting down", sig);
	scst_ctl_stop();
	scst_iscsi_portals_close();
	scst_iscsi_shutdown_wait(SHUTDOWN_TIMEOUT_MS);
	/* Devices are detached (and their files synced) as the core exits. */
	scst_core_exit();
	scst_notice("stopped");
	return 0;
}
