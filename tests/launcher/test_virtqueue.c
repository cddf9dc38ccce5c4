/*
 * test_virtqueue.c - walking descriptor chains in a fake Guest RAM: good
 * chains come out whole, and every hostile one is refused with the reason
 * the Guest is killed for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "virtqueue.h"

#define RAM_SIZE 0x10000u
#define QSIZE 8
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define DATA 0x8000u
#define TABLE 0x4000u

static uint8_t *ram_bytes;
static struct guest_ram ram;
static struct virtqueue vq;
static struct virtq_chain chain;
static uint16_t avail_idx;

static int setup(void **state)
{
	ram_bytes = calloc(1, RAM_SIZE);
	ram = (struct guest_ram){ .base = ram_bytes, .size = RAM_SIZE };
	virtqueue__init(&vq, &ram, QSIZE, DESC, AVAIL, USED, false);
	avail_idx = 0;
	return 0;
}

static int teardown(void **state)
{
	free(ram_bytes);
	return 0;
}

static void put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *d = ram_bytes + table + 16 * i;

	put_le64(d, addr);
	put_le32(d + 8, len);
	put_le16(d + 12, flags);
	put_le16(d + 14, next);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	put_desc(DESC, i, addr, len, flags, next);
}

static void make_available(uint16_t head)
{
	put_le16(ram_bytes + AVAIL + 4 + 2 * (avail_idx % QSIZE), head);
	avail_idx++;
	put_le16(ram_bytes + AVAIL + 2, avail_idx);
}

/* Pop, expect a refusal, and check the reason. */
static void expect_refused(const char *reason)
{
	assert_int_equal(virtqueue__pop(&vq, &chain), -1);
	assert_string_equal(vq.error, reason);
}

#define N VIRTQ_DESC_F_NEXT
#define W VIRTQ_DESC_F_WRITE
#define I VIRTQ_DESC_F_INDIRECT

/* ---- Good chains -------------------------------------------------------- */

static void test_nothing_available_pops_nothing(void **state)
{
	assert_int_equal(virtqueue__pop(&vq, &chain), 0);
}

static void test_single_readable_descriptor(void **state)
{
	memcpy(ram_bytes + DATA, "hello", 5);
	desc(0, DATA, 5, 0, 0);
	make_available(0);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(chain.head, 0);
	assert_int_equal(chain.nr_readable, 1);
	assert_int_equal(chain.nr_writable, 0);
	assert_int_equal(chain.readable_len, 5);
	assert_ptr_equal(chain.buf[0].data, ram_bytes + DATA);
	assert_memory_equal(chain.buf[0].data, "hello", 5);
	assert_int_equal(virtqueue__pop(&vq, &chain), 0);
}

static void test_chain_of_readable_then_writable_buffers(void **state)
{
	desc(3, DATA, 16, N, 5);
	desc(5, DATA + 16, 512, N | W, 1);
	desc(1, DATA + 528, 1, W, 0);
	make_available(3);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(chain.head, 3);
	assert_int_equal(chain.nr_readable, 1);
	assert_int_equal(chain.nr_writable, 2);
	assert_int_equal(chain.readable_len, 16);
	assert_int_equal(chain.writable_len, 513);
	assert_int_equal(chain.buf[1].desc, 5);
	assert_int_equal(chain.buf[2].desc, 1);
}

/* Recorded device_write() calls: the ranges the CPU must forget code in. */
static uint64_t written_gpa[4], written_len[4];
static unsigned nr_written;

static void record_device_write(void *opaque, uint64_t gpa, uint64_t len)
{
	(void)opaque;
	if (nr_written < 4) {
		written_gpa[nr_written] = gpa;
		written_len[nr_written] = len;
	}
	nr_written++;
}

static void test_pop_reports_each_writable_buffer_as_device_written(void **state)
{
	nr_written = 0;
	ram.device_write = record_device_write;
	desc(3, DATA, 16, N, 5);
	desc(5, DATA + 16, 512, N | W, 1);
	desc(1, DATA + 528, 1, W, 0);
	make_available(3);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(nr_written, 2);
	assert_int_equal(written_gpa[0], DATA + 16);
	assert_int_equal(written_len[0], 512);
	assert_int_equal(written_gpa[1], DATA + 528);
	assert_int_equal(written_len[1], 1);
}

