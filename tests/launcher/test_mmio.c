/*
 * test_mmio.c - decoding the instruction behind an MMIO exit, and doing
 * it: every load and store form, with any addressing mode, and what is
 * refused (§9.10).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lguest_user.h"
#include "machine.h"
#include "mmio.h"

static struct mmio_decoder decoder;

static int setup(void **state)
{
	char err[256];

	return mmio_decoder__open(&decoder, err, sizeof(err));
}

static int teardown(void **state)
{
	mmio_decoder__close(&decoder);
	return 0;
}

/* Decode up to 7 bytes, as the Host hands them over. */
#define DECODE(access, ...)                                                  \
	({                                                                   \
		const uint8_t bytes_[7] = { __VA_ARGS__ };                   \
		mmio__decode(&decoder, bytes_, sizeof(bytes_), (access));    \
	})

static void expect_load(const struct mmio_access *a, unsigned length,
			unsigned size, unsigned reg, unsigned shift, unsigned width,
			enum mmio_extend extend)
{
	assert_false(a->write);
	assert_int_equal(a->length, length);
	assert_int_equal(a->size, size);
	assert_int_equal(a->reg.offset, reg);
	assert_int_equal(a->reg.shift, shift);
	assert_int_equal(a->reg.width, width);
	assert_int_equal(a->extend, extend);
}

static void expect_store_reg(const struct mmio_access *a, unsigned length,
			     unsigned size, unsigned reg, unsigned shift)
{
	assert_true(a->write);
	assert_false(a->immediate);
	assert_int_equal(a->length, length);
	assert_int_equal(a->size, size);
	assert_int_equal(a->reg.offset, reg);
	assert_int_equal(a->reg.shift, shift);
}

static void expect_store_imm(const struct mmio_access *a, unsigned length,
			     unsigned size, uint32_t value)
{
	assert_true(a->write);
	assert_true(a->immediate);
	assert_int_equal(a->length, length);
	assert_int_equal(a->size, size);
	assert_int_equal(a->value, value);
}

/* ---- Loads --------------------------------------------------------------- */

static void test_load_32_through_a_register(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x8B, 0x03), 0); /* mov eax, [ebx] */
	expect_load(&a, 2, 4, LG_REG_EAX, 0, 4, MMIO_EXTEND_NONE);
}

static void test_load_16_with_operand_size_prefix(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x66, 0x8B, 0x4B, 0x10), 0); /* mov cx, [ebx+0x10] */
	expect_load(&a, 4, 2, LG_REG_ECX, 0, 2, MMIO_EXTEND_NONE);
}

static void test_load_8_into_a_low_byte_register(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x8A, 0x13), 0); /* mov dl, [ebx] */
	expect_load(&a, 2, 1, LG_REG_EDX, 0, 1, MMIO_EXTEND_NONE);
}

static void test_load_8_into_each_high_byte_register(void **state)
{
	static const unsigned regs[] = { LG_REG_EAX, LG_REG_ECX, LG_REG_EDX, LG_REG_EBX };
	struct mmio_access a;

	for (unsigned i = 0; i < 4; i++) {
		/* mov ah/ch/dh/bh, [esi]: ModRM reg field 4 to 7 */
		uint8_t modrm = (uint8_t)(((4 + i) << 3) | 6);

		assert_int_equal(DECODE(&a, 0x8A, modrm), 0);
		expect_load(&a, 2, 1, regs[i], 8, 1, MMIO_EXTEND_NONE);
	}
}

static void test_load_with_disp32_has_its_true_length(void **state)
{
	struct mmio_access a;

	/* mov eax, [0x2100012]: 4.4's decoder counted 2 bytes, not 6. */
	assert_int_equal(DECODE(&a, 0x8B, 0x05, 0x12, 0x00, 0x10, 0x02), 0);
	expect_load(&a, 6, 4, LG_REG_EAX, 0, 4, MMIO_EXTEND_NONE);
}

static void test_load_with_sib_and_disp32_has_its_true_length(void **state)
{
	struct mmio_access a;

	/* mov eax, [esp+0x100]: 4.4's decoder ignored the SIB byte. */
	assert_int_equal(DECODE(&a, 0x8B, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00), 0);
	expect_load(&a, 7, 4, LG_REG_EAX, 0, 4, MMIO_EXTEND_NONE);
}

static void test_load_with_sib_and_disp8(void **state)
{
	struct mmio_access a;

	/* mov edi, [eax+ecx*4+8] */
	assert_int_equal(DECODE(&a, 0x8B, 0x7C, 0x88, 0x08), 0);
	expect_load(&a, 4, 4, LG_REG_EDI, 0, 4, MMIO_EXTEND_NONE);
}

