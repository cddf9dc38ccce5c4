/*
 * virtio_devices.c - our own virtio driver drives the Launcher's console,
 * block device and rng through virtqueues and interrupts.
 *
 *   lguest-emu --block=IMG --rng 64 virtio_devices.vmlinux [noinput]
 *
 * 1. Enumerate PCI bus 0 with configuration mechanism 1: slot 0 is the host
 *    bridge (ids 0, class 0x0600), slot 1 the console (1af4:1043), then the
 *    block device (1042) and the rng (1044) in option order, nothing after.
 *    For each virtio device: its interrupt line (byte 0x3C), BAR0 and its
 *    size (the all-ones probe), and the capability chain, walked from 0x34.
 * 2. Map each BAR0 (MMIO above RAM) and bring each device up as a virtio
 *    1.0 driver does: reset, ACKNOWLEDGE, DRIVER, read the device features
 *    (VERSION_1, bit 32, required), write ours, FEATURES_OK, read the status
 *    back, set up the queues (size, rings in Guest RAM by physical address,
 *    enable), DRIVER_OK.
 * 3. Console: a line out through the transmit queue (it appears on stdout);
 *    input through the receive queue - the test feeds "ping\n" on stdin,
 *    into 4-byte buffers, so it spans two of them - echoed back out.
 * 4. Block: GET_ID; read sector 0 (the test wrote a known pattern) and
 *    sector 1; write sector 1 from two buffers; FLUSH; read sector 1 back
 *    through an indirect descriptor table; a read past the end (IOERR) and
 *    an unknown request type (UNSUPP).  The test then finds our sector 1 in
 *    the image file.
 * 5. Rng: 64 bytes with an interrupt, not all zero; 64 more with
 *    NO_INTERRUPT, by polling: no interrupt, and the ISR stays 0.
 *
 * Every request but the last rng one waits for its device's interrupt
 * (vector 0x20 + line, HALT in between); the handler reads the ISR, which
 * must say "queue" (bit 0) and read 0 the second time (read-to-clear).
 * A one-shot timer is the watchdog: a missing interrupt is a panic, not a
 * hang.  "noinput" skips the console's receive part.
 */
#include "guest.h"
#include "paging.h"
#include "time.h"
#include "traps.h"
#include "virtio.h"

/* Where the BAR pages are mapped: kernel half, above the RAM alias. */
#define BAR_VA		0xE0400000u
#define WATCHDOG_NS	(4u * NSEC_PER_SEC)	/* u32: at most 4.29 s */
#define NR_LINES	32

/* Queue sizes we ask for (the devices offer 256). */
#define CONSOLE_QUEUE_SIZE	16
#define BLOCK_QUEUE_SIZE	16
#define RNG_QUEUE_SIZE		8

/* virtio-console */
#define CONSOLE_F_EMERG_WRITE	2
#define CONSOLE_RX		0
#define CONSOLE_TX		1
#define RX_BUFS			4
#define RX_BUF_SIZE		4

/* virtio-blk */
#define BLK_F_SEG_MAX		2
#define BLK_F_FLUSH		9
#define BLK_T_IN		0
#define BLK_T_OUT		1
#define BLK_T_FLUSH		4
#define BLK_T_GET_ID		8
#define BLK_T_UNKNOWN		0x4C47	/* no such request type */
#define BLK_S_OK		0
#define BLK_S_IOERR		1
#define BLK_S_UNSUPP		2
#define BLK_ID_BYTES		20
#define SECTOR_SIZE		512

struct blk_req_hdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

static struct lg_virtio_dev console = { .name = "console" };
static struct lg_virtio_dev block = { .name = "block" };
static struct lg_virtio_dev rng = { .name = "rng" };
static struct lg_virtq console_rx, console_tx, block_q, rng_q;

/* --- interrupts ------------------------------------------------------------ */

static struct lg_virtio_dev *line_owner[NR_LINES];
static u32 irq_count[NR_LINES];
static u32 isr_not_queue[NR_LINES];	/* ISR read without bit 0 */
static u32 isr_not_cleared[NR_LINES];	/* second read not 0 */
static const char *waiting_for;

/* No printing here: lg_printf uses PCI configuration space, and the main
 * flow may be in the middle of a configuration access. */
