/*
 * virtio_blk.c - the virtio block device, --block=FILE[,ro]: one request
 * queue over a raw disk image (disk_image.c is the backend).
 *
 * A request is a chain: a 16-byte header the device reads (type, sector),
 * data, and a status byte the device writes — the last writable byte.  We
 * find the parts by byte position, not by descriptor, so any split of the
 * buffers works.  Requests run at once, in the main thread, when the
 * driver notifies the queue: the Guest waits for the disk, which keeps the
 * emulator deterministic, and a CPU emulator is slower than a disk anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "devices.h"
#include "disk_image.h"
#include "machine.h"
#include "virtio_pci.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9

enum virtio_blk_type {
	VIRTIO_BLK_T_IN = 0,
	VIRTIO_BLK_T_OUT = 1,
	VIRTIO_BLK_T_FLUSH = 4,
	VIRTIO_BLK_T_GET_ID = 8,
};

enum virtio_blk_status {
	VIRTIO_BLK_S_OK = 0,
	VIRTIO_BLK_S_IOERR = 1,
	VIRTIO_BLK_S_UNSUPP = 2,
};

#define SECTOR_SIZE 512u
#define REQUEST_HEADER_SIZE 16
#define VIRTIO_BLK_ID_BYTES 20
/* As lguest's Launcher: room for a request's data segments. */
#define BLK_SEG_MAX 254

/* Device configuration (36 bytes, as in 4.4); only these fields mean anything. */
enum blk_config_offset {
	BLK_CONFIG_CAPACITY = 0, /* u64, in 512-byte sectors */
	BLK_CONFIG_SEG_MAX = 12, /* u32 */
	BLK_CONFIG_SIZE = 36,
};

struct virtio_blk {
	struct virtio_pci_device *dev;
	struct disk_image image;
	uint64_t capacity; /* sectors */
	uint8_t config[BLK_CONFIG_SIZE];
	char id[VIRTIO_BLK_ID_BYTES]; /* GET_ID: the file's name, NUL-padded */
};

/*
 * Move `len` bytes between the image at `offset` and the chain's data,
 * which starts `skip` bytes into its readable (OUT) or writable (IN)
 * buffers.  Returns the bytes moved; *failed is set on an I/O error.
 */
static uint64_t transfer(struct virtio_blk *blk, const struct virtq_chain *chain,
			 bool to_guest, uint64_t skip, uint64_t len,
			 uint64_t offset, bool *failed)
{
	unsigned first = to_guest ? chain->nr_readable : 0;
	unsigned end = to_guest ? chain->nr_readable + chain->nr_writable
				: chain->nr_readable;
	uint64_t done = 0;

	*failed = false;
	for (unsigned i = first; i < end && done < len; i++) {
		const struct virtq_buffer *b = &chain->buf[i];

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		size_t n = b->len - (size_t)skip;
		if (n > len - done)
			n = (size_t)(len - done);
		int r = to_guest ? disk_image__read(&blk->image, offset + done,
						    b->data + skip, n)
				 : disk_image__write(&blk->image, offset + done,
						     b->data + skip, n);
		if (r < 0) {
			*failed = true;
			return done;
		}
		done += n;
		skip = 0;
	}
	return done;
}

/* Do [sector, sector + len) lie on the disk, in whole sectors? */
static bool in_range(const struct virtio_blk *blk, uint64_t sector, uint64_t len)
{
	return len % SECTOR_SIZE == 0 && sector <= blk->capacity &&
	       len / SECTOR_SIZE <= blk->capacity - sector;
}

