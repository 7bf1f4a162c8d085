/* SPDX-License-Identifier: GPL-2.0-only */
/* iSCSI PDU layouts and constants (RFC 7143 section 11). */
#ifndef ISCSI_PROTO_H
#define ISCSI_PROTO_H

#include <stdint.h>

#define ISCSI_BHS_LEN 48
#define ISCSI_DIGEST_LEN 4
#define ISCSI_MAX_AHS_LEN (255 * 4)
#define ISCSI_MAX_TEXT_PDU 8192 /* our MaxRecvDataSegmentLength floor for text/login */
#define ISCSI_MAX_TEXT_TOTAL 65536 /* bound on a multi-PDU text/login exchange */
#define ISCSI_MAX_KEY_NAME 63 /* RFC 7143 6.1 */
#define ISCSI_MAX_VALUE 8192
#define ISCSI_MAX_NAME 223
#define ISCSI_CHAP_MAX_BIN 1024

/* Initiator opcodes. */
#define ISCSI_OP_NOOP_OUT 0x00
#define ISCSI_OP_SCSI_CMD 0x01
#define ISCSI_OP_TMF_REQ 0x02
#define ISCSI_OP_LOGIN_REQ 0x03
#define ISCSI_OP_TEXT_REQ 0x04
#define ISCSI_OP_DATA_OUT 0x05
#define ISCSI_OP_LOGOUT_REQ 0x06
#define ISCSI_OP_SNACK_REQ 0x10
/* Target opcodes. */
#define ISCSI_OP_NOOP_IN 0x20
#define ISCSI_OP_SCSI_RSP 0x21
#define ISCSI_OP_TMF_RSP 0x22
#define ISCSI_OP_LOGIN_RSP 0x23
#define ISCSI_OP_TEXT_RSP 0x24
#define ISCSI_OP_DATA_IN 0x25
#define ISCSI_OP_LOGOUT_RSP 0x26
#define ISCSI_OP_R2T 0x31
#define ISCSI_OP_ASYNC_MSG 0x32
#define ISCSI_OP_REJECT 0x3f

#define ISCSI_OP_MASK 0x3f
#define ISCSI_OP_IMMEDIATE 0x40
#define ISCSI_FLAG_FINAL 0x80

/* SCSI Command flags (byte 1). */
#define ISCSI_CMD_READ 0x40
#define ISCSI_CMD_WRITE 0x20
#define ISCSI_CMD_ATTR_MASK 0x07

/* Login flags (byte 1). */
#define ISCSI_LOGIN_TRANSIT 0x80
#define ISCSI_LOGIN_CONTINUE 0x40
#define ISCSI_LOGIN_CSG_MASK 0x0c
#define ISCSI_LOGIN_CSG_SHIFT 2
#define ISCSI_LOGIN_NSG_MASK 0x03
#define ISCSI_STAGE_SECURITY 0
#define ISCSI_STAGE_OPERATIONAL 1
#define ISCSI_STAGE_FULL_FEATURE 3

/* Text flags. */
#define ISCSI_TEXT_CONTINUE 0x40

/* Data-In flags. */
#define ISCSI_DATA_ACK 0x40
#define ISCSI_DATA_OVERFLOW 0x04
#define ISCSI_DATA_UNDERFLOW 0x02
#define ISCSI_DATA_STATUS 0x01

/* SCSI Response flags. */
#define ISCSI_RSP_BIDI_OVERFLOW 0x10
#define ISCSI_RSP_BIDI_UNDERFLOW 0x08
#define ISCSI_RSP_OVERFLOW 0x04
#define ISCSI_RSP_UNDERFLOW 0x02
#define ISCSI_RSP_COMPLETED 0x00
#define ISCSI_RSP_TARGET_FAILURE 0x01

/* Login status class/detail (RFC 7143 11.13.5). */
#define ISCSI_LOGIN_STATUS_SUCCESS 0x00
#define ISCSI_LOGIN_STATUS_REDIRECT 0x01
#define ISCSI_LOGIN_STATUS_INITIATOR_ERR 0x02
#define ISCSI_LOGIN_STATUS_TARGET_ERR 0x03
#define ISCSI_LOGIN_DETAIL_INIT_ERR 0x00
#define ISCSI_LOGIN_DETAIL_AUTH_FAILED 0x01
#define ISCSI_LOGIN_DETAIL_FORBIDDEN 0x02
#define ISCSI_LOGIN_DETAIL_NOT_FOUND 0x03
#define ISCSI_LOGIN_DETAIL_TARGET_REMOVED 0x04
#define ISCSI_LOGIN_DETAIL_UNSUPPORTED_VERSION 0x05
#define ISCSI_LOGIN_DETAIL_TOO_MANY_CONNECTIONS 0x06
#define ISCSI_LOGIN_DETAIL_MISSING_PARAMETER 0x07
#define ISCSI_LOGIN_DETAIL_CANT_INCLUDE_IN_SESSION 0x08
#define ISCSI_LOGIN_DETAIL_SESSION_TYPE_UNSUPPORTED 0x09
#define ISCSI_LOGIN_DETAIL_SESSION_DOES_NOT_EXIST 0x0a
#define ISCSI_LOGIN_DETAIL_INVALID_REQUEST 0x0b
#define ISCSI_LOGIN_DETAIL_TARGET_ERROR 0x00
#define ISCSI_LOGIN_DETAIL_SERVICE_UNAVAILABLE 0x01
#define ISCSI_LOGIN_DETAIL_OUT_OF_RESOURCES 0x02

