/* Host tests for the plinth.cfg parser (hv/config/): the values of each
 * key: sizes, actions, ports, self-tests, config_parse_size, the kernel
 * format, and the guest's devices.  parse(), CHECK_OK and CHECK_ERR are in
 * tests/support/config_fixture.h. */
#include "tests/support/check.h"
#include "tests/support/config_fixture.h"

#include "hv/config/config.h"
#include "hv/config/config_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sizes ---- */

#define BAD_SIZE(key, v)                                                   \
	"plinth.cfg:2: '" key "': bad size '" v "' (a number with an "     \
	"optional K, M, G or T suffix)"

static void bad_size_values_are_rejected(void)
{
	static const char *const bad[] = {
		"12X", "M", "99999999999999999999", "18446744073709551615K",
		"0x1000000", "-1", "1 G", "1.5G", "64MiBs", "64Mi", "64BM",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[96], want[192];

		snprintf(text, sizeof(text), "kernel = k\nmemory = %s\n",
			 bad[i]);
		snprintf(want, sizeof(want),
			 "plinth.cfg:2: 'memory': bad size '%s' (a number with "
			 "an optional K, M, G or T suffix)",
			 bad[i]);
		CHECK_ERR(text, want);
	}
	CHECK_ERR("kernel = k\nmemory = 12X\n", BAD_SIZE("memory", "12X"));
	CHECK_ERR("kernel = k\nhv_memory = M\n", BAD_SIZE("hv_memory", "M"));
	CHECK_ERR("kernel = k\nhv_memory = 18446744073709551615K\n",
		  BAD_SIZE("hv_memory", "18446744073709551615K"));
	CHECK_ERR("kernel = k\nmemory = 99999999999999999999\n",
		  BAD_SIZE("memory", "99999999999999999999"));
	/* "" is caught before the size parser sees it. */
	CHECK_ERR("kernel = k\nmemory = \n",
		  "plinth.cfg:2: 'memory': missing value");
}

static void size_out_of_range_is_rejected(void)
{
	struct plinth_config c;

	CHECK_ERR("kernel = k\nmemory = 16M\n",
		  "plinth.cfg:2: 'memory': size 16M out of range (32M to 1024G)");
	CHECK_ERR("kernel = k\nmemory = 2T\n",
		  "plinth.cfg:2: 'memory': size 2T out of range (32M to 1024G)");
	CHECK_ERR("kernel = k\nmemory = 1025G\n",
		  "plinth.cfg:2: 'memory': size 1025G out of range (32M to 1024G)");
	CHECK_ERR("kernel = k\nmemory = 0\n",
		  "plinth.cfg:2: 'memory': size 0 out of range (32M to 1024G)");
	/* 32M - 4K: aligned, but one page short. */
	CHECK_ERR("kernel = k\nmemory = 33550336\n",
		  "plinth.cfg:2: 'memory': size 33550336 out of range "
		  "(32M to 1024G)");
	CHECK_ERR("kernel = k\nhv_memory = 8M\n",
		  "plinth.cfg:2: 'hv_memory': size 8M out of range (16M to 4G)");
	CHECK_ERR("kernel = k\nhv_memory = 4097M\n",
		  "plinth.cfg:2: 'hv_memory': size 4097M out of range "
		  "(16M to 4G)");
	CHECK_ERR("kernel = k\nhv_memory = 16T\n",
		  "plinth.cfg:2: 'hv_memory': size 16T out of range (16M to 4G)");
	/* Range is checked before alignment. */
	CHECK_ERR("kernel = k\nmemory = 1\n",
		  "plinth.cfg:2: 'memory': size 1 out of range (32M to 1024G)");

	/* The limits themselves are accepted. */
	CHECK_OK("kernel = k\nmemory = 32M\nhv_memory = 16M\n", &c);
	CHECK(c.memory == 32ull << 20);
	CHECK(c.hv_memory == 16ull << 20);
	CHECK_OK("kernel = k\nmemory = 1T\nhv_memory = 4G\n", &c);
	CHECK(c.memory == 1ull << 40);
	CHECK(c.hv_memory == 4ull << 30);
	CHECK_OK("kernel = k\nmemory = 1024G\nhv_memory = 4096M\n", &c);
	CHECK(c.memory == 1ull << 40);
	CHECK(c.hv_memory == 4ull << 30);
}

static void size_not_multiple_of_4k_is_rejected(void)
{
	struct plinth_config c;

	CHECK_ERR("kernel = k\nmemory = 32770K\n",
		  "plinth.cfg:2: 'memory': size 32770K is not a multiple of 4K");
	CHECK_ERR("kernel = k\nhv_memory = 16777217\n",
		  "plinth.cfg:2: 'hv_memory': size 16777217 is not a multiple "
		  "of 4K");
	CHECK_OK("kernel = k\nmemory = 32772K\nhv_memory = 16781312\n", &c);
	CHECK(c.memory == 32772ull * 1024);
	CHECK(c.hv_memory == 16781312ull);
}

