/*
 * segments.h - GDT descriptors, and the hypercalls that load them.
 *
 * The Guest cannot lgdt: it hands the Host one 8-byte descriptor at a time
 * (LHCALL_LOAD_GDT_ENTRY) or the three TLS entries at once
 * (LHCALL_LOAD_TLS).  The Host refuses indices >= 32, keeps its own
 * entries 10, 11, 16 and 31, turns DPL 0 into DPL 1 and sets the
 * "accessed" type bit (docs/lguest-4.4-abi.md section 6).
 */
#ifndef LG_GUEST_SEGMENTS_H
#define LG_GUEST_SEGMENTS_H

#include "lguest_abi.h"

#define LG_GDT_ENTRIES		32
#define LG_GDT_ENTRY_TLS_MIN	6	/* entries 6, 7, 8: selectors 0x30.. */
#define LG_GDT_ENTRY_USER_CS	14	/* LG_USER_CS = 14 * 8 + 3 */
#define LG_GDT_ENTRY_USER_DS	15	/* LG_USER_DS = 15 * 8 + 3 */

/* Segment types (the "accessed" bit 0 is the Host's to set). */
#define LG_SEG_CODE		0xA	/* execute/read */
#define LG_SEG_DATA		0x2	/* read/write */

/* A selector for GDT entry index at requested privilege rpl. */
#define LG_SELECTOR(index, rpl)	(((index) << 3) | (rpl))

/* One descriptor, as the two words the hypercalls take. */
struct lg_desc {
	u32 lo, hi;
};

/*
 * A present, 32-bit code or data segment.  Limits above 1 MiB - 1 are
 * rounded down to whole pages (granularity bit), as the CPU counts them.
 */
struct lg_desc lg_segment(u32 base, u32 limit, u32 type, u32 dpl);

/* LHCALL_LOAD_GDT_ENTRY. */
void lg_load_gdt_entry(unsigned int index, struct lg_desc desc);
/* LHCALL_LOAD_TLS: the Host copies tls[0..2] into entries 6..8 (it reads
 * them when it runs the call, which may be later if it was queued). */
void lg_load_tls(const struct lg_desc tls[3]);

/* Read the base of the segment in %fs / %gs: the dword at offset 0. */
static inline u32 lg_read_fs0(void)
{
	u32 v;

	asm volatile("movl %%fs:0, %0" : "=r"(v) : : "memory");
	return v;
}

static inline u32 lg_read_gs0(void)
{
	u32 v;

	asm volatile("movl %%gs:0, %0" : "=r"(v) : : "memory");
	return v;
}

static inline void lg_load_fs(u32 selector)
{
	asm volatile("movl %0, %%fs" : : "r"(selector) : "memory");
}

static inline void lg_load_gs(u32 selector)
{
	asm volatile("movl %0, %%gs" : : "r"(selector) : "memory");
}

#endif /* LG_GUEST_SEGMENTS_H */
