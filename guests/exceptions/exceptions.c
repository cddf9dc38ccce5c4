/*
 * exceptions.c - CPU exceptions from ring 1 and ring 3, each reflected to
 * our handler with the right vector, error code and frame.
 *
 * The cases (cases.S): divide error, invalid opcode, breakpoint, a #GP for
 * a bad selector, and - from ring 3 only - int $0x1f, the hypercall
 * vector, which ring 3 may not use.  Each runs twice per ring: first with
 * interrupt gates, which always go through the Host (it builds the frame
 * and clears our soft interrupt flag), then with trap gates, which for
 * vectors 0, 3 and 6 lguest lets the CPU deliver straight into the Guest
 * (a "direct trap"; lguest-emu -d direct shows them).  #GP never goes
 * direct: the Host must see it first (port I/O, emulation).
 *
 * Kernel arguments choose what runs: "gates=interrupt" or "gates=trap"
 * (default: both, in that order), and "int_0x1f" for the one case that is
 * not a CPU exception of its own, alone.
 *
 * For every trap the handler records the frame and the soft interrupt
 * flag; guest_main() checks them and prints one line per case.  What a
 * frame must hold (docs/lguest-4.4-abi.md 4.2):
 *
 *   from ring 1: EIP, CS (0x61), EFLAGS [, error code], on the stack we
 *                were using;
 *   from ring 3: SS (0x7B), ESP, EFLAGS, CS (0x73), EIP [, error code],
 *                on the stack we gave the Host with SET_STACK, ending at
 *                its top.
 *
 * EIP is the faulting instruction for a fault (#DE, #UD, #GP) and the next
 * one for a trap (#BP).  EFLAGS has the carry flag every case sets, and IF
 * (our soft flag was on; a direct trap always pushes IF set).
 */
#include "guest.h"
#include "traps.h"
#include "user.h"

#define X86_EFLAGS_CF	0x001
#define X86_EFLAGS_FIXED 0x002
#define X86_EFLAGS_TF	0x100
#define X86_EFLAGS_NT	0x4000
#define X86_EFLAGS_VM	0x20000

/* cases.S */
#define DECLARE_CASE(name)						\
	extern void k_##name(void);					\
	extern char k_##name##_insn[], k_##name##_resume[];		\
	extern char u_##name[], u_##name##_insn[]
DECLARE_CASE(divide);
DECLARE_CASE(ud2);
DECLARE_CASE(int3);
DECLARE_CASE(selector);
extern char u_int_0x1f[], u_int_0x1f_insn[];
extern char user_stack_top[];
extern u32 kernel_fault_esp;

struct fault_case {
	const char *name;
	unsigned int vector;
	u32 error_code;
	u32 eip_offset;		/* saved EIP - faulting instruction */
	void (*kernel_entry)(void);	/* NULL: ring 3 only */
	const char *kernel_insn, *kernel_resume;
	const char *user_entry, *user_insn;
};

