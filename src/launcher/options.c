/*
 * options.c - parse lguest-emu's command line.
 *
 * Options are table-driven: each row names the option, says what kind of
 * value it takes and which field of struct launcher_options it fills, and
 * carries its --help line.  Both --opt=value and --opt value are accepted,
 * and -d LIST as well as -dLIST.
 */
#include "options.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum option_kind {
	OPTION_HELP,
	OPTION_VERSION,
	OPTION_VALUE,  /* sets a const char * field, at most once */
	OPTION_FLAG,   /* sets a bool field */
	OPTION_DEVICE, /* asks for one device of the model named like the option */
};

struct option_spec {
	const char *long_name;
	char short_name;      /* 0: none */
	enum option_kind kind;
	size_t field;         /* OPTION_VALUE, OPTION_FLAG: where it goes */
	const char *arg_name; /* the value's name in --help; NULL: no value */
	const char *help;
};

#define FIELD(name) offsetof(struct launcher_options, name)

static const struct option_spec option_table[] = {
	{ "initrd", 0, OPTION_VALUE, FIELD(initrd_path), "FILE",
	  "load FILE as the initial ramdisk" },
	{ "block", 0, OPTION_DEVICE, 0, "FILE[,ro]",
	  "a virtio disk on raw image FILE (,ro: read-only); repeatable" },
	{ "rng", 0, OPTION_DEVICE, 0, NULL,
	  "a virtio entropy device fed by the host's getrandom()" },
	{ "net", 0, OPTION_DEVICE, 0, "user[,...]",
	  "a virtio network card on user-mode networking (libslirp, no root):\n"
	  "                         DHCP gives 10.0.2.15, the host's 127.0.0.1 is 10.0.2.2;\n"
	  "                         ,hostfwd=tcp::HOSTPORT-:GUESTPORT ,mac=MAC; repeatable" },
	{ "tunnet", 0, OPTION_DEVICE, 0, "SPEC",
	  "a virtio network card on a new TAP device (needs CAP_NET_ADMIN);\n"
	  "                         SPEC: IPV4[:MAC] (the host side's address) or\n"
	  "                         bridge:NAME[:MAC]; repeatable" },
	{ "trace", 'd', OPTION_VALUE, FIELD(trace_spec), "LIST",
	  "trace Host events (comma-separated; \"-d help\")" },
	{ "trace-file", 'D', OPTION_VALUE, FIELD(trace_file_path), "FILE",
	  "write the trace to FILE instead of stderr" },
	{ "no-direct-traps", 0, OPTION_FLAG, FIELD(no_direct_traps), NULL,
	  "send every trap through the Host (slower; for study)" },
	{ "deterministic", 0, OPTION_FLAG, FIELD(deterministic), NULL,
	  "virtual clock driven by executed instructions (repeatable runs)" },
	{ "stats", 0, OPTION_FLAG, FIELD(stats), NULL,
	  "print hypercall, trap, interrupt and exit counts at exit" },
	{ "help", 'h', OPTION_HELP, 0, NULL, "show this help and exit" },
	{ "version", 0, OPTION_VERSION, 0, NULL, "show the version and exit" },
};

#define NR_OPTIONS (sizeof(option_table) / sizeof(option_table[0]))

static enum options_result usage_error(char *err, size_t errlen,
				       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum options_result usage_error(char *err, size_t errlen,
				       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return OPTIONS_ERROR;
}

static const struct option_spec *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < NR_OPTIONS; i++)
		if (strlen(option_table[i].long_name) == len &&
		    strncmp(option_table[i].long_name, name, len) == 0)
			return &option_table[i];
	return NULL;
}

static const struct option_spec *find_short(char name)
{
	for (size_t i = 0; i < NR_OPTIONS; i++)
		if (option_table[i].short_name && option_table[i].short_name == name)
			return &option_table[i];
	return NULL;
}

