/*
 * fake_shim.c - src/core/shim.h on plain memory, with a scripted CPU.
 * See fake_shim.h for the contracts it keeps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_shim.h"

struct fake_shim_settings fake_next;
unsigned int fake_pages_live_at_destroy;

struct fake_shim *fake_of(struct lguest *lg)
{
	return lg->sim;
}

static void violation(struct fake_shim *f, const char *what, u32 value)
{
	if (!f->violations)
		snprintf(f->violation, sizeof(f->violation), "%s (%#x)", what,
			 value);
	f->violations++;
}

/* ---- Guest memory ---- */

static bool in_ram(const struct lguest *lg, u32 gpa, u32 len)
{
	return (u64)gpa + len <= (u64)lg->pfn_limit * PAGE_SIZE;
}

bool shim_guest_read(struct lguest *lg, u32 gpa, void *buf, u32 len)
{
	if (!in_ram(lg, gpa, len))
		return false;
	memcpy(buf, lg->mem_base + gpa, len);
	return true;
}

bool shim_guest_write(struct lguest *lg, u32 gpa, const void *buf, u32 len)
{
	if (!in_ram(lg, gpa, len))
		return false;
	memcpy(lg->mem_base + gpa, buf, len);
	return true;
}

/* ---- Host pages ---- */

static bool page_index(const struct fake_shim *f, u32 phys, u32 *idx)
{
	if (phys < FAKE_HOST_PHYS_BASE || (phys & (PAGE_SIZE - 1)) ||
	    (phys - FAKE_HOST_PHYS_BASE) / PAGE_SIZE >= FAKE_HOST_PAGES)
		return false;
	*idx = (phys - FAKE_HOST_PHYS_BASE) / PAGE_SIZE;
	return f->live[*idx];
}

unsigned int fake_live_pages(struct lguest *lg)
{
	struct fake_shim *f = fake_of(lg);
	unsigned int i, n = 0;

	for (i = 0; i < FAKE_HOST_PAGES; i++)
		n += f->live[i];
	return n;
}

void *shim_alloc_page(struct lguest *lg, u32 *phys)
{
	struct fake_shim *f = fake_of(lg);
	u32 i;

	if (!f)
		return NULL;
	if (fake_live_pages(lg) >= f->page_limit) {
		f->failed_allocs++;
		return NULL;
	}
	for (i = 0; i < FAKE_HOST_PAGES; i++) {
		if (!f->live[i]) {
			u8 *p = f->pool + (size_t)i * PAGE_SIZE;

			f->live[i] = true;
			f->allocs++;
			memset(p, 0, PAGE_SIZE);
			*phys = FAKE_HOST_PHYS_BASE + i * PAGE_SIZE;
			return p;
		}
	}
	f->failed_allocs++;
	return NULL;
}

void shim_free_page(struct lguest *lg, u32 phys)
{
	struct fake_shim *f = fake_of(lg);
	u32 idx;

	if (!f)
		return;
	if (!page_index(f, phys, &idx)) {
		f->bad_frees++;
		violation(f, "free of a page that is not live", phys);
		return;
	}
	f->live[idx] = false;
	f->frees++;
	/* Poison: a Host still using the page reads nonsense. */
	memset(f->pool + (size_t)idx * PAGE_SIZE, 0xA5, PAGE_SIZE);
}

void *shim_page(struct lguest *lg, u32 phys)
{
	struct fake_shim *f = fake_of(lg);
	u32 idx;

	if (!f || !page_index(f, phys, &idx))
		return NULL;
	return f->pool + (size_t)idx * PAGE_SIZE;
}

/* ---- Creation ---- */

