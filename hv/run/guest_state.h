/* What the management plane sees of the guest and does to it: its state
 * and why, its serial console (output kept in a ring, input queued for
 * the UART), and requests to reset or power it off.  vm.c feeds and
 * consumes these; hv/manage/manage.c serves them. */
#ifndef PLINTH_GUEST_STATE_H
#define PLINTH_GUEST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum guest_state {
	GS_NONE, /* not started yet */
	GS_RUNNING,
	GS_ENDED,  /* ended; the on_guest_exit action follows */
	GS_FAILED, /* cannot run (no VT-x, a bad kernel...) */
};

void gs_set(enum guest_state s, const char *why);
/* The state, and with `why` its reason copied (n bytes at most). */
enum guest_state gs_get(char *why, size_t n);
const char *gs_name(enum guest_state s);
unsigned gs_starts(void);

#define GS_CONSOLE_RING (64u << 10)
#define GS_INPUT_MAX 4096

/* Takes the ring's memory from the pool; without it the console is only
 * in the log. */
void gs_console_init(void);
void gs_console_out(uint8_t c);
size_t gs_console_read(uint64_t offset, void *out, size_t len, uint64_t *from,
		       uint64_t *next);
/* Queues input for the guest's UART; how many bytes fit. */
size_t gs_console_input(const uint8_t *data, size_t len);
/* The next queued input byte, or -1. */
int gs_console_take(void);

enum gs_request { GS_REQ_NONE, GS_REQ_RESET, GS_REQ_POWEROFF };
void gs_request(enum gs_request r);
/* Takes the pending request (GS_REQ_NONE if none). */
enum gs_request gs_take_request(void);

#endif
