/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scstadm: the admin CLI. It talks to scstd only through the control socket
 * (src/mgmt/PROTOCOL.md): one request per connection, "VERB LEN\n" + body,
 * answered by "OK LEN\n" + body or "ERR reason". Even `check` goes to the
 * daemon, so a file is validated against the handlers and drivers it has.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/scst/scstd.sock"
#define MAX_REQUEST (1u << 20)
#define MAX_RESPONSE (64u << 20)

static const char *sock_path = DEFAULT_SOCKET;
static bool json;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: scstadm [-s SOCKET] [--json] COMMAND ...\n"
		"  ls [-R] [PATH]       list a directory of the object tree (-R: recursively)\n"
		"  get PATH             read an attribute\n"
		"  set PATH VALUE       write an attribute\n"
		"  mgmt PATH 'COMMAND'  run a command on PATH/mgmt, e.g.\n"
		"                       mgmt handlers/vdisk_nullio 'add_device n1 size=1048576'\n"
		"                       mgmt targets/iscsi/IQN/luns 'add n1 3 read_only=1'\n"
		"                       mgmt targets/iscsi/IQN/luns 'replace n2 3'\n"
		"                       mgmt targets/iscsi/IQN/ini_groups/G/initiators 'move INI G2'\n"
		"                       mgmt targets/iscsi 'add_target IQN IncomingUser=u s3cret;enabled=1'\n"
		"  save [FILE]          write the running configuration to FILE (or stdout)\n"
		"  apply FILE           make the running state equal to FILE\n"
		"  check FILE           validate FILE against the running daemon, change nothing\n"
		"  sessions             list the sessions\n"
		"  -s, --socket SOCKET  control socket (default " DEFAULT_SOCKET ")\n"
		"  --json               JSON output for ls, get and sessions\n");
}

struct buf {
	char *p;
	size_t len;
};

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send one request; 0 and the response body in out, or 1 with the message printed. */
static int request(const char *verb, const char *body, size_t len, struct buf *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char hdr[64];
	size_t cap = 4096, got = 0;
	char *resp, *nl;
	int fd;

	if (len > MAX_REQUEST) {
		fprintf(stderr, "scstadm: request too large (%zu bytes, at most %u)\n", len,
			MAX_REQUEST);
		return 1;
	}
	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "scstadm: %s: socket path too long\n", sock_path);
		return 1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "scstadm: cannot connect to scstd at %s: %s\n", sock_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	snprintf(hdr, sizeof(hdr), "%s %zu\n", verb, len);
	if (write_all(fd, hdr, strlen(hdr)) || write_all(fd, body, len)) {
		fprintf(stderr, "scstadm: sending the request: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	resp = malloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (!resp) {
			fprintf(stderr, "scstadm: out of memory\n");
			close(fd);
			return 1;
		}
		if (got == cap) {
			char *p;

			if (cap >= MAX_RESPONSE) {
				fprintf(stderr, "scstadm: response too large\n");
				free(resp);
				close(fd);
				return 1;
			}
			cap *= 2;
			p = realloc(resp, cap + 1);
			if (!p)
				free(resp);
			resp = p;
			continue;
		}
		n = read(fd, resp + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "scstadm: reading the response: %s\n", strerror(errno));
			free(resp);
			close(fd);
			return 1;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	resp[got] = 0;
	nl = memchr(resp, '\n', got);
	if (!strncmp(resp, "ERR ", 4)) {
		fprintf(stderr, "scstadm: %.*s\n", (int)((nl ? (size_t)(nl - resp) : got) - 4),
			resp + 4);
		free(resp);
		return 1;
	}
	if (strncmp(resp, "OK ", 3) || !nl ||
	    strtoull(resp + 3, NULL, 10) != got - (size_t)(nl + 1 - resp)) {
		fprintf(stderr, "scstadm: malformed response from scstd\n");
		free(resp);
		return 1;
	}
	out->len = got - (size_t)(nl + 1 - resp);
	memmove(resp, nl + 1, out->len + 1);
	out->p = resp;
	return 0;
}

