/* plinth.cfg: the key table and each key's setter; see
 * hv/config/config.h for the keys and hv/config/config_impl.h for how the
 * parser's files divide the work.
 */
#include "hv/config/config_impl.h"

#include <stdbool.h>
#include <string.h>

#include "hv/base/fmt.h"

static int set_path(struct parser *p, char *dst, const char *key,
		    const char *val)
{
	size_t n = strlen(val);

	if (n >= CFG_PATH_MAX)
		return fail(p, "'%s': path longer than 255 characters", key,
			    NULL);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '*' || c == '?'
		    || c == '<' || c == '>' || c == '|' || c == ':')
			return fail(p,
				    "'%s': path '%s' has a character a "
				    "FAT file name cannot hold",
				    key, val);
	}
	memcpy(dst, val, n + 1);
	return 0;
}

static int set_kernel(struct parser *p, struct plinth_config *c, const char *k,
		      const char *v)
{
	return set_path(p, c->kernel, k, v);
}

static int set_initrd(struct parser *p, struct plinth_config *c, const char *k,
		      const char *v)
{
	return set_path(p, c->initrd, k, v);
}

static int set_cmdline(struct parser *p, struct plinth_config *c, const char *k,
		       const char *v)
{
	size_t n = strlen(v);

	if (n >= CFG_CMDLINE_MAX)
		return fail(p, "'%s': longer than 1023 characters", k, NULL);
	memcpy(c->cmdline, v, n + 1);
	return 0;
}

static int set_size(struct parser *p, const char *k, const char *v,
		    uint64_t min, uint64_t max, uint64_t *dst)
{
	uint64_t n;
	char lo[24], hi[24];

	if (config_parse_size(v, &n))
		return fail(p,
			    "'%s': bad size '%s' (a number with an "
			    "optional K, M, G or T suffix)",
			    k, v);
	fmt(lo, sizeof(lo), "%luM", (unsigned long)(min >> 20));
	fmt(hi, sizeof(hi), "%luG", (unsigned long)(max >> 30));
	if (n < min || n > max) {
		char m[96];

		fmt(m, sizeof(m), "'%%s': size %%s out of range (%s to %s)", lo,
		    hi);
		return fail(p, m, k, v);
	}
	if (n & 0xfff)
		return fail(p, "'%s': size %s is not a multiple of 4K", k, v);
	*dst = n;
	return 0;
}

static int set_memory(struct parser *p, struct plinth_config *c, const char *k,
		      const char *v)
{
	return set_size(p, k, v, CFG_MIN_MEMORY, CFG_MAX_MEMORY, &c->memory);
}

static int set_hv_memory(struct parser *p, struct plinth_config *c,
			 const char *k, const char *v)
{
	return set_size(p, k, v, CFG_MIN_HV_MEMORY, CFG_MAX_HV_MEMORY,
			&c->hv_memory);
}

static int set_action(struct parser *p, const char *k, const char *v,
		      unsigned allowed, enum cfg_action *dst)
{
	static const char *const names[] = { "halt", "poweroff", "reboot",
					     "restart" };
	unsigned i;

	if (cfg_one_of(p, k, v, names, 4, allowed, &i))
		return -1;
	*dst = (enum cfg_action)i;
	return 0;
}

static int set_on_guest_exit(struct parser *p, struct plinth_config *c,
			     const char *k, const char *v)
{
	return set_action(p, k, v,
			  1u << CFG_ACT_POWEROFF | 1u << CFG_ACT_REBOOT
				  | 1u << CFG_ACT_RESTART,
			  &c->on_guest_exit);
}

static int set_on_fault(struct parser *p, struct plinth_config *c,
			const char *k, const char *v)
{
	return set_action(p, k, v,
			  1u << CFG_ACT_HALT | 1u << CFG_ACT_POWEROFF
				  | 1u << CFG_ACT_REBOOT,
			  &c->on_fault);
}

static int set_kernel_format(struct parser *p, struct plinth_config *c,
			     const char *k, const char *v)
{
	if (!strcmp(v, "auto"))
		c->kernel_format = CFG_KERNEL_AUTO;
	else if (!strcmp(v, "flat"))
		c->kernel_format = CFG_KERNEL_FLAT;
	else
		return fail(p, "'%s': bad value '%s' (one of: auto, flat)", k,
			    v);
	return 0;
}

