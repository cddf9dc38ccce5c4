/*
 * head.S - the first instructions of every lguest-emu test Guest.
 *
 * The Host (or our bzImage stub) jumps to startup_32 at its *physical*
 * address with this state (docs/guests.md, "Boot path"):
 *
 *   CPL 1, CS = 0x61, DS = ES = SS = 0x69, FS = GS = 0;
 *   ESP = 0: there is no stack, so nothing may be pushed before we set one;
 *   ESI = 0: the physical (and virtual) address of the zero page;
 *   paging on in "linear mode": every virtual address below the RAM size
 *   maps to the same physical address, supervisor only;
 *   no IDT: any fault kills the Guest.
 *
 * Ring 1 forbids privileged instructions (cli, lgdt, mov to %cr3, hlt...):
 * each would be a #GP with no IDT to catch it.  So this file uses only
 * ordinary instructions and hypercalls.  Until LHCALL_NEW_PGTABLE installs
 * our own page directory, our link-time (virtual) addresses at 0xC1000000
 * mean nothing: every address is written PA(symbol).
 */
#include "lguest_abi.h"

#define PA(sym)		((sym) - PAGE_OFFSET)
#define BP(field)	PA(lg_boot_params + (field))

#define BOOT_STACK_SIZE	16384

	.section .head.text, "ax"
	.code32
	.globl startup_32
startup_32:
	/* A stack first: the Host gave us ESP = 0. */
	movl	$PA(lg_boot_stack_top), %esp
	cld

	/*
	 * Clear BSS.  The boot stack lives there too, but nothing is on it
	 * yet.  ESI (the zero page) is not touched by rep stos.
	 */
	movl	$PA(__bss_start), %edi
	movl	$PA(__bss_end), %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* Keep our own copy of the zero page: the Launcher may reuse low RAM. */
	movl	$PA(lg_boot_params), %edi
	movl	$(BOOT_PARAMS_SIZE / 4), %ecx
	rep movsl

	/*
	 * Check that a 4.4 lguest Launcher booted us.  %ebp holds the
	 * physical address of the complaint, or 0 if all is well; it cannot
	 * be reported before LHCALL_LGUEST_INIT (the Host kills a Guest whose
	 * first hypercall is anything else), so we only remember it here.
	 */
	movl	$PA(msg_old_protocol), %ebp
	cmpw	$BOOT_PROTOCOL_MIN, BP(BP_VERSION)
	jb	1f
	movl	$PA(msg_not_lguest), %ebp
	cmpl	$X86_SUBARCH_LGUEST, BP(BP_HARDWARE_SUBARCH)
	jne	1f
	/*
	 * Without KEEP_SEGMENTS a native kernel would reload its segments
	 * with lgdt: at CPL 1 that is a fatal #GP.  We never reload them, but
	 * a Launcher that does not set the flag is not the one we were
	 * written for.
	 */
	movl	$PA(msg_no_keep_segments), %ebp
	testb	$LOADFLAG_KEEP_SEGMENTS, BP(BP_LOADFLAGS)
	jz	1f
	call	find_ram_size
	movl	%eax, %ebp		/* 0 or a complaint */
	testl	%ebp, %ebp
	jnz	1f
	call	copy_command_line
1:
	/* Tell the Host where our struct lguest_data is.  No registers change. */
	movl	$LHCALL_LGUEST_INIT, %eax
	movl	$PA(lguest_data), %ebx
	int	$LGUEST_TRAP_ENTRY

	testl	%ebp, %ebp
	jnz	boot_failed

	call	build_page_tables
	testl	%eax, %eax
	jz	2f
	movl	%eax, %ebp
	jmp	boot_failed
2:
	/*
	 * Leave linear mode.  The next instruction is still fetched at a
	 * physical address, which the identity half of our tables maps.
	 */
	movl	$LHCALL_NEW_PGTABLE, %eax
	movl	$PA(lg_pgdir), %ebx
	int	$LGUEST_TRAP_ENTRY

	/* From here on we live at our link addresses, above PAGE_OFFSET. */
	movl	$lg_boot_stack_top, %esp
	xorl	%ebp, %ebp		/* end of the frame-pointer chain */
	movl	$lg_start_kernel, %eax
	call	*%eax
	/* lg_start_kernel() powers off and never returns. */
3:	movl	$LHCALL_HALT, %eax
	int	$LGUEST_TRAP_ENTRY
	jmp	3b

/*
 * boot_failed: power off with the text at physical address %ebp.  Only
 * after LHCALL_LGUEST_INIT.  The Host reads 128 bytes there, so the strings
 * below sit in our image, well inside RAM.
 */
boot_failed:
	movl	$LHCALL_SHUTDOWN, %eax
	movl	%ebp, %ebx
	movl	$LGUEST_SHUTDOWN_POWEROFF, %ecx
	int	$LGUEST_TRAP_ENTRY
	/* SHUTDOWN does not come back; if a Host lets it, wait politely. */
4:	movl	$LHCALL_HALT, %eax
	int	$LGUEST_TRAP_ENTRY
	jmp	4b

/*
 * find_ram_size: the Launcher describes RAM as e820_map[0] = [0, mem).
 * Stores the page-aligned size in lg_ram_size.  Returns in %eax 0, or the
 * physical address of a complaint.
 */
