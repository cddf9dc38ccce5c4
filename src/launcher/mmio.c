/*
 * mmio.c - decode and perform the Guest's MMIO instructions.
 */
#include "mmio.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "lguest_user.h"
#include "machine.h"

int mmio_decoder__open(struct mmio_decoder *decoder, char *err, size_t errlen)
{
	cs_err e = cs_open(CS_ARCH_X86, CS_MODE_32, &decoder->capstone);

	if (e == CS_ERR_OK)
		e = cs_option(decoder->capstone, CS_OPT_DETAIL, CS_OPT_ON);
	if (e != CS_ERR_OK) {
		snprintf(err, errlen, "cannot open the Capstone disassembler: %s",
			 cs_strerror(e));
		return -1;
	}
	return 0;
}

void mmio_decoder__close(struct mmio_decoder *decoder)
{
	if (decoder->capstone)
		cs_close(&decoder->capstone);
}

/* Capstone's register to ours: which pt_regs slot, which bytes of it. */
static bool register_of(x86_reg reg, struct mmio_register *out)
{
	static const struct {
		x86_reg reg;
		unsigned offset, shift, width;
	} table[] = {
		{ X86_REG_EAX, LG_REG_EAX, 0, 4 }, { X86_REG_AX, LG_REG_EAX, 0, 2 },
		{ X86_REG_AL, LG_REG_EAX, 0, 1 },  { X86_REG_AH, LG_REG_EAX, 8, 1 },
		{ X86_REG_ECX, LG_REG_ECX, 0, 4 }, { X86_REG_CX, LG_REG_ECX, 0, 2 },
		{ X86_REG_CL, LG_REG_ECX, 0, 1 },  { X86_REG_CH, LG_REG_ECX, 8, 1 },
		{ X86_REG_EDX, LG_REG_EDX, 0, 4 }, { X86_REG_DX, LG_REG_EDX, 0, 2 },
		{ X86_REG_DL, LG_REG_EDX, 0, 1 },  { X86_REG_DH, LG_REG_EDX, 8, 1 },
		{ X86_REG_EBX, LG_REG_EBX, 0, 4 }, { X86_REG_BX, LG_REG_EBX, 0, 2 },
		{ X86_REG_BL, LG_REG_EBX, 0, 1 },  { X86_REG_BH, LG_REG_EBX, 8, 1 },
		{ X86_REG_ESP, LG_REG_ESP, 0, 4 }, { X86_REG_SP, LG_REG_ESP, 0, 2 },
		{ X86_REG_EBP, LG_REG_EBP, 0, 4 }, { X86_REG_BP, LG_REG_EBP, 0, 2 },
		{ X86_REG_ESI, LG_REG_ESI, 0, 4 }, { X86_REG_SI, LG_REG_ESI, 0, 2 },
		{ X86_REG_EDI, LG_REG_EDI, 0, 4 }, { X86_REG_DI, LG_REG_EDI, 0, 2 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].reg == reg) {
			*out = (struct mmio_register){ table[i].offset, table[i].shift,
						       table[i].width };
			return true;
		}
	}
	return false;
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4;
}

