/*
 * virtio_test_driver.c - see virtio_test_driver.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "bytes.h"
#include "virtio_test_driver.h"

void td_machine_init(struct machine *machine)
{
	uint8_t *ram = calloc(1, TD_RAM_SIZE);

	assert_non_null(ram);
	machine__init(machine, ram, TD_RAM_SIZE);
}

void td_machine_destroy(struct machine *machine)
{
	uint8_t *ram = machine->ram.base;

	machine__destroy(machine);
	free(ram);
}

void td_write(struct test_driver *td, unsigned offset, unsigned size,
	      uint32_t value)
{
	assert_int_equal(virtio_pci__bar_write(td->dev, offset, size, value), 0);
}

uint32_t td_read(struct test_driver *td, unsigned offset, unsigned size)
{
	uint32_t value = 0xDEADBEEF;

	assert_int_equal(virtio_pci__bar_read(td->dev, offset, size, &value), 0);
	return value;
}

uint8_t td_negotiate(struct test_driver *td, uint64_t features)
{
	td_write(td, VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	td_write(td, VIRTIO_COMMON_STATUS, 1,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	td_write(td, VIRTIO_COMMON_GFSELECT, 4, 0);
	td_write(td, VIRTIO_COMMON_GF, 4, (uint32_t)features);
	td_write(td, VIRTIO_COMMON_GFSELECT, 4, 1);
	td_write(td, VIRTIO_COMMON_GF, 4, (uint32_t)(features >> 32));
	td_write(td, VIRTIO_COMMON_STATUS, 1,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK);
	return (uint8_t)td_read(td, VIRTIO_COMMON_STATUS, 1);
}

void td_setup_queue(struct test_driver *td, unsigned q, uint16_t size)
{
	struct td_queue *tq = &td->queues[q];

	tq->size = size;
	tq->desc = TD_QUEUE_BASE(q);
	tq->avail = TD_QUEUE_BASE(q) + 0x1000;
	tq->used = TD_QUEUE_BASE(q) + 0x2000;
	tq->avail_idx = 0;
	td_write(td, VIRTIO_COMMON_Q_SELECT, 2, q);
	td_write(td, VIRTIO_COMMON_Q_SIZE, 2, size);
	td_write(td, VIRTIO_COMMON_Q_DESCLO, 4, (uint32_t)tq->desc);
	td_write(td, VIRTIO_COMMON_Q_DESCHI, 4, 0);
	td_write(td, VIRTIO_COMMON_Q_AVAILLO, 4, (uint32_t)tq->avail);
	td_write(td, VIRTIO_COMMON_Q_AVAILHI, 4, 0);
	td_write(td, VIRTIO_COMMON_Q_USEDLO, 4, (uint32_t)tq->used);
	td_write(td, VIRTIO_COMMON_Q_USEDHI, 4, 0);
	td_write(td, VIRTIO_COMMON_Q_ENABLE, 2, 1);
}

void td_driver_ok(struct test_driver *td)
{
	td_write(td, VIRTIO_COMMON_STATUS, 1,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

void td_start(struct test_driver *td, uint64_t features)
{
	assert_true(td_negotiate(td, features) & VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < td->dev->ops->num_queues; q++)
		td_setup_queue(td, q, 8);
	td_driver_ok(td);
}

uint8_t *td_ram(struct test_driver *td, uint64_t gpa)
{
	return td->machine->ram.base + gpa;
}

void td_desc(struct test_driver *td, unsigned q, unsigned i, uint64_t addr,
	     uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = td_ram(td, td->queues[q].desc + 16 * i);

	put_le64(d, addr);
	put_le32(d + 8, len);
	put_le16(d + 12, flags);
	put_le16(d + 14, next);
}

void td_make_available(struct test_driver *td, unsigned q, uint16_t head)
{
	struct td_queue *tq = &td->queues[q];
	uint8_t *avail = td_ram(td, tq->avail);

	put_le16(avail + 4 + 2 * (tq->avail_idx % tq->size), head);
	tq->avail_idx++;
	put_le16(avail + 2, tq->avail_idx);
}

void td_set_avail_flags(struct test_driver *td, unsigned q, uint16_t flags)
{
	put_le16(td_ram(td, td->queues[q].avail), flags);
}

void td_notify(struct test_driver *td, unsigned q)
{
	td_write(td, VIRTIO_BAR_NOTIFY, 2, q);
}

uint16_t td_used_idx(struct test_driver *td, unsigned q)
{
	return get_le16(td_ram(td, td->queues[q].used + 2));
}

void td_used(struct test_driver *td, unsigned q, unsigned n, uint32_t *id,
	     uint32_t *len)
{
	struct td_queue *tq = &td->queues[q];
	uint8_t *elem = td_ram(td, tq->used + 4 + 8 * (n % tq->size));

	*id = get_le32(elem);
	*len = get_le32(elem + 4);
}
