/*
 * test_virtio_pci.c - the PCI bus and the virtio console's configuration
 * space and BAR0, seen through ports 0xCF8-0xCFF the way the Guest sees
 * them (lguest-4.4-abi.md §9.1-9.6, §9.9).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "machine.h"
#include "pci.h"
#include "port_io.h"
#include "virtio_pci.h"

#define MIB (1024u * 1024u)
#define RAM_SIZE (64 * MIB)
#define CONSOLE_SLOT 1
#define CONSOLE_ID 0x10431AF4u

static struct machine machine;
static int console_pipe[2];
static unsigned raised_line;
static unsigned raised_count;

static void record_irq(void *opaque, unsigned line)
{
	raised_line = line;
	raised_count++;
}

static int setup(void **state)
{
	char err[256];

	assert_int_equal(pipe(console_pipe), 0);
	fcntl(console_pipe[0], F_SETFL, O_NONBLOCK);
	/* RAM is never touched by these devices: no buffer needed. */
	machine__init(&machine, NULL, RAM_SIZE);
	machine.console_out_fd = console_pipe[1];
	machine.raise_irq = record_irq;
	raised_count = 0;
	assert_int_equal(devices__create(&machine, NULL, 0, err, sizeof(err)), 0);
	return 0;
}

static int teardown(void **state)
{
	machine__destroy(&machine);
	close(console_pipe[0]);
	close(console_pipe[1]);
	return 0;
}

static struct virtio_pci_device *console(void)
{
	return machine.pci.slots[CONSOLE_SLOT].opaque;
}

static void select_config(unsigned slot, unsigned offset)
{
	assert_int_equal(port_io__out(&machine, 0xCF8, 4,
				      PCI_CONFIG_ADDRESS(0, slot, 0, offset)), 0);
}

static uint32_t config_read(unsigned slot, unsigned offset, unsigned size)
{
	select_config(slot, offset);
	return port_io__in(&machine, 0xCFC + (offset & 3), (unsigned)size);
}

static int config_write(unsigned slot, unsigned offset, unsigned size, uint32_t value)
{
	select_config(slot, offset);
	return port_io__out(&machine, 0xCFC + (offset & 3), size, value);
}

static size_t console_output(char *buf, size_t len)
{
	ssize_t n = read(console_pipe[0], buf, len);

	return n < 0 ? 0 : (size_t)n;
}

/* ---- The bus ------------------------------------------------------------ */

static void test_address_register_reads_back_what_was_written(void **state)
{
	assert_int_equal(port_io__out(&machine, 0xCF8, 4, 0x80000000u), 0);
	assert_int_equal(port_io__in(&machine, 0xCF8, 4), 0x80000000u);
}

static void test_address_register_byte_writes_merge_into_their_lanes(void **state)
{
	port_io__out(&machine, 0xCF8, 4, 0x80000000u);
	/* What Linux's mechanism #1 probe does first. */
	port_io__out(&machine, 0xCFB, 1, 0x01);
	assert_int_equal(port_io__in(&machine, 0xCF8, 4), 0x01000000u);
	port_io__out(&machine, 0xCF9, 1, 0x08);
	port_io__out(&machine, 0xCFA, 2, 0x8000);
	assert_int_equal(port_io__in(&machine, 0xCF8, 4), 0x80000800u);
}

static void test_address_register_byte_reads_see_their_lanes(void **state)
{
	port_io__out(&machine, 0xCF8, 4, 0x80123456u);
	assert_int_equal(port_io__in(&machine, 0xCF8, 1), 0x56);
	assert_int_equal(port_io__in(&machine, 0xCF9, 1), 0x34);
	assert_int_equal(port_io__in(&machine, 0xCFA, 2), 0x8012);
	assert_int_equal(port_io__in(&machine, 0xCFB, 1), 0x80);
}

static void test_data_byte_reads_see_their_lanes(void **state)
{
	assert_int_equal(config_read(CONSOLE_SLOT, 0, 1), 0xF4);
	assert_int_equal(config_read(CONSOLE_SLOT, 1, 1), 0x1A);
	assert_int_equal(config_read(CONSOLE_SLOT, 2, 2), 0x1043);
}

static void test_host_bridge_vendor_reads_zero_so_linux_skips_it(void **state)
{
	assert_int_equal(config_read(0, PCI_VENDOR_ID, 4), 0);
}

