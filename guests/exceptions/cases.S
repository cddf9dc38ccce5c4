/*
 * cases.S - the faulting instructions of the exceptions Guest, once for
 * ring 1 (functions the kernel calls) and once for ring 3 (entry points
 * for lg_run_user).
 *
 * Every case loads the same registers, sets the carry flag (the handler
 * finds it in the saved EFLAGS), then runs one instruction at <name>_insn:
 *
 *   divide      divl %ecx with ECX = 0        #DE, vector 0, a fault
 *   ud2         ud2                            #UD, vector 6, a fault
 *   int3        int3                           #BP, vector 3, a trap: the
 *                                              saved EIP is after it
 *   selector    mov %ebx, %ds, EBX = 0x1233    #GP, vector 13, error code
 *                                              0x1230: GDT index 0x246 is
 *                                              past the GDT's 32 entries
 *   int_0x1f    int $0x1f (ring 3 only)        #GP, error code 0xFA: the
 *                                              hypercall gate has DPL 1
 *                                              (0x1F * 8 + 2, "IDT" bit)
 *
 * A ring-1 case records ESP just before the instruction (the handler
 * checks the frame sits right below it) and, when the handler moves the
 * saved EIP to <name>_resume, returns to its caller.  A ring-3 case never
 * resumes: the handler ends the user run (lg_user_return).
 */
#include "lguest_abi.h"
#include "user.h"

#define BAD_SELECTOR	0x1233

.macro SETUP
	movl	$1, %eax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	movl	$BAD_SELECTOR, %ebx
.endm

.macro KERNEL_CASE name, insn:vararg
	.text
	.globl	k_\name, k_\name\()_insn, k_\name\()_resume
k_\name:
	pushl	%ebx			/* callee-saved in C */
	SETUP
	movl	%esp, kernel_fault_esp
	stc
k_\name\()_insn:
	\insn
k_\name\()_resume:
	popl	%ebx
	ret
.endm

.macro USER_CASE name, insn:vararg
	LG_USER_TEXT
	.globl	u_\name, u_\name\()_insn
u_\name:
	SETUP
	stc
u_\name\()_insn:
	\insn
	jmp	.		/* never reached: the handler takes us home */
.endm

	KERNEL_CASE divide, divl %ecx
	KERNEL_CASE ud2, ud2
	KERNEL_CASE int3, int3
	KERNEL_CASE selector, movl %ebx, %ds

	USER_CASE divide, divl %ecx
	USER_CASE ud2, ud2
	USER_CASE int3, int3
	USER_CASE selector, movl %ebx, %ds
	USER_CASE int_0x1f, int $LGUEST_TRAP_ENTRY

	.bss
	.globl	kernel_fault_esp
kernel_fault_esp:
	.skip	4

	/* The user stack: nothing is ever pushed on it. */
	LG_USER_DATA
	.balign	16
	.skip	256
	.globl	user_stack_top
user_stack_top:

	.section .note.GNU-stack, "", @progbits
