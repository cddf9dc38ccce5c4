/*
 * io.h - x86 port I/O.
 *
 * in/out are privileged at CPL 1 with IOPL 0: on real lguest each one is a
 * #GP that the Host hands to the Launcher, which emulates it; in lguest-emu
 * the Host hooks the instruction directly.  Either way the Guest just
 * executes it and carries on.
 */
#ifndef LG_GUEST_IO_H
#define LG_GUEST_IO_H

#include "lguest_abi.h"

static inline void outb(u16 port, u8 value)
{
	asm volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outl(u16 port, u32 value)
{
	asm volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 value;

	asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline u32 inl(u16 port)
{
	u32 value;

	asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

#endif /* LG_GUEST_IO_H */
