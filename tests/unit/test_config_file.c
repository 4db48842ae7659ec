/* Host tests for the plinth.cfg parser (hv/config/): the file as a whole:
 * valid files, malformed lines, the required key and the file's size,
 * paths, and the error buffer.  parse(), CHECK_OK and CHECK_ERR are in
 * tests/support/config_fixture.h. */
#include "tests/support/check.h"
#include "tests/support/config_fixture.h"

#include "hv/config/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- valid files ---- */

static void full_file_sets_every_field(void)
{
	struct plinth_config c;
	const char *text = "kernel = \\EFI\\plinth\\vmlinuz\n"
			   "initrd = \\EFI\\plinth\\initrd.img\n"
			   "cmdline = console=ttyS0 root=/dev/vda1 quiet\n"
			   "memory = 1G\n"
			   "hv_memory = 128M\n"
			   "on_guest_exit = restart\n"
			   "on_fault = reboot\n"
			   "serial = com2\n"
			   "debug_exit = 0xf4\n"
			   "selftest = fault\n";

	CHECK_OK(text, &c);
	CHECK_STR(c.kernel, "\\EFI\\plinth\\vmlinuz");
	CHECK_STR(c.initrd, "\\EFI\\plinth\\initrd.img");
	CHECK_STR(c.cmdline, "console=ttyS0 root=/dev/vda1 quiet");
	CHECK(c.memory == 1073741824ull);
	CHECK(c.hv_memory == 134217728ull);
	CHECK(c.on_guest_exit == CFG_ACT_RESTART);
	CHECK(c.on_fault == CFG_ACT_REBOOT);
	CHECK(c.serial_port == 0x2f8);
	CHECK(c.debug_exit_port == 0xf4);
	CHECK(c.selftest == CFG_SELFTEST_FAULT);
}

static void config_defaults_sets_documented_values(void)
{
	struct plinth_config c;

	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	CHECK_STR(c.kernel, "");
	CHECK_STR(c.initrd, "");
	CHECK_STR(c.cmdline, "");
	CHECK(c.memory == 256ull << 20);
	CHECK(c.hv_memory == 64ull << 20);
	CHECK(c.on_guest_exit == CFG_ACT_POWEROFF);
	CHECK(c.on_fault == CFG_ACT_HALT);
	CHECK(c.serial_port == 0x3f8);
	CHECK(c.debug_exit_port == 0);
	CHECK(c.selftest == 0);
	CHECK(c.guest_slice_us == 10000);
}

static void absent_keys_take_defaults(void)
{
	struct plinth_config c;

	memset(&c, 0xa5, sizeof(c));
	CHECK_OK("kernel = vmlinuz\n", &c);
	CHECK_STR(c.kernel, "vmlinuz");
	CHECK_STR(c.initrd, "");
	CHECK_STR(c.cmdline, "");
	CHECK(c.memory == CFG_DEFAULT_MEMORY);
	CHECK(c.memory == 268435456ull);
	CHECK(c.hv_memory == CFG_DEFAULT_HV_MEMORY);
	CHECK(c.hv_memory == 67108864ull);
	CHECK(c.on_guest_exit == CFG_ACT_POWEROFF);
	CHECK(c.on_fault == CFG_ACT_HALT);
	CHECK(c.serial_port == 0x3f8);
	CHECK(c.debug_exit_port == 0);
	CHECK(c.selftest == 0);
}

static void comments_and_blank_lines_are_ignored(void)
{
	struct plinth_config c;

	CHECK_OK("# plinth configuration\n"
		 "\n"
		 "   # indented comment = with an equals sign\n"
		 "\t#tab-indented comment\n"
		 "   \t  \n"
		 "kernel = vmlinuz\n"
		 "#memory = 1G\n"
		 "\n",
		 &c);
	CHECK_STR(c.kernel, "vmlinuz");
	CHECK(c.memory == CFG_DEFAULT_MEMORY);
}

static void comment_lines_count_toward_line_numbers(void)
{
	CHECK_ERR("# one\n\n# three\nkernel = k\nbogus = 1\n",
		  "plinth.cfg:5: unknown key 'bogus'");
}