static int set_port(struct parser *p, const char *k, const char *v,
		    uint16_t *dst)
{
	uint64_t n;

	if (cfg_parse_uint(v, 0xffff, &n) || n == 0)
		return fail(p, "'%s': bad I/O port '%s' (1 to 0xffff)", k, v);
	*dst = (uint16_t)n;
	return 0;
}

static int set_serial(struct parser *p, struct plinth_config *c, const char *k,
		      const char *v)
{
	static const struct {
		const char *name;
		uint16_t port;
	} named[] = { { "off", 0 },
		      { "com1", 0x3f8 },
		      { "com2", 0x2f8 },
		      { "com3", 0x3e8 },
		      { "com4", 0x2e8 } };

	for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (!strcmp(v, named[i].name)) {
			c->serial_port = named[i].port;
			return 0;
		}
	}
	if (v[0] < '0' || v[0] > '9')
		return fail(p,
			    "'%s': bad value '%s' (off, com1 to com4, or "
			    "an I/O port)",
			    k, v);
	return set_port(p, k, v, &c->serial_port);
}

static int set_debug_exit(struct parser *p, struct plinth_config *c,
			  const char *k, const char *v)
{
	if (!strcmp(v, "off")) {
		c->debug_exit_port = 0;
		return 0;
	}
	return set_port(p, k, v, &c->debug_exit_port);
}

/* A duration: a whole number of microseconds ("30us") or milliseconds
 * ("10ms"). */
static int set_guest_slice(struct parser *p, struct plinth_config *c,
			   const char *k, const char *v)
{
	uint64_t n = 0;
	const char *q = v;

	/* Past the maximum the number only needs to stay too large. */
	for (; *q >= '0' && *q <= '9'; q++)
		if (n <= CFG_MAX_GUEST_SLICE_US)
			n = n * 10 + (uint64_t)(*q - '0');
	if (q == v || (strcmp(q, "us") && strcmp(q, "ms")))
		return fail(p,
			    "'%s': bad duration '%s' (a number and us or "
			    "ms, such as 10ms)",
			    k, v);
	if (!strcmp(q, "ms"))
		n *= 1000;
	if (n < CFG_MIN_GUEST_SLICE_US || n > CFG_MAX_GUEST_SLICE_US)
		return fail(p, "'%s': %s out of range (10us to 100ms)", k, v);
	c->guest_slice_us = (uint32_t)n;
	return 0;
}

static int set_selftest(struct parser *p, struct plinth_config *c,
			const char *k, const char *v)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} tests[] = { { "fault", CFG_SELFTEST_FAULT },
		      { "disk", CFG_SELFTEST_DISK },
		      { "net", CFG_SELFTEST_NET },
		      { "guest", CFG_SELFTEST_GUEST } };
	char item[32];
	const char *s = v;

	c->selftest = 0;
	if (!strcmp(v, "off"))
		return 0;
	while (*s) {
		size_t n = 0;

		while (s[n] && s[n] != ',')
			n++;
		if (n == 0 || n >= sizeof(item))
			return fail(p,
				    "'%s': bad list '%s' (names separated "
				    "by commas)",
				    k, v);
		memcpy(item, s, n);
		item[n] = '\0';
		unsigned i;

		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (!strcmp(item, tests[i].name))
				break;
		if (i == sizeof(tests) / sizeof(tests[0]))
			return fail(p,
				    "'%s': unknown self-test '%s' (known: "
				    "fault, disk, net, guest)",
				    k, item);
		c->selftest |= tests[i].bit;
		s += n;
		if (*s == ',' && !*++s)
			return fail(p,
				    "'%s': bad list '%s' (names separated "
				    "by commas)",
				    k, v);
	}
	return 0;
}

/* disk = none | ram:SIZE | ram:PATH | ahci:... | nvme:... */
static int set_disk(struct parser *p, struct plinth_config *c, const char *k,
		    const char *v)
{
	uint64_t n;

	if (!strcmp(v, "none")) {
		c->disk = CFG_DISK_NONE;
		return 0;
	}
	if (!strncmp(v, "ahci:", 5) || !strncmp(v, "nvme:", 5))
		return cfg_set_disk_device(p, c, k, v);
	if (strncmp(v, "ram:", 4) || !v[4])
		return fail(p,
			    "'%s': bad value '%s' (none, ram:SIZE, "
			    "ram:PATH, ahci:PORT or nvme:NSID)",
			    k, v);
	v += 4;
	if (v[0] >= '0' && v[0] <= '9' && !config_parse_size(v, &n)) {
		if (set_size(p, k, v, CFG_MIN_DISK, CFG_MAX_DISK,
			     &c->disk_size))
			return -1;
		c->disk = CFG_DISK_RAM_BLANK;
		return 0;
	}
	if (set_path(p, c->disk_path, k, v))
		return -1;
	c->disk = CFG_DISK_RAM_FILE;
	return 0;
}

