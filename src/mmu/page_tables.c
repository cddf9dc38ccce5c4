/*
 * page_tables.c - shadow paging.
 *
 * The Guest keeps ordinary 2-level x86 page tables in its own memory, but
 * the CPU never walks them.  It walks our "shadow" tables, in host pages,
 * which we fill lazily: the Guest starts with an empty shadow, takes a page
 * fault, and demand_page() reads the Guest's entries, checks them, sets the
 * Accessed and Dirty bits the CPU would have set, and copies the entry into
 * the shadow.  The Guest tells us when it changes an entry (SET_PTE,
 * SET_PGD, FLUSH_TLB) and we throw our copy away.
 *
 *   Guest page directory --(demand_page)--> shadow directory --> CPU (CR3)
 *   Guest page table     --(demand_page)--> shadow page table
 *
 * We keep up to four shadow directories (one per recently used Guest
 * directory), so switching between Guest processes does not start from
 * scratch.  The top 4 MiB of every shadow maps the Switcher's page.
 *
 * Non-PAE only (2-level, 4 KiB pages): a 4.4 Guest hides PSE from itself,
 * so a large-page entry is malformed.  The entry format is in this file
 * alone, so a PAE variant can replace these helpers without reshaping the
 * rest.
 */
#include <string.h>

#include "lg.h"

#define PTRS_PER_PGD 1024u
#define PTRS_PER_PTE 1024u

#define _PAGE_PRESENT 0x001u
#define _PAGE_RW 0x002u
#define _PAGE_USER 0x004u
#define _PAGE_ACCESSED 0x020u
#define _PAGE_DIRTY 0x040u
#define _PAGE_PSE 0x080u
#define _PAGE_GLOBAL 0x100u
#define _PAGE_TABLE 0x067u /* P | RW | U | A | D: all a PDE may carry */

