/*
 * test_segments.c - core/segments.c (the Guest's GDT, its sanitising, and
 * the Host's own entries) and what core/x86_core.c copies into the CPU's
 * page before each entry.
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

#define TLS_GPA 0x00030000u

static void assert_desc(const struct desc_struct *d, u32 a, u32 b)
{
	assert_int_equal(d->a, a);
	assert_int_equal(d->b, b);
}

static bool host_entry(unsigned int i)
{
	return i == 10 || i == 11 || i == 16 || i == 31;
}

/* Run the Guest once, doing nothing (the script is empty). */
static void enter_once(struct tg *t)
{
	struct lguest_pending p;

	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
}

/* ---- At start ---- */

static void test_initial_registers_are_ring1_flat_with_interrupts_on(void **state)
{
	struct tg *t = *state;
	struct lguest_regs want;

	memset(&want, 0, sizeof(want));
	want.eip = TG_START_EIP;
	want.cs = 0x61;
	want.ds = want.es = want.ss = 0x69;
	want.eflags = 0x202;
	assert_memory_equal(&t->cpu->regs, &want, sizeof(want));
}

static void test_initial_gdt_has_only_flat_ring1_code_and_data(void **state)
{
	struct tg *t = *state;
	unsigned int i;

	for (i = 0; i < GDT_ENTRIES; i++) {
		if (i == 12)
			assert_desc(&t->cpu->gdt[i], 0x0000FFFF, 0x00CFBB00u);
		else if (i == 13)
			assert_desc(&t->cpu->gdt[i], 0x0000FFFF, 0x00CFB300u);
		else
			assert_desc(&t->cpu->gdt[i], 0, 0);
	}
}

static void test_host_gdt_entries_are_switcher_code_data_and_tss(void **state)
{
	struct tg *t = *state;
	struct lguest_ro_state *ro = t->lg->pages;

	assert_desc(&ro->guest_gdt[10], 0x0000FFFF, 0x00CF9B00u);
	assert_desc(&ro->guest_gdt[11], 0x0000FFFF, 0x00CF9300u);
	/* Available 32-bit TSS at 0xFFC00900, limit 0x67. */
	assert_desc(&ro->guest_gdt[16], 0x09000067u, 0xFF0089C0u);
	assert_desc(&ro->guest_gdt[31], 0, 0);
	assert_int_equal(sizeof(struct x86_tss), 104);
	assert_int_equal(ro->guest_tss.io_bitmap_base, 104);
	assert_int_equal(ro->guest_tss.ss0, 0x58);
}

static void test_is_host_gdt_entry_exactly_10_11_16_31(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < GDT_ENTRIES; i++)
		if (is_host_gdt_entry(i) != host_entry(i))
			fail_msg("is_host_gdt_entry(%u) is %d", i, is_host_gdt_entry(i));
}

/* ---- LOAD_GDT_ENTRY ---- */

static void test_load_gdt_entry_makes_dpl0_segments_dpl1(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 20, 0x0000FFFF, 0x00CF9A00u);
	assert_desc(&t->cpu->gdt[20], 0x0000FFFF, 0x00CFBB00u);
}

static void test_load_gdt_entry_keeps_dpl1_segments(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 20, 0x0000FFFF, 0x00CFBA00u);
	assert_desc(&t->cpu->gdt[20], 0x0000FFFF, 0x00CFBB00u);
}

static void test_load_gdt_entry_keeps_dpl2_segments(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 20, 0x0000FFFF, 0x00CFD200u);
	assert_desc(&t->cpu->gdt[20], 0x0000FFFF, 0x00CFD300u);
}

static void test_load_gdt_entry_keeps_dpl3_segments(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 14, 0x0000FFFF, 0x00CFFA00u);
	assert_desc(&t->cpu->gdt[14], 0x0000FFFF, 0x00CFFB00u);
}

static void test_load_gdt_entry_leaves_an_empty_entry_empty(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 1, 0, 0);
	assert_desc(&t->cpu->gdt[1], 0, 0);
}

static void test_load_gdt_entry_makes_system_descriptors_not_present(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 17, 0x12340067u, 0x00008900u);	/* TSS */
	load_guest_gdt_entry(t->cpu, 18, 0x00601000u, 0xC010EC00u);	/* call gate */
	load_guest_gdt_entry(t->cpu, 19, 0x56780FFFu, 0x00008200u);	/* LDT */
	load_guest_gdt_entry(t->cpu, 20, 0x00000000u, 0x0000E500u);	/* task gate */
	assert_desc(&t->cpu->gdt[17], 0x12340067u, 0x00000900u);
	assert_desc(&t->cpu->gdt[18], 0x00601000u, 0xC0106C00u);
	assert_desc(&t->cpu->gdt[19], 0x56780FFFu, 0x00000200u);
	assert_desc(&t->cpu->gdt[20], 0, 0x00006500u);
	assert_alive(t);
}

