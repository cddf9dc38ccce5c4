/*
 * segments.c - building GDT descriptors and handing them to the Host.
 */
#include "guest.h"
#include "segments.h"

/*
 * The x86 layout: limit 15..0 and base 15..0 in the low word; base
 * 23..16, type, S (code/data), DPL, present, limit 19..16, D (32-bit), G
 * (4 KiB granularity) and base 31..24 in the high word.
 */
struct lg_desc lg_segment(u32 base, u32 limit, u32 type, u32 dpl)
{
	struct lg_desc d;
	u32 granularity = 0;

	if (limit > 0xFFFFF) {
		limit >>= PAGE_SHIFT;
		granularity = 1u << 23;
	}
	d.lo = (base << 16) | (limit & 0xFFFF);
	d.hi = (base & 0xFF000000) | ((base >> 16) & 0xFF) | (limit & 0xF0000) |
	       granularity | (1u << 22) /* D */ | (1u << 15) /* P */ |
	       ((dpl & 3) << 13) | (1u << 12) /* S */ | ((type & 0xF) << 8);
	return d;
}

void lg_load_gdt_entry(unsigned int index, struct lg_desc desc)
{
	hcall3(LHCALL_LOAD_GDT_ENTRY, index, desc.lo, desc.hi);
}

void lg_load_tls(const struct lg_desc tls[3])
{
	/* ECX is the CPU number, which a 4.4 Host ignores. */
	hcall2(LHCALL_LOAD_TLS, __pa(tls), 0);
}
