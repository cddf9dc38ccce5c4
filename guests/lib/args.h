/*
 * args.h - "key=value" words on the kernel command line (lg_cmdline).
 *
 * lg_cmdline_has() (guest.h) matches whole words; these look at the value
 * after "key=".  Values end at a space.
 */
#ifndef LG_GUEST_ARGS_H
#define LG_GUEST_ARGS_H

#include <stdbool.h>

#include "lguest_abi.h"

/* The value of the first "key=..." word, or NULL (key without '='). */
const char *lg_cmdline_value(const char *key);
/* Is there a "key=value" word? */
bool lg_cmdline_is(const char *key, const char *value);
/* "key=<decimal>" (or 0x<hex>); def if absent; panics if malformed. */
u32 lg_cmdline_uint(const char *key, u32 def);

#endif /* LG_GUEST_ARGS_H */
