/*
 * hcall.h - hypercalls: how a ring-1 Guest asks the Host for something.
 *
 * int $0x1f with EAX = call number and EBX, ECX, EDX, ESI = arguments.
 * No 4.4 hypercall returns anything and the Host changes no register, so
 * every register is an input only.  The "memory" clobber matters: the Host
 * reads and writes our memory (lguest_data, strings, page tables) during
 * the call, so the compiler must not keep such values in registers across
 * it.
 */
#ifndef LG_GUEST_HCALL_H
#define LG_GUEST_HCALL_H

#include "lguest_abi.h"

static inline void hcall(u32 call, u32 arg1, u32 arg2, u32 arg3, u32 arg4)
{
	asm volatile("int $0x1f"
		     : /* no outputs */
		     : "a"(call), "b"(arg1), "c"(arg2), "d"(arg3), "S"(arg4)
		     : "memory");
}

static inline void hcall0(u32 call)
{
	hcall(call, 0, 0, 0, 0);
}

static inline void hcall1(u32 call, u32 arg1)
{
	hcall(call, arg1, 0, 0, 0);
}

static inline void hcall2(u32 call, u32 arg1, u32 arg2)
{
	hcall(call, arg1, arg2, 0, 0);
}

static inline void hcall3(u32 call, u32 arg1, u32 arg2, u32 arg3)
{
	hcall(call, arg1, arg2, arg3, 0);
}

#endif /* LG_GUEST_HCALL_H */
