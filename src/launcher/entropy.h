/*
 * entropy.h - the rng device's backend: the host kernel's random numbers.
 */
#ifndef LAUNCHER_ENTROPY_H
#define LAUNCHER_ENTROPY_H

#include <stddef.h>

/* Fill buf with len random bytes (getrandom): 0, or -1 with errno set. */
int entropy__fill(void *buf, size_t len);

#endif /* LAUNCHER_ENTROPY_H */
