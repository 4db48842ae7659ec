/* The management plane's start-up and what it serves: plinth.cfg's mgmt
 * keys checked, the NIC's management side given an lwIP interface, the
 * HTTP server (net/mgmt.c) fed with status, metrics, the console and the
 * log, and its guest actions carried out. */
#ifndef PLINTH_MANAGE_H
#define PLINTH_MANAGE_H

#include <stdbool.h>

#include "hv/config/boot_info.h"

/* Starts it when plinth.cfg asks; a bad or missing token, or no NIC,
 * leaves it off with the reason logged, and the boot goes on. */
void manage_start(const struct boot_info *bi);
bool manage_running(void);

/* lwIP's timers; from the run loop, next to network_poll(). */
void manage_poll(void);
/* The screen's status line (status_line.c), redrawn once a second:
 * version, uptime, the guest's state, the management address, the
 * guest's devices and its exits per second. */
void status_line_poll(uint16_t mgmt_port);

/* When the guest cannot run and on_fault = halt: keeps serving (the
 * owner learns why, and may power the machine off or reboot it through
 * the API); returns at once when the management plane is off. */
void manage_stay_up(const char *why);

#endif
