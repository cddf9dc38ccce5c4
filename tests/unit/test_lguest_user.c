/*
 * test_lguest_user.c - core/lguest_user.c, the Launcher's C API (what
 * /dev/lguest offered), and core/trace.c's category parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test_guest.h"

/* A Guest that was opened but not initialized. */
struct raw {
	struct lguest *lg;
	u8 *ram;
};

static int raw_setup(void **state)
{
	struct raw *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->ram = aligned_alloc(PAGE_SIZE, TG_RAM_SIZE);
	assert_non_null(r->ram);
	memset(r->ram, 0, TG_RAM_SIZE);
	r->lg = lguest_open(NULL);
	assert_non_null(r->lg);
	*state = r;
	return 0;
}

static int raw_teardown(void **state)
{
	struct raw *r = *state;

	lguest_close(r->lg);
	free(r->ram);
	free(r);
	memset(&fake_next, 0, sizeof(fake_next));
	return 0;
}

static int init(struct raw *r, u32 pages, u32 device_limit)
{
	return lguest_initialize(r->lg, r->ram, pages, TG_START_EIP, device_limit);
}

/* ---- lguest_open ---- */

static void test_open_without_config_traces_to_stderr(void **state)
{
	struct raw *r = *state;

	assert_ptr_equal(r->lg->trace, stderr);
	assert_int_equal(r->lg->trace_mask, 0);
	assert_int_equal(r->lg->nr_cpus, 1);
	assert_false(r->lg->initialized);
}

static void test_open_keeps_the_launcher_config(void **state)
{
	FILE *f = tmpfile();
	struct lguest_config cfg = { .trace_mask = LG_TRACE_IRQ | LG_TRACE_PTE,
				     .trace_file = f, .no_direct_traps = 1 };
	struct lguest *lg;

	(void)state;
	assert_non_null(f);
	lg = lguest_open(&cfg);
	assert_non_null(lg);
	assert_ptr_equal(lg->trace, f);
	assert_int_equal(lg->trace_mask, LG_TRACE_IRQ | LG_TRACE_PTE);
	assert_int_equal(lg->cfg.no_direct_traps, 1);
	lguest_close(lg);
	fclose(f);
}

/* ---- lguest_initialize ---- */

static void test_every_request_before_initialize_returns_einval(void **state)
{
	struct raw *r = *state;
	struct lguest_pending p;
	u32 v = 0x5A5A5A5A;

	assert_int_equal(lguest_run(r->lg, &p), -EINVAL);
	assert_int_equal(lguest_irq(r->lg, 1), -EINVAL);
	assert_int_equal(lguest_getreg(r->lg, LG_REG_EAX, &v), -EINVAL);
	assert_int_equal(v, 0x5A5A5A5A);
	assert_int_equal(lguest_setreg(r->lg, LG_REG_EAX, 1), -EINVAL);
	assert_int_equal(lguest_trap(r->lg, 13), -EINVAL);
	assert_null(lguest_dead_reason(r->lg));
}

static void test_initialize_twice_returns_ebusy(void **state)
{
	struct raw *r = *state;

	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), 0);
	assert_int_equal(init(r, 16, 32), -EBUSY);
	assert_int_equal(r->lg->pfn_limit, TG_RAM_PAGES);
	assert_int_equal(r->lg->device_limit, TG_DEVICE_LIMIT);
}

static void assert_bad_layout(struct raw *r, void *base, u32 pages, u32 dl,
			      const char *msg)
{
	assert_int_equal(lguest_initialize(r->lg, base, pages, 0, dl), -EINVAL);
	assert_string_equal(lguest_error(r->lg), msg);
	assert_false(r->lg->initialized);
	assert_null(r->lg->sim);
}

static void test_initialize_rejects_a_null_base(void **state)
{
	struct raw *r = *state;

	assert_bad_layout(r, NULL, 16, 32, "bad memory layout: 16 pages, device limit 32");
}

