/* processes.h - what the kernel (processes.c) and the user code (user.S) share. */
#ifndef PROCESSES_H
#define PROCESSES_H

/*
 * Every process sees the same user addresses, backed by its own pages:
 *   USER_BASE          header: +0 its number (pid), +4 its round counter
 *   USER_BASE + k*4K   data page k (1..USER_DATA_PAGES): +0 its signature
 *                      SIGNATURE(pid, k); page USER_DATA_PAGES also gets
 *                      a copy of the counter at +4
 *   USER_STACK_PAGE    its stack: another directory entry, another table
 */
#define USER_BASE		0x40000000
#define USER_DATA_PAGES		3
#define USER_STACK_PAGE		0x7FC00000
#define USER_STACK_TOP		(USER_STACK_PAGE + 4096)
#define SIGNATURE_BASE		0x50000000
#define SIGNATURE(pid, k)	(SIGNATURE_BASE | ((pid) << 8) | (k))

#define SYS_YIELD		1	/* int $0x80 with EAX = 1: let the next one run */

#endif
