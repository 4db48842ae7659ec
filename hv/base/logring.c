#include "hv/base/logring.h"

#include <string.h>

void logring_init(struct logring *r, void *mem, size_t size)
{
	size_t p = 1;

	while (p <= size / 2)
		p <<= 1;
	r->buf = mem;
	r->size = p;
	r->head = 0;
}

void logring_write(struct logring *r, const void *data, size_t len)
{
	const char *d = data;

	/* Only the last `size` bytes of a huge write can survive. */
	if (len > r->size) {
		r->head += len - r->size;
		d += len - r->size;
		len = r->size;
	}
	size_t at = (size_t)(r->head & (r->size - 1));
	size_t first = r->size - at < len ? r->size - at : len;

	memcpy(r->buf + at, d, first);
	memcpy(r->buf, d + first, len - first);
	r->head += len;
}

uint64_t logring_oldest(const struct logring *r)
{
	return r->head > r->size ? r->head - r->size : 0;
}

size_t logring_read(const struct logring *r, uint64_t offset, void *out,
		    size_t len, uint64_t *from)
{
	uint64_t oldest = logring_oldest(r);

	if (offset < oldest)
		offset = oldest;
	if (offset > r->head)
		offset = r->head;
	*from = offset;
	uint64_t avail = r->head - offset;

	if (len > avail)
		len = (size_t)avail;
	size_t at = (size_t)(offset & (r->size - 1));
	size_t first = r->size - at < len ? r->size - at : len;

	memcpy(out, r->buf + at, first);
	memcpy((char *)out + first, r->buf, len - first);
	return len;
}