static void on_device_irq(struct lg_trap_frame *frame)
{
	unsigned int line = frame->vector - LG_FIRST_IRQ_VECTOR;
	struct lg_virtio_dev *dev = line < NR_LINES ? line_owner[line] : NULL;
	u8 isr, again;

	if (!dev)
		lg_panic("interrupt on line %u, which none of our devices uses", line);
	isr = lg_virtio_read_isr(dev);
	again = lg_virtio_read_isr(dev);
	if (!(isr & LG_VIRTIO_ISR_QUEUE))
		isr_not_queue[line]++;
	if (again)
		isr_not_cleared[line]++;
	WRITE_ONCE(irq_count[line], irq_count[line] + 1);
}

static void on_watchdog(struct lg_trap_frame *frame __attribute__((unused)))
{
	lg_panic("no interrupt in %u s while waiting for %s", WATCHDOG_NS / NSEC_PER_SEC,
		 waiting_for);
}

/* Sleep (HALT) until line's count moves past `before`. */
static void wait_irq(unsigned int line, u32 before, const char *what)
{
	waiting_for = what;
	for (;;) {
		lg_irq_disable();
		if (READ_ONCE(irq_count[line]) != before)
			break;
		lg_set_clockevent(WATCHDOG_NS);
		/* Woken by an interrupt, with the flag on (as "sti; hlt"). */
		lg_halt();
		lg_set_clockevent(0);
	}
	lg_irq_enable();
}

static void use_line(struct lg_virtio_dev *dev)
{
	if (dev->irq == 0 || dev->irq >= NR_LINES || line_owner[dev->irq])
		lg_panic("%s: interrupt line %u is not ours to take", dev->name, dev->irq);
	line_owner[dev->irq] = dev;
	lg_set_gate(LG_FIRST_IRQ_VECTOR + dev->irq, LG_GATE_INTERRUPT, 1);
	lg_set_trap_handler(LG_FIRST_IRQ_VECTOR + dev->irq, on_device_irq);
	lg_irq_unblock(dev->irq);
}

/*
 * Add a chain, notify, wait for the device's interrupt, take the used
 * element: it must be our chain.  The used length is returned.
 */
static u32 transact(struct lg_virtq *vq, const struct lg_vbuf *bufs, unsigned int out,
		    unsigned int in, const char *what)
{
	unsigned int line = vq->dev->irq;
	u32 before = READ_ONCE(irq_count[line]), id, len;
	u16 head = lg_virtq_add(vq, bufs, out, in);

	lg_virtq_kick(vq);
	wait_irq(line, before, what);
	if (!lg_virtq_get(vq, &id, &len))
		lg_panic("%s: an interrupt, but no used buffer", what);
	if (id != head)
		lg_panic("%s: used id %u, our chain starts at %u", what, id, head);
	return len;
}

/* --- finding the devices ------------------------------------------------------ */

static const char *type_name(u16 device_id)
{
	switch (device_id) {
	case LG_VIRTIO_ID_NET:
		return "network card";
	case LG_VIRTIO_ID_BLOCK:
		return "block device";
	case LG_VIRTIO_ID_CONSOLE:
		return "console";
	case LG_VIRTIO_ID_RNG:
		return "entropy source";
	}
	return "unknown";
}

static void print_caps(const struct lg_virtio_dev *dev)
{
	static const char *const kinds[] = { "?", "common", "notify", "isr", "device", "pci-cfg" };
	unsigned int i;

	lg_printf("         capabilities:");
	for (i = 0; i < dev->nr_caps; i++) {
		u8 type = lg_pci_read8(dev->slot, dev->caps[i] + LG_VIRTIO_CAP_CFG_TYPE);

		lg_printf(" %x %s%s", dev->caps[i], type <= 5 ? kinds[type] : "?",
			  i + 1 < dev->nr_caps ? " ->" : "");
	}
	lg_printf("\n");
	lg_printf("         common @%u+%u, notify @%u+%u (multiplier %u), isr @%u+%u, "
		  "device @%u+%u\n", dev->common_off, dev->common_len, dev->notify_off,
		  dev->notify_len, dev->notify_mult, dev->isr_off, dev->isr_len,
		  dev->device_off, dev->device_len);
}

