/*
 * virtio_net.c - the virtio network card: --net=user (libslirp,
 * net_slirp.c) and --tunnet= (a TAP device, net_tap.c).  Linux calls it
 * eth0.
 *
 * Queue 0 receives (frames for the Guest), queue 1 transmits (the Guest's
 * frames); no control queue.  Every frame in either direction is preceded
 * by the 12-byte virtio-net header of virtio 1.0 (lguest-4.4-abi.md §9.7).
 * We offer no offloads, so the Guest's headers say nothing we need and
 * ours are all zero but num_buffers = 1.
 *
 * Frames come from the backend whenever it has them, the driver's receive
 * buffers when it gets round to adding them: what finds no buffer waits
 * in a bounded queue here, and is delivered when the driver notifies the
 * receive queue.  When that queue is full, a backend that can wait (TAP)
 * stops reading, and frames from one that cannot (slirp) are dropped, as
 * a full network card's would be; TCP sends them again.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "devices.h"
#include "machine.h"
#include "net_backend.h"
#include "net_options.h"
#include "virtio_pci.h"

#define VIRTIO_NET_F_MAC 5

#define VIRTIO_NET_HEADER_SIZE 12 /* with num_buffers: VERSION_1 */
#define VIRTIO_NET_HEADER_NUM_BUFFERS 10
#define VIRTIO_NET_S_LINK_UP 1

/* Device configuration: mac[6], status u16, max_virtqueue_pairs u16 (as 4.4). */
enum net_config_offset {
	NET_CONFIG_MAC = 0,
	NET_CONFIG_STATUS = 6,
	NET_CONFIG_MAX_VIRTQUEUE_PAIRS = 8,
	NET_CONFIG_SIZE = 10,
};

enum net_queue {
	NET_QUEUE_RECEIVE,
	NET_QUEUE_TRANSMIT,
	NET_QUEUES,
};

/* Frames that wait for receive buffers: at most this many. */
#define NET_RX_WAITING_MAX 256

struct net_frame {
	uint8_t *data;
	size_t len;
};

struct virtio_net {
	struct virtio_pci_device *dev;
	struct net_backend *backend;
	uint8_t config[NET_CONFIG_SIZE];
	/* A ring of frames waiting for receive buffers, oldest at `first`. */
	struct net_frame waiting[NET_RX_WAITING_MAX];
	unsigned first, nr_waiting;
	uint8_t tx_frame[NET_FRAME_MAX];
};

/* ---- Receive: frames for the Guest ---------------------------------------- */

/*
 * Put one frame into the next receive buffer: 1 if it went (or was too
 * big for the buffer and was dropped), 0 if the driver has no buffer, -1
 * if the driver turned out hostile (the Guest is being killed).
 */
static int receive_one(struct virtio_net *net, const uint8_t *frame,
		       size_t len)
{
	uint8_t header[VIRTIO_NET_HEADER_SIZE] = { 0 };
	struct virtq_chain chain;
	int r = virtio_pci__pop(net->dev, NET_QUEUE_RECEIVE, &chain);

	if (r <= 0)
		return r;
	if (chain.nr_readable) {
		virtio_pci__kill_guest(net->dev, NET_QUEUE_RECEIVE,
				       "descriptor %u is device-readable, in a "
				       "buffer for received frames",
				       chain.buf[0].desc);
		return -1;
	}
	if (chain.writable_len < sizeof(header) + len) {
		/* Linux's buffers hold any frame we send; a smaller one gets none. */
		virtio_pci__push(net->dev, NET_QUEUE_RECEIVE, chain.head, 0);
		return 1;
	}
	put_le16(header + VIRTIO_NET_HEADER_NUM_BUFFERS, 1);
	virtq_chain__scatter(&chain, 0, header, sizeof(header));
	virtq_chain__scatter(&chain, sizeof(header), frame, len);
	virtio_pci__push(net->dev, NET_QUEUE_RECEIVE, chain.head,
			 (uint32_t)(sizeof(header) + len));
	return 1;
}

/* Deliver waiting frames while the driver has buffers for them. */
static void deliver_waiting(struct virtio_net *net)
{
	bool used = false;

	while (net->nr_waiting > 0) {
		struct net_frame *f = &net->waiting[net->first];
		int r = receive_one(net, f->data, f->len);

		if (r < 0)
			return;
		if (r == 0)
			break;
		free(f->data);
		net->first = (net->first + 1) % NET_RX_WAITING_MAX;
		net->nr_waiting--;
		used = true;
	}
	if (!used)
		return;
	virtio_pci__queue_done(net->dev, NET_QUEUE_RECEIVE);
	/* There is room again: a backend that stopped reading may go on. */
	net->backend->ops->resume(net->backend);
}

