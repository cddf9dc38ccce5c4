/*
 * input_file.h - read a whole file the user named (kernel, initrd).
 */
#ifndef LAUNCHER_INPUT_FILE_H
#define LAUNCHER_INPUT_FILE_H

#include <stddef.h>
#include <stdint.h>

struct input_file {
	uint8_t *data;
	size_t size;
};

/* 0, or -1 with a one-line reason (naming the file) in err[]. */
int input_file__read(const char *path, struct input_file *file, char *err,
		     size_t errlen);
void input_file__release(struct input_file *file);

#endif /* LAUNCHER_INPUT_FILE_H */
