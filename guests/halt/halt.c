/*
 * halt.c - LHCALL_HALT, woken by the timer; and interrupts that wait
 * while our soft interrupt flag is off.
 *
 * Default: HALTS times, arm the one-shot timer and HALT with interrupts
 * soft-disabled, as Linux's idle loop does (4.4 halts with the flag
 * possibly off).  The Host must sleep until IRQ 0 is due, then wake us as
 * "sti; hlt" would: set irq_enabled to X86_EFLAGS_IF and deliver the
 * interrupt (so the handler's frame has IF set), after which the HALT
 * hypercall returns.  "period_ms=<n>" sets the timer (default
 * PERIOD_MS): with --deterministic the virtual clock jumps to the
 * deadline, so even long HALTs cost no real time.
 *
 * "noirq": the soft-IF rule.  With interrupts off, a due interrupt is not
 * delivered; the Host sets lguest_data.irq_pending to X86_EFLAGS_IF
 * instead.  When we turn interrupts on and see irq_pending, we make a
 * SEND_INTERRUPTS hypercall, and the interrupt arrives before the next
 * instruction after it.
 */
#include "guest.h"
#include "time.h"
#include "traps.h"

#define HALTS		20
#define PERIOD_MS	5
#define ROUNDS		5

static u32 ticks;
static u32 frame_if;	/* EFLAGS.IF in the last timer frame */

static void on_timer(struct lg_trap_frame *frame)
{
	frame_if = frame->eflags & X86_EFLAGS_IF;
	WRITE_ONCE(ticks, ticks + 1);
}

static void halt_test(void)
{
	u32 period_ns = lg_cmdline_u32("period_ms", PERIOD_MS) * NSEC_PER_MSEC;
	u64 before, after;
	u32 i, shortest = ~0u;

	lg_printf("halt guest: %u HALTs of %u ms with interrupts soft-disabled\n",
		  HALTS, period_ns / NSEC_PER_MSEC);
	for (i = 0; i < HALTS; i++) {
		lg_irq_disable();
		before = lg_time_ns();
		lg_set_clockevent(period_ns);
		lg_halt();
		after = lg_time_ns();
		if (READ_ONCE(ticks) != i + 1)
			lg_panic("HALT %u returned after %u ticks", i + 1, ticks);
		if (READ_ONCE(lguest_data.irq_enabled) != X86_EFLAGS_IF)
			lg_panic("HALT %u: woken with irq_enabled %x", i + 1,
				 lguest_data.irq_enabled);
		if (!frame_if)
			lg_panic("HALT %u: the interrupt frame has IF clear", i + 1);
		if (after - before < shortest)
			shortest = (u32)(after - before);
	}
	/* lguest_data.time is stamped at each delivery: "before" is the
	 * previous wake-up, so each HALT lasted at least the period. */
	lg_printf("halt guest: woken %u times by the timer, with interrupts on; "
		  "shortest HALT %u ms\n", ticks, shortest / NSEC_PER_MSEC);
	if (shortest < period_ns)
		lg_panic("a HALT ended before the timer was due (%u ns)", shortest);
}

static void noirq_test(void)
{
	u32 i;

	lg_printf("halt guest: %u timer interrupts held back while interrupts are off\n",
		  ROUNDS);
	for (i = 0; i < ROUNDS; i++) {
		lg_irq_disable();
		/* The Host may leave it set after a delivery (4.4 did): we
		 * clear it so that we see it being set again. */
		WRITE_ONCE(lguest_data.irq_pending, 0);
		lg_set_clockevent(PERIOD_MS * NSEC_PER_MSEC);
		while (!READ_ONCE(lguest_data.irq_pending))
			barrier();
		if (READ_ONCE(lguest_data.irq_pending) != X86_EFLAGS_IF)
			lg_panic("irq_pending is %x", lguest_data.irq_pending);
		if (READ_ONCE(ticks) != i)
			lg_panic("round %u: interrupt delivered while disabled", i + 1);
		/* Sees irq_pending and makes the SEND_INTERRUPTS call. */
		lg_irq_enable();
		if (READ_ONCE(ticks) != i + 1)
			lg_panic("round %u: no interrupt right after SEND_INTERRUPTS", i + 1);
	}
	lg_printf("halt guest: irq_pending set each time, interrupt delivered right "
		  "after SEND_INTERRUPTS\n");
}

void guest_main(void)
{
	lg_traps_init();
	lg_set_gate(LG_TIMER_VECTOR, LG_GATE_INTERRUPT, 1);
	lg_set_trap_handler(LG_TIMER_VECTOR, on_timer);
	lg_irq_unblock(LG_TIMER_IRQ);

	if (lg_cmdline_has("noirq"))
		noirq_test();
	else
		halt_test();
	lg_irq_disable();
}