static void json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Undo the daemon's escaping of ls values in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

static int cmd_ls(int argc, char **argv)
{
	bool rec = false;
	const char *path = "";
	struct buf r;
	bool first = true;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-R"))
			rec = true;
		else if (!*path)
			path = argv[i];
		else
			return usage(stderr), 2;
	}
	if (request(rec ? "ls-R" : "ls", path, strlen(path), &r))
		return 1;
	if (json)
		putchar('[');
	for (char *save = NULL, *line = strtok_r(r.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char kind = line[0], *name = line + 2, *val = NULL, *tab = strchr(name, '\t');

		if (strlen(line) < 3)
			continue;
		if (tab) {
			*tab = 0;
			val = tab + 1;
			unescape(val);
		}
		if (json) {
			printf("%s{\"name\":", first ? "" : ",");
			json_str(name, strlen(name));
			printf(",\"type\":\"%s\"",
			       kind == 'd'   ? "dir"
			       : kind == 'm' ? "mgmt"
			       : kind == 'l' ? "link"
					     : "attr");
			if (val) {
				fputs(",\"value\":", stdout);
				json_str(val, strlen(val));
			}
			putchar('}');
		} else if (kind == 'd') {
			printf("%s/\n", name);
		} else if (kind == 'l') {
			/* A link, as ls -l shows a sysfs symlink. */
			printf("%s -> /%s\n", name, val ? val : "");
		} else if (val) {
			/* One line per attribute: a multi-line value shows its first line. */
			printf("%s = %.*s\n", name, (int)strcspn(val, "\n"), val);
		} else {
			printf("%s\n", name);
		}
		first = false;
	}
	if (json)
		puts("]");
	free(r.p);
	return 0;
}

static int cmd_get(int argc, char **argv)
{
	struct buf r;

	if (argc != 2)
		return usage(stderr), 2;
	if (request("get", argv[1], strlen(argv[1]), &r))
		return 1;
	if (json) {
		fputs("{\"path\":", stdout);
		json_str(argv[1], strlen(argv[1]));
		fputs(",\"value\":", stdout);
		json_str(r.p, r.len);
		puts("}");
	} else {
		fwrite(r.p, 1, r.len, stdout);
		if (!r.len || r.p[r.len - 1] != '\n')
			putchar('\n');
	}
	free(r.p);
	return 0;
}

