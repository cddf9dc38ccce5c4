/*
 * paging.c - page tables of our own, and probes that survive page faults
 * (paging.h).
 */
#include "guest.h"
#include "paging.h"
#include "traps.h"

/* ---- physical pages ------------------------------------------------------ */

/*
 * A bump allocator over the RAM after the kernel and its boot tables
 * (lg_free_phys) up to the end of what PAGE_OFFSET maps (lg_lowmem_size),
 * so every page we hand out can be reached at __va().  Nothing is freed.
 */
static u32 next_free;

static u32 take_page(void)
{
	u32 page;

	if (!next_free)
		next_free = lg_free_phys;
	if (next_free + PAGE_SIZE > lg_lowmem_size || next_free + PAGE_SIZE < next_free)
		lg_panic("out of memory: no page left below %08x", lg_lowmem_size);
	page = next_free;
	next_free += PAGE_SIZE;
	return page;
}

u32 lg_alloc_page(void)
{
	u32 page = take_page();

	memset(__va(page), 0, PAGE_SIZE);
	return page;
}

/*
 * The Launcher zero-fills RAM and loads nothing above the kernel's boot
 * tables; we never reuse a page.  So a fresh frame is zero already, and
 * not touching it means no page fault is taken on its behalf through the
 * PAGE_OFFSET alias (the demand Guest counts faults).
 */
u32 lg_alloc_frame(void)
{
	return take_page();
}

u32 lg_pages_left(void)
{
	u32 next = next_free ? next_free : lg_free_phys;

	return next < lg_lowmem_size ? (lg_lowmem_size - next) / PAGE_SIZE : 0;
}

/* ---- directories and entries -------------------------------------------- */

/*
 * Kernel mappings are the same in every directory (lguest_data.
 * kernel_address = PAGE_OFFSET tells the Host so): the new directory
 * points at lg_pgdir's kernel page tables.  A kernel page table added
 * later to one directory is not seen by the others - make directories
 * after the kernel half is complete.
 */
u32 *lg_pgdir_create(void)
{
	u32 *pgdir = __va(lg_alloc_page());
	unsigned int i;

	for (i = KERNEL_PGD_INDEX; i < PTRS_PER_TABLE; i++)
		pgdir[i] = lg_pgdir[i];
	return pgdir;
}

u32 *lg_pte(u32 *pgdir, u32 vaddr, bool alloc, u32 pde_flags)
{
	u32 *pde = &pgdir[vaddr >> PGDIR_SHIFT];

	if (!(*pde & PT_PRESENT)) {
		if (!alloc)
			return NULL;
		*pde = lg_alloc_page() | pde_flags;
		/* As Linux's set_pmd: the Host drops its copy of the entry. */
		lg_set_pgd(pgdir, vaddr);
	}
	return (u32 *)__va(PT_FRAME(*pde)) + ((vaddr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1));
}

void lg_map(u32 *pgdir, u32 vaddr, u32 pte, u32 pde_flags)
{
	u32 *entry = lg_pte(pgdir, vaddr, true, pde_flags);

	*entry = pte;
	lg_set_pte(pgdir, vaddr, pte);
}

/* ---- probes -------------------------------------------------------------- */

/*
 * Each probe is one instruction with a label before and after it.  If it
 * faults, lg_probe_fixup() records the fault and resumes after it, as a
 * Linux exception-table entry would.
 */
u32 lg_probe_read_asm(u32 vaddr);
void lg_probe_write_asm(u32 vaddr, u32 value);
extern char lg_probe_read_insn[], lg_probe_read_done[];
extern char lg_probe_write_insn[], lg_probe_write_done[];

asm(".text\n"
    ".globl lg_probe_read_asm, lg_probe_read_insn, lg_probe_read_done\n"
    "lg_probe_read_asm:\n"
    "	movl 4(%esp), %edx\n"
    "	xorl %eax, %eax\n"
    "lg_probe_read_insn:\n"
    "	movl (%edx), %eax\n"
    "lg_probe_read_done:\n"
    "	ret\n"
    ".globl lg_probe_write_asm, lg_probe_write_insn, lg_probe_write_done\n"
    "lg_probe_write_asm:\n"
    "	movl 4(%esp), %edx\n"
    "	movl 8(%esp), %eax\n"
    "lg_probe_write_insn:\n"
    "	movl %eax, (%edx)\n"
    "lg_probe_write_done:\n"
    "	ret\n");

static struct lg_fault probe_fault;

bool lg_probe_fixup(struct lg_trap_frame *frame)
{
	u32 resume;

	if (frame->vector != 14)
		return false;
	if (frame->eip == (u32)lg_probe_read_insn)
		resume = (u32)lg_probe_read_done;
	else if (frame->eip == (u32)lg_probe_write_insn)
		resume = (u32)lg_probe_write_done;
	else
		return false;
	probe_fault.faulted = true;
	probe_fault.cr2 = READ_ONCE(lguest_data.cr2);
	probe_fault.error_code = frame->error_code;
	probe_fault.eip = frame->eip;
	frame->eip = resume;
	return true;
}

static void on_page_fault(struct lg_trap_frame *frame)
{
	if (!lg_probe_fixup(frame))
		lg_panic("unexpected page fault at eip %08x, cr2 %08x, error %x (%s)",
			 frame->eip, READ_ONCE(lguest_data.cr2), frame->error_code,
			 lg_pf_bits(frame->error_code));
}

void lg_probe_init(void)
{
	lg_set_trap_handler(14, on_page_fault);
}

static void probe_start(void)
{
	probe_fault = (struct lg_fault){ 0 };
	barrier();
}

static bool probe_end(struct lg_fault *fault)
{
	barrier();
	if (fault)
		*fault = probe_fault;
	return !probe_fault.faulted;
}

bool lg_probe_read(u32 vaddr, u32 *value, struct lg_fault *fault)
{
	u32 v;

	probe_start();
	v = lg_probe_read_asm(vaddr);
	if (!probe_end(fault))
		return false;
	if (value)
		*value = v;
	return true;
}

bool lg_probe_write(u32 vaddr, u32 value, struct lg_fault *fault)
{
	probe_start();
	lg_probe_write_asm(vaddr, value);
	return probe_end(fault);
}

const char *lg_pf_bits(u32 error_code)
{
	static const char *const names[8] = {
		"kernel read, not present",	"kernel read, protection",
		"kernel write, not present",	"kernel write, protection",
		"user read, not present",	"user read, protection",
		"user write, not present",	"user write, protection",
	};

	return names[error_code & 7];
}
