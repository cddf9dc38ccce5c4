/*
 * test_options.c - lguest-emu's command line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "options.h"

static struct launcher_options options;
static char err[512];

/* Parse a NULL-terminated list of words after the program name. */
static enum options_result parse_words(const char *const *words)
{
	char *argv[64] = { "lguest-emu" };
	int argc = 1;

	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	err[0] = '\0';
	return options__parse(argc, argv, &options, err, sizeof(err));
}

#define PARSE(...) parse_words((const char *const[]){ __VA_ARGS__, NULL })

static void assert_error_saying(enum options_result result, const char *words)
{
	assert_int_equal(result, OPTIONS_ERROR);
	assert_non_null(strstr(err, words));
	assert_null(strchr(err, '\n'));
}

static void test_memory_size_and_kernel_are_positional(void **state)
{
	assert_int_equal(PARSE("64", "vmlinux"), OPTIONS_RUN);
	assert_int_equal(options.mem_mib, 64);
	assert_string_equal(options.kernel_path, "vmlinux");
	assert_null(options.initrd_path);
	assert_null(options.trace_spec);
	assert_null(options.trace_file_path);
}

static void test_kernel_arguments_are_joined_with_single_spaces(void **state)
{
	assert_int_equal(PARSE("64", "vmlinux", "console=hvc0", "root=/dev/vda", "ro"),
			 OPTIONS_RUN);
	assert_string_equal(options.cmdline, "console=hvc0 root=/dev/vda ro");
}

static void test_no_kernel_arguments_give_an_empty_command_line(void **state)
{
	assert_int_equal(PARSE("64", "vmlinux"), OPTIONS_RUN);
	assert_string_equal(options.cmdline, "");
}

static void test_words_after_the_kernel_are_kernel_arguments_even_with_dashes(void **state)
{
	assert_int_equal(PARSE("64", "vmlinux", "--initrd=x", "-d"), OPTIONS_RUN);
	assert_null(options.initrd_path);
	assert_string_equal(options.cmdline, "--initrd=x -d");
}

static void test_initrd_takes_its_value_after_an_equals_sign(void **state)
{
	assert_int_equal(PARSE("--initrd=rd.img", "64", "vmlinux"), OPTIONS_RUN);
	assert_string_equal(options.initrd_path, "rd.img");
}

static void test_initrd_takes_its_value_from_the_next_word(void **state)
{
	assert_int_equal(PARSE("--initrd", "rd.img", "64", "vmlinux"), OPTIONS_RUN);
	assert_string_equal(options.initrd_path, "rd.img");
	assert_int_equal(options.mem_mib, 64);
}

static void test_short_d_takes_the_next_word(void **state)
{
	assert_int_equal(PARSE("-d", "hcall,irq", "64", "vmlinux"), OPTIONS_RUN);
	assert_string_equal(options.trace_spec, "hcall,irq");
}

static void test_short_d_takes_an_attached_value(void **state)
{
	assert_int_equal(PARSE("-dhcall", "64", "vmlinux"), OPTIONS_RUN);
	assert_string_equal(options.trace_spec, "hcall");
}

static void test_long_trace_sets_the_same_list_as_d(void **state)
{
	assert_int_equal(PARSE("--trace=trap", "64", "vmlinux"), OPTIONS_RUN);
	assert_string_equal(options.trace_spec, "trap");
}

static void test_capital_d_names_the_trace_file(void **state)
{
	assert_int_equal(PARSE("-D", "trace.txt", "-d", "all", "64", "vmlinux"),
			 OPTIONS_RUN);
	assert_string_equal(options.trace_file_path, "trace.txt");
}

static void test_d_help_asks_for_the_trace_categories_without_a_kernel(void **state)
{
	assert_int_equal(PARSE("-d", "help"), OPTIONS_TRACE_HELP);
}

static void test_no_direct_traps_is_off_unless_given(void **state)
{
	assert_int_equal(PARSE("64", "vmlinux"), OPTIONS_RUN);
	assert_false(options.no_direct_traps);
}

static void test_no_direct_traps_flag_sets_it(void **state)
{
	assert_int_equal(PARSE("--no-direct-traps", "64", "vmlinux"), OPTIONS_RUN);
	assert_true(options.no_direct_traps);
}

static void test_long_help_asks_for_help(void **state)
{
	assert_int_equal(PARSE("--help"), OPTIONS_HELP);
}

static void test_short_h_asks_for_help(void **state)
{
	assert_int_equal(PARSE("-h", "64", "vmlinux"), OPTIONS_HELP);
}

static void test_version_asks_for_the_version(void **state)
{
	assert_int_equal(PARSE("--version"), OPTIONS_VERSION);
}

static void test_double_dash_ends_the_options(void **state)
{
	assert_int_equal(PARSE("--", "64", "vmlinux"), OPTIONS_RUN);
	assert_int_equal(options.mem_mib, 64);
}

static void test_unknown_long_option_is_an_error(void **state)
{
	assert_error_saying(PARSE("--frobnicate", "64", "vmlinux"),
			    "unknown option '--frobnicate'");
}

static void test_unknown_short_option_is_an_error(void **state)
{
	assert_error_saying(PARSE("-q", "64", "vmlinux"), "unknown option '-q'");
}