static void test_initialize_rejects_an_unaligned_base(void **state)
{
	struct raw *r = *state;

	assert_bad_layout(r, r->ram + 8, 16, 32,
			  "bad memory layout: 16 pages, device limit 32");
}

static void test_initialize_rejects_zero_pages(void **state)
{
	struct raw *r = *state;

	assert_bad_layout(r, r->ram, 0, 32, "bad memory layout: 0 pages, device limit 32");
}

static void test_initialize_rejects_a_device_limit_below_ram(void **state)
{
	struct raw *r = *state;

	assert_bad_layout(r, r->ram, 16, 15, "bad memory layout: 16 pages, device limit 15");
}

static void test_initialize_rejects_devices_reaching_into_the_switcher(void **state)
{
	struct raw *r = *state;

	assert_bad_layout(r, r->ram, 16, (SWITCHER_ADDR >> 12) + 1,
			  "bad memory layout: 16 pages, device limit 1047553");
}

static void test_initialize_accepts_devices_ending_at_the_switcher(void **state)
{
	struct raw *r = *state;

	assert_int_equal(init(r, TG_RAM_PAGES, SWITCHER_ADDR >> 12), 0);
	assert_string_equal(lguest_error(r->lg), "");
}

static void test_initialize_reports_a_switcher_failure(void **state)
{
	struct raw *r = *state;
	struct lguest_pending p;

	fake_next.create_error = -EIO;
	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), -EIO);
	assert_string_equal(lguest_error(r->lg), "fake switcher refused: -5");
	assert_false(r->lg->initialized);
	assert_int_equal(lguest_run(r->lg, &p), -EINVAL);
}

static void test_initialize_without_a_page_for_the_cpu_returns_enomem(void **state)
{
	struct raw *r = *state;

	fake_next.page_limit = 1;	/* the per-CPU page only */
	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), -ENOMEM);
	assert_string_equal(lguest_error(r->lg), "out of host pages");
	assert_false(r->lg->initialized);
	assert_null(r->lg->sim);
}

static void test_initialize_without_a_page_for_the_shadow_returns_enomem(void **state)
{
	struct raw *r = *state;

	fake_next.page_limit = 2;	/* no shadow page directory */
	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), -ENOMEM);
	assert_string_equal(lguest_error(r->lg), "out of host pages");
	assert_false(r->lg->initialized);
}

static void test_initialize_needs_exactly_three_host_pages(void **state)
{
	struct raw *r = *state;

	fake_next.page_limit = 3;
	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), 0);
	assert_int_equal(fake_live_pages(r->lg), 3);
}

static void test_initialize_after_a_failure_can_succeed(void **state)
{
	struct raw *r = *state;

	fake_next.page_limit = 2;
	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), -ENOMEM);
	assert_int_equal(init(r, TG_RAM_PAGES, TG_DEVICE_LIMIT), 0);
	assert_true(r->lg->initialized);
	assert_int_equal(fake_of(r->lg)->violations, 0);
}

static void test_initialize_starts_the_guest_at_start_in_linear_mode(void **state)
{
	struct raw *r = *state;

	assert_int_equal(lguest_initialize(r->lg, r->ram, TG_RAM_PAGES, 0x01000000u,
					   TG_DEVICE_LIMIT), 0);
	assert_int_equal(r->lg->cpus[0].regs.eip, 0x01000000u);
	assert_true(r->lg->cpus[0].linear_pages);
	assert_int_equal(r->lg->cpus[0].shadow_cr3, r->lg->pgdirs[0].shadow_phys);
	assert_int_equal(r->lg->lguest_data, 0);
	assert_ptr_equal(r->lg->mem_base, r->ram);
}

/* ---- GETREG / SETREG ---- */

