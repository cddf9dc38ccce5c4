/*
 * bytes.h - little-endian loads and stores on byte buffers.
 *
 * Everything the Launcher reads from a kernel file or writes into the zero
 * page or a PCI configuration space is little-endian and may sit at any
 * alignment, so we never cast a byte pointer to a wider type.
 */
#ifndef LAUNCHER_BYTES_H
#define LAUNCHER_BYTES_H

#include <stdint.h>

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Read 1, 2 or 4 bytes. */
static inline uint32_t get_le(const uint8_t *p, unsigned size)
{
	return size == 1 ? p[0] : size == 2 ? get_le16(p) : get_le32(p);
}

/* Write the low 1, 2 or 4 bytes of v. */
static inline void put_le(uint8_t *p, unsigned size, uint32_t v)
{
	if (size == 1)
		p[0] = (uint8_t)v;
	else if (size == 2)
		put_le16(p, (uint16_t)v);
	else
		put_le32(p, v);
}

/* All-ones in the low `size` bytes: what an I/O access of that width sees. */
static inline uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

#endif /* LAUNCHER_BYTES_H */
