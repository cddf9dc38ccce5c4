/*
 * cases.S - one MMIO instruction per function, with every general register
 * loaded from a struct mmio_regs before it and stored back after it.
 *
 *   void mmio_<name>(struct mmio_regs *regs);
 *
 * Right after the instruction, "incl mmio_marker" must run exactly once:
 * if the Launcher stepped EIP wrongly we would skip it or run garbage.
 * ESP is recorded just before and just after (mmio_esp_before/after).
 * The labels mmio_<name>_insn and mmio_<name>_next are the instruction
 * and the one after it (where a fault handler resumes).
 */
#include "lguest_abi.h"
#include "mmio.h"

	.macro	CASE name, insn:vararg
	.text
	.globl	mmio_\name, mmio_\name\()_insn, mmio_\name\()_next
mmio_\name:
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	20(%esp), %eax
	movl	%eax, mmio_regs_ptr
	movl	R_EBX(%eax), %ebx
	movl	R_ECX(%eax), %ecx
	movl	R_EDX(%eax), %edx
	movl	R_ESI(%eax), %esi
	movl	R_EDI(%eax), %edi
	movl	R_EBP(%eax), %ebp
	movl	R_EAX(%eax), %eax
	movl	%esp, mmio_esp_before
mmio_\name\()_insn:
	\insn
mmio_\name\()_next:
	incl	mmio_marker
	movl	%esp, mmio_esp_after
	movl	%eax, mmio_saved_eax
	movl	mmio_regs_ptr, %eax
	movl	%ebx, R_EBX(%eax)
	movl	%ecx, R_ECX(%eax)
	movl	%edx, R_EDX(%eax)
	movl	%esi, R_ESI(%eax)
	movl	%edi, R_EDI(%eax)
	movl	%ebp, R_EBP(%eax)
	movl	mmio_saved_eax, %ebx
	movl	%ebx, R_EAX(%eax)
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret
	.endm

/* Offsets in the console's BAR0 (virtio 1.0 common configuration). */
#define DFSELECT	0
#define DF		4
#define MSIX		16
#define NUMQ		18
#define STATUS		20
#define CFGGEN		21
#define Q_SELECT	22
#define Q_SIZE		24
#define Q_DESCLO	32
#define Q_DESCHI	36
#define ISR		58
#define EMERG_WR	68	/* console device config (60) + 8 */

/* %ebx = BAR0's virtual address unless said otherwise. */
CASE store32_reg,	movl %ecx, DFSELECT(%ebx)
CASE load32,		movl DF(%ebx), %edx
CASE store32_imm,	movl $0, (%ebx)
CASE load32_sib,	movl 0(%ebx,%esi,4), %ebp
CASE load32_index_disp32, movl MMIO_VA(,%esi,4), %eax
CASE store16_reg,	movw %ax, Q_SELECT(%ebx)
CASE load16,		movw Q_SIZE(%ebx), %di
CASE store16_imm,	movw $64, Q_SIZE(%ebx)
CASE movzx16,		movzwl Q_SIZE(%ebx), %ecx
CASE movsx16,		movswl MSIX(%ebx), %edx
CASE movzx16_esi,	movzwl NUMQ(%esi), %ebx
CASE store8_reg,	movb %cl, STATUS(%ebx)
CASE load8_high,	movb STATUS(%ebx), %dh
CASE store8_imm,	movb $3, STATUS(%ebx)
CASE movzx8,		movzbl STATUS(%ebx), %eax
CASE load8,		movb CFGGEN(%ebx), %al
CASE movsx8,		movsbl ISR(%ebx), %ebp
CASE store8_high,	movb %ah, STATUS(%ebx)
CASE store32_disp32,	movl %edx, 0x100000 + Q_DESCLO(%ecx)
CASE load32_moffs,	movl MMIO_VA + Q_DESCLO, %eax
CASE store32_moffs,	movl %eax, MMIO_VA + Q_DESCHI
CASE load32_disp32,	movl 0x100000 + Q_DESCHI(%ecx), %esi
CASE emerg_reg,		movl %esi, EMERG_WR(%ebx)
CASE emerg_imm,		movl $0x0A, EMERG_WR(%ebx)
CASE reset,		movb $0, STATUS(%ebx)
/* What the Launcher cannot or will not do: the Guest gets the #PF. */
CASE refused_add,	addl $1, DFSELECT(%ebx)
CASE refused_long,	movl $0x12345678, 0x100000 + DFSELECT(%ecx)
CASE nodev,		movl NODEV_VA, %eax

	.bss
	.balign	4
	.globl	mmio_marker, mmio_esp_before, mmio_esp_after
mmio_marker:	.skip	4
mmio_esp_before: .skip	4
mmio_esp_after:	.skip	4
mmio_saved_eax:	.skip	4
mmio_regs_ptr:	.skip	4

	.section .note.GNU-stack, "", @progbits
