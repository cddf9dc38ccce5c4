/*
 * boot_loader.c - put the Guest kernel, its initrd and the zero page into
 * Guest RAM, following the x86 boot protocol as lguest's Launcher used it
 * (lguest-4.4-abi.md §1.1-1.3).
 *
 * The files come from the user and may be truncated or built to hurt us,
 * so every offset and length taken from them is checked against the file's
 * size and against RAM before it is used.  All such sums are done in 64
 * bits, where nothing read from a 32-bit header can wrap.
 *
 * Linux 4.4's Launcher trusted the image more than this; what we add:
 * the kernel and initrd must fit in RAM, must not overlap each other or
 * the boot data at the bottom of RAM, and a command line that the kernel
 * would truncate is refused.
 */
#include "boot_loader.h"

#include <elf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

#define MIB (1024u * 1024u)
#define PAGE_SIZE 4096u
#define ELF_MAX_PROGRAM_HEADERS 2048u /* the limit lguest's Launcher used */
#define BZIMAGE_SECTOR 512u
#define BZIMAGE_DEFAULT_SETUP_SECTS 4u /* what setup_sects = 0 means */
#define BZIMAGE_INIT_SIZE_VERSION 0x020A /* first protocol with init_size */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whole MiB needed to hold addresses below `end`: for "give it N MiB". */
static unsigned long long mib_for(uint64_t end)
{
	return (unsigned long long)((end + MIB - 1) / MIB);
}

static unsigned long long mib_of(uint64_t bytes)
{
	return (unsigned long long)(bytes / MIB);
}

static uint64_t align_up(uint64_t value, uint64_t alignment)
{
	return (value + alignment - 1) / alignment * alignment;
}

/* One ELF program header, read field by field from the file. */
struct segment {
	uint32_t type, offset, paddr, filesz, memsz;
};

static struct segment read_segment(const uint8_t *ph)
{
	return (struct segment){
		.type = get_le32(ph + offsetof(Elf32_Phdr, p_type)),
		.offset = get_le32(ph + offsetof(Elf32_Phdr, p_offset)),
		.paddr = get_le32(ph + offsetof(Elf32_Phdr, p_paddr)),
		.filesz = get_le32(ph + offsetof(Elf32_Phdr, p_filesz)),
		.memsz = get_le32(ph + offsetof(Elf32_Phdr, p_memsz)),
	};
}

