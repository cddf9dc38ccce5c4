/*
 * test_regressions.c - Host bugs these tests found, now fixed: each test
 * states the right behaviour so the bug cannot come back.
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

/*
 * core/hypercalls.c: "lguest_data == 0" means "no LGUEST_INIT yet", but 0
 * is a valid guest-physical address.  A Guest whose lguest_data is at GPA
 * 0 has every later hypercall treated as a first one.
 */
static void test_lguest_data_at_gpa_0_is_registered(void **state)
{
	struct tg *t = *state;

	tg_prepare_lguest_data(t, 0);
	tg_hcall(t, LHCALL_LGUEST_INIT, 0, 0, 0, 0);
	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	assert_alive(t);
	assert_int_equal(t->cpu->ts, 8);
}

/*
 * mmu/page_tables.c: linear mode is "the current directory is tagged
 * 0xFFFFFFFF", so NEW_PGTABLE(0xFFFFFFFF) puts the Guest back into the
 * made-up identity mapping instead of failing on its first fault, as a
 * directory outside RAM does.
 */
static void test_new_pgtable_0xffffffff_does_not_bring_back_linear_mode(void **state)
{
	struct tg *t = *state;
	u32 iomem;

	tg_hcall(t, LHCALL_NEW_PGTABLE, 0xFFFFFFFFu, 0, 0, 0);
	assert_false(demand_page(t->cpu, 0x5000, 2, &iomem));
	assert_dead(t, "bad page directory 0xffffffff");
}

/*
 * core/lguest_user.c: the per-CPU page from shim_alloc_page() in
 * lguest_initialize() is never given back with shim_free_page(), on close
 * or on a failed initialize; only a shim that frees its whole pool on
 * destroy hides it.
 */
static void test_close_gives_every_host_page_back_to_the_shim(void **state)
{
	struct tg *t = *state;

	lguest_close(t->lg);
	t->lg = lguest_open(NULL); /* for the teardown */
	t->fake = NULL;
	assert_int_equal(fake_pages_live_at_destroy, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, tg_setup_paging, tg_teardown)
		T(test_lguest_data_at_gpa_0_is_registered),
		TP(test_new_pgtable_0xffffffff_does_not_bring_back_linear_mode),
		T(test_close_gives_every_host_page_back_to_the_shim),
	};

	return TG_RUN("regressions", tests, argc, argv);
}
