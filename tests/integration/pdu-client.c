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
 * Scenarios: truncated-bhs, truncated-data, big-dsl, bad-opcode,
 * text-no-equals, huge-key-value, dataout-unknown-tag, cmdsn-outside-window.
 *
 * Protocol scenarios (iscsi-proto.sh; LUN 0 a disk, LUN 1 another disk, LUN 5
 * absent): digest-io, first-burst, digest-bad-dataout, digest-bad-immediate,
 * digest-bad-header, reinstate, nop-echo, nop-silent, nop-answer,
 * logout-close, logout-recovery, tmf. Each logs in by itself (its own ISID)
 * and ends with a one-line summary on stdout; exit 0 pass, 1 wrong answer,
 * 2 hung, 3 setup failure.
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
#include <time.h>
#include <unistd.h>

#include <isa-l/crc.h>

#define BHS 48

enum { R_PDU = 0, R_CLOSED = -1, R_TIMEOUT = -2, R_ERROR = -3 };

static int fd = -1;
static uint32_t cmdsn, exp_statsn, max_cmdsn;
static uint8_t rbhs[BHS];
static uint8_t rdata[1 << 20];
static uint32_t rdlen;
static const char *iname = "iqn.2026-11.org.scst:pdu-client";

/* Digests in force on the current connection (RFC 7143 13.1), from the PDU after the login. */
static bool hd, dd;
/* One-shot: corrupt the header or data digest of the next PDU sent. */
static bool corrupt_hdig, corrupt_ddig;
static unsigned dig_errs; /* digests received that did not match */
static unsigned pings; /* target NOP-In pings seen (RFC 7143 11.19) */
static bool answer_pings = true;
static uint8_t isid_q[3] = { 0x12, 0x34, 0x56 }; /* qualifier part of our ISID */
static uint16_t tsih_req; /* TSIH the next login asks for: 0 opens a session */
static uint16_t tsih_got; /* TSIH the last successful login was given */
static bool want_digests;
static uint32_t offer_first_burst; /* FirstBurstLength the login offers; 0: none (RFC default) */
/* What the target declared or negotiated (RFC 7143 13.10-13.14). */
static uint32_t t_mrdsl = 8192, t_first_burst = 65536, t_max_burst = 262144;
static bool t_imm = true, t_initial_r2t = true;
static uint32_t our_mrdsl = 262144; /* MaxRecvDataSegmentLength we declare */
static uint32_t dout_max = 0xffffffffu; /* cap on a Data-Out PDU below the target's MRDSL */
static int rcv_timeout = 5; /* seconds; also bounds a wait kept busy by target pings */

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

/* Running CRC32C (RFC 7143 13.1): seed 0xffffffff, complement at the end. */
static uint32_t crc_upd(uint32_t crc, const void *p, uint32_t n)
{
	return n ? crc32_iscsi((unsigned char *)p, (int)n, crc) : crc;
}

/* Digests go on the wire least significant byte first (RFC 7143 13.1, RFC 3720 B.4). */
static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
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