/* The header checks lguest's Launcher made, plus class and byte order. */
static int check_elf_header(const uint8_t *image, size_t size, char *err,
			    size_t errlen)
{
	if (size < sizeof(Elf32_Ehdr))
		return fail(err, errlen,
			    "truncated ELF header (%zu of %zu bytes)", size,
			    sizeof(Elf32_Ehdr));
	if (image[EI_CLASS] != ELFCLASS32)
		return fail(err, errlen,
			    "not a 32-bit ELF (class %u): lguest Guests are i386 kernels",
			    image[EI_CLASS]);
	if (image[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF");

	unsigned type = get_le16(image + offsetof(Elf32_Ehdr, e_type));
	unsigned machine = get_le16(image + offsetof(Elf32_Ehdr, e_machine));
	unsigned phentsize = get_le16(image + offsetof(Elf32_Ehdr, e_phentsize));
	unsigned phnum = get_le16(image + offsetof(Elf32_Ehdr, e_phnum));

	if (type != ET_EXEC)
		return fail(err, errlen,
			    "not an executable ELF (e_type %u, expected ET_EXEC)",
			    type);
	if (machine != EM_386)
		return fail(err, errlen,
			    "not an i386 ELF (e_machine %u, expected EM_386)",
			    machine);
	if (phentsize != sizeof(Elf32_Phdr))
		return fail(err, errlen,
			    "bad ELF program header size %u (expected %zu)",
			    phentsize, sizeof(Elf32_Phdr));
	if (phnum < 1 || phnum > ELF_MAX_PROGRAM_HEADERS)
		return fail(err, errlen,
			    "bad ELF program header count %u (expected 1 to %u)",
			    phnum, ELF_MAX_PROGRAM_HEADERS);
	return 0;
}

/* A PT_LOAD segment must come from inside the file and land inside RAM. */
static int check_segment(const struct segment *s, unsigned index, size_t size,
			 uint64_t ram_size, char *err, size_t errlen)
{
	uint64_t file_end = (uint64_t)s->offset + s->filesz;
	uint64_t end = (uint64_t)s->paddr + s->memsz;

	if (file_end > size)
		return fail(err, errlen,
			    "truncated ELF: segment %u's %u bytes at file offset 0x%x "
			    "run past the end of the file (%zu bytes)",
			    index, s->filesz, s->offset, size);
	if (s->filesz > s->memsz)
		return fail(err, errlen,
			    "corrupt ELF: segment %u has p_filesz %u larger than p_memsz %u",
			    index, s->filesz, s->memsz);
	if (s->memsz == 0)
		return 0;
	if (s->paddr < BOOT_AREA_END)
		return fail(err, errlen,
			    "ELF segment %u at 0x%x overlaps the zero page and command "
			    "line (below 0x%x)",
			    index, s->paddr, BOOT_AREA_END);
	if (end > ram_size)
		return fail(err, errlen,
			    "memory too small: ELF segment %u ends at 0x%llx but the Guest "
			    "has %llu MiB (needs at least %llu MiB)",
			    index, (unsigned long long)end, mib_of(ram_size),
			    mib_for(end));
	return 0;
}

static int load_elf(const uint8_t *image, size_t size, uint8_t *ram,
		    uint64_t ram_size, struct loaded_kernel *kernel, char *err,
		    size_t errlen)
{
	if (check_elf_header(image, size, err, errlen) < 0)
		return -1;

	uint32_t entry = get_le32(image + offsetof(Elf32_Ehdr, e_entry));
	uint32_t phoff = get_le32(image + offsetof(Elf32_Ehdr, e_phoff));
	unsigned phnum = get_le16(image + offsetof(Elf32_Ehdr, e_phnum));
	uint64_t ph_end = (uint64_t)phoff + (uint64_t)phnum * sizeof(Elf32_Phdr);

	if (ph_end > size)
		return fail(err, errlen,
			    "truncated ELF: program headers end at 0x%llx, past the end "
			    "of the file (%zu bytes)",
			    (unsigned long long)ph_end, size);

	/* Check every segment before copying any. */
	uint64_t low = UINT64_MAX, high = 0;
	for (unsigned i = 0; i < phnum; i++) {
		struct segment s = read_segment(image + phoff + i * sizeof(Elf32_Phdr));

		if (s.type != PT_LOAD)
			continue;
		if (check_segment(&s, i, size, ram_size, err, errlen) < 0)
			return -1;
		if (s.memsz == 0)
			continue;
		if (s.paddr < low)
			low = s.paddr;
		if ((uint64_t)s.paddr + s.memsz > high)
			high = (uint64_t)s.paddr + s.memsz;
	}
	if (high == 0)
		return fail(err, errlen, "ELF has no loadable (PT_LOAD) segment");
	if (entry >= ram_size)
		return fail(err, errlen,
			    "ELF entry point 0x%x is outside the Guest's %llu MiB",
			    entry, mib_of(ram_size));

	/*
	 * Segments go to their physical address: the kernel's startup code
	 * runs there, before paging, and e_entry is physical too.  Clear every
	 * segment's memory first and copy the file data second, so one
	 * segment's BSS can never wipe another's contents.
	 */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < phnum; i++) {
			struct segment s = read_segment(image + phoff +
							i * sizeof(Elf32_Phdr));

			if (s.type != PT_LOAD || s.memsz == 0)
				continue;
			if (pass == 0)
				memset(ram + s.paddr, 0, s.memsz);
			else
				memcpy(ram + s.paddr, image + s.offset, s.filesz);
		}
	}

	kernel->format = KERNEL_ELF;
	kernel->entry = entry;
	kernel->start = low;
	kernel->end = high;
	return 0;
}

