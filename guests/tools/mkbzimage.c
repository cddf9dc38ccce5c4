/*
 * mkbzimage - package a test Guest's vmlinux as a bzImage.
 *
 *   mkbzimage [-n NAME] STUB.elf VMLINUX OUTPUT
 *
 * The result is what a Launcher expects of a bzImage (boot protocol 2.10):
 *
 *   0x000  boot sector: a real-mode halt loop (we cannot boot from a BIOS)
 *   0x1F1  the setup header (setup_sects = 1, "HdrS", version 0x020A, ...)
 *   0x280  the target of the jump at 0x200: another halt loop
 *   0x290  the kernel_version string
 *   0x400  (setup_sects + 1) * 512: the protected-mode payload, loaded at
 *          0x100000 and entered at code32_start = 0x100000:
 *            the stub (guests/bzimage/stub.S), padded to 16 bytes,
 *            the kernel image: the vmlinux's PT_LOAD segments laid out by
 *            physical address (what "objcopy -O binary" gives), padded.
 *
 * The stub's header (bzstub.h) tells it where the image is, where to copy
 * it and where to jump.  Nothing is compressed.
 *
 * ELF files are parsed by hand, byte by byte, so the tool does not depend
 * on the build machine's <elf.h> or byte order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bzstub.h"

#define SETUP_SECTS		1
#define SECTOR_SIZE		512
#define SETUP_SIZE		((SETUP_SECTS + 1) * SECTOR_SIZE)
#define BOOT_PROTOCOL		0x020A	/* 2.10: has init_size, pref_address */
#define LOADED_HIGH		0x01
#define KERNEL_ALIGNMENT	0x01000000
#define CMDLINE_SIZE		2047
#define INITRD_ADDR_MAX		0x37FFFFFF
#define REALMODE_HALT_OFFSET	0x280
#define KERNEL_VERSION_OFFSET	0x290
#define MAX_IMAGE_SIZE		(256u << 20)

/* A loaded image, flattened: bytes for [load, load + size). */
struct flat_image {
	uint8_t *bytes;
	uint32_t size;
	uint32_t load;	/* lowest p_paddr */
	uint32_t entry;	/* e_entry */
	uint32_t end;	/* highest p_paddr + p_memsz */
};

static const char *progname = "mkbzimage";

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		die("%s: %s", path, strerror(errno));
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	*len = n;
	return buf;
}

/*
 * Lay out the PT_LOAD segments of an i386 ET_EXEC file by physical address
 * (p_paddr), as a Launcher would load them.  Gaps are zero.  With
 * allow_bss false, every segment must be entirely in the file.
 */
