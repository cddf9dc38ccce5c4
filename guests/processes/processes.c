/*
 * processes.c - user processes with address spaces of their own, switched
 * thousands of times.
 *
 * Each process has its own page directory: the kernel half (PAGE_OFFSET
 * and up) is the boot directory's, shared, as in every Linux address
 * space; the user half maps the same virtual addresses (processes.h) to
 * pages of its own.  All run the same ring-3 code (user.S), which checks
 * its pages and counts its rounds, and yields with int $0x80 - a trap gate
 * the CPU takes straight into us.  On each yield the kernel checks the
 * process's memory and registers, saves its registers from the trap frame,
 * switches address space and loads the next process's registers into the
 * frame: the iret lands in the next process.  Round robin.
 *
 * The switch is LHCALL_NEW_PGTABLE, made one of two ways (as Linux's
 * context switch may): synchronously, or queued in the async hypercall
 * ring and run by the FLUSH_ASYNC that ends the switch.
 *
 * The Host keeps shadows of up to 4 directories.  With 2 processes (plus
 * the boot directory) they all fit: `-d pte` shows one "pte new pgdir" per
 * process however many switches there are.  With 5 processes they do not:
 * slots are recycled ("(recycled)"), their user halves rebuilt by faults,
 * and every process must still find its own pages.
 *
 * Kernel arguments: procs=<n> (2..8, default 2), switches=<n> (default
 * 10000), via=sync|async|both (default both: the first half synchronous,
 * the second through the ring).
 */
#include "async.h"
#include "guest.h"
#include "paging.h"
#include "processes.h"
#include "traps.h"
#include "user.h"

#define MAX_PROCS	8

/* user.S */
extern char proc_main[];

/* The ring-1 stack for traps from ring 3, shared by every process. */
static u8 kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define KERNEL_STACK_TOP ((u32)kernel_stack + sizeof(kernel_stack))

struct context {
	u32 eip, esp, eflags;
	u32 edi, esi, ebp, ebx, edx, ecx, eax;
};

struct proc {
	u32 *pgdir;
	u32 rounds;		/* yields seen from it */
	bool started;
	struct context ctx;
};

static struct proc procs[MAX_PROCS];
static unsigned int nprocs, current;
static u32 target, switches, sync_switches, async_switches;
static enum { VIA_SYNC, VIA_ASYNC, VIA_BOTH } via;

static volatile u32 *header(void)
{
	return (volatile u32 *)USER_BASE;
}

/* Switch the CPU to process p's address space, as "via" says. */
static void switch_mm(struct proc *p)
{
	bool async = via == VIA_ASYNC || (via == VIA_BOTH && switches >= target / 2);

	if (async) {
		/* Linux: NEW_PGTABLE (and more) queued in lazy mode, then
		 * FLUSH_ASYNC at the end of the switch runs them. */
		if (!lg_async_hcall(LHCALL_NEW_PGTABLE, __pa(p->pgdir), 0, 0, 0))
			lg_panic("async ring full");
		lg_flush_async();
		async_switches++;
	} else {
		lg_new_pgtable(p->pgdir);
		sync_switches++;
	}
}

static void save_context(struct context *c, const struct lg_trap_frame *f)
{
	*c = (struct context){ f->eip, f->user_esp, f->eflags, f->edi, f->esi,
			       f->ebp, f->ebx, f->edx, f->ecx, f->eax };
}

static void load_context(struct lg_trap_frame *f, const struct context *c)
{
	f->eip = c->eip;
	f->user_esp = c->esp;
	f->eflags = c->eflags;
	f->edi = c->edi;
	f->esi = c->esi;
	f->ebp = c->ebp;
	f->ebx = c->ebx;
	f->edx = c->edx;
	f->ecx = c->ecx;
	f->eax = c->eax;
}

/* int $0x80: the current process yields. */
static void on_syscall(struct lg_trap_frame *frame)
{
	struct proc *p = &procs[current], *next;

	if (frame->eax != SYS_YIELD)
		lg_panic("process %u: unknown system call %u", current, frame->eax);
	/* Its memory, seen from the kernel through its directory. */
	if (header()[0] != current || frame->esi != current)
		lg_panic("process %u: its header says pid %u, its esi %u", current,
			 header()[0], frame->esi);
	if (header()[1] != p->rounds + 1)
		lg_panic("process %u: round counter %u, expected %u", current, header()[1],
			 p->rounds + 1);
	p->rounds++;
	if (switches == target)
		lg_user_return(switches);

	save_context(&p->ctx, frame);
	current = (current + 1) % nprocs;
	next = &procs[current];
	switch_mm(next);
	switches++;
	if (!next->started) {
		next->started = true;
		next->ctx = (struct context){ .eip = (u32)proc_main, .esp = USER_STACK_TOP,
					      .eflags = X86_EFLAGS_IF | 0x2 };
	}
	load_context(frame, &next->ctx);
}

