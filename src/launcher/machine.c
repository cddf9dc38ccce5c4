/*
 * machine.c - RAM, the PCI bus, MMIO regions, BAR and IRQ allocation, and
 * stopping the machine.
 */
#include "machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/* BARs must stay below 4 GiB: they are 32-bit. */
#define MACHINE_ADDRESS_LIMIT 0x100000000ull

void machine__init(struct machine *machine, uint8_t *ram, uint64_t ram_size)
{
	*machine = (struct machine){
		.ram = { .base = ram, .size = ram_size },
		.next_bar = ram_size + MACHINE_BAR_WINDOW_OFFSET,
		.next_irq = 1,
		.console_in_fd = -1,
		.console_out_fd = STDOUT_FILENO,
	};
	pci_bus__init(&machine->pci);
	/* Without a wake pipe the loop still works; it just cannot be woken. */
	io_loop__init(&machine->io);
}

void machine__destroy(struct machine *machine)
{
	/* The thread first: it must not wake us for freed devices. */
	io_loop__stop(&machine->io);
	pci_bus__destroy(&machine->pci);
	machine->nr_mmio = 0;
	io_loop__destroy(&machine->io);
}

int machine__alloc_bar(struct machine *machine, uint32_t size, uint32_t *base)
{
	/* Natural alignment: 4.4 did not align, but PCI BARs must be. */
	uint64_t start = (machine->next_bar + size - 1) / size * size;

	if (start + size > MACHINE_ADDRESS_LIMIT)
		return -1;
	machine->next_bar = start + size;
	*base = (uint32_t)start;
	return 0;
}

unsigned machine__alloc_irq(struct machine *machine)
{
	return machine->next_irq++;
}

uint32_t machine__device_limit(const struct machine *machine)
{
	return (uint32_t)((machine->next_bar + MACHINE_PAGE_SIZE - 1) /
			  MACHINE_PAGE_SIZE);
}

void machine__raise_irq(struct machine *machine, unsigned line)
{
	if (machine->raise_irq)
		machine->raise_irq(machine->irq_opaque, line);
}

int machine__add_mmio(struct machine *machine, uint32_t base, uint32_t size,
		      const struct mmio_ops *ops, void *opaque)
{
	if (machine->nr_mmio == MACHINE_MAX_MMIO_REGIONS)
		return -1;
	machine->mmio[machine->nr_mmio++] = (struct mmio_region){
		.base = base, .size = size, .ops = ops, .opaque = opaque,
	};
	return 0;
}

const struct mmio_region *machine__find_mmio(const struct machine *machine,
					     uint32_t addr, unsigned size)
{
	for (unsigned i = 0; i < machine->nr_mmio; i++) {
		const struct mmio_region *r = &machine->mmio[i];

		if (addr >= r->base && (uint64_t)addr + size <= (uint64_t)r->base + r->size)
			return r;
	}
	return NULL;
}

/*
 * The first stop wins; later ones (a second bad descriptor) are dropped.
 * stop reads -1 while the winner writes its reason.
 */
static bool claim_stop(struct machine *machine)
{
	int expected = MACHINE_RUNNING;

	return __atomic_compare_exchange_n(&machine->stop, &expected, -1, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void publish_stop(struct machine *machine, enum machine_stop why)
{
	__atomic_store_n(&machine->stop, (int)why, __ATOMIC_RELEASE);
	if (machine->kick)
		machine->kick(machine->kick_opaque);
}

void machine__kill_guest(struct machine *machine, const char *fmt, ...)
{
	va_list ap;

	if (!claim_stop(machine))
		return;
	va_start(ap, fmt);
	vsnprintf(machine->stop_reason, sizeof(machine->stop_reason), fmt, ap);
	va_end(ap);
	publish_stop(machine, MACHINE_GUEST_KILLED);
}

void machine__quit(struct machine *machine)
{
	if (!claim_stop(machine))
		return;
	snprintf(machine->stop_reason, sizeof(machine->stop_reason),
		 "quit from the console (Ctrl-A x)");
	publish_stop(machine, MACHINE_USER_QUIT);
}

enum machine_stop machine__stopped(const struct machine *machine)
{
	int stop = __atomic_load_n(&machine->stop, __ATOMIC_ACQUIRE);

	/* -1: being written; not visible until published. */
	return stop < 0 ? MACHINE_RUNNING : (enum machine_stop)stop;
}
