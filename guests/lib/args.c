/*
 * args.c - "key=value" words on the kernel command line (args.h).
 */
#include "args.h"
#include "guest.h"

const char *lg_cmdline_value(const char *key)
{
	size_t len = strlen(key);
	const char *p = lg_cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, len) == 0 && p[len] == '=')
			return p + len + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

bool lg_cmdline_is(const char *key, const char *value)
{
	const char *v = lg_cmdline_value(key);
	size_t len = strlen(value);

	return v && strncmp(v, value, len) == 0 && (v[len] == ' ' || v[len] == '\0');
}

u32 lg_cmdline_uint(const char *key, u32 def)
{
	const char *v = lg_cmdline_value(key);
	u32 n = 0, base = 10;
	const char *p;

	if (!v)
		return def;
	p = v;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == ' ' || *p == '\0')
		lg_panic("%s=%s: not a number", key, v);
	for (; *p && *p != ' '; p++) {
		u32 digit;

		if (*p >= '0' && *p <= '9')
			digit = (u32)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = (u32)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			digit = (u32)(*p - 'A' + 10);
		else
			lg_panic("%s=%s: not a number", key, v);
		n = n * base + digit;
	}
	return n;
}
