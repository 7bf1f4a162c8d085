/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CHAP (RFC 1994, RFC 7143 12.1.3). Fixed vectors were computed outside
 * this code with: printf '\x2a%s\x00\x01...\x0f' verysecretpassword | openssl dgst -<alg>.
 * Exchanges compute the expected response with OpenSSL EVP here, not with
 * the code under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "chap.h"

static const uint8_t chal16[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const char secret[] = "verysecretpassword";

static void hex2bin(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void check_vector(int alg, const char *hex)
{
	uint8_t want[32], got[32];
	unsigned len = (unsigned)strlen(hex) / 2;

	hex2bin(hex, want);
	assert_int_equal(iscsi_chap_digest_len(alg), len);
	assert_int_equal(iscsi_chap_hash(alg, 0x2a, secret, strlen(secret), chal16, 16, got), 0);
	assert_memory_equal(got, want, len);
}

static void test_vectors(void **state)
{
	(void)state;
	check_vector(ISCSI_CHAP_MD5, "72d8e9d78f56051651be893debbaf285");
	check_vector(ISCSI_CHAP_SHA1, "e72f04d61ab2db1aaaeff3cb7331520437620335");
	check_vector(ISCSI_CHAP_SHA256,
		     "9b7eefbc21331bba7e13f0c72f0fc7cd6a120ab4e0104b820bb083d772bb2cab");
	check_vector(ISCSI_CHAP_SHA3_256,
		     "178af1b6e26429b15a43ccc23e5cc11a1fb856d190c56ff6de738e3c3e3cfaae");
	assert_int_equal(iscsi_chap_digest_len(4), 0);
}

static void test_pick_alg(void **state)
{
	(void)state;
	assert_int_equal(iscsi_chap_pick_alg("7,5"), 7);
	assert_int_equal(iscsi_chap_pick_alg("1,2,5"), 5);
	assert_int_equal(iscsi_chap_pick_alg("8"), 8);
	assert_int_equal(iscsi_chap_pick_alg("55,6"), 6);
	assert_int_equal(iscsi_chap_pick_alg("1,2"), -1);
	assert_int_equal(iscsi_chap_pick_alg(""), -1);
}

static void test_decode(void **state)
{
	uint8_t out[ISCSI_CHAP_MAX_BIN + 4];
	char *big = malloc(2 * ISCSI_CHAP_MAX_BIN + 8);
	char hex[64];

	(void)state;
	assert_int_equal(iscsi_chap_decode("0x0a0B", out, sizeof(out)), 2);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0x0b);
	assert_int_equal(iscsi_chap_decode("0XabC", out, sizeof(out)), 2); /* odd: leading 0 */
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xbc);
	assert_int_equal(iscsi_chap_decode("0bctjp149WBRZRvok967ryhQ==", out, sizeof(out)), 16);
	hex2bin("72d8e9d78f56051651be893debbaf285", (uint8_t *)hex);
	assert_memory_equal(out, hex, 16);
	assert_int_equal(iscsi_chap_decode("0bQUJD", out, sizeof(out)), 3);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(iscsi_chap_decode("0bQUI=", out, sizeof(out)), 2);
	assert_int_equal(iscsi_chap_decode("0bQQ==", out, sizeof(out)), 1);
	/* Malformed. */
	assert_int_equal(iscsi_chap_decode("0x", out, sizeof(out)), -EINVAL);
	assert_int_equal(iscsi_chap_decode("0b", out, sizeof(out)), -EINVAL);
	assert_int_equal(iscsi_chap_decode("abcd", out, sizeof(out)), -EINVAL);
	assert_int_equal(iscsi_chap_decode("0x12g4", out, sizeof(out)), -EINVAL);
	assert_int_equal(iscsi_chap_decode("0bQU=J", out, sizeof(out)), -EINVAL);
	assert_int_equal(iscsi_chap_decode("0bQUJ", out, sizeof(out)), -EINVAL);
	assert_int_equal(iscsi_chap_decode("0bQ===", out, sizeof(out)), -EINVAL);
	/* Bounded to ISCSI_CHAP_MAX_BIN bytes. */
	strcpy(big, "0x");
	memset(big + 2, 'f', 2 * ISCSI_CHAP_MAX_BIN);
	big[2 + 2 * ISCSI_CHAP_MAX_BIN] = '\0';
	assert_int_equal(iscsi_chap_decode(big, out, ISCSI_CHAP_MAX_BIN), ISCSI_CHAP_MAX_BIN);
	strcat(big, "ff");
	assert_int_equal(iscsi_chap_decode(big, out, ISCSI_CHAP_MAX_BIN), -E2BIG);
	strcpy(big, "0b");
	memset(big + 2, 'A', 1368); /* 1026 bytes */
	big[2 + 1368] = '\0';
	assert_int_equal(iscsi_chap_decode(big, out, ISCSI_CHAP_MAX_BIN), -E2BIG);
	free(big);
	iscsi_chap_encode_hex((const uint8_t *)"\x01\xab", 2, hex);
	assert_string_equal(hex, "0x01ab");
}