static inline u32 pgd_index(u32 vaddr)
{
	return vaddr >> 22;
}
static inline u32 pte_index(u32 vaddr)
{
	return (vaddr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}
static inline u32 entry_pfn(u32 entry)
{
	return entry >> PAGE_SHIFT;
}
static inline u32 entry_flags(u32 entry)
{
	return entry & ~PAGE_MASK;
}

static struct pgdir *current_pgdir(struct lg_cpu *cpu)
{
	return &cpu->lg->pgdirs[cpu->cpu_pgd];
}

/* Before the Guest's first NEW_PGTABLE we make its page tables up. */
static bool linear_mode(struct lg_cpu *cpu)
{
	return cpu->linear_pages;
}

/* The first page-directory slot that is the kernel's (same in all). */
static u32 kernel_pgd_index(const struct lguest *lg)
{
	if (!lg->kernel_address)
		return SWITCHER_PGD_INDEX;
	return pgd_index(lg->kernel_address);
}

/* ---- Reading the Guest's entries ---- */

/*
 * The Guest's page-directory entry for vaddr.  In linear mode: a table of
 * everything.  False if it cannot be read (outside Guest RAM).
 */
static bool read_gpgd(struct lg_cpu *cpu, u32 vaddr, u32 *gpgd)
{
	struct pgdir *pgd = current_pgdir(cpu);

	if (linear_mode(cpu)) {
		*gpgd = _PAGE_TABLE;
		return true;
	}
	return shim_guest_read(cpu->lg, pgd->gpgdir + pgd_index(vaddr) * 4,
			       gpgd, 4);
}

/* Where the Guest's PTE for vaddr lives, given its directory entry. */
static u32 gpte_addr(u32 gpgd, u32 vaddr)
{
	return (gpgd & PAGE_MASK) + pte_index(vaddr) * 4;
}

/* In linear mode every page maps to itself, kernel-only and writable. */
static bool read_gpte(struct lg_cpu *cpu, u32 gpgd, u32 vaddr, u32 *gpte)
{
	if (linear_mode(cpu)) {
		*gpte = (vaddr & PAGE_MASK) | _PAGE_PRESENT | _PAGE_RW;
		return true;
	}
	return shim_guest_read(cpu->lg, gpte_addr(gpgd, vaddr), gpte, 4);
}

/* A directory entry may only carry the table bits, and point into RAM. */
static bool check_gpgd(struct lg_cpu *cpu, u32 gpgd)
{
	if ((entry_flags(gpgd) & ~_PAGE_TABLE) ||
	    entry_pfn(gpgd) >= cpu->lg->pfn_limit) {
		kill_guest(cpu, "bad page directory entry %#x", gpgd);
		return false;
	}
	return true;
}

/* A PTE may not be a large page, and must map RAM (MMIO is handled
 * before we get here). */
static bool check_gpte(struct lg_cpu *cpu, u32 gpte)
{
	if ((gpte & _PAGE_PSE) || entry_pfn(gpte) >= cpu->lg->pfn_limit) {
		kill_guest(cpu, "bad page table entry %#x", gpte);
		return false;
	}
	return true;
}

static bool is_mmio_pfn(const struct lguest *lg, u32 pfn)
{
	return pfn >= lg->pfn_limit && pfn < lg->device_limit;
}

/*
 * The shadow entry for a Guest PTE: same frame (Guest-physical addresses
 * are the CPU's physical addresses), same flags but Global (we flush on
 * every Guest page-table switch).  If the Guest has not yet dirtied the
 * page we map it read-only, so that the first write faults and we can set
 * the Dirty bit in the Guest's entry: that is how Dirty stays exact.
 */
static u32 gpte_to_spte(u32 gpte, bool writable)
{
	u32 flags = entry_flags(gpte) & ~_PAGE_GLOBAL;

	if (!writable)
		flags &= ~_PAGE_RW;
	return (gpte & PAGE_MASK) | flags;
}

/* ---- Shadow directory entries ---- */

static u32 *spte_page(struct lguest *lg, u32 spgd)
{
	return shim_page(lg, spgd & PAGE_MASK);
}

/* Drop one shadow directory entry and the page table under it. */
static bool release_pgd(struct lguest *lg, u32 *spgd)
{
	u32 phys;

	if (!(*spgd & _PAGE_PRESENT))
		return false;
	phys = *spgd & PAGE_MASK;
	*spgd = 0;
	/* The Switcher's page table is shared by every directory. */
	if (phys != lg->switcher_pte_phys)
		shim_free_page(lg, phys);
	return true;
}

/* Drop the shadow entries [first, last) of one directory. */
static bool release_range(struct lguest *lg, struct pgdir *pgd, u32 first,
			  u32 last)
{
	bool any = false;
	u32 i;

	if (!pgd->pgdir)
		return false;
	for (i = first; i < last && i < PTRS_PER_PGD; i++) {
		u32 old = pgd->pgdir[i];

		if (!release_pgd(lg, &pgd->pgdir[i]))
			continue;
		any = true;
		lgtrace(lg, LG_TRACE_PTE,
			"pte release pgdir %u vaddr 0x%08x old 0x%08x new 0x00000000",
			(unsigned int)(pgd - lg->pgdirs), i << 22, old);
	}
	return any;
}

static void release_all_pagetables(struct lguest *lg)
{
	unsigned int i;

	for (i = 0; i < NR_PGDIRS; i++)
		release_range(lg, &lg->pgdirs[i], 0, PTRS_PER_PGD);
}

/* The Switcher's page, mapped read-only at the top of every shadow. */
static u32 switcher_pgd(const struct lguest *lg)
{
	return lg->switcher_pte_phys | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
}

void map_switcher_in_guest(struct lg_cpu *cpu)
{
	current_pgdir(cpu)->pgdir[SWITCHER_PGD_INDEX] = switcher_pgd(cpu->lg);
}

/* ---- The heart: demand paging ---- */

/*
 * The Guest faulted at vaddr with errcode (bit 1: write, bit 2: user).
 * If its own page tables allow the access, copy the entry into the shadow
 * and return true: the Guest just retries.  Otherwise return false: the
 * fault is the Guest's to see - unless *iomem is set, meaning the access
 * is to the device window and the Launcher must emulate it.
 */
bool demand_page(struct lg_cpu *cpu, u32 vaddr, u32 errcode, u32 *iomem)
{
	struct lguest *lg = cpu->lg;
	struct pgdir *pgd = current_pgdir(cpu);
	bool write = errcode & 2, user = errcode & 4;
	u32 gpgd, gpte, old_gpte, *spgd, *ptes, *spte;

	*iomem = 0;
	if (vaddr >= SWITCHER_ADDR)
		return false;

	if (!read_gpgd(cpu, vaddr, &gpgd)) {
		kill_guest(cpu, "bad page directory %#x", pgd->gpgdir);
		return false;
	}
	if (!(gpgd & _PAGE_PRESENT))
		return false;
	if (!linear_mode(cpu) && !check_gpgd(cpu, gpgd))
		return false;

	if (!read_gpte(cpu, gpgd, vaddr, &gpte)) {
		kill_guest(cpu, "bad page table at %#x", gpgd & PAGE_MASK);
		return false;
	}
	old_gpte = gpte;
	if (!(gpte & _PAGE_PRESENT))
		return false;
	/* Both levels must allow it, as they would on the CPU. */
	if (write && !(gpte & gpgd & _PAGE_RW))
		return false;
	if (user && !(gpte & gpgd & _PAGE_USER))
		return false;

	if (is_mmio_pfn(lg, entry_pfn(gpte))) {
		*iomem = (gpte & PAGE_MASK) | (vaddr & ~PAGE_MASK);
		return false;
	}
	if (!check_gpte(cpu, gpte))
		return false;

	/* What the CPU would have done to the Guest's entry. */
	gpte |= _PAGE_ACCESSED;
	if (write)
		gpte |= _PAGE_DIRTY;

	spgd = &pgd->pgdir[pgd_index(vaddr)];
	if (!(*spgd & _PAGE_PRESENT)) {
		u32 phys;

		if (!shim_alloc_page(lg, &phys)) {
			kill_guest(cpu, "out of memory for shadow page tables");
			return false;
		}
		*spgd = phys | entry_flags(gpgd);
	}
	ptes = spte_page(lg, *spgd);
	spte = &ptes[pte_index(vaddr)];
	{
		u32 new = gpte_to_spte(gpte, gpte & _PAGE_DIRTY);

		lgtrace(lg, LG_TRACE_PTE,
			"pte fault pgdir %u vaddr 0x%08x old 0x%08x new 0x%08x",
			cpu->cpu_pgd, vaddr, *spte, new);
		*spte = new;
	}

	/* Tell the Guest what it would have seen: Accessed, Dirty. */
	if (!linear_mode(cpu) && gpte != old_gpte)
		lgwrite_u32(cpu, gpte_addr(gpgd, vaddr), gpte);
	return true;
}

/*
 * The error code the Guest would have seen from its own tables.  The CPU
 * faulted walking our shadow, where a page the Guest maps but we have not
 * shadowed yet is "not present"; but when demand_page() refuses because
 * the Guest's entry is present and forbids the access, hardware would say
 * "present" (bit 0).  Linux's fault handler depends on that bit.
 */
u32 guest_fault_errcode(struct lg_cpu *cpu, u32 vaddr, u32 errcode)
{
	u32 gpgd, gpte;

	if (vaddr >= SWITCHER_ADDR)
		return errcode;
	errcode &= ~1u;
	if (!read_gpgd(cpu, vaddr, &gpgd) || !(gpgd & _PAGE_PRESENT))
		return errcode;
	if (!read_gpte(cpu, gpgd, vaddr, &gpte) || !(gpte & _PAGE_PRESENT))
		return errcode;
	return errcode | 1;
}

/*
 * Translate a Guest virtual address through the Guest's own tables (for
 * pushing trap frames and reading instructions): no permission checks,
 * no Accessed bits.  False if it is not mapped.
 */
bool guest_pa(struct lg_cpu *cpu, u32 vaddr, u32 *gpa)
{
	u32 gpgd, gpte;

	if (linear_mode(cpu)) {
		*gpa = vaddr;
		return vaddr < SWITCHER_ADDR;
	}
	if (!read_gpgd(cpu, vaddr, &gpgd) || !(gpgd & _PAGE_PRESENT))
		return false;
	if (!read_gpte(cpu, gpgd, vaddr, &gpte) || !(gpte & _PAGE_PRESENT))
		return false;
	*gpa = (gpte & PAGE_MASK) | (vaddr & ~PAGE_MASK);
	return true;
}

/*
 * Traps from ring 3 push onto the kernel stack; keep it mapped writable so
 * that works (and the Dirty bits are right) from the start.
 */
void pin_stack_pages(struct lg_cpu *cpu)
{
	unsigned int i;
	u32 iomem;

	for (i = 0; i < cpu->stack_pages; i++) {
		u32 vaddr = cpu->esp1 - 1 - i * PAGE_SIZE;

		if (!demand_page(cpu, vaddr, 2, &iomem)) {
			kill_guest(cpu, "bad stack page %#x", vaddr);
			return;
		}
	}
}

/* ---- The directory cache ---- */

static unsigned int find_pgdir(const struct lguest *lg, u32 gpgdir)
{
	unsigned int i;

	for (i = 0; i < NR_PGDIRS; i++)
		if (lg->pgdirs[i].shadow_phys && lg->pgdirs[i].gpgdir == gpgdir)
			break;
	return i;
}

/* A reproducible "random" slot (so --deterministic runs repeat). */
static unsigned int pick_victim(struct lguest *lg)
{
	static const unsigned int order[] = { 1, 3, 0, 2, 3, 1, 2, 0 };

	return order[lg->pgdirs_recycled++ % 8];
}

/*
 * A slot for a Guest directory we have no shadow of.  An unused slot gets
 * a fresh, empty directory (*blank); a recycled one keeps its kernel half,
 * which is the same in every Guest directory, and loses the user half.
 */
static unsigned int new_pgdir(struct lg_cpu *cpu, u32 gpgdir, bool *blank)
{
	struct lguest *lg = cpu->lg;
	unsigned int i;

	for (i = 0; i < NR_PGDIRS; i++)
		if (!lg->pgdirs[i].shadow_phys)
			break;
	if (i == NR_PGDIRS)
		i = pick_victim(lg);

	if (!lg->pgdirs[i].shadow_phys) {
		lg->pgdirs[i].pgdir = shim_alloc_page(lg, &lg->pgdirs[i].shadow_phys);
		if (!lg->pgdirs[i].pgdir) {
			lg->pgdirs[i].shadow_phys = 0;
			kill_guest(cpu, "out of memory for shadow page tables");
			return cpu->cpu_pgd;
		}
		*blank = true;
	} else {
		release_range(lg, &lg->pgdirs[i], 0, kernel_pgd_index(lg));
	}
	lg->pgdirs[i].gpgdir = gpgdir;
	lgtrace(lg, LG_TRACE_PTE, "pte new pgdir %u for 0x%08x%s", i, gpgdir,
		*blank ? " (blank)" : " (recycled)");
	return i;
}

/* Make shadow directory idx the one the CPU uses. */
static void switch_to_pgdir(struct lg_cpu *cpu, unsigned int idx)
{
	cpu->cpu_pgd = idx;
	cpu->shadow_cr3 = cpu->lg->pgdirs[idx].shadow_phys;
	map_switcher_in_guest(cpu);
}

/* NEW_PGTABLE: the Guest loads CR3. */
void guest_new_pagetable(struct lg_cpu *cpu, u32 pgtable)
{
	struct lguest *lg = cpu->lg;
	unsigned int idx;
	bool blank = false;

	if (linear_mode(cpu)) {
		/* The made-up tables are of no further use: the slot they
		 * were in starts again, empty, for the Guest's own. */
		release_all_pagetables(lg);
		cpu->linear_pages = false;
		idx = cpu->cpu_pgd;
		lg->pgdirs[idx].gpgdir = pgtable;
		blank = true;
		lgtrace(lg, LG_TRACE_PTE, "pte leave linear mode, pgdir %u for 0x%08x",
			idx, pgtable);
	} else {
		idx = find_pgdir(lg, pgtable);
		if (idx == NR_PGDIRS)
			idx = new_pgdir(cpu, pgtable, &blank);
	}
	if (lg->dead)
		return;
	switch_to_pgdir(cpu, idx);
	if (blank)
		pin_stack_pages(cpu);
	shim_flush_tlb(cpu);
}

/* FLUSH_TLB(1) and LGUEST_INIT: forget every shadow entry. */
void guest_pagetable_clear_all(struct lg_cpu *cpu)
{
	release_all_pagetables(cpu->lg);
	map_switcher_in_guest(cpu);
	pin_stack_pages(cpu);
	shim_flush_tlb(cpu);
	lgtrace(cpu->lg, LG_TRACE_PTE, "pte clear all");
}

/* FLUSH_TLB(0): forget the user half of the current shadow. */
void guest_pagetable_flush_user(struct lg_cpu *cpu)
{
	struct lguest *lg = cpu->lg;

	if (release_range(lg, current_pgdir(cpu), 0, kernel_pgd_index(lg)))
		shim_flush_tlb(cpu);
	lgtrace(lg, LG_TRACE_PTE, "pte flush user pgdir %u", cpu->cpu_pgd);
}

/*
 * One Guest PTE changed in directory idx.  If the Guest already marked it
 * Accessed we install it now (saving a fault); otherwise we drop ours.
 */
static void do_set_pte(struct lg_cpu *cpu, unsigned int idx, u32 vaddr,
		       u32 gpte)
{
	struct lguest *lg = cpu->lg;
	u32 *spgd = &lg->pgdirs[idx].pgdir[pgd_index(vaddr)];
	u32 *spte, old;

	if (!(*spgd & _PAGE_PRESENT))
		return;
	spte = &spte_page(lg, *spgd)[pte_index(vaddr)];
	old = *spte;
	if ((gpte & (_PAGE_ACCESSED | _PAGE_DIRTY)) && (gpte & _PAGE_PRESENT) &&
	    !is_mmio_pfn(lg, entry_pfn(gpte))) {
		if (!check_gpte(cpu, gpte))
			return;
		*spte = gpte_to_spte(gpte, gpte & _PAGE_DIRTY);
	} else {
		*spte = 0;
	}
	lgtrace(lg, LG_TRACE_PTE,
		"pte set pgdir %u vaddr 0x%08x old 0x%08x new 0x%08x", idx,
		vaddr, old, *spte);
	if (old & _PAGE_PRESENT)
		shim_flush_tlb(cpu);
}

/* SET_PTE: kernel addresses change in every directory, user ones in one. */
void guest_set_pte(struct lg_cpu *cpu, u32 gpgdir, u32 vaddr, u32 gpte)
{
	struct lguest *lg = cpu->lg;
	unsigned int i;

	if (vaddr >= SWITCHER_ADDR) {
		kill_guest(cpu, "attempt to set pte into Switcher pages %#x", vaddr);
		return;
	}
	if (lg->kernel_address && vaddr >= lg->kernel_address) {
		for (i = 0; i < NR_PGDIRS; i++)
			if (lg->pgdirs[i].pgdir)
				do_set_pte(cpu, i, vaddr, gpte);
		return;
	}
	i = find_pgdir(lg, gpgdir);
	if (i != NR_PGDIRS)
		do_set_pte(cpu, i, vaddr, gpte);
}

/*
 * SET_PGD: a directory entry changed.  4.4 accepted an index equal to the
 * number of entries (it checked with ">"); we accept it too, and do
 * nothing with it rather than touch memory past the directory.
 */
void guest_set_pgd(struct lguest *lg, u32 gpgdir, u32 idx)
{
	struct lg_cpu *cpu = &lg->cpus[0];
	unsigned int i;

	if (idx > PTRS_PER_PGD) {
		kill_guest(cpu, "attempt to set pgd %u/%u", idx, PTRS_PER_PGD);
		return;
	}
	i = find_pgdir(lg, gpgdir);
	if (i == NR_PGDIRS || idx == PTRS_PER_PGD)
		return;
	if (release_pgd(lg, &lg->pgdirs[i].pgdir[idx]))
		shim_flush_tlb(cpu);
	lgtrace(lg, LG_TRACE_PTE, "pte set pgd pgdir %u index %u", i, idx);
	/* If that was the Switcher's entry, it comes straight back. */
	lg->pgdirs[i].pgdir[SWITCHER_PGD_INDEX] = switcher_pgd(lg);
}

/* ---- Setting up and tearing down ---- */

/*
 * At LHREQ_INITIALIZE: the shared Switcher page table (its one entry maps
 * the per-CPU page, read-only, kernel-only) and the first shadow
 * directory, in linear mode.
 */
int init_guest_pagetable(struct lguest *lg)
{
	struct pgdir *pgd = &lg->pgdirs[0];

	lg->switcher_pte = shim_alloc_page(lg, &lg->switcher_pte_phys);
	if (!lg->switcher_pte)
		return -12; /* ENOMEM */
	lg->switcher_pte[0] = lg->pages_phys | _PAGE_PRESENT | _PAGE_ACCESSED;

	pgd->pgdir = shim_alloc_page(lg, &pgd->shadow_phys);
	if (!pgd->pgdir)
		return -12;
	/* Tagged with no Guest directory: linear mode has none. */
	pgd->gpgdir = 0xFFFFFFFFu;
	return 0;
}

int page_table_guest_data_init(struct lg_cpu *cpu)
{
	cpu->linear_pages = true;
	switch_to_pgdir(cpu, 0);
	return 0;
}

void free_guest_pagetable(struct lguest *lg)
{
	unsigned int i;

	release_all_pagetables(lg);
	for (i = 0; i < NR_PGDIRS; i++) {
		if (lg->pgdirs[i].shadow_phys)
			shim_free_page(lg, lg->pgdirs[i].shadow_phys);
		memset(&lg->pgdirs[i], 0, sizeof(lg->pgdirs[i]));
	}
	if (lg->switcher_pte_phys)
		shim_free_page(lg, lg->switcher_pte_phys);
	lg->switcher_pte = NULL;
	lg->switcher_pte_phys = 0;
}
