/* A byte ring that keeps the newest output and numbers every byte.
 *
 * Offsets are absolute (bytes ever written), so a reader that polls with
 * "give me everything from offset N" learns both what is new and, when it
 * fell behind, how much was overwritten.  The management plane serves the
 * hypervisor log and the guest console this way.
 */
#ifndef PLINTH_LOGRING_H
#define PLINTH_LOGRING_H

#include <stddef.h>
#include <stdint.h>

struct logring {
	char *buf;
	size_t size;   /* a power of two */
	uint64_t head; /* offset of the next byte to be written */
};

/* Uses the largest power of two <= size bytes of mem; size >= 2. */
void logring_init(struct logring *r, void *mem, size_t size);
void logring_write(struct logring *r, const void *data, size_t len);

/* Oldest offset still held. */
uint64_t logring_oldest(const struct logring *r);

/* Copies up to len bytes starting at `offset` into out.  An offset older
 * than the oldest byte held reads from the oldest one; an offset past the
 * head reads nothing.  *from gets the offset actually read from, so the
 * caller's next offset is *from + return value. */
size_t logring_read(const struct logring *r, uint64_t offset, void *out,
		    size_t len, uint64_t *from);

#endif
