/*
 * lguest_user.c - what /dev/lguest offered the Launcher, as C calls.
 *
 * Each function is one request: INITIALIZE, read() (run), IRQ, GETREG,
 * SETREG, TRAP, and close().  The checks and results are the 4.4 driver's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

struct lguest *lguest_open(const struct lguest_config *cfg)
{
	struct lguest *lg = calloc(1, sizeof(*lg));

	if (!lg)
		return NULL;
	if (cfg)
		lg->cfg = *cfg;
	lg->trace = lg->cfg.trace_file ? lg->cfg.trace_file : stderr;
	lg->trace_mask = lg->cfg.trace_mask;
	lg->nr_cpus = 1;
	return lg;
}

/*
 * LHREQ_INITIALIZE: the Launcher hands us the Guest's memory and where to
 * start.  We build the CPU (the Switcher), the per-CPU page, the first
 * shadow page table (linear mode) and the vCPU.
 */
static void free_pages(struct lguest *lg)
{
	if (lg->pages)
		shim_free_page(lg, lg->pages_phys);
	lg->pages = NULL;
	lg->pages_phys = 0;
}

int lguest_initialize(struct lguest *lg, void *base, uint32_t pfn_limit,
		      uint32_t start, uint32_t device_limit)
{
	int err;

	if (lg->initialized)
		return -EBUSY;
	if (!base || ((uintptr_t)base & (PAGE_SIZE - 1)) || pfn_limit == 0 ||
	    device_limit < pfn_limit ||
	    (u64)device_limit * PAGE_SIZE > SWITCHER_ADDR) {
		snprintf(lg->error, sizeof(lg->error),
			 "bad memory layout: %u pages, device limit %u",
			 pfn_limit, device_limit);
		return -EINVAL;
	}
	lg->mem_base = base;
	lg->pfn_limit = pfn_limit;
	lg->device_limit = device_limit;

	err = shim_switcher_create(lg);
	if (err)
		return err;

	lg->pages = shim_alloc_page(lg, &lg->pages_phys);
	if (!lg->pages) {
		snprintf(lg->error, sizeof(lg->error), "out of host pages");
		shim_switcher_destroy(lg);
		return -ENOMEM;
	}
	setup_default_gdt_entries(lg->pages);
	setup_default_idt_entries(lg->pages);

	err = init_guest_pagetable(lg);
	if (!err)
		err = lguest_cpu_init(lg, 0, start);
	if (err) {
		snprintf(lg->error, sizeof(lg->error), "out of host pages");
		free_guest_pagetable(lg);
		free_pages(lg);
		shim_switcher_destroy(lg);
		return err;
	}
	lg->initialized = true;
	return 0;
}

int lguest_run(struct lguest *lg, struct lguest_pending *out)
{
	if (!lg->initialized)
		return -EINVAL;
	if (lg->dead)
		return lg->dead_restart ? -LGUEST_ERESTART : -ENOENT;
	return run_guest(&lg->cpus[0], out);
}

const char *lguest_dead_reason(const struct lguest *lg)
{
	return lg->dead ? lg->dead_reason : NULL;
}

int lguest_dead_by_shutdown(const struct lguest *lg)
{
	return lg->dead && lg->dead_by_shutdown;
}

/* LHREQ_IRQ: mark the line pending and make sure the vCPU notices. */
int lguest_irq(struct lguest *lg, unsigned int line)
{
	struct lg_cpu *cpu = &lg->cpus[0];

	if (!lg->initialized)
		return -EINVAL;
	if (lg->dead)
		return -ENOENT;
	if (line >= LGUEST_IRQS)
		return -EINVAL;
	set_interrupt(cpu, line);
	return 0;
}

int lguest_getreg(struct lguest *lg, unsigned int offset, uint32_t *value)
{
	if (!lg->initialized)
		return -EINVAL;
	if (lg->dead)
		return -ENOENT;
	return lguest_arch_get_reg(&lg->cpus[0], offset, value) ? 0 : -ENOENT;
}

int lguest_setreg(struct lguest *lg, unsigned int offset, uint32_t value)
{
	if (!lg->initialized)
		return -EINVAL;
	if (lg->dead)
		return -ENOENT;
	return lguest_arch_set_reg(&lg->cpus[0], offset, value) ? 0 : -ENOENT;
}

/*
 * LHREQ_TRAP: the Launcher could not emulate what the Guest did, so the
 * Guest gets the trap, with the error code of the exit that caused it.
 */
int lguest_trap(struct lguest *lg, unsigned int trapnum)
{
	struct lg_cpu *cpu = &lg->cpus[0];

	if (!lg->initialized)
		return -EINVAL;
	if (lg->dead)
		return -ENOENT;
	if (trapnum >= IDT_ENTRIES)
		return -EINVAL;
	if (trapnum == 14 && lg->lguest_data_registered)
		lgwrite_u32(cpu, lg->lguest_data + LGD_CR2, cpu->arch_cr2);
	if (!deliver_trap(cpu, trapnum))
		return -EINVAL;
	return 0;
}

void lguest_ram_written(struct lguest *lg, uint32_t gpa, uint32_t len)
{
	if (!lg->initialized || !len || !lguest_address_ok(lg, gpa, len))
		return;
	shim_code_written(lg, gpa, len);
}

void lguest_break(struct lguest *lg)
{
	struct lg_cpu *cpu = &lg->cpus[0];

	__atomic_store_n(&cpu->break_out, true, __ATOMIC_SEQ_CST);
	if (lg->initialized)
		shim_kick(cpu);
}

const char *lguest_error(const struct lguest *lg)
{
	return lg->error;
}

void lguest_print_stats(const struct lguest *lg, FILE *out)
{
	const struct lg_stats *st = &lg->cpus[0].stats;
	unsigned int i;

	fprintf(out, "stats: exits %llu\n", (unsigned long long)st->exits);
	for (i = 0; i < 32; i++)
		if (st->hcalls[i])
			fprintf(out, "stats: hcall %s %llu\n",
				i == 31 ? "unknown" : hcall_name(i),
				(unsigned long long)st->hcalls[i]);
	for (i = 0; i < IDT_ENTRIES; i++)
		if (st->traps_direct[i] || st->traps_host[i])
			fprintf(out, "stats: trap %u direct %llu host %llu\n", i,
				(unsigned long long)st->traps_direct[i],
				(unsigned long long)st->traps_host[i]);
	fprintf(out, "stats: irqs_injected %llu\n",
		(unsigned long long)st->irqs_injected);
	fprintf(out, "stats: time guest_ms %llu host_ms %llu\n",
		(unsigned long long)(st->guest_ns / 1000000),
		(unsigned long long)(st->host_ns / 1000000));
}

void lguest_close(struct lguest *lg)
{
	if (!lg)
		return;
	if (lg->initialized) {
		free_guest_pagetable(lg);
		free_pages(lg);
		shim_switcher_destroy(lg);
	}
	free(lg);
}
