/*
 * stub.S - the protected-mode part of our bzImages.
 *
 * A Linux bzImage carries a decompressor here; ours carries the kernel
 * image uncompressed (a few dozen KiB do not need compression) and only
 * copies it into place.  The Launcher loads everything after the setup
 * sectors at physical 0x100000 and starts us at hdr.code32_start with the
 * same state as a vmlinux gets (docs/guests.md):
 *
 *   CPL 1, linear mode, ESP = 0 (no stack), ESI = the zero page, no IDT.
 *
 * Like Linux's decompressor under lguest (the Launcher sets KEEP_SEGMENTS)
 * we keep the segments we were given: no lgdt, no segment loads, no cli.
 * We run at our link address (0x100000), so virtual == physical here.
 *
 * The image's size, load address and entry point are in our header, which
 * tools/mkbzimage.c fills in (layout: bzstub.h).
 */
#include "lguest_abi.h"
#include "bzstub.h"

#define HDR(field)	(stub_start + STUB_HEADER_OFFSET + (field))

	.section .text.entry, "ax"
	.code32
	.globl	stub_start
stub_start:
	jmp	stub_main

	.org	STUB_HEADER_OFFSET
stub_header:
	.long	STUB_MAGIC
	.long	STUB_HEADER_VERSION
	.long	0		/* image offset   } written by mkbzimage */
	.long	0		/* image size     } */
	.long	0		/* image load     } */
	.long	0		/* image entry    } */
	.long	0		/* image end      } */
	.if (. - stub_header) != STUB_HEADER_SIZE
	.error	"stub header layout does not match bzstub.h"
	.endif

stub_main:
	/* A stack of our own (we were given ESP = 0), inside our image. */
	movl	$stub_stack_top, %esp
	cld
	/*
	 * Start from known flags, as Linux's decompressor does.  At CPL 1
	 * with IOPL 0, popf silently keeps IF (which lguest holds at 1) and
	 * IOPL; it clears everything else (DF, AC, TF, ...) without faulting.
	 */
	pushl	$0
	popfl

	movl	%esi, %ebp		/* the zero page, to hand on to the kernel */

	/*
	 * Is there RAM for the whole kernel, BSS included?  The Launcher
	 * describes RAM as e820_map[0] = [0, size).  If it says nothing, go
	 * on and let the kernel complain.
	 */
	cmpb	$1, BP_E820_ENTRIES(%ebp)
	jb	1f
	cmpl	$0, (BP_E820_MAP + 12)(%ebp)	/* 4 GiB or more */
	jne	1f
	movl	HDR(STUB_HDR_IMAGE_END), %eax
	cmpl	(BP_E820_MAP + 8)(%ebp), %eax
	ja	too_little_ram
1:
	/* Copy the image to its load address (mkbzimage checked no overlap). */
	movl	$stub_start, %esi
	addl	HDR(STUB_HDR_IMAGE_OFFSET), %esi
	movl	HDR(STUB_HDR_IMAGE_LOAD), %edi
	movl	HDR(STUB_HDR_IMAGE_SIZE), %ecx
	rep movsb

	/*
	 * Enter the kernel exactly as a Launcher enters a vmlinux: ESI = zero
	 * page, every other register 0, including ESP.
	 */
	movl	%ebp, %esi
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%esp, %esp
	jmp	*HDR(STUB_HDR_IMAGE_ENTRY)

/*
 * Not enough RAM: say so instead of letting the copy run off the end of
 * RAM into the Host's MMIO window.  SHUTDOWN is only allowed after
 * LGUEST_INIT, so register a minimal lguest_data of our own first.  (The
 * kernel never runs after this, so its own LGUEST_INIT cannot clash.)
 */
too_little_ram:
	movl	$LHCALL_LGUEST_INIT, %eax
	movl	$stub_lguest_data, %ebx
	int	$LGUEST_TRAP_ENTRY
	movl	$LHCALL_SHUTDOWN, %eax
	movl	$msg_too_little_ram, %ebx
	movl	$LGUEST_SHUTDOWN_POWEROFF, %ecx
	int	$LGUEST_TRAP_ENTRY
2:	movl	$LHCALL_HALT, %eax
	int	$LGUEST_TRAP_ENTRY
	jmp	2b

msg_too_little_ram:
	.asciz	"lguest-emu bzImage: not enough RAM to hold the kernel (see hdr.init_size)"

/*
 * Writable data lives in the image itself, not in BSS: the kernel image
 * is appended right after the stub, where a BSS would be.
 */
	.data
	.balign	16
	.fill	256, 1, 0
stub_stack_top:

	/* struct lguest_data, with the fields the Host checks at LGUEST_INIT. */
	.balign	4
stub_lguest_data:
	.long	0				/* irq_enabled */
	.long	1				/* blocked_interrupts: timer */
	.fill	LGUEST_DATA_hcall_status - 8, 1, 0
	.fill	LHCALL_RING_SIZE, 1, 0xFF	/* async ring: all slots empty */
	.fill	LGUEST_DATA_reserve_mem - LGUEST_DATA_hcalls, 1, 0
	.long	0				/* reserve_mem (Host) */
	.long	0				/* tsc_khz (Host) */
	.long	0				/* noirq_iret: we take no interrupts */
	.long	PAGE_OFFSET			/* kernel_address */
	.long	LG_SYSCALL_VECTOR		/* syscall_vec */
	.if (. - stub_lguest_data) != LGUEST_DATA_SIZE
	.error	"stub_lguest_data has the wrong size"
	.endif

	.section .note.GNU-stack, "", @progbits
