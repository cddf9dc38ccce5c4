/*
 * printf.c - a small formatter: enough to print numbers and strings.
 *
 * Conversions: %s %c %d %i %u %x %X %p %%.  Flags '-' (left-justify) and
 * '0' (zero-pad), a decimal field width, and an 'l' length modifier that is
 * accepted and ignored (long is 32 bits here).  No floating point: the
 * Guest is built without the FPU.
 */
#include "guest.h"

/* Where formatted characters go: the console, or a bounded buffer. */
struct sink {
	void (*put)(struct sink *sink, char c);
	char *buf;
	size_t size;
	size_t len;	/* characters produced, even those that did not fit */
};

static void put_console(struct sink *sink, char c)
{
	lg_putchar(c);
	sink->len++;
}

static void put_buffer(struct sink *sink, char c)
{
	if (sink->len + 1 < sink->size)
		sink->buf[sink->len] = c;
	sink->len++;
}

static void put_padding(struct sink *sink, char pad, int count)
{
	while (count-- > 0)
		sink->put(sink, pad);
}

/* Emit s (length n) in a field of width chars. */
static void put_field(struct sink *sink, const char *s, int n, int width, int left, char pad)
{
	int i;

	if (!left)
		put_padding(sink, pad, width - n);
	for (i = 0; i < n; i++)
		sink->put(sink, s[i]);
	if (left)
		put_padding(sink, ' ', width - n);
}

static void put_number(struct sink *sink, u32 value, unsigned int base, int negative,
		       int upper, int width, int left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[12];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[value % base];
		value /= base;
	} while (value != 0);

	if (negative) {
		/* Zero padding goes between the sign and the digits. */
		if (pad == '0' && !left) {
			sink->put(sink, '-');
			width--;
		} else {
			tmp[sizeof(tmp) - 1 - n++] = '-';
		}
	}
	put_field(sink, tmp + sizeof(tmp) - n, n, width, left, pad);
}

static void format(struct sink *sink, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int left = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			sink->put(sink, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			fmt++;

		switch (*fmt) {
		case 'd':
		case 'i': {
			int v = va_arg(ap, int);
			u32 magnitude = v < 0 ? 0u - (u32)v : (u32)v;

			put_number(sink, magnitude, 10, v < 0, 0, width, left, pad);
			break;
		}
		case 'u':
			put_number(sink, va_arg(ap, u32), 10, 0, 0, width, left, pad);
			break;
		case 'x':
		case 'X':
			put_number(sink, va_arg(ap, u32), 16, 0, *fmt == 'X', width, left, pad);
			break;
		case 'p':
			sink->put(sink, '0');
			sink->put(sink, 'x');
			put_number(sink, (u32)va_arg(ap, void *), 16, 0, 0, 8, 0, '0');
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_field(sink, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			put_field(sink, s, (int)strlen(s), width, left, ' ');
			break;
		}
		case '%':
			sink->put(sink, '%');
			break;
		case '\0':
			return;	/* a lone '%' at the end */
		default:
			/* Unknown conversion: show it rather than guess. */
			sink->put(sink, '%');
			sink->put(sink, *fmt);
			break;
		}
	}
}

int lg_vprintf(const char *fmt, va_list ap)
{
	struct sink sink = { .put = put_console };

	format(&sink, fmt, ap);
	return (int)sink.len;
}

int lg_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lg_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Like snprintf: always terminated (if size > 0), returns the full length. */
int lg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink sink = { .put = put_buffer, .buf = buf, .size = size };

	format(&sink, fmt, ap);
	if (size > 0)
		buf[sink.len < size ? sink.len : size - 1] = '\0';
	return (int)sink.len;
}

int lg_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lg_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