static const struct {
	unsigned int offset;
	size_t field;
	bool writable;
} regs_table[] = {
	{ LG_REG_EBX, offsetof(struct lguest_regs, ebx), true },
	{ LG_REG_ECX, offsetof(struct lguest_regs, ecx), true },
	{ LG_REG_EDX, offsetof(struct lguest_regs, edx), true },
	{ LG_REG_ESI, offsetof(struct lguest_regs, esi), true },
	{ LG_REG_EDI, offsetof(struct lguest_regs, edi), true },
	{ LG_REG_EBP, offsetof(struct lguest_regs, ebp), true },
	{ LG_REG_EAX, offsetof(struct lguest_regs, eax), true },
	{ LG_REG_DS, offsetof(struct lguest_regs, ds), false },
	{ LG_REG_ES, offsetof(struct lguest_regs, es), false },
	{ LG_REG_FS, offsetof(struct lguest_regs, fs), false },
	{ LG_REG_GS, offsetof(struct lguest_regs, gs), false },
	{ LG_REG_EIP, offsetof(struct lguest_regs, eip), true },
	{ LG_REG_CS, offsetof(struct lguest_regs, cs), false },
	{ LG_REG_EFLAGS, offsetof(struct lguest_regs, eflags), false },
	{ LG_REG_ESP, offsetof(struct lguest_regs, esp), true },
	{ LG_REG_SS, offsetof(struct lguest_regs, ss), false },
};
#define NR_REGS (sizeof(regs_table) / sizeof(regs_table[0]))

static u32 *reg(struct tg *t, size_t field)
{
	return (u32 *)((u8 *)&t->cpu->regs + field);
}

static void number_the_registers(struct tg *t)
{
	unsigned int i;

	for (i = 0; i < NR_REGS; i++)
		*reg(t, regs_table[i].field) = 0x1000 + regs_table[i].offset;
}

static void test_pt_regs_offsets_are_the_i386_ones(void **state)
{
	(void)state;
	assert_int_equal(LG_REG_EBX, 0);
	assert_int_equal(LG_REG_EAX, 24);
	assert_int_equal(LG_REG_DS, 28);
	assert_int_equal(LG_REG_ORIG_EAX, 44);
	assert_int_equal(LG_REG_EIP, 48);
	assert_int_equal(LG_REG_EFLAGS, 56);
	assert_int_equal(LG_REG_SS, 64);
	assert_int_equal(sizeof(struct lguest_pending), 12);
	assert_int_equal(offsetof(struct lguest_pending, addr), 8);
	assert_int_equal(sizeof(struct lguest_regs), 72);
}

static void test_getreg_reads_each_register_at_its_pt_regs_offset(void **state)
{
	struct tg *t = *state;
	unsigned int i;
	u32 v;

	number_the_registers(t);
	for (i = 0; i < NR_REGS; i++) {
		v = 0;
		assert_int_equal(lguest_getreg(t->lg, regs_table[i].offset, &v), 0);
		assert_int_equal(v, 0x1000 + regs_table[i].offset);
	}
}

static void test_getreg_of_an_unknown_offset_returns_enoent(void **state)
{
	struct tg *t = *state;
	static const unsigned int bad[] = { LG_REG_ORIG_EAX, 68, 2, 25, 1000,
					    0xFFFFFFFFu };
	unsigned int i;
	u32 v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 0xABCD;
		assert_int_equal(lguest_getreg(t->lg, bad[i], &v), -ENOENT);
		assert_int_equal(v, 0xABCD);
	}
}

static void test_setreg_writes_general_registers_eip_and_esp(void **state)
{
	struct tg *t = *state;
	unsigned int i;

	for (i = 0; i < NR_REGS; i++) {
		if (!regs_table[i].writable)
			continue;
		assert_int_equal(lguest_setreg(t->lg, regs_table[i].offset,
					       0xC0DE0000u + i), 0);
		assert_int_equal(*reg(t, regs_table[i].field), 0xC0DE0000u + i);
	}
}

static void test_setreg_of_a_read_only_register_returns_enoent(void **state)
{
	struct tg *t = *state;
	struct lguest_regs before;
	unsigned int i;

	number_the_registers(t);
	before = t->cpu->regs;
	for (i = 0; i < NR_REGS; i++)
		if (!regs_table[i].writable)
			assert_int_equal(lguest_setreg(t->lg, regs_table[i].offset, 3),
					 -ENOENT);
	assert_int_equal(lguest_setreg(t->lg, LG_REG_ORIG_EAX, 3), -ENOENT);
	assert_int_equal(lguest_setreg(t->lg, 68, 3), -ENOENT);
	assert_memory_equal(&t->cpu->regs, &before, sizeof(before));
}

