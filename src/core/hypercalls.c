/*
 * hypercalls.c - the Guest asks the Host for things with "int $0x1f":
 * EAX is the call number, EBX, ECX, EDX and ESI the arguments.  No call
 * returns a value; bad arguments kill the Guest.
 *
 * Before every synchronous call we drain the asynchronous ring in
 * lguest_data, where the Guest queued calls it wanted batched (page-table
 * updates, stack switches and TS changes during a context switch).
 */
#include <string.h>

#include "lg.h"

static const char *const hcall_names[] = {
	[LHCALL_FLUSH_ASYNC] = "FLUSH_ASYNC",
	[LHCALL_LGUEST_INIT] = "LGUEST_INIT",
	[LHCALL_SHUTDOWN] = "SHUTDOWN",
	[LHCALL_NEW_PGTABLE] = "NEW_PGTABLE",
	[LHCALL_FLUSH_TLB] = "FLUSH_TLB",
	[LHCALL_LOAD_IDT_ENTRY] = "LOAD_IDT_ENTRY",
	[LHCALL_SET_STACK] = "SET_STACK",
	[LHCALL_TS] = "TS",
	[LHCALL_SET_CLOCKEVENT] = "SET_CLOCKEVENT",
	[LHCALL_HALT] = "HALT",
	[LHCALL_SET_PMD] = "SET_PMD",
	[LHCALL_SET_PTE] = "SET_PTE",
	[LHCALL_SET_PGD] = "SET_PGD",
	[LHCALL_LOAD_TLS] = "LOAD_TLS",
	[LHCALL_LOAD_GDT_ENTRY] = "LOAD_GDT_ENTRY",
	[LHCALL_SEND_INTERRUPTS] = "SEND_INTERRUPTS",
};

const char *hcall_name(u32 nr)
{
	if (nr < sizeof(hcall_names) / sizeof(hcall_names[0]) && hcall_names[nr])
		return hcall_names[nr];
	return "unknown";
}

/* Statistics by call number; every number 4.4 did not know shares [31]. */
static void count_hcall(struct lg_cpu *cpu, u32 nr)
{
	bool known = nr < 31 && strcmp(hcall_name(nr), "unknown") != 0;

	cpu->stats.hcalls[known ? nr : 31]++;
}

static void trace_hcall(struct lg_cpu *cpu, const struct hcall_args *a,
			bool async)
{
	struct lguest *lg = cpu->lg;
	const char *how = async ? " (async)" : "";

	switch (a->arg0) {
	case LHCALL_LGUEST_INIT:
		lg_trace(lg, "hcall LGUEST_INIT lguest_data=0x%08x%s", a->arg1, how);
		break;
	case LHCALL_SHUTDOWN:
		lg_trace(lg, "hcall SHUTDOWN reason=0x%08x how=%u%s", a->arg1,
			 a->arg2, how);
		break;
	case LHCALL_NEW_PGTABLE:
		lg_trace(lg, "hcall NEW_PGTABLE pgdir=0x%08x%s", a->arg1, how);
		break;
	case LHCALL_SET_PTE:
		lg_trace(lg, "hcall SET_PTE pgdir=0x%08x vaddr=0x%08x pte=0x%08x%s",
			 a->arg1, a->arg2, a->arg3, how);
		break;
	case LHCALL_LOAD_IDT_ENTRY:
	case LHCALL_LOAD_GDT_ENTRY:
		lg_trace(lg, "hcall %s index=%u lo=0x%08x hi=0x%08x%s",
			 hcall_name(a->arg0), a->arg1, a->arg2, a->arg3, how);
		break;
	default:
		lg_trace(lg, "hcall %s(%u) %#x %#x %#x %#x%s", hcall_name(a->arg0),
			 a->arg0, a->arg1, a->arg2, a->arg3, a->arg4, how);
	}
}

/* SHUTDOWN: the Guest tells us why it is going away, and goes. */
static void do_shutdown(struct lg_cpu *cpu, u32 msg_gpa, u32 how)
{
	char msg[128];

	if (!lgread(cpu, msg, msg_gpa, sizeof(msg)))
		return;
	msg[sizeof(msg) - 1] = '\0';
	kill_guest(cpu, "CRASH: %s", msg);
	cpu->lg->dead_by_shutdown = true;
	if (how == LGUEST_SHUTDOWN_RESTART)
		cpu->lg->dead_restart = true;
}

/* Every call but LGUEST_INIT, which initialize() handles. */
static void do_hcall(struct lg_cpu *cpu, const struct hcall_args *args)
{
	switch (args->arg0) {
	case LHCALL_FLUSH_ASYNC:
		/* Its only job was to make us drain the ring. */
		break;
	case LHCALL_SEND_INTERRUPTS:
		/* Its only job was to make us look for interrupts. */
		break;
	case LHCALL_LGUEST_INIT:
		kill_guest(cpu, "already have lguest_data");
		break;
	case LHCALL_SHUTDOWN:
		do_shutdown(cpu, args->arg1, args->arg2);
		break;
	case LHCALL_FLUSH_TLB:
		if (args->arg1)
			guest_pagetable_clear_all(cpu);
		else
			guest_pagetable_flush_user(cpu);
		break;
	case LHCALL_NEW_PGTABLE:
		guest_new_pagetable(cpu, args->arg1);
		break;
	case LHCALL_SET_STACK:
		guest_set_stack(cpu, args->arg1, args->arg2, args->arg3);
		break;
	case LHCALL_SET_PTE:
		guest_set_pte(cpu, args->arg1, args->arg2, args->arg3);
		break;
	case LHCALL_SET_PGD:
		guest_set_pgd(cpu->lg, args->arg1, args->arg2);
		break;
	case LHCALL_SET_CLOCKEVENT:
		guest_set_clockevent(cpu, args->arg1);
		break;
	case LHCALL_LOAD_IDT_ENTRY:
		load_guest_idt_entry(cpu, args->arg1, args->arg2, args->arg3);
		break;
	case LHCALL_LOAD_GDT_ENTRY:
		load_guest_gdt_entry(cpu, args->arg1, args->arg2, args->arg3);
		break;
	case LHCALL_LOAD_TLS:
		guest_load_tls(cpu, args->arg1);
		break;
	case LHCALL_TS:
		/* The Guest's CR0.TS: #NM is reflected while it is set. */
		cpu->ts = args->arg1 & 8;
		break;
	case LHCALL_HALT:
		cpu->halted = true;
		break;
	default:
		/* SET_PMD too: this Host is non-PAE, as 4.4's would be. */
		kill_guest(cpu, "bad hypercall %u", args->arg0);
	}
}

