/*
 * time.c - the clock event and lguest_data.time (time.h).
 */
#include "guest.h"
#include "time.h"

void lg_set_clockevent(u32 delta_ns)
{
	hcall1(LHCALL_SET_CLOCKEVENT, delta_ns);
}

u64 lg_time_ns(void)
{
	u32 sec, nsec;

	do {
		sec = READ_ONCE(lguest_data.time.tv_sec);
		barrier();
		nsec = READ_ONCE(lguest_data.time.tv_nsec);
		barrier();
	} while (sec != READ_ONCE(lguest_data.time.tv_sec));
	return (u64)sec * NSEC_PER_SEC + nsec;
}