static void test_creds(void **state)
{
	struct iscsi_chap_cred c;

	(void)state;
	assert_int_equal(iscsi_chap_find_cred("alice pw1;bob  pass word ; carol x", "bob", &c), 0);
	assert_string_equal(c.name, "bob");
	assert_string_equal(c.secret, "pass word");
	assert_int_equal(iscsi_chap_find_cred("alice pw1;bob pw2", NULL, &c), 0);
	assert_string_equal(c.name, "alice");
	assert_int_equal(iscsi_chap_find_cred("alice pw1", "dave", &c), -ENOENT);
	assert_int_equal(iscsi_chap_find_cred("nosecret", NULL, &c), -ENOENT);
	assert_int_equal(iscsi_chap_find_cred("", NULL, &c), -ENOENT);
}

/* ---- exchanges ---- */

static const char *get(const struct iscsi_textout *o, const char *key)
{
	size_t kl = strlen(key);

	for (uint32_t p = 0; p < o->len; p += (uint32_t)strlen(o->data + p) + 1)
		if (!strncmp(o->data + p, key, kl) && o->data[p + kl] == '=')
			return o->data + p + kl + 1;
	return NULL;
}

static void evp_hash(const char *md, uint8_t id, const char *sec, const uint8_t *c, size_t cl,
		     uint8_t *out, unsigned *olen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_true(EVP_DigestInit_ex(ctx, EVP_get_digestbyname(md), NULL));
	EVP_DigestUpdate(ctx, &id, 1);
	EVP_DigestUpdate(ctx, sec, strlen(sec));
	EVP_DigestUpdate(ctx, c, cl);
	EVP_DigestFinal_ex(ctx, out, olen);
	EVP_MD_CTX_free(ctx);
}

static void to_hex(const uint8_t *b, unsigned n, char *out)
{
	out += sprintf(out, "0x");
	for (unsigned i = 0; i < n; i++)
		out += sprintf(out, "%02X", b[i]);
}

struct ex {
	struct iscsi_chap chap;
	struct iscsi_textout out;
	uint8_t id;
	uint8_t chal[64];
	int clen;
};

/* Start an exchange with CHAP_A=list and read back CHAP_I and CHAP_C. */
static void start(struct ex *e, const char *list, const char *want_alg, int want_clen)
{
	uint64_t id;

	iscsi_textout_free(&e->out);
	memset(e, 0, sizeof(*e));
	iscsi_chap_init(&e->chap);
	assert_int_equal(iscsi_chap_challenge(&e->chap, list, &e->out), 0);
	assert_string_equal(get(&e->out, "CHAP_A"), want_alg);
	assert_int_equal(iscsi_parse_number(get(&e->out, "CHAP_I"), 0, 255, &id), 0);
	e->id = (uint8_t)id;
	assert_memory_equal(get(&e->out, "CHAP_C"), "0x", 2);
	e->clen = iscsi_chap_decode(get(&e->out, "CHAP_C"), e->chal, sizeof(e->chal));
	assert_int_equal(e->clen, want_clen);
	iscsi_textout_reset(&e->out);
}

