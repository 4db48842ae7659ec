/* libFuzzer target for the plinth.cfg parser (hv/config/config.c,
 * config_keys.c, config_value.c): any file, any size of error buffer.
 *
 *   make build/fuzz/fuzz_config   # sources: fuzz_config_SRCS
 *   build/fuzz/fuzz_config -max_total_time=60
 *
 * Built with gcc and -DFUZZ_REPLAY it replays files instead (see
 * fuzz_loader.c for the command line).
 *
 * Input layout:
 *   byte 0      the error buffer: bit 7 set, bits 0-6 are its size (0 to
 *               127 bytes, to cut messages short); clear, 512 bytes
 *   then        the file, as read from the ESP
 * Every buffer the parser gets is an exact-size allocation, so ASan
 * reports a read past the file or a write past the error buffer (a
 * 0-byte buffer must not be written at all).
 *
 * Invariants checked (abort on violation):
 *   the result is 0 or -1; with -1 the message is NUL-terminated inside
 *   the buffer, non-empty when there is room for one character, has no
 *   control character but tab, is the start of what a whole buffer
 *   gets (and the result is the same), and (with the whole buffer) reads
 *   "plinth.cfg:LINE: ..." with LINE one of the file's lines, or
 *   "plinth.cfg: ..." for the file as a whole; with 0 the message is
 *   empty and every value is within what the parser documents and
 *   enforces: a kernel path, paths of at most 255 characters a FAT name
 *   can hold, a command line under 1024 bytes, memory and hv_memory in
 *   their ranges and whole pages, the guest slice 10 us to 100 ms, known
 *   actions, formats, self-tests and disks (a RAM disk 1M to 64G of
 *   whole pages, an AHCI port 0-31 and partition 0-128 named at most one
 *   way, a label of 1-36 characters), unicast non-zero MACs, a PCI NIC
 *   at device 0-31 function 0-7, a static management prefix of 1-30, a
 *   management port and token HTTP can carry, and not both the network
 *   self-test with the guest and the management address;
 *   the same file with CRLF line ends, after a UTF-8 byte-order mark, or
 *   followed by a comment line gives the same result, message and
 *   configuration;
 *   config_parse_size and cfg_parse_uint, on every line and every value
 *   of the file, agree with reference parsers written here from their
 *   documentation (128-bit arithmetic for the overflow checks).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/config/config.h"
#include "hv/config/config_impl.h"

#include "tests/fuzz/fuzz_check.h"

#define NAME "plinth.cfg"
#define ERR_FULL 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
	int r;
	char err[ERR_FULL];
	struct plinth_config cfg;
};

/* Parses an exact-size copy of text with an exact-size error buffer
 * (copied into res->err, which is then NUL-terminated). */
static void parse(const char *text, size_t len, size_t errlen,
		  struct result *res)
{
	char *copy = malloc(len ? len : 1), *err = malloc(errlen ? errlen : 1);

	if (!copy || !err)
		abort();
	memcpy(copy, text, len);
	memset(&res->cfg, 0xa5, sizeof(res->cfg));
	res->r = config_parse(copy, len, NAME, &res->cfg, err, errlen);
	CHECK(res->r == 0 || res->r == -1);
	memset(res->err, 0, sizeof(res->err));
	if (errlen) {
		/* Terminated inside the buffer, whatever was cut. */
		CHECK(memchr(err, 0, errlen));
		memcpy(res->err, err, strlen(err) + 1);
	}
	free(copy);
	free(err);
}

/* --- the message ------------------------------------------------------ */

static unsigned lines_in(const char *text, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len && text[len - 1] != '\n');
}

static void check_message(const struct result *res, size_t errlen,
			  const char *text, size_t len)
{
	const char *e = res->err;
	size_t n = strlen(e);

	if (res->r == 0) {
		CHECK(n == 0);
		return;
	}
	if (errlen >= 2)
		CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)e[i] >= 0x20 || e[i] == '\t');
	if (errlen < ERR_FULL)
		return;
	/* "NAME:LINE: problem" or "NAME: problem". */
	CHECK(!strncmp(e, NAME ":", sizeof(NAME)));
	e += sizeof(NAME);
	if (*e == ' ') {
		CHECK(e[1] != '\0');
		return;
	}
	unsigned long line = 0;

	CHECK(*e >= '1' && *e <= '9');
	for (; *e >= '0' && *e <= '9'; e++)
		line = line * 10 + (unsigned long)(*e - '0');
	CHECK(e[0] == ':' && e[1] == ' ' && e[2] != '\0');
	CHECK(line >= 1 && line <= lines_in(text, len));
}

/* --- an accepted configuration ---------------------------------------- */

static bool fat_path(const char *p, bool may_be_empty)
{
	size_t n = strnlen(p, CFG_PATH_MAX);

	if (n == CFG_PATH_MAX || (!n && !may_be_empty))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c > 0x7e || strchr("\"*?<>|:", c))
			return false;
	}
	return true;
}

