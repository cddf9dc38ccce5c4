/*
 * test_virtio_net.c - the virtio network card, on a fake backend that
 * records what the Guest sends and delivers what the test says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "bytes.h"
#include "machine.h"
#include "net_backend.h"
#include "virtio_pci.h"
#include "virtio_test_driver.h"

#define NET_SLOT 1 /* no console here: the card takes the first free slot */
#define RX 0
#define TX 1
#define HEADER 12
#define FEATURES (1ull << VIRTIO_F_VERSION_1 | 1ull << 5 /* MAC */)
#define WAITING_MAX 256

static const uint8_t card_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* ---- The fake backend ------------------------------------------------------ */

struct fake_backend {
	struct net_backend backend;
	uint8_t sent[4][2048];
	size_t sent_len[4];
	unsigned nr_sent;
	unsigned resumed;
	bool closed;
};

static struct fake_backend fake;

static void fake_send(struct net_backend *backend, const uint8_t *frame,
		      size_t len)
{
	assert_ptr_equal(backend, &fake.backend);
	assert_true(fake.nr_sent < 4 && len <= sizeof(fake.sent[0]));
	memcpy(fake.sent[fake.nr_sent], frame, len);
	fake.sent_len[fake.nr_sent++] = len;
}

static void fake_resume(struct net_backend *backend)
{
	fake.resumed++;
}

static void fake_close(struct net_backend *backend)
{
	fake.closed = true;
}

static const struct net_backend_ops fake_ops = {
	.send = fake_send,
	.resume = fake_resume,
	.close = fake_close,
};

/* ---- Set-up ------------------------------------------------------------------ */

static struct machine machine;
static struct test_driver td;
static unsigned irqs;

static void count_irq(void *opaque, unsigned line)
{
	irqs++;
}

static int setup(void **state)
{
	char err[256];

	fake = (struct fake_backend){ .backend.ops = &fake_ops };
	td_machine_init(&machine);
	machine.raise_irq = count_irq;
	irqs = 0;
	td = (struct test_driver){ .machine = &machine };
	assert_int_equal(virtio_net__create(&machine, &fake.backend, card_mac, err,
					    sizeof(err)), 0);
	td.dev = machine.pci.slots[NET_SLOT].opaque;
	return 0;
}

static int setup_started(void **state)
{
	setup(state);
	td_start(&td, FEATURES);
	return 0;
}

static int teardown(void **state)
{
	td_machine_destroy(&machine);
	assert_true(fake.closed); /* the card closes its backend */
	return 0;
}

/* A frame of len bytes whose bytes say which frame it is. */
static void make_frame(uint8_t *frame, size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(tag + i);
}

static void deliver(size_t len, uint8_t tag)
{
	uint8_t frame[1514];

	make_frame(frame, len, tag);
	fake.backend.receiver.receive(fake.backend.receiver.opaque, frame, len);
}

/* Receive buffer i: 0x800 writable bytes at TD_DATA + i * 0x800. */
static void post_receive_buffer(unsigned i)
{
	td_desc(&td, RX, i % 8, TD_DATA + (i % 8) * 0x800, 0x800, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, RX, (uint16_t)(i % 8));
}

static void assert_received(unsigned buffer, size_t len, uint8_t tag)
{
	uint8_t expected[1514];
	const uint8_t *b = td_ram(&td, TD_DATA + (buffer % 8) * 0x800);

	make_frame(expected, len, tag);
	/* The header: no offloads, num_buffers 1. */
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(get_le16(b + 10), 1);
	assert_memory_equal(b + HEADER, expected, len);
}

/* ---- What the card is ----------------------------------------------------- */

static void test_net_is_a_virtio_network_card_with_its_mac_in_the_config(void **state)
{
	assert_int_equal(get_le16(td.dev->config + 2), 0x1041);
	assert_int_equal(td.dev->config[0x0B], 0x02); /* network controller */
	assert_int_equal(td.dev->config[0x0A], 0x00);
	assert_int_equal(td.dev->bar0_size, 128);   /* 60 + 10 bytes of config */
	assert_int_equal(td_read(&td, VIRTIO_COMMON_NUMQ, 2), 2);

	td_write(&td, VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	td_write(&td, VIRTIO_COMMON_STATUS, 1,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE + i, 1), card_mac[i]);
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE + 6, 2), 1); /* link up */
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE + 8, 2), 1); /* one pair */
}

static void test_net_offers_version_1_and_mac_and_no_offloads(void **state)
{
	td_write(&td, VIRTIO_COMMON_DFSELECT, 4, 0);
	uint32_t low = td_read(&td, VIRTIO_COMMON_DF, 4);
	td_write(&td, VIRTIO_COMMON_DFSELECT, 4, 1);
	uint32_t high = td_read(&td, VIRTIO_COMMON_DF, 4);

	assert_true(low & 1u << 5);  /* MAC */
	assert_int_equal(low & 0x3FFF & ~(1u << 5), 0); /* no CSUM, TSO, MRG_RXBUF ... */
	assert_false(low & 1u << 17); /* no control queue */
	assert_true(high & 1u << (VIRTIO_F_VERSION_1 - 32));
}

