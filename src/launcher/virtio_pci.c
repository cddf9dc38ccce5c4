/*
 * virtio_pci.c - the virtio 1.0 PCI transport: configuration space,
 * capabilities, the configuration-access window, and BAR0's registers.
 *
 * The rules a driver must follow are virtio 1.0's, checked here.  lguest
 * 4.4's Launcher exited on any slip (even on a driver writing FAILED);
 * Linux expects a device to survive its driver, so a broken rule is
 * reported as one warning line and the device stops (DEVICE_NEEDS_RESET)
 * until the driver resets it.  Only a hostile virtqueue kills the Guest
 * (virtqueue.c), because then the device cannot tell what the driver
 * meant at all.
 */
#include "virtio_pci.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "machine.h"
#include "report.h"

/* The configuration-access window's registers in configuration space. */
enum {
	WINDOW_BAR = VIRTIO_PCI_CAP_PCI_CFG + VIRTIO_CAP_BAR,
	WINDOW_OFFSET = VIRTIO_PCI_CAP_PCI_CFG + VIRTIO_CAP_OFFSET,
	WINDOW_LENGTH = VIRTIO_PCI_CAP_PCI_CFG + VIRTIO_CAP_LENGTH,
	WINDOW_DATA = VIRTIO_PCI_CAP_PCI_CFG + VIRTIO_CAP_PCI_CFG_DATA,
};

static uint32_t bar0_size_for(unsigned config_size)
{
	uint32_t needed = VIRTIO_BAR_DEVICE + config_size, size = 1;

	while (size < needed)
		size <<= 1;
	return size;
}

/* ---- Configuration space ---------------------------------------------- */

static void put_cap(uint8_t *config, unsigned at, unsigned next, unsigned len,
		    unsigned cfg_type, uint32_t bar_offset, uint32_t length)
{
	config[at + VIRTIO_CAP_VNDR] = PCI_CAP_ID_VNDR;
	config[at + VIRTIO_CAP_NEXT] = (uint8_t)next;
	config[at + VIRTIO_CAP_LEN] = (uint8_t)len;
	config[at + VIRTIO_CAP_CFG_TYPE] = (uint8_t)cfg_type;
	config[at + VIRTIO_CAP_BAR] = 0;
	put_le32(config + at + VIRTIO_CAP_OFFSET, bar_offset);
	put_le32(config + at + VIRTIO_CAP_LENGTH, length);
}

static void build_config_space(struct virtio_pci_device *dev)
{
	const struct virtio_device_ops *ops = dev->ops;
	uint8_t *c = dev->config;
	int has_device_config = ops->config_size > 0;

	put_le16(c + PCI_VENDOR_ID, VIRTIO_PCI_VENDOR_ID);
	put_le16(c + PCI_DEVICE_ID, VIRTIO_PCI_DEVICE_ID_BASE + ops->type);
	put_le16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = VIRTIO_PCI_REVISION;
	c[PCI_CLASS_DEVICE] = ops->pci_subclass;
	c[PCI_CLASS_CODE] = ops->pci_class;
	put_le32(c + PCI_BASE_ADDRESS_0, dev->bar0);
	put_le16(c + PCI_SUBSYSTEM_ID, VIRTIO_PCI_SUBSYSTEM_ID);
	c[PCI_CAPABILITY_LIST] = VIRTIO_PCI_CAP_COMMON;
	c[PCI_INTERRUPT_LINE] = (uint8_t)dev->irq;

	put_cap(c, VIRTIO_PCI_CAP_COMMON, VIRTIO_PCI_CAP_NOTIFY, 16,
		VIRTIO_PCI_CFG_COMMON, VIRTIO_BAR_COMMON, VIRTIO_BAR_COMMON_SIZE);
	/* Multiplier 0: every queue is notified at the one register. */
	put_cap(c, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_PCI_CAP_ISR, 20,
		VIRTIO_PCI_CFG_NOTIFY, VIRTIO_BAR_NOTIFY, VIRTIO_BAR_NOTIFY_SIZE);
	put_cap(c, VIRTIO_PCI_CAP_ISR, VIRTIO_PCI_CAP_PCI_CFG, 16,
		VIRTIO_PCI_CFG_ISR, VIRTIO_BAR_ISR, VIRTIO_BAR_ISR_SIZE);
	/* The window starts empty: bar, offset and length are the driver's. */
	put_cap(c, VIRTIO_PCI_CAP_PCI_CFG,
		has_device_config ? VIRTIO_PCI_CAP_DEVICE : 0, 20,
		VIRTIO_PCI_CFG_PCI, 0, 0);
	if (has_device_config)
		put_cap(c, VIRTIO_PCI_CAP_DEVICE, 0, 16, VIRTIO_PCI_CFG_DEVICE,
			VIRTIO_BAR_DEVICE, ops->config_size);
}

