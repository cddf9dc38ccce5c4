/*
 * guest_memory.h - the Guest's RAM: one zero-filled, page-aligned mapping
 * in our address space, whose byte offsets are Guest-physical addresses.
 */
#ifndef LAUNCHER_GUEST_MEMORY_H
#define LAUNCHER_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEMORY_MIB (1024ull * 1024ull)

struct guest_memory {
	uint8_t *base;
	uint64_t size;
};

/* 0, or -1 with a reason in err[]. */
int guest_memory__map(struct guest_memory *memory, uint32_t mib, char *err,
		      size_t errlen);
void guest_memory__unmap(struct guest_memory *memory);

#endif /* LAUNCHER_GUEST_MEMORY_H */
