/*
 * trace.c - "-d hcall,trap,...": one line per event, by name.
 *
 * The lgtrace() macro tests the category mask before anything is
 * formatted, so tracing costs one test when it is off.
 */
#include <string.h>

#include "lg.h"

static const struct {
	const char *name;
	u32 mask;
	const char *help;
} trace_cats[] = {
	{ "hcall", LG_TRACE_HCALL, "every hypercall, by name, with its arguments" },
	{ "trap", LG_TRACE_TRAP, "every trap that comes back to the Host" },
	{ "irq", LG_TRACE_IRQ, "virtual interrupts raised and delivered" },
	{ "pte", LG_TRACE_PTE, "shadow page-table changes" },
	{ "pio", LG_TRACE_PIO, "port I/O the Guest performs" },
	{ "mmio", LG_TRACE_MMIO, "MMIO accesses handed to the Launcher" },
	{ "exit", LG_TRACE_EXIT, "every return from the Guest to the Host" },
	{ "direct", LG_TRACE_DIRECT, "traps the Switcher delivers straight into the Guest" },
	{ "switcher", LG_TRACE_SWITCHER, "Switcher simulation internals" },
};
#define NR_CATS (sizeof(trace_cats) / sizeof(trace_cats[0]))

void lg_trace(struct lguest *lg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(lg->trace, fmt, ap);
	va_end(ap);
	fputc('\n', lg->trace);
}

const char *lguest_trace_names(void)
{
	static char buf[1024];
	size_t used = 0;
	unsigned int i;

	if (buf[0])
		return buf;
	for (i = 0; i < NR_CATS && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
					 "  %-9s %s\n", trace_cats[i].name,
					 trace_cats[i].help);
	if (used < sizeof(buf))
		snprintf(buf + used, sizeof(buf) - used,
			 "  %-9s all of the above\n", "all");
	return buf;
}

int lguest_trace_parse(const char *spec, uint32_t *mask, char *errbuf,
		       size_t errlen)
{
	const char *p = spec;

	*mask = 0;
	if (!spec || !*spec) {
		snprintf(errbuf, errlen, "empty trace list");
		return -1;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned int i;
		bool found = false;

		if (len == 3 && !strncmp(p, "all", 3)) {
			for (i = 0; i < NR_CATS; i++)
				*mask |= trace_cats[i].mask;
			found = true;
		}
		for (i = 0; i < NR_CATS && !found; i++) {
			if (strlen(trace_cats[i].name) == len &&
			    !strncmp(p, trace_cats[i].name, len)) {
				*mask |= trace_cats[i].mask;
				found = true;
			}
		}
		if (!found) {
			snprintf(errbuf, errlen,
				 "unknown trace category '%.*s' (try -d help)",
				 (int)len, p);
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}
