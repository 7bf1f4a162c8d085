// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure checks on received PDUs: header validation, Data-Out placement,
 * AHS parsing and CRC32C. No I/O, no state: the connection layer decides
 * what to do with the verdicts. Unit tested in tests/unit/iscsi/test_pdu.c.
 */
#include <errno.h>
#include <string.h>
#include <isa-l/crc.h>

#include "iscsi_priv.h"

uint32_t iscsi_crc32c(const void *buf, uint32_t len)
{
	/* crc32_iscsi() neither seeds nor complements: RFC 7143 13.1 wants both. */
	return ~crc32_iscsi((unsigned char *)buf, (int)len, 0xffffffffu);
}

uint32_t iscsi_crc32c_update(uint32_t crc, const void *buf, uint32_t len)
{
	return crc32_iscsi((unsigned char *)buf, (int)len, crc);
}

uint32_t iscsi_crc32c_iov(const struct iovec *iov, unsigned n)
{
	uint32_t crc = 0xffffffffu;

	for (unsigned i = 0; i < n; i++)
		crc = crc32_iscsi(iov[i].iov_base, (int)iov[i].iov_len, crc);
	return ~crc;
}

static enum iscsi_verdict reject(uint8_t *out, uint8_t reason, enum iscsi_verdict v)
{
	*out = reason;
	return v;
}

enum iscsi_verdict iscsi_bhs_check(const uint8_t *bhs, const struct iscsi_rx_limits *lim,
				   uint8_t *reason)
{
	const struct iscsi_bhs *h = (const void *)bhs;
	uint8_t op = bhs[0] & ISCSI_OP_MASK;
	uint32_t dsl = iscsi_dlength(h);
	uint32_t itt = scst_get_be32(bhs + 16);

	*reason = 0;
	if (lim->phase == ISCSI_PHASE_LOGIN) {
		/* RFC 7143 6.1: only Login Requests until the login completes. */
		if (op != ISCSI_OP_LOGIN_REQ)
			return lim->login_started ? ISCSI_PDU_LOGIN_REJECT : ISCSI_PDU_DROP;
		if (h->ahs_len || dsl > ISCSI_MAX_TEXT_PDU)
			return ISCSI_PDU_LOGIN_REJECT;
		return ISCSI_PDU_OK;
	}

	switch (op) {
	case ISCSI_OP_SCSI_CMD:
	case ISCSI_OP_TMF_REQ:
	case ISCSI_OP_DATA_OUT:
		if (lim->phase == ISCSI_PHASE_DISCOVERY)
			/* RFC 7143 4.3: a discovery session does Text and Logout only. */
			return reject(reason, ISCSI_REJECT_PROTOCOL_ERROR, ISCSI_PDU_REJECT);
		break;
	case ISCSI_OP_NOOP_OUT:
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_LOGOUT_REQ:
		break;
	case ISCSI_OP_SNACK_REQ:
		/* ErrorRecoveryLevel 0 has no SNACK (RFC 7143 11.16). */
		return reject(reason, ISCSI_REJECT_SNACK, ISCSI_PDU_REJECT);
	case ISCSI_OP_LOGIN_REQ:
		/* RFC 7143 6.2: a login on a connection in full feature phase. */
		return reject(reason, ISCSI_REJECT_PROTOCOL_ERROR, ISCSI_PDU_REJECT_CLOSE);
	default:
		return reject(reason, ISCSI_REJECT_CMD_NOT_SUPPORTED, ISCSI_PDU_REJECT);
	}

	if (dsl > lim->max_recv_dsl)
		/* RFC 7143 13.12: the initiator must honour our MaxRecvDataSegmentLength. */
		return reject(reason, ISCSI_REJECT_PROTOCOL_ERROR, ISCSI_PDU_REJECT_CLOSE);
	if (h->ahs_len && op != ISCSI_OP_SCSI_CMD)
		return reject(reason, ISCSI_REJECT_INVALID_PDU_FIELD, ISCSI_PDU_REJECT);

	switch (op) {
	case ISCSI_OP_NOOP_OUT:
		/* RFC 7143 11.18: ITT 0xffffffff means no answer: must be immediate. */
		if (itt == ISCSI_RESERVED_TAG && !(bhs[0] & ISCSI_OP_IMMEDIATE))
			return reject(reason, ISCSI_REJECT_PROTOCOL_ERROR, ISCSI_PDU_REJECT);
		break;
	case ISCSI_OP_SCSI_CMD:
	case ISCSI_OP_TMF_REQ:
	case ISCSI_OP_TEXT_REQ:
	case ISCSI_OP_LOGOUT_REQ:
		if (itt == ISCSI_RESERVED_TAG)
			return reject(reason, ISCSI_REJECT_INVALID_PDU_FIELD, ISCSI_PDU_REJECT);
		break;
	default:
		break;
	}
	return ISCSI_PDU_OK;
}

enum iscsi_dout_err iscsi_dout_check(const struct iscsi_dout_expect *e, uint32_t ttt,
				     uint32_t datasn, uint32_t offset, uint32_t len, bool final)
{
	uint64_t end = (uint64_t)offset + len;

	if (ttt != e->ttt)
		return ISCSI_DOUT_BAD_TTT;
	if (datasn != e->datasn)
		return ISCSI_DOUT_BAD_DATASN;
	/* DataPDUInOrder=Yes: each PDU starts where the previous one ended (RFC 7143 13.19). */
	if (offset != e->offset)
		return ISCSI_DOUT_BAD_OFFSET;
	if (end > e->end)
		return ISCSI_DOUT_OVERRUN;
	if (e->final_required && (end == e->end) != final)
		return ISCSI_DOUT_BAD_FINAL;
	if (!e->final_required && end == e->end && !final)
		return ISCSI_DOUT_BAD_FINAL;
	return ISCSI_DOUT_OK;
}

int iscsi_parse_ahs(const uint8_t *ahs, uint32_t ahs_len, uint8_t *cdb_ext, uint32_t *ext_len,
		    bool *has_bidi, uint32_t *bidi_len)
{
	uint32_t pos = 0;

	*ext_len = 0;
	*has_bidi = false;
	*bidi_len = 0;
	while (pos < ahs_len) {
		uint32_t len, total;
		uint8_t type;

		if (ahs_len - pos < 4)
			return -EINVAL;
		len = scst_get_be16(ahs + pos);
		type = ahs[pos + 2];
		/* RFC 7143 11.2.2: AHSLength counts from byte 3 on; padded to 4. */
		total = iscsi_pad4(len + 3);
		if (len == 0 || total > ahs_len - pos)
			return -EINVAL;
		switch (type) {
		case 1: /* Extended CDB: a reserved byte, then the CDB beyond 16 bytes */
			if (len - 1 > SCST_MAX_CDB_SIZE - 16 || *ext_len)
				return -EINVAL;
			memcpy(cdb_ext, ahs + pos + 4, len - 1);
			*ext_len = len - 1;
			break;
		case 2: /* Bidirectional Read Expected Data Transfer Length */
			if (len != 5)
				return -EINVAL;
			*has_bidi = true;
			*bidi_len = scst_get_be32(ahs + pos + 4);
			break;
		default:
			return -EINVAL;
		}
		pos += total;
	}
	return 0;
}
