/*
 * fpu_ops.S - the FPU and SSE instructions of the fpu Guest (its C is
 * built -mgeneral-regs-only, like all our C).
 *
 * A task's "registers" here are XMM0 (four dwords) and ST0 (an integer
 * held in the x87 stack), in struct fpu_regs: u32 xmm[4]; s64 x87.
 */
	.text
	.code32

/* void fpu_load(const struct fpu_regs *r): a clean FPU holding r. */
	.globl	fpu_load
fpu_load:
	movl	4(%esp), %eax
	fninit
	movdqu	(%eax), %xmm0
	fildll	16(%eax)
	ret

/*
 * void fpu_read(struct fpu_regs *r): what the registers hold now.  Its
 * first instruction, at fpu_read_insn, is where #NM strikes when TS is
 * set.
 */
	.globl	fpu_read, fpu_read_insn
fpu_read:
	movl	4(%esp), %eax
fpu_read_insn:
	movdqu	%xmm0, (%eax)
	fld	%st(0)			/* fistp pops: store a copy */
	fistpll	16(%eax)
	ret

/* void fpu_bump(void): add 1 to each dword of XMM0 and to ST0. */
	.globl	fpu_bump
fpu_bump:
	pcmpeqd	%xmm1, %xmm1		/* -1 in every dword */
	psubd	%xmm1, %xmm0
	fld1
	faddp
	ret

	.section .note.GNU-stack, "", @progbits
