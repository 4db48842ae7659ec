#include "hv/base/log.h"

#include <stdarg.h>

#include "hv/base/clock.h"
#include "hv/base/fmt.h"

static const struct log_console *console;
static struct logring ring;
static int have_ring;

void log_init(const struct log_console *c)
{
	console = c;
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

void log_write(const char *buf, size_t len)
{
	if (console)
		console->write(buf, len);
	log_import(buf, len);
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

const struct logring *log_ring(void)
{
	return have_ring ? &ring : NULL;
}
