/*
 * pci.c - configuration mechanism #1 and the bus's slots.
 */
#include "pci.h"

#include <string.h>

#include "bytes.h"
#include "report.h"

/*
 * The dummy host bridge in slot 0.  Its vendor ID reads 0, so Linux's scan
 * passes over the slot, but its class word (0x0600 at 0x0A) satisfies the
 * check Linux makes before it trusts mechanism #1 at all.
 */
static const uint8_t host_bridge_config[PCI_CONFIG_SPACE_SIZE] = {
	[PCI_CLASS_DEVICE] = PCI_CLASS_BRIDGE_HOST & 0xFF,
	[PCI_CLASS_CODE] = PCI_CLASS_BRIDGE_HOST >> 8,
};

static uint32_t host_bridge_read(void *opaque, unsigned offset, unsigned size)
{
	return get_le(host_bridge_config + offset, size);
}

/* Nothing in the bridge is writable: Linux never tries. */
static int host_bridge_write(void *opaque, unsigned offset, unsigned size,
			     uint32_t value)
{
	return -1;
}

static const struct pci_device_ops host_bridge_ops = {
	.config_read = host_bridge_read,
	.config_write = host_bridge_write,
};

void pci_bus__init(struct pci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	bus->slots[0].ops = &host_bridge_ops;
}

void pci_bus__destroy(struct pci_bus *bus)
{
	for (unsigned i = 0; i < PCI_MAX_SLOTS; i++) {
		struct pci_slot *slot = &bus->slots[i];

		if (slot->ops && slot->ops->destroy)
			slot->ops->destroy(slot->opaque);
	}
	pci_bus__init(bus);
}

int pci_bus__add(struct pci_bus *bus, const struct pci_device_ops *ops,
		 void *opaque)
{
	for (unsigned i = 0; i < PCI_MAX_SLOTS; i++) {
		if (!bus->slots[i].ops) {
			bus->slots[i] = (struct pci_slot){ ops, opaque };
			return (int)i;
		}
	}
	return -1;
}

uint32_t pci__merge_lanes(uint32_t old, unsigned lane, unsigned size,
			  uint32_t value)
{
	uint32_t mask = size_mask(size) << (8 * lane);

	return (old & ~mask) | ((value << (8 * lane)) & mask);
}

/* Is [port, port + size) inside the 4-byte register at base? */
static bool inside(uint16_t port, unsigned size, uint16_t base)
{
	return port >= base && port + size <= base + 4u;
}

bool pci_bus__claims_port(uint16_t port, unsigned size)
{
	return port + size > PCI_CONFIG_ADDRESS_PORT &&
	       port < PCI_CONFIG_DATA_PORT + 4;
}

/*
 * The slot a data access reaches, and the configuration-space offset of
 * its first byte, or NULL if the address register selects nothing we have.
 */
static struct pci_slot *selected(struct pci_bus *bus, uint16_t port,
				 unsigned size, unsigned *offset)
{
	uint32_t address = bus->config_address;
	unsigned bus_number = (address >> 16) & 0xFF;
	unsigned slot = (address >> 11) & 0x1F;
	unsigned function = (address >> 8) & 0x7;

	if (!(address & PCI_CONFIG_ENABLE) || bus_number != 0 || function != 0)
		return NULL;
	if (!bus->slots[slot].ops)
		return NULL;
	*offset = (address & 0xFC) + (port - PCI_CONFIG_DATA_PORT);
	if (*offset + size > PCI_CONFIG_SPACE_SIZE)
		return NULL;
	return &bus->slots[slot];
}

uint32_t pci_bus__port_in(struct pci_bus *bus, uint16_t port, unsigned size)
{
	if (inside(port, size, PCI_CONFIG_ADDRESS_PORT)) {
		unsigned lane = port - PCI_CONFIG_ADDRESS_PORT;

		return (bus->config_address >> (8 * lane)) & size_mask(size);
	}
	if (inside(port, size, PCI_CONFIG_DATA_PORT)) {
		unsigned offset;
		struct pci_slot *slot = selected(bus, port, size, &offset);

		if (slot)
			return slot->ops->config_read(slot->opaque, offset, size) &
			       size_mask(size);
	}
	return size_mask(size);
}

int pci_bus__port_out(struct pci_bus *bus, uint16_t port, unsigned size,
		      uint32_t value)
{
	if (inside(port, size, PCI_CONFIG_ADDRESS_PORT)) {
		bus->config_address = pci__merge_lanes(bus->config_address,
						       port - PCI_CONFIG_ADDRESS_PORT,
						       size, value);
		return 0;
	}

	unsigned offset = 0;
	struct pci_slot *slot = NULL;

	if (inside(port, size, PCI_CONFIG_DATA_PORT))
		slot = selected(bus, port, size, &offset);
	if (slot && slot->ops->config_write(slot->opaque, offset, size, value) == 0)
		return 0;

	/* lguest's Launcher warned and let the Guest take a #GP; so do we. */
	report__warning("Guest made a bad PCI configuration write: %u bytes of "
			"0x%x at port 0x%x, address register 0x%08x",
			size, value, port, bus->config_address);
	return -1;
}
