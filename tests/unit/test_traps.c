/*
 * test_traps.c - traps/interrupts_and_traps.c (the frame, the gates, the
 * IDT) and core/x86_core.c (what the Host does with each trap).
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

#define HANDLER 0xC0102030u
#define USER_EIP 0x08048100u
#define USER_ESP 0xBFFFF000u
#define RING1_ESP 0x00009000u /* linear mode: guest-physical */

static int setup_no_direct(void **state)
{
	struct tg *t = tg_new_cfg(1);

	tg_init(t);
	*state = t;
	return 0;
}

/* ---- The frame deliver_trap() builds ---- */

static void test_trap_from_ring1_pushes_eflags_cs_eip_on_the_current_stack(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_alive(t);
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0x202);
	assert_int_equal(tg_rd(t, RING1_ESP - 8), 0x61);
	assert_int_equal(tg_rd(t, RING1_ESP - 12), 0x00101000);
	assert_int_equal(tg_rd(t, RING1_ESP - 16), 0);
	assert_int_equal(t->cpu->regs.esp, RING1_ESP - 12);
	assert_int_equal(t->cpu->regs.ss, 0x69);
}

static void test_trap_from_ring1_with_error_code_pushes_it_below_eip(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 13, HANDLER, GATE_INTERRUPT, 0);
	tg_ring1(t, 0x00101000, RING1_ESP);
	t->cpu->regs.errcode = 0x18;
	assert_true(deliver_trap(t->cpu, 13));
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0x202);
	assert_int_equal(tg_rd(t, RING1_ESP - 8), 0x61);
	assert_int_equal(tg_rd(t, RING1_ESP - 12), 0x00101000);
	assert_int_equal(tg_rd(t, RING1_ESP - 16), 0x18);
	assert_int_equal(t->cpu->regs.esp, RING1_ESP - 16);
}

static void test_trap_from_ring3_switches_to_guest_kernel_stack(void **state)
{
	struct tg *t = *state;
	u32 top = TG_KSTACK_TOP;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, top, 2, 0);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring3(t, USER_EIP, USER_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_alive(t);
	assert_int_equal(tg_rd(t, top - 4), 0x7B);
	assert_int_equal(tg_rd(t, top - 8), USER_ESP);
	assert_int_equal(tg_rd(t, top - 12), 0x202);
	assert_int_equal(tg_rd(t, top - 16), 0x73);
	assert_int_equal(tg_rd(t, top - 20), USER_EIP);
	assert_int_equal(tg_rd(t, top - 24), 0);
	assert_int_equal(t->cpu->regs.ss, 0x69);
	assert_int_equal(t->cpu->regs.esp, top - 20);
	assert_int_equal(t->cpu->regs.cs, 0x61);
}

static void test_trap_from_ring3_with_error_code_pushes_six_words(void **state)
{
	struct tg *t = *state;
	u32 top = TG_KSTACK_TOP;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, top, 2, 0);
	tg_set_gate(t, 14, HANDLER, GATE_INTERRUPT, 0);
	tg_ring3(t, USER_EIP, USER_ESP);
	t->cpu->regs.errcode = 7;
	assert_true(deliver_trap(t->cpu, 14));
	assert_int_equal(tg_rd(t, top - 4), 0x7B);
	assert_int_equal(tg_rd(t, top - 8), USER_ESP);
	assert_int_equal(tg_rd(t, top - 12), 0x202);
	assert_int_equal(tg_rd(t, top - 16), 0x73);
	assert_int_equal(tg_rd(t, top - 20), USER_EIP);
	assert_int_equal(tg_rd(t, top - 24), 7);
	assert_int_equal(t->cpu->regs.esp, top - 24);
}

static void test_trap_jumps_to_the_gate_offset_in_guest_kernel_cs(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 6, 0xC0ABCDEFu, GATE_TRAP, 0);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 6));
	assert_int_equal(t->cpu->regs.eip, 0xC0ABCDEFu);
	assert_int_equal(t->cpu->regs.cs, 0x61);
}

