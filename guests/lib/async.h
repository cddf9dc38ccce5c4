/*
 * async.h - the asynchronous hypercall ring (docs/lguest-4.4-abi.md 2.4).
 *
 * Instead of trapping to the Host, a Guest may queue a hypercall in the
 * 64-slot ring in lguest_data: it writes the five words of a slot, then
 * sets the slot's status byte to 0 ("ready").  The Host runs the ready
 * slots, in ring order, before it does the next synchronous hypercall,
 * and sets each status back to 0xFF ("empty").  4.4 queues page-table
 * updates, SET_STACK, LOAD_TLS and TS this way during a context switch and
 * ends it with FLUSH_ASYNC, a synchronous call that does nothing else.
 */
#ifndef LG_GUEST_ASYNC_H
#define LG_GUEST_ASYNC_H

#include <stdbool.h>

#include "lguest_abi.h"

#define LG_HCALL_EMPTY		0xFF
#define LG_HCALL_READY		0

/*
 * Queue a hypercall.  If the next slot is still full (the Host has not
 * drained the ring since we went all the way round), make the call
 * synchronously instead, which drains the ring first.  True if queued.
 */
bool lg_async_hcall(u32 call, u32 arg1, u32 arg2, u32 arg3, u32 arg4);
/* The slot the next lg_async_hcall() will use (0..63). */
unsigned int lg_async_next_slot(void);
/* LHCALL_FLUSH_ASYNC: have the Host run everything queued. */
void lg_flush_async(void);

#endif /* LG_GUEST_ASYNC_H */