/* A key that takes one of two words: *out becomes true for `yes`, false
 * for `no`; anything else fails with msg. */
static int set_either(struct parser *p, const char *k, const char *v,
		      const char *yes, const char *no, const char *msg,
		      bool *out)
{
	if (!strcmp(v, yes))
		*out = true;
	else if (!strcmp(v, no))
		*out = false;
	else
		return fail(p, msg, k, v);
	return 0;
}

static int set_disk_readonly(struct parser *p, struct plinth_config *c,
			     const char *k, const char *v)
{
	return set_either(p, k, v, "yes", "no",
			  "'%s': bad value '%s' (yes or no)",
			  &c->disk_readonly);
}

/* net_mac = 02:50:4c:4e:54:01 */
static int set_net_mac(struct parser *p, struct plinth_config *c, const char *k,
		       const char *v)
{
	return cfg_parse_mac(p, k, v, c->net_mac);
}

static int set_mgmt_mac(struct parser *p, struct plinth_config *c,
			const char *k, const char *v)
{
	if (cfg_parse_mac(p, k, v, c->mgmt_mac))
		return -1;
	c->mgmt_mac_set = true;
	return 0;
}

/* mgmt = off | dhcp | static ADDR/PREFIX GATEWAY */
static int set_mgmt(struct parser *p, struct plinth_config *c, const char *k,
		    const char *v)
{
	const char *s;
	uint64_t prefix;
	char num[4];
	size_t n;

	if (!strcmp(v, "off") || !strcmp(v, "dhcp")) {
		c->mgmt = v[0] == 'o' ? CFG_MGMT_OFF : CFG_MGMT_DHCP;
		return 0;
	}
	if (strncmp(v, "static ", 7))
		return fail(p,
			    "'%s': bad value '%s' (off, dhcp, or static "
			    "ADDR/PREFIX GATEWAY)",
			    k, v);
	s = v + 7;
	while (*s == ' ' || *s == '\t')
		s++;
	if (cfg_parse_ip(s, c->mgmt_ip, &s) || *s++ != '/')
		goto bad;
	for (n = 0; s[n] >= '0' && s[n] <= '9' && n < 3; n++)
		num[n] = s[n];
	num[n] = 0;
	if (!n || cfg_parse_uint(num, 32, &prefix) || !prefix || prefix > 30)
		goto bad;
	s += n;
	if (*s != ' ' && *s != '\t')
		goto bad;
	while (*s == ' ' || *s == '\t')
		s++;
	if (cfg_parse_ip(s, c->mgmt_gw, &s) || *s)
		goto bad;
	c->mgmt_prefix = (unsigned)prefix;
	c->mgmt = CFG_MGMT_STATIC;
	return 0;
bad:
	return fail(p,
		    "'%s': bad static address '%s' (static ADDR/PREFIX "
		    "GATEWAY, such as static 192.168.1.50/24 192.168.1.1, "
		    "prefix 1 to 30)",
		    k, v);
}

static int set_mgmt_port(struct parser *p, struct plinth_config *c,
			 const char *k, const char *v)
{
	uint64_t n;

	if (cfg_parse_uint(v, 0xffff, &n) || n == 0)
		return fail(p, "'%s': bad TCP port '%s' (1 to 65535)", k, v);
	c->mgmt_port = (uint16_t)n;
	return 0;
}

/* The token goes into HTTP headers: printable ASCII without spaces.  Its
 * length is checked when the management plane starts, which stays off
 * with a clear message rather than stopping the boot. */
static int set_mgmt_token(struct parser *p, struct plinth_config *c,
			  const char *k, const char *v)
{
	size_t n = strlen(v);

	if (n >= sizeof(c->mgmt_token))
		return fail(p, "'%s': longer than 127 characters", k, NULL);
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return fail(p,
				    "'%s': only printable characters "
				    "without spaces",
				    k, NULL);
	memcpy(c->mgmt_token, v, n + 1);
	return 0;
}

static int set_mgmt_guest_access(struct parser *p, struct plinth_config *c,
				 const char *k, const char *v)
{
	return set_either(p, k, v, "allow", "deny",
			  "'%s': bad value '%s' (allow or deny)",
			  &c->mgmt_guest_access);
}

