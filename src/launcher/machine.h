/*
 * machine.h - the Guest's hardware as the Launcher builds it: its RAM, its
 * PCI bus, the MMIO regions of device BARs, and the address space and
 * interrupt lines handed out to devices.  Device models reach the Guest
 * only through this: they never see the Host or the CPU emulator.
 *
 * It is also where a device says the Guest must die (a hostile
 * descriptor), or that the user wants to quit: machine__kill_guest() and
 * machine__quit() record why and kick the run loop, which ends the run
 * (main.c).  Both may be called from any thread.
 */
#ifndef LAUNCHER_MACHINE_H
#define LAUNCHER_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_ram.h"
#include "io_loop.h"
#include "pci.h"

/* The window above RAM left empty before the first BAR (legacy device pages). */
#define MACHINE_BAR_WINDOW_OFFSET 0x100000u
#define MACHINE_PAGE_SIZE 4096u
#define MACHINE_MAX_MMIO_REGIONS PCI_MAX_SLOTS
#define MACHINE_STOP_REASON_MAX 256

/*
 * A range of guest-physical addresses a device answers (a BAR).  offset is
 * relative to the start; the access lies wholly inside.  Both return 0, or
 * -1 when the access broke the device's rules (already reported by it).
 */
struct mmio_ops {
	int (*read)(void *opaque, uint32_t offset, unsigned size, uint32_t *value);
	int (*write)(void *opaque, uint32_t offset, unsigned size, uint32_t value);
};

struct mmio_region {
	uint32_t base, size;
	const struct mmio_ops *ops;
	void *opaque;
};

enum machine_stop {
	MACHINE_RUNNING,
	MACHINE_GUEST_KILLED, /* a device found the Guest hostile */
	MACHINE_USER_QUIT,    /* the console's escape: Ctrl-A x */
};

struct machine {
	struct guest_ram ram;
	struct pci_bus pci;
	struct mmio_region mmio[MACHINE_MAX_MMIO_REGIONS];
	unsigned nr_mmio;
	uint64_t next_bar; /* where the next BAR may start */
	unsigned next_irq; /* the next unused interrupt line (0 is the timer) */

	/* The console's backend: the terminal by default. */
	int console_in_fd;  /* -1: no input */
	int console_out_fd;
	/* Put a terminal on console_in_fd into raw mode (the program sets it). */
	bool console_raw_tty;

	/* Where backends wait for the host (io_loop.h). */
	struct io_loop io;

	/* How devices raise an interrupt line: the Host's lguest_irq(). */
	void (*raise_irq)(void *opaque, unsigned line);
	void *irq_opaque;
	/* How to get the run loop's attention at once: lguest_break(). */
	void (*kick)(void *opaque);
	void *kick_opaque;

	/* Written once, by whoever stops the machine first. */
	int stop; /* enum machine_stop, accessed atomically */
	char stop_reason[MACHINE_STOP_REASON_MAX];
};

/* ram may be NULL (tests of devices that never touch it). */
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

/* Let a device answer [base, base + size); -1 if there are too many. */
int machine__add_mmio(struct machine *machine, uint32_t base, uint32_t size,
		      const struct mmio_ops *ops, void *opaque);
/* The region holding [addr, addr + size), or NULL. */
const struct mmio_region *machine__find_mmio(const struct machine *machine,
					     uint32_t addr, unsigned size);

/* The Guest must die: "virtio-blk: descriptor 5 points outside guest RAM". */
void machine__kill_guest(struct machine *machine, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The user asked to quit. */
void machine__quit(struct machine *machine);
/* MACHINE_RUNNING, or why the run must end (reason in stop_reason). */
enum machine_stop machine__stopped(const struct machine *machine);

#endif /* LAUNCHER_MACHINE_H */