static void test_host_bridge_class_word_is_0x0600(void **state)
{
	assert_int_equal(config_read(0, PCI_CLASS_DEVICE, 2), 0x0600);
}

static void test_host_bridge_rejects_writes(void **state)
{
	assert_int_equal(config_write(0, PCI_COMMAND, 2, 0x7), -1);
}

static void test_read_with_enable_bit_clear_is_all_ones(void **state)
{
	port_io__out(&machine, 0xCF8, 4, PCI_CONFIG_ADDRESS(0, CONSOLE_SLOT, 0, 0) &
					 ~PCI_CONFIG_ENABLE);
	assert_int_equal(port_io__in(&machine, 0xCFC, 4), 0xFFFFFFFFu);
}

static void test_read_of_another_bus_is_all_ones(void **state)
{
	port_io__out(&machine, 0xCF8, 4, PCI_CONFIG_ADDRESS(1, CONSOLE_SLOT, 0, 0));
	assert_int_equal(port_io__in(&machine, 0xCFC, 4), 0xFFFFFFFFu);
}

static void test_read_of_another_function_is_all_ones(void **state)
{
	port_io__out(&machine, 0xCF8, 4, PCI_CONFIG_ADDRESS(0, CONSOLE_SLOT, 1, 0));
	assert_int_equal(port_io__in(&machine, 0xCFC, 2), 0xFFFF);
}

static void test_read_of_an_empty_slot_is_all_ones(void **state)
{
	assert_int_equal(config_read(5, 0, 4), 0xFFFFFFFFu);
}

static void test_read_beyond_152_bytes_is_all_ones(void **state)
{
	assert_int_equal(config_read(CONSOLE_SLOT, 0x98, 4), 0xFFFFFFFFu);
}

static void test_write_to_an_empty_slot_is_an_error(void **state)
{
	assert_int_equal(config_write(5, PCI_COMMAND, 2, 0), -1);
}

static void test_data_access_straddling_the_port_range_is_an_error(void **state)
{
	select_config(CONSOLE_SLOT, 0);
	assert_int_equal(port_io__out(&machine, 0xCFE, 4, 0), -1);
	assert_int_equal(port_io__in(&machine, 0xCFE, 4), 0xFFFFFFFFu);
}

/* ---- The console's configuration space ---------------------------------- */

static void test_console_is_in_slot_1_with_virtio_console_ids(void **state)
{
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_VENDOR_ID, 4), CONSOLE_ID);
}

static void test_console_header_fields(void **state)
{
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_COMMAND, 2), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_STATUS, 2), 0x0010);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_REVISION_ID, 1), 1);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_CLASS_PROG, 1), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_CLASS_DEVICE, 1), 0x00);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_CLASS_CODE, 1), 0x07);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_SUBSYSTEM_VENDOR_ID, 2), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_SUBSYSTEM_ID, 2), 0x0040);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_CAPABILITY_LIST, 1), 0x40);
}

static void test_console_interrupt_line_is_1_and_pin_0(void **state)
{
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_INTERRUPT_LINE, 1), 1);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_INTERRUPT_PIN, 1), 0);
}

static void test_console_bar0_is_1_mib_above_ram_and_naturally_aligned(void **state)
{
	uint32_t bar0 = config_read(CONSOLE_SLOT, PCI_BASE_ADDRESS_0, 4);

	assert_int_equal(bar0, RAM_SIZE + MIB);
	assert_int_equal(bar0 % 128, 0);
	assert_int_equal(console()->bar0_size, 128);
}

static void test_device_limit_is_the_first_page_above_the_last_bar(void **state)
{
	assert_int_equal(machine__device_limit(&machine), (RAM_SIZE + MIB + 4095) / 4096 + 1);
}

static void test_bar0_size_probe_reads_back_the_size_mask(void **state)
{
	uint32_t bar0 = config_read(CONSOLE_SLOT, PCI_BASE_ADDRESS_0, 4);

	assert_int_equal(config_write(CONSOLE_SLOT, PCI_BASE_ADDRESS_0, 4, 0xFFFFFFFFu), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_BASE_ADDRESS_0, 4), 0xFFFFFF80u);
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_BASE_ADDRESS_0, 4, bar0), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_BASE_ADDRESS_0, 4), bar0);
}

