/*
 * async.c - the producer side of the hypercall ring (async.h).
 */
#include "async.h"
#include "guest.h"

/* Our cursor; the Host keeps its own, and both start at slot 0. */
static unsigned int next_slot;

bool lg_async_hcall(u32 call, u32 arg1, u32 arg2, u32 arg3, u32 arg4)
{
	/* An interrupt handler may queue calls too: keep the slot ours. */
	u32 flags = lg_irq_save();
	bool queued = false;

	if (READ_ONCE(lguest_data.hcall_status[next_slot]) != LG_HCALL_EMPTY) {
		hcall(call, arg1, arg2, arg3, arg4);
	} else {
		struct lguest_hcall_args *slot = &lguest_data.hcalls[next_slot];

		slot->arg0 = call;
		slot->arg1 = arg1;
		slot->arg2 = arg2;
		slot->arg3 = arg3;
		slot->arg4 = arg4;
		/* The arguments before the status: the Host reads them after
		 * it sees "ready" (x86 keeps stores in order; the compiler
		 * must too). */
		barrier();
		WRITE_ONCE(lguest_data.hcall_status[next_slot], LG_HCALL_READY);
		next_slot = (next_slot + 1) % LHCALL_RING_SIZE;
		queued = true;
	}
	lg_irq_restore(flags);
	return queued;
}

unsigned int lg_async_next_slot(void)
{
	return next_slot;
}

void lg_flush_async(void)
{
	hcall0(LHCALL_FLUSH_ASYNC);
}
