/*
 * virtqueue.h - the device side of a virtio 1.0 split virtqueue: take
 * descriptor chains the driver made available, hand back used ones.
 *
 * Every address and length in the rings comes from the Guest and is
 * checked against Guest RAM (guest_ram.h) before anything is read or
 * written through it.  A chain that breaks the rules — a buffer outside
 * RAM, a link beyond the table, a loop, a readable buffer after a
 * writable one, an indirect table that was not negotiated or is
 * malformed — is not served: virtqueue__pop() fails and says why in
 * vq->error ("descriptor 5 points outside guest RAM"), and the transport
 * kills the Guest with that reason.
 *
 * Descriptors are copied out of Guest memory once, so a Guest changing
 * them under our feet cannot make us use an address we did not check.
 */
#ifndef LAUNCHER_VIRTQUEUE_H
#define LAUNCHER_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_ram.h"

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

#define VIRTIO_RING_F_INDIRECT_DESC 28

/* Ring layout (virtio 1.0 §2.4). */
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_DESC_ALIGN 16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN 4
#define VIRTQ_USED_ELEM_SIZE 8

/* The most buffers one chain may have (an indirect table may not exceed it). */
#define VIRTQ_CHAIN_MAX 512

/* One buffer of a chain, already checked to lie inside Guest RAM. */
struct virtq_buffer {
	uint8_t *data;
	uint32_t len;
	uint16_t desc; /* its descriptor's index, for messages */
};

/* A descriptor chain: device-readable buffers first, then writable ones. */
struct virtq_chain {
	uint16_t head;
	unsigned nr_readable, nr_writable;
	uint64_t readable_len, writable_len;
	struct virtq_buffer buf[VIRTQ_CHAIN_MAX];
};

struct virtqueue {
	const struct guest_ram *ram;
	uint16_t size; /* a power of two */
	uint64_t desc, avail, used; /* guest-physical */
	bool indirect;               /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	uint16_t last_avail;         /* the next available entry to take */
	uint16_t used_idx;           /* our copy of used.idx */
	char error[160];             /* why the last pop failed */
};

/*
 * Can a queue of `size` entries live at these addresses: aligned, and all
 * three rings inside RAM?  0, or -1 with the reason in why[].
 */
int virtqueue__check_layout(const struct guest_ram *ram, uint16_t size,
			    uint64_t desc, uint64_t avail, uint64_t used,
			    char *why, size_t whylen);

/* Start serving a queue whose layout passed the check. */
void virtqueue__init(struct virtqueue *vq, const struct guest_ram *ram,
		     uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
		     bool indirect);

/*
 * Take the next available chain: 1 with *chain filled, 0 if none is
 * available, -1 if the driver broke the rules (vq->error says how).
 */
int virtqueue__pop(struct virtqueue *vq, struct virtq_chain *chain);

/* Give a chain back, saying how many bytes the device wrote into it. */
void virtqueue__push(struct virtqueue *vq, uint16_t head, uint32_t written);

/* Does the driver want an interrupt for used buffers (no NO_INTERRUPT)? */
bool virtqueue__wants_interrupt(const struct virtqueue *vq);

/*
 * Copy helpers over a chain's buffers.  gather copies up to len bytes of
 * the readable buffers, starting `skip` bytes in, into dst; scatter copies
 * src into the writable buffers starting `skip` bytes in.  Both return how
 * many bytes they copied.
 */
uint64_t virtq_chain__gather(const struct virtq_chain *chain, uint64_t skip,
			     void *dst, uint64_t len);
uint64_t virtq_chain__scatter(const struct virtq_chain *chain, uint64_t skip,
			      const void *src, uint64_t len);

#endif /* LAUNCHER_VIRTQUEUE_H */
