// SPDX-License-Identifier: GPL-2.0-only
/*
 * pdu-client HOST PORT SCENARIO [TARGET]
 *
 * A raw-socket iSCSI initiator for robustness tests: logs in with a minimal
 * login (no digests, no authentication), then sends one malformed scenario
 * and reports what came back. Exit status 0 when the target answered as
 * RFC 7143 wants (a Reject, a login reject, silence, or a closed connection,
 * per scenario), 1 when it answered wrongly, 2 when it hung (5 s receive
 * timeout) where an answer was due, 3 on a setup failure.
 *
 * Scenarios: truncated-bhs, big-dsl, bad-opcode, text-no-equals,
 * huge-key-value, dataout-unknown-tag, cmdsn-outside-window.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BHS 48

enum { R_PDU = 0, R_CLOSED = -1, R_TIMEOUT = -2, R_ERROR = -3 };

static int fd = -1;
static uint32_t cmdsn, exp_statsn, max_cmdsn;
static uint8_t rbhs[BHS];
static uint8_t rdata[1 << 20];
static uint32_t rdlen;
static const char *iname = "iqn.2026-11.org.scst:pdu-client";

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void set_dlen(uint8_t *b, uint32_t len)
{
	b[5] = (uint8_t)(len >> 16);
	b[6] = (uint8_t)(len >> 8);
	b[7] = (uint8_t)len;
}

static int send_all(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_pdu(const uint8_t *bhs, const void *data, uint32_t len)
{
	static const uint8_t zero[4];

	if (send_all(bhs, BHS))
		return -1;
	if (len && send_all(data, len))
		return -1;
	if (len % 4 && send_all(zero, 4 - len % 4))
		return -1;
	return 0;
}

static int recv_all(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n == 0)
			return R_CLOSED;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? R_TIMEOUT :
			       errno == ECONNRESET			? R_CLOSED :
									  R_ERROR;
		p += n;
		len -= (size_t)n;
	}
	return R_PDU;
}

/* One PDU (no digests). Target pings (NOP-In with a TTT) are answered and skipped. */
static int recv_pdu(void)
{
	for (;;) {
		uint32_t ahs, pad;
		int r = recv_all(rbhs, BHS);

		if (r)
			return r;
		ahs = rbhs[4] * 4u;
		rdlen = (uint32_t)rbhs[5] << 16 | (uint32_t)rbhs[6] << 8 | rbhs[7];
		pad = (4 - rdlen % 4) % 4;
		if (ahs + rdlen + pad > sizeof(rdata))
			return R_ERROR;
		r = recv_all(rdata, ahs + rdlen + pad);
		if (r)
			return r;
		if (ahs)
			memmove(rdata, rdata + ahs, rdlen);
		if ((rbhs[0] & 0x3f) == 0x23 || (rbhs[0] & 0x3f) == 0x21 ||
		    (rbhs[0] & 0x3f) == 0x20 || (rbhs[0] & 0x3f) == 0x3f ||
		    (rbhs[0] & 0x3f) == 0x24)
			exp_statsn = get32(rbhs + 24) + 1;
		if ((rbhs[0] & 0x3f) != 0x23)
			max_cmdsn = get32(rbhs + 32);
		if ((rbhs[0] & 0x3f) == 0x20 && get32(rbhs + 20) != 0xffffffffu) {
			uint8_t b[BHS] = { 0 };

			b[0] = 0x40;
			b[1] = 0x80;
			put32(b + 16, 0xffffffffu);
			memcpy(b + 20, rbhs + 20, 4);
			put32(b + 24, cmdsn);
			put32(b + 28, exp_statsn);
			send_pdu(b, NULL, 0);
			continue;
		}
		return R_PDU;
	}
}

