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

static void put_str(struct out *o, const char *s, int width, int prec,
		    int left)
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

size_t fmt_v(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		int left = 0, zero = 0, width = 0, prec = -1, lng = 0;

		for (;; f++) {
			if (*f == '-')
				left = 1;
			else if (*f == '0')
				zero = 1;
			else
				break;
		}
		if (*f == '*') {
			width = va_arg(ap, int);
			if (width < 0) { /* as in C: a negative width means '-' */
				left = 1;
				width = -width;
			}
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				width = width * 10 + (*f++ - '0');
		}
		if (*f == '.') {
			f++;
			prec = 0;
			if (*f == '*') {
				prec = va_arg(ap, int);
				f++;
			} else {
				while (*f >= '0' && *f <= '9')
					prec = prec * 10 + (*f++ - '0');
			}
		}
		/* lng: 1 = long/size_t, -1 = short (h), -2 = char (hh) */
		while (*f == 'l' || *f == 'z' || *f == 'h') {
			if (*f == 'l' || *f == 'z')
				lng = 1;
			else
				lng = lng < 0 ? -2 : -1;
			f++;
		}
		switch (*f) {
		case 'c':
			if (!left)
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, ' ', width - 1);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), width, prec, left);
			break;
		case 'd':
		case 'i': {
			int64_t v = lng > 0 ? va_arg(ap, long) : va_arg(ap, int);

			if (lng == -1)
				v = (short)v;
			else if (lng == -2)
				v = (signed char)v;
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v
					     : (uint64_t)v;

			put_num(&o, mag, v < 0, 10, 0, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng > 0 ? va_arg(ap, unsigned long)
					     : va_arg(ap, unsigned int);

			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;

			put_num(&o, v, 0, *f == 'u' ? 10 : 16, *f == 'X',
				width, zero, left);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 0, 16, 0,
				16, 1, 0);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			f--; /* lone '%' at the end: stop cleanly */
			break;
		default:
			put(&o, '%');
			put(&o, *f);
			break;
		}
	}
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
		at += fmt(at < size ? buf + at : NULL, at < size ? size - at : 0,
			  " %02x", b[i]);
	return at;
}
