/*
 * bzstub.h - the contract between stub.S (our bzImage "decompressor") and
 * tools/mkbzimage.c, which fills in the stub's header.  Included by both
 * assembly and host C, so: plain numbers only.
 *
 * The stub is linked to run at STUB_LOAD_ADDR (where a Launcher puts the
 * protected-mode part of a bzImage, and hdr.code32_start).  Its header sits
 * at STUB_HEADER_OFFSET from its first byte, right after a short jump:
 *
 *   +0  magic "LGST"          +4  header version (1)
 *   +8  image offset          offset of the kernel image from the stub's
 *                             first byte (the image follows the stub)
 *   +12 image size            bytes to copy
 *   +16 image load address    physical address to copy them to (16 MiB)
 *   +20 image entry           physical address of the kernel's startup_32
 *   +24 image end             physical end including BSS: RAM it needs
 */
#ifndef LG_GUEST_BZSTUB_H
#define LG_GUEST_BZSTUB_H

#define STUB_LOAD_ADDR		0x100000
#define STUB_HEADER_OFFSET	8
#define STUB_MAGIC		0x5453474C	/* "LGST" read as a little-endian u32 */
#define STUB_HEADER_VERSION	1

#define STUB_HDR_MAGIC		0
#define STUB_HDR_VERSION	4
#define STUB_HDR_IMAGE_OFFSET	8
#define STUB_HDR_IMAGE_SIZE	12
#define STUB_HDR_IMAGE_LOAD	16
#define STUB_HDR_IMAGE_ENTRY	20
#define STUB_HDR_IMAGE_END	24
#define STUB_HEADER_SIZE	28

#endif /* LG_GUEST_BZSTUB_H */
