/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Basic SCSI and framework types shared by the core, target drivers and
 * dev handlers. Everything a driver or handler may include lives under
 * include/scst/; nothing else is part of the contract.
 */
#ifndef SCST_TYPES_H
#define SCST_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCST_MAX_CDB_SIZE 32
#define SCST_SENSE_BUFFERSIZE 96
#define SCST_MAX_NAME 224 /* iSCSI names are at most 223 bytes (RFC 7143 6.1) */
#define SCST_MAX_LUN 16384 /* flat space addressing limit (SAM-5 4.7.7) */

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define SCST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define scst_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Data direction of a command, from the initiator's point of view. */
enum scst_data_dir {
	SCST_DATA_NONE = 0,
	SCST_DATA_WRITE = 1, /* data-out: initiator to target */
	SCST_DATA_READ = 2, /* data-in: target to initiator */
	SCST_DATA_BIDI = 3,
};

/* SAM-5 task attributes. */
enum scst_task_attr {
	SCST_TASK_SIMPLE = 0,
	SCST_TASK_ORDERED = 1,
	SCST_TASK_HEAD_OF_QUEUE = 2,
	SCST_TASK_ACA = 3,
	SCST_TASK_UNTAGGED = 4,
};

/* SAM-5 status codes. */
enum scst_status {
	SCST_STATUS_GOOD = 0x00,
	SCST_STATUS_CHECK_CONDITION = 0x02,
	SCST_STATUS_CONDITION_MET = 0x04,
	SCST_STATUS_BUSY = 0x08,
	SCST_STATUS_RESERVATION_CONFLICT = 0x18,
	SCST_STATUS_TASK_SET_FULL = 0x28,
	SCST_STATUS_ACA_ACTIVE = 0x30,
	SCST_STATUS_TASK_ABORTED = 0x40,
};

/* Peripheral device types (SPC-4 table 49). */
enum scst_dev_type {
	SCST_TYPE_DISK = 0x00,
	SCST_TYPE_TAPE = 0x01,
	SCST_TYPE_ROM = 0x05,
	SCST_TYPE_NONE = 0x1f,
};

static inline uint16_t scst_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t scst_get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t scst_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t scst_get_be64(const uint8_t *p)
{
	return (uint64_t)scst_get_be32(p) << 32 | scst_get_be32(p + 4);
}

static inline void scst_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void scst_put_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void scst_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void scst_put_be64(uint8_t *p, uint64_t v)
{
	scst_put_be32(p, (uint32_t)(v >> 32));
	scst_put_be32(p + 4, (uint32_t)v);
}

#endif