static void size_suffixes_k_m_g_t_and_spellings(void)
{
	struct plinth_config c;
	static const struct {
		const char *v;
		uint64_t want;
	} ok[] = {
		{ "65536K", 64ull << 20 },   { "65536k", 64ull << 20 },
		{ "64M", 64ull << 20 },      { "64m", 64ull << 20 },
		{ "64MiB", 64ull << 20 },    { "64mib", 64ull << 20 },
		{ "64MIB", 64ull << 20 },    { "64MB", 64ull << 20 },
		{ "64mb", 64ull << 20 },     { "65536KiB", 64ull << 20 },
		{ "65536KB", 64ull << 20 },  { "1G", 1ull << 30 },
		{ "1g", 1ull << 30 },        { "1GiB", 1ull << 30 },
		{ "1GB", 1ull << 30 },       { "1T", 1ull << 40 },
		{ "1TiB", 1ull << 40 },      { "1tb", 1ull << 40 },
		{ "67108864", 64ull << 20 }, { "0064M", 64ull << 20 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "kernel = k\nmemory = %s\n",
			 ok[i].v);
		CHECK_OK(text, &c);
		if (c.memory != ok[i].want)
			printf("#   memory = %s gave %llu\n", ok[i].v,
			       (unsigned long long)c.memory);
		CHECK(c.memory == ok[i].want);
	}
}

/* ---- actions ---- */

static void on_guest_exit_accepts_poweroff_reboot_restart_only(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\non_guest_exit = poweroff\n", &c);
	CHECK(c.on_guest_exit == CFG_ACT_POWEROFF);
	CHECK_OK("kernel = k\non_guest_exit = reboot\n", &c);
	CHECK(c.on_guest_exit == CFG_ACT_REBOOT);
	CHECK_OK("kernel = k\non_guest_exit = restart\n", &c);
	CHECK(c.on_guest_exit == CFG_ACT_RESTART);
	CHECK_ERR("kernel = k\non_guest_exit = halt\n",
		  "plinth.cfg:2: 'on_guest_exit': bad value 'halt' "
		  "(one of: poweroff, reboot, restart)");
	CHECK_ERR("kernel = k\non_guest_exit = Reboot\n",
		  "plinth.cfg:2: 'on_guest_exit': bad value 'Reboot' "
		  "(one of: poweroff, reboot, restart)");
	CHECK_ERR("kernel = k\non_guest_exit = shutdown\n",
		  "plinth.cfg:2: 'on_guest_exit': bad value 'shutdown' "
		  "(one of: poweroff, reboot, restart)");
}

static void cpus_is_auto_or_a_count(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(c.cpus == CFG_CPUS_AUTO);
	CHECK_OK("kernel = k\ncpus = 2\n", &c);
	CHECK(c.cpus == 2);
	CHECK_OK("kernel = k\ncpus = 1\n", &c);
	CHECK(c.cpus == 1);
	CHECK_OK("kernel = k\ncpus = 64\n", &c);
	CHECK(c.cpus == 64);
	CHECK_OK("kernel = k\ncpus = auto\n", &c);
	CHECK(c.cpus == CFG_CPUS_AUTO);
	CHECK_ERR("kernel = k\ncpus = 0\n",
		  "plinth.cfg:2: 'cpus': bad value '0' (auto, or 1 to 64)");
	CHECK_ERR("kernel = k\ncpus = 65\n",
		  "plinth.cfg:2: 'cpus': bad value '65' (auto, or 1 to 64)");
	CHECK_ERR("kernel = k\ncpus = all\n",
		  "plinth.cfg:2: 'cpus': bad value 'all' (auto, or 1 to 64)");
}

static void io_core_is_auto_off_or_a_cpu_number(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(c.io_core == CFG_IO_CORE_AUTO);
	CHECK_OK("kernel = k\nio_core = off\n", &c);
	CHECK(c.io_core == 0);
	CHECK_OK("kernel = k\nio_core = 0\n", &c);
	CHECK(c.io_core == 0);
	CHECK_OK("kernel = k\nio_core = 3\n", &c);
	CHECK(c.io_core == 3);
	CHECK_OK("kernel = k\nio_core = 63\n", &c);
	CHECK(c.io_core == 63);
	CHECK_OK("kernel = k\nio_core = auto\n", &c);
	CHECK(c.io_core == CFG_IO_CORE_AUTO);
	CHECK_ERR("kernel = k\nio_core = 64\n",
		  "plinth.cfg:2: 'io_core': bad value '64' (auto, off, or a "
		  "CPU number from 1 to 63)");
	CHECK_ERR("kernel = k\nio_core = -1\n",
		  "plinth.cfg:2: 'io_core': bad value '-1' (auto, off, or a "
		  "CPU number from 1 to 63)");
	CHECK_ERR("kernel = k\nio_core = on\n",
		  "plinth.cfg:2: 'io_core': bad value 'on' (auto, off, or a "
		  "CPU number from 1 to 63)");
}

static void console_is_both_serial_or_screen(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(c.console == CFG_CONSOLE_BOTH);
	CHECK_OK("kernel = k\nconsole = serial\n", &c);
	CHECK(c.console == CFG_CONSOLE_SERIAL);
	CHECK_OK("kernel = k\nconsole = screen\n", &c);
	CHECK(c.console == CFG_CONSOLE_SCREEN);
	CHECK_OK("kernel = k\nconsole = both\n", &c);
	CHECK(c.console == CFG_CONSOLE_BOTH);
	CHECK_ERR("kernel = k\nconsole = vga\n",
		  "plinth.cfg:2: 'console': bad value 'vga' (one of: both, "
		  "serial, screen)");
}

