/*
 * boot.c - the Guest's half of the lguest contract, and the step from
 * head.S into C.
 */
#include "guest.h"
#include "traps.h"

/*
 * The page shared with the Host.  Only the fields we own are set here;
 * LHCALL_LGUEST_INIT makes the Host fill in reserve_mem, tsc_khz and time.
 *
 * - Every async-ring slot starts empty (0xFF), or the Host would run
 *   garbage hypercalls at our first synchronous one.
 * - IRQ 0 (the timer) starts masked; a Guest that wants ticks unmasks it.
 * - irq_enabled = 0: interrupts are soft-disabled until we ask for them.
 * - noirq_iret: the one instruction where the Host must not inject an
 *   interrupt, the iret that ends our paravirt return path (entry.S).
 */
struct lguest_data lguest_data = {
	.irq_enabled = 0,
	.blocked_interrupts = 1u << 0,
	.hcall_status = { [0 ... LHCALL_RING_SIZE - 1] = 0xFF },
	.noirq_iret = (u32)lg_noirq_iret,
	.kernel_address = PAGE_OFFSET,
	.syscall_vec = LG_SYSCALL_VECTOR,
};

/* Filled by head.S, which runs before paging (hence no initialisers: BSS). */
u8 lg_boot_params[BOOT_PARAMS_SIZE];
char lg_cmdline[COMMAND_LINE_SIZE];
u32 lg_ram_size;
u32 lg_lowmem_size;
u32 lg_free_phys;

unsigned int lg_cpl(void)
{
	u32 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

void lg_irq_disable(void)
{
	WRITE_ONCE(lguest_data.irq_enabled, 0);
	barrier();
}

/*
 * Turning interrupts back on: if the Host tried to inject one while they
 * were off, it left irq_pending set; SEND_INTERRUPTS makes it look again.
 */
void lg_irq_enable(void)
{
	WRITE_ONCE(lguest_data.irq_enabled, X86_EFLAGS_IF);
	barrier();
	if (READ_ONCE(lguest_data.irq_pending))
		hcall0(LHCALL_SEND_INTERRUPTS);
}

/* head.S jumps here, at our virtual address, on the boot stack. */
void lg_start_kernel(void) __attribute__((noreturn));
void lg_start_kernel(void)
{
	guest_main();
	lg_power_off();
}
