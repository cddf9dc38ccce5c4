/*
 * test_page_tables.c - mmu/page_tables.c: linear mode, demand paging with
 * its Accessed/Dirty and permission rules, the checks that kill, the
 * update hypercalls, the four-directory cache, the Switcher mapping,
 * stack pinning and guest_pa.
 */
#include <errno.h>
#include <string.h>

#include "test_guest.h"

#define KV(pa) (TG_KERNEL + (pa))
#define USER_VA 0x08048000u
#define USER_FRAME 0x00300000u
#define PDE_TABLE (PTE_P | PTE_RW | PTE_U | PTE_A | PTE_D) /* 0x67 */
#define RD 0u
#define WR 2u
#define USER 4u
/* More Guest page directories, for the cache tests. */
#define DIR(n) (0x00050000u + (n) * PAGE_SIZE)

static u32 switcher_pde(struct tg *t)
{
	return t->lg->switcher_pte_phys | PTE_P | PTE_RW | PTE_A;
}

static bool fault(struct tg *t, u32 vaddr, u32 errcode, u32 *iomem)
{
	u32 dummy;

	return demand_page(t->cpu, vaddr, errcode, iomem ? iomem : &dummy);
}

static u32 user_map(struct tg *t, u32 dir, u32 vaddr, u32 pte)
{
	return tg_map(t, dir, vaddr, pte, PDE_TABLE);
}

/* A new Guest directory sharing TG_PGDIR's kernel half. */
static void make_dir(struct tg *t, u32 dir)
{
	memset(t->ram + dir, 0, PAGE_SIZE);
	memcpy(t->ram + dir + 768 * 4, t->ram + TG_PGDIR + 768 * 4, 256 * 4);
}

/* ---- Linear mode (before the first NEW_PGTABLE) ---- */

static void test_linear_read_fault_maps_the_identity_read_only(void **state)
{
	struct tg *t = *state;
	u32 iomem = 1;

	assert_true(fault(t, 0x5123, RD, &iomem));
	assert_int_equal(iomem, 0);
	assert_int_equal(tg_spte(t, 0x5000), 0x5000 | PTE_P | PTE_A);
	assert_int_equal(tg_spde(t, 0x5000) & ~PAGE_MASK, PDE_TABLE);
	assert_non_null(shim_page(t->lg, tg_spde(t, 0x5000) & PAGE_MASK));
}

static void test_linear_write_fault_maps_the_identity_writable(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, 0x5123, WR, NULL));
	assert_int_equal(tg_spte(t, 0x5000), 0x5000 | PTE_P | PTE_RW | PTE_A | PTE_D);
}

static void test_linear_write_after_read_makes_the_page_writable(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, 0x5000, RD, NULL));
	assert_int_equal(tg_spte(t, 0x5000), 0x5021);
	assert_true(fault(t, 0x5000, WR, NULL));
	assert_int_equal(tg_spte(t, 0x5000), 0x5063);
}

static void test_linear_user_access_is_not_fixable(void **state)
{
	struct tg *t = *state;
	u32 iomem = 1;

	assert_false(fault(t, 0x5000, USER, &iomem));
	assert_int_equal(iomem, 0);
	assert_int_equal(tg_spde(t, 0x5000), 0);
	assert_alive(t);
}

static void test_linear_fault_in_the_device_window_is_mmio(void **state)
{
	struct tg *t = *state;
	u32 iomem = 0;

	assert_false(fault(t, TG_RAM_SIZE + 0x123, WR, &iomem));
	assert_int_equal(iomem, 0x00400123u);
	assert_int_equal(tg_spde(t, TG_RAM_SIZE), 0);
	assert_alive(t);
}

static void test_linear_fault_on_the_last_device_page_is_mmio(void **state)
{
	struct tg *t = *state;
	u32 iomem = 0, last = (TG_DEVICE_LIMIT - 1) * PAGE_SIZE + 0xFFC;

	assert_false(fault(t, last, RD, &iomem));
	assert_int_equal(iomem, last);
	assert_alive(t);
}

static void test_linear_fault_beyond_the_device_window_kills(void **state)
{
	struct tg *t = *state;

	assert_false(fault(t, TG_DEVICE_LIMIT * PAGE_SIZE, RD, NULL));
	assert_dead(t, "bad page table entry 0x510003");
}

static void test_linear_fault_writes_nothing_into_guest_memory(void **state)
{
	struct tg *t = *state;
	static u8 before[TG_RAM_SIZE];

	memcpy(before, t->ram, TG_RAM_SIZE);
	assert_true(fault(t, 0x20000, WR, NULL));
	assert_true(fault(t, 0x21000, RD, NULL));
	assert_memory_equal(t->ram, before, TG_RAM_SIZE);
}

static void test_fault_at_or_above_the_switcher_is_never_fixable(void **state)
{
	struct tg *t = *state;
	u32 iomem = 1;

	assert_false(fault(t, SWITCHER_ADDR, RD, &iomem));
	assert_int_equal(iomem, 0);
	assert_false(fault(t, 0xFFFFFFFFu, WR, &iomem));
	assert_int_equal(iomem, 0);
	assert_alive(t);
}

static void test_guest_pa_in_linear_mode_is_the_identity(void **state)
{
	struct tg *t = *state;
	u32 gpa = 0;

	assert_true(guest_pa(t->cpu, 0x00123456u, &gpa));
	assert_int_equal(gpa, 0x00123456u);
	assert_true(guest_pa(t->cpu, 0xFFBFFFFFu, &gpa));
	assert_int_equal(gpa, 0xFFBFFFFFu);
	assert_false(guest_pa(t->cpu, SWITCHER_ADDR, &gpa));
}

/* ---- Leaving linear mode ---- */

static void test_new_pgtable_leaves_linear_mode(void **state)
{
	struct tg *t = *state;
	struct pgdir *pgd = &t->lg->pgdirs[t->cpu->cpu_pgd];

	assert_int_equal(pgd->gpgdir, TG_PGDIR);
	assert_int_equal(t->cpu->shadow_cr3, pgd->shadow_phys);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
}

static void test_new_pgtable_drops_the_linear_mappings(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, 0x5000, WR, NULL));
	tg_paging(t);
	assert_int_equal(tg_spde(t, 0x5000), 0);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	/* Linear mode's page table went back to the pool. */
	assert_int_equal(fake_live_pages(t->lg), 3);
}

