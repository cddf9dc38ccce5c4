/*
 * port_io.h - the Guest's port I/O, as the Host hands it to the Launcher
 * (struct lguest_io_ops) at the moment the Guest executes IN or OUT.
 *
 * What real lguest's Launcher emulated after decoding a #GP (§9.10):
 * PCI configuration on 0xCF8-0xCFF, port 0x64 (the keyboard controller's
 * status) reads 1 so Linux's i8042 probe gives up quickly, every other
 * port reads all-ones and ignores writes.
 */
#ifndef LAUNCHER_PORT_IO_H
#define LAUNCHER_PORT_IO_H

#include <stdint.h>

#include "lguest_user.h"

struct machine;

#define PORT_I8042_STATUS 0x64

/* opaque is the struct machine. */
uint32_t port_io__in(void *opaque, uint16_t port, unsigned size);
int port_io__out(void *opaque, uint16_t port, unsigned size, uint32_t value);

/* The callbacks for struct lguest_config.io. */
struct lguest_io_ops port_io__ops(struct machine *machine);

#endif /* LAUNCHER_PORT_IO_H */
