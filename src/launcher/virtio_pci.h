/*
 * virtio_pci.h - the virtio 1.0 PCI transport (lguest-4.4-abi.md §9.3-9.6).
 *
 * A virtio device is a PCI configuration space with a chain of vendor
 * capabilities that point into one memory BAR (BAR0); BAR0 holds the
 * common configuration, the notify register, the ISR and the device's own
 * configuration.  The transport owns all of that; a device model
 * (virtio_console.c, ...) supplies only what is its own: type, features,
 * queues and device configuration, through struct virtio_device_ops.
 *
 * BAR0 is reached two ways: through the PCI-configuration-access window
 * (capability at 0x84, which the Guest's early console uses) and as MMIO
 * (the Host hands us the faulting access; mmio.c decodes it).  Both come
 * to virtio_pci__bar_read/write.
 *
 * The transport also owns the virtqueues' registers and ring state; a
 * device model takes chains with virtio_pci__pop(), gives them back with
 * virtio_pci__push() and interrupts with virtio_pci__queue_done().
 */
#ifndef LAUNCHER_VIRTIO_PCI_H
#define LAUNCHER_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci.h"
#include "virtqueue.h"

struct machine;

#define VIRTIO_PCI_VENDOR_ID 0x1AF4
#define VIRTIO_PCI_DEVICE_ID_BASE 0x1040 /* + virtio type: non-transitional */
#define VIRTIO_PCI_SUBSYSTEM_ID 0x0040
#define VIRTIO_PCI_REVISION 1

enum virtio_type {
	VIRTIO_TYPE_NET = 1,
	VIRTIO_TYPE_BLOCK = 2,
	VIRTIO_TYPE_CONSOLE = 3,
	VIRTIO_TYPE_RNG = 4,
};

#define VIRTIO_F_VERSION_1 32 /* the 4.4 modern driver insists on it */

/* Where the capabilities sit in configuration space; note the order. */
enum virtio_pci_cap_offset {
	VIRTIO_PCI_CAP_COMMON = 0x40,
	VIRTIO_PCI_CAP_NOTIFY = 0x50,
	VIRTIO_PCI_CAP_ISR = 0x64,
	VIRTIO_PCI_CAP_DEVICE = 0x74,  /* last in the chain, if present */
	VIRTIO_PCI_CAP_PCI_CFG = 0x84, /* links to the device cap */
};

/* Fields of a virtio capability, relative to its start. */
enum virtio_pci_cap_field {
	VIRTIO_CAP_VNDR = 0,
	VIRTIO_CAP_NEXT = 1,
	VIRTIO_CAP_LEN = 2,
	VIRTIO_CAP_CFG_TYPE = 3,
	VIRTIO_CAP_BAR = 4,
	VIRTIO_CAP_OFFSET = 8,
	VIRTIO_CAP_LENGTH = 12,
	VIRTIO_CAP_NOTIFY_OFF_MULTIPLIER = 16, /* notify cap only */
	VIRTIO_CAP_PCI_CFG_DATA = 16,          /* PCI-cfg-access cap only */
};

#define PCI_CAP_ID_VNDR 0x09

enum virtio_pci_cfg_type {
	VIRTIO_PCI_CFG_COMMON = 1,
	VIRTIO_PCI_CFG_NOTIFY = 2,
	VIRTIO_PCI_CFG_ISR = 3,
	VIRTIO_PCI_CFG_DEVICE = 4,
	VIRTIO_PCI_CFG_PCI = 5,
};

/* BAR0 layout. */
enum virtio_bar_offset {
	VIRTIO_BAR_COMMON = 0,
	VIRTIO_BAR_COMMON_SIZE = 56,
	VIRTIO_BAR_NOTIFY = 56,
	VIRTIO_BAR_NOTIFY_SIZE = 2,
	VIRTIO_BAR_ISR = 58,
	VIRTIO_BAR_ISR_SIZE = 1,
	VIRTIO_BAR_DEVICE = 60,
};

/* Common configuration registers (BAR0 offsets), each with its width. */
enum virtio_common_offset {
	VIRTIO_COMMON_DFSELECT = 0,     /* 32 */
	VIRTIO_COMMON_DF = 4,           /* 32, read-only */
	VIRTIO_COMMON_GFSELECT = 8,     /* 32 */
	VIRTIO_COMMON_GF = 12,          /* 32 */
	VIRTIO_COMMON_MSIX = 16,        /* 16 */
	VIRTIO_COMMON_NUMQ = 18,        /* 16, read-only */
	VIRTIO_COMMON_STATUS = 20,      /* 8 */
	VIRTIO_COMMON_CFGGENERATION = 21, /* 8, read-only */
	VIRTIO_COMMON_Q_SELECT = 22,    /* 16 */
	VIRTIO_COMMON_Q_SIZE = 24,      /* 16 */
	VIRTIO_COMMON_Q_MSIX = 26,      /* 16 */
	VIRTIO_COMMON_Q_ENABLE = 28,    /* 16 */
	VIRTIO_COMMON_Q_NOFF = 30,      /* 16, read-only */
	VIRTIO_COMMON_Q_DESCLO = 32,    /* 32 each from here */
	VIRTIO_COMMON_Q_DESCHI = 36,
	VIRTIO_COMMON_Q_AVAILLO = 40,
	VIRTIO_COMMON_Q_AVAILHI = 44,
	VIRTIO_COMMON_Q_USEDLO = 48,
	VIRTIO_COMMON_Q_USEDHI = 52,
};

