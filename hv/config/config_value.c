/* plinth.cfg: the value parsers the keys share (sizes, numbers, MAC and
 * IPv4 addresses); see hv/config/config_impl.h.
 */
#include "hv/config/config_impl.h"

#include <stdbool.h>
#include <string.h>

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool str_ieq(const char *a, const char *b)
{
	while (*a && *b && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

int config_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	unsigned shift = 0;

	switch (lower(*p)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	case 'b':
		p++;
		break; /* plain bytes: "4096B" */
	case '\0':
		break;
	default:
		return -1;
	}
	if (shift) {
		p++;
		if (str_ieq(p, "ib"))
			p += 2;
		else if (lower(*p) == 'b')
			p++;
	}
	if (*p)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

int cfg_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		int c = lower(*s), d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		/* A digit above max must not wrap max - d. */
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

int cfg_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int cfg_pci_addr(const char *v, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
	static const unsigned at[5] = { 0, 1, 3, 4, 6 };
	int d[5];

	if (v[2] != ':' || v[5] != '.')
		return -1;
	for (unsigned i = 0; i < 5; i++)
		if ((d[i] = cfg_hexval(v[at[i]])) < 0)
			return -1;
	if (d[4] > 7 || d[2] * 16 + d[3] > 31)
		return -1;
	*bus = (uint8_t)(d[0] * 16 + d[1]);
	*dev = (uint8_t)(d[2] * 16 + d[3]);
	*fn = (uint8_t)d[4];
	return 0;
}

int cfg_parse_mac(struct parser *p, const char *k, const char *v,
		  uint8_t out[6])
{
	uint8_t m[6];

	for (unsigned i = 0; i < 6; i++) {
		const char *s = v + 3 * i;
		int hi = cfg_hexval(s[0]), lo = hi < 0 ? -1 : cfg_hexval(s[1]);

		if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return fail(p,
				    "'%s': bad MAC address '%s' (six "
				    "hex bytes like 02:50:4c:4e:54:01)",
				    k, v);
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (m[0] & 1)
		return fail(p, "'%s': '%s' is a multicast address", k, v);
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return fail(p, "'%s': the all-zero address is not usable", k,
			    NULL);
	memcpy(out, m, 6);
	return 0;
}

int cfg_parse_ip(const char *s, uint8_t out[4], const char **end)
{
	for (unsigned i = 0; i < 4; i++) {
		unsigned v = 0, n = 0;

		for (; *s >= '0' && *s <= '9' && n < 4; s++, n++)
			v = v * 10 + (unsigned)(*s - '0');
		if (!n || n > 3 || v > 255 || (i < 3 && *s++ != '.'))
			return -1;
		out[i] = (uint8_t)v;
	}
	*end = s;
	return 0;
}

/* `v` as one of the `allowed` (bit i: names[i]) names, its index in
 * *out; else the list in the message. */
int cfg_one_of(struct parser *p, const char *k, const char *v,
	       const char *const *names, unsigned n, unsigned allowed,
	       unsigned *out)
{
	char list[64] = "", m[128];
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		if ((allowed & (1u << i)) && !strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	for (unsigned i = 0; i < n; i++)
		if (allowed & (1u << i))
			len += fmt(list + len, sizeof(list) - len, "%s%s",
				   len ? ", " : "", names[i]);
	fmt(m, sizeof(m), "'%%s': bad value '%%s' (one of: %s)", list);
	return fail(p, m, k, v);
}
