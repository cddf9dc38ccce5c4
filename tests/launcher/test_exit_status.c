/*
 * test_exit_status.c - what a dead Guest's reason means for our exit status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "exit_status.h"

static char message[512];

static enum exit_status classify(bool by_shutdown, const char *reason)
{
	memset(message, 'x', sizeof(message));
	return exit_status__for_dead_guest(by_shutdown, reason, message, sizeof(message));
}

static void test_power_down_by_the_guest_exits_0_silently(void **state)
{
	assert_int_equal(classify(true, "CRASH: Power down"), 0);
	assert_string_equal(message, "");
}

static void test_other_shutdown_is_a_crash_with_the_guests_text(void **state)
{
	assert_int_equal(classify(true, "CRASH: Kernel panic - not syncing: VFS"), 4);
	assert_string_equal(message, "guest crashed: Kernel panic - not syncing: VFS");
}

static void test_kill_by_the_host_exits_3_with_the_reason(void **state)
{
	assert_int_equal(classify(false, "bad hypercall 99"), 3);
	assert_string_equal(message, "guest killed: bad hypercall 99");
}

static void test_power_down_text_from_a_kill_is_still_a_kill(void **state)
{
	assert_int_equal(classify(false, "CRASH: Power down"), 3);
}

static void test_multi_line_reason_is_flattened_onto_one_line(void **state)
{
	assert_int_equal(classify(true, "CRASH: oops\nat line 2\n"), 4);
	assert_string_equal(message, "guest crashed: oops at line 2");
}

static void test_missing_reason_still_gives_a_message(void **state)
{
	assert_int_equal(classify(false, NULL), 3);
	assert_string_equal(message, "guest killed: (no reason given)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_down_by_the_guest_exits_0_silently),
		cmocka_unit_test(test_other_shutdown_is_a_crash_with_the_guests_text),
		cmocka_unit_test(test_kill_by_the_host_exits_3_with_the_reason),
		cmocka_unit_test(test_power_down_text_from_a_kill_is_still_a_kill),
		cmocka_unit_test(test_multi_line_reason_is_flattened_onto_one_line),
		cmocka_unit_test(test_missing_reason_still_gives_a_message),
	};

	return cmocka_run_group_tests_name("exit_status", tests, NULL, NULL);
}
