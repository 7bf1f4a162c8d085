// SPDX-License-Identifier: GPL-2.0-only
/*
 * CHAP (RFC 1994) as iSCSI uses it (RFC 7143 12.1.3). Pure functions over
 * strings and a small per-login state; hashing through OpenSSL EVP.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "chap.h"

/* ---- credentials ---- */

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse one entry [s, e) into out; -EINVAL if it is not "name secret". */
static int parse_cred(const char *s, const char *e, struct iscsi_chap_cred *out)
{
	const char *n, *ne, *sec;
	size_t nl, sl;

	while (s < e && blank(*s))
		s++;
	while (e > s && blank(e[-1]))
		e--;
	n = s;
	while (s < e && !blank(*s))
		s++;
	ne = s;
	while (s < e && blank(*s))
		s++;
	sec = s;
	nl = (size_t)(ne - n);
	sl = (size_t)(e - sec);
	if (!nl || !sl || nl > ISCSI_CHAP_NAME_MAX || sl > ISCSI_CHAP_SECRET_MAX)
		return -EINVAL;
	memcpy(out->name, n, nl);
	out->name[nl] = '\0';
	memcpy(out->secret, sec, sl);
	out->secret[sl] = '\0';
	return 0;
}

int iscsi_chap_find_cred(const char *cfg, const char *name, struct iscsi_chap_cred *out)
{
	const char *p = cfg;

	while (p && *p) {
		const char *e = strchr(p, ';');

		if (!e)
			e = p + strlen(p);
		if (!parse_cred(p, e, out) && (!name || !strcmp(out->name, name)))
			return 0;
		p = *e ? e + 1 : e;
	}
	OPENSSL_cleanse(out, sizeof(*out));
	return -ENOENT;
}

/* ---- algorithms ---- */

static const EVP_MD *chap_md(int alg)
{
	switch (alg) {
	case ISCSI_CHAP_MD5:
		return EVP_md5();
	case ISCSI_CHAP_SHA1:
		return EVP_sha1();
	case ISCSI_CHAP_SHA256:
		return EVP_sha256();
	case ISCSI_CHAP_SHA3_256:
		return EVP_sha3_256();
	default:
		return NULL;
	}
}

unsigned iscsi_chap_digest_len(int alg)
{
	switch (alg) {
	case ISCSI_CHAP_MD5:
		return 16;
	case ISCSI_CHAP_SHA1:
		return 20;
	case ISCSI_CHAP_SHA256:
	case ISCSI_CHAP_SHA3_256:
		return 32;
	default:
		return 0;
	}
}

int iscsi_chap_pick_alg(const char *list)
{
	const char *p = list;

	/* RFC 7143 12.1.3: the target picks from the initiator's ordered list. */
	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == 1 && p[0] >= '5' && p[0] <= '8' && chap_md(p[0] - '0'))
			return p[0] - '0';
		if (!e)
			break;
		p = e + 1;
	}
	return -1;
}

int iscsi_chap_hash(int alg, uint8_t id, const void *secret, size_t slen, const uint8_t *chal,
		    size_t clen, uint8_t *out)
{
	const EVP_MD *md = chap_md(alg);
	EVP_MD_CTX *ctx;
	unsigned olen = 0;
	int ok;

	if (!md)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* RFC 1994 4.1: the response is H(Identifier || secret || Challenge). */
	ok = EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, &id, 1) &&
	     EVP_DigestUpdate(ctx, secret, slen) && EVP_DigestUpdate(ctx, chal, clen) &&
	     EVP_DigestFinal_ex(ctx, out, &olen);
	EVP_MD_CTX_free(ctx);
	return ok && olen == iscsi_chap_digest_len(alg) ? 0 : -EINVAL;
}

/* ---- binary encodings (RFC 7143 6.1) ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int decode_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), bytes = (n + 1) / 2, o = 0;
	size_t i = 0;

	if (!n)
		return -EINVAL;
	if (bytes > max)
		return -E2BIG;
	if (n & 1) {
		int v = hexval(s[0]);

		if (v < 0)
			return -EINVAL;
		out[o++] = (uint8_t)v;
		i = 1;
	}
	for (; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[o++] = (uint8_t)(hi << 4 | lo);
	}
	return (int)o;
}

static int decode_b64(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), o = 0;

	if (!n || n % 4)
		return -EINVAL;
	if (n / 4 * 3 > max + 2)
		return -E2BIG;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		unsigned pad = 0;

		for (unsigned j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else {
				if (pad) /* '=' only at the very end */
					return -EINVAL;
				v[j] = b64val(s[i + j]);
				if (v[j] < 0)
					return -EINVAL;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		uint8_t b[3] = { (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w };

		for (unsigned j = 0; j < 3 - pad; j++) {
			if (o == max)
				return -E2BIG;
			out[o++] = b[j];
		}
	}
	return (int)o;
}

