/*
 * pgbench.c - n repetitions of one operation, for docs/performance.md.
 *
 * bench/run.sh times whole runs (wall clock) with n and with n = 0 and
 * divides the difference by n; the Guest also times the loop itself with
 * rdtsc (the Host's TSC is 1 GHz of its own clock) as a cross-check.
 *
 *   op=hcall    n synchronous hypercalls that do nothing (FLUSH_ASYNC with
 *               an empty ring): the round trip Guest -> Host -> Guest
 *   op=set_pte  n SET_PTE of the same Accessed+Dirty entry, which the Host
 *               has shadowed: it replaces its shadow entry each time, and
 *               as the old one was present, flushes the TLB
 *   op=set_pte_clear
 *               n SET_PTE of an entry without Accessed: the Host clears
 *               its shadow entry - already clear after the first, so no
 *               TLB flush
 *   op=switch   n NEW_PGTABLE, round robin over dirs=<d> directories
 *               (default 2), each switch followed by a read of pages=<p>
 *               user pages of that directory (default 1).  Up to 3
 *               directories (with the boot one, 4) the Host keeps every
 *               shadow and the reads refill the TLB from it; with more it
 *               recycles a slot on most switches and the reads fault
 *   op=fault    n fresh pages, each written once: n demand faults the
 *               Host handles (Accessed and Dirty set, mapped writable) -
 *               and n first touches of fresh memory by lguest-emu's
 *               process, which its own kernel must back with zeroed pages
 *   op=refault  the same pages written once in the set-up, then their
 *               shadows dropped (FLUSH_TLB(0)): n demand faults on pages
 *               the host has backed already, Dirty already set
 *   op=mmio     n 32-bit reads of the virtio console's device_feature
 *               (BAR0 + 4): each a page fault the Host hands to the
 *               Launcher, which decodes the instruction (Capstone), asks
 *               the device and steps the Guest past it
 *   op=syscall  n int $0x80 from ring 3 through a trap gate: direct, or
 *               through the Host with lguest-emu --no-direct-traps
 *
 * Kernel arguments: op=<op> n=<count> (default 0: only the set-up), and
 * for op=switch dirs=<d> pages=<p>.
 */
#include "io.h"
#include "guest.h"
#include "paging.h"
#include "time.h"
#include "traps.h"
#include "user.h"

#define AREA		0x40000000u
#define USER_PTE	(PT_PRESENT | PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY)
#define USER_PDE	(PT_PRESENT | PT_RW | PT_USER | PT_ACCESSED)

/* user.S */
extern char bench_syscall_loop[], bench_user_stack_top[];

static u8 kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define KERNEL_STACK_TOP ((u32)kernel_stack + sizeof(kernel_stack))

static u32 n, calls;

static void bench_hcall(void)
{
	for (u32 i = 0; i < n; i++)
		hcall0(LHCALL_FLUSH_ASYNC);
}

static u32 *pte_page;

static void setup_set_pte(void)
{
	lg_map(lg_pgdir, AREA, lg_alloc_page() | LG_PTE_FLAGS, LG_PDE_FLAGS);
	(void)*(volatile u32 *)AREA;	/* shadowed now */
	pte_page = lg_pte(lg_pgdir, AREA, false, 0);
}

static void bench_set_pte(void)
{
	for (u32 i = 0; i < n; i++)
		lg_set_pte(lg_pgdir, AREA, *pte_page);
}

static void setup_set_pte_clear(void)
{
	setup_set_pte();
	*pte_page &= ~(PT_ACCESSED | PT_DIRTY);
}

#define MAX_DIRS	16
#define MAX_PAGES	64
static u32 *dirs[MAX_DIRS];
static u32 ndirs, npages;

static void setup_switch(void)
{
	ndirs = lg_cmdline_u32("dirs", 2);
	npages = lg_cmdline_u32("pages", 1);
	if (ndirs < 2 || ndirs > MAX_DIRS || npages > MAX_PAGES)
		lg_panic("dirs=%u pages=%u: 2..%u directories, 0..%u pages", ndirs, npages,
			 MAX_DIRS, MAX_PAGES);
	for (u32 d = 0; d < ndirs; d++) {
		dirs[d] = lg_pgdir_create();
		for (u32 p = 0; p < npages; p++) {
			u32 page = lg_alloc_page();

			((u32 *)__va(page))[0] = d;
			lg_map(dirs[d], AREA + p * PAGE_SIZE, page | USER_PTE, USER_PDE);
		}
		lg_new_pgtable(dirs[d]);
		for (u32 p = 0; p < npages; p++)
			if (*(volatile u32 *)(AREA + p * PAGE_SIZE) != d)
				lg_panic("directory %u does not map its page %u", d, p);
	}
}

