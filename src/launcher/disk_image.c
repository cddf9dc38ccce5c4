/*
 * disk_image.c - a raw image file with pread, pwrite and fsync.
 */
#include "disk_image.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int disk_image__open(struct disk_image *image, const char *path,
		     bool read_only, char *err, size_t errlen)
{
	struct stat st;
	off_t end;
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "%s: not a regular file or block device", path);
		close(fd);
		return -1;
	}
	/* A block device's size is not in st_size; the end is. */
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		snprintf(err, errlen, "%s: cannot find its size: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	*image = (struct disk_image){
		.fd = fd, .size = (uint64_t)end, .read_only = read_only,
	};
	return 0;
}

void disk_image__close(struct disk_image *image)
{
	if (image->fd >= 0)
		close(image->fd);
	image->fd = -1;
}

/* The whole of [offset, offset + len), retrying short and interrupted I/O. */
static int transfer(int fd, uint8_t *p, size_t len, uint64_t offset, bool write)
{
	while (len > 0) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)offset)
				  : pread(fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		offset += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int disk_image__read(struct disk_image *image, uint64_t offset, void *buf,
		     size_t len)
{
	return transfer(image->fd, buf, len, offset, false);
}

int disk_image__write(struct disk_image *image, uint64_t offset,
		      const void *buf, size_t len)
{
	if (image->read_only) {
		errno = EROFS;
		return -1;
	}
	/* pwrite() only reads the buffer. */
	return transfer(image->fd, (uint8_t *)(uintptr_t)buf, len, offset, true);
}

int disk_image__flush(struct disk_image *image)
{
	while (fsync(image->fd) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}
