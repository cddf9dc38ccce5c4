/*
 * test_hypercalls.c - core/hypercalls.c: LGUEST_INIT, SHUTDOWN, the simple
 * calls, unknown numbers, and the asynchronous ring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_guest.h"

#define MSG_GPA 0x00030000u

static u8 status(struct tg *t, unsigned int slot)
{
	return tg_rd8(t, TG_LGUEST_DATA + LGD_HCALL_STATUS + slot);
}

/* A segment descriptor's high word, as the Guest would pass it. */
#define DATA_DPL0_HI 0x00CF9200u

/* ---- LGUEST_INIT ---- */

static void test_lguest_init_registers_lguest_data(void **state)
{
	struct tg *t = *state;

	tg_init(t);
	assert_alive(t);
	assert_int_equal(t->lg->lguest_data, TG_LGUEST_DATA);
}

static void test_lguest_init_writes_reserve_mem_for_the_top_4mib(void **state)
{
	struct tg *t = *state;

	tg_init(t);
	assert_int_equal(tg_data(t, LGD_RESERVE_MEM), 0x00400000u);
	assert_int_equal(tg_data(t, LGD_RESERVE_MEM), (u32)(0x100000000ull - 0xFFC00000u));
}

static void test_lguest_init_writes_tsc_khz_from_the_host(void **state)
{
	struct tg *t = *state;

	t->fake->tsc_khz = 2893421;
	tg_init(t);
	assert_int_equal(tg_data(t, LGD_TSC_KHZ), 2893421);
}

static void test_lguest_init_writes_zero_tsc_khz_when_tsc_unusable(void **state)
{
	struct tg *t = *state;

	t->fake->tsc_khz = 0;
	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	tg_set_data(t, LGD_TSC_KHZ, 0xDEADBEEF);
	tg_hcall(t, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
	assert_int_equal(tg_data(t, LGD_TSC_KHZ), 0);
}

static void test_lguest_init_writes_wallclock_time(void **state)
{
	struct tg *t = *state;

	t->fake->wall_sec = 1700000000;
	t->fake->wall_nsec = 123456789;
	tg_init(t);
	assert_int_equal(tg_data(t, LGD_TIME), 1700000000);
	assert_int_equal(tg_data(t, LGD_TIME + 4), 123456789);
}

static void test_lguest_init_reads_kernel_address_and_noirq_iret(void **state)
{
	struct tg *t = *state;

	tg_init(t);
	assert_int_equal(t->lg->kernel_address, TG_KERNEL);
	assert_int_equal(t->lg->noirq_iret, TG_NOIRQ_IRET);
}

static void test_lguest_init_keeps_linear_mode(void **state)
{
	struct tg *t = *state;

	tg_init(t);
	assert_true(t->cpu->linear_pages);
}

static void test_lguest_init_discards_linear_shadow_mappings(void **state)
{
	struct tg *t = *state;
	u32 iomem;

	assert_true(demand_page(t->cpu, 0x5000, 2, &iomem));
	assert_int_equal(tg_spte(t, 0x5000), 0x5000 | PTE_P | PTE_RW | PTE_A | PTE_D);
	tg_init(t);
	assert_int_equal(tg_spde(t, 0x5000), 0);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR),
			 t->lg->switcher_pte_phys | PTE_P | PTE_RW | PTE_A);
}

static void test_hypercall_before_init_kills_guest(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
	assert_dead(t, "hypercall 4 before INIT");
	assert_int_equal(t->lg->lguest_data, 0);
}

static void test_hypercall_before_init_does_not_look_at_async_ring(void **state)
{
	struct tg *t = *state;

	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	tg_async(t, 0, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_dead(t, "hypercall 0 before INIT");
	assert_int_equal(t->cpu->ts, 0);
	assert_int_equal(status(t, 0), 0);
}

static void test_second_lguest_init_kills_guest(void **state)
{
	struct tg *t = *state;

	tg_init(t);
	tg_prepare_lguest_data(t, 0x30000);
	tg_hcall(t, LHCALL_LGUEST_INIT, 0x30000, 0, 0, 0);
	assert_dead(t, "already have lguest_data");
	assert_int_equal(t->lg->lguest_data, TG_LGUEST_DATA);
}

static void test_lguest_init_outside_ram_kills_guest(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_LGUEST_INIT, TG_RAM_SIZE, 0, 0, 0);
	assert_dead(t, "bad lguest_data address 0x400000");
	assert_int_equal(t->lg->lguest_data, 0);
}

