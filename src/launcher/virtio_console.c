/*
 * virtio_console.c - the virtio console: always present, always PCI slot 1
 * and interrupt line 1, so the Guest's early console finds it
 * (lguest-4.4-abi.md §9.7, §9.9).  One port, which Linux calls hvc0.
 *
 * Queue 0 receives (our input to the Guest), queue 1 transmits (the
 * Guest's output to us).  Before its driver binds, the Guest prints
 * through the emergency-write register in the device configuration.
 * The terminal (terminal.c) is the backend; this file is only the device.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "machine.h"
#include "terminal.h"
#include "virtio_pci.h"

#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

/* Device configuration: cols u16, rows u16, max_nr_ports u32, emerg_wr u32. */
enum console_config_offset {
	CONSOLE_CONFIG_COLS = 0,
	CONSOLE_CONFIG_ROWS = 2,
	CONSOLE_CONFIG_MAX_NR_PORTS = 4,
	CONSOLE_CONFIG_EMERG_WR = 8,
	CONSOLE_CONFIG_SIZE = 12,
};

enum console_queue {
	CONSOLE_QUEUE_RECEIVE,
	CONSOLE_QUEUE_TRANSMIT,
	CONSOLE_QUEUES,
};

/* Input read from the terminal that the Guest has not taken yet. */
#define CONSOLE_INPUT_MAX 4096

struct virtio_console {
	struct virtio_pci_device *dev;
	struct machine *machine;
	struct terminal terminal;
	uint8_t input[CONSOLE_INPUT_MAX];
	size_t input_len;
};

/* ---- Receive: input to the Guest ----------------------------------------- */

/* Fill the Guest's receive buffers with what input we hold. */
static void deliver_input(struct virtio_console *console)
{
	struct virtq_chain chain;
	bool used = false;

	while (console->input_len > 0 &&
	       virtio_pci__pop(console->dev, CONSOLE_QUEUE_RECEIVE, &chain) > 0) {
		if (chain.nr_readable) {
			virtio_pci__kill_guest(console->dev, CONSOLE_QUEUE_RECEIVE,
					       "descriptor %u is device-readable, in a "
					       "buffer for input", chain.buf[0].desc);
			return;
		}
		size_t n = (size_t)virtq_chain__scatter(&chain, 0, console->input,
							console->input_len);
		memmove(console->input, console->input + n, console->input_len - n);
		console->input_len -= n;
		virtio_pci__push(console->dev, CONSOLE_QUEUE_RECEIVE, chain.head,
				 (uint32_t)n);
		used = true;
	}
	if (used) {
		virtio_pci__queue_done(console->dev, CONSOLE_QUEUE_RECEIVE);
		terminal__want_input(&console->terminal);
	}
}

static size_t input_room(void *opaque)
{
	struct virtio_console *console = opaque;

	return sizeof(console->input) - console->input_len;
}

static void input_arrived(void *opaque, const uint8_t *data, size_t len)
{
	struct virtio_console *console = opaque;

	if (len > input_room(console))
		len = input_room(console);
	memcpy(console->input + console->input_len, data, len);
	console->input_len += len;
	deliver_input(console);
}

static void quit_requested(void *opaque)
{
	struct virtio_console *console = opaque;

	machine__quit(console->machine);
}

/* ---- Transmit: the Guest's output ---------------------------------------- */

static void transmit(struct virtio_console *console)
{
	struct virtq_chain chain;
	bool used = false;

	while (virtio_pci__pop(console->dev, CONSOLE_QUEUE_TRANSMIT, &chain) > 0) {
		if (chain.nr_writable) {
			virtio_pci__kill_guest(console->dev, CONSOLE_QUEUE_TRANSMIT,
					       "descriptor %u is device-writable, in a "
					       "buffer for output",
					       chain.buf[chain.nr_readable].desc);
			return;
		}
		for (unsigned i = 0; i < chain.nr_readable; i++)
			terminal__write(&console->terminal, chain.buf[i].data,
					chain.buf[i].len);
		virtio_pci__push(console->dev, CONSOLE_QUEUE_TRANSMIT, chain.head, 0);
		used = true;
	}
	if (used)
		virtio_pci__queue_done(console->dev, CONSOLE_QUEUE_TRANSMIT);
}

static void console_queue_notify(void *model, unsigned queue)
{
	struct virtio_console *console = model;

	if (queue == CONSOLE_QUEUE_RECEIVE)
		deliver_input(console);
	else
		transmit(console);
}

/* ---- Configuration --------------------------------------------------------- */

/*
 * Neither size nor multiport is offered, so the driver never looks at
 * cols, rows or max_nr_ports; they read as 0 (4.4 left them uninitialised).
 */
static int console_config_read(void *model, unsigned offset, unsigned size,
				uint32_t *value)
{
	*value = 0;
	return 0;
}

/* A 32-bit write to emerg_wr prints its low byte, whatever the status. */
static int console_config_write(void *model, unsigned offset, unsigned size,
				uint32_t value)
{
	struct virtio_console *console = model;
	uint8_t c = (uint8_t)value;

	if (offset != CONSOLE_CONFIG_EMERG_WR || size != 4)
		return -1;
	/* Unbuffered: the character must be out even if the Guest dies next. */
	terminal__write(&console->terminal, &c, 1);
	return 0;
}

static void console_destroy(void *model)
{
	struct virtio_console *console = model;

	terminal__close(&console->terminal);
	free(console);
}

static const char *const console_queue_names[] = { "receive", "transmit" };

static const struct virtio_device_ops console_ops = {
	.name = "virtio-console",
	.type = VIRTIO_TYPE_CONSOLE,
	.pci_class = 0x07, /* communication controller */
	.pci_subclass = 0x00,
	.features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_CONSOLE_F_EMERG_WRITE,
	.num_queues = CONSOLE_QUEUES,
	.queue_names = console_queue_names,
	.config_size = CONSOLE_CONFIG_SIZE,
	.config_read = console_config_read,
	.config_write = console_config_write,
	.queue_notify = console_queue_notify,
	.destroy = console_destroy,
};

static int virtio_console__create(struct machine *machine, const char *arg,
				  char *err, size_t errlen)
{
	struct virtio_console *console = calloc(1, sizeof(*console));
	const struct terminal_sink sink = {
		.opaque = console,
		.room = input_room,
		.input = input_arrived,
		.quit = quit_requested,
	};

	if (!console) {
		snprintf(err, errlen, "out of memory for the console");
		return -1;
	}
	console->machine = machine;
	/* Output works from the start: the early console comes first. */
	console->terminal.out_fd = machine->console_out_fd;
	console->dev = virtio_pci__create(machine, &console_ops, console, err, errlen);
	if (!console->dev) {
		free(console);
		return -1;
	}
	/* From here on the transport owns the console (and frees it). */
	if (terminal__open(&console->terminal, &machine->io, machine->console_in_fd,
			   machine->console_out_fd, machine->console_raw_tty, &sink,
			   err, errlen) < 0)
		return -1;
	return 0;
}

static struct device_model virtio_console_model = {
	.name = "console",
	.always = true,
	.create = virtio_console__create,
};
DEVICE_MODEL(virtio_console_model)
