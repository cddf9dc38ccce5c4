/*
 * boot_loader.h - the Guest's kernel, initrd and zero page in Guest RAM
 * (lguest-4.4-abi.md §1).
 *
 * These are pure functions over (file bytes, RAM buffer): no file access,
 * no globals, so the unit tests can hand them any image, hostile or not.
 * On failure they return -1 with a one-line reason in err[] and may have
 * written nothing or part of RAM; the caller gives up on the Guest.
 */
#ifndef LAUNCHER_BOOT_LOADER_H
#define LAUNCHER_BOOT_LOADER_H

#include <stddef.h>
#include <stdint.h>

/* Guest-physical layout of the boot data. */
#define BOOT_ZERO_PAGE_GPA 0x0u
#define BOOT_ZERO_PAGE_SIZE 0x1000u
#define BOOT_CMDLINE_GPA 0x1000u
#define BOOT_CMDLINE_MAX 2047u /* bytes, not counting the NUL */
/* The zero page and the longest command line: no kernel may load here. */
#define BOOT_AREA_END (BOOT_CMDLINE_GPA + BOOT_CMDLINE_MAX + 1)
/* Where a bzImage's protected-mode payload goes. */
#define BOOT_BZIMAGE_PAYLOAD_GPA 0x100000u
/* The alignment we ask a relocatable kernel to decompress itself to. */
#define BOOT_KERNEL_ALIGNMENT 0x1000000u

/* Fields of struct boot_params (the zero page), by absolute offset. */
enum zero_page_offset {
	ZP_SCRATCH = 0x1E4,
	ZP_E820_ENTRIES = 0x1E8,
	ZP_SETUP_SECTS = 0x1F1,
	ZP_HEADER_MAGIC = 0x202, /* "HdrS" */
	ZP_VERSION = 0x206,
	ZP_TYPE_OF_LOADER = 0x210,
	ZP_LOADFLAGS = 0x211,
	ZP_CODE32_START = 0x214,
	ZP_RAMDISK_IMAGE = 0x218,
	ZP_RAMDISK_SIZE = 0x21C,
	ZP_CMD_LINE_PTR = 0x228,
	ZP_KERNEL_ALIGNMENT = 0x230,
	ZP_RELOCATABLE_KERNEL = 0x234,
	ZP_HARDWARE_SUBARCH = 0x23C,
	ZP_PREF_ADDRESS = 0x258,
	ZP_INIT_SIZE = 0x260,
	ZP_E820_MAP = 0x2D0, /* 20-byte entries: addr u64, size u64, type u32 */
};

#define ZP_BOOT_PROTOCOL_VERSION 0x0207 /* the lguest Guest insists on >= 2.07 */
#define ZP_LOADFLAGS_KEEP_SEGMENTS 0x40
#define ZP_TYPE_OF_LOADER_UNDEFINED 0xFF
#define ZP_SUBARCH_LGUEST 1
#define ZP_E820_RAM 1

enum kernel_format { KERNEL_ELF, KERNEL_BZIMAGE };

struct loaded_kernel {
	enum kernel_format format;
	uint32_t entry; /* the Guest's first EIP */
	/*
	 * The span of Guest-physical memory the kernel occupies or will still
	 * need [start, end): its segments (vmlinux), or its payload plus the
	 * area it decompresses itself into (bzImage).  The initrd must not
	 * overlap it.
	 */
	uint64_t start, end;
};

struct loaded_initrd {
	uint32_t gpa;  /* mem - size */
	uint32_t size; /* the file size rounded up to whole pages */
};

/*
 * Copy an i386 ELF vmlinux or a bzImage into ram[0, ram_size) and describe
 * it in *kernel.
 */
int boot__load_kernel(const uint8_t *image, size_t image_size, uint8_t *ram,
		      uint64_t ram_size, struct loaded_kernel *kernel,
		      char *err, size_t errlen);

/* Copy an initrd to the top of RAM, clear of the kernel. */
int boot__load_initrd(const uint8_t *data, size_t size, uint8_t *ram,
		      uint64_t ram_size, const struct loaded_kernel *kernel,
		      struct loaded_initrd *initrd, char *err, size_t errlen);

/*
 * Write the zero page at GPA 0 and the command line at 0x1000.  initrd is
 * NULL when there is none.
 */
int boot__write_zero_page(uint8_t *ram, uint64_t ram_size, const char *cmdline,
			  const struct loaded_initrd *initrd, char *err,
			  size_t errlen);

#endif /* LAUNCHER_BOOT_LOADER_H */
