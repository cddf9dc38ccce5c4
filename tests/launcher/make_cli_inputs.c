/*
 * make_cli_inputs.c - write the bad (and nearly good) input files the CLI
 * tests hand to lguest-emu, into the directory named by argv[1].
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "image_builder.h"

#define MIB (1024u * 1024u)

static uint8_t image[64 * 1024];

static void write_file(const char *dir, const char *name, const void *data, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_sparse_file(const char *dir, const char *name, off_t size)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(dir, name, "", 0);
	if (truncate(path, size) != 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const uint8_t code[16] = { 0xF4 };
	struct test_segment at_16m = { .paddr = 16 * MIB, .data = code, .filesz = sizeof(code) };
	size_t size;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];

	/* A well-formed ELF kernel at 16 MiB: needs more than 16 MiB of RAM. */
	size = build_elf(image, sizeof(image), 16 * MIB, &at_16m, 1);
	write_file(dir, "kernel_at_16m.elf", image, size);
	write_file(dir, "truncated.elf", image, 30);

	put_le32(image + TEST_ELF_PHDR(0) + offsetof(Elf32_Phdr, p_offset), 0xFFFFFFF8u);
	write_file(dir, "hostile_offset.elf", image, size);

	write_file(dir, "not_a_kernel.txt", "hello, world\n", 13);

	size = build_bzimage(image, sizeof(image), 4, 0x0207, 0x100000, code, sizeof(code));
	write_file(dir, "no_payload.bzImage", image, size - sizeof(code));

	write_file(dir, "empty.initrd", "", 0);
	write_sparse_file(dir, "40m.initrd", 40 * MIB);
	return 0;
}
