/*
 * options.h - lguest-emu's command line:
 *
 *   lguest-emu [options] <mem-MB> <vmlinux|bzImage> [kernel args...]
 *
 * Options come before <mem-MB>; everything after the kernel file is the
 * kernel's command line.  Adding an option is a field here and a row in
 * options.c's table.
 */
#ifndef LAUNCHER_OPTIONS_H
#define LAUNCHER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "boot_loader.h"
#include "devices.h"

#define OPTIONS_MEM_MIB_MAX 2048u
/* PCI has 32 slots: the host bridge and the console take two. */
#define OPTIONS_MAX_DEVICE_REQUESTS 30

struct launcher_options {
	uint32_t mem_mib;
	const char *kernel_path;
	const char *initrd_path;     /* --initrd, or NULL */
	const char *trace_spec;      /* -d / --trace, or NULL */
	const char *trace_file_path; /* -D / --trace-file, or NULL: stderr */
	bool no_direct_traps;        /* every trap bounces through the Host */
	bool deterministic;          /* virtual clock: repeatable runs */
	bool stats;                  /* print statistics at exit */
	char cmdline[BOOT_CMDLINE_MAX + 1];
	/* Devices asked for on the command line, in order (--block=...). */
	struct device_request devices[OPTIONS_MAX_DEVICE_REQUESTS];
	unsigned nr_devices;
};

enum options_result {
	OPTIONS_RUN,     /* boot a Guest */
	OPTIONS_HELP,    /* print options__print_help() and exit 0 */
	OPTIONS_VERSION, /* print the version and exit 0 */
	OPTIONS_TRACE_HELP, /* -d help: list the trace categories and exit 0 */
	OPTIONS_ERROR,   /* err[] says what is wrong: exit 2 */
};

/*
 * Parse argv.  The strings in *options point into argv.  On OPTIONS_ERROR,
 * err[] holds one line without the "lguest-emu: " prefix.
 */
enum options_result options__parse(int argc, char *const argv[],
				   struct launcher_options *options, char *err,
				   size_t errlen);

/*
 * The --help text.  trace_names is the Host's list of -d categories
 * (lguest_trace_names(): one per line, with a description).
 */
void options__print_help(FILE *out, const char *trace_names);
/* What -d help prints: the heading and the Host's list. */
void options__print_trace_categories(FILE *out, const char *trace_names);

#endif /* LAUNCHER_OPTIONS_H */
