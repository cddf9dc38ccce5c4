/*
 * test_virtio_console.c - the console's queues against pipes standing in
 * for the terminal: output on the transmit queue, input on the receive
 * queue (read when the I/O loop sees it), the Ctrl-A escape, and
 * buffers in the wrong direction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "machine.h"
#include "terminal.h"
#include "virtio_pci.h"
#include "virtio_test_driver.h"

#define CONSOLE_SLOT 1
#define RX 0
#define TX 1
#define FEATURES (1ull << VIRTIO_F_VERSION_1)

static struct machine machine;
static struct test_driver td;
static int in_pipe[2], out_pipe[2];
static unsigned irqs;

static void count_irq(void *opaque, unsigned line)
{
	assert_int_equal(line, 1);
	irqs++;
}

static int setup(void **state)
{
	char err[256];

	assert_int_equal(pipe(in_pipe), 0);
	assert_int_equal(pipe(out_pipe), 0);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	td_machine_init(&machine);
	machine.console_in_fd = in_pipe[0];
	machine.console_out_fd = out_pipe[1];
	machine.raise_irq = count_irq;
	irqs = 0;
	td = (struct test_driver){ .machine = &machine };
	assert_int_equal(devices__create(&machine, NULL, 0, err, sizeof(err)), 0);
	td.dev = machine.pci.slots[CONSOLE_SLOT].opaque;
	return 0;
}

static int setup_started(void **state)
{
	setup(state);
	td_start(&td, FEATURES);
	return 0;
}

static int teardown(void **state)
{
	td_machine_destroy(&machine);
	close(in_pipe[0]);
	close(in_pipe[1]);
	close(out_pipe[0]);
	close(out_pipe[1]);
	return 0;
}

static size_t output(char *buf, size_t len)
{
	ssize_t n = read(out_pipe[0], buf, len);

	return n < 0 ? 0 : (size_t)n;
}

/* Type on the "terminal" and let the I/O loop hand it to the console. */
static void type(const char *text)
{
	assert_int_equal(write(in_pipe[1], text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(io_loop__poll(&machine.io, 5000), 1);
}

/* Give the console one receive buffer of len bytes at gpa. */
static void add_receive_buffer(unsigned desc, uint64_t gpa, uint32_t len)
{
	td_desc(&td, RX, desc, gpa, len, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, RX, (uint16_t)desc);
	td_notify(&td, RX);
}

/* ---- Transmit ---------------------------------------------------------------- */

static void test_transmitted_buffers_come_out_on_stdout(void **state)
{
	char out[32];
	uint32_t id, len;

	memcpy(td_ram(&td, TD_DATA), "hello, ", 7);
	memcpy(td_ram(&td, TD_DATA + 0x100), "world", 5);
	td_desc(&td, TX, 0, TD_DATA, 7, VIRTQ_DESC_F_NEXT, 1);
	td_desc(&td, TX, 1, TD_DATA + 0x100, 5, 0, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);

	assert_int_equal(output(out, sizeof(out)), 12);
	assert_memory_equal(out, "hello, world", 12);
	assert_int_equal(td_used_idx(&td, TX), 1);
	td_used(&td, TX, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	assert_int_equal(irqs, 1);
}

static void test_transmit_buffer_that_is_writable_kills_the_guest(void **state)
{
	td_desc(&td, TX, 2, TD_DATA, 8, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, TX, 2);
	td_notify(&td, TX);
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason,
			    "virtio-console: descriptor 2 is device-writable, in a buffer "
			    "for output (transmit queue)");
}

static void test_hostile_transmit_chain_names_the_queue(void **state)
{
	td_desc(&td, TX, 0, TD_DATA, 8, VIRTQ_DESC_F_NEXT, 0);
	td_make_available(&td, TX, 0);
	td_notify(&td, TX);
	assert_string_equal(machine.stop_reason,
			    "virtio-console: the chain from descriptor 0 loops or is longer "
			    "than the queue (8) (transmit queue)");
}

static void test_emergency_write_works_even_on_a_broken_device(void **state)
{
	char out[4];

	virtio_pci__bar_write(td.dev, VIRTIO_BAR_ISR, 1, 0); /* breaks it */
	assert_true(td.dev->broken);
	td_write(&td, VIRTIO_BAR_DEVICE + 8, 4, '!');
	assert_int_equal(output(out, sizeof(out)), 1);
	assert_int_equal(out[0], '!');
}

/* ---- Receive ------------------------------------------------------------------ */

static void test_typed_input_lands_in_a_receive_buffer(void **state)
{
	uint32_t id, len;

	add_receive_buffer(0, TD_DATA, 16);
	type("abc");
	assert_int_equal(td_used_idx(&td, RX), 1);
	td_used(&td, RX, 0, &id, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(td_ram(&td, TD_DATA), "abc", 3);
	assert_int_equal(irqs, 1);
}

static void test_input_waits_for_a_receive_buffer(void **state)
{
	type("xy");
	assert_int_equal(td_used_idx(&td, RX), 0);
	add_receive_buffer(0, TD_DATA, 16);
	assert_int_equal(td_used_idx(&td, RX), 1);
	assert_memory_equal(td_ram(&td, TD_DATA), "xy", 2);
}

static void test_input_longer_than_a_buffer_fills_several(void **state)
{
	uint32_t id, len;

	add_receive_buffer(0, TD_DATA, 2);
	add_receive_buffer(1, TD_DATA + 0x100, 8);
	type("12345");
	assert_int_equal(td_used_idx(&td, RX), 2);
	td_used(&td, RX, 1, &id, &len);
	assert_int_equal(id, 1);
	assert_int_equal(len, 3);
	assert_memory_equal(td_ram(&td, TD_DATA), "12", 2);
	assert_memory_equal(td_ram(&td, TD_DATA + 0x100), "345", 3);
}

static void test_input_before_driver_ok_is_held_until_then(void **state)
{
	td_negotiate(&td, FEATURES);
	td_setup_queue(&td, RX, 8);
	td_setup_queue(&td, TX, 8);
	td_desc(&td, RX, 0, TD_DATA, 16, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, RX, 0);
	td_notify(&td, RX);
	type("early");
	assert_int_equal(td_used_idx(&td, RX), 0);
	td_driver_ok(&td);
	assert_int_equal(td_used_idx(&td, RX), 1);
	assert_memory_equal(td_ram(&td, TD_DATA), "early", 5);
}

static void test_receive_buffer_that_is_readable_kills_the_guest(void **state)
{
	td_desc(&td, RX, 4, TD_DATA, 16, 0, 0);
	td_make_available(&td, RX, 4);
	type("a");
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason,
			    "virtio-console: descriptor 4 is device-readable, in a buffer "
			    "for input (receive queue)");
}

static void test_end_of_input_stops_reading(void **state)
{
	close(in_pipe[1]);
	in_pipe[1] = open("/dev/null", O_WRONLY);
	assert_int_equal(io_loop__poll(&machine.io, 5000), 1);
	assert_int_equal(io_loop__poll(&machine.io, 0), 0);
}

/* ---- The escape ---------------------------------------------------------------- */

static void test_ctrl_a_x_quits(void **state)
{
	add_receive_buffer(0, TD_DATA, 16);
	type("ls\x01xrm");
	assert_int_equal(machine__stopped(&machine), MACHINE_USER_QUIT);
	assert_string_equal(machine.stop_reason, "quit from the console (Ctrl-A x)");
	/* What came before the escape still reached the Guest; nothing after. */
	assert_memory_equal(td_ram(&td, TD_DATA), "ls\0", 3);
}

static size_t filter(struct terminal_escape *e, const char *in, char *out, bool *quit)
{
	return terminal_escape__filter(e, (const uint8_t *)in, strlen(in),
				       (uint8_t *)out, quit);
}

static void test_escape_filter_passes_plain_input(void **state)
{
	struct terminal_escape e = { 0 };
	char out[16];
	bool quit;

	assert_int_equal(filter(&e, "abc\x03", out, &quit), 4);
	assert_memory_equal(out, "abc\x03", 4);
	assert_false(quit);
}

static void test_escape_filter_ctrl_a_twice_sends_one(void **state)
{
	struct terminal_escape e = { 0 };
	char out[16];
	bool quit;

	assert_int_equal(filter(&e, "a\x01\x01" "b", out, &quit), 3);
	assert_memory_equal(out, "a\x01" "b", 3);
}

static void test_escape_filter_ctrl_a_and_another_key_sends_both(void **state)
{
	struct terminal_escape e = { 0 };
	char out[16];
	bool quit;

	assert_int_equal(filter(&e, "\x01" "c", out, &quit), 2);
	assert_memory_equal(out, "\x01" "c", 2);
	assert_false(quit);
}

static void test_escape_filter_handles_a_split_between_reads(void **state)
{
	struct terminal_escape e = { 0 };
	char out[16];
	bool quit;

	assert_int_equal(filter(&e, "q\x01", out, &quit), 1);
	assert_false(quit);
	assert_int_equal(filter(&e, "X", out, &quit), 0);
	assert_true(quit);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup_started, teardown)
#define U(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_transmitted_buffers_come_out_on_stdout),
		T(test_transmit_buffer_that_is_writable_kills_the_guest),
		T(test_hostile_transmit_chain_names_the_queue),
		T(test_emergency_write_works_even_on_a_broken_device),
		T(test_typed_input_lands_in_a_receive_buffer),
		T(test_input_waits_for_a_receive_buffer),
		T(test_input_longer_than_a_buffer_fills_several),
		U(test_input_before_driver_ok_is_held_until_then),
		T(test_receive_buffer_that_is_readable_kills_the_guest),
		T(test_end_of_input_stops_reading),
		T(test_ctrl_a_x_quits),
		cmocka_unit_test(test_escape_filter_passes_plain_input),
		cmocka_unit_test(test_escape_filter_ctrl_a_twice_sends_one),
		cmocka_unit_test(test_escape_filter_ctrl_a_and_another_key_sends_both),
		cmocka_unit_test(test_escape_filter_handles_a_split_between_reads),
	};

	return cmocka_run_group_tests_name("virtio_console", tests, NULL, NULL);
}
