/*
 * guest_memory.c - map the Guest's RAM.
 *
 * Anonymous and MAP_NORESERVE: the Guest's RAM starts zero-filled as the
 * kernel expects, and pages we never touch cost nothing, so a 2 GiB Guest
 * that uses 20 MiB needs 20 MiB.
 */
#include "guest_memory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int guest_memory__map(struct guest_memory *memory, uint32_t mib, char *err,
		      size_t errlen)
{
	uint64_t size = mib * GUEST_MEMORY_MIB;
	void *base = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED) {
		snprintf(err, errlen, "cannot allocate %u MiB of Guest memory: %s",
			 mib, strerror(errno));
		return -1;
	}
	memory->base = base;
	memory->size = size;
	return 0;
}

void guest_memory__unmap(struct guest_memory *memory)
{
	if (memory->base)
		munmap(memory->base, (size_t)memory->size);
	memory->base = NULL;
	memory->size = 0;
}
