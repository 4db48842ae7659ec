/* Host tests for drivers/fbcon.c, the screen console, on a framebuffer in
 * memory: what is drawn is the font's glyphs, only printable bytes reach
 * the cells, the screen jumps half a page at the bottom, the status row
 * is drawn inverted, and a screen too small is refused. */
#include "tests/support/check.h"

#include "drivers/fbcon.h"
#include "drivers/font.h"

#define W 160 /* 20 columns */
#define H 80  /* 5 rows: 4 of text and the status row */
#define STRIDE 176

static uint32_t fb[STRIDE * H];
static struct fbcon con;

/* BGR as most firmware sets it: blue in the low byte. */
static void fresh(void)
{
	memset(fb, 0x55, sizeof(fb));
	CHECK(fbcon_init(&con, fb, W, H, STRIDE, 0xff0000, 0xff00, 0xff) == 0);
}

/* Whether cell (row, col) shows glyph `ch`, lit on background or
 * inverted. */
static int shows(unsigned row, unsigned col, char ch, int inverted)
{
	unsigned g = (uint8_t)ch >= FONT_FIRST && (uint8_t)ch <= FONT_LAST
			     ? (uint8_t)ch - FONT_FIRST
			     : FONT_GLYPHS - 1;

	for (unsigned y = 0; y < FONT_H; y++)
		for (unsigned x = 0; x < FONT_W; x++) {
			uint32_t p = fb[(row * FONT_H + y) * STRIDE + col * FONT_W
					+ x];
			int lit = (font_glyph[g][y] & (0x80 >> x)) != 0;

			if ((p == con.fg) != (lit != inverted))
				return 0;
		}
	return 1;
}

static void init_clears_and_sizes_the_text_area(void)
{
	fresh();
	CHECK(con.cols == 20 && con.rows == 4);
	CHECK(con.fg == 0xc0c0c0 && con.bg == 0);
	for (unsigned i = 0; i < H; i++)
		CHECK(fb[i * STRIDE] == 0 && fb[i * STRIDE + W - 1] == 0);
	/* Past the width (the stride's padding) is not touched. */
	CHECK(fb[W] == 0x55555555);
}

static void text_is_drawn_in_the_fonts_glyphs(void)
{
	fresh();
	fbcon_write(&con, "Plinth\n ok", 10);
	CHECK(shows(0, 0, 'P', 0) && shows(0, 5, 'h', 0));
	CHECK(shows(1, 1, 'o', 0) && shows(1, 2, 'k', 0));
	CHECK(con.row == 1 && con.col == 3);
	CHECK(con.cell[0][0] == 'P' && con.cell[1][2] == 'k');
}

static void control_bytes_draw_nothing_and_others_the_replacement(void)
{
	fresh();
	fbcon_write(&con, "a\x1b[2J\rb\tc\x80", 10);
	/* ESC and CR vanish; "[2J" is text; tab to column 8. */
	CHECK(con.cell[0][0] == 'a' && con.cell[0][1] == '[');
	CHECK(con.cell[0][4] == 'b' && con.cell[0][8] == 'c');
	CHECK(shows(0, 9, (char)0x80, 0));
	CHECK(con.row == 0 && con.col == 10);
}

static void a_long_line_wraps_and_the_bottom_jumps_half_a_page(void)
{
	char line[32];

	fresh();
	for (int i = 0; i < 4; i++) {
		int n = snprintf(line, sizeof(line), "line %d\n", i);

		fbcon_write(&con, line, (size_t)n);
	}
	/* The fourth newline reached the bottom: lines 2 and 3 moved up. */
	CHECK(con.st.jumps == 1 && con.st.lines == 4);
	CHECK(con.cell[0][5] == '2' && con.cell[1][5] == '3');
	CHECK(shows(0, 5, '2', 0) && shows(1, 5, '3', 0));
	CHECK(shows(2, 0, ' ', 0) && con.row == 2);
	fbcon_write(&con, "0123456789012345678901", 22);
	CHECK(con.row == 3 && con.col == 2 && con.cell[3][1] == '1');
}

static void status_row_is_drawn_inverted_and_padded(void)
{
	fresh();
	fbcon_status(&con, "up 5 s");
	CHECK(shows(4, 0, 'u', 1) && shows(4, 5, 's', 1));
	CHECK(shows(4, 19, ' ', 1));
	/* Text never reaches it. */
	fbcon_write(&con, "\n\n\n\n\n\n", 6);
	CHECK(shows(4, 0, 'u', 1));
}

static void a_screen_too_small_is_refused(void)
{
	CHECK(fbcon_init(&con, fb, 120, H, STRIDE, 0xff0000, 0xff00, 0xff)
	      == -1);
	CHECK(fbcon_init(&con, fb, W, 47, STRIDE, 0xff0000, 0xff00, 0xff)
	      == -1);
}

static void colours_follow_the_modes_masks(void)
{
	/* RGB order (red in the low byte) and a 5:6:5-like mask set. */
	CHECK(fbcon_init(&con, fb, W, H, STRIDE, 0xff, 0xff00, 0xff0000) == 0);
	CHECK(con.fg == 0xc0c0c0);
	CHECK(fbcon_init(&con, fb, W, H, STRIDE, 0xf800, 0x7e0, 0x1f) == 0);
	CHECK(con.fg == ((0xc0u >> 3) << 11 | (0xc0u >> 2) << 5 | 0xc0u >> 3));
}

int main(void)
{
	RUN(init_clears_and_sizes_the_text_area);
	RUN(text_is_drawn_in_the_fonts_glyphs);
	RUN(control_bytes_draw_nothing_and_others_the_replacement);
	RUN(a_long_line_wraps_and_the_bottom_jumps_half_a_page);
	RUN(status_row_is_drawn_inverted_and_padded);
	RUN(a_screen_too_small_is_refused);
	RUN(colours_follow_the_modes_masks);
	return CHECK_DONE();
}
