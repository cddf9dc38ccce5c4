/*
 * virtio_pci.c - the virtio 1.0 PCI transport: configuration space,
 * capabilities, the configuration-access window, and BAR0's registers.
 *
 * The common configuration is a plain register file for now; the strict
 * driver checks lguest 4.4 made (feature negotiation order, queue
 * validation) belong with the virtqueues, which come with the devices
 * that use them.
 */
#include "virtio_pci.h"

#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "machine.h"

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

	if (window_target(dev, &offset, &length) < 0 ||
	    virtio_pci__bar_read(dev, offset, length, &value) < 0)
		value = 0xFFFFFFFF;
	put_le32(dev->config + WINDOW_DATA, value);
}

/* Writing the window's data stores it into BAR0. */
static int window_write(struct virtio_pci_device *dev)
{
	unsigned offset, length;
	uint32_t value = get_le32(dev->config + WINDOW_DATA);

	if (window_target(dev, &offset, &length) < 0)
		return -1;
	return virtio_pci__bar_write(dev, offset, length,
				     value & size_mask(length));
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

/* ---- BAR0 --------------------------------------------------------------- */

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

static void reset(struct virtio_pci_device *dev)
{
	dev->device_feature_select = 0;
	dev->driver_feature_select = 0;
	dev->driver_features = 0;
	dev->status = 0;
	dev->queue_select = 0;
	dev->isr = 0;
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
		return 0;
	case VIRTIO_COMMON_DF:
		*value = feature_half(dev->ops->features, dev->device_feature_select);
		return 0;
	case VIRTIO_COMMON_GFSELECT:
		*value = dev->driver_feature_select;
		return 0;
	case VIRTIO_COMMON_GF:
		*value = feature_half(dev->driver_features, dev->driver_feature_select);
		return 0;
	case VIRTIO_COMMON_MSIX:
	case VIRTIO_COMMON_Q_MSIX:
		/* No MSI-X: the driver falls back to the INTx line. */
		*value = VIRTIO_MSI_NO_VECTOR;
		return 0;
	case VIRTIO_COMMON_NUMQ:
		*value = dev->ops->num_queues;
		return 0;
	case VIRTIO_COMMON_STATUS:
		*value = dev->status;
		return 0;
	case VIRTIO_COMMON_CFGGENERATION:
	case VIRTIO_COMMON_Q_NOFF:
		*value = 0;
		return 0;
	case VIRTIO_COMMON_Q_SELECT:
		*value = dev->queue_select;
		return 0;
	case VIRTIO_COMMON_Q_SIZE:
		*value = q ? q->size : 0;
		return 0;
	case VIRTIO_COMMON_Q_ENABLE:
		*value = q ? q->enable : 0;
		return 0;
	default: /* the queue addresses */
		*value = q ? *queue_address_half(q, offset) : 0;
		return 0;
	}
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
		if (dev->driver_feature_select > 1)
			return -1;
		if (dev->driver_feature_select == 0)
			dev->driver_features = (dev->driver_features & ~0xFFFFFFFFull) |
					       value;
		else
			dev->driver_features = (dev->driver_features & 0xFFFFFFFFull) |
					       (uint64_t)value << 32;
		return 0;
	case VIRTIO_COMMON_STATUS:
		if (value == 0)
			reset(dev);
		else
			dev->status = (uint8_t)value;
		return 0;
	case VIRTIO_COMMON_Q_SELECT:
		dev->queue_select = (uint16_t)value;
		return 0;
	case VIRTIO_COMMON_Q_SIZE:
		if (!q || q->enable || value == 0 || value > VIRTIO_QUEUE_SIZE_MAX ||
		    (value & (value - 1)) != 0)
			return -1;
		q->size = (uint16_t)value;
		return 0;
	case VIRTIO_COMMON_Q_ENABLE:
		if (!q || value != 1)
			return -1;
		q->enable = 1;
		return 0;
	case VIRTIO_COMMON_Q_DESCLO ... VIRTIO_COMMON_Q_USEDHI:
		if (!q || q->enable)
			return -1;
		*queue_address_half(q, offset) = value;
		return 0;
	default:
		/* Read-only registers, and the MSI-X vectors we do not have. */
		return -1;
	}
}

static int device_config_access(struct virtio_pci_device *dev, unsigned offset,
				unsigned size)
{
	return offset >= VIRTIO_BAR_DEVICE &&
	       offset + size <= VIRTIO_BAR_DEVICE + dev->ops->config_size;
}

int virtio_pci__bar_read(struct virtio_pci_device *dev, unsigned offset,
			 unsigned size, uint32_t *value)
{
	if ((size != 1 && size != 2 && size != 4) || offset % size != 0)
		return -1;
	if (offset < VIRTIO_BAR_COMMON_SIZE) {
		if (common_register_width(offset) != size)
			return -1;
		return common_read(dev, offset, value);
	}
	if (offset == VIRTIO_BAR_NOTIFY && size == VIRTIO_BAR_NOTIFY_SIZE) {
		*value = 0;
		return 0;
	}
	if (offset == VIRTIO_BAR_ISR && size == VIRTIO_BAR_ISR_SIZE) {
		/* Reading acknowledges the interrupt. */
		*value = dev->isr;
		dev->isr = 0;
		return 0;
	}
	if (device_config_access(dev, offset, size) && dev->ops->config_read)
		return dev->ops->config_read(dev->model, offset - VIRTIO_BAR_DEVICE,
					     size, value);
	return -1;
}

int virtio_pci__bar_write(struct virtio_pci_device *dev, unsigned offset,
			  unsigned size, uint32_t value)
{
	if ((size != 1 && size != 2 && size != 4) || offset % size != 0)
		return -1;
	if (offset < VIRTIO_BAR_COMMON_SIZE) {
		if (common_register_width(offset) != size)
			return -1;
		return common_write(dev, offset, value);
	}
	if (offset == VIRTIO_BAR_NOTIFY && size == VIRTIO_BAR_NOTIFY_SIZE) {
		if (value >= dev->ops->num_queues)
			return -1;
		if (dev->ops->queue_notify)
			dev->ops->queue_notify(dev->model, value);
		return 0;
	}
	if (device_config_access(dev, offset, size) && dev->ops->config_write)
		return dev->ops->config_write(dev->model, offset - VIRTIO_BAR_DEVICE,
					      size, value);
	return -1;
}

void virtio_pci__signal_queue(struct virtio_pci_device *dev)
{
	dev->isr |= VIRTIO_ISR_QUEUE;
	machine__raise_irq(dev->machine, dev->irq);
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
	dev->bar0_size = bar0_size_for(ops->config_size);
	if (machine__alloc_bar(machine, dev->bar0_size, &dev->bar0) < 0) {
		snprintf(err, errlen, "no address space left for the %s device's BAR",
			 ops->name);
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
	dev->slot = (unsigned)slot;
	dev->irq = machine__alloc_irq(machine);
	build_config_space(dev);
	reset(dev);
	return dev;
}
