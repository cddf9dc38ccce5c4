/*
 * test_fake_shim.c - the fake keeps the contracts of src/core/shim.h that
 * the Switcher simulation keeps, or the other unit tests prove nothing.
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

static void test_guest_read_inside_ram_copies_the_bytes(void **state)
{
	struct tg *t = *state;
	u32 v = 0;

	tg_wr(t, TG_RAM_SIZE - 4, 0xCAFEF00Du);
	assert_true(shim_guest_read(t->lg, TG_RAM_SIZE - 4, &v, 4));
	assert_int_equal(v, 0xCAFEF00Du);
}

static void test_guest_access_crossing_the_end_of_ram_fails_untouched(void **state)
{
	struct tg *t = *state;
	u32 v = 0x11111111u, w = 0x22222222u;

	tg_wr(t, TG_RAM_SIZE - 4, 0x33333333u);
	assert_false(shim_guest_read(t->lg, TG_RAM_SIZE - 3, &v, 4));
	assert_int_equal(v, 0x11111111u);
	assert_false(shim_guest_write(t->lg, TG_RAM_SIZE - 3, &w, 4));
	assert_int_equal(tg_rd(t, TG_RAM_SIZE - 4), 0x33333333u);
	assert_false(shim_guest_read(t->lg, 0xFFFFFFFEu, &v, 4));
	assert_true(shim_guest_read(t->lg, TG_RAM_SIZE, &v, 0));
}

static void test_host_pages_are_zeroed_and_found_by_their_address(void **state)
{
	struct tg *t = *state;
	u32 phys = 0;
	u8 *p = shim_alloc_page(t->lg, &phys);
	static const u8 zero[PAGE_SIZE];

	assert_non_null(p);
	assert_int_equal(phys & (PAGE_SIZE - 1), 0);
	assert_true(phys >= FAKE_HOST_PHYS_BASE);
	assert_true(phys >= TG_DEVICE_LIMIT * PAGE_SIZE);
	assert_memory_equal(p, zero, PAGE_SIZE);
	assert_ptr_equal(shim_page(t->lg, phys), p);
	assert_null(shim_page(t->lg, phys + 4));
	shim_free_page(t->lg, phys);
	assert_null(shim_page(t->lg, phys));
	assert_int_equal(t->fake->bad_frees, 0);
}

static void test_freeing_a_page_twice_is_a_broken_contract(void **state)
{
	struct tg *t = *state;
	u32 phys = 0;

	assert_non_null(shim_alloc_page(t->lg, &phys));
	shim_free_page(t->lg, phys);
	shim_free_page(t->lg, phys);
	assert_int_equal(t->fake->bad_frees, 1);
	t->fake->violations = 0; /* expected here: let the teardown pass */
}

static void test_host_pages_run_out_at_the_limit(void **state)
{
	struct tg *t = *state;
	u32 phys;

	t->fake->page_limit = fake_live_pages(t->lg) + 1;
	assert_non_null(shim_alloc_page(t->lg, &phys));
	assert_null(shim_alloc_page(t->lg, &phys));
	assert_int_equal(t->fake->failed_allocs, 1);
}

static void test_wait_moves_the_clock_to_the_deadline(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 10;
	shim_wait(t->cpu, 500);
	assert_int_equal(t->fake->clock_ns, 500);
	shim_wait(t->cpu, 100); /* never backwards */
	assert_int_equal(t->fake->clock_ns, 500);
}

static void test_wait_returns_at_once_when_kicked(void **state)
{
	struct tg *t = *state;

	shim_kick(t->cpu);
	shim_wait(t->cpu, 1000);
	assert_int_equal(t->fake->clock_ns, 0);
	assert_false(t->fake->kick_pending);
}

static void test_run_sets_trapnum_errcode_and_cr2_for_a_page_fault(void **state)
{
	struct tg *t = *state;

	fake_page_fault(t->lg, 0x12345678u, 7);
	shim_run_guest(t->cpu);
	assert_int_equal(t->cpu->regs.trapnum, 14);
	assert_int_equal(t->cpu->regs.errcode, 7);
	assert_int_equal(t->cpu->arch_cr2, 0x12345678u);
}

static void test_run_with_a_kick_pending_leaves_at_once(void **state)
{
	struct tg *t = *state;
	unsigned int s = fake_kick(t->lg);

	shim_kick(t->cpu);
	shim_run_guest(t->cpu);
	assert_int_equal(t->cpu->regs.trapnum, LGUEST_TRAP_KICK);
	assert_int_equal(fake_step(t->lg, s)->outcome, FAKE_NOT_RUN);
	assert_int_equal(t->fake->kick_exits, 1);
}

static void test_run_past_the_script_asks_the_run_loop_to_stop(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->script_ends, 1);
	assert_int_equal(t->fake->entries, 1);
}

static void test_entry_with_a_shadow_granting_too_much_is_caught(void **state)
{
	struct tg *t = *state;
	u32 iomem, *ptes;

	assert_true(demand_page(t->cpu, 0x5000, 0, &iomem));
	ptes = shim_page(t->lg, tg_spde(t, 0x5000) & PAGE_MASK);
	ptes[5] |= PTE_U; /* linear mode is the kernel's alone */
	shim_run_guest(t->cpu);
	assert_int_equal(t->fake->violations, 1);
	assert_string_equal(t->fake->violation,
			    "shadow grants more than the guest's tables (0x5000)");
	t->fake->violations = 0;
}

static void test_entry_with_a_clean_page_mapped_writable_is_caught(void **state)
{
	struct tg *t = *state;
	u32 iomem, *ptes;

	assert_true(demand_page(t->cpu, TG_KERNEL + 0x5000, 0, &iomem));
	ptes = shim_page(t->lg, tg_spde(t, TG_KERNEL) & PAGE_MASK);
	ptes[5] |= PTE_RW; /* writable before the Guest's PTE is dirty */
	shim_run_guest(t->cpu);
	assert_int_equal(t->fake->violations, 1);
	assert_string_equal(t->fake->violation,
			    "shadow grants more than the guest's tables (0xc0005000)");
	t->fake->violations = 0;
}

static void test_entry_without_the_switcher_mapped_is_caught(void **state)
{
	struct tg *t = *state;
	u32 *pgdir = shim_page(t->lg, t->cpu->shadow_cr3);

	pgdir[SWITCHER_PGD_INDEX] = 0;
	shim_run_guest(t->cpu);
	assert_int_equal(t->fake->violations, 1);
	assert_string_equal(t->fake->violation, "entry without the Switcher mapped (0)");
	t->fake->violations = 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
		T(test_guest_read_inside_ram_copies_the_bytes),
		T(test_guest_access_crossing_the_end_of_ram_fails_untouched),
		T(test_host_pages_are_zeroed_and_found_by_their_address),
		T(test_freeing_a_page_twice_is_a_broken_contract),
		T(test_host_pages_run_out_at_the_limit),
		T(test_wait_moves_the_clock_to_the_deadline),
		T(test_wait_returns_at_once_when_kicked),
		T(test_run_sets_trapnum_errcode_and_cr2_for_a_page_fault),
		T(test_run_with_a_kick_pending_leaves_at_once),
		T(test_run_past_the_script_asks_the_run_loop_to_stop),
		T(test_entry_with_a_shadow_granting_too_much_is_caught),
		cmocka_unit_test_setup_teardown(
			test_entry_with_a_clean_page_mapped_writable_is_caught,
			tg_setup_paging, tg_teardown),
		T(test_entry_without_the_switcher_mapped_is_caught),
	};

	return TG_RUN("fake_shim", tests, argc, argv);
}
