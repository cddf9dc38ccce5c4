/*
 * gp_emulation.c - decode the instruction behind a #GP with Capstone.
 */
#include "gp_emulation.h"

#include <stdio.h>

#define GUEST_KERNEL_RING 1

int gp_emulator__open(struct gp_emulator *emulator, char *err, size_t errlen)
{
	cs_err e = cs_open(CS_ARCH_X86, CS_MODE_32, &emulator->capstone);

	if (e != CS_ERR_OK) {
		snprintf(err, errlen, "cannot open the Capstone disassembler: %s",
			 cs_strerror(e));
		return -1;
	}
	return 0;
}

void gp_emulator__close(struct gp_emulator *emulator)
{
	cs_close(&emulator->capstone);
}

struct gp_decision gp_emulator__decide(const struct gp_emulator *emulator,
				       const uint8_t *insn, size_t len,
				       uint32_t cs)
{
	struct gp_decision decision = { GP_REFLECT, 0 };
	cs_insn *decoded;

	/* Only the Guest kernel gets help; Guest user mode gets its fault. */
	if ((cs & 3) != GUEST_KERNEL_RING)
		return decision;
	if (cs_disasm(emulator->capstone, insn, len, 0, 1, &decoded) != 1)
		return decision;
	if (decoded->id == X86_INS_CLI) {
		decision.action = GP_SKIP;
		decision.length = decoded->size;
	}
	cs_free(decoded, 1);
	return decision;
}
