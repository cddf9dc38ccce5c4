/*
 * gp_emulation.h - what to do with a #GP the Host hands to the Launcher
 * (pending trap 13; lguest-4.4-abi.md §9.10).
 *
 * Port I/O never arrives here (the Host calls port_io.c directly), so the
 * only instruction we emulate is a `cli` the Guest kernel executes outside
 * its paravirtualised paths: interrupts are the Host's business, so it is
 * skipped.  Everything else, and anything from Guest user mode, goes back
 * to the Guest as the #GP it was.
 */
#ifndef LAUNCHER_GP_EMULATION_H
#define LAUNCHER_GP_EMULATION_H

#include <stddef.h>
#include <stdint.h>

#include <capstone.h>

struct gp_emulator {
	csh capstone;
};

enum gp_action {
	GP_REFLECT, /* give the Guest its #GP */
	GP_SKIP,    /* done: advance EIP by `length` */
};

struct gp_decision {
	enum gp_action action;
	unsigned length;
};

/* -1 with a reason in err[] if Capstone cannot be opened. */
int gp_emulator__open(struct gp_emulator *emulator, char *err, size_t errlen);
void gp_emulator__close(struct gp_emulator *emulator);

/*
 * Decide from the instruction bytes at the faulting EIP and the Guest's CS
 * at the time of the fault.
 */
struct gp_decision gp_emulator__decide(const struct gp_emulator *emulator,
				       const uint8_t *insn, size_t len,
				       uint32_t cs);

#endif /* LAUNCHER_GP_EMULATION_H */
