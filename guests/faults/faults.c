/*
 * faults.c - page faults the Guest must see, each with the right cr2 and
 * error code.
 *
 * The Host handles most page faults itself (demand paging, see the demand
 * Guest).  It reflects one to us only when our own page tables deny the
 * access, or when the address is in the top of the address space it keeps
 * for itself (lguest_data.reserve_mem, 0xFFC00000 and up) - whatever our
 * tables say there.  Before reflecting it writes the faulting address into
 * lguest_data.cr2 (our "read_cr2"), and the error code is the CPU's:
 *
 *   bit 0 (P)  0: the page is not present; 1: a protection violation
 *   bit 1 (W)  the access was a write
 *   bit 2 (U)  it came from ring 3
 *
 * Each case is one load or store, from ring 1 (lg_probe_*, paging.c) or
 * from ring 3 (user.S), at an address inside a page (not its first byte,
 * so that cr2 shows the whole address).  We print one line per case and
 * panic at the end if any was wrong.
 *
 * The P bit and the Host's shadow.  The CPU walks the Host's shadow
 * tables, not ours, so its error code says whether the *shadow* entry was
 * present.  Once we have touched a page its shadow entry exists, and a
 * denied access gets P = 1, as on hardware.  A page nobody has touched
 * yet has no shadow entry: the CPU says P = 0, and a Host that passes the
 * code on unchanged (as Linux 4.4's did) reflects P = 0 although our PTE
 * is present.  The "cold" cases below show which: by default either is
 * accepted (and the line says so); with the kernel argument "strict" only
 * the hardware's answer, P = 1, is.
 *
 * Our test pages, in the boot directory (PDE user-accessible and
 * writable, so the PTE decides):
 *
 *   0x50000000  kernel, read-only       0x50003000  user, read-write
 *   0x50001000  kernel, read-only       0x50004000  not present
 *   0x50002000  user, read-only         0xFFE00000  a RAM page, mapped by
 *                                                   our own PDE 1023
 */
#include "guest.h"
#include "paging.h"
#include "traps.h"
#include "user.h"

#define AREA		0x50000000u
#define RO_PAGE		(AREA + 0x0000)
#define RO_PAGE_COLD	(AREA + 0x1000)
#define USER_RO		(AREA + 0x2000)
#define USER_RW		(AREA + 0x3000)
#define UNMAPPED	(AREA + 0x4000)
#define TOP_MAPPED	0xFFE00000u

#define PRESET		0x0DDBA11u
#define AREA_PDE	(PT_PRESENT | PT_RW | PT_USER | PT_ACCESSED)

/* user.S */
extern char u_read[], u_read_insn[], u_write[], u_write_insn[], user_stack_top[];
extern u32 u_addr, u_value;

static u8 kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define KERNEL_STACK_TOP ((u32)kernel_stack + sizeof(kernel_stack))

/* Kernel data: one word we use, and a page nobody touches but ring 3. */
static u32 kernel_secret = 0x5EC2E7u;
static u32 kernel_cold[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE))) = { 0xC01D };

static struct lg_fault user_fault;
static unsigned int failures, p_clear;
static bool strict;

/* A #PF from ring 3 ends the user run; one from ring 1 must be a probe's. */
static void on_page_fault(struct lg_trap_frame *frame)
{
	if (lg_probe_fixup(frame))
		return;
	if ((frame->cs & 3) != 3)
		lg_panic("unexpected page fault at eip %08x, cr2 %08x, error %x", frame->eip,
			 READ_ONCE(lguest_data.cr2), frame->error_code);
	user_fault = (struct lg_fault){ true, READ_ONCE(lguest_data.cr2),
					frame->error_code, frame->eip };
	lg_user_return(1);
}

/* int $0x80: the ring-3 access went through. */
static void on_syscall(struct lg_trap_frame *frame)
{
	(void)frame;
	lg_user_return(0);
}