static void crlf_line_endings_are_accepted(void)
{
	struct plinth_config c;

	CHECK_OK("# comment\r\n"
		 "\r\n"
		 "kernel = vmlinuz\r\n"
		 "cmdline = console=ttyS0\r\n"
		 "memory = 512M\r\n"
		 "on_fault = poweroff\r\n",
		 &c);
	CHECK_STR(c.kernel, "vmlinuz");
	CHECK_STR(c.cmdline, "console=ttyS0");
	CHECK(c.memory == 512ull << 20);
	CHECK(c.on_fault == CFG_ACT_POWEROFF);
	/* Line numbers still count CRLF lines. */
	CHECK_ERR("kernel = k\r\n\r\nbogus = 1\r\n",
		  "plinth.cfg:3: unknown key 'bogus'");
}

static void utf8_bom_at_start_is_skipped(void)
{
	struct plinth_config c;

	CHECK_OK("\xef\xbb\xbfkernel = vmlinuz\nmemory = 64M\n", &c);
	CHECK_STR(c.kernel, "vmlinuz");
	CHECK(c.memory == 64ull << 20);
	/* A BOM that is not first is part of the key, which is then bad. */
	CHECK_ERR("kernel = k\n\xef\xbb\xbfmemory = 64M\n",
		  "plinth.cfg:2: bad key '\xef\xbb\xbfmemory' (lower-case "
		  "letters, digits and '_')");
	/* A file that is only a BOM is empty: the kernel is missing. */
	CHECK_ERR("\xef\xbb\xbf", "plinth.cfg: missing required key 'kernel'");
}

static void whitespace_around_key_and_value_is_trimmed(void)
{
	struct plinth_config c;

	CHECK_OK("   kernel\t=\t  my kernel.efi \t \n"
		 "\tcmdline=  a  b  \n"
		 "memory=64M\n"
		 "  on_guest_exit   =   reboot   \n",
		 &c);
	CHECK_STR(c.kernel, "my kernel.efi");
	CHECK_STR(c.cmdline, "a  b");
	CHECK(c.memory == 64ull << 20);
	CHECK(c.on_guest_exit == CFG_ACT_REBOOT);
}

static void hash_inside_cmdline_value_is_kept(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\ncmdline = console=ttyS0 # not a comment\n", &c);
	CHECK_STR(c.cmdline, "console=ttyS0 # not a comment");
	CHECK_OK("kernel = k\ncmdline = #all\n", &c);
	CHECK_STR(c.cmdline, "#all");
}

static void equals_sign_inside_value_is_kept(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\ncmdline = root=/dev/vda1 init=/sbin/init\n", &c);
	CHECK_STR(c.cmdline, "root=/dev/vda1 init=/sbin/init");
	CHECK_OK("kernel = k\ncmdline===\n", &c);
	CHECK_STR(c.cmdline, "==");
}

static void empty_cmdline_is_allowed(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\ncmdline =\n", &c);
	CHECK_STR(c.cmdline, "");
	CHECK_OK("kernel = k\ncmdline =   \t \n", &c);
	CHECK_STR(c.cmdline, "");
}

static void last_line_without_newline_is_parsed(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\nmemory = 2G", &c);
	CHECK(c.memory == 2ull << 30);
	CHECK_ERR("kernel = k\nbogus = 1", "plinth.cfg:2: unknown key 'bogus'");
}

