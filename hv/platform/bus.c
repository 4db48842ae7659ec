#include "hv/platform/bus.h"

#include <stddef.h>

#include "hv/base/range.h"

void (*bus_gateway)(void (*fn)(void *arg), void *arg);

void bus_set_gateway(void (*run)(void (*fn)(void *arg), void *arg))
{
	bus_gateway = run;
}

/* One access, carried to the range's owner and back. */
struct access {
	struct bus_range r;
	uint64_t addr, v;
	unsigned size;
	bool write;
};

static void access_there(void *arg)
{
	struct access *a = arg;

	if (a->write)
		a->r.write(a->r.ctx, a->addr, a->size, a->v);
	else
		a->v = a->r.read(a->r.ctx, a->addr, a->size);
}

/* The range is copied first: the access may move a BAR, and with it the
 * bus's table. */
uint64_t bus_read_remote(const struct bus_range *r, uint64_t addr,
			 unsigned size)
{
	struct access a = { *r, addr, 0, size, false };

	bus_gateway(access_there, &a);
	return a.v;
}

void bus_write_remote(const struct bus_range *r, uint64_t addr, unsigned size,
		      uint64_t v)
{
	struct access a = { *r, addr, v, size, true };

	bus_gateway(access_there, &a);
}

int bus_register(struct bus *b, const struct bus_range *r)
{
	if (b->n == BUS_MAX_RANGES || !r->len || r->base + r->len < r->base
	    || (b->limit && r->base + r->len > b->limit))
		return -1;
	for (unsigned i = 0; i < b->n; i++)
		if (range_overlap(r->base, r->len, b->r[i].base, b->r[i].len))
			return -1;
	b->accesses[b->n] = 0;
	b->r[b->n++] = *r;
	return 0;
}

int bus_remove(struct bus *b, uint64_t base, const void *ctx)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->r[i].base == base && b->r[i].ctx == ctx) {
			b->n--;
			b->r[i] = b->r[b->n];
			b->accesses[i] = b->accesses[b->n];
			return 0;
		}
	return -1;
}

void bus_reset_counts(struct bus *b)
{
	for (unsigned i = 0; i < b->n; i++)
		b->accesses[i] = 0;
}

bool bus_counts(const struct bus *b, unsigned i, const char **name, uint64_t *n)
{
	if (i >= b->n)
		return false;
	*name = b->r[i].name;
	*n = b->accesses[i];
	return true;
}
