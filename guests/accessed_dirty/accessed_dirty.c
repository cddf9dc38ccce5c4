/*
 * accessed_dirty.c - what the Guest sees of the Host's shadow paging:
 * Accessed and Dirty bits, and when a changed PTE takes effect.
 *
 * The CPU never walks our tables; the Host copies our entries into shadow
 * tables when we fault, setting in our PTE the Accessed bit (and, on a
 * write, the Dirty bit) as the CPU would have.  A page not yet Dirty is
 * shadowed read-only, so the first write faults again and Dirty is exact.
 * A shadow entry is a cache, like a TLB entry: a PTE we change without
 * telling the Host stays in effect until we flush -
 *
 *   SET_PTE(dir, addr, pte)  that one entry (for a kernel address, in
 *                            every directory the Host has a shadow of;
 *                            for a user address, only in dir);
 *   FLUSH_TLB(0)             the user half (below PAGE_OFFSET) of the
 *                            current directory;
 *   FLUSH_TLB(1)             everything, kernel half included.
 *
 * Test pages: LOW at 0x60000000 (user half, kernel-only PTEs) and HIGH at
 * 0xE0000000 (kernel half, above the RAM alias), backed by frame 1 or
 * frame 2, which hold different signatures.  A second directory shares our
 * kernel half (and, for one check, one of our user page tables).
 * One line per step; any surprise panics.
 */
#include "async.h"
#include "guest.h"
#include "paging.h"

#define LOW		0x60000000u
#define LOW2		(LOW + PAGE_SIZE)
#define HIGH		0xE0000000u
#define SIG1		0xF1F1F1F1u
#define SIG2		0xF2F2F2F2u
#define PTE_FLAGS	(PT_PRESENT | PT_RW)	/* Accessed and Dirty ours to watch */

static u32 frame1, frame2;

static u32 *pte(u32 vaddr)
{
	return lg_pte(lg_pgdir, vaddr, false, 0);
}

static u32 peek(u32 vaddr)
{
	return *(volatile u32 *)vaddr;
}

static void poke(u32 vaddr, u32 value)
{
	*(volatile u32 *)vaddr = value;
}

static const char *frame_name(u32 sig)
{
	return sig == SIG1 ? "frame 1" : sig == SIG2 ? "frame 2" : "neither frame";
}

/* vaddr's PTE must have exactly `want` of Accessed | Dirty. */
static void bits(const char *step, u32 vaddr, u32 want)
{
	u32 e = *pte(vaddr);

	lg_printf("  %-58s A=%u D=%u\n", step, !!(e & PT_ACCESSED), !!(e & PT_DIRTY));
	if ((e & (PT_ACCESSED | PT_DIRTY)) != want)
		lg_panic("%s: pte %08x, expected A=%u D=%u", step, e, !!(want & PT_ACCESSED),
			 !!(want & PT_DIRTY));
}

/* A read of vaddr must find the frame with signature sig. */
static void sees(const char *step, u32 vaddr, u32 sig)
{
	u32 v = peek(vaddr);

	lg_printf("  %-58s %s\n", step, frame_name(v));
	if (v != sig)
		lg_panic("%s: read %08x (%s), expected %s", step, v, frame_name(v),
			 frame_name(sig));
}

static void accessed_and_dirty(void)
{
	lg_printf("Accessed and Dirty:\n");
	lg_map(lg_pgdir, LOW, frame1 | PTE_FLAGS, LG_PDE_FLAGS);
	bits("mapped (SET_PTE), not touched", LOW, 0);
	(void)peek(LOW);
	bits("read", LOW, PT_ACCESSED);
	(void)peek(LOW + 8);
	bits("read again", LOW, PT_ACCESSED);
	poke(LOW + 4, 1);
	bits("write", LOW, PT_ACCESSED | PT_DIRTY);

	/* What Linux's page ageing and writeback do: clear, and say so. */
	*pte(LOW) &= ~(PT_ACCESSED | PT_DIRTY);
	lg_set_pte(lg_pgdir, LOW, *pte(LOW));
	bits("cleared both, SET_PTE", LOW, 0);
	(void)peek(LOW);
	bits("read", LOW, PT_ACCESSED);
	poke(LOW + 4, 2);
	bits("write", LOW, PT_ACCESSED | PT_DIRTY);

	/* Cleared behind the Host's back: its shadow entry still maps the
	 * page, so nothing faults and nothing sets the bit. */
	*pte(LOW) &= ~PT_ACCESSED;
	(void)peek(LOW);
	bits("cleared Accessed without telling the Host, read", LOW, PT_DIRTY);
	lg_flush_tlb(false);
	(void)peek(LOW);
	bits("FLUSH_TLB(0), read", LOW, PT_ACCESSED | PT_DIRTY);

	/* SET_PTE of an Accessed, clean entry: installed at once, but
	 * read-only, so the first write still makes it Dirty. */
	*pte(LOW) = frame1 | PTE_FLAGS | PT_ACCESSED;
	lg_set_pte(lg_pgdir, LOW, *pte(LOW));
	bits("SET_PTE with Accessed set, Dirty clear", LOW, PT_ACCESSED);
	poke(LOW + 4, 3);
	bits("write", LOW, PT_ACCESSED | PT_DIRTY);

	/* The same in the kernel half. */
	lg_map(lg_pgdir, HIGH, frame1 | PTE_FLAGS, LG_PDE_FLAGS);
	bits("kernel-half page mapped, not touched", HIGH, 0);
	(void)peek(HIGH);
	bits("read", HIGH, PT_ACCESSED);
	poke(HIGH + 4, 4);
	bits("write", HIGH, PT_ACCESSED | PT_DIRTY);
}