static void test_trap_leaves_data_segments_alone(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring3(t, USER_EIP, USER_ESP);
	t->cpu->regs.fs = 0x33;
	t->cpu->regs.gs = 0x3B;
	assert_true(deliver_trap(t->cpu, 3));
	assert_int_equal(t->cpu->regs.ds, 0x7B);
	assert_int_equal(t->cpu->regs.es, 0x7B);
	assert_int_equal(t->cpu->regs.fs, 0x33);
	assert_int_equal(t->cpu->regs.gs, 0x3B);
}

static void test_saved_eflags_lack_if_when_soft_interrupts_are_off(void **state)
{
	struct tg *t = *state;

	tg_set_data(t, LGD_IRQ_ENABLED, 0);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0x002);
	/* The real flag stays on: the Guest runs with IF always set. */
	assert_int_equal(t->cpu->regs.eflags, 0x202);
}

static void test_saved_eflags_keep_if_when_soft_interrupts_are_on(void **state)
{
	struct tg *t = *state;

	tg_set_data(t, LGD_IRQ_ENABLED, X86_EFLAGS_IF);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0x202);
}

static void test_saved_eflags_keep_if_before_lguest_init(void **state)
{
	struct tg *t = *state; /* no lguest_data */

	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0x202);
	assert_alive(t);
}

static void test_interrupt_gate_turns_soft_interrupts_off(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), 0);
}

static void test_trap_gate_leaves_soft_interrupts_on(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 3, HANDLER, GATE_TRAP, 3);
	tg_ring1(t, 0x00101000, RING1_ESP);
	assert_true(deliver_trap(t->cpu, 3));
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), X86_EFLAGS_IF);
}

static void test_trap_clears_tf_vm_rf_nt_after_saving_them(void **state)
{
	struct tg *t = *state;
	u32 flags = 0x2 | 0x1 | 0x40 | X86_EFLAGS_TF | X86_EFLAGS_IF |
		    X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM;

	tg_set_gate(t, 6, HANDLER, GATE_TRAP, 0);
	tg_ring1(t, 0x00101000, RING1_ESP);
	t->cpu->regs.eflags = flags;
	assert_true(deliver_trap(t->cpu, 6));
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0x00034343u);
	assert_int_equal(t->cpu->regs.eflags, 0x00000243u);
}

static void test_has_err_exactly_for_8_10_to_14_and_17(void **state)
{
	unsigned int v;

	(void)state;
	for (v = 0; v < 256; v++) {
		bool expect = v == 8 || (v >= 10 && v <= 14) || v == 17;

		if (has_err(v) != expect)
			fail_msg("has_err(%u) is %d", v, has_err(v));
	}
}

static void test_trap_without_a_gate_is_not_delivered(void **state)
{
	struct tg *t = *state;
	struct lguest_regs before;

	tg_ring1(t, 0x00101000, RING1_ESP);
	before = t->cpu->regs;
	assert_false(deliver_trap(t->cpu, 6));
	assert_memory_equal(&t->cpu->regs, &before, sizeof(before));
	assert_int_equal(tg_rd(t, RING1_ESP - 4), 0);
	assert_alive(t);
}

static void test_trap_256_or_above_is_not_delivered(void **state)
{
	struct tg *t = *state;

	assert_false(deliver_trap(t->cpu, 256));
	assert_false(deliver_trap(t->cpu, 0xFFFFFFFFu));
	assert_alive(t);
}

static void test_trap_frame_on_unmapped_stack_kills(void **state)
{
	struct tg *t = *state;

	tg_paging(t);
	tg_set_gate(t, 6, HANDLER, GATE_TRAP, 0);
	tg_ring1(t, 0x00101000, 0xC0500000u);
	deliver_trap(t->cpu, 6);
	assert_dead(t, "bad stack address 0xc04ffffc");
}

static void test_trap_frame_outside_ram_kills(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 6, HANDLER, GATE_TRAP, 0);
	tg_ring1(t, 0x00101000, TG_RAM_SIZE + 0x1000);
	deliver_trap(t->cpu, 6);
	assert_dead(t, "bad write address 0x400ffc len 4");
}

static void test_trap_from_ring3_without_set_stack_kills(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring3(t, USER_EIP, USER_ESP);
	deliver_trap(t->cpu, 3);
	assert_dead(t, "bad stack address 0xfffffffc");
}

/* ---- Direct traps ---- */

static bool expect_could_be_direct(unsigned int v)
{
	return (v < 32 && v != 7 && v != 13 && v != 14 && v != 0x1F) || v == 0x80;
}

