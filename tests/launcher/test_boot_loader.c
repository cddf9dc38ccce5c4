/*
 * test_boot_loader.c - loading vmlinux, bzImage and initrd, and writing
 * the zero page (lguest-4.4-abi.md §1.1-1.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "boot_loader.h"
#include "bytes.h"
#include "image_builder.h"

#define MIB (1024u * 1024u)
#define RAM_SIZE (4 * MIB)
#define IMAGE_CAP (64 * 1024)
#define KERNEL_GPA 0x200000u

static uint8_t *ram;
static uint8_t image[IMAGE_CAP];
static char err[512];
static struct loaded_kernel kernel;
static const uint8_t code[16] = { 0xF4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static int setup(void **state)
{
	ram = malloc(32 * MIB);
	/* Not zero: the loader must not rely on RAM being clean. */
	memset(ram, 0xAA, 32 * MIB);
	err[0] = '\0';
	memset(&kernel, 0, sizeof(kernel));
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static size_t one_segment_elf(void)
{
	struct test_segment s = { .paddr = KERNEL_GPA, .data = code, .filesz = sizeof(code) };

	return build_elf(image, sizeof(image), KERNEL_GPA, &s, 1);
}

static int load(size_t size)
{
	return boot__load_kernel(image, size, ram, RAM_SIZE, &kernel, err, sizeof(err));
}

static void assert_rejected_saying(size_t size, const char *words)
{
	assert_int_equal(load(size), -1);
	assert_non_null(strstr(err, words));
	assert_null(strchr(err, '\n'));
}

/* ---- ELF ---------------------------------------------------------------- */

static void test_elf_segment_is_copied_to_its_physical_address(void **state)
{
	assert_int_equal(load(one_segment_elf()), 0);
	assert_memory_equal(ram + KERNEL_GPA, code, sizeof(code));
	assert_int_equal(kernel.format, KERNEL_ELF);
}

static void test_elf_entry_is_e_entry(void **state)
{
	size_t size = one_segment_elf();

	put_le32(image + offsetof(Elf32_Ehdr, e_entry), KERNEL_GPA + 4);
	assert_int_equal(load(size), 0);
	assert_int_equal(kernel.entry, KERNEL_GPA + 4);
}

static void test_elf_memory_beyond_file_data_is_cleared(void **state)
{
	struct test_segment s = { .paddr = KERNEL_GPA, .data = code,
				  .filesz = sizeof(code), .memsz = 0x1000 };

	assert_int_equal(load(build_elf(image, sizeof(image), KERNEL_GPA, &s, 1)), 0);
	for (unsigned i = sizeof(code); i < 0x1000; i++)
		assert_int_equal(ram[KERNEL_GPA + i], 0);
	assert_int_equal(ram[KERNEL_GPA + 0x1000], 0xAA);
}

static void test_elf_span_covers_all_load_segments(void **state)
{
	struct test_segment s[] = {
		{ .paddr = KERNEL_GPA, .data = code, .filesz = 4 },
		{ .paddr = KERNEL_GPA + 0x10000, .data = code, .filesz = 4, .memsz = 0x100 },
	};

	assert_int_equal(load(build_elf(image, sizeof(image), KERNEL_GPA, s, 2)), 0);
	assert_int_equal(kernel.start, KERNEL_GPA);
	assert_int_equal(kernel.end, KERNEL_GPA + 0x10100);
}

static void test_elf_non_load_segments_are_not_copied(void **state)
{
	struct test_segment s[] = {
		{ .paddr = KERNEL_GPA, .data = code, .filesz = 4 },
		{ .type = PT_NOTE, .paddr = KERNEL_GPA + 0x1000, .data = code, .filesz = 4 },
	};

	assert_int_equal(load(build_elf(image, sizeof(image), KERNEL_GPA, s, 2)), 0);
	assert_int_equal(ram[KERNEL_GPA + 0x1000], 0xAA);
}

