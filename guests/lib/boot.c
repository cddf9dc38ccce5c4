/*
 * boot.c - the Guest's half of the lguest contract, and the step from
 * head.S into C.
 */
#include "guest.h"
#include "traps.h"

/*
 * The page shared with the Host.  Only the fields we own are set here;
 * LHCALL_LGUEST_INIT makes the Host fill in reserve_mem, tsc_khz and time.
 *
 * - Every async-ring slot starts empty (0xFF), or the Host would run
 *   garbage hypercalls at our first synchronous one.
 * - IRQ 0 (the timer) starts masked; a Guest that wants ticks unmasks it.
 * - irq_enabled = 0: interrupts are soft-disabled until we ask for them.
 * - noirq_iret: the one instruction where the Host must not inject an
 *   interrupt, the iret that ends our paravirt return path (entry.S).
 */
struct lguest_data lguest_data = {
	.irq_enabled = 0,
	.blocked_interrupts = 1u << 0,
	.hcall_status = { [0 ... LHCALL_RING_SIZE - 1] = 0xFF },
	.noirq_iret = (u32)lg_noirq_iret,
	.kernel_address = PAGE_OFFSET,
	.syscall_vec = LG_SYSCALL_VECTOR,
};

/* Filled by head.S, which runs before paging (hence no initialisers: BSS). */
u8 lg_boot_params[BOOT_PARAMS_SIZE];
char lg_cmdline[COMMAND_LINE_SIZE];
u32 lg_ram_size;
u32 lg_lowmem_size;
u32 lg_free_phys;

/* The word of the command line that starts with prefix, or NULL. */
static const char *cmdline_word(const char *prefix, bool whole)
{
	size_t len = strlen(prefix);
	const char *p = lg_cmdline;

	while (*p) {
		size_t n = 0;

		while (*p == ' ')
			p++;
		while (p[n] && p[n] != ' ')
			n++;
		if (n && (whole ? n == len : n > len) && strncmp(p, prefix, len) == 0)
			return p;
		p += n;
	}
	return NULL;
}

bool lg_cmdline_has(const char *word)
{
	return cmdline_word(word, true) != NULL;
}

/* The value of the first "key=..." word, or NULL. */
const char *lg_cmdline_value(const char *key)
{
	char prefix[64];
	const char *p;

	lg_snprintf(prefix, sizeof(prefix), "%s=", key);
	p = cmdline_word(prefix, false);
	return p ? p + strlen(prefix) : NULL;
}

/* Is there a "key=value" word? */
bool lg_cmdline_is(const char *key, const char *value)
{
	const char *v = lg_cmdline_value(key);
	size_t len = strlen(value);

	return v && strncmp(v, value, len) == 0 && (v[len] == ' ' || v[len] == '\0');
}

/* "key=<decimal>" or "key=0x<hex>"; dflt if absent; a malformed value panics. */
u32 lg_cmdline_u32(const char *key, u32 dflt)
{
	const char *v = lg_cmdline_value(key), *p;
	u32 n = 0, base = 10;

	if (!v)
		return dflt;
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

unsigned int lg_cpl(void)
{
	u32 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

void lg_irq_disable(void)
{
	WRITE_ONCE(lguest_data.irq_enabled, 0);
	barrier();
}

/*
 * Turning interrupts back on: if the Host tried to inject one while they
 * were off, it left irq_pending set; SEND_INTERRUPTS makes it look again.
 */
void lg_irq_enable(void)
{
	WRITE_ONCE(lguest_data.irq_enabled, X86_EFLAGS_IF);
	barrier();
	if (READ_ONCE(lguest_data.irq_pending))
		hcall0(LHCALL_SEND_INTERRUPTS);
}

u32 lg_irq_save(void)
{
	u32 flags = READ_ONCE(lguest_data.irq_enabled);

	lg_irq_disable();
	return flags;
}

void lg_irq_restore(u32 flags)
{
	if (flags & X86_EFLAGS_IF)
		lg_irq_enable();
	else
		lg_irq_disable();
}

/*
 * Our irq_chip, as 4.4's: masking a line is setting its bit.  The Host
 * reads blocked_interrupts before every injection, so an interrupt
 * waiting on a line we unmask arrives at our next exit to the Host.
 */
void lg_irq_block(unsigned int line)
{
	WRITE_ONCE(lguest_data.blocked_interrupts,
		   READ_ONCE(lguest_data.blocked_interrupts) | (1u << line));
	barrier();
}

void lg_irq_unblock(unsigned int line)
{
	WRITE_ONCE(lguest_data.blocked_interrupts,
		   READ_ONCE(lguest_data.blocked_interrupts) & ~(1u << line));
	barrier();
}

/* head.S jumps here, at our virtual address, on the boot stack. */
void lg_start_kernel(void) __attribute__((noreturn));
void lg_start_kernel(void)
{
	guest_main();
	lg_power_off();
}
