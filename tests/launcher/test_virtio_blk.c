/*
 * test_virtio_blk.c - the block device against a temporary image file:
 * read, write, flush, GET_ID, the end of the disk, read-only images, and
 * requests too malformed to answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "devices.h"
#include "machine.h"
#include "virtio_pci.h"
#include "virtio_test_driver.h"

#define BLK_SLOT 2
#define SECTORS 8
#define F_SEG_MAX 2
#define F_RO 5
#define F_FLUSH 9
#define FEATURES (1ull << VIRTIO_F_VERSION_1 | 1ull << F_SEG_MAX | 1ull << F_FLUSH)

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };

#define HEADER TD_DATA
#define STATUS (TD_DATA + 0x80)
#define BUFFER (TD_DATA + 0x1000)

static struct machine machine;
static struct test_driver td;
static char image_path[64];
static uint8_t image[SECTORS * 512];
static uint32_t used_len;

static void make_image(void)
{
	int fd;

	strcpy(image_path, "/tmp/lguest-blk-test-XXXXXX");
	fd = mkstemp(image_path);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i / 512 * 16 + i % 7);
	assert_int_equal(write(fd, image, sizeof(image)), sizeof(image));
	close(fd);
}

static int create(const char *suffix)
{
	char arg[128], err[256];
	struct device_request request = { "block", arg };

	snprintf(arg, sizeof(arg), "%s%s", image_path, suffix);
	td_machine_init(&machine);
	td = (struct test_driver){ .machine = &machine };
	if (devices__create(&machine, &request, 1, err, sizeof(err)) < 0)
		return -1;
	td.dev = machine.pci.slots[BLK_SLOT].opaque;
	return 0;
}

static int setup(void **state)
{
	make_image();
	assert_int_equal(create(""), 0);
	td_start(&td, FEATURES);
	return 0;
}

static int setup_read_only(void **state)
{
	make_image();
	assert_int_equal(create(",ro"), 0);
	return 0;
}

static int teardown(void **state)
{
	td_machine_destroy(&machine);
	unlink(image_path);
	return 0;
}

/* Header, one data buffer of len bytes (if len), status: returns the status. */
static int submit(uint32_t type, uint64_t sector, uint32_t len, bool to_guest)
{
	uint16_t before = td_used_idx(&td, 0);
	uint32_t id;

	put_le32(td_ram(&td, HEADER), type);
	put_le32(td_ram(&td, HEADER + 4), 0);
	put_le64(td_ram(&td, HEADER + 8), sector);
	*td_ram(&td, STATUS) = 0xEE;
	td_desc(&td, 0, 0, HEADER, 16, VIRTQ_DESC_F_NEXT, len ? 1 : 2);
	td_desc(&td, 0, 1, BUFFER, len,
		VIRTQ_DESC_F_NEXT | (to_guest ? VIRTQ_DESC_F_WRITE : 0), 2);
	td_desc(&td, 0, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, 0, 0);
	td_notify(&td, 0);
	if (td_used_idx(&td, 0) != (uint16_t)(before + 1))
		return -1;
	td_used(&td, 0, before, &id, &used_len);
	assert_int_equal(id, 0);
	return *td_ram(&td, STATUS);
}

static void read_image(uint8_t *buf)
{
	FILE *f = fopen(image_path, "rb");

	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(image), f), sizeof(image));
	fclose(f);
}

static void test_capacity_is_the_file_size_in_sectors(void **state)
{
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE, 4), SECTORS);
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE + 4, 4), 0);
	assert_int_equal(td_read(&td, VIRTIO_BAR_DEVICE + 12, 4), 254);
}

static void test_block_device_is_class_mass_storage_with_36_bytes_of_config(void **state)
{
	assert_int_equal(td.dev->config[0x0B], 0x01);
	assert_int_equal(td.dev->config[0x0A], 0x80);
	assert_int_equal(td.dev->ops->config_size, 36);
	assert_int_equal(td.dev->bar0_size, 128);
}

static void test_read_fills_the_buffer_from_the_image(void **state)
{
	assert_int_equal(submit(T_IN, 1, 1024, true), S_OK);
	assert_memory_equal(td_ram(&td, BUFFER), image + 512, 1024);
	assert_int_equal(used_len, 1025);
}