static void test_elf_too_short_for_its_header_is_rejected(void **state)
{
	one_segment_elf();
	assert_rejected_saying(40, "truncated ELF header");
}

static void test_elf_64_bit_class_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	image[EI_CLASS] = ELFCLASS64;
	assert_rejected_saying(size, "not a 32-bit ELF");
}

static void test_elf_big_endian_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	image[EI_DATA] = ELFDATA2MSB;
	assert_rejected_saying(size, "little-endian");
}

static void test_elf_not_et_exec_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le16(image + offsetof(Elf32_Ehdr, e_type), ET_DYN);
	assert_rejected_saying(size, "ET_EXEC");
}

static void test_elf_not_em_386_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le16(image + offsetof(Elf32_Ehdr, e_machine), EM_X86_64);
	assert_rejected_saying(size, "EM_386");
}

static void test_elf_phentsize_other_than_32_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le16(image + offsetof(Elf32_Ehdr, e_phentsize), 56);
	assert_rejected_saying(size, "program header size");
}

static void test_elf_without_program_headers_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le16(image + offsetof(Elf32_Ehdr, e_phnum), 0);
	assert_rejected_saying(size, "program header count");
}

static void test_elf_with_more_than_2048_program_headers_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le16(image + offsetof(Elf32_Ehdr, e_phnum), 2049);
	assert_rejected_saying(size, "program header count");
}

static void test_elf_program_headers_past_end_of_file_are_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le32(image + offsetof(Elf32_Ehdr, e_phoff), 0xFFFFFFF0u);
	assert_rejected_saying(size, "truncated ELF");
}

static void test_elf_truncated_segment_data_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	assert_rejected_saying(size - 1, "truncated ELF");
}

static void test_elf_hostile_p_offset_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	/* Offset + size wraps to a small number in 32 bits. */
	put_le32(image + TEST_ELF_PHDR(0) + offsetof(Elf32_Phdr, p_offset), 0xFFFFFFF8u);
	assert_rejected_saying(size, "past the end of the file");
}

static void test_elf_hostile_p_filesz_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le32(image + TEST_ELF_PHDR(0) + offsetof(Elf32_Phdr, p_filesz), 0xFFFFFFFFu);
	put_le32(image + TEST_ELF_PHDR(0) + offsetof(Elf32_Phdr, p_memsz), 0xFFFFFFFFu);
	assert_rejected_saying(size, "past the end of the file");
}

static void test_elf_hostile_p_paddr_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	/* paddr + memsz wraps past 4 GiB to a small number in 32 bits. */
	put_le32(image + TEST_ELF_PHDR(0) + offsetof(Elf32_Phdr, p_paddr), 0xFFFFFFF8u);
	assert_rejected_saying(size, "memory too small");
}

static void test_elf_segment_beyond_ram_is_memory_too_small(void **state)
{
	struct test_segment s = { .paddr = RAM_SIZE - 8, .data = code, .filesz = 16 };

	assert_rejected_saying(build_elf(image, sizeof(image), RAM_SIZE - 8, &s, 1),
			       "memory too small");
	assert_non_null(strstr(err, "needs at least 5 MiB"));
}

static void test_elf_filesz_larger_than_memsz_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le32(image + TEST_ELF_PHDR(0) + offsetof(Elf32_Phdr, p_memsz), 4);
	assert_rejected_saying(size, "larger than p_memsz");
}

static void test_elf_segment_over_the_zero_page_is_rejected(void **state)
{
	struct test_segment s = { .paddr = 0x1000, .data = code, .filesz = 16 };

	assert_rejected_saying(build_elf(image, sizeof(image), 0x1000, &s, 1),
			       "zero page");
}

static void test_elf_without_load_segment_is_rejected(void **state)
{
	struct test_segment s = { .type = PT_NOTE, .paddr = KERNEL_GPA, .data = code, .filesz = 4 };

	assert_rejected_saying(build_elf(image, sizeof(image), KERNEL_GPA, &s, 1),
			       "no loadable");
}

