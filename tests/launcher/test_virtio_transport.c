/*
 * test_virtio_transport.c - the virtio 1.0 PCI transport's rules (§9.4-9.6
 * and the virtio spec): feature negotiation, the device_status steps,
 * reset, queue registers, notify, the ISR, device configuration; and that
 * a driver breaking a rule is reported and stops the device, never the
 * emulator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "machine.h"
#include "virtio_pci.h"
#include "virtio_test_driver.h"

#define TEST_FEATURE 3
#define OFFERED (1ull << VIRTIO_F_VERSION_1 | 1ull << TEST_FEATURE)
#define S_ACK VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRIVER VIRTIO_STATUS_DRIVER
#define S_FEATURES_OK VIRTIO_STATUS_FEATURES_OK
#define S_DRIVER_OK VIRTIO_STATUS_DRIVER_OK

static struct machine machine;
static struct test_driver td;
static unsigned notified[4], resets, irqs;
static uint8_t device_config[8];

static void test_notify(void *model, unsigned queue)
{
	notified[queue]++;
}

static void test_reset(void *model)
{
	resets++;
}

static int test_config_read(void *model, unsigned offset, unsigned size,
			    uint32_t *value)
{
	*value = 0;
	memcpy(value, device_config + offset, size);
	return 0;
}

static int test_config_write(void *model, unsigned offset, unsigned size,
			     uint32_t value)
{
	return offset == 4 && size == 4 ? 0 : -1;
}

static const struct virtio_device_ops test_ops = {
	.name = "virtio-test",
	.type = VIRTIO_TYPE_RNG,
	.pci_class = 0xFF,
	.features = OFFERED,
	.num_queues = 2,
	.config_size = 8,
	.config_read = test_config_read,
	.config_write = test_config_write,
	.queue_notify = test_notify,
	.reset = test_reset,
};

static void count_irq(void *opaque, unsigned line)
{
	irqs++;
}

static int setup(void **state)
{
	char err[256];

	td_machine_init(&machine);
	machine.raise_irq = count_irq;
	memset(notified, 0, sizeof(notified));
	resets = irqs = 0;
	memcpy(device_config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	td = (struct test_driver){ .machine = &machine };
	td.dev = virtio_pci__create(&machine, &test_ops, NULL, err, sizeof(err));
	assert_non_null(td.dev);
	return 0;
}

static int teardown(void **state)
{
	td_machine_destroy(&machine);
	return 0;
}

static uint8_t status(void)
{
	return (uint8_t)td_read(&td, VIRTIO_COMMON_STATUS, 1);
}

static void set_status(uint8_t value)
{
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_STATUS, 1, value);
}

/* The device is stopped (DEVICE_NEEDS_RESET) and the run goes on. */
static void assert_broken(void)
{
	assert_true(td.dev->broken);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(machine__stopped(&machine), MACHINE_RUNNING);
}

/* ---- Features ------------------------------------------------------------- */

static void test_version_1_is_offered_as_bit_32(void **state)
{
	td_write(&td, VIRTIO_COMMON_DFSELECT, 4, 1);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_DF, 4), 1);
	td_write(&td, VIRTIO_COMMON_DFSELECT, 4, 0);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_DF, 4), 1u << TEST_FEATURE);
}

static void test_accepted_features_read_back(void **state)
{
	td_negotiate(&td, OFFERED);
	td_write(&td, VIRTIO_COMMON_GFSELECT, 4, 0);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_GF, 4), 1u << TEST_FEATURE);
	td_write(&td, VIRTIO_COMMON_GFSELECT, 4, 1);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_GF, 4), 1);
	assert_true(virtio_pci__negotiated(td.dev, TEST_FEATURE));
	assert_true(virtio_pci__negotiated(td.dev, VIRTIO_F_VERSION_1));
}

static void test_features_ok_sticks_when_the_features_were_offered(void **state)
{
	assert_int_equal(td_negotiate(&td, OFFERED), S_ACK | S_DRIVER | S_FEATURES_OK);
}

