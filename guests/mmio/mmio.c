/*
 * mmio.c - MMIO: loads and stores of every size to a device's registers,
 * emulated by the Launcher, and the Guest resuming after each.
 *
 * The device is the virtio console, always in PCI slot 1.  We find its
 * BAR0 in PCI configuration space (as Linux's early console finds the
 * device), and map BAR0's page - above RAM, in the device window - in
 * our page tables at MMIO_VA.  The page is never RAM: each access faults,
 * the Host sees the PTE's frame is in the device window and hands the
 * Launcher the physical address and the instruction bytes; the Launcher
 * decodes the instruction (size, direction, register or immediate), does
 * the access on the device, writes the destination register and moves
 * EIP past the instruction.
 *
 * The registers (virtio 1.0 common configuration, docs/devices.md) have
 * values we can predict: device_feature is 1 (VERSION_1, bit 32) with
 * device_feature_select 1 and 4 (EMERG_WRITE, bit 2) with 0; queue_size
 * reads 256 until written; num_queues is 2; msix_config reads 0xFFFF (no
 * vector); device_status reads what we wrote; a queue's ring address
 * reads back; a 32-bit write of a character to emerg_wr (BAR0 + 68)
 * prints it on the console.
 *
 * Each case (cases.S) loads all seven general registers from a struct,
 * runs one instruction, increments a marker and stores the registers
 * back: the destination must hold the value (only the bytes the
 * instruction writes), every other register is unchanged, ESP is
 * unchanged and the marker moved by exactly one - EIP was stepped by the
 * instruction's length.  Sizes 1, 2 and 4; register and immediate
 * stores; mov, movzx, movsx loads; high-byte registers; 0x66; disp8,
 * disp32, SIB, index without base, and moffs addressing.
 *
 * Then what the Launcher refuses - a read-modify-write (add to memory), an
 * instruction longer than the 7 bytes the Host hands over, an address in
 * the window where no device answers: each is a warning on stderr and the
 * page fault the access would have been, with cr2 = our virtual address.
 */
#include "guest.h"
#include "io.h"
#include "mmio.h"
#include "paging.h"
#include "traps.h"

struct mmio_regs {
	u32 eax, ebx, ecx, edx, esi, edi, ebp;
};

static const char *const reg_names[7] = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp" };

/* cases.S */
#define DECLARE(name)							\
	void mmio_##name(struct mmio_regs *regs);			\
	extern char mmio_##name##_insn[], mmio_##name##_next[]
DECLARE(store32_reg);
DECLARE(load32);
DECLARE(store32_imm);
DECLARE(load32_sib);
DECLARE(load32_index_disp32);
DECLARE(store16_reg);
DECLARE(load16);
DECLARE(store16_imm);
DECLARE(movzx16);
DECLARE(movsx16);
DECLARE(movzx16_esi);
DECLARE(store8_reg);
DECLARE(load8_high);
DECLARE(store8_imm);
DECLARE(movzx8);
DECLARE(load8);
DECLARE(movsx8);
DECLARE(store8_high);
DECLARE(store32_disp32);
DECLARE(load32_moffs);
DECLARE(store32_moffs);
DECLARE(load32_disp32);
DECLARE(emerg_reg);
DECLARE(emerg_imm);
DECLARE(reset);
DECLARE(refused_add);
DECLARE(refused_long);
DECLARE(nodev);
extern u32 mmio_marker, mmio_esp_before, mmio_esp_after;

#define NO_DEST		(-1)
#define REG(r)		(R_##r / 4)

static unsigned int cases;

/* Our starting registers: a distinct pattern in each, BAR0 in %ebx. */
static struct mmio_regs start(void)
{
	return (struct mmio_regs){ 0xAAAAAAAA, MMIO_VA, 0xCCCCCCCC, 0xDDDDDDDD,
				   0x55555555, 0xEEEEEEEE, 0xBBBBBBBB };
}

static u32 *reg(struct mmio_regs *r, int i)
{
	return &((u32 *)r)[i];
}

/*
 * Run one case: regs in, and afterwards register dest (NO_DEST for a
 * store) must hold expect, the others what they held.
 */
