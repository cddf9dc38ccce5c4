/*
 * virtio.c - a small virtio 1.0 PCI driver for test Guests (virtio.h).
 */
#include "guest.h"
#include "io.h"
#include "paging.h"
#include "virtio.h"

/* ---- PCI configuration mechanism 1 ------------------------------------ */

#define PCI_ADDRESS_PORT	0xCF8
#define PCI_DATA_PORT		0xCFC

static void pci_select(unsigned int slot, unsigned int offset)
{
	outl(PCI_ADDRESS_PORT, 0x80000000u | (slot << 11) | (offset & 0xFC));
}

u32 lg_pci_read32(unsigned int slot, unsigned int offset)
{
	pci_select(slot, offset);
	return inl(PCI_DATA_PORT);
}

u16 lg_pci_read16(unsigned int slot, unsigned int offset)
{
	u16 v;

	pci_select(slot, offset);
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"((u16)(PCI_DATA_PORT + (offset & 2))));
	return v;
}

u8 lg_pci_read8(unsigned int slot, unsigned int offset)
{
	pci_select(slot, offset);
	return inb(PCI_DATA_PORT + (offset & 3));
}

void lg_pci_write32(unsigned int slot, unsigned int offset, u32 value)
{
	pci_select(slot, offset);
	outl(PCI_DATA_PORT, value);
}

void lg_pci_write16(unsigned int slot, unsigned int offset, u16 value)
{
	pci_select(slot, offset);
	asm volatile("outw %0, %1" : : "a"(value), "Nd"((u16)(PCI_DATA_PORT + (offset & 2))));
}

void lg_pci_write8(unsigned int slot, unsigned int offset, u8 value)
{
	pci_select(slot, offset);
	outb(PCI_DATA_PORT + (offset & 3), value);
}

u32 lg_pci_bar_size(unsigned int slot, unsigned int bar_offset)
{
	u32 saved = lg_pci_read32(slot, bar_offset), mask;

	lg_pci_write32(slot, bar_offset, 0xFFFFFFFFu);
	mask = lg_pci_read32(slot, bar_offset) & ~0xFu;
	lg_pci_write32(slot, bar_offset, saved);
	if (lg_pci_read32(slot, bar_offset) != saved)
		lg_panic("slot %u: BAR at %x reads %08x after restoring %08x", slot,
			 bar_offset, lg_pci_read32(slot, bar_offset), saved);
	return mask ? ~mask + 1 : 0;
}

/* ---- probing ------------------------------------------------------------ */

static void note_cap(struct lg_virtio_dev *dev, unsigned int cap)
{
	u8 type = lg_pci_read8(dev->slot, cap + LG_VIRTIO_CAP_CFG_TYPE);
	u8 bar = lg_pci_read8(dev->slot, cap + LG_VIRTIO_CAP_BAR);
	u32 off = lg_pci_read32(dev->slot, cap + LG_VIRTIO_CAP_OFFSET);
	u32 len = lg_pci_read32(dev->slot, cap + LG_VIRTIO_CAP_LENGTH);

	if (type == LG_VIRTIO_CFG_PCI) {
		dev->pci_cfg_cap = (u8)cap;
		return;
	}
	if (type < LG_VIRTIO_CFG_COMMON || type > LG_VIRTIO_CFG_DEVICE)
		return; /* a type we do not know: the spec says skip it */
	if (bar != 0)
		lg_panic("%s: capability at %x (type %u) names BAR %u", dev->name, cap,
			 type, bar);
	if ((u64)off + len > dev->bar0_size)
		lg_panic("%s: capability at %x (type %u): %u bytes at %u, beyond BAR0's %u",
			 dev->name, cap, type, len, off, dev->bar0_size);
	switch (type) {
	case LG_VIRTIO_CFG_COMMON:
		dev->common_off = off, dev->common_len = len;
		break;
	case LG_VIRTIO_CFG_NOTIFY:
		dev->notify_off = off, dev->notify_len = len;
		dev->notify_mult = lg_pci_read32(dev->slot, cap + LG_VIRTIO_CAP_NOTIFY_MULT);
		break;
	case LG_VIRTIO_CFG_ISR:
		dev->isr_off = off, dev->isr_len = len;
		break;
	case LG_VIRTIO_CFG_DEVICE:
		dev->device_off = off, dev->device_len = len;
		break;
	}
}

