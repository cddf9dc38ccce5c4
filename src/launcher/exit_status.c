/*
 * exit_status.c - how a Guest's death becomes our exit status.
 */
#include "exit_status.h"

#include <stdio.h>
#include <string.h>

#include "report.h"

enum exit_status exit_status__for_dead_guest(bool by_shutdown,
					     const char *reason, char *message,
					     size_t len)
{
	enum exit_status status;

	if (!reason)
		reason = "(no reason given)";
	if (by_shutdown && strcmp(reason, GUEST_POWER_OFF_REASON) == 0) {
		status = EXIT_STATUS_POWER_OFF;
		if (len > 0)
			message[0] = '\0';
	} else if (by_shutdown) {
		/* A panic: the Guest's own text, without the Host's prefix. */
		size_t prefix = strlen(GUEST_SHUTDOWN_PREFIX);

		if (strncmp(reason, GUEST_SHUTDOWN_PREFIX, prefix) == 0)
			reason += prefix;
		status = EXIT_STATUS_GUEST_CRASHED;
		snprintf(message, len, "guest crashed: %s", reason);
	} else {
		status = EXIT_STATUS_GUEST_KILLED;
		snprintf(message, len, "guest killed: %s", reason);
	}
	report__flatten(message);
	return status;
}