/* set and mgmt: "PATH\nVALUE". */
static int cmd_two(const char *verb, int argc, char **argv)
{
	struct buf r;
	char *body;
	int ret;

	if (argc != 3)
		return usage(stderr), 2;
	if (strchr(argv[1], '\n') || strchr(argv[2], '\n')) {
		fprintf(stderr, "scstadm: newlines are not allowed in a path or value\n");
		return 2;
	}
	if (asprintf(&body, "%s\n%s", argv[1], argv[2]) < 0)
		return 1;
	ret = request(verb, body, strlen(body), &r);
	free(body);
	if (!ret)
		free(r.p);
	return ret;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 65536, n = 0;
	char *p;

	if (!f) {
		fprintf(stderr, "scstadm: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	p = malloc(cap);
	while (p) {
		size_t got = fread(p + n, 1, cap - n, f);

		n += got;
		if (n > MAX_REQUEST) {
			fprintf(stderr, "scstadm: %s: larger than %u bytes\n", path, MAX_REQUEST);
			free(p);
			p = NULL;
			break;
		}
		if (n < cap) {
			if (ferror(f)) {
				fprintf(stderr, "scstadm: %s: read error\n", path);
				free(p);
				p = NULL;
			}
			break;
		}
		char *q = realloc(p, cap *= 2);

		if (!q)
			free(p);
		p = q;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return p;
}

/* apply and check: "NAME\nTEXT"; NAME is what messages call the file. */
static int cmd_file(const char *verb, int argc, char **argv)
{
	struct buf r;
	size_t len, nlen;
	char *text, *body;
	int ret;

	if (argc != 2)
		return usage(stderr), 2;
	text = read_file(argv[1], &len);
	if (!text)
		return 1;
	nlen = strcspn(argv[1], "\n");
	body = malloc(nlen + 1 + len);
	if (!body) {
		free(text);
		return 1;
	}
	memcpy(body, argv[1], nlen);
	body[nlen] = '\n';
	memcpy(body + nlen + 1, text, len);
	free(text);
	ret = request(verb, body, nlen + 1 + len, &r);
	free(body);
	if (!ret) {
		if (!strcmp(verb, "check"))
			printf("%s: valid\n", argv[1]);
		free(r.p);
	}
	return ret;
}

static int cmd_save(int argc, char **argv)
{
	struct buf r;
	char tmp[4096];
	FILE *f;

	if (argc > 2)
		return usage(stderr), 2;
	if (request("save", "", 0, &r))
		return 1;
	if (argc < 2 || !strcmp(argv[1], "-")) {
		fwrite(r.p, 1, r.len, stdout);
		free(r.p);
		return fflush(stdout) ? 1 : 0;
	}
	/* Write beside the file and rename: a failed save leaves the old file as it was. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", argv[1], (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fwrite(r.p, 1, r.len, f) != r.len || fflush(f) || fsync(fileno(f)) ||
	    fclose(f) || rename(tmp, argv[1])) {
		fprintf(stderr, "scstadm: %s: %s\n", argv[1], strerror(errno));
		unlink(tmp);
		free(r.p);
		return 1;
	}
	free(r.p);
	return 0;
}

static int cmd_sessions(int argc, char **argv)
{
	static const char *const keys[] = { "driver",	     "target",	      "session",
					    "initiator_name", "commands",     "bytes_read",
					    "bytes_written",  "active_commands" };
	struct buf r;
	bool first = true;

	if (argc != 1)
		return usage(stderr), 2;
	if (request("sessions", "", 0, &r))
		return 1;
	if (json)
		putchar('[');
	else
		printf("%-8s %-40s %-40s %10s %14s %14s %6s\n", "DRIVER", "TARGET", "SESSION",
		       "COMMANDS", "BYTES_READ", "BYTES_WRITTEN", "ACTIVE");
	for (char *save = NULL, *line = strtok_r(r.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[8] = { 0 };
		unsigned n = 0;

		for (char *s2 = NULL, *t = strtok_r(line, "\t", &s2); t && n < 8;
		     t = strtok_r(NULL, "\t", &s2))
			f[n++] = t;
		if (n != 8)
			continue;
		if (json) {
			printf("%s{", first ? "" : ",");
			for (unsigned i = 0; i < 8; i++) {
				printf("%s\"%s\":", i ? "," : "", keys[i]);
				if (i >= 4)
					fputs(f[i], stdout);
				else
					json_str(f[i], strlen(f[i]));
			}
			putchar('}');
		} else {
			printf("%-8s %-40s %-40s %10s %14s %14s %6s\n", f[0], f[1], f[2], f[4],
			       f[5], f[6], f[7]);
		}
		first = false;
	}
	if (json)
		puts("]");
	free(r.p);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *args[64];
	int nargs = 0, c;

	/* Options before the command; --json may also follow it. */
	while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (nargs == (int)(sizeof(args) / sizeof(args[0])))
			return usage(stderr), 2;
		args[nargs++] = argv[i];
	}
	if (!nargs) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(args[0], "ls"))
		return cmd_ls(nargs, args);
	if (!strcmp(args[0], "get"))
		return cmd_get(nargs, args);
	if (!strcmp(args[0], "set") || !strcmp(args[0], "mgmt"))
		return cmd_two(args[0], nargs, args);
	if (!strcmp(args[0], "save"))
		return cmd_save(nargs, args);
	if (!strcmp(args[0], "apply") || !strcmp(args[0], "check"))
		return cmd_file(args[0], nargs, args);
	if (!strcmp(args[0], "sessions"))
		return cmd_sessions(nargs, args);
	fprintf(stderr, "scstadm: unknown command '%s'\n", args[0]);
	usage(stderr);
	return 2;
}
