#include "hv/platform/iobus.h"

#include "hv/base/log.h"

#define LOG_UNCLAIMED 8 /* then stay quiet: guests probe many ports */

/* The guest's port space. */
static struct bus io = { .name = "port", .limit = 0x10000 };
static uint64_t unclaimed;

int iobus_register(const struct bus_range *r)
{
	return bus_register(&io, r);
}

const struct bus_range *iobus_find(uint16_t port)
{
	return bus_find(&io, port, 1);
}

static void note_unclaimed(const char *dir, uint16_t port, unsigned size)
{
	log_limited(unclaimed++, LOG_UNCLAIMED, "",
		    "guest: %s of %u byte(s) at port 0x%x: no device", dir,
		    size, port);
}

uint32_t iobus_read(const struct bus_range *r, uint16_t port, unsigned size)
{
	if (!r || !r->read) {
		note_unclaimed("read", port, size);
		return iobus_all_ones(size);
	}
	return (uint32_t)bus_read(r, port, size);
}

void iobus_write(const struct bus_range *r, uint16_t port, unsigned size,
		 uint32_t v)
{
	if (!r || !r->write) {
		note_unclaimed("write", port, size);
		return;
	}
	bus_write(r, port, size, v);
}

uint32_t iobus_in(uint16_t port, unsigned size)
{
	return iobus_read(iobus_find(port), port, size);
}

void iobus_out(uint16_t port, unsigned size, uint32_t v)
{
	iobus_write(iobus_find(port), port, size, v);
}

uint64_t iobus_unclaimed(void)
{
	return unclaimed;
}

void iobus_reset_counts(void)
{
	bus_reset_counts(&io);
	unclaimed = 0;
}

bool iobus_counts(unsigned i, const char **name, uint64_t *n)
{
	return bus_counts(&io, i, name, n);
}

void iobus_print_counts(void)
{
	for (unsigned i = 0; i < io.n; i++)
		if (io.accesses[i])
			log_msg("io: %-24s %10lu accesses", io.r[i].name,
				(unsigned long)io.accesses[i]);
	if (unclaimed)
		log_msg("io: %-24s %10lu accesses", "(no device)",
			(unsigned long)unclaimed);
}
