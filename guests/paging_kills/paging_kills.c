/*
 * paging_kills.c - page-table entries and page-table hypercalls the Host
 * must refuse by killing us, each with a reason that names the bad value
 * (docs/lguest-4.4-abi.md 5.6, 5.8).  One per run, chosen by the kernel
 * argument "kill=<name>":
 *
 *   pte_outside_ram   a PTE whose frame is far above RAM and the device
 *                     window (0x7F000000), then touched
 *   pte_past_window   a PTE for the first page after the device window
 *                     (BAR0 of the last device + 1 page: the console is
 *                     the only device), then touched
 *   set_pte_outside   SET_PTE of an Accessed PTE outside RAM for an
 *                     address the Host has a shadow table for: refused at
 *                     the hypercall, before any access
 *   pde_pse           a directory entry with PSE (0x80): a 4.4 Guest never
 *                     makes 4 MiB pages
 *   pde_pcd           a directory entry with PCD (0x10): only P, RW, U, A
 *                     and D are allowed there
 *   pde_outside_ram   a directory entry whose page table is above RAM
 *   set_pte_reserved  SET_PTE at 0xFFC00000, the first reserved page
 *   set_pte_top       SET_PTE at 0xFFFFF000, the last page
 *
 * If the Host lets the request pass we panic, a different exit status.
 */
#include "guest.h"
#include "io.h"
#include "paging.h"

#define AREA		0x70000000u
#define FAR_FRAME	0x7F000000u

static void touch(u32 vaddr)
{
	(void)*(volatile u32 *)vaddr;
}

/* BAR0 of the device in PCI slot 1 (the console), from config space. */
static u32 console_bar0(void)
{
	outl(0xCF8, 0x80000000u | (1u << 11) | 0x10);
	return inl(0xCFC) & ~0xFu;
}

static void pte_outside_ram(void)
{
	*lg_pte(lg_pgdir, AREA, true, LG_PDE_FLAGS) = FAR_FRAME | PT_PRESENT | PT_RW;
	touch(AREA);
}

static void pte_past_window(void)
{
	u32 frame = (console_bar0() & ~(PAGE_SIZE - 1)) + PAGE_SIZE;

	lg_printf("  device window ends at %08x\n", frame);
	*lg_pte(lg_pgdir, AREA, true, LG_PDE_FLAGS) = frame | PT_PRESENT | PT_RW;
	touch(AREA);
}

static void set_pte_outside(void)
{
	u32 *pte = lg_pte(lg_pgdir, AREA, true, LG_PDE_FLAGS);

	*pte = lg_alloc_page() | LG_PTE_FLAGS;
	touch(AREA);	/* now the Host has a shadow table here */
	*pte = FAR_FRAME | LG_PTE_FLAGS;
	lg_set_pte(lg_pgdir, AREA, *pte);
}

static void bad_pde(u32 pde)
{
	lg_pgdir[AREA >> PGDIR_SHIFT] = pde;
	lg_set_pgd(lg_pgdir, AREA);
	touch(AREA);
}

static void pde_pse(void)
{
	bad_pde(0x00000000u | LG_PDE_FLAGS | PT_PSE);
}

static void pde_pcd(void)
{
	bad_pde(lg_alloc_page() | LG_PDE_FLAGS | PT_PCD);
}

static void pde_outside_ram(void)
{
	bad_pde(FAR_FRAME | LG_PDE_FLAGS);
}

static void set_pte_reserved(void)
{
	lg_set_pte(lg_pgdir, 0xFFC00000u, lg_alloc_page() | LG_PTE_FLAGS);
}

static void set_pte_top(void)
{
	lg_set_pte(lg_pgdir, 0xFFFFF000u, 0);
}

static const struct {
	const char *name;
	void (*run)(void);
} kills[] = {
	{ "kill=pte_outside_ram", pte_outside_ram },
	{ "kill=pte_past_window", pte_past_window },
	{ "kill=set_pte_outside", set_pte_outside },
	{ "kill=pde_pse", pde_pse },
	{ "kill=pde_pcd", pde_pcd },
	{ "kill=pde_outside_ram", pde_outside_ram },
	{ "kill=set_pte_reserved", set_pte_reserved },
	{ "kill=set_pte_top", set_pte_top },
};

void guest_main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		if (!lg_cmdline_has(kills[i].name))
			continue;
		lg_printf("paging_kills guest: %s\n", kills[i].name);
		kills[i].run();
		lg_panic("the Host let %s pass", kills[i].name);
	}
	lg_panic("no kill=<name> on the command line");
}