/* ---- Transmit ---------------------------------------------------------------- */

static void test_transmitted_frame_reaches_the_backend_without_its_header(void **state)
{
	uint8_t *hdr = td_ram(&td, TD_DATA), *data = td_ram(&td, TD_DATA + 0x100);
	uint32_t id, len;

	memset(hdr, 0xAA, HEADER); /* whatever the Guest put there */
	make_frame(data, 60, 7);
	td_desc(&td, TX, 0, TD_DATA, HEADER, VIRTQ_DESC_F_NEXT, 1);
	td_desc(&td, TX, 1, TD_DATA + 0x100, 60, 0, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);

	assert_int_equal(fake.nr_sent, 1);
	assert_int_equal(fake.sent_len[0], 60);
	assert_memory_equal(fake.sent[0], data, 60);
	assert_int_equal(td_used_idx(&td, TX), 1);
	td_used(&td, TX, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	assert_int_equal(irqs, 1);
}

static void test_header_and_frame_may_share_one_buffer(void **state)
{
	uint8_t *buf = td_ram(&td, TD_DATA);

	make_frame(buf + HEADER, 42, 3);
	td_desc(&td, TX, 0, TD_DATA, HEADER + 42, 0, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);

	assert_int_equal(fake.nr_sent, 1);
	assert_int_equal(fake.sent_len[0], 42);
	assert_memory_equal(fake.sent[0], buf + HEADER, 42);
}

static void test_frame_shorter_than_an_ethernet_header_is_not_sent(void **state)
{
	td_desc(&td, TX, 0, TD_DATA, HEADER + 13, 0, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);

	assert_int_equal(fake.nr_sent, 0);
	assert_int_equal(td_used_idx(&td, TX), 1); /* but the buffer comes back */
}

/* ---- Receive ------------------------------------------------------------------- */

static void test_received_frame_fills_a_buffer_after_the_header(void **state)
{
	uint32_t id, len;

	post_receive_buffer(0);
	td_notify(&td, RX);
	deliver(100, 9);

	assert_int_equal(td_used_idx(&td, RX), 1);
	td_used(&td, RX, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, HEADER + 100);
	assert_received(0, 100, 9);
	assert_int_equal(irqs, 1);
	assert_int_equal(td_read(&td, VIRTIO_BAR_ISR, 1), VIRTIO_ISR_QUEUE);
}

static void test_received_frame_may_span_buffers(void **state)
{
	uint8_t expected[300];
	uint32_t id, len;

	/* As Linux's small buffers: the header alone, then the data. */
	td_desc(&td, RX, 0, TD_DATA, HEADER, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	td_desc(&td, RX, 1, TD_DATA + 0x100, 0x600, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, RX, 0);
	deliver(300, 1);

	make_frame(expected, 300, 1);
	td_used(&td, RX, 0, &id, &len);
	assert_int_equal(len, HEADER + 300);
	assert_int_equal(get_le16(td_ram(&td, TD_DATA + 10)), 1);
	assert_memory_equal(td_ram(&td, TD_DATA + 0x100), expected, 300);
}

static void test_frames_without_buffers_wait_until_the_driver_adds_some(void **state)
{
	deliver(60, 1);
	deliver(70, 2);
	assert_int_equal(td_used_idx(&td, RX), 0);
	assert_int_equal(irqs, 0);

	post_receive_buffer(0);
	post_receive_buffer(1);
	td_notify(&td, RX);

	assert_int_equal(td_used_idx(&td, RX), 2);
	assert_received(0, 60, 1);
	assert_received(1, 70, 2);
	assert_int_equal(irqs, 1);
	assert_true(fake.resumed > 0); /* a backend that had stopped may go on */
}

static void test_frames_that_arrive_before_driver_ok_are_kept(void **state)
{
	/* setup() only: the driver has not even started. */
	deliver(60, 4);
	td_negotiate(&td, FEATURES);
	td_setup_queue(&td, RX, 8);
	td_setup_queue(&td, TX, 8);
	post_receive_buffer(0);
	td_driver_ok(&td); /* which serves every enabled queue */

	assert_int_equal(td_used_idx(&td, RX), 1);
	assert_received(0, 60, 4);
}

static void test_frames_keep_their_order_when_some_wait(void **state)
{
	deliver(60, 1);
	post_receive_buffer(0); /* available, but not notified yet */
	deliver(60, 2);
	post_receive_buffer(1);
	td_notify(&td, RX);

	assert_received(0, 60, 1);
	assert_received(1, 60, 2);
}

static void test_at_most_256_frames_wait_and_the_rest_are_dropped(void **state)
{
	const struct net_receiver *r = &fake.backend.receiver;
	unsigned received = 0;

	for (unsigned i = 0; i < WAITING_MAX + 10; i++) {
		if (i == WAITING_MAX)
			assert_false(r->can_receive(r->opaque));
		deliver(60, (uint8_t)i);
	}
	for (unsigned round = 0; round <= WAITING_MAX / 8; round++) {
		for (unsigned i = 0; i < 8; i++)
			post_receive_buffer(i);
		td_notify(&td, RX);
		received = td_used_idx(&td, RX);
		if (round == 0)
			assert_received(7, 60, 7); /* oldest first */
	}
	assert_int_equal(received, WAITING_MAX);
	assert_true(r->can_receive(r->opaque));
}

static void test_frame_too_big_for_the_buffer_is_dropped(void **state)
{
	uint32_t id, len;

	td_desc(&td, RX, 0, TD_DATA, HEADER + 50, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, RX, 0);
	post_receive_buffer(1);
	deliver(100, 1);
	deliver(40, 2);

	assert_int_equal(td_used_idx(&td, RX), 2);
	td_used(&td, RX, 0, &id, &len);
	assert_int_equal(len, 0); /* given back empty */
	td_used(&td, RX, 1, &id, &len);
	assert_int_equal(len, HEADER + 40);
	assert_received(1, 40, 2);
}

static void test_reset_drops_the_waiting_frames(void **state)
{
	deliver(60, 1);
	td_write(&td, VIRTIO_COMMON_STATUS, 1, 0);
	td_start(&td, FEATURES);
	post_receive_buffer(0);
	td_notify(&td, RX);

	assert_int_equal(td_used_idx(&td, RX), 0);
}

/* ---- A hostile driver ----------------------------------------------------------- */

static void assert_killed(const char *reason)
{
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason, reason);
}

static void test_readable_receive_buffer_kills_the_guest(void **state)
{
	td_desc(&td, RX, 2, TD_DATA, 0x800, 0, 0);
	td_make_available(&td, RX, 2);
	deliver(60, 1);
	assert_killed("virtio-net: descriptor 2 is device-readable, in a buffer for "
		      "received frames (receive queue)");
}

static void test_writable_transmit_buffer_kills_the_guest(void **state)
{
	td_desc(&td, TX, 0, TD_DATA, HEADER + 60, VIRTQ_DESC_F_NEXT, 1);
	td_desc(&td, TX, 1, TD_DATA + 0x100, 64, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);
	assert_killed("virtio-net: descriptor 1 is device-writable, in a frame to "
		      "transmit (transmit queue)");
	assert_int_equal(fake.nr_sent, 0);
}

static void test_transmit_without_a_whole_header_kills_the_guest(void **state)
{
	td_desc(&td, TX, 3, TD_DATA, HEADER - 1, 0, 0);
	td_make_available(&td, TX, 3);
	td_notify(&td, TX);
	assert_killed("virtio-net: the frame at descriptor 3 has no 12-byte header "
		      "(transmit queue)");
}

static void test_transmit_descriptor_outside_ram_kills_the_guest(void **state)
{
	td_desc(&td, TX, 0, TD_RAM_SIZE - 8, 64, 0, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);
	assert_killed("virtio-net: descriptor 0 points outside guest RAM (transmit "
		      "queue)");
}

static void test_receive_chain_that_loops_kills_the_guest(void **state)
{
	td_desc(&td, RX, 0, TD_DATA, 0x100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	td_desc(&td, RX, 1, TD_DATA, 0x100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	td_make_available(&td, RX, 0);
	deliver(60, 1);
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_non_null(strstr(machine.stop_reason, "virtio-net: "));
	assert_non_null(strstr(machine.stop_reason, "(receive queue)"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup_started, teardown)
#define T_UNSTARTED(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_UNSTARTED(test_net_is_a_virtio_network_card_with_its_mac_in_the_config),
		T_UNSTARTED(test_net_offers_version_1_and_mac_and_no_offloads),
		T(test_transmitted_frame_reaches_the_backend_without_its_header),
		T(test_header_and_frame_may_share_one_buffer),
		T(test_frame_shorter_than_an_ethernet_header_is_not_sent),
		T(test_received_frame_fills_a_buffer_after_the_header),
		T(test_received_frame_may_span_buffers),
		T(test_frames_without_buffers_wait_until_the_driver_adds_some),
		T_UNSTARTED(test_frames_that_arrive_before_driver_ok_are_kept),
		T(test_frames_keep_their_order_when_some_wait),
		T(test_at_most_256_frames_wait_and_the_rest_are_dropped),
		T(test_frame_too_big_for_the_buffer_is_dropped),
		T(test_reset_drops_the_waiting_frames),
		T(test_readable_receive_buffer_kills_the_guest),
		T(test_writable_transmit_buffer_kills_the_guest),
		T(test_transmit_without_a_whole_header_kills_the_guest),
		T(test_transmit_descriptor_outside_ram_kills_the_guest),
		T(test_receive_chain_that_loops_kills_the_guest),
	};

	return cmocka_run_group_tests_name("virtio_net", tests, NULL, NULL);
}
