/*
 * mmio.h - emulating the instruction behind an MMIO exit (pending trap 14;
 * lguest-4.4-abi.md §9.10).
 *
 * The Host tells us the guest-physical address and hands us the first 7
 * bytes at the Guest's EIP.  We decode them with Capstone into one plain
 * access — a load of 1, 2 or 4 bytes into a register (mov, movzx, movsx),
 * or a store of a register or an immediate (mov) — with any addressing
 * mode: the address is the Host's, so only the instruction's length and
 * its register or immediate matter, and Capstone gives the true length
 * (4.4's hand decoder got it wrong for SIB bytes and disp32).
 *
 * Decoding is a pure function of the bytes; mmio__emulate() then performs
 * the access on the device and updates the Guest's registers through
 * callbacks, so both are tested without a Host.
 */
#ifndef LAUNCHER_MMIO_H
#define LAUNCHER_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <capstone.h>

struct mmio_region;

/* A general register, or part of one, as lguest_getreg() offsets name it. */
struct mmio_register {
	unsigned offset; /* LG_REG_EAX, ... */
	unsigned shift;  /* 8 for AH, CH, DH, BH; else 0 */
	unsigned width;  /* bytes: 1, 2 or 4 */
};

enum mmio_extend {
	MMIO_EXTEND_NONE, /* mov: the register is as wide as the access */
	MMIO_EXTEND_ZERO, /* movzx */
	MMIO_EXTEND_SIGN, /* movsx */
};

struct mmio_access {
	unsigned length; /* instruction bytes: EIP moves on by this */
	unsigned size;   /* bytes accessed: 1, 2 or 4 */
	bool write;
	/* A store of an immediate (write only); otherwise reg is the operand. */
	bool immediate;
	uint32_t value;  /* the immediate */
	struct mmio_register reg;
	enum mmio_extend extend; /* loads only */
};

struct mmio_decoder {
	csh capstone;
};

/* -1 with a reason in err[] if Capstone cannot be opened. */
int mmio_decoder__open(struct mmio_decoder *decoder, char *err, size_t errlen);
void mmio_decoder__close(struct mmio_decoder *decoder);

/* Decode insn[0..len): 0, or -1 if it is not an access we emulate. */
int mmio__decode(const struct mmio_decoder *decoder, const uint8_t *insn,
		 size_t len, struct mmio_access *access);

/* Reach the Guest's registers: lguest_getreg() and lguest_setreg(). */
struct mmio_registers {
	void *opaque;
	int (*get)(void *opaque, unsigned offset, uint32_t *value);
	int (*set)(void *opaque, unsigned offset, uint32_t value);
};

/*
 * Perform a decoded access at guest-physical `addr` on the region that
 * holds it, then move EIP past the instruction.  A load's result goes into
 * its register, leaving the register's other bytes as they were.  0, or
 * -1 if the registers could not be read or written.
 */
int mmio__emulate(const struct mmio_access *access,
		  const struct mmio_region *region, uint32_t addr,
		  const struct mmio_registers *regs);

/* "mov al, byte ptr [eax]" for messages; "(undecodable)" if it is not. */
void mmio__describe(const struct mmio_decoder *decoder, const uint8_t *insn,
		    size_t len, char *buf, size_t buflen);

#endif /* LAUNCHER_MMIO_H */
