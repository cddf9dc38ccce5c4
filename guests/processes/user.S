/*
 * user.S - the ring-3 code every process of the processes Guest runs.
 *
 * The same code at the same addresses in every process; only the pages
 * behind USER_BASE differ.  Each round: check that our data pages still
 * hold our own signatures and our header our own pid (kept in %esi, which
 * the kernel must save and restore across switches), count the round in
 * our header and in our last data page, push the count on our stack, let
 * the next process run (int $0x80, SYS_YIELD), and when we run again check
 * that the counter and the pushed copy are still ours.  Anything wrong:
 * ud2, and the kernel says what.
 */
#include "lguest_abi.h"
#include "processes.h"
#include "user.h"

	LG_USER_TEXT
	.globl	proc_main
proc_main:
	movl	USER_BASE, %esi			/* our pid */
1:	movl	$1, %ecx
2:	movl	%ecx, %edx
	shll	$12, %edx			/* data page k at USER_BASE + k * 4096 */
	movl	%esi, %eax
	shll	$8, %eax
	orl	$SIGNATURE_BASE, %eax
	orl	%ecx, %eax			/* SIGNATURE(pid, k) */
	cmpl	%eax, USER_BASE(%edx)
	jne	9f
	incl	%ecx
	cmpl	$USER_DATA_PAGES, %ecx
	jbe	2b
	cmpl	%esi, USER_BASE
	jne	9f

	incl	USER_BASE + 4			/* one more round */
	movl	USER_BASE + 4, %eax
	movl	%eax, USER_BASE + USER_DATA_PAGES * 4096 + 4
	pushl	%eax
	movl	$SYS_YIELD, %eax
	int	$LG_SYSCALL_VECTOR
	popl	%eax
	cmpl	%eax, USER_BASE + 4
	jne	9f
	cmpl	%eax, USER_BASE + USER_DATA_PAGES * 4096 + 4
	jne	9f
	jmp	1b
9:	ud2

	.section .note.GNU-stack, "", @progbits
