/*
 * fake_shim.h - the second implementation of src/core/shim.h: plain
 * memory and a scripted "CPU", for the unit tests.
 *
 * The Host logic cannot tell it from the Switcher simulation:
 *   - Guest RAM is the Launcher's buffer; reads and writes outside
 *     [0, pfn_limit pages) fail and touch nothing;
 *   - host pages come zeroed from a small pool, at fake physical addresses
 *     FAKE_HOST_PHYS_BASE + n * 4096 that shim_page() maps back (and only
 *     while the page is live: a freed page is poisoned and unreachable);
 *   - shim_run_guest() plays the Guest from a script the test wrote (make a
 *     hypercall, raise an exception, do "int n", touch memory, or call back
 *     into the test) and comes back with regs.trapnum/errcode and, for a
 *     page fault, cpu->arch_cr2 set, exactly as the Switcher would;
 *   - the clock, the wall clock and the TSC rate are numbers the test sets;
 *     timer arming, kicks, waits and TLB flushes are counted.
 *
 * The scripted CPU reads the real IDT, GDT and TSS the Host wrote into
 * lg->pages and walks the shadow page directory at cpu->shadow_cr3, as the
 * hardware would: "int n" is refused (#GP, error code n * 8 + 2) if the
 * gate's DPL is below the current ring, a gate into the Guest is taken
 * directly (frame pushed through the shadow tables, no exit), and a memory
 * access that the shadow tables do not allow is a page fault with the P,
 * W and U bits of the error code set as the CPU sets them.
 */
#ifndef LG_FAKE_SHIM_H
#define LG_FAKE_SHIM_H

#include "lg.h"

#define FAKE_HOST_PHYS_BASE 0xF8000000u
#define FAKE_HOST_PAGES 64u
#define FAKE_MAX_STEPS 256u
#define FAKE_MAX_ENTRIES 256u

enum fake_step_kind {
	FAKE_HCALL,	/* int $0x1f with EAX..ESI = args[0..4] */
	FAKE_INT,	/* software "int vector" at the current ring */
	FAKE_EXCEPTION,	/* the CPU raises vector (errcode, cr2 for #PF) */
	FAKE_ACCESS,	/* a data access at vaddr, through the shadow tables */
	FAKE_KICK,	/* the run ends as a kick would end it */
	FAKE_CALL,	/* test code plays the Guest (see fake_call) */
};

enum fake_outcome {
	FAKE_NOT_RUN,	/* the Guest never got this far */
	FAKE_EXITED,	/* the step made the CPU leave the Guest */
	FAKE_DIRECT,	/* the CPU delivered it straight into the Guest */
	FAKE_DONE,	/* the access succeeded / the callback did not exit */
};

/*
 * Test code playing the Guest.  It may change cpu->regs and Guest memory.
 * Return true if it left the Guest (it must then have set regs.trapnum,
 * regs.errcode and, for trap 14, cpu->arch_cr2), false to go on with the
 * next step in the same run.
 */
typedef bool (*fake_guest_fn)(struct lg_cpu *cpu, void *arg);

struct fake_step {
	enum fake_step_kind kind;
	u32 args[5];		/* FAKE_HCALL: EAX, EBX, ECX, EDX, ESI */
	u32 vector;		/* FAKE_INT, FAKE_EXCEPTION */
	u32 errcode;		/* FAKE_EXCEPTION */
	u32 cr2;		/* FAKE_EXCEPTION 14 */
	u32 vaddr;		/* FAKE_ACCESS */
	bool write;		/* FAKE_ACCESS */
	fake_guest_fn fn;	/* FAKE_CALL */
	void *arg;

	/* Filled in by the fake. */
	enum fake_outcome outcome;
	unsigned int entry;	/* which shim_run_guest() call ran it (1-based) */
	u32 exit_trapnum, exit_errcode; /* when outcome == FAKE_EXITED */
};

