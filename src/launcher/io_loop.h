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
 *
 * A watch waits either on one descriptor for input (the terminal) or on a
 * set of descriptors, each with its own events, and on a deadline: that is
 * what a network stack like libslirp needs, whose sockets come and go and
 * whose TCP timers must run even when nothing arrives.  The thread only
 * says "something in the set is ready, or the time has come"; the callback
 * finds out what by polling the set itself, without waiting.
 */
#ifndef LAUNCHER_IO_LOOP_H
#define LAUNCHER_IO_LOOP_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IO_LOOP_MAX_WATCHES 16

struct io_watch {
	int fd;
	/* Runs in the main thread when fd is readable (or at EOF or error). */
	void (*ready)(void *opaque);
	void *opaque;
	/*
	 * Instead of fd (which is then ignored): nr_fds descriptors, each
	 * with its events.  And, with either: fire at deadline_ns
	 * (io_loop__now_ns()'s clock) if nothing is ready by then; 0: never.
	 * The owner changes these only while the watch is disarmed.
	 */
	struct pollfd *fds;
	unsigned nr_fds;
	int64_t deadline_ns;
	/* Owned by the loop: */
	bool armed, fired;
	unsigned generation; /* counts armings: a stale poll() result is ignored */
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
/* Watch fd (or the set, or the deadline) for one readiness event. */
void io_loop__arm(struct io_loop *loop, struct io_watch *watch);
/*
 * Stop watching (an armed watch that has not fired); afterwards the owner
 * may change the watch's descriptors and deadline, and arm it again.
 */
void io_loop__disarm(struct io_loop *loop, struct io_watch *watch);

/* CLOCK_MONOTONIC in nanoseconds: the clock of deadline_ns. */
int64_t io_loop__now_ns(void);

/* Start the thread; 0 or -1. */
int io_loop__start(struct io_loop *loop);

/* In the main thread: run the callbacks of the watches that fired. */
void io_loop__dispatch(struct io_loop *loop);

/*
 * Without the thread (tests): wait up to timeout_ms for an armed watch
 * (or its deadline, if sooner), then dispatch.  Returns how many fired.
 */
int io_loop__poll(struct io_loop *loop, int timeout_ms);

#endif /* LAUNCHER_IO_LOOP_H */