static void test_features_ok_is_refused_for_an_unoffered_feature(void **state)
{
	/* The driver sees FEATURES_OK clear when it reads the status back. */
	assert_int_equal(td_negotiate(&td, OFFERED | 1ull << 7), S_ACK | S_DRIVER);
	assert_false(td.dev->broken);
}

static void test_features_ok_is_refused_without_version_1(void **state)
{
	assert_int_equal(td_negotiate(&td, 1ull << TEST_FEATURE), S_ACK | S_DRIVER);
}

static void test_features_ok_is_refused_for_a_bit_above_63(void **state)
{
	set_status(S_ACK);
	set_status(S_ACK | S_DRIVER);
	td_write(&td, VIRTIO_COMMON_GFSELECT, 4, 1);
	td_write(&td, VIRTIO_COMMON_GF, 4, 1);
	td_write(&td, VIRTIO_COMMON_GFSELECT, 4, 2);
	td_write(&td, VIRTIO_COMMON_GF, 4, 1);
	set_status(S_ACK | S_DRIVER | S_FEATURES_OK);
	assert_int_equal(status(), S_ACK | S_DRIVER);
}

static void test_feature_write_after_features_ok_breaks_the_device(void **state)
{
	td_negotiate(&td, OFFERED);
	assert_int_equal(virtio_pci__bar_write(td.dev, VIRTIO_COMMON_GF, 4, 0), -1);
	assert_broken();
}

/* ---- device_status ---------------------------------------------------------- */

static void test_status_steps_in_order_reach_driver_ok(void **state)
{
	td_start(&td, OFFERED);
	assert_int_equal(status(), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	assert_true(virtio_pci__live(td.dev));
}

static void test_status_skipping_a_step_breaks_the_device(void **state)
{
	set_status(S_ACK);
	assert_int_equal(virtio_pci__bar_write(td.dev, VIRTIO_COMMON_STATUS, 1,
					       S_ACK | S_FEATURES_OK), -1);
	assert_broken();
}

static void test_driver_ok_without_features_ok_breaks_the_device(void **state)
{
	set_status(S_ACK);
	set_status(S_ACK | S_DRIVER);
	set_status(S_ACK | S_DRIVER | S_DRIVER_OK);
	assert_broken();
	assert_false(virtio_pci__live(td.dev));
}

static void test_status_clearing_a_bit_breaks_the_device(void **state)
{
	set_status(S_ACK);
	set_status(S_ACK | S_DRIVER);
	set_status(S_ACK);
	assert_broken();
}

static void test_status_with_an_unknown_bit_breaks_the_device(void **state)
{
	set_status(S_ACK | 0x10);
	assert_broken();
}

static void test_failed_is_reported_and_stops_the_device(void **state)
{
	td_start(&td, OFFERED);
	set_status(S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK | VIRTIO_STATUS_FAILED);
	assert_true(td.dev->broken);
	assert_true(status() & VIRTIO_STATUS_FAILED);
	assert_false(virtio_pci__live(td.dev));
	assert_int_equal(machine__stopped(&machine), MACHINE_RUNNING);
}

static void test_reset_clears_everything_and_tells_the_device(void **state)
{
	unsigned before = resets;

	td_start(&td, OFFERED);
	set_status(0);
	assert_int_equal(status(), 0);
	assert_int_equal(resets, before + 1);
	td_write(&td, VIRTIO_COMMON_GFSELECT, 4, 1);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_GF, 4), 0);
	td_write(&td, VIRTIO_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_SIZE, 2), 256);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_DESCLO, 4), 0);
}

static void test_reset_repairs_a_broken_device(void **state)
{
	set_status(S_ACK | 0x10);
	assert_broken();
	set_status(0);
	assert_false(td.dev->broken);
	assert_int_equal(status(), 0);
	td_start(&td, OFFERED);
	assert_true(virtio_pci__live(td.dev));
}

