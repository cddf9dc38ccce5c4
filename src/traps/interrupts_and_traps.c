/*
 * interrupts_and_traps.c - getting traps and interrupts into the Guest.
 *
 * The Guest runs at ring 1 and cannot have its own IDT loaded in the CPU,
 * so it tells us its IDT entries (LOAD_IDT_ENTRY) and we decide, vector by
 * vector, what the CPU's real IDT holds:
 *
 *  - a "direct" trap gate straight into the Guest, for the few traps the
 *    Guest can take without our help (trap gates below 32 and the system
 *    call vector, except #NM, #GP, #PF and the hypercall vector), or
 *  - a gate into the Host, after which we deliver the trap by hand:
 *    push the frame the CPU would have pushed onto the Guest's stack and
 *    point it at the handler (deliver_trap).
 *
 * Virtual interrupts (timer, devices) always go the second way, and only
 * when the Guest's soft interrupt flag (lguest_data.irq_enabled) allows.
 */
#include <string.h>

#include "lg.h"

/* ---- The stack frame ---- */

/* Push one word onto the Guest's stack at virtual address *esp. */
static void push_guest_stack(struct lg_cpu *cpu, u32 *esp, u32 val)
{
	u32 gpa;

	*esp -= 4;
	if (!guest_pa(cpu, *esp, &gpa)) {
		kill_guest(cpu, "bad stack address %#x", *esp);
		return;
	}
	lgwrite_u32(cpu, gpa, val);
}

/*
 * Build the frame the CPU would push for a trap or interrupt.  From ring 3
 * the CPU switches to the kernel stack the Guest gave us with SET_STACK and
 * saves the user SS and ESP first; from ring 1 it stays on the current
 * stack.  The saved EFLAGS carry the Guest's soft interrupt flag, since the
 * real one is always on.
 */
bool push_guest_interrupt_stack(struct lg_cpu *cpu, bool has_errcode)
{
	struct lguest_regs *regs = &cpu->regs;
	struct lguest *lg = cpu->lg;
	u32 ss, esp, eflags;

	if ((regs->ss & 3) != GUEST_PL) {
		ss = cpu->ss1;
		esp = cpu->esp1;
		push_guest_stack(cpu, &esp, regs->ss);
		push_guest_stack(cpu, &esp, regs->esp);
	} else {
		ss = regs->ss;
		esp = regs->esp;
	}

	eflags = regs->eflags;
	if (lg->lguest_data_registered &&
	    !(lgread_u32(cpu, lg->lguest_data + LGD_IRQ_ENABLED) & X86_EFLAGS_IF))
		eflags &= ~X86_EFLAGS_IF;

	push_guest_stack(cpu, &esp, eflags);
	push_guest_stack(cpu, &esp, regs->cs);
	push_guest_stack(cpu, &esp, regs->eip);
	if (has_errcode)
		push_guest_stack(cpu, &esp, regs->errcode);

	regs->ss = ss;
	regs->esp = esp;
	return !lg->dead;
}

/*
 * Jump to the handler in gate (lo, hi), as the CPU would: kernel code
 * segment, flags the CPU clears on every trap, and for an interrupt gate
 * the (soft) interrupt flag cleared.
 */
void guest_run_interrupt(struct lg_cpu *cpu, u32 lo, u32 hi)
{
	struct desc_struct gate = { lo, hi };
	struct lguest_regs *regs = &cpu->regs;

	regs->cs = GUEST_CS;
	regs->eip = gate_offset(&gate);
	regs->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_VM | X86_EFLAGS_RF |
			  X86_EFLAGS_NT);
	if (desc_type(&gate) == GATE_INTERRUPT && cpu->lg->lguest_data_registered)
		lgwrite_u32(cpu, cpu->lg->lguest_data + LGD_IRQ_ENABLED, 0);
}

/* The traps for which the CPU pushes an error code. */
bool has_err(unsigned int trap)
{
	return trap == 8 || (trap >= 10 && trap <= 14) || trap == 17;
}

/*
 * Deliver trap num to the Guest now, with regs->errcode if it has one.
 * False if the Guest has no handler for it (the caller decides whether
 * that is fatal).
 */
bool deliver_trap(struct lg_cpu *cpu, unsigned int num)
{
	struct desc_struct *gate;

	if (num >= IDT_ENTRIES)
		return false;
	gate = &cpu->idt[num];
	if (!desc_present(gate))
		return false;
	lgtrace(cpu->lg, LG_TRACE_TRAP, "deliver trap %u to 0x%08x", num,
		gate_offset(gate));
	push_guest_interrupt_stack(cpu, has_err(num));
	guest_run_interrupt(cpu, gate->a, gate->b);
	return true;
}

/* ---- Virtual interrupts ---- */

