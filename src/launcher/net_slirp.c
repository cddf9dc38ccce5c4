/*
 * net_slirp.c - the --net=user backend: libslirp, a user-mode TCP/IP
 * stack.  It plays the Guest's whole network on 10.0.2.0/24: the gateway
 * and the host's loopback at 10.0.2.2, a DNS forwarder at 10.0.2.3, a
 * DHCP server handing out 10.0.2.15, and it carries the Guest's TCP and
 * UDP connections out through ordinary sockets of ours.  No privileges.
 * hostfwd listens on 127.0.0.1 and connects whoever comes to the Guest.
 *
 * libslirp is not thread-safe, so it is only ever called from the main
 * thread: slirp_input() when the Guest transmits, slirp_pollfds_poll()
 * and its timers from our io_loop callback.  Its sockets change with
 * every connection, so after each call we ask it which descriptors it
 * wants watched and for how long at most (slirp_pollfds_fill()) and hand
 * that set, with the deadline, to the io_loop watch; the service thread
 * wakes us when one is ready or the time has come (slirp's TCP timers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libslirp.h>
#if SLIRP_CONFIG_VERSION_MAX < 4
#error "lguest-emu needs libslirp 4.7 or later (SlirpConfig version 4)"
#endif

#include "io_loop.h"
#include "net_backend.h"
#include "net_options.h"
#include "report.h"

/* A slirp timer (in 4.7 only IPv6 router advertisements use one). */
struct slirp_timer {
	struct slirp_timer *next;
	SlirpTimerId id;
	SlirpTimerCb cb; /* for the older timer_new(); else NULL */
	void *cb_opaque;
	int64_t expire_ms; /* on clock_get_ns's clock; -1: not running */
};

/* The descriptors slirp wants watched, with their events. */
struct poll_list {
	struct pollfd *fds;
	unsigned n, capacity;
};

struct net_slirp {
	struct net_backend backend;
	Slirp *slirp;
	struct io_loop *loop;
	struct io_watch watch;
	bool watching;   /* the watch is registered with the loop */
	bool armed;      /* ... and armed, its callback not yet run */
	/* The list the watch has, and the one slirp_pollfds_fill() fills. */
	struct poll_list lists[2];
	unsigned watched;
	struct slirp_timer *timers;
};

static struct net_slirp *from_backend(struct net_backend *backend)
{
	return (struct net_slirp *)((char *)backend - offsetof(struct net_slirp, backend));
}

/* ---- slirp's callbacks -------------------------------------------------- */

/* A frame from slirp's side of the wire, for the Guest. */
static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *s = opaque;

	net_backend__deliver(&s->backend, buf, len);
	return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
	report__warning("--net=user: the Guest sent a bad packet: %s", msg);
}

static int64_t clock_get_ns(void *opaque)
{
	return io_loop__now_ns();
}

static struct slirp_timer *add_timer(struct net_slirp *s, SlirpTimerId id,
				     SlirpTimerCb cb, void *cb_opaque)
{
	struct slirp_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL; /* slirp then runs without that timer */
	*t = (struct slirp_timer){ s->timers, id, cb, cb_opaque, -1 };
	s->timers = t;
	return t;
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	return add_timer(opaque, SLIRP_TIMER_NUM, cb, cb_opaque);
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	return add_timer(opaque, id, NULL, cb_opaque);
}

static void timer_free(void *timer, void *opaque)
{
	struct net_slirp *s = opaque;

	for (struct slirp_timer **link = &s->timers; *link; link = &(*link)->next) {
		if (*link == timer) {
			*link = ((struct slirp_timer *)timer)->next;
			free(timer);
			return;
		}
	}
}

/*
 * Slirp runs only inside our calls to it, and after each of those we
 * hand its whole set of descriptors and its deadline to the loop
 * (refresh_watch()), so changes need no action when they happen: from
 * inside slirp we must not call slirp_pollfds_fill() anyway.
 */
static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer *t = timer;

	if (t)
		t->expire_ms = expire_ms;
}

static void register_poll_fd(int fd, void *opaque)
{
}

static void unregister_poll_fd(int fd, void *opaque)
{
}

static void notify(void *opaque)
{
}

