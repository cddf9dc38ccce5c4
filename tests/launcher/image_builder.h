/*
 * image_builder.h - build small kernel images in memory for the tests:
 * an i386 ELF with the segments we ask for, or a bzImage with a payload.
 */
#ifndef TEST_IMAGE_BUILDER_H
#define TEST_IMAGE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define TEST_ELF_HEADER_SIZE 52
#define TEST_ELF_PHDR_SIZE 32
/* Offset of program header i in a built ELF. */
#define TEST_ELF_PHDR(i) (TEST_ELF_HEADER_SIZE + TEST_ELF_PHDR_SIZE * (i))

struct test_segment {
	uint32_t type; /* PT_LOAD unless set otherwise */
	uint32_t paddr;
	uint32_t memsz; /* 0: same as the data's size */
	const void *data;
	uint32_t filesz;
};

/*
 * Headers, then program headers, then each segment's data in order.
 * Returns the image size; buf must hold it.
 */
size_t build_elf(uint8_t *buf, size_t cap, uint32_t entry,
		 const struct test_segment *segments, unsigned count);

/*
 * setup_sects sectors after the boot sector, "HdrS", protocol `version`,
 * code32_start, then the payload.
 */
size_t build_bzimage(uint8_t *buf, size_t cap, uint8_t setup_sects,
		     uint16_t version, uint32_t code32_start,
		     const void *payload, size_t payload_size);

#endif /* TEST_IMAGE_BUILDER_H */
