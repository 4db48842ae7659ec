/* Plinth's console on the screen (drivers/fbcon.h) as plinth.cfg's
 * `console` key asks: the boot's lines so far, then everything the log
 * says, the guest's console included, and a status line. */
#ifndef PLINTH_SCREEN_H
#define PLINTH_SCREEN_H

#include "hv/config/boot_info.h"

/* After paging and the log ring are up.  Logs what it did and why. */
void screen_start(const struct boot_info *bi);
/* One log line: lines drawn, jumps, the drawing's cost per line. */
void screen_print_stats(void);

#endif