/* ---- Demand paging through the Guest's tables ---- */

static void test_fault_through_an_absent_pde_is_not_fixable(void **state)
{
	struct tg *t = *state;
	u32 iomem = 1;

	assert_false(fault(t, USER_VA, WR | USER, &iomem));
	assert_int_equal(iomem, 0);
	assert_alive(t);
}

static void test_fault_on_an_absent_pte_is_not_fixable(void **state)
{
	struct tg *t = *state;

	user_map(t, TG_PGDIR, USER_VA + PAGE_SIZE, USER_FRAME | 0x7);
	assert_false(fault(t, USER_VA, RD | USER, NULL));
	assert_int_equal(tg_spde(t, USER_VA), 0);
	assert_alive(t);
}

static void test_read_fault_sets_accessed_and_maps_read_only(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5123), RD, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5000 | PTE_P | PTE_RW | PTE_A);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5000 | PTE_P | PTE_A);
}

static void test_write_fault_sets_accessed_and_dirty_and_maps_writable(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5123), WR, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5063);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5063);
}

static void test_write_after_read_sets_dirty_and_makes_the_page_writable(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5021);
	assert_true(fault(t, KV(0x5000), WR, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5063);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5063);
}

static void test_write_to_a_read_only_pte_is_not_fixable(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P, PDE_TABLE);
	assert_false(fault(t, KV(0x6000), WR, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x6000)), 0x6001);
	assert_int_equal(tg_spte(t, KV(0x6000)), 0);
	assert_alive(t);
}

static void test_read_of_a_read_only_pte_maps_it_read_only(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P, PDE_TABLE);
	assert_true(fault(t, KV(0x6000), RD, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x6000)), 0x6021);
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6021);
}

static void test_user_access_to_a_kernel_pte_is_not_fixable(void **state)
{
	struct tg *t = *state;

	assert_false(fault(t, KV(0x5000), RD | USER, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5003);
	assert_alive(t);
}

static void test_user_access_to_a_user_pte_is_fixed(void **state)
{
	struct tg *t = *state;

	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | PTE_P | PTE_RW | PTE_U);
	assert_true(fault(t, USER_VA + 4, WR | USER, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, USER_VA), USER_FRAME | 0x67);
	assert_int_equal(tg_spte(t, USER_VA), USER_FRAME | 0x67);
}

static void test_user_access_through_a_kernel_only_pde_is_not_fixable(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7, PTE_P | PTE_RW | PTE_A);
	assert_false(fault(t, USER_VA, RD | USER, NULL));
	assert_alive(t);
}

static void test_write_through_a_read_only_pde_is_not_fixable(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7, PTE_P | PTE_U | PTE_A);
	assert_false(fault(t, USER_VA, WR | USER, NULL));
	assert_true(fault(t, USER_VA, RD | USER, NULL));
	assert_int_equal(tg_spde(t, USER_VA) & ~PAGE_MASK, PTE_P | PTE_U | PTE_A);
}

static void test_already_dirty_pte_is_mapped_writable_on_a_read(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_RW | PTE_D, PDE_TABLE);
	assert_true(fault(t, KV(0x6000), RD, NULL));
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6063);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x6000)), 0x6063);
}

static void test_dirty_read_only_pte_stays_read_only(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_D, PDE_TABLE);
	assert_true(fault(t, KV(0x6000), RD, NULL));
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6061);
}

static void test_global_bit_is_not_copied_into_the_shadow(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_RW | PTE_G, PDE_TABLE);
	assert_true(fault(t, KV(0x6000), WR, NULL));
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x6000)), 0x6163);
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6063);
}

static void test_cache_control_bits_are_copied_into_the_shadow(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_RW | PTE_PCD | PTE_PWT,
	       PDE_TABLE);
	assert_true(fault(t, KV(0x6000), WR, NULL));
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x607B);
}

static void test_shadow_pde_takes_the_guest_pde_flags(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7, PTE_P | PTE_RW | PTE_U);
	assert_true(fault(t, USER_VA, RD | USER, NULL));
	assert_int_equal(tg_spde(t, USER_VA) & ~PAGE_MASK, 0x007);
	assert_int_equal(tg_spde(t, KV(0)) & ~PAGE_MASK, 0);
	assert_true(fault(t, KV(0), RD, NULL));
	assert_int_equal(tg_spde(t, KV(0)) & ~PAGE_MASK, 0x067);
}

static void test_pde_with_pse_kills(void **state)
{
	struct tg *t = *state;

	tg_wr(t, TG_PGDIR + (USER_VA >> 22) * 4, 0x00000087u);
	assert_false(fault(t, USER_VA, RD | USER, NULL));
	assert_dead(t, "bad page directory entry 0x87");
}

static void test_pde_with_pcd_kills(void **state)
{
	struct tg *t = *state;

	tg_wr(t, TG_PGDIR + (USER_VA >> 22) * 4, 0x00030000u | 0x77);
	assert_false(fault(t, USER_VA, RD | USER, NULL));
	assert_dead(t, "bad page directory entry 0x30077");
}

static void test_pde_with_the_global_bit_kills(void **state)
{
	struct tg *t = *state;

	tg_wr(t, TG_PGDIR + (USER_VA >> 22) * 4, 0x00030000u | 0x167);
	assert_false(fault(t, USER_VA, RD | USER, NULL));
	assert_dead(t, "bad page directory entry 0x30167");
}

static void test_pde_pointing_beyond_ram_kills(void **state)
{
	struct tg *t = *state;

	tg_wr(t, TG_PGDIR + (USER_VA >> 22) * 4, TG_RAM_SIZE | 0x67);
	assert_false(fault(t, USER_VA, RD | USER, NULL));
	assert_dead(t, "bad page directory entry 0x400067");
}

static void test_pte_with_pse_kills(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_RW | PTE_PSE, PDE_TABLE);
	assert_false(fault(t, KV(0x6000), RD, NULL));
	assert_dead(t, "bad page table entry 0x6083");
}

static void test_pte_beyond_the_device_window_kills(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(0x6000), (TG_DEVICE_LIMIT * PAGE_SIZE) | 3, PDE_TABLE);
	assert_false(fault(t, KV(0x6000), RD, NULL));
	assert_dead(t, "bad page table entry 0x510003");
}

