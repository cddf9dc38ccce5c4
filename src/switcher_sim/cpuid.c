/*
 * cpuid.c - the CPU the Guest sees.
 *
 * cpuid is unprivileged, so the Guest reads it without us; but each
 * Unicorn version answers differently (2.1.1: AMD family 6; 2.1.4: Intel
 * Haswell, which sends a 4.4 Guest built with the early microcode loader
 * into a raw rdmsr before it has an IDT).  Unicorn: we hook cpuid and give
 * one identity on every version: 2.1.1's answers (features its translator
 * really executes), with our own brand string and no hypervisor bit.  A
 * 4.4 Guest filters these further itself (family 5, no PSE, no MSR ...).
 */
#include <string.h>

#include "sim.h"

struct cpuid_leaf {
	u32 leaf, eax, ebx, ecx, edx;
};

/* "AuthenticAMD", family 6 model 6: no early microcode loading. */
static const struct cpuid_leaf cpuid_table[] = {
	{ 0x00000000, 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x00000001, 0x00000663, 0x00000800, 0x00002001, 0x078bfbfd },
	{ 0x00000002, 0x00000001, 0x00000000, 0x00000000, 0x002c307d },
	{ 0x00000004, 0x00000121, 0x01c0003f, 0x0000003f, 0x00000001 },
	{ 0x00000005, 0x00000000, 0x00000000, 0x00000003, 0x00000000 },
	{ 0x80000000, 0x80000008, 0x68747541, 0x444d4163, 0x69746e65 },
	{ 0x80000001, 0x00000663, 0x00000000, 0x00000005, 0x2193fbfd },
	/* "lguest-emu virtual CPU" */
	{ 0x80000002, 0x6575676c, 0x652d7473, 0x7620756d, 0x75747269 },
	{ 0x80000003, 0x43206c61, 0x00005550, 0x00000000, 0x00000000 },
	{ 0x80000004, 0x00000000, 0x00000000, 0x00000000, 0x00000000 },
	{ 0x80000005, 0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140 },
	{ 0x80000006, 0x00000000, 0x42004200, 0x02008140, 0x00000000 },
	{ 0x80000008, 0x00003028, 0x00000000, 0x00000000, 0x00000000 },
};

/* Fill regs[4] (EAX EBX ECX EDX) for a leaf (and subleaf). */
void sim_cpuid(u32 leaf, u32 subleaf, u32 regs[4])
{
	unsigned int i;

	memset(regs, 0, 4 * sizeof(u32));
	/* Leaf 4 describes caches: only subleaf 0 has one. */
	if (leaf == 4 && subleaf != 0)
		return;
	for (i = 0; i < sizeof(cpuid_table) / sizeof(cpuid_table[0]); i++) {
		if (cpuid_table[i].leaf == leaf) {
			regs[0] = cpuid_table[i].eax;
			regs[1] = cpuid_table[i].ebx;
			regs[2] = cpuid_table[i].ecx;
			regs[3] = cpuid_table[i].edx;
			return;
		}
	}
}

/* The UC_HOOK_INSN callback: answer and skip the instruction. */
int sim_hook_cpuid(uc_engine *uc, void *data)
{
	u32 leaf = 0, subleaf = 0, r[4];
	int ids[4] = { UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX,
		       UC_X86_REG_EDX };
	void *ptrs[4] = { &r[0], &r[1], &r[2], &r[3] };

	(void)data;
	uc_reg_read(uc, UC_X86_REG_EAX, &leaf);
	uc_reg_read(uc, UC_X86_REG_ECX, &subleaf);
	sim_cpuid(leaf, subleaf, r);
	uc_reg_write_batch(uc, ids, ptrs, 4);
	return 1;
}