/* ---- TRAP and IRQ ---- */

static void test_trap_256_or_above_returns_einval(void **state)
{
	struct tg *t = *state;

	assert_int_equal(lguest_trap(t->lg, 256), -EINVAL);
	assert_int_equal(lguest_trap(t->lg, 0xFFFFFFFFu), -EINVAL);
	assert_alive(t);
}

static void test_trap_without_a_gate_returns_einval(void **state)
{
	struct tg *t = *state;
	struct lguest_regs before = t->cpu->regs;

	assert_int_equal(lguest_trap(t->lg, 13), -EINVAL);
	assert_memory_equal(&t->cpu->regs, &before, sizeof(before));
	assert_alive(t);
}

static void test_trap_delivers_with_the_error_code_of_the_last_exit(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	tg_set_gate(t, 13, 0xC0103000u, GATE_INTERRUPT, 0);
	t->cpu->regs.esp = 0x9000;
	fake_exception(t->lg, 13, 0);
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_int_equal(p.trap, 13);
	assert_int_equal(lguest_trap(t->lg, 13), 0);
	assert_int_equal(t->cpu->regs.eip, 0xC0103000u);
	assert_int_equal(tg_rd(t, 0x9000 - 12), TG_START_EIP);
	assert_int_equal(tg_rd(t, 0x9000 - 16), 0);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entry_log[1].regs.eip, 0xC0103000u);
}

static void test_trap_14_writes_cr2_into_lguest_data(void **state)
{
	struct tg *t = *state;

	tg_set_gate(t, 14, 0xC0104000u, GATE_INTERRUPT, 0);
	t->cpu->regs.esp = 0x9000;
	t->cpu->arch_cr2 = 0x00ABC123u;
	t->cpu->regs.errcode = 4;
	assert_int_equal(lguest_trap(t->lg, 14), 0);
	assert_int_equal(tg_data(t, LGD_CR2), 0x00ABC123u);
	assert_int_equal(tg_rd(t, 0x9000 - 16), 4);
}

static void test_irq_line_32_returns_einval(void **state)
{
	struct tg *t = *state;

	assert_int_equal(lguest_irq(t->lg, 32), -EINVAL);
	assert_int_equal(t->cpu->irqs_pending, 0);
	assert_int_equal(t->fake->kicks, 0);
}

static void test_irq_line_31_is_raised(void **state)
{
	struct tg *t = *state;

	assert_int_equal(lguest_irq(t->lg, 31), 0);
	assert_int_equal(t->cpu->irqs_pending, 0x80000000u);
	assert_int_equal(t->fake->kicks, 1);
}

/* ---- Death ---- */

static void shutdown(struct tg *t, u32 how)
{
	memcpy(t->ram + 0x30000, "Power down", 11);
	tg_hcall(t, LHCALL_SHUTDOWN, 0x30000, how, 0, 0);
}

static void test_every_request_after_death_returns_enoent(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	u32 v = 7;

	tg_set_gate(t, 13, 0xC0103000u, GATE_INTERRUPT, 0);
	shutdown(t, LGUEST_SHUTDOWN_POWEROFF);
	assert_int_equal(lguest_run(t->lg, &p), -ENOENT);
	assert_int_equal(lguest_irq(t->lg, 1), -ENOENT);
	assert_int_equal(lguest_getreg(t->lg, LG_REG_EAX, &v), -ENOENT);
	assert_int_equal(v, 7);
	assert_int_equal(lguest_setreg(t->lg, LG_REG_EAX, 1), -ENOENT);
	assert_int_equal(lguest_trap(t->lg, 13), -ENOENT);
	assert_string_equal(lguest_dead_reason(t->lg), "CRASH: Power down");
	assert_int_equal(t->fake->entries, 0);
}

