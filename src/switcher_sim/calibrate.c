/*
 * calibrate.c - the start-up self-test.
 *
 * The Switcher simulation relies on facts about Unicorn that its API does
 * not promise: where the CPL, the last error code and the "exception in
 * flight" marker sit inside a saved context (they move between versions:
 * the context header is 16 bytes in 2.0.1, 20 in 2.1.1, 40 in 2.1.4), that
 * paging really translates, that in/out reach our hooks, and that resetting
 * the exception marker cures the spurious #DF (unicorn issue #1883).
 *
 * We find the offsets by running small programs on a scratch engine and
 * comparing saved contexts, then check each assumption.  If one fails we
 * refuse to run, naming the Unicorn version, rather than misbehave later.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim.h"

#define SCRATCH_RAM (4u << 20)
#define S_GDT 0x1000u
#define S_PGDIR 0x2000u
#define S_PTES 0x3000u	/* one page table: 4 MiB identity */
#define S_STACK0 0x8000u
#define S_STACK1 0x9000u
#define S_STACK3 0xA000u
#define S_IRET 0x10000u
#define S_CODE1 0x11000u
#define S_CODE3 0x12000u
#define S_PF 0x13000u
#define S_GPF 0x14000u
#define S_IO 0x15000u
#define S_XLATE 0x16000u
#define S_CPUID 0x17000u
#define S_RO_PAGE 0x50000u
#define S_ALIAS_V 0x00300000u /* virtual page mapped to S_ALIAS_P */
#define S_ALIAS_P 0x00051000u

struct scratch {
	uc_engine *uc;
	uc_context *ctx;
	u8 *ram;
	size_t ctx_size;
	int vector;
	u32 eip;
	u32 in_port;
};

static void s_intr(uc_engine *uc, uint32_t intno, void *data)
{
	struct scratch *s = data;

	s->vector = (int)intno;
	uc_reg_read(uc, UC_X86_REG_EIP, &s->eip);
	uc_emu_stop(uc);
}

static uint32_t s_in(uc_engine *uc, uint32_t port, int size, void *data)
{
	struct scratch *s = data;

	(void)uc;
	(void)size;
	s->in_port = port;
	return 0x5A5AA5A5;
}

static void put32(u8 *ram, u32 addr, u32 val)
{
	memcpy(ram + addr, &val, 4);
}

static u32 get32(const u8 *p, size_t off)
{
	u32 v;

	memcpy(&v, p + off, 4);
	return v;
}

static void s_segment(struct scratch *s, unsigned int idx, u32 type, u32 dpl)
{
	put32(s->ram, S_GDT + idx * 8, 0x0000FFFF);
	put32(s->ram, S_GDT + idx * 8 + 4,
	      0x00CF0000 | 0x8000 | (dpl << 13) | 0x1000 | (type << 8) | 0x100);
}

static u8 *s_save(struct scratch *s)
{
	u8 *blob = malloc(s->ctx_size);

	if (!blob)
		return NULL;
	uc_context_save(s->uc, s->ctx);
	memcpy(blob, (u8 *)s->ctx, s->ctx_size);
	return blob;
}

static void s_restore(struct scratch *s, const u8 *blob)
{
	memcpy((u8 *)s->ctx, blob, s->ctx_size);
	uc_context_restore(s->uc, s->ctx);
}

static int s_run(struct scratch *s, u32 eip)
{
	s->vector = -1;
	return uc_emu_start(s->uc, eip, 0, 0, 0);
}

/* Enter code at (cs, eip) on stack (ss, esp) from ring 0 by iret. */
static int s_iret_to(struct scratch *s, u32 eip, u32 cs, u32 esp, u32 ss)
{
	u32 frame[5] = { eip, cs, 0x202, esp, ss };
	u32 sp = S_STACK0 - sizeof(frame);

	memcpy(s->ram + sp, frame, sizeof(frame));
	uc_reg_write(s->uc, UC_X86_REG_ESP, &sp);
	return s_run(s, S_IRET);
}

