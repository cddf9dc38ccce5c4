/*
 * test_guest.h - a Guest for the unit tests: RAM, a Host made through the
 * C API on the fake shim, and helpers that lay out what a 4.4 Guest keeps
 * in its memory (lguest_data, page tables, IDT gates).
 *
 * Memory map of the test Guest (guest-physical; RAM is TG_RAM_PAGES pages):
 *   TG_LGUEST_DATA   struct lguest_data (1388 bytes)
 *   TG_PGDIR         the Guest's page directory (after tg_paging())
 *   TG_PT_POOL...    page tables handed out by tg_map()
 *   TG_KSTACK_TOP    top of a two-page kernel stack
 * Kernel virtual addresses are TG_KERNEL + guest-physical.
 */
#ifndef LG_TEST_GUEST_H
#define LG_TEST_GUEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_shim.h"

#define TG_RAM_PAGES 1024u		/* 4 MiB */
#define TG_RAM_SIZE (TG_RAM_PAGES * PAGE_SIZE)
#define TG_DEVICE_LIMIT (TG_RAM_PAGES + 256u + 16u) /* 1 MiB + 64 KiB of MMIO */
#define TG_START_EIP 0x00100000u
#define TG_LGUEST_DATA 0x00010000u
#define TG_PGDIR 0x00020000u
#define TG_PT_POOL 0x00021000u
#define TG_PT_POOL_END 0x00040000u
#define TG_KSTACK_TOP 0x00090000u	/* stack pages 0x8E000-0x8FFFF */
#define TG_NOIRQ_IRET 0xC0100500u
#define TG_KERNEL 0xC0000000u

/* Page-table entry bits (the Guest's). */
#define PTE_P 0x001u
#define PTE_RW 0x002u
#define PTE_U 0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_PSE 0x080u
#define PTE_G 0x100u

struct tg {
	struct lguest *lg;
	struct lg_cpu *cpu;
	struct fake_shim *fake;
	u8 *ram;
	u32 next_pt;	/* next free page table in the pool */
	char *trace_buf;
	size_t trace_len;
	FILE *trace;
};

/* A Guest after LHREQ_INITIALIZE: linear mode, nothing registered. */
struct tg *tg_new(void);
struct tg *tg_new_cfg(int no_direct_traps);
/* Teardown: asserts the fake saw no broken contract, frees everything. */
void tg_free(struct tg *t);

/* cmocka fixtures: *state is a struct tg. */
int tg_setup(void **state);		/* tg_new() */
int tg_setup_init(void **state);	/* + lguest_data registered */
int tg_setup_paging(void **state);	/* + the Guest's own page tables */
int tg_teardown(void **state);

/* Guest memory, by guest-physical address. */
u32 tg_rd(struct tg *t, u32 gpa);
void tg_wr(struct tg *t, u32 gpa, u32 val);
u8 tg_rd8(struct tg *t, u32 gpa);
void tg_wr8(struct tg *t, u32 gpa, u8 val);

/* lguest_data as a 4.4 Guest's static initialiser leaves it. */
void tg_prepare_lguest_data(struct tg *t, u32 gpa);
u32 tg_data(struct tg *t, u32 offset);		 /* at TG_LGUEST_DATA */
void tg_set_data(struct tg *t, u32 offset, u32 val);

/* Do one synchronous hypercall now, as if the Guest had just made it. */
void tg_hcall(struct tg *t, u32 nr, u32 a1, u32 a2, u32 a3, u32 a4);
/* LGUEST_INIT at TG_LGUEST_DATA (prepared first). */
void tg_init(struct tg *t);
/* Queue a call in the async ring slot (status set to 0 = ready). */
void tg_async(struct tg *t, unsigned int slot, u32 nr, u32 a1, u32 a2,
	      u32 a3, u32 a4);

/*
 * The Guest's own tables at TG_PGDIR: kernel mapping of the first
 * TG_KERNEL_MAPPED bytes at TG_KERNEL (present, writable, supervisor,
 * neither Accessed nor Dirty), then NEW_PGTABLE(TG_PGDIR).
 */
#define TG_KERNEL_MAPPED 0x00100000u
void tg_paging(struct tg *t);
/* Build: set the PTE for vaddr in directory pgdir (making a PDE with
 * pde_flags if none).  Returns the PTE's guest-physical address. */
u32 tg_map(struct tg *t, u32 pgdir, u32 vaddr, u32 pte, u32 pde_flags);
u32 tg_pte_addr(struct tg *t, u32 pgdir, u32 vaddr);
u32 tg_gpte(struct tg *t, u32 pgdir, u32 vaddr);

/* The shadow as the CPU sees it now (current directory). */
u32 tg_spde(struct tg *t, u32 vaddr);
u32 tg_spte(struct tg *t, u32 vaddr);
/* The shadow of cached slot i. */
u32 tg_spte_slot(struct tg *t, unsigned int slot, u32 vaddr);
u32 tg_spde_slot(struct tg *t, unsigned int slot, u32 vaddr);

/* IDT: a gate as the Guest writes it (selector 0x60, given type, DPL). */
void tg_gate(u32 offset, u32 type, u32 dpl, u32 *lo, u32 *hi);
void tg_set_gate(struct tg *t, u32 vector, u32 offset, u32 type, u32 dpl);

/* Registers for "the Guest is running at ring 1 / ring 3 with this". */
void tg_ring1(struct tg *t, u32 eip, u32 esp);
void tg_ring3(struct tg *t, u32 eip, u32 esp);

/* The trace written so far (NUL-terminated). */
const char *tg_trace(struct tg *t);

/* Is the Guest dead with exactly this reason? */
#define assert_dead(t, reason)                                                 \
	do {                                                                   \
		assert_true((t)->lg->dead);                                    \
		assert_string_equal((t)->lg->dead_reason, (reason));           \
	} while (0)
#define assert_alive(t)                                                        \
	do {                                                                   \
		if ((t)->lg->dead)                                             \
			fail_msg("guest died: %s", (t)->lg->dead_reason);      \
	} while (0)

/* Run tests, honouring an optional name filter in argv[1]. */
int tg_run(const char *name, const struct CMUnitTest *tests, size_t n,
	   int argc, char **argv);
#define TG_RUN(name, tests, argc, argv)                                        \
	tg_run(name, tests, sizeof(tests) / sizeof(tests[0]), argc, argv)

#endif /* LG_TEST_GUEST_H */
