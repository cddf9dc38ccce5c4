/*
 * lg.h - the Host's shared types: struct lguest (one Guest), struct lg_cpu
 * (its virtual CPU), and the functions each part of the Host offers the
 * others.  Like Linux's drivers/lguest/lg.h, this is the one internal
 * header; it sees the world only through shim.h.
 */
#ifndef LGUEST_LG_H
#define LGUEST_LG_H

#include <stdarg.h>
#include <stdio.h>

#include "lguest_user.h"
#include "shim.h"

/* ---- Numbers fixed by the 4.4 Guest ABI (docs/architecture.md) ---- */

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define LGUEST_TRAP_ENTRY 0x1F /* int $0x1f is a hypercall */
#define SYSCALL_VECTOR 0x80
#define FIRST_EXTERNAL_VECTOR 0x20
#define LGUEST_IRQS 32
#define LHCALL_RING_SIZE 64
#define IDT_ENTRIES 256
#define GDT_ENTRIES 32

/* Not a CPU vector: what an exit caused by shim_kick() reports. */
#define LGUEST_TRAP_KICK 256
/* The Switcher could not even enter the Guest (bad segment in regs). */
#define LGUEST_TRAP_ENTRY_FAILED 257
/* An in/out the Guest may not do: deliver #GP(0) at that instruction. */
#define LGUEST_TRAP_IO_GP 258

/* Hypercall numbers (arch/x86/include/asm/lguest_hcall.h facts). */
enum {
	LHCALL_FLUSH_ASYNC = 0,
	LHCALL_LGUEST_INIT = 1,
	LHCALL_SHUTDOWN = 2,
	LHCALL_NEW_PGTABLE = 4,
	LHCALL_FLUSH_TLB = 5,
	LHCALL_LOAD_IDT_ENTRY = 6,
	LHCALL_SET_STACK = 7,
	LHCALL_TS = 8,
	LHCALL_SET_CLOCKEVENT = 9,
	LHCALL_HALT = 10,
	LHCALL_SET_PMD = 13,
	LHCALL_SET_PTE = 14,
	LHCALL_SET_PGD = 15,
	LHCALL_LOAD_TLS = 16,
	LHCALL_LOAD_GDT_ENTRY = 18,
	LHCALL_SEND_INTERRUPTS = 19,
};
#define LGUEST_SHUTDOWN_POWEROFF 1
#define LGUEST_SHUTDOWN_RESTART 2

/* struct lguest_data: offsets in Guest memory (1388 bytes in all). */
enum {
	LGD_IRQ_ENABLED = 0,
	LGD_BLOCKED_INTERRUPTS = 4,
	LGD_CR2 = 8,
	LGD_TIME = 12,
	LGD_IRQ_PENDING = 20,
	LGD_HCALL_STATUS = 24,
	LGD_HCALLS = 88,
	LGD_RESERVE_MEM = 1368,
	LGD_TSC_KHZ = 1372,
	LGD_NOIRQ_IRET = 1376,
	LGD_KERNEL_ADDRESS = 1380,
	LGD_SYSCALL_VEC = 1384,
	LGD_SIZE = 1388,
};

#define X86_EFLAGS_TF 0x00000100u
#define X86_EFLAGS_IF 0x00000200u
#define X86_EFLAGS_IOPL 0x00003000u
#define X86_EFLAGS_NT 0x00004000u
#define X86_EFLAGS_RF 0x00010000u
#define X86_EFLAGS_VM 0x00020000u

/* Segment selectors (GDT index * 8 + RPL). */
#define GDT_ENTRY_TLS_MIN 6
#define GDT_ENTRY_TLS_ENTRIES 3
#define GDT_ENTRY_LGUEST_CS 10
#define GDT_ENTRY_LGUEST_DS 11
#define GDT_ENTRY_KERNEL_CS 12
#define GDT_ENTRY_KERNEL_DS 13
#define GDT_ENTRY_TSS 16
#define GDT_ENTRY_DOUBLEFAULT_TSS 31
#define LGUEST_CS (GDT_ENTRY_LGUEST_CS * 8)
#define LGUEST_DS (GDT_ENTRY_LGUEST_DS * 8)
#define __KERNEL_CS (GDT_ENTRY_KERNEL_CS * 8)
#define __KERNEL_DS (GDT_ENTRY_KERNEL_DS * 8)
#define GUEST_PL 1
#define GUEST_CS (__KERNEL_CS | GUEST_PL) /* 0x61 */
#define GUEST_DS (__KERNEL_DS | GUEST_PL) /* 0x69 */
#define TSS_SELECTOR (GDT_ENTRY_TSS * 8)