static void test_chains_come_out_in_available_order(void **state)
{
	desc(0, DATA, 1, 0, 0);
	desc(1, DATA, 1, 0, 0);
	make_available(1);
	make_available(0);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(chain.head, 1);
	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(chain.head, 0);
}

static void test_available_index_wraps_around_16_bits(void **state)
{
	vq.last_avail = 0xFFFF;
	avail_idx = 0xFFFF;
	desc(0, DATA, 1, 0, 0);
	make_available(0);
	make_available(0);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(virtqueue__pop(&vq, &chain), 0);
}

static void test_chain_as_long_as_the_queue_is_accepted(void **state)
{
	for (unsigned i = 0; i < QSIZE; i++)
		desc(i, DATA, 1, i + 1 < QSIZE ? N : 0, (uint16_t)(i + 1));
	make_available(0);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(chain.nr_readable, QSIZE);
}

static void test_buffer_ending_exactly_at_the_end_of_ram_is_accepted(void **state)
{
	desc(0, RAM_SIZE - 4, 4, 0, 0);
	make_available(0);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
}

static void test_indirect_table_when_negotiated(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, DATA, 16, N, 1);
	put_desc(TABLE, 1, DATA + 16, 100, N | W, 2);
	put_desc(TABLE, 2, DATA + 116, 1, W, 0);
	desc(4, TABLE, 3 * 16, I, 0);
	make_available(4);

	assert_int_equal(virtqueue__pop(&vq, &chain), 1);
	assert_int_equal(chain.head, 4);
	assert_int_equal(chain.nr_readable, 1);
	assert_int_equal(chain.nr_writable, 2);
	assert_int_equal(chain.writable_len, 101);
}

static void test_push_fills_the_used_ring_and_its_index(void **state)
{
	virtqueue__push(&vq, 6, 123);
	virtqueue__push(&vq, 2, 7);

	assert_int_equal(get_le16(ram_bytes + USED + 2), 2);
	assert_int_equal(get_le32(ram_bytes + USED + 4), 6);
	assert_int_equal(get_le32(ram_bytes + USED + 8), 123);
	assert_int_equal(get_le32(ram_bytes + USED + 12), 2);
	assert_int_equal(get_le32(ram_bytes + USED + 16), 7);
}