static bool unicast_mac(const uint8_t *m)
{
	return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static void check_config(const struct plinth_config *c)
{
	size_t n;

	CHECK(fat_path(c->kernel, false));
	CHECK(fat_path(c->initrd, true));
	CHECK(strnlen(c->cmdline, CFG_CMDLINE_MAX) < CFG_CMDLINE_MAX);
	CHECK(c->kernel_format == CFG_KERNEL_AUTO
	      || c->kernel_format == CFG_KERNEL_FLAT);
	CHECK(c->memory >= CFG_MIN_MEMORY && c->memory <= CFG_MAX_MEMORY
	      && !(c->memory & 0xfff));
	CHECK(c->hv_memory >= CFG_MIN_HV_MEMORY
	      && c->hv_memory <= CFG_MAX_HV_MEMORY && !(c->hv_memory & 0xfff));
	CHECK(c->on_guest_exit == CFG_ACT_POWEROFF
	      || c->on_guest_exit == CFG_ACT_REBOOT
	      || c->on_guest_exit == CFG_ACT_RESTART);
	CHECK(c->on_fault == CFG_ACT_HALT || c->on_fault == CFG_ACT_POWEROFF
	      || c->on_fault == CFG_ACT_REBOOT);
	CHECK(c->guest_slice_us >= CFG_MIN_GUEST_SLICE_US
	      && c->guest_slice_us <= CFG_MAX_GUEST_SLICE_US);
	CHECK(!(c->selftest
		& ~(CFG_SELFTEST_FAULT | CFG_SELFTEST_DISK | CFG_SELFTEST_NET
		    | CFG_SELFTEST_GUEST)));
	switch (c->disk) {
	case CFG_DISK_NONE:
		break;
	case CFG_DISK_RAM_BLANK:
		CHECK(c->disk_size >= CFG_MIN_DISK
		      && c->disk_size <= CFG_MAX_DISK
		      && !(c->disk_size & 0xfff));
		break;
	case CFG_DISK_RAM_FILE:
		CHECK(fat_path(c->disk_path, false));
		break;
	case CFG_DISK_AHCI:
	case CFG_DISK_NVME:
		n = strnlen(c->disk_label, sizeof(c->disk_label));
		CHECK(c->disk_port <= 31 && c->disk_part <= 128);
		CHECK(c->disk != CFG_DISK_NVME
		      || (c->disk_nsid && c->disk_nsid != 0xffffffffu
			  && (!c->disk_pci_set || c->disk_dev <= 31)));
		CHECK(n < sizeof(c->disk_label));
		/* One way to name the partition at most. */
		CHECK((c->disk_part != 0) + (n != 0) + c->disk_guid_set <= 1);
		break;
	default:
		CHECK(0);
	}
	CHECK(unicast_mac(c->net_mac));
	if (c->mgmt_mac_set)
		CHECK(unicast_mac(c->mgmt_mac));
	switch (c->nic) {
	case CFG_NIC_AUTO:
	case CFG_NIC_NONE:
		break;
	case CFG_NIC_PCI:
		CHECK(c->nic_dev <= 31 && c->nic_fn <= 7);
		break;
	default:
		CHECK(0);
	}
	switch (c->mgmt) {
	case CFG_MGMT_OFF:
	case CFG_MGMT_DHCP:
		break;
	case CFG_MGMT_STATIC:
		CHECK(c->mgmt_prefix >= 1 && c->mgmt_prefix <= 30);
		break;
	default:
		CHECK(0);
	}
	CHECK(c->mgmt_port != 0);
	n = strnlen(c->mgmt_token, CFG_TOKEN_MAX);
	CHECK(n < CFG_TOKEN_MAX);
	for (size_t i = 0; i < n; i++)
		CHECK(c->mgmt_token[i] > ' ' && c->mgmt_token[i] <= '~');
	CHECK(!((c->selftest & CFG_SELFTEST_NET)
		&& (c->selftest & CFG_SELFTEST_GUEST)
		&& c->mgmt != CFG_MGMT_OFF));
}

/* --- the value parsers, against references ----------------------------- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* config.h: "512M", "1G", "4096", "64KiB" (and "4096B", "64KB"): digits,
 * then nothing, B, or K/M/G/T with nothing, B or iB after it, in any
 * case; -1 when the value does not fit 64 bits. */
static int ref_size(const char *s, uint64_t *out)
{
	unsigned __int128 v = 0;
	unsigned shift = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT64_MAX)
			return -1;
	}
	const char *k = strchr("kmgt", lower(*p));

	if (*p && k) {
		shift = 10 * (unsigned)(k - "kmgt" + 1);
		p++;
		if (lower(p[0]) == 'i' && lower(p[1]) == 'b')
			p += 2;
		else if (lower(*p) == 'b')
			p++;
	} else if (lower(*p) == 'b') {
		p++;
	}
	if (*p)
		return -1;
	v <<= shift;
	if (v > UINT64_MAX)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* config_impl.h: decimal, or hexadecimal after 0x, at least one digit,
 * no larger than max. */
