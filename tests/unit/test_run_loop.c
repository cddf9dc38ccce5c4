/*
 * test_run_loop.c - core/core.c's run_guest() and core/x86_core.c's
 * handling of each exit, end to end through lguest_run() with the
 * scripted CPU playing the Guest.
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

#define KV(pa) (TG_KERNEL + (pa))
#define MSG_GPA 0x00030000u

static bool jump_to_virtual(struct lg_cpu *cpu, void *arg)
{
	(void)arg;
	cpu->regs.eip = KV(0x00101000u);
	cpu->regs.esp = KV(TG_KSTACK_TOP - 64);
	return false;
}

/* What a 4.4 Guest has in memory before its first instruction runs. */
static void lay_out_a_guest(struct tg *t)
{
	u32 off;

	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	memset(t->ram + TG_PGDIR, 0, PAGE_SIZE);
	for (off = 0; off < TG_KERNEL_MAPPED; off += PAGE_SIZE)
		tg_map(t, TG_PGDIR, KV(off), off | PTE_P | PTE_RW, 0x67);
	memcpy(t->ram + MSG_GPA, "Power down", 11);
}

static void test_boot_from_first_instruction_to_power_off(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	u32 lo, hi;
	unsigned int fault;

	lay_out_a_guest(t);
	t->fake->wall_sec = 1700000000;
	fake_hcall(t->lg, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
	fake_hcall(t->lg, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
	fake_call(t->lg, jump_to_virtual, NULL);
	fake_hcall(t->lg, LHCALL_LOAD_GDT_ENTRY, 14, 0x0000FFFF, 0x00CFFA00u, 0);
	tg_gate(KV(0x00104000u), GATE_INTERRUPT, 0, &lo, &hi);
	fake_hcall(t->lg, LHCALL_LOAD_IDT_ENTRY, 14, lo, hi, 0);
	fake_hcall(t->lg, LHCALL_SET_STACK, GUEST_DS, KV(TG_KSTACK_TOP), 2, 0);
	fault = fake_access(t->lg, KV(0x00200000u - 4), true);
	fake_hcall(t->lg, LHCALL_SHUTDOWN, MSG_GPA, LGUEST_SHUTDOWN_POWEROFF, 0, 0);

	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "CRASH: Power down");
	assert_int_equal(lguest_dead_by_shutdown(t->lg), 1);
	assert_int_equal(tg_data(t, LGD_RESERVE_MEM), 0x00400000u);
	assert_int_equal(tg_data(t, LGD_TIME), 1700000000);
	assert_int_equal(t->lg->pgdirs[t->cpu->cpu_pgd].gpgdir, TG_PGDIR);
	assert_int_equal(t->cpu->gdt[14].b, 0x00CFFB00u);
	assert_int_equal(t->cpu->idt[14].a, 0x00614000u);
	/* The write beyond the mapped 1 MiB was a fault for the Guest. */
	assert_int_equal(fake_step(t->lg, fault)->exit_trapnum, 14);
	assert_int_equal(tg_data(t, LGD_CR2), KV(0x001FFFFCu));
	/* SHUTDOWN came from the page-fault handler, at the 7th entry. */
	assert_int_equal(t->fake->entries, 7);
	assert_int_equal(t->fake->entry_log[6].regs.eip, KV(0x00104000u));
	assert_int_equal(t->fake->entry_log[6].regs.esp, KV(TG_KSTACK_TOP - 64 - 16));
}

static void test_hypercall_resumes_after_the_int_instruction(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_hcall(t->lg, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[0].regs.eip, TG_START_EIP);
	assert_int_equal(t->fake->entry_log[1].regs.eip, TG_START_EIP + 2);
}

static void test_hypercall_leaves_every_register_as_the_guest_had_it(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	struct lguest_regs want;

	t->cpu->regs.edi = 0xD1D1D1D1u;
	t->cpu->regs.ebp = 0xBEBEBEBEu;
	t->cpu->regs.esp = 0x00008000u;
	t->cpu->regs.fs = 0xD8;
	fake_hcall(t->lg, LHCALL_TS, 8, 0x22, 0x33, 0x44);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	want = t->fake->entry_log[0].regs;
	want.eax = LHCALL_TS;
	want.ebx = 8;
	want.ecx = 0x22;
	want.edx = 0x33;
	want.esi = 0x44;
	want.eip += 2;
	want.trapnum = LGUEST_TRAP_ENTRY;
	assert_memory_equal(&t->fake->entry_log[1].regs, &want, sizeof(want));
}

static void test_async_ring_is_drained_by_the_next_hypercall_exit(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_async(t, 0, LHCALL_TS, 8, 0, 0, 0);
	fake_kick(t->lg);
	fake_hcall(t->lg, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[1].ts, 0);
	assert_int_equal(t->fake->entry_log[2].ts, 8);
}

static void test_fixed_page_fault_resumes_at_the_same_instruction(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_page_fault(t->lg, 0x5000, 2);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_memory_equal(&t->fake->entry_log[1].regs, &t->fake->entry_log[0].regs,
			    offsetof(struct lguest_regs, trapnum));
	assert_int_equal(t->fake->entry_log[1].regs.eip, TG_START_EIP);
	assert_int_equal(tg_data(t, LGD_CR2), 0);
}

static void test_reflected_page_fault_writes_cr2_and_enters_the_handler(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_paging(t);
	tg_set_gate(t, 14, KV(0x00104000u), GATE_INTERRUPT, 0);
	tg_ring1(t, KV(0x00101000u), KV(0x9000));
	fake_page_fault(t->lg, 0x08048000u, 4 | 2);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(tg_data(t, LGD_CR2), 0x08048000u);
	assert_int_equal(t->fake->entry_log[1].regs.eip, KV(0x00104000u));
	assert_int_equal(tg_rd(t, 0x9000 - 12), KV(0x00101000u));
	assert_int_equal(tg_rd(t, 0x9000 - 16), 6);
}

static void test_kick_exit_reenters_the_guest_unchanged(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_kick(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_memory_equal(&t->fake->entry_log[1].regs, &t->fake->entry_log[0].regs,
			    offsetof(struct lguest_regs, trapnum));
}

static void test_mmio_in_linear_mode_goes_to_the_launcher(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	t->ram[TG_START_EIP] = 0x88;
	t->ram[TG_START_EIP + 1] = 0x01;
	fake_access(t->lg, TG_RAM_SIZE + 0x10, true);
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_int_equal(p.trap, 14);
	assert_int_equal(p.addr, 0x00400010u);
	assert_int_equal(p.insn[0], 0x88);
	assert_int_equal(p.insn[1], 0x01);
	assert_int_equal(p.insn[2], 0);
}

static void test_instruction_bytes_past_the_end_of_ram_read_as_zero(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	t->ram[TG_RAM_SIZE - 3] = 0xE6;
	t->ram[TG_RAM_SIZE - 2] = 0x80;
	t->ram[TG_RAM_SIZE - 1] = 0xFA;
	t->cpu->regs.eip = TG_RAM_SIZE - 3;
	fake_exception(t->lg, 13, 0);
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_int_equal(p.trap, 13);
	assert_memory_equal(p.insn, ((u8[7]){ 0xE6, 0x80, 0xFA, 0, 0, 0, 0 }), 7);
	assert_alive(t);
}

static void test_instruction_at_an_unmapped_eip_kills(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_paging(t);
	t->cpu->regs.eip = 0x08048000u;
	fake_exception(t->lg, 13, 0);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_dead(t, "bad instruction address 0x8048000");
}

static void test_trace_of_a_run_shows_exits_hypercalls_traps_and_death(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	t->lg->trace_mask = LG_TRACE_HCALL | LG_TRACE_TRAP | LG_TRACE_EXIT;
	fake_hcall(t->lg, LHCALL_TS, 8, 0, 0, 0);
	fake_kick(t->lg);
	fake_exception(t->lg, 6, 0);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_string_equal(tg_trace(t),
		"exit 31 eip 0x00100002\n"
		"hcall TS(8) 0x8 0 0 0\n"
		"exit 256 eip 0x00100002\n"
		"trap 6 errcode 0 eip 0x00100002 cs 0x61\n"
		"guest dead: unhandled trap 6 at 0x100002 (0)\n");
}

static bool time_passes(struct lg_cpu *cpu, void *arg)
{
	fake_of(cpu->lg)->clock_ns += *(u64 *)arg;
	return false;
}

static void test_trace_of_interrupts_shows_raise_and_delivery(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	u64 later = 1000;

	tg_set_data(t, LGD_BLOCKED_INTERRUPTS, 0);
	tg_set_gate(t, 0x23, KV(0x00105000u), GATE_INTERRUPT, 0);
	t->cpu->regs.esp = 0x9000;
	t->lg->trace_mask = LG_TRACE_IRQ;
	assert_int_equal(lguest_irq(t->lg, 3), 0);
	fake_hcall(t->lg, LHCALL_SET_CLOCKEVENT, 50, 0, 0, 0);
	fake_call(t->lg, time_passes, &later);
	fake_kick(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	/* IRQ 0 waits: the interrupt gate of IRQ 3 turned interrupts off. */
	assert_string_equal(tg_trace(t),
		"irq 3 raised\n"
		"irq 3 delivered at eip 0x00100000\n"
		"irq 0 raised (clock event)\n");
	assert_int_equal(t->cpu->irqs_pending, 1);
	assert_int_equal(tg_data(t, LGD_IRQ_PENDING), X86_EFLAGS_IF);
}

static void test_trace_of_mmio_shows_address_and_eip(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	t->lg->trace_mask = LG_TRACE_MMIO;
	fake_access(t->lg, TG_RAM_SIZE + 0x10, true);
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_string_equal(tg_trace(t), "mmio 0x00400010 eip 0x00100000\n");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, tg_setup, tg_teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, tg_setup_init, tg_teardown)
		T(test_boot_from_first_instruction_to_power_off),
		TI(test_hypercall_resumes_after_the_int_instruction),
		TI(test_hypercall_leaves_every_register_as_the_guest_had_it),
		TI(test_async_ring_is_drained_by_the_next_hypercall_exit),
		TI(test_fixed_page_fault_resumes_at_the_same_instruction),
		TI(test_reflected_page_fault_writes_cr2_and_enters_the_handler),
		TI(test_kick_exit_reenters_the_guest_unchanged),
		TI(test_mmio_in_linear_mode_goes_to_the_launcher),
		TI(test_instruction_bytes_past_the_end_of_ram_read_as_zero),
		TI(test_instruction_at_an_unmapped_eip_kills),
		TI(test_trace_of_a_run_shows_exits_hypercalls_traps_and_death),
		TI(test_trace_of_interrupts_shows_raise_and_delivery),
		TI(test_trace_of_mmio_shows_address_and_eip),
	};

	return TG_RUN("run_loop", tests, argc, argv);
}
