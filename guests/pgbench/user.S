/*
 * user.S - the ring-3 half of pgbench's system-call loop: int $0x80 for
 * ever; the kernel stops it after n calls.
 */
#include "lguest_abi.h"
#include "user.h"

	LG_USER_TEXT
	.globl	bench_syscall_loop
bench_syscall_loop:
1:	int	$LG_SYSCALL_VECTOR
	jmp	1b

	LG_USER_DATA
	.balign	16
	.skip	512
	.globl	bench_user_stack_top
bench_user_stack_top:

	.section .note.GNU-stack, "", @progbits
