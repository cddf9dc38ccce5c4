/*
 * user.S - the ring-3 half of the faults Guest: one load or one store at
 * the address the kernel left in u_addr.  If it does not fault, int $0x80
 * tells the kernel so (and hands back what a load read, in u_value).
 */
#include "lguest_abi.h"
#include "user.h"

	LG_USER_TEXT
	.globl	u_read, u_read_insn, u_write, u_write_insn
u_read:
	movl	u_addr, %ebx
u_read_insn:
	movl	(%ebx), %eax
	movl	%eax, u_value
	int	$LG_SYSCALL_VECTOR
	ud2

u_write:
	movl	u_addr, %ebx
	movl	u_value, %eax
u_write_insn:
	movl	%eax, (%ebx)
	int	$LG_SYSCALL_VECTOR
	ud2

	LG_USER_DATA
	.balign	4
	.globl	u_addr, u_value, user_stack_top
u_addr:
	.long	0
u_value:
	.long	0
	.balign	16
	.skip	1024
user_stack_top:

	.section .note.GNU-stack, "", @progbits