bool lg_virtio_probe(struct lg_virtio_dev *dev, unsigned int slot)
{
	const char *name = dev->name;
	u32 id = lg_pci_read32(slot, LG_PCI_VENDOR_ID);
	unsigned int cap;

	if ((id & 0xFFFF) != LG_VIRTIO_VENDOR)
		return false;
	*dev = (struct lg_virtio_dev){ .name = name ? name : "virtio", .slot = slot };
	dev->device_id = (u16)(id >> 16);
	dev->irq = lg_pci_read8(slot, LG_PCI_IRQ_LINE);
	dev->bar0 = lg_pci_read32(slot, LG_PCI_BAR0);
	if (dev->bar0 & 0xF)
		lg_panic("%s: BAR0 %08x is not a 32-bit memory BAR", dev->name, dev->bar0);
	dev->bar0_size = lg_pci_bar_size(slot, LG_PCI_BAR0);
	if (!(lg_pci_read16(slot, LG_PCI_STATUS) & LG_PCI_STATUS_CAP_LIST))
		lg_panic("%s: no capability list", dev->name);

	for (cap = lg_pci_read8(slot, LG_PCI_CAP_PTR); cap; cap = lg_pci_read8(slot, cap + 1)) {
		if (dev->nr_caps == LG_VIRTIO_MAX_CAPS || cap < 0x40 || (cap & 3))
			lg_panic("%s: capability chain broken at %x (%u caps)", dev->name, cap,
				 dev->nr_caps);
		dev->caps[dev->nr_caps++] = (u8)cap;
		if (lg_pci_read8(slot, cap) == LG_PCI_CAP_ID_VNDR)
			note_cap(dev, cap);
	}
	if (!dev->common_len || !dev->notify_len || !dev->isr_len)
		lg_panic("%s: missing a capability: common %u, notify %u, isr %u bytes",
			 dev->name, dev->common_len, dev->notify_len, dev->isr_len);
	return true;
}

void lg_virtio_map(struct lg_virtio_dev *dev, u32 va)
{
	/* As Linux's ioremap: present, writable, uncached. */
	lg_map(lg_pgdir, va, (dev->bar0 & ~(u32)(PAGE_SIZE - 1)) | PT_PRESENT | PT_RW | PT_PCD,
	       LG_PDE_FLAGS);
	dev->bar = (u8 *)(va + (dev->bar0 & (PAGE_SIZE - 1)));
	if ((dev->bar0 & (PAGE_SIZE - 1)) + dev->bar0_size > PAGE_SIZE)
		lg_panic("%s: BAR0 %08x (%u bytes) crosses a page", dev->name, dev->bar0,
			 dev->bar0_size);
	dev->common = dev->bar + dev->common_off;
	dev->isr = dev->bar + dev->isr_off;
	dev->device = dev->device_len ? dev->bar + dev->device_off : NULL;
}

/* ---- status and features ------------------------------------------------- */

u8 lg_virtio_status(const struct lg_virtio_dev *dev)
{
	return lg_ioread8(dev->common + LG_VIRTIO_STATUS);
}

void lg_virtio_set_status(struct lg_virtio_dev *dev, u8 status)
{
	lg_iowrite8(status, dev->common + LG_VIRTIO_STATUS);
}

void lg_virtio_reset(struct lg_virtio_dev *dev)
{
	lg_virtio_set_status(dev, 0);
	if (lg_virtio_status(dev) != 0)
		lg_panic("%s: status %02x after reset", dev->name, lg_virtio_status(dev));
}

