/* The guest's console in Plinth's log (hv/base/log.c, log_guest): what a
 * guest prints can neither pass for one of Plinth's lines nor reach the
 * operator's terminal as a control sequence. */
#include "tests/support/check.h"

#include "hv/base/clock.h"
#include "hv/base/log.h"

static char seen[4096];
static size_t nseen;

static void cap_write(const char *buf, size_t len)
{
	if (nseen + len < sizeof(seen)) {
		memcpy(seen + nseen, buf, len);
		nseen += len;
		seen[nseen] = 0;
	}
}

static int cap_getc(void)
{
	return -1;
}

static void cap_drain(void)
{
}

static const struct log_console cap = { cap_write, cap_getc, cap_drain };

uint64_t clock_ns(void)
{
	return 1500000; /* 1.5 ms: "[    0.001500] " */
}

static void fresh(int raw)
{
	log_init(&cap);
	log_guest_raw(raw);
	nseen = 0;
	seen[0] = 0;
	/* A line of Plinth's ends any guest line left from before. */
	log_write("", 0);
}

static void guest(const char *s)
{
	log_guest(s, strlen(s));
}

static void each_guest_line_is_marked(void)
{
	fresh(0);
	guest("one\r\ntwo\r\n");
	CHECK_STR(seen, "guest| one\nguest| two\n");
}

static void a_forged_plinth_line_stays_the_guests(void)
{
	fresh(0);
	guest("[    0.000001] plinth: all is well\n");
	log_msg("virtio: vda: request 3 failed");
	CHECK_STR(seen, "guest| [    0.000001] plinth: all is well\n"
			"[    0.001500] virtio: vda: request 3 failed\n");
}

static void control_characters_are_shown_not_sent(void)
{
	fresh(0);
	/* A title change (OSC 0 ... BEL), a colour, a cursor move that
	 * would overwrite the line, a backspace and DEL. */
	guest("\033]0;owned\007\033[31mred\033[2K\rx\b\x7f\tend\n");
	CHECK_STR(seen, "guest| ^[]0;owned^G^[[31mred^[[2Kx^H^?\tend\n");
	/* UTF-8 passes (systemd's bullets): only C0 and DEL are controls. */
	nseen = 0;
	guest("\xe2\x97\x8f ok\n");
	CHECK_STR(seen, "guest| \xe2\x97\x8f ok\n");
}

static void plinths_line_mid_guest_line_starts_a_new_one(void)
{
	fresh(0);
	guest("/ # ");
	log_msg("net: link up");
	guest("ls\n");
	CHECK_STR(seen, "guest| / # \n[    0.001500] net: link up\n"
			"guest| ls\n");
}

static void raw_mode_passes_bytes_unchanged(void)
{
	fresh(1);
	guest("\033[31mred\r\n");
	CHECK_STR(seen, "\033[31mred\r\n");
}

int main(void)
{
	RUN(each_guest_line_is_marked);
	RUN(a_forged_plinth_line_stays_the_guests);
	RUN(control_characters_are_shown_not_sent);
	RUN(plinths_line_mid_guest_line_starts_a_new_one);
	RUN(raw_mode_passes_bytes_unchanged);
	return CHECK_DONE();
}