static void on_fault_accepts_halt_poweroff_reboot_only(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\non_fault = halt\n", &c);
	CHECK(c.on_fault == CFG_ACT_HALT);
	CHECK_OK("kernel = k\non_fault = poweroff\n", &c);
	CHECK(c.on_fault == CFG_ACT_POWEROFF);
	CHECK_OK("kernel = k\non_fault = reboot\n", &c);
	CHECK(c.on_fault == CFG_ACT_REBOOT);
	CHECK_ERR("kernel = k\non_fault = restart\n",
		  "plinth.cfg:2: 'on_fault': bad value 'restart' "
		  "(one of: halt, poweroff, reboot)");
	CHECK_ERR("kernel = k\non_fault = HALT\n",
		  "plinth.cfg:2: 'on_fault': bad value 'HALT' "
		  "(one of: halt, poweroff, reboot)");
	CHECK_ERR("kernel = k\non_fault = halt now\n",
		  "plinth.cfg:2: 'on_fault': bad value 'halt now' "
		  "(one of: halt, poweroff, reboot)");
}

static void config_action_name_names_each_action(void)
{
	CHECK_STR(config_action_name(CFG_ACT_HALT), "halt");
	CHECK_STR(config_action_name(CFG_ACT_POWEROFF), "poweroff");
	CHECK_STR(config_action_name(CFG_ACT_REBOOT), "reboot");
	CHECK_STR(config_action_name(CFG_ACT_RESTART), "restart");
	CHECK_STR(config_action_name((enum cfg_action)7), "?");
}

/* ---- ports ---- */

static void serial_accepts_off_com1_to_com4_and_ports(void)
{
	struct plinth_config c;
	static const struct {
		const char *v;
		uint16_t port;
	} ok[] = {
		{ "off", 0 },        { "com1", 0x3f8 },    { "com2", 0x2f8 },
		{ "com3", 0x3e8 },   { "com4", 0x2e8 },    { "0x3f8", 0x3f8 },
		{ "0X2F8", 0x2f8 },  { "1016", 0x3f8 },    { "0xffff", 0xffff },
		{ "65535", 0xffff }, { "1", 1 },           { "0x0001", 1 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "kernel = k\nserial = %s\n",
			 ok[i].v);
		CHECK_OK(text, &c);
		if (c.serial_port != ok[i].port)
			printf("#   serial = %s gave 0x%x\n", ok[i].v,
			       c.serial_port);
		CHECK(c.serial_port == ok[i].port);
	}
	CHECK_ERR("kernel = k\nserial = com5\n",
		  "plinth.cfg:2: 'serial': bad value 'com5' (off, com1 to com4, "
		  "or an I/O port)");
	CHECK_ERR("kernel = k\nserial = COM1\n",
		  "plinth.cfg:2: 'serial': bad value 'COM1' (off, com1 to com4, "
		  "or an I/O port)");
	CHECK_ERR("kernel = k\nserial = on\n",
		  "plinth.cfg:2: 'serial': bad value 'on' (off, com1 to com4, "
		  "or an I/O port)");
	CHECK_ERR("kernel = k\nserial = 0\n",
		  "plinth.cfg:2: 'serial': bad I/O port '0' (1 to 0xffff)");
	CHECK_ERR("kernel = k\nserial = 0x10000\n",
		  "plinth.cfg:2: 'serial': bad I/O port '0x10000' (1 to 0xffff)");
	CHECK_ERR("kernel = k\nserial = 65536\n",
		  "plinth.cfg:2: 'serial': bad I/O port '65536' (1 to 0xffff)");
	CHECK_ERR("kernel = k\nserial = 0x\n",
		  "plinth.cfg:2: 'serial': bad I/O port '0x' (1 to 0xffff)");
	CHECK_ERR("kernel = k\nserial = 0x3g8\n",
		  "plinth.cfg:2: 'serial': bad I/O port '0x3g8' (1 to 0xffff)");
	CHECK_ERR("kernel = k\nserial = 3f8\n",
		  "plinth.cfg:2: 'serial': bad I/O port '3f8' (1 to 0xffff)");
}

