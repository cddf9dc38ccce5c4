/*
 * virtqueue.c - walking split-ring descriptor chains safely.
 */
#include "virtqueue.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

/* A descriptor, copied out of Guest memory. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* The table a chain is walked in: the queue's own, or an indirect one. */
struct desc_table {
	const uint8_t *base;
	unsigned entries;
	bool indirect;
	uint16_t parent; /* indirect: the descriptor that points at it */
};

/* Offsets inside the rings. */
enum {
	AVAIL_FLAGS = 0,
	AVAIL_IDX = 2,
	AVAIL_RING = 4,
	USED_IDX = 2,
	USED_RING = 4,
};

static int fail(struct virtqueue *vq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct virtqueue *vq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vq->error, sizeof(vq->error), fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t avail_bytes(uint16_t size)
{
	return 6 + 2ull * size; /* flags, idx, ring[size], used_event */
}

static uint64_t used_bytes(uint16_t size)
{
	return 6 + (uint64_t)VIRTQ_USED_ELEM_SIZE * size;
}

static int check_ring(const struct guest_ram *ram, const char *what,
		      uint64_t addr, unsigned align, uint64_t len, char *why,
		      size_t whylen)
{
	if (addr % align != 0) {
		snprintf(why, whylen, "%s at 0x%llx is not %u-byte aligned", what,
			 (unsigned long long)addr, align);
		return -1;
	}
	if (!guest_ram__range(ram, addr, len)) {
		snprintf(why, whylen, "%s at 0x%llx (%llu bytes) is outside guest RAM",
			 what, (unsigned long long)addr, (unsigned long long)len);
		return -1;
	}
	return 0;
}

int virtqueue__check_layout(const struct guest_ram *ram, uint16_t size,
			    uint64_t desc, uint64_t avail, uint64_t used,
			    char *why, size_t whylen)
{
	if (size == 0 || (size & (size - 1)) != 0) {
		snprintf(why, whylen, "queue size %u is not a power of two", size);
		return -1;
	}
	if (check_ring(ram, "descriptor table", desc, VIRTQ_DESC_ALIGN,
		       (uint64_t)VIRTQ_DESC_SIZE * size, why, whylen) < 0 ||
	    check_ring(ram, "available ring", avail, VIRTQ_AVAIL_ALIGN,
		       avail_bytes(size), why, whylen) < 0 ||
	    check_ring(ram, "used ring", used, VIRTQ_USED_ALIGN, used_bytes(size),
		       why, whylen) < 0)
		return -1;
	return 0;
}

void virtqueue__init(struct virtqueue *vq, const struct guest_ram *ram,
		     uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
		     bool indirect)
{
	*vq = (struct virtqueue){
		.ram = ram,
		.size = size,
		.desc = desc,
		.avail = avail,
		.used = used,
		.indirect = indirect,
	};
}

static void read_desc(const struct desc_table *table, unsigned i,
		      struct desc *d)
{
	const uint8_t *p = table->base + (size_t)i * VIRTQ_DESC_SIZE;

	d->addr = get_le64(p);
	d->len = get_le32(p + 8);
	d->flags = get_le16(p + 12);
	d->next = get_le16(p + 14);
}

/* How a message names descriptor i of a table. */
static const char *desc_name(const struct desc_table *table, unsigned i,
			     char *buf, size_t len)
{
	if (table->indirect)
		snprintf(buf, len, "indirect descriptor %u (in the table of descriptor %u)",
			 i, table->parent);
	else
		snprintf(buf, len, "descriptor %u", i);
	return buf;
}

/* Follow an indirect descriptor to its table. */
static int open_indirect(struct virtqueue *vq, const struct desc_table *table,
			 unsigned i, const struct desc *d, unsigned position,
			 struct desc_table *inner)
{
	char name[96];

	desc_name(table, i, name, sizeof(name));
	if (table->indirect)
		return fail(vq, "%s is itself indirect", name);
	if (!vq->indirect)
		return fail(vq, "%s is indirect, but indirect descriptors were not "
			    "negotiated", name);
	if (position != 0 || (d->flags & VIRTQ_DESC_F_NEXT))
		return fail(vq, "%s is indirect but not the only descriptor of its chain",
			    name);
	if (d->len == 0 || d->len % VIRTQ_DESC_SIZE != 0)
		return fail(vq, "%s has an indirect table of %u bytes, not a whole "
			    "number of descriptors", name, d->len);
	if (d->len / VIRTQ_DESC_SIZE > VIRTQ_CHAIN_MAX)
		return fail(vq, "%s has an indirect table of %u descriptors, more than "
			    "%u", name, d->len / VIRTQ_DESC_SIZE, VIRTQ_CHAIN_MAX);
	inner->base = guest_ram__range(vq->ram, d->addr, d->len);
	if (!inner->base)
		return fail(vq, "%s has its indirect table outside guest RAM", name);
	inner->entries = d->len / VIRTQ_DESC_SIZE;
	inner->indirect = true;
	inner->parent = (uint16_t)i;
	return 0;
}

static int walk(struct virtqueue *vq, const struct desc_table *table,
		unsigned first, struct virtq_chain *chain)
{
	char name[96];
	unsigned i = first;

	for (unsigned visited = 0;; visited++) {
		struct desc d;

		if (visited == table->entries) {
			if (table->indirect)
				return fail(vq, "the indirect table of descriptor %u loops",
					    table->parent);
			return fail(vq, "the chain from descriptor %u loops or is longer "
				    "than the queue (%u)", first, table->entries);
		}
		read_desc(table, i, &d);
		desc_name(table, i, name, sizeof(name));

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			struct desc_table inner;

			if (open_indirect(vq, table, i, &d, visited, &inner) < 0)
				return -1;
			return walk(vq, &inner, 0, chain);
		}

		uint8_t *data = guest_ram__range(vq->ram, d.addr, d.len);
		if (!data)
			return fail(vq, "%s points outside guest RAM", name);

		unsigned n = chain->nr_readable + chain->nr_writable;
		if (n == VIRTQ_CHAIN_MAX)
			return fail(vq, "the chain from descriptor %u has more than %u "
				    "buffers", chain->head, VIRTQ_CHAIN_MAX);
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			chain->nr_writable++;
			chain->writable_len += d.len;
		} else {
			if (chain->nr_writable)
				return fail(vq, "%s is device-readable after a "
					    "device-writable one", name);
			chain->nr_readable++;
			chain->readable_len += d.len;
		}
		chain->buf[n] = (struct virtq_buffer){ data, d.len, (uint16_t)i };

		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= table->entries)
			return fail(vq, "%s links to descriptor %u, beyond the %s's %u", name,
				    d.next, table->indirect ? "table" : "queue",
				    table->entries);
		i = d.next;
	}
}