/* LHREQ_IRQ and the timer: mark the line, and get the vCPU's attention. */
void set_interrupt(struct lg_cpu *cpu, unsigned int irq)
{
	lg_set_bit(irq, &cpu->irqs_pending);
	lgtrace(cpu->lg, LG_TRACE_IRQ, "irq %u raised", irq);
	shim_kick(cpu);
}

/*
 * Which interrupt should we deliver?  The lowest pending line the Guest has
 * not blocked; *more says whether others are waiting too.  32: none.
 */
unsigned int interrupt_pending(struct lg_cpu *cpu, bool *more)
{
	struct lguest *lg = cpu->lg;
	u32 pending, blocked;
	unsigned int irq;

	*more = false;
	if (!lg->lguest_data_registered)
		return LGUEST_IRQS;
	pending = __atomic_load_n(&cpu->irqs_pending, __ATOMIC_SEQ_CST);
	if (!pending)
		return LGUEST_IRQS;
	blocked = lgread_u32(cpu, lg->lguest_data + LGD_BLOCKED_INTERRUPTS);
	pending &= ~blocked;
	irq = lg_find_first_bit(pending);
	if (irq < LGUEST_IRQS)
		*more = (pending & ~(1u << irq)) != 0;
	return irq;
}

/* lguest_data.time: the Guest's clocksource when it has no usable TSC. */
void write_timestamp(struct lg_cpu *cpu)
{
	struct lguest *lg = cpu->lg;
	u32 ts[2];

	shim_wallclock(lg, &ts[0], &ts[1]);
	lgwrite(cpu, lg->lguest_data + LGD_TIME, ts, sizeof(ts));
}

/*
 * Try to inject interrupt irq.  A halted Guest is woken with interrupts
 * enabled (it halted with "sti; hlt" semantics).  If the Guest has
 * interrupts soft-disabled we just tell it one is pending: it will make a
 * SEND_INTERRUPTS call when it enables them again.
 */
void try_deliver_interrupt(struct lg_cpu *cpu, unsigned int irq, bool more)
{
	struct lguest *lg = cpu->lg;
	struct lguest_regs *regs = &cpu->regs;
	struct desc_struct *gate;

	if (!lg->lguest_data_registered)
		return;

	if (cpu->halted) {
		lgwrite_u32(cpu, lg->lguest_data + LGD_IRQ_ENABLED, X86_EFLAGS_IF);
		cpu->halted = false;
	} else if (!(lgread_u32(cpu, lg->lguest_data + LGD_IRQ_ENABLED) &
		     X86_EFLAGS_IF)) {
		lgwrite_u32(cpu, lg->lguest_data + LGD_IRQ_PENDING, X86_EFLAGS_IF);
		return;
	}

	gate = &cpu->idt[FIRST_EXTERNAL_VECTOR + irq];
	if (desc_present(gate)) {
		lg_clear_bit(irq, &cpu->irqs_pending);
		cpu->stats.irqs_injected++;
		lgtrace(lg, LG_TRACE_IRQ, "irq %u delivered at eip 0x%08x%s", irq,
			regs->eip, regs->eip == lg->noirq_iret ? " (reusing iret frame)" : "");
		if (regs->eip == lg->noirq_iret) {
			/*
			 * The Guest is about to iret: rather than nest a frame
			 * on the one it is about to pop, reuse that frame, with
			 * the flags it holds.
			 */
			u32 gpa;

			if (!guest_pa(cpu, regs->esp + 8, &gpa)) {
				kill_guest(cpu, "bad stack address %#x", regs->esp);
				return;
			}
			regs->eflags = lgread_u32(cpu, gpa) &
				       ~(X86_EFLAGS_TF | X86_EFLAGS_VM |
					 X86_EFLAGS_RF | X86_EFLAGS_NT);
		} else if (!push_guest_interrupt_stack(cpu, false)) {
			return;
		}
		guest_run_interrupt(cpu, gate->a, gate->b);
	}

	/* Every delivery attempt refreshes the Guest's clock. */
	write_timestamp(cpu);

	/* Nothing else waiting: the Guest need not ask us again. */
	if (!more)
		lgwrite_u32(cpu, lg->lguest_data + LGD_IRQ_PENDING, 0);
}

/* ---- The IDT ---- */

/*
 * Could this vector go straight into the Guest if its gate allowed?  Not
 * external interrupts (except the system call), and never #NM (we may have
 * to restore the FPU), #GP (we emulate instructions), #PF (shadow paging)
 * or the hypercall vector.
 */
bool could_be_direct_trap(unsigned int num)
{
	if (num >= FIRST_EXTERNAL_VECTOR && num != SYSCALL_VECTOR)
		return false;
	return num != 7 && num != 13 && num != 14 && num != LGUEST_TRAP_ENTRY;
}