static void debug_exit_accepts_off_and_ports_1_to_ffff(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\ndebug_exit = off\n", &c);
	CHECK(c.debug_exit_port == 0);
	CHECK_OK("kernel = k\ndebug_exit = 0xf4\n", &c);
	CHECK(c.debug_exit_port == 0xf4);
	CHECK_OK("kernel = k\ndebug_exit = 244\n", &c);
	CHECK(c.debug_exit_port == 0xf4);
	CHECK_OK("kernel = k\ndebug_exit = 0xFFFF\n", &c);
	CHECK(c.debug_exit_port == 0xffff);
	CHECK_ERR("kernel = k\ndebug_exit = 0\n",
		  "plinth.cfg:2: 'debug_exit': bad I/O port '0' (1 to 0xffff)");
	CHECK_ERR("kernel = k\ndebug_exit = 0x0\n",
		  "plinth.cfg:2: 'debug_exit': bad I/O port '0x0' (1 to 0xffff)");
	CHECK_ERR("kernel = k\ndebug_exit = 0x10000\n",
		  "plinth.cfg:2: 'debug_exit': bad I/O port '0x10000' "
		  "(1 to 0xffff)");
	CHECK_ERR("kernel = k\ndebug_exit = on\n",
		  "plinth.cfg:2: 'debug_exit': bad I/O port 'on' (1 to 0xffff)");
	CHECK_ERR("kernel = k\ndebug_exit = -1\n",
		  "plinth.cfg:2: 'debug_exit': bad I/O port '-1' (1 to 0xffff)");
}

/* ---- selftest ---- */

static void selftest_accepts_comma_separated_known_names(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\nselftest = fault\n", &c);
	CHECK(c.selftest == CFG_SELFTEST_FAULT);
	CHECK_OK("kernel = k\nselftest = off\n", &c);
	CHECK(c.selftest == 0);
	CHECK_OK("kernel = k\nselftest = fault,fault\n", &c);
	CHECK(c.selftest == CFG_SELFTEST_FAULT);

	CHECK_ERR("kernel = k\nselftest = fault,\n",
		  "plinth.cfg:2: 'selftest': bad list 'fault,' (names separated "
		  "by commas)");
	CHECK_ERR("kernel = k\nselftest = ,fault\n",
		  "plinth.cfg:2: 'selftest': bad list ',fault' (names separated "
		  "by commas)");
	CHECK_ERR("kernel = k\nselftest = fault,,fault\n",
		  "plinth.cfg:2: 'selftest': bad list 'fault,,fault' (names "
		  "separated by commas)");
	CHECK_ERR("kernel = k\nselftest = ,\n",
		  "plinth.cfg:2: 'selftest': bad list ',' (names separated "
		  "by commas)");
	CHECK_OK("kernel = k\nselftest = disk,fault\n", &c);
	CHECK(c.selftest == (CFG_SELFTEST_DISK | CFG_SELFTEST_FAULT));
	CHECK_OK("kernel = k\nselftest = net,disk\n", &c);
	CHECK(c.selftest == (CFG_SELFTEST_DISK | CFG_SELFTEST_NET));
	CHECK_OK("kernel = k\nselftest = disk,net,guest\n", &c);
	CHECK(c.selftest == (CFG_SELFTEST_DISK | CFG_SELFTEST_NET
			     | CFG_SELFTEST_GUEST));
	/* The net self-test and the management plane would both run lwIP
	 * on the management address while the guest runs. */
	CHECK_OK("kernel = k\nselftest = net,guest\n", &c);
	CHECK_OK("kernel = k\nselftest = net\nmgmt = dhcp\n"
		 "mgmt_token = 0123456789abcdef\n", &c);
	CHECK_OK("kernel = k\nselftest = disk,guest\nmgmt = dhcp\n"
		 "mgmt_token = 0123456789abcdef\n", &c);
	CHECK_ERR("kernel = k\nselftest = net,guest\nmgmt = dhcp\n"
		  "mgmt_token = 0123456789abcdef\n",
		  "plinth.cfg: 'selftest = net,guest' and 'mgmt' both use the "
		  "management address: turn one of them off");
	CHECK_ERR("kernel = k\nselftest = crash\n",
		  "plinth.cfg:2: 'selftest': unknown self-test 'crash' "
		  "(known: fault, disk, net, guest)");
	CHECK_ERR("kernel = k\nselftest = fault,crash\n",
		  "plinth.cfg:2: 'selftest': unknown self-test 'crash' "
		  "(known: fault, disk, net, guest)");
	CHECK_ERR("kernel = k\nselftest = Fault\n",
		  "plinth.cfg:2: 'selftest': unknown self-test 'Fault' "
		  "(known: fault, disk, net, guest)");
}

/* ---- config_parse_size ---- */

static void parse_size_plain_numbers(void)
{
	uint64_t v = 7;

	CHECK(config_parse_size("0", &v) == 0 && v == 0);
	CHECK(config_parse_size("4096", &v) == 0 && v == 4096);
	CHECK(config_parse_size("18446744073709551615", &v) == 0);
	CHECK(v == UINT64_MAX);
}

/* config.c lines 80-81 accept a 'b' after a bare number ("4096B"), but the
 * switch above them returns -1 for any character other than k/m/g/t/NUL,
 * so that branch is unreachable and "4096B" is refused. */
static void parse_size_accepts_bare_byte_suffix_b(void)
{
	uint64_t v = 0;
	struct plinth_config c;

	CHECK(config_parse_size("4096B", &v) == 0);
	CHECK(v == 4096);
	v = 0;
	CHECK(config_parse_size("4096b", &v) == 0);
	CHECK(v == 4096);
	CHECK_OK("kernel = k\nmemory = 67108864B\n", &c);
	CHECK(c.memory == 64ull << 20);
}

