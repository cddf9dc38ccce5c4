/*
 * virtio_rng.c - the virtio entropy device, --rng: the Guest's buffers on
 * its one queue are filled from the host's getrandom() (entropy.c).
 * Linux shows it as /dev/hwrng.
 */
#include <stdlib.h>
#include <stdio.h>

#include "devices.h"
#include "entropy.h"
#include "machine.h"
#include "virtio_pci.h"

struct virtio_rng {
	struct virtio_pci_device *dev;
};

static void rng_queue_notify(void *model, unsigned queue)
{
	struct virtio_rng *rng = model;
	struct virtq_chain chain;
	bool used = false;

	while (virtio_pci__pop(rng->dev, 0, &chain) > 0) {
		uint64_t filled = 0;

		if (chain.nr_readable) {
			virtio_pci__kill_guest(rng->dev, 0, "descriptor %u is "
					       "device-readable, in a buffer for "
					       "random bytes", chain.buf[0].desc);
			return;
		}
		for (unsigned i = 0; i < chain.nr_writable; i++) {
			const struct virtq_buffer *b = &chain.buf[i];

			if (entropy__fill(b->data, b->len) < 0)
				break;
			filled += b->len;
		}
		virtio_pci__push(rng->dev, 0, chain.head, (uint32_t)filled);
		used = true;
	}
	if (used)
		virtio_pci__queue_done(rng->dev, 0);
}

static void rng_destroy(void *model)
{
	free(model);
}

static const struct virtio_device_ops rng_ops = {
	.name = "virtio-rng",
	.type = VIRTIO_TYPE_RNG,
	.pci_class = 0xFF, /* unclassified */
	.pci_subclass = 0x00,
	.features = 1ull << VIRTIO_F_VERSION_1,
	.num_queues = 1,
	.queue_notify = rng_queue_notify,
	.destroy = rng_destroy,
};

static int virtio_rng__create(struct machine *machine, const char *arg,
			      char *err, size_t errlen)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));

	if (!rng) {
		snprintf(err, errlen, "out of memory for the rng device");
		return -1;
	}
	rng->dev = virtio_pci__create(machine, &rng_ops, rng, err, errlen);
	if (!rng->dev) {
		free(rng);
		return -1;
	}
	return 0;
}

static struct device_model virtio_rng_model = {
	.name = "rng",
	.create = virtio_rng__create,
};
DEVICE_MODEL(virtio_rng_model)