static int set_guest_console(struct parser *p, struct plinth_config *c,
			     const char *k, const char *v)
{
	return set_either(p, k, v, "raw", "marked",
			  "'%s': bad value '%s' (marked or raw)",
			  &c->guest_console_raw);
}

/* console = both | serial | screen */
static int set_console(struct parser *p, struct plinth_config *c, const char *k,
		       const char *v)
{
	static const char *const names[] = { "both", "serial", "screen" };
	unsigned i;

	if (cfg_one_of(p, k, v, names, 3, 7, &i))
		return -1;
	c->console = (enum cfg_console)i;
	return 0;
}

/* io_core = auto | off | N (a CPU's index as the boot summary lists
 * them; 0, the guest's own, means off) */
static int set_io_core(struct parser *p, struct plinth_config *c, const char *k,
		       const char *v)
{
	uint64_t n;

	if (!strcmp(v, "auto")) {
		c->io_core = CFG_IO_CORE_AUTO;
		return 0;
	}
	if (!strcmp(v, "off")) {
		c->io_core = 0;
		return 0;
	}
	if (cfg_parse_uint(v, CFG_IO_CORE_MAX, &n))
		return fail(p,
			    "'%s': bad value '%s' (auto, off, or a CPU "
			    "number from 1 to 63)",
			    k, v);
	_Static_assert(CFG_IO_CORE_MAX == 63, "the message above");
	c->io_core = (uint8_t)n;
	return 0;
}

/* cpus = auto | N: the guest's vCPUs, one per CPU */
static int set_cpus(struct parser *p, struct plinth_config *c, const char *k,
		    const char *v)
{
	uint64_t n;

	if (!strcmp(v, "auto")) {
		c->cpus = CFG_CPUS_AUTO;
		return 0;
	}
	if (cfg_parse_uint(v, CFG_CPUS_MAX, &n) || n == 0)
		return fail(p, "'%s': bad value '%s' (auto, or 1 to 64)", k, v);
	_Static_assert(CFG_CPUS_MAX == 64, "the message above");
	c->cpus = (uint8_t)n;
	return 0;
}

/* nic = auto | none | BB:DD.F (hex, as the boot summary lists PCI) */
static int set_nic(struct parser *p, struct plinth_config *c, const char *k,
		   const char *v)
{
	if (!strcmp(v, "auto")) {
		c->nic = CFG_NIC_AUTO;
		return 0;
	}
	if (!strcmp(v, "none")) {
		c->nic = CFG_NIC_NONE;
		return 0;
	}
	if (strlen(v) != 7
	    || cfg_pci_addr(v, &c->nic_bus, &c->nic_dev, &c->nic_fn))
		return fail(p,
			    "'%s': bad value '%s' (auto, none, or a PCI "
			    "address BB:DD.F such as 00:02.0)",
			    k, v);
	c->nic = CFG_NIC_PCI;
	return 0;
}

static int set_virtio_ring(struct parser *p, struct plinth_config *c,
			   const char *k, const char *v)
{
	return set_either(p, k, v, "split", "packed",
			  "'%s': bad value '%s' (packed or split)",
			  &c->virtio_split);
}

const struct key cfg_keys[] = {
	{ "kernel", set_kernel },
	{ "initrd", set_initrd },
	{ "cmdline", set_cmdline },
	{ "kernel_format", set_kernel_format },
	{ "memory", set_memory },
	{ "hv_memory", set_hv_memory },
	{ "on_guest_exit", set_on_guest_exit },
	{ "on_fault", set_on_fault },
	{ "serial", set_serial },
	{ "debug_exit", set_debug_exit },
	{ "guest_slice", set_guest_slice },
	{ "selftest", set_selftest },
	{ "disk", set_disk },
	{ "disk_readonly", set_disk_readonly },
	{ "net_mac", set_net_mac },
	{ "virtio_ring", set_virtio_ring },
	{ "nic", set_nic },
	{ "mgmt", set_mgmt },
	{ "mgmt_mac", set_mgmt_mac },
	{ "mgmt_port", set_mgmt_port },
	{ "mgmt_token", set_mgmt_token },
	{ "mgmt_guest_access", set_mgmt_guest_access },
	{ "guest_console", set_guest_console },
	{ "io_core", set_io_core },
	{ "cpus", set_cpus },
	{ "console", set_console },
};
#define NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))
_Static_assert(NKEYS <= 32, "grow parser.seen");

const unsigned cfg_nkeys = NKEYS;