static void test_lguest_init_straddling_end_of_ram_kills_guest(void **state)
{
	struct tg *t = *state;

	/* 1388 bytes from here end one byte past RAM. */
	tg_hcall(t, LHCALL_LGUEST_INIT, TG_RAM_SIZE - LGD_SIZE + 1, 0, 0, 0);
	assert_dead(t, "bad lguest_data address 0x3ffa95");
}

static void test_lguest_init_ending_exactly_at_end_of_ram_is_accepted(void **state)
{
	struct tg *t = *state;
	u32 gpa = TG_RAM_SIZE - LGD_SIZE;

	tg_prepare_lguest_data(t, gpa);
	tg_hcall(t, LHCALL_LGUEST_INIT, gpa, 0, 0, 0);
	assert_alive(t);
	assert_int_equal(t->lg->lguest_data, gpa);
	assert_int_equal(tg_rd(t, gpa + LGD_RESERVE_MEM), 0x00400000u);
}

static void test_lguest_init_wrapping_past_4gib_kills_guest(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_LGUEST_INIT, 0xFFFFFF00u, 0, 0, 0);
	assert_dead(t, "bad lguest_data address 0xffffff00");
}

static void test_lguest_init_with_syscall_vec_not_0x80_kills_guest(void **state)
{
	struct tg *t = *state;

	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	tg_set_data(t, LGD_SYSCALL_VEC, 0x81);
	tg_hcall(t, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
	assert_dead(t, "bad syscall vector 0x81");
}

static void test_lguest_init_with_kernel_address_at_switcher_kills_guest(void **state)
{
	struct tg *t = *state;

	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	tg_set_data(t, LGD_KERNEL_ADDRESS, SWITCHER_ADDR);
	tg_hcall(t, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
	assert_dead(t, "bad kernel address 0xffc00000");
}

static void test_lguest_init_with_kernel_address_below_switcher_is_accepted(void **state)
{
	struct tg *t = *state;

	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	tg_set_data(t, LGD_KERNEL_ADDRESS, SWITCHER_ADDR - PAGE_SIZE);
	tg_hcall(t, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
	assert_alive(t);
	assert_int_equal(t->lg->kernel_address, 0xFFBFF000u);
}

/* ---- SHUTDOWN ---- */

static void put_string(struct tg *t, u32 gpa, const char *s)
{
	memcpy(t->ram + gpa, s, strlen(s) + 1);
}

static void test_shutdown_kills_with_crash_reason(void **state)
{
	struct tg *t = *state;

	put_string(t, MSG_GPA, "Power down");
	tg_hcall(t, LHCALL_SHUTDOWN, MSG_GPA, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
	assert_dead(t, "CRASH: Power down");
	assert_int_equal(lguest_dead_by_shutdown(t->lg), 1);
	assert_false(t->lg->dead_restart);
	assert_int_equal(lguest_run(t->lg, &(struct lguest_pending){ 0 }), -ENOENT);
}

static void test_shutdown_restart_makes_run_return_erestart(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	put_string(t, MSG_GPA, "Restarting system.");
	tg_hcall(t, LHCALL_SHUTDOWN, MSG_GPA, LGUEST_SHUTDOWN_RESTART, 0, 0);
	assert_dead(t, "CRASH: Restarting system.");
	assert_true(t->lg->dead_restart);
	assert_int_equal(lguest_run(t->lg, &p), -LGUEST_ERESTART);
}

static void test_shutdown_reason_is_cut_at_127_bytes(void **state)
{
	struct tg *t = *state;
	char expect[7 + 128];

	memset(t->ram + MSG_GPA, 'x', 200);
	tg_hcall(t, LHCALL_SHUTDOWN, MSG_GPA, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
	memcpy(expect, "CRASH: ", 7);
	memset(expect + 7, 'x', 127);
	expect[7 + 127] = '\0';
	assert_dead(t, expect);
}

static void test_shutdown_reason_near_end_of_ram_kills_with_bad_read(void **state)
{
	struct tg *t = *state;

	put_string(t, TG_RAM_SIZE - 16, "Power down");
	tg_hcall(t, LHCALL_SHUTDOWN, TG_RAM_SIZE - 16, LGUEST_SHUTDOWN_POWEROFF, 0, 0);
	assert_dead(t, "bad read address 0x3ffff0 len 128");
	assert_int_equal(lguest_dead_by_shutdown(t->lg), 0);
}

/* ---- Unknown numbers ---- */

static void unknown_hypercall_kills(struct tg *t, u32 nr)
{
	char expect[64];

	snprintf(expect, sizeof(expect), "bad hypercall %u", nr);
	tg_hcall(t, nr, 1, 2, 3, 4);
	assert_dead(t, expect);
}

static void test_hypercall_3_is_unknown_and_kills(void **state)
{
	unknown_hypercall_kills(*state, 3);
	assert_dead((struct tg *)*state, "bad hypercall 3");
}

static void test_hypercall_11_is_unknown_and_kills(void **state)
{
	unknown_hypercall_kills(*state, 11);
}

static void test_hypercall_12_is_unknown_and_kills(void **state)
{
	unknown_hypercall_kills(*state, 12);
}

static void test_set_pmd_kills_a_non_pae_guest(void **state)
{
	unknown_hypercall_kills(*state, LHCALL_SET_PMD);
	assert_dead((struct tg *)*state, "bad hypercall 13");
}

static void test_hypercall_17_notify_is_gone_and_kills(void **state)
{
	unknown_hypercall_kills(*state, 17);
}

static void test_hypercall_20_is_unknown_and_kills(void **state)
{
	unknown_hypercall_kills(*state, 20);
}

static void test_hypercall_0xffffffff_is_unknown_and_kills(void **state)
{
	unknown_hypercall_kills(*state, 0xFFFFFFFFu);
	assert_dead((struct tg *)*state, "bad hypercall 4294967295");
}

/* ---- The simple calls ---- */

/* The whole vCPU and all of RAM, apart from the statistics and the
 * argument block the call itself came in. */
struct snapshot {
	struct lg_cpu cpu;
};
static u8 ram_copy[TG_RAM_SIZE];

static void comparable(struct lg_cpu *c)
{
	memset(&c->stats, 0, sizeof(c->stats));
	memset(&c->hcall_buf, 0, sizeof(c->hcall_buf));
}

static void take(struct tg *t, struct snapshot *s)
{
	s->cpu = *t->cpu;
	comparable(&s->cpu);
	memcpy(ram_copy, t->ram, TG_RAM_SIZE);
}

static void assert_unchanged(struct tg *t, struct snapshot *s)
{
	struct lg_cpu now = *t->cpu;

	comparable(&now);
	assert_memory_equal(&now, &s->cpu, sizeof(now));
	assert_memory_equal(t->ram, ram_copy, TG_RAM_SIZE);
}

static void test_flush_async_changes_nothing_else(void **state)
{
	struct tg *t = *state;
	struct snapshot s;

	take(t, &s);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0x11, 0x22, 0x33, 0x44);
	assert_alive(t);
	assert_unchanged(t, &s);
}

static void test_send_interrupts_changes_nothing_else(void **state)
{
	struct tg *t = *state;
	struct snapshot s;

	take(t, &s);
	tg_hcall(t, LHCALL_SEND_INTERRUPTS, 0x11, 0x22, 0x33, 0x44);
	assert_alive(t);
	assert_unchanged(t, &s);
}

static void test_ts_keeps_only_the_cr0_ts_bit(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	assert_int_equal(t->cpu->ts, 8);
	tg_hcall(t, LHCALL_TS, 0, 0, 0, 0);
	assert_int_equal(t->cpu->ts, 0);
	tg_hcall(t, LHCALL_TS, 0xFFFFFFFFu, 0, 0, 0);
	assert_int_equal(t->cpu->ts, 8);
	tg_hcall(t, LHCALL_TS, 0xFFFFFFF7u, 0, 0, 0);
	assert_int_equal(t->cpu->ts, 0);
}

static void test_halt_marks_the_cpu_halted(void **state)
{
	struct tg *t = *state;

	assert_false(t->cpu->halted);
	tg_hcall(t, LHCALL_HALT, 0, 0, 0, 0);
	assert_true(t->cpu->halted);
	assert_alive(t);
}

static void test_set_stack_records_the_ring1_stack(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 2, 0);
	assert_alive(t);
	assert_int_equal(t->cpu->ss1, 0x69);
	assert_int_equal(t->cpu->esp1, TG_KSTACK_TOP);
	assert_int_equal(t->cpu->stack_pages, 2);
}

static void test_set_stack_with_rpl_0_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, __KERNEL_DS, TG_KSTACK_TOP, 2, 0);
	assert_dead(t, "bad stack segment 0x68");
}

static void test_set_stack_with_rpl_3_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, 0x7B, TG_KSTACK_TOP, 2, 0);
	assert_dead(t, "bad stack segment 0x7b");
}