int shim_switcher_create(struct lguest *lg)
{
	struct fake_shim *f;
	int err = fake_next.create_error;
	unsigned int limit = fake_next.page_limit;

	memset(&fake_next, 0, sizeof(fake_next));
	if (err) {
		snprintf(lg->error, sizeof(lg->error), "fake switcher refused: %d",
			 err);
		return err;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->pool = aligned_alloc(PAGE_SIZE, (size_t)FAKE_HOST_PAGES * PAGE_SIZE);
	if (!f->pool) {
		free(f);
		return -ENOMEM;
	}
	memset(f->pool, 0xA5, (size_t)FAKE_HOST_PAGES * PAGE_SIZE);
	f->lg = lg;
	f->page_limit = limit ? limit : FAKE_HOST_PAGES;
	/* The contract: memory is known before the CPU is built. */
	if (!lg->mem_base || !lg->pfn_limit || lg->device_limit < lg->pfn_limit)
		violation(f, "switcher created before guest memory", lg->pfn_limit);
	lg->sim = f;
	return 0;
}

void shim_switcher_destroy(struct lguest *lg)
{
	struct fake_shim *f = fake_of(lg);

	if (!f)
		return;
	fake_pages_live_at_destroy = fake_live_pages(lg);
	free(f->pool);
	free(f);
	lg->sim = NULL;
}

/* ---- Time, kicks, TLB ---- */

u64 shim_clock_ns(struct lguest *lg)
{
	return fake_of(lg)->clock_ns;
}

void shim_wallclock(struct lguest *lg, u32 *sec, u32 *nsec)
{
	*sec = fake_of(lg)->wall_sec;
	*nsec = fake_of(lg)->wall_nsec;
}

u32 shim_tsc_khz(struct lguest *lg)
{
	return fake_of(lg)->tsc_khz;
}

void shim_timer_arm(struct lg_cpu *cpu, u64 deadline_ns)
{
	struct fake_shim *f = fake_of(cpu->lg);

	f->timer_deadline = deadline_ns;
	f->timer_arms++;
}

void shim_kick(struct lg_cpu *cpu)
{
	struct fake_shim *f = fake_of(cpu->lg);

	if (!f)
		return;
	f->kicks++;
	f->kick_pending = true;
}

/*
 * Nothing else can happen while we "sleep", so: a pending kick wakes us at
 * once; a deadline moves the clock to it; with neither we would sleep for
 * ever, so we ask the run loop to break out (lguest_run gives -EINTR).
 */
void shim_wait(struct lg_cpu *cpu, u64 deadline_ns)
{
	struct fake_shim *f = fake_of(cpu->lg);

	f->waits++;
	f->last_wait_deadline = deadline_ns;
	if (f->kick_pending) {
		f->kick_pending = false;
		return;
	}
	if (deadline_ns) {
		if (f->clock_ns < deadline_ns)
			f->clock_ns = deadline_ns;
		return;
	}
	f->waits_forever++;
	__atomic_store_n(&cpu->break_out, true, __ATOMIC_SEQ_CST);
}

/* Recorded: the last range a device wrote, and how many calls. */
void shim_code_written(struct lguest *lg, u32 gpa, u32 len)
{
	struct fake_shim *f = fake_of(lg);

	if (!f)
		return;
	f->code_written_calls++;
	f->code_written_gpa = gpa;
	f->code_written_len = len;
}

void shim_flush_tlb(struct lg_cpu *cpu)
{
	struct fake_shim *f = fake_of(cpu->lg);

	if (f)
		f->tlb_flushes++;
}

/* ---- The script ---- */

static unsigned int add_step(struct lguest *lg, const struct fake_step *s)
{
	struct fake_shim *f = fake_of(lg);

	if (f->nr_steps == FAKE_MAX_STEPS) {
		fprintf(stderr, "fake_shim: script longer than %u steps\n",
			FAKE_MAX_STEPS);
		abort();
	}
	f->steps[f->nr_steps] = *s;
	f->steps[f->nr_steps].outcome = FAKE_NOT_RUN;
	return f->nr_steps++;
}

unsigned int fake_hcall(struct lguest *lg, u32 nr, u32 a1, u32 a2, u32 a3,
			u32 a4)
{
	struct fake_step s = { .kind = FAKE_HCALL, .args = { nr, a1, a2, a3, a4 } };

	return add_step(lg, &s);
}

unsigned int fake_int(struct lguest *lg, u32 vector)
{
	struct fake_step s = { .kind = FAKE_INT, .vector = vector };

	return add_step(lg, &s);
}

unsigned int fake_exception(struct lguest *lg, u32 vector, u32 errcode)
{
	struct fake_step s = { .kind = FAKE_EXCEPTION, .vector = vector,
			       .errcode = errcode };

	return add_step(lg, &s);
}

unsigned int fake_page_fault(struct lguest *lg, u32 cr2, u32 errcode)
{
	struct fake_step s = { .kind = FAKE_EXCEPTION, .vector = 14,
			       .errcode = errcode, .cr2 = cr2 };

	return add_step(lg, &s);
}

unsigned int fake_access(struct lguest *lg, u32 vaddr, bool write)
{
	struct fake_step s = { .kind = FAKE_ACCESS, .vaddr = vaddr, .write = write };

	return add_step(lg, &s);
}

unsigned int fake_kick(struct lguest *lg)
{
	struct fake_step s = { .kind = FAKE_KICK };

	return add_step(lg, &s);
}

unsigned int fake_call(struct lguest *lg, fake_guest_fn fn, void *arg)
{
	struct fake_step s = { .kind = FAKE_CALL, .fn = fn, .arg = arg };

	return add_step(lg, &s);
}

struct fake_step *fake_step(struct lguest *lg, unsigned int idx)
{
	return &fake_of(lg)->steps[idx];
}

/* ---- The CPU's view of the shadow tables ---- */

u32 fake_shadow_pde(struct lguest *lg, u32 cr3, u32 vaddr)
{
	u32 *pgdir = shim_page(lg, cr3);

	return pgdir ? pgdir[vaddr >> 22] : 0;
}

u32 fake_shadow_pte(struct lguest *lg, u32 cr3, u32 vaddr)
{
	u32 pde = fake_shadow_pde(lg, cr3, vaddr);
	u32 *ptes;

	if (!(pde & 1))
		return 0;
	ptes = shim_page(lg, pde & PAGE_MASK);
	if (!ptes) {
		violation(fake_of(lg), "shadow PDE points at a dead page", pde);
		return 0;
	}
	return ptes[(vaddr >> 12) & 1023];
}

/*
 * The 2-level walk with CR0.WP set: a write needs RW at both levels even
 * at ring 1, a user access needs U at both.  Error code bits as the CPU
 * sets them: P (the page was present: a protection fault), W, U.
 */
bool fake_translate(struct lguest *lg, u32 cr3, u32 vaddr, bool write,
		    bool user, u32 *gpa, u32 *errcode)
{
	u32 pde = fake_shadow_pde(lg, cr3, vaddr), pte = 0, need = 1;

	*errcode = (write ? 2u : 0u) | (user ? 4u : 0u);
	if (pde & 1)
		pte = fake_shadow_pte(lg, cr3, vaddr);
	if (!(pde & 1) || !(pte & 1))
		return false;
	if (write)
		need |= 2;
	if (user)
		need |= 4;
	if ((pde & need) != need || (pte & need) != need) {
		*errcode |= 1;
		return false;
	}
	*gpa = (pte & PAGE_MASK) | (vaddr & ~PAGE_MASK);
	if (vaddr < SWITCHER_ADDR && !in_ram(lg, *gpa & PAGE_MASK, PAGE_SIZE))
		violation(fake_of(lg), "shadow maps a page outside guest RAM", pte);
	return true;
}

/* ---- Running the Guest ---- */

static void leave(struct lg_cpu *cpu, struct fake_step *s, u32 trapnum,
		  u32 errcode)
{
	cpu->regs.trapnum = trapnum;
	cpu->regs.errcode = errcode;
	s->outcome = FAKE_EXITED;
	s->exit_trapnum = trapnum;
	s->exit_errcode = errcode;
}

static bool push_shadow(struct lg_cpu *cpu, u32 *esp, u32 val)
{
	u32 gpa, err;

	*esp -= 4;
	if (!fake_translate(cpu->lg, cpu->shadow_cr3, *esp, true, false, &gpa,
			    &err))
		return false;
	if (!in_ram(cpu->lg, gpa, 4))
		return false;
	memcpy(cpu->lg->mem_base + gpa, &val, 4);
	return true;
}

/*
 * A gate into the Guest: the CPU pushes the frame and jumps, no Host.
 * Same rules as the Switcher simulation: a ring-1 code segment, the TSS
 * ring-1 stack from ring 3, every push through the shadow tables.  False
 * if the CPU could not do it (then the Host gets the trap).
 */
static bool deliver_direct(struct lg_cpu *cpu, u32 vec, u32 errcode,
			   bool push_errcode, const struct desc_struct *gate)
{
	struct lguest_ro_state *state = cpu->lg->pages;
	struct lguest_regs *r = &cpu->regs;
	u32 sel = gate_selector(gate), ss, esp;
	const struct desc_struct *code;
	int cpl = (int)(r->cs & 3);

	if ((sel >> 3) >= GDT_ENTRIES)
		return false;
	code = &state->guest_gdt[sel >> 3];
	if (!desc_present(code) || desc_dpl(code) != GUEST_PL || !(code->b & 0x800))
		return false;
	if (cpl == 3) {
		ss = state->guest_tss.ss1;
		esp = state->guest_tss.esp1;
		if ((ss & 3) != GUEST_PL || !push_shadow(cpu, &esp, r->ss) ||
		    !push_shadow(cpu, &esp, r->esp))
			return false;
	} else {
		ss = r->ss;
		esp = r->esp;
	}
	if (!push_shadow(cpu, &esp, r->eflags) || !push_shadow(cpu, &esp, r->cs) ||
	    !push_shadow(cpu, &esp, r->eip))
		return false;
	if (push_errcode && !push_shadow(cpu, &esp, errcode))
		return false;
	r->ss = ss;
	r->esp = esp;
	r->cs = (sel & ~3u) | GUEST_PL;
	r->eip = gate_offset(gate);
	r->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_VM | X86_EFLAGS_RF | X86_EFLAGS_NT);
	fake_of(cpu->lg)->direct[vec]++;
	/* The Switcher counts what it delivers itself (lguest_print_stats). */
	cpu->stats.traps_direct[vec]++;
	return true;
}