static void test_elf_entry_outside_ram_is_rejected(void **state)
{
	size_t size = one_segment_elf();

	put_le32(image + offsetof(Elf32_Ehdr, e_entry), RAM_SIZE);
	assert_rejected_saying(size, "entry point");
}

static void test_elf_rejected_late_leaves_ram_untouched(void **state)
{
	struct test_segment s[] = {
		{ .paddr = KERNEL_GPA, .data = code, .filesz = 16 },
		{ .paddr = RAM_SIZE - 4, .data = code, .filesz = 16 },
	};

	assert_int_equal(load(build_elf(image, sizeof(image), KERNEL_GPA, s, 2)), -1);
	assert_int_equal(ram[KERNEL_GPA], 0xAA);
}

/* ---- bzImage ------------------------------------------------------------ */

static size_t bzimage(uint8_t setup_sects, uint16_t version)
{
	return build_bzimage(image, sizeof(image), setup_sects, version,
			     BOOT_BZIMAGE_PAYLOAD_GPA, code, sizeof(code));
}

static void test_bzimage_payload_is_copied_to_1_mib(void **state)
{
	assert_int_equal(load(bzimage(8, 0x0207)), 0);
	assert_memory_equal(ram + BOOT_BZIMAGE_PAYLOAD_GPA, code, sizeof(code));
	assert_int_equal(kernel.format, KERNEL_BZIMAGE);
	assert_int_equal(kernel.start, BOOT_BZIMAGE_PAYLOAD_GPA);
	assert_int_equal(kernel.end, BOOT_BZIMAGE_PAYLOAD_GPA + sizeof(code));
}

static void test_bzimage_payload_starts_after_setup_sectors(void **state)
{
	size_t size = bzimage(8, 0x0207);

	/* The byte before the payload belongs to the setup code. */
	image[9 * 512 - 1] = 0x55;
	assert_int_equal(load(size), 0);
	assert_int_equal(ram[BOOT_BZIMAGE_PAYLOAD_GPA], code[0]);
	assert_int_equal(ram[BOOT_BZIMAGE_PAYLOAD_GPA - 1], 0xAA);
}

static void test_bzimage_entry_is_code32_start(void **state)
{
	size_t size = bzimage(8, 0x0207);

	put_le32(image + ZP_CODE32_START, 0x100040);
	assert_int_equal(load(size), 0);
	assert_int_equal(kernel.entry, 0x100040);
}

static void test_bzimage_setup_sects_zero_means_four(void **state)
{
	size_t size = bzimage(0, 0x0207);

	assert_int_equal(size, 5 * 512 + sizeof(code));
	assert_int_equal(load(size), 0);
	assert_memory_equal(ram + BOOT_BZIMAGE_PAYLOAD_GPA, code, sizeof(code));
}

static void test_bzimage_without_payload_is_rejected(void **state)
{
	bzimage(8, 0x0207);
	assert_rejected_saying(9 * 512, "truncated bzImage");
}

static void test_bzimage_payload_beyond_ram_is_memory_too_small(void **state)
{
	size_t size = bzimage(8, 0x0207);

	assert_int_equal(boot__load_kernel(image, size, ram, MIB, &kernel, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "memory too small"));
}

static void test_bzimage_decompression_area_must_fit_in_ram(void **state)
{
	size_t size = bzimage(8, 0x020A);

	image[ZP_RELOCATABLE_KERNEL] = 1;
	put_le64(image + ZP_PREF_ADDRESS, 0x1000000);
	put_le32(image + ZP_INIT_SIZE, 0x800000);
	assert_int_equal(boot__load_kernel(image, size, ram, 16 * MIB, &kernel, err,
					   sizeof(err)), -1);
	assert_non_null(strstr(err, "decompresses"));
	assert_non_null(strstr(err, "needs at least 24 MiB"));
}

