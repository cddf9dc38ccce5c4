/*
 * switcher.c - the hardware and the Switcher, played by Unicorn.
 *
 * On real hardware lguest's Switcher loaded the Guest's GDT, IDT, TSS and
 * shadow CR3, and irets into the Guest at ring 1; every trap either went
 * straight to the Guest (a "direct" trap gate in the real IDT) or back
 * through the Switcher to the Host.  Here shim_run_guest() does the same
 * with a Unicorn CPU:
 *
 *  - entry: load control registers, descriptor-table registers, the
 *    privilege level and the registers from cpu->regs, then uc_emu_start();
 *  - Unicorn never vectors through the IDT: every interrupt and exception
 *    arrives in hook_intr().  There we do what the CPU would: read the real
 *    IDT the Host wrote, check the gate's DPL for "int n", and either push
 *    the frame and jump into the Guest (a direct trap), or stop and return
 *    to the Host with trapnum and errcode, as the Switcher did.
 *
 * Each work-around for a Unicorn gap is marked "Unicorn:" and says what it
 * works around (measured on 2.1.1; see docs/architecture.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* CR0 as a 32-bit Linux host runs: PE MP ET NE WP AM PG (TS on demand). */
#define GUEST_CR0 0x80050033u
#define CR0_TS 0x8u
/*
 * CR4: OSFXSR and OSXMMEXCPT, which the Guest cannot set itself, and TSD
 * so that rdtsc traps and we answer from the Guest's clock.
 */
#define GUEST_CR4 0x604u

static const int seg_regs[6] = { UC_X86_REG_SS, UC_X86_REG_CS, UC_X86_REG_DS,
				 UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS };

/* The offsets found by the start-up self-test (one per process). */
static struct sim_offsets offsets;
static bool calibrated;
static pthread_mutex_t calibrate_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- The saved-context patch ---- */

/*
 * Unicorn: no API sets the CPL (a segment write checks against the current
 * one), and after a handled exception its "exception in flight" marker is
 * never reset, so the next fault becomes #DF and the one after silently
 * ends emulation (unicorn #1883).  Both are fixed by patching a saved
 * context at the self-tested offsets.  Returns the error code of the last
 * exception.
 */
static u32 patch_context(struct sim *sim, int new_cpl, bool *is_int)
{
	u8 *blob = (u8 *)sim->ctx;
	u32 hflags, errcode, flag;
	s32 none = -1;

	uc_context_save(sim->uc, sim->ctx);
	memcpy(&errcode, blob + offsets.error_code, 4);
	memcpy(&flag, blob + offsets.exception_is_int, 4);
	if (is_int)
		*is_int = flag != 0;
	memcpy(blob + offsets.old_exception, &none, 4);
	if (new_cpl >= 0) {
		memcpy(&hflags, blob + offsets.hflags, 4);
		hflags = (hflags & ~3u) | (u32)new_cpl;
		memcpy(blob + offsets.hflags, &hflags, 4);
		sim->cpl = new_cpl;
	}
	uc_context_restore(sim->uc, sim->ctx);
	return errcode;
}

/* The CPL is the RPL of CS (Unicorn keeps them equal, as the CPU does). */
static int current_cpl(struct sim *sim)
{
	u32 cs = 0;

	uc_reg_read(sim->uc, UC_X86_REG_CS, &cs);
	return (int)(cs & 3);
}

/* ---- The CPU's view of the shadow page tables ---- */

/*
 * Translate a Guest virtual address as the CPU would for a supervisor
 * access, through the shadow directory in CR3: need is the entry bits the
 * access requires (present, and RW for a write).  Used to push direct-trap
 * frames and read instructions; NULL means "the CPU would fault": then the
 * Host takes over.
 */
