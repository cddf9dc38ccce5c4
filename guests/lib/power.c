/*
 * power.c - leaving: power off, panic, and waiting for interrupts.
 *
 * LHCALL_SHUTDOWN takes the physical address of a reason string (the Host
 * reads 128 bytes there, so it must lie inside RAM) and 1 for power off.
 * The Host marks the Guest dead and never resumes it; should a Host resume
 * us anyway, we wait in LHCALL_HALT rather than run on.
 */
#include "guest.h"

static void shutdown(const char *reason) __attribute__((noreturn));
static void shutdown(const char *reason)
{
	hcall2(LHCALL_SHUTDOWN, __pa(reason), LGUEST_SHUTDOWN_POWEROFF);
	for (;;)
		hcall0(LHCALL_HALT);
}

void lg_power_off(void)
{
	shutdown("Power down");
}

void lg_panic(const char *fmt, ...)
{
	/* A full 128 bytes, because that is what the Host reads. */
	static char reason[128];
	va_list ap;

	va_start(ap, fmt);
	lg_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	lg_printf("panic: %s\n", reason);
	shutdown(reason);
}

/*
 * The Host only wakes a halted Guest for an interrupt it can deliver, and
 * it re-enables our soft interrupt flag when it does.  With interrupts
 * soft-disabled or all lines blocked, this never returns.
 */
void lg_halt(void)
{
	hcall0(LHCALL_HALT);
}
