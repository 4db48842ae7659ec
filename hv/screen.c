/* The screen console's start (see screen.h). */
#include "hv/screen.h"

#include "arch/x86/paging.h"
#include "arch/x86/tsc.h"
#include "drivers/fbcon.h"
#include "hv/base/log.h"
#include "hv/base/pool.h"

static struct fbcon *con;

static void mirror_write(void *ctx, const char *buf, size_t len)
{
	fbcon_write(ctx, buf, len);
}

static void mirror_status(void *ctx, const char *text)
{
	fbcon_status(ctx, text);
}

static const struct log_mirror mirror = { mirror_write, mirror_status, NULL };

static const char *const console_names[] = { "both", "serial", "screen" };

void screen_start(const struct boot_info *bi)
{
	const struct boot_fb *fb = &bi->fb;
	static struct log_mirror m;

	if (bi->cfg.console == CFG_CONSOLE_SERIAL) {
		log_msg("screen: not used (console = serial)");
		return;
	}
	if (!fb->base) {
		log_msg("screen: none from the firmware; the console is the "
			"serial port only");
		return;
	}
	con = pool_pages((sizeof(*con) + 4095) / 4096, 1);
	if (!con || paging_map_wc(fb->base, fb->size)
	    || fbcon_init(con, (uint32_t *)fb->base, fb->width, fb->height,
			  fb->stride, fb->red, fb->green, fb->blue)) {
		log_msg("screen: %ux%u cannot be used; the console is the "
			"serial port only",
			fb->width, fb->height);
		con = NULL;
		return;
	}
	/* What boot/ printed is the screen's first lines again. */
	fbcon_write(con, bi->boot_log, bi->boot_log_len);
	m = mirror;
	m.ctx = con;
	log_set_mirror(&m);
	log_msg("screen: %ux%u, %u columns and %u rows of text (console = %s)",
		fb->width, fb->height, con->cols, con->rows,
		console_names[bi->cfg.console]);
	if (bi->cfg.console == CFG_CONSOLE_SCREEN) {
		log_msg("screen: the serial port is left alone from here on");
		log_init(NULL);
	}
}

void screen_print_stats(void)
{
	const struct fbcon_stats *s;

	if (!con)
		return;
	s = &con->st;
	log_msg("screen: %lu lines, %lu jumps, %lu us drawing in all (%lu "
		"ns a line)",
		(unsigned long)s->lines, (unsigned long)s->jumps,
		(unsigned long)(s->draw_ticks * 1000000 / tsc_hz()),
		(unsigned long)(s->lines ? s->draw_ticks * 1000000000ull
						   / tsc_hz() / s->lines
					 : 0));
}