static void test_bzimage_span_includes_decompression_area(void **state)
{
	size_t size = bzimage(8, 0x020A);

	image[ZP_RELOCATABLE_KERNEL] = 1;
	put_le64(image + ZP_PREF_ADDRESS, 0x1000000);
	put_le32(image + ZP_INIT_SIZE, 0x800000);
	assert_int_equal(boot__load_kernel(image, size, ram, 32 * MIB, &kernel, err,
					   sizeof(err)), 0);
	assert_int_equal(kernel.start, BOOT_BZIMAGE_PAYLOAD_GPA);
	assert_int_equal(kernel.end, 0x1800000);
}

static void test_bzimage_fixed_kernel_decompresses_at_its_preferred_address(void **state)
{
	size_t size = bzimage(8, 0x020A);

	image[ZP_RELOCATABLE_KERNEL] = 0;
	put_le64(image + ZP_PREF_ADDRESS, 0x400000);
	put_le32(image + ZP_INIT_SIZE, 0x100000);
	assert_int_equal(boot__load_kernel(image, size, ram, 8 * MIB, &kernel, err,
					   sizeof(err)), 0);
	assert_int_equal(kernel.end, 0x500000);
}

static void test_bzimage_before_protocol_2_10_has_no_decompression_check(void **state)
{
	size_t size = bzimage(8, 0x0209);

	put_le32(image + ZP_INIT_SIZE, 0x8000000);
	assert_int_equal(load(size), 0);
	assert_int_equal(kernel.end, BOOT_BZIMAGE_PAYLOAD_GPA + sizeof(code));
}

static void test_bzimage_entry_outside_ram_is_rejected(void **state)
{
	size_t size = bzimage(8, 0x0207);

	put_le32(image + ZP_CODE32_START, 0xFFFFFFF0u);
	assert_rejected_saying(size, "code32_start");
}

/* ---- Neither ------------------------------------------------------------ */

static void test_file_with_neither_elf_nor_hdrs_magic_is_rejected(void **state)
{
	memset(image, 'x', 4096);
	assert_rejected_saying(4096, "not a kernel");
}

static void test_empty_file_is_rejected(void **state)
{
	assert_rejected_saying(0, "not a kernel");
}

static void test_file_ending_inside_the_hdrs_magic_is_rejected(void **state)
{
	bzimage(8, 0x0207);
	assert_rejected_saying(ZP_HEADER_MAGIC + 3, "not a kernel");
}

/* ---- initrd ------------------------------------------------------------- */

static struct loaded_initrd initrd;
static uint8_t initrd_data[5000];

static int load_initrd(size_t size, uint64_t ram_size)
{
	for (size_t i = 0; i < sizeof(initrd_data); i++)
		initrd_data[i] = (uint8_t)(i * 7 + 1);
	return boot__load_initrd(initrd_data, size, ram, ram_size, &kernel,
				 &initrd, err, sizeof(err));
}

static void test_initrd_sits_at_the_top_of_ram_page_rounded(void **state)
{
	assert_int_equal(load(one_segment_elf()), 0);
	assert_int_equal(load_initrd(5000, RAM_SIZE), 0);
	assert_int_equal(initrd.size, 8192);
	assert_int_equal(initrd.gpa, RAM_SIZE - 8192);
	assert_memory_equal(ram + RAM_SIZE - 8192, initrd_data, 5000);
}

static void test_initrd_page_tail_is_cleared(void **state)
{
	assert_int_equal(load(one_segment_elf()), 0);
	assert_int_equal(load_initrd(5000, RAM_SIZE), 0);
	for (unsigned i = 5000; i < 8192; i++)
		assert_int_equal(ram[RAM_SIZE - 8192 + i], 0);
}

static void test_initrd_overlapping_the_kernel_is_rejected(void **state)
{
	struct test_segment s = { .paddr = RAM_SIZE - 0x1000, .data = code, .filesz = 16 };

	assert_int_equal(load(build_elf(image, sizeof(image), RAM_SIZE - 0x1000, &s, 1)), 0);
	assert_int_equal(load_initrd(5000, RAM_SIZE), -1);
	assert_non_null(strstr(err, "overlap"));
}