static u8 *shadow_ptr(struct sim *sim, u32 vaddr, u32 need)
{
	struct lguest *lg = sim->lg;
	u32 *pgdir = shim_page(lg, sim->cur_cr3), *ptes, pde, pte, phys;

	if (!pgdir)
		return NULL;
	pde = pgdir[vaddr >> 22];
	if ((pde & need) != need)
		return NULL;
	ptes = shim_page(lg, pde & PAGE_MASK);
	if (!ptes)
		return NULL;
	pte = ptes[(vaddr >> 12) & 1023];
	if ((pte & need) != need)
		return NULL;
	phys = (pte & PAGE_MASK) | (vaddr & ~PAGE_MASK);
	if (!lguest_address_ok(lg, phys, 4))
		return NULL;
	return lg->mem_base + phys;
}

static bool push_shadow(struct sim *sim, u32 *esp, u32 val)
{
	u8 *p;

	*esp -= 4;
	p = shadow_ptr(sim, *esp, 3);
	if (!p)
		return false;
	memcpy(p, &val, 4);
	return true;
}

/* ---- Delivering a trap as the CPU would ---- */

/* Stop the CPU and go back to the Host with this trap. */
static void exit_to_host(struct sim *sim, u32 trapnum, u32 errcode)
{
	sim->exit_requested = true;
	sim->exit_trapnum = trapnum;
	sim->exit_errcode = errcode;
	uc_emu_stop(sim->uc);
}

/*
 * A direct trap: the real IDT points into the Guest, so the CPU pushes the
 * frame and jumps there without the Host.  From ring 3 it switches to the
 * ring-1 stack in the TSS.  The gate is a trap gate, so IF stays as it is
 * (always on: the Guest's soft flag is untouched).  False if the CPU would
 * fault doing it: then the Host delivers it by hand instead.
 */
static bool deliver_direct(struct sim *sim, unsigned int vec, u32 errcode,
			   bool is_int, const struct desc_struct *gate)
{
	struct lguest_ro_state *state = sim->lg->pages;
	u32 sel = gate_selector(gate);
	const struct desc_struct *code;
	u32 r[5] = { 0, 0, 0, 0, 0 }, ss, esp, eflags, cs;
	int ids[5] = { UC_X86_REG_EIP, UC_X86_REG_CS, UC_X86_REG_EFLAGS,
		       UC_X86_REG_ESP, UC_X86_REG_SS };
	void *ptrs[5] = { &r[0], &r[1], &r[2], &r[3], &r[4] };

	/* The target must be a present ring-1 code segment. */
	if ((sel >> 3) >= GDT_ENTRIES)
		return false;
	code = &state->guest_gdt[sel >> 3];
	if (!desc_present(code) || desc_dpl(code) != GUEST_PL ||
	    !(code->b & 0x800))
		return false;

	uc_reg_read_batch(sim->uc, ids, ptrs, 5);
	r[1] &= 0xFFFF;
	r[4] &= 0xFFFF;
	if (sim->cpl == 3) {
		ss = state->guest_tss.ss1;
		esp = state->guest_tss.esp1;
		if ((ss & 3) != GUEST_PL)
			return false;
		if (!push_shadow(sim, &esp, r[4]) || !push_shadow(sim, &esp, r[3]))
			return false;
	} else {
		ss = r[4];
		esp = r[3];
	}
	if (!push_shadow(sim, &esp, r[2]) || !push_shadow(sim, &esp, r[1]) ||
	    !push_shadow(sim, &esp, r[0]))
		return false;
	/* "int n" never pushes an error code, whatever the vector. */
	if (!is_int && has_err(vec) && !push_shadow(sim, &esp, errcode))
		return false;

	if (sim->cpl != GUEST_PL) {
		patch_context(sim, GUEST_PL, NULL);
		uc_reg_write(sim->uc, UC_X86_REG_SS, &ss);
	}
	eflags = r[2] & ~(X86_EFLAGS_TF | X86_EFLAGS_VM | X86_EFLAGS_RF |
			  X86_EFLAGS_NT);
	cs = (sel & ~3u) | GUEST_PL;
	{
		u32 eip = gate_offset(gate);
		int wids[4] = { UC_X86_REG_ESP, UC_X86_REG_CS, UC_X86_REG_EFLAGS,
				UC_X86_REG_EIP };
		void *wptrs[4] = { &esp, &cs, &eflags, &eip };

		if (uc_reg_write_batch(sim->uc, wids, wptrs, 4) != UC_ERR_OK) {
			/* Cannot happen with the checks above; if it does,
			 * the CPU state is half-switched: stop the Guest. */
			exit_to_host(sim, LGUEST_TRAP_ENTRY_FAILED, 0);
			return true;
		}
	}
	sim->cpu->stats.traps_direct[vec]++;
	lgtrace(sim->lg, LG_TRACE_DIRECT, "direct trap %u from ring %u to 0x%08x",
		vec, r[1] & 3, gate_offset(gate));
	return true;
}


