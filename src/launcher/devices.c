/*
 * devices.c - the registry of device models and the creation of the
 * Guest's devices from it.
 */
#include "devices.h"

#include <stdio.h>
#include <string.h>

static struct device_model *models;

void device_model__register(struct device_model *model)
{
	/* Keep registration order: always-present devices take slots in it. */
	struct device_model **link = &models;

	while (*link)
		link = &(*link)->next;
	model->next = NULL;
	*link = model;
}

const struct device_model *device_model__find(const char *name)
{
	for (const struct device_model *m = models; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int devices__create(struct machine *machine,
		    const struct device_request *requests, unsigned nr_requests,
		    char *err, size_t errlen)
{
	unsigned created = 0;

	for (const struct device_model *m = models; m; m = m->next) {
		if (!m->always)
			continue;
		if (m->create(machine, NULL, err, errlen) < 0)
			return -1;
		created++;
	}
	if (created == 0) {
		snprintf(err, errlen,
			 "internal error: no device model is linked in "
			 "(lg_launcher must be linked as a whole archive)");
		return -1;
	}

	for (unsigned i = 0; i < nr_requests; i++) {
		const struct device_model *m = device_model__find(requests[i].model);

		if (!m) {
			snprintf(err, errlen, "internal error: no device model \"%s\"",
				 requests[i].model);
			return -1;
		}
		if (m->create(machine, requests[i].arg, err, errlen) < 0)
			return -1;
	}
	return 0;
}
