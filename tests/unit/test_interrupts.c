/*
 * test_interrupts.c - traps/interrupts_and_traps.c: choosing, injecting and
 * postponing virtual interrupts, HALT, and the clock event; and the run
 * loop's part in it (core/core.c).
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

#define EIP 0x00101000u
#define ESP 0x00009000u
#define H(n) (0xC0200000u + (n) * 0x10u) /* handler of IRQ n */

static void irq_gates(struct tg *t, u32 type)
{
	unsigned int n;

	for (n = 0; n < LGUEST_IRQS; n++)
		tg_set_gate(t, FIRST_EXTERNAL_VECTOR + n, H(n), type, 0);
}

/* INITed, every IRQ line unblocked, interrupt gates, at ring 1. */
static int setup_irqs(void **state)
{
	struct tg *t;

	tg_setup_init(state);
	t = *state;
	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 0);
	irq_gates(t, GATE_INTERRUPT);
	tg_ring1(t, EIP, ESP);
	return 0;
}

static void raise_line(struct tg *t, unsigned int n)
{
	lg_set_bit(n, &t->cpu->irqs_pending);
}

/* Deliver what the run loop would choose. */
static void deliver(struct tg *t)
{
	bool more;
	unsigned int irq = interrupt_pending(t->cpu, &more);

	assert_true(irq < LGUEST_IRQS);
	try_deliver_interrupt(t->cpu, irq, more);
}

/* ---- Choosing ---- */

static void test_no_interrupt_is_pending_before_lguest_init(void **state)
{
	struct tg *t = *state;
	bool more = true;

	raise_line(t, 3);
	assert_int_equal(interrupt_pending(t->cpu, &more), LGUEST_IRQS);
	assert_false(more);
}

static void test_no_interrupt_is_pending_when_none_was_raised(void **state)
{
	struct tg *t = *state;
	bool more = true;

	assert_int_equal(interrupt_pending(t->cpu, &more), LGUEST_IRQS);
	assert_false(more);
}

static void test_lowest_pending_unblocked_line_is_chosen(void **state)
{
	struct tg *t = *state;
	bool more = false;

	raise_line(t, 20);
	raise_line(t, 5);
	raise_line(t, 3);
	assert_int_equal(interrupt_pending(t->cpu, &more), 3);
	assert_true(more);
}

static void test_single_pending_line_has_no_more(void **state)
{
	struct tg *t = *state;
	bool more = true;

	raise_line(t, 7);
	assert_int_equal(interrupt_pending(t->cpu, &more), 7);
	assert_false(more);
}

static void test_blocked_lines_are_skipped(void **state)
{
	struct tg *t = *state;
	bool more = true;

	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 1u << 3);
	raise_line(t, 3);
	raise_line(t, 5);
	assert_int_equal(interrupt_pending(t->cpu, &more), 5);
	assert_false(more);
}

static void test_all_pending_lines_blocked_means_none(void **state)
{
	struct tg *t = *state;
	bool more = true;

	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 0xFFFFFFFFu);
	raise_line(t, 0);
	raise_line(t, 31);
	assert_int_equal(interrupt_pending(t->cpu, &more), LGUEST_IRQS);
	assert_false(more);
}

static void test_line_31_is_deliverable(void **state)
{
	struct tg *t = *state;

	raise_line(t, 31);
	deliver(t);
	assert_int_equal(t->cpu->regs.eip, H(31));
}

/* ---- Injecting ---- */

static void test_soft_interrupts_off_sets_irq_pending_and_delivers_nothing(void **state)
{
	struct tg *t = *state;
	struct lguest_regs before = t->cpu->regs;

	tg_set_data(t, LGD_IRQ_ENABLED, 0);
	tg_set_data(t, LGD_TIME, 0);
	t->fake->wall_sec = 99;
	raise_line(t, 4);
	deliver(t);
	assert_memory_equal(&t->cpu->regs, &before, sizeof(before));
	assert_int_equal(t->cpu->irqs_pending, 1u << 4);
	assert_int_equal(tg_data(t, LGD_IRQ_PENDING), X86_EFLAGS_IF);
	assert_int_equal(tg_rd(t, ESP - 4), 0);
	assert_int_equal(tg_data(t, LGD_TIME), 0);
	assert_int_equal(t->cpu->stats.irqs_injected, 0);
}