static void test_pte_in_the_device_window_reports_mmio(void **state)
{
	struct tg *t = *state;
	u32 iomem = 0;

	tg_map(t, TG_PGDIR, KV(0x7000), TG_RAM_SIZE | PTE_P | PTE_RW, PDE_TABLE);
	assert_false(fault(t, KV(0x7ABC), RD, &iomem));
	assert_int_equal(iomem, 0x00400ABCu);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x7000)), 0x00400003u);
	assert_int_equal(tg_spte(t, KV(0x7000)), 0);
	assert_alive(t);
}

static void test_page_directory_outside_ram_kills_on_a_fault(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_NEW_PGTABLE, TG_RAM_SIZE, 0, 0, 0);
	assert_alive(t);
	assert_false(fault(t, KV(0x5000), RD, NULL));
	assert_dead(t, "bad page directory 0x400000");
}

static void test_guest_pa_walks_the_guest_tables_without_setting_accessed(void **state)
{
	struct tg *t = *state;
	u32 gpa = 0;

	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | PTE_P | PTE_U);
	assert_true(guest_pa(t->cpu, KV(0x5123), &gpa));
	assert_int_equal(gpa, 0x5123);
	assert_true(guest_pa(t->cpu, USER_VA + 0xFFF, &gpa));
	assert_int_equal(gpa, USER_FRAME + 0xFFF);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5003);
	assert_int_equal(tg_gpte(t, TG_PGDIR, USER_VA), USER_FRAME | 0x5);
}

static void test_guest_pa_of_an_unmapped_address_fails(void **state)
{
	struct tg *t = *state;
	u32 gpa = 0;

	assert_false(guest_pa(t->cpu, USER_VA, &gpa));
	assert_false(guest_pa(t->cpu, KV(0x200000), &gpa));
	assert_alive(t);
}

/* ---- SET_PTE ---- */

static void test_set_pte_at_the_switcher_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, SWITCHER_ADDR, 0, 0);
	assert_dead(t, "attempt to set pte into Switcher pages 0xffc00000");
}

static void test_set_pte_above_the_switcher_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, 0xFFFFF000u, 0, 0);
	assert_dead(t, "attempt to set pte into Switcher pages 0xfffff000");
}

static void test_set_pte_just_below_the_switcher_is_accepted(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, SWITCHER_ADDR - PAGE_SIZE, 0, 0);
	assert_alive(t);
}

static void test_set_pte_with_accessed_installs_it_read_only_at_once(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL)); /* the shadow PDE exists */
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_RW | PTE_A, 0);
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6021);
}

static void test_set_pte_with_dirty_installs_it_writable(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000), 0x6000 | PTE_P | PTE_RW | PTE_D, 0);
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6043);
}

static void test_set_pte_drops_the_global_bit(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000), 0x6000 | 0x163, 0);
	assert_int_equal(tg_spte(t, KV(0x6000)), 0x6063);
}

static void test_set_pte_without_accessed_clears_the_shadow(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), WR, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x5000), 0x5000 | PTE_P | PTE_RW, 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0);
}

static void test_set_pte_not_present_clears_the_shadow(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), WR, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x5000), 0x5000 | PTE_A | PTE_D, 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0);
	assert_alive(t);
}

static void test_set_pte_to_mmio_clears_the_shadow(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), WR, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x5000), TG_RAM_SIZE | 0x63, 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0);
	assert_alive(t);
}

static void test_set_pte_without_a_shadow_pde_allocates_nothing(void **state)
{
	struct tg *t = *state;
	unsigned int live = fake_live_pages(t->lg);

	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000), 0x6063, 0);
	assert_int_equal(tg_spde(t, KV(0x6000)), 0);
	assert_int_equal(fake_live_pages(t->lg), live);
}

static void test_set_pte_with_pse_kills(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000), 0x6000 | 0xA1, 0);
	assert_dead(t, "bad page table entry 0x60a1");
}

static void test_set_pte_beyond_the_device_window_kills(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000),
		 (TG_DEVICE_LIMIT * PAGE_SIZE) | 0x21, 0);
	assert_dead(t, "bad page table entry 0x510021");
}

static void test_set_pte_kernel_address_changes_every_cached_directory(void **state)
{
	struct tg *t = *state;

	make_dir(t, DIR(1));
	assert_true(fault(t, KV(0x5000), WR, NULL));
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(1), 0, 0, 0);
	assert_true(fault(t, KV(0x5000), WR, NULL));
	assert_int_equal(t->cpu->cpu_pgd, 1);
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x5000), 0x7063, 0);
	assert_int_equal(tg_spte_slot(t, 0, KV(0x5000)), 0x7063);
	assert_int_equal(tg_spte_slot(t, 1, KV(0x5000)), 0x7063);
}

static void test_set_pte_user_address_changes_only_that_directory(void **state)
{
	struct tg *t = *state;

	make_dir(t, DIR(1));
	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7);
	user_map(t, DIR(1), USER_VA, USER_FRAME | 0x7);
	assert_true(fault(t, USER_VA, WR | USER, NULL));
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(1), 0, 0, 0);
	assert_true(fault(t, USER_VA, WR | USER, NULL));
	tg_hcall(t, LHCALL_SET_PTE, DIR(1), USER_VA, 0, 0);
	assert_int_equal(tg_spte_slot(t, 1, USER_VA), 0);
	assert_int_equal(tg_spte_slot(t, 0, USER_VA), USER_FRAME | 0x67);
}

static void test_set_pte_for_an_uncached_directory_is_ignored(void **state)
{
	struct tg *t = *state;

	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7);
	assert_true(fault(t, USER_VA, WR | USER, NULL));
	tg_hcall(t, LHCALL_SET_PTE, DIR(7), USER_VA, 0, 0);
	assert_int_equal(tg_spte(t, USER_VA), USER_FRAME | 0x67);
	assert_alive(t);
}

static void test_set_pte_flushes_the_tlb_only_over_a_present_entry(void **state)
{
	struct tg *t = *state;
	unsigned int flushes;

	assert_true(fault(t, KV(0x5000), WR, NULL));
	flushes = t->fake->tlb_flushes;
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x6000), 0x6063, 0);
	assert_int_equal(t->fake->tlb_flushes, flushes);
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x5000), 0, 0);
	assert_int_equal(t->fake->tlb_flushes, flushes + 1);
}

