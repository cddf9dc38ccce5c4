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
	/*
	 * Told of every range a device is about to fill (the writable buffers
	 * of each chain it takes), so the CPU forgets code it translated from
	 * there: the Guest is stopped while devices work, so telling before
	 * the write is as good as after.  NULL: nobody to tell (tests).
	 */
	void (*device_write)(void *opaque, uint64_t gpa, uint64_t len);
	void *device_write_opaque;
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

/* A device will write [data, data + len), a range guest_ram__range() gave. */
static inline void guest_ram__device_write(const struct guest_ram *ram,
					   const uint8_t *data, uint64_t len)
{
	if (ram->device_write && len)
		ram->device_write(ram->device_write_opaque,
				  (uint64_t)(data - ram->base), len);
}

#endif /* LAUNCHER_GUEST_RAM_H */