static void test_interrupt_enters_the_gate_at_0x20_plus_its_line(void **state)
{
	struct tg *t = *state;

	raise_line(t, 4);
	deliver(t);
	assert_alive(t);
	assert_int_equal(t->cpu->regs.eip, H(4));
	assert_int_equal(t->cpu->regs.cs, 0x61);
	assert_int_equal(t->cpu->regs.esp, ESP - 12);
	assert_int_equal(tg_rd(t, ESP - 4), 0x202);
	assert_int_equal(tg_rd(t, ESP - 8), 0x61);
	assert_int_equal(tg_rd(t, ESP - 12), EIP);
	assert_int_equal(tg_rd(t, ESP - 16), 0);
}

static void test_delivered_line_is_no_longer_pending(void **state)
{
	struct tg *t = *state;

	raise_line(t, 4);
	raise_line(t, 9);
	deliver(t);
	assert_int_equal(t->cpu->irqs_pending, 1u << 9);
	assert_int_equal(t->cpu->stats.irqs_injected, 1);
}

static void test_interrupt_gate_turns_soft_interrupts_off(void **state)
{
	struct tg *t = *state;

	raise_line(t, 4);
	deliver(t);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), 0);
}

static void test_trap_gate_leaves_soft_interrupts_on(void **state)
{
	struct tg *t = *state;

	irq_gates(t, GATE_TRAP);
	raise_line(t, 4);
	deliver(t);
	assert_int_equal(t->cpu->regs.eip, H(4));
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), X86_EFLAGS_IF);
}

static void test_halted_cpu_is_woken_with_soft_interrupts_on(void **state)
{
	struct tg *t = *state;

	load_guest_idt_entry(t->cpu, 0x24, 0, 0);
	tg_set_data(t, LGD_IRQ_ENABLED, 0);
	t->cpu->halted = true;
	raise_line(t, 4);
	deliver(t);
	assert_false(t->cpu->halted);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), X86_EFLAGS_IF);
	assert_int_equal(t->cpu->irqs_pending, 1u << 4);
}

static void test_halted_cpu_wakes_into_the_handler_with_if_saved(void **state)
{
	struct tg *t = *state;

	tg_set_data(t, LGD_IRQ_ENABLED, 0);
	t->cpu->halted = true;
	raise_line(t, 4);
	deliver(t);
	assert_false(t->cpu->halted);
	assert_int_equal(t->cpu->regs.eip, H(4));
	assert_int_equal(tg_rd(t, ESP - 4), 0x202);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), 0);
}

static void test_absent_gate_leaves_the_line_pending(void **state)
{
	struct tg *t = *state;
	struct lguest_regs before = t->cpu->regs;

	load_guest_idt_entry(t->cpu, 0x24, 0, 0);
	raise_line(t, 4);
	deliver(t);
	assert_memory_equal(&t->cpu->regs, &before, sizeof(before));
	assert_int_equal(t->cpu->irqs_pending, 1u << 4);
	assert_int_equal(t->cpu->stats.irqs_injected, 0);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), X86_EFLAGS_IF);
}

static void test_noirq_iret_reuses_the_frame_on_the_stack(void **state)
{
	struct tg *t = *state;
	u32 frame = ESP - 12;

	/* The frame the Guest's iret is about to pop. */
	tg_wr(t, frame, 0x08048123u);
	tg_wr(t, frame + 4, 0x73);
	tg_wr(t, frame + 8, 0x202 | X86_EFLAGS_TF | X86_EFLAGS_NT | 0x1);
	tg_ring1(t, TG_NOIRQ_IRET, frame);
	raise_line(t, 4);
	deliver(t);
	assert_alive(t);
	assert_int_equal(t->cpu->regs.eip, H(4));
	assert_int_equal(t->cpu->regs.cs, 0x61);
	assert_int_equal(t->cpu->regs.esp, frame);
	assert_int_equal(t->cpu->regs.eflags, 0x203);
	assert_int_equal(tg_rd(t, frame - 4), 0);
	assert_int_equal(tg_rd(t, frame), 0x08048123u);
	assert_int_equal(tg_rd(t, frame + 8), 0x4303);
	assert_int_equal(tg_data(t, LGD_IRQ_ENABLED), 0);
}

static void test_noirq_iret_rule_applies_only_at_that_address(void **state)
{
	struct tg *t = *state;

	tg_ring1(t, TG_NOIRQ_IRET + 1, ESP);
	raise_line(t, 4);
	deliver(t);
	assert_int_equal(t->cpu->regs.esp, ESP - 12);
	assert_int_equal(tg_rd(t, ESP - 12), TG_NOIRQ_IRET + 1);
}

