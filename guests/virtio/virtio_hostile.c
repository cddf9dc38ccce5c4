/*
 * virtio_hostile.c - a driver that breaks the rules, one way per run:
 *
 *   lguest-emu --block=IMG --rng 32 virtio_hostile.vmlinux case=<name>
 *
 * Most cases hand a device a descriptor chain it cannot serve - a buffer
 * outside Guest RAM, a loop, a chain longer than the queue, an absurd
 * length, a buffer in the wrong direction, an available index that jumps,
 * indirect descriptors that were not negotiated or are malformed.  The
 * device cannot tell what we meant, so the Launcher must kill us: exit
 * status 3 and "lguest-emu: guest killed: <device>: <reason>" (the reasons
 * are src/launcher/virtqueue.c's and the device models').  If it does not,
 * we panic (status 4): the device interrupting us for the chain, or four
 * seconds of nothing, is a failure.
 *
 * Three cases are mistakes the device survives, with one warning each and
 * the Guest running on to a normal power off (status 0): "failed" (the
 * driver writes FAILED: the device stops serving queues until a reset),
 * "features_refused" (FEATURES_OK with a feature not offered, then without
 * VERSION_1: the status reads back without FEATURES_OK) and "broken_rule"
 * (a write to the ISR: NEEDS_RESET).  Each then resets the device and
 * shows it working again.  "write_read_only" is not even a warning: a
 * write to a disk given with ,ro ends with status IOERR.
 *
 * Queues are 8 entries; the block device's chains are header (16 bytes,
 * readable), data (512, writable), status (1, writable) unless the case
 * says otherwise.
 */
#include "guest.h"
#include "paging.h"
#include "time.h"
#include "traps.h"
#include "virtio.h"

#define BAR_VA		0xE0800000u
#define QSIZE		8
#define GIVE_UP_NS	(4u * NSEC_PER_SEC)	/* u32: at most 4.29 s */

#define BLK_F_RO	5
#define BLK_T_IN	0
#define BLK_T_OUT	1
#define BLK_S_IOERR	1
#define R		0
#define W		LG_VRING_DESC_F_WRITE
#define N		LG_VRING_DESC_F_NEXT
#define I		LG_VRING_DESC_F_INDIRECT

static const char *case_name;
static struct lg_virtio_dev dev = { .name = "device" };
static struct lg_virtq vq;

static struct {
	u32 type, reserved;
	u64 sector;
} hdr;
static u8 data[512], status;
static struct lg_vring_desc table[4] __attribute__((aligned(16)));
static u32 irqs;

/* --- setting a device up -------------------------------------------------- */

static void find(u16 device_id)
{
	unsigned int slot;

	for (slot = 1; slot < LG_PCI_SLOTS; slot++)
		if ((lg_pci_read32(slot, 0) >> 16) == device_id && lg_virtio_probe(&dev, slot)) {
			lg_virtio_map(&dev, BAR_VA);
			return;
		}
	lg_panic("no device %04x: run with --block=IMG --rng", device_id);
}

static void on_device_irq(struct lg_trap_frame *frame __attribute__((unused)))
{
	lg_virtio_read_isr(&dev);
	irqs++;
}

/* Negotiate, one queue of QSIZE, DRIVER_OK. */
static void bring_up(u64 features, unsigned int queue)
{
	if (!lg_virtio_negotiate(&dev, 1ull << LG_VIRTIO_F_VERSION_1 | features))
		lg_panic("%s: FEATURES_OK refused", dev.name);
	lg_virtq_setup(&dev, &vq, queue, QSIZE);
	lg_virtio_set_status(&dev, LG_VIRTIO_S_ACKNOWLEDGE | LG_VIRTIO_S_DRIVER |
				   LG_VIRTIO_S_FEATURES_OK | LG_VIRTIO_S_DRIVER_OK);
}

static void block(u64 features)
{
	dev.name = "block";
	find(LG_VIRTIO_ID_BLOCK);
	bring_up(features, 0);
	hdr.type = BLK_T_IN;
	hdr.sector = 0;
}

static void put(unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	vq.desc[i] = (struct lg_vring_desc){ addr, len, flags, next };
}

/* A well-formed read of sector 0 at descriptors 0-2. */
static void good_read(void)
{
	put(0, __pa(&hdr), sizeof(hdr), R | N, 1);
	put(1, __pa(data), sizeof(data), W | N, 2);
	put(2, __pa(&status), 1, W, 0);
}

static void on_timeout(struct lg_trap_frame *frame __attribute__((unused)))
{
	lg_panic("case %s: still alive %u s after the notify", case_name,
		 GIVE_UP_NS / NSEC_PER_SEC);
}