static void parse_size_suffixes(void)
{
	uint64_t v = 0;

	CHECK(config_parse_size("1K", &v) == 0 && v == 1024);
	CHECK(config_parse_size("1k", &v) == 0 && v == 1024);
	CHECK(config_parse_size("64KiB", &v) == 0 && v == 65536);
	CHECK(config_parse_size("64kib", &v) == 0 && v == 65536);
	CHECK(config_parse_size("64KB", &v) == 0 && v == 65536);
	CHECK(config_parse_size("512M", &v) == 0 && v == 512ull << 20);
	CHECK(config_parse_size("512MB", &v) == 0 && v == 512ull << 20);
	CHECK(config_parse_size("512mb", &v) == 0 && v == 512ull << 20);
	CHECK(config_parse_size("512MiB", &v) == 0 && v == 512ull << 20);
	CHECK(config_parse_size("1G", &v) == 0 && v == 1ull << 30);
	CHECK(config_parse_size("3g", &v) == 0 && v == 3ull << 30);
	CHECK(config_parse_size("2T", &v) == 0 && v == 2ull << 40);
	CHECK(config_parse_size("2TiB", &v) == 0 && v == 2ull << 40);
	CHECK(config_parse_size("0G", &v) == 0 && v == 0);
	/* The largest value that still fits after the shift. */
	CHECK(config_parse_size("16777215T", &v) == 0);
	CHECK(v == 16777215ull << 40);
	CHECK(config_parse_size("18014398509481983K", &v) == 0);
	CHECK(v == 18014398509481983ull << 10);
}

static void parse_size_rejects_bad_text_and_leaves_output(void)
{
	static const char *const bad[] = {
		"", "M", "K", "12X", "-1", "+1", " 1", "1 ", "1.5G", "0x10",
		"1KiBx", "1Ki", "1i", "1MM", "1Bb", "1KBB", "1iB", "G1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 12345;

		if (config_parse_size(bad[i], &v) != -1)
			printf("#   \"%s\" was accepted\n", bad[i]);
		CHECK(config_parse_size(bad[i], &v) == -1);
		CHECK(v == 12345);
	}
}

static void parse_size_rejects_overflow(void)
{
	uint64_t v = 99;

	CHECK(config_parse_size("18446744073709551616", &v) == -1);
	CHECK(config_parse_size("99999999999999999999", &v) == -1);
	CHECK(config_parse_size("184467440737095516150", &v) == -1);
	CHECK(config_parse_size("18446744073709551615K", &v) == -1);
	CHECK(config_parse_size("16777216T", &v) == -1);
	CHECK(config_parse_size("18014398509481984K", &v) == -1);
	CHECK(config_parse_size("17179869184G", &v) == -1);
	CHECK(v == 99);
}

static void kernel_format_is_auto_unless_flat_is_named(void)
{
	struct plinth_config c;
	char e[256];

	CHECK(parse("kernel = k\n", &c, e, sizeof(e)) == 0);
	CHECK(c.kernel_format == CFG_KERNEL_AUTO);
	CHECK(parse("kernel = k\nkernel_format = flat\n", &c, e,
		    sizeof(e)) == 0);
	CHECK(c.kernel_format == CFG_KERNEL_FLAT);
	CHECK(parse("kernel = k\nkernel_format = auto\n", &c, e,
		    sizeof(e)) == 0);
	CHECK(c.kernel_format == CFG_KERNEL_AUTO);
	CHECK_ERR("kernel = k\nkernel_format = bzimage\n",
		  NAME ":2: 'kernel_format': bad value 'bzimage' (one of: "
		  "auto, flat)");
}

/* ---- the guest's virtio devices ---- */

static void disk_takes_none_a_blank_size_or_an_image_path(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(c.disk == CFG_DISK_NONE && !c.disk_readonly);
	CHECK_OK("kernel = k\ndisk = ram:16M\n", &c);
	CHECK(c.disk == CFG_DISK_RAM_BLANK && c.disk_size == 16ull << 20);
	CHECK_OK("kernel = k\ndisk = ram:/guest/disk.img\n", &c);
	CHECK(c.disk == CFG_DISK_RAM_FILE);
	CHECK_STR(c.disk_path, "/guest/disk.img");
	CHECK_OK("kernel = k\ndisk = ram:disk.img\ndisk_readonly = yes\n",
		 &c);
	CHECK(c.disk == CFG_DISK_RAM_FILE && c.disk_readonly);
	CHECK_OK("kernel = k\ndisk = none\n", &c);
	CHECK(c.disk == CFG_DISK_NONE);
	CHECK_OK("kernel = k\ndisk = ahci:0\n", &c);
	CHECK(c.disk == CFG_DISK_AHCI && c.disk_port == 0);
	CHECK_OK("kernel = k\ndisk = ahci:31\n", &c);
	CHECK(c.disk == CFG_DISK_AHCI && c.disk_port == 31);
	CHECK_ERR("kernel = k\ndisk = ahci:32\n",
		  "plinth.cfg:2: 'disk': bad AHCI port in 'ahci:32' (0 to 31)");
	CHECK_ERR("kernel = k\ndisk = ahci:\n",
		  "plinth.cfg:2: 'disk': bad AHCI port in 'ahci:' (0 to 31)");
	CHECK_ERR("kernel = k\ndisk = ahci:1x\n",
		  "plinth.cfg:2: 'disk': bad AHCI port in 'ahci:1x' (0 to 31)");
	CHECK_ERR("kernel = k\ndisk = sata:0\n",
		  "plinth.cfg:2: 'disk': bad value 'sata:0' (none, ram:SIZE, "
		  "ram:PATH, ahci:PORT or nvme:NSID)");
	CHECK_ERR("kernel = k\ndisk = ram:\n",
		  "plinth.cfg:2: 'disk': bad value 'ram:' (none, ram:SIZE, "
		  "ram:PATH, ahci:PORT or nvme:NSID)");
	CHECK_ERR("kernel = k\ndisk = ram:512K\n",
		  "plinth.cfg:2: 'disk': size 512K out of range (1M to 64G)");
	CHECK_ERR("kernel = k\ndisk = ram:65G\n",
		  "plinth.cfg:2: 'disk': size 65G out of range (1M to 64G)");
	CHECK_ERR("kernel = k\ndisk = ram:a|b\n",
		  "plinth.cfg:2: 'disk': path 'a|b' has a character a FAT "
		  "file name cannot hold");
	CHECK_ERR("kernel = k\ndisk_readonly = true\n",
		  "plinth.cfg:2: 'disk_readonly': bad value 'true' (yes or no)");
}

