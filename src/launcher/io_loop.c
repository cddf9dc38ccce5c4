/*
 * io_loop.c - the service thread: poll() and kick, nothing else.
 */
#define _GNU_SOURCE /* pipe2 */
#include "io_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

int io_loop__init(struct io_loop *loop)
{
	memset(loop, 0, sizeof(*loop));
	if (pipe2(loop->wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		loop->wake_pipe[0] = loop->wake_pipe[1] = -1;
		return -1;
	}
	pthread_mutex_init(&loop->lock, NULL);
	return 0;
}

static void wake(struct io_loop *loop)
{
	char byte = 0;

	/* A full pipe is already a pending wake-up. */
	if (write(loop->wake_pipe[1], &byte, 1) < 0 && errno != EAGAIN)
		return;
}

static void drain_wake_pipe(struct io_loop *loop)
{
	char buf[64];

	while (read(loop->wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void io_loop__stop(struct io_loop *loop)
{
	if (!loop->running)
		return;
	pthread_mutex_lock(&loop->lock);
	loop->stopping = true;
	pthread_mutex_unlock(&loop->lock);
	wake(loop);
	pthread_join(loop->thread, NULL);
	loop->running = false;
}

void io_loop__destroy(struct io_loop *loop)
{
	if (loop->wake_pipe[0] < 0)
		return;
	io_loop__stop(loop);
	close(loop->wake_pipe[0]);
	close(loop->wake_pipe[1]);
	loop->wake_pipe[0] = loop->wake_pipe[1] = -1;
	pthread_mutex_destroy(&loop->lock);
}

int io_loop__add(struct io_loop *loop, struct io_watch *watch)
{
	int r = -1;

	if (loop->wake_pipe[0] < 0)
		return -1;

	pthread_mutex_lock(&loop->lock);
	if (loop->nr_watches < IO_LOOP_MAX_WATCHES) {
		watch->armed = watch->fired = false;
		loop->watches[loop->nr_watches++] = watch;
		r = 0;
	}
	pthread_mutex_unlock(&loop->lock);
	return r;
}

void io_loop__remove(struct io_loop *loop, struct io_watch *watch)
{
	if (loop->wake_pipe[0] < 0)
		return;
	pthread_mutex_lock(&loop->lock);
	for (unsigned i = 0; i < loop->nr_watches; i++) {
		if (loop->watches[i] == watch) {
			loop->watches[i] = loop->watches[--loop->nr_watches];
			break;
		}
	}
	pthread_mutex_unlock(&loop->lock);
	wake(loop);
}

void io_loop__arm(struct io_loop *loop, struct io_watch *watch)
{
	if (loop->wake_pipe[0] < 0)
		return;
	pthread_mutex_lock(&loop->lock);
	watch->armed = true;
	pthread_mutex_unlock(&loop->lock);
	wake(loop);
}

/*
 * Fill pfd[] with the wake pipe and every armed watch that has not fired;
 * who[] says which watch each entry is.  Called with the lock held.
 */
static unsigned build_poll_set(struct io_loop *loop, struct pollfd *pfd,
			       struct io_watch **who, bool with_wake_pipe)
{
	unsigned n = 0;

	if (with_wake_pipe) {
		pfd[n] = (struct pollfd){ .fd = loop->wake_pipe[0], .events = POLLIN };
		who[n++] = NULL;
	}
	for (unsigned i = 0; i < loop->nr_watches; i++) {
		struct io_watch *w = loop->watches[i];

		if (w->armed && !w->fired) {
			pfd[n] = (struct pollfd){ .fd = w->fd, .events = POLLIN };
			who[n++] = w;
		}
	}
	return n;
}

/* Mark what poll() found ready as fired (and disarmed); how many. */
static int mark_fired(struct io_loop *loop, const struct pollfd *pfd,
		      struct io_watch **who, unsigned n)
{
	int fired = 0;

	pthread_mutex_lock(&loop->lock);
	for (unsigned i = 0; i < n; i++) {
		if (!who[i] || !pfd[i].revents)
			continue;
		/* Still registered?  It may have been removed meanwhile. */
		for (unsigned j = 0; j < loop->nr_watches; j++) {
			if (loop->watches[j] == who[i] && who[i]->armed) {
				who[i]->armed = false;
				who[i]->fired = true;
				fired++;
			}
		}
	}
	pthread_mutex_unlock(&loop->lock);
	return fired;
}

static void *io_thread(void *arg)
{
	struct io_loop *loop = arg;
	struct pollfd pfd[IO_LOOP_MAX_WATCHES + 1];
	struct io_watch *who[IO_LOOP_MAX_WATCHES + 1];

	for (;;) {
		pthread_mutex_lock(&loop->lock);
		bool stopping = loop->stopping;
		unsigned n = build_poll_set(loop, pfd, who, true);
		pthread_mutex_unlock(&loop->lock);
		if (stopping)
			return NULL;

		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfd[0].revents)
			drain_wake_pipe(loop);
		if (mark_fired(loop, pfd, who, n) > 0 && loop->kick)
			loop->kick(loop->kick_opaque);
	}
}

int io_loop__start(struct io_loop *loop)
{
	if (pthread_create(&loop->thread, NULL, io_thread, loop) != 0)
		return -1;
	loop->running = true;
	return 0;
}

void io_loop__dispatch(struct io_loop *loop)
{
	if (loop->wake_pipe[0] < 0)
		return;
	for (;;) {
		struct io_watch *ready = NULL;

		pthread_mutex_lock(&loop->lock);
		for (unsigned i = 0; i < loop->nr_watches && !ready; i++) {
			if (loop->watches[i]->fired) {
				ready = loop->watches[i];
				ready->fired = false;
			}
		}
		pthread_mutex_unlock(&loop->lock);
		if (!ready)
			return;
		/* Without the lock: the callback may re-arm. */
		ready->ready(ready->opaque);
	}
}

int io_loop__poll(struct io_loop *loop, int timeout_ms)
{
	struct pollfd pfd[IO_LOOP_MAX_WATCHES];
	struct io_watch *who[IO_LOOP_MAX_WATCHES];
	int fired;

	if (loop->wake_pipe[0] < 0)
		return 0;
	pthread_mutex_lock(&loop->lock);
	unsigned n = build_poll_set(loop, pfd, who, false);
	pthread_mutex_unlock(&loop->lock);
	if (n == 0 || poll(pfd, n, timeout_ms) <= 0)
		return 0;
	fired = mark_fired(loop, pfd, who, n);
	io_loop__dispatch(loop);
	return fired;
}