static void test_load_gdt_entry_keeps_base_and_limit(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 27, 0x1234ABCDu, 0xC0409356u);
	assert_desc(&t->cpu->gdt[27], 0x1234ABCDu, 0xC040B356u);
}

static void test_load_gdt_entry_31_is_accepted(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 31, 0x1, 0x2);
	assert_alive(t);
}

static void test_load_gdt_entry_32_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_LOAD_GDT_ENTRY, 32, 0x0000FFFF, 0x00CF9200u, 0);
	assert_dead(t, "too many gdt entries 32");
}

static void test_load_gdt_entry_huge_index_kills(void **state)
{
	struct tg *t = *state;

	load_guest_gdt_entry(t->cpu, 0xFFFFFFFFu, 0, 0);
	assert_dead(t, "too many gdt entries 4294967295");
}

static void test_load_gdt_entry_marks_the_gdt_changed(void **state)
{
	struct tg *t = *state;

	t->cpu->changed = 0;
	load_guest_gdt_entry(t->cpu, 14, 0x0000FFFF, 0x00CFFA00u);
	assert_int_equal(t->cpu->changed, CHANGED_GDT);
}

static void test_load_gdt_entry_for_a_host_entry_is_stored_unsanitised(void **state)
{
	struct tg *t = *state;
	static const unsigned int host[] = { 10, 11, 16, 31 };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		load_guest_gdt_entry(t->cpu, host[i], 0x0000FFFF, 0x00CF9A00u);
		assert_desc(&t->cpu->gdt[host[i]], 0x0000FFFF, 0x00CF9A00u);
	}
	assert_alive(t);
}

/* ---- LOAD_TLS ---- */

static void put_tls(struct tg *t)
{
	tg_wr(t, TLS_GPA, 0x1111FFFFu);
	tg_wr(t, TLS_GPA + 4, 0x00CFF200u);	/* DPL 3 data */
	tg_wr(t, TLS_GPA + 8, 0x2222FFFFu);
	tg_wr(t, TLS_GPA + 12, 0x00CF9200u);	/* DPL 0 data */
	tg_wr(t, TLS_GPA + 16, 0);
	tg_wr(t, TLS_GPA + 20, 0);		/* empty */
}

static void test_load_tls_copies_three_sanitised_descriptors_into_6_to_8(void **state)
{
	struct tg *t = *state;

	put_tls(t);
	tg_hcall(t, LHCALL_LOAD_TLS, TLS_GPA, 0, 0, 0);
	assert_alive(t);
	assert_desc(&t->cpu->gdt[6], 0x1111FFFFu, 0x00CFF300u);
	assert_desc(&t->cpu->gdt[7], 0x2222FFFFu, 0x00CFB300u);
	assert_desc(&t->cpu->gdt[8], 0, 0);
	assert_desc(&t->cpu->gdt[5], 0, 0);
	assert_desc(&t->cpu->gdt[9], 0, 0);
}

static void test_load_tls_marks_only_the_tls_changed(void **state)
{
	struct tg *t = *state;

	put_tls(t);
	t->cpu->changed = 0;
	guest_load_tls(t->cpu, TLS_GPA);
	assert_int_equal(t->cpu->changed, CHANGED_GDT_TLS);
}

static void test_load_tls_outside_ram_kills(void **state)
{
	struct tg *t = *state;

	guest_load_tls(t->cpu, TG_RAM_SIZE - 16);
	assert_dead(t, "bad read address 0x3ffff0 len 24");
}

/* ---- Copying into the CPU's page ---- */

static void test_copy_gdt_never_overwrites_host_entries(void **state)
{
	struct tg *t = *state;
	struct desc_struct gdt[GDT_ENTRIES];
	unsigned int i;

	for (i = 0; i < GDT_ENTRIES; i++) {
		gdt[i].a = 0xAAAA0000u | i;
		gdt[i].b = 0xBBBB0000u | i;
		load_guest_gdt_entry(t->cpu, i, 0x1000 + i, 0x00409200u);
	}
	copy_gdt(t->cpu, gdt);
	for (i = 0; i < GDT_ENTRIES; i++) {
		if (host_entry(i))
			assert_desc(&gdt[i], 0xAAAA0000u | i, 0xBBBB0000u | i);
		else
			assert_desc(&gdt[i], 0x1000 + i, 0x0040B300u);
	}
}

static void test_copy_gdt_tls_copies_only_entries_6_to_8(void **state)
{
	struct tg *t = *state;
	struct desc_struct gdt[GDT_ENTRIES];
	unsigned int i;

	for (i = 0; i < GDT_ENTRIES; i++) {
		gdt[i].a = gdt[i].b = 0xCCCC0000u | i;
		load_guest_gdt_entry(t->cpu, i, 0x1000 + i, 0x00409200u);
	}
	copy_gdt_tls(t->cpu, gdt);
	for (i = 0; i < GDT_ENTRIES; i++) {
		if (i >= 6 && i <= 8)
			assert_desc(&gdt[i], 0x1000 + i, 0x0040B300u);
		else
			assert_desc(&gdt[i], 0xCCCC0000u | i, 0xCCCC0000u | i);
	}
}