static int ref_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned __int128 v = 0;
	unsigned base = 10;

	if (s[0] == '0' && lower(s[1]) == 'x') {
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
		v = v * base + (unsigned)d;
		if (v > max)
			return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

static void check_value(const char *s)
{
	/* The bounds the keys use, and wide ones.  (Not below 15: a hex
	 * digit above the bound would pass, as (max - d) wraps; no key
	 * uses one.) */
	static const uint64_t maxes[] = { 32, 0xffff, 0xffffffffull,
					  UINT64_MAX };
	uint64_t got = 1, want = 2;
	int r = config_parse_size(s, &got);

	CHECK(r == ref_size(s, &want));
	if (!r)
		CHECK(got == want);
	for (unsigned i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		got = 1;
		want = 2;
		r = cfg_parse_uint(s, maxes[i], &got);
		CHECK(r == ref_uint(s, maxes[i], &want));
		if (!r)
			CHECK(got == want);
	}
}

/* Each line, and what follows its '=' with the blanks trimmed, as the
 * value parsers would see them (NUL-terminated, in exact-size copies). */
static void check_values(const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos,
			   *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char *s = malloc(n + 1);
		char *v;

		if (!s)
			abort();
		memcpy(s, line, n);
		s[n] = '\0';
		check_value(s);
		if ((v = strchr(s, '=')) != NULL) {
			char *end;

			for (v++; *v == ' ' || *v == '\t'; v++)
				;
			end = v + strlen(v);
			while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			check_value(v);
		}
		free(s);
		pos += n + 1;
	}
}

/* --- the same file, written differently ---------------------------------- */

static void check_same(const struct result *a, const struct result *b)
{
	CHECK(a->r == b->r);
	CHECK(!strcmp(a->err, b->err));
	CHECK(!memcmp(&a->cfg, &b->cfg, sizeof(a->cfg)));
}

static void check_variants(const char *text, size_t len,
			   const struct result *res)
{
	size_t lf = 0;
	char *v = malloc(2 * len + 16);
	struct result *other = malloc(sizeof(*other));

	if (!v || !other)
		abort();
	for (size_t i = 0; i < len; i++)
		lf += text[i] == '\n';
	/* CRLF: only for a file with no CR of its own (a CR before the
	 * LF is dropped, one anywhere else is a control character). */
	if (!memchr(text, '\r', len) && len + lf <= CFG_FILE_MAX) {
		size_t n = 0;

		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\n')
				v[n++] = '\r';
			v[n++] = text[i];
		}
		parse(v, n, ERR_FULL, other);
		check_same(res, other);
	}
	/* A byte-order mark before a file that has none. */
	if (len + 3 <= CFG_FILE_MAX
	    && (len < 3 || memcmp(text, "\xef\xbb\xbf", 3))) {
		memcpy(v, "\xef\xbb\xbf", 3);
		memcpy(v + 3, text, len);
		parse(v, len + 3, ERR_FULL, other);
		check_same(res, other);
	}
	/* A comment line after the last: a last line without its newline
	 * gets one. */
	if (len + 12 <= CFG_FILE_MAX) {
		memcpy(v, text, len);
		memcpy(v + len, "\n# the end\n", 11);
		parse(v, len + 11, ERR_FULL, other);
		check_same(res, other);
	}
	free(other);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result *res = malloc(sizeof(*res)), *whole;
	size_t errlen = ERR_FULL;
	const char *text = size ? (const char *)data + 1 : "";
	size_t len = size ? size - 1 : 0;

	if (!res)
		abort();
	if (size && data[0] & 0x80)
		errlen = data[0] & 0x7f;
	parse(text, len, errlen, res);
	check_message(res, errlen, text, len);
	if (res->r == 0)
		check_config(&res->cfg);
	if (errlen == ERR_FULL) {
		check_variants(text, len, res);
		check_values(text, len);
	} else {
		/* A short buffer holds the start of the whole message. */
		size_t n;

		if (!(whole = malloc(sizeof(*whole))))
			abort();
		parse(text, len, ERR_FULL, whole);
		n = strlen(whole->err);
		if (errlen && n > errlen - 1)
			n = errlen - 1;
		CHECK(res->r == whole->r);
		CHECK(!memcmp(&res->cfg, &whole->cfg, sizeof(res->cfg)));
		CHECK(strlen(res->err) == (errlen ? n : 0));
		CHECK(!strncmp(res->err, whole->err, strlen(res->err)));
		free(whole);
	}
	free(res);
	return 0;
}

#include "tests/fuzz/fuzz_replay.h"
