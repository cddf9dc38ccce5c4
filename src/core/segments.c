/*
 * segments.c - the Guest's GDT.
 *
 * The Guest keeps its own 32-entry GDT, but the CPU uses a copy that we
 * write into the per-CPU page: a few entries there are the Host's (the
 * Switcher's code and data segments and the TSS), and every Guest entry is
 * made safe first - nothing may run at ring 0, and the "accessed" bit is
 * preset so the CPU never needs to write to the read-only page.
 */
#include <string.h>

#include "lg.h"

/* The entries the Guest may not change: they are the Host's. */
bool is_host_gdt_entry(unsigned int num)
{
	return num == GDT_ENTRY_LGUEST_CS || num == GDT_ENTRY_LGUEST_DS ||
	       num == GDT_ENTRY_TSS || num == GDT_ENTRY_DOUBLEFAULT_TSS;
}

/*
 * Make a Guest entry harmless: a DPL 0 segment becomes DPL 1 (the Guest
 * kernel runs at ring 1), and the accessed bit is set so the CPU never
 * writes to the read-only page.  Applied to every Guest entry, even empty
 * ones: on those it changes nothing that matters.
 *
 * One rule 4.4 did not need: a system descriptor (call gate, task gate,
 * TSS, LDT) is made not-present.  On hardware the CPU's checks keep the
 * Guest out of ring 0 through them; Unicorn's emulation of call gates and
 * task switches can take the CPU to ring 0 or abort the whole process
 * (facts doc section 2), and a 4.4 Guest never loads one.
 */
static void fixup_gdt_table(struct lg_cpu *cpu, unsigned int start,
			    unsigned int end)
{
	unsigned int i;

	for (i = start; i < end; i++) {
		struct desc_struct *d = &cpu->gdt[i];

		if (is_host_gdt_entry(i))
			continue;
		if (!(d->b & 0x1000)) { /* S = 0: a system descriptor */
			d->b &= ~0x8000u;
			continue;
		}
		if (desc_dpl(d) == 0)
			d->b |= GUEST_PL << 13;
		d->b |= 0x00000100; /* accessed */
	}
}

/* A flat 4 GiB segment of the given type and privilege (G=1, D=1, S=1). */
static struct desc_struct flat_segment(u32 type, u32 dpl)
{
	struct desc_struct d;

	d.a = 0x0000FFFF;
	d.b = 0x00CF0000 | 0x8000 | (dpl << 13) | 0x1000 | (type << 8);
	return d;
}

/*
 * The Host's entries in the CPU's GDT: the Switcher's own flat code and
 * data segments at ring 0, and the TSS (type 9, "available": Unicorn aborts
 * the process on a busy one).  The TSS base is its virtual address in the
 * Switcher mapping.
 */
void setup_default_gdt_entries(struct lguest_ro_state *state)
{
	struct desc_struct *gdt = state->guest_gdt;
	u32 tss = SWITCHER_RO_OFFSET(guest_tss);
	u32 limit = sizeof(struct x86_tss) - 1;

	gdt[GDT_ENTRY_LGUEST_CS] = flat_segment(0xB, 0);
	gdt[GDT_ENTRY_LGUEST_DS] = flat_segment(0x3, 0);
	gdt[GDT_ENTRY_TSS].a = (tss << 16) | (limit & 0xFFFF);
	gdt[GDT_ENTRY_TSS].b = (tss & 0xFF000000) | ((tss >> 16) & 0xFF) |
			       (limit & 0xF0000) | 0x8900;

	/* No I/O bitmap: every in/out from ring 1 or 3 is the Host's. */
	state->guest_tss.io_bitmap_base = sizeof(struct x86_tss);
	state->guest_tss.ss0 = LGUEST_DS;
}

/* At start the Guest has just a flat ring-1 code and data segment. */
void setup_guest_gdt(struct lg_cpu *cpu)
{
	memset(cpu->gdt, 0, sizeof(cpu->gdt));
	cpu->gdt[GDT_ENTRY_KERNEL_CS] = flat_segment(0xB, GUEST_PL);
	cpu->gdt[GDT_ENTRY_KERNEL_DS] = flat_segment(0x3, GUEST_PL);
}

/* Copy the Guest's entries (not the Host's) into the CPU's GDT. */
void copy_gdt(const struct lg_cpu *cpu, struct desc_struct *gdt)
{
	unsigned int i;

	for (i = 0; i < GDT_ENTRIES; i++)
		if (!is_host_gdt_entry(i))
			gdt[i] = cpu->gdt[i];
}

/* Just the three TLS entries: they change on every context switch. */
void copy_gdt_tls(const struct lg_cpu *cpu, struct desc_struct *gdt)
{
	unsigned int i;

	for (i = GDT_ENTRY_TLS_MIN;
	     i < GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES; i++)
		gdt[i] = cpu->gdt[i];
}

/* LOAD_GDT_ENTRY: one entry at a time. */
void load_guest_gdt_entry(struct lg_cpu *cpu, u32 num, u32 lo, u32 hi)
{
	if (num >= GDT_ENTRIES) {
		kill_guest(cpu, "too many gdt entries %u", num);
		return;
	}
	cpu->gdt[num].a = lo;
	cpu->gdt[num].b = hi;
	fixup_gdt_table(cpu, num, num + 1);
	cpu->changed |= CHANGED_GDT;
}

/* LOAD_TLS: three descriptors from Guest memory into entries 6-8. */
void guest_load_tls(struct lg_cpu *cpu, u32 gtls)
{
	struct desc_struct *tls = &cpu->gdt[GDT_ENTRY_TLS_MIN];

	if (!lgread(cpu, tls, gtls, sizeof(*tls) * GDT_ENTRY_TLS_ENTRIES))
		return;
	fixup_gdt_table(cpu, GDT_ENTRY_TLS_MIN,
			GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES);
	cpu->changed |= CHANGED_GDT_TLS;
}
