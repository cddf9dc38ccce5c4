/*
 * pci.h - the Guest's PCI bus, reached with configuration mechanism #1
 * on ports 0xCF8-0xCFF (lguest-4.4-abi.md §9.1-9.2).
 *
 * The bus knows slots and the address register; what a configuration
 * space holds and which writes it accepts is the device's business
 * (virtio_pci.c).  Slot 0 is a dummy host bridge, there only so Linux's
 * sanity probe of mechanism #1 finds a class code.
 */
#ifndef LAUNCHER_PCI_H
#define LAUNCHER_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS_PORT 0xCF8
#define PCI_CONFIG_DATA_PORT 0xCFC
#define PCI_MAX_SLOTS 32
/* Every configuration space here has 152 bytes, as in lguest. */
#define PCI_CONFIG_SPACE_SIZE 152

/* The address register written to 0xCF8. */
#define PCI_CONFIG_ENABLE (1u << 31)
#define PCI_CONFIG_ADDRESS(bus, slot, function, offset)               \
	(PCI_CONFIG_ENABLE | (uint32_t)(bus) << 16 | (uint32_t)(slot) << 11 | \
	 (uint32_t)(function) << 8 | ((uint32_t)(offset) & 0xFC))

/* Standard configuration-space offsets (type 0 header). */
enum pci_config_offset {
	PCI_VENDOR_ID = 0x00,
	PCI_DEVICE_ID = 0x02,
	PCI_COMMAND = 0x04,
	PCI_STATUS = 0x06,
	PCI_REVISION_ID = 0x08,
	PCI_CLASS_PROG = 0x09,
	PCI_CLASS_DEVICE = 0x0A, /* subclass; the class is at 0x0B */
	PCI_CLASS_CODE = 0x0B,
	PCI_CACHE_LINE_SIZE = 0x0C,
	PCI_HEADER_TYPE = 0x0E,
	PCI_BASE_ADDRESS_0 = 0x10,
	PCI_BASE_ADDRESS_5 = 0x24,
	PCI_CARDBUS_CIS = 0x28,
	PCI_SUBSYSTEM_VENDOR_ID = 0x2C,
	PCI_SUBSYSTEM_ID = 0x2E,
	PCI_ROM_ADDRESS = 0x30,
	PCI_CAPABILITY_LIST = 0x34,
	PCI_INTERRUPT_LINE = 0x3C,
	PCI_INTERRUPT_PIN = 0x3D,
};

#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CLASS_BRIDGE_HOST 0x0600 /* class 0x06, subclass 0x00 */

/*
 * A device's configuration space.  offset and size describe an access that
 * lies within one dword and within the space (the bus checks); size is 1,
 * 2 or 4.  config_write returns 0, or -1 when the Guest must see #GP.
 */
struct pci_device_ops {
	uint32_t (*config_read)(void *opaque, unsigned offset, unsigned size);
	int (*config_write)(void *opaque, unsigned offset, unsigned size,
			    uint32_t value);
	void (*destroy)(void *opaque);
};

struct pci_slot {
	const struct pci_device_ops *ops; /* NULL: empty */
	void *opaque;
};

struct pci_bus {
	uint32_t config_address; /* the 0xCF8 register, as last written */
	struct pci_slot slots[PCI_MAX_SLOTS];
};

/* An empty bus but for the host bridge in slot 0. */
void pci_bus__init(struct pci_bus *bus);
void pci_bus__destroy(struct pci_bus *bus);

/* Put a device in the next free slot: its number, or -1 if the bus is full. */
int pci_bus__add(struct pci_bus *bus, const struct pci_device_ops *ops,
		 void *opaque);

/* Does an access of `size` bytes at `port` touch 0xCF8-0xCFF? */
bool pci_bus__claims_port(uint16_t port, unsigned size);

/*
 * Port accesses to 0xCF8-0xCFF.  Any byte lanes of the address register
 * may be read or written; a data access reaches the selected device.
 * Reads that select nothing return all-ones; writes that select nothing
 * (or straddle the two registers) return -1.
 */
uint32_t pci_bus__port_in(struct pci_bus *bus, uint16_t port, unsigned size);
int pci_bus__port_out(struct pci_bus *bus, uint16_t port, unsigned size,
		      uint32_t value);

/* The byte lanes of `value` for an access of `size` at byte `lane` of `old`. */
uint32_t pci__merge_lanes(uint32_t old, unsigned lane, unsigned size,
			  uint32_t value);

#endif /* LAUNCHER_PCI_H */