static void test_set_stack_with_three_pages_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KSTACK_TOP, 3, 0);
	assert_dead(t, "bad stack pages 3");
}

static void test_set_clockevent_hypercall_arms_the_timer(void **state)
{
	struct tg *t = *state;

	t->fake->clock_ns = 5000;
	tg_hcall(t, LHCALL_SET_CLOCKEVENT, 1000000, 0, 0, 0);
	assert_int_equal(t->cpu->timer_deadline, 1005000);
	assert_int_equal(t->fake->timer_deadline, 1005000);
}

static void test_load_idt_entry_hypercall_sets_the_gate(void **state)
{
	struct tg *t = *state;
	u32 lo, hi;

	tg_gate(0xC0101234u, GATE_TRAP, 3, &lo, &hi);
	tg_hcall(t, LHCALL_LOAD_IDT_ENTRY, SYSCALL_VECTOR, lo, hi, 0);
	assert_int_equal(t->cpu->idt[SYSCALL_VECTOR].a, 0x00611234u);
	assert_int_equal(t->cpu->idt[SYSCALL_VECTOR].b, 0xC010EF00u);
}

static void test_load_gdt_entry_hypercall_sets_the_entry(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_LOAD_GDT_ENTRY, 20, 0x0000FFFF, DATA_DPL0_HI, 0);
	assert_int_equal(t->cpu->gdt[20].a, 0x0000FFFF);
	assert_int_equal(t->cpu->gdt[20].b, 0x00CFB300u);
}

