/* SPDX-License-Identifier: GPL-2.0-only */
/* Core start-up: the reactors and their threads. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core_priv.h"

#define RING_ENTRIES 1024

static struct scst_reactor **reactors;
static pthread_t *threads;
static unsigned nr_reactors;
static bool running;
static atomic_uint next_pick;

int scst_core_init(unsigned n)
{
	if (reactors)
		return -EALREADY;
	if (!n) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	reactors = calloc(n, sizeof(*reactors));
	threads = calloc(n, sizeof(*threads));
	if (!reactors || !threads)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		reactors[i] = scst_reactor_create(i, RING_ENTRIES);
		if (!reactors[i])
			goto fail;
		nr_reactors = i + 1;
	}
	return 0;
fail:
	scst_core_exit();
	return -ENOMEM;
}

unsigned scst_core_nr_reactors(void)
{
	return nr_reactors;
}

struct scst_reactor *scst_core_reactor(unsigned i)
{
	return i < nr_reactors ? reactors[i] : NULL;
}

struct scst_reactor *scst_core_pick_reactor(void)
{
	/* Round-robin spreads the connections of one target over all reactors. */
	return reactors[atomic_fetch_add(&next_pick, 1) % nr_reactors];
}

static void *reactor_thread(void *arg)
{
	scst_reactor_run(arg);
	return NULL;
}

int scst_core_start_reactors(void)
{
	for (unsigned i = 0; i < nr_reactors; i++) {
		int ret = pthread_create(&threads[i], NULL, reactor_thread, reactors[i]);

		if (ret) {
			for (unsigned j = 0; j < i; j++) {
				scst_reactor_stop(reactors[j]);
				pthread_join(threads[j], NULL);
			}
			return -ret;
		}
	}
	running = true;
	return 0;
}

void scst_core_stop_reactors(void)
{
	if (!running)
		return;
	for (unsigned i = 0; i < nr_reactors; i++)
		scst_reactor_stop(reactors[i]);
	for (unsigned i = 0; i < nr_reactors; i++)
		pthread_join(threads[i], NULL);
	running = false;
}

void scst_core_exit(void)
{
	char err[128];

	scst_core_stop_reactors();
	/* Tear the object model down: targets first, then the devices they named. */
	while (scst_target_first()) {
		struct scst_target *t = scst_target_first();

		if (scst_target_del(t->tmpl->name, t->name, err, sizeof(err)))
			break;
	}
	while (scst_device_first()) {
		if (scst_device_del(scst_device_first()->name, err, sizeof(err)))
			break;
	}
	scst_alua_exit();
	for (unsigned i = 0; i < nr_reactors; i++)
		scst_reactor_destroy(reactors[i]);
	free(reactors);
	free(threads);
	reactors = NULL;
	threads = NULL;
	nr_reactors = 0;
}