static bool s_setup(struct scratch *s)
{
	u32 v, i;
	uc_x86_mmr gdtr = { 0, S_GDT, 32 * 8 - 1, 0 };

	memset(s, 0, sizeof(*s));
	s->ram = mmap(NULL, SCRATCH_RAM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->ram == MAP_FAILED) {
		s->ram = NULL;
		return false;
	}
	if (uc_open(UC_ARCH_X86, UC_MODE_32, &s->uc) != UC_ERR_OK)
		return false;
	if (uc_mem_map_ptr(s->uc, 0, SCRATCH_RAM, UC_PROT_ALL, s->ram) != UC_ERR_OK)
		return false;
	s_segment(s, 1, 0xB, 0);
	s_segment(s, 2, 0x3, 0);
	s_segment(s, 12, 0xB, 1);
	s_segment(s, 13, 0x3, 1);
	s_segment(s, 14, 0xB, 3);
	s_segment(s, 15, 0x3, 3);
	put32(s->ram, S_PGDIR, S_PTES | 7);
	for (i = 0; i < 1024; i++)
		put32(s->ram, S_PTES + i * 4, (i << 12) | 7);
	put32(s->ram, S_PTES + (S_RO_PAGE >> 12) * 4, S_RO_PAGE | 5);
	put32(s->ram, S_PTES + (S_ALIAS_V >> 12) * 4, S_ALIAS_P | 7);

	uc_reg_write(s->uc, UC_X86_REG_GDTR, &gdtr);
	v = S_PGDIR;
	uc_reg_write(s->uc, UC_X86_REG_CR3, &v);
	v = 0x600;
	uc_reg_write(s->uc, UC_X86_REG_CR4, &v);
	v = 0x80050033;
	uc_reg_write(s->uc, UC_X86_REG_CR0, &v);
	v = 0x10;
	uc_reg_write(s->uc, UC_X86_REG_SS, &v);
	uc_reg_write(s->uc, UC_X86_REG_DS, &v);
	uc_reg_write(s->uc, UC_X86_REG_ES, &v);
	v = 0x08;
	uc_reg_write(s->uc, UC_X86_REG_CS, &v);

	s->ram[S_IRET] = 0xCF;				  /* iret */
	memcpy(s->ram + S_CODE1, "\xcd\x30", 2);	  /* int $0x30 */
	memcpy(s->ram + S_CODE3, "\xcd\x30", 2);
	/* movl $0x12345678, S_RO_PAGE: a write to a read-only page */
	memcpy(s->ram + S_PF, "\xc7\x05\x00\x00\x05\x00\x78\x56\x34\x12", 10);
	/* mov $0x100, %ax; mov %ax, %ds: a selector past the GDT limit */
	memcpy(s->ram + S_GPF, "\x66\xb8\x00\x01\x8e\xd8", 6);
	/* in $0x71, %al; int $0x30 */
	memcpy(s->ram + S_IO, "\xe4\x71\xcd\x30", 4);
	/* mov S_ALIAS_V, %eax; int $0x30 */
	memcpy(s->ram + S_XLATE, "\xa1\x00\x00\x30\x00\xcd\x30", 7);
	put32(s->ram, S_ALIAS_P, 0xC0FFEE11);
	/* mov $0x80000002, %eax; cpuid; int $0x30 */
	memcpy(s->ram + S_CPUID, "\xb8\x02\x00\x00\x80\x0f\xa2\xcd\x30", 9);

	if (uc_context_alloc(s->uc, &s->ctx) != UC_ERR_OK)
		return false;
	s->ctx_size = uc_context_size(s->uc);
	return true;
}

static void s_free(struct scratch *s)
{
	if (s->ctx)
		uc_context_free(s->ctx);
	if (s->uc)
		uc_close(s->uc);
	if (s->ram)
		munmap(s->ram, SCRATCH_RAM);
}

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, errlen, __VA_ARGS__);                            \
		goto out;                                                      \
	} while (0)