/*
 * Where a bzImage's decompressor will put the kernel: a relocatable kernel
 * rounds its load address up to the kernel_alignment we write in the zero
 * page, but never goes below its preferred address; a fixed one always
 * uses its preferred address.
 */
static uint64_t bzimage_decompress_target(const uint8_t *image)
{
	uint64_t preferred = get_le64(image + ZP_PREF_ADDRESS);
	uint64_t aligned = align_up(BOOT_BZIMAGE_PAYLOAD_GPA, BOOT_KERNEL_ALIGNMENT);

	if (!image[ZP_RELOCATABLE_KERNEL])
		return preferred;
	return aligned > preferred ? aligned : preferred;
}

static int load_bzimage(const uint8_t *image, size_t size, uint8_t *ram,
			uint64_t ram_size, struct loaded_kernel *kernel,
			char *err, size_t errlen)
{
	unsigned setup_sects = image[ZP_SETUP_SECTS];

	if (setup_sects == 0)
		setup_sects = BZIMAGE_DEFAULT_SETUP_SECTS;

	/* The header fields we read below all lie inside the setup sectors. */
	size_t payload_offset = (size_t)(setup_sects + 1) * BZIMAGE_SECTOR;
	if (payload_offset >= size)
		return fail(err, errlen,
			    "truncated bzImage: no protected-mode code after its %u setup "
			    "sectors (file is %zu bytes)",
			    setup_sects, size);

	size_t payload_size = size - payload_offset;
	uint64_t payload_end = (uint64_t)BOOT_BZIMAGE_PAYLOAD_GPA + payload_size;
	if (payload_end > ram_size)
		return fail(err, errlen,
			    "memory too small: the bzImage payload ends at 0x%llx but the "
			    "Guest has %llu MiB (needs at least %llu MiB)",
			    (unsigned long long)payload_end, mib_of(ram_size),
			    mib_for(payload_end));

	uint64_t start = BOOT_BZIMAGE_PAYLOAD_GPA, end = payload_end;
	unsigned version = get_le16(image + ZP_VERSION);
	uint32_t init_size = get_le32(image + ZP_INIT_SIZE);

	/*
	 * From protocol 2.10 the image says how much memory it needs where it
	 * decompresses itself: a Guest that cannot hold that would die with no
	 * message, long after we could have said why.
	 */
	if (version >= BZIMAGE_INIT_SIZE_VERSION && init_size != 0) {
		uint64_t target = bzimage_decompress_target(image);
		uint64_t target_end = target + init_size;

		if (target_end > ram_size)
			return fail(err, errlen,
				    "memory too small: the bzImage decompresses itself to "
				    "0x%llx-0x%llx but the Guest has %llu MiB (needs at least "
				    "%llu MiB)",
				    (unsigned long long)target,
				    (unsigned long long)target_end, mib_of(ram_size),
				    mib_for(target_end));
		if (target < start)
			start = target;
		if (target_end > end)
			end = target_end;
	}

	uint32_t entry = get_le32(image + ZP_CODE32_START);
	if (entry >= ram_size)
		return fail(err, errlen,
			    "bzImage entry point (code32_start) 0x%x is outside the Guest's "
			    "%llu MiB",
			    entry, mib_of(ram_size));

	memcpy(ram + BOOT_BZIMAGE_PAYLOAD_GPA, image + payload_offset, payload_size);
	kernel->format = KERNEL_BZIMAGE;
	kernel->entry = entry;
	kernel->start = start;
	kernel->end = end;
	return 0;
}

int boot__load_kernel(const uint8_t *image, size_t image_size, uint8_t *ram,
		      uint64_t ram_size, struct loaded_kernel *kernel,
		      char *err, size_t errlen)
{
	if (image_size >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0)
		return load_elf(image, image_size, ram, ram_size, kernel, err,
				errlen);
	if (image_size >= ZP_HEADER_MAGIC + 4 &&
	    memcmp(image + ZP_HEADER_MAGIC, "HdrS", 4) == 0)
		return load_bzimage(image, image_size, ram, ram_size, kernel, err,
				    errlen);
	return fail(err, errlen,
		    "not a kernel: neither an ELF vmlinux nor a bzImage "
		    "(no \"HdrS\" at offset 0x%x)",
		    ZP_HEADER_MAGIC);
}

