/*
 * test_guest.c - the unit tests' Guest: RAM, the Host on the fake shim,
 * and the structures a 4.4 Guest keeps in its memory.
 */
#include <stdlib.h>
#include <string.h>

#include "test_guest.h"

struct tg *tg_new_cfg(int no_direct_traps)
{
	struct tg *t = calloc(1, sizeof(*t));
	struct lguest_config cfg;
	int err;

	assert_non_null(t);
	t->ram = aligned_alloc(PAGE_SIZE, TG_RAM_SIZE);
	assert_non_null(t->ram);
	memset(t->ram, 0, TG_RAM_SIZE);
	t->trace = open_memstream(&t->trace_buf, &t->trace_len);
	assert_non_null(t->trace);

	memset(&cfg, 0, sizeof(cfg));
	cfg.trace_file = t->trace;
	cfg.no_direct_traps = no_direct_traps;
	t->lg = lguest_open(&cfg);
	assert_non_null(t->lg);
	err = lguest_initialize(t->lg, t->ram, TG_RAM_PAGES, TG_START_EIP,
				TG_DEVICE_LIMIT);
	if (err)
		fail_msg("lguest_initialize: %d %s", err, lguest_error(t->lg));
	t->cpu = &t->lg->cpus[0];
	t->fake = fake_of(t->lg);
	t->next_pt = TG_PT_POOL;
	return t;
}

struct tg *tg_new(void)
{
	return tg_new_cfg(0);
}

void tg_free(struct tg *t)
{
	if (!t)
		return;
	if (t->fake && t->fake->violations)
		fail_msg("fake shim: %u broken contract(s), first: %s",
			 t->fake->violations, t->fake->violation);
	lguest_close(t->lg);
	fclose(t->trace);
	free(t->trace_buf);
	free(t->ram);
	free(t);
}

int tg_setup(void **state)
{
	*state = tg_new();
	return 0;
}

int tg_setup_init(void **state)
{
	struct tg *t = tg_new();

	tg_init(t);
	assert_alive(t);
	*state = t;
	return 0;
}

int tg_setup_paging(void **state)
{
	struct tg *t = tg_new();

	tg_init(t);
	tg_paging(t);
	assert_alive(t);
	*state = t;
	return 0;
}

int tg_teardown(void **state)
{
	tg_free(*state);
	return 0;
}

u32 tg_rd(struct tg *t, u32 gpa)
{
	u32 v;

	assert_true((u64)gpa + 4 <= TG_RAM_SIZE);
	memcpy(&v, t->ram + gpa, 4);
	return v;
}

void tg_wr(struct tg *t, u32 gpa, u32 val)
{
	assert_true((u64)gpa + 4 <= TG_RAM_SIZE);
	memcpy(t->ram + gpa, &val, 4);
}

u8 tg_rd8(struct tg *t, u32 gpa)
{
	assert_true(gpa < TG_RAM_SIZE);
	return t->ram[gpa];
}

void tg_wr8(struct tg *t, u32 gpa, u8 val)
{
	assert_true(gpa < TG_RAM_SIZE);
	t->ram[gpa] = val;
}

/*
 * What the 4.4 Guest's static initialiser puts in lguest_data: timer line
 * blocked, the ring all empty, its iret address, PAGE_OFFSET, 0x80.
 * Interrupts start enabled here (as after the Guest's early boot).
 */
void tg_prepare_lguest_data(struct tg *t, u32 gpa)
{
	memset(t->ram + gpa, 0, LGD_SIZE);
	tg_wr(t, gpa + LGD_IRQ_ENABLED, X86_EFLAGS_IF);
	tg_wr(t, gpa + LGD_BLOCKED_INTERRUPTS, 1);
	memset(t->ram + gpa + LGD_HCALL_STATUS, 0xFF, LHCALL_RING_SIZE);
	tg_wr(t, gpa + LGD_NOIRQ_IRET, TG_NOIRQ_IRET);
	tg_wr(t, gpa + LGD_KERNEL_ADDRESS, TG_KERNEL);
	tg_wr(t, gpa + LGD_SYSCALL_VEC, SYSCALL_VECTOR);
}

u32 tg_data(struct tg *t, u32 offset)
{
	return tg_rd(t, TG_LGUEST_DATA + offset);
}

void tg_set_data(struct tg *t, u32 offset, u32 val)
{
	tg_wr(t, TG_LGUEST_DATA + offset, val);
}

void tg_hcall(struct tg *t, u32 nr, u32 a1, u32 a2, u32 a3, u32 a4)
{
	struct hcall_args *a = &t->cpu->hcall_buf;

	a->arg0 = nr;
	a->arg1 = a1;
	a->arg2 = a2;
	a->arg3 = a3;
	a->arg4 = a4;
	t->cpu->hcall = a;
	do_hypercalls(t->cpu);
	assert_null(t->cpu->hcall);
}