static void test_load_from_a_moffs_address(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0xA1, 0x12, 0x00, 0x10, 0x02), 0); /* mov eax, [moffs] */
	expect_load(&a, 5, 4, LG_REG_EAX, 0, 4, MMIO_EXTEND_NONE);
	assert_int_equal(DECODE(&a, 0xA0, 0x14, 0x00, 0x10, 0x02), 0); /* mov al, [moffs] */
	expect_load(&a, 5, 1, LG_REG_EAX, 0, 1, MMIO_EXTEND_NONE);
}

static void test_load_with_a_segment_prefix(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x64, 0x8B, 0x33), 0); /* mov esi, fs:[ebx] */
	expect_load(&a, 3, 4, LG_REG_ESI, 0, 4, MMIO_EXTEND_NONE);
}

static void test_movzx_byte_and_word(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x0F, 0xB6, 0x03), 0); /* movzx eax, byte [ebx] */
	expect_load(&a, 3, 1, LG_REG_EAX, 0, 4, MMIO_EXTEND_ZERO);
	assert_int_equal(DECODE(&a, 0x0F, 0xB7, 0x4B, 0x02), 0); /* movzx ecx, word [ebx+2] */
	expect_load(&a, 4, 2, LG_REG_ECX, 0, 4, MMIO_EXTEND_ZERO);
}

static void test_movsx_byte_and_word(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x0F, 0xBE, 0x2B), 0); /* movsx ebp, byte [ebx] */
	expect_load(&a, 3, 1, LG_REG_EBP, 0, 4, MMIO_EXTEND_SIGN);
	assert_int_equal(DECODE(&a, 0x66, 0x0F, 0xBE, 0x03), 0); /* movsx ax, byte [ebx] */
	expect_load(&a, 4, 1, LG_REG_EAX, 0, 2, MMIO_EXTEND_SIGN);
	assert_int_equal(DECODE(&a, 0x0F, 0xBF, 0x03), 0); /* movsx eax, word [ebx] */
	expect_load(&a, 3, 2, LG_REG_EAX, 0, 4, MMIO_EXTEND_SIGN);
}

/* ---- Stores -------------------------------------------------------------- */

static void test_store_32_16_and_8_from_registers(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x89, 0x54, 0x24, 0x08), 0); /* mov [esp+8], edx */
	expect_store_reg(&a, 4, 4, LG_REG_EDX, 0);
	assert_int_equal(DECODE(&a, 0x66, 0x89, 0x38), 0); /* mov [eax], di */
	expect_store_reg(&a, 3, 2, LG_REG_EDI, 0);
	assert_int_equal(DECODE(&a, 0x88, 0x08), 0); /* mov [eax], cl */
	expect_store_reg(&a, 2, 1, LG_REG_ECX, 0);
}

static void test_store_from_a_high_byte_register(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x88, 0x30), 0); /* mov [eax], dh */
	expect_store_reg(&a, 2, 1, LG_REG_EDX, 8);
}

static void test_store_with_sib_and_disp32(void **state)
{
	struct mmio_access a;

	/* mov [ecx*4+0x2100000], edx */
	assert_int_equal(DECODE(&a, 0x89, 0x14, 0x8D, 0x00, 0x00, 0x10, 0x02), 0);
	expect_store_reg(&a, 7, 4, LG_REG_EDX, 0);
}

static void test_store_to_a_moffs_address(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x66, 0xA3, 0x38, 0x00, 0x10, 0x02), 0); /* mov [moffs], ax */
	expect_store_reg(&a, 6, 2, LG_REG_EAX, 0);
}

static void test_store_of_immediates(void **state)
{
	struct mmio_access a;

	/* mov byte [0x2100014], 1 */
	assert_int_equal(DECODE(&a, 0xC6, 0x05, 0x14, 0x00, 0x10, 0x02, 0x01), 0);
	expect_store_imm(&a, 7, 1, 1);
	/* mov word [eax], 0x1234 */
	assert_int_equal(DECODE(&a, 0x66, 0xC7, 0x00, 0x34, 0x12), 0);
	expect_store_imm(&a, 5, 2, 0x1234);
	/* mov dword [eax+4], 0x12345678 */
	assert_int_equal(DECODE(&a, 0xC7, 0x40, 0x04, 0x78, 0x56, 0x34, 0x12), 0);
	expect_store_imm(&a, 7, 4, 0x12345678);
	/* mov byte [eax], 0xff: the immediate is the access's width, not sign-extended */
	assert_int_equal(DECODE(&a, 0xC6, 0x00, 0xFF), 0);
	expect_store_imm(&a, 3, 1, 0xFF);
}

/* ---- Refused --------------------------------------------------------------- */