static void test_driver_echoing_needs_reset_is_tolerated(void **state)
{
	set_status(S_ACK | 0x10);
	/* Linux ORs FAILED into what it read, NEEDS_RESET included. */
	set_status(status() | VIRTIO_STATUS_FAILED);
	assert_true(status() & VIRTIO_STATUS_FAILED);
}

/* ---- Queues ------------------------------------------------------------------ */

static void test_queue_size_reads_256_until_the_driver_shrinks_it(void **state)
{
	td_write(&td, VIRTIO_COMMON_Q_SELECT, 2, 1);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_SIZE, 2), 256);
	td_write(&td, VIRTIO_COMMON_Q_SIZE, 2, 64);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_SIZE, 2), 64);
}

static void test_queue_size_not_a_power_of_two_breaks_the_device(void **state)
{
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_SIZE, 2, 100);
	assert_broken();
}

static void test_queue_size_above_256_breaks_the_device(void **state)
{
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_SIZE, 2, 512);
	assert_broken();
}

static void test_queue_addresses_read_back(void **state)
{
	td_write(&td, VIRTIO_COMMON_Q_SELECT, 2, 1);
	td_write(&td, VIRTIO_COMMON_Q_AVAILLO, 4, 0x1234);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_AVAILLO, 4), 0x1234);
	td_write(&td, VIRTIO_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_AVAILLO, 4), 0);
}

static void test_enabling_a_queue_with_rings_outside_ram_breaks_the_device(void **state)
{
	td_negotiate(&td, OFFERED);
	td_write(&td, VIRTIO_COMMON_Q_SIZE, 2, 8);
	td_write(&td, VIRTIO_COMMON_Q_DESCLO, 4, TD_RAM_SIZE);
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_ENABLE, 2, 1);
	assert_broken();
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_ENABLE, 2), 0);
}

static void test_enabling_a_queue_with_a_misaligned_ring_breaks_the_device(void **state)
{
	td_negotiate(&td, OFFERED);
	td_write(&td, VIRTIO_COMMON_Q_SIZE, 2, 8);
	td_write(&td, VIRTIO_COMMON_Q_DESCLO, 4, 0x1000);
	td_write(&td, VIRTIO_COMMON_Q_AVAILLO, 4, 0x2000);
	td_write(&td, VIRTIO_COMMON_Q_USEDLO, 4, 0x3002);
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_ENABLE, 2, 1);
	assert_broken();
}

static void test_queue_enable_with_0_breaks_the_device(void **state)
{
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_ENABLE, 2, 0);
	assert_broken();
}

static void test_changing_an_enabled_queue_breaks_the_device(void **state)
{
	td_negotiate(&td, OFFERED);
	td_setup_queue(&td, 0, 8);
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_DESCLO, 4, 0x5000);
	assert_broken();
}

static void test_queue_register_of_a_queue_that_does_not_exist_breaks_the_device(void **state)
{
	td_write(&td, VIRTIO_COMMON_Q_SELECT, 2, 2);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_SIZE, 2), 0);
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_Q_SIZE, 2, 8);
	assert_broken();
}