static void test_run_after_a_restart_request_keeps_returning_erestart(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	shutdown(t, LGUEST_SHUTDOWN_RESTART);
	assert_int_equal(lguest_run(t->lg, &p), -LGUEST_ERESTART);
	assert_int_equal(lguest_run(t->lg, &p), -LGUEST_ERESTART);
	assert_int_equal(lguest_dead_by_shutdown(t->lg), 1);
}

static void test_a_living_guest_has_no_dead_reason(void **state)
{
	struct tg *t = *state;

	assert_null(lguest_dead_reason(t->lg));
	assert_int_equal(lguest_dead_by_shutdown(t->lg), 0);
}

static void test_a_killed_guest_did_not_die_by_shutdown(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, 99, 0, 0, 0, 0);
	assert_string_equal(lguest_dead_reason(t->lg), "bad hypercall 99");
	assert_int_equal(lguest_dead_by_shutdown(t->lg), 0);
}

static void test_first_kill_reason_wins(void **state)
{
	struct tg *t = *state;

	kill_guest(t->cpu, "first %d", 1);
	kill_guest(t->cpu, "second %d", 2);
	assert_dead(t, "first 1");
}

/* ---- run and break ---- */

static void test_ram_written_passes_the_range_to_the_shim(void **state)
{
	struct tg *t = *state;

	lguest_ram_written(t->lg, 0x5000, 0x2000);
	assert_int_equal(t->fake->code_written_calls, 1);
	assert_int_equal(t->fake->code_written_gpa, 0x5000);
	assert_int_equal(t->fake->code_written_len, 0x2000);
}

static void test_ram_written_outside_ram_or_empty_is_ignored(void **state)
{
	struct tg *t = *state;

	lguest_ram_written(t->lg, TG_RAM_SIZE - 0x1000, 0x2000);
	lguest_ram_written(t->lg, 0x5000, 0);
	assert_int_equal(t->fake->code_written_calls, 0);
}

static void test_break_before_run_returns_eintr_without_entering(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_kick(t->lg);
	lguest_break(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->fake->entries, 0);
	assert_int_equal(t->fake->kicks, 1);
}

static bool break_during_hypercall(struct lg_cpu *cpu, void *arg)
{
	(void)arg;
	lguest_break(cpu->lg);
	cpu->regs.eax = LHCALL_TS;
	cpu->regs.ebx = 8;
	cpu->regs.trapnum = LGUEST_TRAP_ENTRY;
	return true;
}

static void test_break_returns_after_the_hypercall_in_hand(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	fake_call(t->lg, break_during_hypercall, NULL);
	fake_kick(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->cpu->ts, 8);
	assert_int_equal(t->fake->entries, 1);
}

static void test_pending_trap_is_returned_once_and_cleared_by_the_next_run(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p, q;

	fake_exception(t->lg, 13, 0);
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_int_equal(t->cpu->pending.trap, 13);
	memset(&q, 0xEE, sizeof(q));
	assert_int_equal(lguest_run(t->lg, &q), -EINTR);
	assert_int_equal(t->cpu->pending.trap, 0);
	assert_int_equal(q.trap, 0xEE);
	assert_int_equal(t->fake->entries, 2);
}

static void test_close_of_null_is_harmless(void **state)
{
	(void)state;
	lguest_close(NULL);
}

static void test_close_of_an_uninitialized_guest_frees_it(void **state)
{
	struct lguest *lg = lguest_open(NULL);

	(void)state;
	assert_non_null(lg);
	lguest_close(lg); /* ASan would see a leak or a bad free */
}

/* ---- --stats ---- */

