/*
 * exit_status.h - what lguest-emu's exit status says (docs/usage.md).
 */
#ifndef LAUNCHER_EXIT_STATUS_H
#define LAUNCHER_EXIT_STATUS_H

#include <stdbool.h>
#include <stddef.h>

enum exit_status {
	EXIT_STATUS_POWER_OFF = 0,   /* the Guest shut itself down: "Power down" */
	EXIT_STATUS_BAD_INPUT = 1,   /* a file or resource we were given is unusable */
	EXIT_STATUS_BAD_USAGE = 2,   /* the command line is wrong */
	EXIT_STATUS_GUEST_KILLED = 3, /* the Host killed the Guest */
	EXIT_STATUS_GUEST_CRASHED = 4, /* the Guest shut down for another reason */
	EXIT_STATUS_EMULATOR_FAILED = 5, /* lguest-emu itself failed */
	EXIT_STATUS_USER_QUIT = 6,   /* quit with the console's escape (Ctrl-A x) */
};

/* What the Guest's SHUTDOWN reason reads when it powered off. */
#define GUEST_POWER_OFF_REASON "CRASH: Power down"
#define GUEST_SHUTDOWN_PREFIX "CRASH: "

/*
 * Classify a dead Guest from lguest_dead_by_shutdown() and
 * lguest_dead_reason(), and write the one-line message to print (without
 * the "lguest-emu: " prefix; empty for a power-off).
 */
enum exit_status exit_status__for_dead_guest(bool by_shutdown,
					     const char *reason, char *message,
					     size_t len);

#endif /* LAUNCHER_EXIT_STATUS_H */