static void test_noirq_iret_with_unmapped_stack_kills(void **state)
{
	struct tg *t = *state;

	tg_paging(t);
	tg_ring1(t, TG_NOIRQ_IRET, 0xC0500000u);
	raise_line(t, 4);
	deliver(t);
	assert_dead(t, "bad stack address 0xc0500000");
}

static void test_delivery_writes_the_time_into_lguest_data(void **state)
{
	struct tg *t = *state;

	t->fake->wall_sec = 1234;
	t->fake->wall_nsec = 567890;
	raise_line(t, 4);
	deliver(t);
	assert_int_equal(tg_data(t, LGD_TIME), 1234);
	assert_int_equal(tg_data(t, LGD_TIME + 4), 567890);
}

static void test_delivery_attempt_with_absent_gate_still_writes_the_time(void **state)
{
	struct tg *t = *state;

	load_guest_idt_entry(t->cpu, 0x24, 0, 0);
	t->fake->wall_sec = 4321;
	t->fake->wall_nsec = 1;
	raise_line(t, 4);
	deliver(t);
	assert_int_equal(tg_data(t, LGD_TIME), 4321);
	assert_int_equal(tg_data(t, LGD_TIME + 4), 1);
}

static void test_irq_pending_cleared_when_no_other_line_waits(void **state)
{
	struct tg *t = *state;

	tg_set_data(t, LGD_IRQ_PENDING, X86_EFLAGS_IF);
	raise_line(t, 4);
	deliver(t);
	assert_int_equal(tg_data(t, LGD_IRQ_PENDING), 0);
}

static void test_irq_pending_kept_while_other_lines_wait(void **state)
{
	struct tg *t = *state;

	tg_set_data(t, LGD_IRQ_PENDING, X86_EFLAGS_IF);
	raise_line(t, 4);
	raise_line(t, 6);
	deliver(t);
	assert_int_equal(tg_data(t, LGD_IRQ_PENDING), X86_EFLAGS_IF);
}

static void test_interrupt_from_ring3_uses_the_kernel_stack(void **state)
{
	struct tg *t = *state;
	u32 top = TG_KSTACK_TOP;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, top, 2, 0);
	tg_ring3(t, 0x08048000u, 0xBFFFF000u);
	raise_line(t, 1);
	deliver(t);
	assert_int_equal(t->cpu->regs.eip, H(1));
	assert_int_equal(t->cpu->regs.ss, 0x69);
	assert_int_equal(t->cpu->regs.esp, top - 20);
	assert_int_equal(tg_rd(t, top - 4), 0x7B);
	assert_int_equal(tg_rd(t, top - 8), 0xBFFFF000u);
	assert_int_equal(tg_rd(t, top - 20), 0x08048000u);
}

static void test_set_interrupt_marks_the_line_and_kicks(void **state)
{
	struct tg *t = *state;

	set_interrupt(t->cpu, 17);
	assert_int_equal(t->cpu->irqs_pending, 1u << 17);
	assert_int_equal(t->fake->kicks, 1);
	assert_true(t->fake->kick_pending);
}

/* ---- In the run loop ---- */

static void test_one_interrupt_is_injected_per_guest_entry(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	irq_gates(t, GATE_TRAP); /* soft interrupts stay on */
	raise_line(t, 5);
	raise_line(t, 2);
	fake_kick(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entries, 2);
	assert_int_equal(t->fake->entry_log[0].regs.eip, H(2));
	assert_int_equal(t->fake->entry_log[0].regs.esp, ESP - 12);
	assert_int_equal(t->fake->entry_log[1].regs.eip, H(5));
	assert_int_equal(t->fake->entry_log[1].regs.esp, ESP - 24);
	assert_int_equal(tg_rd(t, ESP - 24), H(2));
}

static void test_launcher_irq_is_delivered_before_the_next_entry(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	assert_int_equal(lguest_irq(t->lg, 9), 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[0].regs.eip, H(9));
	assert_int_equal(t->fake->entry_log[0].irq_enabled, 0);
	/* The kick that came with it ended the first run at once. */
	assert_int_equal(t->fake->kick_exits, 1);
}