static void test_print_stats_lists_what_happened(void **state)
{
	struct tg *t = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct lg_stats *st = &t->cpu->stats;

	assert_non_null(f);
	memset(st, 0, sizeof(*st));
	st->exits = 42;
	st->hcalls[LHCALL_TS] = 3;
	st->hcalls[LHCALL_LGUEST_INIT] = 1;
	st->hcalls[31] = 2;
	st->traps_host[14] = 5;
	st->traps_direct[0x80] = 7;
	st->irqs_injected = 9;
	st->guest_ns = 2500000000ull;
	st->host_ns = 1999999;
	lguest_print_stats(t->lg, f);
	fclose(f);
	assert_string_equal(buf,
		"stats: exits 42\n"
		"stats: hcall LGUEST_INIT 1\n"
		"stats: hcall TS 3\n"
		"stats: hcall unknown 2\n"
		"stats: trap 14 direct 0 host 5\n"
		"stats: trap 128 direct 7 host 0\n"
		"stats: irqs_injected 9\n"
		"stats: time guest_ms 2500 host_ms 1\n");
	free(buf);
}

static void test_exits_are_counted_by_vector(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;

	t->cpu->regs.esp = 0x9000;
	fake_hcall(t->lg, LHCALL_TS, 0, 0, 0, 0);
	fake_page_fault(t->lg, 0x5000, 2);
	fake_kick(t->lg);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_int_equal(t->cpu->stats.exits, 4);
	assert_int_equal(t->cpu->stats.traps_host[LGUEST_TRAP_ENTRY], 1);
	assert_int_equal(t->cpu->stats.traps_host[14], 1);
	assert_int_equal(t->cpu->stats.guest_ns, 0);
	assert_int_equal(t->cpu->last_exit_ns, 0);
}

/* ---- Trace categories (core/trace.c) ---- */

static void test_trace_parse_knows_each_category_by_name(void **state)
{
	static const struct { const char *name; u32 mask; } cats[] = {
		{ "hcall", LG_TRACE_HCALL }, { "trap", LG_TRACE_TRAP },
		{ "irq", LG_TRACE_IRQ },     { "pte", LG_TRACE_PTE },
		{ "pio", LG_TRACE_PIO },     { "mmio", LG_TRACE_MMIO },
		{ "exit", LG_TRACE_EXIT },   { "direct", LG_TRACE_DIRECT },
		{ "switcher", LG_TRACE_SWITCHER },
	};
	char err[128];
	unsigned int i;
	u32 mask;

	(void)state;
	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
		mask = 0xDEAD;
		assert_int_equal(lguest_trace_parse(cats[i].name, &mask, err, sizeof(err)), 0);
		assert_int_equal(mask, cats[i].mask);
	}
}