/* ---- SET_PGD ---- */

static void test_set_pgd_drops_that_shadow_entry_and_its_table(void **state)
{
	struct tg *t = *state;
	unsigned int live;

	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7);
	assert_true(fault(t, USER_VA, RD | USER, NULL));
	assert_true(fault(t, KV(0x5000), RD, NULL));
	live = fake_live_pages(t->lg);
	tg_hcall(t, LHCALL_SET_PGD, TG_PGDIR, USER_VA >> 22, 0, 0);
	assert_int_equal(tg_spde(t, USER_VA), 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5021);
	assert_int_equal(fake_live_pages(t->lg), live - 1);
}

static void test_set_pgd_index_1024_is_accepted_and_changes_nothing(void **state)
{
	struct tg *t = *state;
	u32 before[1024];

	assert_true(fault(t, KV(0x5000), RD, NULL));
	memcpy(before, shim_page(t->lg, t->cpu->shadow_cr3), sizeof(before));
	tg_hcall(t, LHCALL_SET_PGD, TG_PGDIR, 1024, 0, 0);
	assert_alive(t);
	assert_memory_equal(shim_page(t->lg, t->cpu->shadow_cr3), before, sizeof(before));
}

static void test_set_pgd_index_1025_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_PGD, TG_PGDIR, 1025, 0, 0);
	assert_dead(t, "attempt to set pgd 1025/1024");
}

static void test_set_pgd_on_the_switcher_entry_keeps_the_switcher_mapped(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_PGD, TG_PGDIR, SWITCHER_ADDR >> 22, 0, 0);
	assert_alive(t);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	assert_non_null(shim_page(t->lg, t->lg->switcher_pte_phys));
}

static void test_set_pgd_for_an_uncached_directory_is_ignored(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_SET_PGD, DIR(7), KV(0) >> 22, 0, 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5021);
	assert_alive(t);
}

/* ---- FLUSH_TLB ---- */

static void test_flush_tlb_0_drops_only_the_user_half(void **state)
{
	struct tg *t = *state;

	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7);
	assert_true(fault(t, USER_VA, RD | USER, NULL));
	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_FLUSH_TLB, 0, 0, 0, 0);
	assert_int_equal(tg_spde(t, USER_VA), 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5021);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
}

static void test_flush_tlb_1_drops_the_kernel_half_too(void **state)
{
	struct tg *t = *state;

	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7);
	assert_true(fault(t, USER_VA, RD | USER, NULL));
	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_FLUSH_TLB, 1, 0, 0, 0);
	assert_int_equal(tg_spde(t, USER_VA), 0);
	assert_int_equal(tg_spde(t, KV(0x5000)), 0);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	assert_int_equal(fake_live_pages(t->lg), 3);
}

static void test_flush_tlb_1_empties_every_cached_directory(void **state)
{
	struct tg *t = *state;

	make_dir(t, DIR(1));
	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(1), 0, 0, 0);
	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_FLUSH_TLB, 1, 0, 0, 0);
	assert_int_equal(tg_spde_slot(t, 0, KV(0x5000)), 0);
	assert_int_equal(tg_spde_slot(t, 1, KV(0x5000)), 0);
}

static void test_flush_tlb_1_pins_the_stack_again(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(TG_KSTACK_TOP), 2, 0);
	tg_hcall(t, LHCALL_FLUSH_TLB, 1, 0, 0, 0);
	assert_int_equal(tg_spte(t, KV(TG_KSTACK_TOP - 1)), (TG_KSTACK_TOP - PAGE_SIZE) | 0x63);
	assert_int_equal(tg_spte(t, KV(TG_KSTACK_TOP - PAGE_SIZE - 1)),
			 (TG_KSTACK_TOP - 2 * PAGE_SIZE) | 0x63);
}

/* ---- The four-directory cache ---- */

static void test_new_pgtable_of_the_current_directory_keeps_its_shadow(void **state)
{
	struct tg *t = *state;

	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
	assert_int_equal(t->cpu->cpu_pgd, 0);
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5021);
}

static void test_new_directories_fill_the_free_slots_in_order(void **state)
{
	struct tg *t = *state;
	unsigned int n;

	for (n = 1; n < NR_PGDIRS; n++) {
		make_dir(t, DIR(n));
		tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(n), 0, 0, 0);
		assert_int_equal(t->cpu->cpu_pgd, n);
		assert_int_equal(t->lg->pgdirs[n].gpgdir, DIR(n));
		assert_int_equal(t->cpu->shadow_cr3, t->lg->pgdirs[n].shadow_phys);
	}
	assert_int_equal(t->lg->pgdirs[0].gpgdir, TG_PGDIR);
}

static void test_switching_back_finds_the_cached_directory_with_its_mappings(void **state)
{
	struct tg *t = *state;

	make_dir(t, DIR(1));
	user_map(t, TG_PGDIR, USER_VA, USER_FRAME | 0x7);
	assert_true(fault(t, USER_VA, RD | USER, NULL));
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(1), 0, 0, 0);
	assert_int_equal(tg_spde(t, USER_VA), 0);
	tg_hcall(t, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
	assert_int_equal(t->cpu->cpu_pgd, 0);
	assert_int_equal(tg_spte(t, USER_VA), USER_FRAME | 0x25);
}

static void test_fifth_directory_recycles_a_slot_keeping_its_kernel_half(void **state)
{
	struct tg *t = *state;
	unsigned int n;

	for (n = 1; n <= NR_PGDIRS; n++)
		make_dir(t, DIR(n));
	for (n = 1; n < NR_PGDIRS; n++) {
		tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(n), 0, 0, 0);
		user_map(t, DIR(n), USER_VA, USER_FRAME | 0x7);
		assert_true(fault(t, USER_VA, RD | USER, NULL));
		assert_true(fault(t, KV(0x5000), RD, NULL));
	}
	/* The first victim is slot 1 (a fixed, reproducible order). */
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(NR_PGDIRS), 0, 0, 0);
	assert_int_equal(t->cpu->cpu_pgd, 1);
	assert_int_equal(t->lg->pgdirs[1].gpgdir, DIR(NR_PGDIRS));
	assert_int_equal(tg_spte(t, KV(0x5000)), 0x5021);
	assert_int_equal(tg_spde(t, USER_VA), 0);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	/* DIR(1) is no longer cached: it comes back in another slot. */
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(1), 0, 0, 0);
	assert_int_equal(t->lg->pgdirs[t->cpu->cpu_pgd].gpgdir, DIR(1));
	assert_int_equal(t->cpu->cpu_pgd, 3);
}

