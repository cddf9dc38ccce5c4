/*
 * fake_host.c - a scripted stand-in for the Host behind lguest_user.h, so
 * the Launcher's run loop can be tested without a CPU emulator.
 *
 * LGUEST_FAKE_SCRIPT holds steps separated by '|', played one per
 * lguest_run() call, as a Guest would cause them:
 *
 *   console:TEXT  print TEXT through the virtio console's early window, the
 *                 way Linux's early console does: port I/O on 0xCF8/0xCFC
 *   cli           a #GP on `cli` in the Guest kernel: expects EIP += 1
 *   cli-user      a #GP on `cli` in Guest user mode: expects trap 13 back
 *   rdmsr         a #GP on `rdmsr` in the Guest kernel: expects trap 13 back
 *   mmio:ADDR[:HEX:LEN]  an MMIO access at ADDR by the instruction bytes HEX:
 *                 expects EIP += LEN, or trap 14 back when LEN is 0 or
 *                 HEX is missing
 *   reg:R=V       set register R (eax, ebx, ..., esp) to V
 *   expect:R=V    the Launcher must have left V in register R
 *   poke:GPA:HEX  write bytes into Guest RAM
 *   expect-mem:GPA:HEX  Guest RAM must hold these bytes
 *   bar:SLOT:OFFSET:SIZE:VALUE  a BAR0 write to the device in SLOT through
 *                 its PCI configuration window (port I/O, as the early
 *                 console does)
 *   wait-kick     wait (up to 5 s) until the Launcher has called
 *                 lguest_break() at least once, then return -EINTR
 *   eintr         lguest_run() is interrupted
 *   restart       the Guest asks for a reboot (only in the first process)
 *   poweroff | panic:TEXT | kill:TEXT    the Guest dies
 *
 * A Launcher that does not do what a step expects gets its Guest killed
 * with a reason starting "fake:".  lguest_break() makes the next step
 * boundary return -EINTR, as the Host does.  LGUEST_FAKE_INIT=fail makes
 * lguest_initialize() fail with -EIO; LGUEST_FAKE_TRAP=fail makes
 * lguest_trap() fail with -EINVAL.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lguest_user.h"

#define RESTARTED_ENV "LGUEST_FAKE_RESTARTED"
#define GUEST_KERNEL_CS 0x61
#define GUEST_USER_CS 0x73

#define NR_REGS 17

struct lguest {
	struct lguest_io_ops io;
	bool initialized;
	uint8_t *ram;
	uint32_t ram_size;
	char *script, *next_step;
	uint32_t eip, cs;
	uint32_t regs[NR_REGS]; /* by lguest_reg_offset / 4 */
	int break_requested, kicks; /* accessed atomically */
	/* What the current step expects the Launcher to have done. */
	uint32_t expected_eip;
	int expected_trap; /* -1: none */
	int trapped;       /* the trap the Launcher delivered, or -1 */
	bool dead, by_shutdown;
	char reason[256];
};

int lguest_trace_parse(const char *spec, uint32_t *mask, char *errbuf,
		       size_t errlen)
{
	if (strcmp(spec, "hcall") == 0 || strcmp(spec, "all") == 0) {
		*mask = LG_TRACE_HCALL;
		return 0;
	}
	snprintf(errbuf, errlen, "unknown trace category");
	return -1;
}

const char *lguest_trace_names(void)
{
	/* The real Host's form: one category a line. */
	return "  hcall     every hypercall\n  all       all of the above\n";
}

struct lguest *lguest_open(const struct lguest_config *cfg)
{
	struct lguest *lg = calloc(1, sizeof(*lg));
	const char *script = getenv("LGUEST_FAKE_SCRIPT");

	lg->io = cfg->io;
	lg->script = strdup(script ? script : "poweroff");
	lg->next_step = lg->script;
	lg->expected_trap = -1;
	lg->trapped = -1;
	return lg;
}

int lguest_initialize(struct lguest *lg, void *base, uint32_t pfn_limit,
		      uint32_t start, uint32_t device_limit)
{
	const char *mode = getenv("LGUEST_FAKE_INIT");

	if (mode && strcmp(mode, "fail") == 0)
		return -EIO;
	lg->initialized = true;
	lg->ram = base;
	lg->ram_size = pfn_limit * 4096;
	lg->eip = start;
	lg->expected_eip = start;
	lg->cs = GUEST_KERNEL_CS;
	return 0;
}

static void kill_guest(struct lguest *lg, bool by_shutdown, const char *reason)
{
	lg->dead = true;
	lg->by_shutdown = by_shutdown;
	snprintf(lg->reason, sizeof(lg->reason), "%s", reason);
}