static void enumerate(void)
{
	struct lg_virtio_dev *expect[] = { &console, &block, &rng };
	unsigned int slot, found = 0;

	lg_printf("virtio_devices: PCI bus 0\n");
	for (slot = 0; slot < LG_PCI_SLOTS; slot++) {
		u32 id = lg_pci_read32(slot, LG_PCI_VENDOR_ID);
		struct lg_virtio_dev *dev;

		if (slot == 0) {
			u16 class = lg_pci_read16(0, LG_PCI_CLASS_WORD);

			if (id != 0 || class != 0x0600)
				lg_panic("slot 0: ids %08x class %04x, not the host bridge", id,
					 class);
			lg_printf("  slot 0: host bridge (ids 0, class 0x0600)\n");
			continue;
		}
		if (id == 0xFFFFFFFFu)
			continue;
		if (found == 3)
			lg_panic("slot %u: %08x, a device we did not expect", slot, id);
		dev = expect[found];
		if (!lg_virtio_probe(dev, slot))
			lg_panic("slot %u: %08x is not a virtio device", slot, id);
		lg_printf("  slot %u: %04x:%04x virtio %s, class %04x, irq %u, BAR0 %08x "
			  "(%u bytes)\n", slot, id & 0xFFFF, dev->device_id,
			  type_name(dev->device_id), lg_pci_read16(slot, LG_PCI_CLASS_WORD),
			  dev->irq, dev->bar0, dev->bar0_size);
		print_caps(dev);
		found++;
	}
	if (found != 3)
		lg_panic("found %u virtio devices; run with --block=IMG --rng", found);
	if (console.slot != 1 || console.device_id != LG_VIRTIO_ID_CONSOLE)
		lg_panic("slot 1 is not the console");
	if (block.device_id != LG_VIRTIO_ID_BLOCK || rng.device_id != LG_VIRTIO_ID_RNG)
		lg_panic("expected the block device, then the rng, after the console");
	if (console.irq != 1)
		lg_panic("the console's interrupt line is %u, not 1", console.irq);
	if (block.irq == rng.irq || block.irq == console.irq || rng.irq == console.irq)
		lg_panic("two devices share an interrupt line");
	if (!block.device_len || rng.device_len)
		lg_panic("the block device has no device configuration, or the rng has one");
}

/* --- bringing a device up ---------------------------------------------------- */

static void print_features(const char *what, u64 f)
{
	lg_printf("%s %08x_%08x", what, (u32)(f >> 32), (u32)f);
}