static void test_no_interrupt_flag_suppresses_interrupts(void **state)
{
	assert_true(virtqueue__wants_interrupt(&vq));
	put_le16(ram_bytes + AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_false(virtqueue__wants_interrupt(&vq));
}

static void test_gather_and_scatter_cross_buffer_boundaries(void **state)
{
	uint8_t out[8];

	memcpy(ram_bytes + DATA, "abc", 3);
	memcpy(ram_bytes + DATA + 100, "defgh", 5);
	desc(0, DATA, 3, N, 1);
	desc(1, DATA + 100, 5, N, 2);
	desc(2, DATA + 200, 2, N | W, 3);
	desc(3, DATA + 300, 4, W, 0);
	make_available(0);
	assert_int_equal(virtqueue__pop(&vq, &chain), 1);

	assert_int_equal(virtq_chain__gather(&chain, 1, out, sizeof(out)), 7);
	assert_memory_equal(out, "bcdefgh", 7);
	assert_int_equal(virtq_chain__scatter(&chain, 1, "XYZW", 4), 4);
	assert_memory_equal(ram_bytes + DATA + 200, "\0X", 2);
	assert_memory_equal(ram_bytes + DATA + 300, "YZW", 3);
}

/* ---- Ring layout, checked when the driver enables a queue ------------- */

static void test_layout_inside_ram_and_aligned_is_accepted(void **state)
{
	char why[160];

	assert_int_equal(virtqueue__check_layout(&ram, QSIZE, DESC, AVAIL, USED,
						 why, sizeof(why)), 0);
}

static void test_layout_with_a_misaligned_descriptor_table_is_refused(void **state)
{
	char why[160];

	assert_int_equal(virtqueue__check_layout(&ram, QSIZE, DESC + 8, AVAIL, USED,
						 why, sizeof(why)), -1);
	assert_string_equal(why, "descriptor table at 0x1008 is not 16-byte aligned");
}

static void test_layout_with_a_used_ring_past_the_end_of_ram_is_refused(void **state)
{
	char why[160];

	assert_int_equal(virtqueue__check_layout(&ram, QSIZE, DESC, AVAIL,
						 RAM_SIZE - 8, why, sizeof(why)), -1);
	assert_string_equal(why, "used ring at 0xfff8 (70 bytes) is outside guest RAM");
}

static void test_layout_with_a_64_bit_address_is_refused(void **state)
{
	char why[160];

	assert_int_equal(virtqueue__check_layout(&ram, QSIZE, 0x100000000ull + DESC,
						 AVAIL, USED, why, sizeof(why)), -1);
}

/* ---- Hostile chains: each is refused with its reason ------------------- */

static void test_descriptor_outside_ram_is_refused(void **state)
{
	desc(0, DATA, 16, N, 5);
	desc(5, RAM_SIZE + 0x1000, 16, 0, 0);
	make_available(0);
	expect_refused("descriptor 5 points outside guest RAM");
}

static void test_descriptor_running_past_the_end_of_ram_is_refused(void **state)
{
	desc(2, RAM_SIZE - 4, 5, 0, 0);
	make_available(2);
	expect_refused("descriptor 2 points outside guest RAM");
}

static void test_descriptor_whose_address_plus_length_wraps_is_refused(void **state)
{
	desc(1, 0xFFFFFFFFFFFFFF00ull, 0x200, 0, 0);
	make_available(1);
	expect_refused("descriptor 1 points outside guest RAM");
}

static void test_absurd_length_is_refused(void **state)
{
	desc(0, DATA, 0xFFFFFFFFu, W, 0);
	make_available(0);
	expect_refused("descriptor 0 points outside guest RAM");
}

static void test_chain_that_loops_is_refused(void **state)
{
	desc(0, DATA, 1, N, 1);
	desc(1, DATA, 1, N, 2);
	desc(2, DATA, 1, N, 0);
	make_available(0);
	expect_refused("the chain from descriptor 0 loops or is longer than the queue (8)");
}

static void test_descriptor_linking_to_itself_is_refused(void **state)
{
	desc(3, DATA, 1, N, 3);
	make_available(3);
	expect_refused("the chain from descriptor 3 loops or is longer than the queue (8)");
}

static void test_link_beyond_the_queue_is_refused(void **state)
{
	desc(0, DATA, 1, N, 8);
	make_available(0);
	expect_refused("descriptor 0 links to descriptor 8, beyond the queue's 8");
}

static void test_head_beyond_the_queue_is_refused(void **state)
{
	make_available(9);
	expect_refused("available ring entry 0 names descriptor 9, beyond the queue's 8");
}

static void test_available_index_jumping_past_the_queue_is_refused(void **state)
{
	put_le16(ram_bytes + AVAIL + 2, QSIZE + 1);
	expect_refused("the available index moved 9 entries ahead, more than the queue's 8");
}

static void test_readable_after_writable_is_refused(void **state)
{
	desc(0, DATA, 1, N | W, 1);
	desc(1, DATA, 1, 0, 0);
	make_available(0);
	expect_refused("descriptor 1 is device-readable after a device-writable one");
}

static void test_indirect_without_negotiation_is_refused(void **state)
{
	put_desc(TABLE, 0, DATA, 16, 0, 0);
	desc(4, TABLE, 16, I, 0);
	make_available(4);
	expect_refused("descriptor 4 is indirect, but indirect descriptors were not negotiated");
}

static void test_indirect_with_a_next_descriptor_is_refused(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, DATA, 16, 0, 0);
	desc(4, TABLE, 16, I | N, 5);
	make_available(4);
	expect_refused("descriptor 4 is indirect but not the only descriptor of its chain");
}

static void test_indirect_after_a_direct_descriptor_is_refused(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, DATA, 16, 0, 0);
	desc(0, DATA, 16, N, 4);
	desc(4, TABLE, 16, I, 0);
	make_available(0);
	expect_refused("descriptor 4 is indirect but not the only descriptor of its chain");
}

static void test_indirect_table_of_a_partial_descriptor_is_refused(void **state)
{
	vq.indirect = true;
	desc(4, TABLE, 20, I, 0);
	make_available(4);
	expect_refused("descriptor 4 has an indirect table of 20 bytes, not a whole number of descriptors");
}

static void test_empty_indirect_table_is_refused(void **state)
{
	vq.indirect = true;
	desc(4, TABLE, 0, I, 0);
	make_available(4);
	expect_refused("descriptor 4 has an indirect table of 0 bytes, not a whole number of descriptors");
}