static void test_instructions_we_do_not_emulate_are_refused(void **state)
{
	struct mmio_access a;

	assert_int_equal(DECODE(&a, 0x00, 0x00), -1);       /* add [eax], al */
	assert_int_equal(DECODE(&a, 0xFF, 0x00), -1);       /* inc dword [eax] */
	assert_int_equal(DECODE(&a, 0x89, 0xC3), -1);       /* mov ebx, eax: no memory */
	assert_int_equal(DECODE(&a, 0x8C, 0x18), -1);       /* mov [eax], ds */
	assert_int_equal(DECODE(&a, 0x8E, 0x18), -1);       /* mov ds, [eax] */
	assert_int_equal(DECODE(&a, 0xF3, 0xA5), -1);       /* rep movsd */
	assert_int_equal(DECODE(&a, 0x0F, 0x20, 0xC0), -1); /* mov eax, cr0 */
	assert_int_equal(DECODE(&a, 0x87, 0x03), -1);       /* xchg [ebx], eax */
}

static void test_instruction_longer_than_7_bytes_is_refused(void **state)
{
	struct mmio_access a;

	/* mov dword [0x2100014], 1 needs 10 bytes; the Host hands us 7. */
	assert_int_equal(DECODE(&a, 0xC7, 0x05, 0x14, 0x00, 0x10, 0x02, 0x01), -1);
}

static void test_describe_shows_bytes_and_disassembly(void **state)
{
	const uint8_t insn[7] = { 0x8B, 0x03 };
	char buf[160];

	mmio__describe(&decoder, insn, 2, buf, sizeof(buf));
	assert_string_equal(buf, "8b 03 (mov eax, dword ptr [ebx])");
	mmio__describe(&decoder, insn + 2, 2, buf, sizeof(buf));
	assert_string_equal(buf, "00 00 (add byte ptr [eax], al)");
}

/* ---- Doing the access ---------------------------------------------------- */

static uint32_t regs[18];
static struct { unsigned offset, size; uint32_t value; bool write; } last;
static uint32_t device_value;

static int fake_get(void *opaque, unsigned offset, uint32_t *value)
{
	*value = regs[offset / 4];
	return 0;
}

static int fake_set(void *opaque, unsigned offset, uint32_t value)
{
	regs[offset / 4] = value;
	return 0;
}

static int fake_read(void *opaque, uint32_t offset, unsigned size, uint32_t *value)
{
	last.offset = offset;
	last.size = size;
	last.write = false;
	*value = device_value;
	return 0;
}

static int fake_write(void *opaque, uint32_t offset, unsigned size, uint32_t value)
{
	last.offset = offset;
	last.size = size;
	last.value = value;
	last.write = true;
	return 0;
}

static const struct mmio_ops fake_ops = { fake_read, fake_write };
static const struct mmio_region region = { 0x2100000, 0x80, &fake_ops, NULL };
static const struct mmio_registers fake_regs = { NULL, fake_get, fake_set };

static void emulate(const uint8_t *insn, uint32_t addr)
{
	struct mmio_access a;

	assert_int_equal(mmio__decode(&decoder, insn, 7, &a), 0);
	assert_int_equal(mmio__emulate(&a, &region, addr, &fake_regs), 0);
}

static int reset_fakes(void **state)
{
	memset(regs, 0, sizeof(regs));
	memset(&last, 0, sizeof(last));
	regs[LG_REG_EIP / 4] = 0xC0100000;
	return 0;
}

static void test_load_replaces_the_whole_register_and_advances_eip(void **state)
{
	const uint8_t insn[7] = { 0x8B, 0x05, 0x12, 0x00, 0x10, 0x02 };

	regs[LG_REG_EAX / 4] = 0xFFFFFFFF;
	device_value = 0x12345678;
	emulate(insn, 0x2100012);
	assert_false(last.write);
	assert_int_equal(last.offset, 0x12);
	assert_int_equal(last.size, 4);
	assert_int_equal(regs[LG_REG_EAX / 4], 0x12345678);
	assert_int_equal(regs[LG_REG_EIP / 4], 0xC0100006);
}

static void test_load_into_a_high_byte_keeps_the_other_bytes(void **state)
{
	const uint8_t insn[7] = { 0x8A, 0x3E }; /* mov bh, [esi] */

	regs[LG_REG_EBX / 4] = 0xAABBCCDD;
	device_value = 0x42;
	emulate(insn, 0x2100014);
	assert_int_equal(regs[LG_REG_EBX / 4], 0xAABB42DD);
	assert_int_equal(regs[LG_REG_EIP / 4], 0xC0100002);
}