static const char *what(int r)
{
	switch (r) {
	case R_CLOSED:
		return "connection closed";
	case R_TIMEOUT:
		return "no answer within 5 s";
	case R_ERROR:
		return "receive error";
	default:
		return "a PDU";
	}
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	struct timeval tv = { 5, 0 };
	int one = 1;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, 0);
		if (fd < 0)
			continue;
		if (!connect(fd, a->ai_addr, a->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static void login_bhs(uint8_t *b, uint8_t flags, uint32_t itt, uint32_t dlen)
{
	memset(b, 0, BHS);
	b[0] = 0x43;
	b[1] = flags;
	set_dlen(b, dlen);
	b[8] = 0x80; /* ISID: random-qualifier format */
	b[9] = 0x12;
	b[10] = 0x34;
	b[11] = 0x56;
	b[13] = 0x01;
	put32(b + 16, itt);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
}

static size_t add_key(char *buf, size_t off, const char *kv)
{
	size_t l = strlen(kv) + 1;

	memcpy(buf + off, kv, l);
	return off + l;
}

/* Security stage (AuthMethod=None), then operational negotiation to full feature phase. */
static int login(const char *target)
{
	char keys[2048], kv[512];
	uint8_t b[BHS];
	size_t n = 0;
	int stage = 0, r;

	snprintf(kv, sizeof(kv), "InitiatorName=%s", iname);
	n = add_key(keys, n, kv);
	snprintf(kv, sizeof(kv), "TargetName=%s", target);
	n = add_key(keys, n, kv);
	n = add_key(keys, n, "SessionType=Normal");
	n = add_key(keys, n, "AuthMethod=None");
	for (int round = 0; round < 8; round++) {
		uint8_t flags = stage == 0 ? (0x80 | 0x01) : (0x80 | 0x04 | 0x03);

		login_bhs(b, flags, 1, (uint32_t)n);
		if (send_pdu(b, keys, (uint32_t)n))
			return -1;
		r = recv_pdu();
		if (r) {
			fprintf(stderr, "login: %s\n", what(r));
			return -1;
		}
		if ((rbhs[0] & 0x3f) != 0x23 || rbhs[36]) {
			fprintf(stderr, "login failed: opcode 0x%02x status %u/%u\n", rbhs[0],
				rbhs[36], rbhs[37]);
			return -1;
		}
		max_cmdsn = get32(rbhs + 32);
		n = 0;
		if ((rbhs[1] & 0x80) && (rbhs[1] & 0x03) == 3)
			return 0;
		if ((rbhs[1] & 0x80) && (rbhs[1] & 0x03) == 1 && stage == 0) {
			stage = 1;
			n = add_key(keys, n, "HeaderDigest=None");
			n = add_key(keys, n, "DataDigest=None");
			n = add_key(keys, n, "ErrorRecoveryLevel=0");
			n = add_key(keys, n, "InitialR2T=Yes");
			n = add_key(keys, n, "ImmediateData=Yes");
			n = add_key(keys, n, "MaxRecvDataSegmentLength=262144");
		}
	}
	fprintf(stderr, "login did not reach full feature phase\n");
	return -1;
}

static void scsi_tur(uint8_t *b, uint32_t itt, uint32_t sn)
{
	memset(b, 0, BHS);
	b[0] = 0x01;
	b[1] = 0x80 | 0x01; /* F, SIMPLE */
	put32(b + 16, itt);
	put32(b + 20, 0);
	put32(b + 24, sn);
	put32(b + 28, exp_statsn);
	/* CDB: TEST UNIT READY, all zero */
}

/* Is the connection still serving? A NOP-Out ping must come back as NOP-In. */
static bool alive(void)
{
	uint8_t b[BHS] = { 0 };

	b[0] = 0x40;
	b[1] = 0x80;
	put32(b + 16, 0x7777);
	put32(b + 20, 0xffffffffu);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
	if (send_pdu(b, NULL, 0))
		return false;
	return recv_pdu() == R_PDU && (rbhs[0] & 0x3f) == 0x20 && get32(rbhs + 16) == 0x7777;
}

/* Reject, or close; anything else is wrong. want_alive: after a Reject the connection must work. */
static int expect_reject_or_close(int r, bool want_alive)
{
	if (r == R_CLOSED) {
		printf("closed: the target dropped the connection\n");
		return 0;
	}
	if (r == R_TIMEOUT) {
		printf("hung: %s\n", what(r));
		return 2;
	}
	if (r != R_PDU) {
		printf("error: %s\n", what(r));
		return 1;
	}
	if ((rbhs[0] & 0x3f) != 0x3f) {
		printf("wrong: opcode 0x%02x instead of Reject\n", rbhs[0] & 0x3f);
		return 1;
	}
	printf("reject: reason 0x%02x\n", rbhs[2]);
	if (want_alive && !alive()) {
		r = recv_pdu();
		if (r == R_CLOSED) {
			printf("closed after the reject\n");
			return 0;
		}
		printf("wrong: the connection stopped working after the reject\n");
		return 1;
	}
	return 0;
}

static int sc_truncated_bhs(void)
{
	uint8_t b[BHS];
	int r;

	scsi_tur(b, 0x100, cmdsn);
	if (send_all(b, 20))
		return 3;
	shutdown(fd, SHUT_WR);
	r = recv_pdu();
	if (r == R_CLOSED) {
		printf("closed: the target dropped the connection\n");
		return 0;
	}
	printf("%s: %s\n", r == R_TIMEOUT ? "hung" : "wrong", what(r));
	return r == R_TIMEOUT ? 2 : 1;
}

static int sc_big_dsl(void)
{
	uint8_t b[BHS];

	memset(b, 0, BHS);
	b[0] = 0x40; /* NOP-Out, immediate */
	b[1] = 0x80;
	set_dlen(b, 0xffffff);
	put32(b + 16, 0x200);
	put32(b + 20, 0xffffffffu);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
	if (send_all(b, BHS))
		return 3;
	return expect_reject_or_close(recv_pdu(), false);
}

static int sc_bad_opcode(void)
{
	uint8_t b[BHS] = { 0 };

	b[0] = 0x1e;
	b[1] = 0x80;
	put32(b + 16, 0x300);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
	if (send_pdu(b, NULL, 0))
		return 3;
	return expect_reject_or_close(recv_pdu(), true);
}

static int sc_text_no_equals(void)
{
	static const char kv[] = "KeyWithoutEqualsSign";
	uint8_t b[BHS] = { 0 };

	b[0] = 0x44; /* Text, immediate */
	b[1] = 0x80;
	set_dlen(b, sizeof(kv));
	put32(b + 16, 0x400);
	put32(b + 20, 0xffffffffu);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
	if (send_pdu(b, kv, sizeof(kv)))
		return 3;
	return expect_reject_or_close(recv_pdu(), true);
}

static int sc_dataout_unknown_tag(void)
{
	uint8_t b[BHS] = { 0 }, data[512];

	memset(data, 0x5a, sizeof(data));
	b[0] = 0x05;
	b[1] = 0x80;
	set_dlen(b, sizeof(data));
	put32(b + 16, 0x12345678);
	put32(b + 20, 0xffffffffu);
	put32(b + 28, exp_statsn);
	if (send_pdu(b, data, sizeof(data)))
		return 3;
	return expect_reject_or_close(recv_pdu(), true);
}

static int sc_cmdsn_outside_window(void)
{
	uint8_t b[BHS];
	struct timeval tv = { 2, 0 };
	int r;

	/* RFC 7143 3.2.2.1: a CmdSN beyond MaxCmdSN is silently ignored. */
	scsi_tur(b, 0x500, max_cmdsn + 10);
	if (send_pdu(b, NULL, 0))
		return 3;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = recv_pdu();
	tv.tv_sec = 5;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (r == R_CLOSED) {
		printf("closed: the target dropped the connection\n");
		return 0;
	}
	if (r == R_PDU) {
		printf("wrong: answered a command outside the window (opcode 0x%02x)\n",
		       rbhs[0] & 0x3f);
		return 1;
	}
	/* And a command inside the window still works. */
	scsi_tur(b, 0x501, cmdsn);
	if (send_pdu(b, NULL, 0))
		return 3;
	r = recv_pdu();
	if (r == R_PDU && (rbhs[0] & 0x3f) == 0x21 && get32(rbhs + 16) == 0x501) {
		printf("ignored: no answer outside the window; status 0x%02x inside it\n", rbhs[3]);
		return 0;
	}
	printf("wrong: in-window command after it: %s\n", what(r));
	return r == R_TIMEOUT ? 2 : 1;
}

/* A 64 KiB value spread over continued Login Requests (C bit), 8 KiB each. */
static int sc_huge_key_value(const char *target)
{
	static char keys[65536 + 1024];
	uint8_t b[BHS];
	size_t n = 0, off = 0;
	char kv[512];
	int r;

	snprintf(kv, sizeof(kv), "InitiatorName=%s", iname);
	n = add_key(keys, n, kv);
	snprintf(kv, sizeof(kv), "TargetName=%s", target);
	n = add_key(keys, n, kv);
	memcpy(keys + n, "X-Huge=", 7);
	n += 7;
	memset(keys + n, 'v', 65536);
	n += 65536;
	keys[n++] = 0;
	while (off < n) {
		uint32_t chunk = n - off > 8192 ? 8192 : (uint32_t)(n - off);
		bool more = off + chunk < n;

		/* CSG security, NSG operational; C while more follows, T only at the end. */
		login_bhs(b, more ? 0x40 | 0x01 : 0x80 | 0x01, 1, chunk);
		if (send_pdu(b, keys + off, chunk))
			break;
		off += chunk;
		r = recv_pdu();
		if (r == R_CLOSED) {
			printf("closed: the target dropped the connection\n");
			return 0;
		}
		if (r != R_PDU) {
			printf("%s: %s\n", r == R_TIMEOUT ? "hung" : "error", what(r));
			return r == R_TIMEOUT ? 2 : 1;
		}
		if ((rbhs[0] & 0x3f) == 0x23 && rbhs[36]) {
			printf("login reject: status %u/%u\n", rbhs[36], rbhs[37]);
			return 0;
		}
	}
	if (off < n) {
		r = recv_pdu();
		if (r == R_CLOSED || r == R_PDU) {
			printf("closed: the target dropped the connection while we sent\n");
			return 0;
		}
	}
	printf("wrong: a 64 KiB value was accepted\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char *target = argc > 4 ? argv[4] : "iqn.2026-11.org.scst:t1";
	const char *sc;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s HOST PORT SCENARIO [TARGET]\n", argv[0]);
		return 3;
	}
	sc = argv[3];
	if (connect_to(argv[1], argv[2])) {
		fprintf(stderr, "cannot connect to %s:%s\n", argv[1], argv[2]);
		return 3;
	}
	if (!strcmp(sc, "huge-key-value")) {
		rc = sc_huge_key_value(target);
		close(fd);
		return rc;
	}
	if (login(target)) {
		close(fd);
		return 3;
	}
	cmdsn = get32(rbhs + 28);
	if (!strcmp(sc, "truncated-bhs"))
		rc = sc_truncated_bhs();
	else if (!strcmp(sc, "big-dsl"))
		rc = sc_big_dsl();
	else if (!strcmp(sc, "bad-opcode"))
		rc = sc_bad_opcode();
	else if (!strcmp(sc, "text-no-equals"))
		rc = sc_text_no_equals();
	else if (!strcmp(sc, "dataout-unknown-tag"))
		rc = sc_dataout_unknown_tag();
	else if (!strcmp(sc, "cmdsn-outside-window"))
		rc = sc_cmdsn_outside_window();
	else {
		fprintf(stderr, "unknown scenario %s\n", sc);
		rc = 3;
	}
	close(fd);
	return rc;
}