int iscsi_chap_decode(const char *s, uint8_t *out, size_t max)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return decode_hex(s + 2, out, max);
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return decode_b64(s + 2, out, max);
	return -EINVAL;
}

void iscsi_chap_encode_hex(const uint8_t *in, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";

	*out++ = '0';
	*out++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*out++ = hx[in[i] >> 4];
		*out++ = hx[in[i] & 15];
	}
	*out = '\0';
}

/* ---- the exchange ---- */

void iscsi_chap_init(struct iscsi_chap *c)
{
	memset(c, 0, sizeof(*c));
	c->alg = -1;
	c->state = ISCSI_CHAP_WAIT_A;
}

int iscsi_chap_challenge(struct iscsi_chap *c, const char *alg_list, struct iscsi_textout *out)
{
	char hex[2 * ISCSI_CHAP_MAX_DIGEST + 3];
	int ret;

	if (c->state != ISCSI_CHAP_WAIT_A)
		return -EACCES;
	c->alg = iscsi_chap_pick_alg(alg_list);
	if (c->alg < 0) {
		iscsi_textout_add(out, "CHAP_A", "Reject");
		return -EACCES;
	}
	/* RFC 7143 12.1.3: a fresh, unpredictable identifier and challenge every time. */
	c->clen = iscsi_chap_digest_len(c->alg);
	if (RAND_bytes(&c->id, 1) != 1 || RAND_bytes(c->challenge, (int)c->clen) != 1)
		return -EACCES;
	iscsi_chap_encode_hex(c->challenge, c->clen, hex);
	ret = iscsi_textout_addf(out, "CHAP_A", "%d", c->alg);
	if (!ret)
		ret = iscsi_textout_addf(out, "CHAP_I", "%u", c->id);
	if (!ret)
		ret = iscsi_textout_add(out, "CHAP_C", hex);
	if (ret)
		return -EACCES;
	c->state = ISCSI_CHAP_WAIT_R;
	return 0;
}

int iscsi_chap_response(struct iscsi_chap *c, const char *name, const char *resp,
			const char *mutual_id, const char *mutual_chal, const char *incoming,
			const char *outgoing, struct iscsi_textout *out)
{
	uint8_t got[ISCSI_CHAP_MAX_BIN], want[ISCSI_CHAP_MAX_DIGEST];
	uint8_t mchal[ISCSI_CHAP_MAX_BIN];
	unsigned dlen = iscsi_chap_digest_len(c->alg);
	struct iscsi_chap_cred cred;
	int glen, mlen = 0, ret = -EACCES;
	uint64_t mid = 0;

	if (c->state != ISCSI_CHAP_WAIT_R || !name || !resp || !incoming)
		return -EACCES;
	c->state = ISCSI_CHAP_DONE; /* one attempt per login */
	if (strlen(name) > ISCSI_CHAP_NAME_MAX)
		return -EACCES;
	glen = iscsi_chap_decode(resp, got, sizeof(got));
	if (glen < 0 || (unsigned)glen != dlen)
		return -EACCES;
	if ((mutual_id == NULL) != (mutual_chal == NULL))
		return -EACCES;
	if (mutual_chal) {
		if (iscsi_parse_number(mutual_id, 0, 255, &mid))
			return -EACCES;
		mlen = iscsi_chap_decode(mutual_chal, mchal, sizeof(mchal));
		if (mlen <= 0)
			return -EACCES;
		/* RFC 7143 12.1.3: a challenge reflected back at us is an attack. */
		if ((unsigned)mlen == c->clen && !CRYPTO_memcmp(mchal, c->challenge, c->clen))
			return -EACCES;
	}
	if (iscsi_chap_find_cred(incoming, name, &cred))
		return -EACCES;
	if (iscsi_chap_hash(c->alg, c->id, cred.secret, strlen(cred.secret), c->challenge,
			    c->clen, want))
		goto out;
	if (CRYPTO_memcmp(want, got, dlen))
		goto out;
	if (mutual_chal) {
		char hex[2 * ISCSI_CHAP_MAX_DIGEST + 3];

		if (!outgoing || iscsi_chap_find_cred(outgoing, NULL, &cred))
			goto out;
		if (iscsi_chap_hash(c->alg, (uint8_t)mid, cred.secret, strlen(cred.secret), mchal,
				    (size_t)mlen, want))
			goto out;
		iscsi_chap_encode_hex(want, dlen, hex);
		if (iscsi_textout_add(out, "CHAP_N", cred.name) ||
		    iscsi_textout_add(out, "CHAP_R", hex))
			goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(&cred, sizeof(cred));
	OPENSSL_cleanse(want, sizeof(want));
	return ret;
}
