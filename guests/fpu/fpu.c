/*
 * fpu.c - two tasks using the FPU, switched lazily with TS: no #NM
 * missed, no value leaked from one task to the other.
 *
 * Each task keeps values in XMM0 and ST0 and, at every step, checks the
 * registers still hold what it left there, then adds one (fpu_ops.S).  We
 * switch between the tasks the way a lazy-FPU kernel does:
 *
 *   switch_to(next):  if the FPU holds someone else's registers, ask the
 *                     Host for TS (LHCALL_TS 8);
 *   #NM handler:      LHCALL_TS 0, fxsave the owner's registers, fxrstor
 *                     the current task's, and it owns the FPU now.
 *
 * So the Host must reflect #NM (vector 7, no error code, EIP at the FPU
 * instruction) exactly when TS is set, and never when it is clear: a
 * missed #NM lets one task see the other's values, a spurious one is
 * counted.  The schedule "ABAABBAB" repeated ROUNDS times switches the
 * FPU to another task 6 times in 8 steps.
 */
#include "fpu.h"
#include "guest.h"
#include "traps.h"

#define ROUNDS	4
static const char schedule[] = "ABAABBAB";

struct fpu_regs {
	u32 xmm[4];
	u64 x87;
} __attribute__((packed));

struct task {
	char name;
	struct fpu_regs expected;	/* what its registers must hold */
	struct lg_fxstate saved;	/* its registers while it is not the owner */
};

/* fpu_ops.S */
void fpu_load(const struct fpu_regs *r);
void fpu_read(struct fpu_regs *r);
void fpu_bump(void);
extern char fpu_read_insn[];

static struct task tasks[2] = {
	{ 'A', { { 0xA0000000, 0xA1000000, 0xA2000000, 0xA3000000 }, 1000 }, { { 0 } } },
	{ 'B', { { 0xB0000000, 0xB1000000, 0xB2000000, 0xB3000000 }, 2000 }, { { 0 } } },
};
static struct task *current, *fpu_owner;
static unsigned int nm_traps;

static void on_nm(struct lg_trap_frame *frame)
{
	nm_traps++;
	if (frame->error_code != 0 || frame->eip != (u32)fpu_read_insn)
		lg_panic("#NM frame: error %x, eip %08x (expected %08x)", frame->error_code,
			 frame->eip, (u32)fpu_read_insn);
	if (fpu_owner == current)
		lg_panic("#NM for task %c, which owns the FPU", current->name);
	lg_set_ts(0);
	if (fpu_owner)
		lg_fxsave(&fpu_owner->saved);
	lg_fxrstor(&current->saved);
	fpu_owner = current;
}

static void switch_to(struct task *next)
{
	current = next;
	if (fpu_owner != next)
		lg_set_ts(1);
}

static void step(struct task *t, unsigned int n)
{
	struct fpu_regs got;
	unsigned int i;

	fpu_read(&got);
	if (memcmp(&got, &t->expected, sizeof(got)) != 0)
		lg_panic("step %u: task %c found xmm0 %08x.. st0 %u, expected %08x.. %u",
			 n, t->name, got.xmm[0], (u32)got.x87, t->expected.xmm[0],
			 (u32)t->expected.x87);
	fpu_bump();
	for (i = 0; i < 4; i++)
		t->expected.xmm[i]++;
	t->expected.x87++;
}

void guest_main(void)
{
	unsigned int round, i, n = 0, switches = 0;
	struct task *owner = NULL;
	unsigned int t;

	lg_traps_init();
	lg_set_trap_handler(LG_NM_VECTOR, on_nm);

	/* Each task's starting registers, as an fxsave image. */
	for (t = 0; t < 2; t++) {
		fpu_load(&tasks[t].expected);
		lg_fxsave(&tasks[t].saved);
	}
	lg_fninit();

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; schedule[i]; i++, n++) {
			struct task *next = &tasks[schedule[i] - 'A'];

			/* The FPU changes hands on this step if its owner is
			 * someone else (at the start: no one). */
			if (owner != next)
				switches++;
			owner = next;
			switch_to(next);
			step(next, n + 1);
		}
	}
	lg_printf("fpu guest: %u steps of tasks A and B, %u #NM for %u FPU switches\n",
		  n, nm_traps, switches);
	if (nm_traps != switches)
		lg_panic("%u #NM, expected %u", nm_traps, switches);
	lg_printf("fpu guest: no value leaked between the tasks\n");
}