static void test_every_directory_maps_the_switcher_when_it_is_loaded(void **state)
{
	struct tg *t = *state;
	unsigned int n;

	for (n = 1; n < NR_PGDIRS; n++) {
		make_dir(t, DIR(n));
		tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(n), 0, 0, 0);
		assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	}
	tg_hcall(t, LHCALL_FLUSH_TLB, 1, 0, 0, 0);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	for (n = 1; n < NR_PGDIRS; n++) {
		tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(n), 0, 0, 0);
		assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
	}
	tg_hcall(t, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
	assert_int_equal(tg_spde(t, SWITCHER_ADDR), switcher_pde(t));
}

static void test_switcher_page_is_mapped_read_only_for_the_kernel(void **state)
{
	struct tg *t = *state;
	u32 gpa = 0, err = 0;

	assert_int_equal(t->lg->switcher_pte[0], t->lg->pages_phys | PTE_P | PTE_A);
	assert_true(fake_translate(t->lg, t->cpu->shadow_cr3, SWITCHER_ADDR + 0x900,
				   false, false, &gpa, &err));
	assert_int_equal(gpa, t->lg->pages_phys + 0x900);
	assert_false(fake_translate(t->lg, t->cpu->shadow_cr3, SWITCHER_ADDR, true,
				    false, &gpa, &err));
	assert_int_equal(err, 3);
	assert_false(fake_translate(t->lg, t->cpu->shadow_cr3, SWITCHER_ADDR, false,
				    true, &gpa, &err));
	assert_int_equal(err, 5);
}

/* ---- Stack pinning ---- */

static void test_set_stack_maps_both_stack_pages_writable_and_dirty(void **state)
{
	struct tg *t = *state;
	u32 top = TG_KSTACK_TOP;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(top), 2, 0);
	assert_alive(t);
	assert_int_equal(tg_spte(t, KV(top - PAGE_SIZE)), (top - PAGE_SIZE) | 0x63);
	assert_int_equal(tg_spte(t, KV(top - 2 * PAGE_SIZE)), (top - 2 * PAGE_SIZE) | 0x63);
	assert_int_equal(tg_spte(t, KV(top - 3 * PAGE_SIZE)), 0);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(top - PAGE_SIZE)), (top - PAGE_SIZE) | 0x63);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(top - 2 * PAGE_SIZE)),
			 (top - 2 * PAGE_SIZE) | 0x63);
}

static void test_set_stack_on_an_unmapped_page_kills(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(0x200000), 1, 0);
	assert_dead(t, "bad stack page 0xc01fffff");
}

static void test_set_stack_on_a_read_only_page_kills(void **state)
{
	struct tg *t = *state;

	tg_map(t, TG_PGDIR, KV(TG_KSTACK_TOP - PAGE_SIZE),
	       (TG_KSTACK_TOP - PAGE_SIZE) | PTE_P, PDE_TABLE);
	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(TG_KSTACK_TOP), 2, 0);
	assert_dead(t, "bad stack page 0xc008ffff");
}

static void test_new_blank_directory_gets_the_stack_pinned(void **state)
{
	struct tg *t = *state;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(TG_KSTACK_TOP), 2, 0);
	make_dir(t, DIR(1));
	tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(1), 0, 0, 0);
	assert_int_equal(t->cpu->cpu_pgd, 1);
	assert_int_equal(tg_spte(t, KV(TG_KSTACK_TOP - 1)), (TG_KSTACK_TOP - PAGE_SIZE) | 0x63);
	assert_int_equal(tg_spte(t, KV(TG_KSTACK_TOP - PAGE_SIZE - 1)),
			 (TG_KSTACK_TOP - 2 * PAGE_SIZE) | 0x63);
}

/* ---- Host pages ---- */

static void test_running_out_of_host_pages_kills_the_guest(void **state)
{
	struct tg *t = *state;

	t->fake->page_limit = fake_live_pages(t->lg);
	assert_false(fault(t, KV(0x5000), RD, NULL));
	assert_dead(t, "out of memory for shadow page tables");
}

static void test_freeing_the_page_tables_returns_every_shadow_page(void **state)
{
	struct tg *t = *state;
	unsigned int n;

	for (n = 1; n < NR_PGDIRS; n++) {
		make_dir(t, DIR(n));
		tg_hcall(t, LHCALL_NEW_PGTABLE, DIR(n), 0, 0, 0);
		assert_true(fault(t, KV(0x5000), RD, NULL));
	}
	assert_int_equal(fake_live_pages(t->lg), 1 + 1 + 2 * NR_PGDIRS - 1);
	free_guest_pagetable(t->lg);
	/* Only the per-CPU page is left: lguest_close's shim destroy takes it. */
	assert_int_equal(fake_live_pages(t->lg), 1);
	assert_int_equal(t->fake->bad_frees, 0);
}

/* ---- End to end, with the scripted CPU ---- */

static void test_first_write_to_a_clean_page_faults_again_to_set_dirty(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	unsigned int s[4];

	t->cpu->regs.eip = KV(0x1000);
	s[0] = fake_access(t->lg, KV(0x5000), false);
	s[1] = fake_access(t->lg, KV(0x5000), false);
	s[2] = fake_access(t->lg, KV(0x5000), true);
	s[3] = fake_access(t->lg, KV(0x5000), true);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_alive(t);
	assert_int_equal(fake_step(t->lg, s[0])->outcome, FAKE_EXITED);
	assert_int_equal(fake_step(t->lg, s[0])->exit_errcode, 0);
	assert_int_equal(fake_step(t->lg, s[1])->outcome, FAKE_DONE);
	assert_int_equal(fake_step(t->lg, s[2])->outcome, FAKE_EXITED);
	assert_int_equal(fake_step(t->lg, s[2])->exit_errcode, 3);
	assert_int_equal(fake_step(t->lg, s[3])->outcome, FAKE_DONE);
	assert_int_equal(t->fake->entries, 3);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5063);
	/* Fixed faults never reach the Guest. */
	assert_int_equal(tg_data(t, LGD_CR2), 0);
}