#define VIRTIO_MSI_NO_VECTOR 0xFFFF
#define VIRTIO_QUEUE_SIZE_MAX 256
#define VIRTIO_PCI_MAX_QUEUES 4
#define VIRTIO_ISR_QUEUE 0x1

/* device_status bits (virtio 1.0 §2.1), in the order a driver sets them. */
enum virtio_status {
	VIRTIO_STATUS_ACKNOWLEDGE = 1,
	VIRTIO_STATUS_DRIVER = 2,
	VIRTIO_STATUS_FEATURES_OK = 8,
	VIRTIO_STATUS_DRIVER_OK = 4,
	VIRTIO_STATUS_NEEDS_RESET = 0x40, /* set by the device: it is broken */
	VIRTIO_STATUS_FAILED = 0x80,      /* set by the driver: it gave up */
};

/* What a device model tells the transport about itself. */
struct virtio_device_ops {
	const char *name;           /* "virtio-blk": starts every message */
	enum virtio_type type;
	uint8_t pci_class, pci_subclass;
	uint64_t features;          /* offered to the driver (the device may add) */
	unsigned num_queues;        /* at most VIRTIO_PCI_MAX_QUEUES */
	const char *const *queue_names; /* for messages; NULL for one queue */
	unsigned config_size;       /* bytes of device configuration; 0: none */
	/*
	 * Device-configuration access at `offset` within it; the transport has
	 * checked that the access lies inside config_size.  Return 0, or -1
	 * for an access the driver must not make.
	 */
	int (*config_read)(void *model, unsigned offset, unsigned size,
			   uint32_t *value);
	int (*config_write)(void *model, unsigned offset, unsigned size,
			    uint32_t value);
	/*
	 * Queue `queue` may have new buffers: the driver notified it, or set
	 * DRIVER_OK with it enabled.  Called only while the device is live
	 * (virtio_pci__pop() then finds the queue).
	 */
	void (*queue_notify)(void *model, unsigned queue);
	/* The driver reset the device (status 0): drop any work in flight. */
	void (*reset)(void *model);
	void (*destroy)(void *model);
};

/* A queue's registers as the driver programs them, and its ring state. */
struct virtio_queue {
	uint16_t size;
	uint16_t enable;
	uint32_t desc[2], avail[2], used[2]; /* low, high halves */
	struct virtqueue vq;                 /* valid while enabled */
};

struct virtio_pci_device {
	const struct virtio_device_ops *ops;
	void *model;
	struct machine *machine;
	unsigned slot, irq;
	uint32_t bar0, bar0_size;
	uint8_t config[PCI_CONFIG_SPACE_SIZE];
	uint64_t features; /* offered: ops->features plus the instance's own */

	/* Common configuration. */
	uint32_t device_feature_select, driver_feature_select;
	uint64_t driver_features;
	bool driver_features_beyond_64; /* accepted a bit we cannot offer */
	uint8_t status;
	/* The driver broke a rule or gave up: no queue work until a reset. */
	bool broken;
	uint16_t queue_select;
	struct virtio_queue queues[VIRTIO_PCI_MAX_QUEUES];
	uint8_t isr; /* accessed atomically */
};

/*
 * Give a device model a BAR, an interrupt line and a PCI slot.  Once this
 * succeeds the transport owns the model: ops->destroy runs when the
 * machine is destroyed.  NULL with a reason in err[] on failure, and the
 * model is still the caller's.
 */
struct virtio_pci_device *virtio_pci__create(struct machine *machine,
					     const struct virtio_device_ops *ops,
					     void *model, char *err,
					     size_t errlen);

/*
 * BAR0 accesses of 1, 2 or 4 bytes, as MMIO or through the configuration
 * window.  They always complete (a read of something unreadable gives 0):
 * 0, or -1 if the driver broke a rule, which has been reported on stderr
 * and has stopped the device until the driver resets it (virtio 1.0's
 * DEVICE_NEEDS_RESET).  The emulator never exits for a driver's mistake.
 */
int virtio_pci__bar_read(struct virtio_pci_device *dev, unsigned offset,
			 unsigned size, uint32_t *value);
int virtio_pci__bar_write(struct virtio_pci_device *dev, unsigned offset,
			  unsigned size, uint32_t value);

/* ---- For device models ----------------------------------------------- */

/* Did the driver accept feature `bit` (valid from FEATURES_OK on)? */
bool virtio_pci__negotiated(const struct virtio_pci_device *dev, unsigned bit);

/* Is the device live: DRIVER_OK set and not broken? */
bool virtio_pci__live(const struct virtio_pci_device *dev);

/*
 * Take the next available chain of `queue`: 1, 0 if none (or the device
 * is not live), -1 if the chain was hostile: the Guest has been killed
 * with the reason, and the device is stopped.
 */
int virtio_pci__pop(struct virtio_pci_device *dev, unsigned queue,
		    struct virtq_chain *chain);
/* Return a chain to the driver with the number of bytes written into it. */
void virtio_pci__push(struct virtio_pci_device *dev, unsigned queue,
		      uint16_t head, uint32_t written);
/*
 * After pushing one or more chains: interrupt the driver unless it set
 * NO_INTERRUPT (ISR bit 0, then the device's line).
 */
void virtio_pci__queue_done(struct virtio_pci_device *dev, unsigned queue);

/* A chain broke the device's own rules: kill the Guest with the reason. */
void virtio_pci__kill_guest(struct virtio_pci_device *dev, unsigned queue,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set ISR bit 0 and raise the device's line, unconditionally. */
void virtio_pci__signal_queue(struct virtio_pci_device *dev);

#endif /* LAUNCHER_VIRTIO_PCI_H */
