/*
 * lguest_user.h - the Launcher's view of the Host: the requests that Linux
 * 4.4 offered through /dev/lguest, as a plain C API.
 *
 * A write() of LHREQ_INITIALIZE becomes lguest_initialize(), read() becomes
 * lguest_run(), LHREQ_IRQ becomes lguest_irq(), and so on.  Results follow
 * the kernel's convention: 0 or a positive count on success, a negative
 * errno value on failure.
 *
 * This header is all that src/launcher may include from the Host.
 */
#ifndef LGUEST_USER_H
#define LGUEST_USER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lguest;

/* Extra errno value the Host uses when the Guest asked to be restarted. */
#define LGUEST_ERESTART 512

/*
 * What lguest_run() hands back when the Guest needs the Launcher
 * (struct lguest_pending in 4.4: 12 bytes).
 *   trap 13: a general protection fault with error code 0 to emulate
 *            (cli, rdmsr, ... ; insn[] holds the first bytes at EIP).
 *   trap 14: an access to the MMIO window; addr is the guest-physical
 *            address.
 */
struct lguest_pending {
	uint8_t trap;
	uint8_t insn[7];
	uint32_t addr;
};

/* Register offsets for lguest_getreg()/lguest_setreg(): i386 pt_regs. */
enum lguest_reg_offset {
	LG_REG_EBX = 0,
	LG_REG_ECX = 4,
	LG_REG_EDX = 8,
	LG_REG_ESI = 12,
	LG_REG_EDI = 16,
	LG_REG_EBP = 20,
	LG_REG_EAX = 24,
	LG_REG_DS = 28,
	LG_REG_ES = 32,
	LG_REG_FS = 36,
	LG_REG_GS = 40,
	LG_REG_ORIG_EAX = 44,
	LG_REG_EIP = 48,
	LG_REG_CS = 52,
	LG_REG_EFLAGS = 56,
	LG_REG_ESP = 60,
	LG_REG_SS = 64,
};

/*
 * Port I/O.  Unicorn never faults on in/out, so the Switcher simulation
 * cannot turn them into the #GP(0) exit that real lguest handed to the
 * Launcher; instead the Host calls these synchronously, at the moment the
 * Guest executes the instruction (see docs/architecture.md).
 * size is 1, 2 or 4.  port_in returns the value read (the Launcher's
 * default for an unknown port is all-ones).  port_out returns 0, or -1 if
 * the access is an error the Guest must see as #GP.
 */
struct lguest_io_ops {
	void *opaque;
	uint32_t (*port_in)(void *opaque, uint16_t port, unsigned size);
	int (*port_out)(void *opaque, uint16_t port, unsigned size, uint32_t value);
};

/* Trace categories for -d (QEMU-style names; see lguest_trace_parse()). */
enum lguest_trace_cat {
	LG_TRACE_HCALL = 1u << 0, /* every hypercall, by name */
	LG_TRACE_TRAP = 1u << 1,  /* every trap that reaches the Host */
	LG_TRACE_IRQ = 1u << 2,   /* virtual interrupt raise and delivery */
	LG_TRACE_PTE = 1u << 3,   /* shadow page-table changes */
	LG_TRACE_PIO = 1u << 4,   /* port I/O */
	LG_TRACE_MMIO = 1u << 5,  /* MMIO handed to the Launcher */
	LG_TRACE_EXIT = 1u << 6,  /* every return from the Guest to the Host */
	LG_TRACE_DIRECT = 1u << 7, /* traps the Switcher delivered directly */
	LG_TRACE_SWITCHER = 1u << 8, /* Switcher simulation internals */
};

/*
 * Parse a comma-separated list of category names ("hcall,trap,irq") or
 * "all" into *mask.  Returns 0, or -1 with a one-line message in errbuf.
 */
int lguest_trace_parse(const char *spec, uint32_t *mask, char *errbuf,
		       size_t errlen);
/* A table for --help: one line per category, "  name  description\n". */
const char *lguest_trace_names(void);

/* Options the Launcher passes at creation (not part of 4.4's ABI). */
struct lguest_config {
	uint32_t trace_mask;
	FILE *trace_file; /* NULL means stderr */
	struct lguest_io_ops io;
	/* Teaching switch: every trap bounces through the Host. */
	int no_direct_traps;
	/*
	 * A virtual clock driven by executed Guest instructions instead of
	 * real time: the same run gives the same trace, byte for byte.
	 */
	int deterministic;
	/* Measure time spent in the Guest and in the Host (for --stats). */
	int stats;
};

/* open("/dev/lguest"): a Guest with no memory yet. NULL on out of memory. */
struct lguest *lguest_open(const struct lguest_config *cfg);

/*
 * LHREQ_INITIALIZE.  base: the Launcher's mapping of guest-physical 0
 * (page aligned, pfn_limit pages long, zero filled except what the Launcher
 * loaded).  start: the Guest's first EIP.  device_limit: the first page
 * number above the MMIO window.  Returns 0, -EBUSY if already initialized,
 * -EINVAL for impossible values, -ENOMEM, or -EIO if the CPU emulator
 * failed its start-up self-test (the message is in lguest_error()).
 */
int lguest_initialize(struct lguest *lg, void *base, uint32_t pfn_limit,
		      uint32_t start, uint32_t device_limit);

/*
 * read(): run the Guest.  Returns sizeof(struct lguest_pending) with *out
 * filled when the Launcher must act; -EINTR if lguest_break() was called;
 * -ENOENT when the Guest is dead (the reason is in lguest_dead_reason());
 * -LGUEST_ERESTART when it asked to be restarted; -EINVAL before
 * initialization.
 */
int lguest_run(struct lguest *lg, struct lguest_pending *out);

/* Why the Guest died ("CRASH: Power down", "bad hypercall 99", ...). */
const char *lguest_dead_reason(const struct lguest *lg);

/* Did the Guest die by its own SHUTDOWN hypercall (as opposed to a kill)? */
int lguest_dead_by_shutdown(const struct lguest *lg);

/* LHREQ_IRQ: raise an interrupt line.  Safe from any thread. */
int lguest_irq(struct lguest *lg, unsigned int line);

/* LHREQ_GETREG / LHREQ_SETREG.  -ENOENT for an unknown or read-only offset. */
int lguest_getreg(struct lguest *lg, unsigned int offset, uint32_t *value);
int lguest_setreg(struct lguest *lg, unsigned int offset, uint32_t value);

/* LHREQ_TRAP: deliver a trap into the Guest now.  -EINVAL if impossible. */
int lguest_trap(struct lguest *lg, unsigned int trapnum);

/*
 * The Launcher wrote Guest RAM behind the CPU's back (a device filled a
 * buffer): any code the CPU translated from [gpa, gpa + len) must go.
 * Call it after the writes, before the Guest runs again.
 */
void lguest_ram_written(struct lguest *lg, uint32_t gpa, uint32_t len);

/* Make lguest_run() return -EINTR soon.  Safe from any thread or signal. */
void lguest_break(struct lguest *lg);

/* Why lguest_initialize() failed (empty string if it did not). */
const char *lguest_error(const struct lguest *lg);

/*
 * Statistics for --stats, one "stats: ..." line each: exits, hypercalls by
 * name, traps by vector (direct or through the Host), interrupts injected,
 * time in the Guest and in the Host.
 */
void lguest_print_stats(const struct lguest *lg, FILE *out);

/* close(): free everything. */
void lguest_close(struct lguest *lg);

#endif /* LGUEST_USER_H */
