/*
 * port_io.c - route the Guest's IN and OUT instructions.
 */
#include "port_io.h"

#include "bytes.h"
#include "machine.h"
#include "pci.h"

uint32_t port_io__in(void *opaque, uint16_t port, unsigned size)
{
	struct machine *machine = opaque;

	if (pci_bus__claims_port(port, size))
		return pci_bus__port_in(&machine->pci, port, size);
	if (port == PORT_I8042_STATUS)
		return 1;
	return size_mask(size);
}

int port_io__out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	struct machine *machine = opaque;

	if (pci_bus__claims_port(port, size))
		return pci_bus__port_out(&machine->pci, port, size, value);
	/* PIC masks, POST codes, the PIT, CMOS, serial ports...: dropped. */
	return 0;
}

struct lguest_io_ops port_io__ops(struct machine *machine)
{
	return (struct lguest_io_ops){
		.opaque = machine,
		.port_in = port_io__in,
		.port_out = port_io__out,
	};
}