void tg_init(struct tg *t)
{
	tg_prepare_lguest_data(t, TG_LGUEST_DATA);
	tg_hcall(t, LHCALL_LGUEST_INIT, TG_LGUEST_DATA, 0, 0, 0);
}

void tg_async(struct tg *t, unsigned int slot, u32 nr, u32 a1, u32 a2,
	      u32 a3, u32 a4)
{
	u32 base = TG_LGUEST_DATA + LGD_HCALLS + slot * 20;

	assert_true(slot < LHCALL_RING_SIZE);
	tg_wr(t, base, nr);
	tg_wr(t, base + 4, a1);
	tg_wr(t, base + 8, a2);
	tg_wr(t, base + 12, a3);
	tg_wr(t, base + 16, a4);
	tg_wr8(t, TG_LGUEST_DATA + LGD_HCALL_STATUS + slot, 0);
}

u32 tg_pte_addr(struct tg *t, u32 pgdir, u32 vaddr)
{
	u32 pde = tg_rd(t, pgdir + (vaddr >> 22) * 4);

	assert_true(pde & PTE_P);
	return (pde & PAGE_MASK) + ((vaddr >> 12) & 1023) * 4;
}

u32 tg_gpte(struct tg *t, u32 pgdir, u32 vaddr)
{
	return tg_rd(t, tg_pte_addr(t, pgdir, vaddr));
}

u32 tg_map(struct tg *t, u32 pgdir, u32 vaddr, u32 pte, u32 pde_flags)
{
	u32 pde_addr = pgdir + (vaddr >> 22) * 4;
	u32 pde = tg_rd(t, pde_addr), addr;

	if (!(pde & PTE_P)) {
		assert_true(t->next_pt < TG_PT_POOL_END);
		pde = t->next_pt | pde_flags;
		t->next_pt += PAGE_SIZE;
		memset(t->ram + (pde & PAGE_MASK), 0, PAGE_SIZE);
		tg_wr(t, pde_addr, pde);
	}
	addr = (pde & PAGE_MASK) + ((vaddr >> 12) & 1023) * 4;
	tg_wr(t, addr, pte);
	return addr;
}

void tg_paging(struct tg *t)
{
	u32 off;

	memset(t->ram + TG_PGDIR, 0, PAGE_SIZE);
	for (off = 0; off < TG_KERNEL_MAPPED; off += PAGE_SIZE)
		tg_map(t, TG_PGDIR, TG_KERNEL + off, off | PTE_P | PTE_RW,
		       PTE_P | PTE_RW | PTE_U | PTE_A | PTE_D);
	tg_hcall(t, LHCALL_NEW_PGTABLE, TG_PGDIR, 0, 0, 0);
}

u32 tg_spde(struct tg *t, u32 vaddr)
{
	return fake_shadow_pde(t->lg, t->cpu->shadow_cr3, vaddr);
}

u32 tg_spte(struct tg *t, u32 vaddr)
{
	return fake_shadow_pte(t->lg, t->cpu->shadow_cr3, vaddr);
}

u32 tg_spde_slot(struct tg *t, unsigned int slot, u32 vaddr)
{
	return fake_shadow_pde(t->lg, t->lg->pgdirs[slot].shadow_phys, vaddr);
}

u32 tg_spte_slot(struct tg *t, unsigned int slot, u32 vaddr)
{
	return fake_shadow_pte(t->lg, t->lg->pgdirs[slot].shadow_phys, vaddr);
}

void tg_gate(u32 offset, u32 type, u32 dpl, u32 *lo, u32 *hi)
{
	*lo = (__KERNEL_CS << 16) | (offset & 0xFFFF);
	*hi = (offset & 0xFFFF0000) | 0x8000 | (dpl << 13) | (type << 8);
}

void tg_set_gate(struct tg *t, u32 vector, u32 offset, u32 type, u32 dpl)
{
	u32 lo, hi;

	tg_gate(offset, type, dpl, &lo, &hi);
	load_guest_idt_entry(t->cpu, vector, lo, hi);
}

void tg_ring1(struct tg *t, u32 eip, u32 esp)
{
	struct lguest_regs *r = &t->cpu->regs;

	r->cs = GUEST_CS;
	r->ss = r->ds = r->es = GUEST_DS;
	r->eip = eip;
	r->esp = esp;
	r->eflags = X86_EFLAGS_IF | 0x2;
}

void tg_ring3(struct tg *t, u32 eip, u32 esp)
{
	struct lguest_regs *r = &t->cpu->regs;

	r->cs = 0x73;
	r->ss = r->ds = r->es = 0x7B;
	r->eip = eip;
	r->esp = esp;
	r->eflags = X86_EFLAGS_IF | 0x2;
}

const char *tg_trace(struct tg *t)
{
	fflush(t->trace);
	return t->trace_buf ? t->trace_buf : "";
}

int tg_run(const char *name, const struct CMUnitTest *tests, size_t n,
	   int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}
