/* The screen console: text drawn on the firmware's linear framebuffer
 * (recorded by boot/ before ExitBootServices), 8x16 glyphs from
 * drivers/font.h, a status line on the bottom row.
 *
 * When the text reaches the bottom, the screen jumps: the lower half
 * moves to the top and the rest is cleared, so a full redraw happens once
 * every half screen of lines rather than a scroll at every line (the
 * framebuffer is device memory, mapped write-combining; the cost per
 * line is counted).  Only printable ASCII is drawn; tab moves to the
 * next multiple of 8, newline starts a line, other control bytes are
 * dropped and bytes above 0x7e draw as the font's replacement glyph, so
 * no byte sequence can do more than put characters in cells.  Not locked: the log calls it under its
 * own lock. */
#ifndef PLINTH_FBCON_H
#define PLINTH_FBCON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBCON_MAX_COLS 512 /* 4096 pixels */
#define FBCON_MAX_ROWS 256 /* 4096 pixels */

struct fbcon_stats {
	uint64_t lines;	     /* newlines written */
	uint64_t jumps;	     /* half-screen jumps (full redraws) */
	uint64_t draw_ticks; /* TSC spent drawing, all of it */
};

struct fbcon {
	uint32_t *fb;
	uint32_t stride;     /* pixels per framebuffer line */
	unsigned cols, rows; /* the text area; the status line is below */
	unsigned col, row;
	uint32_t fg, bg, status_fg, status_bg; /* as framebuffer pixels */
	uint8_t cell[FBCON_MAX_ROWS][FBCON_MAX_COLS];
	struct fbcon_stats st;
};

/* The framebuffer at `fb` (mapped), width x height pixels of 32 bits,
 * `stride` pixels a line, the colours at the given bit masks.  Clears the
 * screen.  -1 if it is too small for two rows of text. */
int fbcon_init(struct fbcon *c, uint32_t *fb, uint32_t width, uint32_t height,
	       uint32_t stride, uint32_t red, uint32_t green, uint32_t blue);
void fbcon_write(struct fbcon *c, const char *s, size_t n);
/* The bottom row: `text`, cut or padded to the width, drawn inverted. */
void fbcon_status(struct fbcon *c, const char *text);

#endif