static void flatten_elf(const char *path, struct flat_image *img, int allow_bss)
{
	static const uint8_t elf_magic[4] = { 0x7F, 'E', 'L', 'F' };
	size_t len;
	uint8_t *file = read_file(path, &len);
	uint32_t phoff, i, j;
	uint16_t phnum;
	uint64_t lo = UINT64_MAX, hi_file = 0, hi_mem = 0;

	if (len < 52 || memcmp(file, elf_magic, 4) != 0)
		die("%s: not an ELF file", path);
	if (file[4] != 1 || file[5] != 1)
		die("%s: not a 32-bit little-endian ELF file", path);
	if (get16(file + 16) != 2 || get16(file + 18) != 3)
		die("%s: not an i386 executable (ET_EXEC, EM_386)", path);
	phoff = get32(file + 28);
	phnum = get16(file + 44);
	if (get16(file + 42) != 32 || phnum < 1 || phnum > 2048 ||
	    (uint64_t)phoff + (uint64_t)phnum * 32 > len)
		die("%s: bad program headers", path);

	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = file + phoff + i * 32;
		uint32_t offset = get32(ph + 4), paddr = get32(ph + 12);
		uint32_t filesz = get32(ph + 16), memsz = get32(ph + 20);

		if (get32(ph) != 1 || memsz == 0)	/* PT_LOAD only */
			continue;
		if (filesz > memsz || (uint64_t)offset + filesz > len ||
		    (uint64_t)paddr + memsz > UINT64_C(0x100000000))
			die("%s: segment %u does not fit", path, i);
		if (!allow_bss && filesz != memsz)
			die("%s: segment %u has a BSS, which a stub must not have", path, i);
		/* Segments must not overlap physically: each byte loaded once. */
		for (j = 0; j < i; j++) {
			const uint8_t *other = file + phoff + j * 32;
			uint64_t o_lo = get32(other + 12), o_hi = o_lo + get32(other + 20);

			if (get32(other) == 1 && paddr < o_hi && paddr + (uint64_t)memsz > o_lo)
				die("%s: segments %u and %u overlap", path, j, i);
		}
		if (paddr < lo)
			lo = paddr;
		if (paddr + (uint64_t)filesz > hi_file)
			hi_file = paddr + (uint64_t)filesz;
		if (paddr + (uint64_t)memsz > hi_mem)
			hi_mem = paddr + (uint64_t)memsz;
	}
	if (lo == UINT64_MAX || hi_file <= lo)
		die("%s: nothing to load", path);
	if (hi_file - lo > MAX_IMAGE_SIZE)
		die("%s: image larger than %u MiB", path, MAX_IMAGE_SIZE >> 20);
	if (hi_mem > UINT32_MAX)
		die("%s: image reaches the end of the 32-bit address space", path);

	img->load = (uint32_t)lo;
	img->size = (uint32_t)(hi_file - lo);
	img->end = (uint32_t)hi_mem;
	img->entry = get32(file + 24);
	img->bytes = calloc(1, img->size);
	if (!img->bytes)
		die("out of memory");
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = file + phoff + i * 32;

		if (get32(ph) == 1 && get32(ph + 20) != 0)
			memcpy(img->bytes + (get32(ph + 12) - img->load), file + get32(ph + 4),
			       get32(ph + 16));
	}
	if (img->entry < img->load || img->entry >= img->load + img->size)
		die("%s: entry point 0x%08x is not in the loaded image", path, img->entry);
	free(file);
}

static uint32_t align16(uint32_t n)
{
	return (n + 15) & ~15u;
}

/* The real-mode setup area: sectors 0 .. SETUP_SECTS. */
static void build_setup(uint8_t *setup, const char *name, uint32_t payload_size,
			uint32_t init_size)
{
	static const uint8_t halt_loop[] = { 0xFA, 0xF4, 0xEB, 0xFD };	/* cli; hlt; jmp hlt */
	char version[SETUP_SIZE - KERNEL_VERSION_OFFSET];
	int n;

	n = snprintf(version, sizeof(version), "lguest-emu %s guest (uncompressed bzImage)",
		     name);
	if (n < 0 || (size_t)n >= sizeof(version))
		die("guest name too long: %s", name);

	memset(setup, 0, SETUP_SIZE);
	memcpy(setup, halt_loop, sizeof(halt_loop));
	memcpy(setup + REALMODE_HALT_OFFSET, halt_loop, sizeof(halt_loop));
	memcpy(setup + KERNEL_VERSION_OFFSET, version, (size_t)n + 1);

	setup[0x1F1] = SETUP_SECTS;			/* setup_sects */
	put32(setup + 0x1F4, payload_size / 16);	/* syssize, 16-byte units */
	put16(setup + 0x1FA, 0xFFFF);			/* vid_mode: normal */
	put16(setup + 0x1FE, 0xAA55);			/* boot_flag */
	setup[0x200] = 0xEB;				/* jump: jmp short ... */
	setup[0x201] = REALMODE_HALT_OFFSET - 0x202;	/* ... to the halt loop */
	memcpy(setup + 0x202, "HdrS", 4);		/* header */
	put16(setup + 0x206, BOOT_PROTOCOL);		/* version */
	put16(setup + 0x20E, KERNEL_VERSION_OFFSET - 0x200);	/* kernel_version */
	setup[0x211] = LOADED_HIGH;			/* loadflags */
	put32(setup + 0x214, STUB_LOAD_ADDR);		/* code32_start */
	put32(setup + 0x22C, INITRD_ADDR_MAX);		/* initrd_addr_max */
	put32(setup + 0x230, KERNEL_ALIGNMENT);		/* kernel_alignment */
	setup[0x234] = 0;				/* relocatable_kernel: no */
	setup[0x235] = 24;				/* min_alignment: 16 MiB */
	put32(setup + 0x238, CMDLINE_SIZE);		/* cmdline_size */
	/* 0x248/0x24C payload_offset/length stay 0: our payload is no ELF. */
	put32(setup + 0x258, STUB_LOAD_ADDR);		/* pref_address (u64) */
	put32(setup + 0x260, init_size);		/* init_size */
}

