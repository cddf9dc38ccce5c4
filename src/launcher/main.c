/*
 * main.c - lguest-emu: the Launcher.
 *
 * Like lguest's own Launcher, this is an ordinary program that builds a
 * Guest out of a kernel file and some memory, hands it to the Host, and
 * then sits in a loop running it, doing the few things the Host leaves to
 * userspace: instruction emulation the Guest kernel needs (skipping a
 * stray `cli`), devices, and deciding what the Guest's death means.
 *
 * The Host here is a library (lguest_user.h), not /dev/lguest; port I/O
 * comes to us as callbacks (port_io.c) rather than as #GP exits.  MMIO
 * comes as lguest's pending trap 14, which mmio.c decodes and performs.
 *
 * Devices do their work in this thread, between two lguest_run() calls.
 * The one other thread (io_loop.c) only waits for host input and breaks
 * lguest_run() when there is some; a device that finds the Guest hostile,
 * or the console's quit key, stops the machine, and this loop ends the
 * run with the reason (machine.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lguest_user.h"

#include "boot_loader.h"
#include "devices.h"
#include "exit_status.h"
#include "gp_emulation.h"
#include "guest_memory.h"
#include "input_file.h"
#include "machine.h"
#include "mmio.h"
#include "options.h"
#include "port_io.h"
#include "report.h"

#define TRAP_GENERAL_PROTECTION 13
#define TRAP_PAGE_FAULT 14

struct launcher {
	char **argv; /* for a restart */
	struct launcher_options options;
	struct guest_memory ram;
	struct machine machine;
	struct gp_emulator gp;
	struct mmio_decoder mmio;
	FILE *trace_file;
	struct lguest *lg;
};