static void test_could_be_direct_trap_for_all_256_vectors(void **state)
{
	unsigned int v;

	(void)state;
	for (v = 0; v < 256; v++)
		if (could_be_direct_trap(v) != expect_could_be_direct(v))
			fail_msg("could_be_direct_trap(%u) is %d", v,
				 could_be_direct_trap(v));
}

static bool ignored_vector(unsigned int v)
{
	return v == 2 || v == 8 || v == 15 || v == 0x1F;
}

static void test_direct_trap_only_through_a_present_trap_gate(void **state)
{
	struct tg *t = *state;
	unsigned int v;

	for (v = 0; v < 256; v++) {
		bool expect = expect_could_be_direct(v) && !ignored_vector(v);

		tg_set_gate(t, v, HANDLER, GATE_TRAP, 3);
		if (direct_trap(t->cpu, v) != expect)
			fail_msg("trap gate %u: direct_trap is %d", v,
				 direct_trap(t->cpu, v));
		tg_set_gate(t, v, HANDLER, GATE_INTERRUPT, 3);
		if (direct_trap(t->cpu, v))
			fail_msg("interrupt gate %u goes direct", v);
		load_guest_idt_entry(t->cpu, v, 0, 0);
		if (direct_trap(t->cpu, v))
			fail_msg("absent gate %u goes direct", v);
	}
	assert_alive(t);
}

static void test_direct_trap_never_with_no_direct_traps(void **state)
{
	struct tg *t = *state;
	unsigned int v;

	for (v = 0; v < 256; v++) {
		tg_set_gate(t, v, HANDLER, GATE_TRAP, 3);
		if (direct_trap(t->cpu, v))
			fail_msg("vector %u goes direct with no_direct_traps", v);
	}
}

/* The Host's gate for vector v: LGUEST_CS, an interrupt gate, this DPL. */
static struct desc_struct host_gate(unsigned int v, u32 dpl)
{
	u32 stub = 0xFFC00800u + v * 8;
	struct desc_struct d = {
		(0x50u << 16) | (stub & 0xFFFF),
		(stub & 0xFFFF0000u) | 0x8000 | (dpl << 13) | 0x0E00,
	};
	return d;
}

static void assert_gate(const struct desc_struct *got, struct desc_struct want)
{
	assert_int_equal(got->a, want.a);
	assert_int_equal(got->b, want.b);
}

static void test_default_idt_sends_every_vector_to_the_host(void **state)
{
	struct tg *t = *state;
	struct lguest_ro_state *ro = t->lg->pages;
	unsigned int v;

	for (v = 0; v < 256; v++)
		assert_gate(&ro->guest_idt[v], host_gate(v, v == 0x1F ? 1 : 0));
	assert_int_equal(ro->guest_idt[0x1F].a, 0x005008F8u);
	assert_int_equal(ro->guest_idt[0x1F].b, 0xFFC0AE00u);
}

static void test_copy_traps_copies_guest_trap_gates_that_can_be_direct(void **state)
{
	struct tg *t = *state;
	struct desc_struct idt[IDT_ENTRIES];

	memset(idt, 0, sizeof(idt));
	tg_set_gate(t, 0x80, 0xC0101234u, GATE_TRAP, 3);
	tg_set_gate(t, 3, 0xC0105678u, GATE_TRAP, 3);
	copy_traps(t->cpu, idt);
	assert_int_equal(idt[0x80].a, 0x00611234u);
	assert_int_equal(idt[0x80].b, 0xC010EF00u);
	assert_int_equal(idt[3].a, 0x00615678u);
	assert_int_equal(idt[3].b, 0xC010EF00u);
}

static void test_copy_traps_sends_interrupt_gates_to_the_host_with_their_dpl(void **state)
{
	struct tg *t = *state;
	struct desc_struct idt[IDT_ENTRIES];

	memset(idt, 0, sizeof(idt));
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_set_gate(t, 0x80, HANDLER, GATE_INTERRUPT, 3);
	tg_set_gate(t, 6, HANDLER, GATE_INTERRUPT, 0);
	copy_traps(t->cpu, idt);
	assert_gate(&idt[3], host_gate(3, 3));
	assert_int_equal(idt[3].a, 0x00500818u);
	assert_int_equal(idt[3].b, 0xFFC0EE00u);
	assert_gate(&idt[0x80], host_gate(0x80, 3));
	assert_gate(&idt[6], host_gate(6, 0));
}