int sim_calibrate(struct sim_offsets *off, char *err, size_t errlen)
{
	struct scratch s;
	u8 *b0 = NULL, *b1 = NULL, *b3 = NULL, *pre = NULL, *post = NULL;
	uc_hook h1, h2, h3;
	size_t o, found = 0;
	int ret = -1;
	u32 v, eax;

	memset(off, 0, sizeof(*off));
	if (!s_setup(&s))
		FAIL("cannot create a scratch CPU");
	uc_hook_add(s.uc, &h1, UC_HOOK_INTR, (void *)s_intr, &s, 1, 0);
	uc_hook_add(s.uc, &h2, UC_HOOK_INSN, (void *)s_in, &s, 1, 0, UC_X86_INS_IN);
	uc_hook_add(s.uc, &h3, UC_HOOK_INSN, (void *)sim_hook_cpuid, &s, 1, 0,
		    UC_X86_INS_CPUID);
	off->ctx_size = s.ctx_size;

	/* 1. The CPL: contexts at ring 0, 1 and 3 differ in its two bits. */
	b0 = s_save(&s);
	if (s_iret_to(&s, S_CODE1, 0x61, S_STACK1, 0x69) || s.vector != 0x30)
		FAIL("iret to ring 1 did not work (vector %d)", s.vector);
	b1 = s_save(&s);
	s_restore(&s, b0);
	if (s_iret_to(&s, S_CODE3, 0x73, S_STACK3, 0x7B) || s.vector != 0x30)
		FAIL("iret to ring 3 did not work (vector %d)", s.vector);
	b3 = s_save(&s);
	if (!b0 || !b1 || !b3)
		FAIL("out of memory");
	for (o = 0; o + 4 <= s.ctx_size; o += 4) {
		u32 w0 = get32(b0, o), w1 = get32(b1, o), w3 = get32(b3, o);

		/* Selectors carry the CPL too, but differ in other bits. */
		if ((w0 & 3) == 0 && (w1 & 3) == 1 && (w3 & 3) == 3 &&
		    (w0 & ~3u) == (w1 & ~3u) && (w1 & ~3u) == (w3 & ~3u)) {
			off->hflags = o;
			found++;
		}
	}
	if (found != 1)
		FAIL("found %zu candidates for the CPL in a saved context", found);
	/* Check it: patch ring 1 to ring 3, then a ring-3 SS must load. */
	s_restore(&s, b1);
	uc_context_save(s.uc, s.ctx);
	v = get32((u8 *)s.ctx, off->hflags);
	v = (v & ~3u) | 3;
	memcpy((u8 *)s.ctx + off->hflags, &v, 4);
	uc_context_restore(s.uc, s.ctx);
	v = 0x7B;
	if (uc_reg_write(s.uc, UC_X86_REG_SS, &v) != UC_ERR_OK)
		FAIL("patching the CPL did not change it");

	/* 2. Error code, "is int", exception in flight: a #PF at ring 1. */
	s_restore(&s, b1);
	pre = s_save(&s);
	if (s_run(&s, S_PF) || s.vector != 14 || s.eip != S_PF)
		FAIL("write to a read-only page gave vector %d, not a page fault", s.vector);
	post = s_save(&s);
	if (!pre || !post)
		FAIL("out of memory");
	found = 0;
	for (o = 0; o + 4 <= s.ctx_size; o += 4) {
		if ((s32)get32(pre, o) == -1 && get32(post, o) == 14 && !off->old_exception)
			off->old_exception = o;
		if (get32(pre, o) != 3 && get32(post, o) == 3) {
			off->error_code = o;
			found++;
		}
	}
	if (!off->old_exception || found < 1)
		FAIL("cannot find the exception state in a saved context");
	if (found > 1) {
		/* Tell them apart with a #GP whose error code is 0x100. */
		size_t cand = 0;

		s_restore(&s, b1);
		if (s_run(&s, S_GPF) || s.vector != 13)
			FAIL("bad selector load gave vector %d, not #GP", s.vector);
		uc_context_save(s.uc, s.ctx);
		for (o = 0; o + 4 <= s.ctx_size; o += 4)
			if (get32(post, o) == 3 && get32(pre, o) != 3 &&
			    get32((u8 *)s.ctx, o) == 0x100)
				cand = cand ? cand : o;
		if (!cand)
			FAIL("cannot find the error code in a saved context");
		off->error_code = cand;
	}
	off->exception_is_int = off->error_code + 4;
	if (get32(post, off->exception_is_int) != 0)
		FAIL("the 'is int' flag is not where expected");
	s_restore(&s, b1);
	if (s_run(&s, S_CODE1) || s.vector != 0x30)
		FAIL("int $0x30 did not arrive");
	uc_context_save(s.uc, s.ctx);
	if (get32((u8 *)s.ctx, off->exception_is_int) != 1)
		FAIL("the 'is int' flag is not set after int $0x30");

	/* 3. Without the reset a second #PF arrives as #DF; with it, #PF. */
	s_restore(&s, post);
	if (s_run(&s, S_PF) || s.vector != 8)
		FAIL("no #DF escalation seen (vector %d): unknown behaviour", s.vector);
	s_restore(&s, post);
	uc_context_save(s.uc, s.ctx);
	v = 0xFFFFFFFF;
	memcpy((u8 *)s.ctx + off->old_exception, &v, 4);
	uc_context_restore(s.uc, s.ctx);
	if (s_run(&s, S_PF) || s.vector != 14)
		FAIL("resetting the exception state did not stop the #DF (vector %d)", s.vector);

	/* 4. Paging translates (2.0.x used the virtual address). */
	s_restore(&s, b1);
	if (s_run(&s, S_XLATE) || s.vector != 0x30)
		FAIL("paging test did not complete");
	uc_reg_read(s.uc, UC_X86_REG_EAX, &eax);
	if (eax != 0xC0FFEE11)
		FAIL("paging does not translate (read %#x)", eax);

	/* 5. in/out reach our hook and the value reaches the register. */
	s_restore(&s, b1);
	if (s_run(&s, S_IO) || s.vector != 0x30 || s.in_port != 0x71)
		FAIL("in did not reach the hook");
	uc_reg_read(s.uc, UC_X86_REG_EAX, &eax);
	if ((eax & 0xFF) != 0xA5)
		FAIL("the in hook's value did not reach AL");

	/* 6. Our cpuid hook answers and the instruction is skipped. */
	s_restore(&s, b1);
	if (s_run(&s, S_CPUID) || s.vector != 0x30)
		FAIL("cpuid did not complete");
	uc_reg_read(s.uc, UC_X86_REG_EAX, &eax);
	{
		u32 want[4];

		sim_cpuid(0x80000002, 0, want);
		if (eax != want[0])
			FAIL("the cpuid hook's answer did not reach EAX");
	}

	ret = 0;
out:
	free(b0);
	free(b1);
	free(b3);
	free(pre);
	free(post);
	s_free(&s);
	return ret;
}
