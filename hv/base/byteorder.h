/* Little-endian loads and stores at any byte address: the wire formats
 * Plinth reads and writes (virtio rings and configuration, PCI
 * configuration space, ACPI tables, GPT, ATA data) are little-endian and
 * their fields are often unaligned.  The copy goes through
 * __builtin_memcpy, which compiles to one move on x86-64 (also
 * little-endian) and needs no library; a big-endian build would swap. */
#ifndef PLINTH_BYTEORDER_H
#define PLINTH_BYTEORDER_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PLINTH_LE16(v) __builtin_bswap16(v)
#define PLINTH_LE32(v) __builtin_bswap32(v)
#define PLINTH_LE64(v) __builtin_bswap64(v)
#else
#define PLINTH_LE16(v) (v)
#define PLINTH_LE32(v) (v)
#define PLINTH_LE64(v) (v)
#endif

static inline uint16_t get_le16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return PLINTH_LE16(v);
}

static inline uint32_t get_le32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return PLINTH_LE32(v);
}

static inline uint64_t get_le64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return PLINTH_LE64(v);
}

static inline void put_le16(void *p, uint16_t v)
{
	uint16_t le = PLINTH_LE16(v);

	__builtin_memcpy(p, &le, sizeof(le));
}

static inline void put_le32(void *p, uint32_t v)
{
	uint32_t le = PLINTH_LE32(v);

	__builtin_memcpy(p, &le, sizeof(le));
}

static inline void put_le64(void *p, uint64_t v)
{
	uint64_t le = PLINTH_LE64(v);

	__builtin_memcpy(p, &le, sizeof(le));
}

#endif
