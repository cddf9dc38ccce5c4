/*
 * hello.c - the smallest useful lguest Guest: say hello, show what the
 * Host and the Launcher told us, power off.
 *
 * Everything before guest_main() is the Guest library (guests/lib): the
 * boot path in head.S made exactly two hypercalls, LGUEST_INIT and
 * NEW_PGTABLE.  Printing uses no hypercall at all (the 4.4 early console
 * is PCI port I/O), and leaving makes the third: SHUTDOWN "Power down".
 */
#include "guest.h"

void guest_main(void)
{
	/* Fields the Host wrote into lguest_data at LHCALL_LGUEST_INIT. */
	u32 reserve_mem = READ_ONCE(lguest_data.reserve_mem);
	u32 tsc_khz = READ_ONCE(lguest_data.tsc_khz);

	lg_printf("lguest-emu hello guest: running at CPL %u\n", lg_cpl());
	lg_printf("  RAM:          %u MiB (e820_map[0] = 0x00000000-0x%08x)\n",
		  lg_ram_size >> 20, lg_ram_size - 1);
	lg_printf("  reserve_mem:  0x%08x (the Host keeps 0x%08x and up)\n",
		  reserve_mem, 0u - reserve_mem);
	lg_printf("  tsc_khz:      %u%s\n", tsc_khz, tsc_khz ? "" : " (no stable TSC)");
	lg_printf("  command line: \"%s\"\n", lg_cmdline);
	lg_printf("  kernel:       physical 0x%08x-0x%08x, lguest_data at 0x%08x\n",
		  __pa(_text), __pa(_end) - 1, __pa(&lguest_data));
	lg_printf("lguest-emu hello guest: powering off\n");
}
