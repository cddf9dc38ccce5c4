/*
 * demand.c - demand paging on fresh pages: 10,000 by default.
 *
 * We map N pages of fresh RAM at 0x40000000 (kernel-only, read-write,
 * Accessed and Dirty clear) in our boot directory, then touch each one:
 *
 *   1. read every page.  The Host has no shadow entry, so each read is a
 *      page fault it handles itself (demand_page): it sets Accessed in our
 *      PTE and maps the page READ-ONLY, although our PTE allows writing,
 *      because the page is not Dirty yet;
 *   2. write every page.  Each first write faults again (the shadow entry
 *      is read-only): the Host sets Dirty and now maps it writable;
 *   3. read everything back: no faults, every page holds what we wrote.
 *
 * After 1 every PTE must be Accessed and not Dirty, after 2 Accessed and
 * Dirty: the bits the CPU would have set, which the Guest reads back.
 * None of these faults reaches us: lguest-emu --stats counts them as
 * "trap 14 ... host" = 2N, plus one for each page table we wrote (through
 * PAGE_OFFSET) and the few the boot takes.  With "touch=write" step 1 is
 * skipped and each page faults once (write: Accessed and Dirty together).
 *
 * Kernel arguments: pages=<n> (default 10000), touch=write.
 */
#include "guest.h"
#include "paging.h"

#define AREA		0x40000000u
#define AREA_MAX_PAGES	(0x40000000u / PAGE_SIZE)	/* up to PAGE_OFFSET */

static u32 *pte_of(u32 i)
{
	return lg_pte(lg_pgdir, AREA + i * PAGE_SIZE, false, 0);
}

static volatile u32 *page(u32 i)
{
	return (volatile u32 *)(AREA + i * PAGE_SIZE);
}

/* Every PTE must have exactly `want` of Accessed | Dirty. */
static void check_bits(u32 pages, u32 want, const char *when)
{
	u32 i;

	for (i = 0; i < pages; i++) {
		u32 pte = *pte_of(i);

		if ((pte & (PT_ACCESSED | PT_DIRTY)) != want)
			lg_panic("%s: page %u (%08x): pte %08x, expected A=%u D=%u", when,
				 i, AREA + i * PAGE_SIZE, pte, !!(want & PT_ACCESSED),
				 !!(want & PT_DIRTY));
	}
}

void guest_main(void)
{
	u32 pages = lg_cmdline_u32("pages", 10000);
	bool write_only = lg_cmdline_is("touch", "write");
	u32 tables = (pages + PTRS_PER_TABLE - 1) / PTRS_PER_TABLE;
	u32 i;

	lg_printf("demand guest: %u fresh pages at %08x, %s\n", pages, AREA,
		  write_only ? "written" : "read, then written");
	if (pages > AREA_MAX_PAGES || pages + tables > lg_pages_left())
		lg_panic("%u pages do not fit (%u pages of RAM left)", pages,
			 lg_pages_left());

	/*
	 * Present and writable, Accessed and Dirty clear: the Host sets them.
	 * The directory entries were not present, so the Host has no shadow
	 * of anything here (lg_pte() tells it with SET_PGD anyway, as Linux
	 * does): no SET_PTE is needed for the entries themselves.
	 */
	for (i = 0; i < pages; i++)
		*lg_pte(lg_pgdir, AREA + i * PAGE_SIZE, true, LG_PDE_FLAGS) =
			lg_alloc_frame() | PT_PRESENT | PT_RW;
	lg_printf("  mapped %u pages with %u page tables; no page touched yet\n", pages,
		  tables);
	check_bits(pages, 0, "before any access");

	if (!write_only) {
		for (i = 0; i < pages; i++)
			if (page(i)[0] != 0)
				lg_panic("page %u is not fresh: %08x", i, page(i)[0]);
		check_bits(pages, PT_ACCESSED, "after reading");
		lg_printf("  read %u pages: all zero; every PTE Accessed, none Dirty\n", pages);
	}

	for (i = 0; i < pages; i++)
		page(i)[1] = 0xD0000000u | i;
	check_bits(pages, PT_ACCESSED | PT_DIRTY, "after writing");
	lg_printf("  wrote %u pages: every PTE Accessed and Dirty\n", pages);

	for (i = 0; i < pages; i++)
		if (page(i)[0] != 0 || page(i)[1] != (0xD0000000u | i))
			lg_panic("page %u holds %08x %08x", i, page(i)[0], page(i)[1]);
	lg_printf("  read back %u pages: each holds its own value\n", pages);
	lg_printf("demand guest: %u page faults expected in the Host for these pages "
		  "(+%u for the page tables)\n", write_only ? pages : 2 * pages, tables);
}