/* Record one option and its value (NULL if it takes none). */
static enum options_result apply(const struct option_spec *spec,
				 const char *shown, const char *value,
				 struct launcher_options *options, char *err,
				 size_t errlen)
{
	char *field = (char *)options + spec->field;

	switch (spec->kind) {
	case OPTION_HELP:
		return OPTIONS_HELP;
	case OPTION_VERSION:
		return OPTIONS_VERSION;
	case OPTION_VALUE:
		/* Like QEMU's -d help: answered at once, no kernel needed. */
		if (spec->field == FIELD(trace_spec) && strcmp(value, "help") == 0)
			return OPTIONS_TRACE_HELP;
		if (*(const char **)field)
			return usage_error(err, errlen, "option '%s' given twice", shown);
		*(const char **)field = value;
		return OPTIONS_RUN;
	case OPTION_FLAG:
		*(bool *)field = true;
		return OPTIONS_RUN;
	case OPTION_DEVICE: {
		const struct device_model *model = device_model__find(spec->long_name);

		/* The model may check its value now: a mistake is a usage error. */
		if (model && model->check && model->check(value, err, errlen) < 0)
			return OPTIONS_ERROR;
		if (options->nr_devices == OPTIONS_MAX_DEVICE_REQUESTS)
			return usage_error(err, errlen, "too many devices (at most %u)",
				     OPTIONS_MAX_DEVICE_REQUESTS);
		options->devices[options->nr_devices++] =
			(struct device_request){ spec->long_name, value };
		return OPTIONS_RUN;
	}
	}
	return usage_error(err, errlen, "internal error: option '%s'", shown);
}

/*
 * One option at argv[*i]; *i moves past its value when that is the next
 * word.
 */
static enum options_result parse_option(int argc, char *const argv[], int *i,
					struct launcher_options *options,
					char *err, size_t errlen)
{
	const char *word = argv[*i];
	const struct option_spec *spec;
	const char *value = NULL;
	char shown[64];

	if (word[1] == '-') {
		const char *name = word + 2, *equals = strchr(name, '=');
		size_t len = equals ? (size_t)(equals - name) : strlen(name);

		spec = find_long(name, len);
		snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
		if (!spec)
			return usage_error(err, errlen, "unknown option '%s' (try --help)",
				     shown);
		if (equals && !spec->arg_name)
			return usage_error(err, errlen, "option '%s' takes no value", shown);
		if (equals)
			value = equals + 1;
	} else {
		spec = find_short(word[1]);
		snprintf(shown, sizeof(shown), "-%c", word[1]);
		if (!spec || (word[2] && !spec->arg_name))
			return usage_error(err, errlen, "unknown option '%s' (try --help)",
				     word);
		if (word[2])
			value = word + 2;
	}

	if (spec->arg_name && !value) {
		if (*i + 1 >= argc)
			return usage_error(err, errlen, "option '%s' needs a %s", shown,
				     spec->arg_name);
		value = argv[++*i];
	}
	if (spec->arg_name && !*value)
		return usage_error(err, errlen, "option '%s' needs a %s, not an empty one",
			     shown, spec->arg_name);
	return apply(spec, shown, value, options, err, errlen);
}

static enum options_result parse_mem(const char *word, uint32_t *mib, char *err,
				     size_t errlen)
{
	uint32_t value = 0;
	const char *p = word;

	for (; *p >= '0' && *p <= '9'; p++) {
		value = value * 10 + (uint32_t)(*p - '0');
		if (value > OPTIONS_MEM_MIB_MAX)
			break;
	}
	if (p == word || *p || value < 1 || value > OPTIONS_MEM_MIB_MAX)
		return usage_error(err, errlen,
			     "invalid memory size '%s': expected a number of MiB from "
			     "1 to %u",
			     word, OPTIONS_MEM_MIB_MAX);
	*mib = value;
	return OPTIONS_RUN;
}

/* Join the kernel's arguments with single spaces. */
static enum options_result join_cmdline(int argc, char *const argv[], int first,
					char *cmdline, char *err, size_t errlen)
{
	size_t len = 0;

	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + (i > first);
	if (len > BOOT_CMDLINE_MAX)
		return usage_error(err, errlen,
			     "kernel command line is %zu bytes; the limit is %u", len,
			     BOOT_CMDLINE_MAX);

	cmdline[0] = '\0';
	for (int i = first; i < argc; i++) {
		if (i > first)
			strcat(cmdline, " ");
		strcat(cmdline, argv[i]);
	}
	return OPTIONS_RUN;
}