static void test_user_write_to_a_kernel_page_is_a_page_fault_for_the_guest(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	unsigned int s;

	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(TG_KSTACK_TOP), 2, 0);
	tg_set_gate(t, 14, 0xC0104000u, GATE_INTERRUPT, 0);
	tg_ring3(t, USER_VA, 0xBFFFF000u);
	s = fake_access(t->lg, KV(0x5000), true);
	assert_int_equal(lguest_run(t->lg, &p), -EINTR);
	assert_alive(t);
	assert_int_equal(fake_step(t->lg, s)->exit_errcode, 6);
	assert_int_equal(tg_data(t, LGD_CR2), KV(0x5000));
	assert_int_equal(t->fake->entry_log[1].regs.eip, 0xC0104000u);
	/* The shadow said "not present" (6); the Guest's page is present,
	 * so the Guest sees what hardware would give: 7. */
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 24), 7);
	assert_int_equal(tg_rd(t, TG_KSTACK_TOP - 20), USER_VA);
	assert_int_equal(tg_gpte(t, TG_PGDIR, KV(0x5000)), 0x5003);
}

static void test_reflected_fault_on_an_absent_pte_keeps_p_clear(void **state)
{
	struct tg *t = *state;

	/* The test Guest maps only the first TG_KERNEL_MAPPED bytes. */
	assert_int_equal(guest_fault_errcode(t->cpu, KV(TG_KERNEL_MAPPED), 2), 2);
	assert_int_equal(guest_fault_errcode(t->cpu, KV(TG_KERNEL_MAPPED), 3), 2);
}

static void test_reflected_fault_on_a_present_pte_sets_p(void **state)
{
	struct tg *t = *state;

	assert_int_equal(guest_fault_errcode(t->cpu, KV(0x5000), 6), 7);
	assert_int_equal(guest_fault_errcode(t->cpu, KV(0x5000), 2), 3);
}

static void test_fault_error_code_above_the_switcher_is_the_cpus(void **state)
{
	struct tg *t = *state;

	assert_int_equal(guest_fault_errcode(t->cpu, SWITCHER_ADDR, 3), 3);
	assert_int_equal(guest_fault_errcode(t->cpu, SWITCHER_ADDR + 0x1000, 0), 0);
}

static void test_mmio_access_goes_to_the_launcher_with_its_physical_address(void **state)
{
	struct tg *t = *state;
	struct lguest_pending p;
	static const u8 insn[7] = { 0x89, 0x02, 0x90, 0x90, 0x90, 0x90, 0x90 };

	memcpy(t->ram + 0x1000, insn, sizeof(insn));
	tg_map(t, TG_PGDIR, KV(0x7000), (TG_RAM_SIZE + PAGE_SIZE) | 3, PDE_TABLE);
	t->cpu->regs.eip = KV(0x1000);
	fake_access(t->lg, KV(0x7010), true);
	assert_int_equal(lguest_run(t->lg, &p), 12);
	assert_int_equal(p.trap, 14);
	assert_int_equal(p.addr, 0x00401010u);
	assert_memory_equal(p.insn, insn, 7);
	assert_int_equal(tg_data(t, LGD_CR2), 0);
	assert_alive(t);
}

static void test_pte_trace_shows_each_shadow_change(void **state)
{
	struct tg *t = *state;

	t->lg->trace_mask = LG_TRACE_PTE;
	assert_true(fault(t, KV(0x5000), RD, NULL));
	tg_hcall(t, LHCALL_SET_PTE, TG_PGDIR, KV(0x5000), 0x5063, 0);
	tg_hcall(t, LHCALL_FLUSH_TLB, 0, 0, 0, 0);
	assert_string_equal(tg_trace(t),
		"pte fault pgdir 0 vaddr 0xc0005000 old 0x00000000 new 0x00005021\n"
		"pte set pgdir 0 vaddr 0xc0005000 old 0x00005021 new 0x00005063\n"
		"pte flush user pgdir 0\n");
}

/* ---- A random workload against a model of the Guest's tables ---- */

/*
 * A Guest that behaves as Linux does (it tells the Host about every entry
 * it changes, keeps its user page tables private to one directory and
 * shares its kernel half) does random things: changes PTEs and PDEs,
 * switches among five directories (so the four-slot cache recycles),
 * flushes, and touches memory at ring 1 and ring 3.  At every entry the
 * fake checks that the shadow grants nothing the Guest's tables do not;
 * here we check the other half: what the Guest's tables allow works after
 * at most two faults the Guest never sees, and what they deny reaches the
 * Guest as a page fault with CR2.
 */
#define M_DIRS 5
#define M_KPAGE(i) KV(0x00100000u + (i) * PAGE_SIZE)	/* 16 kernel pages */
#define M_UPAGE(i) (0x08000000u + ((i) / 16) * 0x400000u + ((i) % 16) * PAGE_SIZE)
#define M_PT_FIRST 0x00060000u
#define M_PT_LAST 0x0008B000u
#define M_HANDLER KV(0x00104000u)

struct model {
	struct tg *t;
	u32 dirs[M_DIRS];
	u32 free_pts[64];
	unsigned int nr_free;
	unsigned int cur;
	unsigned int async_cursor;
	u64 rng;
};

static u32 rnd(struct model *m, u32 n)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (u32)(m->rng % n);
}

static bool model_allows(struct model *m, u32 v, bool write, bool user)
{
	u32 need = PTE_P | (write ? PTE_RW : 0) | (user ? PTE_U : 0);
	u32 pde = tg_rd(m->t, m->dirs[m->cur] + (v >> 22) * 4), pte;

	if ((pde & need) != need)
		return false;
	pte = tg_rd(m->t, (pde & PAGE_MASK) + ((v >> 12) & 1023) * 4);
	return (pte & need) == need;
}

static u32 random_frame(struct model *m)
{
	return 0x00200000u + rnd(m, 256) * PAGE_SIZE;
}