static void test_no_hypercall_changes_guest_registers(void **state)
{
	struct tg *t = *state;
	struct lguest_regs before;

	tg_ring1(t, 0xC0100000u, 0xC008FF00u);
	t->cpu->regs.eax = 0xAAAA0001;
	t->cpu->regs.ebx = 0xBBBB0002;
	t->cpu->regs.ecx = 0xCCCC0003;
	t->cpu->regs.edx = 0xDDDD0004;
	t->cpu->regs.esi = 0x55550005;
	t->cpu->regs.edi = 0xD1D10006;
	t->cpu->regs.ebp = 0xBEBE0007;
	before = t->cpu->regs;
	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	tg_paging(t); /* NEW_PGTABLE */
	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, TG_KERNEL + TG_KSTACK_TOP, 2, 0);
	tg_hcall(t, LHCALL_LOAD_GDT_ENTRY, 20, 0x0000FFFF, DATA_DPL0_HI, 0);
	tg_hcall(t, LHCALL_SET_CLOCKEVENT, 100, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_TLB, 1, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_TLB, 0, 0, 0, 0);
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, TG_KERNEL, PTE_P | PTE_A, 0);
	tg_hcall(t, LHCALL_SET_PGD, TG_PGDIR, 0, 0, 0);
	tg_hcall(t, LHCALL_HALT, 0, 0, 0, 0);
	assert_alive(t);
	assert_memory_equal(&t->cpu->regs, &before, sizeof(before));
}

/* ---- The asynchronous ring ---- */

static void test_async_ring_runs_before_the_synchronous_call(void **state)
{
	struct tg *t = *state;

	tg_async(t, 0, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_TS, 0, 0, 0, 0);
	assert_int_equal(t->cpu->ts, 0);
	assert_int_equal(status(t, 0), 0xFF);
}

