/*
 * traps.h - taking traps and interrupts in a test Guest.
 *
 * The boot path installs no IDT: until a Guest calls lg_traps_init(), any
 * exception kills it (the Host finds no gate).  With it, every exception
 * lands in lg_handle_trap(), which calls the handler registered for the
 * vector or panics with a description.
 *
 * How a trap arrives (docs/lguest-4.4-abi.md section 4.2): the Host pushes
 * EFLAGS, CS, EIP (and the error code for vectors 8, 10-14, 17) on our
 * stack - first switching to the SET_STACK stack and pushing SS:ESP if we
 * were in ring 3 - and jumps to the gate's offset.  An interrupt gate also
 * clears our soft interrupt flag (lguest_data.irq_enabled), a trap gate
 * leaves it.  We return with lg_iret, which restores irq_enabled from the
 * saved EFLAGS before the real iret (whose IF the CPU ignores at CPL 1).
 */
#ifndef LG_GUEST_TRAPS_H
#define LG_GUEST_TRAPS_H

#include "lguest_abi.h"

#define LG_NR_VECTORS		256
#define LG_GATE_INTERRUPT	0xE
#define LG_GATE_TRAP		0xF

/* The stack as lg_handle_trap() sees it (entry.S builds it). */
struct lg_trap_frame {
	/* saved by entry.S (pushal, then the data segments) */
	u32 edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	u32 gs, fs, es, ds;
	/* pushed by the vector's stub (error code 0 when the Host has none) */
	u32 vector, error_code;
	/* pushed by the Host, as a CPU would */
	u32 eip, cs, eflags;
	/* only present when the trap interrupted ring 3 (cs & 3 == 3) */
	u32 user_esp, user_ss;
};

typedef void (*lg_trap_handler)(struct lg_trap_frame *frame);

/* Interrupt gates (DPL 1) for all CPU exceptions; unexpected ones panic. */
void lg_traps_init(void);
/* Point IDT entry vector at our stub, with gate type and privilege dpl. */
void lg_set_gate(unsigned int vector, unsigned int type, unsigned int dpl);
/* Call handler for traps through vector (NULL: panic again). */
void lg_set_trap_handler(unsigned int vector, lg_trap_handler handler);
/* LHCALL_SET_STACK: the ring-1 stack the Host switches to on a trap from ring 3. */
void lg_set_stack(u32 stack_top, unsigned int pages);

/* entry.S */
void lg_handle_trap(struct lg_trap_frame *frame);
extern char lg_trap_stubs[];	/* LG_NR_VECTORS stubs, 16 bytes apart */
extern char lg_iret[];		/* return from a trap frame */
extern char lg_noirq_iret[];	/* its final iret: lguest_data.noirq_iret */

#endif /* LG_GUEST_TRAPS_H */
