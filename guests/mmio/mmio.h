/* mmio.h - what mmio.c and cases.S share. */
#ifndef MMIO_H
#define MMIO_H

/* Where we map the console's BAR0 page (kernel half, above the RAM alias). */
#define MMIO_VA		0xE0000000
/* A page of the device window where no device answers. */
#define NODEV_VA	0xE0001000

/* struct mmio_regs: the registers a case starts with and ends with. */
#define R_EAX	0
#define R_EBX	4
#define R_ECX	8
#define R_EDX	12
#define R_ESI	16
#define R_EDI	20
#define R_EBP	24

#endif
