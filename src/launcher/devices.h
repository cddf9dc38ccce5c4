/*
 * devices.h - how device models join the Guest.
 *
 * Each device model (virtio_console.c, virtio_blk.c, virtio_rng.c) is one file
 * that describes itself in a struct device_model and registers it with
 * DEVICE_MODEL(); nothing else names it.  devices__create() then builds the
 * Guest's devices: the always-present ones first (the console, which the
 * Guest's early console expects in PCI slot 1), then one per command-line
 * request, in command-line order.
 *
 * Registration runs from constructors, so a program must link lg_launcher
 * whole (CMake: lg_link_launcher()); devices__create() fails loudly if no
 * model registered.
 */
#ifndef LAUNCHER_DEVICES_H
#define LAUNCHER_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

struct machine;

/* A device asked for on the command line, e.g. --block=FILE. */
struct device_request {
	const char *model; /* a device_model's name: "block" */
	const char *arg;   /* the option's value, or NULL */
};

struct device_model {
	const char *name;
	/* Created for every Guest, whatever the command line says. */
	bool always;
	/*
	 * Optional: is the option's value well-formed?  Called when the
	 * command line is read, so that a mistake is a usage error; 0, or -1
	 * with one line in err[].
	 */
	int (*check)(const char *arg, char *err, size_t errlen);
	/* Add one device to the machine; -1 with a reason in err[]. */
	int (*create)(struct machine *machine, const char *arg, char *err,
		      size_t errlen);
	struct device_model *next; /* the registry's list; leave it NULL */
};

void device_model__register(struct device_model *model);
const struct device_model *device_model__find(const char *name);

#define DEVICE_MODEL(model)                                              \
	static void __attribute__((constructor)) model##__register(void) \
	{                                                                \
		device_model__register(&model);                          \
	}

/* Create every device of the Guest on the machine. */
int devices__create(struct machine *machine,
		    const struct device_request *requests, unsigned nr_requests,
		    char *err, size_t errlen);

#endif /* LAUNCHER_DEVICES_H */