static void test_copy_traps_gives_absent_gates_a_dpl0_host_gate(void **state)
{
	struct tg *t = *state;
	struct desc_struct idt[IDT_ENTRIES];
	unsigned int v;

	memset(idt, 0, sizeof(idt));
	copy_traps(t->cpu, idt);
	for (v = 0; v < 256; v++) {
		if (expect_could_be_direct(v))
			assert_gate(&idt[v], host_gate(v, 0));
		else
			assert_int_equal(idt[v].a | idt[v].b, 0);
	}
}

static void test_copy_traps_never_touches_host_only_vectors(void **state)
{
	struct tg *t = *state;
	struct desc_struct idt[IDT_ENTRIES];
	unsigned int v;

	for (v = 0; v < 256; v++) {
		idt[v].a = 0xDEAD0000u | v;
		idt[v].b = 0xBEEF0000u | v;
		tg_set_gate(t, v, HANDLER, GATE_TRAP, 3);
	}
	copy_traps(t->cpu, idt);
	for (v = 0; v < 256; v++) {
		if (expect_could_be_direct(v))
			continue;
		assert_int_equal(idt[v].a, 0xDEAD0000u | v);
		assert_int_equal(idt[v].b, 0xBEEF0000u | v);
	}
}

static void test_copy_traps_with_no_direct_traps_uses_host_gates_only(void **state)
{
	struct tg *t = *state;
	struct desc_struct idt[IDT_ENTRIES];

	memset(idt, 0, sizeof(idt));
	tg_set_gate(t, 0x80, HANDLER, GATE_TRAP, 3);
	tg_set_gate(t, 1, HANDLER, GATE_TRAP, 0);
	copy_traps(t->cpu, idt);
	assert_gate(&idt[0x80], host_gate(0x80, 3));
	assert_gate(&idt[1], host_gate(1, 0));
}

static void test_first_entry_copies_the_idt_into_the_cpu_page(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_gate(t, 0x80, 0xC0101234u, GATE_TRAP, 3);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->lg->pages->guest_idt[0x80].a, 0x00611234u);
	assert_int_equal(t->lg->pages->guest_idt[0x80].b, 0xC010EF00u);
	assert_gate(&t->lg->pages->guest_idt[3], host_gate(3, 3));
	assert_int_equal(t->cpu->changed, 0);
}

/* ---- LOAD_IDT_ENTRY ---- */

static void test_load_idt_entry_forces_selector_0x61_and_masks_the_high_word(void **state)
{
	struct tg *t = *state;

	/* Selector 0x10, and junk in bit 12 and the low byte. */
	load_guest_idt_entry(t->cpu, 0x40, 0x00101234u, 0xC0109FFFu);
	assert_int_equal(t->cpu->idt[0x40].a, 0x00611234u);
	assert_int_equal(t->cpu->idt[0x40].b, 0xC0108F00u);
}

static void test_load_idt_entry_keeps_offset_present_dpl_and_type(void **state)
{
	struct tg *t = *state;

	load_guest_idt_entry(t->cpu, 0x80, 0x0060ABCDu, 0xC012EF00u);
	assert_int_equal(t->cpu->idt[0x80].a, 0x0061ABCDu);
	assert_int_equal(t->cpu->idt[0x80].b, 0xC012EF00u);
	assert_int_equal(gate_offset(&t->cpu->idt[0x80]), 0xC012ABCDu);
}

static void test_load_idt_entry_not_present_clears_the_entry(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 0x30, HANDLER, GATE_INTERRUPT, 0);
	load_guest_idt_entry(t->cpu, 0x30, 0x00601234u, 0xC0106E00u);
	assert_int_equal(t->cpu->idt[0x30].a, 0);
	assert_int_equal(t->cpu->idt[0x30].b, 0);
	assert_alive(t);
}

static void test_load_idt_entry_not_present_with_bad_type_just_clears(void **state)
{
	struct tg *t = *state;

	load_guest_idt_entry(t->cpu, 0x30, 0x00601234u, 0xC0100500u);
	assert_int_equal(t->cpu->idt[0x30].a | t->cpu->idt[0x30].b, 0);
	assert_alive(t);
}

