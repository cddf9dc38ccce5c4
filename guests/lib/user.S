/*
 * user.S - into ring 3 and back (user.h).
 */
#include "lguest_abi.h"

	.text
	.code32

/*
 * u32 lg_run_user_asm(u32 eip, u32 esp)
 *
 * Save the kernel's callee-saved registers and stack pointer, then build
 * the frame an iret to an outer ring pops (EIP, CS, EFLAGS, ESP, SS) and
 * leave through lg_iret, which also sets our soft interrupt flag from the
 * frame's EFLAGS (on).  Ring 3 gets the user data segments and zeroed
 * registers.
 */
	.globl	lg_run_user_asm
lg_run_user_asm:
	pushl	%ebp
	movl	%esp, %ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, lg_user_kernel_esp

	pushl	$LG_USER_DS		/* SS */
	pushl	12(%ebp)		/* ESP */
	pushl	$(X86_EFLAGS_IF | 0x2)	/* EFLAGS */
	pushl	$LG_USER_CS		/* CS */
	pushl	8(%ebp)			/* EIP */

	movl	$LG_USER_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	jmp	lg_iret

/*
 * void lg_user_return(u32 value)
 *
 * Called from a trap handler, with the kernel's data segments loaded (by
 * lg_trap_common).  Drop everything on the trap stack and return from
 * lg_run_user_asm() with value.
 */
	.globl	lg_user_return
lg_user_return:
	movl	4(%esp), %eax
	movl	lg_user_kernel_esp, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

	.bss
	.balign	4
lg_user_kernel_esp:
	.skip	4

	.section .note.GNU-stack, "", @progbits