static void test_option_without_its_value_is_an_error(void **state)
{
	assert_error_saying(PARSE("--initrd"), "needs a FILE");
}

static void test_option_with_an_empty_value_is_an_error(void **state)
{
	assert_error_saying(PARSE("--initrd=", "64", "vmlinux"), "needs a FILE");
}

static void test_value_given_to_an_option_without_one_is_an_error(void **state)
{
	assert_error_saying(PARSE("--help=yes"), "takes no value");
}

static void test_option_given_twice_is_an_error(void **state)
{
	assert_error_saying(PARSE("--initrd=a", "--initrd=b", "64", "vmlinux"),
			    "given twice");
}

static void test_missing_memory_size_is_an_error(void **state)
{
	assert_error_saying(PARSE("-d", "hcall"), "missing <mem-MB>");
}

static void test_missing_kernel_is_an_error(void **state)
{
	assert_error_saying(PARSE("64"), "missing <vmlinux|bzImage>");
}

static void test_memory_size_zero_is_an_error(void **state)
{
	assert_error_saying(PARSE("0", "vmlinux"), "invalid memory size '0'");
}

static void test_non_numeric_memory_size_is_an_error(void **state)
{
	assert_error_saying(PARSE("lots", "vmlinux"), "invalid memory size");
}

static void test_memory_size_with_a_unit_is_an_error(void **state)
{
	assert_error_saying(PARSE("64M", "vmlinux"), "invalid memory size");
}

static void test_memory_size_above_2048_is_an_error(void **state)
{
	assert_error_saying(PARSE("2049", "vmlinux"), "1 to 2048");
}

static void test_memory_size_that_overflows_32_bits_is_an_error(void **state)
{
	assert_error_saying(PARSE("4294967360", "vmlinux"), "invalid memory size");
}

static void test_memory_size_2048_is_accepted(void **state)
{
	assert_int_equal(PARSE("2048", "vmlinux"), OPTIONS_RUN);
	assert_int_equal(options.mem_mib, 2048);
}

static void test_command_line_of_2047_bytes_is_accepted(void **state)
{
	static char a[1024], b[1023];

	memset(a, 'a', sizeof(a) - 1);
	memset(b, 'b', sizeof(b) - 1);
	/* 1023 + space + 1022 + space + an empty word = 2047 bytes. */
	assert_int_equal(PARSE("64", "vmlinux", a, b, ""), OPTIONS_RUN);
	assert_int_equal(strlen(options.cmdline), 2047);
}

static void test_command_line_of_2048_bytes_is_an_error(void **state)
{
	static char a[1024], b[1023];

	memset(a, 'a', sizeof(a) - 1);
	memset(b, 'b', sizeof(b) - 1);
	/* 1023 + space + 1022 + space + 1 = 2048 bytes. */
	assert_error_saying(PARSE("64", "vmlinux", a, b, "x"), "the limit is 2047");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_size_and_kernel_are_positional),
		cmocka_unit_test(test_kernel_arguments_are_joined_with_single_spaces),
		cmocka_unit_test(test_no_kernel_arguments_give_an_empty_command_line),
		cmocka_unit_test(test_words_after_the_kernel_are_kernel_arguments_even_with_dashes),
		cmocka_unit_test(test_initrd_takes_its_value_after_an_equals_sign),
		cmocka_unit_test(test_initrd_takes_its_value_from_the_next_word),
		cmocka_unit_test(test_short_d_takes_the_next_word),
		cmocka_unit_test(test_short_d_takes_an_attached_value),
		cmocka_unit_test(test_long_trace_sets_the_same_list_as_d),
		cmocka_unit_test(test_capital_d_names_the_trace_file),
		cmocka_unit_test(test_d_help_asks_for_the_trace_categories_without_a_kernel),
		cmocka_unit_test(test_no_direct_traps_is_off_unless_given),
		cmocka_unit_test(test_no_direct_traps_flag_sets_it),
		cmocka_unit_test(test_long_help_asks_for_help),
		cmocka_unit_test(test_short_h_asks_for_help),
		cmocka_unit_test(test_version_asks_for_the_version),
		cmocka_unit_test(test_double_dash_ends_the_options),
		cmocka_unit_test(test_unknown_long_option_is_an_error),
		cmocka_unit_test(test_unknown_short_option_is_an_error),
		cmocka_unit_test(test_option_without_its_value_is_an_error),
		cmocka_unit_test(test_option_with_an_empty_value_is_an_error),
		cmocka_unit_test(test_value_given_to_an_option_without_one_is_an_error),
		cmocka_unit_test(test_option_given_twice_is_an_error),
		cmocka_unit_test(test_missing_memory_size_is_an_error),
		cmocka_unit_test(test_missing_kernel_is_an_error),
		cmocka_unit_test(test_memory_size_zero_is_an_error),
		cmocka_unit_test(test_non_numeric_memory_size_is_an_error),
		cmocka_unit_test(test_memory_size_with_a_unit_is_an_error),
		cmocka_unit_test(test_memory_size_above_2048_is_an_error),
		cmocka_unit_test(test_memory_size_that_overflows_32_bits_is_an_error),
		cmocka_unit_test(test_memory_size_2048_is_accepted),
		cmocka_unit_test(test_command_line_of_2047_bytes_is_accepted),
		cmocka_unit_test(test_command_line_of_2048_bytes_is_an_error),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