static void test_indirect_table_outside_ram_is_refused(void **state)
{
	vq.indirect = true;
	desc(4, RAM_SIZE - 16, 32, I, 0);
	make_available(4);
	expect_refused("descriptor 4 has its indirect table outside guest RAM");
}

static void test_huge_indirect_table_is_refused(void **state)
{
	vq.indirect = true;
	desc(4, 0, 16 * (VIRTQ_CHAIN_MAX + 1), I, 0);
	make_available(4);
	expect_refused("descriptor 4 has an indirect table of 513 descriptors, more than 512");
}

static void test_nested_indirect_table_is_refused(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, TABLE + 0x100, 16, I, 0);
	desc(4, TABLE, 16, I, 0);
	make_available(4);
	expect_refused("indirect descriptor 0 (in the table of descriptor 4) is itself indirect");
}

static void test_indirect_table_that_loops_is_refused(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, DATA, 1, N, 1);
	put_desc(TABLE, 1, DATA, 1, N, 0);
	desc(4, TABLE, 32, I, 0);
	make_available(4);
	expect_refused("the indirect table of descriptor 4 loops");
}

static void test_indirect_link_beyond_its_table_is_refused(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, DATA, 1, N, 2);
	put_desc(TABLE, 1, DATA, 1, 0, 0);
	desc(4, TABLE, 32, I, 0);
	make_available(4);
	expect_refused("indirect descriptor 0 (in the table of descriptor 4) links to descriptor 2, beyond the table's 2");
}

static void test_indirect_buffer_outside_ram_is_refused(void **state)
{
	vq.indirect = true;
	put_desc(TABLE, 0, DATA, 1, N, 1);
	put_desc(TABLE, 1, RAM_SIZE, 1, W, 0);
	desc(4, TABLE, 32, I, 0);
	make_available(4);
	expect_refused("indirect descriptor 1 (in the table of descriptor 4) points outside guest RAM");
}

static void test_refused_chain_is_not_consumed(void **state)
{
	desc(0, RAM_SIZE, 1, 0, 0);
	make_available(0);
	expect_refused("descriptor 0 points outside guest RAM");
	assert_int_equal(vq.last_avail, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nothing_available_pops_nothing),
		T(test_single_readable_descriptor),
		T(test_chain_of_readable_then_writable_buffers),
		T(test_pop_reports_each_writable_buffer_as_device_written),
		T(test_chains_come_out_in_available_order),
		T(test_available_index_wraps_around_16_bits),
		T(test_chain_as_long_as_the_queue_is_accepted),
		T(test_buffer_ending_exactly_at_the_end_of_ram_is_accepted),
		T(test_indirect_table_when_negotiated),
		T(test_push_fills_the_used_ring_and_its_index),
		T(test_no_interrupt_flag_suppresses_interrupts),
		T(test_gather_and_scatter_cross_buffer_boundaries),
		T(test_layout_inside_ram_and_aligned_is_accepted),
		T(test_layout_with_a_misaligned_descriptor_table_is_refused),
		T(test_layout_with_a_used_ring_past_the_end_of_ram_is_refused),
		T(test_layout_with_a_64_bit_address_is_refused),
		T(test_descriptor_outside_ram_is_refused),
		T(test_descriptor_running_past_the_end_of_ram_is_refused),
		T(test_descriptor_whose_address_plus_length_wraps_is_refused),
		T(test_absurd_length_is_refused),
		T(test_chain_that_loops_is_refused),
		T(test_descriptor_linking_to_itself_is_refused),
		T(test_link_beyond_the_queue_is_refused),
		T(test_head_beyond_the_queue_is_refused),
		T(test_available_index_jumping_past_the_queue_is_refused),
		T(test_readable_after_writable_is_refused),
		T(test_indirect_without_negotiation_is_refused),
		T(test_indirect_with_a_next_descriptor_is_refused),
		T(test_indirect_after_a_direct_descriptor_is_refused),
		T(test_indirect_table_of_a_partial_descriptor_is_refused),
		T(test_empty_indirect_table_is_refused),
		T(test_indirect_table_outside_ram_is_refused),
		T(test_huge_indirect_table_is_refused),
		T(test_nested_indirect_table_is_refused),
		T(test_indirect_table_that_loops_is_refused),
		T(test_indirect_link_beyond_its_table_is_refused),
		T(test_indirect_buffer_outside_ram_is_refused),
		T(test_refused_chain_is_not_consumed),
	};

	return cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);
}