/*
 * The async ring: 64 slots in lguest_data, each with a status byte (0xFF:
 * empty) and five words.  We run every ready slot in ring order, marking it
 * done, and stop at the first empty one.
 */
static void do_async_hcalls(struct lg_cpu *cpu)
{
	struct lguest *lg = cpu->lg;
	u8 st[LHCALL_RING_SIZE];
	unsigned int i;

	if (!lgread(cpu, st, lg->lguest_data + LGD_HCALL_STATUS, sizeof(st)))
		return;

	for (i = 0; i < LHCALL_RING_SIZE; i++) {
		struct hcall_args args;
		unsigned int n = cpu->next_hcall;
		u8 done = 0xFF;

		if (st[n] == 0xFF)
			break;
		if (++cpu->next_hcall == LHCALL_RING_SIZE)
			cpu->next_hcall = 0;

		if (!lgread(cpu, &args, lg->lguest_data + LGD_HCALLS +
				  n * sizeof(args), sizeof(args)))
			return;
		count_hcall(cpu, args.arg0);
		if (lg->trace_mask & LG_TRACE_HCALL)
			trace_hcall(cpu, &args, true);
		do_hcall(cpu, &args);
		if (lg->dead)
			return;
		if (!lgwrite(cpu, lg->lguest_data + LGD_HCALL_STATUS + n, &done, 1))
			return;
		/* A trap for the Launcher stops the drain (none exist in 4.4). */
		if (cpu->pending.trap)
			return;
	}
}

/*
 * LGUEST_INIT: the Guest tells us where its lguest_data is.  We check it,
 * fill in what the Guest needs from us, and read what we need from it.
 */
static void initialize(struct lg_cpu *cpu)
{
	struct lguest *lg = cpu->lg;
	u32 gpa = cpu->hcall->arg1, sec, nsec;

	if (cpu->hcall->arg0 != LHCALL_LGUEST_INIT) {
		kill_guest(cpu, "hypercall %u before INIT", cpu->hcall->arg0);
		return;
	}
	if (!lguest_address_ok(lg, gpa, LGD_SIZE)) {
		kill_guest(cpu, "bad lguest_data address %#x", gpa);
		return;
	}
	lg->lguest_data = gpa;
	lg->lguest_data_registered = true;

	lgwrite_u32(cpu, gpa + LGD_TSC_KHZ, shim_tsc_khz(lg));
	{
		u32 vec = lgread_u32(cpu, gpa + LGD_SYSCALL_VEC);

		if (vec != SYSCALL_VECTOR) {
			kill_guest(cpu, "bad syscall vector %#x", vec);
			return;
		}
	}
	lg->noirq_iret = lgread_u32(cpu, gpa + LGD_NOIRQ_IRET);
	shim_wallclock(lg, &sec, &nsec);
	lgwrite_u32(cpu, gpa + LGD_TIME, sec);
	lgwrite_u32(cpu, gpa + LGD_TIME + 4, nsec);
	lg->kernel_address = lgread_u32(cpu, gpa + LGD_KERNEL_ADDRESS);
	lgwrite_u32(cpu, gpa + LGD_RESERVE_MEM, 0u - SWITCHER_ADDR);
	if (lg->kernel_address >= SWITCHER_ADDR) {
		kill_guest(cpu, "bad kernel address %#x", lg->kernel_address);
		return;
	}
	/* Still in linear mode, but any shadow we built is stale now. */
	guest_pagetable_clear_all(cpu);
}

/*
 * Do the Guest's hypercall (cpu->hcall), draining the async ring first.
 */
void do_hypercalls(struct lg_cpu *cpu)
{
	struct lguest *lg = cpu->lg;
	struct hcall_args *args = cpu->hcall;

	cpu->hcall = NULL;
	if (!lg->lguest_data_registered) {
		count_hcall(cpu, args->arg0);
		if (lg->trace_mask & LG_TRACE_HCALL)
			trace_hcall(cpu, args, false);
		cpu->hcall = args;
		initialize(cpu);
		cpu->hcall = NULL;
		return;
	}
	do_async_hcalls(cpu);
	if (lg->dead)
		return;
	/* If the ring produced work for the Launcher, the call waits. */
	if (cpu->pending.trap) {
		cpu->hcall = args;
		return;
	}
	/* Counted and traced here, after the ring entries that ran first. */
	count_hcall(cpu, args->arg0);
	if (lg->trace_mask & LG_TRACE_HCALL)
		trace_hcall(cpu, args, false);
	do_hcall(cpu, args);
}