static void test_async_ring_runs_entries_in_ring_order(void **state)
{
	struct tg *t = *state;

	tg_async(t, 0, LHCALL_LOAD_GDT_ENTRY, 20, 0x1111, DATA_DPL0_HI, 0);
	tg_async(t, 1, LHCALL_LOAD_GDT_ENTRY, 20, 0x2222, DATA_DPL0_HI, 0);
	tg_async(t, 2, LHCALL_TS, 8, 0, 0, 0);
	tg_async(t, 3, LHCALL_TS, 0, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_alive(t);
	assert_int_equal(t->cpu->gdt[20].a, 0x2222);
	assert_int_equal(t->cpu->ts, 0);
	assert_int_equal(t->cpu->next_hcall, 4);
}

static void test_async_ring_passes_the_entry_arguments(void **state)
{
	struct tg *t = *state;
	u32 lo, hi;

	tg_gate(0xC0105678u, GATE_INTERRUPT, 0, &lo, &hi);
	tg_async(t, 0, LHCALL_LOAD_IDT_ENTRY, 0x21, lo, hi, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(t->cpu->idt[0x21].a, 0x00615678u);
	assert_int_equal(t->cpu->idt[0x21].b, 0xC0108E00u);
}

static void test_async_ring_marks_each_done_entry_0xff(void **state)
{
	struct tg *t = *state;
	unsigned int i;

	tg_async(t, 0, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	tg_async(t, 1, LHCALL_TS, 8, 0, 0, 0);
	tg_async(t, 2, LHCALL_SEND_INTERRUPTS, 0, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	for (i = 0; i < LHCALL_RING_SIZE; i++)
		assert_int_equal(status(t, i), 0xFF);
}

static void test_async_ring_stops_at_the_first_empty_slot(void **state)
{
	struct tg *t = *state;

	tg_async(t, 0, LHCALL_TS, 8, 0, 0, 0);
	tg_async(t, 1, LHCALL_TS, 0, 0, 0, 0);
	/* slot 2 empty */
	tg_async(t, 3, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(t->cpu->ts, 0);
	assert_int_equal(status(t, 0), 0xFF);
	assert_int_equal(status(t, 1), 0xFF);
	assert_int_equal(status(t, 2), 0xFF);
	assert_int_equal(status(t, 3), 0);
	assert_int_equal(t->cpu->next_hcall, 2);
}

static void test_async_ring_resumes_at_its_cursor(void **state)
{
	struct tg *t = *state;

	tg_async(t, 0, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(t->cpu->next_hcall, 1);
	/* A ready entry behind the cursor is not looked at again. */
	tg_async(t, 0, LHCALL_TS, 0, 0, 0, 0);
	tg_async(t, 1, LHCALL_LOAD_GDT_ENTRY, 20, 0x3333, DATA_DPL0_HI, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(t->cpu->gdt[20].a, 0x3333);
	assert_int_equal(t->cpu->ts, 8);
	assert_int_equal(status(t, 0), 0);
	assert_int_equal(t->cpu->next_hcall, 2);
}

static void test_async_ring_wraps_around_after_slot_63(void **state)
{
	struct tg *t = *state;
	unsigned int i;

	for (i = 0; i < 62; i++)
		tg_async(t, i, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(t->cpu->next_hcall, 62);

	tg_async(t, 62, LHCALL_LOAD_GDT_ENTRY, 20, 62, DATA_DPL0_HI, 0);
	tg_async(t, 63, LHCALL_LOAD_GDT_ENTRY, 20, 63, DATA_DPL0_HI, 0);
	tg_async(t, 0, LHCALL_LOAD_GDT_ENTRY, 20, 0x100, DATA_DPL0_HI, 0);
	tg_async(t, 1, LHCALL_LOAD_GDT_ENTRY, 20, 0x101, DATA_DPL0_HI, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_alive(t);
	assert_int_equal(t->cpu->gdt[20].a, 0x101);
	assert_int_equal(t->cpu->next_hcall, 2);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_LOAD_GDT_ENTRY], 4);
	for (i = 0; i < LHCALL_RING_SIZE; i++)
		assert_int_equal(status(t, i), 0xFF);
}

static void test_async_ring_full_ring_of_64_runs_every_entry_once(void **state)
{
	struct tg *t = *state;
	unsigned int i;

	for (i = 0; i < LHCALL_RING_SIZE; i++)
		tg_async(t, i, LHCALL_LOAD_GDT_ENTRY, 20, i, DATA_DPL0_HI, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_alive(t);
	assert_int_equal(t->cpu->gdt[20].a, 63);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_LOAD_GDT_ENTRY], 64);
	assert_int_equal(t->cpu->next_hcall, 0);
	for (i = 0; i < LHCALL_RING_SIZE; i++)
		assert_int_equal(status(t, i), 0xFF);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_LOAD_GDT_ENTRY], 64);
}

static void test_async_ring_bad_entry_kills_and_stops(void **state)
{
	struct tg *t = *state;

	tg_async(t, 0, 99, 0, 0, 0, 0);
	tg_async(t, 1, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_HALT, 0, 0, 0, 0);
	assert_dead(t, "bad hypercall 99");
	assert_int_equal(t->cpu->ts, 0);
	assert_false(t->cpu->halted);
	assert_int_equal(status(t, 0), 0);
	assert_int_equal(status(t, 1), 0);
}

static void test_async_ring_lguest_init_kills(void **state)
{
	struct tg *t = *state;

	tg_async(t, 0, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_dead(t, "already have lguest_data");
}

/* ---- Statistics, trace, names ---- */

static void test_hypercalls_are_counted_by_number(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_TS, 0, 0, 0, 0);
	tg_async(t, 0, LHCALL_HALT, 0, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	tg_hcall(t, 99, 0, 0, 0, 0);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_LGUEST_INIT], 1);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_TS], 2);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_HALT], 1);
	assert_int_equal(t->cpu->stats.hcalls[LHCALL_FLUSH_ASYNC], 1);
	assert_int_equal(t->cpu->stats.hcalls[31], 1);
}