/* Vector vec through the real IDT.  True if the CPU left the Guest. */
static bool vector(struct lg_cpu *cpu, struct fake_step *s, u32 vec,
		   u32 errcode, bool software)
{
	const struct desc_struct *gate = &cpu->lg->pages->guest_idt[vec];

	if (!desc_present(gate) || gate_selector(gate) == LGUEST_CS) {
		leave(cpu, s, vec, errcode);
		return true;
	}
	/* The CPU pushes no error code for a software "int n". */
	if (deliver_direct(cpu, vec, errcode, !software && has_err(vec), gate)) {
		s->outcome = FAKE_DIRECT;
		return false;
	}
	leave(cpu, s, vec, errcode);
	return true;
}

/* "int n" (2 bytes): the gate's DPL must admit the current ring. */
static bool software_int(struct lg_cpu *cpu, struct fake_step *s, u32 vec)
{
	const struct desc_struct *gate = &cpu->lg->pages->guest_idt[vec & 0xFF];

	if ((int)desc_dpl(gate) < (int)(cpu->regs.cs & 3)) {
		/* #GP at the int instruction: EIP not advanced. */
		leave(cpu, s, 13, (vec & 0xFF) * 8 + 2);
		return true;
	}
	cpu->regs.eip += 2;
	return vector(cpu, s, vec & 0xFF, 0, true);
}

