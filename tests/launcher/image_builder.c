/*
 * image_builder.c - small kernel images for the tests.
 */
#include "image_builder.h"

#include <elf.h>
#include <string.h>

#include "boot_loader.h"
#include "bytes.h"

size_t build_elf(uint8_t *buf, size_t cap, uint32_t entry,
		 const struct test_segment *segments, unsigned count)
{
	size_t data_offset = TEST_ELF_PHDR(count);

	memset(buf, 0, cap);
	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = ELFCLASS32;
	buf[EI_DATA] = ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	put_le16(buf + offsetof(Elf32_Ehdr, e_type), ET_EXEC);
	put_le16(buf + offsetof(Elf32_Ehdr, e_machine), EM_386);
	put_le32(buf + offsetof(Elf32_Ehdr, e_version), EV_CURRENT);
	put_le32(buf + offsetof(Elf32_Ehdr, e_entry), entry);
	put_le32(buf + offsetof(Elf32_Ehdr, e_phoff), TEST_ELF_HEADER_SIZE);
	put_le16(buf + offsetof(Elf32_Ehdr, e_ehsize), TEST_ELF_HEADER_SIZE);
	put_le16(buf + offsetof(Elf32_Ehdr, e_phentsize), TEST_ELF_PHDR_SIZE);
	put_le16(buf + offsetof(Elf32_Ehdr, e_phnum), (uint16_t)count);

	for (unsigned i = 0; i < count; i++) {
		const struct test_segment *s = &segments[i];
		uint8_t *ph = buf + TEST_ELF_PHDR(i);

		put_le32(ph + offsetof(Elf32_Phdr, p_type), s->type ? s->type : PT_LOAD);
		put_le32(ph + offsetof(Elf32_Phdr, p_offset), (uint32_t)data_offset);
		put_le32(ph + offsetof(Elf32_Phdr, p_vaddr), s->paddr + 0xC0000000u);
		put_le32(ph + offsetof(Elf32_Phdr, p_paddr), s->paddr);
		put_le32(ph + offsetof(Elf32_Phdr, p_filesz), s->filesz);
		put_le32(ph + offsetof(Elf32_Phdr, p_memsz), s->memsz ? s->memsz : s->filesz);
		if (s->filesz)
			memcpy(buf + data_offset, s->data, s->filesz);
		data_offset += s->filesz;
	}
	return data_offset;
}

size_t build_bzimage(uint8_t *buf, size_t cap, uint8_t setup_sects,
		     uint16_t version, uint32_t code32_start,
		     const void *payload, size_t payload_size)
{
	unsigned sectors = setup_sects ? setup_sects : 4;
	size_t payload_offset = (size_t)(sectors + 1) * 512;

	memset(buf, 0, cap);
	buf[ZP_SETUP_SECTS] = setup_sects;
	memcpy(buf + ZP_HEADER_MAGIC, "HdrS", 4);
	put_le16(buf + ZP_VERSION, version);
	put_le32(buf + ZP_CODE32_START, code32_start);
	memcpy(buf + payload_offset, payload, payload_size);
	return payload_offset + payload_size;
}
