/* What plinth.cfg's parser shares between its files: the parser's state,
 * the key table and the value parsers.  Private to hv/config/config*.c;
 * the interface is hv/config/config.h.
 *
 * config.c reads the file line by line and splits `key = value`;
 * config_keys.c holds the key table and each key's setter, config_disk.c
 * those of `disk` that name a real disk; config_value.c the parsers of
 * sizes, numbers, PCI, MAC and IPv4 addresses they share.
 */
#ifndef PLINTH_CONFIG_IMPL_H
#define PLINTH_CONFIG_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "hv/base/fmt.h"
#include "hv/config/config.h"

struct parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	unsigned seen[32]; /* line where each key was set, 0 = not yet */
};

typedef int (*setter_fn)(struct parser *p, struct plinth_config *cfg,
			 const char *key, const char *val);

struct key {
	const char *name;
	setter_fn set;
};

/* The keys plinth.cfg knows, in the order "unknown key" checks them. */
extern const struct key cfg_keys[];
extern const unsigned cfg_nkeys;

/* Formats "NAME:LINE: message" (msg with up to two %s: a, b) straight
 * into err, so a long value in the message is never cut short by an
 * intermediate buffer.  Always returns -1. */
static inline int fail(struct parser *p, const char *msg, const char *a,
		       const char *b)
{
	size_t n;

	if (!p->errlen)
		return -1;
	if (p->line)
		n = fmt(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	else
		n = fmt(p->err, p->errlen, "%s: ", p->name);
	if (n < p->errlen)
		fmt(p->err + n, p->errlen - n, msg, a, b);
	return -1;
}

/* A decimal or 0x-prefixed hexadecimal number no larger than max. */
int cfg_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* One hex digit's value, or -1. */
int cfg_hexval(char ch);
/* A PCI address BB:DD.F (hex) in v's first 7 characters (v has at least
 * that many, or a NUL before); 0, or -1 when it is not one. */
int cfg_pci_addr(const char *v, uint8_t *bus, uint8_t *dev, uint8_t *fn);
/* `v` as one of the `allowed` (bit i: names[i]) names: its index in
 * *out, or -1 with "'KEY': bad value 'V' (one of: ...)". */
int cfg_one_of(struct parser *p, const char *k, const char *v,
	       const char *const *names, unsigned n, unsigned allowed,
	       unsigned *out);
/* A unicast MAC address, not all zeros, as six hex bytes. */
int cfg_parse_mac(struct parser *p, const char *k, const char *v,
		  uint8_t out[6]);
/* disk = ahci:... or nvme:... (config_disk.c). */
int cfg_set_disk_device(struct parser *p, struct plinth_config *c,
			const char *k, const char *v);
/* A dotted IPv4 address; *end gets the first character after it. */
int cfg_parse_ip(const char *s, uint8_t out[4], const char **end);

#endif