static void net_mac_is_six_hex_bytes_unicast_not_zero(void)
{
	static const uint8_t def[6] = CFG_DEFAULT_NET_MAC;
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(!memcmp(c.net_mac, def, 6));
	CHECK(!(def[0] & 1) && (def[0] & 2)); /* unicast, local */
	CHECK_OK("kernel = k\nnet_mac = 52:54:00:AB:cd:0f\n", &c);
	CHECK(c.net_mac[0] == 0x52 && c.net_mac[3] == 0xab
	      && c.net_mac[4] == 0xcd && c.net_mac[5] == 0x0f);
	const char *bad[] = { "52:54:00:ab:cd", "52:54:00:ab:cd:0f:11",
			      "52-54-00-ab-cd-0f", "5:54:00:ab:cd:0f",
			      "52:54:00:ab:cd:0g" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[96], want[160];

		snprintf(text, sizeof(text), "kernel = k\nnet_mac = %s\n",
			 bad[i]);
		snprintf(want, sizeof(want), "plinth.cfg:2: 'net_mac': bad MAC "
			 "address '%s' (six hex bytes like 02:50:4c:4e:54:01)",
			 bad[i]);
		CHECK_ERR(text, want);
	}
	CHECK_ERR("kernel = k\nnet_mac = 01:00:5e:00:00:01\n",
		  "plinth.cfg:2: 'net_mac': '01:00:5e:00:00:01' is a multicast "
		  "address");
	CHECK_ERR("kernel = k\nnet_mac = 00:00:00:00:00:00\n",
		  "plinth.cfg:2: 'net_mac': the all-zero address is not usable");
}

/* nvme:NSID on the first controller, or nvme:BB:DD.F/NSID on the one at
 * that address, with the same partitions as AHCI. */
static void nvme_disk_names_a_namespace_and_a_controller(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\ndisk = nvme:1\n", &c);
	CHECK(c.disk == CFG_DISK_NVME && c.disk_nsid == 1 && !c.disk_pci_set
	      && !c.disk_part);
	CHECK_OK("kernel = k\ndisk = nvme:4294967294:p2\n", &c);
	CHECK(c.disk_nsid == 4294967294u && c.disk_part == 2);
	CHECK_OK("kernel = k\ndisk = nvme:0a:1f.7/3:label=data\n", &c);
	CHECK(c.disk_pci_set && c.disk_bus == 0x0a && c.disk_dev == 0x1f
	      && c.disk_fn == 7 && c.disk_nsid == 3);
	CHECK_STR(c.disk_label, "data");
	const char *bad[] = { "nvme:", "nvme:0", "nvme:4294967295",
			      "nvme:99999999999", "nvme:1x", "nvme:00:04.0/",
			      "nvme:00:04.0/0", "nvme:00:04.0:1" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[96], want[200];

		snprintf(text, sizeof(text), "kernel = k\ndisk = %s\n", bad[i]);
		snprintf(want, sizeof(want),
			 "plinth.cfg:2: 'disk': bad NVMe namespace in '%s' "
			 "(nvme:NSID or nvme:BB:DD.F/NSID, NSID from 1)",
			 bad[i]);
		CHECK_ERR(text, want);
	}
	CHECK_ERR("kernel = k\ndisk = nvme:00:20.0/1\n",
		  "plinth.cfg:2: 'disk': bad PCI address in 'nvme:00:20.0/1' "
		  "(BB:DD.F such as 00:04.0)");
	CHECK_ERR("kernel = k\ndisk = nvme:1:p0\n",
		  "plinth.cfg:2: 'disk': bad partition in 'nvme:1:p0' (pN, "
		  "label=NAME or guid=GUID)");
}