/*
 * How long was the "int" that raised vec, given EIP after it?  "int $n"
 * is two bytes; int3, into and int1 have one-byte forms of their own.
 * (Unicorn reports the next EIP for a software interrupt.)
 */
static u32 int_insn_length(struct sim *sim, unsigned int vec, u32 next_eip)
{
	const u8 *p;

	if (vec != 1 && vec != 3 && vec != 4)
		return 2;
	p = shadow_ptr(sim, next_eip - 1, 1);
	if (p && (*p == 0xCC || *p == 0xCE || *p == 0xF1))
		return 1;
	return 2;
}

/*
 * Vector vec happened in the Guest.  Look at the real IDT, as the CPU
 * would: "int n" needs a gate whose DPL admits the current ring (else
 * #GP with error code vec * 8 + 2); a gate into the Host exits; a gate into
 * the Guest is a direct trap.
 */
static void handle_vector(struct sim *sim, unsigned int vec, u32 errcode,
			  bool is_int)
{
	const struct desc_struct *gate = &sim->lg->pages->guest_idt[vec];

	/* The Guest changes ring on its own (iret), so ask the CPU. */
	sim->cpl = current_cpl(sim);
	if (is_int && (int)desc_dpl(gate) < sim->cpl) {
		/* A fault: EIP goes back onto the "int" instruction. */
		u32 eip;

		uc_reg_read(sim->uc, UC_X86_REG_EIP, &eip);
		eip -= int_insn_length(sim, vec, eip);
		uc_reg_write(sim->uc, UC_X86_REG_EIP, &eip);
		exit_to_host(sim, 13, vec * 8 + 2);
		return;
	}
	if (gate_selector(gate) == LGUEST_CS || !desc_present(gate)) {
		exit_to_host(sim, vec, errcode);
		return;
	}
	if (!deliver_direct(sim, vec, errcode, is_int, gate))
		exit_to_host(sim, vec, errcode);
}

/*
 * rdtsc with CR4.TSD set raises #GP(0).  Answer it as a 1 GHz TSC on the
 * Guest's clock (shim_tsc_khz) and step over it, without leaving the
 * Guest.  True if that is what this #GP was.
 */
static bool emulate_rdtsc(struct sim *sim)
{
	u32 eip, lo, hi;
	const u8 *insn;
	u64 tsc;

	uc_reg_read(sim->uc, UC_X86_REG_EIP, &eip);
	if ((eip & ~PAGE_MASK) > PAGE_SIZE - 2)
		return false;
	insn = shadow_ptr(sim, eip, 1);
	if (!insn || insn[0] != 0x0F || insn[1] != 0x31)
		return false;
	tsc = shim_clock_ns(sim->lg);
	lo = (u32)tsc;
	hi = (u32)(tsc >> 32);
	eip += 2;
	uc_reg_write(sim->uc, UC_X86_REG_EAX, &lo);
	uc_reg_write(sim->uc, UC_X86_REG_EDX, &hi);
	uc_reg_write(sim->uc, UC_X86_REG_EIP, &eip);
	return true;
}

/*
 * An interrupt is pending that the Host could not deliver because the
 * Guest had interrupts soft-disabled.  The Guest re-enables them by
 * writing lguest_data.irq_enabled (its iret does, without a hypercall),
 * so like a CPU testing IF between instructions we look at every block
 * boundary: pending, not blocked, soft IF on and a gate to deliver
 * through means back to the Host, which delivers it.  (On hardware the
 * Host's own timer interrupts made the Guest exit often enough.)
 */
