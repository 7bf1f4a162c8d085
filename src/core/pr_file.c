// SPDX-License-Identifier: GPL-2.0-only
/*
 * The persistent reservation state file of a device: <state-dir>/<device>.pr.
 *
 * A PR OUT command that changes the state returns GOOD only after the new
 * state is durable: written to a temporary file, fsync'ed, renamed over the
 * old one and the directory fsync'ed. A crash at any point leaves either the
 * old or the new file, never a mix. The file is text, one item per line,
 * versioned, and ends with a checksum line over everything before it, so a
 * truncated or damaged file is recognised and refused with a one-line reason
 * (the device then starts without persistent reservations, as after a power
 * loss with APTPL=0).
 *
 *   scst-pr 1
 *   generation 7
 *   aptpl 1
 *   type 1
 *   holder 0                  index of the holder's registration, -1 if none
 *   reg 0x1234 1 0 iqn.a,i,0x23d000000001    key, rel_tgt_id, all_tg_pt, port
 *   sum 0123456789abcdef      FNV-1a 64 of the lines above
 *
 * Runs on the reactor of the PR OUT command (PR OUT is rare; the fsyncs are
 * the price of APTPL) and on the management thread at device add.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pr.h"

#define PR_FILE_VERSION 1
#define PR_FILE_MAX (1u << 20)

static char *state_dir;

int scst_set_state_dir(const char *dir)
{
	char *copy = NULL;

	if (dir) {
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
		copy = strdup(dir);
		if (!copy)
			return -ENOMEM;
	}
	free(state_dir);
	state_dir = copy;
	return 0;
}

const char *scst_pr_state_dir(void)
{
	return state_dir;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= (uint8_t)*p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void pr_path(const struct scst_device *dev, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/%s.pr%s", state_dir, dev->name, suffix);
}

void scst_pr_regs_free(struct scst_pr *pr)
{
	while (pr->regs) {
		struct scst_pr_reg *r = pr->regs;

		pr->regs = r->next;
		free(r);
	}
	pr->holder = NULL;
	pr->type = PR_TYPE_NONE;
}

/* The file's text without the checksum line; NULL when out of memory. */
static char *pr_format(const struct scst_pr *pr, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int holder = -1, i = 0;

	if (!f)
		return NULL;
	for (const struct scst_pr_reg *r = pr->regs; r; r = r->next, i++)
		if (r == pr->holder)
			holder = i;
	fprintf(f, "scst-pr %d\ngeneration %" PRIu32 "\naptpl %d\ntype %u\nholder %d\n",
		PR_FILE_VERSION, pr->generation, pr->aptpl, pr->type, holder);
	for (const struct scst_pr_reg *r = pr->regs; r; r = r->next)
		fprintf(f, "reg 0x%" PRIx64 " %u %d %s\n", r->key, r->rel_tgt_id, r->all_tg_pt,
			r->iport);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int scst_pr_file_save(const struct scst_device *dev, const struct scst_pr *pr)
{
	char path[4096], tmp[4096], sum[40];
	size_t len;
	char *text;
	int fd, dfd, ret;

	if (!state_dir)
		return 0;
	text = pr_format(pr, &len);
	if (!text)
		return -ENOMEM;
	snprintf(sum, sizeof(sum), "sum %016" PRIx64 "\n", fnv1a(text, len));
	pr_path(dev, path, sizeof(path), "");
	pr_path(dev, tmp, sizeof(tmp), ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	ret = write_all(fd, text, len);
	if (!ret)
		ret = write_all(fd, sum, strlen(sum));
	free(text);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	/* The rename itself must survive a crash. */
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = fsync(dfd) ? -errno : 0;
	close(dfd);
	return ret;
}

static int bad(char *err, size_t errlen, const char *path, unsigned line, const char *why)
{
	return scst_errf(err, errlen, -EINVAL, "%s:%u: %s", path, line, why);
}

/* Parse the lines of a checked file into pr. */
static int pr_parse(char *text, struct scst_pr *pr, const char *path, char *err, size_t errlen)
{
	struct scst_pr_reg **tail = &pr->regs;
	int version = -1, holder = -2, nregs = 0;
	unsigned line = 0, type = 0, aptpl = 0;
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		if (sscanf(l, "scst-pr %d", &version) == 1) {
			if (version != PR_FILE_VERSION)
				return bad(err, errlen, path, line, "unknown version");
		} else if (sscanf(l, "generation %" SCNu32, &pr->generation) == 1) {
		} else if (sscanf(l, "aptpl %u", &aptpl) == 1) {
		} else if (sscanf(l, "type %u", &type) == 1) {
		} else if (sscanf(l, "holder %d", &holder) == 1) {
		} else if (!strncmp(l, "reg ", 4)) {
			struct scst_pr_reg *r = calloc(1, sizeof(*r));
			unsigned rel, all;
			int off = 0;

			if (!r)
				return -ENOMEM;
			*tail = r;
			tail = &r->next;
			if (sscanf(l, "reg %" SCNx64 " %u %u %n", &r->key, &rel, &all, &off) != 3 ||
			    !off || rel > 0xffff || !l[off] || strlen(l + off) >= sizeof(r->iport))
				return bad(err, errlen, path, line, "bad registration");
			r->rel_tgt_id = (uint16_t)rel;
			r->all_tg_pt = all != 0;
			scst_copy_str(r->iport, sizeof(r->iport), l + off);
			nregs++;
		} else {
			return bad(err, errlen, path, line, "unknown line");
		}
	}
	if (version < 0 || holder < -1 || holder >= nregs)
		return bad(err, errlen, path, line, "incomplete state");
	if (type != PR_TYPE_NONE && type != PR_TYPE_WE && type != PR_TYPE_EA &&
	    (type < PR_TYPE_WE_RO || type > PR_TYPE_EA_AR))
		return bad(err, errlen, path, line, "bad reservation type");
	if ((type == PR_TYPE_NONE) != (holder == -1))
		return bad(err, errlen, path, line, "reservation without holder");
	pr->aptpl = aptpl != 0;
	pr->type = (uint8_t)type;
	pr->holder = NULL;
	if (holder >= 0) {
		struct scst_pr_reg *r = pr->regs;

		for (int i = 0; i < holder; i++)
			r = r->next;
		pr->holder = r;
	}
	return 0;
}

int scst_pr_file_load(const struct scst_device *dev, struct scst_pr *pr, char *err, size_t errlen)
{
	char path[4096], *text, *sumline;
	uint64_t want;
	struct stat st;
	ssize_t n;
	int fd, ret;

	memset(pr, 0, sizeof(*pr));
	if (!state_dir)
		return -ENOENT;
	pr_path(dev, path, sizeof(path), "");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > PR_FILE_MAX) {
		close(fd);
		return bad(err, errlen, path, 0, "empty or oversized state file");
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(text);
		return bad(err, errlen, path, 0, "short read");
	}
	text[n] = 0;
	/* The last line is the checksum of everything before it. */
	sumline = n >= 2 ? memrchr(text, '\n', (size_t)n - 1) : NULL;
	sumline = sumline ? sumline + 1 : text;
	if (sscanf(sumline, "sum %" SCNx64, &want) != 1 ||
	    fnv1a(text, (size_t)(sumline - text)) != want) {
		free(text);
		return bad(err, errlen, path, 0, "checksum mismatch (truncated or damaged)");
	}
	*sumline = 0;
	ret = pr_parse(text, pr, path, err, errlen);
	free(text);
	if (ret)
		scst_pr_regs_free(pr);
	return ret;
}