static void test_load_idt_entry_ignores_vectors_2_8_15_and_0x1f(void **state)
{
	struct tg *t = *state;
	static const u32 ignored[] = { 2, 8, 15, 0x1F };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		t->cpu->changed = 0;
		tg_set_gate(t, ignored[i], HANDLER, GATE_INTERRUPT, 0);
		assert_int_equal(t->cpu->idt[ignored[i]].a, 0);
		assert_int_equal(t->cpu->idt[ignored[i]].b, 0);
		assert_int_equal(t->cpu->changed, 0);
	}
	assert_alive(t);
}

static void test_load_idt_entry_255_is_the_last_vector(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 255, HANDLER, GATE_INTERRUPT, 0);
	assert_alive(t);
	assert_true(desc_present(&t->cpu->idt[255]));
}

static void test_load_idt_entry_256_kills(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 256, HANDLER, GATE_INTERRUPT, 0);
	assert_dead(t, "too many idt entries 256");
}

static void test_load_idt_entry_with_a_task_gate_kills(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 9, HANDLER, 0x5, 0);
	assert_dead(t, "bad IDT type 5 for vector 9");
}

static void test_load_idt_entry_with_a_call_gate_kills(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 0x80, HANDLER, 0xC, 3);
	assert_dead(t, "bad IDT type 12 for vector 128");
}

static void test_load_idt_entry_with_a_16bit_gate_kills(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 0x21, HANDLER, 0x6, 0);
	assert_dead(t, "bad IDT type 6 for vector 33");
}

static void test_load_idt_entry_marks_the_idt_changed(void **state)
{
	struct tg *t = *state;

	t->cpu->changed = 0;
	tg_set_gate(t, 0x21, HANDLER, GATE_INTERRUPT, 0);
	assert_int_equal(t->cpu->changed, CHANGED_IDT);
}

/* ---- What the Host does with each trap (run loop) ---- */

static void start_at(struct tg *t, u32 eip, u32 esp)
{
	t->cpu->regs.eip = eip;
	t->cpu->regs.esp = esp;
}

static void test_unhandled_trap_kills_naming_vector_eip_and_errcode(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 6, 0);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "unhandled trap 6 at 0x100000 (0)");
}

static void test_unhandled_gp_reason_shows_the_error_code(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 13, 0x1234);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "unhandled trap 13 at 0x100000 (0x1234)");
}

static void test_unhandled_page_fault_reason_shows_cr2(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	start_at(t, 0x00100000, RING1_ESP);
	fake_page_fault(t->lg, 0xFFC00010u, 2);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "unhandled trap 14 at 0x100000 (0xffc00010)");
	assert_int_equal(tg_data(t, LGD_CR2), 0xFFC00010u);
}

static void test_trap_with_a_gate_is_reflected_into_the_guest(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_gate(t, 6, HANDLER, GATE_INTERRUPT, 0);
	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 6, 0);
	fake_kick(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_alive(t);
	assert_int_equal(t->fake->entries, 3);
	assert_int_equal(t->fake->entry_log[1].regs.eip, HANDLER);
	assert_int_equal(t->fake->entry_log[1].regs.esp, RING1_ESP - 12);
	assert_int_equal(tg_rd(t, RING1_ESP - 12), 0x00100000);
	assert_int_equal(t->cpu->stats.traps_host[6], 1);
}

static void test_gp_with_error_code_0_goes_to_the_launcher_with_the_instruction(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	static const u8 insn[7] = { 0x0F, 0x32, 0x90, 0x90, 0xC3, 0xCC, 0xF4 };

	memcpy(t->ram + 0x00100000, insn, 7);
	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 13, 0);
	memset(&p, 0xEE, sizeof(p));
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_int_equal(p.trap, 13);
	assert_memory_equal(p.insn, insn, 7);
	assert_int_equal(p.addr, 0);
	assert_alive(t);
}

static void test_gp_with_nonzero_error_code_is_reflected(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_gate(t, 13, HANDLER, GATE_INTERRUPT, 0);
	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 13, 0x1A);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[1].regs.eip, HANDLER);
	assert_int_equal(tg_rd(t, RING1_ESP - 16), 0x1A);
}