static bool irq_became_deliverable(struct sim *sim)
{
	struct lguest *lg = sim->lg;
	struct lg_cpu *cpu = sim->cpu;
	u32 pending = __atomic_load_n(&cpu->irqs_pending, __ATOMIC_RELAXED);
	u32 enabled, blocked;
	unsigned int irq;

	if (!pending || !lg->lguest_data_registered)
		return false;
	/* LGUEST_INIT checked that lguest_data lies inside RAM. */
	memcpy(&enabled, lg->mem_base + lg->lguest_data + LGD_IRQ_ENABLED, 4);
	if (!(enabled & X86_EFLAGS_IF))
		return false;
	memcpy(&blocked, lg->mem_base + lg->lguest_data + LGD_BLOCKED_INTERRUPTS, 4);
	irq = lg_find_first_bit(pending & ~blocked);
	return irq < LGUEST_IRQS &&
	       desc_present(&cpu->idt[FIRST_EXTERNAL_VECTOR + irq]);
}

/*
 * --deterministic: the virtual clock advances by the size of every
 * translation block the Guest runs, and the timer fires at a block
 * boundary, so the Guest sees the same interrupts at the same places in
 * every run.
 */
static void hook_block(uc_engine *uc, uint64_t address, uint32_t size,
		       void *data)
{
	struct sim *sim = data;

	(void)uc;
	(void)address;
	sim->vclock += size;
	if (sim->exit_requested)
		return;
	if (sim->io_fault) {
		sim->io_fault = false;
		exit_to_host(sim, LGUEST_TRAP_IO_GP, 0);
		return;
	}
	/*
	 * Unicorn: kicks are taken here, at a block boundary, never by an
	 * asynchronous uc_emu_stop().  2.1.1 honours a pending stop after
	 * any memory access inside a block but then reports EIP as the
	 * block's start, so resuming re-runs the block's first
	 * instructions on registers they already changed.  A stop asked for
	 * in the block hook is honoured by the block's prologue, before any
	 * of its instructions ran.
	 */
	if (irq_became_deliverable(sim)) {
		exit_to_host(sim, LGUEST_TRAP_KICK, 0);
	} else if (sim->vdeadline && sim->vclock >= sim->vdeadline) {
		/* Due: the run loop's check_timer() raises IRQ 0. */
		sim->vdeadline = 0;
		exit_to_host(sim, LGUEST_TRAP_KICK, 0);
	} else if (__atomic_load_n(&sim->kick_pending, __ATOMIC_SEQ_CST)) {
		exit_to_host(sim, LGUEST_TRAP_KICK, 0);
	}
}

/*
 * Unicorn: never vectors through the IDT; every interrupt and exception
 * comes here.  Vectors 20-31 and 32 and up can only be "int n" (the CPU
 * raises no exception there); for the others the saved context tells us
 * the error code and whether it was "int n", and the same patch clears
 * the exception state that would otherwise turn the next fault into #DF.
 */
static void hook_intr(uc_engine *uc, uint32_t intno, void *data)
{
	struct sim *sim = data;
	u32 errcode = 0;
	bool is_int = true;

	if (intno < 20 && intno != 3 && intno != 4)
		errcode = patch_context(sim, -1, &is_int);
	if (intno >= IDT_ENTRIES) {
		exit_to_host(sim, LGUEST_TRAP_ENTRY_FAILED, 0);
		return;
	}
	if (intno == 13 && !is_int && errcode == 0 && emulate_rdtsc(sim))
		return;
	handle_vector(sim, intno, is_int ? 0 : errcode, is_int);
}