static void run(const char *what, void (*fn)(struct mmio_regs *), struct mmio_regs in,
		int dest, u32 expect)
{
	struct mmio_regs out = in;
	u32 marker = mmio_marker;
	int i;

	fn(&out);
	cases++;
	if (mmio_marker != marker + 1 || mmio_esp_after != mmio_esp_before)
		lg_panic("%s: did not resume after the instruction (marker %u->%u, esp "
			 "%08x->%08x)", what, marker, mmio_marker, mmio_esp_before,
			 mmio_esp_after);
	for (i = 0; i < 7; i++) {
		u32 want = i == dest ? expect : *reg(&in, i);

		if (*reg(&out, i) != want)
			lg_panic("%s: %s is %08x, expected %08x", what, reg_names[i],
				 *reg(&out, i), want);
	}
	if (dest == NO_DEST)
		lg_printf("  %-44s ok\n", what);
	else
		lg_printf("  %-44s ok, %s = %08x\n", what, reg_names[dest], expect);
}

/* The #PF the refused accesses must give us: recorded, then step over. */
static struct lg_fault fault;
static u32 fault_resume;

static void on_page_fault(struct lg_trap_frame *frame)
{
	if (!fault_resume)
		lg_panic("unexpected page fault at eip %08x, cr2 %08x, error %x", frame->eip,
			 READ_ONCE(lguest_data.cr2), frame->error_code);
	fault = (struct lg_fault){ true, READ_ONCE(lguest_data.cr2), frame->error_code,
				   frame->eip };
	frame->eip = fault_resume;
	fault_resume = 0;
}

static void refused(const char *what, void (*fn)(struct mmio_regs *), const char *insn,
		    const char *next, struct mmio_regs in, u32 addr)
{
	struct mmio_regs out = in;

	fault = (struct lg_fault){ 0 };
	fault_resume = (u32)next;
	fn(&out);
	cases++;
	if (!fault.faulted)
		lg_panic("%s: no page fault", what);
	if (fault.eip != (u32)insn || fault.cr2 != addr || (fault.error_code & PF_PROT) ||
	    memcmp(&in, &out, sizeof(in)) != 0)
		lg_panic("%s: #PF at eip %08x cr2 %08x error %x, expected eip %08x cr2 %08x "
			 "P=0, registers unchanged", what, fault.eip, fault.cr2,
			 fault.error_code, (u32)insn, addr);
	lg_printf("  %-44s #PF cr2 %08x error %x (%s)\n", what, fault.cr2, fault.error_code,
		  lg_pf_bits(fault.error_code));
}

/* PCI configuration mechanism 1: bus 0, slot, function 0. */
static u32 pci_read32(unsigned int slot, unsigned int reg_offset)
{
	outl(0xCF8, 0x80000000u | (slot << 11) | (reg_offset & 0xFC));
	return inl(0xCFC);
}

static u32 find_console_bar0(void)
{
	u32 id = pci_read32(1, 0x00), bar0 = pci_read32(1, 0x10);

	if (id != 0x10431AF4u)
		lg_panic("PCI slot 1 holds %08x, not the virtio console", id);
	if (bar0 & 0xF)
		lg_panic("BAR0 %08x is not a 32-bit memory BAR", bar0);
	return bar0;
}

