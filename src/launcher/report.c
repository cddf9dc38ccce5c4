/*
 * report.c - one-line errors and warnings on stderr.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void report__flatten(char *text)
{
	size_t len = 0;

	for (char *p = text; *p; p++, len++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n' || c == '\r' || c == '\t')
			*p = ' ';
		else if (c < 0x20 || c == 0x7F)
			*p = '?';
	}
	while (len > 0 && text[len - 1] == ' ')
		text[--len] = '\0';
}

static void report(const char *kind, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	report__flatten(line);
	/* One fprintf, so the line is not interleaved with the Guest's output. */
	fprintf(stderr, REPORT_PREFIX "%s%s\n", kind, line);
}

void report__error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("", fmt, ap);
	va_end(ap);
}

void report__warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("warning: ", fmt, ap);
	va_end(ap);
}