/*
 * The top of the Guest's virtual address space is the Host's: the Switcher
 * lived there.  We keep the top 4 MiB (one page-directory entry), which is
 * what reserve_mem tells the Guest.
 */
#define SWITCHER_ADDR 0xFFC00000u
#define SWITCHER_PGD_INDEX (SWITCHER_ADDR >> 22)

/* ---- Descriptors ---- */

/* A GDT or IDT entry as the CPU reads it: two 32-bit words. */
struct desc_struct {
	u32 a, b;
};

static inline u32 desc_dpl(const struct desc_struct *d)
{
	return (d->b >> 13) & 3;
}
static inline bool desc_present(const struct desc_struct *d)
{
	return d->b & 0x8000;
}
static inline u32 desc_type(const struct desc_struct *d)
{
	return (d->b >> 8) & 0xF;
}
/* For gates: the handler's offset and segment selector. */
static inline u32 gate_offset(const struct desc_struct *d)
{
	return (d->a & 0xFFFF) | (d->b & 0xFFFF0000);
}
static inline u32 gate_selector(const struct desc_struct *d)
{
	return d->a >> 16;
}
#define GATE_INTERRUPT 0xE
#define GATE_TRAP 0xF

/*
 * The 32-bit TSS.  The CPU takes the stack for a ring 3 -> ring 1 trap
 * from ss1/esp1; lguest set them from the Guest's SET_STACK.
 */
struct x86_tss {
	u32 back_link, esp0, ss0, esp1, ss1, esp2, ss2, cr3;
	u32 eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trace, io_bitmap_base;
};

/*
 * The register frame the Switcher saves and restores (struct lguest_regs,
 * 72 bytes, this order).  The first five words double as the hypercall
 * arguments.
 */
struct lguest_regs {
	u32 eax, ebx, ecx, edx;
	u32 esi, edi, ebp;
	u32 gs, fs, ds, es;
	u32 trapnum, errcode;
	u32 eip, cs, eflags, esp, ss;
};

/*
 * The per-CPU page the CPU reads while the Guest runs: the real IDT (with
 * direct trap gates or gates into the Host), the GDT (the Guest's entries
 * plus the Host's own), and the TSS.  It lives in a host page and is mapped
 * read-only at SWITCHER_ADDR in every shadow page directory, because GDTR,
 * IDTR and TR hold virtual addresses.
 */
struct lguest_ro_state {
	struct desc_struct guest_idt[IDT_ENTRIES];
	struct desc_struct guest_gdt[GDT_ENTRIES];
	struct x86_tss guest_tss;
};
#define SWITCHER_RO_OFFSET(field) (SWITCHER_ADDR + offsetof(struct lguest_ro_state, field))

/* A hypercall's five words: call number and four arguments. */
struct hcall_args {
	u32 arg0, arg1, arg2, arg3, arg4;
};

/* ---- Shadow page tables ---- */

/* One cached shadow: the Guest's top level at gpgdir, ours at phys. */
struct pgdir {
	u32 gpgdir;	/* Guest-physical address of the Guest's directory */
	u32 shadow_phys; /* 0 if the slot was never used */
	u32 *pgdir;	/* host pointer to our 1024 entries */
};
#define NR_PGDIRS 4

/* Statistics kept for --stats and the tests. */
struct lg_stats {
	u64 hcalls[32];	      /* by number; [31] counts unknown ones */
	u64 traps_host[256];  /* traps that came back to the Host, by vector */
	u64 traps_direct[256]; /* traps the Switcher delivered itself */
	u64 irqs_injected;
	u64 exits;
	u64 guest_ns, host_ns;
};