/* What the CPU was given at one entry. */
struct fake_entry {
	struct lguest_regs regs;
	u32 shadow_cr3;
	u32 ts;
	u32 irq_enabled;	/* lguest_data.irq_enabled, if registered */
};

struct fake_shim {
	struct lguest *lg;

	/* Host pages. */
	u8 *pool;		/* FAKE_HOST_PAGES pages, page aligned */
	bool live[FAKE_HOST_PAGES];
	unsigned int page_limit; /* allocations beyond this many live fail */
	unsigned int allocs, frees, bad_frees, failed_allocs;

	/* Time. */
	u64 clock_ns;
	u32 wall_sec, wall_nsec;
	u32 tsc_khz;
	u64 timer_deadline;	/* last shim_timer_arm() value */
	unsigned int timer_arms;

	/* Kicks, waits, TLB. */
	unsigned int kicks;
	bool kick_pending;
	unsigned int waits, waits_forever;
	u64 last_wait_deadline;
	unsigned int tlb_flushes;
	unsigned int code_written_calls; /* shim_code_written() */
	u32 code_written_gpa, code_written_len;

	/* The scripted CPU. */
	struct fake_step steps[FAKE_MAX_STEPS];
	unsigned int nr_steps, next_step;
	unsigned int entries;	/* shim_run_guest() calls */
	unsigned int kick_exits; /* runs ended by a pending kick */
	unsigned int script_ends; /* runs that found the script exhausted */
	struct fake_entry entry_log[FAKE_MAX_ENTRIES];
	unsigned int direct[IDT_ENTRIES]; /* direct deliveries by vector */

	/*
	 * Broken contracts the fake noticed (each also counted): an entry
	 * whose CR3 is not a live host page or lacks the Switcher mapping,
	 * or a shadow entry mapping something other than Guest RAM.  Every
	 * test's teardown asserts this stays 0.
	 */
	unsigned int violations;
	char violation[256];
};

/* Settings taken by the next shim_switcher_create(), then reset. */
struct fake_shim_settings {
	int create_error;	 /* nonzero: shim_switcher_create fails so */
	unsigned int page_limit; /* 0: FAKE_HOST_PAGES */
};
extern struct fake_shim_settings fake_next;

struct fake_shim *fake_of(struct lguest *lg);

/* ---- Writing the script (each returns the step's index) ---- */
unsigned int fake_hcall(struct lguest *lg, u32 nr, u32 a1, u32 a2, u32 a3,
			u32 a4);
unsigned int fake_int(struct lguest *lg, u32 vector);
unsigned int fake_exception(struct lguest *lg, u32 vector, u32 errcode);
unsigned int fake_page_fault(struct lguest *lg, u32 cr2, u32 errcode);
unsigned int fake_access(struct lguest *lg, u32 vaddr, bool write);
unsigned int fake_kick(struct lguest *lg);
unsigned int fake_call(struct lguest *lg, fake_guest_fn fn, void *arg);
struct fake_step *fake_step(struct lguest *lg, unsigned int idx);

/* ---- Looking at the shadow tables as the CPU would ---- */

/* The shadow PDE for vaddr in directory cr3 (0 if cr3 is not live). */
u32 fake_shadow_pde(struct lguest *lg, u32 cr3, u32 vaddr);
/* The shadow PTE for vaddr, or 0 if its PDE is absent. */
u32 fake_shadow_pte(struct lguest *lg, u32 cr3, u32 vaddr);
/* Would the CPU allow this access?  Fills *errcode for the fault if not. */
bool fake_translate(struct lguest *lg, u32 cr3, u32 vaddr, bool write,
		    bool user, u32 *gpa, u32 *errcode);

/* Live host pages right now. */
unsigned int fake_live_pages(struct lguest *lg);
/* How many host pages were still live when the last fake was destroyed
 * (the Host never handed them back). */
extern unsigned int fake_pages_live_at_destroy;

#endif /* LG_FAKE_SHIM_H */
