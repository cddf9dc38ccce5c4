/*
 * guest_ram.h - the one way device models reach Guest RAM: a bounded
 * lookup from a guest-physical range to our pointer, which says no to any
 * range that is not wholly inside RAM.
 *
 * Everything a driver hands a device (ring addresses, descriptor
 * addresses and lengths) is hostile until it has passed through here;
 * arithmetic is done in 64 bits so that address + length cannot wrap.
 */
#ifndef LAUNCHER_GUEST_RAM_H
#define LAUNCHER_GUEST_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_ram {
	uint8_t *base;
	uint64_t size;
};

/* Does [gpa, gpa + len) lie inside RAM? */
static inline bool guest_ram__contains(const struct guest_ram *ram,
				       uint64_t gpa, uint64_t len)
{
	return gpa <= ram->size && len <= ram->size - gpa;
}

/* Our pointer to [gpa, gpa + len), or NULL if any of it is outside RAM. */
static inline uint8_t *guest_ram__range(const struct guest_ram *ram,
					uint64_t gpa, uint64_t len)
{
	if (!ram->base || !guest_ram__contains(ram, gpa, len))
		return NULL;
	return ram->base + gpa;
}

#endif /* LAUNCHER_GUEST_RAM_H */
