/*
 * user.S - the ring-3 half of the syscalls Guest.
 *
 * An endless loop of "count me" system calls.  Each returns the number of
 * calls so far, which must equal our own count in %esi (it also shows
 * that the Guest kernel preserved our registers); the kernel stops us
 * after NR_SYSCALLS of them.
 */
#include "lguest_abi.h"
#include "syscalls.h"
#include "user.h"

	LG_USER_TEXT
	.globl	syscall_loop
syscall_loop:
	xorl	%esi, %esi
1:	incl	%esi
	movl	$SYS_COUNT, %eax
	int	$LG_SYSCALL_VECTOR
	cmpl	%esi, %eax
	je	1b
	/* A wrong answer: ud2 makes the kernel say so. */
	ud2

	LG_USER_DATA
	.balign	16
	.globl	user_stack_top
user_stack:
	.skip	1024
user_stack_top:

	.section .note.GNU-stack, "", @progbits
