/* Plinth's log: every line goes to the serial console and to an in-memory
 * ring that the management plane serves.  Safe anywhere, exception
 * handlers included: no allocation.  With an I/O core two CPUs log, so
 * output and ring reads take one bounded spin lock (hv/base/spin.h): a
 * line is never torn by the other CPU's, and a CPU that faults while
 * holding it still gets its report out. */
#ifndef PLINTH_LOG_H
#define PLINTH_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "hv/base/logring.h"

/* Where lines go besides the ring: the console (a UART, from drivers/).
 * Before log_init, lines reach the ring only. */
struct log_console {
	void (*write)(const char *buf, size_t len);
	int (*getc)(void);   /* a byte typed, or -1 */
	void (*drain)(void); /* returns once everything is sent */
};

void log_init(const struct log_console *console);

/* A second place lines go, beside the console: the screen.  status()
 * shows a line of state apart from the log (the screen's bottom row). */
struct log_mirror {
	void (*write)(void *ctx, const char *buf, size_t len);
	void (*status)(void *ctx, const char *text);
	void *ctx;
};
void log_set_mirror(const struct log_mirror *m);
/* Passes `text` to the mirror's status(), under the log's lock. */
void log_status(const char *text);
/* Starts keeping output in `mem`; what was written before is lost to the
 * ring (boot/'s own messages are imported with log_import). */
void log_attach_ring(void *mem, size_t size);
/* Adds text to the ring only (it was already printed). */
void log_import(const char *buf, size_t len);
/* Reads the ring (logring_read) under the log's lock; 0 before
 * log_attach_ring. */
size_t log_ring_read(uint64_t offset, void *out, size_t len, uint64_t *from,
		     uint64_t *next);

/* Writes text as given. */
void log_write(const char *buf, size_t len);

/* The guest's console output, shown so that it cannot pass for Plinth's
 * own lines nor drive the operator's terminal: each of its lines starts
 * with LOG_GUEST_MARK, a control character other than tab and newline
 * shows in caret notation (ESC as "^["), carriage returns are dropped,
 * and a line of Plinth's that comes while a guest line is unfinished
 * starts on a line of its own.  With `raw` (a trusted guest whose shell
 * wants a real terminal) the bytes go out as they are. */
#define LOG_GUEST_MARK "guest| "
void log_guest(const char *buf, size_t len);
void log_guest_raw(int raw);
void log_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* One line: "[   SECONDS.MICROS] text\n". */
void log_msg(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* "Log only the first few": a fault that a guest or a device can repeat
 * at will must not flood the console.  `seen` is how many events of the
 * kind came before this one, logged or not (the caller's counter, often a
 * statistic it keeps anyway), `max` how many lines the kind gets; the
 * last of them ends with `last_note`: LOG_LIMIT_NOTE, or "" where the
 * counter is reported elsewhere.  A macro over log_msg() (the format must
 * be a literal), so code that the host tests build needs only their
 * log_msg(). */
#define LOG_LIMIT_NOTE " (further ones are counted only)"
#define log_limited(seen, max, last_note, f, ...)                              \
	do {                                                                   \
		uint64_t log_seen_ = (seen), log_max_ = (max);                 \
                                                                               \
		if (log_seen_ < log_max_)                                      \
			log_msg(f "%s", ##__VA_ARGS__,                         \
				log_seen_ + 1 == log_max_ ? (last_note) : ""); \
	} while (0)

/* A byte typed on the console, or -1. */
int log_getc(void);

/* Waits until the UART has sent everything (before power-off or reset). */
void log_drain(void);

#endif
