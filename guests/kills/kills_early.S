/*
 * kills_early.S - a Guest without the Guest library, for the bad requests
 * that must come before (or be) LGUEST_INIT, which the library's head.S
 * makes first.  The kernel command line is exactly "kill=<name>":
 *
 *   kill=hcall_before_init    NEW_PGTABLE as the first hypercall
 *   kill=lguest_data_outside  LGUEST_INIT with a struct lguest_data that
 *                             runs past the end of RAM
 *   kill=syscall_vec          LGUEST_INIT with syscall_vec 0x81
 *   kill=kernel_address       LGUEST_INIT with kernel_address 0xFFFFF000,
 *                             inside the Host's reserved top
 *
 * The Host should kill us; if it does not, we register a good
 * lguest_data (if we had not) and shut down with a complaint.
 *
 * Like any Guest we start at our physical address in linear mode (CPL 1,
 * no stack, ESI = the zero page), so every address here is physical.
 */
#include "lguest_abi.h"

#define PA(sym)		((sym) - PAGE_OFFSET)

	.section .head.text, "ax"
	.code32
	.globl	startup_32
startup_32:
	movl	$PA(stack_top), %esp
	cld

	/* Which one?  Compare the command line with each name in turn. */
	movl	BP_CMD_LINE_PTR(%esi), %edx
	movl	$PA(cases), %ebx
1:	movl	(%ebx), %esi		/* the name, 0 at the end */
	testl	%esi, %esi
	jz	unknown
	movl	%edx, %edi
2:	movb	(%esi), %al
	cmpb	%al, (%edi)
	jne	3f
	incl	%esi
	incl	%edi
	testb	%al, %al
	jnz	2b
	jmp	*4(%ebx)		/* matched, terminator included */
3:	addl	$8, %ebx
	jmp	1b

hcall_before_init:
	movl	$LHCALL_NEW_PGTABLE, %eax
	movl	$PA(lguest_data), %ebx
	int	$LGUEST_TRAP_ENTRY
	jmp	not_killed

lguest_data_outside:
	/* e820_map[0].size is the RAM size: start 1000 bytes before its end. */
	movl	BP_E820_MAP + 8, %ebx
	subl	$1000, %ebx
	movl	$LHCALL_LGUEST_INIT, %eax
	int	$LGUEST_TRAP_ENTRY
	movl	$0, PA(initialized)	/* that INIT did not count */
	jmp	not_killed

syscall_vec:
	movl	$0x81, PA(lguest_data + LGUEST_DATA_syscall_vec)
	jmp	init

kernel_address:
	movl	$0xFFFFF000, PA(lguest_data + LGUEST_DATA_kernel_address)
init:
	movl	$LHCALL_LGUEST_INIT, %eax
	movl	$PA(lguest_data), %ebx
	int	$LGUEST_TRAP_ENTRY
	movl	$1, PA(initialized)
	movl	$PA(msg_not_killed), %ebp
	jmp	shutdown

not_killed:
	movl	$PA(msg_not_killed), %ebp
	jmp	good_init

unknown:
	movl	$PA(msg_unknown), %ebp

/* Register a good lguest_data (unless done), then SHUTDOWN with %ebp. */
good_init:
	cmpl	$0, PA(initialized)
	jne	shutdown
	movl	$LG_SYSCALL_VECTOR, PA(lguest_data + LGUEST_DATA_syscall_vec)
	movl	$PAGE_OFFSET, PA(lguest_data + LGUEST_DATA_kernel_address)
	movl	$LHCALL_LGUEST_INIT, %eax
	movl	$PA(lguest_data), %ebx
	int	$LGUEST_TRAP_ENTRY
shutdown:
	movl	$LHCALL_SHUTDOWN, %eax
	movl	%ebp, %ebx
	movl	$LGUEST_SHUTDOWN_POWEROFF, %ecx
	int	$LGUEST_TRAP_ENTRY
4:	movl	$LHCALL_HALT, %eax
	int	$LGUEST_TRAP_ENTRY
	jmp	4b

	.section .rodata, "a"
	.balign	4
cases:
	.long	PA(name_hcall_before_init), PA(hcall_before_init)
	.long	PA(name_lguest_data_outside), PA(lguest_data_outside)
	.long	PA(name_syscall_vec), PA(syscall_vec)
	.long	PA(name_kernel_address), PA(kernel_address)
	.long	0, 0
name_hcall_before_init:		.asciz "kill=hcall_before_init"
name_lguest_data_outside:	.asciz "kill=lguest_data_outside"
name_syscall_vec:		.asciz "kill=syscall_vec"
name_kernel_address:		.asciz "kill=kernel_address"
/* SHUTDOWN reads 128 bytes: pad so the read stays in our image. */
msg_not_killed:	.asciz "kills_early: the Host did not kill us"
msg_unknown:	.asciz "kills_early: the command line must be kill=<name>"
	.skip	128

	.data
	.balign	4
initialized:
	.long	0
/* struct lguest_data: what we own in it, with 4.4's values. */
	.balign	PAGE_SIZE
lguest_data:
	.long	0			/* irq_enabled */
	.long	1			/* blocked_interrupts: timer masked */
	.skip	LGUEST_DATA_hcall_status - 8
	.fill	LHCALL_RING_SIZE, 1, 0xFF	/* hcall_status: all empty */
	.skip	LGUEST_DATA_noirq_iret - LGUEST_DATA_hcalls
	.long	0			/* noirq_iret: we take no interrupts */
	.long	PAGE_OFFSET		/* kernel_address */
	.long	LG_SYSCALL_VECTOR	/* syscall_vec */

	.bss
	.balign	16
	.skip	256
stack_top:

	.section .note.GNU-stack, "", @progbits
