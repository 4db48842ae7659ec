#include "hv/base/log.h"

#include <stdarg.h>

#include "hv/base/clock.h"
#include "hv/base/fmt.h"
#include "hv/base/spin.h"

static const struct log_console *console;
static const struct log_mirror *mirror;
static struct logring ring;
static int have_ring;
/* Output and the ring: log_write, log_guest, ring reads. */
static struct spin lock;

void log_init(const struct log_console *c)
{
	console = c;
}

void log_set_mirror(const struct log_mirror *m)
{
	bool taken = spin_lock(&lock);

	mirror = m;
	spin_unlock(&lock, taken);
}

void log_status(const char *text)
{
	bool taken = spin_lock(&lock);

	if (mirror && mirror->status)
		mirror->status(mirror->ctx, text);
	spin_unlock(&lock, taken);
}

void log_attach_ring(void *mem, size_t size)
{
	logring_init(&ring, mem, size);
	have_ring = 1;
}

void log_import(const char *buf, size_t len)
{
	if (have_ring)
		logring_write(&ring, buf, len);
}

/* Where the guest's output stands: in the middle of one of its lines
 * (Plinth's next line then starts a new one), and whether it is shown
 * raw. */
static int guest_midline, guest_raw;

static void out(const char *buf, size_t len)
{
	if (console)
		console->write(buf, len);
	if (mirror)
		mirror->write(mirror->ctx, buf, len);
	log_import(buf, len);
}

void log_write(const char *buf, size_t len)
{
	bool taken = spin_lock(&lock);

	if (guest_midline && len) {
		guest_midline = 0;
		out("\n", 1);
	}
	out(buf, len);
	spin_unlock(&lock, taken);
}

void log_guest_raw(int raw)
{
	guest_raw = raw;
}

static void guest_marked(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		char e[2] = { '^', 0 };

		if (c == '\r')
			continue;
		if (!guest_midline) {
			out(LOG_GUEST_MARK, sizeof(LOG_GUEST_MARK) - 1);
			guest_midline = 1;
		}
		if (c == '\n') {
			out("\n", 1);
			guest_midline = 0;
		} else if (c < 0x20 && c != '\t') {
			e[1] = (char)(c + 0x40);
			out(e, 2);
		} else if (c == 0x7f) {
			e[1] = '?';
			out(e, 2);
		} else {
			out((const char *)&c, 1);
		}
	}
}

void log_guest(const char *buf, size_t len)
{
	bool taken = spin_lock(&lock);

	if (guest_raw)
		out(buf, len);
	else
		guest_marked(buf, len);
	spin_unlock(&lock, taken);
}

void log_printf(const char *f, ...)
{
	char buf[512];
	size_t n = FMT_ARGS(buf, f);

	log_write(buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

void log_msg(const char *f, ...)
{
	char buf[512];
	va_list ap;
	uint64_t us = clock_ns() / 1000;
	size_t n = fmt(buf, sizeof(buf), "[%5lu.%06lu] ",
		       (unsigned long)(us / 1000000),
		       (unsigned long)(us % 1000000));

	va_start(ap, f);
	n += fmt_v(buf + n, sizeof(buf) - n, f, ap);
	va_end(ap);
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	log_write(buf, n);
}

int log_getc(void)
{
	return console ? console->getc() : -1;
}

void log_drain(void)
{
	if (console)
		console->drain();
}

size_t log_ring_read(uint64_t offset, void *out, size_t len, uint64_t *from,
		     uint64_t *next)
{
	bool taken = spin_lock(&lock);
	size_t n = 0;

	*from = 0;
	*next = have_ring ? ring.head : 0;
	if (have_ring)
		n = logring_read(&ring, offset, out, len, from);
	spin_unlock(&lock, taken);
	return n;
}
