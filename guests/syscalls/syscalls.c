/*
 * syscalls.c - 100,000 system calls from ring 3.
 *
 * The user task (user.S) makes int $0x80 calls through a DPL-3 *trap
 * gate*, which is the one kind of gate lguest lets the CPU take straight
 * into the Guest kernel, without the Host (a "direct trap"): lguest-emu
 * --stats should count them all as direct, and with --no-direct-traps
 * all of them as through the Host.  The Guest cannot tell the difference,
 * so the console output is the same either way.
 *
 * On each call the CPU switches from the user stack to the ring-1 stack
 * we gave the Host with SET_STACK, and pushes SS, ESP, EFLAGS, CS, EIP.
 */
#include "guest.h"
#include "syscalls.h"
#include "traps.h"
#include "user.h"

/* user.S */
extern char syscall_loop[], user_stack_top[];

/* The ring-1 stack for traps from ring 3: two pages, as Linux's. */
static u8 kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define KERNEL_STACK_TOP ((u32)kernel_stack + sizeof(kernel_stack))

static u32 calls;

static void on_syscall(struct lg_trap_frame *frame)
{
	/*
	 * The frame the CPU (or the Host) built: from ring 3, on our stack.
	 * The selectors' slots are 32 bits wide; only the low 16 are defined.
	 */
	if ((frame->cs & 0xFFFF) != LG_USER_CS || (frame->user_ss & 0xFFFF) != LG_USER_DS ||
	    (u32)(&frame->user_ss + 1) != KERNEL_STACK_TOP)
		lg_panic("syscall %u: bad frame (cs %x ss %x at %p)", calls + 1,
			 frame->cs, frame->user_ss, (void *)(&frame->user_ss + 1));
	if (frame->eax != SYS_COUNT)
		lg_panic("syscall %u: unknown call %u", calls + 1, frame->eax);
	frame->eax = ++calls;
	if (calls == NR_SYSCALLS)
		lg_user_return(calls);
}

static void on_invalid_opcode(struct lg_trap_frame *frame)
{
	lg_panic("user task: wrong answer from system call (eax %u, expected %u)",
		 frame->eax, frame->esi);
}

void guest_main(void)
{
	u32 done;

	lg_printf("syscalls guest: %u system calls from ring 3 through a trap gate\n",
		  NR_SYSCALLS);
	lg_traps_init();
	lg_set_trap_handler(6, on_invalid_opcode);
	lg_set_gate(LG_SYSCALL_VECTOR, LG_GATE_TRAP, 3);
	lg_set_trap_handler(LG_SYSCALL_VECTOR, on_syscall);

	lg_user_init();
	lg_set_stack(KERNEL_STACK_TOP, 2);

	done = lg_run_user((u32)syscall_loop, (u32)user_stack_top);
	lg_printf("syscalls guest: %u system calls answered, back in ring %u\n",
		  done, lg_cpl());
}