/*
 * The window is usable when it names BAR0 and an aligned 1, 2 or 4 bytes
 * inside it.
 */
static int window_target(const struct virtio_pci_device *dev, unsigned *offset,
			 unsigned *length)
{
	uint32_t bar = dev->config[WINDOW_BAR];
	uint32_t off = get_le32(dev->config + WINDOW_OFFSET);
	uint32_t len = get_le32(dev->config + WINDOW_LENGTH);

	if (bar != 0 || (len != 1 && len != 2 && len != 4) || off % len != 0 ||
	    (uint64_t)off + len > dev->bar0_size)
		return -1;
	*offset = off;
	*length = len;
	return 0;
}

/* Reading the window's data first fetches it from BAR0. */
static void window_read(struct virtio_pci_device *dev)
{
	unsigned offset, length;
	uint32_t value;

	if (window_target(dev, &offset, &length) < 0)
		value = 0xFFFFFFFF;
	else
		virtio_pci__bar_read(dev, offset, length, &value);
	put_le32(dev->config + WINDOW_DATA, value);
}

/*
 * Writing the window's data stores it into BAR0.  A window that names
 * nothing is a bad configuration write (#GP, as in 4.4); a BAR0 access
 * that breaks a virtio rule is the transport's business, as it is for MMIO.
 */
static int window_write(struct virtio_pci_device *dev)
{
	unsigned offset, length;
	uint32_t value = get_le32(dev->config + WINDOW_DATA);

	if (window_target(dev, &offset, &length) < 0)
		return -1;
	virtio_pci__bar_write(dev, offset, length, value & size_mask(length));
	return 0;
}

static uint32_t config_read(void *opaque, unsigned offset, unsigned size)
{
	struct virtio_pci_device *dev = opaque;

	if (offset < WINDOW_DATA + 4 && offset + size > WINDOW_DATA)
		window_read(dev);
	return get_le(dev->config + offset, size);
}

/* Which writes a configuration space accepts (§9.5): little but scratch. */
static int config_write(void *opaque, unsigned offset, unsigned size,
			uint32_t value)
{
	struct virtio_pci_device *dev = opaque;
	unsigned dword = offset & ~3u;
	uint8_t *reg = dev->config + dword;
	uint32_t merged = pci__merge_lanes(get_le32(reg), offset & 3, size, value);

	switch (dword) {
	case PCI_COMMAND:
		/* Linux writes the command word to enable the device: ignored. */
		return size == 2 ? 0 : -1;
	case PCI_CACHE_LINE_SIZE:
		/* Cache line and latency timer only; header type stays. */
		put_le32(reg, (get_le32(reg) & 0xFFFF0000) | (merged & 0xFFFF));
		return 0;
	case PCI_BASE_ADDRESS_0:
		/* Low bits forced to 0 so the all-ones probe reads back the size. */
		put_le32(reg, merged & ~(dev->bar0_size - 1));
		return 0;
	case PCI_BASE_ADDRESS_0 + 4 ... PCI_CARDBUS_CIS:
	case PCI_ROM_ADDRESS:
	case WINDOW_BAR:
	case WINDOW_OFFSET:
	case WINDOW_LENGTH:
		put_le32(reg, merged);
		return 0;
	case WINDOW_DATA:
		put_le32(reg, merged);
		return window_write(dev);
	default:
		return -1;
	}
}

static void config_destroy(void *opaque)
{
	struct virtio_pci_device *dev = opaque;

	if (dev->ops->destroy)
		dev->ops->destroy(dev->model);
	free(dev);
}

