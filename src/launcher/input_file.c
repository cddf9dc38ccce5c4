/*
 * input_file.c - read a whole file into memory.
 *
 * Kernels and initrds are read rather than mapped: a file that shrinks
 * under a mapping would kill us with SIGBUS.
 */
#include "input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Nothing larger can be loaded into a 32-bit Guest anyway. */
#define INPUT_FILE_MAX_SIZE (4ull << 30)

static int fail(const char *path, int error, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", path, strerror(error));
	return -1;
}

int input_file__read(const char *path, struct input_file *file, char *err,
		     size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	file->data = NULL;
	file->size = 0;
	if (fd < 0)
		return fail(path, errno, err, errlen);
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		return fail(path, e, err, errlen);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (S_ISDIR(st.st_mode))
			return fail(path, EISDIR, err, errlen);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if ((unsigned long long)st.st_size > INPUT_FILE_MAX_SIZE) {
		close(fd);
		snprintf(err, errlen, "%s: too large (%lld bytes)", path,
			 (long long)st.st_size);
		return -1;
	}

	size_t size = (size_t)st.st_size;
	uint8_t *data = malloc(size ? size : 1);
	if (!data) {
		close(fd);
		return fail(path, ENOMEM, err, errlen);
	}

	/* Read what the file holds now, which may be less than stat said. */
	size_t done = 0;
	while (done < size) {
		ssize_t n = read(fd, data + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(data);
			close(fd);
			return fail(path, e, err, errlen);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	file->data = data;
	file->size = done;
	return 0;
}

void input_file__release(struct input_file *file)
{
	free(file->data);
	file->data = NULL;
	file->size = 0;
}
