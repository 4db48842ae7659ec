#include "hv/base/fmt.h"

#include <stdint.h>

struct out {
	char *buf;
	size_t size;
	size_t len; /* logical length, may exceed size */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, int width, int prec, int left)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while ((prec < 0 || n < prec) && s[n])
		n++;
	if (!left)
		pad(o, ' ', width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		pad(o, ' ', width - n);
}

static void put_num(struct out *o, uint64_t v, int neg, unsigned base,
		    int upper, int width, int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int total = n + (neg ? 1 : 0);

	if (!left && !zero)
		pad(o, ' ', width - total);
	if (neg)
		put(o, '-');
	if (!left && zero)
		pad(o, '0', width - total);
	while (n)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - total);
}

/* One conversion's flags, width, precision and length modifier. */
struct spec {
	int left, zero, width, prec;
	int lng; /* 1 = long/size_t, -1 = short (h), -2 = char (hh) */
};

/* Reads what lies between a '%' and its conversion character, *fp just
 * past the '%'; leaves *fp on the conversion character.  A '*' width or
 * precision is taken from ap. */
static void parse_spec(const char **fp, va_list *ap, struct spec *s)
{
	const char *f = *fp;

	*s = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			s->left = 1;
		else if (*f == '0')
			s->zero = 1;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) { /* as in C: a negative width means '-' */
			s->left = 1;
			s->width = -s->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			s->width = s->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		s->prec = 0;
		if (*f == '*') {
			s->prec = va_arg(*ap, int);
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				s->prec = s->prec * 10 + (*f++ - '0');
		}
	}
	while (*f == 'l' || *f == 'z' || *f == 'h') {
		if (*f == 'l' || *f == 'z')
			s->lng = 1;
		else
			s->lng = s->lng < 0 ? -2 : -1;
		f++;
	}
	*fp = f;
}

/* %d and %i */
static void put_signed(struct out *o, const struct spec *s, va_list *ap)
{
	int64_t v = s->lng > 0 ? va_arg(*ap, long) : va_arg(*ap, int);

	if (s->lng == -1)
		v = (short)v;
	else if (s->lng == -2)
		v = (signed char)v;
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	put_num(o, mag, v < 0, 10, 0, s->width, s->zero, s->left);
}

/* %u, %x and %X */
static void put_unsigned(struct out *o, char c, const struct spec *s,
			 va_list *ap)
{
	uint64_t v = s->lng > 0 ? va_arg(*ap, unsigned long)
				: va_arg(*ap, unsigned int);

	if (s->lng == -1)
		v = (unsigned short)v;
	else if (s->lng == -2)
		v = (unsigned char)v;

	put_num(o, v, 0, c == 'u' ? 10 : 16, c == 'X', s->width, s->zero,
		s->left);
}

/* One conversion, c its character (never '\0'). */
static void put_conv(struct out *o, char c, const struct spec *s, va_list *ap)
{
	switch (c) {
	case 'c':
		if (!s->left)
			pad(o, ' ', s->width - 1);
		put(o, (char)va_arg(*ap, int));
		if (s->left)
			pad(o, ' ', s->width - 1);
		break;
	case 's':
		put_str(o, va_arg(*ap, const char *), s->width, s->prec,
			s->left);
		break;
	case 'd':
	case 'i':
		put_signed(o, s, ap);
		break;
	case 'u':
	case 'x':
	case 'X':
		put_unsigned(o, c, s, ap);
		break;
	case 'p':
		put(o, '0');
		put(o, 'x');
		put_num(o, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, 16, 1, 0);
		break;
	case '%':
		put(o, '%');
		break;
	default:
		put(o, '%');
		put(o, c);
		break;
	}
}

size_t fmt_v(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec s;
	va_list aq;

	/* The helpers take a va_list *; a va_list parameter may be an array
	 * decayed to a pointer (x86-64), whose address is not one, so they
	 * get a copy. */
	va_copy(aq, ap);
	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		parse_spec(&f, &aq, &s);
		if (*f == '\0') {
			f--; /* lone '%' at the end: stop cleanly */
			continue;
		}
		put_conv(&o, *f, &s, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

size_t fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	size_t n = fmt_v(buf, size, f, ap);
	va_end(ap);
	return n;
}

size_t fmt_bytes(char *buf, size_t size, size_t at, const uint8_t *b,
		 size_t count)
{
	for (size_t i = 0; i < count; i++)
		at += fmt(at < size ? buf + at : NULL,
			  at < size ? size - at : 0, " %02x", b[i]);
	return at;
}