/* Reject reasons (RFC 7143 11.17.1). */
#define ISCSI_REJECT_DATA_DIGEST 0x02
#define ISCSI_REJECT_SNACK 0x03
#define ISCSI_REJECT_PROTOCOL_ERROR 0x04
#define ISCSI_REJECT_CMD_NOT_SUPPORTED 0x05
#define ISCSI_REJECT_IMM_CMD_REJECT 0x06
#define ISCSI_REJECT_TASK_IN_PROGRESS 0x07
#define ISCSI_REJECT_INVALID_DATA_ACK 0x08
#define ISCSI_REJECT_INVALID_PDU_FIELD 0x09
#define ISCSI_REJECT_LONG_OP 0x0a
#define ISCSI_REJECT_NEGOTIATION_RESET 0x0b
#define ISCSI_REJECT_WAITING_FOR_LOGOUT 0x0c

/* TMF function codes (RFC 7143 11.5.1) and responses (11.6.1). */
#define ISCSI_TMF_ABORT_TASK 1
#define ISCSI_TMF_ABORT_TASK_SET 2
#define ISCSI_TMF_CLEAR_ACA 3
#define ISCSI_TMF_CLEAR_TASK_SET 4
#define ISCSI_TMF_LUN_RESET 5
#define ISCSI_TMF_TARGET_WARM_RESET 6
#define ISCSI_TMF_TARGET_COLD_RESET 7
#define ISCSI_TMF_TASK_REASSIGN 8
#define ISCSI_TMF_RSP_COMPLETE 0
#define ISCSI_TMF_RSP_NO_TASK 1
#define ISCSI_TMF_RSP_NO_LUN 2
#define ISCSI_TMF_RSP_TASK_ALLEGIANT 3
#define ISCSI_TMF_RSP_NO_FAILOVER 4
#define ISCSI_TMF_RSP_NOT_SUPPORTED 5
#define ISCSI_TMF_RSP_AUTH_FAILED 6
#define ISCSI_TMF_RSP_REJECTED 255

/* Logout reasons and responses (RFC 7143 11.14, 11.15). */
#define ISCSI_LOGOUT_CLOSE_SESSION 0
#define ISCSI_LOGOUT_CLOSE_CONNECTION 1
#define ISCSI_LOGOUT_REMOVE_FOR_RECOVERY 2
#define ISCSI_LOGOUT_RSP_OK 0
#define ISCSI_LOGOUT_RSP_CID_NOT_FOUND 1
#define ISCSI_LOGOUT_RSP_RECOVERY_UNSUPPORTED 2
#define ISCSI_LOGOUT_RSP_CLEANUP_FAILED 3

/* Async events (RFC 7143 11.9.1). */
#define ISCSI_ASYNC_SCSI_EVENT 0
#define ISCSI_ASYNC_LOGOUT_REQUEST 1
#define ISCSI_ASYNC_DROP_CONNECTION 2
#define ISCSI_ASYNC_DROP_ALL 3
#define ISCSI_ASYNC_NEGOTIATE 4

#define ISCSI_RESERVED_TAG 0xffffffffu

/* The Basic Header Segment, common view (RFC 7143 11.2.1). */
struct iscsi_bhs {
	uint8_t opcode;
	uint8_t flags;
	uint8_t rsvd2[2];
	uint8_t ahs_len; /* in 4-byte words */
	uint8_t dlength[3];
	uint8_t lun[8];
	uint8_t itt[4];
	uint8_t opspec[28];
};

_Static_assert(sizeof(struct iscsi_bhs) == ISCSI_BHS_LEN, "BHS is 48 bytes");

static inline uint32_t iscsi_dlength(const struct iscsi_bhs *h)
{
	return (uint32_t)h->dlength[0] << 16 | (uint32_t)h->dlength[1] << 8 | h->dlength[2];
}

static inline void iscsi_set_dlength(struct iscsi_bhs *h, uint32_t len)
{
	h->dlength[0] = (uint8_t)(len >> 16);
	h->dlength[1] = (uint8_t)(len >> 8);
	h->dlength[2] = (uint8_t)len;
}

static inline uint32_t iscsi_pad4(uint32_t len)
{
	return (len + 3) & ~3u;
}

#endif
