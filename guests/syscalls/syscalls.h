/* syscalls.h - what the kernel (syscalls.c) and the user task (user.S) share. */
#ifndef SYSCALLS_H
#define SYSCALLS_H

#define NR_SYSCALLS	100000	/* int $0x80 calls the user task makes */
#define SYS_COUNT	1	/* "count me": returns how many so far */

#endif
