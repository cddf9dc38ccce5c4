/*
 * virtio_console.c - the virtio console: always present, always PCI slot 1
 * and interrupt line 1, so the Guest's early console finds it
 * (lguest-4.4-abi.md §9.7, §9.9).
 *
 * For now it offers only the emergency-write register, which is all the
 * Guest needs to print before its virtio driver binds; the receive and
 * transmit queues come with the virtqueue implementation.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "devices.h"
#include "machine.h"
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

struct virtio_console {
	int out_fd;
};

static void console_put_char(struct virtio_console *console, uint8_t c)
{
	/* Unbuffered: the character must be out even if the Guest dies next. */
	while (write(console->out_fd, &c, 1) < 0 && errno == EINTR)
		;
}

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
	if (offset != CONSOLE_CONFIG_EMERG_WR || size != 4)
		return -1;
	console_put_char(model, (uint8_t)value);
	return 0;
}

static void console_destroy(void *model)
{
	free(model);
}

static const struct virtio_device_ops console_ops = {
	.name = "console",
	.type = VIRTIO_TYPE_CONSOLE,
	.pci_class = 0x07, /* communication controller */
	.pci_subclass = 0x00,
	.features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_CONSOLE_F_EMERG_WRITE,
	.num_queues = CONSOLE_QUEUES,
	.config_size = CONSOLE_CONFIG_SIZE,
	.config_read = console_config_read,
	.config_write = console_config_write,
	.destroy = console_destroy,
};

static int virtio_console__create(struct machine *machine, const char *arg,
				  char *err, size_t errlen)
{
	struct virtio_console *console = malloc(sizeof(*console));

	if (!console) {
		snprintf(err, errlen, "out of memory for the console");
		return -1;
	}
	console->out_fd = machine->console_out_fd;
	if (!virtio_pci__create(machine, &console_ops, console, err, errlen)) {
		free(console);
		return -1;
	}
	return 0;
}

static struct device_model virtio_console_model = {
	.name = "console",
	.always = true,
	.create = virtio_console__create,
};
DEVICE_MODEL(virtio_console_model)
