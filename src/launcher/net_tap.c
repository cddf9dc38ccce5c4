/*
 * net_tap.c - the --tunnet= backend: a TAP device, as lguest's 4.4
 * Launcher made one.  The Guest's frames come out of a new host network
 * interface (tap0, tap1, ...), whose host side either gets the IPv4
 * address given (--tunnet=192.168.19.1) or joins a bridge
 * (--tunnet=bridge:br0).  This needs CAP_NET_ADMIN; without it lguest-emu
 * says so in one line and exits with status 1.
 *
 * 4.4 asked for the virtio-net header on the TAP device and turned on
 * checksum and segmentation offloads.  We offer the Guest no offloads, so
 * frames go through bare (IFF_NO_PI, no IFF_VNET_HDR): one read() or
 * write() is one Ethernet frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io_loop.h"
#include "net_backend.h"
#include "net_options.h"

struct net_tap {
	struct net_backend backend;
	int fd;
	char name[IFNAMSIZ];
	struct io_loop *loop;
	struct io_watch watch;
	bool watching;
	bool starved; /* stopped reading: the device had no room */
	uint8_t frame[NET_FRAME_MAX];
};

static struct net_tap *from_backend(struct net_backend *backend)
{
	return (struct net_tap *)((char *)backend - offsetof(struct net_tap, backend));
}

/* The TAP device has frames: read them while the device has room. */
static void frames_ready(void *opaque)
{
	struct net_tap *tap = opaque;

	for (;;) {
		if (!net_backend__can_deliver(&tap->backend)) {
			tap->starved = true;
			return;
		}
		ssize_t n = read(tap->fd, tap->frame, sizeof(tap->frame));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return; /* the device went away: the Guest just hears nothing more */
		net_backend__deliver(&tap->backend, tap->frame, (size_t)n);
	}
	io_loop__arm(tap->loop, &tap->watch);
}

static void tap_send(struct net_backend *backend, const uint8_t *frame,
		     size_t len)
{
	struct net_tap *tap = from_backend(backend);

	/* A full TAP queue loses the frame, as a full wire would. */
	while (write(tap->fd, frame, len) < 0 && errno == EINTR)
		;
}

static void tap_resume(struct net_backend *backend)
{
	struct net_tap *tap = from_backend(backend);

	if (tap->starved && tap->watching) {
		tap->starved = false;
		io_loop__arm(tap->loop, &tap->watch);
	}
}

static void tap_close(struct net_backend *backend)
{
	struct net_tap *tap = from_backend(backend);

	if (tap->watching)
		io_loop__remove(tap->loop, &tap->watch);
	if (tap->fd >= 0)
		close(tap->fd); /* the kernel removes the interface */
	free(tap);
}

static const struct net_backend_ops tap_ops = {
	.send = tap_send,
	.resume = tap_resume,
	.close = tap_close,
};

/* One line for a failed step; lacking privileges gets a hint. */
static void failed(char *err, size_t errlen, const char *what)
{
	int e = errno;

	snprintf(err, errlen, "--tunnet: %s: %s%s", what, strerror(e),
		 e == EPERM || e == EACCES ? " (a TAP device needs CAP_NET_ADMIN)" : "");
}

/* The host side: give it an address, or put it in a bridge; then up. */
static int configure(struct net_tap *tap, const struct net_tap_options *options,
		     char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = -1;

	if (sock < 0) {
		failed(err, errlen, "socket");
		return -1;
	}
	if (options->bridge) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", options->bridge_name);
		ifr.ifr_ifindex = (int)if_nametoindex(tap->name);
		if (ioctl(sock, SIOCBRADDIF, &ifr) < 0) {
			char what[64];

			snprintf(what, sizeof(what), "cannot add %s to bridge %s", tap->name,
				 options->bridge_name);
			failed(err, errlen, what);
			goto out;
		}
	} else {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_addr.s_addr = htonl(options->host_addr),
		};

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap->name);
		memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
		if (ioctl(sock, SIOCSIFADDR, &ifr) < 0) {
			failed(err, errlen, "cannot set the TAP device's address");
			goto out;
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap->name);
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
		failed(err, errlen, "cannot bring the TAP device up");
		goto out;
	}
	r = 0;
out:
	close(sock);
	return r;
}

struct net_backend *net_tap__open(const struct net_tap_options *options,
				  struct io_loop *loop, char *err,
				  size_t errlen)
{
	struct net_tap *tap = calloc(1, sizeof(*tap));
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };

	if (!tap) {
		snprintf(err, errlen, "--tunnet: out of memory");
		return NULL;
	}
	tap->backend.ops = &tap_ops;
	tap->loop = loop;
	tap->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap->fd < 0) {
		failed(err, errlen, "cannot open /dev/net/tun");
		goto fail;
	}
	/* The kernel picks the first free tapN. */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tap%%d");
	if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0) {
		failed(err, errlen, "cannot create a TAP device");
		goto fail;
	}
	memcpy(tap->name, ifr.ifr_name, sizeof(tap->name));
	if (configure(tap, options, err, errlen) < 0)
		goto fail;

	tap->watch = (struct io_watch){ .fd = tap->fd, .ready = frames_ready, .opaque = tap };
	if (io_loop__add(loop, &tap->watch) < 0) {
		snprintf(err, errlen, "--tunnet: too many descriptors to watch");
		goto fail;
	}
	tap->watching = true;
	io_loop__arm(loop, &tap->watch);
	return &tap->backend;
fail:
	tap_close(&tap->backend);
	return NULL;
}
