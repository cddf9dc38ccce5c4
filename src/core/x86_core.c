/*
 * x86_core.c - the architecture half of the run loop: the Guest's first
 * registers, what we copy into the per-CPU page before each entry, and
 * what we do with each reason the Guest comes back to us.
 */
#include <string.h>
#include <time.h>

#include "lg.h"

/* Real time, for --stats only (never in a trace: traces must repeat). */
static u64 stats_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/*
 * The Guest starts at ring 1 in the flat segments, interrupts (really)
 * enabled, every other register zero: ESI = 0 is the address of the zero
 * page the Launcher wrote.
 */
void lguest_arch_setup_regs(struct lg_cpu *cpu, u32 start)
{
	struct lguest_regs *regs = &cpu->regs;

	memset(regs, 0, sizeof(*regs));
	regs->ds = regs->es = regs->ss = GUEST_DS;
	regs->cs = GUEST_CS;
	regs->eflags = X86_EFLAGS_IF | 0x2;
	regs->eip = start;
}

/*
 * Before we enter: copy whatever the Guest changed of its IDT and GDT, and
 * the stack for ring-3 traps, into the page the CPU reads.  Only what
 * changed: the TLS entries change on every context switch, the rest rarely.
 */
static void copy_in_guest_info(struct lg_cpu *cpu)
{
	struct lguest_ro_state *state = cpu->lg->pages;

	state->guest_tss.ss1 = cpu->ss1;
	state->guest_tss.esp1 = cpu->esp1;

	if (cpu->changed & CHANGED_IDT)
		copy_traps(cpu, state->guest_idt);
	if (cpu->changed & CHANGED_GDT)
		copy_gdt(cpu, state->guest_gdt);
	else if (cpu->changed & CHANGED_GDT_TLS)
		copy_gdt_tls(cpu, state->guest_gdt);
}

void lguest_arch_run_guest(struct lg_cpu *cpu)
{
	bool timing = cpu->lg->cfg.stats;
	u64 t0 = 0, t1;

	copy_in_guest_info(cpu);
	if (timing) {
		t0 = stats_now_ns();
		if (cpu->last_exit_ns)
			cpu->stats.host_ns += t0 - cpu->last_exit_ns;
	}
	/* The Switcher must see the changes before it clears the flags. */
	shim_run_guest(cpu);
	if (timing) {
		t1 = stats_now_ns();
		cpu->stats.guest_ns += t1 - t0;
		cpu->last_exit_ns = t1;
	}
	cpu->changed = 0;
	cpu->stats.exits++;
	if (cpu->regs.trapnum < 256)
		cpu->stats.traps_host[cpu->regs.trapnum]++;
}

/* Tell the Launcher about a trap it must handle, with the instruction. */
static void set_pending_for_launcher(struct lg_cpu *cpu, u8 trap, u32 addr)
{
	u32 gpa;
	unsigned int i;

	memset(&cpu->pending, 0, sizeof(cpu->pending));
	cpu->pending.trap = trap;
	cpu->pending.addr = addr;
	/* Instruction bytes: through the Guest's page tables; bytes past an
	 * unmapped page boundary read as zero. */
	for (i = 0; i < sizeof(cpu->pending.insn); i++) {
		if (!guest_pa(cpu, cpu->regs.eip + i, &gpa) ||
		    !shim_guest_read(cpu->lg, gpa, &cpu->pending.insn[i], 1)) {
			if (i == 0)
				kill_guest(cpu, "bad instruction address %#x",
					   cpu->regs.eip);
			break;
		}
	}
}

static void reflect_trap(struct lg_cpu *cpu, unsigned int num)
{
	if (!deliver_trap(cpu, num))
		kill_guest(cpu, "unhandled trap %u at %#x (%#x)", num,
			   cpu->regs.eip,
			   num == 14 ? cpu->arch_cr2 : cpu->regs.errcode);
}

