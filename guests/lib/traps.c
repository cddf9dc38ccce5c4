/*
 * traps.c - the IDT, one LHCALL_LOAD_IDT_ENTRY at a time, and the C side
 * of trap handling.
 */
#include "guest.h"
#include "traps.h"

#define TRAP_STUB_SIZE	16

static lg_trap_handler handlers[LG_NR_VECTORS];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check",
	"machine check", "SIMD error",
};

/*
 * An x86 gate is 8 bytes: offset 15..0 and the selector in the low word;
 * offset 31..16, present, DPL and type in the high word.  The Host forces
 * the selector to our kernel CS and refuses types other than 0xE and 0xF.
 */
void lg_set_gate(unsigned int vector, unsigned int type, unsigned int dpl)
{
	u32 handler = (u32)lg_trap_stubs + vector * TRAP_STUB_SIZE;
	u32 low, high;

	if (vector >= LG_NR_VECTORS)
		lg_panic("lg_set_gate: vector %u out of range", vector);
	low = ((u32)LG_KERNEL_CS << 16) | (handler & 0xFFFF);
	high = (handler & 0xFFFF0000) | 0x8000 | ((dpl & 3) << 13) | ((type & 0xF) << 8);
	hcall3(LHCALL_LOAD_IDT_ENTRY, vector, low, high);
}

void lg_set_trap_handler(unsigned int vector, lg_trap_handler handler)
{
	if (vector >= LG_NR_VECTORS)
		lg_panic("lg_set_trap_handler: vector %u out of range", vector);
	handlers[vector] = handler;
}

/*
 * Gates for the CPU exceptions.  The Host ignores entries for NMI (2),
 * double fault (8), 15 (it never delivers those) and 0x1F (its own
 * hypercall vector), so we skip them.
 */
void lg_traps_init(void)
{
	unsigned int vector;

	for (vector = 0; vector < 32; vector++) {
		if (vector == 2 || vector == 8 || vector == 15 || vector == LGUEST_TRAP_ENTRY)
			continue;
		lg_set_gate(vector, LG_GATE_INTERRUPT, 1);
	}
}

void lg_set_stack(u32 stack_top, unsigned int pages)
{
	hcall3(LHCALL_SET_STACK, LG_KERNEL_DS, stack_top, pages);
}

void lg_handle_trap(struct lg_trap_frame *frame)
{
	lg_trap_handler handler = handlers[frame->vector & (LG_NR_VECTORS - 1)];
	const char *name = "interrupt";

	if (handler) {
		handler(frame);
		return;
	}
	if (frame->vector < 32 && exception_names[frame->vector])
		name = exception_names[frame->vector];
	if (frame->vector == 14)
		lg_panic("unhandled trap 14 (page fault) at eip %08x, cr2 %08x, error %x",
			 frame->eip, READ_ONCE(lguest_data.cr2), frame->error_code);
	lg_panic("unhandled trap %u (%s) at eip %08x, error %x",
		 frame->vector, name, frame->eip, frame->error_code);
}