static void bring_up(struct lg_virtio_dev *dev, unsigned int index, u64 want,
		     u16 num_queues)
{
	u64 offered;

	lg_virtio_map(dev, BAR_VA + index * PAGE_SIZE);
	lg_virtio_reset(dev);
	lg_virtio_set_status(dev, LG_VIRTIO_S_ACKNOWLEDGE);
	lg_virtio_set_status(dev, LG_VIRTIO_S_ACKNOWLEDGE | LG_VIRTIO_S_DRIVER);
	offered = lg_virtio_read_device_features(dev);
	if (!(offered >> LG_VIRTIO_F_VERSION_1 & 1))
		lg_panic("%s: the device does not offer VERSION_1", dev->name);
	if (want & ~offered)
		lg_panic("%s: the device does not offer %08x_%08x", dev->name,
			 (u32)((want & ~offered) >> 32), (u32)(want & ~offered));
	if (!lg_virtio_negotiate(dev, want))
		lg_panic("%s: FEATURES_OK refused (status %02x)", dev->name,
			 lg_virtio_status(dev));
	lg_printf("  %s:", dev->name);
	print_features(" offers", offered);
	print_features(", we accept", want);
	lg_printf(", FEATURES_OK reads back\n");

	/* Registers whose values we know. */
	lg_iowrite32(2, lg_virtio_reg(dev, LG_VIRTIO_DFSELECT));
	if (lg_ioread32(lg_virtio_reg(dev, LG_VIRTIO_DF)) != 0)
		lg_panic("%s: device_feature with select 2 is not 0", dev->name);
	if (lg_ioread16(lg_virtio_reg(dev, LG_VIRTIO_NUM_QUEUES)) != num_queues)
		lg_panic("%s: num_queues %u, expected %u", dev->name,
			 lg_ioread16(lg_virtio_reg(dev, LG_VIRTIO_NUM_QUEUES)), num_queues);
	if (lg_ioread16(lg_virtio_reg(dev, LG_VIRTIO_MSIX_CONFIG)) != LG_VIRTIO_NO_VECTOR)
		lg_panic("%s: msix_config is not NO_VECTOR", dev->name);
	if (lg_ioread8(lg_virtio_reg(dev, LG_VIRTIO_CFG_GEN)) != 0)
		lg_panic("%s: config_generation is not 0", dev->name);
	lg_iowrite16(num_queues, lg_virtio_reg(dev, LG_VIRTIO_Q_SELECT));
	if (lg_ioread16(lg_virtio_reg(dev, LG_VIRTIO_Q_SIZE)) != 0)
		lg_panic("%s: queue %u (beyond the last) has a size", dev->name, num_queues);
	lg_iowrite16(0, lg_virtio_reg(dev, LG_VIRTIO_Q_SELECT));
	if (lg_ioread16(lg_virtio_reg(dev, LG_VIRTIO_Q_SIZE)) != 256)
		lg_panic("%s: queue 0's size is not 256 before we set it", dev->name);
	if (lg_ioread16(lg_virtio_reg(dev, LG_VIRTIO_Q_MSIX)) != LG_VIRTIO_NO_VECTOR)
		lg_panic("%s: queue_msix_vector is not NO_VECTOR", dev->name);
	use_line(dev);
}

static void driver_ok(struct lg_virtio_dev *dev)
{
	u8 want = LG_VIRTIO_S_ACKNOWLEDGE | LG_VIRTIO_S_DRIVER | LG_VIRTIO_S_FEATURES_OK |
		  LG_VIRTIO_S_DRIVER_OK;

	lg_virtio_set_status(dev, want);
	if (lg_virtio_status(dev) != want)
		lg_panic("%s: status %02x after DRIVER_OK", dev->name, lg_virtio_status(dev));
}

/* --- console ------------------------------------------------------------------- */

static char rx_bufs[RX_BUFS][RX_BUF_SIZE];
static char tx_line[128];

static void console_post_rx(unsigned int i)
{
	struct lg_vbuf b = { rx_bufs[i], RX_BUF_SIZE };
	u16 head = lg_virtq_add(&console_rx, &b, 0, 1);

	/* One descriptor per buffer, handed out in turn: head i is buffer i. */
	if (head % RX_BUFS != i)
		lg_panic("console: receive buffer %u got descriptor %u", i, head);
}

static void console_write(const char *text)
{
	struct lg_vbuf b = { tx_line, strlen(text) };
	u32 len;

	if (b.len >= sizeof(tx_line))
		lg_panic("console_write: line too long");
	memcpy(tx_line, text, b.len);
	len = transact(&console_tx, &b, 1, 0, "the console's transmit queue");
	if (len != 0)
		lg_panic("console: transmit used length %u, expected 0", len);
}

static void console_setup(void)
{
	unsigned int i;

	bring_up(&console, 0, 1ull << LG_VIRTIO_F_VERSION_1 | 1ull << CONSOLE_F_EMERG_WRITE, 2);
	lg_virtq_setup(&console, &console_rx, CONSOLE_RX, CONSOLE_QUEUE_SIZE);
	lg_virtq_setup(&console, &console_tx, CONSOLE_TX, CONSOLE_QUEUE_SIZE);
	/* As Linux: receive buffers are there before DRIVER_OK. */
	for (i = 0; i < RX_BUFS; i++)
		console_post_rx(i);
	driver_ok(&console);
}

