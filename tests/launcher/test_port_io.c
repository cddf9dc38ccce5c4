/*
 * test_port_io.c - the defaults for ports no device claims (§9.10).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "machine.h"
#include "port_io.h"

static struct machine machine;

static int setup(void **state)
{
	machine__init(&machine, NULL, 1 << 20);
	return 0;
}

static int teardown(void **state)
{
	machine__destroy(&machine);
	return 0;
}

static void test_port_0x64_reads_1_so_the_i8042_probe_gives_up(void **state)
{
	assert_int_equal(port_io__in(&machine, 0x64, 1), 1);
}

static void test_unknown_port_reads_all_ones_of_the_access_width(void **state)
{
	assert_int_equal(port_io__in(&machine, 0x3F8, 1), 0xFF);
	assert_int_equal(port_io__in(&machine, 0x3F8, 2), 0xFFFF);
	assert_int_equal(port_io__in(&machine, 0x3F8, 4), 0xFFFFFFFFu);
}

static void test_unknown_port_write_is_ignored_without_error(void **state)
{
	assert_int_equal(port_io__out(&machine, 0x80, 1, 0x42), 0);
	assert_int_equal(port_io__out(&machine, 0x21, 1, 0xFF), 0);
}

static void test_pci_address_port_goes_to_the_pci_bus(void **state)
{
	assert_int_equal(port_io__out(&machine, 0xCF8, 4, 0x80000000u), 0);
	assert_int_equal(machine.pci.config_address, 0x80000000u);
}

static void test_invalid_pci_config_write_is_an_error(void **state)
{
	/* Nothing selected: the Host must reflect a #GP. */
	assert_int_equal(port_io__out(&machine, 0xCFC, 4, 0), -1);
}

static void test_io_ops_carry_the_machine_and_both_callbacks(void **state)
{
	struct lguest_io_ops ops = port_io__ops(&machine);

	assert_ptr_equal(ops.opaque, &machine);
	assert_int_equal(ops.port_in(ops.opaque, 0x64, 1), 1);
	assert_int_equal(ops.port_out(ops.opaque, 0x80, 1, 0), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_port_0x64_reads_1_so_the_i8042_probe_gives_up),
		T(test_unknown_port_reads_all_ones_of_the_access_width),
		T(test_unknown_port_write_is_ignored_without_error),
		T(test_pci_address_port_goes_to_the_pci_bus),
		T(test_invalid_pci_config_write_is_an_error),
		T(test_io_ops_carry_the_machine_and_both_callbacks),
	};

	return cmocka_run_group_tests_name("port_io", tests, NULL, NULL);
}