static void on_invalid_opcode(struct lg_trap_frame *frame)
{
	lg_panic("process %u found its memory changed (eip %08x, round %u, "
		 "header %08x %08x)", current, frame->eip, procs[current].rounds,
		 header()[0], header()[1]);
}

#define USER_PTE	(PT_PRESENT | PT_RW | PT_USER)
#define USER_PDE	(PT_PRESENT | PT_RW | PT_USER | PT_ACCESSED)

/* A directory of its own, and its pages, filled in through PAGE_OFFSET. */
static void make_process(unsigned int pid)
{
	struct proc *p = &procs[pid];
	u32 page, k;

	p->pgdir = lg_pgdir_create();
	page = lg_alloc_page();
	((u32 *)__va(page))[0] = pid;
	lg_map(p->pgdir, USER_BASE, page | USER_PTE, USER_PDE);
	for (k = 1; k <= USER_DATA_PAGES; k++) {
		page = lg_alloc_page();
		((u32 *)__va(page))[0] = SIGNATURE(pid, k);
		lg_map(p->pgdir, USER_BASE + k * PAGE_SIZE, page | USER_PTE, USER_PDE);
	}
	lg_map(p->pgdir, USER_STACK_PAGE, lg_alloc_page() | USER_PTE, USER_PDE);
}

/* After the run: every process's pages, and the bits the Host set. */
static void check_process(unsigned int pid)
{
	struct proc *p = &procs[pid];
	u32 k, pte;

	lg_new_pgtable(p->pgdir);
	if (header()[0] != pid || header()[1] != p->rounds)
		lg_panic("process %u: header %u %u, expected %u %u", pid, header()[0],
			 header()[1], pid, p->rounds);
	for (k = 1; k <= USER_DATA_PAGES; k++)
		if (*(volatile u32 *)(USER_BASE + k * PAGE_SIZE) != SIGNATURE(pid, k))
			lg_panic("process %u: data page %u changed", pid, k);
	/* Read-only use leaves a page clean; the header and the last data
	 * page were written. */
	for (k = 0; k <= USER_DATA_PAGES; k++) {
		u32 want = k == 0 || k == USER_DATA_PAGES ? PT_ACCESSED | PT_DIRTY
							  : PT_ACCESSED;

		pte = *lg_pte(p->pgdir, USER_BASE + k * PAGE_SIZE, false, 0);
		if ((pte & (PT_ACCESSED | PT_DIRTY)) != want)
			lg_panic("process %u: page %u pte %08x: Accessed/Dirty wrong", pid, k,
				 pte);
	}
}

void guest_main(void)
{
	unsigned int i;
	u32 done, total = 0;

	nprocs = lg_cmdline_u32("procs", 2);
	target = lg_cmdline_u32("switches", 10000);
	via = lg_cmdline_is("via", "sync") ? VIA_SYNC
	      : lg_cmdline_is("via", "async") ? VIA_ASYNC : VIA_BOTH;
	if (nprocs < 2 || nprocs > MAX_PROCS)
		lg_panic("procs=%u: 2 to %u", nprocs, MAX_PROCS);
	lg_printf("processes guest: %u processes, %u switches (%s)\n", nprocs, target,
		  via == VIA_SYNC ? "NEW_PGTABLE" : via == VIA_ASYNC
		  ? "NEW_PGTABLE in the async ring + FLUSH_ASYNC"
		  : "first half NEW_PGTABLE, second half through the async ring");

	lg_traps_init();
	lg_set_trap_handler(6, on_invalid_opcode);
	lg_set_gate(LG_SYSCALL_VECTOR, LG_GATE_TRAP, 3);
	lg_set_trap_handler(LG_SYSCALL_VECTOR, on_syscall);
	/* User bit on the user code's pages first: the directories copy
	 * the kernel half, directory entries included. */
	lg_user_init();
	lg_set_stack(KERNEL_STACK_TOP, 2);

	for (i = 0; i < nprocs; i++)
		make_process(i);

	current = 0;
	procs[0].started = true;
	lg_new_pgtable(procs[0].pgdir);
	done = lg_run_user((u32)proc_main, USER_STACK_TOP);
	if (done != target)
		lg_panic("stopped after %u switches", done);

	for (i = 0; i < nprocs; i++) {
		check_process(i);
		total += procs[i].rounds;
	}
	lg_new_pgtable(lg_pgdir);
	lg_printf("processes guest: %u switches (%u NEW_PGTABLE, %u through the async "
		  "ring), %u rounds in ring 3\n", switches, sync_switches,
		  async_switches, total);
	for (i = 0; i < nprocs; i++)
		lg_printf("  process %u: %u rounds, its pages intact\n", i, procs[i].rounds);
}
