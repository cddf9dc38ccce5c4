/*
 * timer.c - timer interrupts at the programmed rate.
 *
 * lguest's clock event is one-shot: SET_CLOCKEVENT(delta) raises IRQ 0
 * delta nanoseconds later, once.  Like Linux in periodic mode, we re-arm
 * it from the interrupt handler, every PERIOD_NS, TICKS times; meanwhile
 * guest_main() just spins with interrupts on (the halt Guest sleeps
 * instead).
 *
 * The Host stamps lguest_data.time at every delivery, so the stamps at the
 * first and the last tick are TICKS - 1 periods apart, and never less:
 * each period starts when the handler re-arms the timer, after the stamp.
 * How much more depends on the clock.  On the virtual clock of
 * --deterministic it is only the instructions between the deadline and
 * the handler's SET_CLOCKEVENT, a tiny fraction of a millisecond; the
 * kernel argument "strict" makes us insist on an average period within
 * +25% of the programmed one (a wrong clock scale or a lost tick is off by
 * far more).  On real time a loaded machine can be late by any amount, so
 * without "strict" we only require that no tick came early.
 *
 * "period_ns=<n>" changes the period.  With the clock event's minimum,
 * 100 ns (4.4's min_delta), the deadline passes while the handler is
 * still busy after re-arming (tick_work), interrupts off: the Host can
 * only flag it (irq_pending) and must deliver it once our iret turns them
 * back on.  An iret is no hypercall, so the Host must notice some other
 * way, as real lguest did at the next Host interrupt.
 *
 * With "tsc" we also check the TSC: the Host says 1,000,000 kHz (a 1 GHz
 * TSC: one tick per nanosecond of the clock in use), so rdtsc must advance
 * like lguest_data.time, within 1% over the whole run.
 */
#include "guest.h"
#include "time.h"
#include "traps.h"

#define TICKS		100
#define PERIOD_NS	(1 * NSEC_PER_MSEC)
#define TSC_KHZ		1000000

static u32 period_ns = PERIOD_NS;
static u32 ticks;
static u64 first_stamp, last_stamp, first_tsc, last_tsc;

/* What a kernel's tick does after re-arming (running expired timers...). */
static void tick_work(void)
{
	unsigned int i;

	for (i = 0; i < 200; i++)
		barrier();
}

static void on_timer(struct lg_trap_frame *frame)
{
	u32 n = ticks + 1;

	(void)frame;
	if (n == 1) {
		first_stamp = lg_time_ns();
		first_tsc = lg_rdtsc();
	}
	if (n < TICKS) {
		lg_set_clockevent(period_ns);
	} else {
		last_stamp = lg_time_ns();
		last_tsc = lg_rdtsc();
	}
	tick_work();
	WRITE_ONCE(ticks, n);
}

void guest_main(void)
{
	u32 elapsed, average, tsc_elapsed, slack;
	unsigned int failures = 0;

	lg_traps_init();
	lg_set_gate(LG_TIMER_VECTOR, LG_GATE_INTERRUPT, 1);
	lg_set_trap_handler(LG_TIMER_VECTOR, on_timer);

	period_ns = lg_cmdline_u32("period_ns", PERIOD_NS);
	lg_printf("timer guest: %u ticks, one every %u ns\n", TICKS, period_ns);
	lg_set_clockevent(period_ns);
	lg_irq_unblock(LG_TIMER_IRQ);
	lg_irq_enable();
	while (READ_ONCE(ticks) < TICKS)
		barrier();
	lg_irq_disable();

	/* 100 ms fit in 32 bits of nanoseconds (and we have no 64-bit division). */
	elapsed = (u32)(last_stamp - first_stamp);
	average = elapsed / (TICKS - 1);
	lg_printf("timer guest: %u ticks; lguest_data.time advanced %u us from the first "
		  "to the last, %u ns per tick\n", ticks, elapsed / NSEC_PER_USEC, average);
	if (average < period_ns) {
		lg_printf("timer guest: FAILED: ticks came early\n");
		failures++;
	} else if (lg_cmdline_has("strict") && average > period_ns + period_ns / 4) {
		lg_printf("timer guest: FAILED: ticks more than 25%% late\n");
		failures++;
	} else {
		lg_printf("timer guest: ticks at the programmed rate%s\n",
			  lg_cmdline_has("strict") ? " (within 25%)" : "");
	}

	if (lg_cmdline_has("tsc")) {
		u32 khz = READ_ONCE(lguest_data.tsc_khz);

		tsc_elapsed = (u32)(last_tsc - first_tsc);
		/*
		 * On the virtual clock both are exact: 1%.  On real time the
		 * host may preempt us between the Host's stamp and our
		 * rdtsc, so allow 10% and 2 ms: this checks the rate, not the
		 * host's scheduler.
		 */
		slack = lg_cmdline_has("strict") ? elapsed / 100
						 : elapsed / 10 + 2 * 1000 * 1000;
		lg_printf("timer guest: tsc_khz %u; rdtsc advanced %u us while "
			  "lguest_data.time advanced %u us\n", khz,
			  tsc_elapsed / NSEC_PER_USEC, elapsed / NSEC_PER_USEC);
		if (khz != TSC_KHZ || last_tsc - first_tsc > 0xFFFFFFFFu ||
		    tsc_elapsed + slack < elapsed || tsc_elapsed > elapsed + slack) {
			lg_printf("timer guest: FAILED: the TSC does not follow the clock\n");
			failures++;
		} else {
			lg_printf("timer guest: the TSC follows the clock\n");
		}
	}
	if (failures)
		lg_panic("%u timer checks failed", failures);
}
