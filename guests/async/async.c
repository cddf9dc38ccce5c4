/*
 * async.c - hypercalls queued in the async ring run in order, before the
 * next synchronous hypercall, and the ring wraps around.
 *
 * Each part is chosen by a kernel argument (default: all, in this order):
 *
 *  "order"  One batch of calls with effects we can observe afterwards:
 *           LOAD_GDT_ENTRY 26 twice (the second wins), TS 8 then TS 0
 *           (no #NM), SET_STACK A then B (a trap from ring 3 lands on B),
 *           LOAD_TLS of descriptors we change after queueing (the Host
 *           reads them when it runs the call, so it sees the new ones) and
 *           LOAD_GDT_ENTRY 27, followed by a *synchronous* LOAD_GDT_ENTRY
 *           27 (which must win: the ring runs first).  Until that call the
 *           slots stay "ready" (0); after it, all are empty (0xFF).  Then
 *           TS 8 alone and FLUSH_ASYNC: exactly one #NM.
 *  "wrap"   10 batches of 13 calls, each ended by FLUSH_ASYNC: 130 slots,
 *           twice round the 64-slot ring.  The Host's cursor must follow
 *           ours, or a batch would be left unrun.
 *  "full"   64 calls fill the ring; the 65th finds its slot still full and
 *           is made synchronously, after the Host has drained all 64.
 *
 * We observe a GDT data segment by loading it into %fs and reading %fs:0:
 * segment number n is based at cells[n], which holds n.
 */
#include "async.h"
#include "fpu.h"
#include "guest.h"
#include "segments.h"
#include "traps.h"
#include "user.h"

#define ENTRY_A		26	/* selector 0xD1 at RPL 1 */
#define ENTRY_B		27	/* selector 0xD9 */
#define TLS_SELECTOR	LG_SELECTOR(LG_GDT_ENTRY_TLS_MIN, 1)

/* user.S */
extern char user_syscall[], user_stack_top[];

static u32 cells[256];
static u8 stack_a[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 stack_b[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct lg_desc tls[3];
static unsigned int nm_traps;
static u32 syscall_frame_end;

static struct lg_desc cell_segment(unsigned int n)
{
	return lg_segment((u32)&cells[n], sizeof(u32) - 1, LG_SEG_DATA, 1);
}

/* What is segment entry (a GDT index) based at?  The cell's number. */
static u32 read_segment(unsigned int entry)
{
	u32 v;

	lg_load_fs(LG_SELECTOR(entry, 1));
	v = lg_read_fs0();
	lg_load_fs(0);
	return v;
}

static bool queue_gdt(unsigned int entry, unsigned int cell)
{
	struct lg_desc d = cell_segment(cell);

	return lg_async_hcall(LHCALL_LOAD_GDT_ENTRY, entry, d.lo, d.hi, 0);
}

static void queue(u32 call, u32 arg1, u32 arg2, u32 arg3)
{
	if (!lg_async_hcall(call, arg1, arg2, arg3, 0))
		lg_panic("ring full: call %u not queued", call);
}

/* Slots [first, first + n) of the ring, modulo its size, all hold status. */
static void check_status(unsigned int first, unsigned int n, u8 status, const char *when)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int slot = (first + i) % LHCALL_RING_SIZE;
		u8 got = READ_ONCE(lguest_data.hcall_status[slot]);

		if (got != status)
			lg_panic("%s: slot %u has status %x, expected %x", when, slot, got, status);
	}
}

static void check(const char *what, u32 got, u32 want)
{
	if (got != want)
		lg_panic("%s is %u, expected %u", what, got, want);
}

static void on_nm(struct lg_trap_frame *frame)
{
	(void)frame;
	nm_traps++;
	lg_set_ts(0);
}

static void on_syscall(struct lg_trap_frame *frame)
{
	syscall_frame_end = (u32)(&frame->user_ss + 1);
	lg_user_return(0);
}

static void fpu_touch(void)
{
	asm volatile("fnop" : : : "memory");
}