static void test_nm_without_ts_is_swallowed(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 7, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_alive(t);
	assert_int_equal(t->fake->entry_log[1].regs.eip, 0x00100000);
	assert_int_equal(t->fake->entry_log[1].regs.esp, RING1_ESP);
}

static void test_nm_with_ts_is_reflected(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	tg_set_gate(t, 7, HANDLER, GATE_INTERRUPT, 0);
	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 7, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[0].ts, 8);
	assert_int_equal(t->fake->entry_log[1].regs.eip, HANDLER);
	assert_int_equal(t->fake->entry_log[1].regs.esp, RING1_ESP - 12);
}

static void test_nm_with_ts_and_no_gate_kills(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 7, 0);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "unhandled trap 7 at 0x100000 (0)");
}

static void test_double_fault_kills(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	start_at(t, 0x00100000, RING1_ESP);
	fake_exception(t->lg, 8, 0);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "double fault at 0x100000");
}

static bool entry_fails(struct lg_cpu *cpu, void *arg)
{
	(void)arg;
	cpu->regs.trapnum = LGUEST_TRAP_ENTRY_FAILED;
	return true;
}

static void test_failed_entry_kills(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	start_at(t, 0x00100000, RING1_ESP);
	fake_call(t->lg, entry_fails, NULL);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "cannot enter guest at 0x100000: bad segment state");
}

static bool port_io_refused(struct lg_cpu *cpu, void *arg)
{
	(void)arg;
	cpu->regs.trapnum = LGUEST_TRAP_IO_GP;
	cpu->regs.errcode = 0x55;
	return true;
}

static void test_refused_port_io_is_reflected_as_gp_with_error_code_0(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_gate(t, 13, HANDLER, GATE_INTERRUPT, 0);
	start_at(t, 0x00100000, RING1_ESP);
	fake_call(t->lg, port_io_refused, NULL);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[1].regs.eip, HANDLER);
	assert_int_equal(tg_rd(t, RING1_ESP - 12), 0x00100000);
	assert_int_equal(tg_rd(t, RING1_ESP - 16), 0);
}

static void test_hypercall_from_ring3_is_a_gp_with_error_code_0xfa(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	tg_set_gate(t, 13, HANDLER, GATE_INTERRUPT, 0);
	tg_ring3(t, USER_EIP, USER_ESP);
	fake_hcall(t->lg, LHCALL_TS, 8, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_alive(t);
	assert_int_equal(t->cpu->ts, 0);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_TS], 0);
	assert_int_equal(t->fake->entry_log[1].regs.eip, HANDLER);
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 20), USER_EIP);
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 24), 0xFA);
}

static void test_int3_from_ring3_through_a_dpl3_interrupt_gate_bounces_through_the_host(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 3);
	tg_ring3(t, USER_EIP, USER_ESP);
	fake_int(t->lg, 3);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->cpu->stats.traps_host[3], 1);
	assert_int_equal(t->cpu->stats.traps_direct[3], 0);
	assert_int_equal(t->fake->entry_log[1].regs.eip, HANDLER);
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 20), USER_EIP + 2);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), 0);
}

static void test_int3_from_ring3_through_a_dpl0_gate_is_a_gp(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	tg_set_gate(t, 3, HANDLER, GATE_INTERRUPT, 0);
	tg_set_gate(t, 13, 0xC0109000u, GATE_INTERRUPT, 0);
	tg_ring3(t, USER_EIP, USER_ESP);
	fake_int(t->lg, 3);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[1].regs.eip, 0xC0109000u);
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 20), USER_EIP);
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 24), 3 * 8 + 2);
}

/* The frame both routes of a ring-3 "int $0x80" must leave. */
static void assert_syscall_frame(struct tg *t)
{
	u32 top = TG_KSTACK_TOP;

	assert_int_equal(t->cpu->regs.eip, 0xC0101234u);
	assert_int_equal(t->cpu->regs.cs, 0x61);
	assert_int_equal(t->cpu->regs.ss, 0x69);
	assert_int_equal(t->cpu->regs.esp, top - 20);
	assert_int_equal(tg_rd(t, top - 4), 0x7B);
	assert_int_equal(tg_rd(t, top - 8), USER_ESP);
	assert_int_equal(tg_rd(t, top - 12), 0x202);
	assert_int_equal(tg_rd(t, top - 16), 0x73);
	assert_int_equal(tg_rd(t, top - 20), USER_EIP + 2);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), X86_EFLAGS_IF);
}