/* Tell the Host, synchronously or through the async ring. */
static void model_hcall(struct model *m, u32 nr, u32 a1, u32 a2, u32 a3)
{
	if (rnd(m, 4) == 0) {
		tg_async(m->t, m->async_cursor, nr, a1, a2, a3, 0);
		m->async_cursor = (m->async_cursor + 1) % LHCALL_RING_SIZE;
		tg_hcall(m->t, LHCALL_FLUSH_ASYNC, 0, 0, 0, 0);
	} else {
		tg_hcall(m->t, nr, a1, a2, a3, 0);
	}
}

static void model_write_user_pte(struct model *m)
{
	unsigned int d = rnd(m, M_DIRS), page = rnd(m, 32);
	u32 v = M_UPAGE(page), dir = m->dirs[d];
	u32 pde_addr = dir + (v >> 22) * 4, pde = tg_rd(m->t, pde_addr), pte;
	u32 flags = rnd(m, 0x80) & (PTE_P | PTE_RW | PTE_U | PTE_A | PTE_D);

	if (!(pde & PTE_P)) {
		assert_true(m->nr_free > 0);
		pde = m->free_pts[--m->nr_free] | PDE_TABLE;
		memset(m->t->ram + (pde & PAGE_MASK), 0, PAGE_SIZE);
		tg_wr(m->t, pde_addr, pde);
		model_hcall(m, LHCALL_SET_PGD, dir, v >> 22, 0);
	}
	if (rnd(m, 4))
		flags |= PTE_P;
	pte = random_frame(m) | flags;
	tg_wr(m->t, (pde & PAGE_MASK) + ((v >> 12) & 1023) * 4, pte);
	model_hcall(m, LHCALL_SET_PTE, dir, v, pte);
}

static void model_write_kernel_pte(struct model *m)
{
	u32 v = M_KPAGE(rnd(m, 16));
	u32 flags = rnd(m, 0x80) & (PTE_P | PTE_RW | PTE_A | PTE_D);
	u32 pte = random_frame(m) | flags | (rnd(m, 4) ? PTE_P : 0);

	tg_wr(m->t, tg_pte_addr(m->t, TG_PGDIR, v), pte);
	model_hcall(m, LHCALL_SET_PTE, m->dirs[m->cur], v, pte);
}

static void model_clear_user_pde(struct model *m)
{
	unsigned int d = rnd(m, M_DIRS);
	u32 idx = M_UPAGE(rnd(m, 32)) >> 22, pde_addr = m->dirs[d] + idx * 4;
	u32 pde = tg_rd(m->t, pde_addr);

	if (!(pde & PTE_P))
		return;
	tg_wr(m->t, pde_addr, 0);
	model_hcall(m, LHCALL_SET_PGD, m->dirs[d], idx, 0);
	m->free_pts[m->nr_free++] = pde & PAGE_MASK;
}

static void model_switch(struct model *m)
{
	m->cur = rnd(m, M_DIRS);
	model_hcall(m, LHCALL_NEW_PGTABLE, m->dirs[m->cur], 0, 0);
}

/*
 * One access, retried as the CPU would (each run re-executes it) until it
 * works or the Guest's page-fault handler is entered.
 */
static void model_access(struct model *m, unsigned int iter)
{
	struct tg *t = m->t;
	bool user = rnd(m, 2), write = rnd(m, 2);
	u32 v = (rnd(m, 2) ? M_KPAGE(rnd(m, 16)) : M_UPAGE(rnd(m, 32))) + rnd(m, 1024) * 4;
	bool allowed = model_allows(m, v, write, user);
	struct lguest_pending p;
	unsigned int attempt;

	for (attempt = 0; attempt < 3; attempt++) {
		unsigned int s;

		if (user)
			tg_ring3(t, 0x08800000u, 0xBFFFF000u);
		else
			tg_ring1(t, KV(0x00101000u), KV(0x9000));
		t->fake->nr_steps = t->fake->next_step = 0;
		s = fake_access(t->lg, v, write);
		tg_set_data(t, LGD_CR2, 0);
		assert_int_equal(lguest_run(t->lg, &p), -EINTR);
		if (t->lg->dead)
			fail_msg("iteration %u: %s", iter, t->lg->dead_reason);
		if (t->fake->violations)
			fail_msg("iteration %u: %s", iter, t->fake->violation);
		if (fake_step(t->lg, s)->outcome == FAKE_DONE) {
			if (!allowed)
				fail_msg("iteration %u: %s %s access to %#x allowed", iter,
					 user ? "user" : "kernel", write ? "write" : "read", v);
			return;
		}
		if (t->cpu->regs.eip == M_HANDLER) {
			if (allowed)
				fail_msg("iteration %u: allowed %s %s access to %#x "
					 "reflected (errcode %#x)", iter,
					 user ? "user" : "kernel", write ? "write" : "read",
					 v, fake_step(t->lg, s)->exit_errcode);
			assert_int_equal(tg_data(t, LGD_CR2), v);
			return;
		}
	}
	fail_msg("iteration %u: access to %#x still faulting after 3 tries", iter, v);
}

