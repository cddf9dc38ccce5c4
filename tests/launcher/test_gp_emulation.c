/*
 * test_gp_emulation.c - which #GPs the Launcher fixes up (§9.10).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gp_emulation.h"

#define GUEST_KERNEL_CS 0x61
#define GUEST_USER_CS 0x73

static struct gp_emulator emulator;

static int setup(void **state)
{
	char err[256];

	return gp_emulator__open(&emulator, err, sizeof(err));
}

static int teardown(void **state)
{
	gp_emulator__close(&emulator);
	return 0;
}

static struct gp_decision decide(const uint8_t insn[7], uint32_t cs)
{
	return gp_emulator__decide(&emulator, insn, 7, cs);
}

static void test_cli_in_the_guest_kernel_is_skipped(void **state)
{
	const uint8_t insn[7] = { 0xFA, 0x90, 0x90 };
	struct gp_decision d = decide(insn, GUEST_KERNEL_CS);

	assert_int_equal(d.action, GP_SKIP);
	assert_int_equal(d.length, 1);
}

static void test_cli_in_guest_user_mode_is_reflected(void **state)
{
	const uint8_t insn[7] = { 0xFA };

	assert_int_equal(decide(insn, GUEST_USER_CS).action, GP_REFLECT);
}

static void test_rdmsr_is_reflected_so_the_guest_fixup_runs(void **state)
{
	const uint8_t insn[7] = { 0x0F, 0x32 };

	assert_int_equal(decide(insn, GUEST_KERNEL_CS).action, GP_REFLECT);
}

static void test_sti_is_reflected(void **state)
{
	const uint8_t insn[7] = { 0xFB };

	assert_int_equal(decide(insn, GUEST_KERNEL_CS).action, GP_REFLECT);
}

static void test_hlt_is_reflected(void **state)
{
	const uint8_t insn[7] = { 0xF4 };

	assert_int_equal(decide(insn, GUEST_KERNEL_CS).action, GP_REFLECT);
}

static void test_port_input_is_reflected_because_the_host_handles_it(void **state)
{
	const uint8_t insn[7] = { 0xEC };

	assert_int_equal(decide(insn, GUEST_KERNEL_CS).action, GP_REFLECT);
}

static void test_undecodable_bytes_are_reflected(void **state)
{
	const uint8_t insn[7] = { 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	assert_int_equal(decide(insn, GUEST_KERNEL_CS).action, GP_REFLECT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cli_in_the_guest_kernel_is_skipped),
		T(test_cli_in_guest_user_mode_is_reflected),
		T(test_rdmsr_is_reflected_so_the_guest_fixup_runs),
		T(test_sti_is_reflected),
		T(test_hlt_is_reflected),
		T(test_port_input_is_reflected_because_the_host_handles_it),
		T(test_undecodable_bytes_are_reflected),
	};

	return cmocka_run_group_tests_name("gp_emulation", tests, NULL, NULL);
}
