/*
 * lguest_abi.h - the numbers a Linux 4.4 lguest Guest shares with its Host.
 *
 * Everything here is a fact of the ABI (docs: /work/shared/docs/
 * lguest-4.4-abi.md, section numbers in brackets).  The header is included
 * by both C and assembly, so the C-only parts sit behind __ASSEMBLER__.
 */
#ifndef LG_GUEST_LGUEST_ABI_H
#define LG_GUEST_LGUEST_ABI_H

/* Where the kernel lives: linked at PAGE_OFFSET + physical, loaded at 16 MiB. */
#define PAGE_OFFSET		0xC0000000
#define LG_LOAD_PHYS		0x01000000
#define PAGE_SIZE		4096
#define PAGE_SHIFT		12
#define PGDIR_SHIFT		22	/* non-PAE: one directory entry maps 4 MiB */
#define PTRS_PER_TABLE		1024
#define KERNEL_PGD_INDEX	(PAGE_OFFSET >> PGDIR_SHIFT)	/* 768 */

/* Page-table entry bits we use (the Host accepts PDE flags within 0x67). */
#define PT_PRESENT		0x001
#define PT_RW			0x002
#define PT_USER			0x004
#define PT_ACCESSED		0x020
#define PT_DIRTY		0x040
#define LG_PDE_FLAGS		(PT_PRESENT | PT_RW | PT_ACCESSED)
#define LG_PTE_FLAGS		(PT_PRESENT | PT_RW | PT_ACCESSED | PT_DIRTY)

/* Selectors the Host gives us at boot [1.4, 6]: RPL 1 because we run in ring 1. */
#define LG_KERNEL_CS		0x61
#define LG_KERNEL_DS		0x69
#define LG_USER_CS		0x73
#define LG_USER_DS		0x7B

/* The zero page, struct boot_params [1.3]: offsets of the fields we read. */
#define BOOT_PARAMS_SIZE	4096
#define BP_E820_ENTRIES		0x1E8	/* u8 */
#define BP_VERSION		0x206	/* u16, hdr.version */
#define BP_LOADFLAGS		0x211	/* u8 */
#define BP_CMD_LINE_PTR		0x228	/* u32 */
#define BP_HARDWARE_SUBARCH	0x23C	/* u32 */
#define BP_E820_MAP		0x2D0	/* 20-byte entries: u64 addr, u64 size, u32 type */
#define E820_ENTRY_SIZE		20
#define E820_RAM		1
#define LOADFLAG_LOADED_HIGH	0x01
#define LOADFLAG_KEEP_SEGMENTS	0x40
#define X86_SUBARCH_LGUEST	1
#define BOOT_PROTOCOL_MIN	0x0207	/* first version with hardware_subarch */
#define COMMAND_LINE_SIZE	2048

/* Hypercalls [2.1, 2.3]: int $0x1f, EAX = number, EBX/ECX/EDX/ESI = args. */
#define LGUEST_TRAP_ENTRY	0x1F
#define LHCALL_FLUSH_ASYNC	0
#define LHCALL_LGUEST_INIT	1
#define LHCALL_SHUTDOWN		2
#define LHCALL_NEW_PGTABLE	4
#define LHCALL_FLUSH_TLB	5
#define LHCALL_LOAD_IDT_ENTRY	6
#define LHCALL_SET_STACK	7
#define LHCALL_TS		8
#define LHCALL_SET_CLOCKEVENT	9
#define LHCALL_HALT		10
#define LHCALL_SET_PMD		13
#define LHCALL_SET_PTE		14
#define LHCALL_SET_PGD		15
#define LHCALL_LOAD_TLS		16
#define LHCALL_LOAD_GDT_ENTRY	18
#define LHCALL_SEND_INTERRUPTS	19

#define LGUEST_SHUTDOWN_POWEROFF 1
#define LGUEST_SHUTDOWN_RESTART	 2

/* struct lguest_data [3]: field offsets, for assembly. */
#define LGUEST_DATA_irq_enabled		0
#define LGUEST_DATA_blocked_interrupts	4
#define LGUEST_DATA_cr2			8
#define LGUEST_DATA_time		12
#define LGUEST_DATA_irq_pending		20
#define LGUEST_DATA_hcall_status	24
#define LGUEST_DATA_hcalls		88
#define LGUEST_DATA_reserve_mem		1368
#define LGUEST_DATA_tsc_khz		1372
#define LGUEST_DATA_noirq_iret		1376
#define LGUEST_DATA_kernel_address	1380
#define LGUEST_DATA_syscall_vec		1384
#define LGUEST_DATA_SIZE		1388
#define LHCALL_RING_SIZE		64

#define X86_EFLAGS_IF		0x200
#define LG_SYSCALL_VECTOR	0x80
#define LG_FIRST_IRQ_VECTOR	0x20	/* IRQ line n arrives as vector 0x20 + n */

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* One slot of the asynchronous hypercall ring [2.4]. */
struct lguest_hcall_args {
	u32 arg0, arg1, arg2, arg3, arg4;
};

/*
 * The page we share with the Host [3].  The Host learns its physical
 * address from LHCALL_LGUEST_INIT and reads and writes it behind our back,
 * so fields the Host writes must be read through volatile accesses.
 */
struct lguest_data {
	u32 irq_enabled;		/* our soft EFLAGS.IF: 0x200 or 0 */
	u32 blocked_interrupts;		/* bit n set: IRQ line n masked */
	u32 cr2;			/* Host: fault address before a #PF */
	struct {
		u32 tv_sec;
		u32 tv_nsec;
	} time;				/* Host: wall clock */
	u32 irq_pending;		/* Host: 0x200 if an IRQ waits for us */
	u8 hcall_status[LHCALL_RING_SIZE];	/* 0xFF = empty slot */
	struct lguest_hcall_args hcalls[LHCALL_RING_SIZE];
	u32 reserve_mem;		/* Host: bytes at the top we must avoid */
	u32 tsc_khz;			/* Host: TSC rate, 0 = unusable */
	u32 noirq_iret;			/* us: EIP where no IRQ may be injected */
	u32 kernel_address;		/* us: PAGE_OFFSET */
	u32 syscall_vec;		/* us: 0x80 */
};

_Static_assert(sizeof(struct lguest_data) == LGUEST_DATA_SIZE, "lguest_data size");
_Static_assert(__builtin_offsetof(struct lguest_data, irq_pending) == LGUEST_DATA_irq_pending,
	       "lguest_data.irq_pending");
_Static_assert(__builtin_offsetof(struct lguest_data, hcall_status) == LGUEST_DATA_hcall_status,
	       "lguest_data.hcall_status");
_Static_assert(__builtin_offsetof(struct lguest_data, hcalls) == LGUEST_DATA_hcalls,
	       "lguest_data.hcalls");
_Static_assert(__builtin_offsetof(struct lguest_data, reserve_mem) == LGUEST_DATA_reserve_mem,
	       "lguest_data.reserve_mem");
_Static_assert(__builtin_offsetof(struct lguest_data, tsc_khz) == LGUEST_DATA_tsc_khz,
	       "lguest_data.tsc_khz");
_Static_assert(__builtin_offsetof(struct lguest_data, syscall_vec) == LGUEST_DATA_syscall_vec,
	       "lguest_data.syscall_vec");
#endif /* __ASSEMBLER__ */

#endif /* LG_GUEST_LGUEST_ABI_H */
