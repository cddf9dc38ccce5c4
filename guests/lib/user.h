/*
 * user.h - running code in ring 3.
 *
 * What a Guest kernel needs before it can iret to user mode:
 *
 *  1. user code and data segments: GDT entries 14 and 15, DPL 3
 *     (selectors LG_USER_CS 0x73 and LG_USER_DS 0x7B);
 *  2. pages with the User bit, in both levels of the page tables.  The
 *     boot tables have none; lg_user_map() gives it to the pages between
 *     __user_start and __user_end, where the linker puts the sections
 *     .user.text and .user.data (assembly: LG_USER_TEXT, LG_USER_DATA);
 *  3. a ring-1 stack for traps taken in ring 3 (LHCALL_SET_STACK, see
 *     lg_set_stack() in traps.h), and gates for the traps it expects.
 *
 * lg_user_init() does 1 and 2.  Call it *before* lg_set_stack(): giving a
 * directory entry the User bit means telling the Host with SET_PGD, which
 * drops its shadow of those 4 MiB, kernel stack included; SET_STACK then
 * maps the stack again, so that the first trap from ring 3 finds it.
 *
 * lg_run_user(eip, esp) irets to eip in ring 3 with esp as its stack
 * (soft interrupts on, every other register 0) and returns when a trap
 * handler calls lg_user_return(value): the ring-3 code never "returns".
 * User code here runs at its kernel link address (0xC1......): the pages
 * simply carry the User bit, which is all the CPU checks.
 */
#ifndef LG_GUEST_USER_H
#define LG_GUEST_USER_H

#include "lguest_abi.h"

#ifdef __ASSEMBLER__

/* Sections for ring-3 code and data, inside the User pages. */
#define LG_USER_TEXT	.section .user.text, "ax"
#define LG_USER_DATA	.section .user.data, "aw"

#else

/* Linker symbols around the .user output section (page aligned). */
extern char __user_start[], __user_end[];

/* GDT entries 14/15 and the User bit on [__user_start, __user_end). */
void lg_user_init(void);
/* Give the pages of [start, end) the User bit (PTE and PDE), and tell the
 * Host (SET_PTE, and SET_PGD for each directory entry that changed). */
void lg_user_map(const void *start, const void *end);

/* Run ring-3 code at eip on stack esp until lg_user_return(value). */
u32 lg_run_user(u32 eip, u32 esp);
/* From a trap handler (on the SET_STACK stack): abandon the trap frame
 * and the user context, and make lg_run_user() return value.  The soft
 * interrupt flag is what it was when lg_run_user() was called. */
void lg_user_return(u32 value) __attribute__((noreturn));

#endif /* __ASSEMBLER__ */

#endif /* LG_GUEST_USER_H */