static void console_test(bool input)
{
	char line[64];
	unsigned int got = 0, pieces = 0;
	u32 id, len;

	lg_printf("virtio_devices: console\n");
	console_write("virtio_devices: hello through the console's transmit queue\n");
	lg_printf("  transmit: one line out, used length 0, interrupt on line %u\n",
		  console.irq);
	if (!input)
		return;

	/* The test wrote "ping\n" to our stdin: it arrives in 4-byte buffers. */
	for (;;) {
		u32 before = READ_ONCE(irq_count[console.irq]);
		bool newline = false;

		while (lg_virtq_get(&console_rx, &id, &len)) {
			if (id >= CONSOLE_QUEUE_SIZE || len > RX_BUF_SIZE)
				lg_panic("console: receive used id %u length %u", id, len);
			if (got + len >= sizeof(line))
				lg_panic("console: input line too long");
			memcpy(line + got, rx_bufs[id % RX_BUFS], len);
			got += len;
			pieces++;
			if (len && line[got - 1] == '\n')
				newline = true;
			console_post_rx(id % RX_BUFS);
			lg_virtq_kick(&console_rx);
		}
		if (newline)
			break;
		wait_irq(console.irq, before, "console input");
	}
	line[got] = '\0';
	lg_printf("  receive: %u bytes in %u buffers: \"%c%c%c%c\\n\"\n", got, pieces,
		  line[0], line[1], line[2], line[3]);
	if (pieces < 2)
		lg_panic("console: %u bytes of input in one %u-byte buffer?", got, RX_BUF_SIZE);
	{
		char echo[80];

		lg_snprintf(echo, sizeof(echo), "echo: %s", line);
		console_write(echo);
	}
}

/* --- block ---------------------------------------------------------------------- */

static struct blk_req_hdr blk_hdr;
static u8 blk_status;
static u8 sector[SECTOR_SIZE];
static char sector1[SECTOR_SIZE];
static char blk_id[BLK_ID_BYTES + 1];
static struct lg_vring_desc indirect_table[3] __attribute__((aligned(16)));

static u64 capacity;

/* header, then data (readable for OUT, writable otherwise), then status. */
static u32 blk_request(u32 type, u64 sec, void *data, u32 data_len, const char *what)
{
	struct lg_vbuf bufs[3] = {
		{ &blk_hdr, sizeof(blk_hdr) },
		{ data, data_len },
		{ &blk_status, 1 },
	};
	u32 len;

	blk_hdr = (struct blk_req_hdr){ .type = type, .sector = sec };
	blk_status = 0xFF;
	if (!data_len) {
		bufs[1] = bufs[2];
		len = transact(&block_q, bufs, 1, 1, what);
	} else if (type == BLK_T_OUT) {
		len = transact(&block_q, bufs, 2, 1, what);
	} else {
		len = transact(&block_q, bufs, 1, 2, what);
	}
	return len;
}

static void expect_status(const char *what, u8 want, u32 len, u32 want_len)
{
	if (blk_status != want || len != want_len)
		lg_panic("block %s: status %u used length %u, expected %u and %u", what,
			 blk_status, len, want, want_len);
}

static void fill_sector1(void)
{
	unsigned int i;

	/* 16 lines of 32 bytes; the test knows them too. */
	for (i = 0; i < SECTOR_SIZE / 32; i++) {
		char line[33];

		lg_snprintf(line, sizeof(line), "virtio_devices sector 1 line %02u\n", i);
		memcpy(sector1 + 32 * i, line, 32);
	}
}

static void block_setup(void)
{
	bring_up(&block, 1,
		 1ull << LG_VIRTIO_F_VERSION_1 | 1ull << LG_VIRTIO_F_INDIRECT_DESC |
			 1ull << BLK_F_FLUSH | 1ull << BLK_F_SEG_MAX,
		 1);
	lg_virtq_setup(&block, &block_q, 0, BLOCK_QUEUE_SIZE);
	driver_ok(&block);
}