/*
 * Port I/O.  Unicorn: in/out never fault, whatever the privilege level
 * (the I/O permission check is compiled out), so we cannot get the #GP(0)
 * that real lguest turned into Launcher emulation.  At ring 1 we emulate
 * right here through the Host (lguest_port_io).  At ring 3, or when the
 * Launcher refuses the access, the Guest must see #GP(0).  We cannot stop
 * on the instruction: EIP is not up to date inside this hook, and a stop
 * asked for here takes effect mid-block with EIP back at the block's
 * start (the block would run twice).  So the fault is noted and raised by
 * the block hook at the next block boundary: the Guest sees #GP(0) after
 * the rest of the block ran (documented imprecision).
 */
static void io_fault(struct sim *sim)
{
	sim->io_fault = true;
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *data)
{
	struct sim *sim = data;
	u32 val = 0xFFFFFFFF;

	(void)uc;
	if (current_cpl(sim) != GUEST_PL) {
		io_fault(sim);
		return val;
	}
	lguest_port_io(sim->cpu, (u16)port, (unsigned int)size, false, &val);
	return val;
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value,
		     void *data)
{
	struct sim *sim = data;

	(void)uc;
	if (current_cpl(sim) != GUEST_PL) {
		io_fault(sim);
		return;
	}
	if (!lguest_port_io(sim->cpu, (u16)port, (unsigned int)size, true, &value))
		io_fault(sim);
}

/* ---- Entry and exit ---- */

static void write_reg(struct sim *sim, int reg, u32 val)
{
	uc_reg_write(sim->uc, reg, &val);
}

/* What the Switcher did once per CPU: descriptor tables and the TSS. */
static void first_entry(struct sim *sim)
{
	uc_x86_mmr gdtr = { 0, SWITCHER_RO_OFFSET(guest_gdt),
			    GDT_ENTRIES * 8 - 1, 0 };
	uc_x86_mmr idtr = { 0, SWITCHER_RO_OFFSET(guest_idt),
			    IDT_ENTRIES * 8 - 1, 0 };
	/* Unicorn: TR is stored raw, flags = the descriptor's high word. */
	uc_x86_mmr tr = { TSS_SELECTOR, SWITCHER_RO_OFFSET(guest_tss),
			  sizeof(struct x86_tss) - 1, 0x8900 };

	write_reg(sim, UC_X86_REG_CR3, sim->cur_cr3);
	write_reg(sim, UC_X86_REG_CR4, GUEST_CR4);
	write_reg(sim, UC_X86_REG_CR0, sim->cur_cr0);
	uc_reg_write(sim->uc, UC_X86_REG_GDTR, &gdtr);
	uc_reg_write(sim->uc, UC_X86_REG_IDTR, &idtr);
	uc_reg_write(sim->uc, UC_X86_REG_TR, &tr);
	/* A fresh Unicorn CPU is at ring 0. */
	sim->cpl = 0;
	sim->started = true;
}

/*
 * Load the segment registers from regs, at the privilege level of regs.cs.
 * Unicorn: a segment write is checked like a "mov" at the current CPL, so
 * we patch the CPL first; SS goes first since it sets the CPL too.  As on
 * an iret to ring 3, a data segment the new ring may not use becomes null.
 * Only what changed is written (each write reads the GDT), unless the GDT
 * itself changed.
 */
static bool load_segments(struct sim *sim, const struct lguest_regs *regs,
			  bool gdt_changed)
{
	u32 want[6] = { regs->ss, regs->cs, regs->ds, regs->es, regs->fs, regs->gs };
	int cpl = (int)(regs->cs & 3);
	bool cpl_changed = cpl != sim->cpl;
	unsigned int i;

	if (cpl != GUEST_PL && cpl != 3)
		return false;
	if (cpl_changed)
		patch_context(sim, cpl, NULL);
	for (i = 0; i < 6; i++) {
		u32 zero = 0;

		if (sim->segs_loaded && !gdt_changed && !cpl_changed &&
		    sim->seg[i] == want[i])
			continue;
		if (uc_reg_write(sim->uc, seg_regs[i], &want[i]) == UC_ERR_OK) {
			sim->seg[i] = want[i];
			continue;
		}
		if (i < 2 || cpl == GUEST_PL)
			return false;
		uc_reg_write(sim->uc, seg_regs[i], &zero);
		sim->seg[i] = 0;
	}
	sim->segs_loaded = true;
	return true;
}

