/* The screen console (see fbcon.h). */
#include "drivers/fbcon.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "drivers/font.h"

/* An 8-bit colour component into the bits of `mask`. */
static uint32_t component(uint8_t v, uint32_t mask)
{
	unsigned shift = 0, bits = 0;

	if (!mask)
		return 0;
	while (!(mask >> shift & 1))
		shift++;
	while (shift + bits < 32 && (mask >> (shift + bits) & 1))
		bits++;
	return (bits >= 8 ? (uint32_t)v << (bits - 8)
			  : (uint32_t)v >> (8 - bits))
	       << shift;
}

static uint32_t pixel(uint8_t r, uint8_t g, uint8_t b, const uint32_t m[3])
{
	return component(r, m[0]) | component(g, m[1]) | component(b, m[2]);
}

int fbcon_init(struct fbcon *c, uint32_t *fb, uint32_t width, uint32_t height,
	       uint32_t stride, uint32_t red, uint32_t green, uint32_t blue)
{
	const uint32_t m[3] = { red, green, blue };

	memset(c, 0, sizeof(*c));
	c->cols = width / FONT_W;
	c->rows = height / FONT_H;
	if (c->cols > FBCON_MAX_COLS)
		c->cols = FBCON_MAX_COLS;
	if (c->rows > FBCON_MAX_ROWS)
		c->rows = FBCON_MAX_ROWS;
	if (c->rows < 3 || c->cols < 16)
		return -1;
	c->rows--; /* the status line */
	c->fb = fb;
	c->stride = stride;
	c->fg = pixel(0xc0, 0xc0, 0xc0, m);
	c->bg = pixel(0, 0, 0, m);
	c->status_fg = c->bg;
	c->status_bg = c->fg;
	memset(c->cell, ' ', sizeof(c->cell));
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++)
			fb[(uint64_t)y * stride + x] = c->bg;
	return 0;
}

static void draw(const struct fbcon *c, unsigned row, unsigned col, uint8_t ch,
		 uint32_t fg, uint32_t bg)
{
	unsigned g = ch >= FONT_FIRST && ch <= FONT_LAST ? ch - FONT_FIRST
							 : FONT_GLYPHS - 1;
	uint32_t *p = c->fb + (uint64_t)row * FONT_H * c->stride
		      + (uint64_t)col * FONT_W;

	for (unsigned y = 0; y < FONT_H; y++, p += c->stride) {
		uint8_t bits = font_glyph[g][y];

		for (unsigned x = 0; x < FONT_W; x++)
			p[x] = (bits & (0x80 >> x)) ? fg : bg;
	}
}

/* The lower half of the text moves to the top, the rest is blank. */
static void jump(struct fbcon *c)
{
	unsigned keep = c->rows / 2, from = c->rows - keep;

	memmove(c->cell[0], c->cell[from], sizeof(c->cell[0]) * keep);
	memset(c->cell[keep], ' ', sizeof(c->cell[0]) * (c->rows - keep));
	for (unsigned r = 0; r < c->rows; r++)
		for (unsigned k = 0; k < c->cols; k++)
			draw(c, r, k, c->cell[r][k], c->fg, c->bg);
	c->row = keep;
	c->st.jumps++;
}

static void newline(struct fbcon *c)
{
	c->col = 0;
	c->st.lines++;
	if (++c->row == c->rows)
		jump(c);
}

static void put(struct fbcon *c, uint8_t ch)
{
	if (ch == '\n') {
		newline(c);
		return;
	}
	if (ch == '\t') {
		do
			put(c, ' ');
		while (c->col % 8);
		return;
	}
	if (ch < 0x20)
		return; /* CR, ESC and the rest: nothing to draw */
	if (c->col == c->cols)
		newline(c);
	c->cell[c->row][c->col] = ch;
	draw(c, c->row, c->col++, ch, c->fg, c->bg);
}

void fbcon_write(struct fbcon *c, const char *s, size_t n)
{
	uint64_t t0 = rdtsc();

	for (size_t i = 0; i < n; i++)
		put(c, (uint8_t)s[i]);
	/* The framebuffer is write-combining: out of the CPU's buffers now,
	 * not whenever they next fill. */
	__asm__ volatile("sfence" ::: "memory");
	c->st.draw_ticks += rdtsc() - t0;
}

void fbcon_status(struct fbcon *c, const char *text)
{
	size_t n = strlen(text);

	for (unsigned k = 0; k < c->cols; k++)
		draw(c, c->rows, k, k < n ? (uint8_t)text[k] : ' ',
		     c->status_fg, c->status_bg);
}