/* Keep a frame until the driver has a buffer for it; false if full. */
static bool keep_waiting(struct virtio_net *net, const uint8_t *frame,
			 size_t len)
{
	struct net_frame *f;
	uint8_t *copy;

	if (net->nr_waiting == NET_RX_WAITING_MAX || !(copy = malloc(len)))
		return false;
	memcpy(copy, frame, len);
	f = &net->waiting[(net->first + net->nr_waiting) % NET_RX_WAITING_MAX];
	*f = (struct net_frame){ copy, len };
	net->nr_waiting++;
	return true;
}

/* The backend has a frame for the Guest. */
static void frame_arrived(void *opaque, const uint8_t *frame, size_t len)
{
	struct virtio_net *net = opaque;
	int r = 0;

	/* Frames that wait go first (the driver may have added buffers). */
	if (net->nr_waiting > 0)
		deliver_waiting(net);
	if (net->nr_waiting == 0) {
		r = receive_one(net, frame, len);
		if (r > 0)
			virtio_pci__queue_done(net->dev, NET_QUEUE_RECEIVE);
	}
	if (r == 0)
		keep_waiting(net, frame, len); /* or lost, if the queue is full */
}

static bool room_for_frames(void *opaque)
{
	struct virtio_net *net = opaque;

	return net->nr_waiting < NET_RX_WAITING_MAX;
}

static void drop_waiting(struct virtio_net *net)
{
	while (net->nr_waiting > 0) {
		free(net->waiting[net->first].data);
		net->first = (net->first + 1) % NET_RX_WAITING_MAX;
		net->nr_waiting--;
	}
	net->first = 0;
}

/* ---- Transmit: the Guest's frames ----------------------------------------- */

static void transmit(struct virtio_net *net)
{
	struct virtq_chain chain;
	bool used = false;

	while (virtio_pci__pop(net->dev, NET_QUEUE_TRANSMIT, &chain) > 0) {
		if (chain.nr_writable) {
			virtio_pci__kill_guest(net->dev, NET_QUEUE_TRANSMIT,
					       "descriptor %u is device-writable, in a "
					       "frame to transmit",
					       chain.buf[chain.nr_readable].desc);
			return;
		}
		if (chain.readable_len < VIRTIO_NET_HEADER_SIZE) {
			virtio_pci__kill_guest(net->dev, NET_QUEUE_TRANSMIT,
					       "the frame at descriptor %u has no "
					       "%u-byte header", chain.head,
					       VIRTIO_NET_HEADER_SIZE);
			return;
		}
		uint64_t len = chain.readable_len - VIRTIO_NET_HEADER_SIZE;

		/*
		 * Without offloads the header says nothing: skip it.  A frame
		 * too short for Ethernet, or too long without segmentation
		 * offload, goes nowhere.
		 */
		if (len >= NET_ETH_HEADER_LEN && len <= sizeof(net->tx_frame)) {
			virtq_chain__gather(&chain, VIRTIO_NET_HEADER_SIZE,
					    net->tx_frame, len);
			/* The backend may answer at once, into receive buffers. */
			net->backend->ops->send(net->backend, net->tx_frame, (size_t)len);
		}
		virtio_pci__push(net->dev, NET_QUEUE_TRANSMIT, chain.head, 0);
		used = true;
		if (machine__stopped(net->dev->machine) != MACHINE_RUNNING)
			break;
	}
	if (used)
		virtio_pci__queue_done(net->dev, NET_QUEUE_TRANSMIT);
}

static void net_queue_notify(void *model, unsigned queue)
{
	struct virtio_net *net = model;

	if (queue == NET_QUEUE_RECEIVE)
		deliver_waiting(net);
	else
		transmit(net);
}

/* ---- Configuration and life cycle ----------------------------------------- */

static int net_config_read(void *model, unsigned offset, unsigned size,
			   uint32_t *value)
{
	struct virtio_net *net = model;

	*value = get_le(net->config + offset, size);
	return 0;
}

/* The driver resets the card: frames held for its old buffers go. */
static void net_reset(void *model)
{
	struct virtio_net *net = model;

	drop_waiting(net);
	net->backend->ops->resume(net->backend);
}

static void net_destroy(void *model)
{
	struct virtio_net *net = model;

	net->backend->ops->close(net->backend);
	drop_waiting(net);
	free(net);
}