u64 lg_virtio_read_device_features(struct lg_virtio_dev *dev)
{
	u32 lo, hi;

	lg_iowrite32(0, dev->common + LG_VIRTIO_DFSELECT);
	lo = lg_ioread32(dev->common + LG_VIRTIO_DF);
	lg_iowrite32(1, dev->common + LG_VIRTIO_DFSELECT);
	hi = lg_ioread32(dev->common + LG_VIRTIO_DF);
	return (u64)hi << 32 | lo;
}

void lg_virtio_write_driver_features(struct lg_virtio_dev *dev, u64 features)
{
	lg_iowrite32(0, dev->common + LG_VIRTIO_GFSELECT);
	lg_iowrite32((u32)features, dev->common + LG_VIRTIO_GF);
	lg_iowrite32(1, dev->common + LG_VIRTIO_GFSELECT);
	lg_iowrite32((u32)(features >> 32), dev->common + LG_VIRTIO_GF);
}

bool lg_virtio_negotiate(struct lg_virtio_dev *dev, u64 features)
{
	u8 want = LG_VIRTIO_S_ACKNOWLEDGE | LG_VIRTIO_S_DRIVER | LG_VIRTIO_S_FEATURES_OK;

	lg_virtio_reset(dev);
	lg_virtio_set_status(dev, LG_VIRTIO_S_ACKNOWLEDGE);
	lg_virtio_set_status(dev, LG_VIRTIO_S_ACKNOWLEDGE | LG_VIRTIO_S_DRIVER);
	dev->device_features = lg_virtio_read_device_features(dev);
	dev->driver_features = features;
	lg_virtio_write_driver_features(dev, features);
	lg_virtio_set_status(dev, want);
	/* The device may refuse: FEATURES_OK is only true if it reads back. */
	return lg_virtio_status(dev) == want;
}

u8 lg_virtio_config8(const struct lg_virtio_dev *dev, unsigned int off)
{
	return lg_ioread8(dev->device + off);
}

u16 lg_virtio_config16(const struct lg_virtio_dev *dev, unsigned int off)
{
	return lg_ioread16(dev->device + off);
}

u32 lg_virtio_config32(const struct lg_virtio_dev *dev, unsigned int off)
{
	return lg_ioread32(dev->device + off);
}

/* ---- virtqueues ----------------------------------------------------------- */

void lg_virtq_setup(struct lg_virtio_dev *dev, struct lg_virtq *vq,
		    unsigned int index, u16 size)
{
	u8 *c = dev->common;
	u32 page = lg_alloc_page();
	u16 max, notify_off;

	if (!size || (size & (size - 1)) || size > LG_VIRTQ_MAX_SIZE)
		lg_panic("%s: queue %u: bad size %u", dev->name, index, size);
	lg_iowrite16((u16)index, c + LG_VIRTIO_Q_SELECT);
	max = lg_ioread16(c + LG_VIRTIO_Q_SIZE);
	if (max == 0)
		lg_panic("%s: queue %u does not exist", dev->name, index);
	if (size > max)
		lg_panic("%s: queue %u holds %u, we want %u", dev->name, index, max, size);
	if (lg_ioread16(c + LG_VIRTIO_Q_ENABLE) != 0)
		lg_panic("%s: queue %u is enabled before we set it up", dev->name, index);

	/* Descriptors at the page's start (16-byte aligned), the available
	 * ring after them, the used ring 4-byte aligned after that. */
	*vq = (struct lg_virtq){ .dev = dev, .index = (u16)index, .size = size };
	vq->desc_pa = page;
	vq->avail_pa = page + 16u * size;
	vq->used_pa = (vq->avail_pa + 6 + 2u * size + 3) & ~3u;
	vq->desc = __va(vq->desc_pa);
	vq->avail = __va(vq->avail_pa);
	vq->used = __va(vq->used_pa);

	lg_iowrite16(size, c + LG_VIRTIO_Q_SIZE);
	lg_iowrite32(vq->desc_pa, c + LG_VIRTIO_Q_DESC);
	lg_iowrite32(0, c + LG_VIRTIO_Q_DESC + 4);
	lg_iowrite32(vq->avail_pa, c + LG_VIRTIO_Q_AVAIL);
	lg_iowrite32(0, c + LG_VIRTIO_Q_AVAIL + 4);
	lg_iowrite32(vq->used_pa, c + LG_VIRTIO_Q_USED);
	lg_iowrite32(0, c + LG_VIRTIO_Q_USED + 4);
	notify_off = lg_ioread16(c + LG_VIRTIO_Q_NOTIFY_OFF);
	vq->notify = dev->bar + dev->notify_off + (u32)notify_off * dev->notify_mult;
	if (dev->notify_off + (u32)notify_off * dev->notify_mult + 2 >
	    dev->notify_off + dev->notify_len)
		lg_panic("%s: queue %u notifies at %u, outside the notify structure",
			 dev->name, index, notify_off * dev->notify_mult);
	lg_iowrite16(1, c + LG_VIRTIO_Q_ENABLE);
	if (lg_ioread16(c + LG_VIRTIO_Q_SIZE) != size ||
	    lg_ioread32(c + LG_VIRTIO_Q_DESC) != vq->desc_pa ||
	    lg_ioread32(c + LG_VIRTIO_Q_USED) != vq->used_pa ||
	    lg_ioread16(c + LG_VIRTIO_Q_ENABLE) != 1)
		lg_panic("%s: queue %u's registers do not read back", dev->name, index);
}