static bool guest_enables_interrupts(struct lg_cpu *cpu, void *arg)
{
	u32 on = X86_EFLAGS_IF, pending = 0;

	(void)arg;
	assert_true(shim_guest_read(cpu->lg, TG_LGUEST_DATA + LGD_IRQ_PENDING,
				    &pending, 4));
	assert_int_equal(pending, X86_EFLAGS_IF);
	assert_true(shim_guest_write(cpu->lg, TG_LGUEST_DATA + LGD_IRQ_ENABLED,
				     &on, 4));
	return false;
}

static void test_soft_interrupts_off_in_run_loop_defers_to_send_interrupts(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_data(t, LGD_IRQ_ENABLED, 0);
	raise_line(t, 3);
	fake_hcall(t->lg, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	/* The Guest re-enables interrupts, sees irq_pending, and asks. */
	fake_call(t->lg, guest_enables_interrupts, NULL);
	fake_hcall(t->lg, LHCALL_SEND_INTERRUPTS, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entries, 3);
	assert_int_equal(t->fake->entry_log[0].regs.eip, EIP);
	assert_int_equal(t->fake->entry_log[1].regs.eip, EIP + 2);
	assert_int_equal(t->fake->entry_log[2].regs.eip, H(3));
	assert_int_equal(tg_rd(t, ESP - 12), EIP + 4);
	assert_int_equal(tg_data(t, LGD_IRQ_PENDING), 0);
}

/* ---- The clock event ---- */

static void test_set_clockevent_arms_the_timer_at_now_plus_delta(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 1000;
	guest_set_clockevent(t->cpu, 5000);
	assert_int_equal(t->cpu->timer_deadline, 6000);
	assert_int_equal(t->fake->timer_deadline, 6000);
	assert_int_equal(t->fake->timer_arms, 1);
}

static void test_set_clockevent_again_replaces_the_deadline(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 1000;
	guest_set_clockevent(t->cpu, 5000);
	guest_set_clockevent(t->cpu, 100);
	assert_int_equal(t->cpu->timer_deadline, 1100);
	assert_int_equal(t->fake->timer_deadline, 1100);
}

static void test_set_clockevent_zero_cancels_the_timer(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 1000;
	guest_set_clockevent(t->cpu, 5000);
	guest_set_clockevent(t->cpu, 0);
	assert_int_equal(t->cpu->timer_deadline, 0);
	assert_int_equal(t->fake->timer_deadline, 0);
	assert_int_equal(t->fake->timer_arms, 2);
	t->fake->clock_ns = 1000000000;
	check_timer(t->cpu);
	assert_int_equal(t->cpu->irqs_pending, 0);
}

static void test_timer_before_its_deadline_raises_nothing(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 1000;
	guest_set_clockevent(t->cpu, 5000);
	t->fake->clock_ns = 5999;
	check_timer(t->cpu);
	assert_int_equal(t->cpu->irqs_pending, 0);
	assert_int_equal(t->cpu->timer_deadline, 6000);
}

static void test_timer_at_its_deadline_raises_irq_0_once(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 1000;
	guest_set_clockevent(t->cpu, 5000);
	t->fake->clock_ns = 6000;
	check_timer(t->cpu);
	assert_int_equal(t->cpu->irqs_pending, 1);
	assert_int_equal(t->cpu->timer_deadline, 0);
	lg_clear_bit(0, &t->cpu->irqs_pending);
	t->fake->clock_ns = 7000;
	check_timer(t->cpu);
	assert_int_equal(t->cpu->irqs_pending, 0);
}

static void test_timer_irq_waits_while_line_0_is_blocked(void **state)
{
	struct tg *t = *state;
	bool more;

	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 1);
	guest_set_clockevent(t->cpu, 10);
	t->fake->clock_ns = 10;
	check_timer(t->cpu);
	assert_int_equal(interrupt_pending(t->cpu, &more), LGUEST_IRQS);
	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 0);
	assert_int_equal(interrupt_pending(t->cpu, &more), 0);
}