static void write_file(const char *path, const uint8_t *setup, const uint8_t *payload,
		       uint32_t payload_size)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		die("%s: path too long", path);
	f = fopen(tmp, "wb");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	if (fwrite(setup, 1, SETUP_SIZE, f) != SETUP_SIZE ||
	    fwrite(payload, 1, payload_size, f) != payload_size || fclose(f) != 0)
		die("%s: write error", tmp);
	if (rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [-n NAME] STUB.elf VMLINUX OUTPUT\n", progname);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *name = "test";
	struct flat_image stub, kernel;
	uint8_t setup[SETUP_SIZE], *payload, *hdr;
	uint32_t stub_size, payload_size;
	int arg = 1;

	if (argc > 0)
		progname = argv[0];
	if (arg + 1 < argc && strcmp(argv[arg], "-n") == 0) {
		name = argv[arg + 1];
		arg += 2;
	}
	if (argc - arg != 3)
		usage();

	flatten_elf(argv[arg], &stub, 0);
	flatten_elf(argv[arg + 1], &kernel, 1);

	if (stub.load != STUB_LOAD_ADDR || stub.entry != STUB_LOAD_ADDR)
		die("%s: the stub must load and start at 0x%x", argv[arg], STUB_LOAD_ADDR);
	if (stub.size < STUB_HEADER_OFFSET + STUB_HEADER_SIZE)
		die("%s: too small to hold the stub header", argv[arg]);
	hdr = stub.bytes + STUB_HEADER_OFFSET;
	if (get32(hdr + STUB_HDR_MAGIC) != STUB_MAGIC ||
	    get32(hdr + STUB_HDR_VERSION) != STUB_HEADER_VERSION)
		die("%s: no version %d stub header at offset %d", argv[arg],
		    STUB_HEADER_VERSION, STUB_HEADER_OFFSET);

	stub_size = align16(stub.size);
	payload_size = stub_size + align16(kernel.size);
	/* The stub copies forwards: the image must not land on its own source. */
	if ((uint64_t)STUB_LOAD_ADDR + payload_size > kernel.load)
		die("%s: loads at 0x%08x, inside the bzImage payload (ends at 0x%08x)",
		    argv[arg + 1], kernel.load, STUB_LOAD_ADDR + payload_size);

	payload = calloc(1, payload_size);
	if (!payload)
		die("out of memory");
	memcpy(payload, stub.bytes, stub.size);
	memcpy(payload + stub_size, kernel.bytes, kernel.size);
	hdr = payload + STUB_HEADER_OFFSET;
	put32(hdr + STUB_HDR_IMAGE_OFFSET, stub_size);
	put32(hdr + STUB_HDR_IMAGE_SIZE, kernel.size);
	put32(hdr + STUB_HDR_IMAGE_LOAD, kernel.load);
	put32(hdr + STUB_HDR_IMAGE_ENTRY, kernel.entry);
	put32(hdr + STUB_HDR_IMAGE_END, kernel.end);

	/* init_size: everything from where we are loaded to the kernel's end. */
	build_setup(setup, name, payload_size, kernel.end - STUB_LOAD_ADDR);
	write_file(argv[arg + 2], setup, payload, payload_size);

	free(payload);
	free(stub.bytes);
	free(kernel.bytes);
	return 0;
}