/* ---- The early console, as the Guest drives it -------------------------- */

static uint32_t config_read(struct lguest *lg, unsigned offset, unsigned size)
{
	lg->io.port_out(lg->io.opaque, 0xCF8, 4, 0x80000800u | (offset & 0xFC));
	return lg->io.port_in(lg->io.opaque, 0xCFC + (offset & 3), size);
}

static int config_write(struct lguest *lg, unsigned offset, unsigned size,
			uint32_t value)
{
	lg->io.port_out(lg->io.opaque, 0xCF8, 4, 0x80000800u | (offset & 0xFC));
	return lg->io.port_out(lg->io.opaque, 0xCFC + (offset & 3), size, value);
}

static void early_console_write(struct lguest *lg, const char *text)
{
	unsigned device_cap = 0, cfg_cap = 0;

	if (config_read(lg, 0, 4) != 0x10431AF4u) {
		kill_guest(lg, false, "fake: no virtio console in slot 1");
		return;
	}
	for (unsigned cap = config_read(lg, 0x34, 1), n = 0; cap && n < 48; n++) {
		if (config_read(lg, cap, 1) == 0x09) {
			unsigned type = config_read(lg, cap + 3, 1);

			if (type == 4 && config_read(lg, cap + 4, 1) == 0 &&
			    config_read(lg, cap + 12, 4) >= 12)
				device_cap = cap;
			if (type == 5)
				cfg_cap = cap;
		}
		cap = config_read(lg, cap + 1, 1);
	}
	if (!device_cap || !cfg_cap) {
		kill_guest(lg, false, "fake: console capabilities not found");
		return;
	}
	uint32_t emerg_wr = config_read(lg, device_cap + 8, 4) + 8;
	for (const char *c = text; *c; c++) {
		if (config_write(lg, cfg_cap + 4, 1, 0) < 0 ||
		    config_write(lg, cfg_cap + 12, 4, 4) < 0 ||
		    config_write(lg, cfg_cap + 8, 4, emerg_wr) < 0 ||
		    config_write(lg, cfg_cap + 16, 4, (uint8_t)*c) < 0) {
			kill_guest(lg, false, "fake: early console write refused");
			return;
		}
	}
}

/* A BAR0 write through the device's configuration window (cap 0x84). */
static int bar_write(struct lguest *lg, unsigned slot, unsigned offset,
		     unsigned size, uint32_t value)
{
	uint32_t select = 0x80000000u | slot << 11;
	const unsigned cap = 0x84;
	const struct { unsigned at, size; uint32_t value; } writes[] = {
		{ cap + 4, 1, 0 }, { cap + 12, 4, size }, { cap + 8, 4, offset },
		{ cap + 16, 4, value },
	};

	for (unsigned i = 0; i < 4; i++) {
		lg->io.port_out(lg->io.opaque, 0xCF8, 4, select | (writes[i].at & 0xFC));
		if (lg->io.port_out(lg->io.opaque, 0xCFC + (writes[i].at & 3),
				    writes[i].size, writes[i].value) < 0)
			return -1;
	}
	return 0;
}

/* ---- Registers and memory ------------------------------------------------ */

static const char *const reg_names[] = {
	[LG_REG_EBX / 4] = "ebx", [LG_REG_ECX / 4] = "ecx", [LG_REG_EDX / 4] = "edx",
	[LG_REG_ESI / 4] = "esi", [LG_REG_EDI / 4] = "edi", [LG_REG_EBP / 4] = "ebp",
	[LG_REG_EAX / 4] = "eax", [LG_REG_ESP / 4] = "esp",
};

/* "eax=0x12": the register's slot and the value; -1 if unknown. */
static int parse_reg(const char *arg, uint32_t *value)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;

	if (!eq)
		return -1;
	for (unsigned i = 0; i < NR_REGS; i++) {
		if (reg_names[i] && strlen(reg_names[i]) == (size_t)(eq - arg) &&
		    strncmp(reg_names[i], arg, (size_t)(eq - arg)) == 0) {
			*value = (uint32_t)strtoul(eq + 1, NULL, 0);
			return (int)i;
		}
	}
	return -1;
}

/* Hex digits into bytes; how many, or -1. */
static int parse_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; hex && hex[0] && hex[1]; hex += 2) {
		char pair[3] = { hex[0], hex[1], 0 };

		if (n == cap)
			return -1;
		out[n++] = (uint8_t)strtoul(pair, NULL, 16);
	}
	return (int)n;
}