u16 lg_virtq_alloc_desc(struct lg_virtq *vq, unsigned int n)
{
	u16 first = vq->next_desc;

	if (n == 0 || n > vq->size)
		lg_panic("%s: a chain of %u descriptors in a queue of %u", vq->dev->name, n,
			 vq->size);
	vq->next_desc = (u16)((vq->next_desc + n) & (vq->size - 1));
	return first;
}

void lg_virtq_publish(struct lg_virtq *vq, u16 head)
{
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	/* The entry before the index that makes it visible. */
	barrier();
	vq->avail_idx++;
	WRITE_ONCE(vq->avail->idx, vq->avail_idx);
	barrier();
}

u16 lg_virtq_add(struct lg_virtq *vq, const struct lg_vbuf *bufs,
		 unsigned int out, unsigned int in)
{
	unsigned int n = out + in, i;
	u16 head = lg_virtq_alloc_desc(vq, n), d = head;

	for (i = 0; i < n; i++) {
		struct lg_vring_desc *desc = &vq->desc[d];
		u16 next = (u16)((d + 1) & (vq->size - 1));

		desc->addr = __pa(bufs[i].addr);
		desc->len = bufs[i].len;
		desc->flags = (u16)((i >= out ? LG_VRING_DESC_F_WRITE : 0) |
				    (i + 1 < n ? LG_VRING_DESC_F_NEXT : 0));
		desc->next = i + 1 < n ? next : 0;
		d = next;
	}
	lg_virtq_publish(vq, head);
	return head;
}

void lg_virtq_kick(struct lg_virtq *vq)
{
	barrier();
	lg_iowrite16(vq->index, vq->notify);
}

u16 lg_virtq_pending(const struct lg_virtq *vq)
{
	return (u16)(READ_ONCE(vq->used->idx) - vq->last_used);
}

bool lg_virtq_get(struct lg_virtq *vq, u32 *id, u32 *len)
{
	const struct lg_vring_used_elem *e;

	if (!lg_virtq_pending(vq))
		return false;
	/* The element only after the index that published it. */
	barrier();
	e = &vq->used->ring[vq->last_used & (vq->size - 1)];
	if (id)
		*id = READ_ONCE(e->id);
	if (len)
		*len = READ_ONCE(e->len);
	vq->last_used++;
	return true;
}

void lg_virtq_set_no_interrupt(struct lg_virtq *vq, bool no_interrupt)
{
	WRITE_ONCE(vq->avail->flags, no_interrupt ? LG_VRING_AVAIL_F_NO_INTERRUPT : 0);
	barrier();
}