static void test_msix_vectors_read_no_vector_and_writes_are_ignored(void **state)
{
	assert_int_equal(td_read(&td, VIRTIO_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	td_write(&td, VIRTIO_COMMON_Q_MSIX, 2, 1);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	assert_false(td.dev->broken);
}

static void test_read_only_registers_refuse_writes(void **state)
{
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_NUMQ, 2, 7);
	assert_broken();
	assert_int_equal(td_read(&td, VIRTIO_COMMON_NUMQ, 2), 2);
}

static void test_config_generation_and_notify_off_read_zero(void **state)
{
	assert_int_equal(td_read(&td, VIRTIO_COMMON_CFGGENERATION, 1), 0);
	assert_int_equal(td_read(&td, VIRTIO_COMMON_Q_NOFF, 2), 0);
}

/* ---- Notify, DRIVER_OK, interrupts ------------------------------------------ */

static void test_driver_ok_serves_every_enabled_queue(void **state)
{
	td_start(&td, OFFERED);
	assert_int_equal(notified[0], 1);
	assert_int_equal(notified[1], 1);
}

static void test_notify_before_driver_ok_waits_for_it(void **state)
{
	td_negotiate(&td, OFFERED);
	td_setup_queue(&td, 0, 8);
	td_notify(&td, 0);
	assert_int_equal(notified[0], 0);
	td_driver_ok(&td);
	assert_int_equal(notified[0], 1);
}

static void test_notify_reaches_the_device_named_queue(void **state)
{
	td_start(&td, OFFERED);
	td_notify(&td, 1);
	assert_int_equal(notified[1], 2);
	assert_int_equal(notified[0], 1);
}

static void test_notify_of_a_queue_that_does_not_exist_breaks_the_device(void **state)
{
	td_start(&td, OFFERED);
	assert_int_equal(virtio_pci__bar_write(td.dev, VIRTIO_BAR_NOTIFY, 2, 2), -1);
	assert_broken();
}

static void test_broken_device_ignores_notifies(void **state)
{
	td_start(&td, OFFERED);
	virtio_pci__bar_write(td.dev, VIRTIO_COMMON_NUMQ, 2, 7);
	td_notify(&td, 1);
	assert_int_equal(notified[1], 1);
}

static void test_queue_done_sets_isr_then_raises_the_line(void **state)
{
	td_start(&td, OFFERED);
	virtio_pci__queue_done(td.dev, 0);
	assert_int_equal(irqs, 1);
	assert_int_equal(td_read(&td, VIRTIO_BAR_ISR, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(td_read(&td, VIRTIO_BAR_ISR, 1), 0);
}

static void test_queue_done_honours_no_interrupt(void **state)
{
	td_start(&td, OFFERED);
	td_set_avail_flags(&td, 0, VIRTQ_AVAIL_F_NO_INTERRUPT);
	virtio_pci__queue_done(td.dev, 0);
	assert_int_equal(irqs, 0);
	assert_int_equal(td_read(&td, VIRTIO_BAR_ISR, 1), 0);
}

static void test_isr_write_breaks_the_device(void **state)
{
	virtio_pci__bar_write(td.dev, VIRTIO_BAR_ISR, 1, 1);
	assert_broken();
}

static void test_hostile_chain_kills_the_guest_with_a_named_reason(void **state)
{
	struct virtq_chain chain;

	td_start(&td, OFFERED);
	td_desc(&td, 0, 5, TD_RAM_SIZE, 16, 0, 0);
	td_make_available(&td, 0, 5);
	assert_int_equal(virtio_pci__pop(td.dev, 0, &chain), -1);
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason,
			    "virtio-test: descriptor 5 points outside guest RAM");
	assert_false(virtio_pci__live(td.dev));
}

static void test_first_kill_reason_wins(void **state)
{
	machine__kill_guest(&machine, "first");
	machine__kill_guest(&machine, "second");
	assert_string_equal(machine.stop_reason, "first");
}

/* ---- Widths and the rest of BAR0 ---------------------------------------- */

static void test_wrong_width_access_breaks_the_device_and_reads_zero(void **state)
{
	uint32_t value = 0xDEAD;

	assert_int_equal(virtio_pci__bar_read(td.dev, VIRTIO_COMMON_NUMQ, 4, &value), -1);
	assert_int_equal(value, 0);
	assert_broken();
}

static void test_misaligned_access_breaks_the_device(void **state)
{
	uint32_t value;

	virtio_pci__bar_read(td.dev, VIRTIO_COMMON_DF + 1, 2, &value);
	assert_broken();
}

static void test_padding_byte_is_no_register(void **state)
{
	uint32_t value;

	assert_int_equal(virtio_pci__bar_read(td.dev, 59, 1, &value), -1);
	assert_broken();
}

static void test_device_config_reads_reach_the_device(void **state)
{
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE, 4), 0x04030201);
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE + 6, 2), 0x0807);
}

