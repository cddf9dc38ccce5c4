/*
 * io_loop.c - the service thread: poll() and kick, nothing else.
 */
#define _GNU_SOURCE /* pipe2 */
#include "io_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
		watch->generation = 0;
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
	watch->generation++;
	pthread_mutex_unlock(&loop->lock);
	wake(loop);
}

void io_loop__disarm(struct io_loop *loop, struct io_watch *watch)
{
	if (loop->wake_pipe[0] < 0)
		return;
	pthread_mutex_lock(&loop->lock);
	watch->armed = false;
	pthread_mutex_unlock(&loop->lock);
	/* No wake-up: a poll() result for it is now ignored (mark_fired). */
}

int64_t io_loop__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * What one poll() waits on: pfd[i] belongs to who[i] (NULL: the wake
 * pipe) as it was armed for the generation[i]th time; and the earliest
 * deadline (0: none).  The arrays grow as watches bring more descriptors.
 */
struct poll_set {
	struct pollfd *pfd;
	struct io_watch **who;
	unsigned *generation;
	unsigned n, capacity;
	int64_t deadline_ns;
};

static void poll_set__add(struct poll_set *set, int fd, short events,
			  struct io_watch *who)
{
	if (set->n == set->capacity) {
		unsigned capacity = set->capacity ? 2 * set->capacity : 32;
		struct pollfd *pfd = realloc(set->pfd, capacity * sizeof(*pfd));
		struct io_watch **w = pfd ? realloc(set->who, capacity * sizeof(*w)) : NULL;
		unsigned *g = w ? realloc(set->generation, capacity * sizeof(*g)) : NULL;

		if (pfd)
			set->pfd = pfd;
		if (w)
			set->who = w;
		if (!g)
			return; /* out of memory: this descriptor waits for the next round */
		set->generation = g;
		set->capacity = capacity;
	}
	set->pfd[set->n] = (struct pollfd){ .fd = fd, .events = events };
	set->who[set->n] = who;
	set->generation[set->n++] = who ? who->generation : 0;
}

static void poll_set__free(struct poll_set *set)
{
	free(set->pfd);
	free(set->who);
	free(set->generation);
	*set = (struct poll_set){ 0 };
}

/*
 * Fill the set with the wake pipe and every armed watch that has not
 * fired.  Called with the lock held.
 */
static void build_poll_set(struct io_loop *loop, struct poll_set *set,
			   bool with_wake_pipe)
{
	set->n = 0;
	set->deadline_ns = 0;
	if (with_wake_pipe)
		poll_set__add(set, loop->wake_pipe[0], POLLIN, NULL);
	for (unsigned i = 0; i < loop->nr_watches; i++) {
		struct io_watch *w = loop->watches[i];

		if (!w->armed || w->fired)
			continue;
		if (w->deadline_ns &&
		    (!set->deadline_ns || w->deadline_ns < set->deadline_ns))
			set->deadline_ns = w->deadline_ns;
		if (!w->fds) {
			poll_set__add(set, w->fd, POLLIN, w);
			continue;
		}
		for (unsigned j = 0; j < w->nr_fds; j++)
			poll_set__add(set, w->fds[j].fd, w->fds[j].events, w);
	}
}

/* poll()'s timeout: until the deadline, but no longer than max_ms (-1: any). */
static int poll_timeout(int64_t deadline_ns, int max_ms)
{
	int64_t left_ms;

	if (!deadline_ns)
		return max_ms;
	left_ms = (deadline_ns - io_loop__now_ns() + 999999) / 1000000;
	if (left_ms < 0)
		left_ms = 0;
	if (max_ms >= 0 && left_ms > max_ms)
		return max_ms;
	return left_ms > INT32_MAX ? INT32_MAX : (int)left_ms;
}

static int fire(struct io_watch *w)
{
	w->armed = false;
	w->fired = true;
	return 1;
}

/*
 * Mark what poll() found ready, and every watch whose deadline has come,
 * as fired (and disarmed); how many.
 */
static int mark_fired(struct io_loop *loop, const struct poll_set *set)
{
	int64_t now = io_loop__now_ns();
	int fired = 0;

	pthread_mutex_lock(&loop->lock);
	for (unsigned i = 0; i < set->n; i++) {
		struct io_watch *w = set->who[i];

		if (!w || !set->pfd[i].revents)
			continue;
		/* Still registered, armed, and armed as it was when polled? */
		for (unsigned j = 0; j < loop->nr_watches; j++)
			if (loop->watches[j] == w && w->armed &&
			    w->generation == set->generation[i])
				fired += fire(w);
	}
	for (unsigned j = 0; j < loop->nr_watches; j++) {
		struct io_watch *w = loop->watches[j];

		if (w->armed && w->deadline_ns && w->deadline_ns <= now)
			fired += fire(w);
	}
	pthread_mutex_unlock(&loop->lock);
	return fired;
}

static void *io_thread(void *arg)
{
	struct io_loop *loop = arg;
	struct poll_set set = { 0 };

	for (;;) {
		pthread_mutex_lock(&loop->lock);
		bool stopping = loop->stopping;
		build_poll_set(loop, &set, true);
		pthread_mutex_unlock(&loop->lock);
		if (stopping)
			break;

		if (poll(set.pfd, set.n, poll_timeout(set.deadline_ns, -1)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (set.n && set.who[0] == NULL && set.pfd[0].revents)
			drain_wake_pipe(loop);
		if (mark_fired(loop, &set) > 0 && loop->kick)
			loop->kick(loop->kick_opaque);
	}
	poll_set__free(&set);
	return NULL;
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
	struct poll_set set = { 0 };
	int fired = 0;

	if (loop->wake_pipe[0] < 0)
		return 0;
	pthread_mutex_lock(&loop->lock);
	build_poll_set(loop, &set, false);
	pthread_mutex_unlock(&loop->lock);
	if (set.n > 0 || set.deadline_ns) {
		int r = poll(set.pfd, set.n, poll_timeout(set.deadline_ns, timeout_ms));

		if (r > 0 || set.deadline_ns)
			fired = mark_fired(loop, &set);
	}
	poll_set__free(&set);
	if (fired)
		io_loop__dispatch(loop);
	return fired;
}