static void test_other_bars_are_writable_scratch(void **state)
{
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_BASE_ADDRESS_0 + 4, 4, 0xFFFFFFFFu), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_BASE_ADDRESS_0 + 4, 4), 0xFFFFFFFFu);
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_ROM_ADDRESS, 4, 0x1234), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_ROM_ADDRESS, 4), 0x1234);
}

static void test_16_bit_command_write_is_accepted_and_ignored(void **state)
{
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_COMMAND, 2, 0x0006), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_COMMAND, 2), 0);
}

static void test_32_bit_command_write_is_an_error(void **state)
{
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_COMMAND, 4, 0x0006), -1);
}

static void test_cache_line_write_keeps_the_header_type(void **state)
{
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_CACHE_LINE_SIZE, 4, 0xFFFF1008u), 0);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_CACHE_LINE_SIZE, 4), 0x00001008u);
}

static void test_write_to_the_vendor_id_is_an_error(void **state)
{
	assert_int_equal(config_write(CONSOLE_SLOT, PCI_VENDOR_ID, 2, 0x1234), -1);
	assert_int_equal(config_read(CONSOLE_SLOT, PCI_VENDOR_ID, 4), CONSOLE_ID);
}

static void test_write_to_a_capability_header_is_an_error(void **state)
{
	assert_int_equal(config_write(CONSOLE_SLOT, VIRTIO_PCI_CAP_COMMON, 1, 0), -1);
}

/*
 * The capabilities, walked as the Guest's early console walks them: byte
 * reads from the pointer at 0x34.
 */
struct cap_expectation {
	unsigned at, next, len, cfg_type, offset, length;
};

static void test_capability_chain_walked_like_the_early_console(void **state)
{
	static const struct cap_expectation expected[] = {
		{ 0x40, 0x50, 16, VIRTIO_PCI_CFG_COMMON, 0, 56 },
		{ 0x50, 0x64, 20, VIRTIO_PCI_CFG_NOTIFY, 56, 2 },
		{ 0x64, 0x84, 16, VIRTIO_PCI_CFG_ISR, 58, 1 },
		{ 0x84, 0x74, 20, VIRTIO_PCI_CFG_PCI, 0, 0 },
		{ 0x74, 0x00, 16, VIRTIO_PCI_CFG_DEVICE, 60, 12 },
	};
	unsigned cap = config_read(CONSOLE_SLOT, PCI_CAPABILITY_LIST, 1);

	for (unsigned i = 0; i < 5; i++) {
		const struct cap_expectation *e = &expected[i];

		assert_int_equal(cap, e->at);
		assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_VNDR, 1), 0x09);
		assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_LEN, 1), e->len);
		assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_CFG_TYPE, 1), e->cfg_type);
		assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_BAR, 1), 0);
		assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_OFFSET, 4), e->offset);
		assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_LENGTH, 4), e->length);
		cap = config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_NEXT, 1);
		assert_int_equal(cap, e->next);
	}
}

static void test_notify_capability_multiplier_is_zero(void **state)
{
	assert_int_equal(config_read(CONSOLE_SLOT, VIRTIO_PCI_CAP_NOTIFY +
				     VIRTIO_CAP_NOTIFY_OFF_MULTIPLIER, 4), 0);
}

/* The four writes the Guest's early console makes for each character. */
static int early_console_put_char(char c)
{
	unsigned cap = VIRTIO_PCI_CAP_PCI_CFG;
	uint32_t device_offset = config_read(CONSOLE_SLOT, VIRTIO_PCI_CAP_DEVICE +
					     VIRTIO_CAP_OFFSET, 4);

	if (config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_BAR, 1, 0) < 0 ||
	    config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_LENGTH, 4, 4) < 0 ||
	    config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_OFFSET, 4, device_offset + 8) < 0)
		return -1;
	return config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_PCI_CFG_DATA, 4, (uint8_t)c);
}

static void test_early_console_character_reaches_emerg_wr_and_stdout(void **state)
{
	char out[8];

	assert_int_equal(early_console_put_char('h'), 0);
	assert_int_equal(early_console_put_char('i'), 0);
	assert_int_equal(console_output(out, sizeof(out)), 2);
	assert_memory_equal(out, "hi", 2);
}