static void test_initrd_larger_than_ram_is_rejected(void **state)
{
	kernel = (struct loaded_kernel){ .start = 0x100000, .end = 0x100010 };
	assert_int_equal(load_initrd(5000, 0x2000), -1);
	assert_non_null(strstr(err, "memory too small"));
}

static void test_empty_initrd_is_rejected(void **state)
{
	assert_int_equal(load(one_segment_elf()), 0);
	assert_int_equal(load_initrd(0, RAM_SIZE), -1);
	assert_non_null(strstr(err, "empty"));
}

/* ---- Zero page ---------------------------------------------------------- */

static int write_zero_page(const char *cmdline, const struct loaded_initrd *rd)
{
	return boot__write_zero_page(ram, RAM_SIZE, cmdline, rd, err, sizeof(err));
}

static void test_zero_page_e820_has_one_ram_entry_covering_all_memory(void **state)
{
	assert_int_equal(write_zero_page("", NULL), 0);
	assert_int_equal(ram[0x1E8], 1);
	assert_int_equal(get_le64(ram + 0x2D0), 0);
	assert_int_equal(get_le64(ram + 0x2D8), RAM_SIZE);
	assert_int_equal(get_le32(ram + 0x2E0), 1);
}

static void test_zero_page_boot_header_fields(void **state)
{
	assert_int_equal(write_zero_page("", NULL), 0);
	assert_int_equal(get_le16(ram + 0x206), 0x0207);
	assert_int_equal(ram[0x211], 0x40);
	assert_int_equal(get_le32(ram + 0x228), 0x1000);
	assert_int_equal(get_le32(ram + 0x230), 0x01000000);
	assert_int_equal(get_le32(ram + 0x23C), 1);
}

static void test_zero_page_without_initrd_has_no_loader_type_or_ramdisk(void **state)
{
	assert_int_equal(write_zero_page("", NULL), 0);
	assert_int_equal(ram[0x210], 0);
	assert_int_equal(get_le32(ram + 0x218), 0);
	assert_int_equal(get_le32(ram + 0x21C), 0);
}

static void test_zero_page_with_initrd_has_loader_type_and_ramdisk(void **state)
{
	struct loaded_initrd rd = { .gpa = RAM_SIZE - 8192, .size = 8192 };

	assert_int_equal(write_zero_page("", &rd), 0);
	assert_int_equal(ram[0x210], 0xFF);
	assert_int_equal(get_le32(ram + 0x218), RAM_SIZE - 8192);
	assert_int_equal(get_le32(ram + 0x21C), 8192);
}

static void test_zero_page_is_zero_except_the_fields_written(void **state)
{
	static const unsigned written[] = {
		0x1E8, 0x206, 0x207, 0x211, 0x228, 0x229, 0x22A, 0x22B,
		0x230, 0x231, 0x232, 0x233, 0x23C, 0x23D, 0x23E, 0x23F,
	};
	uint8_t expected[4096] = { 0 };

	assert_int_equal(write_zero_page("", NULL), 0);
	for (unsigned i = 0; i < sizeof(written) / sizeof(written[0]); i++)
		expected[written[i]] = ram[written[i]];
	/* The e820 entry: addr 0, size, type. */
	memcpy(expected + 0x2D0, ram + 0x2D0, 20);
	assert_memory_equal(ram, expected, 4096);
}

static void test_command_line_is_at_0x1000_and_nul_terminated(void **state)
{
	assert_int_equal(write_zero_page("console=hvc0 nokaslr", NULL), 0);
	assert_string_equal((char *)ram + 0x1000, "console=hvc0 nokaslr");
	assert_int_equal(ram[0x1000 + 2047], 0);
}

