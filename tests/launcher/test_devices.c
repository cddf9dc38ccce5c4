/*
 * test_devices.c - device models register themselves and are created in
 * the right order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "devices.h"
#include "machine.h"

/* A model that exists only in this test, registered the normal way. */
static const char *created_args[4];
static unsigned nr_created;

static int test_model_create(struct machine *machine, const char *arg, char *err,
			     size_t errlen)
{
	created_args[nr_created++] = arg;
	return 0;
}

static struct device_model test_model = {
	.name = "test",
	.create = test_model_create,
};
DEVICE_MODEL(test_model)

static struct machine machine;
static char err[256];

static int setup(void **state)
{
	machine__init(&machine, NULL, 1 << 20);
	nr_created = 0;
	return 0;
}

static int teardown(void **state)
{
	machine__destroy(&machine);
	return 0;
}

static void test_console_model_registers_itself_as_always_present(void **state)
{
	const struct device_model *console = device_model__find("console");

	assert_non_null(console);
	assert_true(console->always);
}

static void test_console_is_created_without_being_asked_for(void **state)
{
	assert_int_equal(devices__create(&machine, NULL, 0, err, sizeof(err)), 0);
	assert_non_null(machine.pci.slots[1].ops);
	assert_null(machine.pci.slots[2].ops);
	assert_int_equal(nr_created, 0);
}

static void test_requested_devices_are_created_in_command_line_order(void **state)
{
	const struct device_request requests[] = { { "test", "a" }, { "test", "b" } };

	assert_int_equal(devices__create(&machine, requests, 2, err, sizeof(err)), 0);
	assert_int_equal(nr_created, 2);
	assert_string_equal(created_args[0], "a");
	assert_string_equal(created_args[1], "b");
}

static void test_request_for_an_unknown_model_fails(void **state)
{
	const struct device_request requests[] = { { "nonesuch", NULL } };

	assert_int_equal(devices__create(&machine, requests, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nonesuch"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_console_model_registers_itself_as_always_present),
		T(test_console_is_created_without_being_asked_for),
		T(test_requested_devices_are_created_in_command_line_order),
		T(test_request_for_an_unknown_model_fails),
	};

	return cmocka_run_group_tests_name("devices", tests, NULL, NULL);
}
