/*
 * time.h - the clock event, the clock, and the TSC.
 *
 * lguest's timer is one-shot: LHCALL_SET_CLOCKEVENT(delta) raises IRQ 0
 * (vector 0x20) delta nanoseconds from now; 0 cancels; a new call replaces
 * the old deadline.  IRQ 0 stays masked (bit 0 of blocked_interrupts, set
 * in our lguest_data's initialiser) until lg_irq_unblock(0).
 *
 * The Host writes lguest_data.time (seconds, nanoseconds) at LGUEST_INIT
 * and at every interrupt delivery; tsc_khz at LGUEST_INIT.
 */
#ifndef LG_GUEST_TIME_H
#define LG_GUEST_TIME_H

#include "lguest_abi.h"

#define LG_TIMER_IRQ		0
#define LG_TIMER_VECTOR		(LG_FIRST_IRQ_VECTOR + LG_TIMER_IRQ)
#define NSEC_PER_USEC		1000u
#define NSEC_PER_MSEC		1000000u
#define NSEC_PER_SEC		1000000000u

/* LHCALL_SET_CLOCKEVENT: IRQ 0 in delta_ns nanoseconds (0: cancel). */
void lg_set_clockevent(u32 delta_ns);

/* lguest_data.time as nanoseconds (read as 4.4's "lguest" clocksource
 * does: again if the seconds changed under us). */
u64 lg_time_ns(void);

/* The TSC (unprivileged: the Guest executes it itself). */
static inline u64 lg_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#endif /* LG_GUEST_TIME_H */