/*
 * After the notify: the Launcher kills us in it, normally, or when input
 * arrives (the console's receive case).  An interrupt means the device
 * served the chain; four seconds of nothing, that it ignored it.
 */
static void wait_to_be_killed(void) __attribute__((noreturn));
static void wait_to_be_killed(void)
{
	lg_set_clockevent(GIVE_UP_NS);
	for (;;) {
		lg_irq_disable();
		if (irqs)
			lg_panic("case %s: the device served the chain (used length %u)",
				 case_name, vq.used->ring[0].len);
		lg_halt();
	}
}

/* Make head available, notify, and wait to be killed. */
static void submit(u16 head) __attribute__((noreturn));
static void submit(u16 head)
{
	lg_virtq_publish(&vq, head);
	lg_virtq_kick(&vq);
	wait_to_be_killed();
}

/* --- chains the Launcher must kill us for ------------------------------------ */

static void outside_ram(void)
{
	block(0);
	good_read();
	put(1, lg_ram_size, sizeof(data), W | N, 2);
	submit(0);
}

/* The same chain, notified through the PCI-configuration-access window
 * (port I/O) instead of MMIO: the kill then happens inside the Host's run. */
static void outside_ram_window(void)
{
	unsigned int cap;

	block(0);
	good_read();
	put(1, lg_ram_size, sizeof(data), W | N, 2);
	lg_virtq_publish(&vq, 0);
	cap = dev.pci_cfg_cap;
	if (!cap)
		lg_panic("no PCI-configuration-access capability");
	lg_pci_write8(dev.slot, cap + LG_VIRTIO_CAP_BAR, 0);
	lg_pci_write32(dev.slot, cap + LG_VIRTIO_CAP_LENGTH, 2);
	lg_pci_write32(dev.slot, cap + LG_VIRTIO_CAP_OFFSET, dev.notify_off);
	lg_pci_write32(dev.slot, cap + LG_VIRTIO_CAP_PCI_DATA, 0);	/* queue 0 */
	wait_to_be_killed();
}

static void straddles_end(void)
{
	block(0);
	good_read();
	put(1, lg_ram_size - 256, sizeof(data), W | N, 2);
	submit(0);
}

static void absurd_length(void)
{
	block(0);
	good_read();
	put(1, __pa(data), 0xFFFFFFFFu, W | N, 2);
	submit(0);
}

static void wraps_around(void)
{
	block(0);
	good_read();
	put(1, 0xFFFFFFFFFFFFFE00ull, 0x400, W | N, 2);
	submit(0);
}

static void loop(void)
{
	block(0);
	good_read();
	put(2, __pa(&status), 1, W | N, 1);	/* 0 -> 1 -> 2 -> 1 ... */
	submit(0);
}

static void long_chain(void)
{
	unsigned int i;

	block(0);
	put(0, __pa(&hdr), sizeof(hdr), R | N, 1);
	for (i = 1; i < QSIZE; i++)	/* every descriptor, then back to 0 */
		put(i, __pa(&status), 1, W | N, (u16)((i + 1) % QSIZE));
	submit(0);
}

static void link_beyond(void)
{
	block(0);
	good_read();
	put(1, __pa(data), sizeof(data), W | N, QSIZE);
	submit(0);
}

static void head_beyond(void)
{
	block(0);
	good_read();
	submit(QSIZE);
}

static void avail_jump(void)
{
	block(0);
	good_read();
	vq.avail->ring[0] = 0;
	vq.avail_idx = QSIZE; /* publish() makes it QSIZE + 1 */
	submit(0);
}

static void readable_after_writable(void)
{
	block(0);
	good_read();
	put(2, __pa(&status), 1, R, 0);
	submit(0);
}

static void wrong_direction(void)
{
	/* The console's transmit queue: the device reads, we say "write". */
	dev.name = "console";
	find(LG_VIRTIO_ID_CONSOLE);
	bring_up(0, 1);
	memcpy(data, "never printed\n", 14);
	put(0, __pa(data), 14, W, 0);
	submit(0);
}

static void console_outside(void)
{
	dev.name = "console";
	find(LG_VIRTIO_ID_CONSOLE);
	bring_up(0, 1);
	put(0, lg_ram_size - 8, 16, R, 0);
	submit(0);
}

static void console_rx_readable(void)
{
	/* Input (the test gives some) goes into a buffer we say is readable. */
	dev.name = "console";
	find(LG_VIRTIO_ID_CONSOLE);
	bring_up(0, 0);
	put(0, __pa(data), 16, R, 0);
	submit(0);
}

static void rng_readable(void)
{
	dev.name = "rng";
	find(LG_VIRTIO_ID_RNG);
	bring_up(0, 0);
	put(0, __pa(data), 64, R, 0);
	submit(0);
}