static bool user_access(bool write, u32 addr, u32 *value, struct lg_fault *fault)
{
	u_addr = addr;
	u_value = *value;
	user_fault = (struct lg_fault){ 0 };
	lg_run_user(write ? (u32)u_write : (u32)u_read, (u32)user_stack_top);
	*fault = user_fault;
	*value = u_value;
	return !fault->faulted;
}

/*
 * One access.  expect_error < 0: it must not fault (and a load must read
 * *value); otherwise it must fault with that error code, cr2 = addr and
 * EIP on the instruction.  A cold case (see the top) may also have P
 * clear, unless "strict".
 */
static void check_case(const char *what, unsigned int ring, bool write, u32 addr,
		       u32 value, int expect_error, bool cold)
{
	struct lg_fault f;
	u32 v = value;
	const char *insn = ring == 3 ? (write ? u_write_insn : u_read_insn) : NULL;
	bool ok, quirk = false;

	if (ring == 3)
		user_access(write, addr, &v, &f);
	else if (write)
		lg_probe_write(addr, value, &f);
	else
		lg_probe_read(addr, &v, &f);

	if (!f.faulted) {
		ok = expect_error < 0 && (write || v == value);
		lg_printf("  ring %u %-5s %08x: no fault%s%s\n", ring, write ? "write" : "read",
			  addr, write ? "" : ", read the expected value", ok ? "" : "  WRONG");
		if (!write && v != value)
			lg_printf("    read %08x, expected %08x\n", v, value);
	} else {
		ok = expect_error >= 0 && f.cr2 == addr && (!insn || f.eip == (u32)insn);
		quirk = ok && cold && !strict && (expect_error & PF_PROT) &&
			f.error_code == ((u32)expect_error & ~PF_PROT);
		ok = ok && (f.error_code == (u32)expect_error || quirk);
		lg_printf("  ring %u %-5s %08x: #PF cr2 %08x error %x (%s)%s\n", ring,
			  write ? "write" : "read", addr, f.cr2, f.error_code,
			  lg_pf_bits(f.error_code),
			  quirk ? "  [P clear: no shadow entry yet]" : ok ? "" : "  WRONG");
		p_clear += quirk;
	}
	if (!ok) {
		if (expect_error < 0)
			lg_printf("    %s: expected no fault\n", what);
		else
			lg_printf("    %s: expected #PF cr2 %08x error %x (%s)\n", what, addr,
				  expect_error, lg_pf_bits((u32)expect_error));
		failures++;
	}
}

static void check(const char *what, unsigned int ring, bool write, u32 addr, u32 value,
		  int expect_error)
{
	check_case(what, ring, write, addr, value, expect_error, false);
}

/* A denied access to a page whose PTE is present but never used. */
static void check_cold(const char *what, unsigned int ring, bool write, u32 addr,
		       u32 value, int expect_error)
{
	check_case(what, ring, write, addr, value, expect_error, true);
}

static void map_test_pages(void)
{
	u32 frame;

	frame = lg_alloc_page();
	((u32 *)__va(frame))[4] = PRESET;
	lg_map(lg_pgdir, RO_PAGE, frame | PT_PRESENT, AREA_PDE);
	lg_map(lg_pgdir, RO_PAGE_COLD, lg_alloc_page() | PT_PRESENT, AREA_PDE);
	frame = lg_alloc_page();
	((u32 *)__va(frame))[4] = PRESET;
	lg_map(lg_pgdir, USER_RO, frame | PT_PRESENT | PT_USER, AREA_PDE);
	lg_map(lg_pgdir, USER_RW, lg_alloc_page() | PT_PRESENT | PT_RW | PT_USER, AREA_PDE);
	/* UNMAPPED: its PTE stays 0.  The reserved top, mapped by us: the
	 * Host must ignore it (it cannot even be told, SET_PTE there kills). */
	*lg_pte(lg_pgdir, TOP_MAPPED, true, LG_PDE_FLAGS | PT_USER) =
		lg_alloc_page() | LG_PTE_FLAGS | PT_USER;
}