int boot__load_initrd(const uint8_t *data, size_t size, uint8_t *ram,
		      uint64_t ram_size, const struct loaded_kernel *kernel,
		      struct loaded_initrd *initrd, char *err, size_t errlen)
{
	if (size == 0)
		return fail(err, errlen, "the initrd is empty");

	/* The Guest is told the page-rounded size, and so is the check. */
	uint64_t rounded = align_up(size, PAGE_SIZE);
	if (rounded + BOOT_AREA_END > ram_size)
		return fail(err, errlen,
			    "memory too small: the initrd (%zu bytes) does not fit in the "
			    "Guest's %llu MiB",
			    size, mib_of(ram_size));

	uint64_t gpa = ram_size - rounded;
	if (gpa < kernel->end && kernel->start < ram_size)
		return fail(err, errlen,
			    "memory too small: the initrd at 0x%llx-0x%llx would overlap "
			    "the kernel at 0x%llx-0x%llx (needs at least %llu MiB)",
			    (unsigned long long)gpa, (unsigned long long)ram_size,
			    (unsigned long long)kernel->start,
			    (unsigned long long)kernel->end,
			    mib_for(kernel->end + rounded));

	memcpy(ram + gpa, data, size);
	memset(ram + gpa + size, 0, rounded - size);
	initrd->gpa = (uint32_t)gpa;
	initrd->size = (uint32_t)rounded;
	return 0;
}

int boot__write_zero_page(uint8_t *ram, uint64_t ram_size, const char *cmdline,
			  const struct loaded_initrd *initrd, char *err,
			  size_t errlen)
{
	size_t len = strlen(cmdline);

	if (len > BOOT_CMDLINE_MAX)
		return fail(err, errlen,
			    "kernel command line is %zu bytes; the limit is %u", len,
			    BOOT_CMDLINE_MAX);
	if (ram_size < BOOT_AREA_END)
		return fail(err, errlen, "memory too small for the zero page");

	uint8_t *zp = ram + BOOT_ZERO_PAGE_GPA;
	memset(zp, 0, BOOT_ZERO_PAGE_SIZE);
	memset(ram + BOOT_CMDLINE_GPA, 0, BOOT_CMDLINE_MAX + 1);
	memcpy(ram + BOOT_CMDLINE_GPA, cmdline, len);

	/* One e820 entry: all of RAM, usable. */
	zp[ZP_E820_ENTRIES] = 1;
	put_le64(zp + ZP_E820_MAP, 0);
	put_le64(zp + ZP_E820_MAP + 8, ram_size);
	put_le32(zp + ZP_E820_MAP + 16, ZP_E820_RAM);

	put_le16(zp + ZP_VERSION, ZP_BOOT_PROTOCOL_VERSION);
	/*
	 * KEEP_SEGMENTS: the Guest kernel runs in ring 1, where reloading the
	 * GDT and segments would fault before it has an IDT.
	 */
	zp[ZP_LOADFLAGS] = ZP_LOADFLAGS_KEEP_SEGMENTS;
	put_le32(zp + ZP_CMD_LINE_PTR, BOOT_CMDLINE_GPA);
	put_le32(zp + ZP_KERNEL_ALIGNMENT, BOOT_KERNEL_ALIGNMENT);
	put_le32(zp + ZP_HARDWARE_SUBARCH, ZP_SUBARCH_LGUEST);

	if (initrd) {
		/* The kernel ignores an initrd when no loader claims it. */
		zp[ZP_TYPE_OF_LOADER] = ZP_TYPE_OF_LOADER_UNDEFINED;
		put_le32(zp + ZP_RAMDISK_IMAGE, initrd->gpa);
		put_le32(zp + ZP_RAMDISK_SIZE, initrd->size);
	}
	return 0;
}
