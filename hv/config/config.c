#include "hv/config/config.h"

#include "hv/base/fmt.h"
#include "hv/config/config_impl.h"

#include <string.h>

void config_defaults(struct plinth_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory = CFG_DEFAULT_MEMORY;
	cfg->hv_memory = CFG_DEFAULT_HV_MEMORY;
	cfg->on_guest_exit = CFG_ACT_POWEROFF;
	cfg->on_fault = CFG_ACT_HALT;
	cfg->serial_port = 0x3f8;
	cfg->mgmt_port = CFG_DEFAULT_MGMT_PORT;
	cfg->guest_slice_us = CFG_DEFAULT_GUEST_SLICE_US;
	cfg->io_core = CFG_IO_CORE_AUTO;
	cfg->cpus = CFG_CPUS_AUTO; /* every CPU but the I/O core's */
	static const uint8_t mac[6] = CFG_DEFAULT_NET_MAC;

	memcpy(cfg->net_mac, mac, 6);
}

const char *config_action_name(enum cfg_action a)
{
	switch (a) {
	case CFG_ACT_HALT:
		return "halt";
	case CFG_ACT_POWEROFF:
		return "poweroff";
	case CFG_ACT_REBOOT:
		return "reboot";
	case CFG_ACT_RESTART:
		return "restart";
	}
	return "?";
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int parse_line(struct parser *p, struct plinth_config *cfg, char *s)
{
	while (is_space(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	char *eq = strchr(s, '=');

	if (!eq)
		return fail(p, "expected 'key = value'", NULL, NULL);
	char *kend = eq;

	while (kend > s && is_space(kend[-1]))
		kend--;
	*kend = '\0';
	char *val = eq + 1;

	while (is_space(*val))
		val++;
	char *vend = val + strlen(val);

	while (vend > val && is_space(vend[-1]))
		vend--;
	*vend = '\0';
	if (*s == '\0')
		return fail(p, "expected 'key = value' (no key before '=')",
			    NULL, NULL);
	for (char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
		      || *c == '_'))
			return fail(p,
				    "bad key '%s' (lower-case letters, "
				    "digits and '_')",
				    s, NULL);
	unsigned i;

	for (i = 0; i < cfg_nkeys; i++)
		if (!strcmp(s, cfg_keys[i].name))
			break;
	if (i == cfg_nkeys)
		return fail(p, "unknown key '%s'", s, NULL);
	if (p->seen[i]) {
		char first[16];

		fmt(first, sizeof(first), "%u", p->seen[i]);
		return fail(p, "duplicate key '%s' (first set on line %s)", s,
			    first);
	}
	p->seen[i] = p->line;
	if (*val == '\0' && strcmp(s, "cmdline"))
		return fail(p, "'%s': missing value", s, NULL);
	return cfg_keys[i].set(p, cfg, s, val);
}

int config_parse(const char *text, size_t len, const char *name,
		 struct plinth_config *cfg, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	char line[CFG_LINE_MAX + 1];
	size_t pos = 0;

	config_defaults(cfg);
	if (errlen)
		err[0] = '\0';
	if (len > CFG_FILE_MAX)
		return fail(&p, "file larger than 64 KiB", NULL, NULL);
	/* A UTF-8 byte-order mark is what some editors put first. */
	if (len >= 3 && (unsigned char)text[0] == 0xef
	    && (unsigned char)text[1] == 0xbb && (unsigned char)text[2] == 0xbf)
		pos = 3;
	while (pos < len) {
		size_t n = 0;

		p.line++;
		while (pos + n < len && text[pos + n] != '\n') {
			if (text[pos + n] == '\0')
				return fail(&p, "NUL byte in line", NULL, NULL);
			n++;
		}
		size_t next = pos + n + 1;

		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n > CFG_LINE_MAX)
			return fail(&p, "line longer than 1024 characters",
				    NULL, NULL);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
				return fail(&p, "control character in line",
					    NULL, NULL);
		if (parse_line(&p, cfg, line))
			return -1;
		pos = next;
	}
	p.line = 0;
	if (!cfg->kernel[0])
		return fail(&p, "missing required key 'kernel'", NULL, NULL);
	/* Both would run lwIP on the management address. */
	if ((cfg->selftest & CFG_SELFTEST_NET)
	    && (cfg->selftest & CFG_SELFTEST_GUEST)
	    && cfg->mgmt != CFG_MGMT_OFF)
		return fail(&p,
			    "'selftest = net,guest' and 'mgmt' both use the "
			    "management address: turn one of them off",
			    NULL, NULL);
	return 0;
}