int virtqueue__pop(struct virtqueue *vq, struct virtq_chain *chain)
{
	const uint8_t *avail = guest_ram__range(vq->ram, vq->avail,
						avail_bytes(vq->size));
	struct desc_table table = {
		.base = guest_ram__range(vq->ram, vq->desc,
					 (uint64_t)VIRTQ_DESC_SIZE * vq->size),
		.entries = vq->size,
	};

	/* The layout was checked at enable time; RAM does not shrink. */
	if (!avail || !table.base)
		return fail(vq, "the rings are outside guest RAM");

	uint16_t idx = get_le16(avail + AVAIL_IDX);
	/* Read the ring entries only after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(idx - vq->last_avail);

	if (pending == 0)
		return 0;
	if (pending > vq->size)
		return fail(vq, "the available index moved %u entries ahead, more than "
			    "the queue's %u", pending, vq->size);

	uint16_t head = get_le16(avail + AVAIL_RING +
				 2 * (vq->last_avail & (vq->size - 1)));
	if (head >= vq->size)
		return fail(vq, "available ring entry %u names descriptor %u, beyond the "
			    "queue's %u", vq->last_avail & (vq->size - 1), head,
			    vq->size);

	memset(chain, 0, offsetof(struct virtq_chain, buf));
	chain->head = head;
	if (walk(vq, &table, head, chain) < 0)
		return -1;
	vq->last_avail++;
	for (unsigned i = chain->nr_readable;
	     i < chain->nr_readable + chain->nr_writable; i++)
		guest_ram__device_write(vq->ram, chain->buf[i].data, chain->buf[i].len);
	return 1;
}

void virtqueue__push(struct virtqueue *vq, uint16_t head, uint32_t written)
{
	uint8_t *used = guest_ram__range(vq->ram, vq->used, used_bytes(vq->size));
	uint8_t *elem;

	if (!used)
		return;
	elem = used + USED_RING +
	       (size_t)VIRTQ_USED_ELEM_SIZE * (vq->used_idx & (vq->size - 1));
	put_le32(elem, head);
	put_le32(elem + 4, written);
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	put_le16(used + USED_IDX, vq->used_idx);
}

bool virtqueue__wants_interrupt(const struct virtqueue *vq)
{
	const uint8_t *avail = guest_ram__range(vq->ram, vq->avail, 2);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !avail || !(get_le16(avail + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

uint64_t virtq_chain__gather(const struct virtq_chain *chain, uint64_t skip,
			     void *dst, uint64_t len)
{
	uint8_t *out = dst;
	uint64_t done = 0;

	for (unsigned i = 0; i < chain->nr_readable && done < len; i++) {
		const struct virtq_buffer *b = &chain->buf[i];

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		uint64_t n = b->len - skip;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, b->data + skip, n);
		done += n;
		skip = 0;
	}
	return done;
}

uint64_t virtq_chain__scatter(const struct virtq_chain *chain, uint64_t skip,
			      const void *src, uint64_t len)
{
	const uint8_t *in = src;
	uint64_t done = 0;
	unsigned end = chain->nr_readable + chain->nr_writable;

	for (unsigned i = chain->nr_readable; i < end && done < len; i++) {
		const struct virtq_buffer *b = &chain->buf[i];

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		uint64_t n = b->len - skip;
		if (n > len - done)
			n = len - done;
		memcpy(b->data + skip, in + done, n);
		done += n;
		skip = 0;
	}
	return done;
}