static void load_registers(struct sim *sim, const struct lguest_regs *regs)
{
	/* The real IF is always on; IOPL stays 0 so cli/sti/in trap. */
	u32 eflags = (regs->eflags | X86_EFLAGS_IF | 0x2) &
		     ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM);
	/*
	 * EIP too: a kick taken before uc_emu_start() saves the registers
	 * back from the CPU, and a stale EIP there would undo a trap or
	 * interrupt the Host just delivered.
	 */
	int ids[10] = { UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX,
			UC_X86_REG_EDX, UC_X86_REG_ESI, UC_X86_REG_EDI,
			UC_X86_REG_EBP, UC_X86_REG_ESP, UC_X86_REG_EFLAGS,
			UC_X86_REG_EIP };
	const void *ptrs[10] = { &regs->eax, &regs->ebx, &regs->ecx,
				 &regs->edx, &regs->esi, &regs->edi,
				 &regs->ebp, &regs->esp, &eflags, &regs->eip };

	uc_reg_write_batch(sim->uc, ids, (void *const *)ptrs, 10);
}

static void save_registers(struct sim *sim, struct lguest_regs *regs)
{
	int ids[16] = { UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX,
			UC_X86_REG_EDX, UC_X86_REG_ESI, UC_X86_REG_EDI,
			UC_X86_REG_EBP, UC_X86_REG_ESP, UC_X86_REG_EFLAGS,
			UC_X86_REG_EIP, UC_X86_REG_SS, UC_X86_REG_CS,
			UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS,
			UC_X86_REG_GS };
	u32 v[16];
	void *ptrs[16];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		v[i] = 0;
		ptrs[i] = &v[i];
	}
	uc_reg_read_batch(sim->uc, ids, ptrs, 16);
	regs->eax = v[0];
	regs->ebx = v[1];
	regs->ecx = v[2];
	regs->edx = v[3];
	regs->esi = v[4];
	regs->edi = v[5];
	regs->ebp = v[6];
	regs->esp = v[7];
	regs->eflags = v[8];
	regs->eip = v[9];
	regs->ss = v[10] & 0xFFFF;
	regs->cs = v[11] & 0xFFFF;
	regs->ds = v[12] & 0xFFFF;
	regs->es = v[13] & 0xFFFF;
	regs->fs = v[14] & 0xFFFF;
	regs->gs = v[15] & 0xFFFF;
	/* The Guest may have changed ring itself (iret to ring 3). */
	sim->cpl = (int)(regs->cs & 3);
	/* What the CPU holds now is what the next entry compares against. */
	sim->seg[0] = regs->ss;
	sim->seg[1] = regs->cs;
	sim->seg[2] = regs->ds;
	sim->seg[3] = regs->es;
	sim->seg[4] = regs->fs;
	sim->seg[5] = regs->gs;
}

