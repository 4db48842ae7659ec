/* The screen console's font: 8x16 glyphs of printable ASCII (0x20 to
 * 0x7e) and one for everything else, converted at build time from
 * Debian's fonts-spleen (BSD-2-Clause) by tools/psf2c.py; nothing of it is
 * kept in the source tree. */
#ifndef PLINTH_FONT_H
#define PLINTH_FONT_H

#include <stdint.h>

#define FONT_W 8
#define FONT_H 16
#define FONT_FIRST 0x20
#define FONT_LAST 0x7e
#define FONT_GLYPHS (FONT_LAST - FONT_FIRST + 2) /* and the replacement */

/* Row r of a glyph: bit 7 is its leftmost pixel. */
extern const uint8_t font_glyph[FONT_GLYPHS][FONT_H];

#endif