static void test_one_way(void **state)
{
	static const struct {
		const char *list, *alg, *md;
		int len;
	} algs[] = {
		{ "5", "5", "MD5", 16 },
		{ "6,5", "6", "SHA1", 20 },
		{ "7", "7", "SHA256", 32 },
		{ "8,7,6,5", "8", "SHA3-256", 32 },
	};
	uint8_t r[32];
	unsigned rl;
	char hex[80];
	struct ex e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		start(&e, algs[i].list, algs[i].alg, algs[i].len);
		evp_hash(algs[i].md, e.id, "s3cret-of-ini", e.chal, (size_t)e.clen, r, &rl);
		to_hex(r, rl, hex);
		assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, NULL, NULL,
						     "other x;ini s3cret-of-ini", NULL, &e.out),
				 0);
		assert_int_equal(e.out.len, 0); /* nothing to say in one-way CHAP */
		iscsi_textout_free(&e.out);
	}
}

static void test_wrong_secret_and_user(void **state)
{
	uint8_t r[16];
	unsigned rl;
	char hex[80];
	struct ex e = { 0 };

	(void)state;
	start(&e, "5", "5", 16);
	evp_hash("MD5", e.id, "wrong", e.chal, 16, r, &rl);
	to_hex(r, rl, hex);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, NULL, NULL, "ini right", NULL,
					     &e.out),
			 -EACCES);
	/* One attempt: a second response is refused even when right. */
	evp_hash("MD5", e.id, "right", e.chal, 16, r, &rl);
	to_hex(r, rl, hex);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, NULL, NULL, "ini right", NULL,
					     &e.out),
			 -EACCES);
	/* Unknown user name. */
	start(&e, "5", "5", 16);
	evp_hash("MD5", e.id, "right", e.chal, 16, r, &rl);
	to_hex(r, rl, hex);
	assert_int_equal(iscsi_chap_response(&e.chap, "nobody", hex, NULL, NULL, "ini right",
					     NULL, &e.out),
			 -EACCES);
	/* A response of the wrong length. */
	start(&e, "5", "5", 16);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", "0x0011", NULL, NULL, "ini right",
					     NULL, &e.out),
			 -EACCES);
	iscsi_textout_free(&e.out);
}

static void test_base64_response(void **state)
{
	uint8_t r[32];
	unsigned rl;
	char b64[80] = "0b";
	struct ex e = { 0 };

	(void)state;
	start(&e, "7", "7", 32);
	evp_hash("SHA256", e.id, "b64secret", e.chal, 32, r, &rl);
	EVP_EncodeBlock((unsigned char *)b64 + 2, r, (int)rl);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", b64, NULL, NULL, "ini b64secret",
					     NULL, &e.out),
			 0);
	iscsi_textout_free(&e.out);
}

static void test_oversized_response(void **state)
{
	char *big = malloc(2 * ISCSI_CHAP_MAX_BIN + 8);
	struct ex e = { 0 };

	(void)state;
	start(&e, "5", "5", 16);
	strcpy(big, "0x");
	memset(big + 2, 'a', 2 * ISCSI_CHAP_MAX_BIN + 2);
	big[2 * ISCSI_CHAP_MAX_BIN + 4] = '\0';
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", big, NULL, NULL, "ini pw", NULL,
					     &e.out),
			 -EACCES);
	free(big);
	iscsi_textout_free(&e.out);
}

