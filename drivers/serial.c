#include "drivers/serial.h"

#include "arch/x86/io.h"

/* 16550 registers (PC16550D datasheet, table 2), offsets from the base. */
#define THR 0 /* transmit holding (write), receive buffer (read) */
#define IER 1
#define DLL 0 /* divisor latch low, when LCR.DLAB */
#define DLM 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

/* ~10 ms at 115200 baud is far below this many polls of LSR on any CPU;
 * the bound only matters when the UART is gone. */
#define SPIN_MAX 1000000

static bool probe(uint16_t port)
{
	outb(port + SCR, 0x5a);
	if (inb(port + SCR) != 0x5a)
		return false;
	outb(port + SCR, 0xa5);
	return inb(port + SCR) == 0xa5;
}

bool serial_init(struct serial *s, uint16_t port)
{
	s->port = port;
	s->present = port && probe(port);
	if (!s->present)
		return false;
	outb(port + IER, 0x00); /* no interrupts: we poll */
	outb(port + LCR, 0x80); /* DLAB on */
	outb(port + DLL, 1);	/* 115200 = 1.8432 MHz / 16 / 1 */
	outb(port + DLM, 0);
	outb(port + LCR, 0x03); /* 8N1, DLAB off */
	outb(port + FCR, 0x07); /* FIFOs on and cleared */
	outb(port + MCR, 0x03); /* DTR, RTS */
	return true;
}

void serial_attach(struct serial *s, uint16_t port)
{
	s->port = port;
	s->present = port && probe(port);
}

static void putc_raw(struct serial *s, char c)
{
	for (unsigned i = 0; i < SPIN_MAX; i++) {
		if (inb(s->port + LSR) & LSR_THRE)
			break;
		cpu_pause();
	}
	outb(s->port + THR, (uint8_t)c);
}

void serial_write(struct serial *s, const char *buf, size_t len)
{
	if (!s->present)
		return;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			putc_raw(s, '\r');
		putc_raw(s, buf[i]);
	}
}

int serial_getc(struct serial *s)
{
	if (!s->present || !(inb(s->port + LSR) & LSR_DR))
		return -1;
	return inb(s->port + THR);
}

void serial_drain(struct serial *s)
{
	if (!s->present)
		return;
	for (unsigned i = 0; i < SPIN_MAX; i++) {
		if (inb(s->port + LSR) & LSR_TEMT)
			return;
		cpu_pause();
	}
}
