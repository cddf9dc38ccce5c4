/*
 * core.c - the heart of the Host: the run loop, and reading and writing
 * Guest memory safely.
 *
 * The Launcher calls run_guest() (through lguest_run(), its read() of
 * /dev/lguest).  We loop: do the hypercall the Guest made, deliver an
 * interrupt if one is due, enter the Guest, and look at why it came back.
 * We leave the loop only when the Guest dies or the Launcher has work.
 */
#include <errno.h>
#include <string.h>

#include "lg.h"

/*
 * A misbehaving Guest is killed, never the Host.  The first reason wins:
 * later kills (a cascade from the same bad state) change nothing.
 */
void kill_guest(struct lg_cpu *cpu, const char *fmt, ...)
{
	struct lguest *lg = cpu->lg;
	va_list ap;

	if (lg->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(lg->dead_reason, sizeof(lg->dead_reason), fmt, ap);
	va_end(ap);
	lg->dead = true;
	lgtrace(lg, LG_TRACE_TRAP | LG_TRACE_HCALL, "guest dead: %s", lg->dead_reason);
}

/* Is [addr, addr + len) entirely inside the Guest's RAM?  No overflow. */
bool lguest_address_ok(const struct lguest *lg, u32 addr, u32 len)
{
	u64 end = (u64)addr + len;

	return end <= (u64)lg->pfn_limit * PAGE_SIZE;
}

/* Read Guest memory; a bad address kills the Guest and reads zeroes. */
bool lgread(struct lg_cpu *cpu, void *dst, u32 gpa, u32 len)
{
	if (shim_guest_read(cpu->lg, gpa, dst, len))
		return true;
	memset(dst, 0, len);
	kill_guest(cpu, "bad read address %#x len %u", gpa, len);
	return false;
}

bool lgwrite(struct lg_cpu *cpu, u32 gpa, const void *src, u32 len)
{
	if (shim_guest_write(cpu->lg, gpa, src, len))
		return true;
	kill_guest(cpu, "bad write address %#x len %u", gpa, len);
	return false;
}

u32 lgread_u32(struct lg_cpu *cpu, u32 gpa)
{
	u32 val;

	lgread(cpu, &val, gpa, sizeof(val));
	return val;
}

void lgwrite_u32(struct lg_cpu *cpu, u32 gpa, u32 val)
{
	lgwrite(cpu, gpa, &val, sizeof(val));
}

int lguest_cpu_init(struct lguest *lg, unsigned int id, u32 start_eip)
{
	struct lg_cpu *cpu = &lg->cpus[id];
	memset(cpu, 0, sizeof(*cpu));
	cpu->lg = lg;
	cpu->id = id;
	/* Nothing is "changed" until the Guest changes it, but the first
	 * entry must copy everything. */
	cpu->changed = CHANGED_ALL;
	setup_guest_gdt(cpu);
	lguest_arch_setup_regs(cpu, start_eip);
	return page_table_guest_data_init(cpu);
}

/*
 * The run loop.  Returns sizeof(struct lguest_pending) when the Launcher
 * must act, -EINTR when asked to break, -ENOENT (or -LGUEST_ERESTART) when
 * the Guest is dead.
 */
int run_guest(struct lg_cpu *cpu, struct lguest_pending *out)
{
	struct lguest *lg = cpu->lg;

	/* A trap we reported last time has been dealt with by now. */
	cpu->pending.trap = 0;

	while (!lg->dead) {
		unsigned int irq;
		bool more;

		/* The hypercall from the last exit (and the async ring). */
		if (cpu->hcall)
			do_hypercalls(cpu);
		if (lg->dead)
			break;

		/* A trap the Launcher must see (port I/O, MMIO, emulation). */
		if (cpu->pending.trap) {
			*out = cpu->pending;
			return (int)sizeof(*out);
		}

		if (__atomic_exchange_n(&cpu->break_out, false, __ATOMIC_SEQ_CST))
			return -EINTR;

		/* Has the Guest's clock event come due? */
		check_timer(cpu);

		/* One interrupt per entry, if one is due and deliverable. */
		irq = interrupt_pending(cpu, &more);
		if (irq < LGUEST_IRQS)
			try_deliver_interrupt(cpu, irq, more);
		if (lg->dead)
			break;

		/* A halted Guest sleeps until an interrupt or its timer. */
		if (cpu->halted) {
			if (interrupt_pending(cpu, &more) < LGUEST_IRQS)
				continue;
			if (!cpu->timer_deadline &&
			    lgread_u32(cpu, lg->lguest_data +
					       LGD_BLOCKED_INTERRUPTS) == 0xFFFFFFFFu) {
				/* Nothing could ever wake it: don't sleep forever. */
				kill_guest(cpu, "halted with every interrupt blocked and no timer");
				break;
			}
			shim_wait(cpu, cpu->timer_deadline);
			continue;
		}

		lguest_arch_run_guest(cpu);
		lguest_arch_handle_trap(cpu);
	}

	if (lg->dead_restart)
		return -LGUEST_ERESTART;
	return -ENOENT;
}