/* The world switch: run the Guest until it must come back to the Host. */
void shim_run_guest(struct lg_cpu *cpu)
{
	struct sim *sim = sim_of(cpu->lg);
	struct lguest_regs *regs = &cpu->regs;
	u32 cr0 = GUEST_CR0 | (cpu->ts ? CR0_TS : 0);
	uc_err err;

	sim->cpu = cpu;
	if (!sim->started) {
		sim->cur_cr3 = cpu->shadow_cr3;
		sim->cur_cr0 = cr0;
		first_entry(sim);
	}
	/* Control registers: written only when they change (a CR3 write
	 * flushes the TLB, and costs as much). */
	if (cpu->shadow_cr3 != sim->cur_cr3) {
		sim->cur_cr3 = cpu->shadow_cr3;
		write_reg(sim, UC_X86_REG_CR3, sim->cur_cr3);
		sim->need_flush = false;
	}
	/*
	 * Unicorn (QEMU): a CR0 write flushes the TLB only when PE, PG or WP
	 * change, not for TS; so it never stands in for a flush we owe.
	 */
	if (cr0 != sim->cur_cr0) {
		sim->cur_cr0 = cr0;
		write_reg(sim, UC_X86_REG_CR0, cr0);
	}
	if (sim->need_flush) {
		uc_ctl_flush_tlb(sim->uc);
		sim->need_flush = false;
	}

	regs->trapnum = 0;
	regs->errcode = 0;
	if (!load_segments(sim, regs, cpu->changed & (CHANGED_GDT | CHANGED_GDT_TLS))) {
		regs->trapnum = LGUEST_TRAP_ENTRY_FAILED;
		return;
	}
	load_registers(sim, regs);

	for (;;) {
		u32 eip = regs->eip;

		sim->exit_requested = false;
		if (sim_take_kick(sim)) {
			regs->trapnum = LGUEST_TRAP_KICK;
			break;
		}
		/* Unicorn: no until, count or timeout: each has a cost or a
		 * trap of its own (facts doc section 5). */
		err = uc_emu_start(sim->uc, eip, 0, 0, 0);
		uc_reg_read(sim->uc, UC_X86_REG_EIP, &regs->eip);

		if (sim->exit_requested) {
			regs->trapnum = sim->exit_trapnum;
			regs->errcode = sim->exit_errcode;
			if (regs->trapnum == LGUEST_TRAP_KICK)
				sim_take_kick(sim);
			break;
		}
		if (err == UC_ERR_INSN_INVALID) {
			/* Unicorn: ud2 and invalid opcodes end the run instead
			 * of raising #UD; raise it ourselves, at the insn. */
			lgtrace(sim->lg, LG_TRACE_SWITCHER,
				"switcher invalid opcode at 0x%08x", regs->eip);
			handle_vector(sim, 6, 0, false);
			if (sim->exit_requested) {
				regs->trapnum = sim->exit_trapnum;
				regs->errcode = sim->exit_errcode;
				break;
			}
			uc_reg_read(sim->uc, UC_X86_REG_EIP, &regs->eip);
			continue;
		}
		if (err != UC_ERR_OK) {
			save_registers(sim, regs);
			kill_guest(cpu, "CPU emulator error at %#x: %s", regs->eip,
				   uc_strerror(err));
			regs->trapnum = LGUEST_TRAP_KICK;
			return;
		}
		/*
		 * Unicorn: a triple fault ends the run with no error and no
		 * hook called.  Every other stop comes from one of our hooks,
		 * so an unexplained one is that.
		 */
		regs->trapnum = 8;
		break;
	}
	save_registers(sim, regs);
	if (regs->trapnum == 14)
		uc_reg_read(sim->uc, UC_X86_REG_CR2, &cpu->arch_cr2);
}

/*
 * Unicorn: host writes to Guest RAM (through our pointer or uc_mem_write)
 * do not invalidate code already translated from it, and the only way to
 * drop such code, uc_ctl_remove_cache(), takes a virtual address.  So we
 * map each written page for a moment in a spare slot of the Switcher's
 * page table (present in every shadow directory, kernel-only, read-only),
 * drop the code cached for that address, and unmap it again.  Slots are
 * used round-robin and the TLB is flushed before they are reused and
 * before the Guest runs again, so no stale scratch translation survives.
 */
void shim_code_written(struct lguest *lg, u32 gpa, u32 len)
{
	struct sim *sim = sim_of(lg);
	u32 page, last;

	/* Before the first entry nothing has been translated yet. */
	if (!sim || !sim->started || !lg->switcher_pte)
		return;
	last = (gpa + len - 1) & PAGE_MASK;
	for (page = gpa & PAGE_MASK;; page += PAGE_SIZE) {
		u32 va;

		if (sim->scratch_slot < 1 || sim->scratch_slot >= 1024) {
			sim->scratch_slot = 1;
			uc_ctl_flush_tlb(sim->uc);
		}
		va = SWITCHER_ADDR + sim->scratch_slot * PAGE_SIZE;
		lg->switcher_pte[sim->scratch_slot] = page | 0x21; /* P | A */
		uc_ctl_remove_cache(sim->uc, va, va + PAGE_SIZE);
		lg->switcher_pte[sim->scratch_slot] = 0;
		sim->scratch_slot++;
		if (page == last)
			break;
	}
	sim->need_flush = true;
}