static void test_command_line_of_2047_bytes_is_accepted(void **state)
{
	char cmdline[2048];

	memset(cmdline, 'a', 2047);
	cmdline[2047] = '\0';
	assert_int_equal(write_zero_page(cmdline, NULL), 0);
	assert_int_equal(strlen((char *)ram + 0x1000), 2047);
}

static void test_command_line_of_2048_bytes_is_rejected(void **state)
{
	char cmdline[2049];

	memset(cmdline, 'a', 2048);
	cmdline[2048] = '\0';
	assert_int_equal(write_zero_page(cmdline, NULL), -1);
	assert_non_null(strstr(err, "2047"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf_segment_is_copied_to_its_physical_address),
		T(test_elf_entry_is_e_entry),
		T(test_elf_memory_beyond_file_data_is_cleared),
		T(test_elf_span_covers_all_load_segments),
		T(test_elf_non_load_segments_are_not_copied),
		T(test_elf_too_short_for_its_header_is_rejected),
		T(test_elf_64_bit_class_is_rejected),
		T(test_elf_big_endian_is_rejected),
		T(test_elf_not_et_exec_is_rejected),
		T(test_elf_not_em_386_is_rejected),
		T(test_elf_phentsize_other_than_32_is_rejected),
		T(test_elf_without_program_headers_is_rejected),
		T(test_elf_with_more_than_2048_program_headers_is_rejected),
		T(test_elf_program_headers_past_end_of_file_are_rejected),
		T(test_elf_truncated_segment_data_is_rejected),
		T(test_elf_hostile_p_offset_is_rejected),
		T(test_elf_hostile_p_filesz_is_rejected),
		T(test_elf_hostile_p_paddr_is_rejected),
		T(test_elf_segment_beyond_ram_is_memory_too_small),
		T(test_elf_filesz_larger_than_memsz_is_rejected),
		T(test_elf_segment_over_the_zero_page_is_rejected),
		T(test_elf_without_load_segment_is_rejected),
		T(test_elf_entry_outside_ram_is_rejected),
		T(test_elf_rejected_late_leaves_ram_untouched),
		T(test_bzimage_payload_is_copied_to_1_mib),
		T(test_bzimage_payload_starts_after_setup_sectors),
		T(test_bzimage_entry_is_code32_start),
		T(test_bzimage_setup_sects_zero_means_four),
		T(test_bzimage_without_payload_is_rejected),
		T(test_bzimage_payload_beyond_ram_is_memory_too_small),
		T(test_bzimage_decompression_area_must_fit_in_ram),
		T(test_bzimage_span_includes_decompression_area),
		T(test_bzimage_fixed_kernel_decompresses_at_its_preferred_address),
		T(test_bzimage_before_protocol_2_10_has_no_decompression_check),
		T(test_bzimage_entry_outside_ram_is_rejected),
		T(test_file_with_neither_elf_nor_hdrs_magic_is_rejected),
		T(test_empty_file_is_rejected),
		T(test_file_ending_inside_the_hdrs_magic_is_rejected),
		T(test_initrd_sits_at_the_top_of_ram_page_rounded),
		T(test_initrd_page_tail_is_cleared),
		T(test_initrd_overlapping_the_kernel_is_rejected),
		T(test_initrd_larger_than_ram_is_rejected),
		T(test_empty_initrd_is_rejected),
		T(test_zero_page_e820_has_one_ram_entry_covering_all_memory),
		T(test_zero_page_boot_header_fields),
		T(test_zero_page_without_initrd_has_no_loader_type_or_ramdisk),
		T(test_zero_page_with_initrd_has_loader_type_and_ramdisk),
		T(test_zero_page_is_zero_except_the_fields_written),
		T(test_command_line_is_at_0x1000_and_nul_terminated),
		T(test_command_line_of_2047_bytes_is_accepted),
		T(test_command_line_of_2048_bytes_is_rejected),
	};

	return cmocka_run_group_tests_name("boot_loader", tests, NULL, NULL);
}
