/*
 * kills.c - one bad request to the Host, chosen by the kernel argument
 * "kill=<name>"; the Host must kill us with a reason naming the bad value
 * (docs/lguest-4.4-abi.md 4.6).  If it lets the request pass we panic,
 * which is a different exit status.
 *
 * The requests that must come before LGUEST_INIT are in kills_early.S, a
 * Guest without our library (whose head.S makes LGUEST_INIT first).
 */
#include "guest.h"
#include "segments.h"
#include "time.h"
#include "traps.h"

static u8 stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define STACK_TOP ((u32)stack + sizeof(stack))

/* An 8-byte gate for our vector-0 stub, present, of the given type. */
static void load_gate(u32 vector, u32 type)
{
	u32 handler = (u32)lg_trap_stubs;

	hcall3(LHCALL_LOAD_IDT_ENTRY, vector, ((u32)LG_KERNEL_CS << 16) | (handler & 0xFFFF),
	       (handler & 0xFFFF0000) | 0x8000 | (1u << 13) | (type << 8));
}

/* The PDE or PTE for vaddr in our boot tables (head.S). */
static u32 *pde_of(u32 vaddr)
{
	return &lg_pgdir[vaddr >> PGDIR_SHIFT];
}

static void second_init(void)
{
	hcall1(LHCALL_LGUEST_INIT, __pa(&lguest_data));
}

static void unknown_hcall(void)
{
	hcall0(99);
}

static void set_pmd(void)
{
	/* PAE only: a non-PAE Host (4.4's default, and ours) has no call 13. */
	hcall2(LHCALL_SET_PMD, __pa(lg_pgdir), 0);
}

static void notify(void)
{
	/* LHCALL_NOTIFY before 4.1: gone in 4.4. */
	hcall1(17, 0);
}

static void stack_rpl0(void)
{
	hcall3(LHCALL_SET_STACK, LG_KERNEL_DS & ~3u, STACK_TOP, 2);
}

static void stack_rpl3(void)
{
	hcall3(LHCALL_SET_STACK, LG_USER_DS, STACK_TOP, 2);
}

static void stack_3_pages(void)
{
	hcall3(LHCALL_SET_STACK, LG_KERNEL_DS, STACK_TOP, 3);
}

static void stack_unmapped(void)
{
	/* Below PAGE_OFFSET and above RAM: not in our page tables. */
	hcall3(LHCALL_SET_STACK, LG_KERNEL_DS, 0x80000000, 2);
}

static void idt_index_256(void)
{
	load_gate(256, LG_GATE_INTERRUPT);
}

static void idt_call_gate(void)
{
	load_gate(0x30, 0xC);	/* a 32-bit call gate */
}

static void gdt_index_32(void)
{
	lg_load_gdt_entry(32, lg_segment(0, 0xFFFFFFFF, LG_SEG_DATA, 1));
}

static void set_pte_switcher(void)
{
	/* The first page the Host reserves at the top (reserve_mem). */
	u32 vaddr = 0u - READ_ONCE(lguest_data.reserve_mem);

	hcall3(LHCALL_SET_PTE, __pa(lg_pgdir), vaddr, 0);
}

static void set_pgd_1025(void)
{
	hcall2(LHCALL_SET_PGD, __pa(lg_pgdir), 1025);
}

static void shutdown_outside_ram(void)
{
	/* The Host reads 128 bytes: the last 64 of RAM and 64 beyond. */
	hcall2(LHCALL_SHUTDOWN, lg_ram_size - 64, LGUEST_SHUTDOWN_POWEROFF);
}

static void tls_outside_ram(void)
{
	hcall2(LHCALL_LOAD_TLS, lg_ram_size - 8, 0);
}

static void undeliverable_trap(void)
{
	/* No IDT at all: the Host has nowhere to send #UD. */
	asm volatile("ud2" : : : "memory");
}

static void stack_push_unmapped(void)
{
	/* A trap the Host delivers (interrupt gate) onto an unmapped stack. */
	lg_set_gate(3, LG_GATE_INTERRUPT, 1);
	asm volatile("movl %%esp, %%ebx\n\t"
		     "movl $0x80000000, %%esp\n\t"
		     "int3\n\t"
		     "movl %%ebx, %%esp" : : : "ebx", "memory");
}

static void bad_pde(void)
{
	/* A 4 MiB page (PSE): the 4.4 Guest never makes one. */
	u32 vaddr = 0x80000000;

	*pde_of(vaddr) = 0x00000000 | PT_PRESENT | PT_RW | 0x80;
	hcall2(LHCALL_SET_PGD, __pa(lg_pgdir), vaddr >> PGDIR_SHIFT);
	(void)READ_ONCE(*(u32 *)vaddr);
}

static void bad_pte(void)
{
	/* A PTE with the PSE bit, for a page of our own image. */
	u32 vaddr = (u32)stack;
	u32 *table = __va(*pde_of(vaddr) & ~(PAGE_SIZE - 1));
	u32 *pte = &table[(vaddr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1)];

	*pte = (*pte & ~(PT_ACCESSED | PT_DIRTY)) | 0x80;
	hcall3(LHCALL_SET_PTE, __pa(lg_pgdir), vaddr, *pte);
	(void)READ_ONCE(*(u32 *)vaddr);
}

static void halt_blocked(void)
{
	/* Nothing can ever wake us: every line masked, no timer. */
	lg_set_clockevent(0);
	WRITE_ONCE(lguest_data.blocked_interrupts, 0xFFFFFFFF);
	lg_halt();
}

static void stale_segment(void)
{
	/* %fs refers to entry 27, which we then make not present: the
	 * Host cannot reload it when it enters us again. */
	lg_load_gdt_entry(27, lg_segment(0, 0xFFFFFFFF, LG_SEG_DATA, 1));
	lg_load_fs(LG_SELECTOR(27, 1));
	hcall3(LHCALL_LOAD_GDT_ENTRY, 27, 0, 0);
}

static const struct {
	const char *name;
	void (*run)(void);
} kills[] = {
	{ "kill=second_init", second_init },
	{ "kill=unknown_hcall", unknown_hcall },
	{ "kill=set_pmd", set_pmd },
	{ "kill=notify", notify },
	{ "kill=stack_rpl0", stack_rpl0 },
	{ "kill=stack_rpl3", stack_rpl3 },
	{ "kill=stack_3_pages", stack_3_pages },
	{ "kill=stack_unmapped", stack_unmapped },
	{ "kill=idt_index_256", idt_index_256 },
	{ "kill=idt_call_gate", idt_call_gate },
	{ "kill=gdt_index_32", gdt_index_32 },
	{ "kill=set_pte_switcher", set_pte_switcher },
	{ "kill=set_pgd_1025", set_pgd_1025 },
	{ "kill=shutdown_outside_ram", shutdown_outside_ram },
	{ "kill=tls_outside_ram", tls_outside_ram },
	{ "kill=undeliverable_trap", undeliverable_trap },
	{ "kill=stack_push_unmapped", stack_push_unmapped },
	{ "kill=bad_pde", bad_pde },
	{ "kill=bad_pte", bad_pte },
	{ "kill=halt_blocked", halt_blocked },
	{ "kill=stale_segment", stale_segment },
};

void guest_main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		if (!lg_cmdline_has(kills[i].name))
			continue;
		lg_printf("kills guest: %s\n", kills[i].name);
		kills[i].run();
		lg_panic("the Host let %s pass", kills[i].name);
	}
	lg_panic("no kill=<name> on the command line");
}
