/*
 * net_backend.h - where the virtio network card's frames go, and come from.
 *
 * The device model (virtio_net.c) knows virtqueues and the virtio-net
 * header; a backend knows only Ethernet frames: it sends the ones the
 * Guest transmits and hands over the ones it receives.  Two backends:
 *
 *   net_slirp.c  --net=user: libslirp, a user-mode TCP/IP stack that
 *                plays router, DHCP and DNS server, and turns the Guest's
 *                connections into the host's sockets (no privileges)
 *   net_tap.c    --tunnet=: a TAP device, as the 4.4 Launcher made
 *                (needs CAP_NET_ADMIN)
 *
 * Everything here runs in the main thread: send() when the Guest notifies
 * its transmit queue, and receive() from the backend's io_loop callback
 * (or from inside send(): a stack like slirp may answer at once).
 */
#ifndef LAUNCHER_NET_BACKEND_H
#define LAUNCHER_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_loop;
struct machine;
struct net_tap_options;
struct net_user_options;

#define NET_ETH_ADDR_LEN 6
#define NET_ETH_HEADER_LEN 14
/* The largest frame either way: no segmentation offloads are offered. */
#define NET_FRAME_MAX (65535 + NET_ETH_HEADER_LEN)

/* Where a backend delivers received frames: the device. */
struct net_receiver {
	void *opaque;
	/* One Ethernet frame for the Guest; the receiver copies it. */
	void (*receive)(void *opaque, const uint8_t *frame, size_t len);
	/*
	 * Can the receiver keep another frame now?  A backend that can wait
	 * (a TAP device) stops reading until resume(); one that cannot (slirp)
	 * delivers anyway and the receiver drops what it cannot keep.
	 */
	bool (*can_receive)(void *opaque);
};

struct net_backend;

struct net_backend_ops {
	/* One frame from the Guest (no virtio header); lost on failure. */
	void (*send)(struct net_backend *backend, const uint8_t *frame,
		     size_t len);
	/* The receiver has room again. */
	void (*resume)(struct net_backend *backend);
	void (*close)(struct net_backend *backend);
};

struct net_backend {
	const struct net_backend_ops *ops;
	struct net_receiver receiver; /* set by the device (net_backend__attach) */
};

/* The device takes the backend's frames from now on. */
static inline void net_backend__attach(struct net_backend *backend,
				       const struct net_receiver *receiver)
{
	backend->receiver = *receiver;
}

/* For backends: hand a received frame over (dropped if nobody listens). */
static inline void net_backend__deliver(struct net_backend *backend,
					const uint8_t *frame, size_t len)
{
	if (backend->receiver.receive)
		backend->receiver.receive(backend->receiver.opaque, frame, len);
}

static inline bool net_backend__can_deliver(const struct net_backend *backend)
{
	return !backend->receiver.can_receive ||
	       backend->receiver.can_receive(backend->receiver.opaque);
}

/*
 * Open a backend: slirp for --net=user, a TAP device for --tunnet=.  Its
 * descriptors join `loop`.  NULL with one line in err[] on failure.
 */
struct net_backend *net_slirp__open(const struct net_user_options *options,
				    struct io_loop *loop, char *err,
				    size_t errlen);
struct net_backend *net_tap__open(const struct net_tap_options *options,
				  struct io_loop *loop, char *err,
				  size_t errlen);

/*
 * The device model's side (virtio_net.c): a virtio network card with MAC
 * address `mac` on an opened backend.  On success the card owns the
 * backend and closes it when the machine is destroyed; on failure (-1,
 * reason in err[]) the backend is still the caller's.
 */
int virtio_net__create(struct machine *machine, struct net_backend *backend,
		       const uint8_t mac[NET_ETH_ADDR_LEN], char *err,
		       size_t errlen);

#endif /* LAUNCHER_NET_BACKEND_H */