static void test_write_reaches_the_image_file(void **state)
{
	uint8_t now[sizeof(image)];

	memset(td_ram(&td, BUFFER), 0xAB, 512);
	assert_int_equal(submit(T_OUT, 2, 512, false), S_OK);
	assert_int_equal(used_len, 1);
	read_image(now);
	assert_memory_equal(now, image, 1024);
	for (unsigned i = 1024; i < 1536; i++)
		assert_int_equal(now[i], 0xAB);
	assert_memory_equal(now + 1536, image + 1536, sizeof(image) - 1536);
}

static void test_flush_succeeds(void **state)
{
	assert_int_equal(submit(T_FLUSH, 0, 0, false), S_OK);
}

static void test_get_id_is_the_file_name_in_at_most_20_bytes(void **state)
{
	const char *name = strrchr(image_path, '/') + 1;

	assert_int_equal(submit(T_GET_ID, 0, 20, true), S_OK);
	assert_int_equal(strncmp((char *)td_ram(&td, BUFFER), name, 20), 0);
	assert_int_equal(used_len, 21);
}

static void test_read_past_the_end_is_an_io_error(void **state)
{
	assert_int_equal(submit(T_IN, SECTORS - 1, 1024, true), S_IOERR);
	assert_int_equal(used_len, 1);
}

static void test_write_past_the_end_is_an_io_error_and_changes_nothing(void **state)
{
	uint8_t now[sizeof(image)];

	memset(td_ram(&td, BUFFER), 0xCD, 1024);
	assert_int_equal(submit(T_OUT, SECTORS - 1, 1024, false), S_IOERR);
	read_image(now);
	assert_memory_equal(now, image, sizeof(image));
	assert_int_equal(access(image_path, F_OK), 0);
}

static void test_absurd_sector_is_an_io_error(void **state)
{
	assert_int_equal(submit(T_IN, 0x8000000000000000ull, 512, true), S_IOERR);
	assert_int_equal(submit(T_OUT, 0xFFFFFFFFFFFFFFFFull, 512, false), S_IOERR);
}

static void test_partial_sector_is_an_io_error(void **state)
{
	assert_int_equal(submit(T_IN, 0, 100, true), S_IOERR);
}

static void test_unknown_request_type_is_unsupported(void **state)
{
	assert_int_equal(submit(99, 0, 0, false), S_UNSUPP);
}

