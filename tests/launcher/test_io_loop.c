/*
 * test_io_loop.c - the service thread wakes the main thread when input
 * is there, and the callback then runs in the main thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "io_loop.h"

static struct io_loop loop;
static int fds[2];
static int kicks;
static int ran;
static pthread_t callback_thread;

static void kick(void *opaque)
{
	__atomic_add_fetch(&kicks, 1, __ATOMIC_SEQ_CST);
}

static void ready(void *opaque)
{
	char c;

	callback_thread = pthread_self();
	ran++;
	assert_int_equal(read(fds[0], &c, 1), 1);
}

static int setup(void **state)
{
	assert_int_equal(io_loop__init(&loop), 0);
	assert_int_equal(pipe(fds), 0);
	loop.kick = kick;
	kicks = ran = 0;
	return 0;
}

static int teardown(void **state)
{
	io_loop__destroy(&loop);
	close(fds[0]);
	close(fds[1]);
	return 0;
}

/* Wait up to 5 s for the thread's kick. */
static bool wait_for_kicks(int n)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&kicks, __ATOMIC_SEQ_CST) >= n)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_readable_fd_kicks_and_the_callback_runs_on_dispatch(void **state)
{
	struct io_watch watch = { .fd = fds[0], .ready = ready };

	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__start(&loop), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);

	assert_true(wait_for_kicks(1));
	assert_int_equal(ran, 0); /* nothing runs until the main thread says */
	io_loop__dispatch(&loop);
	assert_int_equal(ran, 1);
	assert_true(pthread_equal(callback_thread, pthread_self()));
	io_loop__remove(&loop, &watch);
}

static void test_fired_watch_stays_quiet_until_rearmed(void **state)
{
	struct io_watch watch = { .fd = fds[0], .ready = ready };

	io_loop__add(&loop, &watch);
	io_loop__arm(&loop, &watch);
	io_loop__start(&loop);
	assert_int_equal(write(fds[1], "ab", 2), 2);
	assert_true(wait_for_kicks(1));
	usleep(20000);
	assert_int_equal(__atomic_load_n(&kicks, __ATOMIC_SEQ_CST), 1);

	io_loop__dispatch(&loop); /* reads one byte; one is left */
	io_loop__arm(&loop, &watch);
	assert_true(wait_for_kicks(2));
	io_loop__dispatch(&loop);
	assert_int_equal(ran, 2);
	io_loop__remove(&loop, &watch);
}

static void test_unarmed_watch_is_not_polled(void **state)
{
	struct io_watch watch = { .fd = fds[0], .ready = ready };

	io_loop__add(&loop, &watch);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(io_loop__poll(&loop, 10), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 1000), 1);
	assert_int_equal(ran, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_readable_fd_kicks_and_the_callback_runs_on_dispatch),
		T(test_fired_watch_stays_quiet_until_rearmed),
		T(test_unarmed_watch_is_not_polled),
	};

	return cmocka_run_group_tests_name("io_loop", tests, NULL, NULL);
}
