#include "hv/platform/iobus.h"

#include "hv/base/log.h"
#include "hv/base/range.h"

#define MAX_RANGES 32
#define LOG_UNCLAIMED 8 /* then stay quiet: guests probe many ports */

static struct io_range ranges[MAX_RANGES];
static uint64_t accesses[MAX_RANGES]; /* this guest run, per range */
static unsigned nranges;
static uint64_t unclaimed;

int iobus_register(const struct io_range *r)
{
	if (nranges == MAX_RANGES || !r->len || r->base + r->len > 0x10000)
		return -1;
	for (unsigned i = 0; i < nranges; i++)
		if (range_overlap(r->base, r->len, ranges[i].base,
				  ranges[i].len))
			return -1;
	ranges[nranges++] = *r;
	return 0;
}

static const struct io_range *find(uint16_t port)
{
	for (unsigned i = 0; i < nranges; i++)
		if (range_contains(ranges[i].base, ranges[i].len, port, 1)) {
			accesses[i]++;
			return &ranges[i];
		}
	return NULL;
}

static void note_unclaimed(const char *dir, uint16_t port, unsigned size)
{
	if (unclaimed++ < LOG_UNCLAIMED)
		log_msg("guest: %s of %u byte(s) at port 0x%x: no device",
			dir, size, port);
}

uint32_t iobus_in(uint16_t port, unsigned size)
{
	const struct io_range *r = find(port);

	if (!r || !r->in) {
		note_unclaimed("read", port, size);
		return iobus_all_ones(size);
	}
	return r->in(r->ctx, port, size);
}

void iobus_out(uint16_t port, unsigned size, uint32_t v)
{
	const struct io_range *r = find(port);

	if (!r || !r->out) {
		note_unclaimed("write", port, size);
		return;
	}
	r->out(r->ctx, port, size, v);
}

uint64_t iobus_unclaimed(void)
{
	return unclaimed;
}

void iobus_reset_counts(void)
{
	for (unsigned i = 0; i < nranges; i++)
		accesses[i] = 0;
	unclaimed = 0;
}

bool iobus_counts(unsigned i, const char **name, uint64_t *n)
{
	if (i >= nranges)
		return false;
	*name = ranges[i].name;
	*n = accesses[i];
	return true;
}

void iobus_print_counts(void)
{
	for (unsigned i = 0; i < nranges; i++)
		if (accesses[i])
			log_msg("io: %-24s %10lu accesses", ranges[i].name,
				(unsigned long)accesses[i]);
	if (unclaimed)
		log_msg("io: %-24s %10lu accesses", "(no device)",
			(unsigned long)unclaimed);
}