static const struct pci_device_ops virtio_pci_config_ops = {
	.config_read = config_read,
	.config_write = config_write,
	.destroy = config_destroy,
};

/* ---- Broken rules --------------------------------------------------------- */

/*
 * The driver broke a rule: say so once, and stop the device until it
 * resets it.  Returns -1 for the caller to pass on.
 */
static int broke_rule(struct virtio_pci_device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int broke_rule(struct virtio_pci_device *dev, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (dev->broken)
		return -1; /* already reported; the driver has to reset anyway */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	report__warning("%s (PCI slot %u): the driver broke a virtio rule: %s; the "
			"device stops until the driver resets it",
			dev->ops->name, dev->slot, what);
	dev->broken = true;
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	return -1;
}

/* ---- BAR0: the common configuration --------------------------------------- */

static const char *access_name(bool write)
{
	return write ? "write" : "read";
}

static unsigned common_register_width(unsigned offset)
{
	switch (offset) {
	case VIRTIO_COMMON_STATUS:
	case VIRTIO_COMMON_CFGGENERATION:
		return 1;
	case VIRTIO_COMMON_MSIX:
	case VIRTIO_COMMON_NUMQ:
	case VIRTIO_COMMON_Q_SELECT:
	case VIRTIO_COMMON_Q_SIZE:
	case VIRTIO_COMMON_Q_MSIX:
	case VIRTIO_COMMON_Q_ENABLE:
	case VIRTIO_COMMON_Q_NOFF:
		return 2;
	default:
		return offset < VIRTIO_BAR_COMMON_SIZE && offset % 4 == 0 ? 4 : 0;
	}
}

/* The queue queue_select names, or NULL if the device has no such queue. */
static struct virtio_queue *selected_queue(struct virtio_pci_device *dev)
{
	if (dev->queue_select >= dev->ops->num_queues)
		return NULL;
	return &dev->queues[dev->queue_select];
}

static uint32_t *queue_address_half(struct virtio_queue *q, unsigned offset)
{
	unsigned index = (offset - VIRTIO_COMMON_Q_DESCLO) / 4;
	uint32_t *fields[] = { &q->desc[0], &q->desc[1], &q->avail[0],
			       &q->avail[1], &q->used[0], &q->used[1] };

	return fields[index];
}

static uint64_t queue_address(const uint32_t half[2])
{
	return (uint64_t)half[1] << 32 | half[0];
}

static void reset(struct virtio_pci_device *dev)
{
	dev->device_feature_select = 0;
	dev->driver_feature_select = 0;
	dev->driver_features = 0;
	dev->driver_features_beyond_64 = false;
	dev->status = 0;
	dev->broken = false;
	dev->queue_select = 0;
	__atomic_store_n(&dev->isr, 0, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < VIRTIO_PCI_MAX_QUEUES; i++)
		dev->queues[i] = (struct virtio_queue){
			.size = i < dev->ops->num_queues ? VIRTIO_QUEUE_SIZE_MAX : 0,
		};
	if (dev->ops->reset)
		dev->ops->reset(dev->model);
}

static uint32_t feature_half(uint64_t features, uint32_t select)
{
	return select == 0 ? (uint32_t)features
	       : select == 1 ? (uint32_t)(features >> 32)
			     : 0;
}

static int common_read(struct virtio_pci_device *dev, unsigned offset,
		       uint32_t *value)
{
	struct virtio_queue *q = selected_queue(dev);

	switch (offset) {
	case VIRTIO_COMMON_DFSELECT:
		*value = dev->device_feature_select;
		break;
	case VIRTIO_COMMON_DF:
		*value = feature_half(dev->features, dev->device_feature_select);
		break;
	case VIRTIO_COMMON_GFSELECT:
		*value = dev->driver_feature_select;
		break;
	case VIRTIO_COMMON_GF:
		*value = feature_half(dev->driver_features, dev->driver_feature_select);
		break;
	case VIRTIO_COMMON_MSIX:
	case VIRTIO_COMMON_Q_MSIX:
		/* No MSI-X: the driver falls back to the INTx line. */
		*value = VIRTIO_MSI_NO_VECTOR;
		break;
	case VIRTIO_COMMON_NUMQ:
		*value = dev->ops->num_queues;
		break;
	case VIRTIO_COMMON_STATUS:
		*value = dev->status;
		break;
	case VIRTIO_COMMON_CFGGENERATION:
		/* Our device configurations never change behind the driver. */
		*value = 0;
		break;
	case VIRTIO_COMMON_Q_NOFF:
		/* Every queue is notified at the one register (multiplier 0). */
		*value = 0;
		break;
	case VIRTIO_COMMON_Q_SELECT:
		*value = dev->queue_select;
		break;
	case VIRTIO_COMMON_Q_SIZE:
		*value = q ? q->size : 0;
		break;
	case VIRTIO_COMMON_Q_ENABLE:
		*value = q ? q->enable : 0;
		break;
	default: /* the queue addresses */
		*value = q ? *queue_address_half(q, offset) : 0;
		break;
	}
	return 0;
}

static int write_driver_features(struct virtio_pci_device *dev, uint32_t value)
{
	uint32_t select = dev->driver_feature_select;

	if (dev->status & VIRTIO_STATUS_FEATURES_OK)
		return broke_rule(dev, "driver features written after FEATURES_OK");
	if (select > 1) {
		/* Bits 64 and up are never offered; accepting one fails FEATURES_OK. */
		if (value)
			dev->driver_features_beyond_64 = true;
		return 0;
	}
	if (select == 0)
		dev->driver_features = (dev->driver_features & ~0xFFFFFFFFull) | value;
	else
		dev->driver_features = (dev->driver_features & 0xFFFFFFFFull) |
				       (uint64_t)value << 32;
	return 0;
}

/*
 * FEATURES_OK is the device's chance to refuse the driver's choice: it
 * stays clear, and the driver, reading the status back, sees it failed.
 */
static bool features_acceptable(struct virtio_pci_device *dev)
{
	uint64_t unoffered = dev->driver_features & ~dev->features;

	if (unoffered || dev->driver_features_beyond_64) {
		report__warning("%s (PCI slot %u): the driver accepted features the "
				"device does not offer (0x%llx%s); FEATURES_OK refused",
				dev->ops->name, dev->slot,
				(unsigned long long)unoffered,
				dev->driver_features_beyond_64 ? " and bits above 63" : "");
		return false;
	}
	if (!(dev->driver_features & 1ull << VIRTIO_F_VERSION_1)) {
		report__warning("%s (PCI slot %u): the driver did not accept "
				"VIRTIO_F_VERSION_1 (a legacy driver?); FEATURES_OK "
				"refused", dev->ops->name, dev->slot);
		return false;
	}
	return true;
}

/* DRIVER_OK: the queues are live; serve what the driver queued already. */
static void start(struct virtio_pci_device *dev)
{
	bool indirect = virtio_pci__negotiated(dev, VIRTIO_RING_F_INDIRECT_DESC);

	for (unsigned i = 0; i < dev->ops->num_queues; i++) {
		if (!dev->queues[i].enable)
			continue;
		dev->queues[i].vq.indirect = indirect;
		if (dev->ops->queue_notify && virtio_pci__live(dev))
			dev->ops->queue_notify(dev->model, i);
	}
}

#define STATUS_DRIVER_BITS                                              \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |             \
	 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)

