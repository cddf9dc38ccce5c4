/*
 * machine.c - RAM, the PCI bus, and BAR and IRQ allocation.
 */
#include "machine.h"

#include <unistd.h>

/* BARs must stay below 4 GiB: they are 32-bit. */
#define MACHINE_ADDRESS_LIMIT 0x100000000ull

void machine__init(struct machine *machine, uint8_t *ram, uint64_t ram_size)
{
	*machine = (struct machine){
		.ram = ram,
		.ram_size = ram_size,
		.next_bar = ram_size + MACHINE_BAR_WINDOW_OFFSET,
		.next_irq = 1,
		.console_out_fd = STDOUT_FILENO,
	};
	pci_bus__init(&machine->pci);
}

void machine__destroy(struct machine *machine)
{
	pci_bus__destroy(&machine->pci);
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