static void test_hypercall_trace_names_each_call(void **state)
{
	struct tg *t = *state;

	t->lg->trace_mask = LG_TRACE_HCALL;
	tg_hcall(t, LHCALL_TS, 8, 0, 0, 0);
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, 0xC0001000u, 0x1063, 0);
	tg_hcall(t, LHCALL_LOAD_IDT_ENTRY, 2, 0x11, 0x22, 0);
	tg_async(t, 0, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
	tg_hcall(t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	tg_hcall(t, 99, 0, 0, 0, 0);
	assert_string_equal(tg_trace(t),
		"hcall TS(8) 0x8 0 0 0\n"
		"hcall SET_PTE pgdir=0x00020000 vaddr=0xc0001000 pte=0x00001063\n"
		"hcall LOAD_IDT_ENTRY index=2 lo=0x00000011 hi=0x00000022\n"
		"hcall NEW_PGTABLE pgdir=0x00020000 (async)\n"
		"hcall FLUSH_ASYNC(0) 0 0 0 0\n"
		"hcall unknown(99) 0 0 0 0\n"
		"guest dead: bad hypercall 99\n");
}

static void test_hcall_name_knows_every_4_4_call(void **state)
{
	(void)state;
	assert_string_equal(hcall_name(0), "FLUSH_ASYNC");
	assert_string_equal(hcall_name(1), "LGUEST_INIT");
	assert_string_equal(hcall_name(2), "SHUTDOWN");
	assert_string_equal(hcall_name(3), "unknown");
	assert_string_equal(hcall_name(4), "NEW_PGTABLE");
	assert_string_equal(hcall_name(5), "FLUSH_TLB");
	assert_string_equal(hcall_name(6), "LOAD_IDT_ENTRY");
	assert_string_equal(hcall_name(7), "SET_STACK");
	assert_string_equal(hcall_name(8), "TS");
	assert_string_equal(hcall_name(9), "SET_CLOCKEVENT");
	assert_string_equal(hcall_name(10), "HALT");
	assert_string_equal(hcall_name(11), "unknown");
	assert_string_equal(hcall_name(12), "unknown");
	assert_string_equal(hcall_name(13), "SET_PMD");
	assert_string_equal(hcall_name(14), "SET_PTE");
	assert_string_equal(hcall_name(15), "SET_PGD");
	assert_string_equal(hcall_name(16), "LOAD_TLS");
	assert_string_equal(hcall_name(17), "unknown");
	assert_string_equal(hcall_name(18), "LOAD_GDT_ENTRY");
	assert_string_equal(hcall_name(19), "SEND_INTERRUPTS");
	assert_string_equal(hcall_name(20), "unknown");
	assert_string_equal(hcall_name(0xFFFFFFFFu), "unknown");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, tg_setup_init, tg_teardown)
		T(test_lguest_init_registers_lguest_data),
		T(test_lguest_init_writes_reserve_mem_for_the_top_4mib),
		T(test_lguest_init_writes_tsc_khz_from_the_host),
		T(test_lguest_init_writes_zero_tsc_khz_when_tsc_unusable),
		T(test_lguest_init_writes_wallclock_time),
		T(test_lguest_init_reads_kernel_address_and_noirq_iret),
		T(test_lguest_init_keeps_linear_mode),
		T(test_lguest_init_discards_linear_shadow_mappings),
		T(test_hypercall_before_init_kills_guest),
		T(test_hypercall_before_init_does_not_look_at_async_ring),
		T(test_second_lguest_init_kills_guest),
		T(test_lguest_init_outside_ram_kills_guest),
		T(test_lguest_init_straddling_end_of_ram_kills_guest),
		T(test_lguest_init_ending_exactly_at_end_of_ram_is_accepted),
		T(test_lguest_init_wrapping_past_4gib_kills_guest),
		T(test_lguest_init_with_syscall_vec_not_0x80_kills_guest),
		T(test_lguest_init_with_kernel_address_at_switcher_kills_guest),
		T(test_lguest_init_with_kernel_address_below_switcher_is_accepted),
		TI(test_shutdown_kills_with_crash_reason),
		TI(test_shutdown_restart_makes_run_return_erestart),
		TI(test_shutdown_reason_is_cut_at_127_bytes),
		TI(test_shutdown_reason_near_end_of_ram_kills_with_bad_read),
		TI(test_hypercall_3_is_unknown_and_kills),
		TI(test_hypercall_11_is_unknown_and_kills),
		TI(test_hypercall_12_is_unknown_and_kills),
		TI(test_set_pmd_kills_a_non_pae_guest),
		TI(test_hypercall_17_notify_is_gone_and_kills),
		TI(test_hypercall_20_is_unknown_and_kills),
		TI(test_hypercall_0xffffffff_is_unknown_and_kills),
		TI(test_flush_async_changes_nothing_else),
		TI(test_send_interrupts_changes_nothing_else),
		TI(test_ts_keeps_only_the_cr0_ts_bit),
		TI(test_halt_marks_the_cpu_halted),
		TI(test_set_stack_records_the_ring1_stack),
		TI(test_set_stack_with_rpl_0_kills),
		TI(test_set_stack_with_rpl_3_kills),
		TI(test_set_stack_with_three_pages_kills),
		TI(test_set_clockevent_hypercall_arms_the_timer),
		TI(test_load_idt_entry_hypercall_sets_the_gate),
		TI(test_load_gdt_entry_hypercall_sets_the_entry),
		TI(test_no_hypercall_changes_guest_registers),
		TI(test_async_ring_runs_before_the_synchronous_call),
		TI(test_async_ring_runs_entries_in_ring_order),
		TI(test_async_ring_passes_the_entry_arguments),
		TI(test_async_ring_marks_each_done_entry_0xff),
		TI(test_async_ring_stops_at_the_first_empty_slot),
		TI(test_async_ring_resumes_at_its_cursor),
		TI(test_async_ring_wraps_around_after_slot_63),
		TI(test_async_ring_full_ring_of_64_runs_every_entry_once),
		TI(test_async_ring_bad_entry_kills_and_stops),
		TI(test_async_ring_lguest_init_kills),
		TI(test_hypercalls_are_counted_by_number),
		TI(test_hypercall_trace_names_each_call),
		T(test_hcall_name_knows_every_4_4_call),
	};

	return TG_RUN("hypercalls", tests, argc, argv);
}
