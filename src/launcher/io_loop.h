/*
 * io_loop.h - the Launcher's one service thread, which waits on the host
 * file descriptors device backends read from (stdin today; a network
 * backend's sockets later).
 *
 * lguest's 4.4 Launcher gave every virtqueue a thread of its own.  Here all
 * device work runs in the main thread, between two lguest_run() calls,
 * where the Guest is stopped: no locks around virtqueues, and tests are
 * deterministic.  What the main thread cannot do is wait for input while
 * lguest_run() is running or sleeping in a HALT, so this thread does only
 * that: poll().  When a watched descriptor becomes ready it stops
 * watching it (so it does not spin), and kicks the main thread out of
 * lguest_run() (lguest_break()); the main thread then runs the watch's
 * callback (io_loop__dispatch()), which reads what is there and re-arms
 * the watch when it wants more.
 */
#ifndef LAUNCHER_IO_LOOP_H
#define LAUNCHER_IO_LOOP_H

#include <pthread.h>
#include <stdbool.h>

#define IO_LOOP_MAX_WATCHES 16

struct io_watch {
	int fd;
	/* Runs in the main thread when fd is readable (or at EOF or error). */
	void (*ready)(void *opaque);
	void *opaque;
	/* Owned by the loop: */
	bool armed, fired;
};

struct io_loop {
	pthread_mutex_t lock;
	struct io_watch *watches[IO_LOOP_MAX_WATCHES];
	unsigned nr_watches;
	int wake_pipe[2]; /* rebuilds the poll set, or stops the thread */
	pthread_t thread;
	bool running, stopping;
	/* How the thread gets the main thread's attention: lguest_break(). */
	void (*kick)(void *opaque);
	void *kick_opaque;
};

/* 0, or -1 if the wake pipe cannot be made. */
int io_loop__init(struct io_loop *loop);
/* Stop the thread (if it runs) and wait for it; watches stay. */
void io_loop__stop(struct io_loop *loop);
/* Stop, and free the loop. */
void io_loop__destroy(struct io_loop *loop);

/* Add a watch, disarmed; -1 if there are too many. */
int io_loop__add(struct io_loop *loop, struct io_watch *watch);
/* Remove a watch (before its owner frees it). */
void io_loop__remove(struct io_loop *loop, struct io_watch *watch);
/* Watch fd for one readiness event. */
void io_loop__arm(struct io_loop *loop, struct io_watch *watch);

/* Start the thread; 0 or -1. */
int io_loop__start(struct io_loop *loop);

/* In the main thread: run the callbacks of the watches that fired. */
void io_loop__dispatch(struct io_loop *loop);

/*
 * Without the thread (tests): wait up to timeout_ms for an armed watch,
 * then dispatch.  Returns how many fired.
 */
int io_loop__poll(struct io_loop *loop, int timeout_ms);

#endif /* LAUNCHER_IO_LOOP_H */
