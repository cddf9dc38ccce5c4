/*
 * virtio_test_driver.h - a virtio driver for the device tests: it
 * programs a device through BAR0 and builds rings in a fake Guest RAM
 * buffer, as a Guest's driver would.
 *
 * Fake RAM layout: queue q's descriptor table at TD_QUEUE_BASE(q), its
 * available ring 4 KiB later and its used ring 8 KiB later; buffers from
 * TD_DATA upward.
 */
#ifndef TEST_VIRTIO_TEST_DRIVER_H
#define TEST_VIRTIO_TEST_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"
#include "virtio_pci.h"

#define TD_RAM_SIZE (1024u * 1024u)
#define TD_QUEUE_BASE(q) (0x10000u + (q) * 0x4000u)
#define TD_DATA 0x40000u

struct td_queue {
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx; /* the driver's next available index */
};

struct test_driver {
	struct machine *machine;
	struct virtio_pci_device *dev;
	struct td_queue queues[VIRTIO_PCI_MAX_QUEUES];
};

/* A fresh RAM buffer and machine (no devices yet). */
void td_machine_init(struct machine *machine);
void td_machine_destroy(struct machine *machine);

/* BAR0 accesses that must succeed. */
void td_write(struct test_driver *td, unsigned offset, unsigned size,
	      uint32_t value);
uint32_t td_read(struct test_driver *td, unsigned offset, unsigned size);

/* ACKNOWLEDGE, DRIVER, accept `features`, FEATURES_OK: the status read back. */
uint8_t td_negotiate(struct test_driver *td, uint64_t features);
/* Select queue q, set its size and ring addresses, enable it. */
void td_setup_queue(struct test_driver *td, unsigned q, uint16_t size);
/* negotiate, set up every queue with size 8, DRIVER_OK. */
void td_start(struct test_driver *td, uint64_t features);
void td_driver_ok(struct test_driver *td);

/* Descriptor i of queue q. */
void td_desc(struct test_driver *td, unsigned q, unsigned i, uint64_t addr,
	     uint32_t len, uint16_t flags, uint16_t next);
/* Put chain `head` on queue q's available ring. */
void td_make_available(struct test_driver *td, unsigned q, uint16_t head);
/* Write the notify register with q. */
void td_notify(struct test_driver *td, unsigned q);

uint16_t td_used_idx(struct test_driver *td, unsigned q);
/* Used element n (in order of use): its chain head and written length. */
void td_used(struct test_driver *td, unsigned q, unsigned n, uint32_t *id,
	     uint32_t *len);

/* Guest RAM at gpa. */
uint8_t *td_ram(struct test_driver *td, uint64_t gpa);

/* Set avail.flags of queue q (VIRTQ_AVAIL_F_NO_INTERRUPT). */
void td_set_avail_flags(struct test_driver *td, unsigned q, uint16_t flags);

#endif /* TEST_VIRTIO_TEST_DRIVER_H */
