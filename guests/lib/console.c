/*
 * console.c - the Linux 4.4 lguest early console, done our way.
 *
 * 4.4 has no console hypercall.  The Launcher always puts a virtio console
 * at PCI bus 0, slot 1, and that device has an "emergency write" register
 * (emerg_wr, offset 8 of its device-specific config): a 32-bit write there
 * prints one character.  The register sits in BAR0, but a Guest without
 * page tables for the BAR can still reach it through the PCI
 * "configuration access" capability: a window in configuration space that
 * forwards a write to any (bar, offset, length) of the device.
 *
 * So, once:  find the device and walk its capability list, remembering
 * where its device-config structure is and where the access window is.
 * Per character: point the window at emerg_wr and write the character
 * through it.  If anything is missing, output is dropped silently, as
 * Linux does.
 */
#include "guest.h"
#include "io.h"

/* PCI configuration mechanism #1. */
#define PCI_CONFIG_ADDRESS	0xCF8
#define PCI_CONFIG_DATA		0xCFC
#define PCI_CONFIG_ENABLE	0x80000000u

#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_VNDR		0x09	/* virtio uses vendor-specific caps */

/* struct virtio_pci_cap: offsets inside one capability. */
#define VIRTIO_CAP_VNDR		0
#define VIRTIO_CAP_NEXT		1
#define VIRTIO_CAP_CFG_TYPE	3
#define VIRTIO_CAP_BAR		4
#define VIRTIO_CAP_OFFSET	8
#define VIRTIO_CAP_LENGTH	12
#define VIRTIO_CAP_CFG_DATA	16	/* only in the PCI-cfg-access cap */

#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG	5

/* The console: vendor 0x1AF4 (virtio), device 0x1043 (modern, type 3). */
#define VIRTIO_CONSOLE_ID	0x10431AF4u
#define CONSOLE_SLOT		1
/* struct virtio_console_config: cols u16, rows u16, max_nr_ports u32, emerg_wr u32 */
#define CONSOLE_EMERG_WR	8
#define CONSOLE_CONFIG_MIN	12

static enum { CONSOLE_UNPROBED, CONSOLE_READY, CONSOLE_ABSENT } console_state;
static u32 devcfg_offset;	/* BAR0 offset of the console's device config */
static u8 access_cap;		/* config-space offset of the access window */

static void pci_select(unsigned int reg)
{
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (CONSOLE_SLOT << 11) | (reg & 0xFC));
}

static u32 pci_read32(unsigned int reg)
{
	pci_select(reg);
	return inl(PCI_CONFIG_DATA);
}

static u8 pci_read8(unsigned int reg)
{
	pci_select(reg);
	return inb(PCI_CONFIG_DATA + (reg & 3));
}

static void pci_write32(unsigned int reg, u32 value)
{
	pci_select(reg);
	outl(PCI_CONFIG_DATA, value);
}

static void pci_write8(unsigned int reg, u8 value)
{
	pci_select(reg);
	outb(PCI_CONFIG_DATA + (reg & 3), value);
}

static int console_probe(void)
{
	unsigned int cap, hops;
	int have_devcfg = 0;

	if (pci_read32(0) != VIRTIO_CONSOLE_ID)
		return 0;

	access_cap = 0;
	cap = pci_read8(PCI_CAPABILITY_LIST);
	/* A list can hold at most 48 capabilities; more means a loop. */
	for (hops = 0; cap != 0 && hops < 48; hops++) {
		if (pci_read8(cap + VIRTIO_CAP_VNDR) == PCI_CAP_ID_VNDR) {
			u8 type = pci_read8(cap + VIRTIO_CAP_CFG_TYPE);

			if (type == VIRTIO_PCI_CAP_DEVICE_CFG &&
			    pci_read8(cap + VIRTIO_CAP_BAR) == 0 &&
			    pci_read32(cap + VIRTIO_CAP_LENGTH) >= CONSOLE_CONFIG_MIN) {
				devcfg_offset = pci_read32(cap + VIRTIO_CAP_OFFSET);
				have_devcfg = 1;
			} else if (type == VIRTIO_PCI_CAP_PCI_CFG) {
				access_cap = cap;
			}
		}
		cap = pci_read8(cap + VIRTIO_CAP_NEXT);
	}
	return have_devcfg && access_cap != 0;
}

int lg_console_present(void)
{
	if (console_state == CONSOLE_UNPROBED)
		console_state = console_probe() ? CONSOLE_READY : CONSOLE_ABSENT;
	return console_state == CONSOLE_READY;
}

void lg_putchar(char c)
{
	if (!lg_console_present())
		return;
	/* Aim the window at BAR0 emerg_wr, 4 bytes wide, then write through it. */
	pci_write8(access_cap + VIRTIO_CAP_BAR, 0);
	pci_write32(access_cap + VIRTIO_CAP_LENGTH, 4);
	pci_write32(access_cap + VIRTIO_CAP_OFFSET, devcfg_offset + CONSOLE_EMERG_WR);
	pci_write32(access_cap + VIRTIO_CAP_CFG_DATA, (u8)c);
}

void lg_puts(const char *s)
{
	while (*s)
		lg_putchar(*s++);
}
