/*
 * fpu.h - the Guest's CR0.TS and the FPU state.
 *
 * A Guest cannot write CR0: it asks for TS with LHCALL_TS (8 = set, 0 =
 * clear).  While TS is set the Host reflects #NM (vector 7, no error code)
 * on the first x87/MMX/SSE instruction, which is how a kernel switches FPU
 * state lazily: set TS when switching tasks, and in the #NM handler clear
 * TS, save the previous owner's registers (fxsave) and load the new
 * one's (fxrstor).  (The library itself is built -mgeneral-regs-only: only
 * code written for it, like these, touches the FPU.)
 */
#ifndef LG_GUEST_FPU_H
#define LG_GUEST_FPU_H

#include "hcall.h"
#include "lguest_abi.h"

#define LG_CR0_TS	8
#define LG_NM_VECTOR	7

/* The 512-byte fxsave image (x87, MMX, XMM0-7, MXCSR). */
struct lg_fxstate {
	u8 bytes[512];
} __attribute__((aligned(16)));

static inline void lg_set_ts(int on)
{
	hcall1(LHCALL_TS, on ? LG_CR0_TS : 0);
}

static inline void lg_fninit(void)
{
	asm volatile("fninit" : : : "memory");
}

static inline void lg_fxsave(struct lg_fxstate *state)
{
	asm volatile("fxsave %0" : "=m"(*state) : : "memory");
}

static inline void lg_fxrstor(const struct lg_fxstate *state)
{
	asm volatile("fxrstor %0" : : "m"(*state) : "memory");
}

#endif /* LG_GUEST_FPU_H */