static void flushes(void)
{
	lg_printf("FLUSH_TLB(0) and FLUSH_TLB(1):\n");
	/* LOW and HIGH map frame 1 and have been used: both are shadowed. */
	*pte(LOW) = frame2 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	sees("user-half PTE moved to frame 2 without SET_PTE, read", LOW, SIG1);
	lg_flush_tlb(false);
	sees("FLUSH_TLB(0), read", LOW, SIG2);

	*pte(HIGH) = frame2 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	sees("kernel-half PTE moved to frame 2 without SET_PTE, read", HIGH, SIG1);
	lg_flush_tlb(false);
	sees("FLUSH_TLB(0), read", HIGH, SIG1);
	lg_flush_tlb(true);
	sees("FLUSH_TLB(1), read", HIGH, SIG2);
}

static void set_pte(void)
{
	u32 *other;

	lg_printf("SET_PTE of one entry:\n");
	/* LOW maps frame 2 now; LOW2 maps frame 1.  Use both. */
	lg_map(lg_pgdir, LOW2, frame1 | PTE_FLAGS, LG_PDE_FLAGS);
	sees("LOW2 mapped to frame 1, read", LOW2, SIG1);
	sees("LOW, read", LOW, SIG2);
	*pte(LOW) = frame1 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	*pte(LOW2) = frame2 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	lg_set_pte(lg_pgdir, LOW, *pte(LOW));
	sees("both PTEs swapped, SET_PTE for LOW only: LOW reads", LOW, SIG1);
	sees("and LOW2, not told, still reads", LOW2, SIG1);
	lg_set_pte(lg_pgdir, LOW2, *pte(LOW2));
	sees("SET_PTE for LOW2: LOW2 reads", LOW2, SIG2);

	/*
	 * A second directory: our kernel half, and - only to watch the Host -
	 * our page table for LOW as its own.  Both directories get shadows.
	 */
	other = lg_pgdir_create();
	other[LOW >> PGDIR_SHIFT] = lg_pgdir[LOW >> PGDIR_SHIFT];
	lg_new_pgtable(other);
	sees("second directory: HIGH reads", HIGH, SIG2);
	sees("second directory: LOW (our page table) reads", LOW, SIG1);
	lg_new_pgtable(lg_pgdir);

	/* A kernel address: the Host changes every directory it shadows. */
	*pte(HIGH) = frame1 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	lg_set_pte(lg_pgdir, HIGH, *pte(HIGH));
	sees("HIGH moved to frame 1, SET_PTE(this directory): reads", HIGH, SIG1);
	lg_new_pgtable(other);
	sees("in the second directory, no flush: HIGH reads", HIGH, SIG1);
	lg_new_pgtable(lg_pgdir);

	/* A user address: only the directory named. */
	*pte(LOW) = frame2 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	lg_set_pte(lg_pgdir, LOW, *pte(LOW));
	sees("LOW moved to frame 2, SET_PTE(this directory): reads", LOW, SIG2);
	lg_new_pgtable(other);
	sees("in the second directory, not named: LOW still reads", LOW, SIG1);
	lg_flush_tlb(false);
	sees("FLUSH_TLB(0) there: LOW reads", LOW, SIG2);
	lg_new_pgtable(lg_pgdir);
}

/*
 * A SET_PTE drained from the async ring in the same exit as a TS change
 * (what a Linux #NM handler's TS(0) does after a context switch): the new
 * entry must be in effect when we come back, although the Host wrote CR0.
 */
static void set_pte_with_ts(void)
{
	lg_printf("SET_PTE from the ring and TS in one exit:\n");
	sees("LOW, read", LOW, SIG2);
	*pte(LOW) = frame1 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	lg_async_hcall(LHCALL_SET_PTE, (u32)lg_pgdir - PAGE_OFFSET, LOW, *pte(LOW), 0);
	hcall1(LHCALL_TS, 8);
	sees("SET_PTE queued, then TS(8): LOW reads", LOW, SIG1);
	*pte(LOW) = frame2 | PTE_FLAGS | PT_ACCESSED | PT_DIRTY;
	lg_async_hcall(LHCALL_SET_PTE, (u32)lg_pgdir - PAGE_OFFSET, LOW, *pte(LOW), 0);
	hcall1(LHCALL_TS, 0);
	sees("SET_PTE queued, then TS(0): LOW reads", LOW, SIG2);
}

void guest_main(void)
{
	lg_printf("accessed_dirty guest: Accessed/Dirty bits, FLUSH_TLB(0)/(1), SET_PTE\n");
	frame1 = lg_alloc_page();
	frame2 = lg_alloc_page();
	for (u32 i = 0; i < PAGE_SIZE / 4; i += 256) {
		((u32 *)__va(frame1))[i] = SIG1;
		((u32 *)__va(frame2))[i] = SIG2;
	}
	accessed_and_dirty();
	flushes();
	set_pte();
	set_pte_with_ts();
	lg_printf("accessed_dirty guest: all as the shadow paging rules say\n");
}
