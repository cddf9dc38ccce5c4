/*
 * user.c - the C half of ring 3: segments and User pages (user.h).
 */
#include "guest.h"
#include "segments.h"
#include "user.h"

/* user.S */
u32 lg_run_user_asm(u32 eip, u32 esp);

void lg_user_init(void)
{
	lg_load_gdt_entry(LG_GDT_ENTRY_USER_CS, lg_segment(0, 0xFFFFFFFF, LG_SEG_CODE, 3));
	lg_load_gdt_entry(LG_GDT_ENTRY_USER_DS, lg_segment(0, 0xFFFFFFFF, LG_SEG_DATA, 3));
	lg_user_map(__user_start, __user_end);
}

/*
 * The boot tables (head.S) are one page directory, lg_pgdir, whose
 * entries point at page tables in RAM (reached at __va(physical)).  The
 * CPU wants the User bit at both levels; the Host wants to hear about
 * each change: SET_PTE for an entry (for a kernel address it updates every
 * shadow), SET_PGD for a directory entry (it drops that shadow entry,
 * whose flags it copied when it made it).
 */
void lg_user_map(const void *start, const void *end)
{
	u32 va = (u32)start & ~(PAGE_SIZE - 1);

	for (; va < (u32)end; va += PAGE_SIZE) {
		u32 index = va >> PGDIR_SHIFT;
		u32 *pde = &lg_pgdir[index];
		u32 *table, *pte;

		if (!(*pde & PT_PRESENT))
			lg_panic("lg_user_map: %08x is not mapped", va);
		table = __va(*pde & ~(PAGE_SIZE - 1));
		pte = &table[(va >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1)];
		if (!(*pte & PT_PRESENT))
			lg_panic("lg_user_map: %08x is not mapped", va);
		if (!(*pde & PT_USER)) {
			*pde |= PT_USER;
			hcall2(LHCALL_SET_PGD, __pa(lg_pgdir), index);
		}
		if (!(*pte & PT_USER)) {
			*pte |= PT_USER;
			hcall3(LHCALL_SET_PTE, __pa(lg_pgdir), va, *pte);
		}
	}
}

u32 lg_run_user(u32 eip, u32 esp)
{
	u32 flags = lg_irq_save();
	u32 value = lg_run_user_asm(eip, esp);

	lg_irq_restore(flags);
	return value;
}