static const SlirpCb slirp_callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = clock_get_ns,
	.timer_new = timer_new,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = register_poll_fd,
	.unregister_poll_fd = unregister_poll_fd,
	.notify = notify,
	.timer_new_opaque = timer_new_opaque,
};

/* ---- Polling: slirp's sockets as one io_loop watch ---------------------- */

static short to_poll_events(int slirp_events)
{
	return (short)((slirp_events & SLIRP_POLL_IN ? POLLIN : 0) |
		       (slirp_events & SLIRP_POLL_OUT ? POLLOUT : 0) |
		       (slirp_events & SLIRP_POLL_PRI ? POLLPRI : 0));
}

static int from_poll_events(short revents)
{
	return (revents & POLLIN ? SLIRP_POLL_IN : 0) |
	       (revents & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (revents & POLLPRI ? SLIRP_POLL_PRI : 0) |
	       (revents & (POLLERR | POLLNVAL) ? SLIRP_POLL_ERR : 0) |
	       (revents & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* slirp_pollfds_fill() names a descriptor: into the list being filled. */
static int add_poll(int fd, int events, void *opaque)
{
	struct net_slirp *s = opaque;
	struct poll_list *list = &s->lists[!s->watched];

	if (list->n == list->capacity) {
		unsigned capacity = list->capacity ? 2 * list->capacity : 16;
		struct pollfd *fds = realloc(list->fds, capacity * sizeof(*fds));

		if (!fds)
			return -1; /* not watched this round; slirp copes with -1 */
		list->fds = fds;
		list->capacity = capacity;
	}
	list->fds[list->n] = (struct pollfd){ .fd = fd, .events = to_poll_events(events) };
	return (int)list->n++;
}

static int get_revents(int idx, void *opaque)
{
	struct net_slirp *s = opaque;
	const struct poll_list *list = &s->lists[s->watched];

	if (idx < 0 || (unsigned)idx >= list->n)
		return 0;
	return from_poll_events(list->fds[idx].revents);
}

static bool same_list(const struct poll_list *a, const struct poll_list *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->fds[i].fd != b->fds[i].fd || a->fds[i].events != b->fds[i].events)
			return false;
	return true;
}

/*
 * After every call into slirp (never from inside one): ask it what to watch and until when, and
 * give that to the loop.  A watch that already waits on the same
 * descriptors, and will wake no later than needed, is left alone.
 */
static void refresh_watch(struct net_slirp *s)
{
	struct poll_list *next = &s->lists[!s->watched];
	uint32_t timeout_ms = UINT32_MAX;
	int64_t deadline = 0;

	if (!s->slirp || !s->watching)
		return;
	next->n = 0;
	slirp_pollfds_fill(s->slirp, &timeout_ms, add_poll, s);
	if (timeout_ms != UINT32_MAX)
		deadline = io_loop__now_ns() + (int64_t)timeout_ms * 1000000;
	for (const struct slirp_timer *t = s->timers; t; t = t->next) {
		int64_t at = t->expire_ms * 1000000;

		if (t->expire_ms >= 0 && (!deadline || at < deadline))
			deadline = at;
	}

	if (s->armed && same_list(next, &s->lists[s->watched]) &&
	    (!deadline || (s->watch.deadline_ns && s->watch.deadline_ns <= deadline)))
		return;

	io_loop__disarm(s->loop, &s->watch);
	s->watched = !s->watched;
	s->watch.fds = s->lists[s->watched].fds;
	s->watch.nr_fds = s->lists[s->watched].n;
	s->watch.deadline_ns = deadline ? deadline : 0;
	s->armed = true;
	io_loop__arm(s->loop, &s->watch);
}

static void run_timers(struct net_slirp *s)
{
	int64_t now_ms = io_loop__now_ns() / 1000000;

	/* A timer's callback may free or re-arm timers: start over each time. */
	for (bool fired = true; fired; ) {
		fired = false;
		for (struct slirp_timer *t = s->timers; t; t = t->next) {
			if (t->expire_ms < 0 || t->expire_ms > now_ms)
				continue;
			t->expire_ms = -1;
			if (t->cb)
				t->cb(t->cb_opaque);
			else
				slirp_handle_timer(s->slirp, t->id, t->cb_opaque);
			fired = true;
			break;
		}
	}
}

/* The io_loop callback: a socket is ready, or a timer is due. */
static void sockets_ready(void *opaque)
{
	struct net_slirp *s = opaque;
	struct poll_list *list = &s->lists[s->watched];
	int r = 0;

	s->armed = false;
	/* The thread only said "something"; what exactly, poll() says now. */
	if (list->n)
		r = poll(list->fds, list->n, 0);
	if (r <= 0)
		for (unsigned i = 0; i < list->n; i++)
			list->fds[i].revents = 0;
	slirp_pollfds_poll(s->slirp, r < 0, get_revents, s);
	run_timers(s);
	refresh_watch(s);
}

/* ---- The backend -------------------------------------------------------- */

static void slirp_send(struct net_backend *backend, const uint8_t *frame,
		       size_t len)
{
	struct net_slirp *s = from_backend(backend);

	slirp_input(s->slirp, frame, (int)len);
	/* A new connection is a new socket to watch. */
	refresh_watch(s);
}

/* Slirp cannot be held back: the device drops what it cannot keep. */
static void slirp_resume(struct net_backend *backend)
{
}

static void slirp_close(struct net_backend *backend)
{
	struct net_slirp *s = from_backend(backend);

	if (s->watching)
		io_loop__remove(s->loop, &s->watch);
	s->watching = false;
	if (s->slirp)
		slirp_cleanup(s->slirp); /* frees its timers through timer_free */
	while (s->timers)
		timer_free(s->timers, s);
	free(s->lists[0].fds);
	free(s->lists[1].fds);
	free(s);
}

static const struct net_backend_ops slirp_ops = {
	.send = slirp_send,
	.resume = slirp_resume,
	.close = slirp_close,
};

static struct in_addr in_addr_of(uint32_t host_order)
{
	return (struct in_addr){ .s_addr = htonl(host_order) };
}

static int add_hostfwd(struct net_slirp *s, const struct net_hostfwd *fwd,
		       char *err, size_t errlen)
{
	errno = 0;
	if (slirp_add_hostfwd(s->slirp, fwd->udp, in_addr_of(NET_HOST_LOOPBACK),
			      fwd->host_port, in_addr_of(fwd->guest_addr),
			      fwd->guest_port) == 0)
		return 0;
	snprintf(err, errlen, "--net=user: hostfwd: cannot listen on %s port "
		 "127.0.0.1:%u%s%s", fwd->udp ? "UDP" : "TCP", fwd->host_port,
		 errno ? ": " : "", errno ? strerror(errno) : "");
	return -1;
}

struct net_backend *net_slirp__open(const struct net_user_options *options,
				    struct io_loop *loop, char *err,
				    size_t errlen)
{
	const SlirpConfig config = {
		.version = 4,
		.restricted = 0,   /* the Guest may reach the outside world */
		.in_enabled = true,
		.vnetwork = in_addr_of(NET_USER_NETWORK),
		.vnetmask = in_addr_of(NET_USER_NETMASK),
		.vhost = in_addr_of(NET_USER_HOST),
		.in6_enabled = false, /* IPv4 only */
		.vdhcp_start = in_addr_of(NET_USER_GUEST),
		.vnameserver = in_addr_of(NET_USER_DNS),
		/* 10.0.2.2 is the host's 127.0.0.1: how a Guest reaches our servers. */
		.disable_host_loopback = false,
		.enable_emu = false,
	};
	struct net_slirp *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "--net=user: out of memory");
		return NULL;
	}
	s->backend.ops = &slirp_ops;
	s->loop = loop;
	s->watch = (struct io_watch){ .fd = -1, .ready = sockets_ready, .opaque = s };
	s->slirp = slirp_new(&config, &slirp_callbacks, s);
	if (!s->slirp) {
		snprintf(err, errlen, "--net=user: libslirp could not start");
		slirp_close(&s->backend);
		return NULL;
	}
	for (unsigned i = 0; i < options->nr_hostfwd; i++) {
		if (add_hostfwd(s, &options->hostfwd[i], err, errlen) < 0) {
			slirp_close(&s->backend);
			return NULL;
		}
	}
	if (io_loop__add(loop, &s->watch) < 0) {
		snprintf(err, errlen, "--net=user: too many descriptors to watch");
		slirp_close(&s->backend);
		return NULL;
	}
	s->watching = true;
	refresh_watch(s);
	return &s->backend;
}
