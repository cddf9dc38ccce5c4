/*
 * virtio.h - a small virtio 1.0 driver over PCI for test Guests: find a
 * device in PCI configuration space, walk its capabilities, map its BAR0,
 * negotiate features, and drive split virtqueues in Guest RAM.
 *
 * Facts: ../shared/docs/lguest-4.4-abi.md section 9 and the virtio 1.0
 * specification (sections 2 and 4.1); lguest-emu's side: docs/devices.md.
 *
 *   struct lg_virtio_dev d;
 *   lg_virtio_probe(&d, slot);          PCI ids, BAR0, IRQ line, caps
 *   lg_virtio_map(&d, va);              BAR0's page at va (as ioremap)
 *   lg_virtio_negotiate(&d, features);  reset, ACKNOWLEDGE, DRIVER,
 *                                       features, FEATURES_OK, re-read
 *   lg_virtq_setup(&d, &vq, 0, 16);     rings in a fresh page, enabled
 *   lg_virtio_set_status(&d, ... | LG_VIRTIO_S_DRIVER_OK);
 *   head = lg_virtq_add(&vq, bufs, out, in);   then lg_virtq_kick(&vq)
 *   lg_virtq_get(&vq, &id, &len);       a used buffer, if any
 *
 * BAR0 is MMIO above RAM: every access is one mov of 1, 2 or 4 bytes
 * with the address in a register (lg_ioread8() ...), which the Host hands
 * to the Launcher to emulate, like Linux's ioread/iowrite.  The rings and
 * the buffers are ordinary RAM; the device reads and writes them by
 * physical address (__pa()).
 *
 * Needs lib/paging.c (lg_map, lg_alloc_page): link ${LG_PAGING_SOURCES}.
 * Not interrupt-safe: no lg_pci_* access may run in an interrupt handler
 * while the main flow makes one (the address register is shared), and
 * lg_printf() uses configuration space too.  BAR0 accesses are fine
 * anywhere.
 */
#ifndef LG_GUEST_VIRTIO_H
#define LG_GUEST_VIRTIO_H

#include <stdbool.h>

#include "guest.h"

/* --- PCI configuration mechanism 1: bus 0, function 0 ------------------ */

#define LG_PCI_SLOTS		32
#define LG_PCI_VENDOR_ID	0x00	/* u16 */
#define LG_PCI_DEVICE_ID	0x02	/* u16 */
#define LG_PCI_COMMAND		0x04	/* u16 */
#define LG_PCI_STATUS		0x06	/* u16 */
#define LG_PCI_STATUS_CAP_LIST	0x0010
#define LG_PCI_REVISION		0x08	/* u8 */
#define LG_PCI_CLASS_WORD	0x0A	/* u16: class << 8 | subclass */
#define LG_PCI_HEADER_TYPE	0x0E	/* u8 */
#define LG_PCI_BAR0		0x10	/* u32 */
#define LG_PCI_SUBSYSTEM_ID	0x2E	/* u16 */
#define LG_PCI_CAP_PTR		0x34	/* u8 */
#define LG_PCI_IRQ_LINE		0x3C	/* u8 */
#define LG_PCI_IRQ_PIN		0x3D	/* u8 */

u32 lg_pci_read32(unsigned int slot, unsigned int offset);
u16 lg_pci_read16(unsigned int slot, unsigned int offset);
u8 lg_pci_read8(unsigned int slot, unsigned int offset);
void lg_pci_write32(unsigned int slot, unsigned int offset, u32 value);
void lg_pci_write16(unsigned int slot, unsigned int offset, u16 value);
void lg_pci_write8(unsigned int slot, unsigned int offset, u8 value);

/* The standard size probe of a 32-bit memory BAR: write all-ones, read the
 * mask back, put the address back.  The BAR's size in bytes. */
u32 lg_pci_bar_size(unsigned int slot, unsigned int bar_offset);

/* --- MMIO: one mov each, the address in a register --------------------- */

static inline u8 lg_ioread8(const volatile void *addr)
{
	u8 v;

	asm volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}

