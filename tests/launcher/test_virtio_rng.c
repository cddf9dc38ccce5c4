/*
 * test_virtio_rng.c - the entropy device fills the Guest's buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "devices.h"
#include "machine.h"
#include "virtio_pci.h"
#include "virtio_test_driver.h"

#define RNG_SLOT 2

static struct machine machine;
static struct test_driver td;

static int setup(void **state)
{
	struct device_request request = { "rng", NULL };
	char err[256];

	td_machine_init(&machine);
	td = (struct test_driver){ .machine = &machine };
	assert_int_equal(devices__create(&machine, &request, 1, err, sizeof(err)), 0);
	td.dev = machine.pci.slots[RNG_SLOT].opaque;
	td_start(&td, 1ull << VIRTIO_F_VERSION_1);
	return 0;
}

static int teardown(void **state)
{
	td_machine_destroy(&machine);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void test_rng_is_a_virtio_entropy_device_without_config(void **state)
{
	assert_int_equal(td.dev->config[2] | td.dev->config[3] << 8, 0x1044);
	assert_int_equal(td.dev->config[0x0B], 0xFF);
	assert_int_equal(td.dev->config[0x84 + 1], 0); /* no device-config cap */
	assert_int_equal(td.dev->bar0_size, 64);
}

static void test_buffers_are_filled_with_random_bytes(void **state)
{
	uint32_t id, len;

	td_desc(&td, 0, 0, TD_DATA, 64, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	td_desc(&td, 0, 1, TD_DATA + 0x100, 32, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, 0, 0);
	td_notify(&td, 0);

	assert_int_equal(td_used_idx(&td, 0), 1);
	td_used(&td, 0, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 96);
	assert_false(all_zero(td_ram(&td, TD_DATA), 64));
	assert_false(all_zero(td_ram(&td, TD_DATA + 0x100), 32));
	assert_true(all_zero(td_ram(&td, TD_DATA + 64), 0x100 - 64));
	/* Interrupted: ISR says a queue has used buffers. */
	assert_int_equal(td_read(&td, VIRTIO_BAR_ISR, 1), 1);
}

static void test_two_fills_differ(void **state)
{
	td_desc(&td, 0, 0, TD_DATA, 32, VIRTQ_DESC_F_WRITE, 0);
	td_desc(&td, 0, 1, TD_DATA + 32, 32, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, 0, 0);
	td_make_available(&td, 0, 1);
	td_notify(&td, 0);
	assert_int_equal(td_used_idx(&td, 0), 2);
	assert_memory_not_equal(td_ram(&td, TD_DATA), td_ram(&td, TD_DATA + 32), 32);
}

static void test_readable_buffer_kills_the_guest(void **state)
{
	td_desc(&td, 0, 3, TD_DATA, 32, 0, 0);
	td_make_available(&td, 0, 3);
	td_notify(&td, 0);
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason,
			    "virtio-rng: descriptor 3 is device-readable, in a buffer for random bytes");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rng_is_a_virtio_entropy_device_without_config),
		T(test_buffers_are_filled_with_random_bytes),
		T(test_two_fills_differ),
		T(test_readable_buffer_kills_the_guest),
	};

	return cmocka_run_group_tests_name("virtio_rng", tests, NULL, NULL);
}
