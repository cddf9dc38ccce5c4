/*
 * paging.h - page tables of our own, and the hypercalls that tell the Host
 * about them (docs/lguest-4.4-abi.md sections 2.3 and 5).
 *
 * The boot tables (head.S) are one directory, lg_pgdir, mapping RAM at 0
 * and at PAGE_OFFSET.  A Guest that wants more - processes with address
 * spaces of their own, fresh pages to fault in, pages with odd
 * permissions - builds them with this file:
 *
 *   physical pages     lg_alloc_page() (zeroed) / lg_alloc_frame() (as
 *                      RAM left it: never touched, so zero, and no fault
 *                      taken to clear it), from lg_free_phys upwards;
 *   directories        lg_pgdir_create(): the kernel half (index 768 and
 *                      up, PAGE_OFFSET and above) is lg_pgdir's, shared,
 *                      as in every Linux address space; the user half is
 *                      empty;
 *   entries            lg_pte() finds (and with alloc, creates) the PTE
 *                      of an address; the Guest writes entries itself and
 *                      tells the Host with lg_set_pte() / lg_set_pgd(),
 *                      or does not, and flushes (lg_flush_tlb());
 *   switching          lg_new_pgtable(): LHCALL_NEW_PGTABLE, the Guest's
 *                      "mov to %cr3".
 *
 * The Host never walks our tables for the CPU: it copies entries into
 * shadow tables when we fault, and throws copies away when we tell it.
 * An entry changed without a SET_PTE or a flush is therefore like a stale
 * TLB entry: the old mapping stays in use.
 *
 * Probes (lg_probe_read/lg_probe_write) touch an address from ring 1 and
 * report the page fault instead of dying of it: cr2 (as the Host wrote it
 * into lguest_data), the error code and EIP.  They need lg_probe_init()
 * after lg_traps_init(); a Guest with its own #PF handler calls
 * lg_probe_fixup() from it first.
 */
#ifndef LG_GUEST_PAGING_H
#define LG_GUEST_PAGING_H

#include <stdbool.h>

#include "guest.h"
#include "traps.h"

/* Error-code bits of a page fault (the CPU's; the Host passes them on). */
#define PF_PROT			0x1	/* 0: not present, 1: protection */
#define PF_WRITE		0x2
#define PF_USER			0x4

/* More entry bits: the Host refuses these in a PDE (only 0x67 allowed). */
#define PT_PWT			0x008
#define PT_PCD			0x010
#define PT_PSE			0x080
#define PT_GLOBAL		0x100
#define PT_FRAME(entry)		((entry) & ~(u32)(PAGE_SIZE - 1))

/* The Host's reserved top (lguest_data.reserve_mem bytes below 4 GiB). */
static inline u32 lg_reserved_start(void)
{
	return 0u - READ_ONCE(lguest_data.reserve_mem);
}

/* --- physical pages -------------------------------------------------- */

/* A zeroed page (physical address; reach it at __va()).  Panics when RAM
 * mapped at PAGE_OFFSET runs out. */
u32 lg_alloc_page(void);
/* A page never used before, not touched by us (RAM starts zeroed). */
u32 lg_alloc_frame(void);
/* Pages lg_alloc_* can still hand out. */
u32 lg_pages_left(void);

/* --- directories and entries ---------------------------------------- */

/* A new directory sharing lg_pgdir's kernel half; user half empty. */
u32 *lg_pgdir_create(void);

/*
 * The PTE of vaddr in pgdir, or NULL if its directory entry is not
 * present.  With alloc, a missing page table is allocated (zeroed), the
 * directory entry set to table | pde_flags, and the Host told (SET_PGD).
 */
u32 *lg_pte(u32 *pgdir, u32 vaddr, bool alloc, u32 pde_flags);

/* Write vaddr's PTE in pgdir (making its table with pde_flags if needed)
 * and tell the Host with SET_PTE. */
void lg_map(u32 *pgdir, u32 vaddr, u32 pte, u32 pde_flags);

/* --- the page-table hypercalls --------------------------------------- */

static inline void lg_new_pgtable(const u32 *pgdir)
{
	hcall1(LHCALL_NEW_PGTABLE, (u32)pgdir - PAGE_OFFSET);
}

static inline void lg_set_pte(const u32 *pgdir, u32 vaddr, u32 pte)
{
	hcall3(LHCALL_SET_PTE, (u32)pgdir - PAGE_OFFSET, vaddr, pte);
}

static inline void lg_set_pgd(const u32 *pgdir, u32 vaddr)
{
	hcall2(LHCALL_SET_PGD, (u32)pgdir - PAGE_OFFSET, vaddr >> PGDIR_SHIFT);
}

/* FLUSH_TLB(0): the user half of the current directory; (1): everything. */
static inline void lg_flush_tlb(bool kernel_too)
{
	hcall1(LHCALL_FLUSH_TLB, kernel_too ? 1 : 0);
}

/* --- probing for page faults ----------------------------------------- */

struct lg_fault {
	bool faulted;
	u32 cr2;		/* lguest_data.cr2 when the fault arrived */
	u32 error_code;
	u32 eip;		/* where it faulted */
};

/* Route #PF to the probes (needs lg_traps_init()). */
void lg_probe_init(void);
/* From a Guest's own #PF handler: true if the fault was a probe's (the
 * frame is then fixed to resume after it). */
bool lg_probe_fixup(struct lg_trap_frame *frame);

/* Read / write 4 bytes at vaddr from ring 1.  True if no fault. */
bool lg_probe_read(u32 vaddr, u32 *value, struct lg_fault *fault);
bool lg_probe_write(u32 vaddr, u32 value, struct lg_fault *fault);

/* "present write user" style names of an error code's bits. */
const char *lg_pf_bits(u32 error_code);

#endif /* LG_GUEST_PAGING_H */