/*
 * device_status: 0 resets; otherwise bits are only ever added, each step
 * needing the one before (ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK).
 */
static int write_status(struct virtio_pci_device *dev, uint32_t value)
{
	uint8_t old = dev->status & ~VIRTIO_STATUS_NEEDS_RESET;
	uint8_t now;

	if (value == 0) {
		reset(dev);
		return 0;
	}
	/* NEEDS_RESET is the device's bit; a driver may echo it back. */
	value &= ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET;
	if (value & VIRTIO_STATUS_FAILED) {
		dev->status |= VIRTIO_STATUS_FAILED;
		if (!dev->broken)
			report__warning("%s (PCI slot %u): the driver gave up on the "
					"device (status FAILED)", dev->ops->name,
					dev->slot);
		dev->broken = true;
		return 0;
	}
	if (value & ~(uint32_t)STATUS_DRIVER_BITS)
		return broke_rule(dev, "status 0x%02x sets bits that mean nothing",
				  value);
	if (old & ~value)
		return broke_rule(dev, "status 0x%02x clears bits of 0x%02x (only 0 "
				  "resets)", value, old);
	now = (uint8_t)value;
	if (((now & VIRTIO_STATUS_DRIVER) && !(now & VIRTIO_STATUS_ACKNOWLEDGE)) ||
	    ((now & VIRTIO_STATUS_FEATURES_OK) && !(now & VIRTIO_STATUS_DRIVER)) ||
	    ((now & VIRTIO_STATUS_DRIVER_OK) && !(now & VIRTIO_STATUS_FEATURES_OK)))
		return broke_rule(dev, "status 0x%02x skips a step (ACKNOWLEDGE, "
				  "DRIVER, FEATURES_OK, DRIVER_OK)", value);

	uint8_t added = now & ~old;
	if ((added & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(dev))
		return 0; /* status unchanged: the driver sees FEATURES_OK refused */
	dev->status = now | (dev->status & VIRTIO_STATUS_NEEDS_RESET);
	if (added & VIRTIO_STATUS_DRIVER_OK)
		start(dev);
	return 0;
}

static int enable_queue(struct virtio_pci_device *dev, struct virtio_queue *q,
			uint32_t value)
{
	char why[160];

	if (value != 1)
		return broke_rule(dev, "queue_enable written with %u; only 1 enables "
				  "a queue", value);
	if (q->enable)
		return 0;
	if (virtqueue__check_layout(&dev->machine->ram, q->size,
				    queue_address(q->desc), queue_address(q->avail),
				    queue_address(q->used), why, sizeof(why)) < 0)
		return broke_rule(dev, "queue %u: %s", dev->queue_select, why);
	virtqueue__init(&q->vq, &dev->machine->ram, q->size, queue_address(q->desc),
			queue_address(q->avail), queue_address(q->used),
			virtio_pci__negotiated(dev, VIRTIO_RING_F_INDIRECT_DESC));
	q->enable = 1;
	return 0;
}

static int common_write(struct virtio_pci_device *dev, unsigned offset,
			uint32_t value)
{
	struct virtio_queue *q = selected_queue(dev);

	switch (offset) {
	case VIRTIO_COMMON_DFSELECT:
		dev->device_feature_select = value;
		return 0;
	case VIRTIO_COMMON_GFSELECT:
		dev->driver_feature_select = value;
		return 0;
	case VIRTIO_COMMON_GF:
		return write_driver_features(dev, value);
	case VIRTIO_COMMON_MSIX:
	case VIRTIO_COMMON_Q_MSIX:
		/* Tolerated and ignored: reads keep saying "no vector". */
		return 0;
	case VIRTIO_COMMON_STATUS:
		return write_status(dev, value);
	case VIRTIO_COMMON_Q_SELECT:
		dev->queue_select = (uint16_t)value;
		return 0;
	case VIRTIO_COMMON_DF:
	case VIRTIO_COMMON_NUMQ:
	case VIRTIO_COMMON_CFGGENERATION:
	case VIRTIO_COMMON_Q_NOFF:
		return broke_rule(dev, "write to the read-only common configuration "
				  "register at offset %u", offset);
	}

	/* The selected queue's registers. */
	if (!q)
		return broke_rule(dev, "queue register at offset %u written with "
				  "queue_select %u, which names no queue", offset,
				  dev->queue_select);
	switch (offset) {
	case VIRTIO_COMMON_Q_SIZE:
		if (q->enable)
			return broke_rule(dev, "queue %u's size changed while enabled",
					  dev->queue_select);
		if (value == 0 || value > VIRTIO_QUEUE_SIZE_MAX ||
		    (value & (value - 1)) != 0)
			return broke_rule(dev, "queue %u's size set to %u, not a power "
					  "of two from 1 to %u", dev->queue_select,
					  value, VIRTIO_QUEUE_SIZE_MAX);
		q->size = (uint16_t)value;
		return 0;
	case VIRTIO_COMMON_Q_ENABLE:
		return enable_queue(dev, q, value);
	default: /* the ring addresses */
		if (q->enable)
			return broke_rule(dev, "queue %u's ring address changed while "
					  "enabled", dev->queue_select);
		*queue_address_half(q, offset) = value;
		return 0;
	}
}

/* ---- BAR0: everything after the common configuration --------------------- */

static int notify(struct virtio_pci_device *dev, uint32_t queue)
{
	if (queue >= dev->ops->num_queues)
		return broke_rule(dev, "notify names queue %u; the device has %u",
				  queue, dev->ops->num_queues);
	/* Before DRIVER_OK nothing runs; start() serves the queue then. */
	if (dev->queues[queue].enable && virtio_pci__live(dev) &&
	    dev->ops->queue_notify)
		dev->ops->queue_notify(dev->model, queue);
	return 0;
}

static bool device_config_access(struct virtio_pci_device *dev,
				 unsigned offset, unsigned size)
{
	return offset >= VIRTIO_BAR_DEVICE &&
	       offset + size <= VIRTIO_BAR_DEVICE + dev->ops->config_size;
}

static int device_config(struct virtio_pci_device *dev, bool write,
			 unsigned offset, unsigned size, uint32_t *value)
{
	unsigned at = offset - VIRTIO_BAR_DEVICE;
	int r = -1;

	if (write && dev->ops->config_write)
		r = dev->ops->config_write(dev->model, at, size, *value);
	else if (!write && dev->ops->config_read)
		r = dev->ops->config_read(dev->model, at, size, value);
	if (r < 0) {
		*value = 0;
		return broke_rule(dev, "%u-byte %s of device configuration offset %u",
				  size, access_name(write), at);
	}
	return 0;
}

/* One BAR0 access; *value is the data for a write, the result of a read. */
static int bar_access(struct virtio_pci_device *dev, bool write,
		      unsigned offset, unsigned size, uint32_t *value)
{
	if (!write)
		*value = 0;
	if ((size != 1 && size != 2 && size != 4) || offset % size != 0 ||
	    offset + size > dev->bar0_size)
		return broke_rule(dev, "%u-byte %s at BAR0 offset %u is misaligned or "
				  "out of range", size, access_name(write), offset);

	if (offset < VIRTIO_BAR_COMMON_SIZE) {
		unsigned width = common_register_width(offset);

		if (width != size)
			return broke_rule(dev, "%u-byte %s of common configuration offset "
					  "%u, a %u-byte register", size,
					  access_name(write), offset, width);
		return write ? common_write(dev, offset, *value)
			     : common_read(dev, offset, value);
	}
	if (offset == VIRTIO_BAR_NOTIFY && size == VIRTIO_BAR_NOTIFY_SIZE)
		return write ? notify(dev, *value) : 0;
	if (offset == VIRTIO_BAR_ISR && size == VIRTIO_BAR_ISR_SIZE) {
		if (write)
			return broke_rule(dev, "write to the ISR");
		/* Reading acknowledges the interrupt. */
		*value = __atomic_exchange_n(&dev->isr, 0, __ATOMIC_SEQ_CST);
		return 0;
	}
	if (device_config_access(dev, offset, size))
		return device_config(dev, write, offset, size, value);
	return broke_rule(dev, "%u-byte %s at BAR0 offset %u, where there is no "
			  "register", size, access_name(write), offset);
}

int virtio_pci__bar_read(struct virtio_pci_device *dev, unsigned offset,
			 unsigned size, uint32_t *value)
{
	return bar_access(dev, false, offset, size, value);
}

int virtio_pci__bar_write(struct virtio_pci_device *dev, unsigned offset,
			  unsigned size, uint32_t value)
{
	return bar_access(dev, true, offset, size, &value);
}

static int mmio_read(void *opaque, uint32_t offset, unsigned size,
		     uint32_t *value)
{
	return virtio_pci__bar_read(opaque, offset, size, value);
}

static int mmio_write(void *opaque, uint32_t offset, unsigned size,
		      uint32_t value)
{
	return virtio_pci__bar_write(opaque, offset, size, value);
}

static const struct mmio_ops virtio_pci_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

/* ---- For device models ------------------------------------------------------ */

bool virtio_pci__negotiated(const struct virtio_pci_device *dev, unsigned bit)
{
	return bit < 64 && (dev->driver_features >> bit & 1);
}

bool virtio_pci__live(const struct virtio_pci_device *dev)
{
	return (dev->status & VIRTIO_STATUS_DRIVER_OK) && !dev->broken;
}

static const char *queue_name(const struct virtio_pci_device *dev,
			      unsigned queue)
{
	if (!dev->ops->queue_names || queue >= dev->ops->num_queues)
		return NULL;
	return dev->ops->queue_names[queue];
}

void virtio_pci__kill_guest(struct virtio_pci_device *dev, unsigned queue,
			    const char *fmt, ...)
{
	const char *qname = queue_name(dev, queue);
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dev->broken = true;
	if (qname)
		machine__kill_guest(dev->machine, "%s: %s (%s queue)", dev->ops->name,
				    what, qname);
	else
		machine__kill_guest(dev->machine, "%s: %s", dev->ops->name, what);
}

int virtio_pci__pop(struct virtio_pci_device *dev, unsigned queue,
		    struct virtq_chain *chain)
{
	struct virtio_queue *q;
	int r;

	if (queue >= dev->ops->num_queues || !virtio_pci__live(dev))
		return 0;
	q = &dev->queues[queue];
	if (!q->enable)
		return 0;
	r = virtqueue__pop(&q->vq, chain);
	if (r < 0)
		virtio_pci__kill_guest(dev, queue, "%s", q->vq.error);
	return r;
}

void virtio_pci__push(struct virtio_pci_device *dev, unsigned queue,
		      uint16_t head, uint32_t written)
{
	struct virtio_queue *q = &dev->queues[queue];

	if (queue < dev->ops->num_queues && q->enable)
		virtqueue__push(&q->vq, head, written);
}

void virtio_pci__signal_queue(struct virtio_pci_device *dev)
{
	/* The ISR before the line: the driver's handler reads it. */
	__atomic_or_fetch(&dev->isr, VIRTIO_ISR_QUEUE, __ATOMIC_SEQ_CST);
	machine__raise_irq(dev->machine, dev->irq);
}

void virtio_pci__queue_done(struct virtio_pci_device *dev, unsigned queue)
{
	struct virtio_queue *q = &dev->queues[queue];

	if (queue >= dev->ops->num_queues || !q->enable)
		return;
	if (virtqueue__wants_interrupt(&q->vq))
		virtio_pci__signal_queue(dev);
}

/* ---- Creation ----------------------------------------------------------- */

struct virtio_pci_device *virtio_pci__create(struct machine *machine,
					     const struct virtio_device_ops *ops,
					     void *model, char *err,
					     size_t errlen)
{
	struct virtio_pci_device *dev = calloc(1, sizeof(*dev));

	if (!dev) {
		snprintf(err, errlen, "out of memory for the %s device", ops->name);
		return NULL;
	}
	dev->ops = ops;
	dev->model = model;
	dev->machine = machine;
	dev->features = ops->features;
	dev->bar0_size = bar0_size_for(ops->config_size);
	if (machine__alloc_bar(machine, dev->bar0_size, &dev->bar0) < 0) {
		snprintf(err, errlen, "no address space left for the %s device's BAR",
			 ops->name);
		free(dev);
		return NULL;
	}
	if (machine->nr_mmio == MACHINE_MAX_MMIO_REGIONS) {
		snprintf(err, errlen, "too many devices: no MMIO region for the %s "
			 "device", ops->name);
		free(dev);
		return NULL;
	}
	int slot = pci_bus__add(&machine->pci, &virtio_pci_config_ops, dev);
	if (slot < 0) {
		snprintf(err, errlen, "too many devices: no PCI slot for the %s device",
			 ops->name);
		free(dev);
		return NULL;
	}
	/* The Launcher keeps its own idea of the BAR, whatever the Guest writes. */
	machine__add_mmio(machine, dev->bar0, dev->bar0_size, &virtio_pci_mmio_ops,
			  dev);
	dev->slot = (unsigned)slot;
	dev->irq = machine__alloc_irq(machine);
	build_config_space(dev);
	reset(dev);
	return dev;
}