/* Does it go direct?  Only through a trap gate: interrupt gates must
 * clear the soft interrupt flag, which only we can do. */
bool direct_trap(const struct lg_cpu *cpu, unsigned int num)
{
	const struct desc_struct *gate = &cpu->idt[num];

	if (cpu->lg->cfg.no_direct_traps || !could_be_direct_trap(num))
		return false;
	return desc_present(gate) && desc_type(gate) == GATE_TRAP;
}

/*
 * A gate into the Host for vector num.  Its DPL decides who may reach it
 * with "int": the hypercall vector is open to ring 1, and for the vectors
 * the Guest could have had direct we copy the Guest's DPL (so "int3" from
 * ring 3 still bounces through us to the Guest's handler).
 */
static struct desc_struct host_gate(unsigned int num, u32 dpl)
{
	u32 stub = SWITCHER_ADDR + 0x800 + num * 8; /* never executed */
	struct desc_struct d;

	d.a = (LGUEST_CS << 16) | (stub & 0xFFFF);
	d.b = (stub & 0xFFFF0000) | 0x8000 | (dpl << 13) | (GATE_INTERRUPT << 8);
	return d;
}

void setup_default_idt_entries(struct lguest_ro_state *state)
{
	unsigned int i;

	for (i = 0; i < IDT_ENTRIES; i++)
		state->guest_idt[i] =
			host_gate(i, i == LGUEST_TRAP_ENTRY ? GUEST_PL : 0);
}

/* Fill the CPU's IDT from the Guest's (before entry, when it changed). */
void copy_traps(const struct lg_cpu *cpu, struct desc_struct *idt)
{
	unsigned int i;

	for (i = 0; i < IDT_ENTRIES; i++) {
		const struct desc_struct *gate = &cpu->idt[i];

		if (!could_be_direct_trap(i))
			continue;
		if (direct_trap(cpu, i))
			idt[i] = *gate;
		else
			idt[i] = host_gate(i, desc_present(gate) ? desc_dpl(gate) : 0);
	}
}

/*
 * LOAD_IDT_ENTRY.  The Guest never gets NMI, #DF or vector 15, and may not
 * take over the hypercall vector: those are quietly ignored.  A gate must
 * be an interrupt or trap gate; we force its code segment to the Guest
 * kernel's and keep only the offset, present, DPL and type bits.
 */
void load_guest_idt_entry(struct lg_cpu *cpu, u32 num, u32 lo, u32 hi)
{
	struct desc_struct *gate;
	u32 type;

	if (num == 2 || num == 8 || num == 15 || num == LGUEST_TRAP_ENTRY)
		return;
	cpu->changed |= CHANGED_IDT;
	if (num >= IDT_ENTRIES) {
		kill_guest(cpu, "too many idt entries %u", num);
		return;
	}
	gate = &cpu->idt[num];
	if (!(hi & 0x8000)) {
		gate->a = gate->b = 0;
		return;
	}
	type = (hi >> 8) & 0xF;
	if (type != GATE_INTERRUPT && type != GATE_TRAP) {
		kill_guest(cpu, "bad IDT type %u for vector %u", type, num);
		return;
	}
	gate->a = (GUEST_CS << 16) | (lo & 0x0000FFFF);
	gate->b = hi & 0xFFFFEF00;
}

/* ---- The stack for traps from ring 3 ---- */

void guest_set_stack(struct lg_cpu *cpu, u32 seg, u32 esp, u32 pages)
{
	if ((seg & 3) != GUEST_PL) {
		kill_guest(cpu, "bad stack segment %#x", seg);
		return;
	}
	if (pages > 2) {
		kill_guest(cpu, "bad stack pages %u", pages);
		return;
	}
	cpu->ss1 = seg;
	cpu->esp1 = esp;
	cpu->stack_pages = (u8)pages;
	/* Traps from ring 3 must always find this stack mapped. */
	pin_stack_pages(cpu);
}

/* ---- Time ---- */

/* SET_CLOCKEVENT: IRQ 0 in delta nanoseconds; 0 cancels. */
void guest_set_clockevent(struct lg_cpu *cpu, u32 delta_ns)
{
	if (delta_ns == 0)
		cpu->timer_deadline = 0;
	else
		cpu->timer_deadline = shim_clock_ns(cpu->lg) + delta_ns;
	shim_timer_arm(cpu, cpu->timer_deadline);
}

/* Before each entry: raise IRQ 0 if the clock event is due. */
void check_timer(struct lg_cpu *cpu)
{
	if (!cpu->timer_deadline)
		return;
	if (shim_clock_ns(cpu->lg) < cpu->timer_deadline)
		return;
	cpu->timer_deadline = 0;
	lg_set_bit(0, &cpu->irqs_pending);
	lgtrace(cpu->lg, LG_TRACE_IRQ, "irq 0 raised (clock event)");
}