/* Why did the Guest come back?  Deal with it. */
void lguest_arch_handle_trap(struct lg_cpu *cpu)
{
	struct lguest_regs *regs = &cpu->regs;
	struct lguest *lg = cpu->lg;
	unsigned int num = regs->trapnum;

	if (num < 256 && num != LGUEST_TRAP_ENTRY)
		lgtrace(lg, LG_TRACE_TRAP,
			"trap %u errcode %#x eip 0x%08x cs %#x", num,
			regs->errcode, regs->eip, regs->cs);
	else
		lgtrace(lg, LG_TRACE_EXIT, "exit %u eip 0x%08x", num, regs->eip);

	switch (num) {
	case 13: /* #GP */
		/* Error code 0: an instruction the Launcher may emulate. */
		if (regs->errcode == 0) {
			set_pending_for_launcher(cpu, 13, 0);
			return;
		}
		reflect_trap(cpu, num);
		return;
	case 14: /* #PF */
		lgtrace(lg, LG_TRACE_TRAP, "page fault cr2 0x%08x errcode %#x",
			cpu->arch_cr2, regs->errcode);
		/* Usually just a page we have not shadowed yet. */
		{
			u32 iomem = 0;

			if (demand_page(cpu, cpu->arch_cr2, regs->errcode, &iomem))
				return;
			if (lg->dead)
				return;
			/* Within the device window: the Launcher's MMIO. */
			if (iomem) {
				lgtrace(lg, LG_TRACE_MMIO,
					"mmio 0x%08x eip 0x%08x", iomem,
					regs->eip);
				set_pending_for_launcher(cpu, 14, iomem);
				return;
			}
		}
		/* A fault the Guest must see: it reads cr2 from lguest_data,
		 * and the error code its own tables would have given. */
		regs->errcode = guest_fault_errcode(cpu, cpu->arch_cr2, regs->errcode);
		if (lg->lguest_data_registered)
			lgwrite_u32(cpu, lg->lguest_data + LGD_CR2, cpu->arch_cr2);
		reflect_trap(cpu, num);
		return;
	case 7: /* #NM */
		/* The Guest didn't ask for TS: the FPU is its own already. */
		if (!cpu->ts)
			return;
		reflect_trap(cpu, num);
		return;
	case LGUEST_TRAP_ENTRY:
		/* A hypercall: the arguments are the first five registers. */
		memcpy(&cpu->hcall_buf, regs, sizeof(cpu->hcall_buf));
		cpu->hcall = &cpu->hcall_buf;
		return;
	case LGUEST_TRAP_KICK:
		/* A timer or another thread wanted our attention. */
		return;
	case LGUEST_TRAP_IO_GP:
		/* Port I/O from ring 3, or refused by the Launcher: #GP(0). */
		regs->errcode = 0;
		reflect_trap(cpu, 13);
		return;
	case LGUEST_TRAP_ENTRY_FAILED:
		kill_guest(cpu, "cannot enter guest at %#x: bad segment state",
			   regs->eip);
		return;
	case 8:
		kill_guest(cpu, "double fault at %#x", regs->eip);
		return;
	default:
		reflect_trap(cpu, num);
	}
}

/*
 * GETREG/SETREG: the Launcher sees the registers as i386 pt_regs.  Only
 * the general registers, EIP and ESP may be set.
 */
static u32 *reg_by_offset(struct lg_cpu *cpu, unsigned int offset,
			  bool *writable)
{
	struct lguest_regs *r = &cpu->regs;

	*writable = true;
	switch (offset) {
	case LG_REG_EBX: return &r->ebx;
	case LG_REG_ECX: return &r->ecx;
	case LG_REG_EDX: return &r->edx;
	case LG_REG_ESI: return &r->esi;
	case LG_REG_EDI: return &r->edi;
	case LG_REG_EBP: return &r->ebp;
	case LG_REG_EAX: return &r->eax;
	case LG_REG_EIP: return &r->eip;
	case LG_REG_ESP: return &r->esp;
	}
	*writable = false;
	switch (offset) {
	case LG_REG_DS: return &r->ds;
	case LG_REG_ES: return &r->es;
	case LG_REG_FS: return &r->fs;
	case LG_REG_GS: return &r->gs;
	case LG_REG_CS: return &r->cs;
	case LG_REG_EFLAGS: return &r->eflags;
	case LG_REG_SS: return &r->ss;
	}
	return NULL;
}

bool lguest_arch_get_reg(struct lg_cpu *cpu, unsigned int offset, u32 *val)
{
	bool writable;
	u32 *reg = reg_by_offset(cpu, offset, &writable);

	if (!reg)
		return false;
	*val = *reg;
	return true;
}

bool lguest_arch_set_reg(struct lg_cpu *cpu, unsigned int offset, u32 val)
{
	bool writable;
	u32 *reg = reg_by_offset(cpu, offset, &writable);

	if (!reg || !writable)
		return false;
	*reg = val;
	return true;
}

/*
 * in/out.  On hardware, with IOPL 0 and no I/O bitmap, these raise #GP(0)
 * and the Launcher emulated them.  The Switcher simulation calls us at the
 * moment the Guest executes one, and we ask the Launcher directly.
 * Returns false if the Launcher rejects the access (the Guest gets #GP).
 */
bool lguest_port_io(struct lg_cpu *cpu, u16 port, unsigned int size,
		    bool is_write, u32 *val)
{
	struct lguest *lg = cpu->lg;
	const struct lguest_io_ops *io = &lg->cfg.io;
	u32 mask = size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
	bool ok = true;

	cpu->stats.traps_host[13]++;
	if (is_write) {
		if (io->port_out &&
		    io->port_out(io->opaque, port, size, *val & mask) < 0)
			ok = false;
	} else {
		*val = io->port_in ? io->port_in(io->opaque, port, size) & mask
				   : mask;
	}
	lgtrace(lg, LG_TRACE_PIO, "pio %s port %#06x size %u value %#x%s",
		is_write ? "out" : "in", port, size, *val & mask,
		ok ? "" : " rejected");
	return ok;
}