static void no_header(void)
{
	block(0);
	put(0, __pa(&hdr), 8, R | N, 1);
	put(1, __pa(&status), 1, W, 0);
	submit(0);
}

static void no_status(void)
{
	block(0);
	put(0, __pa(&hdr), sizeof(hdr), R | N, 1);
	put(1, __pa(data), sizeof(data), R, 0);
	submit(0);
}

/* Indirect tables: table[] holds a well-formed read unless changed. */
static void indirect(u64 features, u64 addr, u32 len)
{
	block(features);
	table[0] = (struct lg_vring_desc){ __pa(&hdr), sizeof(hdr), R | N, 1 };
	table[1] = (struct lg_vring_desc){ __pa(data), sizeof(data), W | N, 2 };
	table[2] = (struct lg_vring_desc){ __pa(&status), 1, W, 0 };
	put(0, addr, len, I, 0);
}

#define INDIRECT_OK (1ull << LG_VIRTIO_F_INDIRECT_DESC)

static void indirect_not_negotiated(void)
{
	indirect(0, __pa(table), 3 * 16);
	submit(0);
}

static void indirect_nested(void)
{
	indirect(INDIRECT_OK, __pa(table), 3 * 16);
	table[0].flags = I;
	submit(0);
}

static void indirect_loop(void)
{
	indirect(INDIRECT_OK, __pa(table), 3 * 16);
	table[2] = (struct lg_vring_desc){ __pa(&status), 1, W | N, 0 };
	submit(0);
}

static void indirect_outside(void)
{
	indirect(INDIRECT_OK, lg_ram_size - 16, 3 * 16);
	submit(0);
}

static void indirect_partial(void)
{
	indirect(INDIRECT_OK, __pa(table), 20);
	submit(0);
}

static void indirect_not_alone(void)
{
	indirect(INDIRECT_OK, __pa(table), 3 * 16);
	put(1, __pa(table), 3 * 16, I, 0);
	put(0, __pa(&hdr), sizeof(hdr), R | N, 1);
	submit(0);
}

static void indirect_entry_outside(void)
{
	indirect(INDIRECT_OK, __pa(table), 3 * 16);
	table[1].addr = lg_ram_size;
	submit(0);
}

/* --- mistakes the device survives ---------------------------------------------- */

/* Poll: was the chain used (true) within a while? */
static bool used_soon(void)
{
	unsigned int i;

	for (i = 0; i < 100000; i++)
		if (lg_virtq_pending(&vq))
			return true;
	return false;
}

/* After a reset: set the device up again and show one request served. */
static void works_again(void)
{
	u32 id, len;

	bring_up(0, 0);
	good_read();
	status = 0xFF;
	lg_virtq_publish(&vq, 0);
	lg_virtq_kick(&vq);
	if (!used_soon() || !lg_virtq_get(&vq, &id, &len) || id != 0 || status != 0)
		lg_panic("case %s: after the reset the device does not serve the queue",
			 case_name);
	lg_printf("virtio_hostile: after a reset the %s works again (a read, used length "
		  "%u)\n", dev.name, len);
}

static void failed(void)
{
	u8 s;

	block(0);
	lg_virtio_set_status(&dev, lg_virtio_status(&dev) | LG_VIRTIO_S_FAILED);
	s = lg_virtio_status(&dev);
	if (!(s & LG_VIRTIO_S_FAILED))
		lg_panic("FAILED does not read back: status %02x", s);
	lg_printf("virtio_hostile: wrote FAILED, status reads %02x\n", s);
	good_read();
	lg_virtq_publish(&vq, 0);
	lg_virtq_kick(&vq);
	if (used_soon())
		lg_panic("the device served a queue after FAILED");
	lg_printf("virtio_hostile: a request after FAILED is not served\n");
	lg_virtio_reset(&dev);
	works_again();
}

static void features_refused(void)
{
	u8 s;

	dev.name = "rng";
	find(LG_VIRTIO_ID_RNG);
	/* Bit 0 is not offered by the rng. */
	if (lg_virtio_negotiate(&dev, 1ull << LG_VIRTIO_F_VERSION_1 | 1))
		lg_panic("FEATURES_OK accepted with a feature not offered");
	s = lg_virtio_status(&dev);
	lg_printf("virtio_hostile: FEATURES_OK with an unoffered feature: status reads %02x\n",
		  s);
	if (s != (LG_VIRTIO_S_ACKNOWLEDGE | LG_VIRTIO_S_DRIVER))
		lg_panic("status %02x", s);
	if (lg_virtio_negotiate(&dev, 0))
		lg_panic("FEATURES_OK accepted without VERSION_1");
	lg_printf("virtio_hostile: FEATURES_OK without VERSION_1: status reads %02x\n",
		  lg_virtio_status(&dev));
	{
		static u8 bytes[16];
		u32 id, len;

		bring_up(0, 0);
		put(0, __pa(bytes), sizeof(bytes), W, 0);
		lg_virtq_publish(&vq, 0);
		lg_virtq_kick(&vq);
		if (!used_soon() || !lg_virtq_get(&vq, &id, &len) || len != sizeof(bytes))
			lg_panic("the rng does not work after a proper negotiation");
		lg_printf("virtio_hostile: with VERSION_1 alone the rng works (%u bytes)\n", len);
	}
}

