/*
 * report.h - how the Launcher talks to its user on stderr.
 *
 * Every error is exactly one line starting "lguest-emu: ", so scripts can
 * rely on it; text that comes from outside (file names, the Guest's own
 * crash message) is flattened onto that line first.
 */
#ifndef LAUNCHER_REPORT_H
#define LAUNCHER_REPORT_H

#include <stddef.h>

#define REPORT_PREFIX "lguest-emu: "

/* Print "lguest-emu: <message>\n" on stderr, as one line. */
void report__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "lguest-emu: warning: <message>\n" on stderr, as one line. */
void report__warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Make text fit on one line in place: newlines and tabs become spaces,
 * other control characters become '?', trailing spaces go.
 */
void report__flatten(char *text);

#endif /* LAUNCHER_REPORT_H */
