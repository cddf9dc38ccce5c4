/*
 * memory.c - Guest RAM and host pages, as the Unicorn CPU sees them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim.h"

bool shim_guest_read(struct lguest *lg, u32 gpa, void *buf, u32 len)
{
	if (!lguest_address_ok(lg, gpa, len))
		return false;
	memcpy(buf, lg->mem_base + gpa, len);
	return true;
}

/*
 * Host writes through the pointer are seen by the CPU at once, but code it
 * already translated is not re-translated (Unicorn 2.1.1): the Host only
 * writes data here (trap frames, lguest_data, page-table bits).
 */
bool shim_guest_write(struct lguest *lg, u32 gpa, const void *buf, u32 len)
{
	if (!lguest_address_ok(lg, gpa, len))
		return false;
	memcpy(lg->mem_base + gpa, buf, len);
	return true;
}

void *shim_alloc_page(struct lguest *lg, u32 *phys)
{
	struct sim *sim = sim_of(lg);
	u32 idx;
	void *p;

	if (!sim || !sim->nr_free)
		return NULL;
	idx = sim->free_pages[--sim->nr_free];
	sim->page_used[idx] = 1;
	p = sim->host_mem + (size_t)idx * PAGE_SIZE;
	memset(p, 0, PAGE_SIZE);
	*phys = HOST_PHYS_BASE + idx * PAGE_SIZE;
	return p;
}

static bool host_page_index(struct sim *sim, u32 phys, u32 *idx)
{
	if (phys < HOST_PHYS_BASE || phys - HOST_PHYS_BASE >= HOST_PHYS_SIZE ||
	    (phys & (PAGE_SIZE - 1)))
		return false;
	*idx = (phys - HOST_PHYS_BASE) / PAGE_SIZE;
	return sim->page_used[*idx];
}

void shim_free_page(struct lguest *lg, u32 phys)
{
	struct sim *sim = sim_of(lg);
	u32 idx;

	if (!sim || !host_page_index(sim, phys, &idx))
		return;
	sim->page_used[idx] = 0;
	sim->free_pages[sim->nr_free++] = idx;
}

void *shim_page(struct lguest *lg, u32 phys)
{
	struct sim *sim = sim_of(lg);
	u32 idx;

	if (!sim || !host_page_index(sim, phys, &idx))
		return NULL;
	return sim->host_mem + (size_t)idx * PAGE_SIZE;
}

/* Map Guest RAM and the host-page region into the CPU's physical space. */
int sim_memory_init(struct sim *sim)
{
	struct lguest *lg = sim->lg;
	u64 ram = (u64)lg->pfn_limit * PAGE_SIZE;
	u32 i;

	if ((u64)lg->device_limit * PAGE_SIZE > HOST_PHYS_BASE) {
		snprintf(lg->error, sizeof(lg->error),
			 "guest memory and devices end at %#llx, above the host region at %#x",
			 (unsigned long long)lg->device_limit * PAGE_SIZE,
			 HOST_PHYS_BASE);
		return -22; /* EINVAL */
	}
	if (uc_mem_map_ptr(sim->uc, 0, ram, UC_PROT_ALL, lg->mem_base) != UC_ERR_OK) {
		snprintf(lg->error, sizeof(lg->error), "cannot map guest RAM");
		return -12;
	}
	sim->host_mem = mmap(NULL, HOST_PHYS_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	sim->free_pages = calloc(HOST_PAGES, sizeof(u32));
	sim->page_used = calloc(HOST_PAGES, 1);
	if (sim->host_mem == MAP_FAILED || !sim->free_pages || !sim->page_used) {
		if (sim->host_mem == MAP_FAILED)
			sim->host_mem = NULL;
		snprintf(lg->error, sizeof(lg->error), "out of memory for host pages");
		return -12;
	}
	if (uc_mem_map_ptr(sim->uc, HOST_PHYS_BASE, HOST_PHYS_SIZE, UC_PROT_ALL,
			   sim->host_mem) != UC_ERR_OK) {
		snprintf(lg->error, sizeof(lg->error), "cannot map host pages");
		return -12;
	}
	/* Hand pages out from the bottom up. */
	for (i = 0; i < HOST_PAGES; i++)
		sim->free_pages[i] = HOST_PAGES - 1 - i;
	sim->nr_free = HOST_PAGES;
	return 0;
}

void sim_memory_free(struct sim *sim)
{
	if (sim->host_mem)
		munmap(sim->host_mem, HOST_PHYS_SIZE);
	free(sim->free_pages);
	free(sim->page_used);
	sim->host_mem = NULL;
	sim->free_pages = NULL;
	sim->page_used = NULL;
}
