/*
 * terminal.c - stdin and stdout for the console, raw mode, and the escape.
 */
#include "terminal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- The escape ------------------------------------------------------- */

size_t terminal_escape__filter(struct terminal_escape *escape,
			       const uint8_t *in, size_t len, uint8_t *out,
			       bool *quit)
{
	size_t n = 0;

	*quit = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (!escape->after_escape_key) {
			if (c == TERMINAL_ESCAPE_KEY)
				escape->after_escape_key = true;
			else
				out[n++] = c;
			continue;
		}
		escape->after_escape_key = false;
		if (c == TERMINAL_QUIT_KEY || c == (TERMINAL_QUIT_KEY & ~0x20)) {
			*quit = true;
			return n;
		}
		if (c != TERMINAL_ESCAPE_KEY)
			out[n++] = TERMINAL_ESCAPE_KEY;
		out[n++] = c;
	}
	return n;
}

/* ---- Raw mode, and putting it back -------------------------------------- */

static struct termios saved_termios;
static volatile sig_atomic_t saved_fd = -1;

static const int fatal_signals[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
				     SIGABRT, SIGSEGV, SIGBUS,  SIGFPE,
				     SIGILL,  SIGALRM, SIGUSR1, SIGUSR2 };
#define NR_FATAL_SIGNALS (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction previous_actions[NR_FATAL_SIGNALS];

void terminal__restore(void)
{
	int fd = saved_fd;

	if (fd >= 0) {
		tcsetattr(fd, TCSANOW, &saved_termios);
		saved_fd = -1;
	}
}

/* Put the terminal back, then let the signal do what it did before us. */
static void on_fatal_signal(int sig)
{
	int saved_errno = errno;

	terminal__restore();
	for (size_t i = 0; i < NR_FATAL_SIGNALS; i++) {
		if (fatal_signals[i] == sig) {
			sigaction(sig, &previous_actions[i], NULL);
			break;
		}
	}
	/* Delivered when we return; a fault simply happens again. */
	raise(sig);
	errno = saved_errno;
}

static void install_restorers(void)
{
	static bool installed;
	struct sigaction action;

	if (installed)
		return;
	installed = true;
	atexit(terminal__restore);
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_fatal_signal;
	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < NR_FATAL_SIGNALS; i++) {
		sigaction(fatal_signals[i], NULL, &previous_actions[i]);
		/* A signal someone chose to ignore stays ignored. */
		if (previous_actions[i].sa_handler == SIG_IGN)
			continue;
		sigaction(fatal_signals[i], &action, NULL);
	}
}

static int enter_raw_mode(int fd, char *err, size_t errlen)
{
	struct termios raw;

	if (tcgetattr(fd, &saved_termios) < 0) {
		snprintf(err, errlen, "cannot read the terminal's settings: %s",
			 strerror(errno));
		return -1;
	}
	install_restorers();
	raw = saved_termios;
	/* Every key to the Guest: no line editing, echo, signals or flow control. */
	raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				   IGNCR | ICRNL | IXON);
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	/* Output processing stays: a stray "\n" still starts a new line. */
	saved_fd = fd;
	if (tcsetattr(fd, TCSANOW, &raw) < 0) {
		saved_fd = -1;
		snprintf(err, errlen, "cannot put the terminal into raw mode: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- Input ---------------------------------------------------------------- */

static void read_input(void *opaque)
{
	struct terminal *t = opaque;
	uint8_t buf[256], filtered[sizeof(buf) + 1];
	size_t room = t->sink.room(t->sink.opaque);
	bool quit;
	ssize_t n;

	/* One byte may grow into two (a pending Ctrl-A and the next key). */
	if (room < 2) {
		t->starved = true;
		return;
	}
	if (room - 1 < sizeof(buf))
		n = read(t->in_fd, buf, room - 1);
	else
		n = read(t->in_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
		io_loop__arm(t->loop, &t->watch);
		return;
	}
	if (n <= 0) {
		/* End of input (or an error): the Guest just gets no more. */
		t->at_eof = true;
		return;
	}
	size_t len = terminal_escape__filter(&t->escape, buf, (size_t)n, filtered,
					     &quit);
	if (len)
		t->sink.input(t->sink.opaque, filtered, len);
	if (quit) {
		t->sink.quit(t->sink.opaque);
		return;
	}
	io_loop__arm(t->loop, &t->watch);
}

void terminal__want_input(struct terminal *t)
{
	if (t->starved && !t->at_eof && t->sink.room(t->sink.opaque) >= 2) {
		t->starved = false;
		io_loop__arm(t->loop, &t->watch);
	}
}

/*
 * Can reading in_fd ever give input?  Not when it is closed, nor when it
 * is a character device other than a terminal (/dev/null): such a
 * descriptor is always "readable", at end of file, and watching it would
 * only wake the run loop for nothing.
 */
static bool gives_input(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return false;
	return !S_ISCHR(st.st_mode) || isatty(fd);
}

int terminal__open(struct terminal *t, struct io_loop *loop, int in_fd,
		   int out_fd, bool raw_tty, const struct terminal_sink *sink,
		   char *err, size_t errlen)
{
	*t = (struct terminal){
		.in_fd = in_fd,
		.out_fd = out_fd,
		.sink = *sink,
		.loop = loop,
		.watch = { .fd = in_fd, .ready = read_input, .opaque = t },
	};
	if (!gives_input(in_fd)) {
		t->in_fd = -1;
		return 0;
	}
	if (raw_tty && isatty(in_fd) && enter_raw_mode(in_fd, err, errlen) < 0)
		return -1;
	if (io_loop__add(loop, &t->watch) < 0) {
		snprintf(err, errlen, "too many input sources for the console");
		return -1;
	}
	t->watching = true;
	io_loop__arm(loop, &t->watch);
	return 0;
}

void terminal__close(struct terminal *t)
{
	if (t->watching)
		io_loop__remove(t->loop, &t->watch);
	t->watching = false;
	terminal__restore();
}

/* ---- Output --------------------------------------------------------------- */

void terminal__write(struct terminal *t, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(t->out_fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = t->out_fd, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n <= 0)
			return; /* a closed stdout loses the Guest's output, no more */
		data += n;
		len -= (size_t)n;
	}
}