static void test_syscall_from_ring3_through_a_trap_gate_goes_direct(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	tg_set_gate(t, 0x80, 0xC0101234u, GATE_TRAP, 3);
	tg_ring3(t, USER_EIP, USER_ESP);
	fake_int(t->lg, 0x80);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->direct[0x80], 1);
	assert_int_equal(t->cpu->stats.traps_direct[0x80], 1);
	assert_int_equal(t->cpu->stats.traps_host[0x80], 0);
	assert_int_equal(t->fake->entries, 1);
	assert_syscall_frame(t);
}

static void test_syscall_with_no_direct_traps_bounces_through_the_host(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	tg_set_gate(t, 0x80, 0xC0101234u, GATE_TRAP, 3);
	tg_ring3(t, USER_EIP, USER_ESP);
	fake_int(t->lg, 0x80);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->direct[0x80], 0);
	assert_int_equal(t->cpu->stats.traps_host[0x80], 1);
	assert_int_equal(t->fake->entries, 2);
	assert_syscall_frame(t);
}

/* ---- Port I/O (x86_core.c), which stands in for #GP emulation ---- */

struct io_log {
	u16 port;
	unsigned int size;
	u32 value;
	int refuse;
	unsigned int calls;
};

static uint32_t log_in(void *opaque, uint16_t port, unsigned size)
{
	struct io_log *l = opaque;

	l->port = port;
	l->size = size;
	l->calls++;
	return 0x12345678u;
}

static int log_out(void *opaque, uint16_t port, unsigned size, uint32_t value)
{
	struct io_log *l = opaque;

	l->port = port;
	l->size = size;
	l->value = value;
	l->calls++;
	return l->refuse ? -1 : 0;
}

static void test_port_in_without_launcher_reads_all_ones_of_its_size(void **state)
{
	struct tg *t = *state;
	u32 v;

	v = 0;
	assert_true(lguest_port_io(t->cpu, 0x61, 1, false, &v));
	assert_int_equal(v, 0xFF);
	assert_true(lguest_port_io(t->cpu, 0x61, 2, false, &v));
	assert_int_equal(v, 0xFFFF);
	assert_true(lguest_port_io(t->cpu, 0x61, 4, false, &v));
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_int_equal(t->cpu->stats.traps_host[13], 3);
}

static void test_port_in_masks_the_launcher_value_to_its_size(void **state)
{
	struct tg *t = *state;
	struct io_log l = { 0 };
	u32 v = 0;

	t->lg->cfg.io.opaque = &l;
	t->lg->cfg.io.port_in = log_in;
	assert_true(lguest_port_io(t->cpu, 0xCFC, 2, false, &v));
	assert_int_equal(v, 0x5678);
	assert_int_equal(l.port, 0xCFC);
	assert_int_equal(l.size, 2);
}

static void test_port_out_passes_the_value_masked_to_its_size(void **state)
{
	struct tg *t = *state;
	struct io_log l = { 0 };
	u32 v = 0xAABBCCDDu;

	t->lg->cfg.io.opaque = &l;
	t->lg->cfg.io.port_out = log_out;
	assert_true(lguest_port_io(t->cpu, 0x80, 1, true, &v));
	assert_int_equal(l.value, 0xDD);
	assert_int_equal(l.port, 0x80);
	assert_int_equal(l.size, 1);
}

