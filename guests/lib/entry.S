/*
 * entry.S - trap entry stubs and the paravirtualised iret.
 *
 * One 16-byte stub per vector makes every frame look the same (an error
 * code slot, then the vector number) and jumps to lg_trap_common, which
 * saves the registers and calls lg_handle_trap(frame) in traps.c.
 */
#include "lguest_abi.h"

#define STUB_SIZE	16
#define NR_VECTORS	256

	.text
	.code32

	.balign	STUB_SIZE
	.globl	lg_trap_stubs
lg_trap_stubs:
	vector = 0
	.rept	NR_VECTORS
1:
	/* The Host pushes an error code for these vectors only. */
	.if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17)
	.else
	pushl	$0
	.endif
	pushl	$vector
	jmp	lg_trap_common
	/* Pad to STUB_SIZE (int3 filler); the assembler stops us if it is too long. */
	.org	1b + STUB_SIZE, 0xCC
	vector = vector + 1
	.endr

lg_trap_common:
	pushl	%ds
	pushl	%es
	pushl	%fs
	pushl	%gs
	pushal
	/* A trap from ring 3 arrives with the user's data segments loaded. */
	movl	$LG_KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	cld
	pushl	%esp			/* struct lg_trap_frame * */
	call	lg_handle_trap
	addl	$4, %esp
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp		/* vector and error code */
	jmp	lg_iret

/*
 * lg_iret: return through the frame at (%esp) = EIP, CS, EFLAGS [, ESP, SS].
 *
 * At CPL 1 the real iret cannot change EFLAGS.IF (it stays 1 while the
 * Guest runs), so the interrupt state the frame asks for must be put into
 * lguest_data.irq_enabled by hand first.  The store goes through %ss: the
 * data segments may already hold the user's selectors again.
 *
 * The iret itself is lguest_data.noirq_iret: if the Host injected an
 * interrupt right there, it would push a new frame on top of the one we
 * are about to consume.  The Host avoids that address; anywhere earlier an
 * injection merely nests and returns here.
 */
	.globl	lg_iret, lg_noirq_iret
lg_iret:
	pushl	%eax
	movl	12(%esp), %eax		/* the frame's EFLAGS, above EAX, EIP, CS */
	andl	$X86_EFLAGS_IF, %eax
	movl	%eax, %ss:(lguest_data + LGUEST_DATA_irq_enabled)
	popl	%eax
lg_noirq_iret:
	iret

	.section .note.GNU-stack, "", @progbits
