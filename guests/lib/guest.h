/*
 * guest.h - what the Guest library offers a test Guest.
 *
 * A test Guest is one C file that defines guest_main().  By the time
 * guest_main() runs, head.S has checked the zero page, registered
 * lguest_data with the Host (LHCALL_LGUEST_INIT) and switched to our own
 * page tables (LHCALL_NEW_PGTABLE): all RAM is mapped at 0 and at
 * PAGE_OFFSET, we run at CPL 1 on the boot stack, soft interrupts are off
 * and there is no IDT yet (see traps.h for one).  When guest_main()
 * returns, the Guest powers off.
 */
#ifndef LG_GUEST_GUEST_H
#define LG_GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "hcall.h"
#include "lguest_abi.h"

/* Provided by each Guest. */
void guest_main(void);

/* Converting between our virtual addresses and physical ones. */
#define __pa(vaddr)	((u32)(vaddr) - PAGE_OFFSET)
#define __va(paddr)	((void *)((u32)(paddr) + PAGE_OFFSET))

/* Reading a field the Host may change at any time. */
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier()	asm volatile("" : : : "memory")

/* --- boot.c: what head.S found out ----------------------------------- */

/* The page we share with the Host (registered by LHCALL_LGUEST_INIT). */
extern struct lguest_data lguest_data;
/* Our copy of the zero page and of the kernel command line. */
extern u8 lg_boot_params[BOOT_PARAMS_SIZE];
extern char lg_cmdline[COMMAND_LINE_SIZE];
/* RAM size from e820_map[0], and how much of it is mapped at PAGE_OFFSET. */
extern u32 lg_ram_size;
extern u32 lg_lowmem_size;
/* First physical address after the kernel and its boot page tables. */
extern u32 lg_free_phys;
/* The page directory head.S gave to LHCALL_NEW_PGTABLE. */
extern u32 lg_pgdir[PTRS_PER_TABLE];
/* Linker symbols: image start, end of code, end of image (virtual). */
extern char _text[], _etext[], _end[];

/* Is word one of the space-separated words of the command line? */
bool lg_cmdline_has(const char *word);
/* "key=<decimal>" or "key=0x<hex>" on the command line, or dflt; panics
 * on a malformed number. */
u32 lg_cmdline_u32(const char *key, u32 dflt);
/* The value after "key=" (up to a space), or NULL; and "key=value"? */
const char *lg_cmdline_value(const char *key);
bool lg_cmdline_is(const char *key, const char *value);

/* Our privilege level, read from CS (unprivileged). */
unsigned int lg_cpl(void);

/* Soft interrupt flag in lguest_data (real EFLAGS.IF is always on). */
void lg_irq_disable(void);
void lg_irq_enable(void);
/* Disable, returning the old flag (0 or X86_EFLAGS_IF); put it back. */
u32 lg_irq_save(void);
void lg_irq_restore(u32 flags);
/* Mask or unmask virtual IRQ line n (bit n of blocked_interrupts). */
void lg_irq_block(unsigned int line);
void lg_irq_unblock(unsigned int line);

/* --- console.c: the 4.4 early console over virtio-PCI config space --- */

void lg_putchar(char c);
void lg_puts(const char *s);
/* False if the probe found no virtio console (output is then dropped). */
int lg_console_present(void);

/* --- printf.c: %s %c %d %u %x %X %p %%, with '-', '0' and widths ----- */

int lg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int lg_vprintf(const char *fmt, va_list ap);
int lg_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int lg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* --- power.c ----------------------------------------------------------- */

/* LHCALL_SHUTDOWN "Power down": the Launcher's normal, successful exit. */
void lg_power_off(void) __attribute__((noreturn));
/* Print "panic: <text>" and shut down with <text> as the reason. */
void lg_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* LHCALL_HALT until an interrupt (needs interrupts on, see traps.h). */
void lg_halt(void);

/* The reason the Host reports is cut at 127 bytes: keep the file name short. */
#ifdef __FILE_NAME__
#define LG_SOURCE_FILE	__FILE_NAME__
#else
#define LG_SOURCE_FILE	__FILE__
#endif
#define LG_ASSERT(cond)							\
	do {								\
		if (!(cond))						\
			lg_panic("%s:%d: assertion failed: %s",		\
				 LG_SOURCE_FILE, __LINE__, #cond);	\
	} while (0)

/* --- string.c: what the compiler may call behind our back ------------- */

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* LG_GUEST_GUEST_H */