struct lg_cpu {
	struct lguest *lg;
	unsigned int id;

	struct lguest_regs regs;
	u32 arch_cr2;		/* CR2 from the last page-fault exit */

	/* The hypercall the Guest made in its last exit, to be done. */
	struct hcall_args *hcall;
	struct hcall_args hcall_buf;
	u32 next_hcall;		/* our cursor in the async ring */

	/* Interrupts: lines waiting for delivery (set from any thread). */
	u32 irqs_pending;
	bool halted;
	u64 timer_deadline;	/* 0: no timer armed */

	/* Stack for traps from ring 3 (SET_STACK). */
	u32 ss1, esp1;
	u8 stack_pages;

	/* The Guest's idea of CR0.TS (LHCALL_TS). */
	u32 ts;

	/* Until the first NEW_PGTABLE the Guest has no page tables of its
	 * own: every address maps to itself ("linear mode"). */
	bool linear_pages;

	/* The shadow page directory in use (index into lg->pgdirs). */
	unsigned int cpu_pgd;
	u32 shadow_cr3;		/* its physical address, for the CPU */

	/* The Guest's IDT and GDT as it gave them (sanitised). */
	struct desc_struct idt[IDT_ENTRIES];
	struct desc_struct gdt[GDT_ENTRIES];
	u32 changed;		/* CHANGED_* below: what to recopy to pages */

	/* What the Launcher must handle (trap 13 or 14), when trap != 0. */
	struct lguest_pending pending;

	bool break_out;		/* lguest_break(): return -EINTR */

	struct lg_stats stats;
	u64 last_exit_ns;	/* for --stats: when we last left the Guest */
	void *sim;		/* the shim implementation's private state */
};
#define CHANGED_IDT 1u
#define CHANGED_GDT 2u
#define CHANGED_GDT_TLS 4u
#define CHANGED_ALL 7u

struct lguest {
	struct lg_cpu cpus[1];
	unsigned int nr_cpus;
	bool initialized;

	/* Guest RAM as the Launcher mapped it: GPA 0 is mem_base[0]. */
	u8 *mem_base;
	u32 pfn_limit;		/* RAM pages */
	u32 device_limit;	/* first page above the MMIO window */

	/* Where the Guest's struct lguest_data is, once LGUEST_INIT told us. */
	bool lguest_data_registered;
	u32 lguest_data;
	u32 kernel_address;
	u32 noirq_iret;

	struct pgdir pgdirs[NR_PGDIRS];
	unsigned int pgdirs_recycled; /* how many slots we have recycled */
	u32 switcher_pte_phys;	/* shared page table mapping the Switcher */
	u32 *switcher_pte;

	/* The per-CPU page the CPU reads (one vCPU). */
	struct lguest_ro_state *pages;
	u32 pages_phys;

	/* Death.  dead is set once; reason says why. */
	bool dead;
	bool dead_by_shutdown;
	bool dead_restart;
	char dead_reason[256];
	char error[512];	/* why initialization failed */

	struct lguest_config cfg;
	FILE *trace;
	u32 trace_mask;

	void *sim;		/* the shim implementation's private state */
};