static void order_test(void)
{
	unsigned int first = lg_async_next_slot();

	lg_load_gs(0);	/* as Linux does before LOAD_TLS */
	queue_gdt(ENTRY_A, 1);
	queue_gdt(ENTRY_A, 2);
	queue(LHCALL_TS, 8, 0, 0);
	queue(LHCALL_TS, 0, 0, 0);
	queue(LHCALL_SET_STACK, LG_KERNEL_DS, (u32)stack_a + sizeof(stack_a), 2);
	queue(LHCALL_SET_STACK, LG_KERNEL_DS, (u32)stack_b + sizeof(stack_b), 2);
	tls[0] = cell_segment(3);
	queue(LHCALL_LOAD_TLS, __pa(tls), 0, 0);
	tls[0] = cell_segment(4);
	queue_gdt(ENTRY_B, 5);
	check_status(first, 8, LG_HCALL_READY, "before the synchronous call");

	lg_load_gdt_entry(ENTRY_B, cell_segment(6));
	check_status(0, LHCALL_RING_SIZE, LG_HCALL_EMPTY, "after the synchronous call");

	check("segment 26 (queued 1 then 2)", read_segment(ENTRY_A), 2);
	check("segment 27 (queued 5, then 6 synchronously)", read_segment(ENTRY_B), 6);
	lg_load_gs(TLS_SELECTOR);
	check("TLS segment (queued 3, changed to 4 before the flush)", lg_read_gs0(), 4);
	lg_load_gs(0);
	fpu_touch();
	check("#NM after TS 8, TS 0", nm_traps, 0);
	lg_run_user((u32)user_syscall, (u32)user_stack_top);
	check("ring-3 trap frame on stack B", syscall_frame_end == (u32)stack_b + sizeof(stack_b), 1);

	queue(LHCALL_TS, 8, 0, 0);
	lg_flush_async();
	fpu_touch();
	fpu_touch();
	check("#NM after TS 8", nm_traps, 1);
	lg_printf("async guest: order: 8 queued calls ran in order before the next "
		  "synchronous one, slots back to 0xFF; a queued TS 8 made one #NM\n");
}

static void wrap_test(void)
{
	unsigned int batch, i, n = 0, start = lg_async_next_slot();

	for (batch = 0; batch < 10; batch++) {
		unsigned int first = lg_async_next_slot();

		for (i = 0; i < 13; i++, n++)
			queue_gdt(ENTRY_A, 10 + n);
		check_status(first, 13, LG_HCALL_READY, "before FLUSH_ASYNC");
		lg_flush_async();
		check_status(0, LHCALL_RING_SIZE, LG_HCALL_EMPTY, "after FLUSH_ASYNC");
		check("segment 26 after a batch", read_segment(ENTRY_A), 10 + n - 1);
	}
	lg_printf("async guest: wrap: %u calls in 10 batches from slot %u to slot %u, "
		  "%u times round the ring\n", n, start, lg_async_next_slot(),
		  (start + n) / LHCALL_RING_SIZE);
}

static void full_test(void)
{
	unsigned int i, first = lg_async_next_slot();

	for (i = 0; i < LHCALL_RING_SIZE; i++)
		if (!queue_gdt(ENTRY_A, 150 + i))
			lg_panic("slot %u of an empty ring was full", i);
	check_status(0, LHCALL_RING_SIZE, LG_HCALL_READY, "ring filled");
	if (queue_gdt(ENTRY_A, 250))
		lg_panic("the 65th call was queued in a full ring");
	check_status(0, LHCALL_RING_SIZE, LG_HCALL_EMPTY, "after the 65th call");
	check("segment 26 (64 queued, the 65th synchronous)", read_segment(ENTRY_A), 250);
	check("next slot", lg_async_next_slot(), first);
	queue_gdt(ENTRY_A, 251);
	lg_flush_async();
	check("segment 26 after one more", read_segment(ENTRY_A), 251);
	lg_printf("async guest: full: 64 queued calls ran before the 65th, made "
		  "synchronously\n");
}

void guest_main(void)
{
	bool all = !lg_cmdline_has("order") && !lg_cmdline_has("wrap") &&
		   !lg_cmdline_has("full");
	unsigned int i;

	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		cells[i] = i;
	lg_traps_init();
	lg_set_trap_handler(7, on_nm);
	lg_set_gate(LG_SYSCALL_VECTOR, LG_GATE_TRAP, 3);
	lg_set_trap_handler(LG_SYSCALL_VECTOR, on_syscall);
	lg_user_init();
	lg_set_stack((u32)stack_a + sizeof(stack_a), 2);
	/* Both segments valid from the start. */
	lg_load_gdt_entry(ENTRY_A, cell_segment(0));
	lg_load_gdt_entry(ENTRY_B, cell_segment(0));

	if (all || lg_cmdline_has("order"))
		order_test();
	if (all || lg_cmdline_has("wrap"))
		wrap_test();
	if (all || lg_cmdline_has("full"))
		full_test();
}