static void die(enum exit_status status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

static void die(enum exit_status status, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report__error("%s", message);
	exit(status);
}

/* ---- Setting up --------------------------------------------------------- */

/* -d LIST: a list the Host rejects is a bad command line. */
static uint32_t parse_trace(const char *spec)
{
	char err[256] = "";
	uint32_t mask = 0;

	if (!spec)
		return 0;
	if (lguest_trace_parse(spec, &mask, err, sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_USAGE, "-d %s: %s", spec,
		    err[0] ? err : "invalid trace list");
	return mask;
}

static FILE *open_trace_file(const char *path)
{
	FILE *file;

	if (!path)
		return NULL;
	file = fopen(path, "we");
	if (!file)
		die(EXIT_STATUS_BAD_INPUT, "%s: %s", path, strerror(errno));
	return file;
}

static void read_input(const char *path, struct input_file *file)
{
	char err[512];

	if (input_file__read(path, file, err, sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_INPUT, "%s", err);
}

/* Kernel, initrd and zero page into fresh RAM; returns the first EIP. */
static uint32_t load_guest(struct launcher *l)
{
	const struct launcher_options *o = &l->options;
	struct input_file kernel_file, initrd_file = { 0 };
	struct loaded_kernel kernel;
	struct loaded_initrd initrd;
	char err[512];

	read_input(o->kernel_path, &kernel_file);
	if (o->initrd_path)
		read_input(o->initrd_path, &initrd_file);
	if (guest_memory__map(&l->ram, o->mem_mib, err, sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_INPUT, "%s", err);

	if (boot__load_kernel(kernel_file.data, kernel_file.size, l->ram.base,
			      l->ram.size, &kernel, err, sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_INPUT, "%s: %s", o->kernel_path, err);
	if (o->initrd_path &&
	    boot__load_initrd(initrd_file.data, initrd_file.size, l->ram.base,
			      l->ram.size, &kernel, &initrd, err, sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_INPUT, "%s: %s", o->initrd_path, err);
	if (boot__write_zero_page(l->ram.base, l->ram.size, o->cmdline,
				  o->initrd_path ? &initrd : NULL, err,
				  sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_USAGE, "%s", err);

	input_file__release(&kernel_file);
	input_file__release(&initrd_file);
	return kernel.entry;
}

/* Devices fill Guest buffers: the CPU must drop code translated there. */
static void device_write(void *opaque, uint64_t gpa, uint64_t len)
{
	lguest_ram_written(opaque, (uint32_t)gpa, (uint32_t)len);
}

/* Devices raise their interrupt lines through the Host. */
static void raise_irq(void *opaque, unsigned line)
{
	lguest_irq(opaque, line);
}

/* Host input, or a device stopping the machine: out of lguest_run() now. */
static void kick(void *opaque)
{
	lguest_break(opaque);
}

static void create_devices(struct launcher *l)
{
	char err[512];

	machine__init(&l->machine, l->ram.base, l->ram.size);
	/* The console is the terminal lguest-emu runs in. */
	l->machine.console_in_fd = STDIN_FILENO;
	l->machine.console_out_fd = STDOUT_FILENO;
	l->machine.console_raw_tty = true;
	if (devices__create(&l->machine, l->options.devices,
			    l->options.nr_devices, err, sizeof(err)) < 0)
		die(EXIT_STATUS_BAD_INPUT, "%s", err);
}

static void start_host(struct launcher *l, uint32_t trace_mask, uint32_t entry)
{
	struct lguest_config config = {
		.trace_mask = trace_mask,
		.trace_file = l->trace_file,
		.io = port_io__ops(&l->machine),
		.no_direct_traps = l->options.no_direct_traps,
		.deterministic = l->options.deterministic,
		.stats = l->options.stats,
	};
	char err[256];

	l->lg = lguest_open(&config);
	if (!l->lg)
		die(EXIT_STATUS_EMULATOR_FAILED, "out of memory creating the Guest");
	l->machine.raise_irq = raise_irq;
	l->machine.irq_opaque = l->lg;
	l->machine.ram.device_write = device_write;
	l->machine.ram.device_write_opaque = l->lg;
	l->machine.kick = kick;
	l->machine.kick_opaque = l->lg;
	l->machine.io.kick = kick;
	l->machine.io.kick_opaque = l->lg;

	int r = lguest_initialize(l->lg, l->ram.base,
				  (uint32_t)(l->ram.size / MACHINE_PAGE_SIZE), entry,
				  machine__device_limit(&l->machine));
	if (r < 0) {
		const char *why = lguest_error(l->lg);

		die(EXIT_STATUS_EMULATOR_FAILED, "cannot start the Guest: %s",
		    why && why[0] ? why : strerror(-r));
	}
	if (gp_emulator__open(&l->gp, err, sizeof(err)) < 0 ||
	    mmio_decoder__open(&l->mmio, err, sizeof(err)) < 0)
		die(EXIT_STATUS_EMULATOR_FAILED, "%s", err);
	if (io_loop__start(&l->machine.io) < 0)
		die(EXIT_STATUS_EMULATOR_FAILED, "cannot start the I/O thread");
}

static void shut_down(struct launcher *l)
{
	/* No more kicks into a Host that is going away. */
	io_loop__stop(&l->machine.io);
	if (l->lg && l->options.stats)
		lguest_print_stats(l->lg, stderr);
	lguest_close(l->lg);
	gp_emulator__close(&l->gp);
	mmio_decoder__close(&l->mmio);
	machine__destroy(&l->machine);
	guest_memory__unmap(&l->ram);
	if (l->trace_file)
		fclose(l->trace_file);
	fflush(stdout);
}

/* ---- Running ------------------------------------------------------------ */

static uint32_t get_register(struct launcher *l, unsigned offset)
{
	uint32_t value;
	int r = lguest_getreg(l->lg, offset, &value);

	if (r < 0)
		die(EXIT_STATUS_EMULATOR_FAILED, "cannot read Guest register %u: %s",
		    offset, strerror(-r));
	return value;
}

/* Hand a trap back to the Guest, as if we had never seen it. */
static void reflect_trap(struct launcher *l, unsigned trap)
{
	int r = lguest_trap(l->lg, trap);

	/* A Guest that died meanwhile is reported by the next lguest_run(). */
	if (r == 0 || r == -ENOENT)
		return;
	die(EXIT_STATUS_GUEST_KILLED,
	    "guest killed: trap %u at eip 0x%x cannot be delivered (%s)", trap,
	    get_register(l, LG_REG_EIP), strerror(-r));
}

static void emulate_general_protection(struct launcher *l,
				       const struct lguest_pending *pending)
{
	uint32_t cs = get_register(l, LG_REG_CS);
	struct gp_decision decision = gp_emulator__decide(
		&l->gp, pending->insn, sizeof(pending->insn), cs);

	if (decision.action == GP_REFLECT) {
		reflect_trap(l, TRAP_GENERAL_PROTECTION);
		return;
	}
	uint32_t eip = get_register(l, LG_REG_EIP);
	int r = lguest_setreg(l->lg, LG_REG_EIP, eip + decision.length);
	if (r < 0)
		die(EXIT_STATUS_EMULATOR_FAILED, "cannot set the Guest's EIP: %s",
		    strerror(-r));
}

/* The Guest's registers, for mmio__emulate(). */
static int get_reg(void *opaque, unsigned offset, uint32_t *value)
{
	return lguest_getreg(opaque, offset, value);
}

static int set_reg(void *opaque, unsigned offset, uint32_t value)
{
	return lguest_setreg(opaque, offset, value);
}

/*
 * The Guest touched the device window: find the device, decode the
 * instruction, do the access, and step over the instruction.  What we
 * cannot do becomes the page fault it would have been.
 */
static void emulate_mmio(struct launcher *l,
			 const struct lguest_pending *pending)
{
	const struct mmio_registers regs = { l->lg, get_reg, set_reg };
	const struct mmio_region *region;
	struct mmio_access access;
	char insn[160];

	if (mmio__decode(&l->mmio, pending->insn, sizeof(pending->insn),
			 &access) < 0) {
		mmio__describe(&l->mmio, pending->insn, sizeof(pending->insn), insn,
			       sizeof(insn));
		report__warning("Guest accessed MMIO at 0x%x with an instruction we "
				"cannot emulate, at eip 0x%x: %s",
				pending->addr, get_register(l, LG_REG_EIP), insn);
		reflect_trap(l, TRAP_PAGE_FAULT);
		return;
	}
	region = machine__find_mmio(&l->machine, pending->addr, access.size);
	if (!region) {
		report__warning("Guest accessed MMIO at 0x%x (%u bytes), where no "
				"device answers", pending->addr, access.size);
		reflect_trap(l, TRAP_PAGE_FAULT);
		return;
	}
	if (mmio__emulate(&access, region, pending->addr, &regs) < 0)
		die(EXIT_STATUS_EMULATOR_FAILED,
		    "cannot update the Guest's registers after MMIO at 0x%x",
		    pending->addr);
}

static void handle_pending(struct launcher *l,
			   const struct lguest_pending *pending)
{
	switch (pending->trap) {
	case TRAP_GENERAL_PROTECTION:
		emulate_general_protection(l, pending);
		break;
	case TRAP_PAGE_FAULT:
		emulate_mmio(l, pending);
		break;
	default:
		die(EXIT_STATUS_EMULATOR_FAILED,
		    "the Host handed over trap %u, which the Launcher does not handle",
		    pending->trap);
	}
}

static enum exit_status guest_died(struct launcher *l)
{
	char message[512];
	enum exit_status status = exit_status__for_dead_guest(
		lguest_dead_by_shutdown(l->lg), lguest_dead_reason(l->lg), message,
		sizeof(message));

	if (status != EXIT_STATUS_POWER_OFF)
		report__error("%s", message);
	return status;
}

/* The Guest asked for a reboot: start over as a new process, same argv. */
static void restart(struct launcher *l) __attribute__((noreturn));

static void restart(struct launcher *l)
{
	shut_down(l);
	execv("/proc/self/exe", l->argv);
	die(EXIT_STATUS_EMULATOR_FAILED, "cannot restart: %s", strerror(errno));
}

/* A device killed the Guest, or the user quit: the run ends here. */
static enum exit_status machine_stopped(struct launcher *l,
					enum machine_stop why)
{
	if (why == MACHINE_GUEST_KILLED) {
		report__error("guest killed: %s", l->machine.stop_reason);
		return EXIT_STATUS_GUEST_KILLED;
	}
	report__error("%s", l->machine.stop_reason);
	return EXIT_STATUS_USER_QUIT;
}

static enum exit_status launcher__run(struct launcher *l)
{
	struct lguest_pending pending;

	for (;;) {
		int r = lguest_run(l->lg, &pending);
		enum machine_stop stop;

		/* Host input that arrived meanwhile (the I/O thread broke us out). */
		io_loop__dispatch(&l->machine.io);
		if (r == (int)sizeof(pending))
			handle_pending(l, &pending);
		stop = machine__stopped(&l->machine);
		if (stop != MACHINE_RUNNING)
			return machine_stopped(l, stop);
		if (r == (int)sizeof(pending))
			continue;
		switch (r) {
		case -EINTR:
			continue;
		case -ENOENT:
			return guest_died(l);
		case -LGUEST_ERESTART:
			restart(l);
		default:
			die(EXIT_STATUS_EMULATOR_FAILED, "running the Guest failed: %s",
			    r < 0 ? strerror(-r) : "unexpected result");
		}
	}
}

int main(int argc, char *argv[])
{
	static struct launcher launcher;
	struct launcher *l = &launcher;
	char err[512];

	/* A closed stdout must not kill us: the console just loses output. */
	signal(SIGPIPE, SIG_IGN);

	l->argv = argv;
	switch (options__parse(argc, argv, &l->options, err, sizeof(err))) {
	case OPTIONS_HELP:
		options__print_help(stdout, lguest_trace_names());
		return EXIT_SUCCESS;
	case OPTIONS_VERSION:
		printf("lguest-emu %s\n", LG_VERSION);
		return EXIT_SUCCESS;
	case OPTIONS_TRACE_HELP:
		options__print_trace_categories(stdout, lguest_trace_names());
		return EXIT_SUCCESS;
	case OPTIONS_ERROR:
		die(EXIT_STATUS_BAD_USAGE, "%s", err);
	case OPTIONS_RUN:
		break;
	}

	uint32_t trace_mask = parse_trace(l->options.trace_spec);
	uint32_t entry = load_guest(l);
	l->trace_file = open_trace_file(l->options.trace_file_path);
	create_devices(l);
	start_host(l, trace_mask, entry);

	enum exit_status status = launcher__run(l);
	shut_down(l);
	return status;
}
