/*
 * sim.h - private state of the Switcher simulation (the shim on Unicorn).
 * Only src/switcher_sim includes this, and only src/switcher_sim includes
 * unicorn.h.
 */
#ifndef LGUEST_SIM_H
#define LGUEST_SIM_H

#include <pthread.h>
#include <unicorn/unicorn.h>

#include "lg.h"

/*
 * Where things live in Unicorn's physical address space:
 *   [0, RAM)                  Guest RAM (the Launcher's mapping)
 *   [RAM, device_limit)       the MMIO window: never mapped, so every
 *                             access faults and goes to the Launcher
 *   [HOST_PHYS_BASE, +size)   host pages: shadow page tables and the
 *                             per-CPU Switcher page
 */
#define HOST_PHYS_BASE 0xF8000000u
#define HOST_PHYS_SIZE (64u << 20)
#define HOST_PAGES (HOST_PHYS_SIZE / PAGE_SIZE)

/* Offsets inside Unicorn's saved CPU context, found at start-up. */
struct sim_offsets {
	size_t ctx_size;
	size_t hflags;		 /* low 2 bits: the CPL */
	size_t error_code;	 /* the last exception's error code */
	size_t exception_is_int; /* 1 if it came from an "int n" */
	size_t old_exception;	 /* -1 when no exception is in flight */
};

struct sim {
	uc_engine *uc;
	uc_context *ctx;
	struct lguest *lg;
	struct lg_cpu *cpu;

	/* Host pages. */
	u8 *host_mem;
	u32 *free_pages;
	u32 nr_free;
	u8 *page_used;

	/* What the CPU holds now, so entry writes only what changed. */
	bool started;
	int cpl;
	u32 cur_cr3, cur_cr0;
	bool need_flush;
	u32 seg[6];		/* SS CS DS ES FS GS as last loaded */
	bool segs_loaded;

	/* Set by the hooks when the Guest must go back to the Host. */
	bool exit_requested;
	u32 exit_trapnum, exit_errcode;
	bool io_fault;		/* an in/out that must become #GP(0) */
	u32 scratch_slot;	/* next spare Switcher PTE (shim_code_written) */

	/* Kicks and the timer (clock.c). */
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* wakes the kicker thread and shim_wait */
	pthread_t kicker;
	bool clock_inited, kicker_started, kicker_stop;
	int kick_pending;	/* atomic: someone wants the run loop */
	u64 timer_deadline;

	/* --deterministic: the virtual clock and the timer's deadline on it. */
	u64 vclock;
	u64 vdeadline;

	uc_hook hook_intr, hook_in, hook_out, hook_block, hook_cpuid;
};

static inline struct sim *sim_of(struct lguest *lg)
{
	return lg->sim;
}

/* calibrate.c */
int sim_calibrate(struct sim_offsets *off, char *err, size_t errlen);

/* memory.c */
int sim_memory_init(struct sim *sim);
void sim_memory_free(struct sim *sim);

/* cpuid.c */
void sim_cpuid(u32 leaf, u32 subleaf, u32 regs[4]);
int sim_hook_cpuid(uc_engine *uc, void *data);

/* clock.c */
int sim_clock_init(struct sim *sim);
void sim_clock_free(struct sim *sim);
bool sim_take_kick(struct sim *sim);

#endif /* LGUEST_SIM_H */
