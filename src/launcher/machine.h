/*
 * machine.h - the Guest's hardware as the Launcher builds it: its RAM, its
 * PCI bus, and the address space and interrupt lines handed out to
 * devices.  Device models reach the Guest only through this: they never
 * see the Host or the CPU emulator.
 */
#ifndef LAUNCHER_MACHINE_H
#define LAUNCHER_MACHINE_H

#include <stdint.h>

#include "pci.h"

/* The window above RAM left empty before the first BAR (legacy device pages). */
#define MACHINE_BAR_WINDOW_OFFSET 0x100000u
#define MACHINE_PAGE_SIZE 4096u

struct machine {
	uint8_t *ram;
	uint64_t ram_size;
	struct pci_bus pci;
	uint64_t next_bar; /* where the next BAR may start */
	unsigned next_irq; /* the next unused interrupt line (0 is the timer) */
	int console_out_fd; /* where the console writes; stdout by default */
	/* How devices raise an interrupt line: the Host's lguest_irq(). */
	void (*raise_irq)(void *opaque, unsigned line);
	void *irq_opaque;
};

void machine__init(struct machine *machine, uint8_t *ram, uint64_t ram_size);
/* Free every device. */
void machine__destroy(struct machine *machine);

/*
 * A naturally aligned BAR of `size` bytes (a power of two) above the MMIO
 * window's start.  -1 if the address space is full.
 */
int machine__alloc_bar(struct machine *machine, uint32_t size, uint32_t *base);
/* The next interrupt line, counting from 1. */
unsigned machine__alloc_irq(struct machine *machine);
/* The first page number above every BAR: lguest_initialize()'s device_limit. */
uint32_t machine__device_limit(const struct machine *machine);
void machine__raise_irq(struct machine *machine, unsigned line);

#endif /* LAUNCHER_MACHINE_H */