static void success_leaves_empty_error_string(void)
{
	struct plinth_config c;
	char err[64];

	memset(err, 'X', sizeof(err));
	CHECK(parse("kernel = k\n", &c, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
}

/* ---- malformed lines ---- */

static void unknown_key_names_file_line_and_key(void)
{
	CHECK_ERR("kernel = k\nbogus = 1\n", "plinth.cfg:2: unknown key 'bogus'");
	CHECK_ERR("kernal = k\n", "plinth.cfg:1: unknown key 'kernal'");
	struct plinth_config c;
	char err[128];

	CHECK(config_parse("x = 1\n", 6, "\\EFI\\plinth\\plinth.cfg", &c, err,
			   sizeof(err)) == -1);
	CHECK_STR(err, "\\EFI\\plinth\\plinth.cfg:1: unknown key 'x'");
}

static void line_without_equals_is_rejected(void)
{
	CHECK_ERR("kernel vmlinuz\n", "plinth.cfg:1: expected 'key = value'");
	CHECK_ERR("kernel = k\n\nmemory\n",
		  "plinth.cfg:3: expected 'key = value'");
}

static void equals_without_key_is_rejected(void)
{
	CHECK_ERR("= vmlinuz\n",
		  "plinth.cfg:1: expected 'key = value' (no key before '=')");
	CHECK_ERR("kernel = k\n  \t= 1\n",
		  "plinth.cfg:2: expected 'key = value' (no key before '=')");
}

static void key_with_bad_characters_is_rejected(void)
{
	CHECK_ERR("Kernel = k\n", "plinth.cfg:1: bad key 'Kernel' (lower-case "
				  "letters, digits and '_')");
	CHECK_ERR("KERNEL = k\n", "plinth.cfg:1: bad key 'KERNEL' (lower-case "
				  "letters, digits and '_')");
	CHECK_ERR("hv-memory = 64M\n", "plinth.cfg:1: bad key 'hv-memory' "
				       "(lower-case letters, digits and '_')");
	CHECK_ERR("my kernel = k\n", "plinth.cfg:1: bad key 'my kernel' "
				     "(lower-case letters, digits and '_')");
	/* Allowed characters that still do not name a key. */
	CHECK_ERR("kernel_2 = k\n", "plinth.cfg:1: unknown key 'kernel_2'");
}

static void duplicate_key_names_first_line(void)
{
	CHECK_ERR("kernel = a\n# c\nmemory = 64M\nkernel = b\n",
		  "plinth.cfg:4: duplicate key 'kernel' (first set on line 1)");
	CHECK_ERR("kernel = a\ncmdline = x\n\ncmdline = x\n",
		  "plinth.cfg:4: duplicate key 'cmdline' (first set on line 2)");
	/* Even when the second value is empty. */
	CHECK_ERR("kernel = a\nmemory = 64M\nmemory =\n",
		  "plinth.cfg:3: duplicate key 'memory' (first set on line 2)");
}

static void line_of_1025_chars_rejected_1024_accepted(void)
{
	struct plinth_config c;
	/* "cmdline=" is 8 characters. */
	char *v1016 = repeat('a', 1016), *v1017 = repeat('a', 1017);
	char *text = malloc(2048);

	sprintf(text, "kernel = k\ncmdline=%s\n", v1016);
	CHECK(strlen(text) == 11 + 1024 + 1);
	CHECK_OK(text, &c);
	CHECK(strlen(c.cmdline) == 1016);
	CHECK_STR(c.cmdline, v1016);

	/* The CR of a CRLF does not count toward the limit. */
	sprintf(text, "kernel = k\ncmdline=%s\r\n", v1016);
	CHECK_OK(text, &c);
	CHECK_STR(c.cmdline, v1016);

	sprintf(text, "kernel = k\ncmdline=%s\n", v1017);
	CHECK_ERR(text, "plinth.cfg:2: line longer than 1024 characters");
	sprintf(text, "kernel = k\ncmdline=%s\r\n", v1017);
	CHECK_ERR(text, "plinth.cfg:2: line longer than 1024 characters");
	/* Also for a comment line, and without a final newline. */
	sprintf(text, "#%s%s", v1016, "xxxxxxxx");
	CHECK(strlen(text) == 1025);
	CHECK_ERR(text, "plinth.cfg:1: line longer than 1024 characters");

	free(v1016);
	free(v1017);
	free(text);
}

static void nul_byte_is_rejected_with_its_line(void)
{
	static const char text[] = "kernel = k\ninitrd = a\0b\nmemory = 64M\n";
	struct plinth_config c;
	char err[128];

	CHECK(config_parse(text, sizeof(text) - 1, NAME, &c, err,
			   sizeof(err)) == -1);
	CHECK_STR(err, "plinth.cfg:2: NUL byte in line");

	static const char in_comment[] = "# a\0\nkernel = k\n";

	CHECK(config_parse(in_comment, sizeof(in_comment) - 1, NAME, &c, err,
			   sizeof(err)) == -1);
	CHECK_STR(err, "plinth.cfg:1: NUL byte in line");
}

static void control_character_is_rejected(void)
{
	CHECK_ERR("kernel = k\ncmdline = a\x01" "b\n",
		  "plinth.cfg:2: control character in line");
	CHECK_ERR("kernel = k\x1b[0m\n",
		  "plinth.cfg:1: control character in line");
	/* A lone CR inside a line is not a line ending. */
	CHECK_ERR("kernel = k\rmemory = 64M\n",
		  "plinth.cfg:1: control character in line");
	/* Tab is whitespace, not a control character. */
	struct plinth_config c;

	CHECK_OK("kernel = k\ncmdline = a\tb\n", &c);
	CHECK_STR(c.cmdline, "a\tb");
}

static void missing_value_is_rejected_for_every_key_but_cmdline(void)
{
	static const char *const keys[] = {
		"kernel", "initrd", "memory", "hv_memory", "on_guest_exit",
		"on_fault", "serial", "debug_exit", "selftest", "nic",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char text[64], want[96];

		snprintf(text, sizeof(text), "%s =  \n", keys[i]);
		snprintf(want, sizeof(want), "plinth.cfg:1: '%s': missing value",
			 keys[i]);
		CHECK_ERR(text, want);
	}
	CHECK_ERR("kernel = k\nmemory=\n", "plinth.cfg:2: 'memory': missing value");
}

static void guest_slice_takes_microseconds_or_milliseconds(void)
{
	struct plinth_config c;

	CHECK_OK("kernel = k\nguest_slice = 30us\n", &c);
	CHECK(c.guest_slice_us == 30);
	CHECK_OK("kernel = k\nguest_slice = 100ms\n", &c);
	CHECK(c.guest_slice_us == 100000);
	CHECK_OK("kernel = k\nguest_slice = 10us\n", &c);
	CHECK(c.guest_slice_us == 10);
	CHECK_ERR("kernel = k\nguest_slice = 9us\n",
		  "plinth.cfg:2: 'guest_slice': 9us out of range (10us to "
		  "100ms)");
	CHECK_ERR("kernel = k\nguest_slice = 101ms\n",
		  "plinth.cfg:2: 'guest_slice': 101ms out of range (10us to "
		  "100ms)");
	CHECK_ERR("kernel = k\nguest_slice = 99999999999999999999999ms\n",
		  "plinth.cfg:2: 'guest_slice': 99999999999999999999999ms out "
		  "of range (10us to 100ms)");
	CHECK_ERR("kernel = k\nguest_slice = 10\n",
		  "plinth.cfg:2: 'guest_slice': bad duration '10' (a number and "
		  "us or ms, such as 10ms)");
	CHECK_ERR("kernel = k\nguest_slice = 1s\n",
		  "plinth.cfg:2: 'guest_slice': bad duration '1s' (a number and "
		  "us or ms, such as 10ms)");
}

static void first_error_ends_the_parse(void)
{
	CHECK_ERR("kernel = k\nmemory = lots\nbogus = 1\n",
		  "plinth.cfg:2: 'memory': bad size 'lots' (a number with an "
		  "optional K, M, G or T suffix)");
}

/* ---- required key, file size ---- */

static void missing_kernel_is_reported_without_line_number(void)
{
	CHECK_ERR("initrd = i\nmemory = 64M\n",
		  "plinth.cfg: missing required key 'kernel'");
	CHECK_ERR("", "plinth.cfg: missing required key 'kernel'");
	CHECK_ERR("# only a comment\n\n",
		  "plinth.cfg: missing required key 'kernel'");
}

static void file_larger_than_64k_is_rejected(void)
{
	struct plinth_config c;
	char err[128];
	char *text = malloc(CFG_FILE_MAX + 2);
	static const char head[] = "kernel = k\nmemory = 64M\n";

	CHECK(CFG_FILE_MAX == 65536);
	memcpy(text, head, sizeof(head) - 1);
	memset(text + sizeof(head) - 1, '\n',
	       CFG_FILE_MAX + 1 - (sizeof(head) - 1));
	text[CFG_FILE_MAX + 1] = '\0';

	/* Exactly 64 KiB is fine. */
	memset(err, 'X', sizeof(err));
	CHECK(config_parse(text, CFG_FILE_MAX, NAME, &c, err, sizeof(err)) == 0);
	CHECK_STR(err, "");
	CHECK_STR(c.kernel, "k");
	CHECK(c.memory == 64ull << 20);

	CHECK(config_parse(text, CFG_FILE_MAX + 1, NAME, &c, err,
			   sizeof(err)) == -1);
	CHECK_STR(err, "plinth.cfg: file larger than 64 KiB");
	free(text);
}

/* ---- paths ---- */

static void path_with_forbidden_character_is_rejected(void)
{
	static const char bad[] = "\"*?<>|:";
	struct plinth_config c;

	for (size_t i = 0; bad[i]; i++) {
		char text[64], want[160];

		snprintf(text, sizeof(text), "kernel = a%cb\n", bad[i]);
		snprintf(want, sizeof(want),
			 "plinth.cfg:1: 'kernel': path 'a%cb' has a character a "
			 "FAT file name cannot hold",
			 bad[i]);
		CHECK_ERR(text, want);
		snprintf(text, sizeof(text), "kernel = k\ninitrd = %cb\n",
			 bad[i]);
		snprintf(want, sizeof(want),
			 "plinth.cfg:2: 'initrd': path '%cb' has a character a "
			 "FAT file name cannot hold",
			 bad[i]);
		CHECK_ERR(text, want);
	}
	CHECK_ERR("kernel = fs0:\\vmlinuz\n",
		  "plinth.cfg:1: 'kernel': path 'fs0:\\vmlinuz' has a character "
		  "a FAT file name cannot hold");
	/* Bytes outside printable ASCII. */
	CHECK_ERR("kernel = k\xc3\xa9rnel\n",
		  "plinth.cfg:1: 'kernel': path 'k\xc3\xa9rnel' has a character "
		  "a FAT file name cannot hold");
	CHECK_ERR("kernel = k\x7f\n",
		  "plinth.cfg:1: 'kernel': path 'k\x7f' has a character "
		  "a FAT file name cannot hold");
	/* Separators, dots and inner spaces are fine. */
	CHECK_OK("kernel = \\EFI\\a b/c.d-e_f~1\n", &c);
	CHECK_STR(c.kernel, "\\EFI\\a b/c.d-e_f~1");
}

static void path_of_256_chars_rejected_255_accepted(void)
{
	struct plinth_config c;
	char *p255 = repeat('p', 255), *p256 = repeat('p', 256);
	char text[600];

	snprintf(text, sizeof(text), "kernel = %s\ninitrd = %s\n", p255, p255);
	CHECK_OK(text, &c);
	CHECK(strlen(c.kernel) == 255);
	CHECK_STR(c.kernel, p255);
	CHECK_STR(c.initrd, p255);

	snprintf(text, sizeof(text), "kernel = %s\n", p256);
	CHECK_ERR(text,
		  "plinth.cfg:1: 'kernel': path longer than 255 characters");
	snprintf(text, sizeof(text), "kernel = k\ninitrd = %s\n", p256);
	CHECK_ERR(text,
		  "plinth.cfg:2: 'initrd': path longer than 255 characters");
	free(p255);
	free(p256);
}

/* fail() in config.c (line 26) formats the message into a 192-byte local
 * buffer before adding "NAME:LINE: ", so a legal-length path (up to 255
 * characters) or a long value cuts the message off: the reason, and here
 * even the offending character, never reach the caller's larger buffer. */
static void long_bad_path_error_keeps_whole_message(void)
{
	char *p = repeat('p', 200), *text = malloc(512), *want = malloc(512);

	p[199] = ':';
	sprintf(text, "kernel = %s\n", p);
	sprintf(want, "plinth.cfg:1: 'kernel': path '%s' has a character a "
		      "FAT file name cannot hold", p);
	CHECK_ERR(text, want);

	memset(p, '1', 150);
	p[150] = 'X';
	p[151] = '\0';
	sprintf(text, "kernel = k\nmemory = %s\n", p);
	sprintf(want, "plinth.cfg:2: 'memory': bad size '%s' (a number with "
		      "an optional K, M, G or T suffix)", p);
	CHECK_ERR(text, want);
	free(p);
	free(text);
	free(want);
}

/* ---- error buffer ---- */

static void small_error_buffer_is_truncated_and_terminated(void)
{
	struct plinth_config c;
	char err[64];

	memset(err, 'X', sizeof(err));
	CHECK(parse("bogus = 1\n", &c, err, 8) == -1);
	CHECK_STR(err, "plinth.");
	CHECK(err[8] == 'X');

	memset(err, 'X', sizeof(err));
	CHECK(parse("", &c, err, 8) == -1);
	CHECK_STR(err, "plinth.");
	CHECK(err[8] == 'X');

	memset(err, 'X', sizeof(err));
	CHECK(parse("bogus = 1\n", &c, err, 1) == -1);
	CHECK(err[0] == '\0');
	CHECK(err[1] == 'X');

	/* One byte short of the full message. */
	memset(err, 'X', sizeof(err));
	CHECK(parse("bogus = 1\n", &c, err, 33) == -1);
	CHECK_STR(err, "plinth.cfg:1: unknown key 'bogus");
	CHECK(err[33] == 'X');
	memset(err, 'X', sizeof(err));
	CHECK(parse("bogus = 1\n", &c, err, 34) == -1);
	CHECK_STR(err, "plinth.cfg:1: unknown key 'bogus'");
	CHECK(err[34] == 'X');
}

static void zero_errlen_writes_nothing(void)
{
	struct plinth_config c;
	char err[32], untouched[32];

	memset(err, 'X', sizeof(err));
	memset(untouched, 'X', sizeof(untouched));
	CHECK(parse("bogus = 1\n", &c, err, 0) == -1);
	CHECK(memcmp(err, untouched, sizeof(err)) == 0);
	CHECK(parse("kernel = k\n", &c, err, 0) == 0);
	CHECK(memcmp(err, untouched, sizeof(err)) == 0);
	CHECK(parse("", &c, err, 0) == -1);
	CHECK(memcmp(err, untouched, sizeof(err)) == 0);
	/* With no room at all, a NULL buffer is never touched. */
	CHECK(parse("bogus = 1\n", &c, NULL, 0) == -1);
}

int main(void)
{
	RUN(full_file_sets_every_field);
	RUN(config_defaults_sets_documented_values);
	RUN(absent_keys_take_defaults);
	RUN(comments_and_blank_lines_are_ignored);
	RUN(comment_lines_count_toward_line_numbers);
	RUN(crlf_line_endings_are_accepted);
	RUN(utf8_bom_at_start_is_skipped);
	RUN(whitespace_around_key_and_value_is_trimmed);
	RUN(hash_inside_cmdline_value_is_kept);
	RUN(equals_sign_inside_value_is_kept);
	RUN(empty_cmdline_is_allowed);
	RUN(last_line_without_newline_is_parsed);
	RUN(success_leaves_empty_error_string);
	RUN(unknown_key_names_file_line_and_key);
	RUN(line_without_equals_is_rejected);
	RUN(equals_without_key_is_rejected);
	RUN(key_with_bad_characters_is_rejected);
	RUN(duplicate_key_names_first_line);
	RUN(line_of_1025_chars_rejected_1024_accepted);
	RUN(nul_byte_is_rejected_with_its_line);
	RUN(control_character_is_rejected);
	RUN(missing_value_is_rejected_for_every_key_but_cmdline);
	RUN(first_error_ends_the_parse);
	RUN(guest_slice_takes_microseconds_or_milliseconds);
	RUN(missing_kernel_is_reported_without_line_number);
	RUN(file_larger_than_64k_is_rejected);
	RUN(path_with_forbidden_character_is_rejected);
	RUN(path_of_256_chars_rejected_255_accepted);
	RUN(long_bad_path_error_keeps_whole_message);
	RUN(small_error_buffer_is_truncated_and_terminated);
	RUN(zero_errlen_writes_nothing);
	return CHECK_DONE();
}