static void test_mutual(void **state)
{
	static const uint8_t ichal[20] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
					   9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };
	uint8_t r[32];
	unsigned rl;
	char hex[80], chex[80];
	struct ex e = { 0 };

	(void)state;
	start(&e, "7,5", "7", 32);
	evp_hash("SHA256", e.id, "inisecret123", e.chal, 32, r, &rl);
	to_hex(r, rl, hex);
	to_hex(ichal, sizeof(ichal), chex);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, "200", chex, "ini inisecret123",
					     "tgtuser tgtsecret456", &e.out),
			 0);
	/* Our answer: CHAP_N = outgoing name, CHAP_R = H(their id, outgoing secret, their C). */
	assert_string_equal(get(&e.out, "CHAP_N"), "tgtuser");
	evp_hash("SHA256", 200, "tgtsecret456", ichal, sizeof(ichal), r, &rl);
	to_hex(r, rl, hex);
	for (char *p = hex + 2; *p; p++)
		*p = (char)(*p >= 'A' ? *p - 'A' + 'a' : *p);
	assert_string_equal(get(&e.out, "CHAP_R"), hex);
	iscsi_textout_free(&e.out);
}

static void test_mutual_failures(void **state)
{
	uint8_t r[32];
	unsigned rl;
	char hex[80], chex[80];
	struct ex e = { 0 };

	(void)state;
	/* Reflection: our own challenge sent back. */
	start(&e, "5", "5", 16);
	evp_hash("MD5", e.id, "pw", e.chal, 16, r, &rl);
	to_hex(r, rl, hex);
	to_hex(e.chal, 16, chex);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, "1", chex, "ini pw", "t tpw",
					     &e.out),
			 -EACCES);
	assert_int_equal(e.out.len, 0);
	/* Mutual without an outgoing user configured. */
	start(&e, "5", "5", 16);
	evp_hash("MD5", e.id, "pw", e.chal, 16, r, &rl);
	to_hex(r, rl, hex);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, "1", "0x0102030405", "ini pw",
					     NULL, &e.out),
			 -EACCES);
	/* CHAP_I without CHAP_C, and a bad CHAP_I. */
	start(&e, "5", "5", 16);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, "1", NULL, "ini pw", "t tpw",
					     &e.out),
			 -EACCES);
	start(&e, "5", "5", 16);
	evp_hash("MD5", e.id, "pw", e.chal, 16, r, &rl);
	to_hex(r, rl, hex);
	assert_int_equal(iscsi_chap_response(&e.chap, "ini", hex, "256", "0x0102", "ini pw",
					     "t tpw", &e.out),
			 -EACCES);
	iscsi_textout_free(&e.out);
}

static void test_no_algorithm(void **state)
{
	struct iscsi_chap c;
	struct iscsi_textout o = { 0 };

	(void)state;
	iscsi_chap_init(&c);
	assert_int_equal(iscsi_chap_challenge(&c, "1,2,3", &o), -EACCES);
	assert_int_equal(o.len, sizeof("CHAP_A=Reject"));
	assert_string_equal(get(&o, "CHAP_A"), "Reject");
	/* A response before any challenge. */
	assert_int_equal(iscsi_chap_response(&c, "ini", "0x00", NULL, NULL, "ini pw", NULL, &o),
			 -EACCES);
	iscsi_textout_free(&o);
}

static void test_fresh_challenges(void **state)
{
	struct ex a = { 0 }, b = { 0 };

	(void)state;
	start(&a, "5", "5", 16);
	start(&b, "5", "5", 16);
	assert_memory_not_equal(a.chal, b.chal, 16);
	iscsi_textout_free(&a.out);
	iscsi_textout_free(&b.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_pick_alg),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_creds),
		cmocka_unit_test(test_one_way),
		cmocka_unit_test(test_wrong_secret_and_user),
		cmocka_unit_test(test_base64_response),
		cmocka_unit_test(test_oversized_response),
		cmocka_unit_test(test_mutual),
		cmocka_unit_test(test_mutual_failures),
		cmocka_unit_test(test_no_algorithm),
		cmocka_unit_test(test_fresh_challenges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