static void test_trace_parse_takes_a_comma_separated_list(void **state)
{
	char err[128];
	u32 mask = 0;

	(void)state;
	assert_int_equal(lguest_trace_parse("hcall,irq,pte", &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, LG_TRACE_HCALL | LG_TRACE_IRQ | LG_TRACE_PTE);
}

static void test_trace_parse_all_means_every_category(void **state)
{
	char err[128];
	u32 mask = 0;

	(void)state;
	assert_int_equal(lguest_trace_parse("all", &mask, err, sizeof(err)), 0);
	assert_int_equal(mask, 0x1FF);
}

static void test_trace_parse_rejects_an_unknown_category_with_a_message(void **state)
{
	char err[128];
	u32 mask = 0xDEAD;

	(void)state;
	assert_int_equal(lguest_trace_parse("hcall,bogus,irq", &mask, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown trace category 'bogus' (try -d help)");
}

static void test_trace_parse_rejects_a_prefix_of_a_name(void **state)
{
	char err[128];
	u32 mask;

	(void)state;
	assert_int_equal(lguest_trace_parse("hc", &mask, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown trace category 'hc' (try -d help)");
}

static void test_trace_parse_rejects_an_empty_list(void **state)
{
	char err[128];
	u32 mask = 0xDEAD;

	(void)state;
	assert_int_equal(lguest_trace_parse("", &mask, err, sizeof(err)), -1);
	assert_string_equal(err, "empty trace list");
	assert_int_equal(mask, 0);
	assert_int_equal(lguest_trace_parse(NULL, &mask, err, sizeof(err)), -1);
}

static void test_trace_names_is_a_table_of_every_category(void **state)
{
	(void)state;
	assert_string_equal(lguest_trace_names(),
		"  hcall     every hypercall, by name, with its arguments\n"
		"  trap      every trap that comes back to the Host\n"
		"  irq       virtual interrupts raised and delivered\n"
		"  pte       shadow page-table changes\n"
		"  pio       port I/O the Guest performs\n"
		"  mmio      MMIO accesses handed to the Launcher\n"
		"  exit      every return from the Guest to the Host\n"
		"  direct    traps the Switcher delivers straight into the Guest\n"
		"  switcher  Switcher simulation internals\n"
		"  all       all of the above\n");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define TR(f) cmocka_unit_test_setup_teardown(f, raw_setup, raw_teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, tg_setup_init, tg_teardown)
#define T0(f) cmocka_unit_test(f)
		TR(test_open_without_config_traces_to_stderr),
		T0(test_open_keeps_the_launcher_config),
		TR(test_every_request_before_initialize_returns_einval),
		TR(test_initialize_twice_returns_ebusy),
		TR(test_initialize_rejects_a_null_base),
		TR(test_initialize_rejects_an_unaligned_base),
		TR(test_initialize_rejects_zero_pages),
		TR(test_initialize_rejects_a_device_limit_below_ram),
		TR(test_initialize_rejects_devices_reaching_into_the_switcher),
		TR(test_initialize_accepts_devices_ending_at_the_switcher),
		TR(test_initialize_reports_a_switcher_failure),
		TR(test_initialize_without_a_page_for_the_cpu_returns_enomem),
		TR(test_initialize_without_a_page_for_the_shadow_returns_enomem),
		TR(test_initialize_needs_exactly_three_host_pages),
		TR(test_initialize_after_a_failure_can_succeed),
		TR(test_initialize_starts_the_guest_at_start_in_linear_mode),
		T0(test_pt_regs_offsets_are_the_i386_ones),
		TI(test_getreg_reads_each_register_at_its_pt_regs_offset),
		TI(test_getreg_of_an_unknown_offset_returns_enoent),
		TI(test_setreg_writes_general_registers_eip_and_esp),
		TI(test_setreg_of_a_read_only_register_returns_enoent),
		TI(test_trap_256_or_above_returns_einval),
		TI(test_trap_without_a_gate_returns_einval),
		TI(test_trap_delivers_with_the_error_code_of_the_last_exit),
		TI(test_trap_14_writes_cr2_into_lguest_data),
		TI(test_irq_line_32_returns_einval),
		TI(test_irq_line_31_is_raised),
		TI(test_every_request_after_death_returns_enoent),
		TI(test_run_after_a_restart_request_keeps_returning_erestart),
		TI(test_a_living_guest_has_no_dead_reason),
		TI(test_a_killed_guest_did_not_die_by_shutdown),
		TI(test_first_kill_reason_wins),
		TI(test_ram_written_passes_the_range_to_the_shim),
		TI(test_ram_written_outside_ram_or_empty_is_ignored),
		TI(test_break_before_run_returns_eintr_without_entering),
		TI(test_break_returns_after_the_hypercall_in_hand),
		TI(test_pending_trap_is_returned_once_and_cleared_by_the_next_run),
		T0(test_close_of_null_is_harmless),
		T0(test_close_of_an_uninitialized_guest_frees_it),
		TI(test_print_stats_lists_what_happened),
		TI(test_exits_are_counted_by_vector),
		T0(test_trace_parse_knows_each_category_by_name),
		T0(test_trace_parse_takes_a_comma_separated_list),
		T0(test_trace_parse_all_means_every_category),
		T0(test_trace_parse_rejects_an_unknown_category_with_a_message),
		T0(test_trace_parse_rejects_a_prefix_of_a_name),
		T0(test_trace_parse_rejects_an_empty_list),
		T0(test_trace_names_is_a_table_of_every_category),
	};

	return TG_RUN("lguest_user", tests, argc, argv);
}