void guest_main(void)
{
	u32 bar0 = find_console_bar0();
	u32 nodev = lg_ram_size + 512 * 1024;
	struct mmio_regs r;

	lg_printf("mmio guest: virtio console BAR0 at %08x (RAM ends at %08x), mapped at "
		  "%08x\n", bar0, lg_ram_size, MMIO_VA);
	if (bar0 & (PAGE_SIZE - 1))
		lg_panic("BAR0 is not page aligned: the cases assume it starts a page");
	lg_traps_init();
	lg_set_trap_handler(14, on_page_fault);
	/* As Linux's ioremap: present, writable, uncached. */
	lg_map(lg_pgdir, MMIO_VA, bar0 | PT_PRESENT | PT_RW | PT_PCD, LG_PDE_FLAGS);
	lg_map(lg_pgdir, NODEV_VA, nodev | PT_PRESENT | PT_RW | PT_PCD, LG_PDE_FLAGS);

	lg_printf("32-bit:\n");
	run("movb $0 -> device_status (reset)", mmio_reset, start(), NO_DEST, 0);
	r = start(), r.ecx = 1;
	run("movl %ecx -> device_feature_select", mmio_store32_reg, r, NO_DEST, 0);
	run("movl device_feature -> %edx", mmio_load32, start(), REG(EDX), 0x00000001);
	run("movl $0 -> device_feature_select", mmio_store32_imm, start(), NO_DEST, 0);
	r = start(), r.esi = 1;
	run("movl (%ebx,%esi,4) device_feature -> %ebp", mmio_load32_sib, r, REG(EBP),
	    0x00000004);
	run("movl MMIO_VA(,%esi,4) -> %eax", mmio_load32_index_disp32, r, REG(EAX),
	    0x00000004);

	lg_printf("16-bit (0x66):\n");
	r = start(), r.eax = 0xAAAA0001;
	run("movw %ax -> queue_select (1)", mmio_store16_reg, r, NO_DEST, 0);
	r = start(), r.edi = 0x12345678;
	run("movw queue_size -> %di", mmio_load16, r, REG(EDI), 0x12340100);
	run("movw $64 -> queue_size", mmio_store16_imm, start(), NO_DEST, 0);
	run("movzwl queue_size -> %ecx", mmio_movzx16, start(), REG(ECX), 64);
	run("movswl msix_config -> %edx", mmio_movsx16, start(), REG(EDX), 0xFFFFFFFF);
	r = start(), r.esi = MMIO_VA, r.ebx = 0x12345678;
	run("movzwl 18(%esi) num_queues -> %ebx", mmio_movzx16_esi, r, REG(EBX), 2);

	lg_printf("8-bit:\n");
	r = start(), r.ecx = 0xCCCCCC01;
	run("movb %cl -> device_status (ACKNOWLEDGE)", mmio_store8_reg, r, NO_DEST, 0);
	r = start(), r.edx = 0x11111111;
	run("movb device_status -> %dh", mmio_load8_high, r, REG(EDX), 0x11110111);
	run("movb $3 -> device_status (+DRIVER)", mmio_store8_imm, start(), NO_DEST, 0);
	run("movzbl device_status -> %eax", mmio_movzx8, start(), REG(EAX), 3);
	run("movb config_generation -> %al", mmio_load8, start(), REG(EAX), 0xAAAAAA00);
	run("movsbl isr -> %ebp", mmio_movsx8, start(), REG(EBP), 0);
	r = start(), r.eax = 0x00000300;
	run("movb %ah -> device_status (3 again)", mmio_store8_high, r, NO_DEST, 0);
	run("movzbl device_status -> %eax", mmio_movzx8, start(), REG(EAX), 3);

	lg_printf("disp32 and moffs (queue 1's descriptor ring address):\n");
	r = start(), r.ecx = MMIO_VA - 0x100000, r.edx = 0x12345000;
	run("movl %edx -> 0x100020(%ecx) queue_desc_lo", mmio_store32_disp32, r, NO_DEST, 0);
	run("movl 0xe0000020 -> %eax", mmio_load32_moffs, start(), REG(EAX), 0x12345000);
	r = start(), r.eax = 7;
	run("movl %eax -> 0xe0000024 queue_desc_hi", mmio_store32_moffs, r, NO_DEST, 0);
	r = start(), r.ecx = MMIO_VA - 0x100000;
	run("movl 0x100024(%ecx) -> %esi", mmio_load32_disp32, r, REG(ESI), 7);

	lg_printf("emerg_wr through MMIO says: ");
	r = start(), r.esi = 0x5555556F;	/* 'o' */
	mmio_emerg_reg(&r);
	r.esi = 0x5555556B;			/* 'k' */
	mmio_emerg_reg(&r);
	mmio_emerg_imm(&r);			/* '\n' */
	cases += 3;
	run("movb $0 -> device_status (reset)", mmio_reset, start(), NO_DEST, 0);

	lg_printf("refused, reflected as page faults:\n");
	refused("addl $1 -> device_feature_select", mmio_refused_add, mmio_refused_add_insn,
		mmio_refused_add_next, start(), MMIO_VA);
	r = start(), r.ecx = MMIO_VA - 0x100000;
	refused("movl $imm32 -> disp32(%ecx) (10 bytes)", mmio_refused_long,
		mmio_refused_long_insn, mmio_refused_long_next, r, MMIO_VA);
	refused("movl NODEV_VA (no device there) -> %eax", mmio_nodev, mmio_nodev_insn,
		mmio_nodev_next, start(), NODEV_VA);

	lg_printf("mmio guest: %u MMIO accesses, each resumed correctly\n", cases);
}