static bool run_step(struct lg_cpu *cpu, struct fake_step *s)
{
	struct lguest_regs *r = &cpu->regs;
	u32 gpa, err;

	switch (s->kind) {
	case FAKE_HCALL:
		r->eax = s->args[0];
		r->ebx = s->args[1];
		r->ecx = s->args[2];
		r->edx = s->args[3];
		r->esi = s->args[4];
		return software_int(cpu, s, LGUEST_TRAP_ENTRY);
	case FAKE_INT:
		return software_int(cpu, s, s->vector);
	case FAKE_EXCEPTION:
		if (s->vector == 14)
			cpu->arch_cr2 = s->cr2;
		return vector(cpu, s, s->vector, s->errcode, false);
	case FAKE_ACCESS:
		if (fake_translate(cpu->lg, cpu->shadow_cr3, s->vaddr, s->write,
				   (r->cs & 3) == 3, &gpa, &err)) {
			s->outcome = FAKE_DONE;
			return false;
		}
		cpu->arch_cr2 = s->vaddr;
		return vector(cpu, s, 14, err, false);
	case FAKE_KICK:
		leave(cpu, s, LGUEST_TRAP_KICK, 0);
		return true;
	case FAKE_CALL:
		if (s->fn(cpu, s->arg)) {
			s->outcome = FAKE_EXITED;
			s->exit_trapnum = r->trapnum;
			s->exit_errcode = r->errcode;
			return true;
		}
		s->outcome = FAKE_DONE;
		return false;
	}
	return false;
}

/*
 * The promise of shadow paging: the CPU's tables never allow what the
 * Guest's own tables (or, in linear mode, the identity kernel mapping of
 * RAM) do not.  A shadow PTE may be present only over a present Guest PTE
 * for the same frame, in RAM; writable only if the Guest's PTE is writable
 * and already dirty (and the PDE writable); user only if both Guest levels
 * say user.
 */