static void test_port_out_refused_by_the_launcher_returns_false(void **state)
{
	struct tg *t = *state;
	struct io_log l = { .refuse = 1 };
	u32 v = 1;

	t->lg->cfg.io.opaque = &l;
	t->lg->cfg.io.port_out = log_out;
	assert_false(lguest_port_io(t->cpu, 0xCFC, 4, true, &v));
	assert_int_equal(l.calls, 1);
	assert_alive(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, tg_setup_init, tg_teardown)
#define TN(f) cmocka_unit_test_setup_teardown(f, setup_no_direct, tg_teardown)
		TI(test_trap_from_ring1_pushes_eflags_cs_eip_on_the_current_stack),
		TI(test_trap_from_ring1_with_error_code_pushes_it_below_eip),
		TI(test_trap_from_ring3_switches_to_guest_kernel_stack),
		TI(test_trap_from_ring3_with_error_code_pushes_six_words),
		TI(test_trap_jumps_to_the_gate_offset_in_guest_kernel_cs),
		TI(test_trap_leaves_data_segments_alone),
		TI(test_saved_eflags_lack_if_when_soft_interrupts_are_off),
		TI(test_saved_eflags_keep_if_when_soft_interrupts_are_on),
		T(test_saved_eflags_keep_if_before_lguest_init),
		TI(test_interrupt_gate_turns_soft_interrupts_off),
		TI(test_trap_gate_leaves_soft_interrupts_on),
		TI(test_trap_clears_tf_vm_rf_nt_after_saving_them),
		T(test_has_err_exactly_for_8_10_to_14_and_17),
		TI(test_trap_without_a_gate_is_not_delivered),
		TI(test_trap_256_or_above_is_not_delivered),
		TI(test_trap_frame_on_unmapped_stack_kills),
		TI(test_trap_frame_outside_ram_kills),
		TI(test_trap_from_ring3_without_set_stack_kills),
		T(test_could_be_direct_trap_for_all_256_vectors),
		TI(test_direct_trap_only_through_a_present_trap_gate),
		TN(test_direct_trap_never_with_no_direct_traps),
		T(test_default_idt_sends_every_vector_to_the_host),
		TI(test_copy_traps_copies_guest_trap_gates_that_can_be_direct),
		TI(test_copy_traps_sends_interrupt_gates_to_the_host_with_their_dpl),
		TI(test_copy_traps_gives_absent_gates_a_dpl0_host_gate),
		TI(test_copy_traps_never_touches_host_only_vectors),
		TN(test_copy_traps_with_no_direct_traps_uses_host_gates_only),
		TI(test_first_entry_copies_the_idt_into_the_cpu_page),
		TI(test_load_idt_entry_forces_selector_0x61_and_masks_the_high_word),
		TI(test_load_idt_entry_keeps_offset_present_dpl_and_type),
		TI(test_load_idt_entry_not_present_clears_the_entry),
		TI(test_load_idt_entry_not_present_with_bad_type_just_clears),
		TI(test_load_idt_entry_ignores_vectors_2_8_15_and_0x1f),
		TI(test_load_idt_entry_255_is_the_last_vector),
		TI(test_load_idt_entry_256_kills),
		TI(test_load_idt_entry_with_a_task_gate_kills),
		TI(test_load_idt_entry_with_a_call_gate_kills),
		TI(test_load_idt_entry_with_a_16bit_gate_kills),
		TI(test_load_idt_entry_marks_the_idt_changed),
		TI(test_unhandled_trap_kills_naming_vector_eip_and_errcode),
		TI(test_unhandled_gp_reason_shows_the_error_code),
		TI(test_unhandled_page_fault_reason_shows_cr2),
		TI(test_trap_with_a_gate_is_reflected_into_the_guest),
		TI(test_gp_with_error_code_0_goes_to_the_launcher_with_the_instruction),
		TI(test_gp_with_nonzero_error_code_is_reflected),
		TI(test_nm_without_ts_is_swallowed),
		TI(test_nm_with_ts_is_reflected),
		TI(test_nm_with_ts_and_no_gate_kills),
		TI(test_double_fault_kills),
		TI(test_failed_entry_kills),
		TI(test_refused_port_io_is_reflected_as_gp_with_error_code_0),
		TI(test_hypercall_from_ring3_is_a_gp_with_error_code_0xfa),
		TI(test_int3_from_ring3_through_a_dpl3_interrupt_gate_bounces_through_the_host),
		TI(test_int3_from_ring3_through_a_dpl0_gate_is_a_gp),
		TI(test_syscall_from_ring3_through_a_trap_gate_goes_direct),
		TN(test_syscall_with_no_direct_traps_bounces_through_the_host),
		TI(test_port_in_without_launcher_reads_all_ones_of_its_size),
		TI(test_port_in_masks_the_launcher_value_to_its_size),
		TI(test_port_out_passes_the_value_masked_to_its_size),
		TI(test_port_out_refused_by_the_launcher_returns_false),
	};

	return TG_RUN("traps", tests, argc, argv);
}