enum options_result options__parse(int argc, char *const argv[],
				   struct launcher_options *options, char *err,
				   size_t errlen)
{
	enum options_result result;
	int i = 1;

	memset(options, 0, sizeof(*options));
	for (; i < argc; i++) {
		const char *word = argv[i];

		if (strcmp(word, "--") == 0) {
			i++;
			break;
		}
		if (word[0] != '-' || word[1] == '\0')
			break;
		result = parse_option(argc, argv, &i, options, err, errlen);
		if (result != OPTIONS_RUN)
			return result;
	}

	if (i >= argc)
		return usage_error(err, errlen,
			     "missing <mem-MB> and <vmlinux|bzImage> (try --help)");
	result = parse_mem(argv[i], &options->mem_mib, err, errlen);
	if (result != OPTIONS_RUN)
		return result;
	if (++i >= argc)
		return usage_error(err, errlen,
			     "missing <vmlinux|bzImage> after the memory size "
			     "(try --help)");
	options->kernel_path = argv[i];
	return join_cmdline(argc, argv, i + 1, options->cmdline, err, errlen);
}

void options__print_help(FILE *out, const char *trace_names)
{
	fprintf(out,
		"Usage: lguest-emu [options] <mem-MB> <vmlinux|bzImage> [kernel args...]\n"
		"Boot a 32-bit Linux 4.4 lguest Guest kernel on an emulated lguest Host.\n"
		"\n"
		"  <mem-MB>           Guest RAM in MiB, 1 to %u\n"
		"  <vmlinux|bzImage>  the Guest kernel: an i386 ELF vmlinux or a bzImage\n"
		"  [kernel args...]   the kernel command line, joined with single spaces\n"
		"                     (at most %u bytes)\n"
		"\n"
		"Options (they come before <mem-MB>):\n",
		OPTIONS_MEM_MIB_MAX, BOOT_CMDLINE_MAX);

	for (size_t i = 0; i < NR_OPTIONS; i++) {
		const struct option_spec *spec = &option_table[i];
		char usage[64];
		int n = 0;

		if (spec->short_name)
			n = snprintf(usage, sizeof(usage), "-%c, ", spec->short_name);
		else
			n = snprintf(usage, sizeof(usage), "    ");
		snprintf(usage + n, sizeof(usage) - (size_t)n, "--%s%s%s",
			 spec->long_name, spec->arg_name ? "=" : "",
			 spec->arg_name ? spec->arg_name : "");
		fprintf(out, "  %-22s %s\n", usage, spec->help);
	}

	fputc('\n', out);
	options__print_trace_categories(out, trace_names);
	fprintf(out,
		"\n"
		"Exit status:\n"
		"  0  the Guest powered off\n"
		"  1  a bad input file or resource: missing, unreadable or truncated\n"
		"     file, not an ELF vmlinux or bzImage, memory too small for the\n"
		"     kernel or initrd, or Guest memory could not be allocated\n"
		"  2  a bad command line\n"
		"  3  the Host killed the Guest\n"
		"  4  the Guest crashed (shut down for any reason but power-off)\n"
		"  5  lguest-emu itself failed\n"
		"  6  quit from the console with Ctrl-A x\n"
		"Errors are one line on stderr, starting \"lguest-emu: \".\n"
		"\n"
		"The console is this terminal (raw while the Guest runs): Ctrl-A x quits,\n"
		"Ctrl-A Ctrl-A sends a Ctrl-A.\n");
}

void options__print_trace_categories(FILE *out, const char *trace_names)
{
	size_t len = strlen(trace_names);

	fprintf(out, "Trace categories for -d (a comma-separated list):\n%s%s",
		trace_names, len && trace_names[len - 1] == '\n' ? "" : "\n");
}