static void broken_rule(void)
{
	u8 s;

	block(0);
	lg_iowrite8(1, dev.isr);
	s = lg_virtio_status(&dev);
	lg_printf("virtio_hostile: wrote the ISR, status reads %02x\n", s);
	if (!(s & LG_VIRTIO_S_NEEDS_RESET))
		lg_panic("no NEEDS_RESET after a broken rule");
	good_read();
	lg_virtq_publish(&vq, 0);
	lg_virtq_kick(&vq);
	if (used_soon())
		lg_panic("the device served a queue after a broken rule");
	lg_virtio_reset(&dev);
	works_again();
}

/* Not hostile, only futile: a write to a read-only disk (--block=IMG,ro)
 * is refused with IOERR; the device offers VIRTIO_BLK_F_RO. */
static void write_read_only(void)
{
	u32 id, len;

	block(0);
	if (!(dev.device_features >> BLK_F_RO & 1))
		lg_panic("the block device does not offer RO: run with --block=IMG,ro");
	hdr.type = BLK_T_OUT;
	hdr.sector = 1;
	memset(data, 'w', sizeof(data));
	put(0, __pa(&hdr), sizeof(hdr), R | N, 1);
	put(1, __pa(data), sizeof(data), R | N, 2);
	put(2, __pa(&status), 1, W, 0);
	status = 0xFF;
	lg_virtq_publish(&vq, 0);
	lg_virtq_kick(&vq);
	if (!used_soon() || !lg_virtq_get(&vq, &id, &len) || id != 0)
		lg_panic("the write was not used");
	lg_printf("virtio_hostile: write to a read-only disk: status %u, used length %u\n",
		  status, len);
	if (status != BLK_S_IOERR || len != 1)
		lg_panic("expected IOERR and used length 1");
}

/* --- which case -------------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "outside_ram", outside_ram },
	{ "outside_ram_window", outside_ram_window },
	{ "straddles_end", straddles_end },
	{ "absurd_length", absurd_length },
	{ "wraps_around", wraps_around },
	{ "loop", loop },
	{ "long_chain", long_chain },
	{ "link_beyond", link_beyond },
	{ "head_beyond", head_beyond },
	{ "avail_jump", avail_jump },
	{ "readable_after_writable", readable_after_writable },
	{ "wrong_direction", wrong_direction },
	{ "console_outside", console_outside },
	{ "console_rx_readable", console_rx_readable },
	{ "rng_readable", rng_readable },
	{ "no_header", no_header },
	{ "no_status", no_status },
	{ "indirect_not_negotiated", indirect_not_negotiated },
	{ "indirect_nested", indirect_nested },
	{ "indirect_loop", indirect_loop },
	{ "indirect_outside", indirect_outside },
	{ "indirect_partial", indirect_partial },
	{ "indirect_not_alone", indirect_not_alone },
	{ "indirect_entry_outside", indirect_entry_outside },
	{ "failed", failed },
	{ "features_refused", features_refused },
	{ "broken_rule", broken_rule },
	{ "write_read_only", write_read_only },
};

void guest_main(void)
{
	unsigned int i;

	lg_traps_init();
	lg_set_gate(LG_TIMER_VECTOR, LG_GATE_INTERRUPT, 1);
	lg_set_trap_handler(LG_TIMER_VECTOR, on_timeout);
	lg_irq_unblock(LG_TIMER_IRQ);
	for (i = 1; i < 8; i++) {
		lg_set_gate(LG_FIRST_IRQ_VECTOR + i, LG_GATE_INTERRUPT, 1);
		lg_set_trap_handler(LG_FIRST_IRQ_VECTOR + i, on_device_irq);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (lg_cmdline_is("case", cases[i].name)) {
			case_name = cases[i].name;
			lg_printf("virtio_hostile: case %s\n", cases[i].name);
			cases[i].run();
			lg_printf("virtio_hostile: case %s: powering off\n", cases[i].name);
			return;
		}
	}
	lg_panic("case=<name> missing or unknown");
}