find_ram_size:
	movl	$PA(msg_no_ram), %eax
	cmpb	$1, BP(BP_E820_ENTRIES)
	jb	9f
	cmpl	$E820_RAM, BP(BP_E820_MAP + 16)		/* type */
	jne	9f
	cmpl	$0, BP(BP_E820_MAP)			/* addr, low */
	jne	9f
	cmpl	$0, BP(BP_E820_MAP + 4)			/* addr, high */
	jne	9f
	movl	BP(BP_E820_MAP + 8), %ecx		/* size, low */
	cmpl	$0, BP(BP_E820_MAP + 12)		/* size, high */
	je	1f
	movl	$-PAGE_SIZE, %ecx	/* 4 GiB or more: as much as 32 bits hold */
1:	andl	$-PAGE_SIZE, %ecx
	movl	%ecx, PA(lg_ram_size)
	xorl	%eax, %eax
9:	ret

/*
 * copy_command_line: copy the NUL-terminated string at hdr.cmd_line_ptr
 * into lg_cmdline (already zeroed, so always terminated).  A pointer
 * outside RAM is ignored rather than followed into the MMIO window.
 */
copy_command_line:
	movl	BP(BP_CMD_LINE_PTR), %esi
	testl	%esi, %esi
	jz	2f
	cmpl	PA(lg_ram_size), %esi
	jae	2f
	movl	$PA(lg_cmdline), %edi
	movl	$(COMMAND_LINE_SIZE - 1), %ecx
1:	lodsb
	testb	%al, %al
	jz	2f
	stosb
	loop	1b
2:	ret

/*
 * build_page_tables: map all RAM twice, at 0 (identity, so that the code
 * running now survives NEW_PGTABLE) and at PAGE_OFFSET (where C runs),
 * with 4 KiB pages only: the Host refuses PSE and Global bits.
 *
 * Both halves share the same page tables, which we place right after the
 * kernel image (at PA(_end)): the table for the n-th 4 MiB of RAM is the
 * n-th page there, so the entry for frame f is simply the f-th dword.
 *
 * How much RAM: all of it, except that the PAGE_OFFSET alias must end
 * below the top lguest_data.reserve_mem bytes, which belong to the Host
 * (just written by LHCALL_LGUEST_INIT).  Entries beyond that are zero.
 *
 * Returns in %eax 0, or the physical address of a complaint.
 */
build_page_tables:
	/* %ecx = the room between PAGE_OFFSET and the Host's reserved top. */
	movl	$(0 - PAGE_OFFSET), %ecx
	movl	$PA(msg_reserve_too_big), %eax
	subl	PA(lguest_data + LGUEST_DATA_reserve_mem), %ecx
	jbe	9f
	andl	$-PAGE_SIZE, %ecx

	/* %ecx = bytes to map = min(RAM, room) */
	cmpl	PA(lg_ram_size), %ecx
	jbe	1f
	movl	PA(lg_ram_size), %ecx
1:	movl	%ecx, PA(lg_lowmem_size)

	/* %edx = number of page tables; %ebx = end of them, must be in RAM. */
	shrl	$PAGE_SHIFT, %ecx		/* frames to map */
	leal	(PTRS_PER_TABLE - 1)(%ecx), %edx
	shrl	$(PGDIR_SHIFT - PAGE_SHIFT), %edx
	movl	%edx, %ebx
	shll	$PAGE_SHIFT, %ebx
	addl	$PA(_end), %ebx
	movl	$PA(msg_too_little_ram), %eax
	cmpl	PA(lg_lowmem_size), %ebx
	ja	9f
	movl	%ebx, PA(lg_free_phys)

	/* One entry per frame; %ecx >= 1 here since the kernel itself is in RAM. */
	movl	$PA(_end), %edi
	movl	$LG_PTE_FLAGS, %eax
2:	stosl
	addl	$PAGE_SIZE, %eax
	loop	2b
	/* Zero the tail of the last table (memory past _end is not BSS). */
	movl	%ebx, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* Directory entries: identity at index i, alias at 768 + i. */
	movl	$PA(lg_pgdir), %edi
	movl	%edx, %ecx
	movl	$(PA(_end) + LG_PDE_FLAGS), %eax
3:	movl	%eax, (%edi)
	movl	%eax, (KERNEL_PGD_INDEX * 4)(%edi)
	addl	$4, %edi
	addl	$PAGE_SIZE, %eax
	loop	3b

	xorl	%eax, %eax
9:	ret

	.section .rodata, "a"
msg_old_protocol:
	.asciz	"lguest-emu guest: boot protocol older than 2.07 (no hardware_subarch)"
msg_not_lguest:
	.asciz	"lguest-emu guest: hardware_subarch is not 1: not booted by an lguest Launcher"
msg_no_keep_segments:
	.asciz	"lguest-emu guest: KEEP_SEGMENTS not set in loadflags"
msg_no_ram:
	.asciz	"lguest-emu guest: e820_map[0] does not describe RAM from address 0"
msg_reserve_too_big:
	.asciz	"lguest-emu guest: the Host reserves all of the kernel address space"
msg_too_little_ram:
	.asciz	"lguest-emu guest: not enough RAM for the kernel and its page tables"

/*
 * Page-aligned boot memory, in BSS (cleared above): the page directory we
 * hand to NEW_PGTABLE and the boot stack C starts on.
 */
	.section .bss.page_aligned, "aw", @nobits
	.balign	PAGE_SIZE
	.globl	lg_pgdir
lg_pgdir:
	.skip	PAGE_SIZE
	.globl	lg_boot_stack, lg_boot_stack_top
lg_boot_stack:
	.skip	BOOT_STACK_SIZE
lg_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