static void test_header_and_data_split_across_odd_buffers(void **state)
{
	put_le32(td_ram(&td, HEADER), T_IN);
	put_le32(td_ram(&td, HEADER + 4), 0);
	put_le64(td_ram(&td, HEADER + 8), 3);
	td_desc(&td, 0, 4, HEADER, 5, VIRTQ_DESC_F_NEXT, 5);
	td_desc(&td, 0, 5, HEADER + 5, 11, VIRTQ_DESC_F_NEXT, 6);
	td_desc(&td, 0, 6, BUFFER, 300, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
	/* The rest of the sector and the status byte share one buffer. */
	td_desc(&td, 0, 7, BUFFER + 300, 213, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, 0, 4);
	td_notify(&td, 0);

	assert_int_equal(td_used_idx(&td, 0), 1);
	assert_memory_equal(td_ram(&td, BUFFER), image + 3 * 512, 512);
	assert_int_equal(*td_ram(&td, BUFFER + 512), S_OK);
}

static void test_request_without_a_header_kills_the_guest(void **state)
{
	td_desc(&td, 0, 0, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	td_make_available(&td, 0, 0);
	td_notify(&td, 0);
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason,
			    "virtio-blk: the request at descriptor 0 has no 16-byte header");
}

static void test_request_without_a_status_byte_kills_the_guest(void **state)
{
	td_desc(&td, 0, 0, HEADER, 16, 0, 0);
	td_make_available(&td, 0, 0);
	td_notify(&td, 0);
	assert_string_equal(machine.stop_reason,
			    "virtio-blk: the request at descriptor 0 has no device-writable status byte");
}

static void test_descriptor_outside_ram_kills_the_guest(void **state)
{
	td_desc(&td, 0, 0, HEADER, 16, VIRTQ_DESC_F_NEXT, 5);
	td_desc(&td, 0, 5, 0xFFFF0000u, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	td_make_available(&td, 0, 0);
	td_notify(&td, 0);
	assert_int_equal(machine__stopped(&machine), MACHINE_GUEST_KILLED);
	assert_string_equal(machine.stop_reason,
			    "virtio-blk: descriptor 5 points outside guest RAM");
}

static void test_indirect_request_when_negotiated(void **state)
{
	uint8_t *table = td_ram(&td, TD_DATA + 0x800);

	td_write(&td, VIRTIO_COMMON_STATUS, 1, 0);
	td_start(&td, FEATURES | 1ull << VIRTIO_RING_F_INDIRECT_DESC);
	put_le32(td_ram(&td, HEADER), T_IN);
	put_le64(td_ram(&td, HEADER + 8), 0);
	put_le64(table, HEADER);
	put_le32(table + 8, 16);
	put_le16(table + 12, VIRTQ_DESC_F_NEXT);
	put_le16(table + 14, 1);
	put_le64(table + 16, BUFFER);
	put_le32(table + 24, 512);
	put_le16(table + 28, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	put_le16(table + 30, 2);
	put_le64(table + 32, STATUS);
	put_le32(table + 40, 1);
	put_le16(table + 44, VIRTQ_DESC_F_WRITE);
	td_desc(&td, 0, 0, TD_DATA + 0x800, 48, VIRTQ_DESC_F_INDIRECT, 0);
	td_make_available(&td, 0, 0);
	td_notify(&td, 0);

	assert_int_equal(*td_ram(&td, STATUS), S_OK);
	assert_memory_equal(td_ram(&td, BUFFER), image, 512);
}

/* ---- Read-only ----------------------------------------------------------- */

static void test_read_only_image_offers_the_ro_feature(void **state)
{
	td_write(&td, VIRTIO_COMMON_DFSELECT, 4, 0);
	assert_true(td_read(&td, VIRTIO_COMMON_DF, 4) & 1u << F_RO);
}

static void test_read_only_image_refuses_writes_but_reads(void **state)
{
	uint8_t now[sizeof(image)];

	td_start(&td, FEATURES | 1ull << F_RO);
	memset(td_ram(&td, BUFFER), 0xAB, 512);
	assert_int_equal(submit(T_OUT, 0, 512, false), S_IOERR);
	assert_int_equal(submit(T_IN, 0, 512, true), S_OK);
	read_image(now);
	assert_memory_equal(now, image, sizeof(image));
}

static void test_missing_image_file_fails_creation(void **state)
{
	char err[256];
	struct device_request request = { "block", "/nonexistent/disk.img" };
	struct machine m;

	machine__init(&m, NULL, 1 << 20);
	assert_int_equal(devices__create(&m, &request, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "--block: /nonexistent/disk.img: No such file or directory");
	machine__destroy(&m);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define RO(name) cmocka_unit_test_setup_teardown(name, setup_read_only, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_capacity_is_the_file_size_in_sectors),
		T(test_block_device_is_class_mass_storage_with_36_bytes_of_config),
		T(test_read_fills_the_buffer_from_the_image),
		T(test_write_reaches_the_image_file),
		T(test_flush_succeeds),
		T(test_get_id_is_the_file_name_in_at_most_20_bytes),
		T(test_read_past_the_end_is_an_io_error),
		T(test_write_past_the_end_is_an_io_error_and_changes_nothing),
		T(test_absurd_sector_is_an_io_error),
		T(test_partial_sector_is_an_io_error),
		T(test_unknown_request_type_is_unsupported),
		T(test_header_and_data_split_across_odd_buffers),
		T(test_request_without_a_header_kills_the_guest),
		T(test_request_without_a_status_byte_kills_the_guest),
		T(test_descriptor_outside_ram_kills_the_guest),
		T(test_indirect_request_when_negotiated),
		RO(test_read_only_image_offers_the_ro_feature),
		RO(test_read_only_image_refuses_writes_but_reads),
		cmocka_unit_test(test_missing_image_file_fails_creation),
	};

	return cmocka_run_group_tests_name("virtio_blk", tests, NULL, NULL);
}