static const char *const net_queue_names[] = { "receive", "transmit" };

static const struct virtio_device_ops net_ops = {
	.name = "virtio-net",
	.type = VIRTIO_TYPE_NET,
	.pci_class = 0x02, /* network controller */
	.pci_subclass = 0x00,
	.features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
		    1ull << VIRTIO_RING_F_INDIRECT_DESC,
	.num_queues = NET_QUEUES,
	.queue_names = net_queue_names,
	.config_size = NET_CONFIG_SIZE,
	.config_read = net_config_read,
	/* config_write: the MAC is read-only in virtio 1.0. */
	.queue_notify = net_queue_notify,
	.reset = net_reset,
	.destroy = net_destroy,
};

int virtio_net__create(struct machine *machine, struct net_backend *backend,
		       const uint8_t mac[NET_ETH_ADDR_LEN], char *err,
		       size_t errlen)
{
	struct virtio_net *net = calloc(1, sizeof(*net));

	if (!net) {
		snprintf(err, errlen, "out of memory for the network card");
		return -1;
	}
	net->backend = backend;
	memcpy(net->config + NET_CONFIG_MAC, mac, NET_ETH_ADDR_LEN);
	/* Not offered (no STATUS, no MQ), but true: */
	put_le16(net->config + NET_CONFIG_STATUS, VIRTIO_NET_S_LINK_UP);
	put_le16(net->config + NET_CONFIG_MAX_VIRTQUEUE_PAIRS, 1);
	net->dev = virtio_pci__create(machine, &net_ops, net, err, errlen);
	if (!net->dev) {
		free(net);
		return -1;
	}
	net_backend__attach(backend, &(struct net_receiver){
		.opaque = net,
		.receive = frame_arrived,
		.can_receive = room_for_frames,
	});
	return 0;
}

/* ---- The command line: --net=user and --tunnet= ---------------------------- */

/*
 * A MAC address when none was given: locally administered (02:...), "lg",
 * and the card's number, so that two cards differ and a restart keeps them.
 */
static void default_mac(uint8_t mac[NET_ETH_ADDR_LEN])
{
	static uint8_t cards;
	const uint8_t base[NET_ETH_ADDR_LEN] = { 0x02, 0x6c, 0x67, 0x00, 0x00, 0x01 };

	memcpy(mac, base, NET_ETH_ADDR_LEN);
	mac[5] = (uint8_t)(mac[5] + cards++);
}

/* A card on an opened backend; the backend is closed if that fails. */
static int create_on(struct machine *machine, struct net_backend *backend,
		     bool has_mac, const uint8_t given_mac[NET_ETH_ADDR_LEN],
		     char *err, size_t errlen)
{
	uint8_t mac[NET_ETH_ADDR_LEN];

	if (!backend)
		return -1;
	if (has_mac)
		memcpy(mac, given_mac, NET_ETH_ADDR_LEN);
	else
		default_mac(mac);
	if (virtio_net__create(machine, backend, mac, err, errlen) < 0) {
		backend->ops->close(backend);
		return -1;
	}
	return 0;
}

static int check_user(const char *arg, char *err, size_t errlen)
{
	struct net_user_options options;

	return net_options__parse_user(arg, &options, err, errlen);
}

static int create_user(struct machine *machine, const char *arg, char *err,
		       size_t errlen)
{
	struct net_user_options options;

	if (net_options__parse_user(arg, &options, err, errlen) < 0)
		return -1;
	return create_on(machine, net_slirp__open(&options, &machine->io, err, errlen),
			 options.has_mac, options.mac, err, errlen);
}

static int check_tap(const char *arg, char *err, size_t errlen)
{
	struct net_tap_options options;

	return net_options__parse_tap(arg, &options, err, errlen);
}

static int create_tap(struct machine *machine, const char *arg, char *err,
		      size_t errlen)
{
	struct net_tap_options options;

	if (net_options__parse_tap(arg, &options, err, errlen) < 0)
		return -1;
	return create_on(machine, net_tap__open(&options, &machine->io, err, errlen),
			 options.has_mac, options.mac, err, errlen);
}

static struct device_model virtio_net_user_model = {
	.name = "net",
	.check = check_user,
	.create = create_user,
};
DEVICE_MODEL(virtio_net_user_model)

static struct device_model virtio_net_tap_model = {
	.name = "tunnet",
	.check = check_tap,
	.create = create_tap,
};
DEVICE_MODEL(virtio_net_tap_model)