static void ahci_disk_takes_a_partition_by_number_label_or_guid(void)
{
	static const uint8_t guid[16] = { 0x33, 0x22, 0x11, 0x00, 0x55, 0x44,
					  0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb,
					  0xcc, 0xdd, 0xee, 0xff };
	struct plinth_config c;

	CHECK_OK("kernel = k\ndisk = ahci:2\n", &c);
	CHECK(c.disk == CFG_DISK_AHCI && c.disk_port == 2 && !c.disk_part
	      && !c.disk_label[0] && !c.disk_guid_set);
	CHECK_OK("kernel = k\ndisk = ahci:2:p3\n", &c);
	CHECK(c.disk_port == 2 && c.disk_part == 3);
	CHECK_OK("kernel = k\ndisk = ahci:0:p128\n", &c);
	CHECK(c.disk_part == 128);
	CHECK_OK("kernel = k\ndisk = ahci:1:label=guest data\n", &c);
	CHECK_STR(c.disk_label, "guest data");
	CHECK(!c.disk_part);
	CHECK_OK("kernel = k\ndisk = ahci:1:guid=00112233-4455-6677-8899-"
		 "AABBCCDDEEFF\n", &c);
	CHECK(c.disk_guid_set && !memcmp(c.disk_guid, guid, 16));
	CHECK_ERR("kernel = k\ndisk = ahci:1:p0\n",
		  "plinth.cfg:2: 'disk': bad partition in 'ahci:1:p0' (pN, "
		  "label=NAME or guid=GUID)");
	CHECK_ERR("kernel = k\ndisk = ahci:1:p129\n",
		  "plinth.cfg:2: 'disk': bad partition number in 'ahci:1:p129' "
		  "(p1 to p128)");
	CHECK_ERR("kernel = k\ndisk = ahci:1:p2x\n",
		  "plinth.cfg:2: 'disk': bad partition number in 'ahci:1:p2x' "
		  "(p1 to p128)");
	CHECK_ERR("kernel = k\ndisk = ahci:1:\n",
		  "plinth.cfg:2: 'disk': bad partition in 'ahci:1:' (pN, "
		  "label=NAME or guid=GUID)");
	CHECK_ERR("kernel = k\ndisk = ahci:1:label=\n",
		  "plinth.cfg:2: 'disk': a partition label is 1 to 36 "
		  "characters");
	CHECK_ERR("kernel = k\ndisk = ahci:1:label="
		  "0123456789012345678901234567890123456\n",
		  "plinth.cfg:2: 'disk': a partition label is 1 to 36 "
		  "characters");
	CHECK_ERR("kernel = k\ndisk = ahci:1:guid=0011\n",
		  "plinth.cfg:2: 'disk': bad partition GUID '0011' "
		  "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
}

static void mgmt_keys_parse_and_default(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(c.mgmt == CFG_MGMT_OFF && c.mgmt_port == 8080
	      && !c.mgmt_token[0] && !c.mgmt_mac_set && !c.mgmt_guest_access);
	CHECK_OK("kernel = k\nmgmt = dhcp\nmgmt_port = 80\n"
		 "mgmt_token = abc-DEF_0123456789~\nmgmt_mac = 02:00:00:00:00:07\n"
		 "mgmt_guest_access = allow\n", &c);
	CHECK(c.mgmt == CFG_MGMT_DHCP && c.mgmt_port == 80);
	CHECK_STR(c.mgmt_token, "abc-DEF_0123456789~");
	CHECK(c.mgmt_mac_set && c.mgmt_mac[5] == 7 && c.mgmt_guest_access);
	CHECK_OK("kernel = k\nmgmt = static 192.168.1.50/24   192.168.1.1\n",
		 &c);
	CHECK(c.mgmt == CFG_MGMT_STATIC && c.mgmt_prefix == 24);
	CHECK(c.mgmt_ip[0] == 192 && c.mgmt_ip[3] == 50 && c.mgmt_gw[3] == 1);
	const char *bad[] = { "static 192.168.1.50 192.168.1.1",
			      "static 192.168.1.50/33 192.168.1.1",
			      "static 192.168.1.50/0 192.168.1.1",
			      "static 192.168.1.256/24 192.168.1.1",
			      "static 192.168.1/24 192.168.1.1",
			      "static 192.168.1.50/24",
			      "static 192.168.1.50/24 192.168.1.1 x",
			      "static 192.168.1.50/24x 192.168.1.1" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], want[256];

		snprintf(text, sizeof(text), "kernel = k\nmgmt = %s\n", bad[i]);
		snprintf(want, sizeof(want), "plinth.cfg:2: 'mgmt': bad static "
			 "address '%s' (static ADDR/PREFIX GATEWAY, such as "
			 "static 192.168.1.50/24 192.168.1.1, prefix 1 to 30)",
			 bad[i]);
		CHECK_ERR(text, want);
	}
	CHECK_ERR("kernel = k\nmgmt = on\n", "plinth.cfg:2: 'mgmt': bad value "
		  "'on' (off, dhcp, or static ADDR/PREFIX GATEWAY)");
	CHECK_ERR("kernel = k\nmgmt_port = 0\n", "plinth.cfg:2: 'mgmt_port': "
		  "bad TCP port '0' (1 to 65535)");
	CHECK_ERR("kernel = k\nmgmt_port = 65536\n", "plinth.cfg:2: "
		  "'mgmt_port': bad TCP port '65536' (1 to 65535)");
	CHECK_ERR("kernel = k\nmgmt_token = a b\n", "plinth.cfg:2: "
		  "'mgmt_token': only printable characters without spaces");
	CHECK_ERR("kernel = k\nmgmt_guest_access = yes\n", "plinth.cfg:2: "
		  "'mgmt_guest_access': bad value 'yes' (allow or deny)");
	CHECK_ERR("kernel = k\nmgmt_mac = ff:ff:ff:ff:ff:ff\n", "plinth.cfg:2:"
		  " 'mgmt_mac': 'ff:ff:ff:ff:ff:ff' is a multicast address");
	/* A short token parses: the plane stays off at start with a message
	 * instead of stopping the boot. */
	CHECK_OK("kernel = k\nmgmt = dhcp\nmgmt_token = short\n", &c);
	CHECK_STR(c.mgmt_token, "short");
}