/* "GPA:HEX": the RAM bytes named, and the bytes given. */
static uint8_t *ram_step(struct lguest *lg, char *arg, uint8_t *bytes, int *len)
{
	char *colon = arg ? strchr(arg, ':') : NULL;
	uint32_t gpa;

	if (!colon)
		return NULL;
	*colon = '\0';
	gpa = (uint32_t)strtoul(arg, NULL, 0);
	*len = parse_hex(colon + 1, bytes, 256);
	if (*len < 0 || gpa > lg->ram_size || (uint32_t)*len > lg->ram_size - gpa)
		return NULL;
	return lg->ram + gpa;
}

/* ---- Running ------------------------------------------------------------ */

/* Did the Launcher do what the last step asked of it? */
static void check_expectations(struct lguest *lg)
{
	if (lg->expected_trap != lg->trapped)
		kill_guest(lg, false, lg->trapped < 0 ? "fake: expected a trap back"
						      : "fake: unexpected trap");
	else if (lg->eip != lg->expected_eip)
		kill_guest(lg, false, "fake: EIP not where expected");
	lg->expected_trap = -1;
	lg->trapped = -1;
}

static int pending_gp(struct lguest *lg, struct lguest_pending *out,
		      const uint8_t *insn, size_t len, uint32_t cs,
		      uint32_t eip_after, int trap)
{
	memset(out, 0, sizeof(*out));
	out->trap = 13;
	memcpy(out->insn, insn, len);
	lg->cs = cs;
	lg->expected_eip = eip_after;
	lg->expected_trap = trap;
	return sizeof(*out);
}

int lguest_run(struct lguest *lg, struct lguest_pending *out)
{
	static const uint8_t cli[] = { 0xFA }, rdmsr[] = { 0x0F, 0x32 };

	if (!lg->initialized)
		return -EINVAL;
	for (;;) {
		if (!lg->dead)
			check_expectations(lg);
		if (lg->dead)
			return -ENOENT;
		if (__atomic_exchange_n(&lg->break_requested, 0, __ATOMIC_SEQ_CST))
			return -EINTR;

		char *step = lg->next_step;
		if (!step || !*step) {
			kill_guest(lg, false, "fake: script ran out");
			continue;
		}
		char *end = strchr(step, '|');
		if (end)
			*end = '\0';
		lg->next_step = end ? end + 1 : NULL;

		char *arg = strchr(step, ':');
		if (arg)
			*arg++ = '\0';
		lg->expected_eip = lg->eip;

		if (strcmp(step, "console") == 0)
			early_console_write(lg, arg ? arg : "");
		else if (strcmp(step, "cli") == 0)
			return pending_gp(lg, out, cli, 1, GUEST_KERNEL_CS, lg->eip + 1, -1);
		else if (strcmp(step, "cli-user") == 0)
			return pending_gp(lg, out, cli, 1, GUEST_USER_CS, lg->eip, 13);
		else if (strcmp(step, "rdmsr") == 0)
			return pending_gp(lg, out, rdmsr, 2, GUEST_KERNEL_CS, lg->eip, 13);
		else if (strcmp(step, "mmio") == 0) {
			char *hex = arg ? strchr(arg, ':') : NULL;
			char *len = hex ? strchr(hex + 1, ':') : NULL;
			unsigned length;

			if (hex)
				*hex++ = '\0';
			if (len)
				*len++ = '\0';
			length = len ? (unsigned)strtoul(len, NULL, 0) : 0;
			memset(out, 0, sizeof(*out));
			out->trap = 14;
			out->addr = (uint32_t)strtoul(arg ? arg : "0", NULL, 0);
			parse_hex(hex, out->insn, sizeof(out->insn));
			if (length)
				lg->expected_eip = lg->eip + length;
			else
				lg->expected_trap = 14;
			return sizeof(*out);
		} else if (strcmp(step, "reg") == 0 || strcmp(step, "expect") == 0) {
			uint32_t value;
			int r = parse_reg(arg, &value);

			if (r < 0)
				kill_guest(lg, false, "fake: bad register step");
			else if (step[0] == 'r')
				lg->regs[r] = value;
			else if (lg->regs[r] != value) {
				char reason[128];

				snprintf(reason, sizeof(reason), "fake: %s is 0x%x, not 0x%x",
					 reg_names[r], lg->regs[r], value);
				kill_guest(lg, false, reason);
			}
		} else if (strcmp(step, "poke") == 0 || strcmp(step, "expect-mem") == 0) {
			uint8_t bytes[256];
			int len;
			uint8_t *at = ram_step(lg, arg, bytes, &len);

			if (!at)
				kill_guest(lg, false, "fake: bad memory step");
			else if (step[0] == 'p')
				memcpy(at, bytes, (size_t)len);
			else if (memcmp(at, bytes, (size_t)len) != 0)
				kill_guest(lg, false, "fake: Guest RAM does not hold what was expected");
		} else if (strcmp(step, "bar") == 0) {
			unsigned slot, offset, size;
			int value;

			if (!arg || sscanf(arg, "%u:%u:%u:%i", &slot, &offset, &size,
					   &value) != 4 ||
			    bar_write(lg, slot, offset, size, (uint32_t)value) < 0)
				kill_guest(lg, false, "fake: BAR write refused");
		} else if (strcmp(step, "wait-kick") == 0) {
			for (int i = 0; i < 5000 && !__atomic_load_n(&lg->kicks, __ATOMIC_SEQ_CST); i++)
				usleep(1000);
			if (!__atomic_load_n(&lg->kicks, __ATOMIC_SEQ_CST))
				kill_guest(lg, false, "fake: the Launcher never kicked");
			else {
				__atomic_store_n(&lg->break_requested, 0, __ATOMIC_SEQ_CST);
				return -EINTR;
			}
		} else if (strcmp(step, "eintr") == 0)
			return -EINTR;
		else if (strcmp(step, "restart") == 0) {
			if (!getenv(RESTARTED_ENV)) {
				setenv(RESTARTED_ENV, "1", 1);
				return -LGUEST_ERESTART;
			}
		} else if (strcmp(step, "poweroff") == 0)
			kill_guest(lg, true, "CRASH: Power down");
		else if (strcmp(step, "panic") == 0) {
			char reason[200];

			snprintf(reason, sizeof(reason), "CRASH: %s", arg ? arg : "");
			kill_guest(lg, true, reason);
		} else if (strcmp(step, "kill") == 0)
			kill_guest(lg, false, arg ? arg : "");
		else
			kill_guest(lg, false, "fake: unknown script step");
	}
}

