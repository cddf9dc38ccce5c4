/*
 * test_io_loop_sets.c - watches on a set of descriptors, each with its
 * events, and watches with a deadline (what the slirp backend needs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "io_loop.h"

static struct io_loop loop;
static int a[2], b[2];
static int ran, kicks;

static void ready(void *opaque)
{
	ran++;
}

static void kick(void *opaque)
{
	__atomic_add_fetch(&kicks, 1, __ATOMIC_SEQ_CST);
}

static int setup(void **state)
{
	assert_int_equal(io_loop__init(&loop), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	loop.kick = kick;
	ran = kicks = 0;
	return 0;
}

static int teardown(void **state)
{
	io_loop__destroy(&loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return 0;
}

static void test_a_set_fires_when_any_of_its_descriptors_is_ready(void **state)
{
	struct pollfd fds[2] = { { .fd = a[0], .events = POLLIN },
				 { .fd = b[0], .events = POLLIN } };
	struct io_watch watch = { .fds = fds, .nr_fds = 2, .ready = ready };

	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 0), 0);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(io_loop__poll(&loop, 1000), 1);
	assert_int_equal(ran, 1);
	/* Fired once, disarmed: it waits until armed again. */
	assert_int_equal(io_loop__poll(&loop, 0), 0);
	io_loop__remove(&loop, &watch);
}

static void test_each_descriptor_waits_for_its_own_events(void **state)
{
	/* A pipe's write end is writable at once; nothing is readable. */
	struct pollfd fds[2] = { { .fd = a[0], .events = POLLIN },
				 { .fd = a[1], .events = POLLOUT } };
	struct io_watch watch = { .fds = fds, .nr_fds = 1, .ready = ready };

	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 0), 0);
	/* The owner changes the set only while the watch is disarmed. */
	io_loop__disarm(&loop, &watch);
	watch.nr_fds = 2;
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 1000), 1);
	io_loop__remove(&loop, &watch);
}

static void test_a_deadline_fires_the_watch_when_nothing_is_ready(void **state)
{
	struct pollfd fds[1] = { { .fd = a[0], .events = POLLIN } };
	struct io_watch watch = { .fds = fds, .nr_fds = 1, .ready = ready };
	int64_t start = io_loop__now_ns();

	watch.deadline_ns = start + 30 * 1000000;
	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 5000), 1);
	assert_int_equal(ran, 1);
	assert_true(io_loop__now_ns() >= watch.deadline_ns);
	assert_true(io_loop__now_ns() - start < 2000ll * 1000000); /* not the 5 s */
	io_loop__remove(&loop, &watch);
}

static void test_a_deadline_alone_is_a_timer(void **state)
{
	struct io_watch watch = { .fd = -1, .ready = ready };

	watch.deadline_ns = io_loop__now_ns() + 10 * 1000000;
	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 5000), 1);
	assert_int_equal(ran, 1);
	io_loop__remove(&loop, &watch);
}

static void test_a_disarmed_watch_does_not_fire(void **state)
{
	struct io_watch watch = { .fd = a[0], .ready = ready };

	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	io_loop__disarm(&loop, &watch);
	assert_int_equal(io_loop__poll(&loop, 0), 0);
	assert_int_equal(ran, 0);
	io_loop__remove(&loop, &watch);
}

static bool wait_for_kicks(int n)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&kicks, __ATOMIC_SEQ_CST) >= n)
			return true;
		usleep(1000);
	}
	return false;
}

static void test_the_thread_kicks_at_a_deadline(void **state)
{
	struct io_watch watch = { .fd = a[0], .ready = ready };

	watch.deadline_ns = io_loop__now_ns() + 20 * 1000000;
	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__start(&loop), 0);
	assert_true(wait_for_kicks(1));
	io_loop__dispatch(&loop);
	assert_int_equal(ran, 1);
	io_loop__stop(&loop);
	io_loop__remove(&loop, &watch);
}

static void test_the_thread_watches_a_set_rearmed_with_new_descriptors(void **state)
{
	struct pollfd first[1] = { { .fd = a[0], .events = POLLIN } };
	struct pollfd second[1] = { { .fd = b[0], .events = POLLIN } };
	struct io_watch watch = { .fds = first, .nr_fds = 1, .ready = ready };

	assert_int_equal(io_loop__add(&loop, &watch), 0);
	io_loop__arm(&loop, &watch);
	assert_int_equal(io_loop__start(&loop), 0);
	io_loop__disarm(&loop, &watch);
	watch.fds = second;
	io_loop__arm(&loop, &watch);
	/* The old set's descriptor is no longer watched ... */
	assert_int_equal(write(a[1], "x", 1), 1);
	usleep(50 * 1000);
	assert_int_equal(__atomic_load_n(&kicks, __ATOMIC_SEQ_CST), 0);
	/* ... the new one is. */
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_true(wait_for_kicks(1));
	io_loop__stop(&loop);
	io_loop__remove(&loop, &watch);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_set_fires_when_any_of_its_descriptors_is_ready),
		T(test_each_descriptor_waits_for_its_own_events),
		T(test_a_deadline_fires_the_watch_when_nothing_is_ready),
		T(test_a_deadline_alone_is_a_timer),
		T(test_a_disarmed_watch_does_not_fire),
		T(test_the_thread_kicks_at_a_deadline),
		T(test_the_thread_watches_a_set_rearmed_with_new_descriptors),
	};

	return cmocka_run_group_tests_name("io_loop_sets", tests, NULL, NULL);
}