/* Serve one request; returns the bytes written into the chain, status included. */
static uint32_t serve(struct virtio_blk *blk, const struct virtq_chain *chain)
{
	uint8_t header[REQUEST_HEADER_SIZE];
	uint64_t data_out = chain->readable_len - REQUEST_HEADER_SIZE;
	uint64_t data_in = chain->writable_len - 1;
	uint64_t written = 0;
	uint8_t status = VIRTIO_BLK_S_OK;
	bool failed = false;

	virtq_chain__gather(chain, 0, header, sizeof(header));
	uint32_t type = get_le32(header);
	uint64_t sector = get_le64(header + 8);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (!in_range(blk, sector, data_in)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		written = transfer(blk, chain, true, 0, data_in, sector * SECTOR_SIZE,
				   &failed);
		break;
	case VIRTIO_BLK_T_OUT:
		if (blk->image.read_only || !in_range(blk, sector, data_out)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		transfer(blk, chain, false, REQUEST_HEADER_SIZE, data_out,
			 sector * SECTOR_SIZE, &failed);
		break;
	case VIRTIO_BLK_T_FLUSH:
		failed = disk_image__flush(&blk->image) < 0;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = virtq_chain__scatter(chain, 0, blk->id,
					       data_in < sizeof(blk->id) ? data_in
									 : sizeof(blk->id));
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (failed)
		status = VIRTIO_BLK_S_IOERR;
	virtq_chain__scatter(chain, data_in, &status, 1);
	return (uint32_t)(written + 1);
}

static void blk_queue_notify(void *model, unsigned queue)
{
	struct virtio_blk *blk = model;
	struct virtq_chain chain;
	bool used = false;

	while (virtio_pci__pop(blk->dev, 0, &chain) > 0) {
		if (chain.readable_len < REQUEST_HEADER_SIZE) {
			virtio_pci__kill_guest(blk->dev, 0, "the request at descriptor %u "
					       "has no %u-byte header", chain.head,
					       REQUEST_HEADER_SIZE);
			return;
		}
		if (chain.writable_len < 1) {
			virtio_pci__kill_guest(blk->dev, 0, "the request at descriptor %u "
					       "has no device-writable status byte",
					       chain.head);
			return;
		}
		virtio_pci__push(blk->dev, 0, chain.head, serve(blk, &chain));
		used = true;
	}
	if (used)
		virtio_pci__queue_done(blk->dev, 0);
}

static int blk_config_read(void *model, unsigned offset, unsigned size,
			   uint32_t *value)
{
	struct virtio_blk *blk = model;

	*value = get_le(blk->config + offset, size);
	return 0;
}

static void blk_destroy(void *model)
{
	struct virtio_blk *blk = model;

	disk_image__close(&blk->image);
	free(blk);
}

static const struct virtio_device_ops blk_ops = {
	.name = "virtio-blk",
	.type = VIRTIO_TYPE_BLOCK,
	.pci_class = 0x01, /* mass storage */
	.pci_subclass = 0x80,
	.features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_SEG_MAX |
		    1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_RING_F_INDIRECT_DESC,
	.num_queues = 1,
	.config_size = BLK_CONFIG_SIZE,
	.config_read = blk_config_read,
	/* config_write: nothing in it is writable without CONFIG_WCE. */
	.queue_notify = blk_queue_notify,
	.destroy = blk_destroy,
};

/* "FILE" or "FILE,ro": the path, and whether it is read-only. */
static void parse_arg(const char *arg, char *path, size_t len, bool *read_only)
{
	const char *comma = strrchr(arg, ',');

	*read_only = comma && strcmp(comma, ",ro") == 0;
	snprintf(path, len, "%.*s",
		 (int)(*read_only ? (size_t)(comma - arg) : strlen(arg)), arg);
}

static void make_id(struct virtio_blk *blk, const char *path)
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	memset(blk->id, 0, sizeof(blk->id));
	memcpy(blk->id, name, strnlen(name, sizeof(blk->id)));
}

static int virtio_blk__create(struct machine *machine, const char *arg,
			      char *err, size_t errlen)
{
	struct virtio_blk *blk;
	char path[4096], why[4200];
	bool read_only;

	if (!arg || !*arg) {
		snprintf(err, errlen, "--block needs a FILE");
		return -1;
	}
	parse_arg(arg, path, sizeof(path), &read_only);
	blk = calloc(1, sizeof(*blk));
	if (!blk) {
		snprintf(err, errlen, "out of memory for the block device");
		return -1;
	}
	if (disk_image__open(&blk->image, path, read_only, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "--block: %s", why);
		free(blk);
		return -1;
	}
	blk->capacity = blk->image.size / SECTOR_SIZE;
	put_le64(blk->config + BLK_CONFIG_CAPACITY, blk->capacity);
	put_le32(blk->config + BLK_CONFIG_SEG_MAX, BLK_SEG_MAX);
	make_id(blk, path);

	blk->dev = virtio_pci__create(machine, &blk_ops, blk, err, errlen);
	if (!blk->dev) {
		disk_image__close(&blk->image);
		free(blk);
		return -1;
	}
	if (read_only)
		blk->dev->features |= 1ull << VIRTIO_BLK_F_RO;
	return 0;
}

static struct device_model virtio_blk_model = {
	.name = "block",
	.create = virtio_blk__create,
};
DEVICE_MODEL(virtio_blk_model)