static void test_random_workload_keeps_shadow_and_guest_tables_agreeing(void **state)
{
	struct model m = { .t = *state, .rng = 0x9E3779B97F4A7C15ull };
	struct tg *t = m.t;
	unsigned int i;
	u32 pt;

	m.dirs[0] = TG_PGDIR;
	for (i = 1; i < M_DIRS; i++) {
		m.dirs[i] = DIR(i);
		make_dir(t, DIR(i));
	}
	for (pt = M_PT_FIRST; pt <= M_PT_LAST; pt += PAGE_SIZE)
		m.free_pts[m.nr_free++] = pt;
	tg_set_gate(t, 14, M_HANDLER, GATE_INTERRUPT, 0);
	tg_hcall(t, LHCALL_SET_STACK, GUEST_DS, KV(TG_KSTACK_TOP), 2, 0);

	for (i = 0; i < 4000; i++) {
		switch (rnd(&m, 10)) {
		case 0: case 1:
			model_write_user_pte(&m);
			break;
		case 2:
			model_write_kernel_pte(&m);
			break;
		case 3:
			model_clear_user_pde(&m);
			break;
		case 4:
			model_switch(&m);
			break;
		case 5:
			tg_hcall(t, LHCALL_FLUSH_TLB, rnd(&m, 2), 0, 0, 0);
			break;
		default:
			model_access(&m, i);
		}
		if (t->lg->dead)
			fail_msg("iteration %u: %s", i, t->lg->dead_reason);
	}
	assert_true(t->fake->entries > 2000);
	assert_true(t->lg->pgdirs_recycled > 10);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define TI(f) cmocka_unit_test_setup_teardown(f, tg_setup_init, tg_teardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, tg_setup_paging, tg_teardown)
		TI(test_linear_read_fault_maps_the_identity_read_only),
		TI(test_linear_write_fault_maps_the_identity_writable),
		TI(test_linear_write_after_read_makes_the_page_writable),
		TI(test_linear_user_access_is_not_fixable),
		TI(test_linear_fault_in_the_device_window_is_mmio),
		TI(test_linear_fault_on_the_last_device_page_is_mmio),
		TI(test_linear_fault_beyond_the_device_window_kills),
		TI(test_linear_fault_writes_nothing_into_guest_memory),
		TI(test_fault_at_or_above_the_switcher_is_never_fixable),
		TI(test_guest_pa_in_linear_mode_is_the_identity),
		TP(test_new_pgtable_leaves_linear_mode),
		TI(test_new_pgtable_drops_the_linear_mappings),
		TP(test_fault_through_an_absent_pde_is_not_fixable),
		TP(test_fault_on_an_absent_pte_is_not_fixable),
		TP(test_read_fault_sets_accessed_and_maps_read_only),
		TP(test_write_fault_sets_accessed_and_dirty_and_maps_writable),
		TP(test_write_after_read_sets_dirty_and_makes_the_page_writable),
		TP(test_write_to_a_read_only_pte_is_not_fixable),
		TP(test_read_of_a_read_only_pte_maps_it_read_only),
		TP(test_user_access_to_a_kernel_pte_is_not_fixable),
		TP(test_user_access_to_a_user_pte_is_fixed),
		TP(test_user_access_through_a_kernel_only_pde_is_not_fixable),
		TP(test_write_through_a_read_only_pde_is_not_fixable),
		TP(test_already_dirty_pte_is_mapped_writable_on_a_read),
		TP(test_dirty_read_only_pte_stays_read_only),
		TP(test_global_bit_is_not_copied_into_the_shadow),
		TP(test_cache_control_bits_are_copied_into_the_shadow),
		TP(test_shadow_pde_takes_the_guest_pde_flags),
		TP(test_pde_with_pse_kills),
		TP(test_pde_with_pcd_kills),
		TP(test_pde_with_the_global_bit_kills),
		TP(test_pde_pointing_beyond_ram_kills),
		TP(test_pte_with_pse_kills),
		TP(test_pte_beyond_the_device_window_kills),
		TP(test_pte_in_the_device_window_reports_mmio),
		TP(test_page_directory_outside_ram_kills_on_a_fault),
		TP(test_guest_pa_walks_the_guest_tables_without_setting_accessed),
		TP(test_guest_pa_of_an_unmapped_address_fails),
		TP(test_set_pte_at_the_switcher_kills),
		TP(test_set_pte_above_the_switcher_kills),
		TP(test_set_pte_just_below_the_switcher_is_accepted),
		TP(test_set_pte_with_accessed_installs_it_read_only_at_once),
		TP(test_set_pte_with_dirty_installs_it_writable),
		TP(test_set_pte_drops_the_global_bit),
		TP(test_set_pte_without_accessed_clears_the_shadow),
		TP(test_set_pte_not_present_clears_the_shadow),
		TP(test_set_pte_to_mmio_clears_the_shadow),
		TP(test_set_pte_without_a_shadow_pde_allocates_nothing),
		TP(test_set_pte_with_pse_kills),
		TP(test_set_pte_beyond_the_device_window_kills),
		TP(test_set_pte_kernel_address_changes_every_cached_directory),
		TP(test_set_pte_user_address_changes_only_that_directory),
		TP(test_set_pte_for_an_uncached_directory_is_ignored),
		TP(test_set_pte_flushes_the_tlb_only_over_a_present_entry),
		TP(test_set_pgd_drops_that_shadow_entry_and_its_table),
		TP(test_set_pgd_index_1024_is_accepted_and_changes_nothing),
		TP(test_set_pgd_index_1025_kills),
		TP(test_set_pgd_on_the_switcher_entry_keeps_the_switcher_mapped),
		TP(test_set_pgd_for_an_uncached_directory_is_ignored),
		TP(test_flush_tlb_0_drops_only_the_user_half),
		TP(test_flush_tlb_1_drops_the_kernel_half_too),
		TP(test_flush_tlb_1_empties_every_cached_directory),
		TP(test_flush_tlb_1_pins_the_stack_again),
		TP(test_new_pgtable_of_the_current_directory_keeps_its_shadow),
		TP(test_new_directories_fill_the_free_slots_in_order),
		TP(test_switching_back_finds_the_cached_directory_with_its_mappings),
		TP(test_fifth_directory_recycles_a_slot_keeping_its_kernel_half),
		TP(test_every_directory_maps_the_switcher_when_it_is_loaded),
		TP(test_switcher_page_is_mapped_read_only_for_the_kernel),
		TP(test_set_stack_maps_both_stack_pages_writable_and_dirty),
		TP(test_set_stack_on_an_unmapped_page_kills),
		TP(test_set_stack_on_a_read_only_page_kills),
		TP(test_new_blank_directory_gets_the_stack_pinned),
		TP(test_running_out_of_host_pages_kills_the_guest),
		TP(test_freeing_the_page_tables_returns_every_shadow_page),
		TP(test_first_write_to_a_clean_page_faults_again_to_set_dirty),
		TP(test_user_write_to_a_kernel_page_is_a_page_fault_for_the_guest),
		TP(test_reflected_fault_on_an_absent_pte_keeps_p_clear),
		TP(test_reflected_fault_on_a_present_pte_sets_p),
		TP(test_fault_error_code_above_the_switcher_is_the_cpus),
		TP(test_mmio_access_goes_to_the_launcher_with_its_physical_address),
		TP(test_pte_trace_shows_each_shadow_change),
		TP(test_random_workload_keeps_shadow_and_guest_tables_agreeing),
	};

	return TG_RUN("page_tables", tests, argc, argv);
}