static void block_test(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;
	u32 len;
	u16 head;

	lg_printf("virtio_devices: block\n");
	capacity = (u64)lg_virtio_config32(&block, 4) << 32 | lg_virtio_config32(&block, 0);
	lg_printf("  capacity %u sectors, seg_max %u\n", (u32)capacity,
		  lg_virtio_config32(&block, 12));
	if (capacity < 3 || capacity >> 32)
		lg_panic("block: capacity %u: the test image has at least 3 sectors",
			 (u32)capacity);

	len = blk_request(BLK_T_GET_ID, 0, blk_id, BLK_ID_BYTES, "block GET_ID");
	expect_status("GET_ID", BLK_S_OK, len, BLK_ID_BYTES + 1);
	blk_id[BLK_ID_BYTES] = '\0';
	lg_printf("  GET_ID: \"%s\"\n", blk_id);

	len = blk_request(BLK_T_IN, 0, sector, SECTOR_SIZE, "block read of sector 0");
	expect_status("read of sector 0", BLK_S_OK, len, SECTOR_SIZE + 1);
	for (i = 0; i < SECTOR_SIZE; i++)
		if (sector[i] != hex[i % 16])
			lg_panic("block: sector 0 byte %u is %02x, expected '%c'", i, sector[i],
				 hex[i % 16]);
	lg_printf("  read sector 0: 512 bytes \"0123456789abcdef\" x 32, as the test wrote\n");

	len = blk_request(BLK_T_IN, 1, sector, SECTOR_SIZE, "block read of sector 1");
	expect_status("read of sector 1", BLK_S_OK, len, SECTOR_SIZE + 1);
	for (i = 0; i < SECTOR_SIZE; i++)
		if (sector[i] != '-')
			lg_panic("block: sector 1 byte %u is %02x before we write it", i,
				 sector[i]);

	/* Header, data in two buffers, status: four descriptors. */
	fill_sector1();
	{
		struct lg_vbuf bufs[4] = {
			{ &blk_hdr, sizeof(blk_hdr) },
			{ sector1, SECTOR_SIZE / 2 },
			{ sector1 + SECTOR_SIZE / 2, SECTOR_SIZE / 2 },
			{ &blk_status, 1 },
		};

		blk_hdr = (struct blk_req_hdr){ .type = BLK_T_OUT, .sector = 1 };
		blk_status = 0xFF;
		len = transact(&block_q, bufs, 3, 1, "block write of sector 1");
		expect_status("write of sector 1", BLK_S_OK, len, 1);
	}
	lg_printf("  wrote sector 1 from two 256-byte buffers\n");

	len = blk_request(BLK_T_FLUSH, 0, NULL, 0, "block flush");
	expect_status("flush", BLK_S_OK, len, 1);
	lg_printf("  flush: status OK\n");

	/* Sector 1 back, through one indirect descriptor. */
	memset(sector, 0, sizeof(sector));
	blk_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = 1 };
	blk_status = 0xFF;
	indirect_table[0] = (struct lg_vring_desc){ __pa(&blk_hdr), sizeof(blk_hdr),
						    LG_VRING_DESC_F_NEXT, 1 };
	indirect_table[1] = (struct lg_vring_desc){ __pa(sector), SECTOR_SIZE,
						    LG_VRING_DESC_F_NEXT | LG_VRING_DESC_F_WRITE, 2 };
	indirect_table[2] = (struct lg_vring_desc){ __pa(&blk_status), 1,
						    LG_VRING_DESC_F_WRITE, 0 };
	{
		u32 before = READ_ONCE(irq_count[block.irq]), id;

		head = lg_virtq_alloc_desc(&block_q, 1);
		block_q.desc[head] = (struct lg_vring_desc){ __pa(indirect_table),
							     sizeof(indirect_table),
							     LG_VRING_DESC_F_INDIRECT, 0 };
		lg_virtq_publish(&block_q, head);
		lg_virtq_kick(&block_q);
		wait_irq(block.irq, before, "block indirect read");
		if (!lg_virtq_get(&block_q, &id, &len) || id != head)
			lg_panic("block: indirect read not used");
	}
	expect_status("indirect read of sector 1", BLK_S_OK, len, SECTOR_SIZE + 1);
	if (memcmp(sector, sector1, SECTOR_SIZE) != 0)
		lg_panic("block: sector 1 does not read back what we wrote");
	lg_printf("  read sector 1 back through an indirect table: what we wrote\n");

	len = blk_request(BLK_T_IN, capacity, sector, SECTOR_SIZE, "block read past the end");
	expect_status("read past the end", BLK_S_IOERR, len, 1);
	lg_printf("  read of sector %u (past the end): IOERR\n", (u32)capacity);
	len = blk_request(BLK_T_UNKNOWN, 0, NULL, 0, "block request of an unknown type");
	expect_status("unknown request", BLK_S_UNSUPP, len, 1);
	lg_printf("  request type 0x%x: UNSUPP\n", BLK_T_UNKNOWN);
}

