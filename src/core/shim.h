/*
 * shim.h - the Host logic's whole view of the world.
 *
 * Linux's lguest ran inside a kernel: it copied to and from user memory,
 * allocated pages, armed hrtimers, kicked a CPU, and jumped through the
 * Switcher into the Guest.  Our Host logic (src/core, src/traps, src/mmu)
 * asks for exactly those services through this header and nothing else:
 * it never includes unicorn.h.
 *
 * Two implementations exist:
 *   src/switcher_sim  - the product: the Guest runs inside Unicorn;
 *   tests/unit/fake_shim.c - plain memory, a scripted "CPU", for cmocka.
 * The same Host object files link against either.
 */
#ifndef LGUEST_SHIM_H
#define LGUEST_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

struct lguest;
struct lg_cpu;

/*
 * Guest-physical memory.  Both return false, touching nothing, unless every
 * byte of [gpa, gpa + len) lies inside the Guest's RAM.  (The kernel's
 * copy_from_user/copy_to_user on the Launcher's mapping.)
 */
bool shim_guest_read(struct lguest *lg, u32 gpa, void *buf, u32 len);
bool shim_guest_write(struct lguest *lg, u32 gpa, const void *buf, u32 len);

/*
 * Host pages: zeroed 4 KiB pages that the Guest never sees as RAM but the
 * CPU can walk (shadow page tables, the Switcher's per-CPU page).  *phys is
 * the address the CPU knows the page by; shim_page() turns it back into a
 * pointer (NULL if phys is not a live host page).  Returns NULL when out of
 * host pages.
 */
void *shim_alloc_page(struct lguest *lg, u32 *phys);
void shim_free_page(struct lguest *lg, u32 phys);
void *shim_page(struct lguest *lg, u32 phys);

/*
 * The Switcher.  shim_switcher_create() builds the CPU once lg->mem_base,
 * lg->pfn_limit and lg->device_limit are known; it returns 0 or a negative
 * errno with a message in lg->error.  shim_run_guest() is the world switch:
 * it enters the Guest with cpu->regs (at the privilege level in regs.cs),
 * using the GDT/IDT/TSS the Host wrote into lg->pages and the shadow page
 * directory at cpu->shadow_cr3, and returns when the Guest traps to the
 * Host, with regs saved, regs.trapnum/errcode set and, for a page fault,
 * cpu->arch_cr2 set.
 */
int shim_switcher_create(struct lguest *lg);
void shim_switcher_destroy(struct lguest *lg);
void shim_run_guest(struct lg_cpu *cpu);

/*
 * Guest RAM in [gpa, gpa + len) was written other than by the Guest (a
 * device): the CPU must not run code it translated from there before.
 */
void shim_code_written(struct lguest *lg, u32 gpa, u32 len);

/* The Host changed or removed shadow entries: forget cached translations. */
void shim_flush_tlb(struct lg_cpu *cpu);

/*
 * Time.  shim_clock_ns() is the Guest's monotonic clock in nanoseconds (real
 * time, or a virtual clock in deterministic mode); shim_wallclock() the
 * wall-clock time written into lguest_data.  shim_timer_arm() asks to be
 * kicked out of the Guest when the clock reaches deadline (0: never).
 * shim_tsc_khz() is what the Guest may assume its TSC runs at (0: unusable).
 */
u64 shim_clock_ns(struct lguest *lg);
void shim_wallclock(struct lguest *lg, u32 *sec, u32 *nsec);
void shim_timer_arm(struct lg_cpu *cpu, u64 deadline_ns);
u32 shim_tsc_khz(struct lguest *lg);

/*
 * Kick: make shim_run_guest() return soon (with trapnum LGUEST_TRAP_KICK)
 * and wake a shim_wait().  Safe from any thread.  shim_wait() sleeps until
 * kicked or until the clock reaches deadline (0: no deadline).
 */
void shim_kick(struct lg_cpu *cpu);
void shim_wait(struct lg_cpu *cpu, u64 deadline_ns);

/* Bitmaps of at most 32 bits, safe against a concurrent setter. */
static inline void lg_set_bit(unsigned int nr, u32 *map)
{
	__atomic_fetch_or(map, 1u << nr, __ATOMIC_SEQ_CST);
}
static inline void lg_clear_bit(unsigned int nr, u32 *map)
{
	__atomic_fetch_and(map, ~(1u << nr), __ATOMIC_SEQ_CST);
}
static inline bool lg_test_bit(unsigned int nr, const u32 *map)
{
	return (__atomic_load_n(map, __ATOMIC_SEQ_CST) >> nr) & 1;
}
/* Lowest set bit, or 32 if none. */
static inline unsigned int lg_find_first_bit(u32 map)
{
	return map ? (unsigned int)__builtin_ctz(map) : 32;
}

#endif /* LGUEST_SHIM_H */