void guest_main(void)
{
	u32 top = lg_reserved_start();

	strict = lg_cmdline_has("strict");
	lg_printf("faults guest: page faults reflected with cr2 and error code; the "
		  "Host keeps %08x and up\n", top);
	if (top != 0xFFC00000u)
		lg_panic("reserve_mem %x: this Guest expects the Host to keep 4 MiB",
			 READ_ONCE(lguest_data.reserve_mem));

	lg_traps_init();
	lg_set_trap_handler(14, on_page_fault);
	lg_set_gate(LG_SYSCALL_VECTOR, LG_GATE_TRAP, 3);
	lg_set_trap_handler(LG_SYSCALL_VECTOR, on_syscall);
	lg_user_init();
	lg_set_stack(KERNEL_STACK_TOP, 2);
	map_test_pages();

	lg_printf("from ring 1:\n");
	check("read of a read-only kernel page", 1, false, RO_PAGE + 0x10, PRESET, -1);
	check("write to it (read first)", 1, true, RO_PAGE + 0x10, 1, PF_PROT | PF_WRITE);
	check_cold("write to a read-only kernel page never read", 1, true, RO_PAGE_COLD + 0x20,
	      1, PF_PROT | PF_WRITE);
	check("read of a not-present page", 1, false, UNMAPPED + 0x30, 0, 0);
	check("write to a not-present page", 1, true, UNMAPPED + 0x34, 1, PF_WRITE);
	check("read in the reserved top, mapped in our tables", 1, false, TOP_MAPPED + 0x40,
	      0, 0);
	check("write to the reserved top's first page", 1, true, top, 1, PF_PROT | PF_WRITE);
	check("write to the last word of the address space", 1, true, 0xFFFFFFFCu, 1,
	      PF_WRITE);
	if (*(volatile u32 *)(RO_PAGE + 0x10) != PRESET)
		lg_panic("the read-only page was written");

	lg_printf("from ring 3:\n");
	/* The kernel uses kernel_secret: its page has a shadow entry. */
	if (READ_ONCE(kernel_secret) != 0x5EC2E7u)
		lg_panic("kernel_secret changed");
	check("read of a read-only user page", 3, false, USER_RO + 0x10, PRESET, -1);
	check("write to it", 3, true, USER_RO + 0x10, 1, PF_PROT | PF_WRITE | PF_USER);
	check("write to a read-write user page", 3, true, USER_RW + 0x18, 1, -1);
	check("read of a kernel page", 3, false, (u32)&kernel_secret, 0, PF_PROT | PF_USER);
	check("write to a kernel page", 3, true, (u32)&kernel_secret, 1,
	      PF_PROT | PF_WRITE | PF_USER);
	check_cold("read of a kernel page the kernel never touched", 3, false,
	      (u32)&kernel_cold[8], 0, PF_PROT | PF_USER);
	check("read of a not-present page", 3, false, UNMAPPED + 0x50, 0, PF_USER);
	check("write to a not-present page", 3, true, UNMAPPED + 0x54, 1, PF_WRITE | PF_USER);
	check("read of the reserved top's first page", 3, false, top + 0x60, 0,
	      PF_PROT | PF_USER);
	check("read in the reserved top, mapped in our tables", 3, false, TOP_MAPPED + 0x70,
	      0, PF_USER);
	if (READ_ONCE(kernel_secret) != 0x5EC2E7u || READ_ONCE(kernel_cold[0]) != 0xC01D)
		lg_panic("ring 3 changed kernel memory");
	if (*(volatile u32 *)(USER_RW + 0x18) != 1)
		lg_panic("the ring-3 write to the read-write page is lost");

	if (failures)
		lg_panic("%u of the cases above were wrong", failures);
	if (p_clear)
		lg_printf("faults guest: %u cold case%s reflected with P clear (the Host passes "
			  "on the shadow's error code, as 4.4 did)\n", p_clear,
			  p_clear == 1 ? "" : "s");
	lg_printf("faults guest: every fault reflected with the right cr2 and error code\n");
}
