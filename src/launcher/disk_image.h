/*
 * disk_image.h - the block device's backend: a raw disk image file (or a
 * host block device), read and written at byte offsets.
 */
#ifndef LAUNCHER_DISK_IMAGE_H
#define LAUNCHER_DISK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disk_image {
	int fd;
	uint64_t size; /* bytes */
	bool read_only;
};

/* 0, or -1 with a reason (naming the path) in err[]. */
int disk_image__open(struct disk_image *image, const char *path,
		     bool read_only, char *err, size_t errlen);
void disk_image__close(struct disk_image *image);

/* Whole transfers: 0, or -1 with errno set (a short one is EIO). */
int disk_image__read(struct disk_image *image, uint64_t offset, void *buf,
		     size_t len);
int disk_image__write(struct disk_image *image, uint64_t offset,
		      const void *buf, size_t len);
/* Make every completed write durable: fsync. */
int disk_image__flush(struct disk_image *image);

#endif /* LAUNCHER_DISK_IMAGE_H */