static void check_shadow(struct lg_cpu *cpu, const u32 *spgdir)
{
	struct lguest *lg = cpu->lg;
	struct fake_shim *f = fake_of(lg);
	u32 gpgdir = lg->pgdirs[cpu->cpu_pgd].gpgdir;
	bool linear = cpu->linear_pages;
	u32 i, j;

	for (i = 0; i < SWITCHER_PGD_INDEX; i++) {
		const u32 *sptes;
		u32 gpde = 0x67;

		if (!(spgdir[i] & 1))
			continue;
		sptes = shim_page(lg, spgdir[i] & PAGE_MASK);
		if (!sptes) {
			violation(f, "shadow PDE points at a dead page", spgdir[i]);
			return;
		}
		if (!linear && (!shim_guest_read(lg, gpgdir + i * 4, &gpde, 4) ||
				!(gpde & 1))) {
			violation(f, "shadow PDE without a guest PDE", i << 22);
			return;
		}
		for (j = 0; j < 1024; j++) {
			u32 s = sptes[j], v = (i << 22) | (j << 12), g;

			if (!(s & 1))
				continue;
			if (linear)
				g = v | 0x63;
			else if (!shim_guest_read(lg, (gpde & PAGE_MASK) + j * 4, &g, 4))
				g = 0;
			if (!(g & 1) || (g & PAGE_MASK) != (s & PAGE_MASK) ||
			    !in_ram(lg, s & PAGE_MASK, PAGE_SIZE) ||
			    ((s & 2) && (!(g & 2) || !(g & 0x40) || !(gpde & 2))) ||
			    ((s & 4) && (linear || !(g & 4) || !(gpde & 4)))) {
				violation(f, "shadow grants more than the guest's tables", v);
				return;
			}
		}
	}
}

/* What the Switcher checks implicitly: CR3 is a shadow, and maps it. */
static void check_entry(struct lg_cpu *cpu)
{
	struct lguest *lg = cpu->lg;
	u32 pde;

	if (!shim_page(lg, cpu->shadow_cr3)) {
		violation(fake_of(lg), "entry with CR3 not a live host page",
			  cpu->shadow_cr3);
		return;
	}
	check_shadow(cpu, shim_page(lg, cpu->shadow_cr3));
	pde = fake_shadow_pde(lg, cpu->shadow_cr3, SWITCHER_ADDR);
	if ((pde & 1) == 0 || (pde & PAGE_MASK) != lg->switcher_pte_phys)
		violation(fake_of(lg), "entry without the Switcher mapped", pde);
	if (lg->pages->guest_tss.ss1 != cpu->ss1 ||
	    lg->pages->guest_tss.esp1 != cpu->esp1)
		violation(fake_of(lg), "entry with a stale TSS ring-1 stack",
			  lg->pages->guest_tss.esp1);
}

void shim_run_guest(struct lg_cpu *cpu)
{
	struct fake_shim *f = fake_of(cpu->lg);
	struct lguest_regs *r = &cpu->regs;

	f->entries++;
	if (f->entries <= FAKE_MAX_ENTRIES) {
		struct fake_entry *e = &f->entry_log[f->entries - 1];

		e->regs = *r;
		e->shadow_cr3 = cpu->shadow_cr3;
		e->ts = cpu->ts;
		e->irq_enabled = 0;
		if (cpu->lg->lguest_data)
			shim_guest_read(cpu->lg, cpu->lg->lguest_data + LGD_IRQ_ENABLED,
					&e->irq_enabled, 4);
	}
	check_entry(cpu);

	r->trapnum = 0;
	r->errcode = 0;
	/* As the Switcher does: a kick that came first ends the run at once. */
	if (f->kick_pending) {
		f->kick_pending = false;
		f->kick_exits++;
		r->trapnum = LGUEST_TRAP_KICK;
		return;
	}
	while (f->next_step < f->nr_steps) {
		struct fake_step *s = &f->steps[f->next_step++];

		s->entry = f->entries;
		if (run_step(cpu, s))
			return;
	}
	/* Nothing more to play: stop the run loop (lguest_run: -EINTR). */
	f->script_ends++;
	r->trapnum = LGUEST_TRAP_KICK;
	__atomic_store_n(&cpu->break_out, true, __ATOMIC_SEQ_CST);
}