static void test_emerg_wr_prints_before_the_driver_sets_any_status(void **state)
{
	char out[8];

	assert_int_equal(console()->status, 0);
	assert_int_equal(virtio_pci__bar_write(console(), 68, 4, 0x0A41), 0);
	assert_int_equal(console_output(out, sizeof(out)), 1);
	assert_int_equal(out[0], 'A');
}

static void test_emerg_wr_write_narrower_than_32_bits_is_an_error(void **state)
{
	char out[8];

	assert_int_equal(virtio_pci__bar_write(console(), 68, 2, 'A'), -1);
	assert_int_equal(console_output(out, sizeof(out)), 0);
}

static void test_window_read_fetches_from_bar0(void **state)
{
	unsigned cap = VIRTIO_PCI_CAP_PCI_CFG;

	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_BAR, 1, 0);
	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_LENGTH, 4, 2);
	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_OFFSET, 4, VIRTIO_COMMON_NUMQ);
	assert_int_equal(config_read(CONSOLE_SLOT, cap + VIRTIO_CAP_PCI_CFG_DATA, 4), 2);
}

static void test_window_write_with_a_bad_length_is_an_error(void **state)
{
	unsigned cap = VIRTIO_PCI_CAP_PCI_CFG;

	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_LENGTH, 4, 3);
	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_OFFSET, 4, 68);
	assert_int_equal(config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_PCI_CFG_DATA, 4, 'x'), -1);
}

static void test_window_write_outside_bar0_is_an_error(void **state)
{
	unsigned cap = VIRTIO_PCI_CAP_PCI_CFG;

	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_LENGTH, 4, 4);
	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_OFFSET, 4, 128);
	assert_int_equal(config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_PCI_CFG_DATA, 4, 'x'), -1);
}

static void test_window_naming_another_bar_is_an_error(void **state)
{
	unsigned cap = VIRTIO_PCI_CAP_PCI_CFG;

	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_BAR, 1, 1);
	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_LENGTH, 4, 4);
	config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_OFFSET, 4, 68);
	assert_int_equal(config_write(CONSOLE_SLOT, cap + VIRTIO_CAP_PCI_CFG_DATA, 4, 'x'), -1);
}

/* ---- BAR0 registers ----------------------------------------------------- */

static uint32_t bar_read(unsigned offset, unsigned size)
{
	uint32_t value = 0xDEADBEEF;

	assert_int_equal(virtio_pci__bar_read(console(), offset, size, &value), 0);
	return value;
}

static void test_device_features_are_shown_32_bits_at_a_time(void **state)
{
	assert_int_equal(virtio_pci__bar_write(console(), VIRTIO_COMMON_DFSELECT, 4, 0), 0);
	assert_int_equal(bar_read(VIRTIO_COMMON_DF, 4), 1u << 2);  /* EMERG_WRITE */
	assert_int_equal(virtio_pci__bar_write(console(), VIRTIO_COMMON_DFSELECT, 4, 1), 0);
	assert_int_equal(bar_read(VIRTIO_COMMON_DF, 4), 1u << 0);  /* VERSION_1 */
	assert_int_equal(virtio_pci__bar_write(console(), VIRTIO_COMMON_DFSELECT, 4, 2), 0);
	assert_int_equal(bar_read(VIRTIO_COMMON_DF, 4), 0);
}

static void test_console_has_two_queues_of_256(void **state)
{
	assert_int_equal(bar_read(VIRTIO_COMMON_NUMQ, 2), 2);
	virtio_pci__bar_write(console(), VIRTIO_COMMON_Q_SELECT, 2, 1);
	assert_int_equal(bar_read(VIRTIO_COMMON_Q_SIZE, 2), 256);
}

static void test_queue_that_does_not_exist_has_size_0(void **state)
{
	virtio_pci__bar_write(console(), VIRTIO_COMMON_Q_SELECT, 2, 2);
	assert_int_equal(bar_read(VIRTIO_COMMON_Q_SIZE, 2), 0);
}

static void test_status_write_of_zero_resets_the_device(void **state)
{
	virtio_pci__bar_write(console(), VIRTIO_COMMON_STATUS, 1, 1);
	virtio_pci__bar_write(console(), VIRTIO_COMMON_STATUS, 1, 3);
	virtio_pci__bar_write(console(), VIRTIO_COMMON_GF, 4, 4);
	assert_int_equal(bar_read(VIRTIO_COMMON_STATUS, 1), 3);
	virtio_pci__bar_write(console(), VIRTIO_COMMON_STATUS, 1, 0);
	assert_int_equal(bar_read(VIRTIO_COMMON_STATUS, 1), 0);
	assert_int_equal(bar_read(VIRTIO_COMMON_GF, 4), 0);
}

