/*
 * entropy.c - getrandom(), retried until the buffer is full.
 */
#include "entropy.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

int entropy__fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