static void test_device_config_beyond_its_size_breaks_the_device(void **state)
{
	uint32_t value;

	assert_int_equal(virtio_pci__bar_read(td.dev, VIRTIO_BAR_DEVICE + 8, 4, &value), -1);
	assert_broken();
}

static void test_device_config_write_the_device_refuses_breaks_it(void **state)
{
	td_write(&td, VIRTIO_BAR_DEVICE + 4, 4, 1);
	assert_int_equal(virtio_pci__bar_write(td.dev, VIRTIO_BAR_DEVICE, 4, 1), -1);
	assert_broken();
}

static void test_notify_read_is_zero(void **state)
{
	assert_int_equal(td_read(&td, VIRTIO_BAR_NOTIFY, 2), 0);
}

static void test_bar0_is_an_mmio_region_of_the_machine(void **state)
{
	const struct mmio_region *r = machine__find_mmio(&machine, td.dev->bar0, 4);

	assert_non_null(r);
	assert_int_equal(r->base, td.dev->bar0);
	assert_int_equal(r->size, td.dev->bar0_size);
	assert_ptr_equal(r->opaque, td.dev);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_version_1_is_offered_as_bit_32),
		T(test_accepted_features_read_back),
		T(test_features_ok_sticks_when_the_features_were_offered),
		T(test_features_ok_is_refused_for_an_unoffered_feature),
		T(test_features_ok_is_refused_without_version_1),
		T(test_features_ok_is_refused_for_a_bit_above_63),
		T(test_feature_write_after_features_ok_breaks_the_device),
		T(test_status_steps_in_order_reach_driver_ok),
		T(test_status_skipping_a_step_breaks_the_device),
		T(test_driver_ok_without_features_ok_breaks_the_device),
		T(test_status_clearing_a_bit_breaks_the_device),
		T(test_status_with_an_unknown_bit_breaks_the_device),
		T(test_failed_is_reported_and_stops_the_device),
		T(test_reset_clears_everything_and_tells_the_device),
		T(test_reset_repairs_a_broken_device),
		T(test_driver_echoing_needs_reset_is_tolerated),
		T(test_queue_size_reads_256_until_the_driver_shrinks_it),
		T(test_queue_size_not_a_power_of_two_breaks_the_device),
		T(test_queue_size_above_256_breaks_the_device),
		T(test_queue_addresses_read_back),
		T(test_enabling_a_queue_with_rings_outside_ram_breaks_the_device),
		T(test_enabling_a_queue_with_a_misaligned_ring_breaks_the_device),
		T(test_queue_enable_with_0_breaks_the_device),
		T(test_changing_an_enabled_queue_breaks_the_device),
		T(test_queue_register_of_a_queue_that_does_not_exist_breaks_the_device),
		T(test_msix_vectors_read_no_vector_and_writes_are_ignored),
		T(test_read_only_registers_refuse_writes),
		T(test_config_generation_and_notify_off_read_zero),
		T(test_driver_ok_serves_every_enabled_queue),
		T(test_notify_before_driver_ok_waits_for_it),
		T(test_notify_reaches_the_device_named_queue),
		T(test_notify_of_a_queue_that_does_not_exist_breaks_the_device),
		T(test_broken_device_ignores_notifies),
		T(test_queue_done_sets_isr_then_raises_the_line),
		T(test_queue_done_honours_no_interrupt),
		T(test_isr_write_breaks_the_device),
		T(test_hostile_chain_kills_the_guest_with_a_named_reason),
		T(test_first_kill_reason_wins),
		T(test_wrong_width_access_breaks_the_device_and_reads_zero),
		T(test_misaligned_access_breaks_the_device),
		T(test_padding_byte_is_no_register),
		T(test_device_config_reads_reach_the_device),
		T(test_device_config_beyond_its_size_breaks_the_device),
		T(test_device_config_write_the_device_refuses_breaks_it),
		T(test_notify_read_is_zero),
		T(test_bar0_is_an_mmio_region_of_the_machine),
	};

	return cmocka_run_group_tests_name("virtio_transport", tests, NULL, NULL);
}