/* mov, movzx, movsx with exactly one memory operand, as Capstone sees them. */
static int decode_operands(const cs_insn *insn, struct mmio_access *access)
{
	const cs_x86 *x86 = &insn->detail->x86;
	const cs_x86_op *dst, *src;

	if (x86->op_count != 2)
		return -1;
	/* lock or rep on a device register is not an access we emulate. */
	for (size_t i = 0; i < sizeof(x86->prefix); i++)
		if (x86->prefix[i] == X86_PREFIX_LOCK || x86->prefix[i] == X86_PREFIX_REP ||
		    x86->prefix[i] == X86_PREFIX_REPNE)
			return -1;
	dst = &x86->operands[0];
	src = &x86->operands[1];

	if (insn->id == X86_INS_MOV && dst->type == X86_OP_MEM) {
		access->write = true;
		access->size = dst->size;
		if (src->type == X86_OP_IMM) {
			access->immediate = true;
			access->value = (uint32_t)src->imm & size_mask(dst->size);
			return valid_size(access->size) ? 0 : -1;
		}
		if (src->type != X86_OP_REG || !register_of(src->reg, &access->reg) ||
		    access->reg.width != access->size)
			return -1;
		return valid_size(access->size) ? 0 : -1;
	}

	if (dst->type != X86_OP_REG || src->type != X86_OP_MEM ||
	    !register_of(dst->reg, &access->reg))
		return -1;
	access->size = src->size;
	switch (insn->id) {
	case X86_INS_MOV:
		access->extend = MMIO_EXTEND_NONE;
		if (access->reg.width != access->size)
			return -1;
		break;
	case X86_INS_MOVZX:
		access->extend = MMIO_EXTEND_ZERO;
		break;
	case X86_INS_MOVSX:
		access->extend = MMIO_EXTEND_SIGN;
		break;
	default:
		return -1;
	}
	if (access->extend != MMIO_EXTEND_NONE && access->size >= access->reg.width)
		return -1;
	return valid_size(access->size) ? 0 : -1;
}

int mmio__decode(const struct mmio_decoder *decoder, const uint8_t *insn,
		 size_t len, struct mmio_access *access)
{
	cs_insn *decoded;
	int r = -1;

	memset(access, 0, sizeof(*access));
	if (cs_disasm(decoder->capstone, insn, len, 0, 1, &decoded) != 1)
		return -1;
	if (decoded->id == X86_INS_MOV || decoded->id == X86_INS_MOVZX ||
	    decoded->id == X86_INS_MOVSX)
		r = decode_operands(decoded, access);
	access->length = decoded->size;
	cs_free(decoded, 1);
	return r;
}

/* What a load puts into the register's `width` bytes. */
static uint32_t extend(uint32_t value, unsigned size, enum mmio_extend how)
{
	value &= size_mask(size);
	if (how == MMIO_EXTEND_SIGN && (value & (1u << (8 * size - 1))))
		value |= ~size_mask(size);
	return value;
}

int mmio__emulate(const struct mmio_access *access,
		  const struct mmio_region *region, uint32_t addr,
		  const struct mmio_registers *regs)
{
	const struct mmio_register *reg = &access->reg;
	uint32_t offset = addr - region->base;
	uint32_t value, eip, old;

	if (access->write) {
		value = access->value;
		if (!access->immediate) {
			if (regs->get(regs->opaque, reg->offset, &old) < 0)
				return -1;
			value = (old >> reg->shift) & size_mask(access->size);
		}
		/* A broken rule is the device's to report; the store is done. */
		region->ops->write(region->opaque, offset, access->size, value);
	} else {
		region->ops->read(region->opaque, offset, access->size, &value);
		value = extend(value, access->size, access->extend);
		if (regs->get(regs->opaque, reg->offset, &old) < 0)
			return -1;
		uint32_t mask = size_mask(reg->width) << reg->shift;
		value = (old & ~mask) | ((value << reg->shift) & mask);
		if (regs->set(regs->opaque, reg->offset, value) < 0)
			return -1;
	}
	if (regs->get(regs->opaque, LG_REG_EIP, &eip) < 0 ||
	    regs->set(regs->opaque, LG_REG_EIP, eip + access->length) < 0)
		return -1;
	return 0;
}

void mmio__describe(const struct mmio_decoder *decoder, const uint8_t *insn,
		    size_t len, char *buf, size_t buflen)
{
	cs_insn *decoded;
	int n = 0;

	for (size_t i = 0; i < len && n >= 0 && (size_t)n < buflen; i++)
		n += snprintf(buf + n, buflen - (size_t)n, "%s%02x", i ? " " : "",
			      insn[i]);
	if (n < 0 || (size_t)n >= buflen)
		return;
	if (cs_disasm(decoder->capstone, insn, len, 0, 1, &decoded) == 1) {
		snprintf(buf + n, buflen - (size_t)n, " (%s %s)", decoded->mnemonic,
			 decoded->op_str);
		cs_free(decoded, 1);
	} else {
		snprintf(buf + n, buflen - (size_t)n, " (undecodable)");
	}
}