/* BHS, header digest, data, pad, data digest: RFC 7143 11.1. */
static int send_pdu(const uint8_t *bhs, const void *data, uint32_t len)
{
	static const uint8_t zero[4];
	uint32_t pad = (4 - len % 4) % 4;
	uint8_t dig[4];
	bool bad_h = corrupt_hdig, bad_d = corrupt_ddig;

	corrupt_hdig = corrupt_ddig = false;
	if (send_all(bhs, BHS))
		return -1;
	if (hd) {
		put_le32(dig, ~crc_upd(0xffffffffu, bhs, BHS) ^ (bad_h ? 0x1u : 0));
		if (send_all(dig, 4))
			return -1;
	}
	if (len && send_all(data, len))
		return -1;
	if (len % 4 && send_all(zero, pad))
		return -1;
	if (dd && len) {
		uint32_t c = crc_upd(crc_upd(0xffffffffu, data, len), zero, pad);

		put_le32(dig, ~c ^ (bad_d ? 0x80u : 0));
		if (send_all(dig, 4))
			return -1;
	}
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_timeout(int sec)
{
	struct timeval tv = { sec, 0 };

	rcv_timeout = sec;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/*
 * One PDU, digests checked when in force (a mismatch is counted in dig_errs).
 * Target pings (NOP-In with a TTT) are answered and skipped unless
 * answer_pings is off.
 */
static int recv_pdu(void)
{
	double t0 = now_s();

	for (;;) {
		static uint8_t ahsbuf[1024];
		uint8_t dig[4], op;
		uint32_t ahs, pad;
		bool status;
		int r = recv_all(rbhs, BHS);

		if (r)
			return r;
		ahs = rbhs[4] * 4u;
		rdlen = (uint32_t)rbhs[5] << 16 | (uint32_t)rbhs[6] << 8 | rbhs[7];
		pad = (4 - rdlen % 4) % 4;
		if (rdlen + pad > sizeof(rdata))
			return R_ERROR;
		if (ahs && (r = recv_all(ahsbuf, ahs)))
			return r;
		if (hd) {
			if ((r = recv_all(dig, 4)))
				return r;
			if (~crc_upd(crc_upd(0xffffffffu, rbhs, BHS), ahsbuf, ahs) != get_le32(dig)) {
				dig_errs++;
				fprintf(stderr, "bad header digest on opcode 0x%02x\n", rbhs[0] & 0x3f);
			}
		}
		if ((r = recv_all(rdata, rdlen + pad)))
			return r;
		if (dd && rdlen) {
			if ((r = recv_all(dig, 4)))
				return r;
			if (~crc_upd(0xffffffffu, rdata, rdlen + pad) != get_le32(dig)) {
				dig_errs++;
				fprintf(stderr, "bad data digest on opcode 0x%02x\n", rbhs[0] & 0x3f);
			}
		}
		op = rbhs[0] & 0x3f;
		/* PDUs that carry a new StatSN (RFC 7143 4.2.2.2); a target ping and
		 * Data-In without status carry none. */
		status = op == 0x21 || op == 0x22 || op == 0x23 || op == 0x24 || op == 0x26 ||
			 op == 0x3f || op == 0x32 ||
			 (op == 0x20 && get32(rbhs + 16) != 0xffffffffu) ||
			 (op == 0x25 && (rbhs[1] & 0x01));
		if (status)
			exp_statsn = get32(rbhs + 24) + 1;
		if (op != 0x23)
			max_cmdsn = get32(rbhs + 32);
		if (op == 0x20 && get32(rbhs + 20) != 0xffffffffu) {
			uint8_t b[BHS] = { 0 };

			pings++;
			if (!answer_pings)
				return R_PDU;
			/* RFC 7143 11.18: the answer is an immediate NOP-Out, ITT 0xffffffff,
			 * echoing LUN and TTT. */
			b[0] = 0x40;
			b[1] = 0x80;
			memcpy(b + 8, rbhs + 8, 8);
			put32(b + 16, 0xffffffffu);
			memcpy(b + 20, rbhs + 20, 4);
			put32(b + 24, cmdsn);
			put32(b + 28, exp_statsn);
			send_pdu(b, NULL, 0);
			/* Pings every few seconds must not hide a target that never answers. */
			if (now_s() - t0 >= rcv_timeout)
				return R_TIMEOUT;
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
		return "no answer within the receive timeout";
	case R_ERROR:
		return "receive error";
	default:
		return "a PDU";
	}
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	int one = 1;

	hd = dd = false;
	exp_statsn = 0;
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
	set_timeout(5);
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
	b[9] = isid_q[0];
	b[10] = isid_q[1];
	b[11] = isid_q[2];
	b[13] = 0x01;
	b[14] = (uint8_t)(tsih_req >> 8);
	b[15] = (uint8_t)tsih_req;
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

/* The target's answers and declarations in a Login Response. */
static void parse_login_keys(bool *neg_hd, bool *neg_dd)
{
	for (uint32_t o = 0; o < rdlen;) {
		const char *kv = (const char *)rdata + o;
		size_t l = strnlen(kv, rdlen - o);
		char v[64];

		if (l < sizeof(v)) {
			const char *eq = strchr(kv, '=');

			if (eq && (size_t)(eq - kv) < l) {
				snprintf(v, sizeof(v), "%.*s", (int)(l - (size_t)(eq - kv) - 1), eq + 1);
				if (!strncmp(kv, "HeaderDigest=", 13))
					*neg_hd = !strcmp(v, "CRC32C");
				else if (!strncmp(kv, "DataDigest=", 11))
					*neg_dd = !strcmp(v, "CRC32C");
				else if (!strncmp(kv, "MaxRecvDataSegmentLength=", 25))
					t_mrdsl = (uint32_t)strtoul(v, NULL, 10);
				else if (!strncmp(kv, "FirstBurstLength=", 17))
					t_first_burst = (uint32_t)strtoul(v, NULL, 10);
				else if (!strncmp(kv, "MaxBurstLength=", 15))
					t_max_burst = (uint32_t)strtoul(v, NULL, 10);
				else if (!strncmp(kv, "ImmediateData=", 14))
					t_imm = !strcmp(v, "Yes");
				else if (!strncmp(kv, "InitialR2T=", 11))
					t_initial_r2t = !strcmp(v, "Yes");
			}
		}
		o += (uint32_t)l + 1;
	}
}

/*
 * Security stage (AuthMethod=None), then operational negotiation to full
 * feature phase. Returns 0 in full feature phase, class << 8 | detail of a
 * login reject (RFC 7143 11.13.5), -1 on any other failure. With tsih_req set
 * it is a non-leading login and sends no leading-only keys (RFC 7143 6.3).
 */
static int login_ex(const char *target)
{
	char keys[2048], kv[512];
	uint8_t b[BHS];
	size_t n = 0;
	int stage = 0, r;
	bool neg_hd = false, neg_dd = false;

	t_mrdsl = 8192;
	t_first_burst = 65536;
	t_max_burst = 262144;
	t_imm = false;
	t_initial_r2t = true;
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
		if ((rbhs[0] & 0x3f) != 0x23) {
			fprintf(stderr, "login: opcode 0x%02x instead of a Login Response\n", rbhs[0]);
			return -1;
		}
		if (rbhs[36]) {
			fprintf(stderr, "login rejected: status %u/%u\n", rbhs[36], rbhs[37]);
			return rbhs[36] << 8 | rbhs[37];
		}
		max_cmdsn = get32(rbhs + 32);
		parse_login_keys(&neg_hd, &neg_dd);
		n = 0;
		if ((rbhs[1] & 0x80) && (rbhs[1] & 0x03) == 3) {
			/* RFC 7143 13.1: digests start with the PDU after the final response. */
			hd = neg_hd;
			dd = neg_dd;
			cmdsn = get32(rbhs + 28);
			tsih_got = (uint16_t)(rbhs[14] << 8 | rbhs[15]);
			return 0;
		}
		if ((rbhs[1] & 0x80) && (rbhs[1] & 0x03) == 1 && stage == 0) {
			stage = 1;
			n = add_key(keys, n, want_digests ? "HeaderDigest=CRC32C" : "HeaderDigest=None");
			n = add_key(keys, n, want_digests ? "DataDigest=CRC32C" : "DataDigest=None");
			if (!tsih_req) {
				n = add_key(keys, n, "ErrorRecoveryLevel=0");
				n = add_key(keys, n, "InitialR2T=Yes");
				n = add_key(keys, n, "ImmediateData=Yes");
				if (offer_first_burst) {
					snprintf(kv, sizeof(kv), "FirstBurstLength=%u", offer_first_burst);
					n = add_key(keys, n, kv);
				}
			}
			snprintf(kv, sizeof(kv), "MaxRecvDataSegmentLength=%u", our_mrdsl);
			n = add_key(keys, n, kv);
		}
	}
	fprintf(stderr, "login did not reach full feature phase\n");
	return -1;
}

static int login(const char *target)
{
	return login_ex(target) ? -1 : 0;
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

/* ---- protocol scenarios (iscsi-proto.sh) ---- */

static const char *g_host, *g_port, *g_target;
static uint32_t next_itt = 0x1000;
static uint32_t imm_max = 0xffffffffu; /* cap on immediate data of the next write */
/* Corrupt the data digest of the next write's Data-Out number bad_dout (from 0),
 * or of its immediate data with BAD_IMM. */
#define BAD_NONE (-1)
#define BAD_IMM (-2)
static int bad_dout = BAD_NONE;
static unsigned st_imm, st_douts, st_r2ts, st_dins; /* what the last command moved */
static uint8_t rej_reason, rej_hdr[BHS];
static uint8_t sense[256];
static uint32_t sense_len;

enum { X_DONE = 0, X_REJECT = 10, X_PROTO = 11 };

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* A new connection and a login to full feature phase; 0 or the login's status. */
static int open_conn(bool digests)
{
	if (connect_to(g_host, g_port)) {
		fprintf(stderr, "cannot connect to %s:%s\n", g_host, g_port);
		return -1;
	}
	want_digests = digests;
	return login_ex(g_target);
}

static void close_conn(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
}

struct cstate {
	int fd;
	uint32_t cmdsn, exp_statsn, max_cmdsn;
	bool hd, dd;
};

static struct cstate cs_get(void)
{
	return (struct cstate){ fd, cmdsn, exp_statsn, max_cmdsn, hd, dd };
}

static void cs_set(struct cstate s)
{
	fd = s.fd;
	cmdsn = s.cmdsn;
	exp_statsn = s.exp_statsn;
	max_cmdsn = s.max_cmdsn;
	hd = s.hd;
	dd = s.dd;
}

/*
 * One SCSI command (RFC 7143 11.3) with its data: immediate data up to
 * FirstBurstLength, then Data-Out per R2T (11.7, 11.8), Data-In checked for
 * DataSN and offset order. dir: 0 none, 1 read, 2 write. Returns X_DONE with
 * *status, X_REJECT (rej_reason), X_PROTO, or an R_* receive failure.
 */
static int scsi(unsigned lun, const uint8_t *cdb, int dir, uint8_t *buf, uint32_t len,
		uint8_t *status)
{
	uint8_t b[BHS] = { 0 };
	uint32_t itt = next_itt++, imm = 0, got = 0, din_sn = 0;
	int bad = bad_dout;

	bad_dout = BAD_NONE;
	st_imm = st_douts = st_r2ts = st_dins = 0;
	sense_len = 0;
	b[0] = 0x01;
	b[1] = 0x80 | 0x01 | (dir == 1 ? 0x40 : 0) | (dir == 2 ? 0x20 : 0);
	b[9] = (uint8_t)lun; /* SAM peripheral device addressing, LUN < 256 */
	put32(b + 16, itt);
	put32(b + 20, dir ? len : 0);
	put32(b + 24, cmdsn++);
	put32(b + 28, exp_statsn);
	memcpy(b + 32, cdb, 16);
	if (dir == 2 && t_imm) {
		/* RFC 7143 11.3, 13.14: within FirstBurstLength and the target's MRDSL. */
		imm = min3(len, t_first_burst, t_mrdsl);
		if (imm > imm_max)
			imm = imm_max;
	}
	imm_max = 0xffffffffu;
	/* InitialR2T=Yes: no unsolicited Data-Out follows, so F is set (11.3.1). */
	set_dlen(b, imm);
	st_imm = imm;
	if (bad == BAD_IMM)
		corrupt_ddig = true;
	if (send_pdu(b, buf, imm))
		return R_CLOSED;
	for (;;) {
		int r = recv_pdu();
		uint8_t op;

		if (r)
			return r;
		op = rbhs[0] & 0x3f;
		if (op == 0x3f) {
			rej_reason = rbhs[2];
			memcpy(rej_hdr, rdata, rdlen < BHS ? rdlen : BHS);
			return X_REJECT;
		}
		if (get32(rbhs + 16) != itt) {
			fprintf(stderr, "opcode 0x%02x for ITT 0x%x, expected 0x%x\n", op,
				get32(rbhs + 16), itt);
			return X_PROTO;
		}
		switch (op) {
		case 0x31: { /* R2T */
			uint32_t ttt = get32(rbhs + 20), off = get32(rbhs + 40);
			uint32_t want = get32(rbhs + 44), sn = 0;

			if (dir != 2 || (uint64_t)off + want > len || !want || want > t_max_burst) {
				fprintf(stderr, "bad R2T: offset %u length %u\n", off, want);
				return X_PROTO;
			}
			st_r2ts++;
			while (want) {
				uint32_t n = min3(want, t_mrdsl, dout_max);
				uint8_t d[BHS] = { 0 };

				d[0] = 0x05;
				d[1] = n == want ? 0x80 : 0;
				d[9] = (uint8_t)lun;
				put32(d + 16, itt);
				put32(d + 20, ttt);
				put32(d + 28, exp_statsn);
				put32(d + 36, sn++);
				put32(d + 40, off);
				set_dlen(d, n);
				if (bad == (int)st_douts)
					corrupt_ddig = true;
				if (send_pdu(d, buf + off, n))
					return R_CLOSED;
				st_douts++;
				off += n;
				want -= n;
			}
			break;
		}
		case 0x25: { /* Data-In */
			uint32_t off = get32(rbhs + 40);

			if (dir != 1 || get32(rbhs + 36) != din_sn || off != got ||
			    (uint64_t)off + rdlen > len) {
				fprintf(stderr, "bad Data-In: DataSN %u offset %u length %u\n",
					get32(rbhs + 36), off, rdlen);
				return X_PROTO;
			}
			din_sn++;
			memcpy(buf + off, rdata, rdlen);
			got += rdlen;
			st_dins++;
			if (rbhs[1] & 0x01) {
				*status = rbhs[3];
				return got == len ? X_DONE : X_PROTO;
			}
			break;
		}
		case 0x21: /* SCSI Response */
			if (rbhs[2]) {
				fprintf(stderr, "SCSI Response: response 0x%02x\n", rbhs[2]);
				return X_PROTO;
			}
			*status = rbhs[3];
			if (rdlen >= 2) {
				sense_len = (uint32_t)rdata[0] << 8 | rdata[1];
				if (sense_len > sizeof(sense) || sense_len + 2 > rdlen)
					sense_len = 0;
				memcpy(sense, rdata + 2, sense_len);
			}
			if (dir == 1 && got != len && *status == 0)
				fprintf(stderr, "read: %u of %u bytes\n", got, len);
			return X_DONE;
		default:
			fprintf(stderr, "unexpected opcode 0x%02x\n", op);
			return X_PROTO;
		}
	}
}

/* Like scsi(), but a pending UNIT ATTENTION (first command of a session, after a reset) is retried. */
static int scsi_ua(unsigned lun, const uint8_t *cdb, int dir, uint8_t *buf, uint32_t len,
		   uint8_t *status)
{
	int r = X_PROTO;

	for (int i = 0; i < 4; i++) {
		r = scsi(lun, cdb, dir, buf, len, status);
		if (r != X_DONE || *status != 0x02 || sense_len < 3 || (sense[2] & 0x0f) != 6)
			return r;
	}
	return r;
}

static void cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	put32(cdb + 2, lba);
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
}

/* Returns X_DONE with GOOD status, else a description on stderr and non-zero. */
static int rw10(unsigned lun, bool write, uint32_t lba, uint8_t *buf, uint32_t len, uint32_t bs)
{
	uint8_t cdb[16], st = 0xff;
	int r;

	cdb_rw10(cdb, write ? 0x2a : 0x28, lba, (uint16_t)(len / bs));
	r = scsi_ua(lun, cdb, write ? 2 : 1, buf, len, &st);
	if (r == X_DONE && st)
		fprintf(stderr, "%s(10): status 0x%02x sense key 0x%x asc 0x%02x\n",
			write ? "WRITE" : "READ", st, sense_len > 2 ? sense[2] & 0xf : 0,
			sense_len > 12 ? sense[12] : 0);
	else if (r != X_DONE)
		fprintf(stderr, "%s(10): %s (%d)\n", write ? "WRITE" : "READ", what(r), r);
	return r == X_DONE && !st ? 0 : (r ? r : 1);
}

static int tur(unsigned lun)
{
	uint8_t cdb[16] = { 0 }, st = 0xff;
	int r = scsi_ua(lun, cdb, 0, NULL, 0, &st);

	return r == X_DONE && !st ? 0 : 1;
}

static int block_size(unsigned lun, uint32_t *bs)
{
	uint8_t cdb[16] = { 0x25 }, buf[8], st = 0xff;

	if (scsi_ua(lun, cdb, 1, buf, sizeof(buf), &st) != X_DONE || st) {
		fprintf(stderr, "READ CAPACITY(10) failed\n");
		return -1;
	}
	*bs = get32(buf + 4);
	return *bs >= 512 && *bs <= 65536 ? 0 : -1;
}

static uint64_t rng_state;

static void fill_random(uint8_t *p, size_t n)
{
	if (!rng_state)
		rng_state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		p[i] = (uint8_t)(rng_state >> 24);
	}
}

/*
 * A WRITE whose 64 KiB of immediate data stops after 40000 bytes, then EOF. The
 * target receives a large data segment straight into the command's buffer with
 * the next header's receive linked behind it: the short data receive breaks the
 * link, and the target must then see the EOF and close, without a status.
 */
static int sc_truncated_data(void)
{
	static uint8_t pdu[BHS + 65536];
	uint32_t bs;
	int r;

	if (block_size(0, &bs) || 65536 > t_first_burst || 65536 > t_mrdsl)
		return 3;
	memset(pdu, 0, BHS);
	pdu[0] = 0x01;
	pdu[1] = 0x80 | 0x20 | 0x01; /* F, W, SIMPLE */
	set_dlen(pdu, 65536);
	put32(pdu + 16, 0x150);
	put32(pdu + 20, 65536);
	put32(pdu + 24, cmdsn);
	put32(pdu + 28, exp_statsn);
	cdb_rw10(pdu + 32, 0x2a, 0, (uint16_t)(65536 / bs));
	fill_random(pdu + BHS, 65536);
	if (send_all(pdu, BHS + 40000))
		return 3;
	shutdown(fd, SHUT_WR);
	r = recv_pdu();
	if (r == R_CLOSED) {
		printf("closed: the target dropped the connection, no status\n");
		return 0;
	}
	printf("%s: %s\n", r == R_TIMEOUT ? "hung" : "wrong", r == R_PDU ? "a PDU came back" : what(r));
	return r == R_TIMEOUT ? 2 : 1;
}

#define IO_LEN (256u * 1024)

/* 1: CRC32C header and data digests on every PDU of a 256 KiB write and read. */
static int sc_digest_io(void)
{
	static uint8_t wbuf[IO_LEN], rbuf[IO_LEN];
	uint32_t bs;
	unsigned imm, r2ts, douts, dins;

	/* Several Data-In and Data-Out PDUs per command, each with its own digests. */
	our_mrdsl = 65536;
	dout_max = 32768;
	if (open_conn(true))
		return 3;
	if (!hd || !dd) {
		printf("wrong: the target did not agree to CRC32C digests (header %d, data %d)\n",
		       hd, dd);
		return 1;
	}
	if (block_size(0, &bs))
		return 3;
	fill_random(wbuf, sizeof(wbuf));
	/* Some immediate data, the rest through R2T and Data-Out. */
	imm_max = 16384;
	if (rw10(0, true, 0, wbuf, IO_LEN, bs)) {
		printf("wrong: WRITE(10) of 256 KiB with digests failed\n");
		return 1;
	}
	imm = st_imm;
	r2ts = st_r2ts;
	douts = st_douts;
	if (!imm || !r2ts) {
		printf("wrong: the write used %u immediate bytes and %u R2Ts\n", imm, r2ts);
		return 1;
	}
	memset(rbuf, 0, sizeof(rbuf));
	if (rw10(0, false, 0, rbuf, IO_LEN, bs)) {
		printf("wrong: READ(10) of 256 KiB with digests failed\n");
		return 1;
	}
	dins = st_dins;
	if (memcmp(wbuf, rbuf, IO_LEN)) {
		printf("wrong: the data read back differs from the data written\n");
		return 1;
	}
	/* The nullio LUN takes and gives 256 KiB under digests too. */
	if (rw10(1, true, 0, wbuf, IO_LEN, 512) || rw10(1, false, 0, rbuf, IO_LEN, 512)) {
		printf("wrong: 256 KiB to/from the nullio LUN with digests failed\n");
		return 1;
	}
	if (dig_errs) {
		printf("wrong: %u PDUs from the target had a bad digest\n", dig_errs);
		return 1;
	}
	printf("CRC32C both ways: 256 KiB written (%u B immediate, %u R2T, %u Data-Out), "
	       "read back in %u Data-In, every digest good, data equal, status GOOD\n",
	       imm, r2ts, douts, dins);
	return 0;
}

#define BAD_LBA 2048u
#define BAD_LEN 16384u

/* Write A with good digests, then try B with one corrupted data digest; A must stay. */
static int sc_digest_bad_data(bool immediate)
{
	static uint8_t a[BAD_LEN], b[BAD_LEN], rb[BAD_LEN];
	const char *where = immediate ? "immediate data" : "Data-Out";
	uint32_t bs, itt;
	uint8_t st = 0xff, cdb[16];
	bool rejected = false;
	int r;

	if (open_conn(true))
		return 3;
	if (!hd || !dd || block_size(0, &bs))
		return 3;
	fill_random(a, sizeof(a));
	fill_random(b, sizeof(b));
	if (rw10(0, true, BAD_LBA, a, BAD_LEN, bs))
		return 3;
	/* 4 KiB immediate, 12 KiB by R2T in 4 KiB Data-Outs: corrupt the last one, or the immediate data. */
	imm_max = 4096;
	dout_max = 4096;
	bad_dout = immediate ? BAD_IMM : 2;
	itt = next_itt;
	cdb_rw10(cdb, 0x2a, BAD_LBA, (uint16_t)(BAD_LEN / bs));
	r = scsi(0, cdb, 2, b, BAD_LEN, &st);
	if (r == X_DONE) {
		printf("wrong: the write with a bad %s digest completed with status 0x%02x\n", where,
		       st);
		return 1;
	}
	if (r == X_REJECT) {
		/* RFC 7143 11.17.1: reason 0x02 Data (payload) Digest Error, the bad PDU's header inside. */
		if (rej_reason != 0x02) {
			printf("wrong: Reject reason 0x%02x instead of 0x02\n", rej_reason);
			return 1;
		}
		if ((rej_hdr[0] & 0x3f) != (immediate ? 0x01 : 0x05) || get32(rej_hdr + 16) != itt) {
			printf("wrong: the Reject carries the header of opcode 0x%02x ITT 0x%x\n",
			       rej_hdr[0] & 0x3f, get32(rej_hdr + 16));
			return 1;
		}
		rejected = true;
		/* ERL 0: no status for the dead task may follow (and certainly no GOOD). */
		set_timeout(1);
		r = recv_pdu();
		set_timeout(5);
		if (r == R_PDU) {
			printf("wrong: after the Reject came opcode 0x%02x ITT 0x%x status 0x%02x\n",
			       rbhs[0] & 0x3f, get32(rbhs + 16), rbhs[3]);
			return 1;
		}
	} else if (r != R_CLOSED) {
		printf("wrong: after a bad %s digest: %s\n", where, r == X_PROTO ? "protocol error" : what(r));
		return r == R_TIMEOUT ? 2 : 1;
	}
	close_conn();
	/* A new connection (and session) sees the old contents. */
	if (open_conn(false) || rw10(0, false, BAD_LBA, rb, BAD_LEN, bs)) {
		printf("wrong: cannot read the blocks back on a new connection\n");
		return 1;
	}
	if (memcmp(rb, a, BAD_LEN)) {
		printf("wrong: data with a bad %s digest reached the disk (%s)\n", where,
		       memcmp(rb, b, BAD_LEN) ? "mixed contents" : "all of it");
		return 1;
	}
	printf("bad %s digest: %s, nothing written (old contents read back on a new connection)\n",
	       where, rejected ? "Reject reason 0x02 Data Digest Error" : "connection closed");
	return 0;
}

/*
 * The target's default FirstBurstLength is 256 KiB (as large as its
 * MaxRecvDataSegmentLength): offered as much, a 256 KiB write goes whole as
 * immediate data with its command, with no R2T round trip, and reads back.
 */
static int sc_first_burst(void)
{
	static uint8_t wbuf[IO_LEN], rbuf[IO_LEN];
	uint32_t bs;

	offer_first_burst = IO_LEN;
	if (open_conn(false) || block_size(0, &bs))
		return 3;
	if (t_first_burst != IO_LEN || t_mrdsl < IO_LEN) {
		printf("wrong: FirstBurstLength %u, MaxRecvDataSegmentLength %u (both should be %u)\n",
		       t_first_burst, t_mrdsl, IO_LEN);
		return 1;
	}
	fill_random(wbuf, sizeof(wbuf));
	if (rw10(0, true, 0, wbuf, IO_LEN, bs))
		return 1;
	if (st_imm != IO_LEN || st_r2ts || st_douts) {
		printf("wrong: the write went as %u bytes immediate, %u R2T, %u Data-Out\n", st_imm,
		       st_r2ts, st_douts);
		return 1;
	}
	if (rw10(0, false, 0, rbuf, IO_LEN, bs) || memcmp(rbuf, wbuf, IO_LEN)) {
		printf("wrong: the 256 KiB written as immediate data did not read back\n");
		return 1;
	}
	printf("FirstBurstLength %u by default: a 256 KiB write went whole as immediate data, "
	       "no R2T, and read back equal\n", t_first_burst);
	return 0;
}

static int sc_digest_bad_dataout(void)
{
	return sc_digest_bad_data(false);
}

static int sc_digest_bad_immediate(void)
{
	return sc_digest_bad_data(true);
}

/* RFC 7143 7.8: a header digest error at ERL 0 closes the connection. */
static int sc_digest_bad_header(void)
{
	uint8_t b[BHS] = { 0 };
	int r;

	if (open_conn(true))
		return 3;
	if (!hd)
		return 3;
	b[0] = 0x40;
	b[1] = 0x80;
	put32(b + 16, 0x5151);
	put32(b + 20, 0xffffffffu);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
	corrupt_hdig = true;
	if (send_pdu(b, NULL, 0))
		return 3;
	r = recv_pdu();
	if (r == R_CLOSED) {
		printf("bad header digest: connection closed\n");
		return 0;
	}
	if (r == R_PDU)
		printf("wrong: answered a PDU with a bad header digest (opcode 0x%02x reason 0x%02x)\n",
		       rbhs[0] & 0x3f, rbhs[2]);
	else
		printf("wrong: after a bad header digest: %s\n", what(r));
	return r == R_TIMEOUT ? 2 : 1;
}

/* 2: session reinstatement (RFC 7143 6.3.5) and logins naming a TSIH (6.3.1). */
static int sc_reinstate(void)
{
	struct cstate a, b;
	uint8_t buf[4096];
	uint32_t bs;
	uint16_t tsih_a, tsih_b, bogus;
	int r;

	if (open_conn(false) || tur(0))
		return 3;
	tsih_a = tsih_got;
	a = cs_get();
	fd = -1;
	r = open_conn(false);
	if (r) {
		printf("wrong: reinstating login (same ISID, TSIH 0) got %s 0x%04x\n",
		       r < 0 ? "an error" : "status", r < 0 ? 0 : r);
		return 1;
	}
	tsih_b = tsih_got;
	b = cs_get();
	cs_set(a);
	r = recv_pdu();
	if (r != R_CLOSED) {
		printf("wrong: the old connection was not closed (%s)\n", what(r));
		return r == R_TIMEOUT ? 2 : 1;
	}
	close_conn();
	cs_set(b);
	if (tur(0) || block_size(0, &bs) || bs > sizeof(buf) || rw10(0, false, 0, buf, bs, bs)) {
		printf("wrong: the reinstated session does not work\n");
		return 1;
	}
	b = cs_get();

	/* A TSIH no session has: 0x020a Session does not exist (RFC 7143 11.13.5). */
	bogus = tsih_b ^ 0x8000;
	if (!bogus || bogus == tsih_a)
		bogus = 0xfffe;
	fd = -1;
	tsih_req = bogus;
	r = open_conn(false);
	close_conn();
	if (r != 0x020a) {
		printf("wrong: login with unknown TSIH 0x%04x answered 0x%04x, not 0x020a\n", bogus,
		       r < 0 ? 0xffff : r);
		return 1;
	}
	/* A second connection to the live session: MaxConnections=1, no MC/S. */
	tsih_req = tsih_b;
	r = open_conn(false);
	close_conn();
	tsih_req = 0;
	if (r != 0x0206 && r != 0x0208) {
		printf("wrong: second connection to TSIH 0x%04x answered 0x%04x, not 0x0206\n",
		       tsih_b, r < 0 ? 0xffff : r);
		return 1;
	}
	cs_set(b);
	if (tur(0)) {
		printf("wrong: the session broke after a refused second connection\n");
		return 1;
	}
	printf("reinstated (TSIH 0x%04x -> 0x%04x, old connection closed, TUR and READ work); "
	       "unknown TSIH: 0x020a; second connection: 0x%04x\n",
	       tsih_a, tsih_b, r);
	return 0;
}

static void nop_out(uint8_t *b, uint32_t itt, bool immediate, uint32_t len)
{
	memset(b, 0, BHS);
	b[0] = immediate ? 0x40 : 0x00;
	b[1] = 0x80;
	set_dlen(b, len);
	put32(b + 16, itt);
	put32(b + 20, 0xffffffffu);
	put32(b + 24, immediate ? cmdsn : cmdsn++);
	put32(b + 28, exp_statsn);
}

/* 3a: RFC 7143 11.18, 11.19: a ping with data comes back with the same ITT and data. */
static int sc_nop_echo(void)
{
	uint8_t b[BHS], data[100];

	if (open_conn(false))
		return 3;
	fill_random(data, sizeof(data));
	for (int imm = 1; imm >= 0; imm--) {
		uint32_t itt = imm ? 0x4e4f5001 : 0x4e4f5002;
		int r;

		nop_out(b, itt, imm, sizeof(data));
		if (send_pdu(b, data, sizeof(data)))
			return 3;
		r = recv_pdu();
		if (r) {
			printf("wrong: ping: %s\n", what(r));
			return r == R_TIMEOUT ? 2 : 1;
		}
		if ((rbhs[0] & 0x3f) != 0x20 || get32(rbhs + 16) != itt ||
		    get32(rbhs + 20) != 0xffffffffu || rdlen != sizeof(data) ||
		    memcmp(rdata, data, sizeof(data))) {
			printf("wrong: ping answered by opcode 0x%02x ITT 0x%x TTT 0x%x, %u bytes%s\n",
			       rbhs[0] & 0x3f, get32(rbhs + 16), get32(rbhs + 20), rdlen,
			       rdlen == sizeof(data) && memcmp(rdata, data, sizeof(data)) ?
				       " (different)" :
				       "");
			return 1;
		}
	}
	/* The non-immediate ping took a CmdSN; the next command uses the one after. */
	if (tur(0)) {
		printf("wrong: a command after the pings failed\n");
		return 1;
	}
	printf("NOP-In echoed ITT and 100 data bytes (immediate and non-immediate ping)\n");
	return 0;
}

/* 3b: an initiator that never answers the target's pings is dropped. */
static int sc_nop_silent(void)
{
	double t0, t_ping = -1, t_end;
	int r = R_TIMEOUT;

	if (open_conn(false))
		return 3;
	answer_pings = false;
	t0 = now_s();
	while (now_s() - t0 < 30) {
		r = recv_pdu();
		if (r == R_TIMEOUT)
			continue;
		if (r != R_PDU)
			break;
		if ((rbhs[0] & 0x3f) != 0x20 || get32(rbhs + 16) != 0xffffffffu) {
			printf("wrong: unexpected opcode 0x%02x while idle\n", rbhs[0] & 0x3f);
			return 1;
		}
		if (t_ping < 0)
			t_ping = now_s() - t0;
	}
	t_end = now_s() - t0;
	close_conn();
	answer_pings = true;
	if (r != R_CLOSED) {
		printf("wrong: a silent initiator was not dropped within %.0f s (%s)\n", t_end, what(r));
		return 1;
	}
	if (t_ping < 0 || t_end > 25) {
		printf("wrong: closed after %.1f s, %u pings (first at %.1f s)\n", t_end, pings, t_ping);
		return 1;
	}
	if (open_conn(false) || tur(0)) {
		printf("wrong: a fresh login after the drop failed\n");
		return 1;
	}
	printf("silent initiator: %u ping(s), first after %.1f s, connection closed after %.1f s; "
	       "fresh login works\n",
	       pings, t_ping, t_end);
	return 0;
}

/* 3c: answering the pings keeps the connection for more than 20 s. */
static int sc_nop_answer(void)
{
	double t0;
	int r;

	if (open_conn(false))
		return 3;
	t0 = now_s();
	set_timeout(1);
	while (now_s() - t0 < 22) {
		r = recv_pdu();
		if (r == R_TIMEOUT)
			continue;
		if (r == R_PDU) {
			printf("wrong: unexpected opcode 0x%02x while idle\n", rbhs[0] & 0x3f);
			return 1;
		}
		printf("wrong: %s after %.1f s although every ping was answered\n", what(r),
		       now_s() - t0);
		return 1;
	}
	set_timeout(5);
	if (pings < 2 || tur(0)) {
		printf("wrong: %u pings in 22 s, or the connection stopped working\n", pings);
		return 1;
	}
	printf("answered %u pings: connection up after %.0f s, TEST UNIT READY works\n", pings,
	       now_s() - t0);
	return 0;
}

static int logout(uint8_t reason, uint8_t *rsp)
{
	uint8_t b[BHS] = { 0 };
	int r;

	b[0] = 0x06;
	b[1] = 0x80 | reason;
	put32(b + 16, 0x10600 + reason);
	/* CID 0, as in our login (RFC 7143 11.14.3). */
	put32(b + 24, cmdsn++);
	put32(b + 28, exp_statsn);
	if (send_pdu(b, NULL, 0))
		return R_CLOSED;
	r = recv_pdu();
	if (r)
		return r;
	if ((rbhs[0] & 0x3f) != 0x26 || get32(rbhs + 16) != 0x10600u + reason) {
		fprintf(stderr, "opcode 0x%02x ITT 0x%x instead of the Logout Response\n",
			rbhs[0] & 0x3f, get32(rbhs + 16));
		return X_PROTO;
	}
	*rsp = rbhs[2];
	return X_DONE;
}

/* 4: Logout close-session (RFC 7143 11.14, 11.15). */
static int sc_logout_close(void)
{
	uint8_t rsp = 0xff;
	int r;

	if (open_conn(false) || tur(0))
		return 3;
	r = logout(0, &rsp);
	if (r != X_DONE || rsp) {
		printf("wrong: logout close-session: %s response %u\n", r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	r = recv_pdu();
	if (r != R_CLOSED) {
		printf("wrong: the target did not close after the Logout Response (%s)\n", what(r));
		return r == R_TIMEOUT ? 2 : 1;
	}
	printf("close session: Logout Response 0, then the target closed the connection\n");
	return 0;
}

/* Remove-for-recovery needs ErrorRecoveryLevel 2: response 2 (RFC 7143 11.15.1). */
static int sc_logout_recovery(void)
{
	uint8_t rsp = 0xff;
	int r;

	if (open_conn(false))
		return 3;
	r = logout(2, &rsp);
	if (r != X_DONE || rsp != 2) {
		printf("wrong: logout remove-for-recovery: %s response %u\n", r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	if (tur(0)) {
		printf("wrong: the connection stopped working after a refused logout\n");
		return 1;
	}
	printf("remove for recovery: Logout Response 2 (recovery not supported), session goes on\n");
	return 0;
}

static int tmf(uint8_t fn, unsigned lun, uint32_t rtt, uint32_t sn, uint32_t ref, uint8_t *rsp)
{
	uint8_t b[BHS] = { 0 };
	uint32_t itt = next_itt++;
	int r;

	b[0] = 0x40 | 0x02; /* immediate, as initiators send them */
	b[1] = 0x80 | fn;
	b[9] = (uint8_t)lun;
	put32(b + 16, itt);
	put32(b + 20, rtt);
	put32(b + 24, sn);
	put32(b + 28, exp_statsn);
	put32(b + 32, ref);
	if (send_pdu(b, NULL, 0))
		return R_CLOSED;
	r = recv_pdu();
	if (r)
		return r;
	if ((rbhs[0] & 0x3f) != 0x22 || get32(rbhs + 16) != itt) {
		fprintf(stderr, "opcode 0x%02x ITT 0x%x instead of the TMF Response\n",
			rbhs[0] & 0x3f, get32(rbhs + 16));
		return X_PROTO;
	}
	*rsp = rbhs[2];
	return X_DONE;
}

/* 5: task management (RFC 7143 11.5, 11.6). */
static int sc_tmf(void)
{
	uint8_t rsp = 0xff;
	int r;

	if (open_conn(false) || tur(0) || tur(1))
		return 3;
	/* 11.6.1 (c): unknown tag, RefCmdSN already behind ExpCmdSN: Task does not exist. */
	r = tmf(1, 0, 0xdead0001, cmdsn, cmdsn - 1, &rsp);
	if (r != X_DONE || rsp != 1) {
		printf("wrong: ABORT TASK of a finished CmdSN: %s response %u, not 1\n",
		       r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	/* 11.6.1 (c): RefCmdSN ahead of the window: no such task, Task does not exist. */
	r = tmf(1, 0, 0xdead0003, cmdsn, cmdsn + 100000, &rsp);
	if (r != X_DONE || rsp != 1) {
		printf("wrong: ABORT TASK of a CmdSN beyond the window: %s response %u, not 1\n",
		       r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	/* 11.6.1 (b): unknown tag whose RefCmdSN is in the window and not yet received:
	 * Function complete, and that CmdSN counts as received. */
	r = tmf(1, 0, 0xdead0002, cmdsn + 1, cmdsn, &rsp);
	if (r != X_DONE || rsp != 0) {
		printf("wrong: ABORT TASK of a CmdSN not yet received: %s response %u, not 0\n",
		       r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	cmdsn++;
	if (tur(0)) {
		printf("wrong: the CmdSN of the aborted, never received task was not considered "
		       "received (the next command stalls)\n");
		return 1;
	}
	/* LOGICAL UNIT RESET on existing LUNs, then on one that does not exist. */
	r = tmf(5, 0, 0xffffffffu, cmdsn, cmdsn, &rsp);
	if (r != X_DONE || rsp != 0) {
		printf("wrong: LUN RESET of LUN 0: %s response %u, not 0\n", r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	r = tmf(5, 1, 0xffffffffu, cmdsn, cmdsn, &rsp);
	if (r != X_DONE || rsp != 0) {
		printf("wrong: LUN RESET of LUN 1: %s response %u, not 0\n", r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	r = tmf(5, 5, 0xffffffffu, cmdsn, cmdsn, &rsp);
	if (r != X_DONE || rsp != 2) {
		printf("wrong: LUN RESET of LUN 5: %s response %u, not 2\n", r ? what(r) : "", rsp);
		return r == R_TIMEOUT ? 2 : 1;
	}
	if (tur(0) || tur(1)) {
		printf("wrong: the LUNs do not work after the resets\n");
		return 1;
	}
	printf("ABORT TASK unknown tag: 1 (finished CmdSN), 1 (beyond the window), 0 (CmdSN not "
	       "yet received); "
	       "LUN RESET LUN 0/1: 0, LUN 5: 2 (LUN does not exist)\n");
	return 0;
}

/* A SCSI Command PDU without data (RFC 7143 11.3); dir 1 read, 2 write. */
static int send_cmd(unsigned lun, const uint8_t *cdb, int dir, uint32_t len, uint32_t itt)
{
	uint8_t b[BHS] = { 0 };

	b[0] = 0x01;
	b[1] = 0x80 | 0x01 | (dir == 1 ? 0x40 : 0) | (dir == 2 ? 0x20 : 0);
	b[9] = (uint8_t)lun;
	put32(b + 16, itt);
	put32(b + 20, len);
	put32(b + 24, cmdsn++);
	put32(b + 28, exp_statsn);
	memcpy(b + 32, cdb, 16);
	return send_pdu(b, NULL, 0);
}

/* An immediate ABORT TASK (RFC 7143 11.5) of itt sent as CmdSN sn; its ITT, 0 if not sent. */
static uint32_t send_abort(uint32_t itt, uint32_t sn)
{
	uint8_t b[BHS] = { 0 };
	uint32_t titt = next_itt++;

	b[0] = 0x40 | 0x02;
	b[1] = 0x80 | 1; /* ABORT TASK */
	put32(b + 16, titt);
	put32(b + 20, itt);
	put32(b + 24, cmdsn);
	put32(b + 28, exp_statsn);
	put32(b + 32, sn);
	return send_pdu(b, NULL, 0) ? 0 : titt;
}

/*
 * Read PDUs for secs seconds: the TMF Response to tmf_itt (its response in
 * *rsp, when in *when seconds) and anything else for the aborted task itt
 * (Data-In, SCSI Response, R2T), counted in *stray.
 */
static int collect(uint32_t tmf_itt, uint32_t itt, int secs, uint8_t *rsp, double *when,
		   unsigned *stray)
{
	double t0 = now_s();

	*rsp = 0xff;
	*stray = 0;
	set_timeout(1);
	while (now_s() - t0 < secs) {
		int r = recv_pdu();

		if (r == R_TIMEOUT || (r == R_ERROR && errno == EAGAIN))
			continue;
		if (r)
			return r;
		if ((rbhs[0] & 0x3f) == 0x22 && get32(rbhs + 16) == tmf_itt) {
			*rsp = rbhs[2];
			*when = now_s() - t0;
		} else if (get32(rbhs + 16) == itt) {
			if (*rsp == 0xff && (rbhs[0] & 0x3f) == 0x31)
				continue; /* an R2T sent before the abort arrived */
			(*stray)++;
			printf("stray PDU 0x%02x for the aborted task\n", rbhs[0] & 0x3f);
		}
	}
	set_timeout(5);
	return 0;
}

/*
 * ABORT TASK against a slow backend (LUN 0 is vdisk_nullio with delay_ms):
 * a READ in the backend, and a WRITE waiting for its Data-Out after an R2T.
 * Each gets FUNCTION COMPLETE, and nothing more is ever sent for the aborted
 * task; for the one in the backend the TMF Response waits for it to leave
 * the backend (SAM-5 7.11). The session keeps working afterwards.
 */
static int sc_abort_slow(void)
{
	uint8_t cdb[16] = { 0 }, rsp;
	uint32_t itt, sn, titt;
	unsigned stray;
	double when = 0;
	int r;

	if (open_conn(false) || tur(0))
		return 3;
	/* 1. A READ sitting in the backend. */
	cdb_rw10(cdb, 0x28, 0, 1);
	itt = next_itt++;
	sn = cmdsn;
	if (send_cmd(0, cdb, 1, 512, itt))
		return 2;
	usleep(100000);
	titt = send_abort(itt, sn);
	if (!titt)
		return 2;
	r = collect(titt, itt, 3, &rsp, &when, &stray);
	if (r || rsp != 0 || stray) {
		printf("wrong: ABORT TASK of a READ in the backend: response %u, %u stray PDUs\n",
		       rsp, stray);
		return 1;
	}
	printf("READ in the backend: FUNCTION COMPLETE after %.2f s, nothing else sent\n", when);
	/* 2. A WRITE waiting for Data-Out after its R2T (no immediate data sent). */
	cdb_rw10(cdb, 0x2a, 0, 8);
	itt = next_itt++;
	sn = cmdsn;
	if (send_cmd(0, cdb, 2, 4096, itt))
		return 2;
	r = recv_pdu();
	if (r || (rbhs[0] & 0x3f) != 0x31 || get32(rbhs + 16) != itt) {
		printf("wrong: no R2T for the WRITE (%s, opcode 0x%02x)\n", r ? what(r) : "",
		       rbhs[0] & 0x3f);
		return 1;
	}
	titt = send_abort(itt, sn);
	if (!titt)
		return 2;
	r = collect(titt, itt, 2, &rsp, &when, &stray);
	if (r || rsp != 0 || stray) {
		printf("wrong: ABORT TASK of a WRITE waiting for data: response %u, %u stray PDUs\n",
		       rsp, stray);
		return 1;
	}
	printf("WRITE waiting for Data-Out: FUNCTION COMPLETE after %.2f s, nothing else sent\n",
	       when);
	if (tur(0)) {
		printf("wrong: the session does not work after the aborts\n");
		return 1;
	}
	return 0;
}

/*
 * ABORT TASK of a READ whose response is being sent: an 8 MiB READ leaves the
 * slow backend and its Data-In fills the socket while we do not read; then the
 * ABORT TASK. The task is finished as far as the target is concerned: Task
 * does not exist (RFC 7143 11.6.1 (c), as libiscsi's AbortTaskSimpleAsync
 * wants), after all of the READ's Data-In and its status, and nothing for the
 * task after the TMF Response.
 */
static int sc_abort_in_response(void)
{
	uint8_t cdb[16] = { 0 };
	uint32_t itt, sn, titt, len = 8u << 20, bytes = 0;
	unsigned statuses = 0, after = 0;
	uint8_t rsp = 0xff, st = 0xff;
	double t0;

	if (open_conn(false) || tur(0))
		return 3;
	cdb_rw10(cdb, 0x28, 0, (uint16_t)(len / 512));
	itt = next_itt++;
	sn = cmdsn;
	if (send_cmd(0, cdb, 1, len, itt))
		return 2;
	usleep(1200000); /* past the backend's delay: Data-In is on its way */
	titt = send_abort(itt, sn);
	if (!titt)
		return 2;
	set_timeout(1);
	t0 = now_s();
	while (now_s() - t0 < 5) {
		int r = recv_pdu();

		if (r == R_TIMEOUT || (r == R_ERROR && errno == EAGAIN)) {
			if (rsp != 0xff)
				break;
			continue;
		}
		if (r)
			return r;
		if ((rbhs[0] & 0x3f) == 0x22 && get32(rbhs + 16) == titt) {
			rsp = rbhs[2];
			continue;
		}
		if (get32(rbhs + 16) != itt)
			continue;
		if (rsp != 0xff)
			after++;
		if ((rbhs[0] & 0x3f) == 0x25) {
			bytes += rdlen;
			if (rbhs[1] & 0x01) {
				statuses++;
				st = rbhs[3];
			}
		} else if ((rbhs[0] & 0x3f) == 0x21) {
			statuses++;
			st = rbhs[3];
		}
	}
	set_timeout(5);
	printf("READ of 8 MiB aborted while sending: %u bytes of Data-In, %u status (0x%02x), "
	       "TMF response %u, %u PDUs after it\n", bytes, statuses, st, rsp, after);
	if (rsp != 1 || after || statuses != 1 || st != 0 || bytes != len)
		return 1;
	return tur(0) ? 1 : 0;
}

/* A command with the ACA task attribute and no ACA condition: INVALID MESSAGE ERROR. */
static int sc_aca_attr(void)
{
	uint8_t b[BHS] = { 0 };
	uint32_t itt;

	if (open_conn(false) || tur(0))
		return 3;
	itt = next_itt++;
	b[0] = 0x01;
	b[1] = 0x80 | 0x04; /* F, ATTR ACA */
	put32(b + 16, itt);
	put32(b + 24, cmdsn++);
	put32(b + 28, exp_statsn);
	if (send_pdu(b, NULL, 0) || recv_pdu())
		return 2;
	if ((rbhs[0] & 0x3f) != 0x21 || rbhs[3] != 0x02 || rdlen < 16 || (rdata[4] & 0x0f) != 5 ||
	    rdata[14] != 0x49) {
		printf("wrong: opcode 0x%02x status 0x%02x sense key %x asc 0x%02x\n",
		       rbhs[0] & 0x3f, rbhs[3], rdlen > 4 ? rdata[4] & 0x0f : 0,
		       rdlen > 14 ? rdata[14] : 0);
		return 1;
	}
	printf("ACA attribute without an ACA condition: CHECK CONDITION 5/49/00\n");
	return tur(0) ? 1 : 0;
}

/* Control mode page TAS (SPC-4 7.5.8) through MODE SENSE(6) and MODE SELECT(6) on LUN 0. */
static int set_tas(bool on)
{
	uint8_t cdb[16] = { 0x1a, 0x08, 0x0a, 0, 16 }, buf[16], st = 0xff;

	if (scsi_ua(0, cdb, 1, buf, sizeof(buf), &st) != X_DONE || st)
		return -1;
	buf[0] = 0; /* MODE DATA LENGTH is reserved in MODE SELECT */
	buf[2] = 0;
	buf[4 + 5] = on ? (uint8_t)(buf[4 + 5] | 0x40) : (uint8_t)(buf[4 + 5] & ~0x40);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x15;
	cdb[1] = 0x10; /* PF */
	cdb[4] = sizeof(buf);
	return scsi_ua(0, cdb, 2, buf, sizeof(buf), &st) == X_DONE && !st ? 0 : -1;
}

/*
 * Read what comes for task itt during secs seconds: SCSI Responses (the last
 * one's status in *status) and other PDUs.
 */
static int task_pdus(uint32_t itt, double secs, unsigned *responses, uint8_t *status,
		     unsigned *others)
{
	double t0 = now_s();

	*responses = *others = 0;
	set_timeout(1);
	while (now_s() - t0 < secs) {
		int r = recv_pdu();

		if (r == R_TIMEOUT || (r == R_ERROR && errno == EAGAIN))
			continue;
		if (r)
			return r;
		if (get32(rbhs + 16) != itt)
			continue;
		if ((rbhs[0] & 0x3f) == 0x21) {
			(*responses)++;
			*status = rbhs[3];
		} else {
			(*others)++;
		}
	}
	set_timeout(5);
	return 0;
}

/*
 * LOGICAL UNIT RESET from one I_T nexus (A) while another (B) has a READ in
 * the slow backend (SAM-5 7.7): the TMF Response to A waits until B's READ has
 * left the backend; B's READ ends with TASK ABORTED status when TAS is 1 and
 * silently when it is 0; B's next command gets BUS DEVICE RESET FUNCTION
 * OCCURRED (6/29/03), and B works on.
 */
static int sc_reset_other(bool tas)
{
	struct cstate a, b;
	uint8_t cdb[16], rsp = 0xff;
	uint32_t itt;
	unsigned responses = 0, others = 0;
	uint8_t bstat = 0xff;
	double t0, when;
	int r;

	if (open_conn(false) || tur(0) || set_tas(tas))
		return 3;
	a = cs_get();
	fd = -1;
	isid_q[2] ^= 0x5a; /* another ISID: another I_T nexus */
	if (open_conn(false) || tur(0))
		return 3;
	b = cs_get();
	cdb_rw10(cdb, 0x28, 0, 1);
	itt = next_itt++;
	if (send_cmd(0, cdb, 1, 512, itt))
		return 2;
	usleep(100000);
	b = cs_get();
	cs_set(a);
	t0 = now_s();
	r = tmf(5, 0, 0xffffffffu, cmdsn, 0, &rsp); /* LOGICAL UNIT RESET */
	when = now_s() - t0;
	if (r || rsp != 0) {
		printf("wrong: LUN RESET from A: %s, response %u\n", r ? what(r) : "done", rsp);
		return 1;
	}
	printf("LUN RESET from A: FUNCTION COMPLETE after %.2f s\n", when);
	if (when < 0.4) {
		printf("wrong: the TMF Response came before B's READ left the backend\n");
		return 1;
	}
	a = cs_get();
	cs_set(b);
	r = task_pdus(itt, 1.5, &responses, &bstat, &others);
	if (r)
		return r;
	printf("B's READ: %u SCSI Responses (status 0x%02x), %u other PDUs\n", responses, bstat,
	       others);
	if (others || responses != (tas ? 1u : 0u) || (tas && bstat != 0x40)) {
		printf("wrong: with TAS %d B's aborted READ should end %s\n", tas,
		       tas ? "with TASK ABORTED status" : "silently");
		return 1;
	}
	memset(cdb, 0, sizeof(cdb));
	r = scsi(0, cdb, 0, NULL, 0, &bstat);
	if (r != X_DONE || bstat != 0x02 || sense_len < 14 || (sense[2] & 0x0f) != 6 ||
	    sense[12] != 0x29 || sense[13] != 0x03) {
		printf("wrong: B's next command: status 0x%02x sense %x/%02x/%02x, want 6/29/03\n",
		       bstat, sense_len > 2 ? sense[2] & 0xf : 0, sense_len > 12 ? sense[12] : 0,
		       sense_len > 13 ? sense[13] : 0);
		return 1;
	}
	printf("B's next command: BUS DEVICE RESET FUNCTION OCCURRED\n");
	if (tur(0)) {
		printf("wrong: B does not work after the reset\n");
		return 1;
	}
	close_conn();
	cs_set(a);
	return tur(0) ? 1 : 0;
}

/* PERSISTENT RESERVE OUT on LUN 0 (SPC-4 6.16): service action sa, TYPE type. */
static int pr_out(uint8_t sa, uint8_t type, uint64_t key, uint64_t sa_key, uint8_t *st)
{
	uint8_t cdb[16] = { 0x5f, sa, type, 0, 0, 0, 0, 0, 24 }, p[24] = { 0 };

	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(key >> (56 - 8 * i));
		p[8 + i] = (uint8_t)(sa_key >> (56 - 8 * i));
	}
	return scsi_ua(0, cdb, 2, p, sizeof(p), st);
}

/*
 * PREEMPT AND ABORT (SPC-4 5.13.11.2.4): B registers and reserves (write
 * exclusive) and has a READ in the slow backend; A registers and preempts B
 * with abort. A's PERSISTENT RESERVE OUT completes only after B's READ has
 * left the backend; B's READ ends with TASK ABORTED (TAS is 1 by default).
 */
static int sc_preempt_abort(void)
{
	struct cstate a, b;
	uint8_t cdb[16], st = 0xff;
	uint32_t itt;
	unsigned responses = 0, others = 0;
	uint8_t bstat = 0xff;
	double t0, when;
	int r;

	if (open_conn(false) || tur(0))
		return 3;
	if (pr_out(6, 0, 0, 0xb0b, &st) != X_DONE || st || /* REGISTER AND IGNORE */
	    pr_out(1, 1, 0xb0b, 0, &st) != X_DONE || st) { /* RESERVE, write exclusive */
		printf("wrong: B cannot register and reserve (status 0x%02x)\n", st);
		return 1;
	}
	b = cs_get();
	fd = -1;
	isid_q[2] ^= 0xa5;
	if (open_conn(false) || tur(0))
		return 3;
	if (pr_out(6, 0, 0, 0xa0a, &st) != X_DONE || st) {
		printf("wrong: A cannot register (status 0x%02x)\n", st);
		return 1;
	}
	a = cs_get();
	cs_set(b);
	cdb_rw10(cdb, 0x28, 0, 1);
	itt = next_itt++;
	if (send_cmd(0, cdb, 1, 512, itt))
		return 2;
	usleep(100000);
	b = cs_get();
	cs_set(a);
	t0 = now_s();
	r = pr_out(5, 1, 0xa0a, 0xb0b, &st); /* PREEMPT AND ABORT, write exclusive */
	when = now_s() - t0;
	if (r != X_DONE || st) {
		printf("wrong: PREEMPT AND ABORT: %s, status 0x%02x\n", r ? what(r) : "done", st);
		return 1;
	}
	printf("PREEMPT AND ABORT from A: GOOD after %.2f s\n", when);
	if (when < 0.4) {
		printf("wrong: it completed before B's READ left the backend\n");
		return 1;
	}
	a = cs_get();
	cs_set(b);
	r = task_pdus(itt, 1.5, &responses, &bstat, &others);
	if (r)
		return r;
	if (responses != 1 || bstat != 0x40 || others) {
		printf("wrong: B's READ: %u responses, status 0x%02x; want TASK ABORTED\n",
		       responses, bstat);
		return 1;
	}
	printf("B's READ ended with TASK ABORTED\n");
	close_conn();
	cs_set(a);
	/* A holds the reservation now: its write goes through. */
	cdb_rw10(cdb, 0x2a, 0, 1);
	{
		uint8_t blk[512] = { 0 };

		r = scsi_ua(0, cdb, 2, blk, sizeof(blk), &st);
	}
	if (r != X_DONE || st) {
		printf("wrong: A's WRITE after the preemption: status 0x%02x\n", st);
		return 1;
	}
	pr_out(3, 0, 0xa0a, 0, &st); /* CLEAR, for the next run */
	return 0;
}

static int sc_reset_other_tas0(void)
{
	return sc_reset_other(false);
}

static int sc_reset_other_tas1(void)
{
	return sc_reset_other(true);
}

static const struct {
	const char *name;
	int (*fn)(void);
} proto_scenarios[] = {
	{ "reset-other-tas0", sc_reset_other_tas0 },
	{ "preempt-abort", sc_preempt_abort },
	{ "abort-in-response", sc_abort_in_response },
	{ "aca-attr", sc_aca_attr },
	{ "reset-other-tas1", sc_reset_other_tas1 },
	{ "abort-slow", sc_abort_slow },
	{ "digest-io", sc_digest_io },
	{ "first-burst", sc_first_burst },
	{ "digest-bad-dataout", sc_digest_bad_dataout },
	{ "digest-bad-immediate", sc_digest_bad_immediate },
	{ "digest-bad-header", sc_digest_bad_header },
	{ "reinstate", sc_reinstate },
	{ "nop-echo", sc_nop_echo },
	{ "nop-silent", sc_nop_silent },
	{ "nop-answer", sc_nop_answer },
	{ "logout-close", sc_logout_close },
	{ "logout-recovery", sc_logout_recovery },
	{ "tmf", sc_tmf },
};

int main(int argc, char **argv)
{
	const char *target = argc > 4 ? argv[4] : "iqn.2026-11.org.scst:t1";
	const char *sc;
	pid_t pid = getpid();
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s HOST PORT SCENARIO [TARGET]\n", argv[0]);
		return 3;
	}
	sc = argv[3];
	/* Each run its own ISID, so runs side by side do not reinstate each other. */
	isid_q[0] = (uint8_t)(pid >> 16);
	isid_q[1] = (uint8_t)(pid >> 8);
	isid_q[2] = (uint8_t)pid;
	g_host = argv[1];
	g_port = argv[2];
	g_target = target;
	for (size_t i = 0; i < sizeof(proto_scenarios) / sizeof(proto_scenarios[0]); i++) {
		if (strcmp(sc, proto_scenarios[i].name))
			continue;
		setvbuf(stdout, NULL, _IOLBF, 0);
		rc = proto_scenarios[i].fn();
		close_conn();
		return rc;
	}
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
	if (!strcmp(sc, "truncated-bhs"))
		rc = sc_truncated_bhs();
	else if (!strcmp(sc, "truncated-data"))
		rc = sc_truncated_data();
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