static void nic_is_auto_none_or_a_pci_address(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(c.nic == CFG_NIC_AUTO);
	CHECK_OK("kernel = k\nnic = none\n", &c);
	CHECK(c.nic == CFG_NIC_NONE);
	CHECK_OK("kernel = k\nnic = auto\n", &c);
	CHECK(c.nic == CFG_NIC_AUTO);
	CHECK_OK("kernel = k\nnic = 0a:1F.7\n", &c);
	CHECK(c.nic == CFG_NIC_PCI && c.nic_bus == 0x0a && c.nic_dev == 0x1f
	      && c.nic_fn == 7);
	const char *bad[] = { "00:02", "00:02.0.1", "0:02.0", "00:20.0",
			      "00:02.8", "00-02.0", "zz:02.0", "00:02:0",
			      "e1000" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[96], want[160];

		snprintf(text, sizeof(text), "kernel = k\nnic = %s\n", bad[i]);
		snprintf(want, sizeof(want), "plinth.cfg:2: 'nic': bad value "
			 "'%s' (auto, none, or a PCI address BB:DD.F such as "
			 "00:02.0)", bad[i]);
		CHECK_ERR(text, want);
	}
}

static void virtio_ring_is_packed_unless_split_is_named(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\n", &c);
	CHECK(!c.virtio_split);
	CHECK_OK("kernel = k\nvirtio_ring = split\n", &c);
	CHECK(c.virtio_split);
	CHECK_OK("kernel = k\nvirtio_ring = packed\n", &c);
	CHECK(!c.virtio_split);
	CHECK_ERR("kernel = k\nvirtio_ring = legacy\n",
		  "plinth.cfg:2: 'virtio_ring': bad value 'legacy' (packed or "
		  "split)");
}

/* The number parser holds any bound, small ones included: a digit above
 * the bound is refused, not wrapped around it. */
static void parse_uint_holds_small_bounds(void)
{
	uint64_t v = 99;

	CHECK(cfg_parse_uint("5", 3, &v) == -1);
	CHECK(cfg_parse_uint("0xf", 9, &v) == -1);
	CHECK(cfg_parse_uint("3", 3, &v) == 0 && v == 3);
	CHECK(cfg_parse_uint("10", 9, &v) == -1);
	CHECK(cfg_parse_uint("18446744073709551615", UINT64_MAX, &v) == 0
	      && v == UINT64_MAX);
	CHECK(cfg_parse_uint("18446744073709551616", UINT64_MAX, &v) == -1);
}

int main(void)
{
	RUN(parse_uint_holds_small_bounds);
	RUN(kernel_format_is_auto_unless_flat_is_named);
	RUN(disk_takes_none_a_blank_size_or_an_image_path);
	RUN(net_mac_is_six_hex_bytes_unicast_not_zero);
	RUN(virtio_ring_is_packed_unless_split_is_named);
	RUN(nic_is_auto_none_or_a_pci_address);
	RUN(mgmt_keys_parse_and_default);
	RUN(nvme_disk_names_a_namespace_and_a_controller);
	RUN(ahci_disk_takes_a_partition_by_number_label_or_guid);
	RUN(bad_size_values_are_rejected);
	RUN(size_out_of_range_is_rejected);
	RUN(size_not_multiple_of_4k_is_rejected);
	RUN(size_suffixes_k_m_g_t_and_spellings);
	RUN(on_guest_exit_accepts_poweroff_reboot_restart_only);
	RUN(io_core_is_auto_off_or_a_cpu_number);
	RUN(cpus_is_auto_or_a_count);
	RUN(console_is_both_serial_or_screen);
	RUN(on_fault_accepts_halt_poweroff_reboot_only);
	RUN(config_action_name_names_each_action);
	RUN(serial_accepts_off_com1_to_com4_and_ports);
	RUN(debug_exit_accepts_off_and_ports_1_to_ffff);
	RUN(selftest_accepts_comma_separated_known_names);
	RUN(parse_size_plain_numbers);
	RUN(parse_size_accepts_bare_byte_suffix_b);
	RUN(parse_size_suffixes);
	RUN(parse_size_rejects_bad_text_and_leaves_output);
	RUN(parse_size_rejects_overflow);
	return CHECK_DONE();
}