/* --- rng ------------------------------------------------------------------------ */

static u8 random1[64], random2[64];

static void rng_setup(void)
{
	bring_up(&rng, 2, 1ull << LG_VIRTIO_F_VERSION_1, 1);
	lg_virtq_setup(&rng, &rng_q, 0, RNG_QUEUE_SIZE);
	driver_ok(&rng);
}

static bool all_zero(const u8 *p, unsigned int n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static void rng_test(void)
{
	struct lg_vbuf b = { random1, sizeof(random1) };
	u32 len, before, id, polls;
	u16 head;

	lg_printf("virtio_devices: rng\n");
	len = transact(&rng_q, &b, 0, 1, "64 random bytes");
	if (len != sizeof(random1) || all_zero(random1, sizeof(random1)))
		lg_panic("rng: used length %u, bytes%s all zero", len,
			 all_zero(random1, sizeof(random1)) ? "" : " not");
	lg_printf("  64 bytes through an interrupt, not all zero\n");

	/* NO_INTERRUPT: the device must not interrupt; we poll. */
	lg_virtq_set_no_interrupt(&rng_q, true);
	before = READ_ONCE(irq_count[rng.irq]);
	b.addr = random2;
	head = lg_virtq_add(&rng_q, &b, 0, 1);
	lg_virtq_kick(&rng_q);
	for (polls = 1; !lg_virtq_pending(&rng_q); polls++)
		if (polls == 1000000)
			lg_panic("rng: polled %u times, nothing used", polls);
	if (!lg_virtq_get(&rng_q, &id, &len) || id != head || len != sizeof(random2))
		lg_panic("rng: polled buffer id %u length %u", id, len);
	if (lg_virtio_read_isr(&rng) != 0)
		lg_panic("rng: ISR set although we asked for no interrupt");
	if (READ_ONCE(irq_count[rng.irq]) != before)
		lg_panic("rng: interrupt although we asked for none");
	if (all_zero(random2, sizeof(random2)) || !memcmp(random1, random2, sizeof(random1)))
		lg_panic("rng: the second 64 bytes are zero or repeat the first");
	lg_virtq_set_no_interrupt(&rng_q, false);
	lg_printf("  64 more with NO_INTERRUPT, by polling (%u poll%s): no interrupt, ISR 0, "
		  "different bytes\n", polls, polls == 1 ? "" : "s");
}

/* --- the whole run ------------------------------------------------------------- */

void guest_main(void)
{
	struct lg_virtio_dev *devs[] = { &console, &block, &rng };
	bool input = !lg_cmdline_has("noinput");
	unsigned int i;

	lg_traps_init();
	lg_set_gate(LG_TIMER_VECTOR, LG_GATE_INTERRUPT, 1);
	lg_set_trap_handler(LG_TIMER_VECTOR, on_watchdog);
	lg_irq_unblock(LG_TIMER_IRQ);

	enumerate();
	lg_printf("virtio_devices: bringing the devices up\n");
	console_setup();
	block_setup();
	rng_setup();
	lg_irq_enable();

	console_test(input);
	block_test();
	rng_test();

	lg_irq_disable();
	for (i = 0; i < 3; i++) {
		struct lg_virtio_dev *d = devs[i];

		if (!irq_count[d->irq])
			lg_panic("%s: no interrupt at all", d->name);
		if (isr_not_queue[d->irq] || isr_not_cleared[d->irq])
			lg_panic("%s: %u interrupts without ISR bit 0, %u ISRs not cleared by "
				 "reading", d->name, isr_not_queue[d->irq], isr_not_cleared[d->irq]);
		lg_virtio_reset(d);
	}
	lg_printf("virtio_devices: interrupts: console %u (line %u), block %u (line %u), "
		  "rng %u (line %u); each ISR read gave bit 0, the next read 0\n",
		  irq_count[console.irq], console.irq, irq_count[block.irq], block.irq,
		  irq_count[rng.irq], rng.irq);
	lg_printf("virtio_devices: all devices reset; powering off\n");
}