void shim_flush_tlb(struct lg_cpu *cpu)
{
	struct sim *sim = sim_of(cpu->lg);

	if (sim)
		sim->need_flush = true;
}

/* ---- Creation ---- */

int shim_switcher_create(struct lguest *lg)
{
	struct sim *sim;
	char why[200];
	unsigned int major, minor;
	int err;

	pthread_mutex_lock(&calibrate_lock);
	if (!calibrated && sim_calibrate(&offsets, why, sizeof(why)) == 0)
		calibrated = true;
	pthread_mutex_unlock(&calibrate_lock);
	if (!calibrated) {
		uc_version(&major, &minor);
		snprintf(lg->error, sizeof(lg->error),
			 "Unicorn %u.%u failed lguest-emu's start-up self-test: %s "
			 "(lguest-emu is tested with Unicorn 2.1.1 and 2.1.4)",
			 major, minor, why);
		return -EIO;
	}

	sim = calloc(1, sizeof(*sim));
	if (!sim) {
		snprintf(lg->error, sizeof(lg->error), "out of memory");
		return -ENOMEM;
	}
	sim->lg = lg;
	sim->cpu = &lg->cpus[0];
	lg->sim = sim;
	if (uc_open(UC_ARCH_X86, UC_MODE_32, &sim->uc) != UC_ERR_OK ||
	    uc_context_alloc(sim->uc, &sim->ctx) != UC_ERR_OK ||
	    uc_context_size(sim->uc) != offsets.ctx_size) {
		snprintf(lg->error, sizeof(lg->error), "cannot create the CPU");
		err = -EIO;
		goto fail;
	}
	err = sim_memory_init(sim);
	if (err)
		goto fail;
	if (uc_hook_add(sim->uc, &sim->hook_intr, UC_HOOK_INTR, (void *)hook_intr,
			sim, 1, 0) != UC_ERR_OK ||
	    uc_hook_add(sim->uc, &sim->hook_in, UC_HOOK_INSN, (void *)hook_in, sim,
			1, 0, UC_X86_INS_IN) != UC_ERR_OK ||
	    uc_hook_add(sim->uc, &sim->hook_out, UC_HOOK_INSN, (void *)hook_out,
			sim, 1, 0, UC_X86_INS_OUT) != UC_ERR_OK ||
	    uc_hook_add(sim->uc, &sim->hook_cpuid, UC_HOOK_INSN,
			(void *)sim_hook_cpuid, sim, 1, 0,
			UC_X86_INS_CPUID) != UC_ERR_OK) {
		snprintf(lg->error, sizeof(lg->error), "cannot hook the CPU");
		err = -EIO;
		goto fail;
	}
	if (uc_hook_add(sim->uc, &sim->hook_block, UC_HOOK_BLOCK,
			(void *)hook_block, sim, 1, 0) != UC_ERR_OK) {
		snprintf(lg->error, sizeof(lg->error), "cannot hook the CPU");
		err = -EIO;
		goto fail;
	}
	err = sim_clock_init(sim);
	if (err) {
		snprintf(lg->error, sizeof(lg->error), "cannot start the timer thread");
		goto fail;
	}
	return 0;
fail:
	shim_switcher_destroy(lg);
	return err;
}

void shim_switcher_destroy(struct lguest *lg)
{
	struct sim *sim = sim_of(lg);

	if (!sim)
		return;
	sim_clock_free(sim);
	if (sim->ctx)
		uc_context_free(sim->ctx);
	if (sim->uc)
		uc_close(sim->uc);
	sim_memory_free(sim);
	free(sim);
	lg->sim = NULL;
}

/*
 * Unicorn: libunicorn keeps a few small allocations for the life of the
 * process (seen on 2.1.1), which LeakSanitizer reports in our ASan build.
 * They are not ours to free; this tells LeakSanitizer so (the function is
 * only called by the sanitizer runtime).
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libunicorn.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