static inline u16 lg_ioread16(const volatile void *addr)
{
	u16 v;

	asm volatile("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline u32 lg_ioread32(const volatile void *addr)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void lg_iowrite8(u8 v, volatile void *addr)
{
	asm volatile("movb %0, (%1)" : : "q"(v), "r"(addr) : "memory");
}

static inline void lg_iowrite16(u16 v, volatile void *addr)
{
	asm volatile("movw %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline void lg_iowrite32(u32 v, volatile void *addr)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* --- virtio over PCI (virtio 1.0 section 4.1) -------------------------- */

#define LG_VIRTIO_VENDOR	0x1AF4
#define LG_VIRTIO_ID_BASE	0x1040	/* + device type: non-transitional */
#define LG_VIRTIO_ID_NET	0x1041
#define LG_VIRTIO_ID_BLOCK	0x1042
#define LG_VIRTIO_ID_CONSOLE	0x1043
#define LG_VIRTIO_ID_RNG	0x1044

/* Vendor capabilities (cap id 0x09) and their fields. */
#define LG_PCI_CAP_ID_VNDR	0x09
#define LG_VIRTIO_CAP_CFG_TYPE	3	/* u8 */
#define LG_VIRTIO_CAP_BAR	4	/* u8 */
#define LG_VIRTIO_CAP_OFFSET	8	/* u32 */
#define LG_VIRTIO_CAP_LENGTH	12	/* u32 */
#define LG_VIRTIO_CAP_NOTIFY_MULT 16	/* u32, notify cap only */
#define LG_VIRTIO_CAP_PCI_DATA	16	/* u32, PCI-cfg-access cap only */

enum lg_virtio_cfg_type {
	LG_VIRTIO_CFG_COMMON = 1,
	LG_VIRTIO_CFG_NOTIFY = 2,
	LG_VIRTIO_CFG_ISR = 3,
	LG_VIRTIO_CFG_DEVICE = 4,
	LG_VIRTIO_CFG_PCI = 5,
};

/* The common configuration structure: offsets and widths. */
#define LG_VIRTIO_DFSELECT	0	/* 32 */
#define LG_VIRTIO_DF		4	/* 32 */
#define LG_VIRTIO_GFSELECT	8	/* 32 */
#define LG_VIRTIO_GF		12	/* 32 */
#define LG_VIRTIO_MSIX_CONFIG	16	/* 16 */
#define LG_VIRTIO_NUM_QUEUES	18	/* 16 */
#define LG_VIRTIO_STATUS	20	/* 8 */
#define LG_VIRTIO_CFG_GEN	21	/* 8 */
#define LG_VIRTIO_Q_SELECT	22	/* 16 */
#define LG_VIRTIO_Q_SIZE	24	/* 16 */
#define LG_VIRTIO_Q_MSIX	26	/* 16 */
#define LG_VIRTIO_Q_ENABLE	28	/* 16 */
#define LG_VIRTIO_Q_NOTIFY_OFF	30	/* 16 */
#define LG_VIRTIO_Q_DESC	32	/* 32 + 32 */
#define LG_VIRTIO_Q_AVAIL	40	/* 32 + 32 */
#define LG_VIRTIO_Q_USED	48	/* 32 + 32 */

/* device_status bits. */
#define LG_VIRTIO_S_ACKNOWLEDGE	0x01
#define LG_VIRTIO_S_DRIVER	0x02
#define LG_VIRTIO_S_DRIVER_OK	0x04
#define LG_VIRTIO_S_FEATURES_OK	0x08
#define LG_VIRTIO_S_NEEDS_RESET	0x40
#define LG_VIRTIO_S_FAILED	0x80

/* Feature bits every device type shares. */
#define LG_VIRTIO_F_INDIRECT_DESC 28
#define LG_VIRTIO_F_VERSION_1	32

#define LG_VIRTIO_ISR_QUEUE	0x01
#define LG_VIRTIO_NO_VECTOR	0xFFFF

#define LG_VIRTIO_MAX_CAPS	8

struct lg_virtio_dev {
	const char *name;		/* for messages: the Guest's choice */
	unsigned int slot;
	u16 device_id;
	u8 irq;				/* configuration byte 0x3C */
	u32 bar0;			/* physical, from configuration space */
	u32 bar0_size;			/* by the size probe */
	/* The capability chain: configuration-space offsets, in order. */
	u8 caps[LG_VIRTIO_MAX_CAPS];
	unsigned int nr_caps;
	/* Each structure's place in BAR0 (from its capability); length 0:
	 * the device has none (the rng has no device configuration). */
	u32 common_off, common_len;
	u32 notify_off, notify_len, notify_mult;
	u32 isr_off, isr_len;
	u32 device_off, device_len;
	u8 pci_cfg_cap;			/* the PCI-cfg-access capability */
	/* BAR0 as mapped by lg_virtio_map(), and the structures in it. */
	u8 *bar;
	u8 *common, *isr, *device;
	/* What the device offered, what we accepted. */
	u64 device_features, driver_features;
};

/*
 * Read slot's identity, BAR0 (and its size), interrupt line and capability
 * chain.  False if the slot holds no virtio device; panics if a virtio
 * device's capabilities are malformed.
 */
bool lg_virtio_probe(struct lg_virtio_dev *dev, unsigned int slot);

/* Map BAR0's page at va (P, RW, PCD, as ioremap) and point at its parts. */
void lg_virtio_map(struct lg_virtio_dev *dev, u32 va);

/* Common configuration registers. */
static inline u8 *lg_virtio_reg(const struct lg_virtio_dev *dev, unsigned int off)
{
	return dev->common + off;
}

u8 lg_virtio_status(const struct lg_virtio_dev *dev);
void lg_virtio_set_status(struct lg_virtio_dev *dev, u8 status);
/* status 0: the device forgets features and queues. */
void lg_virtio_reset(struct lg_virtio_dev *dev);
/* Both halves of device_feature (select 0 and 1). */
u64 lg_virtio_read_device_features(struct lg_virtio_dev *dev);
/* Both halves of driver_feature. */
void lg_virtio_write_driver_features(struct lg_virtio_dev *dev, u64 features);

/*
 * Reset, ACKNOWLEDGE, DRIVER, read the device's features, accept
 * `features` (whatever they are: a hostile Guest may accept more than
 * offered), FEATURES_OK, and read the status back.  True if FEATURES_OK
 * stuck; the status is then ACKNOWLEDGE | DRIVER | FEATURES_OK.
 */
bool lg_virtio_negotiate(struct lg_virtio_dev *dev, u64 features);

/* Device configuration, by offset within it. */
u8 lg_virtio_config8(const struct lg_virtio_dev *dev, unsigned int off);
u16 lg_virtio_config16(const struct lg_virtio_dev *dev, unsigned int off);
u32 lg_virtio_config32(const struct lg_virtio_dev *dev, unsigned int off);

/* The ISR: reading it returns the bits and clears them. */
static inline u8 lg_virtio_read_isr(const struct lg_virtio_dev *dev)
{
	return lg_ioread8(dev->isr);
}

/* --- split virtqueues (virtio 1.0 section 2.4) ------------------------- */

#define LG_VRING_DESC_F_NEXT	1
#define LG_VRING_DESC_F_WRITE	2
#define LG_VRING_DESC_F_INDIRECT 4
#define LG_VRING_AVAIL_F_NO_INTERRUPT 1

struct lg_vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct lg_vring_avail {
	u16 flags;
	u16 idx;
	u16 ring[];
};

struct lg_vring_used_elem {
	u32 id;
	u32 len;
};

struct lg_vring_used {
	u16 flags;
	u16 idx;
	struct lg_vring_used_elem ring[];
};

/* The largest queue lg_virtq_setup() fits in its one page. */
#define LG_VIRTQ_MAX_SIZE	64

struct lg_virtq {
	struct lg_virtio_dev *dev;
	u16 index, size;
	struct lg_vring_desc *desc;	/* all three in one zeroed page */
	struct lg_vring_avail *avail;
	struct lg_vring_used *used;
	u32 desc_pa, avail_pa, used_pa;
	u16 next_desc;			/* descriptors are handed out in turn */
	u16 avail_idx;			/* our copy of avail->idx */
	u16 last_used;			/* the next used entry to look at */
	u8 *notify;			/* where to write index to notify */
};

/*
 * Select queue `index`, check it exists (size != 0), set its size, put
 * its rings in a fresh page, program the addresses and enable it.
 * Before DRIVER_OK.
 */
void lg_virtq_setup(struct lg_virtio_dev *dev, struct lg_virtq *vq,
		    unsigned int index, u16 size);

/* A buffer of a chain: virtual address (must be __pa()-able) and length. */
struct lg_vbuf {
	const void *addr;
	u32 len;
};

/*
 * Write a chain - `out` device-readable buffers, then `in` device-writable
 * ones - into the next free descriptors and make it available.  Returns
 * its head.  (Does not notify.)
 */
u16 lg_virtq_add(struct lg_virtq *vq, const struct lg_vbuf *bufs,
		 unsigned int out, unsigned int in);
/* Make descriptor `head` available (the chain is already written). */
void lg_virtq_publish(struct lg_virtq *vq, u16 head);
/* Take n descriptors in turn (the first one's index). */
u16 lg_virtq_alloc_desc(struct lg_virtq *vq, unsigned int n);
/* Write the queue's index to its notify address. */
void lg_virtq_kick(struct lg_virtq *vq);
/* The next used element: true with its id and length, false if none. */
bool lg_virtq_get(struct lg_virtq *vq, u32 *id, u32 *len);
/* How many used elements we have not taken yet. */
u16 lg_virtq_pending(const struct lg_virtq *vq);
/* Set or clear VIRTQ_AVAIL_F_NO_INTERRUPT. */
void lg_virtq_set_no_interrupt(struct lg_virtq *vq, bool no_interrupt);

#endif /* LG_GUEST_VIRTIO_H */