#define CASE(name, text, vector, error, offset)				\
	{ text, vector, error, offset, k_##name, k_##name##_insn,	\
	  k_##name##_resume, u_##name, u_##name##_insn }

static const struct fault_case cases[] = {
	CASE(divide, "#DE divl by zero", 0, 0, 0),
	CASE(ud2, "#UD ud2", 6, 0, 0),
	CASE(int3, "#BP int3", 3, 0, 1),
	CASE(selector, "#GP mov 0x1233 to %ds", 13, 0x1230, 0),
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* Ring 3 only, run alone ("int_0x1f"). */
static const struct fault_case int_0x1f_case = {
	"#GP int $0x1f", 13, 0xFA, 0, NULL, NULL, NULL, u_int_0x1f, u_int_0x1f_insn
};

/* The stack for traps from ring 3. */
static u8 kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define KERNEL_STACK_TOP ((u32)kernel_stack + sizeof(kernel_stack))

/* What the handler saw. */
static const struct fault_case *running;
static struct {
	unsigned int traps;
	struct lg_trap_frame frame;
	u32 frame_end;		/* the address just above the Host's frame */
	u32 irq_enabled;	/* lguest_data.irq_enabled in the handler */
} seen;

static void on_fault(struct lg_trap_frame *frame)
{
	bool from_user = (frame->cs & 3) == 3;

	seen.irq_enabled = READ_ONCE(lguest_data.irq_enabled);
	seen.traps++;
	/* From ring 1 the last two fields are not the frame's: harmless. */
	seen.frame = *frame;
	seen.frame_end = from_user ? (u32)(&frame->user_ss + 1) : (u32)(&frame->eflags + 1);
	if (!running)
		lg_panic("unexpected trap %u at %08x", frame->vector, frame->eip);
	if (from_user)
		lg_user_return(0);
	frame->eip = (u32)running->kernel_resume;
}

static unsigned int failures;

static void fail(const char *what, u32 got, u32 want)
{
	lg_printf(" FAILED: %s is 0x%x, expected 0x%x", what, got, want);
	failures++;
}

static void check(const char *what, u32 got, u32 want)
{
	if (got != want)
		fail(what, got, want);
}

static void run_case(const struct fault_case *c, unsigned int ring, unsigned int gate)
{
	const struct lg_trap_frame *f = &seen.frame;
	unsigned int before = failures;
	const char *insn = ring == 3 ? c->user_insn : c->kernel_insn;
	u32 want_flags = X86_EFLAGS_CF | X86_EFLAGS_FIXED | X86_EFLAGS_IF;

	lg_printf("ring %u, %-9s gate: %-22s", ring,
		  gate == LG_GATE_TRAP ? "trap" : "interrupt", c->name);
	memset(&seen, 0, sizeof(seen));
	running = c;
	if (ring == 3)
		lg_run_user((u32)c->user_entry, (u32)user_stack_top);
	else
		c->kernel_entry();
	running = NULL;

	check("number of traps", seen.traps, 1);
	check("vector", f->vector, c->vector);
	check("error code", f->error_code, c->error_code);
	check("eip", f->eip, (u32)insn + c->eip_offset);
	check("cs", f->cs & 0xFFFF, ring == 3 ? LG_USER_CS : LG_KERNEL_CS);
	check("eflags CF|1|IF", f->eflags & want_flags, want_flags);
	check("eflags TF|NT|VM", f->eflags & (X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_VM), 0);
	if (ring == 3) {
		check("ss", f->user_ss & 0xFFFF, LG_USER_DS);
		check("esp", f->user_esp, (u32)user_stack_top);
		check("frame end (SET_STACK top)", seen.frame_end, KERNEL_STACK_TOP);
	} else {
		check("frame end (our esp)", seen.frame_end, kernel_fault_esp);
	}
	/* An interrupt gate turns our soft interrupt flag off, a trap gate not. */
	check("irq_enabled in handler", seen.irq_enabled,
	      gate == LG_GATE_INTERRUPT ? 0 : X86_EFLAGS_IF);
	lg_printf(failures == before ? " ok\n" : "\n");
}

static void set_gates(unsigned int type)
{
	/* int3 must be allowed from ring 3 (Linux: DPL 3); the others are
	 * raised by the CPU, for which the DPL does not matter. */
	lg_set_gate(0, type, 1);
	lg_set_gate(3, type, 3);
	lg_set_gate(6, type, 1);
	lg_set_gate(13, type, 1);
}

void guest_main(void)
{
	static const unsigned int gates[] = { LG_GATE_INTERRUPT, LG_GATE_TRAP };
	bool interrupt_gates = !lg_cmdline_has("gates=trap");
	bool trap_gates = !lg_cmdline_has("gates=interrupt");
	unsigned int g, i, n = 0;

	lg_traps_init();
	lg_set_trap_handler(0, on_fault);
	lg_set_trap_handler(3, on_fault);
	lg_set_trap_handler(6, on_fault);
	lg_set_trap_handler(13, on_fault);
	lg_user_init();
	lg_set_stack(KERNEL_STACK_TOP, 2);
	/* Soft interrupts on: no line is unmasked, so none will come. */
	lg_irq_enable();

	for (g = 0; g < 2; g++) {
		if (!(gates[g] == LG_GATE_INTERRUPT ? interrupt_gates : trap_gates))
			continue;
		set_gates(gates[g]);
		if (lg_cmdline_has("int_0x1f")) {
			run_case(&int_0x1f_case, 3, gates[g]);
			n++;
			continue;
		}
		for (i = 0; i < NR_CASES; i++) {
			run_case(&cases[i], 1, gates[g]);
			run_case(&cases[i], 3, gates[g]);
			n += 2;
		}
	}
	if (failures)
		lg_panic("%u of the checks on %u traps failed", failures, n);
	lg_printf("exceptions guest: %u traps, all reflected correctly\n", n);
}