const char *lguest_dead_reason(const struct lguest *lg)
{
	return lg->dead ? lg->reason : NULL;
}

int lguest_dead_by_shutdown(const struct lguest *lg)
{
	return lg->dead && lg->by_shutdown;
}

int lguest_irq(struct lguest *lg, unsigned int line)
{
	return 0;
}

int lguest_getreg(struct lguest *lg, unsigned int offset, uint32_t *value)
{
	switch (offset) {
	case LG_REG_EIP:
		*value = lg->eip;
		return 0;
	case LG_REG_CS:
		*value = lg->cs;
		return 0;
	default:
		if (offset % 4 || offset / 4 >= NR_REGS)
			return -ENOENT;
		*value = lg->regs[offset / 4];
		return 0;
	}
}

int lguest_setreg(struct lguest *lg, unsigned int offset, uint32_t value)
{
	if (offset == LG_REG_EIP) {
		lg->eip = value;
		return 0;
	}
	/* As the Host: only the general registers and ESP may be set. */
	if (offset > LG_REG_EAX && offset != LG_REG_ESP)
		return -ENOENT;
	if (offset % 4)
		return -ENOENT;
	lg->regs[offset / 4] = value;
	return 0;
}

int lguest_trap(struct lguest *lg, unsigned int trapnum)
{
	const char *mode = getenv("LGUEST_FAKE_TRAP");

	if (mode && strcmp(mode, "fail") == 0)
		return -EINVAL;
	lg->trapped = (int)trapnum;
	return 0;
}

void lguest_ram_written(struct lguest *lg, uint32_t gpa, uint32_t len)
{
	/* Nothing is translated here; only the range is checked. */
	if (lg->initialized && (uint64_t)gpa + len > lg->ram_size) {
		fprintf(stderr, "fake host: lguest_ram_written(%#x, %u) is outside RAM\n",
			gpa, len);
		abort();
	}
}

void lguest_break(struct lguest *lg)
{
	__atomic_store_n(&lg->break_requested, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&lg->kicks, 1, __ATOMIC_SEQ_CST);
}

void lguest_print_stats(const struct lguest *lg, FILE *out)
{
	(void)lg;
	fprintf(out, "stats: exits 0\n");
}

const char *lguest_error(const struct lguest *lg)
{
	return "fake: the CPU emulator failed its self-test";
}

void lguest_close(struct lguest *lg)
{
	free(lg->script);
	free(lg);
}