static void test_halted_guest_sleeps_until_the_timer_then_gets_irq_0(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_hcall(t->lg, LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
	fake_hcall(t->lg, LHCALL_HALT, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_alive(t);
	assert_int_equal(t->fake->waits, 1);
	assert_int_equal(t->fake->last_wait_deadline, 1000000);
	assert_int_equal(t->fake->clock_ns, 1000000);
	assert_int_equal(t->fake->entries, 3);
	assert_int_equal(t->fake->entry_log[2].regs.eip, H(0));
	assert_int_equal(tg_rd(t, ESP - 12), EIP + 4);
	assert_int_equal(tg_rd(t, ESP - 4), 0x202);
	assert_false(t->cpu->halted);
}

static void test_halted_guest_with_no_timer_sleeps_until_kicked(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_hcall(t->lg, LHCALL_HALT, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->waits, 1);
	assert_int_equal(t->fake->last_wait_deadline, 0);
	assert_int_equal(t->fake->waits_forever, 1);
	assert_true(t->cpu->halted);
	assert_alive(t);
}

static void test_halted_guest_is_woken_by_a_launcher_irq(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_hcall(t->lg, LHCALL_HALT, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_true(t->cpu->halted);
	assert_int_equal(lguest_irq(t->lg, 6), 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_false(t->cpu->halted);
	assert_int_equal(t->fake->entry_log[t->fake->entries - 1].regs.eip, H(6));
}

static void test_halted_guest_with_every_line_blocked_and_no_timer_is_killed(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 0xFFFFFFFFu);
	fake_hcall(t->lg, LHCALL_HALT, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "halted with every interrupt blocked and no timer");
	assert_int_equal(t->fake->waits, 0);
}

static void test_halted_guest_with_a_pending_irq_does_not_sleep(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_data(t, LGD_IRQ_ENABLED, 0);
	raise_line(t, 3);
	fake_hcall(t->lg, LHCALL_HALT, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->waits, 0);
	assert_int_equal(t->fake->entries, 2);
	assert_int_equal(t->fake->entry_log[1].regs.eip, H(3));
	assert_int_equal(tg_rd(t, ESP - 4), 0x202);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
#define TQ(f) cmocka_unit_test_setup_teardown(f, setup_irqs, tg_teardown)
		T(test_no_interrupt_is_pending_before_lguest_init),
		TQ(test_no_interrupt_is_pending_when_none_was_raised),
		TQ(test_lowest_pending_unblocked_line_is_chosen),
		TQ(test_single_pending_line_has_no_more),
		TQ(test_blocked_lines_are_skipped),
		TQ(test_all_pending_lines_blocked_means_none),
		TQ(test_line_31_is_deliverable),
		TQ(test_soft_interrupts_off_sets_irq_pending_and_delivers_nothing),
		TQ(test_interrupt_enters_the_gate_at_0x20_plus_its_line),
		TQ(test_delivered_line_is_no_longer_pending),
		TQ(test_interrupt_gate_turns_soft_interrupts_off),
		TQ(test_trap_gate_leaves_soft_interrupts_on),
		TQ(test_halted_cpu_is_woken_with_soft_interrupts_on),
		TQ(test_halted_cpu_wakes_into_the_handler_with_if_saved),
		TQ(test_absent_gate_leaves_the_line_pending),
		TQ(test_noirq_iret_reuses_the_frame_on_the_stack),
		TQ(test_noirq_iret_rule_applies_only_at_that_address),
		TQ(test_noirq_iret_with_unmapped_stack_kills),
		TQ(test_delivery_writes_the_time_into_lguest_data),
		TQ(test_delivery_attempt_with_absent_gate_still_writes_the_time),
		TQ(test_irq_pending_cleared_when_no_other_line_waits),
		TQ(test_irq_pending_kept_while_other_lines_wait),
		TQ(test_interrupt_from_ring3_uses_the_kernel_stack),
		TQ(test_set_interrupt_marks_the_line_and_kicks),
		TQ(test_one_interrupt_is_injected_per_guest_entry),
		TQ(test_launcher_irq_is_delivered_before_the_next_entry),
		TQ(test_soft_interrupts_off_in_run_loop_defers_to_send_interrupts),
		TQ(test_set_clockevent_arms_the_timer_at_now_plus_delta),
		TQ(test_set_clockevent_again_replaces_the_deadline),
		TQ(test_set_clockevent_zero_cancels_the_timer),
		TQ(test_timer_before_its_deadline_raises_nothing),
		TQ(test_timer_at_its_deadline_raises_irq_0_once),
		TQ(test_timer_irq_waits_while_line_0_is_blocked),
		TQ(test_halted_guest_sleeps_until_the_timer_then_gets_irq_0),
		TQ(test_halted_guest_with_no_timer_sleeps_until_kicked),
		TQ(test_halted_guest_is_woken_by_a_launcher_irq),
		TQ(test_halted_guest_with_every_line_blocked_and_no_timer_is_killed),
		TQ(test_halted_guest_with_a_pending_irq_does_not_sleep),
	};

	return TG_RUN("interrupts", tests, argc, argv);
}