static void test_common_register_access_of_the_wrong_width_is_an_error(void **state)
{
	uint32_t value;

	assert_int_equal(virtio_pci__bar_read(console(), VIRTIO_COMMON_NUMQ, 4, &value), -1);
	assert_int_equal(virtio_pci__bar_write(console(), VIRTIO_COMMON_STATUS, 2, 1), -1);
}

static void test_isr_read_returns_and_clears_it(void **state)
{
	virtio_pci__signal_queue(console());
	assert_int_equal(bar_read(VIRTIO_BAR_ISR, 1), 1);
	assert_int_equal(bar_read(VIRTIO_BAR_ISR, 1), 0);
}

static void test_signalling_a_queue_raises_the_devices_line(void **state)
{
	virtio_pci__signal_queue(console());
	assert_int_equal(raised_count, 1);
	assert_int_equal(raised_line, 1);
}

static void test_notify_of_a_queue_that_does_not_exist_is_an_error(void **state)
{
	assert_int_equal(virtio_pci__bar_write(console(), VIRTIO_BAR_NOTIFY, 2, 2), -1);
	assert_int_equal(virtio_pci__bar_write(console(), VIRTIO_BAR_NOTIFY, 2, 1), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_address_register_reads_back_what_was_written),
		T(test_address_register_byte_writes_merge_into_their_lanes),
		T(test_address_register_byte_reads_see_their_lanes),
		T(test_data_byte_reads_see_their_lanes),
		T(test_host_bridge_vendor_reads_zero_so_linux_skips_it),
		T(test_host_bridge_class_word_is_0x0600),
		T(test_host_bridge_rejects_writes),
		T(test_read_with_enable_bit_clear_is_all_ones),
		T(test_read_of_another_bus_is_all_ones),
		T(test_read_of_another_function_is_all_ones),
		T(test_read_of_an_empty_slot_is_all_ones),
		T(test_read_beyond_152_bytes_is_all_ones),
		T(test_write_to_an_empty_slot_is_an_error),
		T(test_data_access_straddling_the_port_range_is_an_error),
		T(test_console_is_in_slot_1_with_virtio_console_ids),
		T(test_console_header_fields),
		T(test_console_interrupt_line_is_1_and_pin_0),
		T(test_console_bar0_is_1_mib_above_ram_and_naturally_aligned),
		T(test_device_limit_is_the_first_page_above_the_last_bar),
		T(test_bar0_size_probe_reads_back_the_size_mask),
		T(test_other_bars_are_writable_scratch),
		T(test_16_bit_command_write_is_accepted_and_ignored),
		T(test_32_bit_command_write_is_an_error),
		T(test_cache_line_write_keeps_the_header_type),
		T(test_write_to_the_vendor_id_is_an_error),
		T(test_write_to_a_capability_header_is_an_error),
		T(test_capability_chain_walked_like_the_early_console),
		T(test_notify_capability_multiplier_is_zero),
		T(test_early_console_character_reaches_emerg_wr_and_stdout),
		T(test_emerg_wr_prints_before_the_driver_sets_any_status),
		T(test_emerg_wr_write_narrower_than_32_bits_is_an_error),
		T(test_window_read_fetches_from_bar0),
		T(test_window_write_with_a_bad_length_is_an_error),
		T(test_window_write_outside_bar0_is_an_error),
		T(test_window_naming_another_bar_is_an_error),
		T(test_device_features_are_shown_32_bits_at_a_time),
		T(test_console_has_two_queues_of_256),
		T(test_queue_that_does_not_exist_has_size_0),
		T(test_status_write_of_zero_resets_the_device),
		T(test_common_register_access_of_the_wrong_width_is_an_error),
		T(test_isr_read_returns_and_clears_it),
		T(test_signalling_a_queue_raises_the_devices_line),
		T(test_notify_of_a_queue_that_does_not_exist_is_an_error),
	};

	return cmocka_run_group_tests_name("virtio_pci", tests, NULL, NULL);
}
