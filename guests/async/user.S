/* user.S - the async Guest's ring-3 code: one system call. */
#include "lguest_abi.h"
#include "user.h"

	LG_USER_TEXT
	.globl	user_syscall
user_syscall:
	int	$LG_SYSCALL_VECTOR
	jmp	.		/* the kernel never comes back here */

	LG_USER_DATA
	.balign	16
	.skip	256
	.globl	user_stack_top
user_stack_top:

	.section .note.GNU-stack, "", @progbits