static void test_first_entry_copies_the_whole_guest_gdt(void **state)
{
	struct tg *t = *state;
	struct lguest_ro_state *ro = t->lg->pages;

	enter_once(t);
	assert_desc(&ro->guest_gdt[12], 0x0000FFFF, 0x00CFBB00u);
	assert_desc(&ro->guest_gdt[13], 0x0000FFFF, 0x00CFB300u);
	assert_desc(&ro->guest_gdt[10], 0x0000FFFF, 0x00CF9B00u);
	assert_desc(&ro->guest_gdt[16], 0x09000067u, 0xFF0089C0u);
}

static void test_gdt_change_reaches_the_cpu_on_the_next_entry(void **state)
{
	struct tg *t = *state;
	struct lguest_ro_state *ro = t->lg->pages;

	enter_once(t);
	tg_hcall(t, LHCALL_LOAD_GDT_ENTRY, 14, 0x0000FFFF, 0x00CFFA00u, 0);
	tg_hcall(t, LHCALL_LOAD_GDT_ENTRY, 10, 0x0000FFFF, 0x00CFFA00u, 0);
	tg_hcall(t, LHCALL_LOAD_GDT_ENTRY, 16, 0, 0, 0);
	enter_once(t);
	assert_desc(&ro->guest_gdt[14], 0x0000FFFF, 0x00CFFB00u);
	assert_desc(&ro->guest_gdt[10], 0x0000FFFF, 0x00CF9B00u);
	assert_desc(&ro->guest_gdt[16], 0x09000067u, 0xFF0089C0u);
}

static void test_tls_change_is_copied_without_the_rest_of_the_gdt(void **state)
{
	struct tg *t = *state;
	struct lguest_ro_state *ro = t->lg->pages;

	enter_once(t);
	/* A change nobody was told about stays out of the CPU's page... */
	t->cpu->gdt[14].a = 0x12345678u;
	put_tls(t);
	tg_hcall(t, LHCALL_LOAD_TLS, TLS_GPA, 0, 0, 0);
	enter_once(t);
	/* ...while the TLS entries go in. */
	assert_desc(&ro->guest_gdt[6], 0x1111FFFFu, 0x00CFF300u);
	assert_desc(&ro->guest_gdt[7], 0x2222FFFFu, 0x00CFB300u);
	assert_desc(&ro->guest_gdt[8], 0, 0);
	assert_desc(&ro->guest_gdt[14], 0, 0);
}

static void test_set_stack_reaches_the_tss_on_the_next_entry(void **state)
{
	struct tg *t = *state;
	struct lguest_ro_state *ro = t->lg->pages;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	enter_once(t);
	assert_int_equal(ro->guest_tss.ss1, 0x69);
	assert_int_equal(ro->guest_tss.esp1, TG_KSTACK_TOP);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, tg_setup_init, tg_teardown)
		T(test_initial_registers_are_ring1_flat_with_interrupts_on),
		T(test_initial_gdt_has_only_flat_ring1_code_and_data),
		T(test_host_gdt_entries_are_switcher_code_data_and_tss),
		T(test_is_host_gdt_entry_exactly_10_11_16_31),
		TI(test_load_gdt_entry_makes_dpl0_segments_dpl1),
		TI(test_load_gdt_entry_keeps_dpl1_segments),
		TI(test_load_gdt_entry_keeps_dpl2_segments),
		TI(test_load_gdt_entry_keeps_dpl3_segments),
		TI(test_load_gdt_entry_leaves_an_empty_entry_empty),
		TI(test_load_gdt_entry_makes_system_descriptors_not_present),
		TI(test_load_gdt_entry_keeps_base_and_limit),
		TI(test_load_gdt_entry_31_is_accepted),
		TI(test_load_gdt_entry_32_kills),
		TI(test_load_gdt_entry_huge_index_kills),
		TI(test_load_gdt_entry_marks_the_gdt_changed),
		TI(test_load_gdt_entry_for_a_host_entry_is_stored_unsanitised),
		TI(test_load_tls_copies_three_sanitised_descriptors_into_6_to_8),
		TI(test_load_tls_marks_only_the_tls_changed),
		TI(test_load_tls_outside_ram_kills),
		TI(test_copy_gdt_never_overwrites_host_entries),
		TI(test_copy_gdt_tls_copies_only_entries_6_to_8),
		TI(test_first_entry_copies_the_whole_guest_gdt),
		TI(test_gdt_change_reaches_the_cpu_on_the_next_entry),
		TI(test_tls_change_is_copied_without_the_rest_of_the_gdt),
		TI(test_set_stack_reaches_the_tss_on_the_next_entry),
	};

	return TG_RUN("segments", tests, argc, argv);
}