static void test_load_16_keeps_the_upper_half(void **state)
{
	const uint8_t insn[7] = { 0x66, 0x8B, 0x06 }; /* mov ax, [esi] */

	regs[LG_REG_EAX / 4] = 0xAABBCCDD;
	device_value = 0x0002;
	emulate(insn, 0x2100012);
	assert_int_equal(last.size, 2);
	assert_int_equal(regs[LG_REG_EAX / 4], 0xAABB0002);
}

static void test_movsx_sign_extends_and_movzx_zero_extends(void **state)
{
	const uint8_t movsx[7] = { 0x0F, 0xBE, 0x06 }; /* movsx eax, byte [esi] */
	const uint8_t movzx[7] = { 0x0F, 0xB6, 0x0E }; /* movzx ecx, byte [esi] */

	regs[LG_REG_ECX / 4] = 0xFFFFFFFF;
	device_value = 0x80;
	emulate(movsx, 0x2100014);
	assert_int_equal(regs[LG_REG_EAX / 4], 0xFFFFFF80);
	emulate(movzx, 0x2100014);
	assert_int_equal(regs[LG_REG_ECX / 4], 0x00000080);
}

static void test_store_from_a_high_byte_writes_that_byte(void **state)
{
	const uint8_t insn[7] = { 0x88, 0x36 }; /* mov [esi], dh */

	regs[LG_REG_EDX / 4] = 0x1234ABCD;
	emulate(insn, 0x2100014);
	assert_true(last.write);
	assert_int_equal(last.size, 1);
	assert_int_equal(last.value, 0xAB);
	assert_int_equal(regs[LG_REG_EIP / 4], 0xC0100002);
}

static void test_store_16_writes_the_low_half(void **state)
{
	const uint8_t insn[7] = { 0x66, 0x89, 0x06 }; /* mov [esi], ax */

	regs[LG_REG_EAX / 4] = 0xAABB0001;
	emulate(insn, 0x2100038);
	assert_int_equal(last.offset, 0x38);
	assert_int_equal(last.size, 2);
	assert_int_equal(last.value, 0x0001);
}

static void test_store_of_an_immediate(void **state)
{
	const uint8_t insn[7] = { 0xC6, 0x05, 0x14, 0x00, 0x10, 0x02, 0x0F };

	emulate(insn, 0x2100014);
	assert_int_equal(last.size, 1);
	assert_int_equal(last.value, 0x0F);
	assert_int_equal(regs[LG_REG_EIP / 4], 0xC0100007);
}

/* ---- Which device answers ------------------------------------------------ */

static void test_region_lookup_needs_the_whole_access_inside(void **state)
{
	struct machine machine;

	machine__init(&machine, NULL, 1 << 20);
	assert_int_equal(machine__add_mmio(&machine, 0x200000, 0x80, &fake_ops, NULL), 0);
	assert_non_null(machine__find_mmio(&machine, 0x200000, 4));
	assert_non_null(machine__find_mmio(&machine, 0x20007C, 4));
	assert_null(machine__find_mmio(&machine, 0x20007E, 4));
	assert_null(machine__find_mmio(&machine, 0x200080, 1));
	assert_null(machine__find_mmio(&machine, 0x1FFFFF, 1));
	machine__destroy(&machine);
}

#define T(name) cmocka_unit_test(name)
#define R(name) cmocka_unit_test_setup(name, reset_fakes)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_load_32_through_a_register),
		T(test_load_16_with_operand_size_prefix),
		T(test_load_8_into_a_low_byte_register),
		T(test_load_8_into_each_high_byte_register),
		T(test_load_with_disp32_has_its_true_length),
		T(test_load_with_sib_and_disp32_has_its_true_length),
		T(test_load_with_sib_and_disp8),
		T(test_load_from_a_moffs_address),
		T(test_load_with_a_segment_prefix),
		T(test_movzx_byte_and_word),
		T(test_movsx_byte_and_word),
		T(test_store_32_16_and_8_from_registers),
		T(test_store_from_a_high_byte_register),
		T(test_store_with_sib_and_disp32),
		T(test_store_to_a_moffs_address),
		T(test_store_of_immediates),
		T(test_instructions_we_do_not_emulate_are_refused),
		T(test_instruction_longer_than_7_bytes_is_refused),
		T(test_describe_shows_bytes_and_disassembly),
		R(test_load_replaces_the_whole_register_and_advances_eip),
		R(test_load_into_a_high_byte_keeps_the_other_bytes),
		R(test_load_16_keeps_the_upper_half),
		R(test_movsx_sign_extends_and_movzx_zero_extends),
		R(test_store_from_a_high_byte_writes_that_byte),
		R(test_store_16_writes_the_low_half),
		R(test_store_of_an_immediate),
		T(test_region_lookup_needs_the_whole_access_inside),
	};

	return cmocka_run_group_tests_name("mmio", tests, setup, teardown);
}
