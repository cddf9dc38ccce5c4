/*
 * terminal.h - the console's backend: the host terminal (or whatever
 * stdin and stdout are).
 *
 * Output is written as it comes.  Input is read in the main thread when
 * the service thread (io_loop.h) sees stdin readable, and only as much as
 * the console can hold, so a Guest that reads nothing stops us reading.
 *
 * When stdin is a terminal and the program asks for it, the terminal goes
 * into raw mode (every key goes to the Guest, Ctrl-C included), and is
 * put back on every way out: a normal exit, exit() from anywhere, a
 * restart, and a fatal signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
 * ...; the signal then does what it would have done).
 *
 * The escape: Ctrl-A x quits lguest-emu; Ctrl-A Ctrl-A sends one Ctrl-A;
 * Ctrl-A followed by anything else sends both keys.
 */
#ifndef LAUNCHER_TERMINAL_H
#define LAUNCHER_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io_loop.h"

#define TERMINAL_ESCAPE_KEY 0x01 /* Ctrl-A */
#define TERMINAL_QUIT_KEY 'x'

/* The escape filter's state between reads. */
struct terminal_escape {
	bool after_escape_key;
};

/*
 * Filter len bytes of input into out (which holds len + 1 bytes): returns
 * how many bytes go to the Guest.  *quit is set, and the rest dropped,
 * at Ctrl-A x.
 */
size_t terminal_escape__filter(struct terminal_escape *escape,
			       const uint8_t *in, size_t len, uint8_t *out,
			       bool *quit);

/* Where input goes: the console device. */
struct terminal_sink {
	void *opaque;
	size_t (*room)(void *opaque); /* bytes the console can take now */
	void (*input)(void *opaque, const uint8_t *data, size_t len);
	void (*quit)(void *opaque);   /* the user typed the escape */
};

struct terminal {
	int in_fd, out_fd;
	struct terminal_sink sink;
	struct terminal_escape escape;
	struct io_loop *loop;
	struct io_watch watch;
	bool watching; /* the watch is registered with the loop */
	bool starved;  /* input waits for room in the console */
	bool at_eof;
};

/*
 * in_fd < 0: no input.  raw_tty: put a terminal on in_fd into raw mode.
 * 0, or -1 with a reason in err[].
 */
int terminal__open(struct terminal *terminal, struct io_loop *loop, int in_fd,
		   int out_fd, bool raw_tty, const struct terminal_sink *sink,
		   char *err, size_t errlen);
/* Stop reading and put the terminal back. */
void terminal__close(struct terminal *terminal);

/* Write everything (retrying short writes); output is lost on an error. */
void terminal__write(struct terminal *terminal, const uint8_t *data,
		     size_t len);

/* The console has room again: resume reading if we had stopped for it. */
void terminal__want_input(struct terminal *terminal);

/* Put the terminal back as it was (safe in a signal handler). */
void terminal__restore(void);

#endif /* LAUNCHER_TERMINAL_H */