static void bench_switch(void)
{
	u32 d = 0;

	for (u32 i = 0; i < n; i++) {
		d = d + 1 == ndirs ? 0 : d + 1;
		lg_new_pgtable(dirs[d]);
		for (u32 p = 0; p < npages; p++)
			(void)*(volatile u32 *)(AREA + p * PAGE_SIZE);
	}
	lg_new_pgtable(lg_pgdir);
}

static void setup_fault(void)
{
	if (n > lg_pages_left() - n / PTRS_PER_TABLE - 1)
		lg_panic("n=%u pages do not fit in RAM", n);
	for (u32 i = 0; i < n; i++)
		*lg_pte(lg_pgdir, AREA + i * PAGE_SIZE, true, LG_PDE_FLAGS) =
			lg_alloc_frame() | PT_PRESENT | PT_RW;
}

static void bench_fault(void)
{
	for (u32 i = 0; i < n; i++)
		*(volatile u32 *)(AREA + i * PAGE_SIZE) = i;
}

static void setup_refault(void)
{
	setup_fault();
	bench_fault();
	lg_flush_tlb(false);
}

#define MMIO_VA		0xE0000000u
static volatile u32 *mmio_reg;

static void setup_mmio(void)
{
	u32 bar0;

	outl(0xCF8, 0x80000000u | (1u << 11) | 0x10);	/* slot 1: the console */
	bar0 = inl(0xCFC) & ~0xFu;
	lg_map(lg_pgdir, MMIO_VA, (bar0 & ~(PAGE_SIZE - 1)) | PT_PRESENT | PT_RW | PT_PCD,
	       LG_PDE_FLAGS);
	mmio_reg = (volatile u32 *)(MMIO_VA + (bar0 & (PAGE_SIZE - 1)) + 4);
}

static void bench_mmio(void)
{
	for (u32 i = 0; i < n; i++)
		(void)*mmio_reg;
}

static void on_syscall(struct lg_trap_frame *frame)
{
	(void)frame;
	if (++calls >= n)
		lg_user_return(calls);
}

static void setup_syscall(void)
{
	lg_traps_init();
	lg_set_gate(LG_SYSCALL_VECTOR, LG_GATE_TRAP, 3);
	lg_set_trap_handler(LG_SYSCALL_VECTOR, on_syscall);
	lg_user_init();
	lg_set_stack(KERNEL_STACK_TOP, 2);
}

static void bench_syscall(void)
{
	if (n)
		lg_run_user((u32)bench_syscall_loop, (u32)bench_user_stack_top);
}

static const struct {
	const char *name;
	void (*setup)(void);
	void (*run)(void);
} ops[] = {
	{ "hcall", NULL, bench_hcall },
	{ "set_pte", setup_set_pte, bench_set_pte },
	{ "set_pte_clear", setup_set_pte_clear, bench_set_pte },
	{ "switch", setup_switch, bench_switch },
	{ "fault", setup_fault, bench_fault },
	{ "refault", setup_refault, bench_fault },
	{ "mmio", setup_mmio, bench_mmio },
	{ "syscall", setup_syscall, bench_syscall },
};

void guest_main(void)
{
	const char *op = lg_cmdline_value("op");
	u64 t0, t1;
	u32 ns;

	n = lg_cmdline_u32("n", 0);
	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!lg_cmdline_is("op", ops[i].name))
			continue;
		if (ops[i].setup)
			ops[i].setup();
		t0 = lg_rdtsc();
		ops[i].run();
		t1 = lg_rdtsc();
		if (t1 - t0 >= 0xFFFFFFFFull)
			lg_panic("op=%s n=%u took more than 4 s", ops[i].name, n);
		ns = (u32)(t1 - t0);
		lg_printf("pgbench: op=%s n=%u: %u us by the TSC", ops[i].name, n, ns / 1000);
		if (n)
			lg_printf(", %u ns each", ns / n);
		lg_printf("\n");
		return;
	}
	lg_panic("op=%s: not one of hcall, set_pte, set_pte_clear, switch, fault, refault, mmio, syscall", op ? op : "");
}