/* ---- core/core.c ---- */
void kill_guest(struct lg_cpu *cpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool lguest_address_ok(const struct lguest *lg, u32 addr, u32 len);
bool lgread(struct lg_cpu *cpu, void *dst, u32 gpa, u32 len);
bool lgwrite(struct lg_cpu *cpu, u32 gpa, const void *src, u32 len);
u32 lgread_u32(struct lg_cpu *cpu, u32 gpa);
void lgwrite_u32(struct lg_cpu *cpu, u32 gpa, u32 val);
int run_guest(struct lg_cpu *cpu, struct lguest_pending *out);
int lguest_cpu_init(struct lguest *lg, unsigned int id, u32 start_eip);

/* ---- core/hypercalls.c ---- */
void do_hypercalls(struct lg_cpu *cpu);
const char *hcall_name(u32 nr);

/* ---- core/segments.c ---- */
void setup_default_gdt_entries(struct lguest_ro_state *state);
void setup_guest_gdt(struct lg_cpu *cpu);
void copy_gdt(const struct lg_cpu *cpu, struct desc_struct *gdt);
void copy_gdt_tls(const struct lg_cpu *cpu, struct desc_struct *gdt);
void load_guest_gdt_entry(struct lg_cpu *cpu, u32 num, u32 lo, u32 hi);
void guest_load_tls(struct lg_cpu *cpu, u32 gtls);
bool is_host_gdt_entry(unsigned int num);

/* ---- core/x86_core.c: the architecture half of the run loop ---- */
void lguest_arch_setup_regs(struct lg_cpu *cpu, u32 start);
void lguest_arch_run_guest(struct lg_cpu *cpu);
void lguest_arch_handle_trap(struct lg_cpu *cpu);
bool lguest_arch_get_reg(struct lg_cpu *cpu, unsigned int offset, u32 *val);
bool lguest_arch_set_reg(struct lg_cpu *cpu, unsigned int offset, u32 val);
/* Called by the Switcher when the Guest executes in/out (see shim.h). */
bool lguest_port_io(struct lg_cpu *cpu, u16 port, unsigned int size,
		    bool is_write, u32 *val);

/* ---- traps/interrupts_and_traps.c ---- */
unsigned int interrupt_pending(struct lg_cpu *cpu, bool *more);
void try_deliver_interrupt(struct lg_cpu *cpu, unsigned int irq, bool more);
void set_interrupt(struct lg_cpu *cpu, unsigned int irq);
bool deliver_trap(struct lg_cpu *cpu, unsigned int num);
bool has_err(unsigned int trap);
bool could_be_direct_trap(unsigned int num);
bool direct_trap(const struct lg_cpu *cpu, unsigned int num);
void load_guest_idt_entry(struct lg_cpu *cpu, u32 num, u32 lo, u32 hi);
void copy_traps(const struct lg_cpu *cpu, struct desc_struct *idt);
void setup_default_idt_entries(struct lguest_ro_state *state);
void guest_set_stack(struct lg_cpu *cpu, u32 seg, u32 esp, u32 pages);
void guest_set_clockevent(struct lg_cpu *cpu, u32 delta_ns);
void check_timer(struct lg_cpu *cpu);
void write_timestamp(struct lg_cpu *cpu);
bool push_guest_interrupt_stack(struct lg_cpu *cpu, bool has_err);
void guest_run_interrupt(struct lg_cpu *cpu, u32 lo, u32 hi);

/* ---- mmu/page_tables.c ---- */
int init_guest_pagetable(struct lguest *lg);
void free_guest_pagetable(struct lguest *lg);
int page_table_guest_data_init(struct lg_cpu *cpu);
bool demand_page(struct lg_cpu *cpu, u32 vaddr, u32 errcode, u32 *iomem);
bool guest_pa(struct lg_cpu *cpu, u32 vaddr, u32 *gpa);
u32 guest_fault_errcode(struct lg_cpu *cpu, u32 vaddr, u32 errcode);
void guest_new_pagetable(struct lg_cpu *cpu, u32 pgtable);
void guest_set_pte(struct lg_cpu *cpu, u32 gpgdir, u32 vaddr, u32 gpte);
void guest_set_pgd(struct lguest *lg, u32 gpgdir, u32 idx);
void guest_pagetable_clear_all(struct lg_cpu *cpu);
void guest_pagetable_flush_user(struct lg_cpu *cpu);
void pin_stack_pages(struct lg_cpu *cpu);
void map_switcher_in_guest(struct lg_cpu *cpu);

/* ---- core/trace.c ---- */
void lg_trace(struct lguest *lg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Zero cost when off: one test of a mask before any formatting. */
#define lgtrace(lg, cat, ...)                                                  \
	do {                                                                   \
		if ((lg)->trace_mask & (cat))                                  \
			lg_trace((lg), __VA_ARGS__);                           \
	} while (0)

#endif /* LGUEST_LG_H */
